//! Server-rendered back-office pages (askama templates in `templates/`).
//!
//! Every page works without JavaScript: plain links and forms (POST + redirect); htmx only
//! makes some of them update in place. Forms carry a CSRF token: the session's token once
//! logged in, a double-submit cookie on the login form.

mod account;
mod audit;
mod auth;
mod calendar;
mod civil;
mod civil_search;
mod dossiers;
mod exchange;
mod exchange_log;
mod exchange_members;
mod procedures;
mod reference;
mod tools;
mod users;
mod verify;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use tuphap_domain::Actor;

use crate::extract::{SESSION_COOKIE, constant_time_eq, cookie};
use crate::state::AppState;
use crate::statics::ASSET_VERSION;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(auth::home))
        .route("/security", get(crate::security::page))
        .route("/login", get(auth::login_form).post(auth::login_submit))
        .route("/logout", post(auth::logout))
        // Strong authentication of officials (issue 8).
        .route(
            "/account/2fa",
            get(account::two_factor).post(account::two_factor_confirm),
        )
        .route("/account/2fa/disable", post(account::two_factor_disable))
        .route(
            "/account/reauth",
            get(account::reauth_form).post(account::reauth_submit),
        )
        .route("/account/sessions", get(account::sessions))
        .route("/account/sessions/{id}/end", post(account::end_session))
        .route(
            "/users/{username}/sessions/revoke",
            post(account::revoke_user_sessions),
        )
        // Online public services: citizen login (OpenID Connect) and "Trang của tôi".
        .route("/citizen", get(civil::citizen_home))
        .route("/citizen/login", get(civil::citizen_login))
        .route("/citizen/callback", get(civil::citizen_callback))
        .route("/citizen/logout", post(civil::citizen_logout))
        .route(
            "/citizen/dossiers",
            get(dossiers::citizen::my_dossiers)
                .post(dossiers::citizen::submit_application)
                .layer(axum::extract::DefaultBodyLimit::max(
                    dossiers::citizen::UPLOAD_BODY_LIMIT,
                )),
        )
        .route(
            "/citizen/dossiers/new",
            get(dossiers::citizen::new_application),
        )
        .route("/citizen/dossiers/{code}", get(dossiers::citizen::dossier))
        .route(
            "/citizen/dossiers/{code}/withdraw",
            post(dossiers::citizen::withdraw),
        )
        .route(
            "/citizen/dossiers/{code}/supplement",
            post(dossiers::citizen::supplement).layer(axum::extract::DefaultBodyLimit::max(
                dossiers::citizen::UPLOAD_BODY_LIMIT,
            )),
        )
        .route(
            "/citizen/dossiers/{code}/files/{id}",
            get(dossiers::citizen::file),
        )
        .route(
            "/citizen/dossiers/{code}/certificate.pdf",
            get(dossiers::citizen::certificate_pdf),
        )
        .route(dossiers::public::LOOKUP_PATH, get(dossiers::public::lookup))
        .route("/citizen/access", get(dossiers::public::access))
        .route("/citizen/dossiers/{code}/pay", post(dossiers::payment::pay))
        .route(
            "/citizen/payments/return",
            get(dossiers::payment::payment_return),
        )
        .route(
            "/citizen/dossiers/{code}/rating",
            post(dossiers::public::rate),
        )
        .route("/verify", get(verify::page))
        .route("/indicators", get(dossiers::indicators::page))
        // The officer's dossier queue and a dossier's page with its actions (issue 7).
        .route("/dossiers", get(dossiers::office::queue))
        .route(
            "/dossiers/unit-codes",
            post(dossiers::office::set_unit_code),
        )
        .route("/dossiers/{code}", get(dossiers::office::detail))
        .route("/dossiers/{code}/files/{id}", get(dossiers::office::file))
        .route("/dossiers/{code}/accept", post(dossiers::office::accept))
        .route(
            "/dossiers/{code}/supplement-request",
            post(dossiers::office::supplement_request),
        )
        .route("/dossiers/{code}/refuse", post(dossiers::office::refuse))
        .route("/dossiers/{code}/stop", post(dossiers::office::stop))
        .route("/dossiers/{code}/apology", post(dossiers::office::apology))
        .route("/reference/admin-units", get(reference::admin_units))
        .route("/reference/admin-units/{code}", get(reference::admin_unit))
        .route("/tools/personal-id", get(tools::personal_id))
        .route("/calendar", get(calendar::page))
        .route(
            "/procedures",
            get(procedures::list).post(procedures::create),
        )
        .route("/procedures/new", get(procedures::new_form))
        .route(
            "/procedures/{code}",
            get(procedures::detail).post(procedures::update),
        )
        .route("/procedures/{code}/edit", get(procedures::edit_form))
        .route("/calendar/adjustments", post(calendar::set_adjustment))
        .route(
            "/calendar/adjustments/{date}/delete",
            post(calendar::delete_adjustment),
        )
        .route("/audit", get(audit::page))
        .route("/users", get(users::page).post(users::create))
        .route("/exchange", get(exchange::page))
        .route("/exchange/log", get(exchange_log::page))
        .route(
            "/exchange/members",
            get(exchange_members::page).post(exchange_members::register),
        )
        .route("/exchange/members/update", post(exchange_members::update))
        .route("/exchange/members/keys", post(exchange_members::issue_key))
        .route(
            "/exchange/members/keys/revoke",
            post(exchange_members::revoke_key),
        )
        .route("/exchange/members/rights", post(exchange_members::grant))
        .route(
            "/exchange/members/rights/revoke",
            post(exchange_members::withdraw),
        )
        .route(
            "/exchange/subscriptions/enabled",
            post(exchange::set_enabled),
        )
        .route(
            "/exchange/dead-letters/{id}/requeue",
            post(exchange::requeue),
        )
        .route(
            "/exchange/dead-letters/requeue-all",
            post(exchange::requeue_all),
        )
        .route("/civil", get(civil::queue))
        .route("/civil/search", get(civil_search::page))
        .route("/civil/births/new", get(civil::new_birth))
        .route("/civil/births", post(civil::declare_birth))
        .route("/civil/deaths/new", get(civil::new_death))
        .route("/civil/deaths", post(civil::declare_death))
        .route("/civil/divorces/new", get(civil::new_divorce))
        .route("/civil/divorces", post(civil::declare_divorce))
        .route("/civil/marital-status/new", get(civil::new_marital_status))
        .route("/civil/marital-status", post(civil::declare_marital_status))
        .route("/civil/amendments/new", get(civil::new_amendment))
        .route("/civil/amendments", post(civil::declare_amendment))
        .route("/civil/parentage/new", get(civil::new_parentage))
        .route("/civil/parentage", post(civil::declare_parentage))
        .route("/civil/adoptions/new", get(civil::new_adoption))
        .route("/civil/adoptions", post(civil::declare_adoption))
        .route(
            "/civil/adoption-terminations/new",
            get(civil::new_adoption_termination),
        )
        .route(
            "/civil/adoption-terminations",
            post(civil::declare_adoption_termination),
        )
        .route("/civil/guardianships/new", get(civil::new_guardianship))
        .route("/civil/guardianships", post(civil::declare_guardianship))
        .route(
            "/civil/guardianship-changes/new",
            get(civil::new_guardianship_change),
        )
        .route(
            "/civil/guardianship-changes",
            post(civil::declare_guardianship_change),
        )
        .route(
            "/civil/guardianship-ends/new",
            get(civil::new_guardianship_end),
        )
        .route(
            "/civil/guardianship-ends",
            post(civil::declare_guardianship_end),
        )
        .route("/civil/marriages/new", get(civil::new_marriage))
        .route("/civil/marriages", post(civil::declare_marriage))
        .route("/civil/records/{id}", get(civil::record))
        .route("/civil/records/{id}/register", post(civil::register))
        .route("/civil/records/{id}/extracts", post(civil::issue_extract))
        .route("/civil/records/{id}/return", post(civil::return_record))
        .route("/civil/records/{id}/reject", post(civil::reject_record))
        .route("/civil/persons/{id}", get(civil::person))
        .route("/civil/persons/{id}/merge", post(civil::merge_person))
        .route(
            "/civil/person-merges/{id}/undo",
            post(civil::undo_person_merge),
        )
        // A purpose stated in a page's query is remembered for the session (issue 8).
        .layer(axum::middleware::from_fn(crate::privacy::remember_purpose))
}

/// A navigation entry.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the shared layout (`base.html`) needs.
pub struct Layout {
    pub title: String,
    pub asset_version: &'static str,
    pub user: Option<LayoutUser>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
}

pub struct LayoutUser {
    pub display_name: String,
    pub username: String,
    pub role_label: String,
    pub office_name: String,
}

impl Layout {
    /// Layout for a logged-in page; `current` is the href of the active navigation entry.
    pub fn for_actor(title: impl Into<String>, actor: &Actor, current: &str) -> Layout {
        let mut nav = vec![
            ("/", "Trang chủ"),
            ("/reference/admin-units", "Đơn vị hành chính"),
            ("/tools/personal-id", "Số định danh"),
            ("/calendar", "Lịch làm việc"),
            ("/procedures", "Thủ tục hành chính"),
            ("/indicators", "Chỉ số 766"),
        ];
        if actor.office.kind == tuphap_domain::identity::OfficeKind::Commune
            || matches!(
                actor.role,
                tuphap_core::role::Role::Province | tuphap_core::role::Role::Ministry
            )
        {
            nav.insert(1, ("/civil", "Hộ tịch"));
        }
        if tuphap_domain::online::dossier_office::reads_dossiers(actor.role)
            || actor.role.can_administer()
        {
            let at = nav
                .iter()
                .position(|(h, _)| *h == "/civil")
                .map_or(1, |i| i + 1);
            nav.insert(at, ("/dossiers", "Hồ sơ trực tuyến"));
        }
        if actor.role.can_read_audit() {
            nav.push(("/audit", "Nhật ký kiểm tra"));
        }
        if actor.role.can_administer() {
            nav.push(("/users", "Người dùng"));
        }
        if tuphap_domain::exchange::outbox::can_read_exchange(actor.role) {
            nav.push(("/exchange", "Trao đổi dữ liệu"));
        }
        if tuphap_domain::security::may_view(actor) {
            nav.push(("/security", "An ninh"));
        }
        Layout {
            title: title.into(),
            asset_version: ASSET_VERSION,
            user: Some(LayoutUser {
                display_name: actor.display_name.clone(),
                username: actor.username.clone(),
                role_label: actor.role.label_vi().to_string(),
                office_name: actor.office.name.clone(),
            }),
            nav: nav
                .into_iter()
                .map(|(href, label)| NavItem {
                    href,
                    label,
                    current: href == current,
                })
                .collect(),
            csrf: actor.csrf_token.clone(),
        }
    }

    /// Layout for a public page (no user, no navigation).
    pub fn public(title: impl Into<String>, csrf: String) -> Layout {
        Layout {
            title: title.into(),
            asset_version: ASSET_VERSION,
            user: None,
            nav: Vec::new(),
            csrf,
        }
    }
}

/// The logged-in user of a page; anyone else is sent to the login page (and back afterwards).
pub struct PageActor(pub Actor);

impl FromRequestParts<AppState> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || {
            let next = parts
                .extensions
                .get::<OriginalUri>()
                .map(|u| u.0.to_string())
                .unwrap_or_else(|| parts.uri.to_string());
            Redirect::to(&format!("/login?next={}", encode_component(&next))).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match state.app.authenticate(token).await {
            Ok(Some(actor)) => Ok(PageActor(actor)),
            Ok(None) => Err(to_login()),
            Err(e) => Err(error_page(&e.message, crate::error::status_of(e.kind))),
        }
    }
}

/// A submitted form that carries the session's CSRF token in its `csrf` field.
pub trait CsrfProtected {
    fn csrf(&self) -> &str;
}

/// A form with nothing but the CSRF token (logout, delete buttons).
#[derive(Debug, Default, serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

impl CsrfProtected for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Reads a submitted form of a logged-in page and checks its CSRF token against the session's:
/// the form, or the error page to answer (400 unreadable form, 403 missing or wrong token).
// The error is the response the handler returns as is; boxing it would buy nothing.
#[allow(clippy::result_large_err)]
pub fn accept_form<T: CsrfProtected>(
    actor: &Actor,
    form: Result<axum::Form<T>, axum::extract::rejection::FormRejection>,
) -> Result<T, Response> {
    let f = match form {
        Ok(axum::Form(f)) => f,
        Err(rej) => {
            tracing::debug!(error = %rej, "unreadable form");
            return Err(error_page(
                "Không đọc được dữ liệu biểu mẫu. Hãy tải lại trang và thử lại.",
                StatusCode::BAD_REQUEST,
            ));
        }
    };
    if !constant_time_eq(f.csrf(), &actor.csrf_token) {
        return Err(error_page(
            "Yêu cầu không hợp lệ (thiếu hoặc sai mã chống giả mạo). Hãy tải lại trang và thử lại.",
            StatusCode::FORBIDDEN,
        ));
    }
    Ok(f)
}

/// Percent-encodes a URL component.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A redirect target we accept after login: a local path only (no `//host`, no scheme).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.len() < 2000 =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub l: Layout,
    pub heading: String,
    pub message: String,
}

/// A plain error page with `status`.
pub fn error_page(message: &str, status: StatusCode) -> Response {
    let page = ErrorPage {
        l: Layout::public("Có lỗi xảy ra", String::new()),
        heading: "Có lỗi xảy ra".into(),
        message: message.to_string(),
    };
    (status, page).into_response()
}

pub fn not_found_page(path: &str) -> Response {
    let page = ErrorPage {
        l: Layout::public("Không tìm thấy trang", String::new()),
        heading: "Không tìm thấy trang".into(),
        message: format!("Không có trang {path}. Hãy kiểm tra lại địa chỉ hoặc quay về trang chủ."),
    };
    (StatusCode::NOT_FOUND, page).into_response()
}

/// `Set-Cookie` value for the session cookie (or its removal when `token` is empty).
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v = if token.is_empty() {
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
    } else {
        format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
        )
    };
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Adds a `Set-Cookie` header to a response.
pub fn with_cookie(mut resp: Response, cookie: HeaderValue) -> Response {
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    resp
}

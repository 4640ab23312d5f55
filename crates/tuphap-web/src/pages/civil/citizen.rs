//! The citizen pages of the online public services (issue 7, item 2):
//!
//! - `GET /citizen`: "Trang của tôi" for a logged-in citizen (their own entry in the person
//!   register, found by the personal ID the identity provider vouched for: civil status, life
//!   events, numbers partner agencies gave them, and what forms will pre-fill), or the page
//!   inviting them to log in with VNeID.
//! - `GET /citizen/login`: starts an OpenID Connect login (state, nonce and PKCE verifier kept
//!   server-side, `citizen_logins`; the browser keeps only a random key in a 10-minute cookie)
//!   and redirects to the provider.
//! - `GET /citizen/callback`: checks the state, exchanges the code, verifies the ID token
//!   (`crate::citizen`) and opens a citizen session (`citizen_sessions`, 30 minutes).
//! - `POST /citizen/logout` (CSRF token of the citizen session).
//!
//! A citizen is not a staff user: the citizen cookie (`tuphap_citizen`, `Path=/citizen`) is a
//! different cookie, checked against a different table, and no staff page or API reads it.
//! Every refusal is a Vietnamese page with a stable code (`state_mismatch`, `id_token_invalid`,
//! `provider_unavailable`, …), never a 500.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_domain::citizen::Citizen;
use tuphap_domain::civil::PersonView;

use super::person::{civil_status_label, event_title};
use super::{event_date_label, role_label, sex_label, status_badge, vn_date};
use crate::citizen::LoginError;
use crate::extract::{Meta, constant_time_eq, cookie};
use crate::pages::reference::html;
use crate::pages::{Layout, with_cookie};
use crate::state::AppState;

/// The citizen session cookie (never the staff `tuphap_session`).
pub const CITIZEN_COOKIE: &str = "tuphap_citizen";
/// The login-in-progress cookie (random key of the `citizen_logins` row).
pub const CITIZEN_LOGIN_COOKIE: &str = "tuphap_citizen_login";

fn citizen_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/citizen; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[derive(Template)]
#[template(path = "citizen_error.html")]
pub struct CitizenErrorPage {
    pub l: Layout,
    pub heading: String,
    pub message: String,
    pub code: String,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let page = CitizenErrorPage {
        l: Layout::public("Không đăng nhập được", String::new()),
        heading: "Không đăng nhập được".into(),
        message: message.to_string(),
        code: code.to_string(),
    };
    let mut r = html(status, page.render());
    r.headers_mut().insert(
        "x-error-code",
        HeaderValue::from_str(code).unwrap_or(HeaderValue::from_static("error")),
    );
    r
}

fn login_error(e: &LoginError) -> Response {
    error(
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_GATEWAY),
        e.code,
        &e.message,
    )
}

fn internal(e: &tuphap_domain::DomainError) -> Response {
    error(crate::error::status_of(e.kind), e.code, &e.message)
}

/// One line of what forms will pre-fill (once-only: never asked again).
pub struct PrefillLine {
    pub label: &'static str,
    pub value: String,
    /// "Sổ hộ tịch" or "VNeID".
    pub source: &'static str,
}

/// What forms pre-fill for this citizen: the registry's data first, the identity provider's
/// where the registry holds nothing.
pub fn prefill(citizen: &Citizen, person: Option<&PersonView>) -> Vec<PrefillLine> {
    let registry = "Sổ hộ tịch";
    let vneid = "VNeID";
    let mut out = vec![PrefillLine {
        label: "Số định danh cá nhân",
        value: citizen.personal_id.clone(),
        source: vneid,
    }];
    let name = person.map(|p| p.full_name.clone());
    out.push(match name {
        Some(n) => PrefillLine {
            label: "Họ, chữ đệm và tên",
            value: n,
            source: registry,
        },
        None => PrefillLine {
            label: "Họ, chữ đệm và tên",
            value: citizen.full_name.clone(),
            source: vneid,
        },
    });
    match person.and_then(|p| p.date_of_birth.clone()) {
        Some(d) => out.push(PrefillLine {
            label: "Ngày sinh",
            value: vn_date(&d),
            source: registry,
        }),
        None => {
            if let Some(d) = &citizen.birthdate {
                out.push(PrefillLine {
                    label: "Ngày sinh",
                    value: vn_date(d),
                    source: vneid,
                });
            }
        }
    }
    match person.and_then(|p| p.sex.clone()) {
        Some(s) => out.push(PrefillLine {
            label: "Giới tính",
            value: sex_label(&s),
            source: registry,
        }),
        None => {
            if let Some(g) = &citizen.gender {
                out.push(PrefillLine {
                    label: "Giới tính",
                    value: sex_label(g),
                    source: vneid,
                });
            }
        }
    }
    out
}

pub struct CitizenEvent {
    pub title: String,
    pub date_label: &'static str,
    pub date: String,
    pub role_label: &'static str,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub register_text: Option<String>,
    pub office_name: String,
}

pub struct CitizenPerson {
    pub full_name: String,
    pub sex: String,
    pub date_of_birth: String,
    pub date_of_death: Option<String>,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub status_explained: String,
    pub guardianship: Option<String>,
    pub partner_numbers: Vec<(String, String)>,
    pub events: Vec<CitizenEvent>,
}

#[derive(Template)]
#[template(path = "citizen_home.html")]
pub struct CitizenHomePage {
    pub l: Layout,
    pub full_name: String,
    pub personal_id: String,
    pub person: Option<CitizenPerson>,
    pub prefill: Vec<PrefillLine>,
}

#[derive(Template)]
#[template(path = "citizen_landing.html")]
pub struct CitizenLandingPage {
    pub l: Layout,
    pub configured: bool,
}

fn person_view(view: &PersonView) -> CitizenPerson {
    let (status_label, status_class) = civil_status_label(&view.civil_status, view.sex.as_deref());
    CitizenPerson {
        full_name: view.full_name.clone(),
        sex: view
            .sex
            .as_deref()
            .map(sex_label)
            .unwrap_or_else(|| "—".into()),
        date_of_birth: view
            .date_of_birth
            .as_deref()
            .map(vn_date)
            .unwrap_or_else(|| "—".into()),
        date_of_death: view.date_of_death.as_deref().map(vn_date),
        status_label,
        status_class,
        status_explained: view.civil_status_explained.clone(),
        guardianship: view.guardianship.clone(),
        partner_numbers: view
            .partner_numbers
            .iter()
            .map(|n| (n.label.clone(), n.value.clone()))
            .collect(),
        events: view
            .events
            .iter()
            .map(|e| {
                let (status_label, status_class) = status_badge(&e.status);
                CitizenEvent {
                    title: event_title(&e.kind, &e.role),
                    date_label: event_date_label(&e.kind),
                    date: vn_date(&e.date),
                    role_label: role_label(&e.role),
                    status_label,
                    status_class,
                    register_text: e.register_text.clone(),
                    office_name: e.office_name.clone(),
                }
            })
            .collect(),
    }
}

/// The logged-in citizen of a request, if any.
async fn current_citizen(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Citizen>, tuphap_domain::DomainError> {
    match cookie(headers, CITIZEN_COOKIE) {
        Some(token) => state.app.citizen_authenticate(token).await,
        None => Ok(None),
    }
}

pub async fn citizen_home(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
) -> Response {
    let citizen = match current_citizen(&state, &headers).await {
        Ok(c) => c,
        Err(e) => return internal(&e),
    };
    let Some(citizen) = citizen else {
        let page = CitizenLandingPage {
            l: Layout::public("Dịch vụ công trực tuyến", String::new()),
            configured: state.citizen_login.is_some(),
        };
        return html(StatusCode::OK, page.render());
    };
    let view = match state.app.citizen_own_person(&citizen, &meta).await {
        Ok(v) => v,
        Err(e) => return internal(&e),
    };
    let page = CitizenHomePage {
        l: Layout::public("Trang của tôi", citizen.csrf_token.clone()),
        full_name: citizen.full_name.clone(),
        personal_id: citizen.personal_id.clone(),
        prefill: prefill(&citizen, view.as_ref()),
        person: view.as_ref().map(person_view),
    };
    let mut r = html(StatusCode::OK, page.render());
    r.headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    r
}

pub async fn citizen_login(State(state): State<AppState>) -> Response {
    let Some(rp) = state.citizen_login.clone() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "citizen_login_not_configured",
            "Máy chủ này chưa được cấu hình đăng nhập bằng tài khoản định danh điện tử (VNeID).",
        );
    };
    let discovery = match rp.discover().await {
        Ok(d) => d,
        Err(e) => return login_error(&e),
    };
    let start = match state.app.citizen_login_begin().await {
        Ok(s) => s,
        Err(e) => return internal(&e),
    };
    let url = rp.authorization_url(&discovery, &start.state, &start.nonce, &start.code_verifier);
    with_cookie(
        Redirect::to(&url).into_response(),
        citizen_cookie(
            CITIZEN_LOGIN_COOKIE,
            &start.login_token,
            tuphap_domain::citizen::LOGIN_LIFETIME.whole_seconds(),
            state.config.secure_cookies,
        ),
    )
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

pub async fn citizen_callback(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    q: Result<Query<CallbackQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let secure = state.config.secure_cookies;
    let clear_login = citizen_cookie(CITIZEN_LOGIN_COOKIE, "", 0, secure);
    let refuse = |status: StatusCode, code: &'static str, message: &str| {
        with_cookie(error(status, code, message), clear_login.clone())
    };
    let Some(rp) = state.citizen_login.clone() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "citizen_login_not_configured",
            "Máy chủ này chưa được cấu hình đăng nhập bằng tài khoản định danh điện tử (VNeID).",
        );
    };
    let Ok(Query(q)) = q else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "callback_invalid",
            "Địa chỉ trả về từ hệ thống định danh không đọc được. Vui lòng đăng nhập lại.",
        );
    };
    // Single use: the login in progress is gone whatever happens next.
    let pending = match cookie(&headers, CITIZEN_LOGIN_COOKIE) {
        Some(key) => match state.app.citizen_login_take(key).await {
            Ok(p) => p,
            Err(e) => return internal(&e),
        },
        None => None,
    };
    let audit_refusal = |code: &'static str| {
        let (app, meta) = (state.app.clone(), meta.clone());
        async move {
            if let Err(e) = app.citizen_login_refused(code, &meta).await {
                tracing::warn!(error = %e.message, "audit of a refused citizen login");
            }
        }
    };
    let Some(pending) = pending else {
        audit_refusal("login_expired").await;
        return refuse(
            StatusCode::BAD_REQUEST,
            "login_expired",
            "Phiên đăng nhập đã hết hạn hoặc đã được dùng. Vui lòng bắt đầu đăng nhập lại.",
        );
    };
    let state_ok = q
        .state
        .as_deref()
        .is_some_and(|s| constant_time_eq(s, &pending.state));
    if !state_ok {
        audit_refusal("state_mismatch").await;
        return refuse(
            StatusCode::BAD_REQUEST,
            "state_mismatch",
            "Yêu cầu đăng nhập không khớp với phiên đăng nhập của trình duyệt này (state). Vui lòng đăng nhập lại.",
        );
    }
    if let Some(err) = q.error.as_deref() {
        audit_refusal("provider_refused").await;
        return refuse(
            StatusCode::BAD_REQUEST,
            "provider_refused",
            &format!("Hệ thống định danh điện tử không cho phép đăng nhập ({err})."),
        );
    }
    let Some(code) = q
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() < 2000)
    else {
        audit_refusal("callback_invalid").await;
        return refuse(
            StatusCode::BAD_REQUEST,
            "callback_invalid",
            "Thiếu mã xác nhận (code) từ hệ thống định danh. Vui lòng đăng nhập lại.",
        );
    };
    let identity = match rp
        .finish(code, &pending.code_verifier, &pending.nonce)
        .await
    {
        Ok(i) => i,
        Err(e) => {
            audit_refusal(e.code).await;
            return with_cookie(login_error(&e), clear_login);
        }
    };
    match state.app.citizen_session_start(&identity, &meta).await {
        Ok((token, max_age)) => {
            let r = with_cookie(
                Redirect::to("/citizen").into_response(),
                citizen_cookie(CITIZEN_COOKIE, &token, max_age, secure),
            );
            with_cookie(r, clear_login)
        }
        Err(e) => internal(&e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    pub csrf: String,
}

pub async fn citizen_logout(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    let citizen = match current_citizen(&state, &headers).await {
        Ok(Some(c)) => c,
        Ok(None) => return Redirect::to("/citizen").into_response(),
        Err(e) => return internal(&e),
    };
    let csrf_ok = form
        .as_ref()
        .is_ok_and(|Form(f)| constant_time_eq(&f.csrf, &citizen.csrf_token));
    if !csrf_ok {
        return error(
            StatusCode::FORBIDDEN,
            "csrf_invalid",
            "Yêu cầu không hợp lệ (thiếu hoặc sai mã chống giả mạo). Hãy tải lại trang và thử lại.",
        );
    }
    if let Err(e) = state.app.citizen_logout(&citizen, &meta).await {
        return internal(&e);
    }
    with_cookie(
        Redirect::to("/citizen").into_response(),
        citizen_cookie(CITIZEN_COOKIE, "", 0, state.config.secure_cookies),
    )
}

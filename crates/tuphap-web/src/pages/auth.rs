//! Login, logout and the home page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_domain::ErrorKind;
use tuphap_domain::identity::{Scope, SessionKind};

use super::{CsrfOnly, Layout, PageActor, accept_form, safe_next, session_cookie, with_cookie};
use crate::extract::{CSRF_COOKIE, Meta, constant_time_eq, cookie};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub l: Layout,
    pub next: String,
    pub username: String,
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    pub next: Option<String>,
}

fn csrf_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn login_page(
    state: &AppState,
    next: String,
    username: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let token = tuphap_domain::identity::random_token();
    let page = LoginPage {
        l: Layout::public("Đăng nhập", token.clone()),
        next,
        username,
        error,
    };
    with_cookie(
        (status, page).into_response(),
        csrf_cookie(&token, state.config.secure_cookies),
    )
}

pub async fn login_form(State(state): State<AppState>, Query(q): Query<LoginQuery>) -> Response {
    login_page(
        &state,
        safe_next(q.next.as_deref()),
        String::new(),
        None,
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub csrf: String,
    pub next: Option<String>,
    /// The code of the authenticator app (or a recovery code), when the account has one.
    #[serde(default)]
    pub otp: Option<String>,
}

pub async fn login_submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let csrf_valid = cookie(&headers, CSRF_COOKIE).is_some_and(|c| constant_time_eq(c, &f.csrf));
    if !csrf_valid {
        return login_page(
            &state,
            next,
            f.username,
            Some("Phiên làm việc của biểu mẫu đã hết hạn. Vui lòng đăng nhập lại.".into()),
            StatusCode::FORBIDDEN,
        );
    }
    match state
        .app
        .login_with_otp(
            &f.username,
            &f.password,
            f.otp.as_deref(),
            SessionKind::Browser,
            &meta,
        )
        .await
    {
        Ok(ok) => {
            let max_age = (ok.expires_at - tuphap_store::now_utc()).whole_seconds();
            // An official without the required second factor may only enrol one.
            let to = if ok.enrolment_only {
                "/account/2fa".to_string()
            } else {
                next
            };
            with_cookie(
                Redirect::to(&to).into_response(),
                session_cookie(&ok.token, max_age, state.config.secure_cookies),
            )
        }
        Err(e) => {
            let status = match e.kind {
                ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
                ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
                other => crate::error::status_of(other),
            };
            login_page(&state, next, f.username, Some(e.message), status)
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Response {
    if let Err(refused) = accept_form(&actor, form) {
        return refused;
    }
    if let Err(e) = state.app.logout(&actor, &meta).await {
        return super::error_page(&e.message, crate::error::status_of(e.kind));
    }
    with_cookie(
        Redirect::to("/login").into_response(),
        session_cookie("", 0, state.config.secure_cookies),
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub l: Layout,
    pub display_name: String,
    pub role_label: String,
    pub office_name: String,
    pub scope_text: String,
    pub today: String,
    pub can_audit: bool,
    pub can_admin: bool,
}

pub async fn home(PageActor(actor): PageActor) -> Response {
    let scope_text = match &actor.office.scope {
        Scope::National => "Toàn quốc".to_string(),
        Scope::Province { province_code } => {
            tuphap_core::reference::unit_on(province_code, tuphap_core::dates::vn_today())
                .map(|u| format!("{} và các xã, phường trực thuộc", u.full_name))
                .unwrap_or_else(|| format!("Tỉnh mã {province_code}"))
        }
        Scope::Commune { commune_code } => {
            tuphap_core::reference::unit_on(commune_code, tuphap_core::dates::vn_today())
                .map(|u| u.full_name.clone())
                .unwrap_or_else(|| format!("Xã mã {commune_code}"))
        }
    };
    HomePage {
        l: Layout::for_actor("Trang chủ", &actor, "/"),
        display_name: actor.display_name.clone(),
        role_label: actor.role.label_vi().to_string(),
        office_name: actor.office.name.clone(),
        scope_text,
        today: tuphap_core::dates::format_vn(tuphap_core::dates::vn_today()),
        can_audit: actor.role.can_read_audit(),
        can_admin: actor.role.can_administer(),
    }
    .into_response()
}

//! The official's own account (issue 8): the second factor (`/account/2fa`: enrolment with a
//! QR code, recovery codes shown once, turning it off), re-authentication before signing
//! (`/account/reauth`), and the list of their sessions (`/account/sessions`). An
//! administrator's button ends every session of a user (`/users/{username}/sessions/revoke`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_domain::Actor;

use super::reference::domain_error_page;
use super::{
    CsrfOnly, CsrfProtected, Layout, PageActor, accept_form, error_page, safe_next, session_cookie,
    with_cookie,
};
use crate::extract::{Meta, SESSION_COOKIE, cookie};
use crate::state::AppState;

/// A logged-in user, or one whose session may only enrol a second factor (`true`).
pub struct EnrolActor(pub Actor, pub bool);

impl FromRequestParts<AppState> for EnrolActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || Redirect::to("/login?next=/account/2fa").into_response();
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match state.app.authenticate_any(token).await {
            Ok(Some((actor, enrol))) => Ok(EnrolActor(actor, enrol)),
            Ok(None) => Err(to_login()),
            Err(e) => Err(domain_error_page(&e)),
        }
    }
}

fn layout(title: &str, actor: &Actor, enrol_only: bool) -> Layout {
    if enrol_only {
        Layout::public(title, actor.csrf_token.clone())
    } else {
        Layout::for_actor(title, actor, "/account/2fa")
    }
}

/// The QR code of `text` as inline SVG (no XML prolog), or `None` if it does not fit.
fn qr_svg(text: &str) -> Option<String> {
    use qrcode::render::svg;
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(4, 4)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let start = svg.find("<svg")?;
    Some(svg[start..].replacen(
        "<svg ",
        "<svg class=\"qr\" role=\"img\" aria-label=\"Mã QR để thêm tài khoản vào ứng dụng xác thực\" ",
        1,
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "account_2fa.html")]
pub struct TwoFactorPage {
    pub l: Layout,
    pub enrol_only: bool,
    pub required: bool,
    pub enrolled: bool,
    pub enrolled_at: String,
    pub recovery_left: i64,
    pub secret: String,
    pub uri: String,
    pub qr: String,
    pub error: Option<String>,
    pub recovery_codes: Vec<String>,
    pub flash: Option<String>,
}

async fn two_factor_page(
    state: &AppState,
    actor: &Actor,
    enrol_only: bool,
    error: Option<String>,
    recovery_codes: Vec<String>,
    flash: Option<String>,
    status: StatusCode,
) -> Response {
    let s = match state.app.second_factor_status(actor).await {
        Ok(s) => s,
        Err(e) => return domain_error_page(&e),
    };
    let (secret, uri, qr) = if s.enrolled {
        (String::new(), String::new(), String::new())
    } else {
        match state.app.totp_begin(actor).await {
            Ok(en) => {
                let qr = qr_svg(&en.uri).unwrap_or_default();
                (en.secret, en.uri, qr)
            }
            Err(e) => return domain_error_page(&e),
        }
    };
    let page = TwoFactorPage {
        l: layout("Xác thực hai bước", actor, enrol_only),
        enrol_only,
        required: s.required,
        enrolled: s.enrolled,
        enrolled_at: s
            .enrolled_at
            .map(|t| {
                let t = t.to_offset(tuphap_core::dates::VN_OFFSET);
                format!(
                    "{:02}:{:02} ngày {}",
                    t.hour(),
                    t.minute(),
                    tuphap_core::dates::format_vn(t.date())
                )
            })
            .unwrap_or_default(),
        recovery_left: s.recovery_codes_left,
        secret,
        uri,
        qr,
        error,
        recovery_codes,
        flash,
    };
    (status, page).into_response()
}

pub async fn two_factor(
    State(state): State<AppState>,
    EnrolActor(actor, enrol): EnrolActor,
) -> Response {
    two_factor_page(
        &state,
        &actor,
        enrol,
        None,
        Vec::new(),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub password: String,
}

impl CsrfProtected for CodeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn two_factor_confirm(
    State(state): State<AppState>,
    Meta(meta): Meta,
    EnrolActor(actor, enrol): EnrolActor,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    match state.app.totp_confirm(&actor, &f.code, &meta).await {
        Ok(codes) => two_factor_page(
            &state,
            &actor,
            false,
            None,
            codes,
            Some(
                "Đã bật xác thực hai bước. Từ lần đăng nhập sau, hãy nhập mã 6 số trên ứng dụng."
                    .into(),
            ),
            StatusCode::OK,
        )
        .await,
        Err(e) => {
            let status = crate::error::status_of(e.kind);
            two_factor_page(
                &state,
                &actor,
                enrol,
                Some(e.message),
                Vec::new(),
                None,
                status,
            )
            .await
        }
    }
}

pub async fn two_factor_disable(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    match state
        .app
        .totp_disable(&actor, &f.password, &f.code, &meta)
        .await
    {
        Ok(()) => with_cookie(
            Redirect::to("/login").into_response(),
            session_cookie("", 0, state.config.secure_cookies),
        ),
        Err(e) => {
            let status = crate::error::status_of(e.kind);
            two_factor_page(
                &state,
                &actor,
                false,
                Some(e.message),
                Vec::new(),
                None,
                status,
            )
            .await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "account_reauth.html")]
pub struct ReauthPage {
    pub l: Layout,
    pub next: String,
    pub enrolled: bool,
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

async fn reauth_page(
    state: &AppState,
    actor: &Actor,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let enrolled = match state.app.second_factor_status(actor).await {
        Ok(s) => s.enrolled,
        Err(e) => return domain_error_page(&e),
    };
    let page = ReauthPage {
        l: Layout::for_actor("Xác thực lại", actor, ""),
        next,
        enrolled,
        error,
    };
    (status, page).into_response()
}

pub async fn reauth_form(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    q: Result<Query<NextQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let next = safe_next(q.ok().and_then(|Query(q)| q.next).as_deref());
    reauth_page(&state, &actor, next, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ReauthForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub next: String,
}

impl CsrfProtected for ReauthForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn reauth_submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<ReauthForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let next = safe_next(Some(&f.next));
    let otp = Some(f.code.as_str()).filter(|c| !c.trim().is_empty());
    match state.app.reauth(&actor, &f.password, otp, &meta).await {
        Ok(_) => Redirect::to(&next).into_response(),
        Err(e) => {
            let status = crate::error::status_of(e.kind);
            reauth_page(&state, &actor, next, Some(e.message), status).await
        }
    }
}

pub struct SessionRowView {
    pub id: i64,
    pub kind_label: &'static str,
    pub created: String,
    pub last_seen: String,
    pub source_ip: String,
    pub user_agent: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account_sessions.html")]
pub struct SessionsPage {
    pub l: Layout,
    pub sessions: Vec<SessionRowView>,
    pub flash: Option<String>,
}

fn vn_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(tuphap_core::dates::VN_OFFSET);
    format!(
        "{:02}:{:02} {}",
        t.hour(),
        t.minute(),
        tuphap_core::dates::format_vn(t.date())
    )
}

#[derive(Debug, Deserialize)]
pub struct FlashQuery {
    pub ended: Option<String>,
}

pub async fn sessions(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    q: Result<Query<FlashQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let rows = match state.app.my_sessions(&actor).await {
        Ok(r) => r,
        Err(e) => return domain_error_page(&e),
    };
    let flash = q
        .ok()
        .and_then(|Query(q)| q.ended)
        .map(|_| "Đã kết thúc phiên đăng nhập.".to_string());
    let page = SessionsPage {
        l: Layout::for_actor("Phiên đăng nhập", &actor, ""),
        sessions: rows
            .into_iter()
            .map(|s| SessionRowView {
                current: s.id == actor.session_id,
                id: s.id,
                kind_label: if s.kind == "api" {
                    "API"
                } else {
                    "Trình duyệt"
                },
                created: vn_time(s.created_at),
                last_seen: vn_time(s.last_seen_at),
                source_ip: s.source_ip.unwrap_or_default(),
                user_agent: s.user_agent.unwrap_or_default(),
            })
            .collect(),
        flash,
    };
    page.into_response()
}

pub async fn end_session(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(raw): Path<String>,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Response {
    if let Err(refused) = accept_form(&actor, form) {
        return refused;
    }
    let Ok(id) = raw.parse::<i64>() else {
        return error_page(
            "Không có phiên đăng nhập đang hoạt động này của bạn.",
            StatusCode::NOT_FOUND,
        );
    };
    match state.app.end_my_session(&actor, id, &meta).await {
        Ok(()) if id == actor.session_id => with_cookie(
            Redirect::to("/login").into_response(),
            session_cookie("", 0, state.config.secure_cookies),
        ),
        Ok(()) => Redirect::to("/account/sessions?ended=1").into_response(),
        Err(e) => domain_error_page(&e),
    }
}

pub async fn revoke_user_sessions(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(username): Path<String>,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Response {
    if let Err(refused) = accept_form(&actor, form) {
        return refused;
    }
    match state
        .app
        .revoke_user_sessions(&actor, &username, &meta)
        .await
    {
        Ok(n) => Redirect::to(&format!(
            "/users?revoked={}&sessions={n}",
            super::encode_component(&username)
        ))
        .into_response(),
        Err(e) => domain_error_page(&e),
    }
}

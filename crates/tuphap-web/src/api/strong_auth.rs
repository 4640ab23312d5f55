//! Strong authentication (issue 8): re-authentication before signing, the caller's sessions,
//! password change, and an administrator ending a user's sessions. Enrolment of the second
//! factor is a page (`/account/2fa`): it needs a QR code and a person at the screen.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reauth))
        .routes(routes!(second_factor))
        .routes(routes!(sessions))
        .routes(routes!(end_session))
        .routes(routes!(change_password))
        .routes(routes!(revoke_user_sessions))
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReauthRequest {
    pub password: String,
    /// TOTP code (or recovery code) when the account has a second factor.
    #[serde(default)]
    pub otp: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReauthResponse {
    /// When the session re-authenticated (RFC 3339); signing is allowed for 5 minutes.
    pub reauth_at: String,
}

/// Re-authenticate the current session (password, and the TOTP code when enrolled) before
/// signing: registering a record answers 403 `reauth_required` when the last check is older
/// than 5 minutes. Failures count towards the login lockout.
#[utoipa::path(
    post, path = "/api/v1/auth/reauth", tag = "auth",
    security(("bearer" = [])),
    request_body(content = ReauthRequest, example = json!({"password": "rjyt-r8hk-ns8c", "otp": "492039"})),
    responses(
        (status = 200, description = "Đã xác thực lại", body = ReauthResponse,
         example = json!({"reauth_at": "2026-11-27T09:41:07Z"})),
        (status = 401, description = "Sai mật khẩu (`auth_invalid_credentials`), thiếu hoặc sai mã (`second_factor_required`, `second_factor_invalid`)", body = ErrorBody),
        (status = 429, description = "Tài khoản tạm khóa (`auth_locked`)", body = ErrorBody),
    )
)]
async fn reauth(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ReauthRequest>,
) -> Result<Json<ReauthResponse>, ApiError> {
    let at = state
        .app
        .reauth(&actor, &req.password, req.otp.as_deref(), &meta)
        .await?;
    Ok(Json(ReauthResponse {
        reauth_at: rfc3339(at),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SecondFactorResponse {
    pub enrolled: bool,
    pub enrolled_at: Option<String>,
    /// Whether the role must have a second factor.
    pub required: bool,
    pub recovery_codes_left: i64,
}

/// The second-factor state of the current user (enrolment: the page `/account/2fa`).
#[utoipa::path(
    get, path = "/api/v1/auth/2fa", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Trạng thái xác thực hai bước", body = SecondFactorResponse,
         example = json!({"enrolled": true, "enrolled_at": "2026-11-20T02:15:00Z", "required": true, "recovery_codes_left": 9})),
        (status = 401, description = "Chưa đăng nhập", body = ErrorBody),
    )
)]
async fn second_factor(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<SecondFactorResponse>, ApiError> {
    let s = state.app.second_factor_status(&actor).await?;
    Ok(Json(SecondFactorResponse {
        enrolled: s.enrolled,
        enrolled_at: s.enrolled_at.map(rfc3339),
        required: s.required,
        recovery_codes_left: s.recovery_codes_left,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: i64,
    /// `browser` or `api`.
    pub kind: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
}

/// The live sessions of the current user.
#[utoipa::path(
    get, path = "/api/v1/auth/sessions", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Các phiên đăng nhập đang hoạt động", body = [SessionView],
         example = json!([{"id": 41, "kind": "api", "created_at": "2026-11-27T09:40:00Z",
             "last_seen_at": "2026-11-27T09:41:07Z", "expires_at": "2026-11-27T21:41:07Z",
             "source_ip": "10.0.4.17", "user_agent": "curl/8.5.0", "current": true}])),
        (status = 401, description = "Chưa đăng nhập", body = ErrorBody),
    )
)]
async fn sessions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<SessionView>>, ApiError> {
    let rows = state.app.my_sessions(&actor).await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| SessionView {
                current: s.id == actor.session_id,
                id: s.id,
                kind: s.kind,
                created_at: rfc3339(s.created_at),
                last_seen_at: rfc3339(s.last_seen_at),
                expires_at: rfc3339(s.expires_at),
                source_ip: s.source_ip,
                user_agent: s.user_agent,
            })
            .collect(),
    ))
}

/// End one of the current user's sessions.
#[utoipa::path(
    delete, path = "/api/v1/auth/sessions/{id}", tag = "auth",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Mã phiên")),
    responses(
        (status = 204, description = "Đã kết thúc phiên"),
        (status = 404, description = "Không có phiên này (`session_not_found`)", body = ErrorBody),
    )
)]
async fn end_session(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(raw): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let Ok(id) = raw.parse::<i64>() else {
        return Err(ApiError::new(
            tuphap_domain::ErrorKind::NotFound,
            "session_not_found",
            "Không có phiên đăng nhập đang hoạt động này của bạn.",
        ));
    };
    state.app.end_my_session(&actor, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub new_password: String,
    #[serde(default)]
    pub otp: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordChangeResponse {
    /// How many other sessions of the user were ended.
    pub other_sessions_ended: u64,
}

/// Change the current user's password; every other session of the user ends.
#[utoipa::path(
    post, path = "/api/v1/auth/password", tag = "auth",
    security(("bearer" = [])),
    request_body(content = PasswordChangeRequest, example = json!({
        "current_password": "rjyt-r8hk-ns8c", "new_password": "mat-khau-moi-rat-dai", "otp": "492039"})),
    responses(
        (status = 200, description = "Đã đổi mật khẩu", body = PasswordChangeResponse,
         example = json!({"other_sessions_ended": 2})),
        (status = 401, description = "Sai mật khẩu hoặc mã xác thực", body = ErrorBody),
        (status = 422, description = "Mật khẩu mới không đạt yêu cầu", body = ErrorBody),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<PasswordChangeRequest>,
) -> Result<Json<PasswordChangeResponse>, ApiError> {
    let n = state
        .app
        .change_password(
            &actor,
            &req.current_password,
            &req.new_password,
            req.otp.as_deref(),
            &meta,
        )
        .await?;
    Ok(Json(PasswordChangeResponse {
        other_sessions_ended: n,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevokeResponse {
    pub revoked: u64,
}

/// An administrator ends every session of a user (a lost phone, a departure).
#[utoipa::path(
    post, path = "/api/v1/users/{username}/sessions/revoke", tag = "users",
    security(("bearer" = [])),
    params(("username" = String, Path, description = "Tên đăng nhập")),
    responses(
        (status = 200, description = "Đã thu hồi các phiên", body = RevokeResponse,
         example = json!({"revoked": 3})),
        (status = 403, description = "Không phải quản trị viên", body = ErrorBody),
        (status = 404, description = "Không có người dùng (`user_not_found`)", body = ErrorBody),
    )
)]
async fn revoke_user_sessions(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<RevokeResponse>, ApiError> {
    let revoked = state
        .app
        .revoke_user_sessions(&actor, &username, &meta)
        .await?;
    Ok(Json(RevokeResponse { revoked }))
}

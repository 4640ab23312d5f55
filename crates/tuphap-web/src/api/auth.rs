//! `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`, `GET /api/v1/auth/me`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tuphap_domain::identity::SessionKind;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "canbo.badinh")]
    pub username: String,
    #[schema(example = "mat-khau-du-dai")]
    pub password: String,
    /// The 6-digit code of the authenticator app (or a recovery code), for accounts with a
    /// second factor.
    #[serde(default)]
    #[schema(example = "492039")]
    pub otp: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer …`.
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// When the token expires if unused (RFC 3339); each use slides it forward.
    pub expires_at: String,
    pub user: Me,
}

/// The logged-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[schema(example = "officer")]
    pub role: String,
    pub role_label: String,
    pub office_code: String,
    pub office_name: String,
    #[schema(example = "commune")]
    pub office_kind: String,
}

impl From<&tuphap_domain::Actor> for Me {
    fn from(a: &tuphap_domain::Actor) -> Self {
        Me {
            id: a.user_id,
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            role: a.role.as_str().to_string(),
            role_label: a.role.label_vi().to_string(),
            office_code: a.office.code.clone(),
            office_name: a.office.name.clone(),
            office_kind: a.office.kind.as_str().to_string(),
        }
    }
}

/// Log in with username and password; returns a bearer token.
///
/// After 5 consecutive failures the account is locked (429 `auth_locked`, with `Retry-After`),
/// first for 1 minute, doubling with each further failure up to 1 hour. Every attempt is
/// written to the audit log.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body(content = LoginRequest, example = json!({"username": "canbo.badinh", "password": "rjyt-r8hk-ns8c"})),
    responses(
        (status = 200, description = "Đăng nhập thành công", body = LoginResponse, example = json!({
            "token": "1T9wU-wOS6xYeyTmwMyajlFl-Bh5UQQigBbFSdCBgZs",
            "token_type": "Bearer",
            "expires_at": "2026-11-27T16:46:15.916422Z",
            "user": {"id": 2, "username": "canbo.badinh", "display_name": "Nguyễn Thị Hương", "role": "officer",
                  "role_label": "Công chức tư pháp – hộ tịch", "office_code": "00004",
                  "office_name": "UBND Phường Ba Đình", "office_kind": "commune"}
        })),
        (status = 401, description = "Sai tên đăng nhập hoặc mật khẩu (`auth_invalid_credentials`); thiếu mã xác thực hai bước (`second_factor_required`) hoặc mã sai/đã dùng (`second_factor_invalid`)", body = ErrorBody),
        (status = 403, description = "Vai trò bắt buộc xác thực hai bước nhưng chưa đăng ký (`second_factor_enrolment_required`)", body = ErrorBody),
        (status = 422, description = "Thiếu trường hoặc sai kiểu", body = ErrorBody),
        (status = 429, description = "Tài khoản tạm khóa (`auth_locked`)", body = ErrorBody),
    )
)]
async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let ok = state
        .app
        .login_with_otp(
            &req.username,
            &req.password,
            req.otp.as_deref(),
            SessionKind::Api,
            &meta,
        )
        .await?;
    Ok(Json(LoginResponse {
        token: ok.token,
        token_type: "Bearer".into(),
        expires_at: ok
            .expires_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        user: Me::from(&ok.actor),
    }))
}

/// End the current session (the token stops working).
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Đã đăng xuất"),
        (status = 401, description = "Chưa đăng nhập", body = ErrorBody),
    )
)]
async fn logout(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
) -> Result<StatusCode, ApiError> {
    state.app.logout(&actor, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who am I.
#[utoipa::path(
    get, path = "/api/v1/auth/me", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Người dùng hiện tại", body = Me, example = json!({
            "id": 2, "username": "canbo.badinh", "display_name": "Nguyễn Thị Hương", "role": "officer",
            "role_label": "Công chức tư pháp – hộ tịch", "office_code": "00004",
            "office_name": "UBND Phường Ba Đình", "office_kind": "commune"
        })),
        (status = 401, description = "Chưa đăng nhập", body = ErrorBody),
    )
)]
async fn me(ApiActor(actor): ApiActor) -> Json<Me> {
    Json(Me::from(&actor))
}

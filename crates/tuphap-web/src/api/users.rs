//! `GET/POST /api/v1/users` (administrators).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tuphap_domain::identity::{NewUserInput, UserSummary};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiQuery, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_users, create_user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(example = "canbo.badinh")]
    pub username: String,
    #[schema(example = "Nguyễn Thị Hương")]
    pub display_name: Option<String>,
    /// officer, signer, province, ministry, auditor or admin.
    #[schema(example = "officer")]
    pub role: String,
    /// Admin-unit code of the office in today's structure, or `BTP` for the ministry.
    #[schema(example = "00004")]
    pub unit: String,
    /// At least 10 characters, not containing the username.
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub office_code: String,
    pub office_name: String,
    pub active: bool,
    /// Set while the account is locked after failed logins (RFC 3339).
    pub locked_until: Option<String>,
}

impl From<UserSummary> for UserView {
    fn from(u: UserSummary) -> Self {
        UserView {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role.as_str().to_string(),
            office_code: u.office_code,
            office_name: u.office_name,
            active: u.active,
            locked_until: u.locked_until.and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserListQuery {
    /// Continue after this username (keyset pagination).
    pub after: Option<String>,
    /// Page size, 1–500 (default 100).
    pub limit: Option<i64>,
}

/// List users (administrators).
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    params(UserListQuery),
    responses(
        (status = 200, description = "Danh sách người dùng", body = Vec<UserView>, example = json!([
            {"id": 7, "username": "botuphap", "display_name": "Phạm Quốc Bảo", "role": "ministry",
             "office_code": "BTP", "office_name": "Bộ Tư pháp", "active": true, "locked_until": null},
            {"id": 2, "username": "canbo.badinh", "display_name": "Nguyễn Thị Hương", "role": "officer",
             "office_code": "00004", "office_name": "UBND Phường Ba Đình", "active": true, "locked_until": null},
            {"id": 4, "username": "canbo.hongha", "display_name": "Vũ Thị Thu", "role": "officer",
             "office_code": "00097", "office_name": "UBND Phường Hồng Hà", "active": true,
             "locked_until": "2026-11-27T04:47:38.925144Z"}
        ])),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
async fn list_users(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<UserListQuery>,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let users = state
        .app
        .list_users(&actor, &meta, q.after.as_deref(), q.limit.unwrap_or(100))
        .await?;
    Ok(Json(users.into_iter().map(UserView::from).collect()))
}

/// Create a user in the office of an admin unit (administrators).
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    request_body(content = CreateUserRequest, example = json!({
        "username": "canbo2.badinh", "display_name": "Phạm Văn Long", "role": "officer", "unit": "00004",
        "password": "ngay-mai-troi-nang-7"
    })),
    responses(
        (status = 201, description = "Đã tạo", body = UserView, example = json!({
            "id": 9, "username": "canbo2.badinh", "display_name": "Phạm Văn Long", "role": "officer",
            "office_code": "00004", "office_name": "UBND Phường Ba Đình", "active": true, "locked_until": null
        })),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "Tên đăng nhập đã dùng", body = ErrorBody),
        (status = 422, description = "Dữ liệu không hợp lệ", body = ErrorBody),
    )
)]
async fn create_user(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let u = state
        .app
        .add_user(
            NewUserInput {
                username: req.username,
                display_name: req.display_name,
                role: req.role,
                unit: req.unit,
                password: req.password,
            },
            Some(&actor),
            &meta,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(UserView::from(u))))
}

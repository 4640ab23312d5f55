//! `/api/v1/exchange/members…` (administrators): partner members of the exchange platform, their
//! API keys (issue, rotate, revoke) and access rights. Client ids contain `/`, so they travel in
//! the JSON body rather than in the path.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tuphap_domain::exchange::members::{
    GrantInput, IssuedKey, MemberUpdate, MemberView, NewMemberInput, RightView,
};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members, register_member, update_member))
        .routes(routes!(issue_key))
        .routes(routes!(revoke_key))
        .routes(routes!(grant))
        .routes(routes!(revoke_right))
}

/// Changes to a member.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMemberRequest {
    #[schema(example = "VN/GOV/000.00.00.H26/MOTCUA")]
    pub client_id: String,
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub rate_limit_per_minute: Option<i64>,
}

/// A key to issue (rotation: the member's older keys then expire after `grace_hours`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueKeyRequest {
    #[schema(example = "VN/GOV/000.00.00.H26/MOTCUA")]
    pub client_id: String,
    /// Hours the older keys keep working (default 24; 0 ends them now).
    pub grace_hours: Option<i64>,
    /// Days the new key works (default: no expiry).
    pub valid_days: Option<i64>,
}

/// A key to revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeKeyRequest {
    pub client_id: String,
    pub key_id: String,
}

/// A right to grant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    #[schema(example = "VN/GOV/000.00.00.G01/BHXH")]
    pub client_id: String,
    #[schema(example = "getCivilStatus")]
    pub service_code: String,
    /// `*` (default) or `METHOD /path`.
    pub endpoint: Option<String>,
    #[serde(default)]
    #[schema(example = json!(["full_name", "date_of_birth", "marital_status"]))]
    pub fields: Vec<String>,
}

/// A right to withdraw.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRightRequest {
    pub client_id: String,
    pub service_code: String,
    pub endpoint: Option<String>,
}

/// Done.
#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}

/// List partner members with their keys (never the secrets) and rights.
#[utoipa::path(
    get, path = "/api/v1/exchange/members", tag = "exchange",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<MemberView>, example = json!([{
            "client_id": "VN/GOV/000.00.00.H26/MOTCUA", "name": "Hệ thống một cửa tỉnh Hưng Yên",
            "enabled": true, "rate_limit_per_minute": 600, "created_at": "2026-11-27T08:00:00Z",
            "keys": [{"key_id": "k3f9a0c1d2e4b5a67", "created_at": "2026-11-27T08:01:00Z",
                      "expires_at": null, "revoked_at": null, "valid": true}],
            "rights": [{"service_code": "receiveDossier", "endpoint": "*", "fields": [],
                        "granted_by": "quantri", "granted_at": "2026-11-27T08:02:00Z"}]
        }])),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
async fn list_members(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    Ok(Json(state.app.exchange_members(&actor).await?))
}

/// Register a partner subsystem (X-Road client id `INSTANCE/CLASS/MEMBER/SUBSYSTEM`).
#[utoipa::path(
    post, path = "/api/v1/exchange/members", tag = "exchange",
    security(("bearer" = [])),
    request_body(content = NewMemberInput, example = json!({
        "client_id": "VN/GOV/000.00.00.H26/MOTCUA", "name": "Hệ thống một cửa tỉnh Hưng Yên",
        "rate_limit_per_minute": 600
    })),
    responses(
        (status = 201, body = MemberView, example = json!({
            "client_id": "VN/GOV/000.00.00.H26/MOTCUA", "name": "Hệ thống một cửa tỉnh Hưng Yên",
            "enabled": true, "rate_limit_per_minute": 600, "created_at": "2026-11-27T08:00:00Z",
            "keys": [{"key_id": "k3f9a0c1d2e4b5a67", "created_at": "2026-11-27T08:01:00Z",
                      "expires_at": null, "revoked_at": null, "valid": true}],
            "rights": [{"service_code": "receiveDossier", "endpoint": "*", "fields": [],
                        "granted_by": "quantri", "granted_at": "2026-11-27T08:02:00Z"}]
        })),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "Đã đăng ký", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn register_member(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<NewMemberInput>,
) -> Result<(StatusCode, Json<MemberView>), ApiError> {
    let m = state.app.register_member(&actor, &meta, req).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// Rename, enable/disable a member or change its rate limit.
#[utoipa::path(
    patch, path = "/api/v1/exchange/members", tag = "exchange",
    security(("bearer" = [])),
    request_body(content = UpdateMemberRequest, example = json!({
        "client_id": "VN/GOV/000.00.00.H26/MOTCUA", "enabled": false
    })),
    responses(
        (status = 200, body = MemberView, example = json!({
            "client_id": "VN/GOV/000.00.00.H26/MOTCUA", "name": "Hệ thống một cửa tỉnh Hưng Yên",
            "enabled": true, "rate_limit_per_minute": 600, "created_at": "2026-11-27T08:00:00Z",
            "keys": [{"key_id": "k3f9a0c1d2e4b5a67", "created_at": "2026-11-27T08:01:00Z",
                      "expires_at": null, "revoked_at": null, "valid": true}],
            "rights": [{"service_code": "receiveDossier", "endpoint": "*", "fields": [],
                        "granted_by": "quantri", "granted_at": "2026-11-27T08:02:00Z"}]
        })),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn update_member(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<UpdateMemberRequest>,
) -> Result<Json<MemberView>, ApiError> {
    let m = state
        .app
        .update_member(
            &actor,
            &meta,
            &req.client_id,
            MemberUpdate {
                name: req.name,
                enabled: req.enabled,
                rate_limit_per_minute: req.rate_limit_per_minute,
            },
        )
        .await?;
    Ok(Json(m))
}

/// Issue a new API key (shown once); the member's older keys expire after the grace period.
#[utoipa::path(
    post, path = "/api/v1/exchange/members/keys", tag = "exchange",
    security(("bearer" = [])),
    request_body(content = IssueKeyRequest, example = json!({
        "client_id": "VN/GOV/000.00.00.H26/MOTCUA", "grace_hours": 24
    })),
    responses(
        (status = 201, description = "Khóa mới — chỉ hiển thị một lần", body = IssuedKey, example = json!({
            "client_id": "VN/GOV/000.00.00.H26/MOTCUA", "key_id": "k77c1e0b9a4d35f20",
            "key": "k77c1e0b9a4d35f20.q0Yc1mVQb8l3kZ2xN9sT4uW7eR5aH6jD0fG1iK2oP3M",
            "expires_at": null, "rotated_keys": ["k3f9a0c1d2e4b5a67"],
            "rotated_keys_expire_at": "2026-11-28T08:05:00Z"
        })),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn issue_key(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<IssueKeyRequest>,
) -> Result<(StatusCode, Json<IssuedKey>), ApiError> {
    let k = state
        .app
        .issue_client_key(
            &actor,
            &meta,
            &req.client_id,
            req.grace_hours,
            req.valid_days,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(k)))
}

/// Revoke a key at once.
#[utoipa::path(
    post, path = "/api/v1/exchange/members/keys/revoke", tag = "exchange",
    security(("bearer" = [])),
    request_body(content = RevokeKeyRequest, example = json!({
        "client_id": "VN/GOV/000.00.00.H26/MOTCUA", "key_id": "k3f9a0c1d2e4b5a67"
    })),
    responses(
        (status = 200, body = Done, example = json!({"ok": true})),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn revoke_key(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<RevokeKeyRequest>,
) -> Result<Json<Done>, ApiError> {
    state
        .app
        .revoke_client_key(&actor, &meta, &req.client_id, &req.key_id)
        .await?;
    Ok(Json(Done { ok: true }))
}

/// Grant (or replace) a right to a service endpoint with the fields the member may see.
#[utoipa::path(
    post, path = "/api/v1/exchange/members/rights", tag = "exchange",
    security(("bearer" = [])),
    request_body(content = GrantRequest, example = json!({
        "client_id": "VN/GOV/000.00.00.G01/BHXH", "service_code": "getCivilStatus",
        "fields": ["full_name", "date_of_birth", "marital_status"]
    })),
    responses(
        (status = 200, body = RightView, example = json!({
            "service_code": "getCivilStatus", "endpoint": "*",
            "fields": ["full_name", "date_of_birth", "marital_status"],
            "granted_by": "quantri", "granted_at": "2026-11-27T08:02:00Z"
        })),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn grant(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<GrantRequest>,
) -> Result<Json<RightView>, ApiError> {
    let r = state
        .app
        .grant_access(
            &actor,
            &meta,
            &req.client_id,
            GrantInput {
                service_code: req.service_code,
                endpoint: req.endpoint,
                fields: req.fields,
            },
        )
        .await?;
    Ok(Json(r))
}

/// Withdraw a right.
#[utoipa::path(
    post, path = "/api/v1/exchange/members/rights/revoke", tag = "exchange",
    security(("bearer" = [])),
    request_body(content = RevokeRightRequest, example = json!({
        "client_id": "VN/GOV/000.00.00.G01/BHXH", "service_code": "getCivilStatus"
    })),
    responses(
        (status = 200, body = Done, example = json!({"ok": true})),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn revoke_right(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<RevokeRightRequest>,
) -> Result<Json<Done>, ApiError> {
    state
        .app
        .revoke_access(
            &actor,
            &meta,
            &req.client_id,
            &req.service_code,
            req.endpoint.as_deref(),
        )
        .await?;
    Ok(Json(Done { ok: true }))
}

//! `GET /api/v1/audit/entries`, `GET /api/v1/audit/verify` (auditors).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tuphap_store::audit::{AuditEntry, AuditFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiQuery, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(entries))
        .routes(routes!(verify))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub actor_user_id: Option<i64>,
    #[param(example = "user")]
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Entries with a smaller sequence number (next page).
    pub before_seq: Option<i64>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    pub actor_office: Option<String>,
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub outcome: String,
    pub reason: Option<String>,
    pub purpose: Option<String>,
    pub details: Option<serde_json::Value>,
    pub hash: String,
}

pub fn at_of(micros: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).ok()
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        AuditEntryView {
            seq: e.seq,
            at: at_of(e.at_micros)
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_default(),
            actor_user_id: e.actor_user_id,
            actor_username: e.actor_username,
            actor_office: e.actor_office,
            source_ip: e.source_ip,
            request_id: e.request_id,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            outcome: e.outcome,
            reason: e.reason,
            purpose: e.purpose,
            details: e.details.and_then(|d| serde_json::from_str(&d).ok()),
            hash: e.hash,
        }
    }
}

/// Audit entries, newest first (auditors, administrators, ministry).
#[utoipa::path(
    get, path = "/api/v1/audit/entries", tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, body = Vec<AuditEntryView>, example = json!([
            {"seq": 581, "at": "2026-11-27T04:46:38.945181Z", "actor_user_id": 4, "actor_username": "canbo.hongha",
             "actor_office": null, "source_ip": "127.0.0.1", "request_id": "e4cf055550e34d48",
             "action": "auth.lockout", "target_type": "user", "target_id": "canbo.hongha", "outcome": "success",
             "reason": "5 failed attempts", "purpose": null, "details": {"kind": "api"},
             "hash": "806a54ea505c48a950e90118a05bd5072daef334ea23ea10365bb60e34ba1b2b"},
            {"seq": 575, "at": "2026-11-27T04:46:36.386047Z", "actor_user_id": 1, "actor_username": "quantri",
             "actor_office": "BTP", "source_ip": "127.0.0.1", "request_id": "199dc8359c9cdf96",
             "action": "user.create", "target_type": "user", "target_id": "canbo2.badinh", "outcome": "success",
             "reason": null, "purpose": null, "details": {"office": "00004", "role": "officer"},
             "hash": "9ee6b76a6191b442edbc04af95e294497ea457f38fcf8fbec9697a434c0bcf97"},
            {"seq": 571, "at": "2026-11-27T04:46:23.325491Z", "actor_user_id": 2, "actor_username": "canbo.badinh",
             "actor_office": "00004", "source_ip": "127.0.0.1", "request_id": "a23d54e081cdc216",
             "action": "civil.birth.declare", "target_type": "civil_record", "target_id": "294", "outcome": "success",
             "reason": null, "purpose": null, "details": {"duplicates": [[291, 100]], "late": false},
             "hash": "a0f33197b0b2d836132c1b7b34af49cff055b83ee3ec864d9dbfb744a9c4860d"}
        ])),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
async fn entries(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntryView>>, ApiError> {
    let rows = state
        .app
        .audit_entries(
            &actor,
            &meta,
            AuditFilter {
                actor_user_id: q.actor_user_id,
                target_type: q.target_type,
                target_id: q.target_id,
                before_seq: q.before_seq,
                limit: q.limit.unwrap_or(100),
            },
        )
        .await?;
    Ok(Json(rows.into_iter().map(AuditEntryView::from).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyView {
    pub intact: bool,
    pub entries: u64,
    /// Sequence number of the first bad entry.
    pub first_bad_seq: Option<i64>,
    pub problem: Option<String>,
}

/// Verify the whole audit chain.
#[utoipa::path(
    get, path = "/api/v1/audit/verify", tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, body = VerifyView, example = json!({"intact": true, "entries": 584, "first_bad_seq": null, "problem": null})),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
async fn verify(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<VerifyView>, ApiError> {
    actor.require(actor.role.can_read_audit(), "kiểm tra nhật ký")?;
    let v = state.app.verify_audit().await?;
    Ok(Json(VerifyView {
        intact: v.is_intact(),
        entries: v.entries,
        first_bad_seq: v.first_bad.as_ref().map(|b| b.0),
        problem: v.first_bad.map(|b| b.1),
    }))
}

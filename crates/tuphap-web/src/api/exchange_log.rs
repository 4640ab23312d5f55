//! `GET /api/v1/exchange/log/stats`: the exchange message log's traffic and chain state
//! (administrators, ministry, auditors).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tuphap_domain::DomainError;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiQuery};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stats))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// The window in hours, 1–24 (default 24).
    pub hours: Option<i64>,
}

/// Traffic of one (direction, client, service) in the window.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrafficStat {
    /// `out` (tuphap calls a partner) or `in` (a partner calls tuphap).
    pub direction: String,
    /// X-Road client id `INSTANCE/CLASS/MEMBER/SUBSYSTEM`.
    pub client: String,
    pub service: String,
    pub requests: i64,
    pub responses: i64,
    /// Responses with status ≥ 400.
    pub error_responses: i64,
    /// Requests without a response (failed without an answer, or in flight).
    pub unanswered: i64,
    /// `error_responses + unanswered`.
    pub failures: i64,
    /// Median response time, µs (nearest rank).
    pub p50_us: Option<i64>,
    /// 99th-percentile response time, µs.
    pub p99_us: Option<i64>,
    /// Responses the percentiles come from (at most the 100,000 most recent of the window).
    pub sampled: i64,
}

/// The chain's state (without walking it; `tuphap exchange verify` walks it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainState {
    pub entries: i64,
    pub head_hash: String,
    pub last_checkpoint_seq: Option<i64>,
    /// RFC 3339, UTC.
    pub last_checkpoint_at: Option<String>,
    pub unsigned: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogStats {
    pub window_hours: i64,
    /// Start of the window, RFC 3339, UTC.
    pub since: String,
    pub chain: ChainState,
    pub traffic: Vec<TrafficStat>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The message log's traffic per (direction, client, service) and its chain state.
#[utoipa::path(
    get, path = "/api/v1/exchange/log/stats", tag = "exchange",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, body = LogStats, example = json!({
            "window_hours": 24, "since": "2026-11-26T09:00:00Z",
            "chain": {"entries": 1842, "head_hash": "5b0f…", "last_checkpoint_seq": 1840,
                      "last_checkpoint_at": "2026-11-27T08:59:59Z", "unsigned": 2},
            "traffic": [{"direction": "out", "client": "VN/GOV/BTP/TUPHAP",
                         "service": "VN/GOV/BCA/CSDLQGDC/assignPersonalId", "requests": 920,
                         "responses": 919, "error_responses": 4, "unanswered": 1, "failures": 5,
                         "p50_us": 12800, "p99_us": 84100, "sampled": 919}]
        })),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn stats(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<LogStats>, ApiError> {
    actor.require(actor.role.can_read_audit(), "xem nhật ký thư trao đổi")?;
    let hours = q.hours.unwrap_or(24);
    if !(1..=24).contains(&hours) {
        return Err(ApiError::new(
            tuphap_domain::error::ErrorKind::BadRequest,
            "exchange_log_bad_window",
            "Khoảng thời gian phải từ 1 đến 24 giờ.",
        ));
    }
    let since = tuphap_store::now_utc() - std::time::Duration::from_secs(3600 * hours as u64);
    let store = &state.app.store;
    let traffic = store
        .message_log_stats(since)
        .await
        .map_err(DomainError::from)?;
    let status = store
        .message_log_status()
        .await
        .map_err(DomainError::from)?;
    Ok(Json(LogStats {
        window_hours: hours,
        since: rfc3339(since),
        chain: ChainState {
            entries: status.entries,
            head_hash: status.head_hash,
            last_checkpoint_seq: status.last_checkpoint.map(|c| c.0),
            last_checkpoint_at: status.last_checkpoint.and_then(|c| {
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(c.1) * 1000)
                    .ok()
                    .map(rfc3339)
            }),
            unsigned: status.unsigned,
        },
        traffic: traffic
            .into_iter()
            .map(|s| TrafficStat {
                direction: s.direction,
                client: s.client,
                service: s.service,
                requests: s.requests,
                responses: s.responses,
                error_responses: s.error_responses,
                unanswered: s.unanswered,
                failures: s.failures,
                p50_us: s.p50_us,
                p99_us: s.p99_us,
                sampled: s.sampled,
            })
            .collect(),
    }))
}

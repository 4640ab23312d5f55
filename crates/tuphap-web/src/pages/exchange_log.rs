//! `/exchange/log` "Nhật ký thư trao đổi": the signed message log of the exchange platform for
//! administrators, the ministry and auditors — per (direction, client, service) the traffic of
//! the last 24 hours (requests, failures, median and 99th-percentile latency), the state of the
//! chain (entries, last checkpoint, unsigned entries; a full check on request), and the last 50
//! messages without their bodies.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tuphap_store::exchange_log::{MessageLogRow, MessageLogStat};

use super::audit::format_vn_time;
use super::reference::{bad_query, domain_error_page, html, non_empty};
use super::{Layout, PageActor, error_page};
use crate::state::AppState;

/// The window of the traffic table.
pub const WINDOW_HOURS: i64 = 24;
/// Messages listed.
pub const RECENT: i64 = 50;

/// `12,3 ms` from microseconds (Vietnamese decimal comma).
pub fn format_ms(us: i64) -> String {
    let tenths = (us + 50) / 100;
    format!("{},{} ms", tenths / 10, tenths % 10)
}

pub fn direction_label(direction: &str) -> &'static str {
    match direction {
        "out" => "Gửi đi",
        "in" => "Nhận vào",
        _ => "Không rõ",
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "request" => "Yêu cầu",
        "response" => "Trả lời",
        _ => "Không rõ",
    }
}

pub struct TrafficView {
    pub direction: &'static str,
    pub client: String,
    pub service: String,
    pub requests: i64,
    pub failures: i64,
    pub error_responses: i64,
    pub unanswered: i64,
    pub p50: String,
    pub p99: String,
}

fn traffic_view(s: MessageLogStat) -> TrafficView {
    TrafficView {
        direction: direction_label(&s.direction),
        client: s.client,
        service: s.service,
        requests: s.requests,
        failures: s.failures,
        error_responses: s.error_responses,
        unanswered: s.unanswered,
        p50: s.p50_us.map_or_else(|| "—".to_string(), format_ms),
        p99: s.p99_us.map_or_else(|| "—".to_string(), format_ms),
    }
}

pub struct MessageView {
    pub seq: i64,
    pub at: String,
    pub direction: &'static str,
    pub kind: &'static str,
    pub client: String,
    pub service: String,
    pub message_id: String,
    pub status: String,
    pub status_class: &'static str,
    pub duration: String,
}

fn message_view(r: MessageLogRow) -> MessageView {
    MessageView {
        seq: r.seq,
        at: format_vn_time(r.recorded_at),
        direction: direction_label(&r.direction),
        kind: kind_label(&r.kind),
        client: r.client,
        service: r.service,
        message_id: r.message_id,
        status: r.status.map_or_else(|| "—".to_string(), |s| s.to_string()),
        status_class: match r.status {
            Some(s) if s >= 400 => "failure",
            Some(_) => "success",
            None => "",
        },
        duration: r.duration_us.map_or_else(|| "—".to_string(), format_ms),
    }
}

pub struct CheckpointView {
    pub seq: i64,
    pub at: String,
}

pub struct ChainView {
    pub entries: i64,
    pub unsigned: i64,
    pub last_checkpoint: Option<CheckpointView>,
}

pub struct VerifyView {
    pub intact: bool,
    pub entries: u64,
    pub checkpoints: u64,
    pub bad_seq: i64,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "exchange_log.html")]
pub struct ExchangeLogPage {
    pub l: Layout,
    pub window_hours: i64,
    pub traffic: Vec<TrafficView>,
    pub chain: ChainView,
    pub verify: Option<VerifyView>,
    pub messages: Vec<MessageView>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LogQuery {
    pub verify: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    query: Result<Query<LogQuery>, QueryRejection>,
) -> Response {
    if !actor.role.can_read_audit() {
        return error_page(
            &format!(
                "Tài khoản {} (vai trò {}) không có quyền xem nhật ký thư trao đổi.",
                actor.username,
                actor.role.label_vi()
            ),
            StatusCode::FORBIDDEN,
        );
    }
    let q = match query {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let store = &state.app.store;
    let since =
        tuphap_store::now_utc() - std::time::Duration::from_secs(3600 * WINDOW_HOURS as u64);
    let loaded = async {
        let stats = store.message_log_stats(since).await?;
        let status = store.message_log_status().await?;
        let recent = store.message_log_recent(RECENT).await?;
        let verify = if non_empty(q.verify.as_deref()).is_some() {
            Some(store.verify_message_log().await?)
        } else {
            None
        };
        Ok::<_, tuphap_store::StoreError>((stats, status, recent, verify))
    }
    .await;
    let (stats, status, recent, verify) = match loaded {
        Ok(x) => x,
        Err(e) => return domain_error_page(&tuphap_domain::DomainError::from(e)),
    };
    let page = ExchangeLogPage {
        l: Layout::for_actor("Nhật ký thư trao đổi", &actor, "/exchange"),
        window_hours: WINDOW_HOURS,
        traffic: stats.into_iter().map(traffic_view).collect(),
        chain: ChainView {
            entries: status.entries,
            unsigned: status.unsigned,
            last_checkpoint: status.last_checkpoint.map(|(seq, at)| CheckpointView {
                seq,
                at: format_vn_time(at),
            }),
        },
        verify: verify.map(|v| {
            let (bad_seq, detail) = v.first_bad.clone().unwrap_or((0, String::new()));
            VerifyView {
                intact: v.is_intact(),
                entries: v.entries,
                checkpoints: v.checkpoints,
                bad_seq,
                detail,
            }
        }),
        messages: recent.into_iter().map(message_view).collect(),
    };
    html(StatusCode::OK, page.render())
}

#[cfg(test)]
mod tests {
    #[test]
    fn milliseconds_with_a_decimal_comma() {
        assert_eq!(super::format_ms(12_345), "12,3 ms");
        assert_eq!(super::format_ms(999), "1,0 ms");
        assert_eq!(super::format_ms(0), "0,0 ms");
    }
}

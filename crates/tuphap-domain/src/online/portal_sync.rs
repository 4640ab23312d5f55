//! Status sync to the national public-service portal (Cổng Dịch vụ công quốc gia, VPCP) over
//! the exchange platform (issue 7, item 5; registries.md §6.3 "`sync_state` to the national
//! portal").
//!
//! Every dossier transition already writes a change-log row (entity `dossier`, id = the code,
//! action = the event kind, the portal's fields in the payload: `online::dossier`). A
//! subscription of the portal's subsystem `VN/GOV/VPCP/DVCQG`, service `syncDossierStatus`,
//! taking the status-changing actions ([`STATUS_ACTIONS`]), makes the outbox carry each of them
//! to the portal — durably, once per change (the message id `tuphap-<seq>-syncDossierStatus` is
//! the `X-Road-Id` the portal dedups by), in order per dossier (ordering key `dossier/<code>`),
//! retried with backoff while the portal is down.
//!
//! The body is built from the change-log envelope by [`portal_request`] (called by the
//! dispatcher before the linked procedures' builder, on the first attempt only; every retry
//! sends the same body): `dossier_code`, `status` (our status names, the portal's statuses of
//! registries.md §6.3 one to one: `tuphap_core::dossier::DossierStatus`), `status_label`,
//! `at` (when the change was committed, RFC 3339), `event`, `procedure_code`, `office`,
//! `channel` (`KenhThucHien`), `due_on` (`NgayHenTra`, the re-appointed date of a Form 04 when
//! there is one), `submitted_at`/`received_at`/`finished_at`/`returned_at` (`NgayNopHoSo`,
//! `NgayTiepNhan`, `NgayKetThucXuLy`, result handed over; RFC 3339), `late`, `paid_online`,
//! `has_result`. The applicant's personal ID is not sent. A change that does not change the
//! status (an apology, a rating) reaching this service through a wider `takes` is skipped with
//! its reason, never sent.
//!
//! Set up by `tuphap serve --demo` ([`App::subscribe_portal_sync`]); in production an operator
//! subscribes with `tuphap exchange subscribe --subscriber VN/GOV/VPCP/DVCQG --service
//! syncDossierStatus --takes <portal_takes()> --endpoint <security server>/r1/VN/GOV/VPCP/DVCQG/syncDossierStatus`.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use tuphap_core::dossier::DossierStatus;
use tuphap_store::exchange::{Claimed, NewSubscription};

use crate::App;
use crate::error::{DomainError, ErrorKind, Result};
use crate::exchange::linked::Built;

/// The national public-service portal's subsystem.
pub const PORTAL: &str = "VN/GOV/VPCP/DVCQG";
/// Its status-sync service.
pub const SYNC_SERVICE: &str = "syncDossierStatus";

/// The change-log actions of entity `dossier` that change its status.
pub const STATUS_ACTIONS: &[&str] = &[
    "submitted",
    "received",
    "supplement_requested",
    "supplement_answered",
    "refused",
    "processed",
    "result_returned",
    "withdrawn",
    "stopped",
];

/// The subscription's `takes`: `dossier:submitted,dossier:received,…`.
pub fn portal_takes() -> String {
    STATUS_ACTIONS
        .iter()
        .map(|a| format!("dossier:{a}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The portal's subscription, its endpoint under the local X-Road security server.
pub fn portal_subscription(security_server: &str, start_after: i64) -> NewSubscription {
    let base = security_server.trim().trim_end_matches('/');
    NewSubscription {
        subscriber: PORTAL.into(),
        service: SYNC_SERVICE.into(),
        takes: portal_takes(),
        endpoint_url: format!("{base}/r1/{PORTAL}/{SYNC_SERVICE}"),
        enabled: true,
        start_after,
    }
}

fn rfc3339_of_micros(v: &Value) -> Value {
    v.as_i64()
        .and_then(|m| OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1000).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .map_or(Value::Null, Value::String)
}

/// The portal's request for an outbox message of the status-sync service, or `None` when the
/// message is not one (another service, or not about a dossier).
pub fn portal_request(m: &Claimed) -> Option<Built> {
    if m.service != SYNC_SERVICE {
        return None;
    }
    let env: Value = serde_json::from_str(&m.payload).ok()?;
    if env["entity"] != "dossier" {
        return None;
    }
    let action = env["action"].as_str().unwrap_or_default();
    if !STATUS_ACTIONS.contains(&action) {
        return Some(Built::Skip {
            reason: format!(
                "Thay đổi \u{201c}{action}\u{201d} không đổi trạng thái hồ sơ: không gửi Cổng Dịch vụ công quốc gia."
            ),
            go_on: false,
        });
    }
    let d = &env["data"];
    let status = d["status"].as_str().unwrap_or_default();
    let label = DossierStatus::parse(status)
        .map(DossierStatus::label_vi)
        .unwrap_or_default();
    let due = if d["reappointed_on"].is_string() {
        d["reappointed_on"].clone()
    } else {
        d["due_on"].clone()
    };
    let body = json!({
        "dossier_code": d["code"],
        "status": status,
        "status_label": label,
        "at": env["recorded_at"],
        "event": action,
        "procedure_code": d["procedure_code"],
        "office": d["office"],
        "channel": d["channel"],
        "due_on": due,
        "submitted_at": rfc3339_of_micros(&d["submitted_at"]),
        "received_at": rfc3339_of_micros(&d["received_at"]),
        "finished_at": rfc3339_of_micros(&d["finished_at"]),
        "returned_at": rfc3339_of_micros(&d["returned_at"]),
        "late": d["late"],
        "paid_online": d["paid_online"],
        "has_result": d["has_result"],
    });
    Some(Built::Send(body.to_string()))
}

impl App {
    /// Subscribes the national portal's status sync through the X-Road security server at
    /// `security_server` (from the end of the change log: earlier transitions are not sent).
    /// Idempotent: an existing subscription keeps its place.
    pub async fn subscribe_portal_sync(&self, security_server: &str) -> Result<()> {
        let url = security_server.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(DomainError::new(
                ErrorKind::BadRequest,
                "partner_url_invalid",
                format!(
                    "Địa chỉ máy chủ an ninh X-Road \u{201c}{url}\u{201d} phải bắt đầu bằng http:// hoặc https://."
                ),
            ));
        }
        let head = self.store.last_change_seq().await?;
        self.store
            .upsert_subscription(&portal_subscription(url, head), tuphap_store::now_utc())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(service: &str, payload: Value) -> Claimed {
        Claimed {
            id: 1,
            subscriber: PORTAL.into(),
            service: service.into(),
            message_id: "tuphap-7-syncDossierStatus".into(),
            ordering_key: "dossier/000.00.31.H13-270204-0001".into(),
            payload: payload.to_string(),
            request_body: None,
            attempts: 1,
            endpoint_url: "http://127.0.0.1:1/r1".into(),
        }
    }

    #[test]
    fn a_transition_becomes_the_portals_body_and_a_rating_is_skipped() {
        let env = json!({
            "seq": 7, "recorded_at": "2027-02-04T03:00:00Z", "entity": "dossier",
            "entity_id": "000.00.31.H13-270204-0001", "action": "received",
            "data": {"code": "000.00.31.H13-270204-0001", "status": "received",
                     "procedure_code": "1.001193", "office": "UBND-00004", "channel": 2,
                     "due_on": "2027-02-16", "reappointed_on": null,
                     "submitted_at": 1_801_699_200_000_000_i64, "received_at": null,
                     "applicant_personal_id": "001090012345"}
        });
        let Some(Built::Send(body)) = portal_request(&claimed(SYNC_SERVICE, env.clone())) else {
            panic!("a body")
        };
        let v: Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(v["dossier_code"], "000.00.31.H13-270204-0001");
        assert_eq!(v["status"], "received");
        assert_eq!(v["status_label"], "Được tiếp nhận");
        assert_eq!(v["at"], "2027-02-04T03:00:00Z");
        assert_eq!(v["due_on"], "2027-02-16");
        assert!(v["submitted_at"].is_string());
        assert!(!body.contains("001090012345"), "no personal ID: {body}");
        let mut rated = env.clone();
        rated["action"] = json!("rated");
        assert!(matches!(
            portal_request(&claimed(SYNC_SERVICE, rated)),
            Some(Built::Skip { go_on: false, .. })
        ));
        assert!(portal_request(&claimed("assignPersonalId", env)).is_none());
        assert!(portal_takes().starts_with("dossier:submitted,dossier:received,"));
    }
}

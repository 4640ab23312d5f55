//! The record page's "Nhật ký": the audit entries whose target is the record, newest first
//! (`App::record_audit_trail`: the reader's jurisdiction checked, the read audited), one page of
//! [`TRAIL_PAGE`] entries at a time; older entries by a keyset link
//! (`?nhat_ky_truoc=<seq>#nhat-ky`), so that a record read many times keeps its history
//! reachable. Consecutive reads by the same person (`civil.record.read`, a certificate printed
//! again) are shown as one row with their count, so that a record opened many times does not
//! bury its history on a phone; the audit log keeps every entry.

use tuphap_domain::audit::TrailEntry;
use tuphap_domain::{Actor, DomainError, RequestMeta};

use crate::pages::audit::{action_label, format_vn_minutes, outcome_label};
use crate::state::AppState;

/// Entries shown per page of the trail.
pub const TRAIL_PAGE: i64 = 100;

pub struct TrailRow {
    /// The (newest) time.
    pub at: String,
    /// The oldest time of a row that stands for several reads, when it differs from `at`.
    pub since: Option<String>,
    /// How many entries the row stands for.
    pub count: usize,
    pub actor: String,
    pub office: String,
    pub action_label: String,
    /// The action's code, shown when it has no Vietnamese label.
    pub action_code: Option<String>,
    pub outcome_label: &'static str,
    pub outcome_class: &'static str,
    /// Empty when none (shown as "—", hidden on a phone).
    pub reason: String,
}

pub struct TrailView {
    pub rows: Vec<TrailRow>,
    /// Entries on this page (rows may stand for several).
    pub shown: usize,
    /// This page starts before the newest entry (a link back to the newest).
    pub paged: bool,
    /// Older entries exist beyond this page.
    pub older_href: Option<String>,
    pub newest_href: String,
}

/// A reason as stored: codes of refusals in words, free text as it is.
fn reason_text(reason: Option<&str>) -> String {
    match reason {
        None => String::new(),
        Some("outside_jurisdiction") => "Ngoài phạm vi thẩm quyền".to_string(),
        Some(r) => r.trim().to_string(),
    }
}

/// Reads that repeat: consecutive ones by the same person become one row.
fn repeats(action: &str) -> bool {
    matches!(action, "civil.record.read" | "civil.certificate.print")
}

fn label_of(action: &str, outcome: &str) -> (String, Option<String>) {
    match (action, outcome) {
        ("civil.record.read", "denied") => ("Xem hồ sơ (bị từ chối)".to_string(), None),
        _ => match action_label(action) {
            "" => (action.to_string(), Some(action.to_string())),
            label => (label.to_string(), None),
        },
    }
}

/// The trail of record `id`, the page older than `before` (or the newest).
pub(super) async fn trail_view(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    before: Option<i64>,
) -> Result<TrailView, DomainError> {
    let trail = state
        .app
        .record_audit_trail(actor, meta, id, before, TRAIL_PAGE)
        .await?;
    let older_href = if trail.truncated {
        trail
            .entries
            .last()
            .map(|e| format!("/civil/records/{id}?nhat_ky_truoc={}#nhat-ky", e.seq))
    } else {
        None
    };
    let shown = trail.entries.len();
    Ok(TrailView {
        rows: rows_of(trail.entries),
        shown,
        paged: before.is_some(),
        older_href,
        newest_href: format!("/civil/records/{id}#nhat-ky"),
    })
}

/// The rows of entries given newest first: repeated reads by the same person in one row.
fn rows_of(entries: Vec<TrailEntry>) -> Vec<TrailRow> {
    let mut rows: Vec<TrailRow> = Vec::new();
    // (user, office, action, outcome, reason) of the last row, when it may absorb a repeat.
    let mut last_key = None;
    for e in entries {
        let at = format_vn_minutes(e.at_micros);
        let key = repeats(&e.action).then(|| {
            (
                e.actor_username.clone(),
                e.actor_office_code.clone(),
                e.action.clone(),
                e.outcome.clone(),
                e.reason.clone(),
            )
        });
        if key.is_some()
            && key == last_key
            && let Some(row) = rows.last_mut()
        {
            row.count += 1;
            row.since = (at != row.at).then_some(at);
            continue;
        }
        last_key = key;
        let (action_label, action_code) = label_of(&e.action, &e.outcome);
        let (outcome_label, outcome_class) = outcome_label(&e.outcome);
        rows.push(TrailRow {
            since: None,
            at,
            count: 1,
            actor: e.actor_username.unwrap_or_else(|| "hệ thống".to_string()),
            office: e
                .actor_office_name
                .or(e.actor_office_code)
                .unwrap_or_default(),
            action_label,
            action_code,
            outcome_label,
            outcome_class,
            reason: reason_text(e.reason.as_deref()),
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, minute: i64, user: &str, action: &str) -> TrailEntry {
        TrailEntry {
            seq,
            // 2026-05-01 01:00 UTC = 08:00 in Việt Nam.
            at_micros: (1_777_597_200 + minute * 60) * 1_000_000,
            actor_username: Some(user.into()),
            actor_office_code: Some("00004".into()),
            actor_office_name: Some("UBND Phường Ba Đình".into()),
            action: action.into(),
            outcome: "success".into(),
            reason: None,
        }
    }

    #[test]
    fn repeated_reads_by_one_person_are_one_row() {
        let rows = rows_of(vec![
            entry(6, 9, "a", "civil.record.read"),
            entry(5, 7, "a", "civil.record.read"),
            entry(4, 5, "a", "civil.record.read"),
            entry(3, 4, "b", "civil.record.read"),
            entry(2, 3, "a", "civil.register"),
            entry(1, 2, "a", "civil.register"),
        ]);
        let seen: Vec<(&str, usize, Option<&str>, &str)> = rows
            .iter()
            .map(|r| (r.actor.as_str(), r.count, r.since.as_deref(), r.at.as_str()))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("a", 3, Some("01/05/2026 08:05"), "01/05/2026 08:09"),
                ("b", 1, None, "01/05/2026 08:04"),
                // Writes are never merged.
                ("a", 1, None, "01/05/2026 08:03"),
                ("a", 1, None, "01/05/2026 08:02"),
            ]
        );
    }

    #[test]
    fn actions_in_words_unknown_by_code() {
        assert_eq!(
            label_of("civil.birth.declare", "success"),
            ("Tiếp nhận tờ khai khai sinh".to_string(), None)
        );
        assert_eq!(
            label_of("civil.record.read", "denied").0,
            "Xem hồ sơ (bị từ chối)"
        );
        assert_eq!(
            label_of("civil.legacy.import", "success"),
            (
                "civil.legacy.import".to_string(),
                Some("civil.legacy.import".to_string())
            )
        );
        assert_eq!(
            reason_text(Some("outside_jurisdiction")),
            "Ngoài phạm vi thẩm quyền"
        );
        assert_eq!(reason_text(None), "");
    }
}

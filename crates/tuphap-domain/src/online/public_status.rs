//! Public status lookup of a dossier by its code (issue 7, item 3; no login): what the receipt
//! (Form 01) lets anyone holding it check — the procedure, the office, the status in the
//! national portal's words, the dates (submitted, received, due, re-appointed, finished,
//! returned) and the history of status changes, with no officer and no personal data.
//!
//! **Anti-enumeration** (a choice; the sources are silent). The serial of a code is sequential,
//! so codes are guessable. Therefore:
//!
//! - the code alone gives only what is listed above: the applicant's name and personal ID, the
//!   officers, the application, the files, the reasons and the missing items are never shown;
//! - the code **plus the last 4 digits of the applicant's personal ID** (`id4`) also gives the
//!   applicant's name masked ("Nguyễn V** A*"), the documents asked for in a supplement request
//!   (Form 02) and the reasons of a refusal (Form 03) — what a citizen needs to act, which a
//!   stranger with a guessed code cannot see; a wrong `id4` is 403 `dossier_lookup_id_mismatch`;
//! - every source address gets [`LOOKUPS_PER_MINUTE`] lookups a minute (a wrong `id4` costs
//!   [`MISMATCH_COST`]); beyond it 429 `dossier_lookup_rate_limited` with `Retry-After`
//!   (process-wide, in memory: a second server process has its own budget).
//!
//! A malformed code is 400 `dossier_code_bad_format` with `tuphap_core::dossier`'s message; an
//! unknown one 404 `dossier_not_found`. Lookups are not audited (no personal data is read
//! without `id4`); a lookup with a matching `id4` is (`dossier.public_lookup`).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use tuphap_core::dates::format_vn;
use tuphap_core::dossier::{DossierCode, DossierStatus, vn_date};

use crate::error::{DomainError, ErrorKind, Result};
use crate::online::access_log::vn_time;
use crate::{App, RequestMeta};

/// The actor of an audited public lookup (no login).
pub const PUBLIC_ACTOR: &str = "public";

/// Lookups a minute per source address.
pub const LOOKUPS_PER_MINUTE: u32 = 120;
/// What a lookup with a wrong `id4` costs in that budget.
pub const MISMATCH_COST: u32 = 20;

/// A status change as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PublicEvent {
    /// `dd/mm/yyyy HH:MM`, Vietnam time.
    #[schema(example = "04/02/2027 10:00")]
    pub at: String,
    /// The event kind (`submitted`, `received`, `supplement_requested`, …).
    #[schema(example = "received")]
    pub kind: String,
    /// The status after it.
    #[schema(example = "received")]
    pub status: String,
    #[schema(example = "Được tiếp nhận")]
    pub status_label: String,
    /// What happened, in Vietnamese.
    #[schema(example = "Tiếp nhận hồ sơ")]
    pub what: String,
}

/// The public view of a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PublicDossier {
    #[schema(example = "000.00.31.H13-270204-0001")]
    pub code: String,
    #[schema(example = "1.001193")]
    pub procedure_code: String,
    #[schema(example = "Đăng ký khai sinh")]
    pub procedure_name: String,
    #[schema(example = "UBND phường Ba Đình")]
    pub office: String,
    #[schema(example = "processed")]
    pub status: String,
    #[schema(example = "Đã xử lý xong")]
    pub status_label: String,
    /// Dates `dd/mm/yyyy` (Vietnam): submitted, received, due, re-appointed (Form 04),
    /// finished, result returned.
    #[schema(example = "04/02/2027")]
    pub submitted_on: String,
    pub received_on: Option<String>,
    pub due_on: Option<String>,
    pub reappointed_on: Option<String>,
    pub finished_on: Option<String>,
    pub returned_on: Option<String>,
    /// Finished after the due date, or a second supplement request (Decision 766).
    pub late: bool,
    pub history: Vec<PublicEvent>,
    /// Whether `id4` matched: the fields below are filled only then.
    pub verified: bool,
    /// The applicant's name, masked.
    pub applicant_masked: Option<String>,
    /// The documents asked for by the latest supplement request (Form 02).
    pub missing_items: Vec<String>,
    /// The reasons of a refusal (Form 03).
    pub refusal_reasons: Vec<String>,
}

/// "Nguyễn Văn An" → "Nguyễn V** A*": the family name whole, the other words as their first
/// letter and one `*` per further letter.
pub fn mask_name(name: &str) -> String {
    let mut words = name.split_whitespace();
    let Some(first) = words.next() else {
        return String::new();
    };
    let mut out = first.to_string();
    for w in words {
        let mut chars = w.chars();
        if let Some(c) = chars.next() {
            out.push(' ');
            out.push(c);
            out.extend(chars.map(|_| '*'));
        }
    }
    out
}

fn event_what(kind: &str) -> &'static str {
    match kind {
        "submitted" => "Nộp hồ sơ trực tuyến",
        "received" => "Tiếp nhận hồ sơ",
        "supplement_requested" => "Yêu cầu bổ sung hồ sơ",
        "supplement_answered" => "Đã bổ sung hồ sơ",
        "refused" => "Từ chối giải quyết",
        "processed" => "Giải quyết xong",
        "result_returned" => "Trả kết quả",
        "withdrawn" => "Rút hồ sơ",
        "stopped" => "Dừng xử lý",
        "apology" => "Xin lỗi và hẹn lại ngày trả kết quả",
        _ => "Cập nhật hồ sơ",
    }
}

fn day_of(micros: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format_vn(vn_date(t))
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

type Budget = HashMap<String, (i64, u32)>;

fn budget() -> &'static Mutex<Budget> {
    static B: OnceLock<Mutex<Budget>> = OnceLock::new();
    B.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Takes `cost` from the source's budget of the current minute; `Err` with the seconds to
/// wait when it is spent. No source address (not over TCP): not limited.
fn spend(source: Option<&str>, cost: u32, now: OffsetDateTime) -> std::result::Result<(), u64> {
    let Some(ip) = source else {
        return Ok(());
    };
    let minute = now.unix_timestamp().div_euclid(60);
    let mut b = budget().lock().unwrap_or_else(|p| p.into_inner());
    if b.len() > 100_000 {
        b.retain(|_, (m, _)| *m == minute);
    }
    let slot = b.entry(ip.to_string()).or_insert((minute, 0));
    if slot.0 != minute {
        *slot = (minute, 0);
    }
    if slot.1 >= LOOKUPS_PER_MINUTE {
        let wait = 60 - now.unix_timestamp().rem_euclid(60);
        return Err(u64::try_from(wait).unwrap_or(60));
    }
    slot.1 = slot.1.saturating_add(cost);
    Ok(())
}

fn rate_limited(secs: u64) -> DomainError {
    let mut e = DomainError::new(
        ErrorKind::TooManyRequests,
        "dossier_lookup_rate_limited",
        format!("Bạn tra cứu quá nhiều lần trong một phút. Vui lòng thử lại sau {secs} giây."),
    );
    e.retry_after = Some(secs);
    e
}

impl App {
    /// The public view of a dossier by its code; `id4` (the last 4 digits of the applicant's
    /// personal ID) unlocks the masked name, missing items and refusal reasons (see the module
    /// documentation).
    pub async fn public_dossier_status(
        &self,
        meta: &RequestMeta,
        code: &str,
        id4: Option<&str>,
    ) -> Result<PublicDossier> {
        let now = tuphap_store::now_utc();
        spend(meta.source_ip.as_deref(), 1, now).map_err(rate_limited)?;
        let code = DossierCode::parse(code)
            .map_err(|e| DomainError::bad_request(&e).with_field("code"))?
            .to_string();
        let id4 = id4.map(str::trim).filter(|s| !s.is_empty());
        if let Some(x) = id4
            && !(x.len() == 4 && x.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(DomainError::new(
                ErrorKind::BadRequest,
                "dossier_lookup_id4_bad_format",
                "Bốn số cuối của số định danh cá nhân phải gồm đúng 4 chữ số.",
            )
            .with_field("id4"));
        }
        let not_found = || {
            DomainError::not_found(
                "dossier_not_found",
                format!("Không tìm thấy hồ sơ có mã \u{201c}{code}\u{201d}."),
            )
        };
        let d = self
            .store
            .dossier_by_code(&code)
            .await?
            .ok_or_else(not_found)?;
        let verified = match id4 {
            None => false,
            Some(x) if d.applicant_personal_id.ends_with(x) => true,
            Some(_) => {
                spend(meta.source_ip.as_deref(), MISMATCH_COST, now).map_err(rate_limited)?;
                return Err(DomainError::new(
                    ErrorKind::Forbidden,
                    "dossier_lookup_id_mismatch",
                    "Bốn số cuối của số định danh cá nhân không khớp với người nộp hồ sơ.",
                )
                .with_field("id4"));
            }
        };
        let office = self
            .store
            .office_by_id(d.office_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let label = |s: &str| {
            DossierStatus::parse(s)
                .map(|x| x.label_vi().to_string())
                .unwrap_or_else(|_| s.to_string())
        };
        let events = self.store.dossier_events(d.id).await?;
        let mut missing_items = Vec::new();
        let mut refusal_reasons = Vec::new();
        let mut history = Vec::new();
        for e in &events {
            if e.kind == crate::online::rating::RATED {
                continue;
            }
            let details = e.details_json();
            match e.kind.as_str() {
                "supplement_requested" => missing_items = strings(&details["missing"]),
                "supplement_answered" => missing_items.clear(),
                "refused" => refusal_reasons = strings(&details["reasons"]),
                _ => {}
            }
            history.push(PublicEvent {
                at: vn_time(e.at),
                kind: e.kind.clone(),
                status: e.status_after.clone(),
                status_label: label(&e.status_after),
                what: event_what(&e.kind).into(),
            });
        }
        if verified {
            let mut audit = tuphap_store::NewAuditEntry {
                actor_username: Some(PUBLIC_ACTOR.into()),
                source_ip: meta.source_ip.clone(),
                request_id: meta.request_id.clone(),
                action: "dossier.public_lookup".into(),
                outcome: Some(tuphap_store::Outcome::Success),
                ..Default::default()
            };
            audit.target_type = Some("dossier".into());
            audit.target_id = Some(d.code.clone());
            audit.purpose = Some("dossier_status_lookup".into());
            self.store.audit(&[audit]).await?;
        } else {
            missing_items.clear();
            refusal_reasons.clear();
        }
        Ok(PublicDossier {
            code: d.code.clone(),
            procedure_code: d.procedure_code.clone(),
            procedure_name: d.procedure_name.clone(),
            office,
            status_label: label(&d.status),
            status: d.status.clone(),
            submitted_on: day_of(d.submitted_at),
            received_on: d.received_at.map(day_of),
            due_on: d.due_on.map(format_vn),
            reappointed_on: d.reappointed_on.map(format_vn),
            finished_on: d.finished_at.map(day_of),
            returned_on: d.returned_at.map(day_of),
            late: d.late,
            history,
            verified,
            applicant_masked: verified.then(|| mask_name(&d.applicant_name)),
            missing_items,
            refusal_reasons,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_address_has_a_budget_per_minute() {
        let now = time::macros::datetime!(2027-02-04 03:00:10 UTC);
        let ip = Some("203.0.113.77");
        for _ in 0..(LOOKUPS_PER_MINUTE / MISMATCH_COST) {
            assert!(spend(ip, MISMATCH_COST, now).is_ok());
        }
        assert_eq!(spend(ip, 1, now), Err(50));
        assert!(
            spend(Some("203.0.113.78"), 1, now).is_ok(),
            "another address"
        );
        assert!(spend(None, 1, now).is_ok(), "not over TCP");
        let next_minute = time::macros::datetime!(2027-02-04 03:01:00 UTC);
        assert!(spend(ip, 1, next_minute).is_ok());
    }

    #[test]
    fn names_are_masked_after_the_family_name() {
        assert_eq!(mask_name("Nguyễn Văn An"), "Nguyễn V** A*");
        assert_eq!(mask_name("  Lê   Thị Ánh Tuyết "), "Lê T** Á** T****");
        assert_eq!(mask_name(""), "");
    }
}

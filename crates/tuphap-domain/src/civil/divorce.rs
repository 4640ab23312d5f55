//! Recording a court's divorce or annulment of a marriage into the register (ghi vào Sổ hộ tịch
//! việc ly hôn, hủy việc kết hôn trái pháp luật): Luật Hộ tịch 2014, Điều 3 khoản 2; the
//! marriage ends on the day the judgment or decision takes effect (Luật Hôn nhân và gia đình
//! 2014, Điều 57 khoản 1).
//!
//! A `divorce` record concerns the marriage record (`target_record_id`), links both spouses and
//! goes through the same workflow as every record (declared by an officer, registered and
//! numbered by a signer of the same office, in the office's book of that kind). Only a
//! registered divorce ends the marriage: then the spouses' status is derived as divorced and they
//! may marry again.
//!
//! Choices where the sources are silent:
//! * The office that holds the marriage's book records it (the registering office, or for a
//!   former commune's book its successor commune): the same jurisdiction as reading the record.
//! * One marriage has at most one recorded decision: a second one is refused while the first is
//!   declared or registered (`divorce_already_declared`, `marriage_already_ended`).

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use tuphap_core::dates::format_vn;
use tuphap_core::role::Role;
use tuphap_core::text::{VnText, fold};
use tuphap_store::civil::{NewRecord, RecordRow};

use super::{Declared, date, invalid, register_text};
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::OfficeKind;
use crate::{Actor, App, RequestMeta};

/// The court's judgment or decision.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourtDecisionInput {
    /// `divorce` (ly hôn) or `annulment` (hủy việc kết hôn trái pháp luật).
    #[schema(example = "divorce")]
    pub kind: String,
    #[schema(example = "Tòa án nhân dân khu vực 1 – Hà Nội")]
    pub court: String,
    /// As printed on the judgment or decision.
    #[schema(example = "125/2026/HNGĐ-ST")]
    pub number: String,
    #[schema(example = "2026-10-01")]
    pub decided_on: String,
    /// The day it took legal effect (có hiệu lực pháp luật).
    #[schema(example = "2026-10-16")]
    pub effective_on: String,
}

/// A request to record a court's divorce or annulment of a registered marriage.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DivorceRecording {
    /// The registered marriage record the decision ends.
    #[schema(example = 42)]
    pub marriage_record_id: i64,
    pub decision: CourtDecisionInput,
}

/// How a decision is cited: "Bản án số 125/2026/HNGĐ-ST ngày 01/10/2026 của Tòa án …".
pub(crate) fn cite(d: &CourtDecisionInput) -> String {
    let what = if d.kind == "annulment" {
        "Quyết định"
    } else {
        "Bản án/Quyết định"
    };
    let decided = tuphap_core::dates::parse_date(&d.decided_on)
        .map(format_vn)
        .unwrap_or_else(|_| d.decided_on.clone());
    format!("{what} số {} ngày {decided} của {}", d.number, d.court)
}

pub(crate) struct CheckedDecision {
    pub effective_on: Date,
}

fn check_decision(d: &CourtDecisionInput, today: Date) -> Result<CheckedDecision> {
    if !matches!(d.kind.as_str(), "divorce" | "annulment") {
        return Err(invalid(
            "divorce_kind_invalid",
            "decision.kind",
            "Loại quyết định phải là ly hôn (divorce) hoặc hủy việc kết hôn trái pháp luật (annulment).",
        ));
    }
    let effective_on = check_court_order(
        [&d.court, &d.number, &d.decided_on, &d.effective_on],
        &OrderCodes {
            court_missing: "divorce_court_missing",
            number_missing: "divorce_number_missing",
            effective_before: "divorce_effective_before_decision",
        },
        today,
    )?;
    Ok(CheckedDecision { effective_on })
}

/// The codes of a procedure's refusals of a court's judgment or decision.
pub(crate) struct OrderCodes {
    pub court_missing: &'static str,
    pub number_missing: &'static str,
    pub effective_before: &'static str,
}

/// Checks a court's judgment or decision given as `[court, number, decided_on, effective_on]`
/// (fields `decision.*`): court and number stated, dates not in the future, taking effect on or
/// after the day it was made. Returns the day it took effect.
pub(crate) fn check_court_order(
    [court, number, decided_on, effective_on]: [&str; 4],
    codes: &OrderCodes,
    today: Date,
) -> Result<Date> {
    if VnText::new(court).as_str().is_empty() {
        return Err(invalid(
            codes.court_missing,
            "decision.court",
            "Ghi tên Tòa án đã ra bản án, quyết định.",
        ));
    }
    if VnText::new(number).as_str().is_empty() {
        return Err(invalid(
            codes.number_missing,
            "decision.number",
            "Ghi số của bản án, quyết định.",
        ));
    }
    let decided = date(decided_on, "decision.decided_on", today)?;
    let effective = date(effective_on, "decision.effective_on", today)?;
    if effective < decided {
        return Err(invalid(
            codes.effective_before,
            "decision.effective_on",
            format!(
                "Ngày có hiệu lực {} trước ngày ra bản án, quyết định {}.",
                format_vn(effective),
                format_vn(decided)
            ),
        ));
    }
    Ok(effective)
}

impl App {
    /// Declares the recording of a court's divorce or annulment of a registered marriage (officer
    /// or signer of the commune office holding the marriage's book). Registering it (signer,
    /// [`App::register_record`]) ends the marriage.
    pub async fn declare_divorce(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        d: DivorceRecording,
    ) -> Result<Declared> {
        actor.require(
            matches!(actor.role, Role::Officer | Role::Signer)
                && actor.office.kind == OfficeKind::Commune,
            "ghi vào sổ việc ly hôn, hủy kết hôn (chỉ công chức tư pháp – hộ tịch hoặc lãnh đạo UBND cấp xã)",
        )?;
        let today = tuphap_core::dates::vn_today();
        let checked = check_decision(&d.decision, today)?;
        let marriage = self
            .store
            .record_by_id(d.marriage_record_id)
            .await?
            .filter(|r| r.kind == "marriage")
            .ok_or_else(|| {
                DomainError::not_found(
                    "marriage_not_found",
                    format!(
                        "Không có hồ sơ đăng ký kết hôn số {} trong sổ.",
                        d.marriage_record_id
                    ),
                )
                .with_field("marriage_record_id")
            })?;
        self.concerned_record(
            actor,
            &marriage,
            "marriage_not_registered",
            "ghi vào sổ việc ly hôn, hủy kết hôn",
        )
        .await?;
        let (husband, wife) = self.marriage_ends_check(&marriage, &checked).await?;
        let data = serde_json::to_string(&d).map_err(|_| DomainError::internal())?;
        let record = NewRecord {
            target_record_id: Some(marriage.id),
            kind: "divorce".into(),
            office_id: actor.office.id,
            unit_code: marriage.unit_code.clone(),
            event_date: checked.effective_on,
            subject_person_id: wife.0,
            subject_name_folded: fold(&wife.1),
            late: false,
            declared_by: actor.user_id,
            data,
            persons: vec![("husband".into(), husband.0), ("wife".into(), wife.0)],
        };
        let details =
            serde_json::json!({"marriage_record_id": marriage.id, "kind": d.decision.kind});
        let tx = self.store.begin().await?;
        self.commit_declared(tx, actor, meta, record, "civil.divorce.declare", details)
            .await
    }

    /// The marriage can be ended by this decision: registered, not already ended by a recorded
    /// decision or a spouse's death, registered before the decision took effect. Returns
    /// (husband id, name) and (wife id, name).
    async fn marriage_ends_check(
        &self,
        marriage: &RecordRow,
        decision: &CheckedDecision,
    ) -> Result<((i64, String), (i64, String))> {
        if let Some(on) = marriage.registered_on
            && decision.effective_on < on
        {
            return Err(invalid(
                "divorce_before_marriage",
                "decision.effective_on",
                format!(
                    "Ngày có hiệu lực {} trước ngày đăng ký kết hôn {}.",
                    format_vn(decision.effective_on),
                    format_vn(on)
                ),
            ));
        }
        for other in self.store.records_targeting(marriage.id).await? {
            if other.kind != "divorce" {
                continue;
            }
            match other.status.as_str() {
                "registered" | "certificate_issued" => {
                    return Err(marriage_already_ended(marriage.id, &other));
                }
                "declared" | "returned" => {
                    return Err(DomainError::new(
                        ErrorKind::Conflict,
                        "divorce_already_declared",
                        format!(
                            "Đã có yêu cầu ghi việc ly hôn số {} cho việc kết hôn này đang chờ xử lý.",
                            other.id
                        ),
                    ));
                }
                _ => {}
            }
        }
        let mut husband = None;
        let mut wife = None;
        for p in self.store.record_persons(marriage.id).await? {
            let person = self
                .store
                .person_by_id(p.person_id)
                .await?
                .ok_or_else(DomainError::internal)?;
            if let Some(died) = person.date_of_death
                && died <= decision.effective_on
            {
                return Err(DomainError::new(
                    ErrorKind::Conflict,
                    "marriage_ended_by_death",
                    format!(
                        "{} đã chết ngày {}: hôn nhân đã chấm dứt từ ngày đó (Luật Hôn nhân và gia đình 2014, Điều 65), trước khi bản án, quyết định có hiệu lực.",
                        person.full_name,
                        format_vn(died)
                    ),
                ));
            }
            match p.role.as_str() {
                "husband" => husband = Some((person.id, person.full_name)),
                "wife" => wife = Some((person.id, person.full_name)),
                _ => {}
            }
        }
        match (husband, wife) {
            (Some(h), Some(w)) => Ok((h, w)),
            _ => Err(DomainError::internal()),
        }
    }
}

/// The refusal when the marriage already ended by a recorded decision (also checked again at
/// registration).
pub(crate) fn marriage_already_ended(marriage_id: i64, by: &RecordRow) -> DomainError {
    let register = match (
        by.register_number,
        by.register_book.as_deref(),
        by.register_year,
    ) {
        (Some(n), Some(b), Some(y)) => format!(" ({})", register_text(n, b, y)),
        _ => String::new(),
    };
    DomainError::new(
        ErrorKind::Conflict,
        "marriage_already_ended",
        format!(
            "Việc kết hôn số {marriage_id} đã chấm dứt: việc ly hôn đã được ghi vào sổ, hồ sơ số {}{register}.",
            by.id
        ),
    )
}

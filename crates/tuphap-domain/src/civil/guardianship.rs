//! Guardianship (giám hộ): registration, change of guardian and end — Luật Hộ tịch 2014, Điều
//! 19–23; Bộ luật Dân sự 2015, Điều 46–62 (field spec `civil-status-forms.md` §5).
//!
//! Three record kinds, all numbered in the office's guardianship book (Sổ đăng ký giám hộ):
//! * `guardianship` (đăng ký giám hộ cử or đương nhiên, LHT Điều 20–21) links the ward and the
//!   guardian;
//! * `guardianship_change` (thay đổi người giám hộ, LHT Điều 23; BLDS Điều 60) concerns the
//!   current guardianship (`target_record_id`) and names the new guardian. The law asks for the
//!   old guardianship to be ended and a new one registered; the change record is both in one
//!   signed act: registering it ends its target and starts the new guardian on the same day, so
//!   the ward is never left without one;
//! * `guardianship_end` (chấm dứt giám hộ, LHT Điều 22; BLDS Điều 62) concerns the current
//!   guardianship and states the ground.
//!
//! The current guardianship of a ward is derived, never stored: the latest registered
//! `guardianship` or `guardianship_change` naming them as ward that no registered change or end
//! concerns.
//!
//! Rules the registry can check:
//! * the guardian is at least 18 and is not themself under guardianship (full civil capacity,
//!   BLDS Điều 49.1); neither the guardian nor the ward is registered as dead; the guardian is
//!   not the ward;
//! * a ward who is a minor (BLDS Điều 47.1a–b) is under 18 on the registration date; an adult
//!   ward (lost capacity, Điều 22; cognitive difficulties, Điều 23) needs the court's decision;
//! * one ward has one guardian (BLDS Điều 47.2): a second registration is refused while one is
//!   current or pending;
//! * ending for the ward's full capacity (Điều 62.1a) needs a minor ward to have turned 18 (an
//!   adult ward's capacity is restored by a court decision, given as evidence); ending for an
//!   adoption (Điều 62.1d) needs the adoption registered.
//!
//! Left to the officer (the registry does not hold them): good morals and criminal record
//! (BLDS Điều 49.2–3: the judicial-record registry is a separate system), the appointment
//! document's authenticity and the statutory order of guardians (Điều 52–53). The joint
//! guardianship by both parents or grandparents (Điều 47.2) is one guardian per record here.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use tuphap_core::civil::{AuthorityBasis, UnitRef, full_years};
use tuphap_core::dates::{format_vn, vn_today};
use tuphap_core::personal_id::Sex;
use tuphap_core::role::Role;
use tuphap_core::text::fold;
use tuphap_store::civil::{NewPerson, NewRecord, PersonEventRow, RecordRow};

use super::amendment::RequesterInput;
use super::{
    Declared, ParentInput, PlaceInput, date, ensure_competent, invalid, parent, register_text,
    require_request,
};
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::OfficeKind;
use crate::{Actor, App, RequestMeta};

/// The kinds of record that start a guardianship (its current guardian).
const STARTS: [&str; 2] = ["guardianship", "guardianship_change"];
/// The kinds of record that end the guardianship they concern.
const ENDS: [&str; 2] = ["guardianship_end", "guardianship_change"];

/// A ward or a guardian.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianshipPersonInput {
    #[schema(example = "Lê Văn Bình")]
    pub full_name: String,
    #[schema(example = "male")]
    pub sex: String,
    #[schema(example = "1975-04-10")]
    pub date_of_birth: String,
    #[schema(example = "001075004444")]
    pub personal_id: Option<String>,
    #[schema(example = "01")]
    pub ethnicity_code: String,
    #[schema(example = "VN")]
    pub nationality_code: String,
    pub residence: PlaceInput,
}

/// A request to register a guardianship.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianshipRegistration {
    /// `appointed` (giám hộ cử, LHT Điều 20) or `statutory` (giám hộ đương nhiên, Điều 21).
    #[schema(example = "statutory")]
    pub kind: String,
    /// `minor` (BLDS Điều 47.1a–b), `incapacitated` (mất năng lực hành vi dân sự, Điều 22) or
    /// `cognitive_difficulty` (khó khăn trong nhận thức, làm chủ hành vi, Điều 23).
    #[schema(example = "minor")]
    pub ward_situation: String,
    /// The ward's registered birth record (a ward born in the registry), or…
    #[schema(example = 12)]
    pub ward_birth_record_id: Option<i64>,
    /// …the ward's details.
    pub ward: Option<GuardianshipPersonInput>,
    pub guardian: GuardianshipPersonInput,
    /// The appointment document (số, ngày, người cử) or, for a statutory guardian, the
    /// relationship that makes them one (BLDS Điều 52–53) and the agreement naming them.
    #[schema(example = "Ông nội; cha mẹ đã chết (trích lục khai tử số 5/2025)")]
    pub basis: String,
    /// The court's decision declaring the adult ward's incapacity (required unless `minor`).
    pub court_decision: Option<String>,
    pub requester: RequesterInput,
}

/// A request to change the guardian of a current guardianship.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianshipChange {
    /// The current guardianship (its `guardianship` or latest `guardianship_change` record).
    #[schema(example = 40)]
    pub guardianship_record_id: i64,
    pub new_guardian: GuardianshipPersonInput,
    /// Why (BLDS Điều 60.1): the guardian no longer qualifies, died, or asked to be replaced
    /// and another person accepts.
    #[schema(
        example = "Người giám hộ cũ ốm nặng, đề nghị thay đổi; bà nội đồng ý làm người giám hộ"
    )]
    pub reason: String,
    /// The new guardian's basis, as for a registration.
    #[schema(example = "Bà nội")]
    pub basis: String,
    pub requester: RequesterInput,
}

/// A request to end a guardianship.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianshipEnd {
    #[schema(example = 40)]
    pub guardianship_record_id: i64,
    /// BLDS Điều 62.1: `ward_full_capacity`, `ward_deceased`, `parents_able`, `ward_adopted`.
    #[schema(example = "ward_full_capacity")]
    pub grounds: String,
    /// The day it ends (YYYY-MM-DD).
    #[schema(example = "2026-11-20")]
    pub ended_on: String,
    /// The document showing the ground.
    #[schema(example = "Người được giám hộ đã đủ 18 tuổi (giấy khai sinh số 12/2008)")]
    pub evidence: String,
    pub requester: RequesterInput,
}

/// The Vietnamese text of an end ground.
pub fn end_grounds_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "ward_full_capacity" => "Người được giám hộ đã có năng lực hành vi dân sự đầy đủ",
        "ward_deceased" => "Người được giám hộ chết",
        "parents_able" => {
            "Cha, mẹ của người được giám hộ đã có đủ điều kiện thực hiện quyền, nghĩa vụ của mình"
        }
        "ward_adopted" => "Người được giám hộ được nhận làm con nuôi",
        _ => return None,
    })
}

/// The Vietnamese text of a ward's situation.
pub fn ward_situation_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "minor" => "Người chưa thành niên",
        "incapacitated" => "Người mất năng lực hành vi dân sự",
        "cognitive_difficulty" => "Người có khó khăn trong nhận thức, làm chủ hành vi",
        _ => return None,
    })
}

struct CheckedPerson {
    person: NewPerson,
    dob: Date,
    residence_code: String,
}

fn check_person(p: &GuardianshipPersonInput, role: &str, today: Date) -> Result<CheckedPerson> {
    let sex = Sex::parse(&p.sex)
        .map_err(|e| DomainError::unprocessable(&e).with_field(format!("{role}.sex")))?;
    if p.date_of_birth.trim().is_empty() {
        return Err(invalid(
            "guardianship_field_required",
            &format!("{role}.date_of_birth"),
            "Ghi ngày sinh.",
        ));
    }
    let c = parent(
        &ParentInput {
            full_name: p.full_name.clone(),
            date_of_birth: Some(p.date_of_birth.clone()),
            personal_id: p.personal_id.clone(),
            ethnicity_code: p.ethnicity_code.clone(),
            nationality_code: p.nationality_code.clone(),
            residence: p.residence.clone(),
        },
        role,
        sex,
        today,
    )?;
    let dob = c.person.date_of_birth.ok_or_else(DomainError::internal)?;
    Ok(CheckedPerson {
        person: c.person,
        dob,
        residence_code: c.residence_code,
    })
}

fn deceased(name: &str, died: Date) -> DomainError {
    DomainError::new(
        ErrorKind::Conflict,
        "guardianship_person_deceased",
        format!(
            "{name} đã được đăng ký khai tử (ngày chết {}).",
            format_vn(died)
        ),
    )
}

impl App {
    /// Declares a guardianship (officer or signer of the commune where the ward or the guardian
    /// resides, LHT Điều 19).
    pub async fn declare_guardianship(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        r: GuardianshipRegistration,
    ) -> Result<Declared> {
        require_commune_staff(actor, "đăng ký giám hộ")?;
        if !matches!(r.kind.as_str(), "appointed" | "statutory") {
            return Err(invalid(
                "guardianship_kind_invalid",
                "kind",
                "Loại giám hộ phải là giám hộ cử (appointed) hoặc giám hộ đương nhiên (statutory).",
            ));
        }
        if ward_situation_text(&r.ward_situation).is_none() {
            return Err(invalid(
                "guardianship_ward_situation_invalid",
                "ward_situation",
                "Tình trạng của người được giám hộ phải là chưa thành niên (minor), mất năng lực hành vi dân sự (incapacitated) hoặc khó khăn trong nhận thức, làm chủ hành vi (cognitive_difficulty).",
            ));
        }
        require_request(
            "guardianship_field_required",
            &[(
                "basis",
                &r.basis,
                "văn bản cử người giám hộ hoặc căn cứ giám hộ đương nhiên",
            )],
            &r.requester,
        )?;
        if r.ward_situation != "minor"
            && r.court_decision
                .as_deref()
                .is_none_or(|d| d.trim().is_empty())
        {
            return Err(invalid(
                "guardianship_court_decision_required",
                "court_decision",
                "Ghi quyết định của Tòa án tuyên bố người được giám hộ mất năng lực hành vi dân sự hoặc có khó khăn trong nhận thức, làm chủ hành vi (Bộ luật Dân sự 2015, Điều 22, 23).",
            ));
        }
        let today = vn_today();
        let guardian = check_person(&r.guardian, "guardian", today)?;
        // The ward: a child of a registered birth record, or given in full.
        let (ward_existing, ward_new, ward_residence) = match (r.ward_birth_record_id, &r.ward) {
            (Some(id), _) => {
                let birth = self.birth_record(id).await?;
                if !matches!(birth.status.as_str(), "registered" | "certificate_issued") {
                    return Err(DomainError::new(
                        ErrorKind::Conflict,
                        "guardianship_birth_not_registered",
                        format!("Hồ sơ khai sinh số {id} chưa được đăng ký."),
                    )
                    .with_field("ward_birth_record_id"));
                }
                let child = self
                    .store
                    .person_by_id(birth.subject_person_id)
                    .await?
                    .ok_or_else(DomainError::internal)?;
                let residence = match &r.ward {
                    Some(w) => Some(check_person(w, "ward", today)?.residence_code),
                    None => None,
                };
                (Some(child), None, residence)
            }
            (None, Some(w)) => {
                let c = check_person(w, "ward", today)?;
                let existing = match &c.person.personal_id {
                    Some(pid) => self.store.person_by_personal_id(pid).await?,
                    None => None,
                };
                let residence = Some(c.residence_code.clone());
                (existing, Some(c), residence)
            }
            (None, None) => {
                return Err(invalid(
                    "guardianship_field_required",
                    "ward_birth_record_id",
                    "Ghi số hồ sơ khai sinh của người được giám hộ hoặc thông tin của người đó.",
                ));
            }
        };
        ensure_competent(
            actor,
            AuthorityBasis::Guardianship {
                ward_residence: ward_residence.as_deref().map(|c| UnitRef::new(c, today)),
                guardian_residence: Some(UnitRef::new(&guardian.residence_code, today)),
            },
            today,
            "guardian.residence.admin_unit_code",
        )?;
        let (ward_name, ward_dob) = match (&ward_existing, &ward_new) {
            (Some(p), _) => (
                p.full_name.clone(),
                p.date_of_birth
                    .or(ward_new.as_ref().map(|w| w.dob))
                    .ok_or_else(|| {
                        invalid(
                            "guardianship_field_required",
                            "ward.date_of_birth",
                            "Ghi ngày sinh của người được giám hộ.",
                        )
                    })?,
            ),
            (None, Some(w)) => (w.person.full_name.clone(), w.dob),
            (None, None) => return Err(DomainError::internal()),
        };
        if let Some(p) = &ward_existing
            && let Some(died) = p.date_of_death
        {
            return Err(deceased(&p.full_name, died));
        }
        let ward_age = full_years(ward_dob, today);
        if r.ward_situation == "minor" && ward_age >= 18 {
            return Err(invalid(
                "guardianship_ward_adult",
                "ward_situation",
                format!(
                    "{ward_name} sinh ngày {} đã đủ 18 tuổi, không còn là người chưa thành niên; giám hộ người thành niên cần quyết định của Tòa án (Bộ luật Dân sự 2015, Điều 22, 23, 47).",
                    format_vn(ward_dob)
                ),
            ));
        }
        if r.ward_situation != "minor" && ward_age < 18 {
            return Err(invalid(
                "guardianship_ward_situation_invalid",
                "ward_situation",
                format!(
                    "{ward_name} chưa đủ 18 tuổi: chọn tình trạng \u{201c}người chưa thành niên\u{201d}."
                ),
            ));
        }
        let guardian_existing = self.eligible_guardian(&guardian, "guardian", today).await?;
        if let (Some(w), Some(g)) = (&ward_existing, &guardian_existing)
            && w.id == g.id
        {
            return Err(self_guardian("guardian.personal_id"));
        }
        if let Some(w) = &ward_existing {
            self.refuse_second_guardianship(w.id, None).await?;
        }
        let data = serde_json::to_string(&r).map_err(|_| DomainError::internal())?;
        let mut tx = self.store.begin().await?;
        let ward_id = match (&ward_existing, &ward_new) {
            (Some(p), _) => p.id,
            (None, Some(w)) => tx.person_find_or_create(&w.person).await?.0,
            (None, None) => return Err(DomainError::internal()),
        };
        let guardian_id = tx.person_find_or_create(&guardian.person).await?.0;
        if guardian_id == ward_id {
            return Err(self_guardian("guardian.personal_id"));
        }
        let record = NewRecord {
            target_record_id: None,
            kind: "guardianship".into(),
            office_id: actor.office.id,
            unit_code: ward_residence.or(Some(guardian.residence_code.clone())),
            event_date: today,
            subject_person_id: ward_id,
            subject_name_folded: fold(&ward_name),
            late: false,
            declared_by: actor.user_id,
            data,
            persons: vec![("ward".into(), ward_id), ("guardian".into(), guardian_id)],
        };
        let details = serde_json::json!({"kind": r.kind, "ward_situation": r.ward_situation});
        self.commit_declared(
            tx,
            actor,
            meta,
            record,
            "civil.guardianship.declare",
            details,
        )
        .await
    }

    /// Declares a change of guardian (at the office holding the guardianship's book).
    pub async fn declare_guardianship_change(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        r: GuardianshipChange,
    ) -> Result<Declared> {
        require_commune_staff(actor, "đăng ký thay đổi người giám hộ")?;
        require_request(
            "guardianship_field_required",
            &[
                ("reason", &r.reason, "lý do thay đổi người giám hộ"),
                ("basis", &r.basis, "căn cứ của người giám hộ mới"),
            ],
            &r.requester,
        )?;
        let today = vn_today();
        let guardian = check_person(&r.new_guardian, "new_guardian", today)?;
        let current = self
            .current_target(actor, r.guardianship_record_id, "thay đổi người giám hộ")
            .await?;
        let (ward_id, old_guardian_id) = parties(&self.store.record_persons(current.id).await?)?;
        let existing = self
            .eligible_guardian(&guardian, "new_guardian", today)
            .await?;
        if let Some(g) = &existing {
            if g.id == ward_id {
                return Err(self_guardian("new_guardian.personal_id"));
            }
            if g.id == old_guardian_id {
                return Err(invalid(
                    "guardianship_same_guardian",
                    "new_guardian.personal_id",
                    format!("{} đang là người giám hộ.", g.full_name),
                ));
            }
        }
        let ward = self
            .store
            .person_by_id(ward_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let data = serde_json::to_string(&r).map_err(|_| DomainError::internal())?;
        let mut tx = self.store.begin().await?;
        let guardian_id = tx.person_find_or_create(&guardian.person).await?.0;
        if guardian_id == ward_id {
            return Err(self_guardian("new_guardian.personal_id"));
        }
        let record = NewRecord {
            target_record_id: Some(current.id),
            kind: "guardianship_change".into(),
            office_id: actor.office.id,
            unit_code: current.unit_code.clone(),
            event_date: today,
            subject_person_id: ward_id,
            subject_name_folded: ward.name_folded.clone(),
            late: false,
            declared_by: actor.user_id,
            data,
            persons: vec![("ward".into(), ward_id), ("guardian".into(), guardian_id)],
        };
        let details = serde_json::json!({"guardianship_record_id": current.id});
        self.commit_declared(
            tx,
            actor,
            meta,
            record,
            "civil.guardianship_change.declare",
            details,
        )
        .await
    }

    /// Declares the end of a guardianship (at the office holding its book, LHT Điều 22).
    pub async fn declare_guardianship_end(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        r: GuardianshipEnd,
    ) -> Result<Declared> {
        require_commune_staff(actor, "đăng ký chấm dứt giám hộ")?;
        let Some(grounds) = end_grounds_text(&r.grounds) else {
            return Err(invalid(
                "guardianship_end_grounds_invalid",
                "grounds",
                "Căn cứ chấm dứt giám hộ phải là một trong các trường hợp của Bộ luật Dân sự 2015, Điều 62 khoản 1.",
            ));
        };
        require_request(
            "guardianship_field_required",
            &[(
                "evidence",
                &r.evidence,
                "giấy tờ chứng minh căn cứ chấm dứt",
            )],
            &r.requester,
        )?;
        let today = vn_today();
        let ended_on = date(&r.ended_on, "ended_on", today)?;
        let current = self
            .current_target(actor, r.guardianship_record_id, "chấm dứt giám hộ")
            .await?;
        if let Some(since) = current.registered_on
            && ended_on < since
        {
            return Err(invalid(
                "guardianship_end_before_start",
                "ended_on",
                format!(
                    "Ngày chấm dứt {} trước ngày đăng ký giám hộ {}.",
                    format_vn(ended_on),
                    format_vn(since)
                ),
            ));
        }
        let (ward_id, _) = parties(&self.store.record_persons(current.id).await?)?;
        let ward = self
            .store
            .person_by_id(ward_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let situation = self
            .store
            .record_versions(current.id)
            .await?
            .into_iter()
            .last()
            .and_then(|v| serde_json::from_str::<serde_json::Value>(&v.data).ok())
            .and_then(|d| d["ward_situation"].as_str().map(str::to_string));
        match r.grounds.as_str() {
            "ward_full_capacity" if situation.as_deref().is_none_or(|s| s == "minor") => {
                if let Some(dob) = ward.date_of_birth
                    && full_years(dob, ended_on) < 18
                {
                    return Err(invalid(
                        "guardianship_end_ward_minor",
                        "grounds",
                        format!(
                            "{} sinh ngày {} chưa đủ 18 tuổi vào ngày {}: chưa có năng lực hành vi dân sự đầy đủ (Bộ luật Dân sự 2015, Điều 20, 62).",
                            ward.full_name,
                            format_vn(dob),
                            format_vn(ended_on)
                        ),
                    ));
                }
            }
            "ward_adopted" => {
                let adopted = self
                    .store
                    .person_events(ward_id)
                    .await?
                    .into_iter()
                    .any(|e| {
                        e.kind == "adoption"
                            && e.role == "child"
                            && matches!(e.status.as_str(), "registered" | "certificate_issued")
                    });
                if !adopted {
                    return Err(DomainError::new(
                        ErrorKind::Conflict,
                        "guardianship_end_not_adopted",
                        format!(
                            "Sổ hộ tịch chưa có việc nuôi con nuôi đã đăng ký của {}; đăng ký nuôi con nuôi trước (Bộ luật Dân sự 2015, Điều 62 khoản 1 điểm d).",
                            ward.full_name
                        ),
                    ));
                }
            }
            _ => {}
        }
        let data = serde_json::to_string(&r).map_err(|_| DomainError::internal())?;
        let tx = self.store.begin().await?;
        let record = NewRecord {
            target_record_id: Some(current.id),
            kind: "guardianship_end".into(),
            office_id: actor.office.id,
            unit_code: current.unit_code.clone(),
            event_date: ended_on,
            subject_person_id: ward_id,
            subject_name_folded: ward.name_folded.clone(),
            late: false,
            declared_by: actor.user_id,
            data,
            persons: vec![("ward".into(), ward_id)],
        };
        let details = serde_json::json!({
            "guardianship_record_id": current.id, "grounds": r.grounds, "grounds_text": grounds
        });
        self.commit_declared(
            tx,
            actor,
            meta,
            record,
            "civil.guardianship_end.declare",
            details,
        )
        .await
    }

    /// The ward's current guardianship record, if any (see the module doc).
    pub async fn current_guardianship(&self, ward_id: i64) -> Result<Option<RecordRow>> {
        let events = self.store.person_events(ward_id).await?;
        self.current_guardianship_in(&events).await
    }

    /// [`App::current_guardianship`] from the ward's events, already read.
    async fn current_guardianship_in(
        &self,
        events: &[PersonEventRow],
    ) -> Result<Option<RecordRow>> {
        let mut starts: Vec<i64> = events
            .iter()
            .filter(|e| {
                e.role == "ward"
                    && STARTS.contains(&e.kind.as_str())
                    && matches!(e.status.as_str(), "registered" | "certificate_issued")
            })
            .map(|e| e.record_id)
            .collect();
        starts.sort_unstable_by(|a, b| b.cmp(a));
        for id in starts {
            if self.ended_by(id).await?.is_none()
                && let Some(r) = self.store.record_by_id(id).await?
            {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    /// "Đang được giám hộ: người giám hộ Lê Văn Bình (hồ sơ số 40, Số: 1, Quyển số: 01/2026)",
    /// when the person whose `events` these are has a current guardianship.
    pub async fn guardianship_sentence(&self, events: &[PersonEventRow]) -> Result<Option<String>> {
        let Some(current) = self.current_guardianship_in(events).await? else {
            return Ok(None);
        };
        let (_, guardian_id) = parties(&self.store.record_persons(current.id).await?)?;
        let guardian = self
            .store
            .person_by_id(guardian_id)
            .await?
            .map(|g| g.full_name)
            .unwrap_or_default();
        let register = match (
            current.register_number,
            current.register_book.as_deref(),
            current.register_year,
        ) {
            (Some(n), Some(b), Some(y)) => format!(", {}", register_text(n, b, y)),
            _ => String::new(),
        };
        Ok(Some(format!(
            "Đang được giám hộ: người giám hộ {guardian} (hồ sơ số {}{register}).",
            current.id
        )))
    }

    /// Whether guardianship record `id` is still current (no registered change or end).
    pub async fn guardianship_is_current(&self, id: i64) -> Result<bool> {
        Ok(self.ended_by(id).await?.is_none())
    }

    /// The registered record that ended guardianship `id` (its end or a change of guardian).
    async fn ended_by(&self, id: i64) -> Result<Option<RecordRow>> {
        Ok(self
            .store
            .records_targeting(id)
            .await?
            .into_iter()
            .find(|r| {
                ENDS.contains(&r.kind.as_str())
                    && matches!(r.status.as_str(), "registered" | "certificate_issued")
            }))
    }

    /// The guardianship `id` a change or an end concerns: a current one, in the actor's
    /// jurisdiction, with no other change or end awaiting signature.
    async fn current_target(&self, actor: &Actor, id: i64, what: &str) -> Result<RecordRow> {
        let target = self
            .store
            .record_by_id(id)
            .await?
            .filter(|r| STARTS.contains(&r.kind.as_str()))
            .ok_or_else(|| {
                DomainError::not_found(
                    "guardianship_not_found",
                    format!("Không có hồ sơ đăng ký giám hộ số {id} trong sổ."),
                )
                .with_field("guardianship_record_id")
            })?;
        self.concerned_record(actor, &target, "guardianship_not_registered", what)
            .await?;
        self.guardianship_still_current(&target).await?;
        for kind in ENDS {
            self.refuse_pending(id, kind, "guardianship_pending")
                .await?;
        }
        Ok(target)
    }

    /// Refuses (409 `guardianship_ended`) when guardianship `target` already ended.
    async fn guardianship_still_current(&self, target: &RecordRow) -> Result<()> {
        match self.ended_by(target.id).await? {
            Some(by) => Err(DomainError::new(
                ErrorKind::Conflict,
                "guardianship_ended",
                format!(
                    "Việc giám hộ số {} đã chấm dứt hoặc đã thay đổi người giám hộ (hồ sơ số {}).",
                    target.id, by.id
                ),
            )),
            None => Ok(()),
        }
    }

    /// One guardian per ward (BLDS Điều 47.2): refuses while another guardianship of the ward is
    /// current or awaits signature (`except` = the record being registered).
    async fn refuse_second_guardianship(&self, ward_id: i64, except: Option<i64>) -> Result<()> {
        let events = self.store.person_events(ward_id).await?;
        if let Some(current) = self.current_guardianship_in(&events).await?
            && Some(current.id) != except
        {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "guardianship_exists",
                format!(
                    "Người được giám hộ đang có người giám hộ (hồ sơ số {}); muốn đổi người giám hộ thì đăng ký thay đổi người giám hộ (Luật Hộ tịch 2014, Điều 23).",
                    current.id
                ),
            ));
        }
        for e in &events {
            if e.role == "ward"
                && e.kind == "guardianship"
                && Some(e.record_id) != except
                && matches!(e.status.as_str(), "declared" | "returned")
            {
                return Err(DomainError::new(
                    ErrorKind::Conflict,
                    "guardianship_pending",
                    format!(
                        "Đã có yêu cầu đăng ký giám hộ số {} cho người này đang chờ xử lý.",
                        e.record_id
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A guardian the registry knows nothing against (BLDS Điều 49.1): adult, alive, not under
    /// guardianship. Returns the guardian's existing person entry, if any.
    async fn eligible_guardian(
        &self,
        g: &CheckedPerson,
        field: &str,
        today: Date,
    ) -> Result<Option<tuphap_store::civil::PersonRow>> {
        if full_years(g.dob, today) < 18 {
            return Err(invalid(
                "guardianship_guardian_minor",
                &format!("{field}.date_of_birth"),
                format!(
                    "{} sinh ngày {} chưa đủ 18 tuổi, chưa có năng lực hành vi dân sự đầy đủ để làm người giám hộ (Bộ luật Dân sự 2015, Điều 49 khoản 1).",
                    g.person.full_name,
                    format_vn(g.dob)
                ),
            ));
        }
        let Some(pid) = &g.person.personal_id else {
            return Ok(None);
        };
        let Some(existing) = self.store.person_by_personal_id(pid).await? else {
            return Ok(None);
        };
        if let Some(died) = existing.date_of_death {
            return Err(deceased(&existing.full_name, died));
        }
        if let Some(current) = self.current_guardianship(existing.id).await? {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "guardianship_guardian_under_guardianship",
                format!(
                    "{} đang được giám hộ (hồ sơ số {}), không có năng lực hành vi dân sự đầy đủ để làm người giám hộ (Bộ luật Dân sự 2015, Điều 49 khoản 1).",
                    existing.full_name, current.id
                ),
            ));
        }
        Ok(Some(existing))
    }

    /// At the registration of a guardianship record `r` (inside its transaction, re-checking what
    /// may have changed since the declaration): one guardian per ward; a change or an end still
    /// concerns a current guardianship. Returns the guardianship a change or an end ends.
    pub(crate) async fn apply_guardianship(&self, r: &RecordRow) -> Result<Option<i64>> {
        match r.kind.as_str() {
            "guardianship" => {
                self.refuse_second_guardianship(r.subject_person_id, Some(r.id))
                    .await?;
                Ok(None)
            }
            "guardianship_change" | "guardianship_end" => {
                let target_id = r.target_record_id.ok_or_else(DomainError::internal)?;
                let target = self
                    .store
                    .record_by_id(target_id)
                    .await?
                    .ok_or_else(DomainError::internal)?;
                self.guardianship_still_current(&target).await?;
                Ok(Some(target_id))
            }
            _ => Ok(None),
        }
    }
}

fn require_commune_staff(actor: &Actor, what: &str) -> Result<()> {
    actor.require(
        matches!(actor.role, Role::Officer | Role::Signer)
            && actor.office.kind == OfficeKind::Commune,
        &format!("{what} (chỉ công chức tư pháp – hộ tịch hoặc lãnh đạo UBND cấp xã)"),
    )
}

fn self_guardian(field: &str) -> DomainError {
    invalid(
        "guardianship_self",
        field,
        "Người giám hộ không thể là chính người được giám hộ.",
    )
}

/// The ward and the guardian of a guardianship record.
fn parties(persons: &[tuphap_store::civil::RecordPersonRow]) -> Result<(i64, i64)> {
    let find = |role: &str| {
        persons
            .iter()
            .find(|p| p.role == role)
            .map(|p| p.person_id)
            .ok_or_else(DomainError::internal)
    };
    Ok((find("ward")?, find("guardian")?))
}

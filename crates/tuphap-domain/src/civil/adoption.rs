//! Domestic adoption (đăng ký nuôi con nuôi trong nước): Luật Nuôi con nuôi 2010, Điều 8, 14 and
//! 21–22; Luật Hộ tịch 2014, Điều 3 (field spec `civil-status-forms.md`).
//!
//! An `adoption` record concerns the child's registered birth record (`target_record_id`) and
//! links the child and the adoptive parents. Registering it (a signer, numbered in the office's
//! adoption book) links the adoptive parents to the child's birth record as `adoptive_father` /
//! `adoptive_mother`, so the record, the child's and the parents' pages show them.
//!
//! Rules the registry can check (Luật Nuôi con nuôi 2010):
//! * the child is under 16 on the registration date (Điều 8.1; the 16–18 exceptions for a
//!   step-parent or relatives are for the officer: `adoption_child_too_old` names them);
//! * each adoptive parent is at least 20 years older than the child (Điều 14.1c; the exceptions
//!   of Điều 14.3 for step-parents and relatives are likewise named);
//! * at least one adoptive parent; not a person registered as dead; not the child's recorded
//!   birth parent; the child is not already adopted (`adoption_exists`).
//!
//! Choices where the sources are silent: the consents (Điều 21) and the home study are stated in
//! `evidence` and kept with the record; the birth parents stay on the birth record (a new birth
//! certificate naming the adoptive parents is a later request, as the law allows).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use tuphap_core::dates::format_vn;
use tuphap_core::personal_id::Sex;
use tuphap_core::role::Role;
use tuphap_store::civil::{NewPerson, NewRecord, RecordRow};

use super::amendment::RequesterInput;
use super::divorce::{OrderCodes, check_court_order};
use super::{Declared, ParentInput, invalid, parent, register_text, require_request};
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::OfficeKind;
use crate::{Actor, App, RequestMeta};

/// A request to register a domestic adoption.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionRegistration {
    /// The child's registered birth record.
    #[schema(example = 12)]
    pub birth_record_id: i64,
    pub adoptive_father: Option<ParentInput>,
    pub adoptive_mother: Option<ParentInput>,
    /// The consents and documents (Luật Nuôi con nuôi 2010, Điều 21): the birth parents' or
    /// guardian's written consent, the child's if 9 or older, the home study.
    #[schema(
        example = "Văn bản đồng ý của mẹ đẻ ngày 01/11/2026; phiếu lý lịch tư pháp của người nhận nuôi"
    )]
    pub evidence: String,
    pub requester: RequesterInput,
}

/// A court's decision ending an adoption (Luật Nuôi con nuôi 2010, Điều 25–27).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourtOrderInput {
    #[schema(example = "Tòa án nhân dân khu vực 1 – Hà Nội")]
    pub court: String,
    #[schema(example = "15/2026/QĐ-CCNCN")]
    pub number: String,
    #[schema(example = "2026-10-01")]
    pub decided_on: String,
    /// The day it took legal effect.
    #[schema(example = "2026-10-16")]
    pub effective_on: String,
}

/// A request to record a court's decision ending a registered adoption (ghi vào sổ việc chấm
/// dứt nuôi con nuôi, Luật Hộ tịch 2014, Điều 3 khoản 2 điểm d).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionTermination {
    /// The registered adoption record.
    #[schema(example = 315)]
    pub adoption_record_id: i64,
    pub decision: CourtOrderInput,
}

const ADOPTIVE: [&str; 2] = ["adoptive_father", "adoptive_mother"];

fn link_taken(persons: &[tuphap_store::civil::RecordPersonRow]) -> bool {
    persons.iter().any(|p| ADOPTIVE.contains(&p.role.as_str()))
}

impl App {
    /// Declares a domestic adoption (officer or signer of the commune office holding the child's
    /// birth record).
    pub async fn declare_adoption(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        r: AdoptionRegistration,
    ) -> Result<Declared> {
        actor.require(
            matches!(actor.role, Role::Officer | Role::Signer)
                && actor.office.kind == OfficeKind::Commune,
            "đăng ký nuôi con nuôi (chỉ công chức tư pháp – hộ tịch hoặc lãnh đạo UBND cấp xã)",
        )?;
        require_request(
            "adoption_field_required",
            &[(
                "evidence",
                &r.evidence,
                "các văn bản đồng ý và giấy tờ của hồ sơ",
            )],
            &r.requester,
        )?;
        let today = tuphap_core::dates::vn_today();
        let mut parents: Vec<(&str, NewPerson)> = Vec::new();
        if let Some(p) = &r.adoptive_father {
            parents.push((
                "adoptive_father",
                parent(p, "adoptive_father", Sex::Male, today)?.person,
            ));
        }
        if let Some(p) = &r.adoptive_mother {
            parents.push((
                "adoptive_mother",
                parent(p, "adoptive_mother", Sex::Female, today)?.person,
            ));
        }
        if parents.is_empty() {
            return Err(invalid(
                "adoption_no_parent",
                "adoptive_father",
                "Ghi người nhận con nuôi (cha nuôi, mẹ nuôi hoặc cả hai).",
            ));
        }
        let birth = self.birth_record(r.birth_record_id).await?;
        self.adoption_target_check(actor, &birth).await?;
        let child = self
            .store
            .person_by_id(birth.subject_person_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        if child.date_of_death.is_some() {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "adoption_child_deceased",
                format!("{} đã được đăng ký khai tử.", child.full_name),
            ));
        }
        let child_dob = child.date_of_birth.unwrap_or(birth.event_date);
        if tuphap_core::civil::full_years(child_dob, today) >= 16 {
            return Err(invalid(
                "adoption_child_too_old",
                "birth_record_id",
                format!(
                    "{} đã đủ 16 tuổi; chỉ được nhận làm con nuôi từ 16 đến dưới 18 tuổi khi người nhận là cha dượng, mẹ kế, cô, cậu, dì, chú, bác ruột (Luật Nuôi con nuôi 2010, Điều 8) — việc này cần hồ sơ chứng minh, không đăng ký theo thủ tục chung.",
                    child.full_name
                ),
            ));
        }
        let birth_parents: Vec<i64> = self
            .store
            .record_persons(birth.id)
            .await?
            .into_iter()
            .filter(|p| matches!(p.role.as_str(), "mother" | "father"))
            .map(|p| p.person_id)
            .collect();
        for (role, p) in &parents {
            if let Some(dob) = p.date_of_birth
                && tuphap_core::civil::full_years(dob, child_dob) < 20
            {
                return Err(invalid(
                    "adoption_age_gap",
                    &format!("{role}.date_of_birth"),
                    format!(
                        "{} sinh ngày {}, không hơn con nuôi (sinh ngày {}) từ 20 tuổi trở lên (Luật Nuôi con nuôi 2010, Điều 14 khoản 1 điểm c; trừ cha dượng, mẹ kế, cô, cậu, dì, chú, bác ruột).",
                        p.full_name,
                        format_vn(dob),
                        format_vn(child_dob)
                    ),
                ));
            }
            if let Some(pid) = &p.personal_id
                && let Some(existing) = self.store.person_by_personal_id(pid).await?
            {
                if existing.date_of_death.is_some() {
                    return Err(DomainError::new(
                        ErrorKind::Conflict,
                        "adoption_parent_deceased",
                        format!("{} đã được đăng ký khai tử.", existing.full_name),
                    ));
                }
                if birth_parents.contains(&existing.id) || existing.id == child.id {
                    return Err(invalid(
                        "adoption_birth_parent",
                        &format!("{role}.personal_id"),
                        format!(
                            "{} là cha hoặc mẹ đẻ đã ghi trong hồ sơ khai sinh, không nhận làm con nuôi.",
                            existing.full_name
                        ),
                    ));
                }
            }
        }
        let data = serde_json::to_string(&r).map_err(|_| DomainError::internal())?;
        let mut tx = self.store.begin().await?;
        let mut persons = vec![("child".to_string(), child.id)];
        for (role, p) in &parents {
            let (id, _) = tx.person_find_or_create(p).await?;
            persons.push((role.to_string(), id));
        }
        let record = NewRecord {
            target_record_id: Some(birth.id),
            kind: "adoption".into(),
            office_id: actor.office.id,
            unit_code: birth.unit_code.clone(),
            event_date: today,
            subject_person_id: child.id,
            subject_name_folded: child.name_folded.clone(),
            late: false,
            declared_by: actor.user_id,
            data,
            persons,
        };
        let details = serde_json::json!({"birth": birth.id});
        self.commit_declared(tx, actor, meta, record, "civil.adoption.declare", details)
            .await
    }

    async fn adoption_target_check(&self, actor: &Actor, birth: &RecordRow) -> Result<()> {
        self.concerned_record(
            actor,
            birth,
            "adoption_birth_not_registered",
            "nuôi con nuôi",
        )
        .await?;
        if link_taken(&self.store.record_persons(birth.id).await?) {
            return Err(adoption_exists(birth.id));
        }
        self.refuse_pending(birth.id, "adoption", "adoption_pending")
            .await
    }

    /// At the registration of adoption `record` (inside its transaction): the adoptive parents
    /// linked to the child's birth record. Returns the birth record id and its (unchanged)
    /// version.
    pub(crate) async fn apply_adoption(
        &self,
        tx: &mut tuphap_store::Tx,
        record: &RecordRow,
    ) -> Result<(i64, i32)> {
        let birth_id = record.target_record_id.ok_or_else(DomainError::internal)?;
        let birth = tx
            .record_for_update(birth_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        if link_taken(&self.store.record_persons(birth_id).await?) {
            return Err(adoption_exists(birth_id));
        }
        for p in self.store.record_persons(record.id).await? {
            if ADOPTIVE.contains(&p.role.as_str()) {
                tx.record_link_person(birth_id, &p.role, p.person_id)
                    .await?;
            }
        }
        Ok((birth_id, birth.current_version))
    }

    /// Declares the recording of a court's decision ending a registered adoption (officer or
    /// signer of the office holding the adoption's book). Registering it unlinks the adoptive
    /// parents from the child's birth record (Luật Nuôi con nuôi 2010, Điều 27); the adoption
    /// record keeps them, and a new adoption of the child becomes possible.
    pub async fn declare_adoption_termination(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        t: AdoptionTermination,
    ) -> Result<Declared> {
        actor.require(
            matches!(actor.role, Role::Officer | Role::Signer)
                && actor.office.kind == OfficeKind::Commune,
            "ghi vào sổ việc chấm dứt nuôi con nuôi (chỉ công chức tư pháp – hộ tịch hoặc lãnh đạo UBND cấp xã)",
        )?;
        let today = tuphap_core::dates::vn_today();
        let d = &t.decision;
        let effective_on = check_court_order(
            [&d.court, &d.number, &d.decided_on, &d.effective_on],
            &OrderCodes {
                court_missing: "adoption_termination_court_missing",
                number_missing: "adoption_termination_number_missing",
                effective_before: "adoption_termination_effective_before_decision",
            },
            today,
        )?;
        let adoption = self
            .store
            .record_by_id(t.adoption_record_id)
            .await?
            .filter(|r| r.kind == "adoption")
            .ok_or_else(|| {
                DomainError::not_found(
                    "adoption_not_found",
                    format!(
                        "Không có hồ sơ đăng ký nuôi con nuôi số {} trong sổ.",
                        t.adoption_record_id
                    ),
                )
                .with_field("adoption_record_id")
            })?;
        self.concerned_record(
            actor,
            &adoption,
            "adoption_not_registered",
            "ghi vào sổ việc chấm dứt nuôi con nuôi",
        )
        .await?;
        if let Some(on) = adoption.registered_on
            && effective_on < on
        {
            return Err(invalid(
                "adoption_termination_before_adoption",
                "decision.effective_on",
                format!(
                    "Ngày có hiệu lực {} trước ngày đăng ký nuôi con nuôi {}.",
                    format_vn(effective_on),
                    format_vn(on)
                ),
            ));
        }
        self.adoption_not_terminated(&adoption).await?;
        self.refuse_pending(
            adoption.id,
            "adoption_termination",
            "adoption_termination_pending",
        )
        .await?;
        let persons: Vec<(String, i64)> = self
            .store
            .record_persons(adoption.id)
            .await?
            .into_iter()
            .map(|p| (p.role, p.person_id))
            .collect();
        let child = self
            .store
            .person_by_id(adoption.subject_person_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let data = serde_json::to_string(&t).map_err(|_| DomainError::internal())?;
        let record = NewRecord {
            target_record_id: Some(adoption.id),
            kind: "adoption_termination".into(),
            office_id: actor.office.id,
            unit_code: adoption.unit_code.clone(),
            event_date: effective_on,
            subject_person_id: adoption.subject_person_id,
            subject_name_folded: child.name_folded.clone(),
            late: false,
            declared_by: actor.user_id,
            data,
            persons,
        };
        let details = serde_json::json!({"adoption_record_id": adoption.id});
        let tx = self.store.begin().await?;
        self.commit_declared(
            tx,
            actor,
            meta,
            record,
            "civil.adoption_termination.declare",
            details,
        )
        .await
    }

    /// Refuses (409 `adoption_already_terminated`) an adoption whose end is registered.
    async fn adoption_not_terminated(&self, adoption: &RecordRow) -> Result<()> {
        for other in self.store.records_targeting(adoption.id).await? {
            if other.kind == "adoption_termination"
                && matches!(other.status.as_str(), "registered" | "certificate_issued")
            {
                let register = match (
                    other.register_number,
                    other.register_book.as_deref(),
                    other.register_year,
                ) {
                    (Some(n), Some(b), Some(y)) => format!(" ({})", register_text(n, b, y)),
                    _ => String::new(),
                };
                return Err(DomainError::new(
                    ErrorKind::Conflict,
                    "adoption_already_terminated",
                    format!(
                        "Việc nuôi con nuôi số {} đã chấm dứt: quyết định của Tòa án đã được ghi vào sổ, hồ sơ số {}{register}.",
                        adoption.id, other.id
                    ),
                ));
            }
        }
        Ok(())
    }

    /// At the registration of an adoption termination `record` (inside its transaction): the
    /// adoptive parents unlinked from the child's birth record. Returns the birth record id and
    /// its (unchanged) version.
    pub(crate) async fn apply_adoption_termination(
        &self,
        tx: &mut tuphap_store::Tx,
        record: &RecordRow,
    ) -> Result<(i64, i32)> {
        let adoption_id = record.target_record_id.ok_or_else(DomainError::internal)?;
        let adoption = self
            .store
            .record_by_id(adoption_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        self.adoption_not_terminated(&adoption).await?;
        let birth_id = adoption
            .target_record_id
            .ok_or_else(DomainError::internal)?;
        let birth = tx
            .record_for_update(birth_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        for role in ADOPTIVE {
            tx.record_unlink_role(birth_id, role).await?;
        }
        Ok((birth_id, birth.current_version))
    }
}

fn adoption_exists(birth_id: i64) -> DomainError {
    DomainError::new(
        ErrorKind::Conflict,
        "adoption_exists",
        format!(
            "Người con trong hồ sơ khai sinh số {birth_id} đã được đăng ký làm con nuôi; việc nuôi con nuôi mới chỉ sau khi việc cũ chấm dứt."
        ),
    )
}

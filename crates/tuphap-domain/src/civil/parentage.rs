//! Recognition of a father or a mother (đăng ký nhận cha, mẹ, con): Luật Hộ tịch 2014, Điều
//! 24–25 and 43–44; Bộ luật Dân sự 2015, Điều 88–92 (field spec `civil-status-forms.md` §6).
//!
//! A `parentage` record concerns the child's registered birth record (`target_record_id`) and
//! links the child and the recognised parent. Registering it (a signer, numbered in the office's
//! book of that kind) writes a **new version** of the birth record with the parent filled in and
//! links the parent to the birth record, so the child's next birth certificate names them, the
//! family graph of the marriage rules counts them, and the certificates of the earlier version
//! verify as `superseded`.
//!
//! Choices where the sources are silent:
//! * Only a parent the birth record leaves empty can be recognised here; replacing a recorded
//!   parent is a court matter (xác định lại cha, mẹ, con), recorded by other means.
//! * The parent must be older than the child and not registered as dead; the evidence (proof of
//!   the relationship, e.g. a DNA test result) is stated and kept with the record.
//! * The office holding the birth's book registers it (the jurisdiction of reading the record).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use tuphap_core::dates::format_vn;
use tuphap_core::personal_id::Sex;
use tuphap_core::role::Role;
use tuphap_store::civil::{NewRecord, RecordRow};

use super::amendment::RequesterInput;
use super::{Declared, ParentInput, invalid, parent, require_request};
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::OfficeKind;
use crate::{Actor, App, RequestMeta};

/// A request to recognise the father or the mother of a child whose birth is registered.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParentageRecognition {
    /// The child's registered birth record.
    #[schema(example = 12)]
    pub birth_record_id: i64,
    /// `father` or `mother`: the parent being recognised.
    #[schema(example = "father")]
    pub role: String,
    pub parent: ParentInput,
    /// Proof of the relationship, e.g. "Kết quả giám định ADN số 45/GĐ ngày 01/11/2026".
    #[schema(example = "Kết quả giám định ADN số 45/GĐ ngày 01/11/2026 của Viện Pháp y Quốc gia")]
    pub evidence: String,
    pub requester: RequesterInput,
}

fn slot_taken(content: &serde_json::Value, role: &str) -> bool {
    content.get(role).is_some_and(|v| !v.is_null())
}

impl App {
    /// Declares the recognition of a father or a mother (officer or signer of the commune office
    /// holding the child's birth record).
    pub async fn declare_parentage(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        r: ParentageRecognition,
    ) -> Result<Declared> {
        actor.require(
            matches!(actor.role, Role::Officer | Role::Signer)
                && actor.office.kind == OfficeKind::Commune,
            "đăng ký nhận cha, mẹ, con (chỉ công chức tư pháp – hộ tịch hoặc lãnh đạo UBND cấp xã)",
        )?;
        let sex = match r.role.as_str() {
            "father" => Sex::Male,
            "mother" => Sex::Female,
            _ => {
                return Err(invalid(
                    "parentage_role_invalid",
                    "role",
                    "Người được nhận phải là cha (father) hoặc mẹ (mother).",
                ));
            }
        };
        require_request(
            "parentage_field_required",
            &[(
                "evidence",
                &r.evidence,
                "giấy tờ chứng minh quan hệ cha, mẹ, con",
            )],
            &r.requester,
        )?;
        let today = tuphap_core::dates::vn_today();
        let checked = parent(&r.parent, "parent", sex, today)?;
        let birth = self.birth_record(r.birth_record_id).await?;
        self.parentage_target_check(actor, &birth, &r.role).await?;
        let child = self
            .store
            .person_by_id(birth.subject_person_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        if let (Some(p), Some(c)) = (checked.person.date_of_birth, child.date_of_birth)
            && p >= c
        {
            return Err(invalid(
                "parentage_parent_younger",
                "parent.date_of_birth",
                format!(
                    "Người được nhận là {} sinh ngày {}, không trước ngày sinh của con ({}).",
                    if sex == Sex::Male { "cha" } else { "mẹ" },
                    format_vn(p),
                    format_vn(c)
                ),
            ));
        }
        if let Some(pid) = &checked.person.personal_id
            && let Some(existing) = self.store.person_by_personal_id(pid).await?
        {
            if existing.id == child.id {
                return Err(invalid(
                    "parentage_self",
                    "parent.personal_id",
                    "Số định danh của người được nhận là của chính người con.",
                ));
            }
            if let Some(died) = existing.date_of_death {
                return Err(DomainError::new(
                    ErrorKind::Conflict,
                    "parentage_parent_deceased",
                    format!(
                        "{} đã được đăng ký khai tử (ngày chết {}); việc nhận cha, mẹ sau khi chết do Tòa án xác định.",
                        existing.full_name,
                        format_vn(died)
                    ),
                ));
            }
        }
        let data = serde_json::to_string(&r).map_err(|_| DomainError::internal())?;
        let mut tx = self.store.begin().await?;
        let (parent_id, _) = tx.person_find_or_create(&checked.person).await?;
        let record = NewRecord {
            target_record_id: Some(birth.id),
            kind: "parentage".into(),
            office_id: actor.office.id,
            unit_code: birth.unit_code.clone(),
            event_date: today,
            subject_person_id: child.id,
            subject_name_folded: child.name_folded.clone(),
            late: false,
            declared_by: actor.user_id,
            data,
            persons: vec![("child".into(), child.id), (r.role.clone(), parent_id)],
        };
        let details = serde_json::json!({"birth": birth.id, "role": r.role});
        self.commit_declared(tx, actor, meta, record, "civil.parentage.declare", details)
            .await
    }

    async fn parentage_target_check(
        &self,
        actor: &Actor,
        birth: &RecordRow,
        role: &str,
    ) -> Result<()> {
        self.concerned_record(
            actor,
            birth,
            "parentage_birth_not_registered",
            "nhận cha, mẹ, con",
        )
        .await?;
        let content: serde_json::Value = self.current_data(birth.id).await?;
        if slot_taken(&content, role) {
            return Err(parent_recorded(birth.id, role));
        }
        self.refuse_pending(birth.id, "parentage", "parentage_pending")
            .await
    }

    /// At the registration of parentage record `record` (inside its transaction): the birth
    /// record's new version with the parent, and the parent linked to it. Returns the birth
    /// record id and its new version.
    pub(crate) async fn apply_parentage(
        &self,
        tx: &mut tuphap_store::Tx,
        actor: &Actor,
        record: &RecordRow,
        register_text: &str,
    ) -> Result<(i64, i32)> {
        let birth_id = record.target_record_id.ok_or_else(DomainError::internal)?;
        tx.record_for_update(birth_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let r: ParentageRecognition = self.current_data(record.id).await?;
        let mut content: serde_json::Value = self.current_data(birth_id).await?;
        if slot_taken(&content, &r.role) {
            return Err(parent_recorded(birth_id, &r.role));
        }
        let parent_id = self
            .store
            .record_persons(record.id)
            .await?
            .into_iter()
            .find(|p| p.role == r.role)
            .map(|p| p.person_id)
            .ok_or_else(DomainError::internal)?;
        if let Some(obj) = content.as_object_mut() {
            obj.insert(
                r.role.clone(),
                serde_json::to_value(&r.parent).map_err(|_| DomainError::internal())?,
            );
        }
        let json = serde_json::to_string(&content).map_err(|_| DomainError::internal())?;
        let version = tx
            .record_new_version(
                birth_id,
                &json,
                actor.user_id,
                &format!(
                    "Nhận {} theo hồ sơ số {} ({register_text})",
                    if r.role == "father" { "cha" } else { "mẹ" },
                    record.id
                ),
            )
            .await?;
        tx.record_link_person(birth_id, &r.role, parent_id).await?;
        Ok((birth_id, version))
    }
}

fn parent_recorded(birth_id: i64, role: &str) -> DomainError {
    DomainError::new(
        ErrorKind::Conflict,
        "parentage_parent_recorded",
        format!(
            "Hồ sơ khai sinh số {birth_id} đã ghi {}; thay đổi người đã ghi là việc xác định lại cha, mẹ, con theo bản án, quyết định của Tòa án.",
            if role == "father" {
                "thông tin người cha"
            } else {
                "thông tin người mẹ"
            }
        ),
    )
}

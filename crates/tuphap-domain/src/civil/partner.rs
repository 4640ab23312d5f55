//! What partner agencies answer about a registered event, applied to the register: the personal
//! ID the population database assigned to a newborn, and the numbers other agencies gave a
//! person (health-insurance card, permanent-residence registration, funeral-allowance case).
//!
//! Each use case works inside the caller's transaction and returns the audit entries and
//! change-log rows to commit with it: the outbound dispatcher commits them together with the
//! message's delivery, the inbound `personalIdAssigned` service with its idempotency row, so an
//! answer is applied exactly once or not at all.

use tuphap_core::personal_id::{PersonalId, Sex};
use tuphap_store::Tx;
use tuphap_store::audit::NewAuditEntry;
use tuphap_store::changelog::NewChange;
use tuphap_store::partner_ids::PartnerId;

use crate::App;
use crate::error::{DomainError, ErrorKind, Result};

/// What applying an answer did, to commit with the caller's transaction.
#[derive(Debug, Clone, Default)]
pub struct PartnerEffect {
    pub person_id: i64,
    /// The same answer was applied before; nothing changed.
    pub already: bool,
    pub audit: Vec<NewAuditEntry>,
    pub changes: Vec<NewChange>,
}

/// The audit identity of a partner system (no user account: its X-Road id).
fn partner_audit(source_client: &str, action: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor_username: Some(format!("lgsp:{source_client}")),
        action: action.to_string(),
        outcome: Some(tuphap_store::audit::Outcome::Success),
        ..NewAuditEntry::default()
    }
}

impl App {
    /// Stores on the child of the registered birth `birth_record_id` the personal ID the
    /// population database assigned. The number must be well formed and consistent with the
    /// child's sex and year of birth and with the province of the registering office (before
    /// or after the 1 July 2025 reform). The same number again is `already`; another number
    /// for a child who has one, or a number another person holds, is refused (409).
    pub async fn apply_assigned_personal_id(
        &self,
        tx: &mut Tx,
        birth_record_id: i64,
        personal_id: &str,
        source_client: &str,
        message_id: &str,
    ) -> Result<PartnerEffect> {
        let record = tx
            .record_for_update(birth_record_id)
            .await?
            .filter(|r| r.kind == "birth")
            .ok_or_else(|| {
                DomainError::not_found(
                    "birth_record_not_found",
                    format!("Không có hồ sơ khai sinh số {birth_record_id}."),
                )
            })?;
        if record.status != "registered" {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "birth_not_registered",
                "Hồ sơ khai sinh chưa được đăng ký nên chưa thể ghi số định danh cá nhân.",
            ));
        }
        let child = tx
            .person_by_id(record.subject_person_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let pid =
            PersonalId::parse(personal_id.trim()).map_err(|e| DomainError::unprocessable(&e))?;
        let sex = child.sex.as_deref().and_then(|s| Sex::parse(s).ok());
        if let (Some(sex), Some(dob)) = (sex, child.date_of_birth) {
            pid.check(sex, dob)
                .map_err(|e| DomainError::unprocessable(&e))?;
        }
        let office = self
            .store
            .office_by_id(record.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        if let Some(province) = office.province_code.as_deref()
            && pid.gso_province_code() != province
            && pid.province_after_2025().code != province
        {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "personal_id_province_mismatch",
                format!(
                    "Số định danh {} mang mã tỉnh {} ({}), không khớp tỉnh nơi đăng ký khai sinh (mã {province}).",
                    pid.as_str(),
                    pid.province_code(),
                    pid.province_name()
                ),
            ));
        }
        let mut effect = PartnerEffect {
            person_id: child.id,
            ..PartnerEffect::default()
        };
        match child.personal_id.as_deref() {
            Some(have) if have == pid.as_str() => {
                effect.already = true;
                return Ok(effect);
            }
            Some(have) => {
                return Err(DomainError::new(
                    ErrorKind::Conflict,
                    "personal_id_differs",
                    format!(
                        "Trẻ đã có số định danh {have}; cơ sở dữ liệu quốc gia về dân cư trả về số khác ({}).",
                        pid.as_str()
                    ),
                ));
            }
            None => {}
        }
        if let Some(other) = tx.person_by_personal_id(pid.as_str()).await?
            && other.id != child.id
        {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "personal_id_taken",
                format!(
                    "Số định danh {} đã thuộc về người khác trong sổ hộ tịch.",
                    pid.as_str()
                ),
            ));
        }
        tx.person_set_personal_id(child.id, pid.as_str()).await?;
        let mut audit = partner_audit(source_client, "civil.personal_id_assigned");
        audit.target_type = Some("person".into());
        audit.target_id = Some(child.id.to_string());
        audit.details = Some(serde_json::json!({
            "birth_record": birth_record_id,
            "personal_id": pid.as_str(),
            "source": source_client,
            "message_id": message_id,
        }));
        effect.audit.push(audit);
        // A `person` row naming the record: the search projection re-reads it (its document
        // carries the personal ID).
        effect.changes.push(NewChange {
            entity: "person".into(),
            entity_id: child.id.to_string(),
            action: "personal_id_assigned".into(),
            actor_user_id: None,
            payload: serde_json::json!({
                "records": [birth_record_id],
                "personal_id": pid.as_str(),
                "source": source_client,
            }),
        });
        Ok(effect)
    }

    /// Stores the number a partner agency gave `person_id` in `scheme` (see
    /// [`tuphap_store::partner_ids`]) for the registration `record_id`. The same number again is
    /// `already`; another number in a scheme already filled is refused (409).
    #[allow(clippy::too_many_arguments)]
    pub async fn apply_partner_number(
        &self,
        tx: &mut Tx,
        person_id: i64,
        scheme: &str,
        value: &str,
        record_id: i64,
        source_client: &str,
        message_id: &str,
        now: time::OffsetDateTime,
    ) -> Result<PartnerEffect> {
        let value = value.trim();
        let mut effect = PartnerEffect {
            person_id,
            ..PartnerEffect::default()
        };
        if value.is_empty() || value.len() > 64 {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "partner_number_invalid",
                format!("Số do cơ quan {source_client} cấp không hợp lệ (rỗng hoặc quá dài)."),
            ));
        }
        match tx.partner_id(person_id, scheme).await? {
            Some(p) if p.value == value => {
                effect.already = true;
                return Ok(effect);
            }
            Some(p) => {
                return Err(DomainError::new(
                    ErrorKind::Conflict,
                    "partner_number_differs",
                    format!(
                        "Người này đã có số {} ({}); cơ quan {source_client} trả về số khác ({value}).",
                        p.value,
                        scheme_label(scheme)
                    ),
                ));
            }
            None => {}
        }
        tx.insert_partner_id(&PartnerId {
            person_id,
            scheme: scheme.to_string(),
            value: value.to_string(),
            record_id: Some(record_id),
            message_id: message_id.to_string(),
            source: source_client.to_string(),
            recorded_at: tuphap_store::exchange::micros(now),
        })
        .await?;
        let mut audit = partner_audit(source_client, "civil.partner_number_recorded");
        audit.target_type = Some("person".into());
        audit.target_id = Some(person_id.to_string());
        audit.details = Some(serde_json::json!({
            "scheme": scheme,
            "value": value,
            "record": record_id,
            "message_id": message_id,
        }));
        effect.audit.push(audit);
        effect.changes.push(NewChange {
            entity: "person".into(),
            entity_id: person_id.to_string(),
            action: "partner_number_recorded".into(),
            actor_user_id: None,
            payload: serde_json::json!({"scheme": scheme, "record": record_id, "source": source_client}),
        });
        Ok(effect)
    }
}

/// The Vietnamese name of a partner-number scheme.
pub fn scheme_label(scheme: &str) -> &'static str {
    match scheme {
        tuphap_store::partner_ids::HEALTH_INSURANCE_CARD => "thẻ bảo hiểm y tế",
        tuphap_store::partner_ids::PERMANENT_RESIDENCE => "đăng ký thường trú",
        tuphap_store::partner_ids::FUNERAL_ALLOWANCE => "hồ sơ trợ cấp mai táng",
        _ => "số do cơ quan khác cấp",
    }
}

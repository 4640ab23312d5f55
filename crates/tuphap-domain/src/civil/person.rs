//! The person register: one person across all events, and the civil status derived from them.

use serde::Serialize;
use utoipa::ToSchema;

use tuphap_core::civil::MaritalStatus;
use tuphap_store::Outcome;
use tuphap_store::civil::{PersonEventRow, PersonRow};
use tuphap_store::identity::OfficeRow;

use super::{record_in_scope, register_text};
use crate::error::{DomainError, Result};
use crate::{Actor, App, RequestMeta};

/// One life event of a person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LifeEvent {
    pub record_id: i64,
    /// The entry the record names: this person, or an entry merged into it.
    pub person_id: i64,
    #[schema(example = "birth")]
    pub kind: String,
    /// The person's role: child, mother, father, deceased, husband, wife.
    #[schema(example = "child")]
    pub role: String,
    pub status: String,
    /// YYYY-MM-DD
    pub date: String,
    pub register_text: Option<String>,
    pub office_name: String,
}

/// A person with the life events the reader may see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub full_name: String,
    pub personal_id: Option<String>,
    pub sex: Option<String>,
    pub date_of_birth: Option<String>,
    pub date_of_death: Option<String>,
    /// single, married, divorced, widowed, deceased, unknown — derived from the registry's
    /// records (`tuphap_core::civil::derive_marital_status`).
    #[schema(example = "married")]
    pub civil_status: String,
    /// Why: which records the status comes from.
    pub civil_status_explained: String,
    pub events: Vec<LifeEvent>,
    /// Events outside the reader's jurisdiction, not shown.
    pub hidden_events: usize,
    /// The entry this one was merged into (the same person registered twice): its events are
    /// that person's, and so is the status above.
    pub merged_into: Option<i64>,
    /// Every merge this entry took part in (as the entry that stays or as the merged one),
    /// undone ones too, newest first.
    pub merges: Vec<super::PersonMerge>,
    /// The person's current guardianship, derived like the status (`current_guardianship`):
    /// "Đang được giám hộ: …", absent when none.
    pub guardianship: Option<String>,
    /// Numbers partner agencies gave the person through the linked procedures (health-insurance
    /// card, permanent-residence registration, funeral-allowance case).
    pub partner_numbers: Vec<PartnerNumber>,
}

/// A number a partner agency gave a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PartnerNumber {
    /// `health_insurance_card`, `permanent_residence`, `funeral_allowance`.
    pub scheme: String,
    /// The scheme in Vietnamese.
    pub label: String,
    pub value: String,
    /// The X-Road id of the agency.
    pub source: String,
}

impl App {
    /// A person and their life events within the reader's jurisdiction (the read is audited).
    pub async fn get_person(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
    ) -> Result<PersonView> {
        let p = self.store.person_by_id(id).await?.ok_or_else(|| {
            DomainError::not_found(
                "person_not_found",
                format!("Không có người số {id} trong sổ."),
            )
        })?;
        let rows = self.store.person_events(id).await?;
        let (events, hidden) = self
            .life_events(&rows, |o| record_in_scope(actor, o))
            .await?;
        let mut audit = actor.audit(meta, "civil.person.read");
        audit.target_type = Some("person".into());
        audit.target_id = Some(id.to_string());
        if events.is_empty() && hidden > 0 {
            audit.outcome = Some(Outcome::Denied);
            audit.reason = Some("outside_jurisdiction".into());
            self.store.audit(&[audit]).await?;
            return Err(DomainError::forbidden(format!(
                "Người số {id} không có sự kiện hộ tịch nào trong phạm vi thẩm quyền của {}.",
                actor.office.name
            )));
        }
        if let Some(purpose) = self.purpose_for_read(actor, meta)? {
            purpose.stamp(&mut audit);
        }
        self.store.audit(&[audit]).await?;
        self.person_view(p, &rows, events, hidden).await
    }

    /// A person's life events from `rows`, those whose office `visible` accepts; and how many
    /// were left out.
    pub(crate) async fn life_events(
        &self,
        rows: &[PersonEventRow],
        visible: impl Fn(&OfficeRow) -> bool,
    ) -> Result<(Vec<LifeEvent>, usize)> {
        let mut events = Vec::with_capacity(rows.len());
        let mut hidden = 0usize;
        for e in rows.iter().cloned() {
            let office = self.store.office_by_id(e.office_id).await?;
            if !office.as_ref().is_some_and(&visible) {
                hidden += 1;
                continue;
            }
            events.push(LifeEvent {
                record_id: e.record_id,
                person_id: e.person_id,
                kind: e.kind,
                role: e.role,
                status: e.status,
                date: e.event_date.to_string(),
                register_text: match (
                    e.register_number,
                    e.register_book.as_deref(),
                    e.register_year,
                ) {
                    (Some(n), Some(b), Some(y)) => Some(register_text(n, b, y)),
                    _ => None,
                },
                office_name: office.map(|o| o.name).unwrap_or_default(),
            });
        }
        Ok((events, hidden))
    }

    /// The person view of `p` with the events already read and filtered: status derived from
    /// the registry, merges, current guardianship, partner numbers.
    pub(crate) async fn person_view(
        &self,
        p: PersonRow,
        rows: &[PersonEventRow],
        events: Vec<LifeEvent>,
        hidden: usize,
    ) -> Result<PersonView> {
        let id = p.id;
        // A merged entry's status is the person's: derived from the entry that stays.
        let derived = self.derived_status(p.merged_into.unwrap_or(id)).await?;
        let explained = match derived.status {
            MaritalStatus::Unknown => format!(
                "{} Sổ hộ tịch điện tử chỉ biết các việc đã đăng ký hoặc số hóa; việc kết hôn đăng ký trước khi số hóa cần xác minh thêm.",
                derived.sentence
            ),
            _ => derived.sentence,
        };
        Ok(PersonView {
            id,
            full_name: p.full_name,
            personal_id: p.personal_id,
            sex: p.sex,
            date_of_birth: p.date_of_birth.map(|d| d.to_string()),
            date_of_death: p.date_of_death.map(|d| d.to_string()),
            civil_status: derived.status.code().into(),
            civil_status_explained: explained,
            events,
            hidden_events: hidden,
            merged_into: p.merged_into,
            merges: self.person_merge_history(id).await?,
            guardianship: self.guardianship_sentence(rows).await?,
            partner_numbers: self
                .store
                .partner_ids_of(id)
                .await?
                .into_iter()
                .map(|n| PartnerNumber {
                    label: super::scheme_label(&n.scheme).to_string(),
                    scheme: n.scheme,
                    value: n.value,
                    source: n.source,
                })
                .collect(),
        })
    }
}

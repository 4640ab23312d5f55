//! The person register: one person across all events, and the civil status derived from them.

use serde::Serialize;
use utoipa::ToSchema;

use tuphap_core::dates::vn_today;
use tuphap_store::Outcome;

use super::{record_in_scope, register_text};
use crate::error::{DomainError, Result};
use crate::{Actor, App, RequestMeta};

/// One life event of a person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LifeEvent {
    pub record_id: i64,
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
    /// single, married, widowed, deceased, unknown — derived from the registry's records.
    #[schema(example = "married")]
    pub civil_status: String,
    /// Why: which records the status comes from.
    pub civil_status_explained: String,
    pub events: Vec<LifeEvent>,
    /// Events outside the reader's jurisdiction, not shown.
    pub hidden_events: usize,
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
        let mut events = Vec::new();
        let mut hidden = 0usize;
        let mut marriages = 0usize;
        let mut widowed = false;
        for e in self.store.person_events(id).await? {
            let office = self.store.office_by_id(e.office_id).await?;
            let registered = matches!(e.status.as_str(), "registered" | "certificate_issued");
            if e.kind == "marriage" && registered {
                marriages += 1;
                // A registered death of the spouse makes the person a widow(er).
                for spouse in self.store.record_persons(e.record_id).await? {
                    if spouse.person_id != id
                        && self
                            .store
                            .person_by_id(spouse.person_id)
                            .await?
                            .is_some_and(|s| s.date_of_death.is_some())
                    {
                        widowed = true;
                    }
                }
            }
            let visible = office.as_ref().is_some_and(|o| record_in_scope(actor, o));
            if !visible {
                hidden += 1;
                continue;
            }
            events.push(LifeEvent {
                record_id: e.record_id,
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
        self.store.audit(&[audit]).await?;
        let (status, explained) = if p.date_of_death.is_some() {
            ("deceased", "Đã đăng ký khai tử.".to_string())
        } else if widowed {
            (
                "widowed",
                "Vợ/chồng trong cuộc hôn nhân đã đăng ký đã được đăng ký khai tử.".to_string(),
            )
        } else if marriages > 0 {
            (
                "married",
                format!(
                    "Có {marriages} việc kết hôn đã đăng ký; sổ chưa ghi nhận ly hôn nào (ghi vào sổ việc ly hôn thuộc đợt sau)."
                ),
            )
        } else if p
            .date_of_birth
            .is_some_and(|d| tuphap_core::civil::full_years(d, vn_today()) < 18)
        {
            (
                "single",
                "Chưa đủ tuổi kết hôn; không có việc kết hôn nào trong sổ.".to_string(),
            )
        } else {
            ("unknown", "Sổ hộ tịch điện tử không có việc kết hôn nào của người này; tình trạng hôn nhân cần xác minh thêm (có thể đăng ký ở nơi khác trước khi số hóa).".to_string())
        };
        Ok(PersonView {
            id: p.id,
            full_name: p.full_name,
            personal_id: p.personal_id,
            sex: p.sex,
            date_of_birth: p.date_of_birth.map(|d| d.to_string()),
            date_of_death: p.date_of_death.map(|d| d.to_string()),
            civil_status: status.into(),
            civil_status_explained: explained,
            events,
            hidden_events: hidden,
        })
    }
}

//! Reference data use cases: the working-day calendar with its administrator-editable
//! adjustments (admin-unit, ethnic-group and country reads go straight to the store).

use time::Date;

use tuphap_core::calendar::{DayAdjustment, WorkingCalendar};
use tuphap_store::NewChange;
use tuphap_store::reference::adjustment_kind_str;

use crate::error::{DomainError, ErrorKind, Result};
use crate::{Actor, App, RequestMeta};

impl App {
    /// The working-day calendar with the adjustments currently in the store.
    pub async fn working_calendar(&self) -> Result<WorkingCalendar> {
        let rows = self.store.calendar_adjustments().await?;
        Ok(WorkingCalendar::new(
            rows.iter().filter_map(|r| r.to_domain()).collect(),
        ))
    }

    /// Adds or replaces the adjustment of a day (administrators).
    pub async fn set_calendar_adjustment(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        adj: DayAdjustment,
    ) -> Result<()> {
        actor.require(actor.role.can_administer(), "sửa lịch ngày nghỉ")?;
        let name = tuphap_core::text::VnText::new(&adj.name_vi);
        if name.as_str().is_empty() || name.as_str().chars().count() > 200 {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "calendar_name_invalid",
                "Tên ngày nghỉ/ngày làm bù phải có từ 1 đến 200 ký tự.",
            )
            .with_field("name_vi"));
        }
        let adj = DayAdjustment {
            name_vi: name.as_str().to_string(),
            legal_basis: adj
                .legal_basis
                .map(|b| tuphap_core::text::VnText::new(&b).as_str().to_string())
                .filter(|b| !b.is_empty()),
            ..adj
        };
        let mut tx = self.store.begin().await?;
        tx.upsert_calendar_adjustment(&adj, Some(actor.user_id))
            .await?;
        let mut e = actor.audit(meta, "calendar.set");
        e.target_type = Some("calendar_adjustment".into());
        e.target_id = Some(adj.date.to_string());
        e.details = Some(
            serde_json::json!({"kind": adjustment_kind_str(adj.kind), "name_vi": adj.name_vi}),
        );
        tx.commit_with(
            &[e],
            &[NewChange {
                entity: "calendar_adjustment".into(),
                entity_id: adj.date.to_string(),
                action: "set".into(),
                actor_user_id: Some(actor.user_id),
                payload: serde_json::json!({
                    "date": adj.date.to_string(),
                    "kind": adjustment_kind_str(adj.kind),
                    "name_vi": adj.name_vi,
                    "legal_basis": adj.legal_basis,
                }),
            }],
        )
        .await?;
        Ok(())
    }

    /// Removes the adjustment of a day (administrators).
    pub async fn delete_calendar_adjustment(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        day: Date,
    ) -> Result<()> {
        actor.require(actor.role.can_administer(), "sửa lịch ngày nghỉ")?;
        let mut tx = self.store.begin().await?;
        if !tx.delete_calendar_adjustment(day).await? {
            return Err(DomainError::not_found(
                "calendar_adjustment_not_found",
                format!(
                    "Không có điều chỉnh lịch nào cho ngày {}.",
                    tuphap_core::dates::format_vn(day)
                ),
            ));
        }
        let mut e = actor.audit(meta, "calendar.delete");
        e.target_type = Some("calendar_adjustment".into());
        e.target_id = Some(day.to_string());
        tx.commit_with(
            &[e],
            &[NewChange {
                entity: "calendar_adjustment".into(),
                entity_id: day.to_string(),
                action: "deleted".into(),
                actor_user_id: Some(actor.user_id),
                payload: serde_json::json!({"date": day.to_string()}),
            }],
        )
        .await?;
        Ok(())
    }
}

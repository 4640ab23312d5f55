//! Reading and verifying the audit chain.

use std::collections::HashMap;

use serde::Serialize;
use tuphap_store::Outcome;
use tuphap_store::audit::{AuditEntry, AuditFilter, AuditVerification};

use crate::civil::record_in_scope;
use crate::error::{DomainError, Result};
use crate::{Actor, App, RequestMeta};

/// The `target_type` under which civil use cases audit what they do to a record.
pub const RECORD_TARGET: &str = "civil_record";
/// The `target_type` under which reading a record's trail is audited. Not [`RECORD_TARGET`]:
/// every view of the record page reads the trail, and the view itself is already in the trail
/// as `civil.record.read`; a second entry per view would only push the record's history out
/// of its trail. Auditors find these reads under this target.
pub const RECORD_TRAIL_TARGET: &str = "civil_record_audit";
/// Most entries of a record's trail returned at once.
pub const MAX_TRAIL_ENTRIES: i64 = 500;

/// One entry of a record's audit trail, with the office's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrailEntry {
    pub seq: i64,
    /// µs since the epoch, UTC.
    pub at_micros: i64,
    pub actor_username: Option<String>,
    pub actor_office_code: Option<String>,
    /// The office's name when the code is known.
    pub actor_office_name: Option<String>,
    /// e.g. `civil.birth.declare`, `civil.register`, `civil.record.read`.
    pub action: String,
    /// success, failure, denied.
    pub outcome: String,
    pub reason: Option<String>,
}

/// The latest entries about one record, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordAuditTrail {
    pub record_id: i64,
    pub entries: Vec<TrailEntry>,
    /// Older entries exist: ask again with `before_seq` = the last entry's `seq`.
    pub truncated: bool,
}

impl App {
    /// Verifies the whole chain (operators: `tuphap audit verify`).
    pub async fn verify_audit(&self) -> Result<AuditVerification> {
        Ok(self.store.verify_audit().await?)
    }

    /// Audit entries, newest first, for auditors. Reading the audit log is itself audited
    /// (it names people and what was done to their records).
    pub async fn audit_entries(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        filter: AuditFilter,
    ) -> Result<Vec<AuditEntry>> {
        actor.require(actor.role.can_read_audit(), "xem nhật ký kiểm tra")?;
        let rows = self.store.audit_entries(&filter).await?;
        let mut e = actor.audit(meta, "audit.read");
        e.target_type = filter.target_type.clone().or(Some("audit_log".into()));
        e.target_id = filter.target_id.clone();
        e.details = Some(serde_json::json!({
            "rows": rows.len(),
            "actor_user_id": filter.actor_user_id,
            "before_seq": filter.before_seq,
        }));
        self.store.audit(&[e]).await?;
        Ok(rows)
    }

    /// The audit trail of one civil record: the entries whose target is the record (declared,
    /// registered, returned, rejected, certificates, reads and refused reads…), newest first,
    /// at most `limit` (≤ [`MAX_TRAIL_ENTRIES`]), older than `before_seq` when given. Whoever
    /// may read the record may read its trail (the same jurisdiction rule as `get_record`);
    /// the read is audited (`civil.record.audit_read` on [`RECORD_TRAIL_TARGET`]), a refusal
    /// as denied.
    pub async fn record_audit_trail(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        record_id: i64,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<RecordAuditTrail> {
        let limit = limit.clamp(1, MAX_TRAIL_ENTRIES);
        let Some(r) = self.store.record_by_id(record_id).await? else {
            return Err(DomainError::not_found(
                "civil_record_not_found",
                format!("Không có hồ sơ hộ tịch số {record_id}."),
            ));
        };
        let office = self
            .store
            .office_by_id(r.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let mut e = actor.audit(meta, "civil.record.audit_read");
        e.target_type = Some(RECORD_TRAIL_TARGET.into());
        e.target_id = Some(record_id.to_string());
        if !record_in_scope(actor, &office) {
            e.outcome = Some(Outcome::Denied);
            e.reason = Some("outside_jurisdiction".into());
            self.store.audit(&[e]).await?;
            return Err(DomainError::forbidden(format!(
                "Hồ sơ số {record_id} thuộc {}, ngoài phạm vi thẩm quyền của {}: không xem được nhật ký của hồ sơ.",
                office.name, actor.office.name
            )));
        }
        let mut rows = self
            .store
            .audit_entries_of_target(RECORD_TARGET, &record_id.to_string(), before_seq, limit + 1)
            .await?;
        let truncated = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        e.details = Some(serde_json::json!({
            "rows": rows.len(),
            "before_seq": before_seq,
        }));
        self.store.audit(&[e]).await?;
        let mut office_names: HashMap<String, Option<String>> = HashMap::new();
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let actor_office_name = match row.actor_office.as_deref() {
                Some(code) => match office_names.get(code) {
                    Some(name) => name.clone(),
                    None => {
                        let name = self.store.office_by_code(code).await?.map(|o| o.name);
                        office_names.insert(code.to_string(), name.clone());
                        name
                    }
                },
                None => None,
            };
            entries.push(TrailEntry {
                seq: row.seq,
                at_micros: row.at_micros,
                actor_username: row.actor_username,
                actor_office_code: row.actor_office,
                actor_office_name,
                action: row.action,
                outcome: row.outcome,
                reason: row.reason,
            });
        }
        Ok(RecordAuditTrail {
            record_id,
            entries,
            truncated,
        })
    }
}

//! Reading and verifying the audit chain.

use tuphap_store::audit::{AuditEntry, AuditFilter, AuditVerification};

use crate::error::Result;
use crate::{Actor, App, RequestMeta};

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
}

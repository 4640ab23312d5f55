//! The procedure catalogue (danh mục thủ tục hành chính, issue 7 item 1): what every online
//! public service is — its level under Decree 42/2022/NĐ-CP (toàn trình / một phần), the
//! authority level that settles it, the processing time in working days, the fee, the documents
//! and the form — and, for civil-status procedures, the record kind a dossier leads to.
//!
//! Reading is public (the catalogue is public information); administrators and ministry staff
//! edit it (`procedure.upsert`, audited, with a change-log row `procedure/upserted`). The rules
//! of one entry are `tuphap_core::procedures::check`; the seed is loaded by the store.

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use tuphap_core::dates::{VN_OFFSET, format_vn};
use tuphap_core::error::Coded;
use tuphap_core::procedures::{
    Procedure, ProcedureError, authority_label, check, level_label, record_kind_label,
};
use tuphap_core::role::Role;
use tuphap_store::NewChange;
use tuphap_store::procedures::{ProcedureFilter, ProcedureRow};
use utoipa::ToSchema;

use crate::error::{DomainError, ErrorKind, Result};
use crate::{Actor, App, RequestMeta};

/// Who may edit the catalogue: administrators and ministry staff.
pub fn can_edit_procedures(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Ministry)
}

/// A catalogue entry as the API and pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProcedureView {
    #[schema(example = "BTP-HT-KS")]
    pub code: String,
    #[schema(example = "Đăng ký khai sinh")]
    pub name: String,
    /// Lĩnh vực.
    #[schema(example = "Hộ tịch")]
    pub field: String,
    /// `full` (toàn trình) or `partial` (một phần), Decree 42/2022/NĐ-CP.
    #[schema(example = "full")]
    pub level: String,
    #[schema(example = "Toàn trình")]
    pub level_label: String,
    /// `commune`, `province` or `ministry`.
    #[schema(example = "commune")]
    pub authority_level: String,
    #[schema(example = "Cấp xã")]
    pub authority_label: String,
    /// Working days; 0 = the same day.
    #[schema(example = 0)]
    pub processing_days: i64,
    pub processing_note: String,
    /// VND; null when a provincial People's Council or another act sets it (see `fee_note`).
    #[schema(example = 0)]
    pub fee_vnd: Option<i64>,
    pub fee_note: String,
    pub required_documents: Vec<String>,
    #[schema(example = "Tờ khai đăng ký khai sinh (Thông tư 04/2024/TT-BTP)")]
    pub form: String,
    pub legal_basis: String,
    /// The civil record kind a dossier of this procedure leads to (null: not a civil-status
    /// procedure).
    #[schema(example = "birth")]
    pub record_kind: Option<String>,
    pub record_kind_label: Option<String>,
    pub online: bool,
    pub active: bool,
    /// RFC 3339.
    #[schema(example = "2026-11-27T10:00:00Z")]
    pub updated_at: String,
    /// dd/mm/yyyy (Vietnam time).
    #[schema(example = "27/11/2026")]
    pub updated_at_vn: String,
    /// Username of the last editor; null when the row comes from the shipped seed.
    pub updated_by: Option<String>,
}

impl ProcedureView {
    pub fn from_row(r: ProcedureRow) -> ProcedureView {
        let p = r.procedure;
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(r.updated_at) * 1000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        ProcedureView {
            level_label: level_label(&p.level).into(),
            authority_label: authority_label(&p.authority_level).into(),
            record_kind_label: p
                .record_kind
                .as_deref()
                .map(|k| record_kind_label(k).into()),
            code: p.code,
            name: p.name,
            field: p.field,
            level: p.level,
            authority_level: p.authority_level,
            processing_days: p.processing_days,
            processing_note: p.processing_note,
            fee_vnd: p.fee_vnd,
            fee_note: p.fee_note,
            required_documents: p.required_documents,
            form: p.form,
            legal_basis: p.legal_basis,
            record_kind: p.record_kind,
            online: p.online,
            active: p.active,
            updated_at: at.format(&Rfc3339).unwrap_or_default(),
            updated_at_vn: format_vn(at.to_offset(VN_OFFSET).date()),
            updated_by: r.updated_by_username,
        }
    }
}

/// An entry as submitted (PUT replaces the entry of the path's code; POST creates one).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureInput {
    /// Required on POST; on PUT, when given, must equal the path's code.
    #[serde(default)]
    #[schema(example = "BTP-HT-KS")]
    pub code: Option<String>,
    #[schema(example = "Đăng ký khai sinh")]
    pub name: String,
    #[schema(example = "Hộ tịch")]
    pub field: String,
    /// `full` or `partial`.
    #[schema(example = "full")]
    pub level: String,
    /// `commune`, `province` or `ministry`.
    #[schema(example = "commune")]
    pub authority_level: String,
    /// 0–365 working days; 0 = the same day.
    #[schema(example = 0)]
    pub processing_days: i64,
    #[serde(default)]
    pub processing_note: String,
    /// ≥ 0 VND; null when set elsewhere.
    #[serde(default)]
    pub fee_vnd: Option<i64>,
    #[serde(default)]
    pub fee_note: String,
    #[serde(default)]
    pub required_documents: Vec<String>,
    #[serde(default)]
    pub form: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub record_kind: Option<String>,
    #[serde(default = "yes")]
    pub online: bool,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl ProcedureInput {
    /// The entry this input describes under `code`.
    pub fn to_procedure(&self, code: &str) -> Procedure {
        Procedure {
            code: code.to_string(),
            name: self.name.clone(),
            field: self.field.clone(),
            level: self.level.clone(),
            authority_level: self.authority_level.clone(),
            processing_days: self.processing_days,
            processing_note: self.processing_note.clone(),
            fee_vnd: self.fee_vnd,
            fee_note: self.fee_note.clone(),
            required_documents: self.required_documents.clone(),
            form: self.form.clone(),
            legal_basis: self.legal_basis.clone(),
            record_kind: self.record_kind.clone(),
            online: self.online,
            active: self.active,
        }
    }
}

/// How [`App::save_procedure`] treats an existing code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode {
    /// POST: the code must be new (409 `procedure_exists`).
    Create,
    /// PUT: create or replace.
    Upsert,
}

fn rule_error(e: &ProcedureError) -> DomainError {
    DomainError::unprocessable(e).with_field(e.field())
}

impl App {
    /// The catalogue (public), filtered.
    pub async fn list_procedures(&self, filter: &ProcedureFilter) -> Result<Vec<ProcedureView>> {
        Ok(self
            .store
            .procedures(filter)
            .await?
            .into_iter()
            .map(ProcedureView::from_row)
            .collect())
    }

    /// One entry (public; inactive entries too, marked `active: false`).
    pub async fn get_procedure(&self, code: &str) -> Result<ProcedureView> {
        match self.store.procedure(code.trim()).await? {
            Some(r) => Ok(ProcedureView::from_row(r)),
            None => Err(DomainError::not_found(
                "procedure_not_found",
                format!(
                    "Không có thủ tục mã \u{201c}{}\u{201d} trong danh mục.",
                    code.trim()
                ),
            )),
        }
    }

    /// Creates or replaces an entry (administrators and ministry staff). Returns the entry as
    /// stored and whether it was created.
    pub async fn save_procedure(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        path_code: Option<&str>,
        input: &ProcedureInput,
        mode: SaveMode,
    ) -> Result<(ProcedureView, bool)> {
        actor.require(
            can_edit_procedures(actor.role),
            "sửa danh mục thủ tục hành chính",
        )?;
        let body_code = input.code.as_deref().map(str::trim);
        let code = match (path_code.map(str::trim), body_code) {
            (Some(p), Some(b)) if p != b => {
                return Err(DomainError::new(
                    ErrorKind::Unprocessable,
                    "procedure_code_mismatch",
                    format!(
                        "Mã thủ tục trong nội dung (\u{201c}{b}\u{201d}) khác mã trên đường dẫn (\u{201c}{p}\u{201d})."
                    ),
                )
                .with_field("code"));
            }
            (Some(p), _) => p.to_string(),
            (None, Some(b)) => b.to_string(),
            (None, None) => {
                return Err(rule_error(&ProcedureError::Code(String::new())));
            }
        };
        let p = check(&input.to_procedure(&code)).map_err(|errs| rule_error(&errs[0]))?;
        let exists = || {
            DomainError::new(
                ErrorKind::Conflict,
                "procedure_exists",
                format!(
                    "Thủ tục mã \u{201c}{}\u{201d} đã có trong danh mục; hãy sửa thủ tục đó.",
                    p.code
                ),
            )
            .with_field("code")
        };
        let mut tx = self.store.begin().await?;
        let created = match mode {
            SaveMode::Upsert => tx.upsert_procedure(&p, actor.user_id).await?,
            SaveMode::Create => {
                if tx.procedure_exists(&p.code).await? {
                    return Err(exists());
                }
                // A concurrent create of the same code loses on the primary key.
                match tx.insert_procedure(&p, actor.user_id).await {
                    Ok(()) => true,
                    Err(tuphap_store::StoreError::Conflict(_)) => return Err(exists()),
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let mut e = actor.audit(meta, "procedure.upsert");
        e.target_type = Some("procedure".into());
        e.target_id = Some(p.code.clone());
        e.details = Some(serde_json::json!({
            "created": created,
            "name": p.name,
            "level": p.level,
            "processing_days": p.processing_days,
            "fee_vnd": p.fee_vnd,
            "active": p.active,
        }));
        tx.commit_with(
            &[e],
            &[NewChange {
                entity: "procedure".into(),
                entity_id: p.code.clone(),
                action: "upserted".into(),
                actor_user_id: Some(actor.user_id),
                payload: serde_json::to_value(&p).unwrap_or(serde_json::Value::Null),
            }],
        )
        .await?;
        let view = self.get_procedure(&p.code).await?;
        Ok((view, created))
    }
}

/// The Vietnamese message and field of every problem of an entry (for forms that show each
/// field's error next to it).
pub fn input_errors(code: &str, input: &ProcedureInput) -> Vec<(&'static str, String)> {
    match check(&input.to_procedure(code)) {
        Ok(_) => Vec::new(),
        Err(errs) => errs.iter().map(|e| (e.field(), e.message_vi())).collect(),
    }
}

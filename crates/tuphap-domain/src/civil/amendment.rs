//! Change, correction, supplement and ethnicity redetermination of a registered record (thay
//! đổi, cải chính, bổ sung hộ tịch, xác định lại dân tộc): Luật Hộ tịch 2014, Điều 26–29;
//! Nghị định 123/2015/NĐ-CP, Điều 7; Bộ luật Dân sự 2015, Điều 27–29. Field spec
//! `civil-status-forms.md` §7.
//!
//! An `amendment` record concerns the record it changes (`target_record_id`). It lists the
//! changes as (field, from, to), where a field is a dotted path of the target's content
//! (`child.date_of_birth`), and carries the reason, the legal basis and the evidence. It goes
//! through the usual workflow (declared by an officer, registered and numbered by a signer in the
//! office's amendment book). Registering it writes a **new version** of the target record (never
//! an overwrite), with the target's summary and its subject's identity facts updated; the
//! certificates issued for the earlier version then verify as `superseded`, and the next print
//! issues a new certificate from the new version.
//!
//! The amended content must pass the same checks as a declaration of that kind, taken on the
//! target's registration date: no back door writes what the API would refuse.
//!
//! Choices where the sources are silent:
//! * Only fields that exist in the target's content can be amended; a supplement (`bổ sung`)
//!   fills a field that is empty; a change (`thay đổi`) is of a name (BLDS Đ.27–28); an ethnicity
//!   redetermination (BLDS Đ.29) is of an ethnicity code; a correction (`cải chính`) of any field.
//! * The office holding the target's book (its jurisdiction for reading the record) amends it.
//! * Only the subject's person entry (the child, the deceased) takes the corrected identity; a
//!   parent's or spouse's entry, shared with other records, is left to their own records.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use tuphap_core::role::Role;
use tuphap_core::text::{VnText, fold};
use tuphap_store::civil::{NewRecord, RecordRow};

use super::death::check_death_declaration;
use super::marriage::spouse;
use super::{
    BirthDeclaration, DeathDeclaration, Declared, MarriageDeclaration, check_birth, invalid,
    register_text, require_request,
};
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::OfficeKind;
use crate::{Actor, App, RequestMeta};

/// One change of the target's content.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FieldChange {
    /// Dotted path in the target's content, e.g. `child.date_of_birth`.
    #[schema(example = "child.date_of_birth")]
    pub field: String,
    /// The value now in the register (filled in by the registry when declared).
    #[serde(default)]
    pub from: Option<String>,
    #[schema(example = "2026-10-05")]
    pub to: String,
}

/// The person asking.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequesterInput {
    #[schema(example = "Trần Thị Mai")]
    pub full_name: String,
    /// Relationship to the person concerned: "mẹ", "bản thân"…
    #[schema(example = "mẹ")]
    pub relationship: String,
}

/// A request to amend a registered record.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentRequest {
    #[schema(example = 12)]
    pub target_record_id: i64,
    /// `correction` (cải chính), `change` (thay đổi), `supplement` (bổ sung), `ethnicity`
    /// (xác định lại dân tộc).
    #[schema(example = "correction")]
    pub kind: String,
    pub changes: Vec<FieldChange>,
    #[schema(example = "Ngày sinh ghi sai so với Giấy chứng sinh số 123/GCS")]
    pub reason: String,
    #[schema(example = "Luật Hộ tịch 2014, Điều 26; Nghị định 123/2015/NĐ-CP, Điều 7")]
    pub legal_basis: String,
    /// The documents proving it, e.g. "Giấy chứng sinh số 123/GCS ngày 05/10/2026".
    pub evidence: String,
    pub requester: RequesterInput,
}

pub(crate) fn kind_label(kind: &str) -> &'static str {
    match kind {
        "change" => "Thay đổi hộ tịch",
        "supplement" => "Bổ sung hộ tịch",
        "ethnicity" => "Xác định lại dân tộc",
        _ => "Cải chính hộ tịch",
    }
}

fn text_at<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.')
        .try_fold(v, |v, key| v.as_object()?.get(key))
}

fn set_at(v: &mut serde_json::Value, path: &str, to: &str) -> bool {
    let mut cur = v;
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        let Some(obj) = cur.as_object_mut() else {
            return false;
        };
        let Some(next) = obj.get_mut(key) else {
            return false;
        };
        if keys.peek().is_none() {
            if !(next.is_string() || next.is_null()) {
                return false;
            }
            *next = serde_json::Value::String(to.to_string());
            return true;
        }
        cur = next;
    }
    false
}

fn value_text(v: Option<&serde_json::Value>) -> Option<String> {
    v.and_then(|v| v.as_str())
        .map(str::to_string)
        .filter(|s| !s.trim().is_empty())
}

/// The target's content with the changes applied, checked as a declaration of its kind on the
/// target's registration date; the `from` of each change filled in from the current content.
/// Returns the new content and the changes with their `from`.
pub(crate) fn apply_changes(
    target: &RecordRow,
    current: &serde_json::Value,
    request: &AmendmentRequest,
    calendar: &tuphap_core::calendar::WorkingCalendar,
) -> Result<(serde_json::Value, Vec<FieldChange>)> {
    if request.changes.is_empty() {
        return Err(invalid(
            "amendment_no_change",
            "changes",
            "Ghi ít nhất một nội dung cần thay đổi, cải chính hoặc bổ sung.",
        ));
    }
    let mut next = current.clone();
    let mut changes = Vec::new();
    for (i, c) in request.changes.iter().enumerate() {
        let field = format!("changes.{i}.field");
        let path = c.field.trim();
        let Some(now) = text_at(current, path).filter(|v| v.is_string() || v.is_null()) else {
            return Err(invalid(
                "amendment_field_unknown",
                &field,
                format!("Hồ sơ không có mục \u{201c}{path}\u{201d} để thay đổi."),
            ));
        };
        let from = value_text(Some(now));
        let to = VnText::new(&c.to).as_str().to_string();
        if to.is_empty() || Some(&to) == from.as_ref() {
            return Err(invalid(
                "amendment_same_value",
                &format!("changes.{i}.to"),
                format!(
                    "Nội dung mới của \u{201c}{path}\u{201d} phải khác nội dung đang ghi trong sổ."
                ),
            ));
        }
        if let Some(claimed) = c.from.as_deref().filter(|s| !s.trim().is_empty())
            && Some(VnText::new(claimed).as_str()) != from.as_deref()
        {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "amendment_value_changed",
                format!(
                    "Mục \u{201c}{path}\u{201d} trong sổ đang ghi \u{201c}{}\u{201d}, không phải \u{201c}{claimed}\u{201d}.",
                    from.as_deref().unwrap_or("(trống)")
                ),
            )
            .with_field(format!("changes.{i}.from")));
        }
        let allowed = match request.kind.as_str() {
            "correction" => true,
            "supplement" => from.is_none(),
            "change" => path.ends_with("full_name"),
            "ethnicity" => path.ends_with("ethnicity_code"),
            _ => {
                return Err(invalid(
                    "amendment_kind_invalid",
                    "kind",
                    "Loại yêu cầu phải là cải chính (correction), thay đổi (change), bổ sung (supplement) hoặc xác định lại dân tộc (ethnicity).",
                ));
            }
        };
        if !allowed {
            return Err(invalid(
                "amendment_kind_mismatch",
                &field,
                format!(
                    "{} không áp dụng cho mục \u{201c}{path}\u{201d}: bổ sung chỉ điền mục còn trống; thay đổi là thay đổi họ, chữ đệm, tên; xác định lại dân tộc là mục dân tộc; các trường hợp khác là cải chính.",
                    kind_label(&request.kind)
                ),
            ));
        }
        if !set_at(&mut next, path, &to) {
            return Err(invalid(
                "amendment_field_unknown",
                &field,
                format!("Hồ sơ không có mục \u{201c}{path}\u{201d} để thay đổi."),
            ));
        }
        changes.push(FieldChange {
            field: path.to_string(),
            from,
            to,
        });
    }
    let on = target.registered_on.unwrap_or(target.event_date);
    // The amended content passes the checks of its kind, on the registration date.
    let typed = |e: serde_json::Error| {
        invalid(
            "amendment_content_invalid",
            "changes",
            format!("Nội dung sau khi sửa không hợp lệ: {e}"),
        )
    };
    match target.kind.as_str() {
        "birth" => {
            let d: BirthDeclaration = serde_json::from_value(next.clone()).map_err(typed)?;
            check_birth(&d, on, calendar)?;
        }
        "death" => {
            let d: DeathDeclaration = serde_json::from_value(next.clone()).map_err(typed)?;
            check_death_declaration(&d, on)?;
        }
        "marriage" => {
            let d: MarriageDeclaration = serde_json::from_value(next.clone()).map_err(typed)?;
            spouse(
                &d.husband,
                "husband",
                tuphap_core::personal_id::Sex::Male,
                on,
            )?;
            spouse(&d.wife, "wife", tuphap_core::personal_id::Sex::Female, on)?;
        }
        other => {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "amendment_target_kind",
                format!(
                    "Hồ sơ loại \u{201c}{}\u{201d} không cải chính theo thủ tục này.",
                    super::kind_name(other)
                ),
            ));
        }
    }
    Ok((next, changes))
}

/// What an `amendment` record stores: the request with each change's `from` as registered.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentData {
    pub request: AmendmentRequest,
}

/// The subject's identity and the record's summary after the amended content.
pub(crate) struct Summary {
    pub event_date: Date,
    pub subject_name: String,
    pub sex: Option<String>,
    pub date_of_birth: Option<Date>,
}

pub(crate) fn summary(kind: &str, content: &serde_json::Value) -> Option<Summary> {
    let parse = |v: &serde_json::Value| {
        v.as_str()
            .and_then(|s| tuphap_core::dates::parse_date(s).ok())
    };
    match kind {
        "birth" => {
            let c = &content["child"];
            let dob = parse(&c["date_of_birth"])?;
            Some(Summary {
                event_date: dob,
                subject_name: c["full_name"].as_str()?.to_string(),
                sex: c["sex"].as_str().map(str::to_string),
                date_of_birth: Some(dob),
            })
        }
        "death" => {
            let p = &content["deceased"];
            Some(Summary {
                event_date: parse(&content["date_of_death"])?,
                subject_name: p["full_name"].as_str()?.to_string(),
                sex: p["sex"].as_str().map(str::to_string),
                date_of_birth: parse(&p["date_of_birth"]),
            })
        }
        _ => None,
    }
}

impl App {
    /// Declares an amendment of a registered record (officer or signer of the commune office
    /// holding the record's book).
    pub async fn declare_amendment(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        mut r: AmendmentRequest,
    ) -> Result<Declared> {
        actor.require(
            matches!(actor.role, Role::Officer | Role::Signer)
                && actor.office.kind == OfficeKind::Commune,
            "thay đổi, cải chính, bổ sung hộ tịch (chỉ công chức tư pháp – hộ tịch hoặc lãnh đạo UBND cấp xã)",
        )?;
        require_request(
            "amendment_field_required",
            &[
                ("reason", &r.reason, "lý do"),
                ("legal_basis", &r.legal_basis, "căn cứ pháp lý"),
                ("evidence", &r.evidence, "giấy tờ chứng minh"),
            ],
            &r.requester,
        )?;
        let target = self
            .store
            .record_by_id(r.target_record_id)
            .await?
            .ok_or_else(|| {
                DomainError::not_found(
                    "civil_record_not_found",
                    format!("Không có hồ sơ số {} trong sổ.", r.target_record_id),
                )
                .with_field("target_record_id")
            })?;
        self.concerned_record(
            actor,
            &target,
            "amendment_target_not_registered",
            "thay đổi, cải chính, bổ sung hộ tịch",
        )
        .await?;
        self.refuse_pending(target.id, "amendment", "amendment_pending")
            .await?;
        let current: serde_json::Value = self.current_data(target.id).await?;
        let calendar = self.working_calendar().await?;
        let (_, changes) = apply_changes(&target, &current, &r, &calendar)?;
        r.changes = changes;
        let data = serde_json::to_string(&AmendmentData { request: r.clone() })
            .map_err(|_| DomainError::internal())?;
        let record = NewRecord {
            target_record_id: Some(target.id),
            kind: "amendment".into(),
            office_id: actor.office.id,
            unit_code: target.unit_code.clone(),
            event_date: tuphap_core::dates::vn_today(),
            subject_person_id: target.subject_person_id,
            subject_name_folded: target_subject_folded(&self.store, &target).await?,
            late: false,
            declared_by: actor.user_id,
            data,
            persons: vec![("subject".into(), target.subject_person_id)],
        };
        let details = serde_json::json!({
            "target": target.id, "kind": r.kind,
            "fields": r.changes.iter().map(|c| c.field.clone()).collect::<Vec<_>>()
        });
        let tx = self.store.begin().await?;
        self.commit_declared(tx, actor, meta, record, "civil.amendment.declare", details)
            .await
    }

    /// At the registration of amendment `id` (inside its transaction, the target locked): writes
    /// the target's new version and updates its summary and its subject. Returns the target id
    /// and its new version.
    pub(crate) async fn apply_amendment(
        &self,
        tx: &mut tuphap_store::Tx,
        actor: &Actor,
        amendment: &RecordRow,
        register: (i32, i32),
    ) -> Result<(i64, i32)> {
        let target_id = amendment
            .target_record_id
            .ok_or_else(DomainError::internal)?;
        let target = tx
            .record_for_update(target_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let data: AmendmentData = self.current_data(amendment.id).await?;
        let current: serde_json::Value = self.current_data(target_id).await?;
        // The register may have changed since the declaration (another amendment signed).
        for c in &data.request.changes {
            if value_text(text_at(&current, &c.field)) != c.from {
                return Err(DomainError::new(
                    ErrorKind::Conflict,
                    "amendment_value_changed",
                    format!(
                        "Mục \u{201c}{}\u{201d} của hồ sơ số {target_id} đã thay đổi sau khi tiếp nhận yêu cầu; tiếp nhận lại yêu cầu theo nội dung hiện tại.",
                        c.field
                    ),
                ));
            }
        }
        let calendar = self.working_calendar().await?;
        let (next, _) = apply_changes(&target, &current, &data.request, &calendar)?;
        let json = serde_json::to_string(&next).map_err(|_| DomainError::internal())?;
        let (number, year) = register;
        let reason = format!(
            "{} theo hồ sơ số {} ({}): {}",
            kind_label(&data.request.kind),
            amendment.id,
            register_text(number, super::DEFAULT_BOOK, year),
            data.request.reason.trim()
        );
        let version = tx
            .record_new_version(target_id, &json, actor.user_id, &reason)
            .await?;
        if let Some(s) = summary(&target.kind, &next) {
            tx.record_set_summary(target_id, s.event_date, &fold(&s.subject_name))
                .await?;
            if target.kind == "death" {
                tx.person_set_death(target.subject_person_id, s.event_date, target_id)
                    .await?;
            }
            tx.person_set_identity(
                target.subject_person_id,
                &s.subject_name,
                s.sex.as_deref(),
                s.date_of_birth,
            )
            .await?;
        }
        Ok((target_id, version))
    }
}

async fn target_subject_folded(store: &tuphap_store::Store, target: &RecordRow) -> Result<String> {
    Ok(store
        .person_by_id(target.subject_person_id)
        .await?
        .map(|p| p.name_folded)
        .unwrap_or_default())
}

//! Privacy (issue 8, item 7): the stated purpose of reads of personal data, and the bulk export
//! of civil records.
//!
//! **When a purpose is required** (a choice, documented in ARCHITECTURE.md "Security: privacy,
//! purposes, exports"). Nghị định 13/2023/NĐ-CP on personal data protection (Điều 3: data are
//! processed only for the purposes stated; Điều 17: processing without the subject's consent by
//! state bodies for their tasks under the law) and Luật Hộ tịch 2014 (the civil-status database
//! is used by the bodies in charge within their tasks) make the purpose of each processing part
//! of the record. A commune civil-status office reads its own register book (its own records
//! and those of the communes it took over, `record_in_scope`) in the course of registering:
//! that purpose ("giải quyết hồ sơ") is implied and nothing is asked. Every other reader — staff
//! of a provincial Department of Justice or of the ministry (supervision, inspection,
//! statistics, requests of courts and investigators), whatever their role — must state a
//! purpose from [`Purpose::ALL`] plus a free-text reference (the dossier, the inspection
//! decision, the request's number) for each read of a person, a civil record, its extract list
//! or a printed extract copy, and for every bulk export (whoever the exporter). A stated
//! purpose is recorded when given, also by a commune. The purpose goes into the audit entry
//! (`purpose` = the code, `details.purpose_ref` = the reference), so the citizen's "who
//! accessed my data" page shows it.
//!
//! **Exports** ([`App::export_records`]): registered records with their subject, for roles with
//! `Role::can_export_personal_data` (province, ministry), within the exporter's jurisdiction,
//! a purpose always required, at most [`EXPORT_CAP`] rows a request (keyset pages by record
//! id); one audit entry `civil.records.export` with the filter and the row count, and one
//! `data_access` row per exported person (migration 0024) so that each citizen sees the export.

use serde::Serialize;
use time::Date;

use tuphap_store::NewAuditEntry;
use tuphap_store::Outcome;
use tuphap_store::privacy::{ExportFilter, ExportRow};

use crate::civil::record_in_scope;
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::OfficeKind;
use crate::{Actor, App, RequestMeta};

/// The machine code of a read refused for want of a purpose.
pub const PURPOSE_REQUIRED: &str = "purpose_required";
/// Longest purpose reference, in characters.
pub const MAX_REFERENCE_CHARS: usize = 200;
/// Most rows of one export request.
pub const EXPORT_CAP: i64 = 10_000;
/// Rows of an export request that gives no `limit`.
pub const EXPORT_DEFAULT_LIMIT: i64 = 1_000;

/// A purpose as the caller sent it (header, query or the page's cookie), not yet checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurposeClaim {
    pub code: String,
    pub reference: String,
}

/// Why personal data are read: the short list offered to staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Giải quyết hồ sơ, thủ tục hành chính.
    CaseHandling,
    /// Thanh tra, kiểm tra.
    Inspection,
    /// Theo yêu cầu của cơ quan tiến hành tố tụng (court, procuracy, investigators).
    LegalProceedings,
    /// Thống kê, báo cáo.
    Statistics,
    /// Theo yêu cầu của chính người có dữ liệu (the data subject's own request).
    SubjectRequest,
}

impl Purpose {
    pub const ALL: [Purpose; 5] = [
        Purpose::CaseHandling,
        Purpose::Inspection,
        Purpose::LegalProceedings,
        Purpose::Statistics,
        Purpose::SubjectRequest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::CaseHandling => "case_handling",
            Purpose::Inspection => "inspection",
            Purpose::LegalProceedings => "legal_proceedings",
            Purpose::Statistics => "statistics",
            Purpose::SubjectRequest => "subject_request",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Purpose::CaseHandling => "Giải quyết hồ sơ, thủ tục hành chính",
            Purpose::Inspection => "Thanh tra, kiểm tra",
            Purpose::LegalProceedings => "Theo yêu cầu của cơ quan tiến hành tố tụng",
            Purpose::Statistics => "Thống kê, báo cáo",
            Purpose::SubjectRequest => "Theo yêu cầu của người có dữ liệu",
        }
    }
}

/// A checked purpose with its reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatedPurpose {
    pub purpose: Purpose,
    pub reference: String,
}

impl StatedPurpose {
    /// Records the purpose in an audit entry: `purpose` = the code, `details.purpose_ref` =
    /// the reference (kept beside the entry's other details).
    pub fn stamp(&self, e: &mut NewAuditEntry) {
        e.purpose = Some(self.purpose.as_str().to_string());
        let mut details = match e.details.take() {
            Some(serde_json::Value::Object(m)) => m,
            Some(other) => {
                let mut m = serde_json::Map::new();
                m.insert("details".into(), other);
                m
            }
            None => serde_json::Map::new(),
        };
        details.insert(
            "purpose_ref".into(),
            serde_json::Value::String(self.reference.clone()),
        );
        e.details = Some(serde_json::Value::Object(details));
    }
}

/// Whether `actor` must state a purpose to read personal data: everyone but a commune office
/// reading its own register (see the module documentation).
pub fn purpose_required(actor: &Actor) -> bool {
    actor.office.kind != OfficeKind::Commune
}

fn purpose_error(code: &'static str, message: String) -> DomainError {
    DomainError::new(ErrorKind::BadRequest, code, message).with_field("purpose")
}

/// The list offered, for messages: "case_handling (Giải quyết hồ sơ…), …".
fn choices_vi() -> String {
    Purpose::ALL
        .iter()
        .map(|p| format!("{} ({})", p.as_str(), p.label_vi()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Checks a claimed purpose: `None` when none was sent; 400 `purpose_invalid` for a code not
/// on the list, `purpose_reference_required` without a reference, `purpose_reference_too_long`.
pub fn check_claim(claim: Option<&PurposeClaim>) -> Result<Option<StatedPurpose>> {
    let Some(c) = claim else {
        return Ok(None);
    };
    if c.code.trim().is_empty() && c.reference.trim().is_empty() {
        return Ok(None);
    }
    let Some(purpose) = Purpose::parse(&c.code) else {
        return Err(purpose_error(
            "purpose_invalid",
            format!(
                "Mục đích “{}” không có trong danh sách. Chọn một trong: {}.",
                c.code.trim(),
                choices_vi()
            ),
        ));
    };
    let reference = tuphap_core::text::VnText::new(&c.reference)
        .as_str()
        .to_string();
    if reference.is_empty() {
        return Err(purpose_error(
            "purpose_reference_required",
            "Hãy ghi căn cứ của mục đích (số hồ sơ, số quyết định thanh tra, số văn bản yêu cầu…) \
             trong X-Purpose-Ref hoặc purpose_ref."
                .into(),
        )
        .with_field("purpose_ref"));
    }
    if reference.chars().count() > MAX_REFERENCE_CHARS {
        return Err(purpose_error(
            "purpose_reference_too_long",
            format!("Căn cứ của mục đích dài quá {MAX_REFERENCE_CHARS} ký tự."),
        )
        .with_field("purpose_ref"));
    }
    Ok(Some(StatedPurpose { purpose, reference }))
}

/// The 400 `purpose_required` error.
pub fn purpose_required_error() -> DomainError {
    purpose_error(
        PURPOSE_REQUIRED,
        format!(
            "Cần nêu mục đích khai thác dữ liệu cá nhân (Nghị định 13/2023/NĐ-CP): gửi X-Purpose và \
             X-Purpose-Ref (hoặc purpose= và purpose_ref=). Mục đích: {}.",
            choices_vi()
        ),
    )
}

impl App {
    /// The purpose of a read of personal data by `actor`: the stated one (checked), `None` for a
    /// commune reading its own register without stating one, else 400 `purpose_required`.
    pub fn purpose_for_read(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
    ) -> Result<Option<StatedPurpose>> {
        let stated = check_claim(meta.purpose.as_ref())?;
        if stated.is_none() && purpose_required(actor) {
            return Err(purpose_required_error());
        }
        Ok(stated)
    }
}

/// What to export (`GET /api/v1/civil/records/export`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportRequest {
    /// One office's records (its code); all the offices of the exporter's jurisdiction when
    /// absent.
    pub office: Option<String>,
    pub kind: Option<String>,
    pub registered_from: Option<Date>,
    pub registered_to: Option<Date>,
    /// Records with an id greater than this (the previous page's `next_after`).
    pub after: Option<i64>,
    /// Rows wanted, 1 to [`EXPORT_CAP`] ([`EXPORT_DEFAULT_LIMIT`] when absent).
    pub limit: Option<i64>,
}

/// One exported line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportLine {
    pub row: ExportRow,
    pub office_code: String,
}

/// An export page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordExport {
    pub lines: Vec<ExportLine>,
    /// The `after` of the next page, when this one was full.
    pub next_after: Option<i64>,
    /// The export's audit entry.
    pub audit_seq: i64,
}

/// Record kinds an export may be restricted to.
const EXPORT_KINDS: [&str; 12] = [
    "birth",
    "death",
    "marriage",
    "divorce",
    "marital_status",
    "parentage",
    "adoption",
    "adoption_termination",
    "guardianship",
    "guardianship_change",
    "guardianship_end",
    "amendment",
];

/// The CSV header of an export.
pub const EXPORT_CSV_HEADER: &str = "record_id,kind,status,office_code,event_date,registered_on,\
register_book,register_year,register_number,person_id,full_name,personal_id,sex,date_of_birth";

/// A CSV field: quoted when needed; a leading `=`, `+`, `-`, `@` is neutralised with `'` so
/// that a spreadsheet does not run it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

impl ExportLine {
    /// The line in CSV (no line end), in the order of [`EXPORT_CSV_HEADER`].
    pub fn csv(&self) -> String {
        let r = &self.row;
        let opt = |v: Option<String>| v.unwrap_or_default();
        [
            r.record_id.to_string(),
            r.kind.clone(),
            r.status.clone(),
            self.office_code.clone(),
            r.event_date.to_string(),
            opt(r.registered_on.map(|d| d.to_string())),
            opt(r.register_book.clone()),
            opt(r.register_year.map(|v| v.to_string())),
            opt(r.register_number.map(|v| v.to_string())),
            r.person_id.to_string(),
            r.full_name.clone(),
            opt(r.personal_id.clone()),
            opt(r.sex.clone()),
            opt(r.date_of_birth.map(|d| d.to_string())),
        ]
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",")
    }
}

fn now_micros() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000).unwrap_or(0)
}

impl App {
    /// A page of the bulk export of registered civil records (see the module documentation).
    /// Refusals are audited as denied.
    pub async fn export_records(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        req: &ExportRequest,
    ) -> Result<RecordExport> {
        let filter_json = serde_json::json!({
            "office": req.office,
            "kind": req.kind,
            "registered_from": req.registered_from.map(|d| d.to_string()),
            "registered_to": req.registered_to.map(|d| d.to_string()),
            "after": req.after,
            "limit": req.limit,
        });
        let mut e = actor.audit(meta, "civil.records.export");
        e.target_type = Some("civil_records".into());
        e.target_id = Some(
            req.office
                .clone()
                .unwrap_or_else(|| actor.office.code.clone()),
        );
        if !actor.role.can_export_personal_data() {
            e.outcome = Some(Outcome::Denied);
            e.reason = Some("role_cannot_export".into());
            e.details = Some(serde_json::json!({ "filter": filter_json }));
            self.store.audit(&[e]).await?;
            return Err(DomainError::new(
                ErrorKind::Forbidden,
                "export_forbidden",
                format!(
                    "Vai trò {} không được trích xuất dữ liệu cá nhân hàng loạt; chỉ Sở Tư pháp và Bộ Tư pháp.",
                    actor.role.label_vi()
                ),
            ));
        }
        let Some(purpose) = check_claim(meta.purpose.as_ref())? else {
            return Err(purpose_required_error());
        };
        let limit = req.limit.unwrap_or(EXPORT_DEFAULT_LIMIT);
        if !(1..=EXPORT_CAP).contains(&limit) {
            return Err(DomainError::new(
                ErrorKind::BadRequest,
                "export_limit_invalid",
                format!("Số dòng mỗi lần trích xuất (limit) phải từ 1 đến {EXPORT_CAP}."),
            )
            .with_field("limit"));
        }
        if let Some(k) = &req.kind
            && !EXPORT_KINDS.contains(&k.as_str())
        {
            return Err(DomainError::new(
                ErrorKind::BadRequest,
                "export_kind_invalid",
                format!(
                    "Loại hồ sơ “{k}” không có. Các loại: {}.",
                    EXPORT_KINDS.join(", ")
                ),
            )
            .with_field("kind"));
        }
        if let (Some(a), Some(b)) = (req.registered_from, req.registered_to)
            && a > b
        {
            return Err(DomainError::new(
                ErrorKind::BadRequest,
                "export_dates_reversed",
                "Ngày bắt đầu (registered_from) sau ngày kết thúc (registered_to).",
            )
            .with_field("registered_from"));
        }
        let offices = self.store.offices().await?;
        let in_scope: Vec<_> = offices
            .into_iter()
            .filter(|o| record_in_scope(actor, o))
            .collect();
        let chosen: Vec<_> = match &req.office {
            None => in_scope,
            Some(code) => {
                let code = code.trim();
                let Some(o) = in_scope.into_iter().find(|o| o.code == code) else {
                    e.outcome = Some(Outcome::Denied);
                    e.reason = Some("outside_jurisdiction".into());
                    purpose.stamp(&mut e);
                    self.store.audit(&[e]).await?;
                    return Err(DomainError::forbidden(format!(
                        "Cơ quan {code} không có hoặc ngoài phạm vi thẩm quyền của {}.",
                        actor.office.name
                    )));
                };
                vec![o]
            }
        };
        let filter = ExportFilter {
            office_ids: chosen.iter().map(|o| o.id).collect(),
            kind: req.kind.clone(),
            registered_from: req.registered_from,
            registered_to: req.registered_to,
        };
        let rows = self
            .store
            .records_for_export(&filter, req.after.unwrap_or(0), limit)
            .await?;
        let next_after = if i64::try_from(rows.len()).unwrap_or(i64::MAX) == limit {
            rows.last().map(|r| r.record_id)
        } else {
            None
        };
        let codes: std::collections::HashMap<i64, String> =
            chosen.iter().map(|o| (o.id, o.code.clone())).collect();
        let exported: Vec<(i64, i64)> = rows.iter().map(|r| (r.person_id, r.record_id)).collect();
        purpose.stamp(&mut e);
        if let Some(serde_json::Value::Object(m)) = e.details.as_mut() {
            m.insert("filter".into(), filter_json);
            m.insert("rows".into(), serde_json::json!(rows.len()));
            m.insert("next_after".into(), serde_json::json!(next_after));
        }
        let audit_seq = self
            .store
            .record_export(&e, &exported, now_micros(), purpose.purpose.as_str())
            .await?;
        let lines = rows
            .into_iter()
            .map(|row| ExportLine {
                office_code: codes.get(&row.office_id).cloned().unwrap_or_default(),
                row,
            })
            .collect();
        Ok(RecordExport {
            lines,
            next_after,
            audit_seq,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_checked() {
        assert_eq!(check_claim(None).unwrap(), None);
        let c = |code: &str, r: &str| PurposeClaim {
            code: code.into(),
            reference: r.into(),
        };
        assert_eq!(check_claim(Some(&c("", " "))).unwrap(), None);
        let p = check_claim(Some(&c("inspection", "  QĐ  12/QĐ-STP "))).unwrap();
        assert_eq!(
            p,
            Some(StatedPurpose {
                purpose: Purpose::Inspection,
                reference: "QĐ 12/QĐ-STP".into()
            })
        );
        assert_eq!(
            check_claim(Some(&c("curiosity", "x"))).unwrap_err().code,
            "purpose_invalid"
        );
        assert_eq!(
            check_claim(Some(&c("statistics", ""))).unwrap_err().code,
            "purpose_reference_required"
        );
        assert_eq!(
            check_claim(Some(&c("statistics", &"a".repeat(201))))
                .unwrap_err()
                .code,
            "purpose_reference_too_long"
        );
    }

    #[test]
    fn stamp_keeps_other_details_and_csv_is_safe() {
        let mut e = NewAuditEntry {
            details: Some(serde_json::json!({"extract_id": 3})),
            ..Default::default()
        };
        StatedPurpose {
            purpose: Purpose::Statistics,
            reference: "BC-2026".into(),
        }
        .stamp(&mut e);
        assert_eq!(e.purpose.as_deref(), Some("statistics"));
        assert_eq!(
            e.details,
            Some(serde_json::json!({"extract_id": 3, "purpose_ref": "BC-2026"}))
        );
        assert_eq!(csv_field("Nguyễn, Văn \"A\""), "\"Nguyễn, Văn \"\"A\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
    }
}

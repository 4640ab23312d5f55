//! Certified copies of register extracts (cấp bản sao trích lục hộ tịch): Luật Hộ tịch 2014,
//! Điều 63–64. Any office that manages the civil-status database issues copies of the extract of
//! any registered record, whatever the person's residence, on the same day; the copy shows the
//! record's current content and carries a signed verification code like every certificate
//! (`CertificateKind::Extract`, record id `<id>-BS<n>` for the n-th issuance of the record), so
//! an amendment registered later makes it verify as `superseded`.
//! The copy prints the record's content as the sections `record_content.rs` builds per kind,
//! shared with the original trích lục of the kinds without a form of their own.
//!
//! A fee is charged per copy (Luật Hộ tịch 2014, Điều 11 khoản 2): the amount in force for the
//! issuing office's province on the issue day (`civil_fees`, migration 0009: the province's row
//! from its effective date, else the national default of Thông tư 281/2016/TT-BTC, 8,000 đồng
//! per copy). The exemption grounds of Điều 11 khoản 1 điểm a (families with revolutionary merit,
//! poor households, people with disabilities) charge nothing; the ground is stored.
//!
//! Choices where the sources are silent:
//! * The fee is the issuing office's province's (the office that collects it applies its own
//!   province's resolution), not the registering office's.
//! * At most 50 copies per request; each request is one issuance row with its own code.
//! * Offices other than the one holding the record's book may issue copies (Điều 64) but see
//!   only their own issuances of the record and the total count; the offices whose jurisdiction
//!   covers the record see all of them.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use tuphap_core::certificate::{CertificateKind, Payload, sign};
use tuphap_core::dates::vn_today;
use tuphap_core::reference as refdata;
use tuphap_core::role::Role;
use tuphap_core::text::VnText;
use tuphap_store::certificates::CertificateRow;
use tuphap_store::civil::RecordRow;
use tuphap_store::extracts::{ExtractRow, FeeRow, NewExtract};
use tuphap_store::identity::OfficeRow;
use tuphap_store::{NewChange, Outcome};

use super::{RequesterInput, invalid, kind_name, record_in_scope, record_not_found};
use crate::certificates::IssuedCertificate;
use crate::error::{DomainError, ErrorKind, Result};
use crate::{Actor, App, RequestMeta};

/// The service key of a certified copy of an extract in `civil_fees`.
pub const EXTRACT_FEE_SERVICE: &str = "extract_copy";
/// Copies are issued at the counter (requests through the public-service portal would be
/// `online`, which has no row of its own yet).
pub const EXTRACT_FEE_CHANNEL: &str = "counter";
/// Most copies one request may ask for.
pub const MAX_EXTRACT_COPIES: i64 = 50;
/// Longest requester name and relationship accepted (they are printed on the copy).
const MAX_REQUESTER_NAME: usize = 120;
const MAX_RELATIONSHIP: usize = 60;

/// The fee exemption grounds (Luật Hộ tịch 2014, Điều 11 khoản 1 điểm a): stable code and label.
pub const EXTRACT_EXEMPTIONS: [(&str, &str); 3] = [
    (
        "revolutionary_merit",
        "Người thuộc gia đình có công với cách mạng",
    ),
    ("poor_household", "Người thuộc hộ nghèo"),
    ("disability", "Người khuyết tật"),
];

/// The label of an exemption code, `None` when it is not one.
pub fn exemption_label(code: &str) -> Option<&'static str> {
    EXTRACT_EXEMPTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// Whole đồng with dots between thousands: 24000 → "24.000 đồng".
pub use tuphap_core::text::vnd as format_vnd;

/// A request for certified copies of a record's extract.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractRequest {
    /// Number of copies, 1–50.
    #[schema(example = 3)]
    pub copies: i64,
    /// Fee exemption ground (Luật Hộ tịch 2014, Điều 11 khoản 1): `revolutionary_merit`,
    /// `poor_household`, `disability`; absent or null when the fee is paid.
    #[serde(default)]
    #[schema(example = "poor_household")]
    pub exemption: Option<String>,
    /// Who asks for the copies (the person concerned, a relative, an authorised person…).
    pub requester: RequesterInput,
}

/// The fee of a request before it is issued.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeeQuote {
    #[schema(example = 3)]
    pub copies: i64,
    /// The amount in force per copy (whole đồng).
    #[schema(example = 8000)]
    pub tariff_per_copy: i64,
    /// What is charged per copy: the tariff, or 0 when exempt.
    #[schema(example = 8000)]
    pub fee_per_copy: i64,
    #[schema(example = 24000)]
    pub fee_total: i64,
    pub exemption: Option<String>,
    pub exemption_label: Option<String>,
    /// The act that sets the amount.
    #[schema(example = "Thông tư 281/2016/TT-BTC, Biểu phí: 8.000 đồng/bản sao trích lục hộ tịch")]
    pub fee_basis: String,
    /// The province whose resolution sets the amount; null for the national default.
    pub fee_province: Option<String>,
}

/// One issuance of certified copies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExtractView {
    #[schema(example = 7)]
    pub id: i64,
    #[schema(example = 42)]
    pub record_id: i64,
    /// The record's version the copies show.
    #[schema(example = 1)]
    pub record_version: i32,
    /// The n-th issuance of this record.
    #[schema(example = 2)]
    pub serial: i32,
    #[schema(example = 3)]
    pub copies: i32,
    #[schema(example = 8000)]
    pub fee_per_copy: i64,
    #[schema(example = 24000)]
    pub fee_total: i64,
    pub exemption: Option<String>,
    pub exemption_label: Option<String>,
    pub requester: RequesterInput,
    pub office_code: String,
    pub office_name: String,
    pub issued_by: i64,
    pub issued_by_name: String,
    /// YYYY-MM-DD
    #[schema(example = "2026-11-27")]
    pub issued_on: String,
    /// The text of the copies' QR code: `VNHT1.<payload>.<signature>`.
    pub verification_code: String,
    /// The record has been amended since: the copies verify as `superseded`.
    pub superseded: bool,
}

/// The answer of an issuance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExtractIssued {
    #[serde(flatten)]
    pub extract: ExtractView,
    /// Copies of this record's extract issued so far, this issuance included.
    #[schema(example = 5)]
    pub total_copies_issued: i64,
    pub fee_basis: String,
}

/// The issuances of a record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExtractList {
    pub record_id: i64,
    /// Copies issued in all, by every office.
    #[schema(example = 5)]
    pub total_copies: i64,
    /// Issuances in all, by every office.
    #[schema(example = 2)]
    pub issuances: i64,
    /// The issuances the caller may see, oldest first.
    pub extracts: Vec<ExtractView>,
    /// Issuances by other offices, not listed (the caller's jurisdiction does not cover the
    /// record; the count of copies still includes them).
    pub hidden: i64,
}

struct Checked {
    copies: i32,
    exemption: Option<&'static str>,
    requester_name: String,
    relationship: String,
}

fn check_copies(copies: i64) -> Result<i32> {
    if !(1..=MAX_EXTRACT_COPIES).contains(&copies) {
        return Err(invalid(
            "extract_copies_invalid",
            "copies",
            format!("Số bản sao phải từ 1 đến {MAX_EXTRACT_COPIES}."),
        ));
    }
    i32::try_from(copies).map_err(|_| DomainError::internal())
}

fn check_exemption(exemption: Option<&str>) -> Result<Option<&'static str>> {
    let Some(code) = exemption.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    EXTRACT_EXEMPTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(c, _)| Some(*c))
        .ok_or_else(|| {
            invalid(
                "extract_exemption_unknown",
                "exemption",
                format!(
                    "Không có trường hợp miễn phí \u{201c}{code}\u{201d}. Luật Hộ tịch 2014, Điều 11 khoản 1 miễn cho: người thuộc gia đình có công với cách mạng (revolutionary_merit), người thuộc hộ nghèo (poor_household), người khuyết tật (disability)."
                ),
            )
        })
}

fn check_request(r: &ExtractRequest) -> Result<Checked> {
    let copies = check_copies(r.copies)?;
    let exemption = check_exemption(r.exemption.as_deref())?;
    super::require_texts(
        "extract_requester_missing",
        &[
            (
                "requester.full_name",
                &r.requester.full_name,
                "họ, chữ đệm, tên người yêu cầu",
            ),
            (
                "requester.relationship",
                &r.requester.relationship,
                "quan hệ của người yêu cầu với người có sự kiện hộ tịch (ví dụ: bản thân, mẹ, người được ủy quyền)",
            ),
        ],
    )?;
    let requester_name = VnText::new(&r.requester.full_name).into_string();
    let relationship = VnText::new(&r.requester.relationship).into_string();
    for (field, value, max, what) in [
        (
            "requester.full_name",
            &requester_name,
            MAX_REQUESTER_NAME,
            "Họ tên người yêu cầu",
        ),
        (
            "requester.relationship",
            &relationship,
            MAX_RELATIONSHIP,
            "Quan hệ với người có sự kiện hộ tịch",
        ),
    ] {
        if value.chars().count() > max {
            return Err(invalid(
                "extract_requester_too_long",
                field,
                format!("{what} dài quá {max} ký tự."),
            ));
        }
        if let Some(c) = value.chars().find(|c| !printable(*c)) {
            return Err(invalid(
                "extract_requester_invalid",
                field,
                format!(
                    "{what} có ký tự \u{201c}{c}\u{201d} không in được trên bản sao: chỉ dùng chữ cái tiếng Việt, chữ số, dấu cách và các dấu . , - ' ( ) /."
                ),
            ));
        }
    }
    Ok(Checked {
        copies,
        exemption,
        requester_name,
        relationship,
    })
}

/// A character the copy can print of a requester's name or relationship: letters of the Latin
/// (Vietnamese included), Greek and Cyrillic scripts — those of the certificate font — digits,
/// spaces and a little punctuation.
fn printable(c: char) -> bool {
    let code = u32::from(c);
    (c.is_alphanumeric() && (code < 0x0530 || (0x1E00..=0x1EFF).contains(&code)))
        || matches!(c, ' ' | '.' | ',' | '-' | '\'' | '(' | ')' | '/')
}

fn may_issue(actor: &Actor) -> Result<()> {
    actor.require(
        matches!(actor.role, Role::Officer | Role::Signer),
        "cấp bản sao trích lục hộ tịch (chỉ công chức làm công tác hộ tịch hoặc người ký của cơ quan quản lý Cơ sở dữ liệu hộ tịch)",
    )
}

fn registered(r: &RecordRow) -> Option<(i32, String, i32, Date)> {
    if !matches!(r.status.as_str(), "registered" | "certificate_issued") {
        return None;
    }
    match (
        r.register_number,
        r.register_book.clone(),
        r.register_year,
        r.registered_on,
    ) {
        (Some(n), Some(b), Some(y), Some(on)) => Some((n, b, y, on)),
        _ => None,
    }
}

fn not_registered(r: &RecordRow) -> DomainError {
    DomainError::new(
        ErrorKind::Conflict,
        "extract_record_not_registered",
        format!(
            "Hồ sơ {} số {} chưa được đăng ký (trạng thái: {}): chỉ cấp bản sao trích lục của sự kiện hộ tịch đã đăng ký (Luật Hộ tịch 2014, Điều 63).",
            kind_name(&r.kind),
            r.id,
            super::status_label(&r.status)
        ),
    )
}

impl App {
    /// The fee of `copies` copies for the actor's office today, with `exemption` (a code of
    /// [`EXTRACT_EXEMPTIONS`] or none): validated as an issuance would be.
    pub async fn extract_fee_quote(
        &self,
        actor: &Actor,
        copies: i64,
        exemption: Option<&str>,
    ) -> Result<FeeQuote> {
        let copies = check_copies(copies)?;
        let exemption = check_exemption(exemption)?;
        let (_, quote) = self.fee_quote(actor, copies, exemption).await?;
        Ok(quote)
    }

    async fn fee_quote(
        &self,
        actor: &Actor,
        copies: i32,
        exemption: Option<&'static str>,
    ) -> Result<(FeeRow, FeeQuote)> {
        let office = self
            .store
            .office_by_id(actor.office.id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let fee = self
            .store
            .fee_in_force(
                EXTRACT_FEE_SERVICE,
                EXTRACT_FEE_CHANNEL,
                office.province_code.as_deref(),
                vn_today(),
            )
            .await?
            .ok_or_else(|| {
                DomainError::new(
                    ErrorKind::Unavailable,
                    "extract_fee_not_set",
                    "Chưa có mức phí cấp bản sao trích lục áp dụng cho cơ quan này; hãy báo quản trị hệ thống.",
                )
            })?;
        let fee_per_copy = if exemption.is_some() {
            0
        } else {
            fee.amount_vnd
        };
        let quote = FeeQuote {
            copies: i64::from(copies),
            tariff_per_copy: fee.amount_vnd,
            fee_per_copy,
            fee_total: fee_per_copy.saturating_mul(i64::from(copies)),
            exemption: exemption.map(str::to_string),
            exemption_label: exemption.and_then(exemption_label).map(str::to_string),
            fee_basis: fee.legal_basis.clone(),
            fee_province: fee.province_code.clone(),
        };
        Ok((fee, quote))
    }

    /// Issues certified copies of the extract of a registered record (officers and signers of
    /// any office; Luật Hộ tịch 2014, Điều 63–64): one transaction writes the issuance with its
    /// signed code, the audit entry `civil.extract.issue` on the record and a change-log row.
    pub async fn issue_extract(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        record_id: i64,
        request: ExtractRequest,
    ) -> Result<ExtractIssued> {
        may_issue(actor)?;
        let checked = check_request(&request)?;
        let Some(record) = self.store.record_by_id(record_id).await? else {
            return Err(record_not_found(record_id));
        };
        if registered(&record).is_none() {
            return Err(not_registered(&record));
        }
        let (fee, quote) = self
            .fee_quote(actor, checked.copies, checked.exemption)
            .await?;
        let record_office = self
            .store
            .office_by_id(record.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        // The key first: generating it commits a transaction of its own.
        let (key_id, key) = self.office_key(actor.office.id, &actor.office.code).await?;
        let today = vn_today();
        let mut tx = self.store.begin().await?;
        // Locked: a concurrent amendment cannot change the version between reading and issuing.
        let r = tx
            .record_for_update(record_id)
            .await?
            .ok_or_else(|| record_not_found(record_id))?;
        let Some((number, book, year, _)) = registered(&r) else {
            return Err(not_registered(&r));
        };
        let data = self.version_data(&r, r.current_version).await?;
        let content = self.record_content(&r, &data).await?;
        let (serial, copies_before) = tx.extract_next_serial(record_id).await?;
        let payload = Payload {
            kind: CertificateKind::Extract,
            record_id: format!("{record_id}-BS{serial}"),
            register_number: u32::try_from(number).unwrap_or(0),
            register_book: book,
            register_year: year,
            office_code: record_office.code.clone(),
            full_name: content.full_name,
            second_name: content.second_name,
            event_date: r.event_date,
            issued_on: today,
        };
        let code = sign(&payload, &key, &key_id);
        let new = NewExtract {
            record_id,
            record_version: r.current_version,
            serial,
            copies: checked.copies,
            fee_id: fee.id,
            fee_per_copy: quote.fee_per_copy,
            fee_total: quote.fee_total,
            exemption: checked.exemption.map(str::to_string),
            requester_name: checked.requester_name.clone(),
            requester_relationship: checked.relationship.clone(),
            office_id: actor.office.id,
            issued_by: actor.user_id,
            issued_on: today,
            key_id: key_id.clone(),
            code: code.clone(),
        };
        let id = tx.extract_insert(&new).await?;
        let mut e = actor.audit(meta, "civil.extract.issue");
        e.target_type = Some("civil_record".into());
        e.target_id = Some(record_id.to_string());
        e.reason = checked
            .exemption
            .and_then(exemption_label)
            .map(|l| format!("Miễn phí: {l}"));
        e.details = Some(serde_json::json!({
            "extract_id": id, "serial": serial, "copies": checked.copies,
            "fee_per_copy": quote.fee_per_copy, "fee_total": quote.fee_total,
            "exemption": checked.exemption, "version": r.current_version, "key_id": key_id,
        }));
        tx.commit_with(
            &[e],
            &[NewChange {
                entity: "civil_extract".into(),
                entity_id: id.to_string(),
                action: "issued".into(),
                actor_user_id: Some(actor.user_id),
                payload: serde_json::json!({
                    "record_id": record_id, "record_kind": r.kind, "office": actor.office.code,
                    "copies": checked.copies, "fee_total": quote.fee_total,
                }),
            }],
        )
        .await?;
        let row = ExtractRow {
            id,
            record_id,
            record_version: new.record_version,
            serial,
            copies: new.copies,
            fee_id: new.fee_id,
            fee_per_copy: new.fee_per_copy,
            fee_total: new.fee_total,
            exemption: new.exemption,
            requester_name: new.requester_name,
            requester_relationship: new.requester_relationship,
            office_id: new.office_id,
            issued_by: new.issued_by,
            issued_on: today,
            issued_at: tuphap_store::now_utc(),
            key_id: new.key_id,
            code: new.code,
        };
        let office = self
            .store
            .office_by_id(actor.office.id)
            .await?
            .ok_or_else(DomainError::internal)?;
        Ok(ExtractIssued {
            extract: extract_view(&row, &office, &actor.display_name, r.current_version),
            total_copies_issued: copies_before + i64::from(checked.copies),
            fee_basis: quote.fee_basis,
        })
    }

    /// The issuances of a record's extract with the totals. Offices whose jurisdiction covers
    /// the record see all of them; officers and signers of other offices (who may issue copies)
    /// see their own office's and the totals. The read is audited (`civil.extract.list`) unless
    /// `record_read_audited` says the same request has just audited the read of the record (its
    /// page shows the list).
    pub async fn record_extracts(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        record_id: i64,
        record_read_audited: bool,
    ) -> Result<ExtractList> {
        let Some(record) = self.store.record_by_id(record_id).await? else {
            return Err(record_not_found(record_id));
        };
        let office = self
            .store
            .office_by_id(record.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let in_scope = record_in_scope(actor, &office);
        let issuer = matches!(actor.role, Role::Officer | Role::Signer);
        let mut e = actor.audit(meta, "civil.extract.list");
        e.target_type = Some("civil_record".into());
        e.target_id = Some(record_id.to_string());
        if !in_scope && !issuer {
            e.outcome = Some(Outcome::Denied);
            e.reason = Some("outside_jurisdiction".into());
            self.store.audit(&[e]).await?;
            return Err(DomainError::forbidden(format!(
                "Hồ sơ số {record_id} thuộc {}, ngoài phạm vi thẩm quyền của {}.",
                office.name, actor.office.name
            )));
        }
        if !record_read_audited {
            if in_scope && let Some(p) = self.purpose_for_read(actor, meta)? {
                p.stamp(&mut e);
            }
            self.store.audit(&[e]).await?;
        }
        let rows = self.store.extracts_of(record_id).await?;
        let total_copies = rows.iter().map(|r| i64::from(r.copies)).sum();
        let issuances = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        let mut extracts = Vec::new();
        let mut hidden = 0;
        let mut offices: Vec<OfficeRow> = Vec::new();
        let mut users: Vec<(i64, String)> = Vec::new();
        for row in rows {
            if !in_scope && row.office_id != actor.office.id {
                hidden += 1;
                continue;
            }
            let issuing = match offices.iter().find(|o| o.id == row.office_id) {
                Some(o) => o.clone(),
                None => {
                    let o = self
                        .store
                        .office_by_id(row.office_id)
                        .await?
                        .ok_or_else(DomainError::internal)?;
                    offices.push(o.clone());
                    o
                }
            };
            let by = match users.iter().find(|(id, _)| *id == row.issued_by) {
                Some((_, n)) => n.clone(),
                None => {
                    let n = self
                        .store
                        .user_by_id(row.issued_by)
                        .await?
                        .map(|u| u.display_name)
                        .unwrap_or_default();
                    users.push((row.issued_by, n.clone()));
                    n
                }
            };
            extracts.push(extract_view(&row, &issuing, &by, record.current_version));
        }
        Ok(ExtractList {
            record_id,
            total_copies,
            issuances,
            extracts,
            hidden,
        })
    }

    /// An issued copy to print (again): its signed code and the fields of the PDF, showing the
    /// record's version it was issued from. For the issuing office's officers and signers and for
    /// whoever may read the record; audited as `civil.extract.print` (denied attempts too).
    pub async fn extract_certificate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        record_id: i64,
        extract_id: i64,
    ) -> Result<IssuedCertificate> {
        let not_found = || {
            DomainError::not_found(
                "extract_not_found",
                format!("Hồ sơ số {record_id} không có lần cấp bản sao trích lục số {extract_id}."),
            )
        };
        let row = self
            .store
            .extract_by_id(extract_id)
            .await?
            .filter(|e| e.record_id == record_id)
            .ok_or_else(not_found)?;
        let r = self
            .store
            .record_by_id(record_id)
            .await?
            .ok_or_else(not_found)?;
        let record_office = self
            .store
            .office_by_id(r.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let issuer =
            row.office_id == actor.office.id && matches!(actor.role, Role::Officer | Role::Signer);
        let mut e = actor.audit(meta, "civil.extract.print");
        e.target_type = Some("civil_record".into());
        e.target_id = Some(record_id.to_string());
        e.details = Some(serde_json::json!({"extract_id": extract_id}));
        if !issuer && !record_in_scope(actor, &record_office) {
            e.outcome = Some(Outcome::Denied);
            e.reason = Some("outside_jurisdiction".into());
            self.store.audit(&[e]).await?;
            return Err(DomainError::forbidden(format!(
                "Bản sao trích lục này do cơ quan khác cấp; {} không in lại được.",
                actor.office.name
            )));
        }
        if !issuer && let Some(p) = self.purpose_for_read(actor, meta)? {
            p.stamp(&mut e);
        }
        self.store.audit(&[e]).await?;
        let data = self.version_data(&r, row.record_version).await?;
        let fields = self.extract_fields(&r, &record_office, &row, &data).await?;
        Ok(IssuedCertificate {
            record_id,
            kind: CertificateKind::Extract,
            code: row.code,
            issued_on: row.issued_on,
            fields,
        })
    }

    /// Finds an issued copy by its code, in the shape of an issued certificate, for
    /// `verify_certificate` (copies are never revoked one by one).
    pub(crate) async fn extract_issue_by_code(&self, code: &str) -> Result<Option<CertificateRow>> {
        Ok(self
            .store
            .extract_by_code(code)
            .await?
            .map(|e| CertificateRow {
                id: e.id,
                record_id: e.record_id,
                record_version: e.record_version,
                key_id: e.key_id,
                code: e.code,
                issued_on: e.issued_on,
                issued_by: e.issued_by,
                revoked_at: None,
            }))
    }

    /// A version's content as JSON.
    async fn version_data(&self, r: &RecordRow, version: i32) -> Result<serde_json::Value> {
        let versions = self.store.record_versions(r.id).await?;
        let v = versions
            .iter()
            .find(|v| v.version == version)
            .ok_or_else(DomainError::internal)?;
        serde_json::from_str(&v.data).map_err(|_| DomainError::internal())
    }

    /// The PDF fields of an issued copy (`tuphap_pdf::ExtractFields`).
    async fn extract_fields(
        &self,
        r: &RecordRow,
        record_office: &OfficeRow,
        row: &ExtractRow,
        data: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        let Some((number, book, year, registered_on)) = registered(r) else {
            return Err(not_registered(r));
        };
        let issuing = self
            .store
            .office_by_id(row.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let issuer = self.store.user_by_id(row.issued_by).await?;
        let province_name = |o: &OfficeRow, on: Date| {
            o.province_code
                .as_deref()
                .and_then(|p| refdata::unit_on(p, on).or_else(|| refdata::unit_on(p, vn_today())))
                .map(|u| u.full_name.clone())
        };
        let registration_place = match province_name(record_office, registered_on) {
            Some(p) if record_office.kind != "province" => format!("{}, {p}", record_office.name),
            _ => record_office.name.clone(),
        };
        let position = match (
            issuing.kind.as_str(),
            issuer.as_ref().map(|u| u.role.as_str()),
        ) {
            ("commune", Some("signer")) => Some("Chủ tịch/Phó Chủ tịch UBND"),
            ("commune", _) => Some("Công chức tư pháp - hộ tịch"),
            ("province", Some("signer")) => Some("Giám đốc/Phó Giám đốc Sở Tư pháp"),
            ("province", _) => Some("Công chức Sở Tư pháp"),
            _ => None,
        };
        let content = self.record_content(r, data).await?;
        Ok(serde_json::json!({
            "office": {"name": issuing.name, "province": province_name(&issuing, row.issued_on)},
            "register": {"number": number, "book": book, "year": year},
            "registered_on": registered_on.to_string(),
            "registration_place": registration_place,
            "signer": {
                "name": issuer.map(|u| u.display_name).unwrap_or_default(),
                "position": position,
            },
            "event": kind_name(&r.kind),
            "title": tuphap_core::certificate::record_extract_title(&r.kind),
            "sections": content.sections,
            "copies": row.copies,
            "fee_per_copy": row.fee_per_copy,
            "fee_total": row.fee_total,
            "exemption": row.exemption.as_deref().and_then(exemption_label)
                .map(|l| format!("{l} (Luật Hộ tịch 2014, Điều 11 khoản 1)")),
            "requester": format!("{} ({})", row.requester_name, row.requester_relationship),
            "issued_on": row.issued_on.to_string(),
        }))
    }
}

fn extract_view(row: &ExtractRow, office: &OfficeRow, by: &str, current: i32) -> ExtractView {
    ExtractView {
        id: row.id,
        record_id: row.record_id,
        record_version: row.record_version,
        serial: row.serial,
        copies: row.copies,
        fee_per_copy: row.fee_per_copy,
        fee_total: row.fee_total,
        exemption: row.exemption.clone(),
        exemption_label: row
            .exemption
            .as_deref()
            .and_then(exemption_label)
            .map(str::to_string),
        requester: RequesterInput {
            full_name: row.requester_name.clone(),
            relationship: row.requester_relationship.clone(),
        },
        office_code: office.code.clone(),
        office_name: office.name.clone(),
        issued_by: row.issued_by,
        issued_by_name: by.to_string(),
        issued_on: row.issued_on.to_string(),
        verification_code: row.code.clone(),
        superseded: row.record_version < current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_print_with_thousands_dots() {
        assert_eq!(format_vnd(0), "0 đồng");
        assert_eq!(format_vnd(8000), "8.000 đồng");
        assert_eq!(format_vnd(24000), "24.000 đồng");
        assert_eq!(format_vnd(1_000_000), "1.000.000 đồng");
    }

    /// Luật Hộ tịch 2014, Điều 11 khoản 1 điểm a: the three exemption grounds, by stable code.
    #[test]
    fn exemption_grounds_are_the_three_of_article_11() {
        assert_eq!(
            check_exemption(Some("poor_household")).ok(),
            Some(Some("poor_household"))
        );
        assert_eq!(check_exemption(Some("  ")).ok(), Some(None));
        assert_eq!(check_exemption(None).ok(), Some(None));
        let e = check_exemption(Some("student")).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("extract_exemption_unknown", Some("exemption"))
        );
        for (code, label) in EXTRACT_EXEMPTIONS {
            assert_eq!(exemption_label(code), Some(label));
            assert_eq!(label, tuphap_core::text::nfc(label));
        }
    }

    #[test]
    fn requester_text_must_be_printable() {
        assert!(
            "Trần Thị Mai (mẹ), người được ủy quyền"
                .chars()
                .all(printable)
        );
        for bad in ['→', '😀', '漢', '<', '\n'] {
            assert!(!printable(bad), "{bad:?}");
        }
    }

    #[test]
    fn copies_are_one_to_fifty() {
        for bad in [0, -1, 51, i64::MAX] {
            let e = check_copies(bad).unwrap_err();
            assert_eq!(
                (e.code, e.field.as_deref()),
                ("extract_copies_invalid", Some("copies"))
            );
        }
        assert_eq!(check_copies(1).ok(), Some(1));
        assert_eq!(check_copies(50).ok(), Some(50));
    }
}

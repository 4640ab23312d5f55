//! The catalogue of administrative procedures (thủ tục hành chính) offered as online public
//! services: the pure rules of one entry and the shipped seed (`data/procedures/procedures.csv`,
//! embedded at build time).
//!
//! A procedure has a level under Decree 42/2022/NĐ-CP: `full` (toàn trình — submission and
//! settlement both online) or `partial` (một phần); the authority level that settles it
//! (`commune`, `province`, `ministry`); a processing time in working days (0 = the same day,
//! LHT Đ.5.3); a fee in VND (`None` when a provincial People's Council sets it, with the reason
//! in `fee_note`); the documents to submit; the form; and, for civil-status procedures, the kind
//! of civil record the procedure leads to (`record_kind`), so that a dossier can open the right
//! registry form.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::error::Coded;
use crate::text::VnText;

/// The civil record kinds a procedure may lead to (the kinds of `tuphap-domain::civil`, plus
/// `extract` for certified copies of extracts, which are not records of their own).
pub const RECORD_KINDS: [&str; 13] = [
    "birth",
    "death",
    "marriage",
    "divorce",
    "marital_status",
    "amendment",
    "parentage",
    "adoption",
    "adoption_termination",
    "guardianship",
    "guardianship_change",
    "guardianship_end",
    "extract",
];

/// Service levels of Decree 42/2022/NĐ-CP.
pub const LEVELS: [&str; 2] = ["full", "partial"];

/// Authority levels that settle a procedure.
pub const AUTHORITY_LEVELS: [&str; 3] = ["commune", "province", "ministry"];

/// Longest processing time accepted, in working days.
pub const MAX_PROCESSING_DAYS: i64 = 365;
/// Most documents one procedure may list.
pub const MAX_DOCUMENTS: usize = 30;

/// Vietnamese label of a level.
pub fn level_label(level: &str) -> &'static str {
    match level {
        "full" => "Toàn trình",
        "partial" => "Một phần",
        _ => "Không rõ",
    }
}

/// Vietnamese label of an authority level.
pub fn authority_label(level: &str) -> &'static str {
    match level {
        "commune" => "Cấp xã",
        "province" => "Cấp tỉnh",
        "ministry" => "Cấp bộ (Bộ Tư pháp)",
        _ => "Không rõ",
    }
}

/// Vietnamese label of a record kind a procedure leads to.
pub fn record_kind_label(kind: &str) -> &'static str {
    match kind {
        "birth" => "Khai sinh",
        "death" => "Khai tử",
        "marriage" => "Kết hôn",
        "divorce" => "Ghi vào sổ việc ly hôn, hủy kết hôn",
        "marital_status" => "Xác nhận tình trạng hôn nhân",
        "amendment" => "Thay đổi, cải chính, bổ sung hộ tịch",
        "parentage" => "Nhận cha, mẹ, con",
        "adoption" => "Nuôi con nuôi",
        "adoption_termination" => "Chấm dứt nuôi con nuôi",
        "guardianship" => "Giám hộ",
        "guardianship_change" => "Thay đổi người giám hộ",
        "guardianship_end" => "Chấm dứt giám hộ",
        "extract" => "Bản sao trích lục",
        _ => "Khác",
    }
}

/// One entry of the catalogue, as edited and as shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedure {
    /// National code (`1.001193`) or a stable local code (`BTP-HT-KS`).
    pub code: String,
    pub name: String,
    /// Lĩnh vực, e.g. "Hộ tịch", "Lý lịch tư pháp".
    pub field: String,
    /// `full` or `partial`.
    pub level: String,
    /// `commune`, `province` or `ministry`.
    pub authority_level: String,
    /// Working days; 0 = the same day.
    pub processing_days: i64,
    /// Extensions (verification) and other conditions of the processing time.
    pub processing_note: String,
    /// VND; `None` when the amount is set elsewhere (see `fee_note`).
    pub fee_vnd: Option<i64>,
    pub fee_note: String,
    pub required_documents: Vec<String>,
    /// The form (name and number).
    pub form: String,
    pub legal_basis: String,
    /// The civil record kind the procedure leads to (`None` for non-civil procedures).
    pub record_kind: Option<String>,
    /// Offered online at all.
    pub online: bool,
    /// Shown in the public catalogue.
    pub active: bool,
}

/// What is wrong with an entry; `field()` names the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcedureError {
    #[error("bad code {0:?}")]
    Code(String),
    #[error("bad name")]
    Name,
    #[error("bad field")]
    Field,
    #[error("bad level {0:?}")]
    Level(String),
    #[error("bad authority level {0:?}")]
    Authority(String),
    #[error("bad processing days {0}")]
    ProcessingDays(i64),
    #[error("bad fee {0}")]
    Fee(i64),
    #[error("bad documents")]
    Documents,
    #[error("bad record kind {0:?}")]
    RecordKind(String),
    #[error("{0} too long")]
    TooLong(&'static str),
}

impl ProcedureError {
    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            ProcedureError::Code(_) => "code",
            ProcedureError::Name => "name",
            ProcedureError::Field => "field",
            ProcedureError::Level(_) => "level",
            ProcedureError::Authority(_) => "authority_level",
            ProcedureError::ProcessingDays(_) => "processing_days",
            ProcedureError::Fee(_) => "fee_vnd",
            ProcedureError::Documents => "required_documents",
            ProcedureError::RecordKind(_) => "record_kind",
            ProcedureError::TooLong(f) => f,
        }
    }
}

impl Coded for ProcedureError {
    fn code(&self) -> &'static str {
        match self {
            ProcedureError::Code(_) => "procedure_code_invalid",
            ProcedureError::Name => "procedure_name_invalid",
            ProcedureError::Field => "procedure_field_invalid",
            ProcedureError::Level(_) => "procedure_level_invalid",
            ProcedureError::Authority(_) => "procedure_authority_invalid",
            ProcedureError::ProcessingDays(_) => "procedure_processing_days_invalid",
            ProcedureError::Fee(_) => "procedure_fee_invalid",
            ProcedureError::Documents => "procedure_documents_invalid",
            ProcedureError::RecordKind(_) => "procedure_record_kind_invalid",
            ProcedureError::TooLong(_) => "procedure_text_too_long",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            ProcedureError::Code(c) => format!(
                "Mã thủ tục \u{201c}{c}\u{201d} không hợp lệ: dùng mã quốc gia dạng 1.001193 \
                 hoặc mã nội bộ dạng BTP-HT-KS (chữ in hoa, chữ số, nối bằng dấu gạch ngang; \
                 tối đa 40 ký tự)."
            ),
            ProcedureError::Name => "Tên thủ tục phải có từ 1 đến 300 ký tự.".into(),
            ProcedureError::Field => "Lĩnh vực phải có từ 1 đến 100 ký tự.".into(),
            ProcedureError::Level(l) => format!(
                "Mức độ \u{201c}{l}\u{201d} không hợp lệ: dùng full (toàn trình) hoặc partial \
                 (một phần) theo Nghị định 42/2022/NĐ-CP."
            ),
            ProcedureError::Authority(a) => format!(
                "Cấp thực hiện \u{201c}{a}\u{201d} không hợp lệ: dùng commune (cấp xã), \
                 province (cấp tỉnh) hoặc ministry (cấp bộ)."
            ),
            ProcedureError::ProcessingDays(d) => format!(
                "Thời hạn giải quyết {d} không hợp lệ: từ 0 (trong ngày) đến \
                 {MAX_PROCESSING_DAYS} ngày làm việc."
            ),
            ProcedureError::Fee(f) => {
                format!(
                    "Lệ phí {f} không hợp lệ: phải là số đồng không âm (để trống nếu do HĐND cấp tỉnh quy định)."
                )
            }
            ProcedureError::Documents => format!(
                "Thành phần hồ sơ: tối đa {MAX_DOCUMENTS} giấy tờ, mỗi giấy tờ từ 1 đến 500 ký tự."
            ),
            ProcedureError::RecordKind(k) => format!(
                "Loại việc hộ tịch \u{201c}{k}\u{201d} không hợp lệ; các loại hợp lệ: {}.",
                RECORD_KINDS.join(", ")
            ),
            ProcedureError::TooLong(f) => {
                format!("Nội dung \u{201c}{f}\u{201d} quá dài (tối đa 1.000 ký tự).")
            }
        }
    }
}

/// Whether `code` has the accepted shape: a national code `d.dddddd`, or a local code of
/// upper-case letters and digits in 2–5 parts joined by `-`, starting with a letter.
pub fn code_is_valid(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() == 8 && b[0].is_ascii_digit() && b[1] == b'.' {
        return b[2..].iter().all(u8::is_ascii_digit);
    }
    if code.is_empty() || code.len() > 40 || !b[0].is_ascii_uppercase() {
        return false;
    }
    let parts: Vec<&str> = code.split('-').collect();
    (2..=5).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

fn clean(s: &str) -> String {
    VnText::new(s).as_str().to_string()
}

fn clean_limited(s: &str, field: &'static str) -> Result<String, ProcedureError> {
    let s = clean(s);
    if s.chars().count() > 1000 {
        return Err(ProcedureError::TooLong(field));
    }
    Ok(s)
}

/// Normalises an entry (NFC, trimmed, single spaces; empty documents dropped) and returns it,
/// or every problem found, in field order.
pub fn check(p: &Procedure) -> Result<Procedure, Vec<ProcedureError>> {
    let mut errors = Vec::new();
    let code = p.code.trim().to_string();
    if !code_is_valid(&code) {
        errors.push(ProcedureError::Code(p.code.clone()));
    }
    let name = clean(&p.name);
    if name.is_empty() || name.chars().count() > 300 {
        errors.push(ProcedureError::Name);
    }
    let field = clean(&p.field);
    if field.is_empty() || field.chars().count() > 100 {
        errors.push(ProcedureError::Field);
    }
    let level = p.level.trim().to_string();
    if !LEVELS.contains(&level.as_str()) {
        errors.push(ProcedureError::Level(p.level.clone()));
    }
    let authority_level = p.authority_level.trim().to_string();
    if !AUTHORITY_LEVELS.contains(&authority_level.as_str()) {
        errors.push(ProcedureError::Authority(p.authority_level.clone()));
    }
    if !(0..=MAX_PROCESSING_DAYS).contains(&p.processing_days) {
        errors.push(ProcedureError::ProcessingDays(p.processing_days));
    }
    let processing_note = clean_limited(&p.processing_note, "processing_note")
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    if let Some(f) = p.fee_vnd
        && f < 0
    {
        errors.push(ProcedureError::Fee(f));
    }
    let fee_note = clean_limited(&p.fee_note, "fee_note")
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let docs: Vec<String> = p
        .required_documents
        .iter()
        .map(|d| clean(d))
        .filter(|d| !d.is_empty())
        .collect();
    if docs.len() > MAX_DOCUMENTS || docs.iter().any(|d| d.chars().count() > 500) {
        errors.push(ProcedureError::Documents);
    }
    let form = clean_limited(&p.form, "form")
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let legal_basis = clean_limited(&p.legal_basis, "legal_basis")
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let record_kind = p
        .record_kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    if let Some(k) = &record_kind
        && !RECORD_KINDS.contains(&k.as_str())
    {
        errors.push(ProcedureError::RecordKind(k.clone()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Procedure {
        code,
        name,
        field,
        level,
        authority_level,
        processing_days: p.processing_days,
        processing_note,
        fee_vnd: p.fee_vnd,
        fee_note,
        required_documents: docs,
        form,
        legal_basis,
        record_kind,
        online: p.online,
        active: p.active,
    })
}

/// A problem in the seed table, with the 1-based line of the CSV text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeedError {
    #[error("line {line}: malformed CSV: {detail}")]
    Csv { line: u64, detail: String },
    #[error("line {line}: {column}: {detail}")]
    Value {
        line: u64,
        column: &'static str,
        detail: String,
    },
    #[error("line {line}: code {code} listed twice")]
    Duplicate { line: u64, code: String },
}

const COLUMNS: [&str; 15] = [
    "code",
    "name",
    "field",
    "level",
    "authority_level",
    "processing_days",
    "processing_note",
    "fee_vnd",
    "fee_note",
    "required_documents",
    "form",
    "legal_basis",
    "record_kind",
    "online",
    "active",
];

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// Parses the seed table (columns as in `data/procedures/README.md`; documents separated by
/// `|`), checking every row with [`check`].
pub fn parse_procedures_csv(text: &str) -> Result<Vec<Procedure>, SeedError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| SeedError::Csv {
            line: 1,
            detail: e.to_string(),
        })?
        .clone();
    let mut idx = [0usize; 15];
    for (i, c) in COLUMNS.iter().enumerate() {
        idx[i] = headers
            .iter()
            .position(|h| h.trim() == *c)
            .ok_or(SeedError::Value {
                line: 1,
                column: c,
                detail: "missing column".into(),
            })?;
    }
    let mut out: Vec<Procedure> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| SeedError::Csv {
            line: e.position().map(|p| p.line()).unwrap_or(0),
            detail: e.to_string(),
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize| rec.get(idx[i]).unwrap_or("").trim();
        let bad = |column: &'static str, detail: String| SeedError::Value {
            line,
            column,
            detail,
        };
        let processing_days = get(5)
            .parse::<i64>()
            .map_err(|e| bad("processing_days", e.to_string()))?;
        let fee_vnd = match get(7) {
            "" => None,
            v => Some(
                v.parse::<i64>()
                    .map_err(|e| bad("fee_vnd", e.to_string()))?,
            ),
        };
        let online = parse_bool(get(13)).ok_or_else(|| bad("online", get(13).into()))?;
        let active = parse_bool(get(14)).ok_or_else(|| bad("active", get(14).into()))?;
        let raw = Procedure {
            code: get(0).into(),
            name: get(1).into(),
            field: get(2).into(),
            level: get(3).into(),
            authority_level: get(4).into(),
            processing_days,
            processing_note: get(6).into(),
            fee_vnd,
            fee_note: get(8).into(),
            required_documents: get(9).split('|').map(str::to_string).collect(),
            form: get(10).into(),
            legal_basis: get(11).into(),
            record_kind: Some(get(12).to_string()).filter(|k| !k.is_empty()),
            online,
            active,
        };
        let p = check(&raw).map_err(|errs| {
            let e = &errs[0];
            bad(e.field(), e.to_string())
        })?;
        if out.iter().any(|o| o.code == p.code) {
            return Err(SeedError::Duplicate { line, code: p.code });
        }
        out.push(p);
    }
    Ok(out)
}

const SEED_CSV: &str = include_str!("../../../data/procedures/procedures.csv");

// The shipped table is checked by a unit test; a broken one must not stop the server.
static SEED: LazyLock<Vec<Procedure>> =
    LazyLock::new(|| parse_procedures_csv(SEED_CSV).unwrap_or_default());

/// The shipped catalogue (`data/procedures/procedures.csv`).
pub fn default_procedures() -> &'static [Procedure] {
    &SEED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_seed_parses_and_covers_every_record_kind() {
        let rows = parse_procedures_csv(SEED_CSV).unwrap();
        assert!(rows.len() >= 25, "{}", rows.len());
        for k in RECORD_KINDS {
            assert!(
                rows.iter().any(|p| p.record_kind.as_deref() == Some(k)),
                "no procedure leads to {k}"
            );
        }
        // Decree 42/2022 levels only; the ministry's own procedures are there too.
        assert!(rows.iter().all(|p| LEVELS.contains(&p.level.as_str())));
        assert!(rows.iter().any(|p| p.field == "Lý lịch tư pháp"));
        assert!(rows.iter().any(|p| p.field == "Đăng ký biện pháp bảo đảm"));
        // Birth registration is settled the same day (LHT Đ.16.2) and exempt when on time.
        let birth = rows.iter().find(|p| p.code == "BTP-HT-KS").unwrap();
        assert_eq!(birth.processing_days, 0);
        assert_eq!(birth.fee_vnd, Some(0));
        assert_eq!(birth.record_kind.as_deref(), Some("birth"));
        assert_eq!(default_procedures().len(), rows.len());
    }

    #[test]
    fn codes() {
        for ok in ["1.001193", "BTP-HT-KS", "BTP-LLTP-P1", "BTP-HT-KS-YTNN"] {
            assert!(code_is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "1.00119",
            "btp-ht",
            "BTP",
            "BTP--KS",
            "-BTP-KS",
            "BTP-HT KS",
            "1.00119a",
        ] {
            assert!(!code_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn check_reports_every_problem_with_its_field() {
        let p = Procedure {
            code: "x".into(),
            name: " ".into(),
            field: "Hộ tịch".into(),
            level: "half".into(),
            authority_level: "district".into(),
            processing_days: 366,
            processing_note: String::new(),
            fee_vnd: Some(-1),
            fee_note: String::new(),
            required_documents: vec![],
            form: String::new(),
            legal_basis: String::new(),
            record_kind: Some("wedding".into()),
            online: true,
            active: true,
        };
        let errs = check(&p).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field()).collect();
        assert_eq!(
            fields,
            [
                "code",
                "name",
                "level",
                "authority_level",
                "processing_days",
                "fee_vnd",
                "record_kind"
            ]
        );
        assert_eq!(errs[4].code(), "procedure_processing_days_invalid");
    }
}

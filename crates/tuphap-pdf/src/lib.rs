//! Civil-status certificates as PDF: Giấy khai sinh, Trích lục khai tử and Giấy chứng nhận kết
//! hôn, laid out after the forms of Thông tư 04/2024/TT-BTP, Giấy xác nhận tình trạng hôn nhân
//! and Trích lục ghi vào sổ hộ tịch việc ly hôn / hủy việc kết hôn trái pháp luật, after the forms
//! of Thông tư 04/2020/TT-BTP, the trích lục of the other registrations (Giấy chứng nhận nuôi con
//! nuôi for an adoption) and certified copies of any record's extract, with the signed
//! verification code ([`tuphap_core::certificate`]) printed as a QR code.
//!
//! Rendering uses typst as a library: the templates (`templates/*.typ`) and the fonts (Noto Serif
//! and Noto Mono, SIL OFL 1.1, `fonts/`) are embedded in the binary, so nothing depends on the
//! machine's fonts or files. The output is PDF/A-2b, A4, one page.
//!
//! [`render`] is CPU work (tens of milliseconds in a release build, more in debug): async callers
//! run it in `tokio::task::spawn_blocking`. It is thread-safe; fonts and templates are parsed
//! once per process and typst's memoisation cache is trimmed after every render.
//!
//! The data of each certificate is given as JSON in [`Certificate::fields`]; the keys are
//! documented in [`fields`] and typed by [`BirthFields`], [`DeathFields`], [`MarriageFields`],
//! [`MaritalStatusFields`], [`DivorceFields`], [`ExtractFields`] and [`RecordExtractFields`]
//! (serialise one of those with
//! `serde_json::to_value` to be sure).
//!
//! | [`CertificateKind`] | fields | template |
//! | --- | --- | --- |
//! | `Birth` | [`BirthFields`] | `templates/birth.typ` |
//! | `Death` | [`DeathFields`] | `templates/death.typ` |
//! | `Marriage` | [`MarriageFields`] | `templates/marriage.typ` |
//! | `MaritalStatus` | [`MaritalStatusFields`] | `templates/marital_status.typ` |
//! | `Divorce` | [`DivorceFields`] (divorce or annulment, [`DecisionKind`]) | `templates/divorce.typ` |
//! | `Extract` | [`ExtractFields`] (bản sao trích lục of any registered record) | `templates/extract.typ` |
//! | `RecordExtract` | [`RecordExtractFields`] (trích lục of an amendment, a recognition, an adoption or its end, a guardianship, its change or end; title per record kind) | `templates/record_extract.typ` |

use qrcode::{EcLevel, QrCode, render::svg};
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

pub mod fields;
mod words;
mod world;

pub use fields::{
    BirthFields, Child, CourtDecision, Death, Deceased, DecisionKind, Declarant, DivorceFields,
    DivorceParty, ExtractFields, ExtractLine, ExtractSection, MaritalPerson, MaritalStatusFields,
    MarriageFields, MarriageRef, Office, Parent, PartialDate, RecordExtractFields, Register,
    Signer, Spouse, vnd,
};
pub use tuphap_core::certificate::CertificateKind;
pub use words::{date_in_words, number_in_words};

use tuphap_core::error::Coded;
use world::CertWorld;

/// One certificate to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    pub kind: CertificateKind,
    /// The printed data; keys per kind in [`fields`].
    pub fields: serde_json::Value,
    /// The signed verification code (`VNHT1.…`, from [`tuphap_core::certificate::sign`]): the
    /// exact content of the QR code, also printed beneath it.
    pub qr_text: String,
    /// Where a person can check the code, printed as "Kiểm tra tại <verify_url>".
    pub verify_url: String,
    /// The issue date: the PDF's document date (PDF/A needs one).
    pub issued_on: time::Date,
}

/// Why a certificate could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// `fields` does not match the kind's keys (missing, mistyped or unknown key, bad date).
    #[error("certificate fields for {kind} are invalid: {message}")]
    Fields {
        kind: CertificateKind,
        message: String,
    },
    /// The QR text is empty or too long for a QR code.
    #[error("cannot make a QR code of the verification code: {0}")]
    Qr(String),
    /// typst refused the template or the PDF export (a bug in this crate, or input that breaks
    /// the layout). `diagnostics` are typst's messages, `file:line:column: message`.
    #[error("typst {stage} failed: {}", diagnostics.join("; "))]
    Typst {
        stage: &'static str,
        diagnostics: Vec<String>,
    },
}

impl Coded for PdfError {
    fn code(&self) -> &'static str {
        match self {
            PdfError::Fields { .. } => "certificate_fields_invalid",
            PdfError::Qr(_) => "certificate_qr_invalid",
            PdfError::Typst { .. } => "certificate_render_failed",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            PdfError::Fields { kind, message } => format!(
                "Dữ liệu để in {} không hợp lệ: {message}",
                kind.title_vi().to_lowercase()
            ),
            PdfError::Qr(_) => "Không tạo được mã QR kiểm tra cho giấy tờ.".to_string(),
            PdfError::Typst { .. } => "Không tạo được tệp PDF của giấy tờ; lỗi đã được ghi lại \
                 để bộ phận kỹ thuật xử lý."
                .to_string(),
        }
    }
}

/// Characters of the verification code per printed line beneath the QR code.
const CODE_LINE_CHARS: usize = 56;
/// typst's memoisation cache entries unused for this many renders are evicted.
const CACHE_MAX_AGE: usize = 16;

/// Renders `c` to a one-page A4 PDF/A-2b. CPU-bound: call it from `spawn_blocking` in async
/// code.
pub fn render(c: &Certificate) -> Result<Vec<u8>, PdfError> {
    let result = render_inner(c);
    typst::comemo::evict(CACHE_MAX_AGE);
    result
}

fn render_inner(c: &Certificate) -> Result<Vec<u8>, PdfError> {
    let mut view = fields::view(c.kind, &c.fields).map_err(|message| PdfError::Fields {
        kind: c.kind,
        message,
    })?;
    let qr_text = c.qr_text.trim();
    let (svg, modules) = qr_svg(qr_text)?;
    // 0.45 mm per module plus the quiet zone: 3.1 cm for version 11, 3.3 cm for version 12.
    let qr_width_mm = ((f64::from(modules) + 8.0) * 0.45).max(28.0);
    let chars: Vec<char> = qr_text.chars().collect();
    let code_lines: Vec<String> = chars
        .chunks(CODE_LINE_CHARS)
        .map(|chunk| chunk.iter().collect())
        .collect();
    let (year, month, day) = (
        c.issued_on.year(),
        u8::from(c.issued_on.month()),
        c.issued_on.day(),
    );
    if let serde_json::Value::Object(map) = &mut view {
        map.insert("code_lines".into(), code_lines.into());
        map.insert("verify_url".into(), c.verify_url.trim().into());
        map.insert("qr_width_mm".into(), qr_width_mm.into());
    }
    let data = serde_json::to_vec(&view).map_err(|e| PdfError::Fields {
        kind: c.kind,
        message: e.to_string(),
    })?;
    let date = Datetime::from_ymd(year, month, day).ok_or_else(|| PdfError::Fields {
        kind: c.kind,
        message: format!("issued_on {} is out of range", c.issued_on),
    })?;
    let world = CertWorld::new(c.kind, data, svg, date).map_err(|e| PdfError::Typst {
        stage: "setup",
        diagnostics: vec![e],
    })?;

    let document: PagedDocument =
        typst::compile(&world)
            .output
            .map_err(|diags| PdfError::Typst {
                stage: "compile",
                diagnostics: world.describe(&diags),
            })?;

    let standards = PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| PdfError::Typst {
        stage: "pdf standards",
        diagnostics: vec![e.message().to_string()],
    })?;
    let options = PdfOptions {
        // A stable document identifier: the same certificate gives the same file id.
        ident: Smart::Custom(format!("tuphap:{}:{qr_text}", c.kind)),
        creator: Smart::Custom(Some("tuphap".to_string())),
        // Vietnam's civil time, UTC+7.
        timestamp: Timestamp::new_local(date, 7 * 60),
        standards,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|diags| PdfError::Typst {
        stage: "pdf export",
        diagnostics: world.describe(&diags),
    })
}

/// The QR code of `text` at error correction level M, as SVG (black on white, with the
/// standard four-module quiet zone), and its width in modules (without the quiet zone).
fn qr_svg(text: &str) -> Result<(String, u32), PdfError> {
    if text.is_empty() {
        return Err(PdfError::Qr("the verification code is empty".to_string()));
    }
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| PdfError::Qr(e.to_string()))?;
    let modules = u32::try_from(code.width()).unwrap_or(u32::MAX);
    let svg = code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(4, 4)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Ok((svg, modules))
}

/// The QR version (1–40) the verification code `text` needs at error correction level M, or
/// `None` if it does not fit at all.
pub fn qr_version(text: &str) -> Option<i16> {
    match QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .ok()?
        .version()
    {
        qrcode::Version::Normal(v) => Some(v),
        qrcode::Version::Micro(_) => None,
    }
}

/// The number of font faces embedded in the binary.
pub fn embedded_font_count() -> usize {
    world::font_count()
}

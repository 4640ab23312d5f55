//! Register books (sổ hộ tịch) and register references ("Số: 15, Quyển số: 01/2026").
//!
//! One book per type of event, closed on the last day of the year (Luật Hộ tịch 2014, Điều 58).
//! The number format follows the documents seen (`civil-status-forms.md` §0.5: "Giấy khai sinh
//! số 01/2014, quyển số 02"; print templates "tại số: …, Quyển số: …") and DESIGN.md §3
//! ("Số: 15, Quyển số: 01/2026"). The numbering rules themselves (restart each year, continuation
//! when a book fills up) and the full list of book names are **[?]** in the spec; the choices are
//! in the [module docs of `civil`](super).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::CivilEvent;
use crate::error::Coded;
use crate::text::fold;

/// The kinds of register book. Stable machine codes ([`RegisterBookKind::code`]) and Vietnamese
/// names. The list is the spec's "likely list" (§0.5, [?]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterBookKind {
    /// Sổ đăng ký khai sinh.
    Birth,
    /// Sổ đăng ký kết hôn.
    Marriage,
    /// Sổ đăng ký khai tử.
    Death,
    /// Sổ đăng ký giám hộ.
    Guardianship,
    /// Sổ đăng ký nhận cha, mẹ, con.
    ParentageRecognition,
    /// Sổ đăng ký thay đổi, cải chính, bổ sung hộ tịch, xác định lại dân tộc.
    ChangeCorrection,
    /// Sổ cấp Giấy xác nhận tình trạng hôn nhân.
    MaritalStatusCertificate,
    /// Sổ ghi vào Sổ hộ tịch việc hộ tịch khác.
    RecordingOther,
}

/// A code that is not a register book kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("unknown register book kind {0:?}")]
pub struct UnknownBookKind(pub String);

impl Coded for UnknownBookKind {
    fn code(&self) -> &'static str {
        "register_book_kind_unknown"
    }

    fn message_vi(&self) -> String {
        format!(
            "Loại sổ hộ tịch \u{201c}{}\u{201d} không tồn tại. Các loại hợp lệ: {}.",
            self.0.trim(),
            RegisterBookKind::ALL.map(|k| k.code()).join(", ")
        )
    }
}

impl RegisterBookKind {
    pub const ALL: [RegisterBookKind; 8] = [
        RegisterBookKind::Birth,
        RegisterBookKind::Marriage,
        RegisterBookKind::Death,
        RegisterBookKind::Guardianship,
        RegisterBookKind::ParentageRecognition,
        RegisterBookKind::ChangeCorrection,
        RegisterBookKind::MaritalStatusCertificate,
        RegisterBookKind::RecordingOther,
    ];

    /// Stable machine code (snake_case, as serialised).
    pub fn code(self) -> &'static str {
        match self {
            RegisterBookKind::Birth => "birth",
            RegisterBookKind::Marriage => "marriage",
            RegisterBookKind::Death => "death",
            RegisterBookKind::Guardianship => "guardianship",
            RegisterBookKind::ParentageRecognition => "parentage_recognition",
            RegisterBookKind::ChangeCorrection => "change_correction",
            RegisterBookKind::MaritalStatusCertificate => "marital_status_certificate",
            RegisterBookKind::RecordingOther => "recording_other",
        }
    }

    /// The book's Vietnamese name, e.g. `Sổ đăng ký khai sinh`.
    pub fn name_vi(self) -> &'static str {
        match self {
            RegisterBookKind::Birth => "Sổ đăng ký khai sinh",
            RegisterBookKind::Marriage => "Sổ đăng ký kết hôn",
            RegisterBookKind::Death => "Sổ đăng ký khai tử",
            RegisterBookKind::Guardianship => "Sổ đăng ký giám hộ",
            RegisterBookKind::ParentageRecognition => "Sổ đăng ký nhận cha, mẹ, con",
            RegisterBookKind::ChangeCorrection => {
                "Sổ đăng ký thay đổi, cải chính, bổ sung hộ tịch, xác định lại dân tộc"
            }
            RegisterBookKind::MaritalStatusCertificate => {
                "Sổ cấp Giấy xác nhận tình trạng hôn nhân"
            }
            RegisterBookKind::RecordingOther => "Sổ ghi vào Sổ hộ tịch việc hộ tịch khác",
        }
    }

    /// Parses a machine code (surrounding whitespace ignored).
    pub fn parse(code: &str) -> Result<RegisterBookKind, UnknownBookKind> {
        RegisterBookKind::ALL
            .into_iter()
            .find(|k| k.code() == code.trim())
            .ok_or_else(|| UnknownBookKind(code.to_string()))
    }

    /// The book an event is registered in.
    pub fn for_event(event: CivilEvent) -> RegisterBookKind {
        match event {
            CivilEvent::Birth => RegisterBookKind::Birth,
            CivilEvent::Death => RegisterBookKind::Death,
            CivilEvent::Marriage => RegisterBookKind::Marriage,
            CivilEvent::MaritalStatus => RegisterBookKind::MaritalStatusCertificate,
            CivilEvent::Guardianship => RegisterBookKind::Guardianship,
        }
    }
}

impl fmt::Display for RegisterBookKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_vi())
    }
}

/// Longest book number accepted, in digits.
pub const BOOK_MAX_DIGITS: usize = 6;

/// A register entry's reference: sequence number, book number and year. Shown as
/// `Số: 15, Quyển số: 01/2026`.
///
/// Invariants (checked by [`RegisterRef::new`], the parsers and deserialisation): `number >= 1`;
/// `book` is 1–6 ASCII digits, not zero, normalised to at least two digits (`1` → `01`,
/// `001` → `01`); `year` has four digits (1000–9999).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawRegisterRef")]
pub struct RegisterRef {
    pub number: u32,
    pub book: String,
    pub year: i32,
}

#[derive(Deserialize)]
struct RawRegisterRef {
    number: u32,
    book: String,
    year: i32,
}

impl TryFrom<RawRegisterRef> for RegisterRef {
    type Error = RegisterRefError;
    fn try_from(raw: RawRegisterRef) -> Result<RegisterRef, RegisterRefError> {
        RegisterRef::new(raw.number, &raw.book, raw.year)
    }
}

/// A register reference that is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RegisterRefError {
    #[error("{input:?} is not of the form \"Số: 15, Quyển số: 01/2026\"")]
    Format { input: String },
    #[error("the register number must be at least 1")]
    NumberZero,
    #[error("{book:?} is not a book number")]
    Book { book: String },
    #[error("{year} is not a four-digit year")]
    Year { year: i32 },
}

impl Coded for RegisterRefError {
    fn code(&self) -> &'static str {
        match self {
            RegisterRefError::Format { .. } => "register_ref_bad_format",
            RegisterRefError::NumberZero => "register_ref_number_invalid",
            RegisterRefError::Book { .. } => "register_ref_book_invalid",
            RegisterRefError::Year { .. } => "register_ref_year_invalid",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            RegisterRefError::Format { input } => format!(
                "\u{201c}{}\u{201d} không đúng dạng số đăng ký (ví dụ \u{201c}Số: 15, Quyển số: \
                 01/2026\u{201d} hoặc \u{201c}15/2026\u{201d}).",
                input.trim()
            ),
            RegisterRefError::NumberZero => "Số đăng ký phải từ 1 trở lên.".to_string(),
            RegisterRefError::Book { book } => format!(
                "Quyển số \u{201c}{}\u{201d} không hợp lệ: quyển số gồm 1 đến {BOOK_MAX_DIGITS} \
                 chữ số và lớn hơn 0.",
                book.trim()
            ),
            RegisterRefError::Year { year } => {
                format!("Năm đăng ký {year} không hợp lệ: năm phải có 4 chữ số.")
            }
        }
    }
}

/// Normalises a book number: 1–6 ASCII digits, not zero, at least two digits.
fn normalise_book(book: &str) -> Result<String, RegisterRefError> {
    let b = book.trim();
    let err = || RegisterRefError::Book {
        book: book.to_string(),
    };
    if b.is_empty() || b.len() > BOOK_MAX_DIGITS || !b.bytes().all(|c| c.is_ascii_digit()) {
        return Err(err());
    }
    let stripped = b.trim_start_matches('0');
    if stripped.is_empty() {
        return Err(err());
    }
    Ok(format!("{stripped:0>2}"))
}

/// Reads a run of ASCII digits at the start of `s` (at most 10); returns it and the rest.
fn leading_digits(s: &str) -> Option<(&str, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    (end > 0 && end <= 10).then(|| s.split_at(end))
}

impl RegisterRef {
    /// Checks and normalises the parts.
    pub fn new(number: u32, book: &str, year: i32) -> Result<RegisterRef, RegisterRefError> {
        if number == 0 {
            return Err(RegisterRefError::NumberZero);
        }
        let book = normalise_book(book)?;
        if !(1000..=9999).contains(&year) {
            return Err(RegisterRefError::Year { year });
        }
        Ok(RegisterRef { number, book, year })
    }

    /// Parses the printed form `Số: 15, Quyển số: 01/2026`. Case, diacritics (`So: 15, Quyen so:
    /// 01/2026`), NFC/NFD and spacing do not matter; the colons and the comma are optional.
    pub fn parse(s: &str) -> Result<RegisterRef, RegisterRefError> {
        let format_err = || RegisterRefError::Format {
            input: s.to_string(),
        };
        // Folding keeps digits, `/`, `:` and `,`; it lowercases and strips diacritics.
        let key = fold(s);
        let rest = key.strip_prefix("so").ok_or_else(format_err)?;
        let rest = rest
            .trim_start()
            .strip_prefix(':')
            .unwrap_or(rest)
            .trim_start();
        let (number, rest) = leading_digits(rest).ok_or_else(format_err)?;
        let rest = rest.trim_start();
        let rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        let rest = rest
            .strip_prefix("quyen")
            .ok_or_else(format_err)?
            .trim_start();
        let rest = rest.strip_prefix("so").ok_or_else(format_err)?.trim_start();
        let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
        let (book, rest) = leading_digits(rest).ok_or_else(format_err)?;
        let rest = rest
            .trim_start()
            .strip_prefix('/')
            .ok_or_else(format_err)?
            .trim_start();
        let (year, rest) = leading_digits(rest).ok_or_else(format_err)?;
        if !rest.trim().is_empty() || year.len() != 4 {
            return Err(format_err());
        }
        let number: u32 = number.parse().map_err(|_| format_err())?;
        let year: i32 = year.parse().map_err(|_| format_err())?;
        RegisterRef::new(number, book, year)
    }

    /// Parses the short form `15/2026` (number/year, as in "Giấy khai sinh số 01/2014, quyển số
    /// 02") with the book number given separately.
    pub fn parse_number_year(s: &str, book: &str) -> Result<RegisterRef, RegisterRefError> {
        let format_err = || RegisterRefError::Format {
            input: s.to_string(),
        };
        let (number, year) = s.trim().split_once('/').ok_or_else(format_err)?;
        let (number, year) = (number.trim(), year.trim());
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(number) || number.len() > 10 || !digits(year) || year.len() != 4 {
            return Err(format_err());
        }
        let number: u32 = number.parse().map_err(|_| format_err())?;
        let year: i32 = year.parse().map_err(|_| format_err())?;
        RegisterRef::new(number, book, year)
    }
}

impl fmt::Display for RegisterRef {
    /// `Số: 15, Quyển số: 01/2026`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Số: {}, Quyển số: {}/{}",
            self.number, self.book, self.year
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::text::nfc;
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    /// DESIGN.md §3 and `civil-status-forms.md` §0.5: "Số: 15, Quyển số: 01/2026".
    #[test]
    fn display_and_parse_printed_form() {
        let r = RegisterRef::new(15, "01", 2026).unwrap();
        assert_eq!(r.to_string(), "Số: 15, Quyển số: 01/2026");
        assert_eq!(RegisterRef::parse("Số: 15, Quyển số: 01/2026").unwrap(), r);
        for variant in [
            "  số 15, quyển số 01/2026 ",
            "SỐ: 15, QUYỂN SỐ: 01 / 2026",
            "So: 15, Quyen so: 01/2026",
            "Số:15,Quyển số:1/2026",
            "Số: 015, Quyển số: 001/2026",
        ] {
            assert_eq!(RegisterRef::parse(variant).unwrap(), r, "{variant}");
        }
        let nfd: String = "Số: 15, Quyển số: 01/2026".nfd().collect();
        assert_eq!(RegisterRef::parse(&nfd).unwrap(), r);
    }

    /// TT04-24 footnote example: "Giấy khai sinh số 01/2014, quyển số 02".
    #[test]
    fn parse_number_year_with_book() {
        let r = RegisterRef::parse_number_year("01/2014", "02").unwrap();
        assert_eq!(r, RegisterRef::new(1, "02", 2014).unwrap());
        assert_eq!(r.to_string(), "Số: 1, Quyển số: 02/2014");
        assert_eq!(
            RegisterRef::parse_number_year(" 15 / 2026 ", "1")
                .unwrap()
                .book,
            "01"
        );
        assert_eq!(
            RegisterRef::parse_number_year("15-2026", "01")
                .unwrap_err()
                .code(),
            "register_ref_bad_format"
        );
        assert_eq!(
            RegisterRef::parse_number_year("15/26", "01")
                .unwrap_err()
                .code(),
            "register_ref_bad_format"
        );
    }

    #[test]
    fn invalid_parts() {
        assert_eq!(
            RegisterRef::new(0, "01", 2026).unwrap_err().code(),
            "register_ref_number_invalid"
        );
        for book in ["", "0", "00", "A1", "1234567", "01/2"] {
            assert_eq!(
                RegisterRef::new(1, book, 2026).unwrap_err().code(),
                "register_ref_book_invalid",
                "{book}"
            );
        }
        assert_eq!(RegisterRef::new(1, "123", 2026).unwrap().book, "123");
        assert_eq!(
            RegisterRef::new(1, "01", 999).unwrap_err().code(),
            "register_ref_year_invalid"
        );
        for bad in [
            "",
            "15/2026",
            "Số: , Quyển số: 01/2026",
            "Số: 15, Quyển số: 01",
            "Số: 15, Quyển số: 01/2026 x",
            "Số: 15 Quyển 01/2026",
            "Số: 15, Quyển số: 01/20266",
        ] {
            assert_eq!(
                RegisterRef::parse(bad).unwrap_err().code(),
                "register_ref_bad_format",
                "{bad}"
            );
        }
        assert_eq!(
            RegisterRef::parse("Số: 0, Quyển số: 01/2026")
                .unwrap_err()
                .code(),
            "register_ref_number_invalid"
        );
    }

    #[test]
    fn serde_validates() {
        let r = RegisterRef::new(15, "1", 2026).unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"{"number":15,"book":"01","year":2026}"#);
        assert_eq!(serde_json::from_str::<RegisterRef>(&json).unwrap(), r);
        assert!(
            serde_json::from_str::<RegisterRef>(r#"{"number":0,"book":"01","year":2026}"#).is_err()
        );
    }

    /// Luật Hộ tịch 2014, Điều 58: one book per type of event.
    #[test]
    fn book_kinds() {
        let mut codes: Vec<&str> = RegisterBookKind::ALL.iter().map(|k| k.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RegisterBookKind::ALL.len());
        for k in RegisterBookKind::ALL {
            assert_eq!(RegisterBookKind::parse(k.code()).unwrap(), k);
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.code())
            );
            assert_eq!(k.name_vi(), nfc(k.name_vi()));
            assert!(k.name_vi().starts_with("Sổ "));
        }
        assert_eq!(RegisterBookKind::Birth.name_vi(), "Sổ đăng ký khai sinh");
        assert_eq!(
            RegisterBookKind::for_event(CivilEvent::Death),
            RegisterBookKind::Death
        );
        let e = RegisterBookKind::parse("adoption").unwrap_err();
        assert_eq!(e.code(), "register_book_kind_unknown");
        assert!(e.message_vi().contains("birth"));
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(number in 1u32..=u32::MAX, book in 1u32..999_999, year in 1000i32..=9999) {
            let r = RegisterRef::new(number, &book.to_string(), year).unwrap();
            prop_assert_eq!(RegisterRef::parse(&r.to_string()).unwrap(), r.clone());
            prop_assert_eq!(
                RegisterRef::parse_number_year(&format!("{}/{}", r.number, r.year), &r.book).unwrap(),
                r
            );
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = RegisterRef::parse(&s);
            let _ = RegisterRef::parse_number_year(&s, "01");
        }
    }
}

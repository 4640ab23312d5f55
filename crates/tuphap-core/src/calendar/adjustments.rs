//! Government-decided adjustments to the working calendar, kept as editable data.
//!
//! Each year the Prime Minister fixes the exact days of Tết and of the National Day holiday
//! (Labour Code 2019, Art. 112(3)) and often approves swapping a working day with a Saturday to
//! bridge a holiday. These decisions are data, in `data/calendar/days_off_adjustments.csv`
//! (columns `date,kind,name_vi,legal_basis`), embedded at build time; an administrator can supply
//! an edited table through [`parse_adjustments_csv`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::dates::{format_vn, iso_date, parse_date};
use crate::error::Coded;
use crate::text::VnText;

/// What an adjustment does to its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    /// The date is a day off. If `name_vi` is the name of a statutory holiday (see
    /// [`super::Holiday::from_name`]), the row is a day *of that holiday* and the rows with that
    /// name in that year replace the computed days of the holiday (and a weekend day among them
    /// gives a compensatory day). Otherwise it is an extra day off (e.g. a swapped working day),
    /// without compensation.
    DayOff,
    /// The date is a working day, whatever else applies (e.g. a Saturday worked in exchange for a
    /// bridged day off).
    WorkingDay,
}

impl AdjustmentKind {
    /// The identifier used in the CSV: `day_off` or `working_day`.
    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentKind::DayOff => "day_off",
            AdjustmentKind::WorkingDay => "working_day",
        }
    }

    /// Parses `day_off` / `working_day` (case-insensitive).
    pub fn parse(s: &str) -> Option<AdjustmentKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day_off" => Some(AdjustmentKind::DayOff),
            "working_day" => Some(AdjustmentKind::WorkingDay),
            _ => None,
        }
    }
}

/// One government-decided change to the default calendar.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DayAdjustment {
    /// The date concerned (serialised `YYYY-MM-DD`).
    #[serde(with = "iso_date")]
    pub date: Date,
    pub kind: AdjustmentKind,
    /// Vietnamese name of the day, e.g. "Tết Nguyên đán", "Nghỉ hoán đổi dịp 30/4 – 1/5",
    /// "Làm bù cho ngày 02/5/2025".
    pub name_vi: String,
    /// The decision or notice it is based on, if known.
    pub legal_basis: Option<String>,
}

/// A problem in an adjustments table, with the 1-based line number in the CSV text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdjustmentsError {
    #[error("line {line}: malformed CSV: {detail}")]
    Csv { line: u64, detail: String },
    #[error("missing column {column}")]
    MissingColumn { column: &'static str },
    #[error("line {line}: bad date {value:?}")]
    BadDate { line: u64, value: String },
    #[error("line {line}: bad kind {value:?}")]
    BadKind { line: u64, value: String },
    #[error("line {line}: empty name")]
    EmptyName { line: u64 },
    #[error("line {line}: date {date} listed twice")]
    DuplicateDate { line: u64, date: Date },
}

impl Coded for AdjustmentsError {
    fn code(&self) -> &'static str {
        match self {
            AdjustmentsError::Csv { .. } => "calendar_adjustments_csv",
            AdjustmentsError::MissingColumn { .. } => "calendar_adjustments_missing_column",
            AdjustmentsError::BadDate { .. } => "calendar_adjustment_bad_date",
            AdjustmentsError::BadKind { .. } => "calendar_adjustment_bad_kind",
            AdjustmentsError::EmptyName { .. } => "calendar_adjustment_empty_name",
            AdjustmentsError::DuplicateDate { .. } => "calendar_adjustment_duplicate_date",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            AdjustmentsError::Csv { line, detail } => {
                format!("Bảng điều chỉnh lịch nghỉ bị lỗi định dạng CSV ở dòng {line} ({detail}).")
            }
            AdjustmentsError::MissingColumn { column } => format!(
                "Bảng điều chỉnh lịch nghỉ thiếu cột \u{201c}{column}\u{201d} (cần các cột \
                 date, kind, name_vi, legal_basis)."
            ),
            AdjustmentsError::BadDate { line, value } => format!(
                "Dòng {line}: ngày \u{201c}{value}\u{201d} không hợp lệ (định dạng YYYY-MM-DD, \
                 ví dụ 2026-01-31)."
            ),
            AdjustmentsError::BadKind { line, value } => format!(
                "Dòng {line}: loại \u{201c}{value}\u{201d} không hợp lệ (dùng day_off cho ngày \
                 nghỉ hoặc working_day cho ngày làm việc)."
            ),
            AdjustmentsError::EmptyName { line } => {
                format!("Dòng {line}: chưa nhập tên ngày (cột name_vi).")
            }
            AdjustmentsError::DuplicateDate { line, date } => format!(
                "Dòng {line}: ngày {} đã có ở một dòng trước.",
                format_vn(*date)
            ),
        }
    }
}

/// Parses an adjustments table: a header row with the columns `date`, `kind`, `name_vi` and
/// `legal_basis` (in any order; other columns are ignored), then one row per date. Dates are
/// `YYYY-MM-DD`, kinds `day_off` / `working_day`, names are NFC-normalised, an empty
/// `legal_basis` means none. A date may appear only once.
pub fn parse_adjustments_csv(text: &str) -> Result<Vec<DayAdjustment>, AdjustmentsError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| AdjustmentsError::Csv {
            line: 1,
            detail: e.to_string(),
        })?
        .clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or(AdjustmentsError::MissingColumn { column: name })
    };
    let (c_date, c_kind, c_name, c_basis) = (
        column("date")?,
        column("kind")?,
        column("name_vi")?,
        column("legal_basis")?,
    );

    let mut seen: BTreeMap<Date, u64> = BTreeMap::new();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| AdjustmentsError::Csv {
            line: e.position().map_or(0, |p| p.line()),
            detail: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let date = parse_date(field(c_date)).map_err(|_| AdjustmentsError::BadDate {
            line,
            value: field(c_date).to_string(),
        })?;
        let kind =
            AdjustmentKind::parse(field(c_kind)).ok_or_else(|| AdjustmentsError::BadKind {
                line,
                value: field(c_kind).to_string(),
            })?;
        let name_vi = VnText::new(field(c_name)).into_string();
        if name_vi.is_empty() {
            return Err(AdjustmentsError::EmptyName { line });
        }
        let basis = VnText::new(field(c_basis)).into_string();
        if seen.insert(date, line).is_some() {
            return Err(AdjustmentsError::DuplicateDate { line, date });
        }
        out.push(DayAdjustment {
            date,
            kind,
            name_vi,
            legal_basis: (!basis.is_empty()).then_some(basis),
        });
    }
    Ok(out)
}

const ADJUSTMENTS_CSV: &str = include_str!("../../../../data/calendar/days_off_adjustments.csv");

static DEFAULT_ADJUSTMENTS: LazyLock<Result<Vec<DayAdjustment>, AdjustmentsError>> =
    LazyLock::new(|| parse_adjustments_csv(ADJUSTMENTS_CSV));

/// The adjustments shipped with the software (`data/calendar/days_off_adjustments.csv`). If the
/// embedded table were malformed this returns an empty list (a unit test guarantees it is not).
pub fn default_adjustments() -> Vec<DayAdjustment> {
    DEFAULT_ADJUSTMENTS.as_ref().cloned().unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn embedded_table_parses() {
        let parsed = parse_adjustments_csv(ADJUSTMENTS_CSV).unwrap();
        assert!(parsed.len() >= 30);
        assert_eq!(parsed, default_adjustments());
        for a in &parsed {
            assert!((2020..=2030).contains(&a.date.year()), "{a:?}");
            assert!(a.legal_basis.is_some(), "{a:?}");
        }
        // Every "working_day" row is a Saturday or Sunday.
        for a in parsed
            .iter()
            .filter(|a| a.kind == AdjustmentKind::WorkingDay)
        {
            assert!(matches!(
                a.date.weekday(),
                time::Weekday::Saturday | time::Weekday::Sunday
            ));
        }
    }

    #[test]
    fn parse_and_errors() {
        let ok = "kind,date,name_vi,legal_basis,note\n\
                  working_day,2030-01-05,Làm bù,,x\n\
                  \n\
                  DAY_OFF, 2030-01-07 ,Nghỉ  hoán đổi,\"QĐ 1, 2\",\n";
        let v = parse_adjustments_csv(ok).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].date, date!(2030 - 01 - 05));
        assert_eq!(v[0].legal_basis, None);
        assert_eq!(v[1].kind, AdjustmentKind::DayOff);
        assert_eq!(v[1].name_vi, "Nghỉ hoán đổi");
        assert_eq!(v[1].legal_basis.as_deref(), Some("QĐ 1, 2"));

        let e = parse_adjustments_csv("date,kind,name_vi\n").unwrap_err();
        assert_eq!(e.code(), "calendar_adjustments_missing_column");
        let e = parse_adjustments_csv("date,kind,name_vi,legal_basis\n2030-02-30,day_off,X,\n")
            .unwrap_err();
        assert_eq!(
            e,
            AdjustmentsError::BadDate {
                line: 2,
                value: "2030-02-30".to_string()
            }
        );
        assert!(e.message_vi().starts_with("Dòng 2:"));
        let e = parse_adjustments_csv("date,kind,name_vi,legal_basis\n2030-02-03,holiday,X,\n")
            .unwrap_err();
        assert_eq!(e.code(), "calendar_adjustment_bad_kind");
        let e = parse_adjustments_csv("date,kind,name_vi,legal_basis\n2030-02-03,day_off, ,\n")
            .unwrap_err();
        assert_eq!(e.code(), "calendar_adjustment_empty_name");
        let e = parse_adjustments_csv(
            "date,kind,name_vi,legal_basis\n2030-02-03,day_off,X,\n2030-02-03,working_day,Y,\n",
        )
        .unwrap_err();
        assert_eq!(
            e,
            AdjustmentsError::DuplicateDate {
                line: 3,
                date: date!(2030 - 02 - 03)
            }
        );
        assert_eq!(
            e.message_vi(),
            "Dòng 3: ngày 03/02/2030 đã có ở một dòng trước."
        );
    }

    #[test]
    fn serde_round_trip() {
        let a = DayAdjustment {
            date: date!(2026 - 01 - 10),
            kind: AdjustmentKind::WorkingDay,
            name_vi: "Làm bù".to_string(),
            legal_basis: None,
        };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            json,
            r#"{"date":"2026-01-10","kind":"working_day","name_vi":"Làm bù","legal_basis":null}"#
        );
        assert_eq!(serde_json::from_str::<DayAdjustment>(&json).unwrap(), a);
    }
}

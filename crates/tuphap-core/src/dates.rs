//! Civil dates in Vietnam: the UTC+7 civil day, strict ISO parsing for the API, and the
//! `dd/mm/yyyy` form used on paper and in forms.

use std::fmt;

use time::{Date, Month, OffsetDateTime, UtcOffset};

use crate::error::Coded;

/// Vietnam's civil time: UTC+7 all year (no daylight saving time).
pub const VN_OFFSET: UtcOffset = time::macros::offset!(+7);

/// Today's date in Vietnam, from the system clock.
pub fn vn_today() -> Date {
    vn_today_at(OffsetDateTime::now_utc())
}

/// The date in Vietnam at the instant `now` (whatever offset `now` carries).
pub fn vn_today_at(now: OffsetDateTime) -> Date {
    now.to_offset(VN_OFFSET).date()
}

/// Which textual date format was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateFormat {
    /// `YYYY-MM-DD` (API, storage).
    Iso,
    /// `dd/mm/yyyy` (forms, printed documents).
    Vn,
}

impl DateFormat {
    fn pattern(self) -> &'static str {
        match self {
            DateFormat::Iso => "YYYY-MM-DD",
            DateFormat::Vn => "dd/mm/yyyy",
        }
    }

    fn example(self) -> &'static str {
        match self {
            DateFormat::Iso => "2026-01-31",
            DateFormat::Vn => "31/01/2026",
        }
    }
}

/// A text that is not a valid date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text does not have the expected shape.
    #[error("date {input:?} is not in the format {}", expected.pattern())]
    Format { input: String, expected: DateFormat },
    /// The shape is right but there is no such day (e.g. 2026-02-30, 2025-13-01).
    #[error("{year:04}-{month:02}-{day:02} is not a calendar date")]
    NotACalendarDate { year: i32, month: u8, day: u8 },
}

impl Coded for DateError {
    fn code(&self) -> &'static str {
        match self {
            DateError::Format { .. } => "date_bad_format",
            DateError::NotACalendarDate { .. } => "date_invalid",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            DateError::Format { input, expected } => format!(
                "Ngày \u{201c}{}\u{201d} không đúng định dạng {} (ví dụ {}).",
                input.trim(),
                expected.pattern(),
                expected.example()
            ),
            DateError::NotACalendarDate { year, month, day } => {
                format!("Ngày {day:02}/{month:02}/{year:04} không tồn tại.")
            }
        }
    }
}

/// Builds a date from numbers already known to be in range of their digit count.
fn calendar_date(year: i32, month: u8, day: u8) -> Result<Date, DateError> {
    let invalid = DateError::NotACalendarDate { year, month, day };
    if year < 1 {
        return Err(invalid);
    }
    let m = Month::try_from(month).map_err(|_| invalid.clone())?;
    Date::from_calendar_date(year, m, day).map_err(|_| invalid)
}

/// Parses a run of ASCII digits (1 to 4 of them) into a number.
fn digits(s: &str, min_len: usize, max_len: usize) -> Option<u32> {
    if s.len() < min_len || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses a strict ISO 8601 calendar date `YYYY-MM-DD` (exactly 4-2-2 digits; surrounding
/// whitespace is ignored, nothing else is accepted — no time, no offset, no `2026-1-5`).
pub fn parse_date(s: &str) -> Result<Date, DateError> {
    let format_err = || DateError::Format {
        input: s.to_string(),
        expected: DateFormat::Iso,
    };
    let t = s.trim();
    let mut parts = t.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format_err());
    };
    let (Some(y), Some(m), Some(d)) = (digits(y, 4, 4), digits(m, 2, 2), digits(d, 2, 2)) else {
        return Err(format_err());
    };
    // Each value has at most 4 digits, so the conversions cannot fail.
    calendar_date(y as i32, m as u8, d as u8)
}

/// Formats a date the Vietnamese way, `dd/mm/yyyy` (e.g. `05/01/2026`).
pub fn format_vn(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// Formats a date as in the dateline of an administrative document: `ngày 05 tháng 01 năm 2026`.
/// Following Decree 30/2020/NĐ-CP (Appendix I), days below 10 and the months 1 and 2 get a leading
/// zero; other months do not (`ngày 15 tháng 3 năm 2026`).
pub fn format_vn_long(d: Date) -> String {
    let month = u8::from(d.month());
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    format!("ngày {:02} tháng {month} năm {}", d.day(), d.year())
}

/// Parses a date written the Vietnamese way, `dd/mm/yyyy`. For convenience in forms the day and
/// month may have one or two digits (`5/1/2026`); the year must have four. Surrounding whitespace
/// is ignored.
pub fn parse_vn(s: &str) -> Result<Date, DateError> {
    let format_err = || DateError::Format {
        input: s.to_string(),
        expected: DateFormat::Vn,
    };
    let t = s.trim();
    let mut parts = t.split('/');
    let (Some(d), Some(m), Some(y), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format_err());
    };
    let (Some(d), Some(m), Some(y)) = (digits(d, 1, 2), digits(m, 1, 2), digits(y, 4, 4)) else {
        return Err(format_err());
    };
    calendar_date(y as i32, m as u8, d as u8)
}

/// A date shown as `dd/mm/yyyy` (wrapper for `format!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VnDate(pub Date);

impl fmt::Display for VnDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_vn(self.0))
    }
}

/// Serde helpers that (de)serialise a [`Date`] as an ISO `YYYY-MM-DD` string, for use with
/// `#[serde(with = "tuphap_core::dates::iso_date")]`. (The `time` crate's own serde format is
/// not a string unless its `serde-human-readable` feature is on.)
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    /// Serialises as `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(d: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!(
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        ))
    }

    /// Deserialises from `YYYY-MM-DD` via [`super::parse_date`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let s = String::deserialize(deserializer)?;
        super::parse_date(&s).map_err(serde::de::Error::custom)
    }

    /// The same for `Option<Date>` (`null` ↔ `None`).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::Date;

        pub fn serialize<S: Serializer>(
            d: &Option<Date>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => super::serialize(d, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Date>, D::Error> {
            match Option::<String>::deserialize(deserializer)? {
                Some(s) => super::super::parse_date(&s)
                    .map(Some)
                    .map_err(serde::de::Error::custom),
                None => Ok(None),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    #[test]
    fn vietnam_day_boundary() {
        assert_eq!(
            vn_today_at(datetime!(2026-01-01 18:00 UTC)),
            date!(2026 - 01 - 02)
        );
        assert_eq!(
            vn_today_at(datetime!(2026-01-01 16:59:59 UTC)),
            date!(2026 - 01 - 01)
        );
        assert_eq!(
            vn_today_at(datetime!(2026-01-01 17:00 UTC)),
            date!(2026 - 01 - 02)
        );
        assert_eq!(
            vn_today_at(datetime!(2026-01-02 00:30 +7)),
            date!(2026 - 01 - 02)
        );
        assert_eq!(VN_OFFSET.whole_hours(), 7);
        // Smoke test of the clock-based variant.
        let today = vn_today();
        assert!(today.year() >= 2025);
    }

    #[test]
    fn parse_iso() {
        assert_eq!(parse_date("2026-01-31").unwrap(), date!(2026 - 01 - 31));
        assert_eq!(parse_date(" 2024-02-29 ").unwrap(), date!(2024 - 02 - 29));
        for bad in [
            "",
            "2026-1-31",
            "26-01-31",
            "2026/01/31",
            "31/01/2026",
            "2026-01-31T00:00",
            "2026-01-31-01",
            "+2026-01-31",
            "2026-0a-31",
            "２０２６-01-31",
        ] {
            let e = parse_date(bad).unwrap_err();
            assert_eq!(e.code(), "date_bad_format", "{bad}");
            assert!(e.message_vi().contains("YYYY-MM-DD"));
            assert!(e.message_vi().contains("2026-01-31"));
        }
    }

    #[test]
    fn not_a_calendar_date() {
        let e = parse_date("2026-02-30").unwrap_err();
        assert_eq!(e.code(), "date_invalid");
        assert_eq!(e.message_vi(), "Ngày 30/02/2026 không tồn tại.");
        assert_eq!(
            parse_date("2025-13-01").unwrap_err(),
            DateError::NotACalendarDate {
                year: 2025,
                month: 13,
                day: 1
            }
        );
        assert_eq!(parse_date("2025-02-29").unwrap_err().code(), "date_invalid");
        assert_eq!(parse_date("2025-01-00").unwrap_err().code(), "date_invalid");
        assert_eq!(parse_date("0000-01-01").unwrap_err().code(), "date_invalid");
    }

    #[test]
    fn vn_format() {
        assert_eq!(format_vn(date!(2026 - 01 - 05)), "05/01/2026");
        assert_eq!(VnDate(date!(2026 - 12 - 31)).to_string(), "31/12/2026");
        assert_eq!(parse_vn("05/01/2026").unwrap(), date!(2026 - 01 - 05));
        assert_eq!(parse_vn("5/1/2026").unwrap(), date!(2026 - 01 - 05));
        assert_eq!(parse_vn("29/02/2024").unwrap(), date!(2024 - 02 - 29));
        let e = parse_vn("29/02/2025").unwrap_err();
        assert_eq!(e.message_vi(), "Ngày 29/02/2025 không tồn tại.");
        let e = parse_vn("2026-01-05").unwrap_err();
        assert_eq!(e.code(), "date_bad_format");
        assert!(e.message_vi().contains("dd/mm/yyyy"));
        assert_eq!(parse_vn("05/01/26").unwrap_err().code(), "date_bad_format");
        assert_eq!(
            parse_vn("005/01/2026").unwrap_err().code(),
            "date_bad_format"
        );
    }

    #[test]
    fn long_format() {
        assert_eq!(
            format_vn_long(date!(2026 - 01 - 05)),
            "ngày 05 tháng 01 năm 2026"
        );
        assert_eq!(
            format_vn_long(date!(2026 - 03 - 15)),
            "ngày 15 tháng 3 năm 2026"
        );
        assert_eq!(
            format_vn_long(date!(2026 - 02 - 28)),
            "ngày 28 tháng 02 năm 2026"
        );
    }

    #[test]
    fn serde_helpers() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct S {
            #[serde(with = "iso_date")]
            d: Date,
            #[serde(with = "iso_date::option")]
            o: Option<Date>,
        }
        let s = S {
            d: date!(2026 - 02 - 17),
            o: None,
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"d":"2026-02-17","o":null}"#);
        assert_eq!(serde_json::from_str::<S>(&json).unwrap(), s);
        let s2: S = serde_json::from_str(r#"{"d":"2026-02-17","o":"2026-02-18"}"#).unwrap();
        assert_eq!(s2.o, Some(date!(2026 - 02 - 18)));
        assert!(serde_json::from_str::<S>(r#"{"d":"2026-02-30","o":null}"#).is_err());
    }

    proptest! {
        #[test]
        fn round_trips(days in 0i32..200_000) {
            let d = Date::from_julian_day(date!(1800 - 01 - 01).to_julian_day() + days).unwrap();
            prop_assert_eq!(parse_vn(&format_vn(d)).unwrap(), d);
            let iso = format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
            prop_assert_eq!(parse_date(&iso).unwrap(), d);
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = parse_date(&s);
            let _ = parse_vn(&s);
        }
    }
}

//! A person's marital status derived from what the registry holds, and the sentence a
//! Giấy xác nhận tình trạng hôn nhân certifies (Nghị định 123/2015/NĐ-CP Điều 21–23).
//!
//! Sources of the rules:
//! * a marriage exists from its registration (Luật Hôn nhân và gia đình 2014, Điều 9);
//! * it ends when a spouse dies, from the day of death (Điều 65), or by divorce from the day the
//!   court's judgment or decision takes effect (Điều 57.1);
//! * an annulled unlawful marriage (Điều 11–12) leaves the parties as if not married to each other;
//! * a certificate for marrying is refused while the person has a spouse (Điều 5.2c, monogamy),
//!   and is valid 6 months for its stated purpose only (NĐ 123/2015 Điều 22.6, 23).
//!
//! Choices where the sources are silent:
//! * A person with no marriage in the registry is `Unknown` from 18 on (marriages registered
//!   before the electronic registry may be missing), `Single` below; the certificate then says
//!   what the registry knows: "Chưa đăng ký kết hôn với ai" according to the registry.
//! * After several ended marriages, the status follows the one that ended last.

use serde::Serialize;
use time::{Date, Month};

use crate::dates::format_vn;

/// The marital status the registry can derive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MaritalStatus {
    Single,
    Married,
    Divorced,
    Widowed,
    Deceased,
    Unknown,
}

impl MaritalStatus {
    pub fn code(self) -> &'static str {
        match self {
            MaritalStatus::Single => "single",
            MaritalStatus::Married => "married",
            MaritalStatus::Divorced => "divorced",
            MaritalStatus::Widowed => "widowed",
            MaritalStatus::Deceased => "deceased",
            MaritalStatus::Unknown => "unknown",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            MaritalStatus::Single => "Chưa kết hôn",
            MaritalStatus::Married => "Đang có vợ hoặc chồng",
            MaritalStatus::Divorced => "Đã ly hôn",
            MaritalStatus::Widowed => "Vợ hoặc chồng đã chết",
            MaritalStatus::Deceased => "Đã chết",
            MaritalStatus::Unknown => "Chưa có đăng ký kết hôn trong sổ",
        }
    }
}

/// How a marriage ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum MarriageEnd {
    /// A court's judgment or decision recorded in the register (ghi vào sổ việc ly hôn, hủy
    /// kết hôn): `decision` as it is cited, e.g. "Bản án số 12/2020/HNGĐ-ST ngày 01/06/2020 của
    /// Tòa án nhân dân huyện Gia Lâm".
    CourtDecision {
        record_id: i64,
        on: Date,
        annulment: bool,
        decision: String,
    },
    /// The spouse's death is registered.
    SpouseDeath { on: Date },
}

impl MarriageEnd {
    pub fn on(&self) -> Date {
        match self {
            MarriageEnd::CourtDecision { on, .. } | MarriageEnd::SpouseDeath { on } => *on,
        }
    }
}

/// One registered marriage of the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarriageFact {
    pub record_id: i64,
    pub registered_on: Date,
    /// The spouse's full name.
    pub spouse: String,
    /// As printed: "Số: 3, Quyển số: 01/2015".
    pub register: Option<String>,
    pub office_name: String,
    pub end: Option<MarriageEnd>,
}

/// The derived status, the sentence a certificate prints, and the records it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DerivedStatus {
    pub status: MaritalStatus,
    /// The certified sentence, e.g. "Chưa đăng ký kết hôn với ai."
    pub sentence: String,
    /// The registry records the status comes from (marriages, recorded decisions).
    pub based_on: Vec<i64>,
}

/// Derives the status on `today` from the person's registered marriages (any order).
pub fn derive_marital_status(
    date_of_birth: Option<Date>,
    date_of_death: Option<Date>,
    marriages: &[MarriageFact],
    today: Date,
) -> DerivedStatus {
    let mut ms: Vec<&MarriageFact> = marriages.iter().collect();
    ms.sort_by_key(|m| (m.registered_on, m.record_id));
    let mut based_on = Vec::new();
    for m in &ms {
        based_on.push(m.record_id);
        if let Some(MarriageEnd::CourtDecision { record_id, .. }) = &m.end {
            based_on.push(*record_id);
        }
    }
    let parts: Vec<String> = ms.iter().map(|m| describe(m)).collect();
    let history = parts.join("; ");
    if let Some(d) = date_of_death {
        return DerivedStatus {
            status: MaritalStatus::Deceased,
            sentence: format!("Đã chết ngày {}.", format_vn(d)),
            based_on,
        };
    }
    if ms.iter().any(|m| m.end.is_none()) {
        return DerivedStatus {
            status: MaritalStatus::Married,
            sentence: format!("{}; hiện đang có vợ hoặc chồng.", upper_first(&history)),
            based_on,
        };
    }
    let last_end = ms
        .iter()
        .filter_map(|m| m.end.as_ref())
        .max_by_key(|e| e.on());
    let status = match last_end {
        None => {
            let adult = date_of_birth.is_some_and(|d| crate::civil::full_years(d, today) >= 18);
            return DerivedStatus {
                status: if adult {
                    MaritalStatus::Unknown
                } else {
                    MaritalStatus::Single
                },
                sentence: "Chưa đăng ký kết hôn với ai.".into(),
                based_on,
            };
        }
        Some(MarriageEnd::CourtDecision {
            annulment: true, ..
        }) => MaritalStatus::Single,
        Some(MarriageEnd::CourtDecision { .. }) => MaritalStatus::Divorced,
        Some(MarriageEnd::SpouseDeath { .. }) => MaritalStatus::Widowed,
    };
    DerivedStatus {
        status,
        sentence: format!("{}; hiện không có vợ hoặc chồng.", upper_first(&history)),
        based_on,
    }
}

fn describe(m: &MarriageFact) -> String {
    let register = m
        .register
        .as_deref()
        .map(|r| format!(", {r}"))
        .unwrap_or_default();
    let married = format!(
        "đã đăng ký kết hôn với {} ngày {} tại {}{register}",
        m.spouse,
        format_vn(m.registered_on),
        m.office_name
    );
    match &m.end {
        None => married,
        Some(MarriageEnd::CourtDecision {
            annulment: false,
            on,
            decision,
            ..
        }) => format!(
            "{married}, đã ly hôn theo {decision} (có hiệu lực từ ngày {})",
            format_vn(*on)
        ),
        Some(MarriageEnd::CourtDecision {
            annulment: true,
            on,
            decision,
            ..
        }) => format!(
            "{married}, việc kết hôn đã bị hủy theo {decision} (có hiệu lực từ ngày {})",
            format_vn(*on)
        ),
        Some(MarriageEnd::SpouseDeath { on }) => {
            format!("{married}; {} đã chết ngày {}", m.spouse, format_vn(*on))
        }
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The last day a marital-status certificate issued on `issued` may be used: 6 months from the
/// issue date (NĐ 123/2015 Điều 23), counted as BLDS 2015 Điều 147–148 count months: the issue
/// day is not counted and the period ends with the same day number 6 months later, or with the
/// last day of that month when it has no such day.
pub fn certificate_valid_until(issued: Date) -> Date {
    let (mut year, mut month) = (issued.year(), u8::from(issued.month()) + 6);
    if month > 12 {
        month -= 12;
        year += 1;
    }
    let month = Month::try_from(month).unwrap_or(Month::December);
    Date::from_calendar_date(year, month, issued.day().min(month.length(year))).unwrap_or(issued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn marriage(id: i64, on: Date, end: Option<MarriageEnd>) -> MarriageFact {
        MarriageFact {
            record_id: id,
            registered_on: on,
            spouse: "Trần Văn Bình".into(),
            register: Some("Số: 3, Quyển số: 01/2015".into()),
            office_name: "UBND xã Bát Tràng".into(),
            end,
        }
    }

    const TODAY: Date = date!(2026 - 11 - 27);

    #[test]
    fn no_marriage_adult_is_unknown_and_certifies_none_registered() {
        let d = derive_marital_status(Some(date!(1995 - 01 - 01)), None, &[], TODAY);
        assert_eq!(d.status, MaritalStatus::Unknown);
        assert_eq!(d.sentence, "Chưa đăng ký kết hôn với ai.");
        let d = derive_marital_status(Some(date!(2015 - 01 - 01)), None, &[], TODAY);
        assert_eq!(d.status, MaritalStatus::Single);
    }

    #[test]
    fn hngd_9_registered_marriage_is_current() {
        let d = derive_marital_status(
            None,
            None,
            &[marriage(7, date!(2015 - 03 - 02), None)],
            TODAY,
        );
        assert_eq!(d.status, MaritalStatus::Married);
        assert!(
            d.sentence
                .starts_with("Đã đăng ký kết hôn với Trần Văn Bình ngày 02/03/2015")
        );
        assert!(d.sentence.ends_with("hiện đang có vợ hoặc chồng."));
        assert_eq!(d.based_on, vec![7]);
    }

    #[test]
    fn hngd_57_recorded_divorce_ends_it() {
        let end = MarriageEnd::CourtDecision {
            record_id: 9,
            on: date!(2020 - 06 - 16),
            annulment: false,
            decision: "Bản án số 12/2020/HNGĐ-ST ngày 01/06/2020 của Tòa án nhân dân huyện Gia Lâm"
                .into(),
        };
        let d = derive_marital_status(
            None,
            None,
            &[marriage(7, date!(2015 - 03 - 02), Some(end))],
            TODAY,
        );
        assert_eq!(d.status, MaritalStatus::Divorced);
        assert!(
            d.sentence
                .contains("đã ly hôn theo Bản án số 12/2020/HNGĐ-ST")
        );
        assert!(d.sentence.contains("có hiệu lực từ ngày 16/06/2020"));
        assert!(d.sentence.ends_with("hiện không có vợ hoặc chồng."));
        assert_eq!(d.based_on, vec![7, 9]);
    }

    #[test]
    fn hngd_65_spouse_death_widows_and_a_later_marriage_counts() {
        let first = marriage(
            1,
            date!(2000 - 01 - 10),
            Some(MarriageEnd::SpouseDeath {
                on: date!(2010 - 05 - 01),
            }),
        );
        let d = derive_marital_status(None, None, std::slice::from_ref(&first), TODAY);
        assert_eq!(d.status, MaritalStatus::Widowed);
        assert!(d.sentence.contains("Trần Văn Bình đã chết ngày 01/05/2010"));
        let second = marriage(2, date!(2012 - 02 - 02), None);
        let d = derive_marital_status(None, None, &[second, first], TODAY);
        assert_eq!(d.status, MaritalStatus::Married);
        // Oldest first.
        assert!(d.sentence.find("10/01/2000") < d.sentence.find("02/02/2012"));
    }

    #[test]
    fn hngd_12_annulment_leaves_the_person_unmarried() {
        let end = MarriageEnd::CourtDecision {
            record_id: 4,
            on: date!(2019 - 01 - 01),
            annulment: true,
            decision: "Quyết định số 5/2018/QĐ-TA".into(),
        };
        let d = derive_marital_status(
            None,
            None,
            &[marriage(3, date!(2018 - 01 - 01), Some(end))],
            TODAY,
        );
        assert_eq!(d.status, MaritalStatus::Single);
        assert!(
            d.sentence
                .contains("việc kết hôn đã bị hủy theo Quyết định số 5/2018/QĐ-TA")
        );
    }

    #[test]
    fn death_overrides_everything() {
        let d = derive_marital_status(
            None,
            Some(date!(2024 - 02 - 29)),
            &[marriage(7, date!(2015 - 03 - 02), None)],
            TODAY,
        );
        assert_eq!(d.status, MaritalStatus::Deceased);
        assert_eq!(d.sentence, "Đã chết ngày 29/02/2024.");
    }

    #[test]
    fn nd123_23_valid_six_months() {
        assert_eq!(
            certificate_valid_until(date!(2026 - 11 - 27)),
            date!(2027 - 05 - 27)
        );
        assert_eq!(
            certificate_valid_until(date!(2026 - 01 - 15)),
            date!(2026 - 07 - 15)
        );
        // No 31 June: the period ends with the month (BLDS Đ.148).
        assert_eq!(
            certificate_valid_until(date!(2026 - 12 - 31)),
            date!(2027 - 06 - 30)
        );
        assert_eq!(
            certificate_valid_until(date!(2027 - 08 - 31)),
            date!(2028 - 02 - 29)
        );
    }
}

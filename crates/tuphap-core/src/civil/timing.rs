//! Dates of civil events: statutory registration deadlines and late flags, ages in full years,
//! and partially known dates (year only, year and month).
//!
//! * Birth: "Trong thời hạn 60 ngày kể từ ngày sinh con, cha hoặc mẹ có trách nhiệm đăng ký khai
//!   sinh cho con" (Luật Hộ tịch 2014, Điều 15 khoản 1).
//! * Death: "Trong thời hạn 15 ngày kể từ ngày có người chết …" (Luật Hộ tịch 2014, Điều 33
//!   khoản 1).
//! * Counting (Bộ luật Dân sự 2015, applicable since the Luật Hộ tịch sets no method of its own,
//!   Điều 145 khoản 1): the day of the event is not counted (Điều 147 khoản 3), a period in days
//!   ends at the end of its last day (Điều 148 khoản 1, 6), and when the last day is a weekend or
//!   holiday the period ends at the end of the next working day (Điều 148 khoản 5). So the
//!   deadline of a birth on 1 January is 2 March (1 Jan + 60 days), moved to the next working day
//!   if 2 March is a day off.
//!
//! A registration after the deadline is **allowed**: it is flagged (`late`, with a coded warning)
//! and not refused. Late birth registration carries no administrative penalty (NĐ 82/2020 Đ.37
//! lists none) but loses the fee exemption of on-time registration (Luật Hộ tịch 2014, Điều 11).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Duration, Month};

use super::CivilEvent;
use crate::calendar::WorkingCalendar;
use crate::dates::{VnDate, iso_date};
use crate::error::Coded;

/// Days allowed to register a birth (Luật Hộ tịch 2014, Điều 15 khoản 1).
pub const BIRTH_REGISTRATION_DAYS: u16 = 60;
/// Days allowed to register a death (Luật Hộ tịch 2014, Điều 33 khoản 1).
pub const DEATH_REGISTRATION_DAYS: u16 = 15;

/// The last day of a period of `days` days that starts with an event on `event_day`: the event day
/// is not counted (BLDS 2015 Đ.147.3), so the period's last day is `event_day + days`; if that day
/// is not a working day, the period ends on the next working day (BLDS 2015 Đ.148.5).
/// Saturates at the last representable date.
pub fn statutory_deadline(event_day: Date, days: u16, calendar: &WorkingCalendar) -> Date {
    let last = event_day
        .checked_add(Duration::days(i64::from(days)))
        .unwrap_or(Date::MAX);
    if calendar.is_working_day(last) {
        last
    } else {
        calendar.add_working_days(last, 1)
    }
}

/// The day in `year` on which someone born on `birth` has a birthday. A birthday on 29 February
/// falls on **28 February** in common years (a documented choice, by analogy with BLDS 2015
/// Đ.148.3: a period whose last month has no corresponding day ends on that month's last day).
/// Saturates at the representable range.
pub fn anniversary(birth: Date, year: i32) -> Date {
    let year = year.clamp(Date::MIN.year(), Date::MAX.year());
    let month = birth.month();
    let day = birth.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(if year < birth.year() {
        Date::MIN
    } else {
        Date::MAX
    })
}

/// The first day on which someone born on `birth` is `years` full years old.
pub fn date_reaching_age(birth: Date, years: i32) -> Date {
    anniversary(birth, birth.year().saturating_add(years))
}

/// Age in full years on `on` ("đủ … tuổi"): the number of birthdays reached, the birthday itself
/// included (see [`anniversary`] for 29 February). Negative if `on` is before `birth`.
pub fn full_years(birth: Date, on: Date) -> i32 {
    let mut years = on.year() - birth.year();
    if on < anniversary(birth, on.year()) {
        years -= 1;
    }
    if on < birth { years.min(-1) } else { years }
}

/// Whether a registration was made within its statutory deadline, and the warnings to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeliness {
    pub event: CivilEvent,
    /// The day the statutory period counts from (the event, or for a death declared by a court
    /// the day the decision took effect).
    #[serde(with = "iso_date")]
    pub counted_from: Date,
    /// Length of the statutory period in days.
    pub statutory_days: u16,
    /// Last day of the period (after the working-day extension of BLDS 2015 Đ.148.5).
    #[serde(with = "iso_date")]
    pub deadline: Date,
    /// `registration_date > deadline`.
    pub late: bool,
    /// Calendar days after the deadline (0 when on time).
    pub days_late: u32,
    /// Coded warnings (empty when on time).
    pub warnings: Vec<CivilWarning>,
}

/// Something the officer should see that does not block the registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CivilWarning {
    /// Registered after the statutory period (allowed).
    RegistrationLate {
        event: CivilEvent,
        statutory_days: u16,
        #[serde(with = "iso_date")]
        deadline: Date,
        days_late: u32,
    },
}

impl Coded for CivilWarning {
    fn code(&self) -> &'static str {
        match self {
            CivilWarning::RegistrationLate { event, .. } => match event {
                CivilEvent::Birth => "birth_registration_late",
                CivilEvent::Death => "death_registration_late",
                CivilEvent::Marriage => "marriage_registration_late",
                CivilEvent::MaritalStatus => "marital_status_registration_late",
                CivilEvent::Guardianship => "guardianship_registration_late",
            },
        }
    }

    fn message_vi(&self) -> String {
        match self {
            CivilWarning::RegistrationLate {
                event,
                statutory_days,
                deadline,
                days_late,
            } => {
                // Marriage and marital status have no statutory period; their arms exist only
                // for exhaustiveness.
                let (from, article) = match event {
                    CivilEvent::Birth => ("ngày sinh", "Luật Hộ tịch 2014, Điều 15"),
                    CivilEvent::Death => ("ngày chết", "Luật Hộ tịch 2014, Điều 33"),
                    CivilEvent::Marriage | CivilEvent::MaritalStatus | CivilEvent::Guardianship => {
                        ("ngày sự kiện", "Luật Hộ tịch 2014")
                    }
                };
                format!(
                    "Đăng ký {} quá hạn: thời hạn {statutory_days} ngày kể từ {from} đã kết thúc \
                     ngày {} (quá {days_late} ngày; {article}). Việc đăng ký vẫn \
                     được thực hiện nhưng không được miễn lệ phí như đăng ký đúng hạn (Luật Hộ tịch \
                     2014, Điều 11).",
                    event.name_vi(),
                    VnDate(*deadline)
                )
            }
        }
    }
}

/// A date of a civil event that cannot be right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CivilDateError {
    /// The event is after today (Vietnam's civil day).
    #[error("the {event:?} date {date} is in the future (today is {today})")]
    EventInFuture {
        event: CivilEvent,
        #[serde(with = "iso_date")]
        date: Date,
        #[serde(with = "iso_date")]
        today: Date,
    },
    /// The registration date is after today.
    #[error("the registration date {registration} is in the future (today is {today})")]
    RegistrationInFuture {
        #[serde(with = "iso_date")]
        registration: Date,
        #[serde(with = "iso_date")]
        today: Date,
    },
    /// The registration date is before the event it registers.
    #[error("the registration date {registration} is before the {event:?} on {event_date}")]
    RegistrationBeforeEvent {
        event: CivilEvent,
        #[serde(with = "iso_date")]
        event_date: Date,
        #[serde(with = "iso_date")]
        registration: Date,
    },
    /// The date of death is before the (earliest possible) date of birth.
    #[error("the date of death {date_of_death} is before the date of birth {date_of_birth}")]
    DeathBeforeBirth {
        #[serde(with = "iso_date")]
        date_of_death: Date,
        date_of_birth: PartialDate,
    },
}

impl Coded for CivilDateError {
    fn code(&self) -> &'static str {
        match self {
            CivilDateError::EventInFuture { event, .. } => match event {
                CivilEvent::Birth => "birth_date_in_future",
                CivilEvent::Death => "death_date_in_future",
                CivilEvent::Marriage => "marriage_date_in_future",
                CivilEvent::MaritalStatus | CivilEvent::Guardianship => "date_in_future",
            },
            CivilDateError::RegistrationInFuture { .. } => "registration_date_in_future",
            CivilDateError::RegistrationBeforeEvent { event, .. } => match event {
                CivilEvent::Birth => "registration_before_birth",
                CivilEvent::Death => "registration_before_death",
                CivilEvent::Marriage => "registration_before_marriage",
                CivilEvent::MaritalStatus | CivilEvent::Guardianship => "registration_before_event",
            },
            CivilDateError::DeathBeforeBirth { .. } => "death_before_birth",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            CivilDateError::EventInFuture { event, date, today } => {
                let what = match event {
                    CivilEvent::Birth => "Ngày sinh",
                    CivilEvent::Death => "Ngày chết",
                    CivilEvent::Marriage => "Ngày kết hôn",
                    CivilEvent::MaritalStatus | CivilEvent::Guardianship => "Ngày yêu cầu",
                };
                format!(
                    "{what} {} ở trong tương lai (hôm nay là {}).",
                    VnDate(*date),
                    VnDate(*today)
                )
            }
            CivilDateError::RegistrationInFuture {
                registration,
                today,
            } => format!(
                "Ngày đăng ký {} ở trong tương lai (hôm nay là {}).",
                VnDate(*registration),
                VnDate(*today)
            ),
            CivilDateError::RegistrationBeforeEvent {
                event,
                event_date,
                registration,
            } => {
                let what = match event {
                    CivilEvent::Birth => "ngày sinh",
                    CivilEvent::Death => "ngày chết",
                    CivilEvent::Marriage => "ngày kết hôn",
                    CivilEvent::MaritalStatus | CivilEvent::Guardianship => "ngày yêu cầu",
                };
                format!(
                    "Ngày đăng ký {} trước {what} {}.",
                    VnDate(*registration),
                    VnDate(*event_date)
                )
            }
            CivilDateError::DeathBeforeBirth {
                date_of_death,
                date_of_birth,
            } => format!(
                "Ngày chết {} trước ngày sinh ({}).",
                VnDate(*date_of_death),
                date_of_birth.to_vn_string()
            ),
        }
    }
}

/// Checks the dates of the event and of its registration: the event is not after `today`, the
/// registration is neither after `today` nor before the event.
pub fn check_event_dates(
    event: CivilEvent,
    event_date: Date,
    registration: Date,
    today: Date,
) -> Result<(), CivilDateError> {
    if event_date > today {
        return Err(CivilDateError::EventInFuture {
            event,
            date: event_date,
            today,
        });
    }
    if registration > today {
        return Err(CivilDateError::RegistrationInFuture {
            registration,
            today,
        });
    }
    if registration < event_date {
        return Err(CivilDateError::RegistrationBeforeEvent {
            event,
            event_date,
            registration,
        });
    }
    Ok(())
}

/// The timeliness of a registration made on `registration` for a period of `statutory_days` days
/// counted from `counted_from`. No date checks: see [`check_event_dates`]. Only births and deaths
/// have a statutory period; [`check_birth_registration`] and [`super::death::check_death`] call
/// this with theirs.
pub fn timeliness(
    event: CivilEvent,
    counted_from: Date,
    statutory_days: u16,
    registration: Date,
    calendar: &WorkingCalendar,
) -> Timeliness {
    let deadline = statutory_deadline(counted_from, statutory_days, calendar);
    let days_late = if registration > deadline {
        u32::try_from((registration - deadline).whole_days()).unwrap_or(u32::MAX)
    } else {
        0
    };
    let late = days_late > 0;
    let warnings = if late {
        vec![CivilWarning::RegistrationLate {
            event,
            statutory_days,
            deadline,
            days_late,
        }]
    } else {
        Vec::new()
    };
    Timeliness {
        event,
        counted_from,
        statutory_days,
        deadline,
        late,
        days_late,
        warnings,
    }
}

/// Birth registration (Luật Hộ tịch 2014, Điều 15 khoản 1): checks the dates and says whether the
/// registration is within 60 days of the birth. Late registration is allowed and flagged.
pub fn check_birth_registration(
    date_of_birth: Date,
    registration: Date,
    today: Date,
    calendar: &WorkingCalendar,
) -> Result<Timeliness, CivilDateError> {
    check_event_dates(CivilEvent::Birth, date_of_birth, registration, today)?;
    Ok(timeliness(
        CivilEvent::Birth,
        date_of_birth,
        BIRTH_REGISTRATION_DAYS,
        registration,
        calendar,
    ))
}

// ---------------------------------------------------------------------------------------------
// Partial dates
// ---------------------------------------------------------------------------------------------

/// A date known in full, or only to the month or the year: the law asks only for the **year** of
/// birth of a deceased person (NĐ 123/2015 Đ.4.2) and of the parents (Luật Hộ tịch 2014,
/// Điều 14 khoản 1 điểm b).
///
/// Written and serialised as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; shown as `yyyy`, `mm/yyyy` or
/// `dd/mm/yyyy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartialDate {
    Year(i32),
    YearMonth(i32, Month),
    Full(Date),
}

/// Text that is not a partial date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PartialDateError {
    #[error("{input:?} is not YYYY, YYYY-MM or YYYY-MM-DD")]
    Format { input: String },
    #[error("{input:?} is not a calendar date")]
    NotACalendarDate { input: String },
}

impl Coded for PartialDateError {
    fn code(&self) -> &'static str {
        match self {
            PartialDateError::Format { .. } => "partial_date_bad_format",
            PartialDateError::NotACalendarDate { .. } => "date_invalid",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            PartialDateError::Format { input } => format!(
                "\u{201c}{}\u{201d} không đúng định dạng: nhập năm (YYYY), tháng và năm (YYYY-MM) \
                 hoặc ngày đầy đủ (YYYY-MM-DD).",
                input.trim()
            ),
            PartialDateError::NotACalendarDate { input } => {
                format!("Ngày \u{201c}{}\u{201d} không tồn tại.", input.trim())
            }
        }
    }
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (surrounding whitespace ignored; year 1–9999).
    pub fn parse(s: &str) -> Result<PartialDate, PartialDateError> {
        let t = s.trim();
        let format_err = || PartialDateError::Format {
            input: s.to_string(),
        };
        let invalid = || PartialDateError::NotACalendarDate {
            input: s.to_string(),
        };
        let parts: Vec<&str> = t.split('-').collect();
        let num = |p: &str, len: usize| -> Option<u32> {
            (p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        };
        let year = parts
            .first()
            .and_then(|y| num(y, 4))
            .ok_or_else(format_err)? as i32;
        if year < 1 {
            return Err(invalid());
        }
        match parts.as_slice() {
            [_] => Ok(PartialDate::Year(year)),
            [_, m] => {
                let m = num(m, 2).ok_or_else(format_err)?;
                let month = u8::try_from(m)
                    .ok()
                    .and_then(|m| Month::try_from(m).ok())
                    .ok_or_else(invalid)?;
                Ok(PartialDate::YearMonth(year, month))
            }
            [_, _, _] => crate::dates::parse_date(t)
                .map(PartialDate::Full)
                .map_err(|e| match e {
                    crate::dates::DateError::Format { .. } => format_err(),
                    crate::dates::DateError::NotACalendarDate { .. } => invalid(),
                }),
            _ => Err(format_err()),
        }
    }

    /// The year.
    pub fn year(&self) -> i32 {
        match self {
            PartialDate::Year(y) | PartialDate::YearMonth(y, _) => *y,
            PartialDate::Full(d) => d.year(),
        }
    }

    /// The full date, if known.
    pub fn as_date(&self) -> Option<Date> {
        match self {
            PartialDate::Full(d) => Some(*d),
            _ => None,
        }
    }

    /// The first day it can denote.
    pub fn earliest(&self) -> Date {
        let (y, m, d) = match *self {
            PartialDate::Year(y) => (y, Month::January, 1),
            PartialDate::YearMonth(y, m) => (y, m, 1),
            PartialDate::Full(d) => return d,
        };
        Date::from_calendar_date(y, m, d).unwrap_or(Date::MIN)
    }

    /// The last day it can denote.
    pub fn latest(&self) -> Date {
        let (y, m) = match *self {
            PartialDate::Year(y) => (y, Month::December),
            PartialDate::YearMonth(y, m) => (y, m),
            PartialDate::Full(d) => return d,
        };
        Date::from_calendar_date(y, m, m.length(y)).unwrap_or(Date::MAX)
    }

    /// `yyyy`, `mm/yyyy` or `dd/mm/yyyy`.
    pub fn to_vn_string(&self) -> String {
        match *self {
            PartialDate::Year(y) => format!("{y:04}"),
            PartialDate::YearMonth(y, m) => format!("{:02}/{y:04}", u8::from(m)),
            PartialDate::Full(d) => VnDate(d).to_string(),
        }
    }
}

impl From<Date> for PartialDate {
    fn from(d: Date) -> PartialDate {
        PartialDate::Full(d)
    }
}

impl fmt::Display for PartialDate {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PartialDate::Year(y) => write!(f, "{y:04}"),
            PartialDate::YearMonth(y, m) => write!(f, "{y:04}-{:02}", u8::from(m)),
            PartialDate::Full(d) => {
                write!(
                    f,
                    "{:04}-{:02}-{:02}",
                    d.year(),
                    u8::from(d.month()),
                    d.day()
                )
            }
        }
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PartialDate, D::Error> {
        let s = String::deserialize(deserializer)?;
        PartialDate::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::text::nfc;
    use proptest::prelude::*;
    use time::macros::date;

    fn cal() -> WorkingCalendar {
        WorkingCalendar::default()
    }

    /// Luật Hộ tịch 2014, Điều 15.1 (60 days) with BLDS 2015 Đ.147.3 (the day of birth is not
    /// counted): born Thursday 2026-01-01, the 60th day is Monday 2026-03-02.
    #[test]
    fn lht_15_1_birth_deadline_is_birth_plus_60_days() {
        let t = check_birth_registration(
            date!(2026 - 01 - 01),
            date!(2026 - 03 - 02),
            date!(2026 - 03 - 10),
            &cal(),
        )
        .unwrap();
        assert_eq!(t.deadline, date!(2026 - 03 - 02));
        assert!(!t.late);
        assert_eq!(t.days_late, 0);
        assert!(t.warnings.is_empty());
        assert_eq!(t.statutory_days, BIRTH_REGISTRATION_DAYS);
    }

    /// Luật Hộ tịch 2014, Điều 15.1: registering later is allowed and flagged `late`.
    #[test]
    fn lht_15_1_late_birth_is_flagged_not_refused() {
        let t = check_birth_registration(
            date!(2026 - 01 - 01),
            date!(2026 - 03 - 05),
            date!(2026 - 03 - 05),
            &cal(),
        )
        .unwrap();
        assert!(t.late);
        assert_eq!(t.days_late, 3);
        assert_eq!(t.warnings.len(), 1);
        assert_eq!(t.warnings[0].code(), "birth_registration_late");
        let m = t.warnings[0].message_vi();
        assert!(m.contains("02/03/2026"), "{m}");
        assert!(m.contains("60 ngày"), "{m}");
        assert_eq!(m, nfc(&m));
        // Decades late is still a registration (đăng ký khai sinh quá hạn).
        let t = check_birth_registration(
            date!(1960 - 05 - 01),
            date!(2026 - 03 - 05),
            date!(2026 - 03 - 05),
            &cal(),
        )
        .unwrap();
        assert!(t.late);
    }

    /// BLDS 2015 Đ.148.5: a period whose last day is a weekend or holiday ends on the next
    /// working day. Born 2026-02-28, day 60 is Wednesday 2026-04-29, a working day; born
    /// 2026-03-01, day 60 is Thursday 2026-04-30 (Reunification Day), then 1 May (Labour Day),
    /// then the weekend: the period ends Monday 2026-05-04.
    #[test]
    fn blds_148_5_deadline_moves_past_days_off() {
        assert_eq!(
            statutory_deadline(date!(2026 - 02 - 28), 60, &cal()),
            date!(2026 - 04 - 29)
        );
        assert_eq!(
            statutory_deadline(date!(2026 - 03 - 01), 60, &cal()),
            date!(2026 - 05 - 04)
        );
        let t = check_birth_registration(
            date!(2026 - 03 - 01),
            date!(2026 - 05 - 04),
            date!(2026 - 05 - 04),
            &cal(),
        )
        .unwrap();
        assert!(!t.late);
    }

    /// Registration date rules: not in the future, not before the event; the event not in the
    /// future.
    #[test]
    fn event_and_registration_dates() {
        let today = date!(2026 - 03 - 10);
        let e = check_birth_registration(date!(2026 - 03 - 11), today, today, &cal()).unwrap_err();
        assert_eq!(e.code(), "birth_date_in_future");
        let e =
            check_birth_registration(date!(2026 - 03 - 01), date!(2026 - 03 - 11), today, &cal())
                .unwrap_err();
        assert_eq!(e.code(), "registration_date_in_future");
        let e =
            check_birth_registration(date!(2026 - 03 - 05), date!(2026 - 03 - 04), today, &cal())
                .unwrap_err();
        assert_eq!(e.code(), "registration_before_birth");
        assert!(e.message_vi().contains("04/03/2026"));
        // Same-day registration is fine.
        assert!(check_birth_registration(today, today, today, &cal()).is_ok());
    }

    /// "Đủ 18 tuổi" is reached on the 18th birthday.
    #[test]
    fn full_years_on_birthday() {
        let b = date!(2008 - 05 - 20);
        assert_eq!(full_years(b, date!(2026 - 05 - 19)), 17);
        assert_eq!(full_years(b, date!(2026 - 05 - 20)), 18);
        assert_eq!(full_years(b, date!(2026 - 12 - 31)), 18);
        assert_eq!(full_years(b, b), 0);
        assert_eq!(full_years(b, date!(2008 - 05 - 19)), -1);
        assert_eq!(date_reaching_age(b, 18), date!(2026 - 05 - 20));
    }

    /// 29 February: the birthday of a common year is 28 February (documented choice, by analogy
    /// with BLDS 2015 Đ.148.3).
    #[test]
    fn leap_day_birthday_is_28_february_in_common_years() {
        let b = date!(2008 - 02 - 29);
        assert_eq!(anniversary(b, 2026), date!(2026 - 02 - 28));
        assert_eq!(anniversary(b, 2028), date!(2028 - 02 - 29));
        assert_eq!(full_years(b, date!(2026 - 02 - 27)), 17);
        assert_eq!(full_years(b, date!(2026 - 02 - 28)), 18);
        assert_eq!(full_years(b, date!(2028 - 02 - 28)), 19);
        assert_eq!(full_years(b, date!(2028 - 02 - 29)), 20);
        assert_eq!(date_reaching_age(b, 18), date!(2026 - 02 - 28));
    }

    #[test]
    fn partial_dates() {
        let y = PartialDate::parse("1950").unwrap();
        assert_eq!(y, PartialDate::Year(1950));
        assert_eq!(y.earliest(), date!(1950 - 01 - 01));
        assert_eq!(y.latest(), date!(1950 - 12 - 31));
        assert_eq!(y.to_vn_string(), "1950");
        let ym = PartialDate::parse(" 1952-02 ").unwrap();
        assert_eq!(ym.latest(), date!(1952 - 02 - 29));
        assert_eq!(ym.to_string(), "1952-02");
        assert_eq!(ym.to_vn_string(), "02/1952");
        let f = PartialDate::parse("1950-03-15").unwrap();
        assert_eq!(f.as_date(), Some(date!(1950 - 03 - 15)));
        assert_eq!(f.to_vn_string(), "15/03/1950");
        assert_eq!(f.year(), 1950);
        for bad in ["", "50", "1950-3", "1950/03/15", "1950-03-15-1", "abcd"] {
            assert_eq!(
                PartialDate::parse(bad).unwrap_err().code(),
                "partial_date_bad_format",
                "{bad}"
            );
        }
        for bad in ["1950-13", "1950-02-30", "0000"] {
            assert_eq!(
                PartialDate::parse(bad).unwrap_err().code(),
                "date_invalid",
                "{bad}"
            );
        }
        let json = serde_json::to_string(&ym).unwrap();
        assert_eq!(json, "\"1952-02\"");
        assert_eq!(serde_json::from_str::<PartialDate>(&json).unwrap(), ym);
    }

    proptest! {
        /// The deadline is never before event + days, and on time ⇔ registration ≤ deadline.
        #[test]
        fn deadline_properties(offset in 0i64..4000, days in 1u16..120, reg_offset in 0i64..200) {
            let event = date!(2020 - 01 - 01) + Duration::days(offset);
            let c = cal();
            let deadline = statutory_deadline(event, days, &c);
            prop_assert!(deadline >= event + Duration::days(i64::from(days)));
            prop_assert!(c.is_working_day(deadline));
            let reg = event + Duration::days(reg_offset);
            let t = timeliness(CivilEvent::Birth, event, days, reg, &c);
            prop_assert_eq!(t.late, reg > deadline);
            prop_assert_eq!(t.warnings.is_empty(), !t.late);
        }

        /// Full years grow by exactly one at each birthday.
        #[test]
        fn full_years_steps_at_birthdays(b in 0i64..40_000, n in 0i32..100) {
            let birth = date!(1920 - 01 - 01) + Duration::days(b);
            let at = date_reaching_age(birth, n);
            prop_assert_eq!(full_years(birth, at), n);
            if let Some(prev) = at.previous_day() {
                prop_assert_eq!(full_years(birth, prev), n - 1);
            }
        }
    }
}

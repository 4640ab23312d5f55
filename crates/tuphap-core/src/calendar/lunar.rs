//! The Vietnamese lunisolar calendar (âm lịch), computed with Hồ Ngọc Đức's algorithm
//! ("Thuật toán tính âm lịch") for the time zone UTC+7.
//!
//! Rules of the calendar, as the algorithm implements them:
//!
//! 1. A lunar month starts on the civil day (in UTC+7) containing a new moon (conjunction).
//! 2. Month 11 is the month that contains the winter solstice (sun longitude 270°).
//! 3. A lunar year normally has 12 months; when there are 13 new moons between the start of
//!    month 11 of one year and the start of month 11 of the next, one month is leap: the first
//!    month after month 11 that contains no major solar term (trung khí, a multiple of 30° of sun
//!    longitude). It repeats the number of the month before it.
//!
//! Because the computation is done in UTC+7 (not UTC+8 as in China), some years differ from the
//! Chinese calendar (e.g. Tết 1985 is 21 January in Vietnam, 20 February in China).
//!
//! The astronomical formulas (new moons after Meeus / Chapront, a low-precision solar longitude)
//! are accurate to minutes over 1800–2200, which is enough to decide civil days except in very
//! rare borderline cases; they are the same formulas as the widely used reference implementation,
//! so results agree with printed Vietnamese calendars.
//!
//! Julian day numbers here are those of the proleptic Gregorian calendar, as used by
//! [`time::Date::to_julian_day`] (2000-01-01 is 2451545).

use std::f64::consts::PI;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

/// Time zone of the Vietnamese calendar, in hours east of UTC.
const TIME_ZONE: f64 = 7.0;

/// Mean length of a synodic month (new moon to new moon), in days.
const SYNODIC_MONTH: f64 = 29.530588853;

/// Julian day of the new moon of 1 January 1900 (new moon number 0 in [`new_moon`]).
const NEW_MOON_EPOCH: f64 = 2415021.076998695;

/// A date of the Vietnamese lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LunarDate {
    /// Lunar year, numbered like the solar year in which it mostly falls (Tết 2026 starts lunar
    /// year 2026).
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–30.
    pub day: u8,
    /// Whether the month is the leap (intercalary) month repeating `month`.
    pub leap: bool,
}

impl fmt::Display for LunarDate {
    /// `10/03/2025 âm lịch`, or `01/06 nhuận/2025 âm lịch` in a leap month.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let leap = if self.leap { " nhuận" } else { "" };
        write!(
            f,
            "{:02}/{:02}{leap}/{} âm lịch",
            self.day, self.month, self.year
        )
    }
}

/// Julian day number of a proleptic Gregorian date (the day that starts at noon UT of that date).
fn jd_from_date(day: i64, month: i64, year: i64) -> i64 {
    let a = (14 - month) / 12;
    let y = year + 4800 - a;
    let m = month + 12 * a - 3;
    day + (153 * m + 2) / 5 + 365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)
        - 32045
}

/// Julian day (fractional, UT) of the `k`-th new moon after the one of 1 January 1900.
///
/// Mean new moon plus the main periodic terms (Sun's and Moon's mean anomalies `m` and `mpr`, the
/// Moon's argument of latitude `f`), minus ΔT (terrestrial time to universal time).
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85; // Julian centuries since 1900-01-00.5
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
    jd1 += 0.00033 * ((166.56 + 132.87 * t - 0.009173 * t2) * dr).sin();
    let m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;
    let mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3;
    let f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;
    let mut c1 = (0.1734 - 0.000393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    jd1 + c1 - delta_t
}

/// Julian day number of the civil day (in UTC+7) on which the `k`-th new moon falls.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k) + 0.5 + TIME_ZONE / 24.0).floor() as i64
}

/// Apparent longitude of the Sun, in radians in [0, 2π), at the (fractional, UT) Julian day `jd`.
fn sun_longitude(jd: f64) -> f64 {
    let t = (jd - 2451545.0) / 36525.0; // Julian centuries since J2000.0
    let t2 = t * t;
    let dr = PI / 180.0;
    // Mean anomaly and mean longitude, in degrees.
    let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    // Equation of the centre.
    let mut dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * (dr * m).sin();
    dl += (0.019993 - 0.000101 * t) * (dr * 2.0 * m).sin() + 0.000290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l.rem_euclid(2.0 * PI)
}

/// Which of the 12 major solar terms (0–11: 0 = from the spring equinox, 0°–30°; 9 = from the
/// winter solstice, 270°–300°) the Sun is in at the start of the civil day `day_number` (UTC+7).
fn sun_sector(day_number: i64) -> i64 {
    let jd = day_number as f64 - 0.5 - TIME_ZONE / 24.0;
    (sun_longitude(jd) / PI * 6.0).floor() as i64
}

/// Julian day number of the first day of lunar month 11 of (solar) year `year`: the month that
/// contains the winter solstice of that year.
fn lunar_month_11(year: i64) -> i64 {
    let off = (jd_from_date(31, 12, year) - 2415021) as f64;
    let k = (off / SYNODIC_MONTH).floor() as i64;
    let nm = new_moon_day(k);
    // If the new moon before 31 December is already past the solstice (sun in sector 9 or
    // later), month 11 started one new moon earlier.
    if sun_sector(nm) >= 9 {
        new_moon_day(k - 1)
    } else {
        nm
    }
}

/// In a 13-month year starting with month 11 at `a11`, the index (1-based count of months after
/// month 11) of the leap month: the first month with no major solar term, i.e. the first whose
/// start and the start of the next month lie in the same solar-term sector.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// The lunar date of a solar (Gregorian) date.
pub fn solar_to_lunar(date: Date) -> LunarDate {
    let day_number = i64::from(date.to_julian_day());
    let year = i64::from(date.year());
    let k = ((day_number as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    // Start of the lunar month containing the date.
    let mut month_start = new_moon_day(k + 1);
    if month_start > day_number {
        month_start = new_moon_day(k);
    }
    // a11..b11: the lunar "solstice year" (month 11 to month 11) containing the date.
    let mut a11 = lunar_month_11(year);
    let mut b11 = a11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = year;
        a11 = lunar_month_11(year - 1);
    } else {
        lunar_year = year + 1;
        b11 = lunar_month_11(year + 1);
    }
    let day = day_number - month_start + 1;
    // Number of whole months since month 11.
    let diff = ((month_start - a11) as f64 / 29.0).floor() as i64;
    let mut leap = false;
    let mut month = diff + 11;
    if b11 - a11 > 365 {
        // 13 months in this solstice year: months from the leap month on are shifted by one.
        let leap_diff = leap_month_offset(a11);
        if diff >= leap_diff {
            month = diff + 10;
            if diff == leap_diff {
                leap = true;
            }
        }
    }
    if month > 12 {
        month -= 12;
    }
    // Months 11 and 12 at the start of the solstice year belong to the previous lunar year.
    if month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate {
        year: i32::try_from(lunar_year).unwrap_or(i32::MAX),
        month: u8::try_from(month).unwrap_or(0),
        day: u8::try_from(day).unwrap_or(0),
        leap,
    }
}

/// Julian day number of the first day of the lunar month (`year`, `month`, `leap`), or `None` if
/// that month does not exist (a leap month that is not the leap month of that year, a month out of
/// 1–12).
fn lunar_month_start(year: i32, month: u8, leap: bool) -> Option<i64> {
    if !(1..=12).contains(&month) {
        return None;
    }
    let year = i64::from(year);
    let month = i64::from(month);
    // The solstice year (month 11 to month 11) containing the month.
    let (a11, b11) = if month < 11 {
        (lunar_month_11(year - 1), lunar_month_11(year))
    } else {
        (lunar_month_11(year), lunar_month_11(year + 1))
    };
    let k = (0.5 + (a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    let mut off = month - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if leap && month != leap_month {
            return None;
        }
        if leap || off >= leap_off {
            off += 1;
        }
    } else if leap {
        return None;
    }
    Some(new_moon_day(k + off))
}

/// The solar date of a lunar date, or `None` if it does not exist (no such leap month that year,
/// day 30 of a 29-day month, month or day out of range, or outside the range of [`Date`]).
pub fn lunar_to_solar(year: i32, month: u8, day: u8, leap: bool) -> Option<Date> {
    if !(1..=30).contains(&day) {
        return None;
    }
    let start = lunar_month_start(year, month, leap)?;
    let jd = start + i64::from(day) - 1;
    if day == 30 {
        // The month has 30 days only if the next new moon is 30 days after its start.
        let k = ((start as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
        if new_moon_day(k + 1) <= jd {
            return None;
        }
    }
    Date::from_julian_day(i32::try_from(jd).ok()?).ok()
}

/// Number of days (29 or 30) of the lunar month (`year`, `month`, `leap`), if it exists.
pub fn lunar_month_length(year: i32, month: u8, leap: bool) -> Option<u8> {
    if lunar_to_solar(year, month, 30, leap).is_some() {
        Some(30)
    } else {
        lunar_month_start(year, month, leap).map(|_| 29)
    }
}

/// The leap month of lunar year `year` (1–12), if that year has one.
pub fn leap_month(year: i32) -> Option<u8> {
    (1..=12).find(|&m| lunar_month_start(year, m, true).is_some())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    /// Tết (lunar 1/1). In 1985, 2007 and 2030 Vietnam (UTC+7) celebrates Tết on another day
    /// than China (UTC+8): a month earlier in 1985 (the solstice and hence month 11 fall
    /// differently), one day earlier in 2007 and 2030 (the new moon of 2 February 2030 is at
    /// about 23:10 in Hanoi but 00:10 on 3 February in Beijing: Tết Canh Tuất is 2 February 2030
    /// in Vietnam).
    const TET: [(i32, Date); 13] = [
        (1985, date!(1985 - 01 - 21)),
        (2007, date!(2007 - 02 - 17)),
        (2020, date!(2020 - 01 - 25)),
        (2021, date!(2021 - 02 - 12)),
        (2022, date!(2022 - 02 - 01)),
        (2023, date!(2023 - 01 - 22)),
        (2024, date!(2024 - 02 - 10)),
        (2025, date!(2025 - 01 - 29)),
        (2026, date!(2026 - 02 - 17)),
        (2027, date!(2027 - 02 - 06)),
        (2028, date!(2028 - 01 - 26)),
        (2029, date!(2029 - 02 - 13)),
        (2030, date!(2030 - 02 - 02)),
    ];

    #[test]
    fn jd_matches_time_crate() {
        for d in [
            date!(2000 - 01 - 01),
            date!(1900 - 01 - 01),
            date!(2026 - 02 - 17),
            date!(1582 - 10 - 15),
            date!(1200 - 03 - 01),
        ] {
            assert_eq!(
                jd_from_date(
                    i64::from(d.day()),
                    i64::from(u8::from(d.month())),
                    i64::from(d.year())
                ),
                i64::from(d.to_julian_day())
            );
        }
    }

    #[test]
    fn tet_dates() {
        for (year, tet) in TET {
            assert_eq!(lunar_to_solar(year, 1, 1, false), Some(tet), "Tết {year}");
            assert_eq!(
                solar_to_lunar(tet),
                LunarDate {
                    year,
                    month: 1,
                    day: 1,
                    leap: false
                }
            );
            let eve = solar_to_lunar(tet.previous_day().unwrap());
            assert_eq!((eve.year, eve.month, eve.leap), (year - 1, 12, false));
            assert!(eve.day == 29 || eve.day == 30);
        }
    }

    #[test]
    fn hung_kings_day() {
        assert_eq!(
            lunar_to_solar(2024, 3, 10, false),
            Some(date!(2024 - 04 - 18))
        );
        assert_eq!(
            lunar_to_solar(2025, 3, 10, false),
            Some(date!(2025 - 04 - 07))
        );
        assert_eq!(
            lunar_to_solar(2023, 3, 10, false),
            Some(date!(2023 - 04 - 29))
        );
        assert_eq!(
            lunar_to_solar(2022, 3, 10, false),
            Some(date!(2022 - 04 - 10))
        );
        assert_eq!(
            lunar_to_solar(2021, 3, 10, false),
            Some(date!(2021 - 04 - 21))
        );
        assert_eq!(
            lunar_to_solar(2020, 3, 10, false),
            Some(date!(2020 - 04 - 02))
        );
    }

    #[test]
    fn leap_months() {
        assert_eq!(leap_month(2020), Some(4));
        assert_eq!(leap_month(2023), Some(2));
        assert_eq!(leap_month(2025), Some(6));
        assert_eq!(leap_month(2024), None);
        assert_eq!(leap_month(2026), None);
        assert_eq!(
            lunar_to_solar(2020, 4, 1, true),
            Some(date!(2020 - 05 - 23))
        );
        assert_eq!(
            lunar_to_solar(2023, 2, 1, true),
            Some(date!(2023 - 03 - 22))
        );
        assert_eq!(
            lunar_to_solar(2025, 6, 1, true),
            Some(date!(2025 - 07 - 25))
        );
        assert_eq!(
            solar_to_lunar(date!(2025 - 07 - 25)),
            LunarDate {
                year: 2025,
                month: 6,
                day: 1,
                leap: true
            }
        );
        assert_eq!(lunar_to_solar(2024, 6, 1, true), None);
        assert_eq!(lunar_to_solar(2025, 5, 1, true), None);
    }

    #[test]
    fn invalid_lunar_dates() {
        assert_eq!(lunar_to_solar(2025, 13, 1, false), None);
        assert_eq!(lunar_to_solar(2025, 0, 1, false), None);
        assert_eq!(lunar_to_solar(2025, 1, 0, false), None);
        assert_eq!(lunar_to_solar(2025, 1, 31, false), None);
        // Month 12 of lunar year 2024 (Giáp Thìn) had 29 days: Tết 2025 is 29 January.
        assert_eq!(lunar_month_length(2024, 12, false), Some(29));
        assert_eq!(lunar_to_solar(2024, 12, 30, false), None);
        assert_eq!(
            lunar_to_solar(2024, 12, 29, false),
            Some(date!(2025 - 01 - 28))
        );
    }

    #[test]
    fn display() {
        let d = solar_to_lunar(date!(2025 - 04 - 07));
        assert_eq!(d.to_string(), "10/03/2025 âm lịch");
        let d = solar_to_lunar(date!(2025 - 07 - 25));
        assert_eq!(d.to_string(), "01/06 nhuận/2025 âm lịch");
    }

    proptest! {
        #[test]
        fn round_trip(offset in 0i32..(365 * 250)) {
            let d = Date::from_julian_day(date!(1900 - 01 - 01).to_julian_day() + offset).unwrap();
            let l = solar_to_lunar(d);
            prop_assert!((1..=12).contains(&l.month));
            prop_assert!((1..=30).contains(&l.day));
            prop_assert_eq!(lunar_to_solar(l.year, l.month, l.day, l.leap), Some(d));
        }
    }
}

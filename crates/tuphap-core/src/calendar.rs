//! The Vietnamese working-day calendar, 2020–2030: weekends, public holidays, compensatory days
//! off and the government's yearly adjustments. Used to compute statutory deadlines counted in
//! working days ("ngày làm việc").
//!
//! # Model
//!
//! * Weekly rest: Saturday and Sunday (the schedule of state administrative bodies).
//! * Public holidays, Labour Code 2019 Art. 112(1) (from 2021; the Labour Code 2012 Art. 115 for
//!   2020, identical except that the National Day was one day):
//!   - Tết Dương lịch: 1 January;
//!   - Tết Nguyên đán (Tết Âm lịch): 5 days. Default model: the last day of the lunar year and
//!     lunar 1/1 to 4/1 (the Prime Minister fixes the actual days each year under Art. 112(3);
//!     the decided days are in the adjustments data);
//!   - Giỗ Tổ Hùng Vương: lunar 10/3;
//!   - Ngày Chiến thắng: 30 April; Quốc tế Lao động: 1 May;
//!   - Quốc khánh: 2 September and one adjacent day (also fixed yearly by the Prime Minister).
//!     Default model: the adjacent day that is a weekday and joins the break to a weekend; if both
//!     or neither do, the day before. So 1/9 when 2/9 is a Tuesday, Wednesday, Friday or
//!     Saturday, 3/9 when it is a Monday, Thursday or Sunday — which reproduces every decision of
//!     2021–2026.
//! * Compensatory days (Art. 111(3)): each holiday day falling on a Saturday or Sunday gives a
//!   day off ("Nghỉ bù") on the next day that is not a weekend, holiday, extra day off or already
//!   a compensatory day.
//! * Adjustments ([`DayAdjustment`], editable data, shipped in
//!   `data/calendar/days_off_adjustments.csv`): `day_off` rows named after a statutory holiday
//!   (e.g. "Tết Nguyên đán", "Quốc khánh") replace the computed days of that holiday in that
//!   year; other `day_off` rows are extra days off (swapped days, no compensation);
//!   `working_day` rows make a date a working day whatever else applies (a Saturday worked in
//!   exchange for a bridged day).
//!
//! Holidays are computed for [`SUPPORTED_YEARS`] only; outside that range only weekends and
//! explicit adjustments count as days off.

mod adjustments;
pub mod lunar;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use time::{Date, Month, Weekday};

pub use adjustments::{
    AdjustmentKind, AdjustmentsError, DayAdjustment, default_adjustments, parse_adjustments_csv,
};
pub use lunar::{LunarDate, leap_month, lunar_month_length, lunar_to_solar, solar_to_lunar};

use crate::text::fold;

/// Years for which public holidays are computed.
pub const SUPPORTED_YEARS: RangeInclusive<i32> = 2020..=2030;

/// Name of a compensatory day off.
pub const COMPENSATORY_DAY_NAME: &str = "Nghỉ bù";

/// A statutory public holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holiday {
    /// Tết Dương lịch, 1 January.
    NewYear,
    /// Tết Nguyên đán (Tết Âm lịch), 5 days.
    LunarNewYear,
    /// Giỗ Tổ Hùng Vương, lunar 10/3.
    HungKings,
    /// Ngày Chiến thắng, 30 April.
    VictoryDay,
    /// Quốc tế Lao động, 1 May.
    LabourDay,
    /// Quốc khánh, 2 September (+ one adjacent day from 2021).
    NationalDay,
}

impl Holiday {
    pub const ALL: [Holiday; 6] = [
        Holiday::NewYear,
        Holiday::LunarNewYear,
        Holiday::HungKings,
        Holiday::VictoryDay,
        Holiday::LabourDay,
        Holiday::NationalDay,
    ];

    /// Vietnamese name, as shown to people and used in the adjustments data.
    pub fn name_vi(self) -> &'static str {
        match self {
            Holiday::NewYear => "Tết Dương lịch",
            Holiday::LunarNewYear => "Tết Nguyên đán",
            Holiday::HungKings => "Giỗ Tổ Hùng Vương",
            Holiday::VictoryDay => "Ngày Chiến thắng",
            Holiday::LabourDay => "Quốc tế Lao động",
            Holiday::NationalDay => "Quốc khánh",
        }
    }

    /// Other names accepted in the adjustments data.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Holiday::LunarNewYear => &["Tết Âm lịch"],
            Holiday::LabourDay => &["Ngày Quốc tế Lao động"],
            Holiday::NationalDay => &["Lễ Quốc khánh"],
            _ => &[],
        }
    }

    /// The holiday named `name` (compared without diacritics, case or extra spaces; the
    /// [`Holiday::name_vi`] names and a few usual variants such as "Tết Âm lịch" are known).
    pub fn from_name(name: &str) -> Option<Holiday> {
        let key = fold(name);
        Holiday::ALL
            .into_iter()
            .find(|h| fold(h.name_vi()) == key || h.aliases().iter().any(|a| fold(a) == key))
    }
}

fn ymd(year: i32, month: Month, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, month, day).ok()
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The adjacent day of the National Day holiday in the default model (see the module docs).
fn national_day_adjacent(sep2: Date) -> Option<Date> {
    match sep2.weekday() {
        Weekday::Monday | Weekday::Thursday | Weekday::Sunday => sep2.next_day(),
        _ => sep2.previous_day(),
    }
}

/// The public holidays of `year` by the default model (before any adjustment), sorted by date;
/// empty outside [`SUPPORTED_YEARS`]. Compensatory days are not included.
pub fn statutory_holidays(year: i32) -> Vec<(Date, Holiday)> {
    if !SUPPORTED_YEARS.contains(&year) {
        return Vec::new();
    }
    let mut days: Vec<(Date, Holiday)> = Vec::new();
    let mut push = |d: Option<Date>, h: Holiday| {
        if let Some(d) = d {
            days.push((d, h));
        }
    };
    push(ymd(year, Month::January, 1), Holiday::NewYear);
    // Tết: the last day of the previous lunar year, then lunar 1/1 to 4/1.
    if let Some(tet) = lunar_to_solar(year, 1, 1, false) {
        push(tet.previous_day(), Holiday::LunarNewYear);
        let mut d = Some(tet);
        for _ in 0..4 {
            push(d, Holiday::LunarNewYear);
            d = d.and_then(Date::next_day);
        }
    }
    push(lunar_to_solar(year, 3, 10, false), Holiday::HungKings);
    push(ymd(year, Month::April, 30), Holiday::VictoryDay);
    push(ymd(year, Month::May, 1), Holiday::LabourDay);
    let sep2 = ymd(year, Month::September, 2);
    push(sep2, Holiday::NationalDay);
    // Labour Code 2019 (from 2021): two days; Labour Code 2012: one.
    if year >= 2021 {
        push(sep2.and_then(national_day_adjacent), Holiday::NationalDay);
    }
    days.sort();
    days
}

/// Why a date is a day off (other than a plain weekend).
#[derive(Debug, Clone, PartialEq, Eq)]
enum OffReason {
    Holiday(Holiday),
    Extra(String),
    Compensatory,
}

impl OffReason {
    fn name_vi(&self) -> String {
        match self {
            OffReason::Holiday(h) => h.name_vi().to_string(),
            OffReason::Extra(name) => name.clone(),
            OffReason::Compensatory => COMPENSATORY_DAY_NAME.to_string(),
        }
    }
}

/// The working-day calendar: weekends, holidays, compensatory days and adjustments.
#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    adjustments: Vec<DayAdjustment>,
    days_off: BTreeMap<Date, OffReason>,
    working: BTreeSet<Date>,
}

impl Default for WorkingCalendar {
    /// The calendar with the shipped adjustments ([`default_adjustments`]).
    fn default() -> WorkingCalendar {
        WorkingCalendar::new(default_adjustments())
    }
}

impl WorkingCalendar {
    /// Builds the calendar for [`SUPPORTED_YEARS`] with these adjustments (see the module docs for
    /// how they apply). If a date has both a `working_day` and a `day_off` adjustment, it is a
    /// working day.
    pub fn new(adjustments: Vec<DayAdjustment>) -> WorkingCalendar {
        let working: BTreeSet<Date> = adjustments
            .iter()
            .filter(|a| a.kind == AdjustmentKind::WorkingDay)
            .map(|a| a.date)
            .collect();

        // Holiday days: named day_off adjustments, and the computed days of every holiday that
        // has no named adjustment in that year.
        let mut holidays: BTreeMap<Date, Holiday> = BTreeMap::new();
        let mut extra: BTreeMap<Date, String> = BTreeMap::new();
        let mut overridden: BTreeSet<(i32, Holiday)> = BTreeSet::new();
        for a in adjustments
            .iter()
            .filter(|a| a.kind == AdjustmentKind::DayOff)
        {
            match Holiday::from_name(&a.name_vi) {
                Some(h) => {
                    overridden.insert((a.date.year(), h));
                    holidays.insert(a.date, h);
                }
                None => {
                    extra.insert(a.date, a.name_vi.clone());
                }
            }
        }
        for year in SUPPORTED_YEARS {
            for (d, h) in statutory_holidays(year) {
                if !overridden.contains(&(year, h)) {
                    holidays.entry(d).or_insert(h);
                }
            }
        }

        // Compensatory days, in date order.
        let mut compensatory: BTreeSet<Date> = BTreeSet::new();
        for &d in holidays.keys() {
            if !is_weekend(d) || working.contains(&d) {
                continue;
            }
            let mut c = d.next_day();
            while let Some(day) = c {
                let taken = is_weekend(day)
                    || holidays.contains_key(&day)
                    || extra.contains_key(&day)
                    || compensatory.contains(&day);
                if !taken {
                    break;
                }
                c = day.next_day();
            }
            if let Some(day) = c {
                compensatory.insert(day);
            }
        }

        let mut days_off: BTreeMap<Date, OffReason> = BTreeMap::new();
        for d in compensatory {
            days_off.insert(d, OffReason::Compensatory);
        }
        for (d, name) in extra {
            days_off.insert(d, OffReason::Extra(name));
        }
        for (d, h) in holidays {
            days_off.insert(d, OffReason::Holiday(h));
        }
        WorkingCalendar {
            adjustments,
            days_off,
            working,
        }
    }

    /// The adjustments the calendar was built with.
    pub fn adjustments(&self) -> &[DayAdjustment] {
        &self.adjustments
    }

    /// Whether `d` is a working day: a `working_day` adjustment, or a Monday–Friday that is not a
    /// holiday, compensatory day or extra day off.
    pub fn is_working_day(&self, d: Date) -> bool {
        if self.working.contains(&d) {
            return true;
        }
        !is_weekend(d) && !self.days_off.contains_key(&d)
    }

    /// The Vietnamese name of the day off on `d` — a holiday ("Tết Nguyên đán", "Quốc khánh", …),
    /// "Nghỉ bù", or the name of an extra day off — or `None` for a working day or a plain
    /// weekend.
    pub fn holiday_name(&self, d: Date) -> Option<String> {
        if self.working.contains(&d) {
            return None;
        }
        self.days_off.get(&d).map(OffReason::name_vi)
    }

    /// The named days off of `year` (holidays, compensatory days, extra days off; not plain
    /// weekends), sorted by date.
    pub fn days_off(&self, year: i32) -> Vec<(Date, String)> {
        let (Some(first), Some(last)) =
            (ymd(year, Month::January, 1), ymd(year, Month::December, 31))
        else {
            return Vec::new();
        };
        self.days_off
            .range(first..=last)
            .filter(|(d, _)| !self.working.contains(d))
            .map(|(d, r)| (*d, r.name_vi()))
            .collect()
    }

    /// The date `n` working days after `start`. Counting starts on the day after `start` (the
    /// usual rule for time limits: the day of the event is not counted), so for `n >= 1` the
    /// result is always a working day; `n = 0` returns `start` unchanged. Saturates at the last
    /// representable date.
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        let mut remaining = n;
        while remaining > 0 {
            match d.next_day() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working_day(d) {
                remaining -= 1;
            }
        }
        d
    }

    /// The number of working days `d` with `a < d <= b` (so that
    /// `working_days_between(a, add_working_days(a, n)) == n`); 0 if `b <= a`.
    pub fn working_days_between(&self, a: Date, b: Date) -> u32 {
        let mut count = 0;
        let mut d = a;
        while d < b {
            match d.next_day() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn range(a: Date, b: Date) -> Vec<Date> {
        let mut v = Vec::new();
        let mut d = a;
        while d <= b {
            v.push(d);
            d = d.next_day().unwrap();
        }
        v
    }

    fn assert_off(cal: &WorkingCalendar, a: Date, b: Date) {
        for d in range(a, b) {
            assert!(!cal.is_working_day(d), "{d} should be a day off");
        }
        assert!(cal.is_working_day(a.previous_day().unwrap()), "{a} - 1");
        assert!(cal.is_working_day(b.next_day().unwrap()), "{b} + 1");
    }

    #[test]
    fn tet_2026_week_is_off() {
        let cal = WorkingCalendar::default();
        assert_off(&cal, date!(2026 - 02 - 14), date!(2026 - 02 - 22));
        assert_eq!(
            cal.holiday_name(date!(2026 - 02 - 17)).as_deref(),
            Some("Tết Nguyên đán")
        );
        assert_eq!(cal.holiday_name(date!(2026 - 02 - 14)), None); // plain Saturday
        // Same result without the adjustment rows: the default model matches the decision.
        let bare = WorkingCalendar::new(Vec::new());
        assert_off(&bare, date!(2026 - 02 - 14), date!(2026 - 02 - 22));
    }

    #[test]
    fn decided_holiday_periods() {
        let cal = WorkingCalendar::default();
        // Tết
        assert_off(&cal, date!(2020 - 01 - 23), date!(2020 - 01 - 29));
        assert_off(&cal, date!(2021 - 02 - 10), date!(2021 - 02 - 16));
        assert_off(&cal, date!(2022 - 01 - 29), date!(2022 - 02 - 06));
        assert_off(&cal, date!(2023 - 01 - 20), date!(2023 - 01 - 26));
        assert_off(&cal, date!(2024 - 02 - 08), date!(2024 - 02 - 14));
        assert_off(&cal, date!(2025 - 01 - 25), date!(2025 - 02 - 02));
        // Tết 2030 by the model: 2/2/2030 (Saturday) is Tết in Vietnam; the last day of the year
        // (Friday 1/2) to mùng 4 (Tuesday 5/2), plus compensatory Wednesday 6/2 and Thursday 7/2.
        assert_off(&cal, date!(2030 - 02 - 01), date!(2030 - 02 - 07));
        // Giỗ Tổ, 30/4, 1/5
        assert_off(&cal, date!(2022 - 04 - 09), date!(2022 - 04 - 11));
        assert_off(&cal, date!(2022 - 04 - 30), date!(2022 - 05 - 03));
        assert_off(&cal, date!(2023 - 04 - 29), date!(2023 - 05 - 03));
        assert_off(&cal, date!(2024 - 04 - 27), date!(2024 - 05 - 01));
        assert_off(&cal, date!(2025 - 04 - 30), date!(2025 - 05 - 04));
        assert_off(&cal, date!(2026 - 04 - 25), date!(2026 - 04 - 27));
        assert_off(&cal, date!(2026 - 04 - 30), date!(2026 - 05 - 03));
        // Quốc khánh
        assert!(cal.is_working_day(date!(2020 - 09 - 01)));
        assert!(!cal.is_working_day(date!(2020 - 09 - 02)));
        assert!(cal.is_working_day(date!(2020 - 09 - 03)));
        assert_off(&cal, date!(2021 - 09 - 02), date!(2021 - 09 - 05));
        assert_off(&cal, date!(2022 - 09 - 01), date!(2022 - 09 - 04));
        assert_off(&cal, date!(2023 - 09 - 01), date!(2023 - 09 - 04));
        assert_off(&cal, date!(2024 - 08 - 31), date!(2024 - 09 - 03));
        assert_off(&cal, date!(2025 - 08 - 30), date!(2025 - 09 - 02));
        assert_off(&cal, date!(2026 - 08 - 29), date!(2026 - 09 - 02));
        // Tết Dương lịch
        assert_off(&cal, date!(2022 - 01 - 01), date!(2022 - 01 - 03));
        assert!(!cal.is_working_day(date!(2023 - 01 - 01)));
        assert_eq!(
            cal.holiday_name(date!(2023 - 01 - 02)).as_deref(),
            Some("Nghỉ bù")
        );
        assert!(cal.is_working_day(date!(2023 - 01 - 03)));
        assert_off(&cal, date!(2026 - 01 - 01), date!(2026 - 01 - 04));
    }

    #[test]
    fn swapped_saturdays_are_working_days() {
        let cal = WorkingCalendar::default();
        for d in [
            date!(2024 - 05 - 04),
            date!(2025 - 04 - 26),
            date!(2026 - 01 - 10),
            date!(2026 - 08 - 22),
        ] {
            assert_eq!(d.weekday(), Weekday::Saturday);
            assert!(cal.is_working_day(d), "{d}");
            assert_eq!(cal.holiday_name(d), None);
        }
        assert_eq!(
            cal.holiday_name(date!(2025 - 05 - 02)).as_deref(),
            Some("Nghỉ hoán đổi dịp 30/4 – 1/5")
        );
    }

    #[test]
    fn default_model_without_adjustments() {
        let cal = WorkingCalendar::new(Vec::new());
        // Tết 2025 by the default model: 28/1 (last day of Giáp Thìn) to 1/2 (Saturday,
        // mùng 4), compensated on Monday 3/2.
        assert_off(&cal, date!(2025 - 01 - 28), date!(2025 - 02 - 03));
        assert_eq!(
            cal.holiday_name(date!(2025 - 02 - 03)).as_deref(),
            Some("Nghỉ bù")
        );
        // No swaps.
        assert!(cal.is_working_day(date!(2025 - 05 - 02)));
        assert!(!cal.is_working_day(date!(2025 - 04 - 26)));
    }

    #[test]
    fn national_day_default_rule() {
        let expected = [
            (2021, date!(2021 - 09 - 03)),
            (2022, date!(2022 - 09 - 01)),
            (2023, date!(2023 - 09 - 01)),
            (2024, date!(2024 - 09 - 03)),
            (2025, date!(2025 - 09 - 01)),
            (2026, date!(2026 - 09 - 01)),
        ];
        for (year, adjacent) in expected {
            let days: Vec<Date> = statutory_holidays(year)
                .into_iter()
                .filter(|(_, h)| *h == Holiday::NationalDay)
                .map(|(d, _)| d)
                .collect();
            assert_eq!(days.len(), 2, "{year}");
            assert!(days.contains(&adjacent), "{year}");
        }
        let days_2020: Vec<_> = statutory_holidays(2020)
            .into_iter()
            .filter(|(_, h)| *h == Holiday::NationalDay)
            .collect();
        assert_eq!(days_2020.len(), 1);
    }

    #[test]
    fn national_day_on_sunday_2029() {
        // 2/9/2029 is a Sunday: holidays Sun 2/9 and Mon 3/9, compensatory Tue 4/9.
        let sep2 = date!(2029 - 09 - 02);
        assert_eq!(sep2.weekday(), Weekday::Sunday);
        let cal = WorkingCalendar::default();
        assert_eq!(cal.holiday_name(sep2).as_deref(), Some("Quốc khánh"));
        assert_eq!(
            cal.holiday_name(date!(2029 - 09 - 03)).as_deref(),
            Some("Quốc khánh")
        );
        assert_eq!(
            cal.holiday_name(date!(2029 - 09 - 04)).as_deref(),
            Some("Nghỉ bù")
        );
        assert_off(&cal, date!(2029 - 09 - 01), date!(2029 - 09 - 04));
    }

    #[test]
    fn holiday_names() {
        let cal = WorkingCalendar::default();
        let name = |d| cal.holiday_name(d);
        assert_eq!(
            name(date!(2027 - 01 - 01)).as_deref(),
            Some("Tết Dương lịch")
        );
        assert_eq!(
            name(date!(2025 - 04 - 07)).as_deref(),
            Some("Giỗ Tổ Hùng Vương")
        );
        assert_eq!(
            name(date!(2027 - 04 - 30)).as_deref(),
            Some("Ngày Chiến thắng")
        );
        assert_eq!(name(date!(2027 - 05 - 03)).as_deref(), Some("Nghỉ bù"));
        assert_eq!(
            name(date!(2028 - 05 - 01)).as_deref(),
            Some("Quốc tế Lao động")
        );
        assert_eq!(name(date!(2026 - 03 - 04)), None);
    }

    #[test]
    fn days_off_lists() {
        let cal = WorkingCalendar::default();
        let off = cal.days_off(2024);
        let dates: Vec<Date> = off.iter().map(|(d, _)| *d).collect();
        assert!(dates.windows(2).all(|w| w[0] < w[1]));
        assert!(dates.contains(&date!(2024 - 02 - 13)));
        assert!(dates.contains(&date!(2024 - 04 - 29)));
        assert!(!dates.contains(&date!(2024 - 05 - 04)));
        for year in SUPPORTED_YEARS {
            // Every year has at least the 11 (10 in 2020) statutory days, some of which may fall
            // on weekends and be compensated.
            let n = cal.days_off(year).len();
            assert!(n >= 10, "{year}: {n}");
        }
        assert!(cal.days_off(2031).is_empty());
    }

    #[test]
    fn weekends_and_unsupported_years() {
        let cal = WorkingCalendar::default();
        assert!(!cal.is_working_day(date!(2026 - 03 - 07)));
        assert!(!cal.is_working_day(date!(2026 - 03 - 08)));
        assert!(cal.is_working_day(date!(2026 - 03 - 09)));
        // Outside 2020–2030: weekends only.
        assert!(cal.is_working_day(date!(2031 - 01 - 01)));
        assert!(cal.is_working_day(date!(2019 - 09 - 02)));
        assert!(!cal.is_working_day(date!(2031 - 01 - 04)));
    }

    #[test]
    fn add_working_days_across_tet() {
        let cal = WorkingCalendar::default();
        // Friday 13/2/2026, the last working day before Tết: the next working day is 23/2.
        let fri = date!(2026 - 02 - 13);
        assert_eq!(cal.add_working_days(fri, 0), fri);
        assert_eq!(cal.add_working_days(fri, 1), date!(2026 - 02 - 23));
        assert_eq!(cal.add_working_days(fri, 5), date!(2026 - 02 - 27));
        assert_eq!(cal.working_days_between(fri, date!(2026 - 02 - 27)), 5);
        assert_eq!(cal.working_days_between(fri, date!(2026 - 02 - 22)), 0);
        // From a day off, the first working day counts.
        assert_eq!(
            cal.add_working_days(date!(2026 - 02 - 17), 1),
            date!(2026 - 02 - 23)
        );
        // A plain week: Monday + 5 = next Monday.
        assert_eq!(
            cal.add_working_days(date!(2026 - 03 - 02), 5),
            date!(2026 - 03 - 09)
        );
        // Across Giỗ Tổ 2026 (Sunday 26/4, compensated on Monday 27/4).
        assert_eq!(
            cal.add_working_days(date!(2026 - 04 - 20), 5),
            date!(2026 - 04 - 28)
        );
        assert_eq!(
            cal.working_days_between(date!(2026 - 03 - 09), date!(2026 - 03 - 02)),
            0
        );
    }

    #[test]
    fn adjustments_override() {
        let sat = date!(2027 - 03 - 06);
        let mon = date!(2027 - 03 - 08);
        let adj = vec![
            DayAdjustment {
                date: sat,
                kind: AdjustmentKind::WorkingDay,
                name_vi: "Làm bù".to_string(),
                legal_basis: None,
            },
            DayAdjustment {
                date: mon,
                kind: AdjustmentKind::DayOff,
                name_vi: "Nghỉ hoán đổi".to_string(),
                legal_basis: None,
            },
        ];
        let cal = WorkingCalendar::new(adj);
        assert!(cal.is_working_day(sat));
        assert!(!cal.is_working_day(mon));
        assert_eq!(cal.holiday_name(mon).as_deref(), Some("Nghỉ hoán đổi"));
        assert_eq!(cal.add_working_days(date!(2027 - 03 - 05), 1), sat);
        assert_eq!(
            cal.add_working_days(date!(2027 - 03 - 05), 2),
            date!(2027 - 03 - 09)
        );
        // A working_day row cancels a holiday too.
        let cal = WorkingCalendar::new(vec![DayAdjustment {
            date: date!(2027 - 04 - 30),
            kind: AdjustmentKind::WorkingDay,
            name_vi: "Làm việc".to_string(),
            legal_basis: None,
        }]);
        assert!(cal.is_working_day(date!(2027 - 04 - 30)));
        assert_eq!(cal.holiday_name(date!(2027 - 04 - 30)), None);
    }

    #[test]
    fn named_rows_replace_computed_holiday() {
        // Move Quốc khánh 2027 (Thursday) adjacent day from Fri 3/9 to Wed 1/9.
        let adj = [date!(2027 - 09 - 01), date!(2027 - 09 - 02)]
            .into_iter()
            .map(|date| DayAdjustment {
                date,
                kind: AdjustmentKind::DayOff,
                name_vi: "quoc khanh".to_string(),
                legal_basis: None,
            })
            .collect();
        let cal = WorkingCalendar::new(adj);
        assert!(!cal.is_working_day(date!(2027 - 09 - 01)));
        assert!(cal.is_working_day(date!(2027 - 09 - 03)));
        assert_eq!(
            cal.holiday_name(date!(2027 - 09 - 01)).as_deref(),
            Some("Quốc khánh")
        );
        assert_eq!(
            Holiday::from_name("Tết Âm lịch"),
            Some(Holiday::LunarNewYear)
        );
        assert_eq!(
            Holiday::from_name(" TẾT  nguyên đán"),
            Some(Holiday::LunarNewYear)
        );
        assert_eq!(Holiday::from_name("Nghỉ bù"), None);
    }

    #[test]
    fn statutory_counts() {
        for year in SUPPORTED_YEARS {
            let n = statutory_holidays(year).len();
            assert_eq!(n, if year == 2020 { 10 } else { 11 }, "{year}");
        }
        assert!(statutory_holidays(2031).is_empty());
    }

    proptest! {
        #[test]
        fn add_then_count(offset in 0i32..4000, n in 0u32..60) {
            let cal = WorkingCalendar::default();
            let start = Date::from_julian_day(date!(2020 - 01 - 01).to_julian_day() + offset).unwrap();
            let end = cal.add_working_days(start, n);
            prop_assert_eq!(cal.working_days_between(start, end), n);
            if n > 0 {
                prop_assert!(cal.is_working_day(end));
            }
        }
    }
}

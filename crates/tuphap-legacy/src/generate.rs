//! A deterministic generator of a synthetic but realistic country, written as a legacy-import
//! file (`docs/legacy-format.md`).
//!
//! The simulation walks the registration days from 1990-01-01 to 2026-10-31 in order. The
//! number of births, marriages and deaths registered on each day follows yearly weights and the
//! working week (none on Sundays, a quarter on Saturdays), scaled so that the totals are exactly
//! the requested counts in the proportions of the national registry (36.65 M births, 8.20 M
//! marriages, 6.16 M deaths). Each event is decided, written and applied to the population
//! before the next one, so every rule the importer checks holds in file order:
//!
//! * **Births**: the parents are the next couple due for a child (registry marriages and couples
//!   formed at an earlier birth, a birth every 20–60 months, the mother 45 at most), or a new
//!   couple: each parent is a registry-born person of the right year of birth when the year is
//!   1990 or later and one is free, else an adult outside the registry (with a personal ID
//!   whose province is that of the residence). About 4 % have no father. The office is the
//!   mother's commune of residence on the registration date; the child's ID has that office's
//!   province. Sex ratio at birth ≈ 1.12. About 4 % are registered late (75 days to 14 years
//!   after the birth), the rest within 55 days.
//! * **Marriages**: the husband 21–45 and the wife 19–40 in difference of years (so at least
//!   20 and 18 full years), registry-born singles when their year of birth is covered, never a
//!   person already married, partnered, deceased, or related to the other within three
//!   generations. Nobody marries twice (the registry records no divorce, so a widow could not
//!   remarry without one). Most wives then move to the husband's commune.
//! * **Deaths**: ages mostly 60–99, some infants, children and adults; registry-born persons
//!   and stored adults when their year of birth matches, else elderly people outside the
//!   registry. A person dies once, never before their last registered event. About 7 % are
//!   registered late (30 days to 2 years), the rest within 12 days.
//!
//! Residences are communes valid on each event's date (`geo`), carried across the 2025 reform
//! through the successions. Everything is drawn from one `ChaCha8Rng` seeded with the seed, so
//! the same seed and count give a byte-identical file.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, BufWriter, Write};

use rand::seq::SliceRandom;
use rand::{Rng, RngCore};
use time::{Date, Weekday};
use tuphap_core::civil::full_years;
use tuphap_core::personal_id::{Sex, century_sex_digit};

use crate::format::{
    BOOK, BirthDeclaration, ChildInput, DeathDeclaration, DeceasedInput, DeclarantInput,
    Declaration, LegacyRecord, MarriageDeclaration, ParentInput, PlaceInput, RecordKind,
    Registration, SpouseInput,
};
use crate::geo::Geo;
use crate::names::{NameParts, Names};
use crate::{SeededRng, seeded_rng};

/// Births registered in the national registry (the seed's figure).
pub const NATIONAL_BIRTHS: u64 = 36_650_000;
/// Marriages registered in the national registry.
pub const NATIONAL_MARRIAGES: u64 = 8_200_000;
/// Deaths registered in the national registry.
pub const NATIONAL_DEATHS: u64 = 6_160_000;
/// All rows at national scale.
pub const NATIONAL_ROWS: u64 = NATIONAL_BIRTHS + NATIONAL_MARRIAGES + NATIONAL_DEATHS;

/// First registration date.
pub const FIRST_DAY: Date = time::macros::date!(1990 - 01 - 01);
/// Last registration date.
pub const LAST_DAY: Date = time::macros::date!(2026 - 10 - 31);

/// Births registered more than this many days after the birth are late for sure (60 days, plus
/// any shift of the deadline past weekends and holidays); on-time ones are within 55 days.
pub const LATE_BIRTH_MIN_DAYS: i32 = 75;
/// Deaths registered at least this many days after the death are late for sure (15 days plus
/// shifts); on-time ones are within 12 days.
pub const LATE_DEATH_MIN_DAYS: i32 = 30;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Seed of the random generator: same seed and count, same bytes.
    pub seed: u64,
    /// Total number of rows (split in the national proportions).
    pub count: Option<u64>,
    /// The national scale: 51.01 M rows. Exclusive with `count`.
    pub national: bool,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GenerateReport {
    pub rows: u64,
    pub births: u64,
    pub marriages: u64,
    pub deaths: u64,
    /// Births registered at least [`LATE_BIRTH_MIN_DAYS`] after the birth.
    pub late_births: u64,
    /// Deaths registered at least [`LATE_DEATH_MIN_DAYS`] after the death.
    pub late_deaths: u64,
    /// Persons kept in memory during the simulation.
    pub persons: u64,
    /// Registration date of the first and last row (`YYYY-MM-DD`, empty without rows).
    pub first_date: String,
    pub last_date: String,
}

/// The numbers of births, marriages and deaths for `total` rows, in the national proportions
/// (largest remainder, so they add up to `total`).
pub fn split_counts(total: u64) -> (u64, u64, u64) {
    let share = |n: u64| -> u64 {
        u64::try_from(u128::from(total) * u128::from(n) / u128::from(NATIONAL_ROWS))
            .unwrap_or(u64::MAX)
    };
    let (mut b, mut m, mut d) = (
        share(NATIONAL_BIRTHS),
        share(NATIONAL_MARRIAGES),
        share(NATIONAL_DEATHS),
    );
    // Remainders in order of their fractional parts.
    let frac = |n: u64| u128::from(total) * u128::from(n) % u128::from(NATIONAL_ROWS);
    let mut order = [
        (frac(NATIONAL_BIRTHS), 0u8),
        (frac(NATIONAL_MARRIAGES), 1),
        (frac(NATIONAL_DEATHS), 2),
    ];
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = total.saturating_sub(b + m + d);
    for (_, k) in order {
        if left == 0 {
            break;
        }
        match k {
            0 => b += 1,
            1 => m += 1,
            _ => d += 1,
        }
        left -= 1;
    }
    (b, m, d)
}

/// Generates the file into `out` (buffered here) and reports what it wrote.
pub fn generate<W: Write>(opts: GenerateOptions, out: &mut W) -> io::Result<GenerateReport> {
    let total = match (opts.count, opts.national) {
        (Some(_), true) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "give either a count or the national scale, not both",
            ));
        }
        (Some(n), false) => n,
        (None, true) => NATIONAL_ROWS,
        (None, false) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "give a count of rows or the national scale",
            ));
        }
    };
    let (births, marriages, deaths) = split_counts(total);
    let geo = Geo::load();
    let names = Names::shared();
    let mut w = BufWriter::with_capacity(1 << 20, out);
    let mut sim = Sim::new(opts.seed, &geo, names, births, marriages);
    let first = FIRST_DAY.to_julian_day();
    let last = LAST_DAY.to_julian_day();
    let plan = [
        DayPlan::new(RecordKind::Birth, births, first, last),
        DayPlan::new(RecordKind::Marriage, marriages, first, last),
        DayPlan::new(RecordKind::Death, deaths, first, last),
    ];
    let mut cum = [0u128; 3];
    let mut done = [0u64; 3];
    let mut kinds: Vec<RecordKind> = Vec::new();
    for day in first..=last {
        kinds.clear();
        for (i, p) in plan.iter().enumerate() {
            cum[i] += u128::from(p.weight(day));
            let target = p.target(cum[i]);
            let n = target.saturating_sub(done[i]);
            done[i] = target;
            kinds.extend(std::iter::repeat_n(p.kind, usize::try_from(n).unwrap_or(0)));
        }
        kinds.shuffle(&mut sim.rng);
        for &k in &kinds {
            match k {
                RecordKind::Birth => sim.birth(day, &mut w)?,
                RecordKind::Marriage => sim.marriage(day, &mut w)?,
                RecordKind::Death => sim.death(day, &mut w)?,
            }
        }
    }
    w.flush()?;
    sim.report.persons = sim.persons.len() as u64;
    Ok(sim.report)
}

/// Spreads the events of one kind over the registration days.
struct DayPlan {
    kind: RecordKind,
    total: u64,
    sum: u128,
}

fn weekday_factor(day: i32) -> u64 {
    match Date::from_julian_day(day).map(Date::weekday) {
        Ok(Weekday::Sunday) => 0,
        Ok(Weekday::Saturday) => 1,
        _ => 4,
    }
}

fn year_weight(kind: RecordKind, year: i32) -> u64 {
    let y = i64::from(year);
    let w = match kind {
        RecordKind::Birth => match y {
            ..=1999 => 1650 - 20 * (y - 1990),
            2000..=2014 => 1450,
            2015..=2019 => 1500,
            _ => 1450 - 30 * (y - 2020),
        },
        RecordKind::Marriage => (150 + 8 * (y - 1990)).min(260),
        RecordKind::Death => match y {
            ..=2020 => 60 + 7 * (y - 1990),
            2021 => 330,
            _ => 280,
        },
    };
    u64::try_from(w.max(1)).unwrap_or(1)
}

fn year_of(day: i32) -> i32 {
    Date::from_julian_day(day).map_or(1990, Date::year)
}

impl DayPlan {
    fn new(kind: RecordKind, total: u64, first: i32, last: i32) -> DayPlan {
        let mut p = DayPlan {
            kind,
            total,
            sum: 0,
        };
        p.sum = (first..=last).map(|d| u128::from(p.weight(d))).sum();
        p
    }

    fn weight(&self, day: i32) -> u64 {
        year_weight(self.kind, year_of(day)) * weekday_factor(day)
    }

    fn target(&self, cum: u128) -> u64 {
        if self.sum == 0 {
            return 0;
        }
        u64::try_from(u128::from(self.total) * cum / self.sum).unwrap_or(self.total)
    }
}

/// Registration years 1990..=2026.
const REGISTER_YEARS: usize = 37;

/// No person.
const NONE: u32 = u32::MAX;
/// Days are kept as `u16` days since this day.
const EPOCH_YEAR: i32 = 1850;

const FEMALE: u8 = 1;
const DEAD: u8 = 2;
const NEW_TIER: u8 = 4;
const MARRIED: u8 = 8;
const PARTNERED: u8 = 16;
const REGISTRY: u8 = 32;
const MIDDLE: u8 = 64;

/// A person of the simulated population (24 bytes).
#[derive(Debug, Clone, Copy)]
struct Person {
    mother: u32,
    father: u32,
    /// Serial of the personal ID (`NONE`: no ID).
    id_serial: u32,
    dob: u16,
    last_event: u16,
    given: u16,
    residence: u16,
    surname: u8,
    /// Province part of the personal ID (1 = `001`).
    id_prov: u8,
    ethnicity: u8,
    flags: u8,
}

impl Person {
    fn female(&self) -> bool {
        self.flags & FEMALE != 0
    }
    fn sex(&self) -> Sex {
        if self.female() {
            Sex::Female
        } else {
            Sex::Male
        }
    }
    fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
    fn name_parts(&self) -> NameParts {
        NameParts {
            surname: self.surname,
            given: self.given,
            middle_by_sex: self.has(MIDDLE),
        }
    }
    fn new_tier(&self) -> bool {
        self.has(NEW_TIER)
    }
}

/// Ethnic groups (codes of QĐ 121-TCTK/PPCĐ) with rough national shares in ‰ (census 2019,
/// rounded); the remaining groups share the rest.
const ETHNIC: [(u8, u32); 20] = [
    (1, 853),
    (2, 19),
    (3, 18),
    (6, 15),
    (8, 15),
    (5, 14),
    (7, 11),
    (9, 9),
    (4, 8),
    (10, 5),
    (12, 4),
    (13, 3),
    (14, 2),
    (15, 2),
    (16, 2),
    (17, 2),
    (18, 2),
    (19, 1),
    (20, 1),
    (21, 14),
];

fn ethnic_code(e: u8) -> String {
    format!("{e:02}")
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn address(h: u64) -> String {
    let a = 1 + (h >> 8) % 20;
    let b = 1 + (h >> 20) % 150;
    match h % 5 {
        0 => format!("Thôn {a}"),
        1 => format!("Tổ dân phố {a}"),
        2 => format!("Số {b}, ngõ {}", 1 + (h >> 32) % 300),
        3 => format!("Xóm {a}"),
        _ => format!("Ấp {a}"),
    }
}

struct Sim<'a> {
    rng: SeededRng,
    seed: u64,
    geo: &'a Geo,
    names: &'a Names,
    epoch_jd: i32,
    persons: Vec<Person>,
    /// Living persons by year of birth (index: year − 1850).
    alive_by_year: Vec<Vec<u32>>,
    /// Registry-born persons never married nor partnered, by sex (0 male, 1 female) and year.
    singles: [Vec<Vec<u32>>; 2],
    /// Couples due for a child: (day, wife, husband or NONE, children still planned).
    couples: BinaryHeap<Reverse<(u16, u32, u32, u8)>>,
    /// Next ID serial per (province, century/sex digit, year % 100).
    id_counters: Vec<u32>,
    /// Last register number per (office code, tier, kind, year).
    registers: Vec<u32>,
    ethnic_total: u32,
    line: u64,
    report: GenerateReport,
}

fn rel(r: &str) -> String {
    r.to_string()
}

impl<'a> Sim<'a> {
    fn new(seed: u64, geo: &'a Geo, names: &'a Names, births: u64, marriages: u64) -> Sim<'a> {
        let years = usize::try_from(2030 - EPOCH_YEAR).unwrap_or(180);
        let capacity = births + marriages + births / 3;
        Sim {
            rng: seeded_rng(seed),
            seed,
            geo,
            names,
            epoch_jd: Date::from_calendar_date(EPOCH_YEAR, time::Month::January, 1)
                .map_or(0, Date::to_julian_day),
            persons: Vec::with_capacity(usize::try_from(capacity).unwrap_or(0)),
            alive_by_year: vec![Vec::new(); years],
            singles: [vec![Vec::new(); years], vec![Vec::new(); years]],
            couples: BinaryHeap::new(),
            id_counters: vec![0; 100 * 10 * 100],
            registers: Vec::new(),
            ethnic_total: ETHNIC.iter().map(|e| e.1).sum(),
            line: 0,
            report: GenerateReport::default(),
        }
    }

    // ---- days and dates ----

    fn to_u16(&self, jd: i32) -> u16 {
        u16::try_from((jd - self.epoch_jd).clamp(0, i32::from(u16::MAX))).unwrap_or(0)
    }
    fn to_jd(&self, d: u16) -> i32 {
        self.epoch_jd + i32::from(d)
    }
    fn date(&self, jd: i32) -> Date {
        Date::from_julian_day(jd).unwrap_or(FIRST_DAY)
    }
    fn iso(&self, jd: i32) -> String {
        self.date(jd).to_string()
    }
    fn year_index(year: i32) -> Option<usize> {
        usize::try_from(year - EPOCH_YEAR).ok()
    }
    fn dob_date(&self, p: &Person) -> Date {
        self.date(self.to_jd(p.dob))
    }
    /// A random day of `year` not after `not_after`.
    fn day_in_year(&mut self, year: i32, not_after: i32) -> i32 {
        let start = Date::from_calendar_date(year, time::Month::January, 1)
            .map_or(not_after, Date::to_julian_day);
        let end = (start + 364).min(not_after);
        if end <= start {
            return end;
        }
        self.rng.random_range(start..=end)
    }

    // ---- random helpers ----

    fn pct(&mut self, p: u32) -> bool {
        self.rng.random_range(0..100) < p
    }
    /// Triangular on `lo..=hi` with mode `mode`.
    fn tri(&mut self, lo: i32, mode: i32, hi: i32) -> i32 {
        let u: f64 = self.rng.random();
        let (a, c, b) = (f64::from(lo), f64::from(mode), f64::from(hi) + 1.0);
        let f = (c - a) / (b - a);
        let x = if u < f {
            a + (u * (b - a) * (c - a)).sqrt()
        } else {
            b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
        };
        (x.floor() as i32).clamp(lo, hi)
    }
    fn ethnicity(&mut self) -> u8 {
        let mut pick = self.rng.random_range(0..self.ethnic_total);
        for &(code, w) in &ETHNIC {
            if pick < w {
                if code == 21 {
                    // The smaller groups, 21–54.
                    return u8::try_from(self.rng.random_range(21..=54)).unwrap_or(1);
                }
                return code;
            }
            pick -= w;
        }
        1
    }

    // ---- persons ----

    fn alloc_id(&mut self, prov: u8, female: bool, year: i32) -> io::Result<u32> {
        let sex = if female { Sex::Female } else { Sex::Male };
        let Some(digit) = century_sex_digit(sex, year) else {
            return Ok(NONE);
        };
        let yy = usize::try_from(year.rem_euclid(100)).unwrap_or(0);
        let key = (usize::from(prov) * 10 + usize::from(digit)) * 100 + yy;
        let Some(n) = self.id_counters.get_mut(key) else {
            return Ok(NONE);
        };
        if *n >= 1_000_000 {
            return Err(io::Error::other(format!(
                "personal ID serials exhausted for province {prov:03}, digit {digit}, year {year}"
            )));
        }
        let count = u64::from(*n);
        *n += 1;
        // A bijection of 0..1,000,000 (618,033 is prime to 10^6), offset per key and seed.
        let offset = splitmix(self.seed ^ (key as u64)) % 1_000_000;
        Ok(u32::try_from((count * 618_033 + offset) % 1_000_000).unwrap_or(0))
    }

    fn personal_id(&self, p: &Person) -> Option<String> {
        if p.id_serial == NONE {
            return None;
        }
        let year = self.dob_date(p).year();
        let digit = century_sex_digit(p.sex(), year)?;
        Some(format!(
            "{:03}{}{:02}{:06}",
            p.id_prov,
            digit,
            year.rem_euclid(100),
            p.id_serial
        ))
    }

    fn name(&self, p: &Person) -> String {
        self.names.render(p.name_parts(), p.female())
    }

    /// A person outside the registry born in `year` (before `not_after`), living in a random
    /// commune on `day` (or in `residence`), with a personal ID of that residence's province.
    fn outsider(
        &mut self,
        female: bool,
        year: i32,
        not_after: i32,
        day: i32,
        residence: Option<(u16, bool)>,
    ) -> io::Result<Person> {
        let (c, t) = match residence {
            Some(r) => r,
            None => self.geo.random_commune(&mut self.rng, day),
        };
        let dob = self.day_in_year(year, not_after);
        let south = self.geo.south(c, t);
        let surname = self.names.sample_surname(&mut self.rng, south);
        let (given, middle) = self.names.sample_given(&mut self.rng, female);
        let id_prov = self.geo.id_province(c, t);
        let id_serial = self.alloc_id(id_prov, female, self.date(dob).year())?;
        let ethnicity = self.ethnicity();
        Ok(Person {
            mother: NONE,
            father: NONE,
            id_serial,
            dob: self.to_u16(dob),
            last_event: self.to_u16(day),
            given,
            residence: c,
            surname,
            id_prov,
            ethnicity,
            flags: (u8::from(female) * FEMALE)
                | (u8::from(t) * NEW_TIER)
                | (u8::from(middle) * MIDDLE),
        })
    }

    fn store(&mut self, p: Person) -> u32 {
        let idx = u32::try_from(self.persons.len()).unwrap_or(NONE);
        let year = self.dob_date(&p).year();
        if let Some(list) = Self::year_index(year).and_then(|y| self.alive_by_year.get_mut(y)) {
            list.push(idx);
        }
        if p.has(REGISTRY)
            && let Some(list) = Self::year_index(year)
                .and_then(|y| self.singles[usize::from(p.female())].get_mut(y))
        {
            list.push(idx);
        }
        self.persons.push(p);
        idx
    }

    fn person(&self, i: u32) -> Option<&Person> {
        self.persons.get(usize::try_from(i).ok()?)
    }
    fn person_mut(&mut self, i: u32) -> Option<&mut Person> {
        self.persons.get_mut(usize::try_from(i).ok()?)
    }

    /// The residence of person `i` on `day` (updated in place across the reform or a
    /// dissolution).
    fn residence(&mut self, i: u32, day: i32) -> (u16, bool) {
        let Some(p) = self.person(i).copied() else {
            return self.geo.random_commune(&mut self.rng, day);
        };
        let (c, t) = self.geo.resolve(
            &mut self.rng,
            p.residence,
            p.new_tier(),
            day,
            splitmix(u64::from(i)),
        );
        if let Some(p) = self.person_mut(i) {
            p.residence = c;
            p.flags = (p.flags & !NEW_TIER) | (u8::from(t) * NEW_TIER);
        }
        (c, t)
    }

    fn set_residence(&mut self, i: u32, r: (u16, bool)) {
        if let Some(p) = self.person_mut(i) {
            p.residence = r.0;
            p.flags = (p.flags & !NEW_TIER) | (u8::from(r.1) * NEW_TIER);
        }
    }

    fn touch(&mut self, i: u32, day: i32) {
        let d = self.to_u16(day);
        if let Some(p) = self.person_mut(i) {
            p.last_event = p.last_event.max(d);
        }
    }

    /// Mother, father and the four grandparents.
    fn ancestors(&self, i: u32) -> [u32; 6] {
        let parents = |x: u32| {
            self.person(x)
                .map_or((NONE, NONE), |p| (p.mother, p.father))
        };
        let (m, f) = parents(i);
        let (mm, mf) = parents(m);
        let (fm, ff) = parents(f);
        [m, f, mm, mf, fm, ff]
    }

    /// Blood relatives within three generations (or direct line) by the recorded births.
    fn related(&self, a: u32, b: u32) -> bool {
        let aa = self.ancestors(a);
        let bb = self.ancestors(b);
        aa.contains(&b) || bb.contains(&a) || aa.iter().any(|&x| x != NONE && bb.contains(&x))
    }

    /// A registry-born single of `female` sex born in `year` who is at least `min_age` full
    /// years old on `day` and was not born after `born_before`; removed from the pool only when
    /// `take` is called. Returns the pool position and the person.
    fn find_single(
        &mut self,
        female: bool,
        year: i32,
        day: i32,
        min_age: i32,
        avoid: Option<u32>,
    ) -> Option<(usize, u32)> {
        let yi = Self::year_index(year)?;
        let on = self.date(day);
        for _ in 0..8 {
            let len = self.singles[usize::from(female)].get(yi)?.len();
            if len == 0 {
                return None;
            }
            let pos = self.rng.random_range(0..len);
            let idx = self.singles[usize::from(female)][yi][pos];
            let p = self.person(idx).copied()?;
            if p.has(DEAD) || p.has(MARRIED) || p.has(PARTNERED) {
                self.singles[usize::from(female)][yi].swap_remove(pos);
                continue;
            }
            if full_years(self.dob_date(&p), on) < min_age || p.last_event > self.to_u16(day) {
                continue;
            }
            if let Some(o) = avoid
                && self.related(o, idx)
            {
                continue;
            }
            return Some((pos, idx));
        }
        None
    }

    fn take_single(&mut self, female: bool, year: i32, pos: usize) {
        if let Some(list) =
            Self::year_index(year).and_then(|y| self.singles[usize::from(female)].get_mut(y))
            && pos < list.len()
        {
            list.swap_remove(pos);
        }
    }

    // ---- output ----

    fn next_number(&mut self, office: (u16, bool), kind: RecordKind, year: i32) -> u32 {
        let k = match kind {
            RecordKind::Birth => 0usize,
            RecordKind::Death => 1,
            RecordKind::Marriage => 2,
        };
        let y = usize::try_from(year - FIRST_DAY.year()).unwrap_or(0);
        let key =
            ((usize::from(office.0) * 2 + usize::from(office.1)) * 3 + k) * REGISTER_YEARS + y;
        if self.registers.len() <= key {
            self.registers.resize(key + 1, 0);
        }
        self.registers[key] += 1;
        self.registers[key]
    }

    fn emit<W: Write>(
        &mut self,
        w: &mut W,
        day: i32,
        office: (u16, bool),
        declaration: Declaration,
        child_personal_id: Option<String>,
    ) -> io::Result<()> {
        let kind = declaration.kind();
        let year = year_of(day);
        let number = self.next_number(office, kind, year);
        self.line += 1;
        let prefix = match kind {
            RecordKind::Birth => "KS",
            RecordKind::Death => "KT",
            RecordKind::Marriage => "KH",
        };
        let date = self.iso(day);
        if self.report.first_date.is_empty() {
            self.report.first_date.clone_from(&date);
        }
        let rec = LegacyRecord {
            source_id: format!("{prefix}-{year}-{:09}", self.line),
            kind,
            registration: Registration {
                office_unit_code: self.geo.code(office.0).to_string(),
                date,
                number,
                book: BOOK.to_string(),
            },
            declaration,
            child_personal_id,
        };
        serde_json::to_writer(&mut *w, &rec)?;
        w.write_all(b"\n")?;
        self.report.last_date = rec.registration.date;
        self.report.rows += 1;
        match kind {
            RecordKind::Birth => self.report.births += 1,
            RecordKind::Death => self.report.deaths += 1,
            RecordKind::Marriage => self.report.marriages += 1,
        }
        Ok(())
    }

    fn place(&self, c: u16, detail: Option<String>) -> PlaceInput {
        PlaceInput {
            admin_unit_code: self.geo.code(c).to_string(),
            detail,
        }
    }

    fn home(&self, i: u32, r: (u16, bool)) -> PlaceInput {
        let key = if i == NONE {
            self.line | 1 << 40
        } else {
            u64::from(i)
        };
        let h = splitmix(self.seed ^ (key << 20) ^ u64::from(r.0));
        self.place(r.0, Some(address(h)))
    }

    fn parent_input(&self, i: u32, r: (u16, bool)) -> Option<ParentInput> {
        let p = self.person(i)?;
        Some(ParentInput {
            full_name: self.name(p),
            date_of_birth: Some(self.iso(self.to_jd(p.dob))),
            personal_id: self.personal_id(p),
            ethnicity_code: ethnic_code(p.ethnicity),
            nationality_code: "VN".into(),
            residence: self.home(i, r),
        })
    }

    fn spouse_input(&self, i: u32, r: (u16, bool)) -> Option<SpouseInput> {
        let p = self.person(i)?;
        Some(SpouseInput {
            full_name: self.name(p),
            date_of_birth: self.iso(self.to_jd(p.dob)),
            personal_id: self.personal_id(p),
            ethnicity_code: ethnic_code(p.ethnicity),
            nationality_code: "VN".into(),
            residence: self.home(i, r),
        })
    }

    /// A commune valid on the earlier day `on` near the residence `r` (same commune when
    /// `same` and still valid, else another commune of the province).
    fn place_near(&mut self, r: (u16, bool), on: i32, same: bool) -> u16 {
        if same && self.geo.valid(r.0, r.1, on).is_some() {
            return r.0;
        }
        if self.geo.valid(r.0, r.1, on).is_some() {
            let old = self.geo.old_province_of(&mut self.rng, r.0, r.1);
            return self.geo.commune_in(&mut self.rng, old, on).0;
        }
        let pick = self.rng.next_u64();
        self.geo.resolve(&mut self.rng, r.0, r.1, on, pick).0
    }

    // ---- events ----

    /// A new couple for a birth on `birth_day`, registered on `day`.
    fn new_couple(&mut self, birth_day: i32, day: i32) -> io::Result<(u32, u32, u8)> {
        let birth_year = year_of(birth_day);
        let mother_age = self.tri(18, 24, 42);
        let my = birth_year - mother_age;
        // Born at least 16 years before the child.
        let latest_dob = birth_day - 16 * 366;
        let mother = match (my >= 1990)
            .then(|| self.find_single(true, my, birth_day, 16, None))
            .flatten()
        {
            Some((pos, idx)) => {
                self.take_single(true, my, pos);
                if let Some(p) = self.person_mut(idx) {
                    p.flags |= PARTNERED;
                }
                idx
            }
            None => {
                let p = self.outsider(true, my, latest_dob, day, None)?;
                self.store(p)
            }
        };
        let father = if self.pct(96) {
            let fy = birth_year - (mother_age + self.tri(-1, 2, 8)).max(20);
            match (fy >= 1990)
                .then(|| self.find_single(false, fy, birth_day, 18, Some(mother)))
                .flatten()
            {
                Some((pos, idx)) => {
                    self.take_single(false, fy, pos);
                    if let Some(p) = self.person_mut(idx) {
                        p.flags |= PARTNERED;
                    }
                    // The mother moves in with him.
                    let r = self.residence(idx, day);
                    self.set_residence(mother, r);
                    idx
                }
                None => {
                    let r = self.residence(mother, day);
                    let p = self.outsider(false, fy, latest_dob, day, Some(r))?;
                    self.store(p)
                }
            }
        } else {
            NONE
        };
        let children = match self.rng.random_range(0..100) {
            0..30 => 1,
            30..75 => 2,
            75..93 => 3,
            _ => 4,
        };
        Ok((mother, father, children))
    }

    fn birth<W: Write>(&mut self, day: i32, w: &mut W) -> io::Result<()> {
        let delay = if self.pct(4) {
            match self.rng.random_range(0..10) {
                0..6 => self.rng.random_range(LATE_BIRTH_MIN_DAYS..=365),
                6..9 => self.rng.random_range(366..=1825),
                _ => self.rng.random_range(1826..=5000),
            }
        } else {
            1 + self
                .rng
                .random_range(0..55)
                .min(self.rng.random_range(0..55))
        };
        let birth_day = day - delay;
        let birth_u16 = self.to_u16(birth_day);
        // The next couple due for a child, if any is due by the birth.
        let mut parents = None;
        while let Some(&Reverse((due, wife, husband, left))) = self.couples.peek() {
            if due > birth_u16 {
                break;
            }
            self.couples.pop();
            let Some(m) = self.person(wife).copied() else {
                continue;
            };
            let husband_ok = husband == NONE
                || self
                    .person(husband)
                    .is_some_and(|h| !h.has(DEAD) && h.dob < birth_u16);
            let age = full_years(self.dob_date(&m), self.date(birth_day));
            if m.has(DEAD) || !husband_ok || !(16..=45).contains(&age) {
                continue;
            }
            parents = Some((wife, husband, left));
            break;
        }
        let (mother, father, left) = match parents {
            Some(p) => p,
            None => self.new_couple(birth_day, day)?,
        };
        let left = left.saturating_sub(1);
        if left > 0 {
            let next = birth_day + self.rng.random_range(600..=1800);
            let wife = mother;
            self.couples
                .push(Reverse((self.to_u16(next), wife, father, left)));
        }
        // Residences on the registration day; the office is the mother's commune.
        let mr = self.residence(mother, day);
        let fr = if father == NONE {
            None
        } else {
            Some(self.residence(father, day))
        };
        let office = mr;
        let Some(m) = self.person(mother).copied() else {
            return Err(io::Error::other("mother missing"));
        };
        let f = self.person(father).copied();
        let female = !self.pct(53);
        let surname = f.map_or(m.surname, |f| f.surname);
        let (given, middle) = self.names.sample_given(&mut self.rng, female);
        let id_prov = self.geo.id_province(office.0, office.1);
        let id_serial = self.alloc_id(id_prov, female, year_of(birth_day))?;
        let child = Person {
            mother,
            father,
            id_serial,
            dob: birth_u16,
            last_event: self.to_u16(day),
            given,
            residence: mr.0,
            surname,
            id_prov,
            ethnicity: f.map_or(m.ethnicity, |f| f.ethnicity),
            flags: (u8::from(female) * FEMALE)
                | (u8::from(mr.1) * NEW_TIER)
                | (u8::from(middle) * MIDDLE)
                | REGISTRY,
        };
        let same = self.pct(70);
        let place_code = self.place_near(mr, birth_day, same);
        let place_detail = if year_of(birth_day) < 2000 && self.pct(30) {
            "Tại nhà"
        } else if same {
            "Trạm y tế xã"
        } else {
            [
                "Bệnh viện đa khoa tỉnh",
                "Bệnh viện Phụ sản",
                "Bệnh viện đa khoa huyện",
            ][self.rng.random_range(0..3)]
        };
        let mother_in = self.parent_input(mother, mr);
        let father_in = match fr {
            Some(r) => self.parent_input(father, r),
            None => None,
        };
        let Some(mother_in) = mother_in else {
            return Err(io::Error::other("mother missing"));
        };
        let declarant = match (&father_in, self.pct(55)) {
            (Some(fi), true) => DeclarantInput {
                full_name: fi.full_name.clone(),
                personal_id: fi.personal_id.clone(),
                relationship: rel("cha"),
            },
            _ => DeclarantInput {
                full_name: mother_in.full_name.clone(),
                personal_id: mother_in.personal_id.clone(),
                relationship: rel("mẹ"),
            },
        };
        let decl = BirthDeclaration {
            child: ChildInput {
                full_name: self.names.render(child.name_parts(), female),
                sex: child.sex().as_str().into(),
                date_of_birth: self.iso(birth_day),
                place_of_birth: self.place(place_code, Some(place_detail.into())),
                ethnicity_code: ethnic_code(child.ethnicity),
                nationality_code: "VN".into(),
                home_town: None,
            },
            mother: mother_in,
            father: father_in,
            declarant,
        };
        let child_id = self.personal_id(&child);
        self.touch(mother, day);
        if father != NONE {
            self.touch(father, day);
        }
        self.store(child);
        if delay >= LATE_BIRTH_MIN_DAYS {
            self.report.late_births += 1;
        }
        self.emit(w, day, office, Declaration::Birth(decl), child_id)
    }

    /// A spouse of `female` sex, `age` years (difference of years) on `day`.
    fn spouse(
        &mut self,
        female: bool,
        age: i32,
        day: i32,
        min_age: i32,
        other: Option<u32>,
    ) -> io::Result<(u32, bool)> {
        let year = year_of(day) - age;
        if year >= 1990
            && let Some((pos, idx)) = self.find_single(female, year, day, min_age, other)
        {
            self.take_single(female, year, pos);
            return Ok((idx, true));
        }
        let residence = match other {
            Some(o) if self.pct(60) => {
                let r = self.residence(o, day);
                let old = self.geo.old_province_of(&mut self.rng, r.0, r.1);
                Some(self.geo.commune_in(&mut self.rng, old, day))
            }
            _ => None,
        };
        // Born in `year` at the latest on Jan 1 + 0..365 days, so at least age − 1 full years.
        let p = self.outsider(female, year, day, day, residence)?;
        Ok((self.store(p), false))
    }

    fn marriage<W: Write>(&mut self, day: i32, w: &mut W) -> io::Result<()> {
        let husband_age = self.tri(21, 27, 45);
        let wife_age = self.tri(19, 24, 40).min(husband_age + 5);
        let (husband, registry_husband) = self.spouse(false, husband_age, day, 20, None)?;
        if registry_husband && self.pct(10) {
            // Moved to another province for work.
            let r = self.geo.random_commune(&mut self.rng, day);
            self.set_residence(husband, r);
        }
        let (wife, _) = self.spouse(true, wife_age, day, 18, Some(husband))?;
        let hr = self.residence(husband, day);
        let wr = self.residence(wife, day);
        let office = if self.pct(50) { wr } else { hr };
        let (Some(h), Some(wi)) = (self.spouse_input(husband, hr), self.spouse_input(wife, wr))
        else {
            return Err(io::Error::other("spouse missing"));
        };
        let decl = MarriageDeclaration {
            husband: h,
            wife: wi,
        };
        for i in [husband, wife] {
            if let Some(p) = self.person_mut(i) {
                p.flags |= MARRIED;
            }
            self.touch(i, day);
        }
        if self.pct(75) {
            self.set_residence(wife, hr);
        }
        let children = match self.rng.random_range(0..100) {
            0..10 => 0,
            10..35 => 1,
            35..80 => 2,
            80..95 => 3,
            _ => 4,
        };
        if children > 0 {
            let next = day + self.rng.random_range(270..=900);
            self.couples
                .push(Reverse((self.to_u16(next), wife, husband, children)));
        }
        self.emit(w, day, office, Declaration::Marriage(decl), None)
    }

    /// A stored living person born in `year` who may die on `death_day`.
    fn find_dying(&mut self, year: i32, death_day: i32) -> Option<u32> {
        let yi = Self::year_index(year)?;
        let d = self.to_u16(death_day);
        for _ in 0..8 {
            let len = self.alive_by_year.get(yi)?.len();
            if len == 0 {
                return None;
            }
            let pos = self.rng.random_range(0..len);
            let idx = self.alive_by_year[yi][pos];
            let p = self.person(idx).copied()?;
            if p.dob > d || p.last_event > d {
                continue;
            }
            self.alive_by_year[yi].swap_remove(pos);
            return Some(idx);
        }
        None
    }

    fn death<W: Write>(&mut self, day: i32, w: &mut W) -> io::Result<()> {
        let delay = if self.pct(7) {
            self.rng.random_range(LATE_DEATH_MIN_DAYS..=730)
        } else {
            self.rng
                .random_range(0..=12)
                .min(self.rng.random_range(0..=12))
        };
        let death_day = day - delay;
        let death_year = year_of(death_day);
        let mut chosen = None;
        let mut age = 0;
        for _ in 0..6 {
            age = match self.rng.random_range(0..1000) {
                0..15 => 0,
                15..40 => self.rng.random_range(1..=17),
                40..180 => self.rng.random_range(18..=59),
                _ => self.tri(60, 82, 99),
            };
            let year = death_year - age;
            let stored_pref = year >= 1990 || self.pct(40);
            if stored_pref && let Some(i) = self.find_dying(year, death_day) {
                chosen = Some(i);
                break;
            }
            if year < 1990 {
                break;
            }
            // No registry-born person of that age can die now: an elderly person instead.
            age = self.tri(60, 82, 99);
        }
        let (idx, p) = match chosen {
            Some(i) => {
                let Some(p) = self.person(i).copied() else {
                    return Err(io::Error::other("person missing"));
                };
                (i, p)
            }
            None => {
                let female = !self.pct(52);
                let year = (death_year - age).max(EPOCH_YEAR + 1);
                let p = self.outsider(female, year, death_day, day, None)?;
                (NONE, p)
            }
        };
        let r = if idx == NONE {
            (p.residence, p.new_tier())
        } else {
            self.residence(idx, day)
        };
        let dob_jd = self.to_jd(p.dob);
        let dob_year = self.date(dob_jd).year();
        let date_of_birth = if idx == NONE && dob_year < 1935 && self.pct(30) {
            // Only the year is known.
            dob_year.to_string()
        } else {
            self.iso(dob_jd)
        };
        let age_at_death = full_years(self.date(dob_jd), self.date(death_day));
        let at_home = self.pct(if age_at_death >= 60 { 65 } else { 40 });
        let place_code = self.place_near(r, death_day, at_home);
        let place_detail = if at_home {
            "Tại nhà"
        } else {
            [
                "Bệnh viện đa khoa tỉnh",
                "Bệnh viện đa khoa huyện",
                "Trạm y tế xã",
            ][self.rng.random_range(0..3)]
        };
        let causes: &[&str] = match age_at_death {
            0 => &["Bệnh lý sơ sinh", "Viêm phổi", "Sinh non"],
            1..=17 => &[
                "Tai nạn giao thông",
                "Đuối nước",
                "Sốt xuất huyết",
                "Viêm phổi",
            ],
            18..=59 => &[
                "Tai nạn giao thông",
                "Ung thư",
                "Nhồi máu cơ tim",
                "Tai biến mạch máu não",
            ],
            _ => &[
                "Bệnh già",
                "Tai biến mạch máu não",
                "Ung thư",
                "Suy tim",
                "Viêm phổi",
            ],
        };
        let cause = if self.pct(90) {
            Some(causes[self.rng.random_range(0..causes.len())].to_string())
        } else {
            None
        };
        let declarant = self.death_declarant(&p, age_at_death, day);
        let decl = DeathDeclaration {
            deceased: DeceasedInput {
                personal_id: self.personal_id(&p),
                full_name: self.name(&p),
                sex: p.sex().as_str().into(),
                date_of_birth,
                ethnicity_code: Some(ethnic_code(p.ethnicity)),
                nationality_code: Some("VN".into()),
                residence: Some(self.home(idx, r)),
            },
            date_of_death: self.iso(death_day),
            place_of_death: self.place(place_code, Some(place_detail.into())),
            cause,
            declarant,
        };
        if let Some(q) = self.person_mut(idx) {
            q.flags |= DEAD;
        }
        if delay >= LATE_DEATH_MIN_DAYS {
            self.report.late_deaths += 1;
        }
        self.emit(w, day, r, Declaration::Death(decl), None)
    }

    fn death_declarant(&mut self, p: &Person, age: i32, day: i32) -> DeclarantInput {
        // A child's living parent declares.
        if age < 18 {
            for (parent, relation) in [(p.mother, "mẹ"), (p.father, "cha")] {
                if let Some(q) = self.person(parent).copied()
                    && !q.has(DEAD)
                {
                    self.touch(parent, day);
                    return DeclarantInput {
                        full_name: self.name(&q),
                        personal_id: self.personal_id(&q),
                        relationship: rel(relation),
                    };
                }
            }
        }
        let (relation, female, same_surname) = match (age, self.rng.random_range(0..4)) {
            (0..18, 0 | 1) => ("cha", false, true),
            (0..18, _) => ("ông nội", false, true),
            (18..60, 0 | 1) => (if p.female() { "chồng" } else { "vợ" }, !p.female(), false),
            (18..60, 2) => ("anh", false, true),
            (18..60, _) => ("em", self.pct(50), true),
            (_, 0 | 1) => ("con", self.pct(40), true),
            (_, 2) => ("cháu", self.pct(50), true),
            (_, _) => (if p.female() { "chồng" } else { "vợ" }, !p.female(), false),
        };
        let surname = if same_surname && !(p.female() && relation == "con") {
            p.surname
        } else {
            self.names.sample_surname(&mut self.rng, false)
        };
        let parts = self.names.sample(&mut self.rng, surname, female);
        DeclarantInput {
            full_name: self.names.render(parts, female),
            personal_id: None,
            relationship: rel(relation),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_split_exactly() {
        assert_eq!(
            split_counts(NATIONAL_ROWS),
            (NATIONAL_BIRTHS, NATIONAL_MARRIAGES, NATIONAL_DEATHS)
        );
        for n in [0, 1, 2, 3, 7, 1000, 200_000, 1_000_001] {
            let (b, m, d) = split_counts(n);
            assert_eq!(b + m + d, n);
        }
        let (b, m, d) = split_counts(51_010);
        assert_eq!((b, m, d), (36_650, 8_200, 6_160));
    }

    #[test]
    fn options_are_checked() {
        let mut out = Vec::new();
        let both = GenerateOptions {
            seed: 1,
            count: Some(1),
            national: true,
        };
        assert!(generate(both, &mut out).is_err());
        let neither = GenerateOptions {
            seed: 1,
            count: None,
            national: false,
        };
        assert!(generate(neither, &mut out).is_err());
    }

    #[test]
    fn person_is_compact() {
        assert_eq!(std::mem::size_of::<Person>(), 24);
    }

    #[test]
    fn small_files() {
        for n in [0u64, 1, 5, 50] {
            let mut out = Vec::new();
            let r = generate(
                GenerateOptions {
                    seed: 3,
                    count: Some(n),
                    national: false,
                },
                &mut out,
            )
            .unwrap();
            assert_eq!(r.rows, n);
            assert_eq!(out.iter().filter(|&&b| b == b'\n').count() as u64, n);
        }
    }
}

//! Synthetic Vietnamese names from the shipped, clearly licensed name statistics
//! (`data/reference/README.md`):
//!
//! * surnames: the national shares of `names_surname_reference.csv` (Nguyễn 38 %, Trần 11 %, …
//!   together 88.7 %; Wikipedia "Vietnamese name", CC BY-SA 4.0); the remaining 11.3 % is spread
//!   over the other surnames of `names_components_uit.csv` (duyet/vietnamese-namedb, MIT) in
//!   proportion to their counts there. The two names with a northern and a southern form are
//!   drawn by region: Hoàng/Vũ in the north, Huỳnh/Võ in the south;
//! * given names: the two-syllable male and female names of `names_given_compound_duyet.csv`
//!   (MIT), drawn uniformly (the source has no frequencies). Some men are named `Văn` + the last
//!   syllable, some women `Thị` + the last syllable, the common middle names by sex.
//!
//! The unlicensed `names_components_by_gender_ngxson.csv` is not used (nor shipped).
//!
//! A name is kept compactly as [`NameParts`] (indices), rendered with [`Names::render`].

use std::sync::LazyLock;

use rand::Rng;

const SURNAMES_CSV: &str = include_str!("../../../data/reference/names_surname_reference.csv");
const COMPONENTS_CSV: &str = include_str!("../../../data/reference/names_components_uit.csv");
const GIVEN_CSV: &str = include_str!("../../../data/reference/names_given_compound_duyet.csv");

/// Share of men named `Văn` + one syllable, in percent.
const MALE_VAN_PCT: u32 = 25;
/// Share of women named `Thị` + one syllable, in percent.
const FEMALE_THI_PCT: u32 = 30;
/// Weights are in units of 1e-4 % (so 38 % = 380,000).
const UNIT: f64 = 10_000.0;

/// A name as indices into [`Names`]: surname, given name (in the list of the person's sex), and
/// whether the `Văn`/`Thị` + last syllable form is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NameParts {
    pub surname: u8,
    pub given: u16,
    pub middle_by_sex: bool,
}

/// The name sampler.
#[derive(Debug, Clone)]
pub struct Names {
    surnames: Vec<String>,
    /// Cumulative weights, northern and southern forms.
    north: Vec<(u32, u8)>,
    south: Vec<(u32, u8)>,
    male: Vec<String>,
    female: Vec<String>,
}

static SHARED: LazyLock<Names> = LazyLock::new(Names::load);

/// The source lists sometimes write the Icelandic `Ð` (U+00D0) for the Vietnamese `Đ` (U+0110).
fn vietnamese_d(s: &str) -> String {
    s.replace('\u{00D0}', "\u{0110}")
        .replace('\u{00F0}', "\u{0111}")
}

fn single_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(char::is_alphabetic)
}

impl Names {
    /// The sampler built once from the embedded files.
    pub fn shared() -> &'static Names {
        &SHARED
    }

    /// Builds the sampler from the embedded CSV files (malformed rows are skipped; the tests
    /// check the counts).
    pub fn load() -> Names {
        let mut surnames: Vec<String> = Vec::new();
        let index_of = |name: &str, surnames: &mut Vec<String>| -> u8 {
            match surnames.iter().position(|s| s == name) {
                Some(i) => u8::try_from(i).unwrap_or(u8::MAX),
                None => {
                    surnames.push(name.to_string());
                    u8::try_from(surnames.len() - 1).unwrap_or(u8::MAX)
                }
            }
        };
        let mut north_w: Vec<(u8, u32)> = Vec::new();
        let mut south_w: Vec<(u8, u32)> = Vec::new();
        let mut reference_total = 0.0f64;
        let mut reference_names: Vec<String> = Vec::new();
        let mut rdr = csv::Reader::from_reader(SURNAMES_CSV.as_bytes());
        for row in rdr.records().filter_map(Result::ok) {
            let (Some(name), Some(share)) = (row.get(1), row.get(3)) else {
                continue;
            };
            let Ok(share) = share.trim().parse::<f64>() else {
                continue;
            };
            reference_total += share;
            let w = (share * UNIT).round() as u32;
            let forms: Vec<&str> = name.split('/').map(str::trim).collect();
            let (n, s) = match forms.as_slice() {
                [one] => (*one, *one),
                [n, s, ..] => (*n, *s),
                [] => continue,
            };
            reference_names.extend(forms.iter().map(|f| f.to_string()));
            let ni = index_of(n, &mut surnames);
            let si = index_of(s, &mut surnames);
            north_w.push((ni, w));
            south_w.push((si, w));
        }
        // The rest of the population: the other surnames, by their counts in the UIT data.
        let others: Vec<(String, u64)> = csv::Reader::from_reader(COMPONENTS_CSV.as_bytes())
            .records()
            .filter_map(Result::ok)
            .filter(|r| r.get(0) == Some("surname"))
            .filter_map(|r| {
                let v = vietnamese_d(r.get(1)?.trim());
                let c: u64 = r.get(2)?.trim().parse().ok()?;
                Some((v, c))
            })
            .filter(|(v, c)| *c >= 2 && single_word(v) && !reference_names.contains(v))
            .take(200)
            .collect();
        let other_total: u64 = others.iter().map(|o| o.1).sum();
        let rest = (100.0 - reference_total).max(0.0) * UNIT;
        if other_total > 0 {
            for (v, c) in &others {
                let w = (rest * (*c as f64) / (other_total as f64)).round() as u32;
                if w == 0 {
                    continue;
                }
                let i = index_of(v, &mut surnames);
                north_w.push((i, w));
                south_w.push((i, w));
            }
        }
        let cumulate = |w: Vec<(u8, u32)>| -> Vec<(u32, u8)> {
            let mut acc = 0u32;
            w.into_iter()
                .map(|(i, w)| {
                    acc += w;
                    (acc, i)
                })
                .collect()
        };
        let mut male = Vec::new();
        let mut female = Vec::new();
        let mut rdr = csv::Reader::from_reader(GIVEN_CSV.as_bytes());
        for row in rdr.records().filter_map(Result::ok) {
            let (Some(name), Some(gender)) = (row.get(0), row.get(1)) else {
                continue;
            };
            let name = vietnamese_d(name.trim());
            if name.split(' ').count() != 2 || !name.split(' ').all(single_word) {
                continue;
            }
            let list = match gender.trim() {
                "male" => &mut male,
                "female" => &mut female,
                _ => continue,
            };
            if !list.contains(&name) {
                list.push(name);
            }
        }
        if male.is_empty() {
            male.push("Minh An".to_string());
        }
        if female.is_empty() {
            female.push("Thu An".to_string());
        }
        if surnames.is_empty() {
            surnames.push("Nguyễn".to_string());
            north_w.push((0, 1));
            south_w.push((0, 1));
        }
        Names {
            surnames,
            north: cumulate(north_w),
            south: cumulate(south_w),
            male,
            female,
        }
    }

    /// Number of distinct surnames (each fits a `u8`).
    pub fn surname_count(&self) -> usize {
        self.surnames.len()
    }

    /// Number of given names of a sex.
    pub fn given_count(&self, female: bool) -> usize {
        self.list(female).len()
    }

    fn list(&self, female: bool) -> &[String] {
        if female { &self.female } else { &self.male }
    }

    /// A surname by the national shares; `south` picks Huỳnh/Võ instead of Hoàng/Vũ.
    pub fn sample_surname<R: Rng + ?Sized>(&self, rng: &mut R, south: bool) -> u8 {
        let table = if south { &self.south } else { &self.north };
        let total = table.last().map_or(0, |t| t.0);
        if total == 0 {
            return 0;
        }
        let pick = rng.random_range(0..total);
        let pos = table.partition_point(|&(cum, _)| cum <= pick);
        table.get(pos).map_or(0, |t| t.1)
    }

    /// A given name for a person of the sex, with or without the `Văn`/`Thị` form.
    pub fn sample_given<R: Rng + ?Sized>(&self, rng: &mut R, female: bool) -> (u16, bool) {
        let n = self.list(female).len();
        let given = u16::try_from(rng.random_range(0..n.max(1))).unwrap_or(0);
        let pct = if female { FEMALE_THI_PCT } else { MALE_VAN_PCT };
        (given, rng.random_range(0..100) < pct)
    }

    /// A whole name with a given surname.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, surname: u8, female: bool) -> NameParts {
        let (given, middle_by_sex) = self.sample_given(rng, female);
        NameParts {
            surname,
            given,
            middle_by_sex,
        }
    }

    /// The surname with this index.
    pub fn surname_str(&self, i: u8) -> &str {
        self.surnames
            .get(usize::from(i))
            .map_or("Nguyễn", String::as_str)
    }

    /// The full name, e.g. `Nguyễn Minh Khang`, `Trần Thị Lan`.
    pub fn render(&self, parts: NameParts, female: bool) -> String {
        let surname = self.surname_str(parts.surname);
        let given = self
            .list(female)
            .get(usize::from(parts.given))
            .map_or("Minh An", String::as_str);
        if parts.middle_by_sex {
            let last = given.rsplit(' ').next().unwrap_or(given);
            let middle = if female { "Thị" } else { "Văn" };
            format!("{surname} {middle} {last}")
        } else {
            format!("{surname} {given}")
        }
    }

    /// A surname (northern forms), as text.
    pub fn surname<R: Rng + ?Sized>(&self, rng: &mut R) -> String {
        self.surname_str(self.sample_surname(rng, false))
            .to_string()
    }

    /// A full name with the given surname, as text.
    pub fn full<R: Rng + ?Sized>(&self, rng: &mut R, surname: &str, female: bool) -> String {
        let parts = self.sample(rng, 0, female);
        let rendered = self.render(parts, female);
        let rest = rendered.split_once(' ').map_or("", |(_, r)| r);
        format!("{surname} {rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded_rng;
    use tuphap_core::civil::PersonName;

    #[test]
    fn tables_are_complete() {
        let n = Names::load();
        assert!(n.surname_count() > 100 && n.surname_count() <= 255);
        assert!(n.given_count(false) > 1200);
        assert!(n.given_count(true) > 1300);
        let all = n.male.iter().chain(&n.female).chain(&n.surnames);
        assert!(
            all.clone()
                .all(|x| !x.contains('\u{00D0}') && !x.contains('\u{00F0}'))
        );
        assert!(n.male.iter().any(|x| x == "Anh Đức"));
        for s in ["Nguyễn", "Hoàng", "Huỳnh", "Vũ", "Võ", "Lý", "Trương"] {
            assert!(n.surnames.iter().any(|x| x == s), "{s}");
        }
    }

    #[test]
    fn nguyen_share_and_regional_forms() {
        let n = Names::load();
        let mut rng = seeded_rng(7);
        let mut nguyen = 0;
        let mut huynh_north = 0;
        let draws = 100_000;
        for _ in 0..draws {
            if n.surname_str(n.sample_surname(&mut rng, false)) == "Nguyễn" {
                nguyen += 1;
            }
            if n.surname_str(n.sample_surname(&mut rng, false)) == "Huỳnh" {
                huynh_north += 1;
            }
        }
        let share = f64::from(nguyen) / f64::from(draws);
        assert!((0.37..0.39).contains(&share), "{share}");
        assert_eq!(huynh_north, 0);
    }

    #[test]
    fn every_name_is_a_valid_person_name() {
        let n = Names::load();
        for s in 0..n.surname_count() {
            for female in [false, true] {
                for g in 0..n.given_count(female) {
                    for m in [false, true] {
                        let parts = NameParts {
                            surname: u8::try_from(s).unwrap(),
                            given: u16::try_from(g).unwrap(),
                            middle_by_sex: m,
                        };
                        // Every surname with a few given names, every given name with Nguyễn.
                        if s > 0 && g > 3 {
                            continue;
                        }
                        let name = n.render(parts, female);
                        assert!(PersonName::parse(&name).is_ok(), "{name}");
                    }
                }
            }
        }
    }

    #[test]
    fn demo_helpers() {
        let n = Names::shared();
        let mut rng = seeded_rng(1);
        let s = n.surname(&mut rng);
        let full = n.full(&mut rng, &s, true);
        assert!(full.starts_with(&format!("{s} ")));
        assert!(full.split(' ').count() >= 3);
    }
}

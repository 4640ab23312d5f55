//! Geography for the generator: provinces weighted by population, communes valid on a date
//! (from `tuphap_core::reference`), and a person's residence carried across the 2025 reform.
//!
//! Days are Julian day numbers (`i32`). A commune is an index (`u16`) into the table of distinct
//! commune codes plus a tier flag: the 2-tier communes of 2025-07-01 reuse codes of old units,
//! so `00004` alone does not say whether it is the old Phường Trúc Bạch or the new Phường Ba
//! Đình; `(code, new_tier)` does.

use std::collections::HashMap;

use rand::Rng;
use time::Date;
use tuphap_core::personal_id::id_provinces;
use tuphap_core::reference::{self, AdminLevel, DATE_REFORM};

const POPULATION_CSV: &str = include_str!("../../../data/reference/province_population.csv");

/// Julian day of 2025-07-01.
pub(crate) fn reform_jd() -> i32 {
    DATE_REFORM.to_julian_day()
}

#[derive(Debug, Clone, Copy)]
struct Interval {
    from: i32,
    to: i32,
    new_tier: bool,
    /// Index into `old` (3-tier) or `new` (2-tier).
    prov: u8,
}

#[derive(Debug)]
struct Epoch {
    start: i32,
    /// Communes valid in this epoch by province (old provinces before the reform, new after).
    by_prov: Vec<Vec<u16>>,
}

/// A province of the 3-tier structure (the 63).
#[derive(Debug, Clone)]
pub(crate) struct OldProvince {
    /// GSO code, e.g. `01`.
    pub code: &'static str,
    /// Population 2023, thousands (approximate, `province_population.csv`).
    pub population: u32,
    /// Index of the province it belongs to from 2025-07-01.
    pub new_idx: u8,
    /// South of Thừa Thiên Huế (code ≥ 48): Huỳnh/Võ rather than Hoàng/Vũ.
    pub south: bool,
}

/// A province of the 2-tier structure (the 34).
#[derive(Debug, Clone)]
pub(crate) struct NewProvince {
    pub code: &'static str,
    /// Old provinces merged into it, with cumulative population weights.
    members: Vec<(u64, u8)>,
}

#[derive(Debug)]
pub(crate) struct Geo {
    pub codes: Vec<&'static str>,
    intervals: Vec<Vec<Interval>>,
    epochs: Vec<Epoch>,
    successors: Vec<Vec<u16>>,
    pub old: Vec<OldProvince>,
    old_cum: Vec<u64>,
    pub new: Vec<NewProvince>,
}

fn jd(d: Date) -> i32 {
    d.to_julian_day()
}

impl Geo {
    pub fn load() -> Geo {
        let population: HashMap<String, u32> = csv::Reader::from_reader(POPULATION_CSV.as_bytes())
            .records()
            .filter_map(Result::ok)
            .filter_map(|r| Some((r.get(0)?.to_string(), r.get(2)?.trim().parse().ok()?)))
            .collect();
        let mut new: Vec<NewProvince> = Vec::new();
        let mut old: Vec<OldProvince> = Vec::new();
        for p in id_provinces() {
            let new_code: &'static str = p.code_after_2025.as_str();
            let new_idx = match new.iter().position(|n| n.code == new_code) {
                Some(i) => i,
                None => {
                    new.push(NewProvince {
                        code: new_code,
                        members: Vec::new(),
                    });
                    new.len() - 1
                }
            };
            let code: &'static str = p.gso_code.as_str();
            old.push(OldProvince {
                code,
                population: population.get(code).copied().unwrap_or(1000).max(1),
                new_idx: u8::try_from(new_idx).unwrap_or(0),
                south: code >= "48",
            });
        }
        let mut old_cum = Vec::with_capacity(old.len());
        let mut acc = 0u64;
        for (i, p) in old.iter().enumerate() {
            acc += u64::from(p.population);
            old_cum.push(acc);
            if let Some(n) = new.get_mut(usize::from(p.new_idx)) {
                let prev = n.members.last().map_or(0, |m| m.0);
                n.members
                    .push((prev + u64::from(p.population), u8::try_from(i).unwrap_or(0)));
            }
        }
        let old_idx: HashMap<&str, u8> = old
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code, u8::try_from(i).unwrap_or(0)))
            .collect();
        let new_idx: HashMap<&str, u8> = new
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code, u8::try_from(i).unwrap_or(0)))
            .collect();

        let reform = reform_jd();
        let mut codes: Vec<&'static str> = Vec::new();
        let mut code_idx: HashMap<&'static str, u16> = HashMap::new();
        let mut intervals: Vec<Vec<Interval>> = Vec::new();
        let mut bounds: Vec<i32> = vec![reform];
        for v in reference::admin_unit_versions() {
            if v.level != AdminLevel::Commune {
                continue;
            }
            let from = v.valid_from.map_or(i32::MIN, jd);
            let to = v.valid_to.map_or(i32::MAX, jd);
            let new_tier = from >= reform;
            let prov = if new_tier {
                new_idx.get(v.province_code.as_str())
            } else {
                old_idx.get(v.province_code.as_str())
            };
            let Some(&prov) = prov else { continue };
            let code: &'static str = v.code.as_str();
            let i = *code_idx.entry(code).or_insert_with(|| {
                codes.push(code);
                intervals.push(Vec::new());
                u16::try_from(codes.len() - 1).unwrap_or(u16::MAX)
            });
            if let Some(list) = intervals.get_mut(usize::from(i)) {
                list.push(Interval {
                    from,
                    to,
                    new_tier,
                    prov,
                });
            }
            for b in [from, to] {
                if b != i32::MIN && b != i32::MAX {
                    bounds.push(b);
                }
            }
        }
        bounds.sort_unstable();
        bounds.dedup();
        let mut starts = vec![i32::MIN];
        starts.extend(bounds);
        let epochs = starts
            .iter()
            .map(|&start| {
                let new_tier = start >= reform;
                let n = if new_tier { new.len() } else { old.len() };
                let mut by_prov: Vec<Vec<u16>> = vec![Vec::new(); n];
                for (ci, ivs) in intervals.iter().enumerate() {
                    for iv in ivs {
                        if iv.new_tier == new_tier && iv.from <= start && start < iv.to {
                            if let Some(list) = by_prov.get_mut(usize::from(iv.prov)) {
                                list.push(u16::try_from(ci).unwrap_or(u16::MAX));
                            }
                            break;
                        }
                    }
                }
                Epoch { start, by_prov }
            })
            .collect();
        let successors = codes
            .iter()
            .map(|c| {
                reference::successors_of(c, AdminLevel::Commune)
                    .iter()
                    .filter_map(|s| code_idx.get(s.new_code.as_str()).copied())
                    .collect()
            })
            .collect();
        Geo {
            codes,
            intervals,
            epochs,
            successors,
            old,
            old_cum,
            new,
        }
    }

    pub fn code(&self, c: u16) -> &'static str {
        self.codes.get(usize::from(c)).copied().unwrap_or("00000")
    }

    /// The province index (old or new by `new_tier`) if `(c, new_tier)` is valid on `day`.
    pub fn valid(&self, c: u16, new_tier: bool, day: i32) -> Option<u8> {
        if new_tier != (day >= reform_jd()) {
            return None;
        }
        self.intervals
            .get(usize::from(c))?
            .iter()
            .find(|iv| iv.new_tier == new_tier && iv.from <= day && day < iv.to)
            .map(|iv| iv.prov)
    }

    /// The province (old or new by `new_tier`) the commune belonged to at its latest version of
    /// that tier.
    fn last_prov(&self, c: u16, new_tier: bool) -> Option<u8> {
        self.intervals
            .get(usize::from(c))?
            .iter()
            .rev()
            .find(|iv| iv.new_tier == new_tier)
            .map(|iv| iv.prov)
    }

    /// An old province by population.
    pub fn sample_old_province<R: Rng + ?Sized>(&self, rng: &mut R) -> u8 {
        let total = self.old_cum.last().copied().unwrap_or(1);
        let pick = rng.random_range(0..total);
        u8::try_from(self.old_cum.partition_point(|&c| c <= pick)).unwrap_or(0)
    }

    /// An old province member of a new province, by population.
    fn sample_member<R: Rng + ?Sized>(&self, rng: &mut R, new_idx: u8) -> u8 {
        let Some(n) = self.new.get(usize::from(new_idx)) else {
            return 0;
        };
        let total = n.members.last().map_or(1, |m| m.0);
        let pick = rng.random_range(0..total);
        let pos = n.members.partition_point(|&(c, _)| c <= pick);
        n.members.get(pos).map_or(0, |m| m.1)
    }

    fn epoch(&self, day: i32) -> Option<&Epoch> {
        let pos = self.epochs.partition_point(|e| e.start <= day);
        self.epochs.get(pos.checked_sub(1)?)
    }

    /// A random commune valid on `day` in the old province `old_idx` (its successor province from
    /// 2025-07-01). Returns `(code index, new_tier)`.
    pub fn commune_in<R: Rng + ?Sized>(&self, rng: &mut R, old_idx: u8, day: i32) -> (u16, bool) {
        let new_tier = day >= reform_jd();
        let prov = if new_tier {
            self.old.get(usize::from(old_idx)).map_or(0, |p| p.new_idx)
        } else {
            old_idx
        };
        self.commune_in_tier(rng, prov, day)
    }

    fn commune_in_tier<R: Rng + ?Sized>(&self, rng: &mut R, prov: u8, day: i32) -> (u16, bool) {
        let new_tier = day >= reform_jd();
        let Some(e) = self.epoch(day) else {
            return (0, new_tier);
        };
        let list = e
            .by_prov
            .get(usize::from(prov))
            .filter(|l| !l.is_empty())
            .or_else(|| e.by_prov.iter().find(|l| !l.is_empty()));
        match list {
            Some(l) => (l[rng.random_range(0..l.len())], new_tier),
            None => (0, new_tier),
        }
    }

    /// A random commune valid on `day`, the province weighted by population.
    pub fn random_commune<R: Rng + ?Sized>(&self, rng: &mut R, day: i32) -> (u16, bool) {
        let p = self.sample_old_province(rng);
        self.commune_in(rng, p, day)
    }

    /// The residence `(c, new_tier)` as of `day`: itself if still valid; across the reform its
    /// successor (a partial succession picks one of the new communes by `pick`); a commune
    /// dissolved meanwhile is replaced by another commune of its province.
    pub fn resolve<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        c: u16,
        new_tier: bool,
        day: i32,
        pick: u64,
    ) -> (u16, bool) {
        if self.valid(c, new_tier, day).is_some() {
            return (c, new_tier);
        }
        let reform = reform_jd();
        if day >= reform && !new_tier {
            if let Some(succ) = self.successors.get(usize::from(c))
                && !succ.is_empty()
            {
                let s = succ[usize::try_from(pick % succ.len() as u64).unwrap_or(0)];
                if self.valid(s, true, day).is_some() {
                    return (s, true);
                }
            }
            let old_idx = self.last_prov(c, false).unwrap_or(0);
            return self.commune_in(rng, old_idx, day);
        }
        match self.last_prov(c, new_tier) {
            Some(p) if new_tier == (day >= reform) => self.commune_in_tier(rng, p, day),
            Some(p) if new_tier => {
                // A 2-tier residence on a date before the reform: an old province of it.
                let old_idx = self.sample_member(rng, p);
                self.commune_in(rng, old_idx, day)
            }
            _ => self.random_commune(rng, day),
        }
    }

    /// The old province index of a valid `(c, new_tier)` (for a 2-tier commune: one of the old
    /// provinces merged into its province, by population). Used for regional name forms.
    pub fn old_province_of<R: Rng + ?Sized>(&self, rng: &mut R, c: u16, new_tier: bool) -> u8 {
        match self.last_prov(c, new_tier) {
            Some(p) if new_tier => self.sample_member(rng, p),
            Some(p) => p,
            None => 0,
        }
    }

    /// Whether the commune is in the south (Huỳnh/Võ).
    pub fn south(&self, c: u16, new_tier: bool) -> bool {
        match self.last_prov(c, new_tier) {
            Some(p) if new_tier => self.new.get(usize::from(p)).is_some_and(|n| n.code >= "48"),
            Some(p) => self.old.get(usize::from(p)).is_some_and(|o| o.south),
            None => false,
        }
    }

    /// The province part of a personal ID (as a number, e.g. 1 for `001`) for a birth registered
    /// (or a residence) in `(c, new_tier)`: the old GSO code before the reform, the new
    /// province's code (one of the 63) after.
    pub fn id_province(&self, c: u16, new_tier: bool) -> u8 {
        let code = match self.last_prov(c, new_tier) {
            Some(p) if new_tier => self.new.get(usize::from(p)).map(|n| n.code),
            Some(p) => self.old.get(usize::from(p)).map(|o| o.code),
            None => None,
        };
        code.and_then(|c| c.parse().ok()).unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded_rng;
    use time::macros::date;

    #[test]
    fn provinces_and_epochs() {
        let g = Geo::load();
        assert_eq!(g.old.len(), 63);
        assert_eq!(g.new.len(), 34);
        assert!(g.old.iter().all(|p| p.population > 100));
        let mut rng = seeded_rng(1);
        for d in [
            date!(1990 - 01 - 01),
            date!(2024 - 10 - 01),
            date!(2025 - 06 - 30),
            date!(2025 - 07 - 01),
            date!(2026 - 10 - 31),
        ] {
            for _ in 0..2000 {
                let (c, t) = g.random_commune(&mut rng, jd(d));
                let u = reference::unit_on(g.code(c), d).unwrap();
                assert_eq!(u.level, AdminLevel::Commune);
                assert_eq!(t, d >= DATE_REFORM);
                assert!(g.valid(c, t, jd(d)).is_some());
            }
        }
    }

    #[test]
    fn residences_follow_the_reform() {
        let g = Geo::load();
        let mut rng = seeded_rng(2);
        let before = jd(date!(2025 - 06 - 30));
        let after = jd(date!(2025 - 07 - 01));
        for _ in 0..2000 {
            let (c, t) = g.random_commune(&mut rng, before);
            let (n, nt) = g.resolve(&mut rng, c, t, after, 3);
            assert!(nt);
            assert!(g.valid(n, nt, after).is_some());
            let succ = reference::successors_of(g.code(c), AdminLevel::Commune);
            if !succ.is_empty() {
                assert!(succ.iter().any(|s| s.new_code == g.code(n)));
            }
        }
        // Hà Nội's ID code is 001 before and after.
        let (c, t) = g.commune_in(&mut rng, 0, after);
        assert_eq!(g.id_province(c, t), 1);
    }
}

//! Administrative units: derives the versions with validity and the 2025 successions from the
//! snapshot files. The rules are documented in the parent module.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use time::Date;

use super::parse::{date, opt, opt_date, rows};
use super::{
    AdminData, AdminLevel, AdminUnitVersion, DATE_2023_SNAPSHOT, DATE_PRE_REFORM_SNAPSHOT,
    DATE_REFORM, ReferenceDataError, Relation, Succession, source,
};

const F_2023: &str = "admin_units_2023.csv";
const F_PRE: &str = "admin_units_2025_pre_reform.csv";
const F_RETIRED: &str = "admin_units_retired_2021_2025.csv";
const F_2025: &str = "admin_units_2025.csv";
const F_CHANGES: &str = "admin_units_2025_changes.csv";
const F_MAPPING: &str = "admin_units_mapping_2025.csv";
const F_MAPPING_PROVINCES: &str = "admin_units_mapping_2025_provinces.csv";

const T_2023: &str = include_str!("../../../../data/reference/admin_units_2023.csv");
const T_PRE: &str = include_str!("../../../../data/reference/admin_units_2025_pre_reform.csv");
const T_RETIRED: &str =
    include_str!("../../../../data/reference/admin_units_retired_2021_2025.csv");
const T_2025: &str = include_str!("../../../../data/reference/admin_units_2025.csv");
const T_CHANGES: &str = include_str!("../../../../data/reference/admin_units_2025_changes.csv");
const T_MAPPING: &str = include_str!("../../../../data/reference/admin_units_mapping_2025.csv");
const T_MAPPING_PROVINCES: &str =
    include_str!("../../../../data/reference/admin_units_mapping_2025_provinces.csv");

// ---------------------------------------------------------------------------------------------
// Rows as read
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct SnapshotRow {
    code: String,
    level: String,
    name: String,
    full_name: String,
    #[serde(rename = "type")]
    unit_type: String,
    type_full: String,
    type_code: String,
    parent_code: String,
    province_code: String,
}

#[derive(Deserialize)]
struct RetiredRow {
    code: String,
    level: String,
    name: String,
    full_name: String,
    #[serde(rename = "type")]
    unit_type: String,
    parent_code: String,
    province_code: String,
    first_seen_effective: String,
    removed_effective: String,
}

#[derive(Deserialize)]
struct ChangeRow {
    code: String,
    level: String,
    field: String,
    value_2025_07_01: String,
    value_2026_08: String,
    full_name_2025_07_01: String,
    full_name_2026_08: String,
    effective_date: String,
}

#[derive(Deserialize)]
struct MappingRow {
    old_code: String,
    old_level: String,
    new_code: String,
    relation: String,
}

#[derive(Deserialize)]
struct ProvinceMappingRow {
    old_province_code: String,
    new_province_code: String,
    relation: String,
}

/// A unit as described by one snapshot row.
#[derive(Clone)]
struct Unit {
    code: String,
    level: AdminLevel,
    name: String,
    full_name: String,
    unit_type: String,
    type_full: Option<String>,
    type_code: Option<String>,
    parent_code: Option<String>,
    province_code: String,
}

impl Unit {
    /// Same version: code, level, name, full name, type and parent (and `type_code` when both
    /// snapshots have it).
    fn same_version(&self, other: &Unit) -> bool {
        self.code == other.code
            && self.level == other.level
            && self.name == other.name
            && self.full_name == other.full_name
            && self.unit_type == other.unit_type
            && self.parent_code == other.parent_code
            && match (&self.type_code, &other.type_code) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    fn version(
        &self,
        valid_from: Option<Date>,
        valid_to: Option<Date>,
        source: &'static str,
    ) -> AdminUnitVersion {
        AdminUnitVersion {
            code: self.code.clone(),
            level: self.level,
            name: self.name.clone(),
            full_name: self.full_name.clone(),
            unit_type: self.unit_type.clone(),
            type_code: self.type_code.clone(),
            parent_code: self.parent_code.clone(),
            province_code: self.province_code.clone(),
            valid_from,
            valid_to,
            source,
        }
    }
}

struct Retired {
    unit: Unit,
    first_seen: Option<Date>,
    removed: Date,
}

fn level(
    file: &'static str,
    column: &'static str,
    s: &str,
) -> Result<AdminLevel, ReferenceDataError> {
    AdminLevel::parse(s).map_err(|_| ReferenceDataError::Value {
        file,
        column,
        value: s.to_string(),
    })
}

fn check_code(
    file: &'static str,
    column: &'static str,
    code: &str,
    level: AdminLevel,
) -> Result<(), ReferenceDataError> {
    if code.len() == level.code_len() && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ReferenceDataError::Value {
            file,
            column,
            value: code.to_string(),
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn unit(
    file: &'static str,
    code: String,
    level_s: &str,
    name: String,
    full_name: String,
    unit_type: String,
    type_full: Option<String>,
    type_code: Option<String>,
    parent_code: &str,
    province_code: String,
) -> Result<Unit, ReferenceDataError> {
    let level = level(file, "level", level_s)?;
    check_code(file, "code", &code, level)?;
    check_code(file, "province_code", &province_code, AdminLevel::Province)?;
    let parent_code = opt(parent_code);
    if (level == AdminLevel::Province) != parent_code.is_none() {
        return Err(ReferenceDataError::Value {
            file,
            column: "parent_code",
            value: format!("{code}: {:?}", parent_code.unwrap_or_default()),
        });
    }
    Ok(Unit {
        code,
        level,
        name,
        full_name,
        unit_type,
        type_full,
        type_code,
        parent_code,
        province_code,
    })
}

fn snapshot(file: &'static str, text: &str) -> Result<Vec<Unit>, ReferenceDataError> {
    rows::<SnapshotRow>(file, text)?
        .into_iter()
        .map(|r| {
            unit(
                file,
                r.code,
                &r.level,
                r.name,
                r.full_name,
                r.unit_type,
                opt(&r.type_full),
                opt(&r.type_code),
                &r.parent_code,
                r.province_code,
            )
        })
        .collect()
}

fn retired() -> Result<Vec<Retired>, ReferenceDataError> {
    rows::<RetiredRow>(F_RETIRED, T_RETIRED)?
        .into_iter()
        .map(|r| {
            Ok(Retired {
                first_seen: opt_date(F_RETIRED, "first_seen_effective", &r.first_seen_effective)?,
                removed: date(F_RETIRED, "removed_effective", &r.removed_effective)?,
                unit: unit(
                    F_RETIRED,
                    r.code,
                    &r.level,
                    r.name,
                    r.full_name,
                    r.unit_type,
                    None,
                    None,
                    &r.parent_code,
                    r.province_code,
                )?,
            })
        })
        .collect()
}

/// Index by (level, code), rejecting duplicates.
fn index<'a, T>(
    file: &'static str,
    items: &'a [T],
    key: impl Fn(&T) -> &Unit,
) -> Result<HashMap<(AdminLevel, &'a str), &'a T>, ReferenceDataError> {
    let mut map = HashMap::with_capacity(items.len());
    for item in items {
        let u = key(item);
        if map.insert((u.level, u.code.as_str()), item).is_some() {
            return Err(ReferenceDataError::Inconsistent(format!(
                "{file}: duplicate {} {}",
                u.level.as_str(),
                u.code
            )));
        }
    }
    Ok(map)
}

// ---------------------------------------------------------------------------------------------
// Change-date inference (rule 4)
// ---------------------------------------------------------------------------------------------

/// Removal dates (later than 2023-04-10) of the retired units, grouped for the inference.
struct RemovalIndex<'a> {
    /// (level, parent code) → (removed, code).
    by_parent: HashMap<(AdminLevel, &'a str), Vec<(Date, &'a str)>>,
    /// province code → (removed, code), all levels.
    by_province: HashMap<&'a str, Vec<(Date, &'a str)>>,
    /// Retired districts: code → removed.
    districts: HashMap<&'a str, Date>,
}

impl<'a> RemovalIndex<'a> {
    fn new(retired: &'a [Retired]) -> Self {
        let mut by_parent: HashMap<_, Vec<_>> = HashMap::new();
        let mut by_province: HashMap<_, Vec<_>> = HashMap::new();
        let mut districts = HashMap::new();
        for r in retired {
            let u = &r.unit;
            if u.level == AdminLevel::District {
                districts.insert(u.code.as_str(), r.removed);
            }
            if r.removed <= DATE_2023_SNAPSHOT {
                continue;
            }
            if let Some(parent) = &u.parent_code {
                by_parent
                    .entry((u.level, parent.as_str()))
                    .or_default()
                    .push((r.removed, u.code.as_str()));
            }
            by_province
                .entry(u.province_code.as_str())
                .or_default()
                .push((r.removed, u.code.as_str()));
        }
        RemovalIndex {
            by_parent,
            by_province,
            districts,
        }
    }

    /// Date on which `new` (a version differing from `old`, or a new unit) came into force.
    /// `before`: only consider removals strictly before that date (for units that were
    /// themselves removed later). `None` if there is no basis for a date.
    fn change_date(&self, new: &Unit, old: Option<&Unit>, before: Option<Date>) -> Option<Date> {
        // Refinement: moved out of a district that was dissolved → moved when it was dissolved.
        if let Some(old) = old
            && old.parent_code != new.parent_code
            && old.level == AdminLevel::Commune
            && let Some(removed) = old
                .parent_code
                .as_deref()
                .and_then(|p| self.districts.get(p))
        {
            return Some(*removed);
        }
        let candidates = match (new.level, new.parent_code.as_deref()) {
            (AdminLevel::Province, _) | (_, None) => self.by_province.get(new.code.as_str()),
            (level, Some(parent)) => self.by_parent.get(&(level, parent)),
        };
        let latest = candidates
            .into_iter()
            .flatten()
            .filter(|(d, code)| *code != new.code && before.is_none_or(|b| *d < b))
            .map(|(d, _)| *d)
            .max();
        match (latest, before) {
            (Some(d), _) => Some(d),
            (None, None) => Some(DATE_PRE_REFORM_SNAPSHOT),
            (None, Some(_)) => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Versions (rules 1–6)
// ---------------------------------------------------------------------------------------------

fn three_tier_versions(
    s2023: &[Unit],
    pre: &[Unit],
    retired: &[Retired],
) -> Result<Vec<AdminUnitVersion>, ReferenceDataError> {
    let i2023 = index(F_2023, s2023, |u| u)?;
    let ipre = index(F_PRE, pre, |u| u)?;
    let iret = index(F_RETIRED, retired, |r| &r.unit)?;
    let removals = RemovalIndex::new(retired);

    let mut keys: BTreeSet<(AdminLevel, &str)> = BTreeSet::new();
    keys.extend(i2023.keys().copied());
    keys.extend(ipre.keys().copied());
    keys.extend(iret.keys().copied());

    let inconsistent = |what: &str, (level, code): (AdminLevel, &str)| {
        ReferenceDataError::Inconsistent(format!("{} {code}: {what}", level.as_str()))
    };

    let mut out = Vec::with_capacity(keys.len() + 700);
    for key in keys {
        let old = i2023.get(&key).copied();
        let pre = ipre.get(&key).copied();
        let ret = iret.get(&key).copied();
        match (old, pre, ret) {
            // Rule 2 + 5: in both 3-tier snapshots.
            (Some(o), Some(p), None) => {
                if o.same_version(p) {
                    out.push(p.version(None, Some(DATE_REFORM), source::ADMIN_2023_AND_PRE_REFORM));
                } else {
                    let d = removals
                        .change_date(p, Some(o), None)
                        .ok_or_else(|| inconsistent("no change date", key))?;
                    out.push(o.version(None, Some(d), source::ADMIN_2023));
                    out.push(p.version(Some(d), Some(DATE_REFORM), source::ADMIN_PRE_REFORM));
                }
            }
            // Rule 3: removed before the reform.
            (Some(o), None, Some(r)) => {
                if o.same_version(&r.unit) {
                    out.push(o.version(
                        r.first_seen,
                        Some(r.removed),
                        source::ADMIN_2023_AND_RETIRED,
                    ));
                } else {
                    // Renamed, then removed: date the rename (rule 4), before the removal.
                    let d = removals
                        .change_date(&r.unit, Some(o), Some(r.removed))
                        .ok_or_else(|| {
                            inconsistent("no date for the change before removal", key)
                        })?;
                    out.push(o.version(r.first_seen, Some(d), source::ADMIN_2023));
                    out.push(
                        r.unit
                            .version(Some(d), Some(r.removed), source::ADMIN_RETIRED),
                    );
                }
            }
            // Rule 4: new in the pre-reform snapshot.
            (None, Some(p), None) => {
                let d = removals
                    .change_date(p, None, None)
                    .ok_or_else(|| inconsistent("no start date", key))?;
                out.push(p.version(Some(d), Some(DATE_REFORM), source::ADMIN_PRE_REFORM));
            }
            // Rule 3: retired, never in the 2023 snapshot.
            (None, None, Some(r)) => {
                out.push(
                    r.unit
                        .version(r.first_seen, Some(r.removed), source::ADMIN_RETIRED),
                );
            }
            (Some(_), None, None) => {
                return Err(inconsistent(
                    "in the 2023 snapshot, missing from the pre-reform and retired files",
                    key,
                ));
            }
            (_, Some(_), Some(_)) => {
                return Err(inconsistent(
                    "both in the pre-reform and in the retired file",
                    key,
                ));
            }
            (None, None, None) => {}
        }
    }
    Ok(out)
}

fn two_tier_versions(
    s2025: &[Unit],
    type_table: &HashMap<(AdminLevel, String), (String, Option<String>)>,
) -> Result<Vec<AdminUnitVersion>, ReferenceDataError> {
    let i2025 = index(F_2025, s2025, |u| u)?;
    let mut changes: HashMap<(AdminLevel, &str), Unit> = HashMap::new();
    let mut change_dates: HashMap<(AdminLevel, &str), Date> = HashMap::new();
    let change_rows = rows::<ChangeRow>(F_CHANGES, T_CHANGES)?;
    for c in &change_rows {
        let lv = level(F_CHANGES, "level", &c.level)?;
        let key = (lv, c.code.as_str());
        let Some(current) = i2025.get(&key) else {
            return Err(ReferenceDataError::Inconsistent(format!(
                "{F_CHANGES}: {} {} is not in {F_2025}",
                c.level, c.code
            )));
        };
        let current_type = current.type_full.as_deref().unwrap_or(&current.unit_type);
        if c.field != "type"
            || current.full_name != c.full_name_2025_07_01
            || (current_type != c.value_2025_07_01 && current.unit_type != c.value_2025_07_01)
        {
            return Err(ReferenceDataError::Inconsistent(format!(
                "{F_CHANGES}: {} {} does not describe a type change of the 2025-07-01 unit {:?}",
                c.level, c.code, current.full_name
            )));
        }
        // The new value is a `type_full` (or a short type) used elsewhere in the data.
        let Some((unit_type, type_code)) =
            type_table.get(&(lv, c.value_2026_08.clone())).or_else(|| {
                type_table
                    .iter()
                    .find(|((l, _), (short, _))| *l == lv && *short == c.value_2026_08)
                    .map(|(_, v)| v)
            })
        else {
            return Err(ReferenceDataError::Value {
                file: F_CHANGES,
                column: "value_2026_08",
                value: c.value_2026_08.clone(),
            });
        };
        let mut changed = (*current).clone();
        changed.unit_type = unit_type.clone();
        changed.type_full = Some(c.value_2026_08.clone());
        changed.type_code = type_code.clone();
        changed.full_name = c.full_name_2026_08.clone();
        let effective = date(F_CHANGES, "effective_date", &c.effective_date)?;
        if effective <= DATE_REFORM {
            return Err(ReferenceDataError::Value {
                file: F_CHANGES,
                column: "effective_date",
                value: c.effective_date.clone(),
            });
        }
        if changes.insert(key, changed).is_some() {
            return Err(ReferenceDataError::Inconsistent(format!(
                "{F_CHANGES}: several changes of {} {}",
                c.level, c.code
            )));
        }
        change_dates.insert(key, effective);
    }

    let mut out = Vec::with_capacity(s2025.len() + changes.len());
    for u in s2025 {
        let key = (u.level, u.code.as_str());
        match (changes.get(&key), change_dates.get(&key)) {
            (Some(changed), Some(&d)) => {
                out.push(u.version(Some(DATE_REFORM), Some(d), source::ADMIN_2025));
                out.push(changed.version(Some(d), None, source::ADMIN_2025_CHANGES));
            }
            _ => out.push(u.version(Some(DATE_REFORM), None, source::ADMIN_2025)),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Successions
// ---------------------------------------------------------------------------------------------

fn relation(file: &'static str, s: &str) -> Result<Relation, ReferenceDataError> {
    match s.trim() {
        "full" => Ok(Relation::Full),
        "partial" => Ok(Relation::Partial),
        _ => Err(ReferenceDataError::Value {
            file,
            column: "relation",
            value: s.to_string(),
        }),
    }
}

fn successions(pre: &[Unit]) -> Result<Vec<Succession>, ReferenceDataError> {
    let mut out = Vec::new();
    for r in rows::<MappingRow>(F_MAPPING, T_MAPPING)? {
        let old_level = level(F_MAPPING, "old_level", &r.old_level)?;
        check_code(F_MAPPING, "old_code", &r.old_code, old_level)?;
        check_code(F_MAPPING, "new_code", &r.new_code, AdminLevel::Commune)?;
        out.push(Succession {
            old_code: r.old_code,
            old_level,
            new_code: r.new_code,
            new_level: AdminLevel::Commune,
            relation: relation(F_MAPPING, &r.relation)?,
            effective: DATE_REFORM,
        });
    }
    for r in rows::<ProvinceMappingRow>(F_MAPPING_PROVINCES, T_MAPPING_PROVINCES)? {
        check_code(
            F_MAPPING_PROVINCES,
            "old_province_code",
            &r.old_province_code,
            AdminLevel::Province,
        )?;
        check_code(
            F_MAPPING_PROVINCES,
            "new_province_code",
            &r.new_province_code,
            AdminLevel::Province,
        )?;
        out.push(Succession {
            old_code: r.old_province_code,
            old_level: AdminLevel::Province,
            new_code: r.new_province_code,
            new_level: AdminLevel::Province,
            relation: relation(F_MAPPING_PROVINCES, &r.relation)?,
            effective: DATE_REFORM,
        });
    }

    // Districts not in the mapping: derived from their pre-reform communes.
    let mut by_old_commune: HashMap<&str, Vec<(&str, Relation)>> = HashMap::new();
    let mut mapped_districts: BTreeSet<&str> = BTreeSet::new();
    for s in &out {
        match s.old_level {
            AdminLevel::Commune => by_old_commune
                .entry(s.old_code.as_str())
                .or_default()
                .push((s.new_code.as_str(), s.relation)),
            AdminLevel::District => {
                mapped_districts.insert(s.old_code.as_str());
            }
            AdminLevel::Province => {}
        }
    }
    let mut communes_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for u in pre.iter().filter(|u| u.level == AdminLevel::Commune) {
        if let Some(p) = &u.parent_code {
            communes_of
                .entry(p.as_str())
                .or_default()
                .push(u.code.as_str());
        }
    }
    let mut derived = Vec::new();
    for d in pre.iter().filter(|u| u.level == AdminLevel::District) {
        if mapped_districts.contains(d.code.as_str()) {
            continue;
        }
        let mut targets: BTreeSet<&str> = BTreeSet::new();
        let mut all_full = true;
        for c in communes_of.get(d.code.as_str()).into_iter().flatten() {
            let Some(links) = by_old_commune.get(c) else {
                return Err(ReferenceDataError::Inconsistent(format!(
                    "commune {c} of the pre-reform snapshot has no successor in {F_MAPPING}"
                )));
            };
            for (new, rel) in links {
                targets.insert(new);
                all_full &= *rel == Relation::Full;
            }
        }
        if targets.is_empty() {
            return Err(ReferenceDataError::Inconsistent(format!(
                "district {} has neither communes nor a row in {F_MAPPING}",
                d.code
            )));
        }
        let relation = if all_full && targets.len() == 1 {
            Relation::Full
        } else {
            Relation::Partial
        };
        for new in targets {
            derived.push(Succession {
                old_code: d.code.clone(),
                old_level: AdminLevel::District,
                new_code: new.to_string(),
                new_level: AdminLevel::Commune,
                relation,
                effective: DATE_REFORM,
            });
        }
    }
    out.extend(derived);
    out.sort_by(|a, b| {
        (a.old_level, &a.old_code, &a.new_code).cmp(&(b.old_level, &b.old_code, &b.new_code))
    });
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

pub(super) fn load() -> Result<AdminData, ReferenceDataError> {
    let s2023 = snapshot(F_2023, T_2023)?;
    let pre = snapshot(F_PRE, T_PRE)?;
    let s2025 = snapshot(F_2025, T_2025)?;
    let retired = retired()?;

    // (level, type_full) → (short type, type_code), from every snapshot row that has them.
    let mut type_table: HashMap<(AdminLevel, String), (String, Option<String>)> = HashMap::new();
    for u in s2023.iter().chain(&pre).chain(&s2025) {
        if let Some(full) = &u.type_full {
            type_table
                .entry((u.level, full.clone()))
                .or_insert_with(|| (u.unit_type.clone(), u.type_code.clone()));
        }
    }

    let mut versions = three_tier_versions(&s2023, &pre, &retired)?;
    versions.extend(two_tier_versions(&s2025, &type_table)?);
    versions
        .sort_by(|a, b| (a.level, &a.code, a.valid_from).cmp(&(b.level, &b.code, b.valid_from)));

    let mut by_code: HashMap<String, std::ops::Range<usize>> = HashMap::new();
    let mut start = 0;
    for i in 1..=versions.len() {
        if i == versions.len() || versions[i].code != versions[start].code {
            by_code.insert(versions[start].code.clone(), start..i);
            start = i;
        }
    }

    let successions = successions(&pre)?;
    let mut successions_by_old: HashMap<(AdminLevel, String), Vec<usize>> = HashMap::new();
    for (i, s) in successions.iter().enumerate() {
        successions_by_old
            .entry((s.old_level, s.old_code.clone()))
            .or_default()
            .push(i);
    }

    Ok(AdminData {
        versions,
        by_code,
        successions,
        successions_by_old,
    })
}

//! Embedded reference data: administrative units (with validity over time), their succession
//! across the 1 July 2025 reform, the 54 ethnic groups and the ISO 3166-1 countries.
//!
//! The CSV files of `data/reference/` (described in `data/reference/README.md`) are compiled
//! into the binary with `include_str!` and parsed once, lazily, on first use. Call
//! [`ensure_loaded`] at start-up to parse everything eagerly and fail cleanly if the embedded
//! data were ever inconsistent (the accessors panic in that case; the tests rule it out).
//!
//! # Administrative units are versions with validity
//!
//! A code alone does not identify a unit across time: `00004` was *Phường Trúc Bạch* (Quận Ba
//! Đình) until 2025-06-30 and is *Phường Ba Đình* (a larger commune of the 2-tier structure)
//! from 2025-07-01. The model is therefore a list of [`AdminUnitVersion`]s, each valid on
//! `valid_from <= date < valid_to` (`valid_from = None`: since before the data's coverage starts;
//! `valid_to = None`: still valid). Codes are strings; their length fixes the level (2 digits
//! province, 3 district, 5 commune), so a code plus a date identifies at most one version.
//!
//! The snapshots are: `admin_units_2023.csv` (3-tier, in force from 2023-04-10),
//! `admin_units_2025_pre_reform.csv` (3-tier, 2025-03-01 … 2025-06-30),
//! `admin_units_retired_2021_2025.csv` (units removed between 2021-11-01 and 2025-03-01, with
//! the in-force date of their removal), `admin_units_2025.csv` (2-tier from 2025-07-01) and
//! `admin_units_2025_changes.csv` (type changes in force 2026-04-30). The validity of each
//! version is derived by these rules:
//!
//! 1. **Identical versions merge.** A unit whose code, level, name, full name, type and parent
//!    are the same in several 3-tier snapshots (2023, pre-reform, retired) is one version spanning
//!    them. The attributes are taken from the newest snapshot that has them (`type_code` only
//!    exists in the 2023, pre-reform and 2025 files; retired-only versions have `None`).
//! 2. **Start of the 2023 structure.** A unit of the 2023 snapshot starts at `None` (it existed
//!    before 2021-11-01 or its start is unknown), unless the retired file gives a
//!    `first_seen_effective`, which is then its `valid_from`.
//! 3. **Removal before the reform.** A unit of the 2023 snapshot that is missing from the
//!    pre-reform snapshot is in the retired file; its (last) version ends on `removed_effective`.
//!    Retired units that are not in the 2023 snapshot (removed on 2023-04-10, or created on
//!    2025-01-01 and removed on 2025-03-01) get one version from `first_seen_effective` (`None`
//!    for "on or before 2021-11-01") to `removed_effective`.
//! 4. **Changes between 2023-04-10 and 2025-03-01 (inferred date).** When the pre-reform version
//!    of a unit differs from its 2023 version (rename, type change, new parent), or the unit is
//!    new in the pre-reform snapshot, the data do not say when that happened. The date is
//!    **inferred** from the rearrangements recorded in the retired file: it is the latest
//!    `removed_effective` later than 2023-04-10 among the retired units with the same parent as
//!    the new version (same district for a commune, same province for a district; for a province:
//!    retired units of that province), the unit itself excluded; without such a unit it is
//!    2025-03-01 (the in-force date of the pre-reform snapshot). Refinement: when the unit moved
//!    to another parent and its former parent district is itself in the retired file, the date is
//!    the former parent's `removed_effective` (a commune cannot stay in a district after that
//!    district ceased to exist). The previous version (same code) ends on that date and the new
//!    one starts on it. The same inference dates the two retired units renamed before their
//!    removal (`27361`, `27379`), considering only retired siblings removed before the unit
//!    itself. These dates are an approximation: a change can be dated later than it really
//!    happened (e.g. Thừa Thiên Huế became *Thành phố Huế* on 2025-01-01, inferred 2025-03-01).
//! 5. **End of the 3-tier structure.** Every version of the pre-reform snapshot (provinces,
//!    districts, communes) ends on 2025-07-01. Provinces that kept their code and name (e.g. `01`
//!    Hà Nội) still get a new version from 2025-07-01: their territory or structure changed, and
//!    the two tiers never share a version (so [`successions`] always link two distinct versions).
//! 6. **The 2-tier structure.** Units of `admin_units_2025.csv` are valid from 2025-07-01. A unit
//!    listed in `admin_units_2025_changes.csv` has a version ending on the change's
//!    `effective_date` (2026-04-30) and a new version from that date with the new type,
//!    `type_code` and full name (source `admin_units_2025_changes.csv`); the name and code are
//!    unchanged. Other units stay valid (`valid_to = None`).
//! 7. Versions of one code never overlap and never have `valid_from >= valid_to` (tested for
//!    every code), and every version's parent resolves to a unit of the parent level valid on the
//!    version's first and last day (tested).
//!
//! # Successions (1 July 2025)
//!
//! [`Succession`] links an old unit to a new unit, effective 2025-07-01:
//!
//! * communes and the 5 island districts without communes → new commune, from
//!   `admin_units_mapping_2025.csv` (`full`/`partial` as given). This source was built with LLM
//!   help from the 34 resolutions: good, but not authoritative. It also lists 12 communes that had
//!   already been dissolved on 2025-03-01; they are kept (useful for historic records), although
//!   their last version ends before the succession's effective date;
//! * provinces → new province, from `admin_units_mapping_2025_provinces.csv` (all `full`);
//! * other districts (abolished without a direct successor) are **derived**: the distinct new
//!   communes of the district's pre-reform communes; `Full` only if all its communes went fully
//!   into one single new commune, otherwise `Partial` for each.

mod admin;
mod countries;
mod ethnic;
mod parse;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::date;

use crate::error::Coded;

/// In-force date of `admin_units_2023.csv`.
pub const DATE_2023_SNAPSHOT: Date = date!(2023 - 04 - 10);
/// In-force date of `admin_units_2025_pre_reform.csv`.
pub const DATE_PRE_REFORM_SNAPSHOT: Date = date!(2025 - 03 - 01);
/// The 2-tier structure (no districts) is in force from this date.
pub const DATE_REFORM: Date = date!(2025 - 07 - 01);

// `YYYY-MM-DD` in JSON (time's default is a `[year, ordinal]` tuple).
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Value of [`AdminUnitVersion::source`]: which snapshot(s) a version was read from.
pub mod source {
    pub const ADMIN_2023: &str = "admin_units_2023.csv";
    pub const ADMIN_2023_AND_PRE_REFORM: &str =
        "admin_units_2023.csv+admin_units_2025_pre_reform.csv";
    pub const ADMIN_2023_AND_RETIRED: &str =
        "admin_units_2023.csv+admin_units_retired_2021_2025.csv";
    pub const ADMIN_PRE_REFORM: &str = "admin_units_2025_pre_reform.csv";
    pub const ADMIN_RETIRED: &str = "admin_units_retired_2021_2025.csv";
    pub const ADMIN_2025: &str = "admin_units_2025.csv";
    pub const ADMIN_2025_CHANGES: &str = "admin_units_2025_changes.csv";
}

/// Level of an administrative unit. Serialised lowercase (`province`, `district`, `commune`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdminLevel {
    /// Tỉnh / thành phố trực thuộc trung ương (2-digit code).
    Province,
    /// Huyện / quận / thị xã / thành phố thuộc tỉnh (3-digit code); none from 2025-07-01.
    District,
    /// Xã / phường / thị trấn / đặc khu (5-digit code).
    Commune,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown administrative level {0:?}")]
pub struct UnknownAdminLevel(pub String);

impl Coded for UnknownAdminLevel {
    fn code(&self) -> &'static str {
        "unknown_admin_level"
    }
    fn message_vi(&self) -> String {
        format!(
            "Cấp hành chính \u{201c}{}\u{201d} không tồn tại. Các cấp hợp lệ: province, district, commune.",
            self.0
        )
    }
}

impl AdminLevel {
    pub const ALL: [AdminLevel; 3] = [
        AdminLevel::Province,
        AdminLevel::District,
        AdminLevel::Commune,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AdminLevel::Province => "province",
            AdminLevel::District => "district",
            AdminLevel::Commune => "commune",
        }
    }

    pub fn parse(s: &str) -> Result<AdminLevel, UnknownAdminLevel> {
        AdminLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == s.trim())
            .ok_or_else(|| UnknownAdminLevel(s.to_string()))
    }

    /// Number of digits of a code of this level.
    pub fn code_len(self) -> usize {
        match self {
            AdminLevel::Province => 2,
            AdminLevel::District => 3,
            AdminLevel::Commune => 5,
        }
    }

    /// Level of the parent unit (`None` for provinces). Communes of the 2-tier structure have a
    /// province as parent; use [`AdminUnitVersion::parent_level`] for a given version.
    pub fn parent_level_3_tier(self) -> Option<AdminLevel> {
        match self {
            AdminLevel::Province => None,
            AdminLevel::District => Some(AdminLevel::Province),
            AdminLevel::Commune => Some(AdminLevel::District),
        }
    }
}

/// One version of an administrative unit, valid on `valid_from <= date < valid_to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdminUnitVersion {
    /// GSO code (string; leading zeros matter).
    pub code: String,
    pub level: AdminLevel,
    /// Short name, e.g. `Ba Đình`, `1` (for Quận 1).
    pub name: String,
    /// Official name with type, e.g. `Phường Trúc Bạch`.
    pub full_name: String,
    /// Short type word (the `type` column), e.g. `Phường`, `Thành phố`.
    pub unit_type: String,
    /// ASCII slug of the unambiguous type, e.g. `thanh_pho_thuoc_tinh`; `None` for versions read
    /// only from the retired file.
    pub type_code: Option<String>,
    /// District (3-tier communes), province (districts, 2-tier communes) or `None` (provinces).
    pub parent_code: Option<String>,
    pub province_code: String,
    /// First day of validity; `None` = before the data's coverage starts (2021-11-01) or unknown.
    #[serde(with = "iso_date::option")]
    pub valid_from: Option<Date>,
    /// First day it is no longer valid (exclusive); `None` = still valid.
    #[serde(with = "iso_date::option")]
    pub valid_to: Option<Date>,
    /// Which file(s) it came from, one of the constants of [`source`].
    pub source: &'static str,
}

impl AdminUnitVersion {
    /// `valid_from <= date < valid_to`.
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date < t)
    }

    /// Level of [`Self::parent_code`]: districts and 2-tier communes hang under a province,
    /// 3-tier communes under a district.
    pub fn parent_level(&self) -> Option<AdminLevel> {
        let code = self.parent_code.as_deref()?;
        AdminLevel::ALL
            .into_iter()
            .find(|l| l.code_len() == code.len())
    }
}

/// Whether the whole old unit went into the new one, or only part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    Full,
    Partial,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Full => "full",
            Relation::Partial => "partial",
        }
    }
}

/// An old unit (3-tier) → new unit (2-tier) link of the 1 July 2025 reform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Succession {
    pub old_code: String,
    pub old_level: AdminLevel,
    pub new_code: String,
    pub new_level: AdminLevel,
    pub relation: Relation,
    /// 2025-07-01.
    #[serde(with = "iso_date")]
    pub effective: Date,
}

/// One of the 54 ethnic groups (codes 01–54 of QĐ 121-TCTK/PPCĐ, 1979).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EthnicGroup {
    /// `01` … `54`.
    pub code: String,
    /// Usual modern spelling, e.g. `Kinh`, `HMông`.
    pub name: String,
    /// With the alternative name in brackets, e.g. `Kinh (Việt)`.
    pub name_with_alt: String,
    /// `name` without diacritics.
    pub name_ascii: String,
    /// Other spellings seen in public systems (for matching input), e.g. `H'Mông`.
    pub spelling_variants: Vec<String>,
    /// Other names / local groups (for matching only, not authoritative).
    pub other_names: Vec<String>,
}

/// An ISO 3166-1 country or territory (plus Kosovo), names from Unicode CLDR 48.2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Country {
    pub alpha2: String,
    pub alpha3: String,
    /// 3-digit string, e.g. `704`.
    pub numeric: String,
    pub name_vi: String,
    pub name_vi_alt: Vec<String>,
    pub name_en: String,
    pub name_en_alt: Vec<String>,
    /// `official`, or `user-assigned (not in ISO 3166-1)` for Kosovo `XK`.
    pub iso_status: String,
}

/// The embedded reference data failed to parse or is inconsistent (a build defect).
#[derive(Debug, thiserror::Error)]
pub enum ReferenceDataError {
    #[error("{file}: {source}")]
    Csv {
        file: &'static str,
        #[source]
        source: csv::Error,
    },
    #[error("{file}: invalid {column} {value:?}")]
    Value {
        file: &'static str,
        column: &'static str,
        value: String,
    },
    #[error("inconsistent reference data: {0}")]
    Inconsistent(String),
}

impl Coded for ReferenceDataError {
    fn code(&self) -> &'static str {
        "reference_data_invalid"
    }
    fn message_vi(&self) -> String {
        format!("Dữ liệu danh mục nhúng trong chương trình không hợp lệ: {self}")
    }
}

struct AdminData {
    versions: Vec<AdminUnitVersion>,
    by_code: HashMap<String, Range<usize>>,
    successions: Vec<Succession>,
    successions_by_old: HashMap<(AdminLevel, String), Vec<usize>>,
}

static ADMIN: LazyLock<Result<AdminData, ReferenceDataError>> = LazyLock::new(admin::load);
static ETHNIC: LazyLock<Result<Vec<EthnicGroup>, ReferenceDataError>> = LazyLock::new(ethnic::load);
static COUNTRIES: LazyLock<Result<Vec<Country>, ReferenceDataError>> =
    LazyLock::new(countries::load);

fn loaded<T>(cell: &'static LazyLock<Result<T, ReferenceDataError>>) -> &'static T {
    match LazyLock::force(cell) {
        Ok(data) => data,
        // The data are compiled in and checked by the tests: failing here is a build defect.
        Err(e) => panic!("embedded reference data is invalid: {e}"),
    }
}

fn admin_data() -> &'static AdminData {
    loaded(&ADMIN)
}

/// Parses all embedded reference data now (otherwise it happens on first use). Call it at
/// start-up: the accessors below panic if the data are invalid.
pub fn ensure_loaded() -> Result<(), &'static ReferenceDataError> {
    ADMIN.as_ref()?;
    ETHNIC.as_ref()?;
    COUNTRIES.as_ref()?;
    Ok(())
}

/// All versions of all administrative units, sorted by level, code and `valid_from`.
pub fn admin_unit_versions() -> &'static [AdminUnitVersion] {
    &admin_data().versions
}

/// All versions of one code, oldest first (empty if the code is unknown).
pub fn versions_of(code: &str) -> &'static [AdminUnitVersion] {
    let data = admin_data();
    match data.by_code.get(code) {
        Some(range) => &data.versions[range.clone()],
        None => &[],
    }
}

/// The units (all levels) valid on `date`.
pub fn units_valid_on(date: Date) -> impl Iterator<Item = &'static AdminUnitVersion> {
    admin_data()
        .versions
        .iter()
        .filter(move |v| v.is_valid_on(date))
}

/// The version of `code` valid on `date`, if any.
pub fn unit_on(code: &str, date: Date) -> Option<&'static AdminUnitVersion> {
    versions_of(code).iter().find(|v| v.is_valid_on(date))
}

/// All old → new links of the 2025 reform.
pub fn successions() -> &'static [Succession] {
    &admin_data().successions
}

/// The new units that `code` (a pre-reform unit of `level`) went into on 2025-07-01.
pub fn successors_of(code: &str, level: AdminLevel) -> Vec<&'static Succession> {
    let data = admin_data();
    data.successions_by_old
        .get(&(level, code.to_string()))
        .map(|ids| ids.iter().map(|&i| &data.successions[i]).collect())
        .unwrap_or_default()
}

/// The 54 ethnic groups, in code order.
pub fn ethnic_groups() -> &'static [EthnicGroup] {
    loaded(&ETHNIC).as_slice()
}

/// The ethnic group with this code (`01` … `54`).
pub fn ethnic_group(code: &str) -> Option<&'static EthnicGroup> {
    ethnic_groups().iter().find(|g| g.code == code)
}

/// The 250 countries and territories, in alpha-2 order.
pub fn countries() -> &'static [Country] {
    loaded(&COUNTRIES).as_slice()
}

/// The country with this ISO alpha-2 or alpha-3 code (case-insensitive).
pub fn country(code: &str) -> Option<&'static Country> {
    // Looked up for every person of every declaration (and of every imported row): an index by
    // upper-case code instead of a scan of the ~250 countries.
    static BY_CODE: std::sync::OnceLock<HashMap<String, usize>> = std::sync::OnceLock::new();
    let index = BY_CODE.get_or_init(|| {
        let mut m = HashMap::new();
        for (i, c) in countries().iter().enumerate() {
            m.entry(c.alpha3.to_ascii_uppercase()).or_insert(i);
            m.entry(c.alpha2.to_ascii_uppercase()).or_insert(i);
        }
        m
    });
    let code = code.trim();
    let i = if code.bytes().all(|b| b.is_ascii_uppercase()) {
        index.get(code)
    } else {
        index.get(&code.to_ascii_uppercase())
    }?;
    countries().get(*i)
}

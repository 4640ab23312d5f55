//! Reference data in the database: administrative units (versions with validity), successions
//! across the 2025 reform, ethnic groups, countries, and the editable calendar adjustments.
//!
//! The data is embedded in the binary (`tuphap-core::reference`); [`Store::load_reference_data`]
//! writes it into the tables when the embedded data differs from what was loaded before (a
//! fingerprint is kept in `reference_meta`), so every start is cheap and an upgrade that ships
//! new data replaces it in one transaction.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::QueryBuilder;
use time::Date;

use tuphap_core::calendar::{AdjustmentKind, DayAdjustment};
use tuphap_core::reference as data;

use crate::{Result, Store};

/// An administrative unit version as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AdminUnitRow {
    pub code: String,
    pub level: String,
    pub name: String,
    pub full_name: String,
    pub unit_type: String,
    pub type_code: Option<String>,
    pub parent_code: Option<String>,
    pub province_code: String,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
}

/// A succession link (old unit → new unit) as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SuccessionRow {
    pub old_code: String,
    pub old_level: String,
    pub new_code: String,
    pub new_level: String,
    pub relation: String,
    pub effective: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EthnicGroupRow {
    pub code: String,
    pub name: String,
    pub name_with_alt: String,
    pub name_ascii: String,
    pub spelling_variants: String,
    pub other_names: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CountryRow {
    pub alpha2: String,
    pub alpha3: String,
    pub numeric_code: String,
    pub name_vi: String,
    pub name_vi_alt: String,
    pub name_en: String,
    pub name_en_alt: String,
    pub iso_status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CalendarAdjustmentRow {
    pub day: Date,
    pub kind: String,
    pub name_vi: String,
    pub legal_basis: Option<String>,
}

impl CalendarAdjustmentRow {
    pub fn to_domain(&self) -> Option<DayAdjustment> {
        let kind = match self.kind.as_str() {
            "day_off" => AdjustmentKind::DayOff,
            "working_day" => AdjustmentKind::WorkingDay,
            _ => return None,
        };
        Some(DayAdjustment {
            date: self.day,
            kind,
            name_vi: self.name_vi.clone(),
            legal_basis: self.legal_basis.clone(),
        })
    }
}

pub fn adjustment_kind_str(k: AdjustmentKind) -> &'static str {
    match k {
        AdjustmentKind::DayOff => "day_off",
        AdjustmentKind::WorkingDay => "working_day",
    }
}

const UNIT_COLUMNS: &str = "code, level, name, full_name, unit_type, type_code, parent_code, \
     province_code, valid_from, valid_to";

/// Fingerprint of the embedded reference data (changes when a release ships new data).
fn fingerprint() -> String {
    let mut h = Sha256::new();
    for u in data::admin_unit_versions() {
        h.update(format!("{u:?}\n").as_bytes());
    }
    for s in data::successions() {
        h.update(format!("{s:?}\n").as_bytes());
    }
    for e in data::ethnic_groups() {
        h.update(format!("{e:?}\n").as_bytes());
    }
    for c in data::countries() {
        h.update(format!("{c:?}\n").as_bytes());
    }
    hex::encode(h.finalize())
}

const CHUNK: usize = 500;

impl Store {
    /// Loads the embedded reference data when it differs from what the database holds, and
    /// seeds the calendar adjustments when none exist yet. Returns true when data was written.
    pub async fn load_reference_data(&self) -> Result<bool> {
        let fp = fingerprint();
        let current: Option<(String,)> = with_pool!(self, p => sqlx::query_as(
            "SELECT value FROM reference_meta WHERE key = 'reference_fingerprint'"
        )
        .fetch_optional(p)
        .await)?;
        let mut wrote = false;
        if current.as_ref().map(|c| c.0.as_str()) != Some(fp.as_str()) {
            let mut tx = self.begin().await?;
            with_tx!(tx, conn => {
                for table in ["admin_units", "admin_unit_successions", "ethnic_groups", "countries"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                        .execute(&mut *conn)
                        .await?;
                }
                for chunk in data::admin_unit_versions().chunks(CHUNK) {
                    let mut qb = QueryBuilder::new(
                        "INSERT INTO admin_units (code, level, name, full_name, name_folded, unit_type, \
                         type_code, parent_code, province_code, valid_from, valid_to, source) ",
                    );
                    qb.push_values(chunk, |mut b, u| {
                        b.push_bind(u.code.clone())
                            .push_bind(u.level.as_str())
                            .push_bind(u.name.clone())
                            .push_bind(u.full_name.clone())
                            .push_bind(tuphap_core::text::fold(&u.full_name))
                            .push_bind(u.unit_type.clone())
                            .push_bind(u.type_code.clone())
                            .push_bind(u.parent_code.clone())
                            .push_bind(u.province_code.clone())
                            .push_bind(u.valid_from)
                            .push_bind(u.valid_to)
                            .push_bind(u.source);
                    });
                    qb.build().execute(&mut *conn).await?;
                }
                for chunk in data::successions().chunks(CHUNK) {
                    let mut qb = QueryBuilder::new(
                        "INSERT INTO admin_unit_successions (old_code, old_level, new_code, new_level, \
                         relation, effective) ",
                    );
                    qb.push_values(chunk, |mut b, s| {
                        b.push_bind(s.old_code.clone())
                            .push_bind(s.old_level.as_str())
                            .push_bind(s.new_code.clone())
                            .push_bind(s.new_level.as_str())
                            .push_bind(s.relation.as_str())
                            .push_bind(s.effective);
                    });
                    qb.build().execute(&mut *conn).await?;
                }
                let mut qb = QueryBuilder::new(
                    "INSERT INTO ethnic_groups (code, name, name_with_alt, name_ascii, \
                     spelling_variants, other_names) ",
                );
                qb.push_values(data::ethnic_groups(), |mut b, e| {
                    b.push_bind(e.code.clone())
                        .push_bind(e.name.clone())
                        .push_bind(e.name_with_alt.clone())
                        .push_bind(e.name_ascii.clone())
                        .push_bind(e.spelling_variants.join("; "))
                        .push_bind(e.other_names.join(", "));
                });
                qb.build().execute(&mut *conn).await?;
                for chunk in data::countries().chunks(CHUNK) {
                    let mut qb = QueryBuilder::new(
                        "INSERT INTO countries (alpha2, alpha3, numeric_code, name_vi, name_vi_alt, \
                         name_en, name_en_alt, iso_status) ",
                    );
                    qb.push_values(chunk, |mut b, c| {
                        b.push_bind(c.alpha2.clone())
                            .push_bind(c.alpha3.clone())
                            .push_bind(c.numeric.clone())
                            .push_bind(c.name_vi.clone())
                            .push_bind(c.name_vi_alt.join("; "))
                            .push_bind(c.name_en.clone())
                            .push_bind(c.name_en_alt.join("; "))
                            .push_bind(c.iso_status.clone());
                    });
                    qb.build().execute(&mut *conn).await?;
                }
                sqlx::query(
                    "INSERT INTO reference_meta (key, value) VALUES ('reference_fingerprint', $1) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(&fp)
                .execute(&mut *conn)
                .await?;
                Ok::<(), crate::StoreError>(())
            })?;
            tx.commit().await?;
            wrote = true;
        }
        let (n,): (i64,) = with_pool!(self, p => sqlx::query_as(
            "SELECT COUNT(*) FROM calendar_adjustments"
        )
        .fetch_one(p)
        .await)?;
        if n == 0 {
            let mut tx = self.begin().await?;
            let now = crate::now_utc();
            with_tx!(tx, conn => {
                for a in tuphap_core::calendar::default_adjustments() {
                    sqlx::query(
                        "INSERT INTO calendar_adjustments (day, kind, name_vi, legal_basis, updated_by, updated_at) \
                         VALUES ($1, $2, $3, $4, NULL, $5) ON CONFLICT (day) DO NOTHING",
                    )
                    .bind(a.date)
                    .bind(adjustment_kind_str(a.kind))
                    .bind(&a.name_vi)
                    .bind(&a.legal_basis)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                }
                Ok::<(), crate::StoreError>(())
            })?;
            tx.commit().await?;
            wrote = true;
        }
        // The procedure catalogue (migration 0015): missing and unedited rows only.
        if self.seed_procedures().await? > 0 {
            wrote = true;
        }
        Ok(wrote)
    }

    /// Units of `level` (and under `parent` when given) valid on `as_of`, ordered by code.
    pub async fn admin_units_on(
        &self,
        level: Option<&str>,
        parent: Option<&str>,
        as_of: Date,
    ) -> Result<Vec<AdminUnitRow>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM admin_units \
             WHERE ($1 IS NULL OR level = $1) AND ($2 IS NULL OR parent_code = $2) \
               AND (valid_from IS NULL OR valid_from <= $3) AND (valid_to IS NULL OR valid_to > $3) \
             ORDER BY code"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, AdminUnitRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(level)
            .bind(parent)
            .bind(as_of)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// The version of the unit `code` valid on `as_of`, if any.
    pub async fn admin_unit_on(&self, code: &str, as_of: Date) -> Result<Option<AdminUnitRow>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM admin_units WHERE code = $1 \
               AND (valid_from IS NULL OR valid_from <= $2) AND (valid_to IS NULL OR valid_to > $2)"
        );
        let row = with_pool!(self, p => sqlx::query_as::<_, AdminUnitRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(code)
            .bind(as_of)
            .fetch_optional(p)
            .await)?;
        Ok(row)
    }

    /// All versions of the unit `code`, oldest first.
    pub async fn admin_unit_versions(&self, code: &str) -> Result<Vec<AdminUnitRow>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM admin_units WHERE code = $1 ORDER BY valid_from IS NOT NULL, valid_from"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, AdminUnitRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(code)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Successors of an old unit across the 2025 reform.
    pub async fn admin_unit_successors(
        &self,
        code: &str,
        level: &str,
    ) -> Result<Vec<SuccessionRow>> {
        self.successions(
            "old_code = $1 AND old_level = $2 ORDER BY new_code",
            code,
            level,
        )
        .await
    }

    /// Predecessors of a new unit across the 2025 reform.
    pub async fn admin_unit_predecessors(
        &self,
        code: &str,
        level: &str,
    ) -> Result<Vec<SuccessionRow>> {
        self.successions(
            "new_code = $1 AND new_level = $2 ORDER BY old_code",
            code,
            level,
        )
        .await
    }

    async fn successions(
        &self,
        filter: &'static str,
        code: &str,
        level: &str,
    ) -> Result<Vec<SuccessionRow>> {
        let sql = format!(
            "SELECT old_code, old_level, new_code, new_level, relation, effective \
             FROM admin_unit_successions WHERE {filter}"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, SuccessionRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(code)
            .bind(level)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    pub async fn ethnic_groups(&self) -> Result<Vec<EthnicGroupRow>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, EthnicGroupRow>(
            "SELECT code, name, name_with_alt, name_ascii, spelling_variants, other_names \
             FROM ethnic_groups ORDER BY code",
        )
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    pub async fn countries(&self) -> Result<Vec<CountryRow>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, CountryRow>(
            "SELECT alpha2, alpha3, numeric_code, name_vi, name_vi_alt, name_en, name_en_alt, iso_status \
             FROM countries ORDER BY alpha2",
        )
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Calendar adjustments, optionally within `[from, to]`.
    pub async fn calendar_adjustments(&self) -> Result<Vec<CalendarAdjustmentRow>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, CalendarAdjustmentRow>(
            "SELECT day, kind, name_vi, legal_basis FROM calendar_adjustments ORDER BY day",
        )
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }
}

impl crate::Tx {
    /// Inserts or replaces the adjustment for its day.
    pub async fn upsert_calendar_adjustment(
        &mut self,
        a: &DayAdjustment,
        by: Option<i64>,
    ) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, conn => sqlx::query(
            "INSERT INTO calendar_adjustments (day, kind, name_vi, legal_basis, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, \
             name_vi = excluded.name_vi, legal_basis = excluded.legal_basis, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(a.date)
        .bind(adjustment_kind_str(a.kind))
        .bind(&a.name_vi)
        .bind(&a.legal_basis)
        .bind(by)
        .bind(now)
        .execute(&mut *conn)
        .await.map(|_| ()))?;
        Ok(())
    }

    /// Removes the adjustment of `day`; returns whether one existed.
    pub async fn delete_calendar_adjustment(&mut self, day: Date) -> Result<bool> {
        let r = with_tx!(self, conn => sqlx::query("DELETE FROM calendar_adjustments WHERE day = $1")
            .bind(day)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(r > 0)
    }
}

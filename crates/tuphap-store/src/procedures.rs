//! The procedure catalogue (`procedures`, migration 0015): the administrative procedures offered
//! as online public services, read by anyone, edited by ministry administrators.
//!
//! The shipped seed (`tuphap_core::procedures::default_procedures`, from
//! `data/procedures/procedures.csv`) is loaded by [`Store::seed_procedures`] (called from
//! [`Store::load_reference_data`] at every start): a missing code is inserted; a row that nobody
//! has edited (`updated_by IS NULL`) follows the shipped row when that changes (each row keeps
//! the SHA-256 of the seed row it came from); a row edited by a person is never overwritten. A
//! fingerprint of the whole seed in `reference_meta` makes an unchanged start one read.

use serde::Serialize;
use sha2::{Digest, Sha256};

use tuphap_core::procedures::{Procedure, default_procedures};

use crate::{Result, Store};

/// A catalogue entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcedureRow {
    pub procedure: Procedure,
    /// Unix microseconds.
    pub updated_at: i64,
    pub updated_by: Option<i64>,
    /// Username of `updated_by`, when known.
    pub updated_by_username: Option<String>,
}

/// Filters of [`Store::procedures`] (all optional; `include_inactive` false hides inactive rows).
#[derive(Debug, Clone, Default)]
pub struct ProcedureFilter {
    pub field: Option<String>,
    pub level: Option<String>,
    pub authority_level: Option<String>,
    pub record_kind: Option<String>,
    pub include_inactive: bool,
}

#[derive(sqlx::FromRow)]
struct Raw {
    code: String,
    name: String,
    field: String,
    level: String,
    authority_level: String,
    processing_days: i64,
    processing_note: String,
    fee_vnd: Option<i64>,
    fee_note: String,
    required_documents: String,
    form: String,
    legal_basis: String,
    record_kind: Option<String>,
    online: bool,
    active: bool,
    updated_at: i64,
    updated_by: Option<i64>,
    username: Option<String>,
}

const SELECT: &str = "SELECT p.code, p.name, p.field, p.level, p.authority_level, p.processing_days, \
     p.processing_note, p.fee_vnd, p.fee_note, p.required_documents, p.form, p.legal_basis, \
     p.record_kind, p.online, p.active, p.updated_at, p.updated_by, u.username \
     FROM procedures p LEFT JOIN users u ON u.id = p.updated_by";

fn from_raw(r: Raw) -> ProcedureRow {
    ProcedureRow {
        procedure: Procedure {
            code: r.code,
            name: r.name,
            field: r.field,
            level: r.level,
            authority_level: r.authority_level,
            processing_days: r.processing_days,
            processing_note: r.processing_note,
            fee_vnd: r.fee_vnd,
            fee_note: r.fee_note,
            required_documents: r
                .required_documents
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect(),
            form: r.form,
            legal_basis: r.legal_basis,
            record_kind: r.record_kind,
            online: r.online,
            active: r.active,
        },
        updated_at: r.updated_at,
        updated_by: r.updated_by,
        updated_by_username: r.username,
    }
}

fn docs_text(p: &Procedure) -> String {
    p.required_documents.join("\n")
}

fn row_hash(p: &Procedure) -> String {
    hex::encode(Sha256::digest(format!("{p:?}").as_bytes()))
}

fn seed_fingerprint() -> String {
    let mut h = Sha256::new();
    for p in default_procedures() {
        h.update(row_hash(p).as_bytes());
    }
    hex::encode(h.finalize())
}

fn now_micros() -> i64 {
    let t = crate::now_utc();
    (t.unix_timestamp_nanos() / 1000) as i64
}

const UPSERT_SEED: &str = "INSERT INTO procedures (code, name, field, level, authority_level, \
     processing_days, processing_note, fee_vnd, fee_note, required_documents, form, legal_basis, \
     record_kind, online, active, seed_hash, updated_at, updated_by) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, NULL) \
     ON CONFLICT (code) DO UPDATE SET name = excluded.name, field = excluded.field, \
     level = excluded.level, authority_level = excluded.authority_level, \
     processing_days = excluded.processing_days, processing_note = excluded.processing_note, \
     fee_vnd = excluded.fee_vnd, fee_note = excluded.fee_note, \
     required_documents = excluded.required_documents, form = excluded.form, \
     legal_basis = excluded.legal_basis, record_kind = excluded.record_kind, \
     online = excluded.online, active = excluded.active, seed_hash = excluded.seed_hash, \
     updated_at = excluded.updated_at \
     WHERE procedures.updated_by IS NULL AND procedures.seed_hash IS NOT NULL \
       AND procedures.seed_hash <> excluded.seed_hash";

impl Store {
    /// Loads the shipped catalogue: inserts missing codes and refreshes rows nobody has edited.
    /// Returns the number of rows written.
    pub async fn seed_procedures(&self) -> Result<u64> {
        let fp = seed_fingerprint();
        let current: Option<(String,)> = with_pool!(self, p => sqlx::query_as(
            "SELECT value FROM reference_meta WHERE key = 'procedures_fingerprint'"
        )
        .fetch_optional(p)
        .await)?;
        if current.as_ref().map(|c| c.0.as_str()) == Some(fp.as_str()) {
            return Ok(0);
        }
        let now = now_micros();
        let mut tx = self.begin().await?;
        let written = with_tx!(tx, conn => {
            let mut n = 0u64;
            for p in default_procedures() {
                n += sqlx::query(UPSERT_SEED)
                    .bind(&p.code)
                    .bind(&p.name)
                    .bind(&p.field)
                    .bind(&p.level)
                    .bind(&p.authority_level)
                    .bind(p.processing_days)
                    .bind(&p.processing_note)
                    .bind(p.fee_vnd)
                    .bind(&p.fee_note)
                    .bind(docs_text(p))
                    .bind(&p.form)
                    .bind(&p.legal_basis)
                    .bind(&p.record_kind)
                    .bind(p.online)
                    .bind(p.active)
                    .bind(row_hash(p))
                    .bind(now)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            }
            sqlx::query(
                "INSERT INTO reference_meta (key, value) VALUES ('procedures_fingerprint', $1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(&fp)
            .execute(&mut *conn)
            .await?;
            Ok::<u64, crate::StoreError>(n)
        })?;
        tx.commit().await?;
        Ok(written)
    }

    /// Catalogue entries matching `filter`, ordered by field then code.
    pub async fn procedures(&self, filter: &ProcedureFilter) -> Result<Vec<ProcedureRow>> {
        let sql = format!(
            "{SELECT} WHERE ($1 IS NULL OR p.field = $1) AND ($2 IS NULL OR p.level = $2) \
             AND ($3 IS NULL OR p.authority_level = $3) AND ($4 IS NULL OR p.record_kind = $4) \
             AND ($5 OR p.active) ORDER BY p.field, p.code"
        );
        let rows: Vec<Raw> = with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(filter.field.as_deref())
            .bind(filter.level.as_deref())
            .bind(filter.authority_level.as_deref())
            .bind(filter.record_kind.as_deref())
            .bind(filter.include_inactive)
            .fetch_all(p)
            .await)?;
        Ok(rows.into_iter().map(from_raw).collect())
    }

    /// One entry by code.
    pub async fn procedure(&self, code: &str) -> Result<Option<ProcedureRow>> {
        let sql = format!("{SELECT} WHERE p.code = $1");
        let row: Option<Raw> = with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(code)
            .fetch_optional(p)
            .await)?;
        Ok(row.map(from_raw))
    }

    /// The distinct fields (lĩnh vực) of the catalogue, for filters.
    pub async fn procedure_fields(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = with_pool!(self, p => sqlx::query_as(
            "SELECT DISTINCT field FROM procedures ORDER BY field"
        )
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

impl crate::Tx {
    /// Whether an entry with `code` exists (inside the transaction).
    pub async fn procedure_exists(&mut self, code: &str) -> Result<bool> {
        let r: Option<(String,)> = with_tx!(self, conn => sqlx::query_as(
            "SELECT code FROM procedures WHERE code = $1"
        )
        .bind(code)
        .fetch_optional(&mut *conn)
        .await)?;
        Ok(r.is_some())
    }

    /// Inserts or replaces the entry of `p.code`, edited by `by`; returns whether it was new.
    pub async fn upsert_procedure(&mut self, p: &Procedure, by: i64) -> Result<bool> {
        let existed = self.procedure_exists(&p.code).await?;
        self.write_procedure(p, by, true).await?;
        Ok(!existed)
    }

    /// Inserts a new entry, edited by `by`: [`crate::StoreError::Conflict`] when the code is
    /// taken (also by a concurrent insert).
    pub async fn insert_procedure(&mut self, p: &Procedure, by: i64) -> Result<()> {
        self.write_procedure(p, by, false).await
    }

    async fn write_procedure(&mut self, p: &Procedure, by: i64, replace: bool) -> Result<()> {
        let now = now_micros();
        let on_conflict = if replace { UPSERT_TAIL } else { "" };
        let sql = format!(
            "INSERT INTO procedures (code, name, field, level, authority_level, processing_days, \
             processing_note, fee_vnd, fee_note, required_documents, form, legal_basis, \
             record_kind, online, active, seed_hash, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULL, $16, \
             $17){on_conflict}"
        );
        with_tx!(self, conn => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&p.code)
            .bind(&p.name)
            .bind(&p.field)
            .bind(&p.level)
            .bind(&p.authority_level)
            .bind(p.processing_days)
            .bind(&p.processing_note)
            .bind(p.fee_vnd)
            .bind(&p.fee_note)
            .bind(docs_text(p))
            .bind(&p.form)
            .bind(&p.legal_basis)
            .bind(&p.record_kind)
            .bind(p.online)
            .bind(p.active)
            .bind(now)
            .bind(by)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}

const UPSERT_TAIL: &str = " ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
     field = excluded.field, level = excluded.level, authority_level = excluded.authority_level, \
     processing_days = excluded.processing_days, processing_note = excluded.processing_note, \
     fee_vnd = excluded.fee_vnd, fee_note = excluded.fee_note, \
     required_documents = excluded.required_documents, form = excluded.form, \
     legal_basis = excluded.legal_basis, record_kind = excluded.record_kind, \
     online = excluded.online, active = excluded.active, \
     updated_at = excluded.updated_at, updated_by = excluded.updated_by";

//! Dossiers of administrative procedures (issue 7, online public services; migration 0016).
//!
//! `dossiers` holds one row per dossier with its current status and clock (due date, pause,
//! late flag); `dossier_events` is the append-only log of its transitions (kind, when, by whom,
//! due date before and after) that the Decision 766 indicators are computed from. The rules
//! (statuses, deadlines) live in `tuphap_core::dossier`; the use cases in
//! `tuphap_domain::online::dossier`.
//!
//! **Codes.** The serial `XXXX` of a dossier code is taken from `dossier_serials` per
//! `(unit code, YYMMDD)` with `INSERT … ON CONFLICT DO UPDATE … RETURNING` (the register-number
//! pattern of `civil.rs`): the row stays locked until the submitting transaction ends, so
//! concurrent submissions get 1, 2, 3, … with no gap (a rolled-back submission gives its number
//! back), and the unique index on `code` makes a duplicate impossible.
//!
//! Times are unix microseconds ([`crate::exchange::micros`]); due dates are calendar dates.

use serde::Serialize;
use time::Date;

use crate::{Result, Store, Tx, TxInner};

const DOSSIER_COLUMNS: &str = "id, code, procedure_code, procedure_name, office_id, \
     applicant_personal_id, applicant_name, channel, status, processing_days, submitted_at, \
     received_at, finished_at, returned_at, due_on, reappointed_on, paused_since, paused_days, \
     supplement_count, late, record_id, paid_online, has_result, updated_at";

const EVENT_COLUMNS: &str = "id, dossier_id, kind, at, by_user_id, by_personal_id, status_before, \
     status_after, due_before, due_after, details";

/// A dossier to insert (status `submitted` unless the caller says otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDossier {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub office_id: i64,
    pub applicant_personal_id: String,
    pub applicant_name: String,
    /// `KenhThucHien`: 1 in person, 2 online, 3 post.
    pub channel: i32,
    pub status: String,
    pub processing_days: i32,
    pub submitted_at: i64,
    /// `DuocThanhToanTrucTuyen`: 0, 1 (national portal), 2 (ministry or provincial gateway).
    pub paid_online: i32,
}

/// A dossier as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DossierRow {
    pub id: i64,
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub office_id: i64,
    pub applicant_personal_id: String,
    pub applicant_name: String,
    pub channel: i32,
    pub status: String,
    pub processing_days: i32,
    pub submitted_at: i64,
    pub received_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub returned_at: Option<i64>,
    pub due_on: Option<Date>,
    pub reappointed_on: Option<Date>,
    pub paused_since: Option<i64>,
    pub paused_days: i32,
    pub supplement_count: i32,
    pub late: bool,
    pub record_id: Option<i64>,
    pub paid_online: i32,
    pub has_result: bool,
    pub updated_at: i64,
}

/// An event to append to a dossier's log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDossierEvent {
    pub dossier_id: i64,
    /// `submitted`, `received`, `supplement_requested`, `supplement_answered`, `refused`,
    /// `processed`, `result_returned`, `withdrawn`, `stopped`, `apology`.
    pub kind: String,
    pub at: i64,
    /// The officer; `None` when the citizen acted (`by_personal_id`).
    pub by_user_id: Option<i64>,
    pub by_personal_id: Option<String>,
    pub status_before: Option<String>,
    pub status_after: String,
    pub due_before: Option<Date>,
    pub due_after: Option<Date>,
    pub details: serde_json::Value,
}

/// An event as stored (`details` is JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DossierEvent {
    pub id: i64,
    pub dossier_id: i64,
    pub kind: String,
    pub at: i64,
    pub by_user_id: Option<i64>,
    pub by_personal_id: Option<String>,
    pub status_before: Option<String>,
    pub status_after: String,
    pub due_before: Option<Date>,
    pub due_after: Option<Date>,
    pub details: String,
}

impl DossierEvent {
    /// The details as JSON (`null` if the stored text is not JSON).
    pub fn details_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.details).unwrap_or(serde_json::Value::Null)
    }
}

impl Store {
    /// The unit code (Circular 10/2016/TT-BTTTT) configured for an office's dossier codes.
    pub async fn dossier_unit_code(&self, office_id: i64) -> Result<Option<String>> {
        let r: Option<(String,)> = with_pool!(self, p => sqlx::query_as(
            "SELECT unit_code FROM dossier_unit_codes WHERE office_id = $1",
        )
        .bind(office_id)
        .fetch_optional(p)
        .await)?;
        Ok(r.map(|(c,)| c))
    }

    pub async fn dossier_by_id(&self, id: i64) -> Result<Option<DossierRow>> {
        let sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE id = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(p)
            .await)?;
        Ok(r)
    }

    pub async fn dossier_by_code(&self, code: &str) -> Result<Option<DossierRow>> {
        let sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql))
            .bind(code)
            .fetch_optional(p)
            .await)?;
        Ok(r)
    }

    /// An office's dossiers, newest first, optionally of one status; at most `limit`.
    pub async fn dossiers_of_office(
        &self,
        office_id: i64,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DossierRow>> {
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE office_id = $1 \
             AND ($2 IS NULL OR status = $2) ORDER BY id DESC LIMIT $3"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql))
            .bind(office_id)
            .bind(status)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(r)
    }

    /// A citizen's dossiers (by personal ID), newest first; at most `limit`.
    pub async fn dossiers_of_applicant(
        &self,
        personal_id: &str,
        limit: i64,
    ) -> Result<Vec<DossierRow>> {
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE applicant_personal_id = $1 \
             ORDER BY id DESC LIMIT $2"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql))
            .bind(personal_id)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(r)
    }

    /// An office's open dossiers (not finished) due on or before `day`, earliest first; at most
    /// `limit`. What needs a Form 04 before its due date.
    pub async fn dossiers_due_by(
        &self,
        office_id: i64,
        day: Date,
        limit: i64,
    ) -> Result<Vec<DossierRow>> {
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE office_id = $1 AND finished_at IS NULL \
             AND due_on <= $2 ORDER BY due_on, id LIMIT $3"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql))
            .bind(office_id)
            .bind(day)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(r)
    }

    /// A dossier's events in order.
    pub async fn dossier_events(&self, dossier_id: i64) -> Result<Vec<DossierEvent>> {
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM dossier_events WHERE dossier_id = $1 ORDER BY id");
        let r = with_pool!(self, p => sqlx::query_as::<_, DossierEvent>(sqlx::AssertSqlSafe(sql))
            .bind(dossier_id)
            .fetch_all(p)
            .await)?;
        Ok(r)
    }

    /// Every event with `from <= at < to` (microseconds), in order: the input of the Decision
    /// 766 indicators for a period.
    pub async fn dossier_events_between(&self, from: i64, to: i64) -> Result<Vec<DossierEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM dossier_events WHERE at >= $1 AND at < $2 ORDER BY id"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, DossierEvent>(sqlx::AssertSqlSafe(sql))
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await)?;
        Ok(r)
    }
}

impl Tx {
    /// Sets (or replaces) an office's unit code.
    pub async fn dossier_set_unit_code(
        &mut self,
        office_id: i64,
        unit_code: &str,
        at: i64,
    ) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "INSERT INTO dossier_unit_codes (office_id, unit_code, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (office_id) DO UPDATE SET unit_code = $2, updated_at = $3",
        )
        .bind(office_id)
        .bind(unit_code)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The next serial of `(unit code, YYMMDD)`, from 1: the counter row is created on first use
    /// and stays locked until the transaction ends (unique and gapless). The caller refuses
    /// serials past 9999.
    pub async fn dossier_next_serial(&mut self, unit_code: &str, day: &str) -> Result<i32> {
        let (n,): (i32,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO dossier_serials (unit_code, day, last_serial) VALUES ($1, $2, 1) \
             ON CONFLICT (unit_code, day) \
             DO UPDATE SET last_serial = dossier_serials.last_serial + 1 RETURNING last_serial",
        )
        .bind(unit_code)
        .bind(day)
        .fetch_one(&mut *c)
        .await)?;
        Ok(n)
    }

    /// Inserts a dossier; returns its id.
    pub async fn dossier_insert(&mut self, d: &NewDossier) -> Result<i64> {
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO dossiers (code, procedure_code, procedure_name, office_id, \
             applicant_personal_id, applicant_name, channel, status, processing_days, \
             submitted_at, paid_online, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10) RETURNING id",
        )
        .bind(&d.code)
        .bind(&d.procedure_code)
        .bind(&d.procedure_name)
        .bind(d.office_id)
        .bind(&d.applicant_personal_id)
        .bind(&d.applicant_name)
        .bind(d.channel)
        .bind(&d.status)
        .bind(d.processing_days)
        .bind(d.submitted_at)
        .bind(d.paid_online)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }

    /// A dossier by code, locked until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's
    /// one writer already serializes).
    pub async fn dossier_by_code_for_update(&mut self, code: &str) -> Result<Option<DossierRow>> {
        let lock = match self.inner {
            TxInner::Sqlite(_) => "",
            TxInner::Postgres(_) => " FOR UPDATE",
        };
        let sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = $1{lock}");
        let r = with_tx!(self, c => sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql))
            .bind(code)
            .fetch_optional(&mut *c)
            .await)?;
        Ok(r)
    }

    /// Writes the mutable columns of a dossier (status, times, clock, flags).
    pub async fn dossier_update(&mut self, d: &DossierRow) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE dossiers SET status = $2, received_at = $3, finished_at = $4, returned_at = $5, \
             due_on = $6, reappointed_on = $7, paused_since = $8, paused_days = $9, \
             supplement_count = $10, late = $11, record_id = $12, paid_online = $13, \
             has_result = $14, updated_at = $15 WHERE id = $1",
        )
        .bind(d.id)
        .bind(&d.status)
        .bind(d.received_at)
        .bind(d.finished_at)
        .bind(d.returned_at)
        .bind(d.due_on)
        .bind(d.reappointed_on)
        .bind(d.paused_since)
        .bind(d.paused_days)
        .bind(d.supplement_count)
        .bind(d.late)
        .bind(d.record_id)
        .bind(d.paid_online)
        .bind(d.has_result)
        .bind(d.updated_at)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Appends an event to a dossier's log; returns its id.
    pub async fn dossier_event_insert(&mut self, e: &NewDossierEvent) -> Result<i64> {
        let details = e.details.to_string();
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO dossier_events (dossier_id, kind, at, by_user_id, by_personal_id, \
             status_before, status_after, due_before, due_after, details) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(e.dossier_id)
        .bind(&e.kind)
        .bind(e.at)
        .bind(e.by_user_id)
        .bind(&e.by_personal_id)
        .bind(&e.status_before)
        .bind(&e.status_after)
        .bind(e.due_before)
        .bind(e.due_after)
        .bind(&details)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }
}

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
     supplement_count, late, record_id, paid_online, has_result, updated_at, application, copies, \
     fee_vnd";

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
    /// The form's content as JSON (for a birth, `BirthDeclaration`); `None` for dossiers that
    /// came without one (one-stop systems).
    pub application: Option<String>,
    /// Copies of the extract asked for (bản sao trích lục).
    pub copies: i32,
    /// What the citizen owes, in đồng (0: nothing to pay).
    pub fee_vnd: i64,
}

/// A file uploaded with a dossier, checked by the domain (size, type, anti-malware verdict).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct NewDossierFile {
    /// The required document it answers (its name in the catalogue), or "Giấy tờ khác".
    pub component: String,
    pub file_name: String,
    pub content_type: String,
    #[serde(skip)]
    pub content: Vec<u8>,
    /// Hex SHA-256 of `content`.
    pub sha256: String,
    /// `not_scanned`, `clean`, `pending`.
    pub scan_status: String,
}

/// A stored file's description (without its content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DossierFileInfo {
    pub id: i64,
    pub dossier_id: i64,
    pub component: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub scan_status: String,
    pub uploaded_at: i64,
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
    pub application: Option<String>,
    pub copies: i32,
    pub fee_vnd: i64,
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

impl Store {
    /// The offices that take online dossiers (a dossier unit code is set): (code, name), by
    /// name.
    pub async fn offices_with_dossier_unit_code(&self) -> Result<Vec<(String, String)>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, (String, String)>(
            "SELECT o.code, o.name FROM dossier_unit_codes u JOIN offices o ON o.id = u.office_id \
             ORDER BY o.name",
        )
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// The files of a dossier (descriptions only), in upload order.
    pub async fn dossier_files(&self, dossier_id: i64) -> Result<Vec<DossierFileInfo>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, DossierFileInfo>(
            "SELECT id, dossier_id, component, file_name, content_type, size_bytes, sha256, \
             scan_status, uploaded_at FROM dossier_files WHERE dossier_id = $1 ORDER BY id",
        )
        .bind(dossier_id)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }
}

impl Tx {
    /// The code of the unfinished dossier a civil record was declared from, if any.
    pub async fn dossier_open_for_record(&mut self, record_id: i64) -> Result<Option<String>> {
        let r: Option<(String,)> = with_tx!(self, c => sqlx::query_as(
            "SELECT code FROM dossiers WHERE record_id = $1 AND finished_at IS NULL",
        )
        .bind(record_id)
        .fetch_optional(&mut *c)
        .await)?;
        Ok(r.map(|(c,)| c))
    }

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
             submitted_at, paid_online, updated_at, application, copies, fee_vnd) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $12, $13, $14) RETURNING id",
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
        .bind(&d.application)
        .bind(d.copies)
        .bind(d.fee_vnd)
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

    /// Stores a file of a dossier; returns its id.
    pub async fn dossier_file_insert(
        &mut self,
        dossier_id: i64,
        f: &NewDossierFile,
        at: i64,
        by_personal_id: Option<&str>,
    ) -> Result<i64> {
        let size = i64::try_from(f.content.len()).unwrap_or(i64::MAX);
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO dossier_files (dossier_id, component, file_name, content_type, \
             size_bytes, sha256, content, scan_status, uploaded_at, uploaded_by_personal_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(dossier_id)
        .bind(&f.component)
        .bind(&f.file_name)
        .bind(&f.content_type)
        .bind(size)
        .bind(&f.sha256)
        .bind(&f.content)
        .bind(&f.scan_status)
        .bind(at)
        .bind(by_personal_id)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }
}

// ---------------------------------------------------------------------------------------------
// The officer's queue (issue 7, item 4): an office's dossiers ordered by their appointment date,
// keyset-paginated, with the counts per deadline band, and one file of a dossier.

/// The deadline band of an open dossier, relative to `today` and `horizon` (the next working
/// day) of a [`DossierQueueQuery`]. The appointment date is the Form 04 date when there is one,
/// else the due date (`COALESCE(reappointed_on, due_on)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueBand {
    /// Submitted, not received yet (no due date).
    Waiting,
    /// Open, the appointment date has passed.
    Overdue,
    /// Open, due today or by the next working day.
    DueSoon,
    /// Open, due later.
    OnTrack,
    /// A supplement was requested: the clock is stopped.
    Paused,
}

impl DueBand {
    /// The SQL condition of the band, with `t` and `h` the placeholders of today and the
    /// horizon (static text otherwise).
    fn condition(self, t: &str, h: &str) -> String {
        const OPEN: &str =
            "finished_at IS NULL AND status NOT IN ('submitted', 'supplement_requested')";
        const DUE: &str = "COALESCE(reappointed_on, due_on)";
        match self {
            DueBand::Waiting => "status = 'submitted'".to_string(),
            DueBand::Paused => "status = 'supplement_requested'".to_string(),
            DueBand::Overdue => format!("{OPEN} AND {DUE} < {t}"),
            DueBand::DueSoon => format!("{OPEN} AND {DUE} >= {t} AND {DUE} <= {h}"),
            DueBand::OnTrack => format!("{OPEN} AND {DUE} > {h}"),
        }
    }

    fn uses_today(self) -> bool {
        matches!(self, DueBand::Overdue | DueBand::DueSoon)
    }

    fn uses_horizon(self) -> bool {
        matches!(self, DueBand::DueSoon | DueBand::OnTrack)
    }
}

/// Which dossiers of an office a queue page lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierQueueQuery {
    pub office_id: i64,
    /// Only open dossiers (`finished_at IS NULL`).
    pub open_only: bool,
    /// One status (`dossiers.status`).
    pub status: Option<String>,
    pub band: Option<DueBand>,
    /// The Vietnam date the bands are computed for, and the next working day after it.
    pub today: Date,
    pub horizon: Date,
}

/// The sort key of a dossier without an appointment date (not received yet): such dossiers come
/// first, they wait for the officer.
pub const QUEUE_NO_DUE: Date = time::macros::date!(1900 - 01 - 01);

/// Open dossiers of an office per deadline band.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DueBandCounts {
    pub waiting: i64,
    pub overdue: i64,
    pub due_soon: i64,
    pub on_track: i64,
    pub paused: i64,
}

/// A file of a dossier with its content.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DossierFileContent {
    pub id: i64,
    pub dossier_id: i64,
    pub component: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub scan_status: String,
    pub uploaded_at: i64,
    pub content: Vec<u8>,
}

impl Store {
    /// One page of an office's queue ordered by appointment date
    /// (`COALESCE(reappointed_on, due_on)`, [`QUEUE_NO_DUE`] when none) then id, after the
    /// keyset `after` = (sort date, id) of the previous page's last row; at most `limit`.
    pub async fn dossier_queue_page(
        &self,
        q: &DossierQueueQuery,
        after: Option<(Date, i64)>,
        limit: i64,
    ) -> Result<Vec<DossierRow>> {
        // Placeholders are numbered as they are used (PostgreSQL needs every one referenced);
        // the binds below follow the same order.
        let key = "COALESCE(reappointed_on, due_on, $2)";
        let mut n = 2;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let mut sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE office_id = $1");
        if q.status.is_some() {
            sql.push_str(&format!(" AND status = {}", next()));
        }
        if q.open_only {
            sql.push_str(" AND finished_at IS NULL");
        }
        if let Some(b) = q.band {
            let t = if b.uses_today() {
                next()
            } else {
                String::new()
            };
            let h = if b.uses_horizon() {
                next()
            } else {
                String::new()
            };
            sql.push_str(" AND ");
            sql.push_str(&b.condition(&t, &h));
        }
        if after.is_some() {
            let (d, i) = (next(), next());
            sql.push_str(&format!(" AND ({key} > {d} OR ({key} = {d} AND id > {i}))"));
        }
        let l = next();
        sql.push_str(&format!(" ORDER BY {key}, id LIMIT {l}"));
        let r = with_pool!(self, p => {
            let mut query = sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(q.office_id)
                .bind(QUEUE_NO_DUE);
            if let Some(s) = &q.status {
                query = query.bind(s.clone());
            }
            if let Some(b) = q.band {
                if b.uses_today() {
                    query = query.bind(q.today);
                }
                if b.uses_horizon() {
                    query = query.bind(q.horizon);
                }
            }
            if let Some((d, i)) = after {
                query = query.bind(d).bind(i);
            }
            query.bind(limit).fetch_all(p).await
        })?;
        Ok(r)
    }

    /// How many open dossiers of an office are in each deadline band.
    pub async fn dossier_band_counts(
        &self,
        office_id: i64,
        today: Date,
        horizon: Date,
    ) -> Result<DueBandCounts> {
        let sum = |b: DueBand| {
            format!(
                "COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0)",
                b.condition("$2", "$3")
            )
        };
        let sql = format!(
            "SELECT {}, {}, {}, {}, {} FROM dossiers WHERE office_id = $1 AND finished_at IS NULL",
            sum(DueBand::Waiting),
            sum(DueBand::Overdue),
            sum(DueBand::DueSoon),
            sum(DueBand::OnTrack),
            sum(DueBand::Paused),
        );
        let r: (i64, i64, i64, i64, i64) = with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(office_id)
                .bind(today)
                .bind(horizon)
                .fetch_one(p)
                .await)?;
        Ok(DueBandCounts {
            waiting: r.0,
            overdue: r.1,
            due_soon: r.2,
            on_track: r.3,
            paused: r.4,
        })
    }

    /// Every office's dossier unit code, as (office id, unit code).
    pub async fn dossier_unit_codes(&self) -> Result<Vec<(i64, String)>> {
        let r: Vec<(i64, String)> = with_pool!(self, p => sqlx::query_as(
            "SELECT office_id, unit_code FROM dossier_unit_codes ORDER BY office_id",
        )
        .fetch_all(p)
        .await)?;
        Ok(r)
    }

    /// One file of a dossier (description only), `None` when the id is not a file of it.
    pub async fn dossier_file_info(
        &self,
        dossier_id: i64,
        file_id: i64,
    ) -> Result<Option<DossierFileInfo>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, DossierFileInfo>(
            "SELECT id, dossier_id, component, file_name, content_type, size_bytes, sha256, \
             scan_status, uploaded_at FROM dossier_files WHERE dossier_id = $1 AND id = $2",
        )
        .bind(dossier_id)
        .bind(file_id)
        .fetch_optional(p)
        .await)?;
        Ok(r)
    }

    /// One file of a dossier with its content, `None` when the id is not a file of it.
    pub async fn dossier_file_content(
        &self,
        dossier_id: i64,
        file_id: i64,
    ) -> Result<Option<DossierFileContent>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, DossierFileContent>(
            "SELECT id, dossier_id, component, file_name, content_type, size_bytes, sha256, \
             scan_status, uploaded_at, content FROM dossier_files \
             WHERE dossier_id = $1 AND id = $2",
        )
        .bind(dossier_id)
        .bind(file_id)
        .fetch_optional(p)
        .await)?;
        Ok(r)
    }
}

//! Bulk import of legacy civil-status records: runs and their checkpoints, rejected rows, the
//! registry state the import checks against, and the engine fast paths that write a validated
//! batch (multi-row `INSERT`s in one large transaction on SQLite, `COPY` on PostgreSQL).
//!
//! Everything of a batch — persons, records, versions, links, deaths, register counters, the
//! rejected rows and the run's checkpoint — is written in the caller's one transaction, so a
//! killed import leaves either the whole batch or none of it, and the checkpoint says which.

use std::fmt::Write as _;

use sqlx::QueryBuilder;
use time::{Date, OffsetDateTime};

use crate::{Result, Store, Tx, TxInner};

/// An import run: one file of one source system.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ImportRunRow {
    pub id: i64,
    pub source_system: String,
    pub file_name: String,
    pub file_size: i64,
    pub fingerprint: String,
    pub bytes_done: i64,
    pub lines_done: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub finished_at: Option<OffsetDateTime>,
}

/// A row the import refused, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ImportRejectRow {
    pub line: i64,
    pub source_id: Option<String>,
    pub field: Option<String>,
    pub code: String,
    pub message: String,
}

/// A person written by the import, with its reserved id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPerson {
    pub id: i64,
    pub person: crate::civil::NewPerson,
}

/// A registered record written by the import, with its reserved id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    pub kind: String,
    pub office_id: i64,
    pub unit_code: Option<String>,
    pub event_date: Date,
    pub subject_person_id: i64,
    pub subject_name_folded: String,
    pub late: bool,
    pub registered_on: Date,
    pub register_book: String,
    pub register_year: i32,
    pub register_number: i32,
    pub source_id: String,
    /// The declaration (version 1 of the record's content), encoded by the caller (the import
    /// compresses in its checking stage, beside the writer).
    pub data: crate::version_data::EncodedVersion,
}

/// An office a batch creates, with its reserved id; `valid_to` is set for the office of a unit
/// that no longer exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOffice {
    pub id: i64,
    pub office: crate::identity::NewOffice,
    pub valid_to: Option<Date>,
}

/// One validated batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportBatch {
    /// Offices first seen in this batch.
    pub offices: Vec<ImportOffice>,
    pub persons: Vec<ImportPerson>,
    pub records: Vec<ImportRecord>,
    /// (record id, role, person id)
    pub links: Vec<(i64, String, i64)>,
    /// (person id, date of death, death record id)
    pub deaths: Vec<(i64, Date, i64)>,
}

/// A person of the register with a personal ID, as the import's rules need them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatePerson {
    pub id: i64,
    pub personal_id: String,
    pub date_of_death: Option<Date>,
}

/// A link of a person to a record, as the import's rules need it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StateLink {
    pub record_id: i64,
    pub kind: String,
    pub status: String,
    pub role: String,
    pub person_id: i64,
    pub event_date: Date,
    pub register_book: Option<String>,
    pub register_year: Option<i32>,
    pub register_number: Option<i32>,
}

/// Tables whose ids the import reserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTable {
    Persons,
    Records,
    Offices,
}

impl IdTable {
    fn name(self) -> &'static str {
        match self {
            IdTable::Persons => "persons",
            IdTable::Records => "civil_records",
            IdTable::Offices => "offices",
        }
    }
}

const RUN_COLUMNS: &str = "id, source_system, file_name, file_size, fingerprint, bytes_done, \
     lines_done, accepted, rejected, finished_at";

/// Non-unique secondary indexes of the register that a first load into an empty register builds
/// after the rows instead of row by row (unique indexes stay: the load relies on them).
const DEFERRABLE_INDEXES: [&str; 5] = [
    "persons_name_dob",
    "civil_records_queue",
    "civil_records_subject",
    "civil_records_name",
    "civil_record_persons_person",
];

/// Rows per multi-row `INSERT` on SQLite (its limit is 32,766 bound values per statement).
const SQLITE_CHUNK: usize = 1_000;

impl Store {
    pub async fn import_run(
        &self,
        source: &str,
        fingerprint: &str,
    ) -> Result<Option<ImportRunRow>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM import_runs WHERE source_system = $1 AND fingerprint = $2"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, ImportRunRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(source).bind(fingerprint).fetch_optional(p).await)?;
        Ok(r)
    }

    /// Prepares the engine for a bulk load, until [`Store::bulk_load_end`]. On SQLite, on the
    /// writing connection: a large page cache (the indexes of millions of rows do not fit the
    /// default 64 MiB, and every batch then waits on random reads); `synchronous=NORMAL` (in WAL
    /// mode a commit still survives a killed process; only a power cut may lose the last
    /// batches, and since each batch commits with its checkpoint a re-run then redoes exactly
    /// those); a WAL checkpoint every 256 MiB instead of every 4 MiB, so that index pages
    /// rewritten by many batches are copied to the database once; foreign keys not checked (the
    /// importer makes every reference itself, from ids it reserved or read); and sorter threads
    /// for the index builds after a first load. Nothing to do on PostgreSQL (its buffers and
    /// durability are the server's).
    pub async fn bulk_load_mode(&self, cache_mib: i64) -> Result<()> {
        if let crate::Inner::Sqlite { write, .. } = &self.inner {
            let mut c = write.acquire().await?;
            for pragma in [
                format!("PRAGMA cache_size = -{}", cache_mib.max(64) * 1024),
                "PRAGMA synchronous = NORMAL".to_string(),
                "PRAGMA wal_autocheckpoint = 65536".to_string(),
                "PRAGMA foreign_keys = OFF".to_string(),
                // Index builds after a first load sort with helper threads.
                "PRAGMA threads = 4".to_string(),
            ] {
                sqlx::query(sqlx::AssertSqlSafe(pragma))
                    .execute(&mut *c)
                    .await?;
            }
        }
        Ok(())
    }

    /// Back to the normal settings after a bulk load: on SQLite the WAL is checkpointed into the
    /// database and truncated, and commits are again `synchronous=FULL`.
    pub async fn bulk_load_end(&self) -> Result<()> {
        if let crate::Inner::Sqlite { write, .. } = &self.inner {
            let mut c = write.acquire().await?;
            for pragma in [
                "PRAGMA wal_checkpoint(TRUNCATE)".to_string(),
                "PRAGMA synchronous = FULL".to_string(),
                "PRAGMA wal_autocheckpoint = 1000".to_string(),
                format!("PRAGMA cache_size = {}", crate::SQLITE_CACHE_SIZE),
                "PRAGMA foreign_keys = ON".to_string(),
                "PRAGMA threads = 0".to_string(),
            ] {
                sqlx::query(sqlx::AssertSqlSafe(pragma))
                    .execute(&mut *c)
                    .await?;
            }
        }
        Ok(())
    }

    /// Sets aside, for a first load into an empty register, the deferrable secondary indexes
    /// and, on PostgreSQL, the foreign keys of the civil tables (checked there by a trigger query
    /// per row; on SQLite the bulk-load mode turns the checks off for the import's connection).
    /// Each goes with the statement that restores it into `deferred_schema`, in the transaction
    /// that drops it. Returns how many were set aside; see [`Store::restore_schema`].
    pub async fn defer_schema(&self) -> Result<usize> {
        let mut tx = self.begin().await?;
        // (name, statement that drops it, statement that restores it)
        let mut deferred: Vec<(String, String, String)> = Vec::new();
        for name in DEFERRABLE_INDEXES {
            let definition: Option<(String,)> = match &mut tx.inner {
                TxInner::Sqlite(t) => {
                    sqlx::query_as(
                        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1",
                    )
                    .bind(name)
                    .fetch_optional(&mut **t)
                    .await?
                }
                TxInner::Postgres(t) => {
                    sqlx::query_as(
                        "SELECT indexdef FROM pg_indexes \
                         WHERE schemaname = current_schema() AND indexname = $1",
                    )
                    .bind(name)
                    .fetch_optional(&mut **t)
                    .await?
                }
            };
            if let Some((definition,)) = definition {
                deferred.push((name.to_string(), format!("DROP INDEX {name}"), definition));
            }
        }
        if let TxInner::Postgres(t) = &mut tx.inner {
            let keys: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT conname::TEXT, conrelid::regclass::TEXT, pg_get_constraintdef(oid) \
                 FROM pg_constraint WHERE contype = 'f' AND conrelid IN \
                 ('civil_records'::regclass, 'civil_record_versions'::regclass, \
                  'civil_record_persons'::regclass) ORDER BY conname",
            )
            .fetch_all(&mut **t)
            .await?;
            for (name, table, definition) in keys {
                deferred.push((
                    name.clone(),
                    format!("ALTER TABLE {table} DROP CONSTRAINT {name}"),
                    format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"),
                ));
            }
        }
        for (name, drop, restore) in &deferred {
            with_tx!(tx, c => sqlx::query("INSERT INTO deferred_schema (name, restore_sql) VALUES ($1, $2)")
                .bind(name)
                .bind(restore)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
            with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(drop.as_str()))
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
        }
        tx.commit().await?;
        Ok(deferred.len())
    }

    /// The parts of the schema a bulk load has set aside and not restored yet (names).
    pub async fn deferred_schema(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = with_pool!(self, p => sqlx::query_as(
            "SELECT name FROM deferred_schema ORDER BY name",
        )
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Restores what [`Store::defer_schema`] set aside, one transaction each (each part is either
    /// restored and no longer waiting, or still waiting): indexes first, then foreign keys (whose
    /// validation is one join over the loaded rows). Returns how many were restored.
    pub async fn restore_schema(&self) -> Result<usize> {
        let waiting: Vec<(String, String)> = with_pool!(self, p => sqlx::query_as(
            "SELECT name, restore_sql FROM deferred_schema ORDER BY restore_sql LIKE 'ALTER%', name",
        )
        .fetch_all(p)
        .await)?;
        for (name, restore) in &waiting {
            tracing::info!(part = %name, "restoring a part of the schema set aside by a bulk load");
            let mut tx = self.begin().await?;
            if let TxInner::Postgres(t) = &mut tx.inner {
                sqlx::query("SET LOCAL maintenance_work_mem = '512MB'")
                    .execute(&mut **t)
                    .await?;
            }
            with_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(restore.as_str()))
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
            with_tx!(tx, c => sqlx::query("DELETE FROM deferred_schema WHERE name = $1")
                .bind(name)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
            tx.commit().await?;
        }
        Ok(waiting.len())
    }

    /// Refreshes the planner's statistics of the tables an import fills (PostgreSQL): without
    /// it, tables analysed while empty are planned as tiny and the per-batch lookups of source
    /// ids and register numbers turn into sequential scans. SQLite plans from the indexes alone.
    pub async fn import_analyze(&self) -> Result<()> {
        if let crate::Inner::Postgres(p) = &self.inner {
            sqlx::query("ANALYZE persons, civil_records, civil_record_persons")
                .execute(p)
                .await?;
        }
        Ok(())
    }

    /// Every import run, newest first (operators: what was loaded, how far an import got).
    pub async fn import_runs(&self) -> Result<Vec<ImportRunRow>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM import_runs ORDER BY id DESC");
        let r = with_pool!(self, p => sqlx::query_as::<_, ImportRunRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(p).await)?;
        Ok(r)
    }

    /// Registered records loaded from a source system.
    pub async fn count_imported(&self, source: &str) -> Result<i64> {
        let (n,): (i64,) = with_pool!(self, p => sqlx::query_as(
            "SELECT COUNT(*) FROM civil_records WHERE source_system = $1",
        )
        .bind(source)
        .fetch_one(p)
        .await)?;
        Ok(n)
    }

    /// The rejected rows of a run, in file order.
    pub async fn import_rejects(&self, run_id: i64) -> Result<Vec<ImportRejectRow>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, ImportRejectRow>(
            "SELECT line, source_id, field, code, message FROM import_rejects WHERE run_id = $1 ORDER BY line",
        )
        .bind(run_id)
        .fetch_all(p)
        .await)?;
        Ok(r)
    }

    /// Persons with a personal ID, by id, after `after` (keyset pages for loading the import's
    /// view of the register).
    pub async fn state_persons(&self, after: i64, limit: i64) -> Result<Vec<StatePerson>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, StatePerson>(
            "SELECT id, personal_id, date_of_death FROM persons \
             WHERE id > $1 AND personal_id IS NOT NULL ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(p)
        .await)?;
        Ok(r)
    }

    /// Links of persons to births (parents, children), marriages and deaths that are declared or
    /// registered, by record id, after `after`.
    pub async fn state_links(&self, after: i64, limit: i64) -> Result<Vec<StateLink>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, StateLink>(
            "SELECT r.id AS record_id, r.kind, r.status, l.role, l.person_id, r.event_date, \
                    r.register_book, r.register_year, r.register_number \
             FROM civil_records r JOIN civil_record_persons l ON l.record_id = r.id \
             WHERE r.id > $1 AND r.id <= $1 + $2 \
               AND r.status IN ('declared', 'registered', 'certificate_issued') \
             ORDER BY r.id, l.role",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(p)
        .await)?;
        Ok(r)
    }

    /// The largest person id.
    pub async fn max_person_id(&self) -> Result<i64> {
        let (n,): (Option<i64>,) = with_pool!(self, p => sqlx::query_as("SELECT MAX(id) FROM persons")
            .fetch_one(p).await)?;
        Ok(n.unwrap_or(0))
    }

    /// The first person with a personal ID from id `at` on: (personal ID, folded name, year of
    /// birth, sex) — random samples for benchmarks.
    pub async fn person_with_personal_id_from(
        &self,
        at: i64,
    ) -> Result<Option<(String, String, Option<i32>, Option<String>)>> {
        let r = with_pool!(self, p => sqlx::query_as(
            "SELECT personal_id, name_folded, birth_year, sex FROM persons \
             WHERE id >= $1 AND personal_id IS NOT NULL ORDER BY id LIMIT 1",
        )
        .bind(at)
        .fetch_optional(p)
        .await)?;
        Ok(r)
    }

    /// Size of the PostgreSQL database in bytes.
    pub async fn database_size(&self) -> Result<u64> {
        let (n,): (i64,) =
            match &self.inner {
                crate::Inner::Postgres(p) => {
                    sqlx::query_as("SELECT pg_database_size(current_database())")
                        .fetch_one(p)
                        .await?
                }
                crate::Inner::Sqlite { read, .. } => sqlx::query_as(
                    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                )
                .fetch_one(read)
                .await?,
            };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// (Re)creates the empty table of the raw-insert benchmark.
    pub async fn bench_raw_reset(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        with_tx!(tx, c => sqlx::query("DROP TABLE IF EXISTS bench_raw").execute(&mut *c).await.map(|_| ()))?;
        with_tx!(tx, c => sqlx::query("CREATE TABLE bench_raw (line TEXT NOT NULL)").execute(&mut *c).await.map(|_| ()))?;
        tx.commit().await
    }

    /// Inserts lines as they are into `bench_raw`, in one transaction, by the engine's fast path.
    pub async fn bench_raw_insert(&self, lines: &[String]) -> Result<()> {
        let mut tx = self.begin().await?;
        match &mut tx.inner {
            TxInner::Sqlite(t) => {
                for chunk in lines.chunks(SQLITE_CHUNK) {
                    let mut q = QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO bench_raw (line) ");
                    q.push_values(chunk, |mut b, l| {
                        b.push_bind(l.clone());
                    });
                    q.build().execute(&mut **t).await?;
                }
            }
            TxInner::Postgres(t) => {
                let mut buf = String::new();
                for l in lines {
                    copy_row(&mut buf, &[Some(l.clone())]);
                }
                copy_in(t, "COPY bench_raw (line) FROM STDIN", &buf).await?;
            }
        }
        tx.commit().await
    }

    /// Reserves `n` fresh ids of a table for rows a later batch transaction will insert. On
    /// PostgreSQL they come from the identity sequence (unused ones are simply skipped). On
    /// SQLite they follow both the table's largest id and `above`, the last id the caller
    /// reserved and has not written yet; a row inserted meanwhile by someone else with one of
    /// these ids makes the batch fail on the primary key (nothing is half-written).
    pub async fn reserve_ids(&self, table: IdTable, n: usize, above: i64) -> Result<Vec<i64>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let count = i64::try_from(n).unwrap_or(i64::MAX);
        match &self.inner {
            crate::Inner::Sqlite { read, .. } => {
                let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {}", table.name());
                let (max,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_one(read)
                    .await?;
                let max = max.max(above);
                Ok((max + 1..=max + count).collect())
            }
            crate::Inner::Postgres(p) => {
                let sql = format!(
                    "SELECT nextval(pg_get_serial_sequence('{}', 'id')) FROM generate_series(1, $1)",
                    table.name()
                );
                let rows: Vec<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(count)
                    .fetch_all(p)
                    .await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }
        }
    }

    /// Which of these source ids the source already has in the register (committed).
    pub async fn import_existing_sources(
        &self,
        source: &str,
        ids: &[String],
    ) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(SQLITE_CHUNK) {
            match &self.inner {
                crate::Inner::Sqlite { read, .. } => {
                    let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                        "SELECT source_id FROM civil_records WHERE source_system = ",
                    );
                    q.push_bind(source).push(" AND source_id IN (");
                    let mut sep = q.separated(", ");
                    for id in chunk {
                        sep.push_bind(id.clone());
                    }
                    q.push(")");
                    let rows: Vec<(String,)> = q.build_query_as().fetch_all(read).await?;
                    out.extend(rows.into_iter().map(|r| r.0));
                }
                crate::Inner::Postgres(p) => {
                    let rows: Vec<(String,)> = sqlx::query_as(
                        "SELECT source_id FROM civil_records \
                         WHERE source_system = $1 AND source_id IS NOT NULL AND source_id = ANY($2)",
                    )
                    .bind(source)
                    .bind(chunk)
                    .fetch_all(p)
                    .await?;
                    out.extend(rows.into_iter().map(|r| r.0));
                }
            }
        }
        Ok(out)
    }

    /// Which of these register numbers (office, kind, year, number) are already taken
    /// (committed).
    pub async fn import_taken_numbers(
        &self,
        keys: &[(i64, String, i32, i32)],
    ) -> Result<Vec<(i64, String, i32, i32)>> {
        let mut out = Vec::new();
        for chunk in keys.chunks(SQLITE_CHUNK) {
            let rows: Vec<(i64, String, i32, i32)> = match &self.inner {
                crate::Inner::Sqlite { read, .. } => {
                    let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                        "SELECT office_id, kind, register_year, register_number FROM civil_records \
                         WHERE register_number IS NOT NULL AND (office_id, kind, register_year, register_number) IN (",
                    );
                    let mut first = true;
                    for (o, k, y, n) in chunk {
                        if !first {
                            q.push(", ");
                        }
                        first = false;
                        q.push("(")
                            .push_bind(*o)
                            .push(", ")
                            .push_bind(k.clone())
                            .push(", ")
                            .push_bind(*y)
                            .push(", ")
                            .push_bind(*n)
                            .push(")");
                    }
                    q.push(")");
                    q.build_query_as().fetch_all(read).await?
                }
                crate::Inner::Postgres(p) => {
                    let offices: Vec<i64> = chunk.iter().map(|k| k.0).collect();
                    let kinds: Vec<String> = chunk.iter().map(|k| k.1.clone()).collect();
                    let years: Vec<i32> = chunk.iter().map(|k| k.2).collect();
                    let numbers: Vec<i32> = chunk.iter().map(|k| k.3).collect();
                    sqlx::query_as(
                        "SELECT r.office_id, r.kind, r.register_year, r.register_number \
                         FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::INT[], $4::INT[]) AS k(o, kd, y, n) \
                         JOIN civil_records r ON r.office_id = k.o AND r.kind = k.kd \
                              AND r.register_year = k.y AND r.register_number = k.n",
                    )
                    .bind(offices)
                    .bind(kinds)
                    .bind(years)
                    .bind(numbers)
                    .fetch_all(p)
                    .await?
                }
            };
            out.extend(rows);
        }
        Ok(out)
    }

    /// The largest record id (to page through [`Store::state_links`]).
    pub async fn max_record_id(&self) -> Result<i64> {
        let (n,): (Option<i64>,) = with_pool!(self, p => sqlx::query_as("SELECT MAX(id) FROM civil_records")
            .fetch_one(p).await)?;
        Ok(n.unwrap_or(0))
    }
}

impl Tx {
    pub async fn import_run_create(
        &mut self,
        source: &str,
        file_name: &str,
        file_size: i64,
        fingerprint: &str,
    ) -> Result<ImportRunRow> {
        let now = crate::now_utc();
        let sql = format!(
            "INSERT INTO import_runs (source_system, file_name, file_size, fingerprint, bytes_done, \
             lines_done, accepted, rejected, started_at, updated_at, finished_at) \
             VALUES ($1, $2, $3, $4, 0, 0, 0, 0, $5, $5, NULL) RETURNING {RUN_COLUMNS}"
        );
        let r = with_tx!(self, c => sqlx::query_as::<_, ImportRunRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(source)
            .bind(file_name)
            .bind(file_size)
            .bind(fingerprint)
            .bind(now)
            .fetch_one(&mut *c)
            .await)?;
        Ok(r)
    }

    /// The checkpoint: how far the file is done, written with the batch it covers.
    pub async fn import_run_progress(&mut self, run: &ImportRunRow, finished: bool) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "UPDATE import_runs SET bytes_done = $1, lines_done = $2, accepted = $3, rejected = $4, \
             updated_at = $5, finished_at = $6 WHERE id = $7",
        )
        .bind(run.bytes_done)
        .bind(run.lines_done)
        .bind(run.accepted)
        .bind(run.rejected)
        .bind(now)
        .bind(if finished { Some(now) } else { None })
        .bind(run.id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn import_rejects_insert(
        &mut self,
        run_id: i64,
        rows: &[ImportRejectRow],
    ) -> Result<()> {
        for chunk in rows.chunks(SQLITE_CHUNK) {
            with_tx!(self, c => {
                let mut q = QueryBuilder::new(
                    "INSERT INTO import_rejects (run_id, line, source_id, field, code, message) ",
                );
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(run_id)
                        .push_bind(r.line)
                        .push_bind(r.source_id.clone())
                        .push_bind(r.field.clone())
                        .push_bind(r.code.clone())
                        .push_bind(r.message.clone());
                });
                q.build().execute(&mut *c).await.map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Writes a validated batch: persons, records (status `registered`, marked with their
    /// source), version 1 of their content, person links, and deaths on the persons.
    pub async fn import_write(
        &mut self,
        source: &str,
        user_id: i64,
        batch: &ImportBatch,
    ) -> Result<()> {
        let now = crate::now_utc();
        match &mut self.inner {
            TxInner::Sqlite(t) => {
                let c = &mut **t;
                for chunk in batch.persons.chunks(SQLITE_CHUNK) {
                    let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                        "INSERT INTO persons (id, personal_id, full_name, name_folded, sex, date_of_birth, \
                         birth_year, ethnicity_code, nationality_code, created_at) ",
                    );
                    q.push_values(chunk, |mut b, ImportPerson { id, person: p }| {
                        b.push_bind(*id)
                            .push_bind(p.personal_id.clone())
                            .push_bind(p.full_name.clone())
                            .push_bind(p.name_folded.clone())
                            .push_bind(p.sex.clone())
                            .push_bind(p.date_of_birth)
                            .push_bind(p.birth_year)
                            .push_bind(p.ethnicity_code.clone())
                            .push_bind(p.nationality_code.clone())
                            .push_bind(now);
                    });
                    q.build().execute(&mut *c).await?;
                }
                for chunk in batch.records.chunks(SQLITE_CHUNK / 2) {
                    let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                        "INSERT INTO civil_records (id, kind, status, office_id, unit_code, event_date, \
                         subject_person_id, subject_name_folded, current_version, late, declared_by, \
                         declared_at, registered_by, registered_on, register_book, register_year, \
                         register_number, updated_at, source_system, source_id) ",
                    );
                    q.push_values(chunk, |mut b, r| {
                        b.push_bind(r.id)
                            .push_bind(r.kind.clone())
                            .push_bind("registered")
                            .push_bind(r.office_id)
                            .push_bind(r.unit_code.clone())
                            .push_bind(r.event_date)
                            .push_bind(r.subject_person_id)
                            .push_bind(r.subject_name_folded.clone())
                            .push_bind(1_i32)
                            .push_bind(r.late)
                            .push_bind(user_id)
                            .push_bind(now)
                            .push_bind(user_id)
                            .push_bind(r.registered_on)
                            .push_bind(r.register_book.clone())
                            .push_bind(r.register_year)
                            .push_bind(r.register_number)
                            .push_bind(now)
                            .push_bind(source.to_string())
                            .push_bind(r.source_id.clone());
                    });
                    q.build().execute(&mut *c).await?;
                    let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                        "INSERT INTO civil_record_versions (record_id, version, data, created_at, created_by, reason) ",
                    );
                    q.push_values(chunk, |mut b, r| {
                        b.push_bind(r.id)
                            .push_bind(1_i32)
                            .push_bind(r.data.as_bytes().to_vec())
                            .push_bind(now)
                            .push_bind(user_id)
                            .push_bind(None::<String>);
                    });
                    q.build().execute(&mut *c).await?;
                }
                for chunk in batch.links.chunks(SQLITE_CHUNK) {
                    let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                        "INSERT INTO civil_record_persons (record_id, role, person_id) ",
                    );
                    q.push_values(chunk, |mut b, (r, role, p)| {
                        b.push_bind(*r).push_bind(role.clone()).push_bind(*p);
                    });
                    q.build().execute(&mut *c).await?;
                }
                for chunk in batch.deaths.chunks(SQLITE_CHUNK) {
                    let mut q = QueryBuilder::<sqlx::Sqlite>::new("WITH v(id, d, r) AS (");
                    q.push_values(chunk, |mut b, (p, d, r)| {
                        b.push_bind(*p).push_bind(*d).push_bind(*r);
                    });
                    q.push(
                        ") UPDATE persons SET date_of_death = (SELECT d FROM v WHERE v.id = persons.id), \
                         death_record_id = (SELECT r FROM v WHERE v.id = persons.id) \
                         WHERE id IN (SELECT id FROM v)",
                    );
                    q.build().execute(&mut *c).await?;
                }
            }
            TxInner::Postgres(t) => {
                let c = &mut **t;
                let stamp = copy_text(
                    &now.format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                );
                let mut buf = String::new();
                for ImportPerson { id, person: p } in &batch.persons {
                    copy_row(
                        &mut buf,
                        &[
                            Some(id.to_string()),
                            p.personal_id.clone(),
                            Some(p.full_name.clone()),
                            Some(p.name_folded.clone()),
                            p.sex.clone(),
                            p.date_of_birth.map(|d| d.to_string()),
                            p.birth_year.map(|y| y.to_string()),
                            p.ethnicity_code.clone(),
                            p.nationality_code.clone(),
                            Some(stamp.clone()),
                        ],
                    );
                }
                copy_in(
                    c,
                    "COPY persons (id, personal_id, full_name, name_folded, sex, date_of_birth, \
                     birth_year, ethnicity_code, nationality_code, created_at) FROM STDIN",
                    &buf,
                )
                .await?;
                buf.clear();
                let user = user_id.to_string();
                for r in &batch.records {
                    copy_row(
                        &mut buf,
                        &[
                            Some(r.id.to_string()),
                            Some(r.kind.clone()),
                            Some("registered".into()),
                            Some(r.office_id.to_string()),
                            r.unit_code.clone(),
                            Some(r.event_date.to_string()),
                            Some(r.subject_person_id.to_string()),
                            Some(r.subject_name_folded.clone()),
                            Some("1".into()),
                            Some(if r.late { "t" } else { "f" }.into()),
                            Some(user.clone()),
                            Some(stamp.clone()),
                            Some(user.clone()),
                            Some(r.registered_on.to_string()),
                            Some(r.register_book.clone()),
                            Some(r.register_year.to_string()),
                            Some(r.register_number.to_string()),
                            Some(stamp.clone()),
                            Some(source.to_string()),
                            Some(r.source_id.clone()),
                        ],
                    );
                }
                copy_in(
                    c,
                    "COPY civil_records (id, kind, status, office_id, unit_code, event_date, \
                     subject_person_id, subject_name_folded, current_version, late, declared_by, \
                     declared_at, registered_by, registered_on, register_book, register_year, \
                     register_number, updated_at, source_system, source_id) FROM STDIN",
                    &buf,
                )
                .await?;
                buf.clear();
                for r in &batch.records {
                    copy_row(
                        &mut buf,
                        &[
                            Some(r.id.to_string()),
                            Some("1".into()),
                            Some(format!("\\x{}", hex::encode(r.data.as_bytes()))),
                            Some(stamp.clone()),
                            Some(user.clone()),
                            None,
                        ],
                    );
                }
                copy_in(
                    c,
                    "COPY civil_record_versions (record_id, version, data, created_at, created_by, reason) FROM STDIN",
                    &buf,
                )
                .await?;
                buf.clear();
                for (r, role, p) in &batch.links {
                    copy_row(
                        &mut buf,
                        &[Some(r.to_string()), Some(role.clone()), Some(p.to_string())],
                    );
                }
                copy_in(
                    c,
                    "COPY civil_record_persons (record_id, role, person_id) FROM STDIN",
                    &buf,
                )
                .await?;
                if !batch.deaths.is_empty() {
                    let ids: Vec<i64> = batch.deaths.iter().map(|d| d.0).collect();
                    let dates: Vec<Date> = batch.deaths.iter().map(|d| d.1).collect();
                    let records: Vec<i64> = batch.deaths.iter().map(|d| d.2).collect();
                    sqlx::query(
                        "UPDATE persons SET date_of_death = v.d, death_record_id = v.r \
                         FROM UNNEST($1::BIGINT[], $2::DATE[], $3::BIGINT[]) AS v(id, d, r) \
                         WHERE persons.id = v.id",
                    )
                    .bind(ids)
                    .bind(dates)
                    .bind(records)
                    .execute(&mut *c)
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// Raises register counters to at least the imported numbers, so that numbering continues
    /// after them: (office, kind, year, highest number).
    pub async fn register_counters_raise(
        &mut self,
        rows: &[(i64, String, i32, i32)],
    ) -> Result<()> {
        for chunk in rows.chunks(SQLITE_CHUNK) {
            match &mut self.inner {
                TxInner::Sqlite(t) => {
                    let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                        "INSERT INTO register_counters (office_id, kind, year, last_number) ",
                    );
                    q.push_values(chunk, |mut b, (o, k, y, n)| {
                        b.push_bind(*o)
                            .push_bind(k.clone())
                            .push_bind(*y)
                            .push_bind(*n);
                    });
                    q.push(
                        " ON CONFLICT (office_id, kind, year) DO UPDATE \
                         SET last_number = MAX(last_number, excluded.last_number)",
                    );
                    q.build().execute(&mut **t).await?;
                }
                TxInner::Postgres(t) => {
                    sqlx::query(
                        "INSERT INTO register_counters (office_id, kind, year, last_number) \
                         SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::INT[], $4::INT[]) \
                         ON CONFLICT (office_id, kind, year) DO UPDATE \
                         SET last_number = GREATEST(register_counters.last_number, excluded.last_number)",
                    )
                    .bind(chunk.iter().map(|r| r.0).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.1.clone()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.2).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|r| r.3).collect::<Vec<_>>())
                    .execute(&mut **t)
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// Creates the offices a batch's rows name that did not exist yet, with their reserved ids:
    /// today's offices of communes and historical offices of units that no longer exist in
    /// today's structure (e.g. communes before the 2025 reform, with the date their unit ceased).
    pub async fn import_offices_insert(&mut self, rows: &[ImportOffice]) -> Result<()> {
        let now = crate::now_utc();
        for chunk in rows.chunks(SQLITE_CHUNK / 10) {
            with_tx!(self, c => {
                let mut q = QueryBuilder::new(
                    "INSERT INTO offices (id, code, kind, name, unit_code, unit_level, unit_valid_from, \
                     province_code, created_at, unit_valid_to) ",
                );
                q.push_values(chunk, |mut b, ImportOffice { id, office: o, valid_to }| {
                    b.push_bind(*id)
                        .push_bind(o.code.clone())
                        .push_bind(o.kind.clone())
                        .push_bind(o.name.clone())
                        .push_bind(o.unit_code.clone())
                        .push_bind(o.unit_level.clone())
                        .push_bind(o.unit_valid_from)
                        .push_bind(o.province_code.clone())
                        .push_bind(now)
                        .push_bind(*valid_to);
                });
                q.build().execute(&mut *c).await.map(|_| ())
            })?;
        }
        Ok(())
    }

    /// A user that cannot log in (inactive, no usable password), for records the system writes
    /// on behalf of a process such as the import.
    pub async fn system_user_get_or_create(
        &mut self,
        username: &str,
        display_name: &str,
        office_id: i64,
    ) -> Result<i64> {
        let existing: Option<(i64,)> = with_tx!(self, c => sqlx::query_as("SELECT id FROM users WHERE username = $1")
            .bind(username).fetch_optional(&mut *c).await)?;
        if let Some((id,)) = existing {
            return Ok(id);
        }
        let now = crate::now_utc();
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO users (username, display_name, role, office_id, password_hash, active, \
             failed_attempts, locked_until, created_at, updated_at) \
             VALUES ($1, $2, 'admin', $3, '!', FALSE, 0, NULL, $4, $4) RETURNING id",
        )
        .bind(username)
        .bind(display_name)
        .bind(office_id)
        .bind(now)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }
}

/// Escapes a value for PostgreSQL's COPY text format.
fn copy_text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for ch in v.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

fn copy_row(buf: &mut String, fields: &[Option<String>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            buf.push('\t');
        }
        match f {
            Some(v) => {
                let _ = write!(buf, "{}", copy_text(v));
            }
            None => buf.push_str("\\N"),
        }
    }
    buf.push('\n');
}

async fn copy_in(c: &mut sqlx::PgConnection, statement: &str, data: &str) -> Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let mut copy = c.copy_in_raw(statement).await?;
    if let Err(e) = copy.send(data.as_bytes()).await {
        let _ = copy.abort("send failed").await;
        return Err(e.into());
    }
    copy.finish().await?;
    Ok(())
}

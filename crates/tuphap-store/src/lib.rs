//! Storage for tuphap on two engines: embedded SQLite (the default) and PostgreSQL (production).
//!
//! Domain code talks to [`Store`] (reads, and `begin()` for a write transaction) and [`Tx`]
//! (writes inside one transaction, then [`Tx::commit_with`] which appends the audit entries and
//! change-log rows of the use case and commits). It never learns which engine is behind it.
//!
//! Both engines are typed sqlx pools (no `sqlx::Any`, see DESIGN.md §2). SQL text is shared
//! where the dialects agree (they do for everything in this crate so far: `$n` placeholders,
//! `RETURNING`, `ON CONFLICT`); the [`with_pool!`] and [`with_tx!`] macros expand the same code
//! once per engine so each copy is type-checked against its own driver. Migrations are per
//! engine in `migrations/{sqlite,postgres}`.
//!
//! SQLite runs in WAL mode with foreign keys on and `synchronous=FULL` (a committed transaction
//! survives a power cut, not only a `kill -9`), one writer connection (transactions start with
//! `BEGIN IMMEDIATE`, so a read-then-write transaction never fails on a lock upgrade) and a pool
//! of read-only connections.

/// Runs `$body` with `$p` bound to the engine's read pool (`&SqlitePool` or `&PgPool`).
macro_rules! with_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.inner {
            $crate::Inner::Sqlite { read, .. } => {
                let $p = read;
                $body
            }
            $crate::Inner::Postgres(pool) => {
                let $p = pool;
                $body
            }
        }
    };
}

/// Runs `$body` with `$c` bound to the transaction's connection (`&mut SqliteConnection` or
/// `&mut PgConnection`).
macro_rules! with_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match &mut $tx.inner {
            $crate::TxInner::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::TxInner::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

pub mod audit;
pub mod backup;
pub mod certificates;
pub mod changelog;
pub mod citizens;
pub mod civil;
pub mod dossier_ratings;
pub mod dossiers;
pub mod exchange;
pub mod exchange_log;
pub mod extracts;
pub mod file_scans;
pub mod idempotency;
pub mod identity;
pub mod import;
pub mod indicators;
pub mod partner_ids;
pub mod payments;
pub mod person_merge;
pub mod privacy;
pub mod procedures;
pub mod reference;
pub mod security;
pub mod strong_auth;
pub mod testing;
pub mod version_data;
pub mod xroad;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use audit::{AuditEntry, AuditVerification, NewAuditEntry, Outcome};
pub use changelog::{Change, NewChange};
pub use sqlx::Error as SqlxError;

/// Errors of the storage layer. Domain code maps [`StoreError::Conflict`] and
/// [`StoreError::NotFound`] to its own errors; anything else is an internal error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a record with the same unique key already exists ({0})")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("invalid database URL: {0}")]
    BadUrl(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.constraint().unwrap_or("unique").to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// SQLite's page cache per connection (`PRAGMA cache_size`, negative: KiB): 64 MiB.
pub(crate) const SQLITE_CACHE_SIZE: &str = "-65536";

#[derive(Clone)]
pub(crate) enum Inner {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// The store: cheap to clone (pools are reference-counted).
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Inner,
    description: String,
    /// The group commit of standalone audit entries ([`Store::audit`]), started on first use.
    audits: audit::AuditQueue,
    /// The last change-log sequence committed through this store (see [`Store::changes`]).
    pub(crate) changed: std::sync::Arc<tokio::sync::watch::Sender<i64>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("engine", &self.engine())
            .field("at", &self.description)
            .finish()
    }
}

/// Redacts the password of a database URL for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Store {
    /// Opens the store: PostgreSQL when `database_url` is `postgres://…`/`postgresql://…`,
    /// SQLite at that URL when it is `sqlite://…`, else SQLite in `data_dir/tuphap.db`
    /// (the directory is created). Does not migrate: call [`Store::migrate`].
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Store> {
        match database_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Store::open_postgres(url).await
            }
            Some(url) if url.starts_with("sqlite:") => {
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::BadUrl(format!("{}: {e}", redact_url(url))))?;
                Store::open_sqlite_with(opts, url.to_string()).await
            }
            Some(url) => Err(StoreError::BadUrl(format!(
                "{} (expected postgres://… or sqlite://…)",
                redact_url(url)
            ))),
            None => {
                std::fs::create_dir_all(data_dir).map_err(|e| {
                    StoreError::BadUrl(format!("cannot create {}: {e}", data_dir.display()))
                })?;
                Store::open_sqlite(&data_dir.join("tuphap.db")).await
            }
        }
    }

    /// Opens (creating if missing) the SQLite database file at `path`.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        let opts = SqliteConnectOptions::new().filename(path);
        Store::open_sqlite_with(opts, path.display().to_string()).await
    }

    async fn open_sqlite_with(opts: SqliteConnectOptions, description: String) -> Result<Store> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            .pragma("temp_store", "memory")
            .pragma("cache_size", SQLITE_CACHE_SIZE);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(opts.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await?;
        Ok(Store {
            inner: Inner::Sqlite { read, write },
            description,
            audits: audit::AuditQueue::default(),
            changed: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
        })
    }

    async fn open_postgres(url: &str) -> Result<Store> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::BadUrl(format!("{}: {e}", redact_url(url))))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await?;
        Ok(Store {
            inner: Inner::Postgres(pool),
            description: redact_url(url),
            audits: audit::AuditQueue::default(),
            changed: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
        })
    }

    pub fn engine(&self) -> Engine {
        match self.inner {
            Inner::Sqlite { .. } => Engine::Sqlite,
            Inner::Postgres(_) => Engine::Postgres,
        }
    }

    /// Where the data lives (file path or redacted URL), for logs.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Applies the engine's pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        match &self.inner {
            Inner::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            Inner::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        // What a killed bulk load had set aside (indexes, foreign keys) is restored before anything uses the store.
        self.restore_schema().await?;
        Ok(())
    }

    /// Readiness probe: the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Begins a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.inner {
            Inner::Sqlite { write, .. } => {
                TxInner::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?)
            }
            Inner::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            inner,
            changed: self.changed.clone(),
        })
    }

    /// Wakes when this process commits change-log rows (the latest sequence number): in-process
    /// readers of the change log (the exchange's feeder) wait on it instead of polling, and
    /// still poll now and then for rows other processes wrote.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<i64> {
        self.changed.subscribe()
    }

    /// Closes the pools (waits for connections to be returned).
    pub async fn close(&self) {
        match &self.inner {
            Inner::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Inner::Postgres(pool) => pool.close().await,
        }
    }
}

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// One write transaction. Dropping it without [`Tx::commit_with`] rolls everything back.
///
/// Every use case ends with `commit_with(audit, changes)`: the audit entries are appended to the
/// hash chain, then the change-log rows are numbered and written, then the transaction commits.
/// Keeping that order everywhere means the two counter rows are always locked in the same order
/// (no deadlock) and held only for the end of the transaction.
pub struct Tx {
    pub(crate) inner: TxInner,
    changed: std::sync::Arc<tokio::sync::watch::Sender<i64>>,
}

/// What a commit produced: the audit sequence numbers and change-log sequence numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Committed {
    pub audit_seqs: Vec<i64>,
    pub change_seqs: Vec<i64>,
}

impl Tx {
    /// Appends `audit` entries and `changes` rows, then commits.
    pub async fn commit_with(
        mut self,
        audit: &[NewAuditEntry],
        changes: &[NewChange],
    ) -> Result<Committed> {
        let mut out = Committed::default();
        for a in audit {
            out.audit_seqs.push(audit::append(&mut self, a).await?);
        }
        out.change_seqs = self.record_changes(changes).await?;
        let changed = self.changed.clone();
        self.commit().await?;
        if let Some(last) = out.change_seqs.last() {
            changed.send_replace(*last);
        }
        Ok(out)
    }

    /// Appends change-log rows now and returns their numbers. The counter row stays locked
    /// until this transaction ends, so call it last (after any audit entries): normally through
    /// [`Tx::commit_with`]. Public for bulk paths that commit in batches, and for the tests that
    /// prove readers never skip a row.
    pub async fn record_changes(&mut self, changes: &[NewChange]) -> Result<Vec<i64>> {
        let mut seqs = Vec::with_capacity(changes.len());
        for c in changes {
            seqs.push(changelog::append(self, c).await?);
        }
        Ok(seqs)
    }

    /// Commits without audit or change-log rows: only for data that is neither a domain change
    /// nor personal data (reference-data loading, session bookkeeping).
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Current time, truncated to microseconds (what PostgreSQL stores), in UTC.
pub fn now_utc() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    let micros = now.microsecond();
    now.replace_microsecond(micros).unwrap_or(now)
}

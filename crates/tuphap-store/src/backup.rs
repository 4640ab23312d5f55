//! What an online backup needs from the store (issue 8, item 4; `tuphap backup`): a consistent
//! snapshot of the database taken while the server keeps writing, and the record counts and
//! schema version *of that snapshot* for the manifest.
//!
//! * **SQLite**: `VACUUM INTO` writes a copy from one read transaction (WAL: writers go on);
//!   the counts are then read from the copy ([`snapshot_counts_sqlite`]).
//! * **PostgreSQL**: a `REPEATABLE READ` transaction exports its snapshot
//!   (`pg_export_snapshot()`); the counts are read in it and `pg_dump --snapshot` dumps exactly
//!   the same state while [`PgSnapshot`] is held.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Postgres};

use crate::{Inner, Result, Store, StoreError};

/// The tables whose record counts a backup's manifest holds (the registry, its evidence
/// chains, the online services).
pub const COUNTED_TABLES: &[&str] = &[
    "offices",
    "users",
    "persons",
    "civil_records",
    "civil_record_versions",
    "certificates",
    "signing_keys",
    "audit_log",
    "change_log",
    "exchange_message_log",
    "exchange_log_checkpoints",
    "exchange_outbox",
    "dossiers",
    "dossier_events",
    "dossier_files",
    "dossier_payments",
];

/// Counts and schema version of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFacts {
    pub schema_version: i64,
    pub counts: Vec<(String, i64)>,
}

const SCHEMA_VERSION_SQL: &str = "SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE";

/// A PostgreSQL snapshot held open for `pg_dump --snapshot`.
pub struct PgSnapshot {
    pub id: String,
    pub facts: SnapshotFacts,
    _tx: sqlx::Transaction<'static, Postgres>,
}

impl PgSnapshot {
    /// Ends the snapshot (after `pg_dump` finished).
    pub async fn release(self) -> Result<()> {
        self._tx.rollback().await?;
        Ok(())
    }
}

impl Store {
    /// Writes a consistent copy of the SQLite database to `path` (which must not exist).
    pub async fn sqlite_snapshot_into(&self, path: &Path) -> Result<()> {
        let Inner::Sqlite { read, .. } = &self.inner else {
            return Err(StoreError::Corrupt("VACUUM INTO is SQLite only".into()));
        };
        sqlx::query("VACUUM INTO $1")
            .bind(path.display().to_string())
            .execute(read)
            .await?;
        Ok(())
    }

    /// Opens a PostgreSQL snapshot and reads its facts.
    pub async fn pg_snapshot(&self) -> Result<PgSnapshot> {
        let Inner::Postgres(pool) = &self.inner else {
            return Err(StoreError::Corrupt(
                "pg_export_snapshot is PostgreSQL only".into(),
            ));
        };
        let mut tx = pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let (id,): (String,) = sqlx::query_as("SELECT pg_export_snapshot()")
            .fetch_one(&mut *tx)
            .await?;
        let (v,): (Option<i64>,) = sqlx::query_as(SCHEMA_VERSION_SQL)
            .fetch_one(&mut *tx)
            .await?;
        let mut counts = Vec::new();
        for t in COUNTED_TABLES {
            let (n,): (i64,) =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
                    .fetch_one(&mut *tx)
                    .await?;
            counts.push(((*t).to_string(), n));
        }
        Ok(PgSnapshot {
            id,
            facts: SnapshotFacts {
                schema_version: v.unwrap_or(0),
                counts,
            },
            _tx: tx,
        })
    }

    /// The facts of the live database (after a restore).
    pub async fn snapshot_facts(&self) -> Result<SnapshotFacts> {
        let (v,): (Option<i64>,) =
            with_pool!(self, p => sqlx::query_as(SCHEMA_VERSION_SQL).fetch_one(p).await)?;
        let mut counts = Vec::new();
        for t in COUNTED_TABLES {
            let sql = format!("SELECT COUNT(*) FROM {t}");
            let (n,): (i64,) = with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_one(p).await)?;
            counts.push(((*t).to_string(), n));
        }
        Ok(SnapshotFacts {
            schema_version: v.unwrap_or(0),
            counts,
        })
    }

    /// Whether the database holds no table at all (a restore's target must be empty).
    pub async fn is_empty_database(&self) -> Result<bool> {
        let (n,): (i64,) =
            match &self.inner {
                Inner::Sqlite { read, .. } => {
                    sqlx::query_as("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
                        .fetch_one(read)
                        .await?
                }
                Inner::Postgres(pool) => sqlx::query_as(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
                )
                .fetch_one(pool)
                .await?,
            };
        Ok(n == 0)
    }
}

/// The facts of a SQLite snapshot file (opened read-only, nothing written).
pub async fn snapshot_counts_sqlite(path: &Path) -> Result<SnapshotFacts> {
    let opts = SqliteConnectOptions::from_str("sqlite://")
        .map_err(|e| StoreError::BadUrl(e.to_string()))?
        .filename(path)
        .read_only(true);
    let mut c = sqlx::SqliteConnection::connect_with(&opts).await?;
    let (v,): (Option<i64>,) = sqlx::query_as(SCHEMA_VERSION_SQL).fetch_one(&mut c).await?;
    let mut counts = Vec::new();
    for t in COUNTED_TABLES {
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
            .fetch_one(&mut c)
            .await?;
        counts.push(((*t).to_string(), n));
    }
    c.close().await?;
    Ok(SnapshotFacts {
        schema_version: v.unwrap_or(0),
        counts,
    })
}

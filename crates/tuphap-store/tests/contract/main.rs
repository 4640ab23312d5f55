//! The store's contract: the same scenarios on SQLite and on PostgreSQL.
//!
//! Every scenario is a function taking a [`Harness`]; the `contract!` macro makes one test per
//! engine (`<name>_sqlite`, `<name>_postgres`). The PostgreSQL server comes from
//! `tuphap-testkit` (a throwaway server, or `TUPHAP_TEST_PG_URL`); without one the PostgreSQL
//! tests print a note and pass, unless `TUPHAP_REQUIRE_PG=1` (CI), where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// `contract!(name)` → a module `name` with tests `sqlite` and `postgres`, each running the
/// scenario `name(h: Harness)` on a fresh database of that engine.
macro_rules! contract {
    ($name:ident) => {
        pub mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let h = $crate::Harness::new(tuphap_store::Engine::Sqlite)
                    .await
                    .unwrap();
                super::$name(h).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                match $crate::Harness::new(tuphap_store::Engine::Postgres).await {
                    Some(h) => super::$name(h).await,
                    None => eprintln!("PostgreSQL not available: {} skipped", stringify!($name)),
                }
            }
        }
    };
}

mod audit_chain;
mod changelog;
mod citizens;
mod civil;
mod dossier_queue;
mod dossier_ratings;
mod dossiers;
mod exchange;
mod exchange_log;
mod file_scans;
mod identity;
mod indicators;
mod kinship;
mod payments;
mod person_merge;
mod privacy;
mod procedures;
mod reference;
mod security;
mod strong_auth;
mod xroad;

use tuphap_store::{Engine, Store};

/// A fresh store on one engine, and a way to reach its database behind the store's back.
pub struct Harness {
    pub store: Store,
    pub engine: Engine,
    /// SQLite file path or PostgreSQL URL.
    pub location: String,
    _dir: tempfile::TempDir,
}

impl Harness {
    pub async fn new(engine: Engine) -> Option<Harness> {
        let dir = tuphap_testkit::temp_dir();
        let (store, location) = match engine {
            Engine::Sqlite => {
                let path = dir.path().join("t.db");
                let store = Store::open_sqlite(&path).await.unwrap();
                (store, path.display().to_string())
            }
            Engine::Postgres => {
                let server = tuphap_testkit::pg_server_url()?;
                let url = tuphap_store::testing::create_pg_database(
                    &server,
                    &tuphap_testkit::unique_db_name("contract"),
                )
                .await
                .unwrap();
                (Store::open(Some(&url), dir.path()).await.unwrap(), url)
            }
        };
        store.migrate().await.unwrap();
        Some(Harness {
            store,
            engine,
            location,
            _dir: dir,
        })
    }

    /// Runs raw SQL statements directly on the database (as an intruder with database access
    /// would), outside the store; panics if one fails.
    pub async fn raw(&self, statements: &[&str]) {
        for s in statements {
            if let Some(e) = self.raw_err(s).await {
                panic!("{s}: {e}");
            }
        }
    }

    /// The stored bytes of a record version (its compressed form), read outside the store.
    pub async fn raw_version_bytes(&self, record: i64, version: i32) -> Vec<u8> {
        use sqlx::Connection;
        let sql = "SELECT data FROM civil_record_versions WHERE record_id = $1 AND version = $2";
        match self.engine {
            Engine::Sqlite => {
                let url = format!("sqlite://{}", self.location);
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query_scalar(sql)
                    .bind(record)
                    .bind(version)
                    .fetch_one(&mut c)
                    .await
                    .unwrap()
            }
            Engine::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.location).await.unwrap();
                sqlx::query_scalar(sql)
                    .bind(record)
                    .bind(version)
                    .fetch_one(&mut c)
                    .await
                    .unwrap()
            }
        }
    }

    /// Writes a version as a row written before compression existed: plain JSON text (SQLite)
    /// or its UTF-8 bytes (PostgreSQL, as migration 0007 converted them), and makes it current.
    pub async fn write_plain_version(&self, record: i64, version: i32, json: &str) {
        let quoted = json.replace('\'', "''");
        let value = match self.engine {
            Engine::Sqlite => format!("'{quoted}'"),
            Engine::Postgres => format!("convert_to('{quoted}', 'UTF8')"),
        };
        self.raw(&[
            &format!(
                "INSERT INTO civil_record_versions (record_id, version, data, created_at, created_by, reason) \
                 SELECT {record}, {version}, {value}, created_at, created_by, NULL FROM civil_record_versions \
                 WHERE record_id = {record} AND version = 1"
            ),
            &format!("UPDATE civil_records SET current_version = {version} WHERE id = {record}"),
        ])
        .await;
    }

    /// Runs one raw SQL statement; returns its error message if it fails.
    pub async fn raw_err(&self, statement: &str) -> Option<String> {
        use sqlx::Connection;
        let r = match self.engine {
            Engine::Sqlite => {
                let url = format!("sqlite://{}", self.location);
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(statement))
                    .execute(&mut c)
                    .await
                    .map(|_| ())
            }
            Engine::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.location).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(statement))
                    .execute(&mut c)
                    .await
                    .map(|_| ())
            }
        };
        r.err().map(|e| e.to_string())
    }
}

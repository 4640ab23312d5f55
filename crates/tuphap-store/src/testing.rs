//! Helpers for tests of this and other crates: fresh PostgreSQL databases on a server.

use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use crate::{Result, StoreError};

/// Creates an empty database `name` on the server at `server_url` (whose own database is used to
/// issue `CREATE DATABASE`) and returns the URL of the new database.
pub async fn create_pg_database(server_url: &str, name: &str) -> Result<String> {
    create_database(server_url, name, None).await
}

static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// A new, migrated PostgreSQL database with the reference data loaded, on the server at
/// `server_url`, and its URL. The first call builds a template database; later calls copy it
/// (`CREATE DATABASE … TEMPLATE …`), which takes milliseconds instead of seconds.
pub async fn fresh_pg_database(server_url: &str, name: &str) -> Result<String> {
    let template = TEMPLATE
        .get_or_try_init(|| async {
            let tname = format!("tuphap_template_{}", std::process::id());
            let url = create_pg_database(server_url, &tname).await?;
            let store = crate::Store::open(Some(&url), std::path::Path::new(".")).await?;
            store.migrate().await?;
            store.load_reference_data().await?;
            store.close().await;
            Ok::<String, StoreError>(tname)
        })
        .await?;
    create_database(server_url, name, Some(template)).await
}

/// `CREATE DATABASE name [TEMPLATE template]`; returns the new database's URL.
async fn create_database(server_url: &str, name: &str, template: Option<&str>) -> Result<String> {
    let valid = |n: &str| {
        n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if !valid(name) || !template.is_none_or(valid) {
        return Err(StoreError::BadUrl(format!("bad database name {name:?}")));
    }
    let opts = PgConnectOptions::from_str(server_url)
        .map_err(|e| StoreError::BadUrl(format!("{}: {e}", crate::redact_url(server_url))))?;
    let mut conn = PgConnection::connect_with(&opts).await?;
    let sql = match template {
        Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
        None => format!("CREATE DATABASE {name}"),
    };
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(database_url(server_url, name))
}

/// `server_url` with its database name replaced by `name`.
pub fn database_url(server_url: &str, name: &str) -> String {
    let (no_query, query) = match server_url.find('?') {
        Some(q) => (&server_url[..q], &server_url[q..]),
        None => (server_url, ""),
    };
    let scheme_end = no_query.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match no_query[scheme_end..].find('/') {
        Some(i) => &no_query[..scheme_end + i],
        None => no_query,
    };
    format!("{base}/{name}{query}")
}

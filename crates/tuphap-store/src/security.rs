//! Security events (issue 8; migration 0023): what the attack detection noticed, one row each in
//! `security_events`. The rules (what is an event, its category and severity, when it alerts)
//! are the domain's (`tuphap_domain::security`); this module stores, lists and counts.

use serde::Serialize;

use crate::{Result, Store, Tx};

/// An event to store (the domain has sanitized and truncated every text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSecurityEventRow {
    /// Unix microseconds.
    pub at: i64,
    pub category: String,
    pub kind: String,
    pub severity: String,
    pub source_ip: Option<String>,
    pub user_id: Option<i64>,
    pub actor: Option<String>,
    pub request_id: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub detail: String,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SecurityEventRow {
    pub id: i64,
    /// Unix microseconds.
    pub at: i64,
    pub category: String,
    pub kind: String,
    pub severity: String,
    pub source_ip: Option<String>,
    pub user_id: Option<i64>,
    pub actor: Option<String>,
    pub request_id: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub detail: String,
}

/// Which events to list: all filters optional, newest first.
#[derive(Debug, Clone, Default)]
pub struct SecurityEventFilter {
    pub category: Option<String>,
    pub source_ip: Option<String>,
    /// Only events at or after this time (unix microseconds).
    pub since: Option<i64>,
    /// Only events with `id < before_id` (paging backwards).
    pub before_id: Option<i64>,
    pub limit: i64,
}

impl Store {
    /// Events matching `f`, newest first.
    pub async fn security_events(&self, f: &SecurityEventFilter) -> Result<Vec<SecurityEventRow>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, SecurityEventRow>(
            "SELECT id, at, category, kind, severity, source_ip, user_id, actor, request_id, \
             method, path, detail FROM security_events \
             WHERE ($1 IS NULL OR category = $1) AND ($2 IS NULL OR source_ip = $2) \
             AND at >= $3 AND id < $4 ORDER BY id DESC LIMIT $5",
        )
            .bind(f.category.as_deref())
            .bind(f.source_ip.as_deref())
            .bind(f.since.unwrap_or(i64::MIN))
            .bind(f.before_id.unwrap_or(i64::MAX))
            .bind(f.limit.clamp(1, 1000))
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Number of events per category since `since` (unix microseconds), categories with none
    /// left out.
    pub async fn security_counts_by_category(&self, since: i64) -> Result<Vec<(String, i64)>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, (String, i64)>(
            "SELECT category, COUNT(*) FROM security_events WHERE at >= $1 \
             GROUP BY category ORDER BY category",
        )
        .bind(since)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// The `limit` sources with the most events since `since`: (source, category, count),
    /// busiest first.
    pub async fn security_counts_by_source(
        &self,
        since: i64,
        limit: i64,
    ) -> Result<Vec<(String, String, i64)>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, (String, String, i64)>(
            "SELECT source_ip, category, COUNT(*) AS n FROM security_events \
             WHERE at >= $1 AND source_ip IS NOT NULL \
             GROUP BY source_ip, category ORDER BY n DESC, source_ip, category LIMIT $2",
        )
        .bind(since)
        .bind(limit.clamp(1, 1000))
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }
}

impl Tx {
    /// Inserts one event and returns its id.
    pub async fn security_event_insert(&mut self, e: &NewSecurityEventRow) -> Result<i64> {
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO security_events (at, category, kind, severity, source_ip, user_id, actor, \
             request_id, method, path, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(e.at)
        .bind(&e.category)
        .bind(&e.kind)
        .bind(&e.severity)
        .bind(e.source_ip.as_deref())
        .bind(e.user_id)
        .bind(e.actor.as_deref())
        .bind(e.request_id.as_deref())
        .bind(e.method.as_deref())
        .bind(e.path.as_deref())
        .bind(&e.detail)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }
}

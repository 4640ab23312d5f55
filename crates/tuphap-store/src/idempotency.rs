//! Stored answers of write requests that carried an `Idempotency-Key`.

use crate::{Result, Store, StoreError};

/// What is stored under a key.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdempotencyRow {
    pub request_hash: String,
    /// `None` while the first request is still being handled.
    pub status: Option<i32>,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
}

impl Store {
    /// Claims `(scope, key)` for a request with `request_hash`: `Ok(None)` when this request is
    /// the first (the caller handles it, then calls [`Store::idempotency_complete`]), or the row
    /// already stored (an earlier answer, or a request still in progress).
    pub async fn idempotency_claim(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
    ) -> Result<Option<IdempotencyRow>> {
        let now = crate::now_utc();
        let mut tx = self.begin().await?;
        let inserted = with_tx!(tx, c => sqlx::query(
            "INSERT INTO idempotency_keys (scope, key, request_hash, status, content_type, body, created_at) \
             VALUES ($1, $2, $3, NULL, NULL, NULL, $4) ON CONFLICT (scope, key) DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        if inserted == 1 {
            tx.commit().await?;
            return Ok(None);
        }
        let row = with_tx!(tx, c => sqlx::query_as::<_, IdempotencyRow>(
            "SELECT request_hash, status, content_type, body FROM idempotency_keys WHERE scope = $1 AND key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&mut *c)
        .await)?;
        tx.commit().await?;
        row.map(Some).ok_or(StoreError::NotFound)
    }

    /// Stores the answer of the first request.
    pub async fn idempotency_complete(
        &self,
        scope: &str,
        key: &str,
        status: i32,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        with_tx!(tx, c => sqlx::query(
            "UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3 WHERE scope = $4 AND key = $5",
        )
        .bind(status)
        .bind(content_type)
        .bind(body)
        .bind(scope)
        .bind(key)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        tx.commit().await
    }

    /// Releases a claim whose request failed without an answer worth repeating (5xx), so a
    /// retry runs again.
    pub async fn idempotency_release(&self, scope: &str, key: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        with_tx!(tx, c => sqlx::query(
            "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL",
        )
        .bind(scope)
        .bind(key)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        tx.commit().await
    }
}

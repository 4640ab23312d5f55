//! The change log: one row per committed domain change, numbered 1, 2, 3, … in commit order.
//!
//! Readers (outbox, search, statistics) follow it with `seq > last_seen ORDER BY seq`. The trap
//! with a plain sequence on PostgreSQL is that transaction A takes number 5, transaction B takes
//! 6 and commits first; a reader then sees 6, moves its cursor past 5, and never sees 5 when A
//! commits. Here the number comes from a single counter row, `change_log_head`, incremented by
//! `UPDATE … RETURNING` as the last step of the writing transaction. The row lock is held until
//! that transaction commits or rolls back, so the next writer can only take the next number
//! after the previous one is visible (or was rolled back, giving the number back): numbers are
//! gapless and become visible in order. On SQLite writers are serialized anyway, and the same
//! SQL gives the same guarantee. The cost is that the tails of writing transactions are
//! serialized; the head is touched last to keep that window short.

use serde::Serialize;

use crate::{Result, Store, Tx};

/// A change to record in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewChange {
    /// Kind of record, e.g. `user`, `office`, `calendar_adjustment`, `birth`.
    pub entity: String,
    /// Identifier of the record within its kind.
    pub entity_id: String,
    /// What happened, e.g. `created`, `updated`, `registered`.
    pub action: String,
    pub actor_user_id: Option<i64>,
    /// JSON document describing the change (what consumers need, no secrets).
    pub payload: serde_json::Value,
}

/// A change as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Change {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: time::OffsetDateTime,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub actor_user_id: Option<i64>,
    pub payload: String,
}

pub(crate) async fn append(tx: &mut Tx, c: &NewChange) -> Result<i64> {
    let now = crate::now_utc();
    let payload = c.payload.to_string();
    with_tx!(tx, conn => {
        let (seq,): (i64,) = sqlx::query_as(
            "UPDATE change_log_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq",
        )
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO change_log (seq, recorded_at, entity, entity_id, action, actor_user_id, payload) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(seq)
        .bind(now)
        .bind(&c.entity)
        .bind(&c.entity_id)
        .bind(&c.action)
        .bind(c.actor_user_id)
        .bind(&payload)
        .execute(&mut *conn)
        .await?;
        Ok(seq)
    })
}

impl Store {
    /// Up to `limit` changes with `seq > after`, in order.
    pub async fn changes_after(&self, after: i64, limit: i64) -> Result<Vec<Change>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, Change>(
            "SELECT seq, recorded_at, entity, entity_id, action, actor_user_id, payload \
             FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// The highest committed sequence number (0 when the log is empty).
    pub async fn last_change_seq(&self) -> Result<i64> {
        let (n,): (i64,) = with_pool!(self, p => sqlx::query_as(
            "SELECT last_seq FROM change_log_head WHERE id = 1"
        )
        .fetch_one(p)
        .await)?;
        Ok(n)
    }
}

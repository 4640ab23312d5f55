//! Exchange: the durable outbox of messages to partner systems (issue 6, item 3).
//!
//! Partners subscribe to kinds of change-log rows ([`NewSubscription`]). The feeder
//! ([`Store::feed_outbox`]) follows the change log like any reader (by sequence number, without
//! skipping rows) and, for each enabled subscription, enqueues one outbox message per row it
//! takes, advancing the subscription's `fed_up_to` **in the same transaction**: a crash before
//! the commit rolls both back, so nothing is skipped and nothing is enqueued twice (the
//! `UNIQUE (subscriber, message_id)` constraint is the second guard).
//!
//! Workers ([`Store::claim_outbox`]) take due messages under a lease: on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, on SQLite through the single writer. A message is never handed out
//! while an earlier message with the same ordering key (the record) for the same subscriber is
//! undelivered (pending, in flight or dead): per-record ordering. A lease that expires (a worker
//! killed mid-delivery) makes the message claimable again: delivery is at-least-once and the
//! receiver dedups by the message id (`X-Road-Id`).
//!
//! Failures back off exponentially with deterministic jitter ([`RetryPolicy`]); after
//! `max_attempts` the message is `dead` until an operator requeues it ([`Store::requeue_dead`]).
//! Times are unix microseconds on both engines.

use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{NewAuditEntry, Result, Store, StoreError, Tx, TxInner};

/// Unix microseconds of a time.
pub fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

fn add_micros(t: i64, d: Duration) -> i64 {
    t.saturating_add(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Whether `id` is an X-Road client id of a subsystem: `INSTANCE/CLASS/MEMBER/SUBSYSTEM`, each
/// part non-empty and made of the characters X-Road allows (`A-Z a-z 0-9 '()+,-.=?`).
pub fn is_xroad_subsystem_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('/').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "'()+,-.=?".contains(c))
        })
}

/// A subscription to register or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    /// X-Road client id of the receiving subsystem (see [`is_xroad_subsystem_id`]).
    pub subscriber: String,
    pub service: String,
    /// Comma-separated `entity:action` patterns; `*` matches anything (`birth:*`, `*:registered`).
    pub takes: String,
    pub endpoint_url: String,
    pub enabled: bool,
    /// For a new subscription: the change-log sequence to start after (0: the whole log;
    /// [`Store::last_change_seq`]: only new changes). Ignored when the subscription exists.
    pub start_after: i64,
}

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Subscription {
    pub subscriber: String,
    pub service: String,
    pub takes: String,
    pub endpoint_url: String,
    pub enabled: bool,
    pub fed_up_to: i64,
    pub created_at: i64,
}

/// Whether a `takes` list covers a change-log row.
pub fn takes_change(takes: &str, entity: &str, action: &str) -> bool {
    takes.split(',').map(str::trim).any(|p| {
        let (e, a) = p.split_once(':').unwrap_or((p, "*"));
        (e == "*" || e == entity) && (a == "*" || a == action)
    })
}

/// Status of an outbox message.
pub const PENDING: &str = "pending";
pub const DELIVERING: &str = "delivering";
pub const DELIVERED: &str = "delivered";
pub const DEAD: &str = "dead";

/// How a delivered message ended (`outcome`): sent and answered.
pub const DONE: &str = "done";
/// How a delivered message ended: nothing to send (e.g. a death of a person without a personal
/// ID), the reason in `last_error`.
pub const SKIPPED: &str = "skipped";

/// A message put straight into the outbox (the next step of a linked procedure), not fed from
/// the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub subscriber: String,
    pub service: String,
    pub message_id: String,
    pub ordering_key: String,
    pub change_seq: Option<i64>,
    pub payload: String,
}

/// An outbox message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub subscriber: String,
    pub service: String,
    pub message_id: String,
    pub ordering_key: String,
    pub change_seq: Option<i64>,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<i64>,
    /// The request as sent (see [`Claimed::request_body`]).
    pub request_body: Option<String>,
    /// The receiver's answer to the delivered attempt.
    pub response: Option<String>,
    /// How a delivered message ended: `done`, or `skipped` (nothing to send; the reason is in
    /// `last_error`).
    pub outcome: Option<String>,
}

const MESSAGE_COLUMNS: &str = "id, subscriber, service, message_id, ordering_key, change_seq, payload, status, \
     attempts, next_attempt_at, last_error, created_at, delivered_at, claimed_by, claimed_until, \
     request_body, response, outcome";

/// A message handed to a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: i64,
    pub subscriber: String,
    pub service: String,
    pub message_id: String,
    pub ordering_key: String,
    pub payload: String,
    /// The request as first sent (linked procedures build it on the first attempt; every retry
    /// sends the same body under the same `X-Road-Id`).
    pub request_body: Option<String>,
    /// Including this one.
    pub attempts: i64,
    pub endpoint_url: String,
}

/// Retries: exponential backoff (`base · 2^(attempt−1)`, at most `cap`) with "equal jitter"
/// (a delay in `[d/2, d]`, the fraction derived from the message id and attempt, so it is
/// deterministic), and `dead` after `max_attempts` attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(3600),
            max_attempts: 10,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt of `message_id`.
    pub fn backoff(&self, message_id: &str, attempts: i64) -> Duration {
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 64)).unwrap_or(64);
        let factor = 1u128.checked_shl(exp).unwrap_or(u128::MAX);
        let raw = self.base.as_micros().saturating_mul(factor);
        let d = raw.min(self.cap.as_micros());
        let digest = Sha256::digest(format!("{message_id}:{attempts}").as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        let x = u128::from(u64::from_be_bytes(first));
        // d/2 + (d/2)·x/2^64
        let half = d / 2;
        let jittered = half + (((d - half) * x) >> 64);
        Duration::from_micros(u64::try_from(jittered).unwrap_or(u64::MAX))
    }
}

/// What [`Store::mark_outbox_failed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Back to `pending`, due at this time (unix µs).
    Retry { next_attempt_at: i64 },
    /// Out of attempts (or a permanent failure): `dead`.
    Dead,
    /// The worker no longer held the lease (it expired and someone else claimed the message).
    NotHeld,
}

/// A dead message put back in the queue, for the caller's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requeued {
    pub id: i64,
    pub subscriber: String,
    pub service: String,
    pub message_id: String,
    pub previous_error: Option<String>,
    pub previous_attempts: i64,
    pub reason: String,
    pub audit_seq: i64,
}

/// Counts of one subscriber's messages, for monitoring.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SubscriberStats {
    pub subscriber: String,
    pub pending: i64,
    pub delivering: i64,
    pub delivered: i64,
    pub dead: i64,
    /// Age of the oldest pending (or in-flight) message.
    pub oldest_pending_age: Option<Duration>,
}

/// What one feeding step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedStep {
    /// Change-log rows read.
    pub read: usize,
    /// Messages enqueued.
    pub enqueued: usize,
    pub fed_up_to: i64,
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    seq: i64,
    recorded_at: OffsetDateTime,
    entity: String,
    entity_id: String,
    action: String,
    payload: String,
}

impl Tx {
    fn is_postgres(&self) -> bool {
        matches!(self.inner, TxInner::Postgres(_))
    }

    /// Feeds one subscription with up to `batch` change-log rows after its `fed_up_to`, inside
    /// this transaction (the subscription row is locked on PostgreSQL). Commit to make it
    /// count; dropping the transaction undoes both the messages and the cursor. A missing or
    /// disabled subscription reads nothing.
    pub async fn feed_subscription(
        &mut self,
        subscriber: &str,
        service: &str,
        batch: i64,
        now: OffsetDateTime,
    ) -> Result<FeedStep> {
        let lock = if self.is_postgres() {
            " FOR UPDATE"
        } else {
            ""
        };
        let sql = format!(
            "SELECT takes, enabled, fed_up_to FROM exchange_subscriptions \
             WHERE subscriber = $1 AND service = $2{lock}"
        );
        let sub: Option<(String, bool, i64)> = with_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(subscriber)
            .bind(service)
            .fetch_optional(&mut *c)
            .await)?;
        let Some((takes, true, fed_up_to)) = sub else {
            return Ok(FeedStep::default());
        };
        let rows: Vec<ChangeRow> = with_tx!(self, c => sqlx::query_as(
            "SELECT seq, recorded_at, entity, entity_id, action, payload FROM change_log \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(fed_up_to)
        .bind(batch)
        .fetch_all(&mut *c)
        .await)?;
        let mut step = FeedStep {
            read: rows.len(),
            enqueued: 0,
            fed_up_to,
        };
        let now = micros(now);
        for r in &rows {
            step.fed_up_to = r.seq;
            if !takes_change(&takes, &r.entity, &r.action) {
                continue;
            }
            let message_id = format!("tuphap-{}-{}", r.seq, service);
            let data = serde_json::from_str::<serde_json::Value>(&r.payload)
                .unwrap_or_else(|_| serde_json::Value::String(r.payload.clone()));
            let recorded_at = r
                .recorded_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            let payload = serde_json::json!({
                "message_id": message_id,
                "service": service,
                "seq": r.seq,
                "recorded_at": recorded_at,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "action": r.action,
                "data": data,
            })
            .to_string();
            let ordering_key = format!("{}/{}", r.entity, r.entity_id);
            let n = with_tx!(self, c => sqlx::query(
                "INSERT INTO exchange_outbox (subscriber, service, message_id, ordering_key, change_seq, \
                 payload, status, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) \
                 ON CONFLICT (subscriber, message_id) DO NOTHING",
            )
            .bind(subscriber)
            .bind(service)
            .bind(&message_id)
            .bind(&ordering_key)
            .bind(r.seq)
            .bind(&payload)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
            step.enqueued += usize::try_from(n).unwrap_or(0);
        }
        if step.fed_up_to != fed_up_to {
            with_tx!(self, c => sqlx::query(
                "UPDATE exchange_subscriptions SET fed_up_to = $1 WHERE subscriber = $2 AND service = $3",
            )
            .bind(step.fed_up_to)
            .bind(subscriber)
            .bind(service)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        Ok(step)
    }
}

impl Tx {
    /// Marks a message held by `worker` delivered, with the receiver's answer and how it ended
    /// ([`DONE`] or [`SKIPPED`] with `note` as the reason). `false` when `worker` no longer held
    /// it (the lease expired and it was claimed again, or it is already delivered): the caller
    /// must then roll back whatever it did in this transaction.
    pub async fn outbox_delivered(
        &mut self,
        id: i64,
        worker: &str,
        response: Option<&str>,
        outcome: &str,
        note: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE exchange_outbox SET status = 'delivered', delivered_at = $1, last_error = $2, \
             response = $3, outcome = $4, claimed_by = NULL, claimed_until = NULL \
             WHERE id = $5 AND status = 'delivering' AND claimed_by = $6",
        )
        .bind(micros(now))
        .bind(note)
        .bind(response)
        .bind(outcome)
        .bind(id)
        .bind(worker)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records a failed attempt of a message held by `worker`: back to `pending` after the
    /// policy's backoff, or `dead` when the attempts are used up or `permanent`.
    pub async fn outbox_failed(
        &mut self,
        id: i64,
        worker: &str,
        error: &str,
        permanent: bool,
        policy: &RetryPolicy,
        now: OffsetDateTime,
    ) -> Result<FailOutcome> {
        let row: Option<(String, i64)> = with_tx!(self, c => sqlx::query_as(
            "SELECT message_id, attempts FROM exchange_outbox \
             WHERE id = $1 AND status = 'delivering' AND claimed_by = $2",
        )
        .bind(id)
        .bind(worker)
        .fetch_optional(&mut *c)
        .await)?;
        let Some((message_id, attempts)) = row else {
            return Ok(FailOutcome::NotHeld);
        };
        let dead = permanent || attempts >= policy.max_attempts;
        let now = micros(now);
        let next = if dead {
            now
        } else {
            add_micros(now, policy.backoff(&message_id, attempts))
        };
        let status = if dead { DEAD } else { PENDING };
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE exchange_outbox SET status = $1, next_attempt_at = $2, last_error = $3, \
             claimed_by = NULL, claimed_until = NULL \
             WHERE id = $4 AND status = 'delivering' AND claimed_by = $5 AND attempts = $6",
        )
        .bind(status)
        .bind(next)
        .bind(error)
        .bind(id)
        .bind(worker)
        .bind(attempts)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(match (n, dead) {
            (0, _) => FailOutcome::NotHeld,
            (_, true) => FailOutcome::Dead,
            (_, false) => FailOutcome::Retry {
                next_attempt_at: next,
            },
        })
    }

    /// Turns a message this transaction marked delivered into a dead letter: its answer could
    /// not be applied (it contradicts the register), for an operator to look at.
    pub async fn outbox_refused_answer(&mut self, id: i64, error: &str) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE exchange_outbox SET status = 'dead', outcome = NULL, delivered_at = NULL, \
             last_error = $1 WHERE id = $2 AND status = 'delivered'",
        )
        .bind(error)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Keeps the request built for a message on its first attempt (only if none is kept yet:
    /// a retry sends what the first attempt sent). Returns the body to send.
    pub async fn outbox_request_body(&mut self, id: i64, body: &str) -> Result<String> {
        with_tx!(self, c => sqlx::query(
            "UPDATE exchange_outbox SET request_body = $1 WHERE id = $2 AND request_body IS NULL",
        )
        .bind(body)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        let kept: Option<(Option<String>,)> = with_tx!(self, c => sqlx::query_as(
            "SELECT request_body FROM exchange_outbox WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *c)
        .await)?;
        Ok(kept.and_then(|k| k.0).unwrap_or_else(|| body.to_string()))
    }

    /// Puts a message into the outbox, due now; nothing if one with the same subscriber and
    /// message id exists (the id is the idempotency key). Returns whether it was added.
    pub async fn enqueue_outbox(&mut self, m: &NewMessage, now: OffsetDateTime) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "INSERT INTO exchange_outbox (subscriber, service, message_id, ordering_key, change_seq, \
             payload, status, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) \
             ON CONFLICT (subscriber, message_id) DO NOTHING",
        )
        .bind(&m.subscriber)
        .bind(&m.service)
        .bind(&m.message_id)
        .bind(&m.ordering_key)
        .bind(m.change_seq)
        .bind(&m.payload)
        .bind(micros(now))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}

impl Store {
    /// Registers a subscription, or updates its `takes`, endpoint and `enabled` (its position
    /// in the change log is kept), in a transaction of its own ([`Tx::subscription_upsert`]).
    pub async fn upsert_subscription(
        &self,
        s: &NewSubscription,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.subscription_upsert(s, now).await?;
        tx.commit().await
    }

    /// All subscriptions.
    pub async fn subscriptions(&self) -> Result<Vec<Subscription>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, Subscription>(
            "SELECT subscriber, service, takes, endpoint_url, enabled, fed_up_to, created_at \
             FROM exchange_subscriptions ORDER BY subscriber, service",
        )
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }

    /// Feeds every enabled subscription up to the end of the change log, one transaction per
    /// batch of `batch` rows. Returns the number of messages enqueued.
    pub async fn feed_outbox(&self, batch: i64, now: OffsetDateTime) -> Result<usize> {
        let batch = batch.max(1);
        let mut enqueued = 0;
        for s in self
            .subscriptions()
            .await?
            .into_iter()
            .filter(|s| s.enabled && !s.takes.trim().is_empty())
        {
            loop {
                let mut tx = self.begin().await?;
                let step = tx
                    .feed_subscription(&s.subscriber, &s.service, batch, now)
                    .await?;
                tx.commit().await?;
                enqueued += step.enqueued;
                if i64::try_from(step.read).unwrap_or(i64::MAX) < batch {
                    break;
                }
            }
        }
        Ok(enqueued)
    }

    /// Claims up to `limit` due messages for `worker` until `now + lease`. Each claim counts
    /// as an attempt. Only the earliest undelivered message of each (subscriber, ordering key)
    /// can be claimed; an in-flight message whose lease has expired can be claimed again.
    pub async fn claim_outbox(
        &self,
        worker: &str,
        limit: i64,
        lease: Duration,
        now: OffsetDateTime,
    ) -> Result<Vec<Claimed>> {
        let now = micros(now);
        let until = add_micros(now, lease);
        let mut tx = self.begin().await?;
        let skip_locked = if tx.is_postgres() {
            " FOR UPDATE OF o SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE exchange_outbox SET status = 'delivering', attempts = attempts + 1, \
             claimed_by = $1, claimed_until = $2 \
             WHERE id IN (SELECT o.id FROM exchange_outbox o \
               JOIN exchange_subscriptions s ON s.subscriber = o.subscriber AND s.service = o.service \
               WHERE s.enabled AND o.next_attempt_at <= $3 \
                 AND (o.status = 'pending' OR (o.status = 'delivering' AND o.claimed_until <= $3)) \
                 AND NOT EXISTS (SELECT 1 FROM exchange_outbox e WHERE e.subscriber = o.subscriber \
                   AND e.ordering_key = o.ordering_key AND e.id < o.id AND e.status <> 'delivered') \
               ORDER BY o.id LIMIT $4{skip_locked}) \
             RETURNING id, subscriber, service, message_id, ordering_key, payload, attempts, request_body"
        );
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            i64,
            Option<String>,
        );
        let mut rows: Vec<Row> = with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(worker)
            .bind(until)
            .bind(now)
            .bind(limit.max(0))
            .fetch_all(&mut *c)
            .await)?;
        rows.sort_by_key(|r| r.0);
        let endpoints: Vec<(String, String, String)> = with_tx!(tx, c => sqlx::query_as(
            "SELECT subscriber, service, endpoint_url FROM exchange_subscriptions",
        )
        .fetch_all(&mut *c)
        .await)?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    subscriber,
                    service,
                    message_id,
                    ordering_key,
                    payload,
                    attempts,
                    request_body,
                )| {
                    let endpoint_url = endpoints
                        .iter()
                        .find(|e| e.0 == subscriber && e.1 == service)
                        .map(|e| e.2.clone())
                        .unwrap_or_default();
                    Claimed {
                        id,
                        subscriber,
                        service,
                        message_id,
                        ordering_key,
                        payload,
                        request_body,
                        attempts,
                        endpoint_url,
                    }
                },
            )
            .collect())
    }

    /// Marks a message delivered. `false` when `worker` no longer held it (the lease expired
    /// and it was claimed again, or it is already delivered).
    pub async fn mark_outbox_delivered(
        &self,
        id: i64,
        worker: &str,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let held = tx
            .outbox_delivered(id, worker, None, DONE, None, now)
            .await?;
        tx.commit().await?;
        Ok(held)
    }

    /// Records a failed attempt: back to `pending` after the policy's backoff, or `dead` when
    /// the attempts are used up or `permanent` (e.g. the receiver answered 400).
    pub async fn mark_outbox_failed(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        permanent: bool,
        policy: &RetryPolicy,
        now: OffsetDateTime,
    ) -> Result<FailOutcome> {
        let mut tx = self.begin().await?;
        let outcome = tx
            .outbox_failed(id, worker, error, permanent, policy, now)
            .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Puts a dead message back in the queue (attempts reset, due now), in one transaction
    /// with the audit entry `exchange.requeue` (actor fields from `actor`, the reason and the
    /// previous error recorded). [`StoreError::NotFound`] if the message is not dead.
    pub async fn requeue_dead(
        &self,
        id: i64,
        reason: &str,
        actor: &NewAuditEntry,
        now: OffsetDateTime,
    ) -> Result<Requeued> {
        let mut tx = self.begin().await?;
        let row: Option<(String, String, String, Option<String>, i64)> = with_tx!(tx, c => sqlx::query_as(
            "SELECT subscriber, service, message_id, last_error, attempts FROM exchange_outbox \
             WHERE id = $1 AND status = 'dead'",
        )
        .bind(id)
        .fetch_optional(&mut *c)
        .await)?;
        let (subscriber, service, message_id, previous_error, previous_attempts) =
            row.ok_or(StoreError::NotFound)?;
        with_tx!(tx, c => sqlx::query(
            "UPDATE exchange_outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, \
             last_error = NULL, claimed_by = NULL, claimed_until = NULL WHERE id = $2",
        )
        .bind(micros(now))
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        let mut audit = actor.clone();
        audit.action = "exchange.requeue".to_string();
        audit.target_type = Some("exchange_message".to_string());
        audit.target_id = Some(message_id.clone());
        audit.reason = Some(reason.to_string());
        audit.details = Some(serde_json::json!({
            "outbox_id": id,
            "subscriber": subscriber,
            "service": service,
            "previous_error": previous_error,
            "previous_attempts": previous_attempts,
        }));
        let committed = tx.commit_with(&[audit], &[]).await?;
        Ok(Requeued {
            id,
            subscriber,
            service,
            message_id,
            previous_error,
            previous_attempts,
            reason: reason.to_string(),
            audit_seq: committed.audit_seqs.first().copied().unwrap_or_default(),
        })
    }

    /// One outbox message.
    pub async fn outbox_message(&self, id: i64) -> Result<Option<OutboxMessage>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM exchange_outbox WHERE id = $1");
        let row = with_pool!(self, p => sqlx::query_as::<_, OutboxMessage>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(p)
            .await)?;
        Ok(row)
    }

    /// A subscriber's messages in queue order.
    pub async fn outbox_messages(&self, subscriber: &str) -> Result<Vec<OutboxMessage>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM exchange_outbox WHERE subscriber = $1 ORDER BY id"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, OutboxMessage>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(subscriber)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Dead letters, oldest first (of one subscriber, or all).
    pub async fn dead_letters(
        &self,
        subscriber: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM exchange_outbox WHERE status = 'dead' \
             AND ($1 IS NULL OR subscriber = $1) ORDER BY created_at, id LIMIT $2"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, OutboxMessage>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(subscriber)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Counts per subscriber and status, and the age of the oldest undelivered live message.
    pub async fn outbox_stats(&self, now: OffsetDateTime) -> Result<Vec<SubscriberStats>> {
        let rows: Vec<(String, String, i64, Option<i64>)> = with_pool!(self, p => sqlx::query_as(
            "SELECT subscriber, status, COUNT(*), MIN(created_at) FROM exchange_outbox \
             GROUP BY subscriber, status ORDER BY subscriber, status",
        )
        .fetch_all(p)
        .await)?;
        let now = micros(now);
        let mut out: Vec<SubscriberStats> = Vec::new();
        for (subscriber, status, count, oldest) in rows {
            if out.last().is_none_or(|s| s.subscriber != subscriber) {
                out.push(SubscriberStats {
                    subscriber: subscriber.clone(),
                    ..SubscriberStats::default()
                });
            }
            let Some(s) = out.last_mut() else { continue };
            match status.as_str() {
                PENDING => s.pending = count,
                DELIVERING => s.delivering = count,
                DELIVERED => s.delivered = count,
                _ => s.dead = count,
            }
            if (status == PENDING || status == DELIVERING)
                && let Some(created) = oldest
            {
                let age =
                    Duration::from_micros(u64::try_from(now.saturating_sub(created)).unwrap_or(0));
                s.oldest_pending_age = Some(s.oldest_pending_age.map_or(age, |a| a.max(age)));
            }
        }
        Ok(out)
    }
}

// Operator views and subscription management (the `/exchange` page, its API and CLI).

/// Counts of one (subscriber, service) queue, for operator views and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ServiceQueueStats {
    pub subscriber: String,
    pub service: String,
    pub pending: i64,
    pub delivering: i64,
    pub delivered: i64,
    pub dead: i64,
    /// Pending messages that have failed at least once (waiting for their next attempt).
    pub retrying: i64,
    /// Attempts spent on the messages not yet delivered (pending, in flight, dead).
    pub undelivered_attempts: i64,
    /// Unix µs of the oldest pending or in-flight message.
    pub oldest_undelivered_at: Option<i64>,
    /// The error of the most recent failure among retrying and dead messages.
    pub last_error: Option<String>,
}

impl Tx {
    /// Registers a subscription, or updates its `takes`, endpoint and `enabled` (its place in
    /// the change log is kept), inside this transaction. Returns the row as it was before
    /// (`None`: created).
    pub async fn subscription_upsert(
        &mut self,
        s: &NewSubscription,
        now: OffsetDateTime,
    ) -> Result<Option<Subscription>> {
        let before: Option<Subscription> = with_tx!(self, c => sqlx::query_as::<_, Subscription>(
            "SELECT subscriber, service, takes, endpoint_url, enabled, fed_up_to, created_at \
             FROM exchange_subscriptions WHERE subscriber = $1 AND service = $2",
        )
        .bind(&s.subscriber)
        .bind(&s.service)
        .fetch_optional(&mut *c)
        .await)?;
        with_tx!(self, c => sqlx::query(
            "INSERT INTO exchange_subscriptions (subscriber, service, takes, endpoint_url, enabled, fed_up_to, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (subscriber, service) DO UPDATE SET takes = excluded.takes, \
             endpoint_url = excluded.endpoint_url, enabled = excluded.enabled",
        )
        .bind(&s.subscriber)
        .bind(&s.service)
        .bind(&s.takes)
        .bind(&s.endpoint_url)
        .bind(s.enabled)
        .bind(s.start_after.max(0))
        .bind(micros(now))
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(before)
    }

    /// Enables or disables a subscription inside this transaction. `None` when there is no such
    /// subscription, else whether it was enabled before.
    pub async fn subscription_set_enabled(
        &mut self,
        subscriber: &str,
        service: &str,
        enabled: bool,
    ) -> Result<Option<bool>> {
        let before: Option<(bool,)> = with_tx!(self, c => sqlx::query_as(
            "SELECT enabled FROM exchange_subscriptions WHERE subscriber = $1 AND service = $2",
        )
        .bind(subscriber)
        .bind(service)
        .fetch_optional(&mut *c)
        .await)?;
        let Some((was,)) = before else {
            return Ok(None);
        };
        with_tx!(self, c => sqlx::query(
            "UPDATE exchange_subscriptions SET enabled = $1 WHERE subscriber = $2 AND service = $3",
        )
        .bind(enabled)
        .bind(subscriber)
        .bind(service)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(Some(was))
    }
}

impl Store {
    /// One subscription.
    pub async fn subscription(
        &self,
        subscriber: &str,
        service: &str,
    ) -> Result<Option<Subscription>> {
        let row = with_pool!(self, p => sqlx::query_as::<_, Subscription>(
            "SELECT subscriber, service, takes, endpoint_url, enabled, fed_up_to, created_at \
             FROM exchange_subscriptions WHERE subscriber = $1 AND service = $2",
        )
        .bind(subscriber)
        .bind(service)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }

    /// Dead letters, newest first (by id), of one subscriber and/or service or all, with ids
    /// below `before_id` (the next page).
    pub async fn dead_letters_page(
        &self,
        subscriber: Option<&str>,
        service: Option<&str>,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM exchange_outbox WHERE status = 'dead' \
             AND ($1 IS NULL OR subscriber = $1) AND ($2 IS NULL OR service = $2) \
             AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, OutboxMessage>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(subscriber)
            .bind(service)
            .bind(before_id)
            .bind(limit.max(0))
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// The messages of one record (`entity/entity_id`) to every subscriber, in queue order, at
    /// most `limit`.
    pub async fn outbox_for_ordering_key(
        &self,
        ordering_key: &str,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM exchange_outbox WHERE ordering_key = $1 \
             ORDER BY id LIMIT $2"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, OutboxMessage>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(ordering_key)
            .bind(limit.max(0))
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Counts per (subscriber, service) and status, the attempts spent on undelivered messages,
    /// the oldest undelivered live message and the latest error. Queues without messages are not
    /// listed (join with [`Store::subscriptions`]).
    pub async fn outbox_service_stats(&self) -> Result<Vec<ServiceQueueStats>> {
        type Row = (String, String, String, i64, i64, i64, Option<i64>);
        let rows: Vec<Row> = with_pool!(self, p => sqlx::query_as(
            "SELECT subscriber, service, status, COUNT(*), \
             CAST(COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(attempts), 0) AS BIGINT), MIN(created_at) \
             FROM exchange_outbox GROUP BY subscriber, service, status \
             ORDER BY subscriber, service, status",
        )
        .fetch_all(p)
        .await)?;
        let mut out: Vec<ServiceQueueStats> = Vec::new();
        for (subscriber, service, status, count, failed_once, attempts, oldest) in rows {
            if out
                .last()
                .is_none_or(|s| s.subscriber != subscriber || s.service != service)
            {
                out.push(ServiceQueueStats {
                    subscriber: subscriber.clone(),
                    service: service.clone(),
                    ..ServiceQueueStats::default()
                });
            }
            let Some(s) = out.last_mut() else { continue };
            match status.as_str() {
                PENDING => {
                    s.pending = count;
                    s.retrying = failed_once;
                }
                DELIVERING => s.delivering = count,
                DELIVERED => s.delivered = count,
                _ => s.dead = count,
            }
            if status != DELIVERED {
                s.undelivered_attempts += attempts;
            }
            if (status == PENDING || status == DELIVERING)
                && let Some(created) = oldest
            {
                s.oldest_undelivered_at =
                    Some(s.oldest_undelivered_at.map_or(created, |a| a.min(created)));
            }
        }
        for s in out.iter_mut().filter(|s| s.retrying + s.dead > 0) {
            let e: Option<(Option<String>,)> = with_pool!(self, p => sqlx::query_as(
                "SELECT last_error FROM exchange_outbox WHERE subscriber = $1 AND service = $2 \
                 AND status IN ('pending', 'dead') AND last_error IS NOT NULL \
                 ORDER BY next_attempt_at DESC, id DESC LIMIT 1",
            )
            .bind(&s.subscriber)
            .bind(&s.service)
            .fetch_optional(p)
            .await)?;
            s.last_error = e.and_then(|(e,)| e);
        }
        Ok(out)
    }
}

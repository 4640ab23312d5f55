//! The exchange platform's signed message log (issue 6, item 4; migration 0013).
//!
//! Every message in either direction — a request tuphap sends or receives, the response it gets
//! or gives — is appended with [`Tx::append_message_log`] **inside the transaction of the work
//! it belongs to**, before the message is delivered or answered: if that transaction rolls back
//! (or the process is killed before commit) the entry goes with it, and nothing is delivered or
//! answered without its entry committed first.
//!
//! **Chain.** Entry `n` stores `prev_hash` (entry `n-1`'s hash, [`GENESIS_HASH`] for the first)
//! and `hash = entry_hash(seq, prev_hash, content_digest)`, where the content digest is
//! SHA-256 of the canonical JSON of every other column, the body being covered by `body_hash =
//! base64(SHA-512(body))` (the definition is in `tuphap_core::exchange_proof`, shared with the
//! offline proof verifier; the two-step hash lets a proof show another message's entry as its
//! digest only). Appends lock the head row `exchange_log_head` with `UPDATE … RETURNING` (as the
//! audit chain does), taking a whole batch of sequence numbers in one statement, so the chain
//! order is the commit order on PostgreSQL; SQLite has one writer. A batch is one multi-row
//! insert.
//!
//! **Checkpoints.** The head is signed in batches (`exchange_log_checkpoints`, Ed25519 over
//! `checkpoint_text`), one signature covering every entry before it; the signing key lives in
//! the data directory and its public half in `exchange_log_keys` (crate `tuphap-exchange`,
//! `log::LogSigner`). [`Store::verify_message_log`] walks the whole chain in pages and checks
//! every body hash, link, entry hash, the head row, and every checkpoint (its hash against the
//! entry at its sequence number, its signature against its key).
//!
//! Triggers refuse `UPDATE`/`DELETE` on `exchange_message_log` as a first line; the chain and
//! the signatures are what prove integrity.

use std::collections::HashMap;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use time::OffsetDateTime;
use tuphap_core::exchange_proof::{self, Checkpoint, EntryFields};

use crate::{Result, Store, Tx};

pub use tuphap_core::exchange_proof::GENESIS_HASH;

/// A message to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogEntry {
    /// `out` (tuphap calls a partner) or `in` (a partner calls tuphap).
    pub direction: String,
    /// `request` or `response`.
    pub kind: String,
    /// The X-Road-Id.
    pub message_id: String,
    /// X-Road client id `INSTANCE/CLASS/MEMBER/SUBSYSTEM` (for a response: its request's).
    pub client: String,
    /// Full service id, e.g. `VN/GOV/BCA/CSDLQGDC/assignPersonalId` (for a response: its
    /// request's).
    pub service: String,
    /// HTTP status of a response; `None` for a request.
    pub status: Option<i32>,
    /// For a response, microseconds since its request; `None` for a request.
    pub duration_us: Option<i64>,
    pub body: String,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MessageLogEntry {
    pub seq: i64,
    pub recorded_at: i64,
    pub direction: String,
    pub kind: String,
    pub message_id: String,
    pub client: String,
    pub service: String,
    pub status: Option<i32>,
    pub duration_us: Option<i64>,
    pub body_hash: String,
    pub body: String,
    pub prev_hash: String,
    pub hash: String,
}

impl MessageLogEntry {
    pub fn fields(&self) -> EntryFields<'_> {
        EntryFields {
            recorded_at: self.recorded_at,
            direction: &self.direction,
            kind: &self.kind,
            message_id: &self.message_id,
            client: &self.client,
            service: &self.service,
            status: self.status,
            duration_us: self.duration_us,
            body_hash: &self.body_hash,
        }
    }

    /// Recomputes this entry's hash from its fields and `prev_hash`.
    pub fn compute_hash(&self) -> String {
        exchange_proof::entry_hash(self.seq, &self.prev_hash, &self.fields().content_digest())
    }
}

/// An entry without its body (lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MessageLogRow {
    pub seq: i64,
    pub recorded_at: i64,
    pub direction: String,
    pub kind: String,
    pub message_id: String,
    pub client: String,
    pub service: String,
    pub status: Option<i32>,
    pub duration_us: Option<i64>,
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LogCheckpoint {
    pub up_to_seq: i64,
    pub hash: String,
    pub key_id: String,
    pub signature: String,
    pub signed_at: i64,
}

impl LogCheckpoint {
    pub fn to_core(&self) -> Checkpoint {
        Checkpoint {
            up_to_seq: self.up_to_seq,
            hash: self.hash.clone(),
            key_id: self.key_id.clone(),
            signed_at: self.signed_at,
            signature: self.signature.clone(),
        }
    }
}

/// A checkpoint key's public half.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LogKey {
    pub key_id: String,
    /// 64 hex digits.
    pub public_key: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

/// Result of [`Store::verify_message_log`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageLogVerification {
    /// Entries checked.
    pub entries: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// Entries after the last checkpoint.
    pub unsigned: u64,
    /// The last checkpoint: sequence number and signing time (unix µs).
    pub last_checkpoint: Option<(i64, i64)>,
    /// The first bad sequence number and what is wrong (Vietnamese).
    pub first_bad: Option<(i64, String)>,
}

impl MessageLogVerification {
    pub fn is_intact(&self) -> bool {
        self.first_bad.is_none()
    }
}

/// The log's state without walking it: for pages and monitoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageLogStatus {
    /// Entries recorded (the head's sequence number).
    pub entries: i64,
    pub head_hash: String,
    /// The last checkpoint's sequence number and signing time (unix µs).
    pub last_checkpoint: Option<(i64, i64)>,
    /// Entries after the last checkpoint.
    pub unsigned: i64,
}

/// Traffic of one (direction, client, service) since a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageLogStat {
    pub direction: String,
    pub client: String,
    pub service: String,
    pub requests: i64,
    pub responses: i64,
    /// Responses with status ≥ 400.
    pub error_responses: i64,
    /// Requests without a response (failed without an answer, or still in flight).
    pub unanswered: i64,
    /// `error_responses + unanswered`.
    pub failures: i64,
    /// Median and 99th percentile of the responses' `duration_us` (nearest rank), from the
    /// sampled responses.
    pub p50_us: Option<i64>,
    pub p99_us: Option<i64>,
    /// Responses the percentiles were computed from.
    pub sampled: i64,
}

/// Most recent responses the percentiles of [`Store::message_log_stats`] are computed from (the
/// counts are exact).
pub const STATS_SAMPLE: i64 = 100_000;

const COLUMNS: &str = "seq, recorded_at, direction, kind, message_id, client, service, status, \
     duration_us, body_hash, body, prev_hash, hash";

/// Rows per multi-row insert (13 parameters each, well under both engines' limits).
const INSERT_CHUNK: usize = 200;

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

impl Tx {
    /// Appends `entries` to the message log, hash-chained, in this transaction: they commit or
    /// roll back with the caller's work. Returns their sequence numbers. The head row stays
    /// locked until the transaction ends (appenders serialize in commit order).
    pub async fn append_message_log(
        &mut self,
        entries: &[NewLogEntry],
        now: OffsetDateTime,
    ) -> Result<Vec<i64>> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let recorded_at = micros(now);
        let n = i64::try_from(entries.len()).unwrap_or(i64::MAX);
        with_tx!(self, conn => {
            let (last_seq, prev_hash): (i64, String) = sqlx::query_as(
                "UPDATE exchange_log_head SET last_seq = last_seq + $1 WHERE id = 1 \
                 RETURNING last_seq, last_hash",
            )
            .bind(n)
            .fetch_one(&mut *conn)
            .await?;
            let first = last_seq - n + 1;
            let mut prev = prev_hash;
            let mut rows = Vec::with_capacity(entries.len());
            for (i, e) in entries.iter().enumerate() {
                let mut row = MessageLogEntry {
                    seq: first + i64::try_from(i).unwrap_or(0),
                    recorded_at,
                    direction: e.direction.clone(),
                    kind: e.kind.clone(),
                    message_id: e.message_id.clone(),
                    client: e.client.clone(),
                    service: e.service.clone(),
                    status: e.status,
                    duration_us: e.duration_us,
                    body_hash: exchange_proof::body_hash(e.body.as_bytes()),
                    body: e.body.clone(),
                    prev_hash: prev,
                    hash: String::new(),
                };
                row.hash = row.compute_hash();
                prev = row.hash.clone();
                rows.push(row);
            }
            for chunk in rows.chunks(INSERT_CHUNK) {
                let mut q = sqlx::QueryBuilder::new(format!(
                    "INSERT INTO exchange_message_log ({COLUMNS}) "
                ));
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(r.seq)
                        .push_bind(r.recorded_at)
                        .push_bind(&r.direction)
                        .push_bind(&r.kind)
                        .push_bind(&r.message_id)
                        .push_bind(&r.client)
                        .push_bind(&r.service)
                        .push_bind(r.status)
                        .push_bind(r.duration_us)
                        .push_bind(&r.body_hash)
                        .push_bind(&r.body)
                        .push_bind(&r.prev_hash)
                        .push_bind(&r.hash);
                });
                q.build().execute(&mut *conn).await?;
            }
            sqlx::query("UPDATE exchange_log_head SET last_hash = $1 WHERE id = 1")
                .bind(&prev)
                .execute(&mut *conn)
                .await?;
            Ok(rows.iter().map(|r| r.seq).collect())
        })
    }
}

impl Store {
    /// Appends `entries` in a transaction of their own (see [`Tx::append_message_log`]).
    pub async fn append_message_log(
        &self,
        entries: &[NewLogEntry],
        now: OffsetDateTime,
    ) -> Result<Vec<i64>> {
        let mut tx = self.begin().await?;
        let seqs = tx.append_message_log(entries, now).await?;
        tx.commit().await?;
        Ok(seqs)
    }

    /// The head: last sequence number and its hash.
    pub async fn message_log_head(&self) -> Result<(i64, String)> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT last_seq, last_hash FROM exchange_log_head WHERE id = 1"
        )
        .fetch_one(p)
        .await)?)
    }

    /// The entries of one message (every attempt, both kinds), in chain order.
    pub async fn message_log_of(&self, message_id: &str) -> Result<Vec<MessageLogEntry>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM exchange_message_log WHERE message_id = $1 ORDER BY seq"
        );
        Ok(with_pool!(self, p => sqlx::query_as::<_, MessageLogEntry>(
            sqlx::AssertSqlSafe(sql.as_str()),
        )
        .bind(message_id)
        .fetch_all(p)
        .await)?)
    }

    /// The entries `from..=to`, in order (for proofs).
    pub async fn message_log_range(&self, from: i64, to: i64) -> Result<Vec<MessageLogEntry>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM exchange_message_log WHERE seq >= $1 AND seq <= $2 ORDER BY seq"
        );
        Ok(with_pool!(self, p => sqlx::query_as::<_, MessageLogEntry>(
            sqlx::AssertSqlSafe(sql.as_str()),
        )
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await)?)
    }

    /// The last `limit` entries (1–1000), newest first, without bodies.
    pub async fn message_log_recent(&self, limit: i64) -> Result<Vec<MessageLogRow>> {
        Ok(with_pool!(self, p => sqlx::query_as::<_, MessageLogRow>(
            "SELECT seq, recorded_at, direction, kind, message_id, client, service, status, \
             duration_us FROM exchange_message_log ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit.clamp(1, 1000))
        .fetch_all(p)
        .await)?)
    }

    /// The last checkpoint.
    pub async fn last_log_checkpoint(&self) -> Result<Option<LogCheckpoint>> {
        Ok(with_pool!(self, p => sqlx::query_as::<_, LogCheckpoint>(
            "SELECT up_to_seq, hash, key_id, signature, signed_at FROM exchange_log_checkpoints \
             ORDER BY up_to_seq DESC LIMIT 1",
        )
        .fetch_optional(p)
        .await)?)
    }

    /// The first checkpoint at or after `seq` (the one that covers entry `seq`).
    pub async fn log_checkpoint_covering(&self, seq: i64) -> Result<Option<LogCheckpoint>> {
        Ok(with_pool!(self, p => sqlx::query_as::<_, LogCheckpoint>(
            "SELECT up_to_seq, hash, key_id, signature, signed_at FROM exchange_log_checkpoints \
             WHERE up_to_seq >= $1 ORDER BY up_to_seq LIMIT 1",
        )
        .bind(seq)
        .fetch_optional(p)
        .await)?)
    }

    /// Checkpoints with `from <= up_to_seq <= to`, in order.
    pub async fn log_checkpoints(&self, from: i64, to: i64) -> Result<Vec<LogCheckpoint>> {
        Ok(with_pool!(self, p => sqlx::query_as::<_, LogCheckpoint>(
            "SELECT up_to_seq, hash, key_id, signature, signed_at FROM exchange_log_checkpoints \
             WHERE up_to_seq >= $1 AND up_to_seq <= $2 ORDER BY up_to_seq",
        )
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await)?)
    }

    /// Records a signed checkpoint; `false` when one at that sequence number exists already
    /// (another signer got there first).
    pub async fn insert_log_checkpoint(&self, c: &Checkpoint) -> Result<bool> {
        let mut tx = self.begin().await?;
        let inserted = with_tx!(tx, conn => sqlx::query(
            "INSERT INTO exchange_log_checkpoints (up_to_seq, hash, key_id, signature, signed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (up_to_seq) DO NOTHING",
        )
        .bind(c.up_to_seq)
        .bind(&c.hash)
        .bind(&c.key_id)
        .bind(&c.signature)
        .bind(c.signed_at)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(inserted == 1)
    }

    /// The checkpoint keys, newest first.
    pub async fn log_keys(&self) -> Result<Vec<LogKey>> {
        Ok(with_pool!(self, p => sqlx::query_as::<_, LogKey>(
            "SELECT key_id, public_key, created_at, retired_at FROM exchange_log_keys \
             ORDER BY created_at DESC, key_id DESC",
        )
        .fetch_all(p)
        .await)?)
    }

    /// Publishes a checkpoint key's public half.
    pub async fn insert_log_key(
        &self,
        key_id: &str,
        public_key_hex: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        with_tx!(tx, conn => sqlx::query(
            "INSERT INTO exchange_log_keys (key_id, public_key, created_at) VALUES ($1, $2, $3)",
        )
        .bind(key_id)
        .bind(public_key_hex)
        .bind(micros(now))
        .execute(&mut *conn)
        .await
        .map(|_| ()))?;
        tx.commit().await
    }

    /// The head and the last checkpoint, without walking the chain.
    pub async fn message_log_status(&self) -> Result<MessageLogStatus> {
        let (entries, head_hash) = self.message_log_head().await?;
        let last = self.last_log_checkpoint().await?;
        let signed = last.as_ref().map_or(0, |c| c.up_to_seq);
        Ok(MessageLogStatus {
            entries,
            head_hash,
            last_checkpoint: last.map(|c| (c.up_to_seq, c.signed_at)),
            unsigned: (entries - signed).max(0),
        })
    }

    /// Traffic per (direction, client, service) since `since`: exact counts (one `GROUP BY` over
    /// the `recorded_at` index), and latency percentiles from the most recent
    /// [`STATS_SAMPLE`] responses of the window (computed here: the engines' percentile
    /// functions differ). Callers keep the window short (the page uses 24 hours).
    pub async fn message_log_stats(&self, since: OffsetDateTime) -> Result<Vec<MessageLogStat>> {
        let since = micros(since);
        let counts: Vec<(String, String, String, i64, i64, i64)> = with_pool!(self, p => sqlx::query_as(
            "SELECT direction, client, service, \
             SUM(CASE WHEN kind = 'request' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN kind = 'response' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN kind = 'response' AND status >= 400 THEN 1 ELSE 0 END) \
             FROM exchange_message_log WHERE recorded_at >= $1 \
             GROUP BY direction, client, service ORDER BY direction, client, service",
        )
        .bind(since)
        .fetch_all(p)
        .await)?;
        let durations: Vec<(String, String, String, i64)> = with_pool!(self, p => sqlx::query_as(
            "SELECT direction, client, service, duration_us FROM exchange_message_log \
             WHERE recorded_at >= $1 AND kind = 'response' AND duration_us IS NOT NULL \
             ORDER BY seq DESC LIMIT $2",
        )
        .bind(since)
        .bind(STATS_SAMPLE)
        .fetch_all(p)
        .await)?;
        let mut by_key: HashMap<(String, String, String), Vec<i64>> = HashMap::new();
        for (d, c, s, us) in durations {
            by_key.entry((d, c, s)).or_default().push(us);
        }
        Ok(counts
            .into_iter()
            .map(
                |(direction, client, service, requests, responses, errors)| {
                    let mut sample = by_key
                        .remove(&(direction.clone(), client.clone(), service.clone()))
                        .unwrap_or_default();
                    sample.sort_unstable();
                    let unanswered = (requests - responses).max(0);
                    MessageLogStat {
                        p50_us: percentile(&sample, 50),
                        p99_us: percentile(&sample, 99),
                        sampled: i64::try_from(sample.len()).unwrap_or(i64::MAX),
                        direction,
                        client,
                        service,
                        requests,
                        responses,
                        error_responses: errors,
                        unanswered,
                        failures: errors + unanswered,
                    }
                },
            )
            .collect())
    }

    /// Walks the whole log in sequence order, in pages, and reports the first bad entry or
    /// checkpoint: a body that does not match its hash, an entry altered, missing, inserted or
    /// reordered, entries removed from the end (checked against the head row), a checkpoint
    /// whose hash is not the entry's at its sequence number, points past the end, names an
    /// unknown key, or whose signature does not verify.
    pub async fn verify_message_log(&self) -> Result<MessageLogVerification> {
        const PAGE: i64 = 10_000;
        let keys: HashMap<String, Option<VerifyingKey>> = self
            .log_keys()
            .await?
            .into_iter()
            .map(|k| {
                let key = exchange_proof::parse_public_key(&k.public_key).ok();
                (k.key_id, key)
            })
            .collect();
        let mut v = MessageLogVerification {
            entries: 0,
            checkpoints: 0,
            unsigned: 0,
            last_checkpoint: None,
            first_bad: None,
        };
        let mut expected_seq = 1i64;
        let mut prev = GENESIS_HASH.to_string();
        let sql = format!(
            "SELECT {COLUMNS} FROM exchange_message_log WHERE seq >= $1 ORDER BY seq LIMIT $2"
        );
        let mut hashes: HashMap<i64, String> = HashMap::new();
        loop {
            let page_start = expected_seq;
            let page: Vec<MessageLogEntry> = with_pool!(self, p => sqlx::query_as::<_, MessageLogEntry>(
                sqlx::AssertSqlSafe(sql.as_str()),
            )
            .bind(expected_seq)
            .bind(PAGE)
            .fetch_all(p)
            .await)?;
            let n = page.len();
            hashes.clear();
            for e in page {
                v.entries += 1;
                let bad = if e.seq != expected_seq {
                    Some((
                        expected_seq,
                        format!(
                            "bản ghi {expected_seq} bị mất (bản ghi kế tiếp là {})",
                            e.seq
                        ),
                    ))
                } else if e.prev_hash != prev {
                    Some((
                        e.seq,
                        format!(
                            "bản ghi {} không nối với bản ghi trước (prev_hash khác): thứ tự bị đảo hoặc có bản ghi bị chèn/xóa",
                            e.seq
                        ),
                    ))
                } else if exchange_proof::body_hash(e.body.as_bytes()) != e.body_hash {
                    Some((
                        e.seq,
                        format!(
                            "nội dung thông điệp ở bản ghi {} đã bị sửa (không khớp với mã băm nội dung)",
                            e.seq
                        ),
                    ))
                } else if e.compute_hash() != e.hash {
                    Some((
                        e.seq,
                        format!(
                            "bản ghi {} đã bị sửa (nội dung không khớp với mã băm)",
                            e.seq
                        ),
                    ))
                } else {
                    None
                };
                if bad.is_some() {
                    v.first_bad = bad;
                    return Ok(v);
                }
                hashes.insert(e.seq, e.hash.clone());
                prev = e.hash;
                expected_seq += 1;
            }
            // The checkpoints inside this page.
            let page_end = expected_seq - 1;
            if page_end >= page_start {
                for c in self.log_checkpoints(page_start, page_end).await? {
                    if let Some(bad) = check_checkpoint(&c, hashes.get(&c.up_to_seq), &keys) {
                        v.first_bad = Some(bad);
                        return Ok(v);
                    }
                    v.checkpoints += 1;
                    v.last_checkpoint = Some((c.up_to_seq, c.signed_at));
                }
            }
            if (n as i64) < PAGE {
                break;
            }
        }
        let last_checked = expected_seq - 1;
        let (last_seq, last_hash) = self.message_log_head().await?;
        if last_seq != last_checked {
            v.first_bad = Some((
                last_checked + 1,
                format!(
                    "chuỗi kết thúc ở bản ghi {last_checked} nhưng đã ghi {last_seq} bản ghi: \
                     các bản ghi sau {last_checked} đã bị xóa"
                ),
            ));
            return Ok(v);
        }
        if last_hash != prev {
            v.first_bad = Some((
                last_checked,
                format!("bản ghi cuối {last_checked} không khớp với đầu chuỗi đã ghi nhận"),
            ));
            return Ok(v);
        }
        // Checkpoints past the end of the chain (or before its start).
        let stray = self
            .log_checkpoints(i64::MIN, 0)
            .await?
            .into_iter()
            .chain(self.log_checkpoints(last_checked + 1, i64::MAX).await?);
        if let Some(c) = stray.into_iter().next() {
            v.first_bad = Some((
                c.up_to_seq,
                format!(
                    "điểm ký tại bản ghi {} trỏ tới bản ghi không có trong chuỗi (chuỗi có {last_checked} bản ghi)",
                    c.up_to_seq
                ),
            ));
            return Ok(v);
        }
        let signed = v.last_checkpoint.map_or(0, |c| c.0);
        v.unsigned = u64::try_from(last_checked - signed).unwrap_or(0);
        Ok(v)
    }
}

/// Checks one checkpoint against the entry hash at its sequence number and its key.
fn check_checkpoint(
    c: &LogCheckpoint,
    entry_hash: Option<&String>,
    keys: &HashMap<String, Option<VerifyingKey>>,
) -> Option<(i64, String)> {
    let seq = c.up_to_seq;
    if entry_hash != Some(&c.hash) {
        return Some((
            seq,
            format!(
                "điểm ký tại bản ghi {seq} không khớp với mã băm của bản ghi {seq}: điểm ký hoặc bản ghi đã bị sửa"
            ),
        ));
    }
    let key = match keys.get(&c.key_id) {
        Some(Some(k)) => k,
        Some(None) => {
            return Some((
                seq,
                format!(
                    "khóa công khai \u{201c}{}\u{201d} của điểm ký tại bản ghi {seq} không hợp lệ",
                    c.key_id
                ),
            ));
        }
        None => {
            return Some((
                seq,
                format!(
                    "điểm ký tại bản ghi {seq} được ký bằng khóa \u{201c}{}\u{201d} không có trong danh sách khóa",
                    c.key_id
                ),
            ));
        }
    };
    if c.to_core().verify(key).is_err() {
        return Some((
            seq,
            format!(
                "chữ ký số của điểm ký tại bản ghi {seq} không hợp lệ: điểm ký đã bị sửa hoặc giả mạo"
            ),
        ));
    }
    None
}

/// Nearest-rank percentile of a sorted sample.
fn percentile(sorted: &[i64], pct: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (pct * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), Some(50));
        assert_eq!(percentile(&v, 99), Some(99));
        assert_eq!(percentile(&[7], 99), Some(7));
        assert_eq!(percentile(&[1, 2], 50), Some(1));
        assert_eq!(percentile(&[], 50), None);
    }
}

//! The audit chain: append-only, hash-chained entries for every write and every read of
//! personal data.
//!
//! Entry `n` stores `hash_n = SHA-256(canonical JSON of entry n including prev_hash = hash_{n-1})`.
//! The head row `audit_head` holds the last sequence number and hash; it is locked by
//! `UPDATE … RETURNING` while an entry is appended, which serializes appends in commit order
//! (the same mechanism as the change log). Triggers refuse UPDATE and DELETE on `audit_log`
//! as a first line; the chain is what proves integrity: [`Store::verify_audit`] recomputes every
//! hash, checks each `prev_hash` link and the sequence numbers, and compares the end of the
//! chain with the head row, so an edited, deleted, inserted or reordered row is found and named.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Result, Store, Tx};

/// The hash that precedes the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Outcome of an audited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// An entry to append.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewAuditEntry {
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    pub actor_office: Option<String>,
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
    /// What was done, e.g. `auth.login`, `user.create`, `person.read`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub outcome: Option<Outcome>,
    /// Why it failed, or the reason given for the action.
    pub reason: Option<String>,
    /// The stated purpose of a read of personal data.
    pub purpose: Option<String>,
    /// Extra JSON (never secrets).
    pub details: Option<serde_json::Value>,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub seq: i64,
    pub at_micros: i64,
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    pub actor_office: Option<String>,
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub outcome: String,
    pub reason: Option<String>,
    pub purpose: Option<String>,
    pub details: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields covered by the hash, in a fixed order (serde_json writes struct fields in
/// declaration order, so this is the canonical form).
#[derive(Serialize)]
struct Canonical<'a> {
    v: u8,
    seq: i64,
    prev_hash: &'a str,
    at_micros: i64,
    actor_user_id: Option<i64>,
    actor_username: Option<&'a str>,
    actor_office: Option<&'a str>,
    source_ip: Option<&'a str>,
    request_id: Option<&'a str>,
    action: &'a str,
    target_type: Option<&'a str>,
    target_id: Option<&'a str>,
    outcome: &'a str,
    reason: Option<&'a str>,
    purpose: Option<&'a str>,
    details: Option<&'a str>,
}

impl AuditEntry {
    /// Recomputes this entry's hash from its fields.
    pub fn compute_hash(&self) -> String {
        let c = Canonical {
            v: 1,
            seq: self.seq,
            prev_hash: &self.prev_hash,
            at_micros: self.at_micros,
            actor_user_id: self.actor_user_id,
            actor_username: self.actor_username.as_deref(),
            actor_office: self.actor_office.as_deref(),
            source_ip: self.source_ip.as_deref(),
            request_id: self.request_id.as_deref(),
            action: &self.action,
            target_type: self.target_type.as_deref(),
            target_id: self.target_id.as_deref(),
            outcome: &self.outcome,
            reason: self.reason.as_deref(),
            purpose: self.purpose.as_deref(),
            details: self.details.as_deref(),
        };
        // Serializing a struct of strings and integers cannot fail.
        let bytes = serde_json::to_vec(&c).unwrap_or_default();
        hex::encode(Sha256::digest(&bytes))
    }
}

pub(crate) async fn append(tx: &mut Tx, e: &NewAuditEntry) -> Result<i64> {
    let at = crate::now_utc();
    let at_micros = i64::try_from(at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX);
    with_tx!(tx, conn => {
        let (seq, prev_hash): (i64, String) = sqlx::query_as(
            "UPDATE audit_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, last_hash",
        )
        .fetch_one(&mut *conn)
        .await?;
        let mut entry = AuditEntry {
            seq,
            at_micros,
            actor_user_id: e.actor_user_id,
            actor_username: e.actor_username.clone(),
            actor_office: e.actor_office.clone(),
            source_ip: e.source_ip.clone(),
            request_id: e.request_id.clone(),
            action: e.action.clone(),
            target_type: e.target_type.clone(),
            target_id: e.target_id.clone(),
            outcome: e.outcome.unwrap_or(Outcome::Success).as_str().to_string(),
            reason: e.reason.clone(),
            purpose: e.purpose.clone(),
            details: e.details.as_ref().map(|d| d.to_string()),
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        sqlx::query(
            "INSERT INTO audit_log (seq, at_micros, actor_user_id, actor_username, actor_office, \
             source_ip, request_id, action, target_type, target_id, outcome, reason, purpose, \
             details, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(entry.seq)
        .bind(entry.at_micros)
        .bind(entry.actor_user_id)
        .bind(&entry.actor_username)
        .bind(&entry.actor_office)
        .bind(&entry.source_ip)
        .bind(&entry.request_id)
        .bind(&entry.action)
        .bind(&entry.target_type)
        .bind(&entry.target_id)
        .bind(&entry.outcome)
        .bind(&entry.reason)
        .bind(&entry.purpose)
        .bind(&entry.details)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1")
            .bind(&entry.hash)
            .execute(&mut *conn)
            .await?;
        Ok(seq)
    })
}

/// Result of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    /// Entries checked.
    pub entries: u64,
    /// The first bad entry (sequence number it should have had or has) and what is wrong.
    pub first_bad: Option<(i64, String)>,
}

impl AuditVerification {
    pub fn is_intact(&self) -> bool {
        self.first_bad.is_none()
    }
}

/// Filter for listing audit entries (newest first, keyset-paginated by `before_seq`).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_user_id: Option<i64>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

const AUDIT_COLUMNS: &str = "seq, at_micros, actor_user_id, actor_username, actor_office, source_ip, \
     request_id, action, target_type, target_id, outcome, reason, purpose, details, prev_hash, hash";

/// Standalone audit appends waiting for the next group commit.
struct AuditJob {
    entries: Vec<NewAuditEntry>,
    done: tokio::sync::oneshot::Sender<Result<Vec<i64>>>,
}

/// The group commit of [`Store::audit`]: one task appends the entries of all callers waiting at
/// that moment in one transaction (one fsync for all of them), then answers each caller with its
/// sequence numbers. Started on first use; ends when the last clone of the store is dropped.
#[derive(Clone, Default)]
pub(crate) struct AuditQueue(
    std::sync::Arc<std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<AuditJob>>>,
);

/// Most entries in one group commit.
const GROUP_COMMIT_ENTRIES: usize = 512;

impl Store {
    /// Appends audit entries (for reads of personal data and for failed attempts that change
    /// nothing else); returns once they are committed. Concurrent callers share a transaction
    /// (group commit): under load, one fsync serves many requests instead of one each.
    pub async fn audit(&self, entries: &[NewAuditEntry]) -> Result<Vec<i64>> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let queue = self.audits.0.get_or_init(|| {
            let (sender, jobs) = tokio::sync::mpsc::unbounded_channel();
            // The writer's store has a queue of its own: it does not keep this one alive.
            let writer = Store {
                inner: self.inner.clone(),
                description: self.description.clone(),
                audits: AuditQueue::default(),
                changed: self.changed.clone(),
            };
            tokio::spawn(writer.audit_group_commits(jobs));
            sender
        });
        let (done, answer) = tokio::sync::oneshot::channel();
        let job = AuditJob {
            entries: entries.to_vec(),
            done,
        };
        if queue.send(job).is_err() {
            return self.audit_now(entries).await;
        }
        match answer.await {
            Ok(r) => r,
            // The writer task is gone (runtime shutting down): append directly.
            Err(_) => self.audit_now(entries).await,
        }
    }

    /// Appends audit entries in a transaction of their own.
    async fn audit_now(&self, entries: &[NewAuditEntry]) -> Result<Vec<i64>> {
        let tx = self.begin().await?;
        Ok(tx.commit_with(entries, &[]).await?.audit_seqs)
    }

    async fn audit_group_commits(self, mut jobs: tokio::sync::mpsc::UnboundedReceiver<AuditJob>) {
        while let Some(first) = jobs.recv().await {
            let mut n = first.entries.len();
            let mut group = vec![first];
            while n < GROUP_COMMIT_ENTRIES {
                match jobs.try_recv() {
                    Ok(job) => {
                        n += job.entries.len();
                        group.push(job);
                    }
                    Err(_) => break,
                }
            }
            let all: Vec<NewAuditEntry> = group
                .iter()
                .flat_map(|j| j.entries.iter().cloned())
                .collect();
            match self.audit_now(&all).await {
                Ok(seqs) if seqs.len() == all.len() => {
                    let mut at = 0;
                    for job in group {
                        let k = job.entries.len();
                        let _ = job.done.send(Ok(seqs[at..at + k].to_vec()));
                        at += k;
                    }
                }
                // The group failed as a whole: each caller gets the outcome of its own entries.
                _ => {
                    for job in group {
                        let r = self.audit_now(&job.entries).await;
                        let _ = job.done.send(r);
                    }
                }
            }
        }
    }

    /// Walks the whole chain in sequence order, in pages, and reports the first bad entry.
    pub async fn verify_audit(&self) -> Result<AuditVerification> {
        const PAGE: i64 = 10_000;
        let mut expected_seq = 1i64;
        let mut prev = GENESIS_HASH.to_string();
        let mut entries = 0u64;
        let sql =
            format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2");
        loop {
            let page: Vec<AuditEntry> = with_pool!(self, p => sqlx::query_as::<_, AuditEntry>(
                sqlx::AssertSqlSafe(sql.as_str()),
            )
            .bind(expected_seq)
            .bind(PAGE)
            .fetch_all(p)
            .await)?;
            let n = page.len();
            for e in page {
                entries += 1;
                if e.seq != expected_seq {
                    return Ok(AuditVerification {
                        entries,
                        first_bad: Some((
                            expected_seq,
                            format!(
                                "bản ghi {expected_seq} bị mất (bản ghi kế tiếp là {})",
                                e.seq
                            ),
                        )),
                    });
                }
                if e.prev_hash != prev {
                    return Ok(AuditVerification {
                        entries,
                        first_bad: Some((
                            e.seq,
                            format!(
                                "bản ghi {} không nối với bản ghi trước (prev_hash khác): thứ tự bị đảo hoặc có bản ghi bị chèn/xóa",
                                e.seq
                            ),
                        )),
                    });
                }
                if e.compute_hash() != e.hash {
                    return Ok(AuditVerification {
                        entries,
                        first_bad: Some((
                            e.seq,
                            format!(
                                "bản ghi {} đã bị sửa (nội dung không khớp với mã băm)",
                                e.seq
                            ),
                        )),
                    });
                }
                prev = e.hash;
                expected_seq += 1;
            }
            if (n as i64) < PAGE {
                break;
            }
        }
        let (last_seq, last_hash): (i64, String) = with_pool!(self, p => sqlx::query_as(
            "SELECT last_seq, last_hash FROM audit_head WHERE id = 1"
        )
        .fetch_one(p)
        .await)?;
        let last_checked = expected_seq - 1;
        if last_seq != last_checked {
            return Ok(AuditVerification {
                entries,
                first_bad: Some((
                    last_checked + 1,
                    format!(
                        "chuỗi kết thúc ở bản ghi {last_checked} nhưng đã ghi {last_seq} bản ghi: \
                         các bản ghi sau {last_checked} đã bị xóa"
                    ),
                )),
            });
        }
        if last_hash != prev {
            return Ok(AuditVerification {
                entries,
                first_bad: Some((
                    last_checked,
                    format!("bản ghi cuối {last_checked} không khớp với đầu chuỗi đã ghi nhận"),
                )),
            });
        }
        Ok(AuditVerification {
            entries,
            first_bad: None,
        })
    }

    /// Lists entries, newest first.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let limit = f.limit.clamp(1, 500);
        // Only the conditions given, as plain equalities: each engine then reads the matching
        // index (`audit_log_actor`, `audit_log_target`, or the sequence) backwards and stops
        // after `limit` rows; the `$n IS NULL OR …` form scanned the whole log on SQLite.
        let rows = with_pool!(self, p => {
            let mut q = sqlx::QueryBuilder::new(format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq < "
            ));
            q.push_bind(f.before_seq.unwrap_or(i64::MAX));
            if let Some(a) = f.actor_user_id {
                q.push(" AND actor_user_id = ").push_bind(a);
            }
            if let Some(t) = f.target_type.as_deref() {
                q.push(" AND target_type = ").push_bind(t.to_string());
            }
            if let Some(i) = f.target_id.as_deref() {
                q.push(" AND target_id = ").push_bind(i.to_string());
            }
            q.push(" ORDER BY seq DESC LIMIT ").push_bind(limit);
            q.build_query_as::<AuditEntry>().fetch_all(p).await
        })?;
        Ok(rows)
    }

    /// The entries about one target, newest first, older than `before_seq` when given (keyset
    /// pages). Plain equality on both columns, so that both engines read one range of the index
    /// `audit_log_target (target_type, target_id, seq)` backwards and stop after `limit` rows
    /// (the `$n IS NULL OR …` form of [`Store::audit_entries`] may not use it).
    pub async fn audit_entries_of_target(
        &self,
        target_type: &str,
        target_id: &str,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let limit = limit.clamp(1, 1000);
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log \
             WHERE target_type = $1 AND target_id = $2 AND seq < $3 \
             ORDER BY seq DESC LIMIT $4"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, AuditEntry>(
            sqlx::AssertSqlSafe(sql.as_str()),
        )
        .bind(target_type)
        .bind(target_id)
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }
}

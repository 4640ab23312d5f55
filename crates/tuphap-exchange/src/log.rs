//! Signing of the exchange message log, proofs of single messages, and verification of the whole
//! log. The log itself (hash chain, appends inside the caller's transaction, checkpoints table,
//! verification walk) is `tuphap_store::exchange_log`; the hash and proof format are
//! `tuphap_core::exchange_proof`.
//!
//! The checkpoint key is generated at first use into `<data-dir>/keys/exchange-log-<key_id>.key`
//! (hex seed, mode 0600, never leaves the server) and its public half is published in
//! `exchange_log_keys`. Signing is batched: [`LogSigner::sign_pending`] signs the head once,
//! covering every entry since the last checkpoint; [`LogSigner::run`] does so periodically.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ed25519_dalek::SigningKey;
use tuphap_core::error::Coded;
use tuphap_core::exchange_proof::{
    self, Checkpoint, PROOF_FORMAT, Proof, ProofEntry, ProofRow, key_fingerprint,
};
use tuphap_domain::certificates::{read_key, write_private};
use tuphap_store::exchange_log::MessageLogVerification;
use tuphap_store::{Store, StoreError};

/// Errors of signing and exporting.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("key file {path}: {error}")]
    KeyFile {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("no entry of message {0:?}")]
    UnknownMessage(String),
    #[error("message {0:?} is not covered by a checkpoint yet")]
    NotYetSigned(String),
    #[error("checkpoint key {0:?} is not published")]
    UnknownKey(String),
    #[error("the log's head does not match its last entry")]
    HeadMismatch,
}

impl Coded for LogError {
    fn code(&self) -> &'static str {
        match self {
            LogError::Store(_) => "internal_error",
            LogError::KeyFile { .. } => "exchange_log_key_file",
            LogError::UnknownMessage(_) => "exchange_message_not_found",
            LogError::NotYetSigned(_) => "exchange_message_not_signed",
            LogError::UnknownKey(_) => "exchange_log_unknown_key",
            LogError::HeadMismatch => "exchange_log_head_mismatch",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            LogError::Store(e) => format!("Lỗi cơ sở dữ liệu: {e}"),
            LogError::KeyFile { path, error } => format!(
                "Không đọc/ghi được tệp khóa ký nhật ký thông điệp {}: {error}",
                path.display()
            ),
            LogError::UnknownMessage(id) => {
                format!("Không có thông điệp nào mang mã {id} trong nhật ký.")
            }
            LogError::NotYetSigned(id) => format!(
                "Thông điệp {id} chưa được điểm ký nào bao phủ; hãy ký các bản ghi đang chờ trước."
            ),
            LogError::UnknownKey(k) => {
                format!("Khóa ký \u{201c}{k}\u{201d} không có trong danh sách khóa công khai.")
            }
            LogError::HeadMismatch => "Đầu chuỗi nhật ký thông điệp không khớp với bản ghi cuối: \
                 không ký; hãy chạy `tuphap exchange verify`."
                .to_string(),
        }
    }
}

pub type Result<T, E = LogError> = std::result::Result<T, E>;

/// The path of a checkpoint key's private half.
pub fn key_path(keys_dir: &Path, key_id: &str) -> PathBuf {
    keys_dir.join(format!("exchange-log-{key_id}.key"))
}

/// Signs checkpoints of the message log with this node's key.
#[derive(Clone)]
pub struct LogSigner {
    key_id: String,
    key: SigningKey,
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogSigner")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl LogSigner {
    /// The newest published, unretired key whose private half is in `keys_dir`; else a new key,
    /// written to `keys_dir` (mode 0600) and published.
    pub async fn load_or_create(store: &Store, keys_dir: &Path) -> Result<LogSigner> {
        for k in store.log_keys().await? {
            if k.retired_at.is_some() {
                continue;
            }
            if let Some(key) = read_key(&key_path(keys_dir, &k.key_id))
                && hex::encode(key.verifying_key().to_bytes()) == k.public_key
            {
                return Ok(LogSigner {
                    key_id: k.key_id,
                    key,
                });
            }
        }
        std::fs::create_dir_all(keys_dir).map_err(|error| LogError::KeyFile {
            path: keys_dir.to_path_buf(),
            error,
        })?;
        let seed: [u8; 32] = rand::random();
        let key = SigningKey::from_bytes(&seed);
        let now = tuphap_store::now_utc();
        let key_id = format!(
            "{:04}{:02}{:02}-{}",
            now.year(),
            u8::from(now.month()),
            now.day(),
            hex::encode(rand::random::<[u8; 3]>())
        );
        let path = key_path(keys_dir, &key_id);
        write_private(&path, &hex::encode(seed))
            .map_err(|error| LogError::KeyFile { path, error })?;
        store
            .insert_log_key(&key_id, &hex::encode(key.verifying_key().to_bytes()), now)
            .await?;
        tracing::info!(%key_id, "exchange message-log signing key created");
        Ok(LogSigner { key_id, key })
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half, 64 hex digits.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    /// `SHA256:…` of the public key.
    pub fn fingerprint(&self) -> String {
        key_fingerprint(&self.key.verifying_key())
    }

    /// Signs one checkpoint over the current head when entries are unsigned (one signature for
    /// all of them). Returns the checkpoint's sequence number, `None` when there was nothing to
    /// sign (or another signer signed the same head first).
    pub async fn sign_pending(&self, store: &Store) -> Result<Option<i64>> {
        let status = store.message_log_status().await?;
        if status.unsigned == 0 || status.entries == 0 {
            return Ok(None);
        }
        // The head is the last committed entry's hash; refuse to sign a head the log does not
        // end with.
        let last = store
            .message_log_range(status.entries, status.entries)
            .await?;
        if last.first().map(|e| e.hash.as_str()) != Some(status.head_hash.as_str()) {
            return Err(LogError::HeadMismatch);
        }
        let now = tuphap_store::exchange::micros(tuphap_store::now_utc());
        let c = Checkpoint::sign(
            status.entries,
            &status.head_hash,
            &self.key_id,
            now,
            &self.key,
        );
        Ok(store
            .insert_log_checkpoint(&c)
            .await?
            .then_some(status.entries))
    }

    /// Signs pending entries every `every` until `shutdown` resolves, then once more.
    pub async fn run(&self, store: Store, every: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.sign_pending(&store).await {
                tracing::error!(error = %e, "exchange message-log signing failed");
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(every) => {}
            }
        }
        if let Err(e) = self.sign_pending(&store).await {
            tracing::error!(error = %e, "exchange message-log signing failed");
        }
    }
}

/// The proof of one message: its entries (every attempt, requests and responses, with bodies),
/// the chain from its first entry to the first checkpoint at or after its last entry (other
/// messages' entries as content digests only), the checkpoint and its public key. Fails with
/// [`LogError::NotYetSigned`] when no checkpoint covers the message yet.
pub async fn export_proof(store: &Store, message_id: &str) -> Result<Proof> {
    let own = store.message_log_of(message_id).await?;
    let (Some(first), Some(last)) = (own.first(), own.last()) else {
        return Err(LogError::UnknownMessage(message_id.to_string()));
    };
    let checkpoint = store
        .log_checkpoint_covering(last.seq)
        .await?
        .ok_or_else(|| LogError::NotYetSigned(message_id.to_string()))?;
    let public_key = store
        .log_keys()
        .await?
        .into_iter()
        .find(|k| k.key_id == checkpoint.key_id)
        .ok_or_else(|| LogError::UnknownKey(checkpoint.key_id.clone()))?
        .public_key;
    let rows = store
        .message_log_range(first.seq, checkpoint.up_to_seq)
        .await?
        .into_iter()
        .map(|e| {
            if e.message_id == message_id {
                ProofRow {
                    seq: e.seq,
                    entry: Some(ProofEntry {
                        recorded_at: e.recorded_at,
                        direction: e.direction,
                        kind: e.kind,
                        message_id: e.message_id,
                        client: e.client,
                        service: e.service,
                        status: e.status,
                        duration_us: e.duration_us,
                        body_hash: e.body_hash,
                        body: Some(e.body),
                    }),
                    content_digest: None,
                    hash: e.hash,
                }
            } else {
                ProofRow {
                    seq: e.seq,
                    entry: None,
                    content_digest: Some(e.fields().content_digest()),
                    hash: e.hash,
                }
            }
        })
        .collect();
    Ok(Proof {
        format: PROOF_FORMAT.to_string(),
        message_id: message_id.to_string(),
        start_prev_hash: first.prev_hash.clone(),
        rows,
        checkpoint: checkpoint.to_core(),
        public_key,
    })
}

/// Verifies the whole log: the chain and every checkpoint's signature.
pub async fn verify_log(store: &Store) -> Result<MessageLogVerification> {
    Ok(store.verify_message_log().await?)
}

/// Re-exported for callers that verify proofs (offline, no store).
pub use exchange_proof::verify_proof;

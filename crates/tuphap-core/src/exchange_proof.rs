//! The exchange platform's signed message log, as pure functions: how an entry is hashed, how a
//! checkpoint is signed, and the proof of one message that anyone can verify offline, without
//! the database.
//!
//! **Entry hash.** Entry `n` of the log is hashed in two steps, so that a proof can show another
//! message's entry without its content:
//!
//! 1. `content_digest = hex(SHA-256(canonical JSON of the entry's fields))`, the fields in this
//!    fixed order: `{"v":1,"recorded_at","direction","kind","message_id","client","service",
//!    "status","duration_us","body_hash"}` (serde_json writes struct fields in declaration order;
//!    `null` for an absent status or duration). The body itself is covered through `body_hash`
//!    (`base64(SHA-512(body))`, X-Road's `X-Road-Request-Hash`), which the verifier recomputes
//!    from the stored body.
//! 2. `hash = hex(SHA-256("tuphap-exchange-log/1\n" + seq + "\n" + prev_hash + "\n" +
//!    content_digest))`, where `prev_hash` is the previous entry's hash ([`GENESIS_HASH`] for
//!    the first).
//!
//! So every column except `hash` is covered (seq and prev_hash directly, the rest through the
//! digest, the body through its hash).
//!
//! **Checkpoint.** The log's head is signed in batches: a checkpoint is an Ed25519 signature over
//! the text `tuphap-exchange-log-checkpoint/1|<up_to_seq>|<hash at up_to_seq>|<key_id>|
//! <signed_at (unix µs)>` ([`checkpoint_text`]). One signature covers every entry up to it.
//!
//! **Proof.** A [`Proof`] carries the message's own entries in full (with their bodies), every
//! other entry between the message's first entry and the first checkpoint at or after its last
//! entry as `seq` + `content_digest` only (no other person's data), the checkpoint and the
//! public key. [`verify_proof`] recomputes the chain up to the checkpoint and checks the
//! signature. It proves integrity against the key carried in the proof: the verifier compares
//! [`ProofSummary::key_fingerprint`] with the published key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

use crate::error::Coded;

/// The hash that precedes the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The format tag of a proof file.
pub const PROOF_FORMAT: &str = "tuphap-exchange-proof/1";

/// The domain-separation prefix of the signed checkpoint text.
pub const CHECKPOINT_PREFIX: &str = "tuphap-exchange-log-checkpoint/1";

/// `base64(SHA-512(body))`: the body hash stored with each entry, the same value as X-Road's
/// `X-Road-Request-Hash` of that body.
pub fn body_hash(body: &[u8]) -> String {
    STANDARD.encode(Sha512::digest(body))
}

/// The hashed fields of one entry (everything except seq, prev_hash, hash and the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryFields<'a> {
    /// Unix microseconds.
    pub recorded_at: i64,
    /// `out` (tuphap calls a partner) or `in` (a partner calls tuphap).
    pub direction: &'a str,
    /// `request` or `response`.
    pub kind: &'a str,
    /// The X-Road-Id.
    pub message_id: &'a str,
    /// The X-Road client id `INSTANCE/CLASS/MEMBER/SUBSYSTEM`.
    pub client: &'a str,
    /// The full service id, e.g. `VN/GOV/BCA/CSDLQGDC/assignPersonalId`.
    pub service: &'a str,
    /// HTTP status of a response.
    pub status: Option<i32>,
    /// For a response, microseconds since its request.
    pub duration_us: Option<i64>,
    /// [`body_hash`] of the body.
    pub body_hash: &'a str,
}

#[derive(Serialize)]
struct Canonical<'a> {
    v: u8,
    recorded_at: i64,
    direction: &'a str,
    kind: &'a str,
    message_id: &'a str,
    client: &'a str,
    service: &'a str,
    status: Option<i32>,
    duration_us: Option<i64>,
    body_hash: &'a str,
}

impl EntryFields<'_> {
    /// `hex(SHA-256(canonical JSON of the fields))`.
    pub fn content_digest(&self) -> String {
        let c = Canonical {
            v: 1,
            recorded_at: self.recorded_at,
            direction: self.direction,
            kind: self.kind,
            message_id: self.message_id,
            client: self.client,
            service: self.service,
            status: self.status,
            duration_us: self.duration_us,
            body_hash: self.body_hash,
        };
        // Serializing a struct of strings and integers cannot fail.
        let bytes = serde_json::to_vec(&c).unwrap_or_default();
        hex::encode(Sha256::digest(&bytes))
    }
}

/// The chained hash of entry `seq` from the previous entry's hash and its content digest.
pub fn entry_hash(seq: i64, prev_hash: &str, content_digest: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"tuphap-exchange-log/1\n");
    h.update(seq.to_string().as_bytes());
    h.update(b"\n");
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(content_digest.as_bytes());
    hex::encode(h.finalize())
}

/// The text a checkpoint signs.
pub fn checkpoint_text(up_to_seq: i64, hash: &str, key_id: &str, signed_at: i64) -> String {
    format!("{CHECKPOINT_PREFIX}|{up_to_seq}|{hash}|{key_id}|{signed_at}")
}

/// A signed checkpoint: the log's hash at `up_to_seq`, signed with key `key_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub up_to_seq: i64,
    /// The entry hash at `up_to_seq`.
    pub hash: String,
    pub key_id: String,
    /// Unix microseconds.
    pub signed_at: i64,
    /// Base64 of the 64-byte Ed25519 signature over [`checkpoint_text`].
    pub signature: String,
}

impl Checkpoint {
    /// Signs the log's hash at `up_to_seq`.
    pub fn sign(
        up_to_seq: i64,
        hash: &str,
        key_id: &str,
        signed_at: i64,
        key: &SigningKey,
    ) -> Checkpoint {
        let text = checkpoint_text(up_to_seq, hash, key_id, signed_at);
        Checkpoint {
            up_to_seq,
            hash: hash.to_string(),
            key_id: key_id.to_string(),
            signed_at,
            signature: STANDARD.encode(key.sign(text.as_bytes()).to_bytes()),
        }
    }

    /// Checks the signature with `key`.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), ProofError> {
        let bytes = STANDARD
            .decode(self.signature.trim())
            .map_err(|_| ProofError::BadSignature)?;
        let bytes: [u8; 64] = bytes.try_into().map_err(|_| ProofError::BadSignature)?;
        let sig = Signature::from_bytes(&bytes);
        let text = checkpoint_text(self.up_to_seq, &self.hash, &self.key_id, self.signed_at);
        key.verify(text.as_bytes(), &sig)
            .map_err(|_| ProofError::BadSignature)
    }
}

/// Parses a public key written as 64 hex digits.
pub fn parse_public_key(hex_text: &str) -> Result<VerifyingKey, ProofError> {
    let bytes = hex::decode(hex_text.trim()).map_err(|_| ProofError::BadPublicKey)?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| ProofError::BadPublicKey)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| ProofError::BadPublicKey)
}

/// The key's fingerprint: `SHA256:` and the hex SHA-256 of the 32 public-key bytes, in groups of
/// four, for a person to compare with the published one.
pub fn key_fingerprint(key: &VerifyingKey) -> String {
    let h = hex::encode(Sha256::digest(key.to_bytes()));
    let groups: Vec<&str> = (0..h.len())
        .step_by(4)
        .map(|i| &h[i..(i + 4).min(h.len())])
        .collect();
    format!("SHA256:{}", groups.join(":"))
}

/// One of the message's own entries in a proof, in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofEntry {
    pub recorded_at: i64,
    pub direction: String,
    pub kind: String,
    pub message_id: String,
    pub client: String,
    pub service: String,
    pub status: Option<i32>,
    pub duration_us: Option<i64>,
    pub body_hash: String,
    /// The body; when present it must hash to `body_hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl ProofEntry {
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
}

/// One link of the chain in a proof: the message's entry in full, or another entry as its
/// content digest only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofRow {
    pub seq: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<ProofEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_digest: Option<String>,
    /// The entry hash as stored (recomputed and compared by the verifier).
    pub hash: String,
}

/// The proof of one message: see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    /// [`PROOF_FORMAT`].
    pub format: String,
    pub message_id: String,
    /// The hash preceding the first row.
    pub start_prev_hash: String,
    /// Consecutive entries, from the message's first entry to the checkpoint's.
    pub rows: Vec<ProofRow>,
    pub checkpoint: Checkpoint,
    /// The checkpoint key's public half, 64 hex digits.
    pub public_key: String,
}

/// One of the message's entries, as [`verify_proof`] reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvenEntry {
    pub seq: i64,
    pub recorded_at: i64,
    pub direction: String,
    pub kind: String,
    pub client: String,
    pub service: String,
    pub status: Option<i32>,
    pub duration_us: Option<i64>,
    pub body_hash: String,
    pub has_body: bool,
}

/// What a valid proof proves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofSummary {
    pub message_id: String,
    pub entries: Vec<ProvenEntry>,
    /// Entries chained from the message's first entry to the checkpoint.
    pub rows_chained: usize,
    pub checkpoint_seq: i64,
    pub signed_at: i64,
    pub key_id: String,
    /// [`key_fingerprint`] of the key in the proof.
    pub key_fingerprint: String,
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("unsupported proof format {0:?}")]
    UnsupportedFormat(String),
    #[error("the proof holds no entry of message {0:?}")]
    NoEntry(String),
    #[error("row {seq} is malformed")]
    MalformedRow { seq: i64 },
    #[error("row {seq} belongs to another message")]
    ForeignEntry { seq: i64 },
    #[error("rows are not consecutive at {seq}")]
    NotConsecutive { seq: i64 },
    #[error("the body of entry {seq} does not match its hash")]
    BodyMismatch { seq: i64 },
    #[error("entry {seq} was altered")]
    RowAltered { seq: i64 },
    #[error("the chain ends at {last} but the checkpoint is at {checkpoint}")]
    CheckpointNotReached { last: i64, checkpoint: i64 },
    #[error("the chain does not lead to the checkpoint's hash")]
    CheckpointMismatch,
    #[error("the public key is malformed")]
    BadPublicKey,
    #[error("the checkpoint signature does not verify")]
    BadSignature,
}

impl Coded for ProofError {
    fn code(&self) -> &'static str {
        match self {
            ProofError::UnsupportedFormat(_) => "proof_unsupported_format",
            ProofError::NoEntry(_) => "proof_no_entry",
            ProofError::MalformedRow { .. } => "proof_malformed_row",
            ProofError::ForeignEntry { .. } => "proof_foreign_entry",
            ProofError::NotConsecutive { .. } => "proof_not_consecutive",
            ProofError::BodyMismatch { .. } => "proof_body_mismatch",
            ProofError::RowAltered { .. } => "proof_row_altered",
            ProofError::CheckpointNotReached { .. } => "proof_checkpoint_not_reached",
            ProofError::CheckpointMismatch => "proof_checkpoint_mismatch",
            ProofError::BadPublicKey => "proof_bad_public_key",
            ProofError::BadSignature => "proof_bad_signature",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            ProofError::UnsupportedFormat(f) => format!(
                "Tệp chứng minh có định dạng \u{201c}{f}\u{201d}, không phải \u{201c}{PROOF_FORMAT}\u{201d}."
            ),
            ProofError::NoEntry(id) => {
                format!("Tệp chứng minh không chứa bản ghi nào của thông điệp {id}.")
            }
            ProofError::MalformedRow { seq } => format!(
                "Bản ghi {seq} trong tệp chứng minh sai cấu trúc (phải có đúng một trong hai: nội dung hoặc mã tóm tắt)."
            ),
            ProofError::ForeignEntry { seq } => format!(
                "Bản ghi {seq} trong tệp chứng minh thuộc một thông điệp khác nhưng lại mang đầy đủ nội dung."
            ),
            ProofError::NotConsecutive { seq } => format!(
                "Các bản ghi trong tệp chứng minh không liên tiếp (tại bản ghi {seq}): chuỗi bị cắt hoặc bị chèn."
            ),
            ProofError::BodyMismatch { seq } => format!(
                "Nội dung thông điệp ở bản ghi {seq} không khớp với mã băm đã ghi: nội dung đã bị sửa."
            ),
            ProofError::RowAltered { seq } => format!(
                "Bản ghi {seq} không khớp với mã băm của chuỗi: bản ghi đã bị sửa."
            ),
            ProofError::CheckpointNotReached { last, checkpoint } => format!(
                "Chuỗi trong tệp chứng minh dừng ở bản ghi {last}, chưa tới điểm ký tại bản ghi {checkpoint}."
            ),
            ProofError::CheckpointMismatch => {
                "Chuỗi bản ghi không dẫn tới mã băm đã được ký: tệp chứng minh đã bị sửa.".to_string()
            }
            ProofError::BadPublicKey => "Khóa công khai trong tệp chứng minh không hợp lệ.".to_string(),
            ProofError::BadSignature => {
                "Chữ ký số của điểm ký không hợp lệ với khóa công khai trong tệp: tệp chứng minh đã bị sửa hoặc giả mạo."
                    .to_string()
            }
        }
    }
}

/// Verifies a proof offline: the message's bodies against their hashes, the chain from the
/// message's first entry to the checkpoint, and the checkpoint's signature with the key in the
/// proof. Never panics, whatever the input.
pub fn verify_proof(p: &Proof) -> Result<ProofSummary, ProofError> {
    if p.format != PROOF_FORMAT {
        return Err(ProofError::UnsupportedFormat(p.format.clone()));
    }
    let mut prev = p.start_prev_hash.clone();
    let mut expected_seq: Option<i64> = None;
    let mut entries = Vec::new();
    for row in &p.rows {
        if let Some(e) = expected_seq
            && row.seq != e
        {
            return Err(ProofError::NotConsecutive { seq: e });
        }
        let digest = match (&row.entry, &row.content_digest) {
            (Some(entry), None) => {
                if entry.message_id != p.message_id {
                    return Err(ProofError::ForeignEntry { seq: row.seq });
                }
                if let Some(body) = &entry.body
                    && body_hash(body.as_bytes()) != entry.body_hash
                {
                    return Err(ProofError::BodyMismatch { seq: row.seq });
                }
                entries.push(ProvenEntry {
                    seq: row.seq,
                    recorded_at: entry.recorded_at,
                    direction: entry.direction.clone(),
                    kind: entry.kind.clone(),
                    client: entry.client.clone(),
                    service: entry.service.clone(),
                    status: entry.status,
                    duration_us: entry.duration_us,
                    body_hash: entry.body_hash.clone(),
                    has_body: entry.body.is_some(),
                });
                entry.fields().content_digest()
            }
            (None, Some(d)) => d.clone(),
            _ => return Err(ProofError::MalformedRow { seq: row.seq }),
        };
        let hash = entry_hash(row.seq, &prev, &digest);
        if hash != row.hash {
            return Err(ProofError::RowAltered { seq: row.seq });
        }
        prev = hash;
        expected_seq = Some(row.seq.saturating_add(1));
    }
    if entries.is_empty() {
        return Err(ProofError::NoEntry(p.message_id.clone()));
    }
    let last = expected_seq.map(|s| s - 1).unwrap_or(0);
    if last != p.checkpoint.up_to_seq {
        return Err(ProofError::CheckpointNotReached {
            last,
            checkpoint: p.checkpoint.up_to_seq,
        });
    }
    if prev != p.checkpoint.hash {
        return Err(ProofError::CheckpointMismatch);
    }
    let key = parse_public_key(&p.public_key)?;
    p.checkpoint.verify(&key)?;
    Ok(ProofSummary {
        message_id: p.message_id.clone(),
        entries,
        rows_chained: p.rows.len(),
        checkpoint_seq: p.checkpoint.up_to_seq,
        signed_at: p.checkpoint.signed_at,
        key_id: p.checkpoint.key_id.clone(),
        key_fingerprint: key_fingerprint(&key),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn entry(message_id: &str, kind: &str, body: &str, t: i64) -> ProofEntry {
        ProofEntry {
            recorded_at: t,
            direction: "out".into(),
            kind: kind.into(),
            message_id: message_id.into(),
            client: "VN/GOV/BTP/TUPHAP".into(),
            service: "VN/GOV/BCA/CSDLQGDC/assignPersonalId".into(),
            status: (kind == "response").then_some(200),
            duration_us: (kind == "response").then_some(1500),
            body_hash: body_hash(body.as_bytes()),
            body: Some(body.into()),
        }
    }

    /// A log of five entries (message `m-2` at seq 2 and 4, others around), signed at 5, and
    /// the proof of `m-2`.
    fn proof_of_m2(key: &SigningKey) -> Proof {
        let all = [
            entry("m-1", "request", "{\"a\":1}", 10),
            entry("m-2", "request", "{\"full_name\":\"Nguyễn Văn A\"}", 11),
            entry("m-1", "response", "{\"ok\":true}", 12),
            entry("m-2", "response", "{\"personal_id\":\"001226000001\"}", 13),
            entry("m-3", "request", "{\"b\":2}", 14),
        ];
        let mut prev = GENESIS_HASH.to_string();
        let mut rows = Vec::new();
        let mut start_prev = String::new();
        for (i, e) in all.iter().enumerate() {
            let seq = i as i64 + 1;
            let digest = e.fields().content_digest();
            let hash = entry_hash(seq, &prev, &digest);
            if seq == 2 {
                start_prev = prev.clone();
            }
            if seq >= 2 {
                let mine = e.message_id == "m-2";
                rows.push(ProofRow {
                    seq,
                    entry: mine.then(|| e.clone()),
                    content_digest: (!mine).then(|| digest.clone()),
                    hash: hash.clone(),
                });
            }
            prev = hash;
        }
        Proof {
            format: PROOF_FORMAT.into(),
            message_id: "m-2".into(),
            start_prev_hash: start_prev,
            rows,
            checkpoint: Checkpoint::sign(5, &prev, "20261127-abcdef", 1_800_000_000_000_000, key),
            public_key: hex::encode(key.verifying_key().to_bytes()),
        }
    }

    #[test]
    fn a_valid_proof_verifies_and_names_the_key() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let p = proof_of_m2(&key);
        // Through JSON, as a file would carry it.
        let p: Proof = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        let s = verify_proof(&p).unwrap();
        assert_eq!(s.message_id, "m-2");
        assert_eq!(
            s.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![2, 4]
        );
        assert_eq!(s.rows_chained, 4);
        assert_eq!(s.checkpoint_seq, 5);
        assert_eq!(s.key_fingerprint, key_fingerprint(&key.verifying_key()));
        assert!(s.key_fingerprint.starts_with("SHA256:"));
        // Other messages appear as digests only.
        let json = serde_json::to_string(&p).unwrap();
        assert!(!json.contains("\"b\":2") && !json.contains("ok\\\":true"));
    }

    #[test]
    fn a_tampered_row_is_named() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let mut p = proof_of_m2(&key);
        p.rows[2].entry.as_mut().unwrap().status = Some(500);
        assert_eq!(
            verify_proof(&p).unwrap_err(),
            ProofError::RowAltered { seq: 4 }
        );
        let mut p = proof_of_m2(&key);
        p.rows[0].entry.as_mut().unwrap().body = Some("{\"full_name\":\"Trần Thị B\"}".into());
        let e = verify_proof(&p).unwrap_err();
        assert_eq!(e, ProofError::BodyMismatch { seq: 2 });
        assert_eq!(e.code(), "proof_body_mismatch");
        assert!(e.message_vi().contains("bản ghi 2"));
        // A rewritten body with a matching body hash still breaks the chain.
        let mut p = proof_of_m2(&key);
        let e0 = p.rows[0].entry.as_mut().unwrap();
        e0.body = Some("{}".into());
        e0.body_hash = body_hash(b"{}");
        assert_eq!(
            verify_proof(&p).unwrap_err(),
            ProofError::RowAltered { seq: 2 }
        );
        // A dropped link.
        let mut p = proof_of_m2(&key);
        p.rows.remove(1);
        assert_eq!(
            verify_proof(&p).unwrap_err(),
            ProofError::NotConsecutive { seq: 3 }
        );
        // Another message's content slipped in as if it were the message's.
        let mut p = proof_of_m2(&key);
        p.rows[1].content_digest = None;
        p.rows[1].entry = Some(entry("m-1", "response", "{\"ok\":true}", 12));
        assert_eq!(
            verify_proof(&p).unwrap_err(),
            ProofError::ForeignEntry { seq: 3 }
        );
    }

    #[test]
    fn a_tampered_signature_or_checkpoint_is_refused() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let mut p = proof_of_m2(&key);
        let mut sig = STANDARD.decode(&p.checkpoint.signature).unwrap();
        sig[0] ^= 1;
        p.checkpoint.signature = STANDARD.encode(sig);
        assert_eq!(verify_proof(&p).unwrap_err(), ProofError::BadSignature);
        let mut p = proof_of_m2(&key);
        p.checkpoint.signature = "không phải base64".into();
        assert_eq!(verify_proof(&p).unwrap_err(), ProofError::BadSignature);
        let mut p = proof_of_m2(&key);
        p.checkpoint.signed_at += 1;
        assert_eq!(verify_proof(&p).unwrap_err(), ProofError::BadSignature);
        let mut p = proof_of_m2(&key);
        p.checkpoint.hash = GENESIS_HASH.into();
        assert_eq!(
            verify_proof(&p).unwrap_err(),
            ProofError::CheckpointMismatch
        );
        let mut p = proof_of_m2(&key);
        p.checkpoint.up_to_seq = 6;
        assert!(matches!(
            verify_proof(&p).unwrap_err(),
            ProofError::CheckpointNotReached {
                last: 5,
                checkpoint: 6
            }
        ));
        let mut p = proof_of_m2(&key);
        p.format = "khác/1".into();
        assert!(matches!(
            verify_proof(&p).unwrap_err(),
            ProofError::UnsupportedFormat(_)
        ));
    }

    #[test]
    fn a_wrong_key_is_refused() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]);
        let mut p = proof_of_m2(&key);
        p.public_key = hex::encode(other.verifying_key().to_bytes());
        assert_eq!(verify_proof(&p).unwrap_err(), ProofError::BadSignature);
        p.public_key = "abcd".into();
        assert_eq!(verify_proof(&p).unwrap_err(), ProofError::BadPublicKey);
        // Re-signed with another key: verifies, but under another fingerprint.
        let mut p = proof_of_m2(&key);
        p.checkpoint = Checkpoint::sign(5, &p.checkpoint.hash, "x", 1, &other);
        p.public_key = hex::encode(other.verifying_key().to_bytes());
        let s = verify_proof(&p).unwrap();
        assert_ne!(s.key_fingerprint, key_fingerprint(&key.verifying_key()));
    }

    #[test]
    fn hashes_are_the_documented_ones() {
        assert_eq!(
            body_hash(b""),
            "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
        );
        let f = EntryFields {
            recorded_at: 1,
            direction: "in",
            kind: "request",
            message_id: "x",
            client: "VN/GOV/BCA/POLICE",
            service: "VN/GOV/BTP/TUPHAP/s",
            status: None,
            duration_us: None,
            body_hash: "h",
        };
        let json = "{\"v\":1,\"recorded_at\":1,\"direction\":\"in\",\"kind\":\"request\",\"message_id\":\"x\",\"client\":\"VN/GOV/BCA/POLICE\",\"service\":\"VN/GOV/BTP/TUPHAP/s\",\"status\":null,\"duration_us\":null,\"body_hash\":\"h\"}";
        assert_eq!(f.content_digest(), hex::encode(Sha256::digest(json)));
        let d = f.content_digest();
        assert_eq!(
            entry_hash(1, GENESIS_HASH, &d),
            hex::encode(Sha256::digest(format!(
                "tuphap-exchange-log/1\n1\n{GENESIS_HASH}\n{d}"
            )))
        );
    }
}

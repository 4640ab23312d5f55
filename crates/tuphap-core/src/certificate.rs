//! Signed verification codes printed as a QR code on civil-status certificates.
//!
//! A certificate (Giấy khai sinh, Trích lục khai tử, Giấy chứng nhận kết hôn, Giấy xác nhận tình
//! trạng hôn nhân, Trích lục ghi vào sổ việc ly hôn, hủy việc kết hôn, the trích lục of the other
//! registrations — [`record_extract_title`] — and certified copies) carries a code that
//! anyone can check offline with the Ministry's published public keys, or online at the verify
//! page. The code is a short signed statement of the facts that identify the certificate; it is
//! not a PDF signature.
//!
//! # The code
//!
//! ```text
//! VNHT1.<base64url(payload)>.<base64url(signature)>
//! ```
//!
//! base64url is RFC 4648 §5 **without padding**; trailing bits must be zero, so every code has
//! exactly one spelling. The signature is Ed25519 (RFC 8032) over the payload bytes exactly as
//! they are carried in the code, checked with `verify_strict`.
//!
//! # The payload (canonical form, version 1)
//!
//! UTF-8 text, twelve fields joined by `|` in this fixed order:
//!
//! | # | field | form |
//! | --- | --- | --- |
//! | 1 | version | `1` |
//! | 2 | certificate kind | `B` birth (Giấy khai sinh), `D` death (Trích lục khai tử), `M` marriage (Giấy chứng nhận kết hôn), `S` marital status (Giấy xác nhận tình trạng hôn nhân), `L` divorce or annulment (Trích lục ghi vào sổ việc ly hôn, hủy việc kết hôn), `E` certified copy of a register extract (Bản sao trích lục hộ tịch, of any registered record), `T` the original trích lục of a registration without a form of its own (amendment, recognition of a parent, adoption — Giấy chứng nhận nuôi con nuôi —, end of an adoption, guardianship, change of guardian, end of a guardianship; [`record_extract_title`]) |
//! | 3 | record id | text, as the registry stores it; a later issue of the same record carries `<id>-<n>`, the n-th copy issuance of an extract `<id>-BS<n>` |
//! | 4 | register number (Số) | decimal, no leading zeros |
//! | 5 | book number (Quyển số) | text as printed, e.g. `01` |
//! | 6 | register year | four digits (1000–9999) |
//! | 7 | office code | text (commune code, province code or `BTP`) |
//! | 8 | full name | NFC text: the child, the deceased, the wife (marriage, divorce), or the person whose marital status is certified; on an extract copy the same person as the record's own paper, else the record's subject; on a `T` trích lục the person amended, the child (recognition, adoption and its end) or the ward |
//! | 9 | second name | NFC text: the husband (marriage, divorce); on a `T` trích lục (and its copies) the recognised parent, the adoptive parents (joined by ` và `) or the guardian (the new one on a change); empty otherwise |
//! | 10 | event date | `YYYYMMDD`: date of birth, of death, of the marriage registration, the issue (registration) date of a marital-status certificate, or the date the court's divorce or annulment decision took effect; on a `T` trích lục the registration date, except the end of an adoption (the court's decision took effect) and of a guardianship (the day it ended) |
//! | 11 | issued date | `YYYYMMDD` |
//! | 12 | key id | text naming the signing key |
//!
//! Text fields escape `%` as `%25` and `|` as `%7C` (nothing else is escaped). A parsed payload
//! is encoded again and must give back the same bytes, so a payload has exactly one accepted
//! form (no leading zeros, NFC names, upper-case escapes).
//!
//! Example (birth, 100 bytes):
//! `1|B|01JH3M9ZK2V7Q4D8N6T5R0W1XC|12|01|2026|26734|Nguyễn Thị Hương||20260105|20260107|btp-2026-1`.
//! Its code is 227 characters: a QR code of version 11 at error correction level M (byte
//! capacity at level M: version 10 holds 213 bytes, 11 holds 251, 12 holds 287, 13 holds 331).
//! A code is `93 + ⌈4n/3⌉` characters for a payload of `n` bytes, so version 12 takes
//! payloads up to 145 bytes: a marriage with two ordinary names and a UUID record id fits; two
//! unusually long names (≈ 40 bytes each in UTF-8) need version 13.
//!
//! The functions here are pure: key storage and the table of published keys live elsewhere; the
//! caller passes a lookup from key id to public key, so a rotated key keeps verifying as long as
//! it stays listed.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::error::Coded;
use crate::text::nfc;

/// The prefix every code of format version 1 starts with (followed by a dot).
pub const CODE_PREFIX: &str = "VNHT1";
/// The payload format version written in field 1.
pub const PAYLOAD_VERSION: u8 = 1;
/// Longer inputs are refused before any decoding (a real code is about 250–300 characters).
pub const MAX_CODE_LEN: usize = 2048;
const FIELD_COUNT: usize = 12;

/// The kind of certificate a code is printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// Giấy khai sinh.
    Birth,
    /// Trích lục khai tử.
    Death,
    /// Giấy chứng nhận kết hôn.
    Marriage,
    /// Giấy xác nhận tình trạng hôn nhân.
    MaritalStatus,
    /// Trích lục ghi vào sổ việc ly hôn, hủy việc kết hôn (a court's divorce or annulment
    /// decision recorded in the register).
    Divorce,
    /// Bản sao trích lục hộ tịch: a certified copy of the extract of any registered record,
    /// issued from the database by any office that manages it (Luật Hộ tịch 2014, Điều 63–64).
    Extract,
    /// Trích lục hộ tịch: the original paper of a registration that has no form of its own (Luật
    /// Hộ tịch 2014, Điều 62: each registration issues one original trích lục; Giấy chứng nhận
    /// nuôi con nuôi for an adoption, Luật Nuôi con nuôi 2010, Điều 22). The title printed
    /// depends on the record's kind: [`record_extract_title`].
    RecordExtract,
}

impl CertificateKind {
    /// Every kind, in a fixed order.
    pub const ALL: [CertificateKind; 7] = [
        CertificateKind::Birth,
        CertificateKind::Death,
        CertificateKind::Marriage,
        CertificateKind::MaritalStatus,
        CertificateKind::Divorce,
        CertificateKind::Extract,
        CertificateKind::RecordExtract,
    ];

    /// The one-letter code used in the payload: `B`, `D`, `M`, `S`, `L`, `E`, `T`.
    pub fn letter(self) -> char {
        match self {
            CertificateKind::Birth => 'B',
            CertificateKind::Death => 'D',
            CertificateKind::Marriage => 'M',
            CertificateKind::MaritalStatus => 'S',
            CertificateKind::Divorce => 'L',
            CertificateKind::Extract => 'E',
            CertificateKind::RecordExtract => 'T',
        }
    }

    /// The kind for a payload letter.
    pub fn from_letter(s: &str) -> Option<CertificateKind> {
        match s {
            "B" => Some(CertificateKind::Birth),
            "D" => Some(CertificateKind::Death),
            "M" => Some(CertificateKind::Marriage),
            "S" => Some(CertificateKind::MaritalStatus),
            "L" => Some(CertificateKind::Divorce),
            "E" => Some(CertificateKind::Extract),
            "T" => Some(CertificateKind::RecordExtract),
            _ => None,
        }
    }

    /// The machine identifier (also the serde form): `birth`, `death`, `marriage`,
    /// `marital_status`, `divorce`, `extract`, `record_extract`.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateKind::Birth => "birth",
            CertificateKind::Death => "death",
            CertificateKind::Marriage => "marriage",
            CertificateKind::MaritalStatus => "marital_status",
            CertificateKind::Divorce => "divorce",
            CertificateKind::Extract => "extract",
            CertificateKind::RecordExtract => "record_extract",
        }
    }

    /// The title printed on the certificate, e.g. "Giấy khai sinh".
    pub fn title_vi(self) -> &'static str {
        match self {
            CertificateKind::Birth => "Giấy khai sinh",
            CertificateKind::Death => "Trích lục khai tử",
            CertificateKind::Marriage => "Giấy chứng nhận kết hôn",
            CertificateKind::MaritalStatus => "Giấy xác nhận tình trạng hôn nhân",
            CertificateKind::Divorce => "Trích lục ghi vào sổ việc ly hôn, hủy việc kết hôn",
            CertificateKind::Extract => "Bản sao trích lục hộ tịch",
            CertificateKind::RecordExtract => "Trích lục hộ tịch",
        }
    }
}

/// The title of the original paper of a registration of `record_kind` printed as a
/// [`CertificateKind::RecordExtract`] (Luật Hộ tịch 2014, Điều 62; for an adoption Luật Nuôi
/// con nuôi 2010, Điều 22), or `None` for a kind that has a form of its own (birth, death,
/// marriage, divorce, marital status) or is unknown.
pub fn record_extract_title(record_kind: &str) -> Option<&'static str> {
    Some(match record_kind {
        "amendment" => "Trích lục thay đổi, cải chính, bổ sung hộ tịch",
        "parentage" => "Trích lục đăng ký nhận cha, mẹ, con",
        "adoption" => "Giấy chứng nhận nuôi con nuôi",
        "adoption_termination" => "Trích lục ghi vào sổ việc chấm dứt nuôi con nuôi",
        "guardianship" => "Trích lục đăng ký giám hộ",
        "guardianship_change" => "Trích lục đăng ký thay đổi người giám hộ",
        "guardianship_end" => "Trích lục đăng ký chấm dứt giám hộ",
        _ => return None,
    })
}

/// The record kinds whose original paper is a [`CertificateKind::RecordExtract`].
pub const RECORD_EXTRACT_KINDS: [&str; 7] = [
    "amendment",
    "parentage",
    "adoption",
    "adoption_termination",
    "guardianship",
    "guardianship_change",
    "guardianship_end",
];

impl fmt::Display for CertificateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts a verification code vouches for. The format version and the key id are not fields:
/// the version is fixed by the code prefix, the key id is given to [`sign`] and returned by
/// [`parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub kind: CertificateKind,
    /// The record's id in the registry.
    pub record_id: String,
    /// Số (entry number in the register book).
    pub register_number: u32,
    /// Quyển số (book number) as printed, e.g. `01` (as `civil::register::RegisterRef::book`).
    pub register_book: String,
    /// The register's year, 1000–9999 (the book is closed on 31 December). A year outside that
    /// range cannot be encoded: its code would not parse.
    pub register_year: i32,
    /// Code of the registering office (commune code, province code or `BTP`).
    pub office_code: String,
    /// The child, the deceased, the wife (marriage, divorce), or the person whose marital status
    /// is certified (NFC when encoded).
    pub full_name: String,
    /// The husband on a marriage certificate or a divorce extract; `None` otherwise (empty text
    /// when encoded).
    pub second_name: Option<String>,
    /// Date of birth, of death, of the marriage registration, the issue (registration) date of a
    /// marital-status certificate, or the date the court's divorce or annulment decision took
    /// effect.
    #[serde(with = "crate::dates::iso_date")]
    pub event_date: Date,
    /// The day the certificate was issued.
    #[serde(with = "crate::dates::iso_date")]
    pub issued_on: Date,
}

impl Payload {
    /// The canonical payload bytes for `key_id` (the bytes that are signed and carried in the
    /// code). See the module documentation for the format.
    pub fn canonical(&self, key_id: &str) -> String {
        let second = self.second_name.as_deref().map(nfc).unwrap_or_default();
        let fields: [String; FIELD_COUNT] = [
            PAYLOAD_VERSION.to_string(),
            self.kind.letter().to_string(),
            escape(&self.record_id),
            self.register_number.to_string(),
            escape(&self.register_book),
            format!("{:04}", self.register_year),
            escape(&self.office_code),
            escape(&nfc(&self.full_name)),
            escape(&second),
            compact_date(self.event_date),
            compact_date(self.issued_on),
            escape(key_id),
        ];
        fields.join("|")
    }
}

/// Signs `payload` with `key` and returns the code text `VNHT1.<payload>.<signature>`.
pub fn sign(payload: &Payload, key: &SigningKey, key_id: &str) -> String {
    let bytes = payload.canonical(key_id).into_bytes();
    let signature = key.sign(&bytes);
    format!(
        "{CODE_PREFIX}.{}.{}",
        URL_SAFE_NO_PAD.encode(&bytes),
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}

/// Splits and decodes a code without checking its signature: the payload, the key id and the
/// signature. Never panics, whatever the input.
pub fn parse(code: &str) -> Result<(Payload, String, Signature), CodeError> {
    parse_parts(code).map(|p| (p.payload, p.key_id, p.signature))
}

/// Parses `code`, looks its key id up with `public_key_lookup` and checks the signature.
/// A key that is no longer used for signing but is still listed (rotated keys) verifies.
pub fn verify(
    code: &str,
    public_key_lookup: impl Fn(&str) -> Option<VerifyingKey>,
) -> Result<Payload, CodeError> {
    let parts = parse_parts(code)?;
    let key = public_key_lookup(&parts.key_id).ok_or_else(|| CodeError::UnknownKey {
        key_id: parts.key_id.clone(),
    })?;
    key.verify_strict(&parts.signed, &parts.signature)
        .map_err(|_| CodeError::BadSignature)?;
    Ok(parts.payload)
}

struct Parts {
    payload: Payload,
    key_id: String,
    signature: Signature,
    signed: Vec<u8>,
}

fn parse_parts(code: &str) -> Result<Parts, CodeError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(CodeError::Empty);
    }
    if code.len() > MAX_CODE_LEN {
        return Err(CodeError::TooLong { len: code.len() });
    }
    let mut parts = code.split('.');
    let (Some(prefix), Some(payload_b64), Some(sig_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(if code.starts_with("VNHT") {
            CodeError::Malformed
        } else {
            CodeError::NotACode
        });
    };
    if prefix != CODE_PREFIX {
        return Err(if prefix.starts_with("VNHT") {
            CodeError::UnsupportedVersion {
                prefix: prefix.chars().take(16).collect(),
            }
        } else {
            CodeError::NotACode
        });
    }
    let signed = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| CodeError::BadEncoding)?;
    let sig_bytes = URL_SAFE_NO_PAD
        .decode(sig_b64)
        .map_err(|_| CodeError::BadEncoding)?;
    let sig_bytes: [u8; 64] =
        sig_bytes
            .as_slice()
            .try_into()
            .map_err(|_| CodeError::BadSignatureLength {
                len: sig_bytes.len(),
            })?;
    let signature = Signature::from_bytes(&sig_bytes);
    let text = std::str::from_utf8(&signed).map_err(|_| CodeError::BadPayload {
        reason: "not UTF-8",
    })?;
    let (payload, key_id) = decode_payload(text)?;
    if payload.canonical(&key_id) != text {
        return Err(CodeError::BadPayload {
            reason: "not in canonical form",
        });
    }
    Ok(Parts {
        payload,
        key_id,
        signature,
        signed,
    })
}

fn decode_payload(text: &str) -> Result<(Payload, String), CodeError> {
    let bad = |reason: &'static str| CodeError::BadPayload { reason };
    let fields: Vec<&str> = text.split('|').collect();
    let [
        version,
        kind,
        record_id,
        number,
        book,
        year,
        office,
        name,
        second,
        event,
        issued,
        key_id,
    ] = fields.as_slice()
    else {
        return Err(bad("wrong number of fields"));
    };
    if *version != "1" {
        return Err(bad("unknown payload version"));
    }
    let kind = CertificateKind::from_letter(kind).ok_or(bad("unknown certificate kind"))?;
    let number = decimal(number).ok_or(bad("register number"))?;
    let book = unescape(book).ok_or(bad("register book"))?;
    let year = (year.len() == 4)
        .then(|| decimal(year))
        .flatten()
        .and_then(|y| i32::try_from(y).ok())
        .ok_or(bad("register year"))?;
    let record_id = unescape(record_id).ok_or(bad("record id"))?;
    let office_code = unescape(office).ok_or(bad("office code"))?;
    let full_name = unescape(name).ok_or(bad("full name"))?;
    let second = unescape(second).ok_or(bad("second name"))?;
    let key_id = unescape(key_id).ok_or(bad("key id"))?;
    let event_date = parse_compact_date(event).ok_or(bad("event date"))?;
    let issued_on = parse_compact_date(issued).ok_or(bad("issued date"))?;
    if key_id.is_empty() {
        return Err(bad("key id"));
    }
    Ok((
        Payload {
            kind,
            record_id,
            register_number: number,
            register_book: book,
            register_year: year,
            office_code,
            full_name,
            second_name: (!second.is_empty()).then_some(second),
            event_date,
            issued_on,
        },
        key_id,
    ))
}

fn escape(s: &str) -> String {
    s.replace('%', "%25").replace('|', "%7C")
}

/// Undoes [`escape`]; any `%` not starting `%25` or `%7C` is refused.
fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("%25") {
            out.push('%');
        } else if tail.starts_with("%7C") {
            out.push('|');
        } else {
            return None;
        }
        rest = &tail[3..];
    }
    out.push_str(rest);
    Some(out)
}

/// A decimal number of 1–10 digits that fits in a `u32` (leading zeros are caught by the canonical re-encoding).
fn decimal(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn compact_date(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

fn parse_compact_date(s: &str) -> Option<Date> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = s.get(0..4)?.parse().ok()?;
    let month: u8 = s.get(4..6)?.parse().ok()?;
    let day: u8 = s.get(6..8)?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// Why a verification code is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("verification code is empty")]
    Empty,
    #[error("verification code is too long ({len} bytes)")]
    TooLong { len: usize },
    /// Not something this system issued (no `VNHT` prefix).
    #[error("not a civil-status verification code")]
    NotACode,
    /// `VNHT` but another format version.
    #[error("unsupported verification code version {prefix:?}")]
    UnsupportedVersion { prefix: String },
    /// Not three dot-separated parts.
    #[error("verification code is malformed")]
    Malformed,
    /// A part is not unpadded base64url.
    #[error("verification code is not valid base64url")]
    BadEncoding,
    #[error("signature must be 64 bytes, found {len}")]
    BadSignatureLength { len: usize },
    /// The payload decodes but its content is wrong.
    #[error("verification code payload is invalid: {reason}")]
    BadPayload { reason: &'static str },
    /// Well-formed, but signed with a key that is not (or no longer) published.
    #[error("unknown signing key {key_id:?}")]
    UnknownKey { key_id: String },
    /// Well-formed, the key is known, but the signature does not match: the code was altered or
    /// forged.
    #[error("signature does not match")]
    BadSignature,
}

impl Coded for CodeError {
    fn code(&self) -> &'static str {
        match self {
            CodeError::Empty => "certificate_code_empty",
            CodeError::TooLong { .. } => "certificate_code_too_long",
            CodeError::NotACode => "certificate_code_not_a_code",
            CodeError::UnsupportedVersion { .. } => "certificate_code_unsupported_version",
            CodeError::Malformed => "certificate_code_malformed",
            CodeError::BadEncoding => "certificate_code_bad_encoding",
            CodeError::BadSignatureLength { .. } => "certificate_code_bad_signature_length",
            CodeError::BadPayload { .. } => "certificate_code_bad_payload",
            CodeError::UnknownKey { .. } => "certificate_code_unknown_key",
            CodeError::BadSignature => "certificate_code_bad_signature",
        }
    }

    fn message_vi(&self) -> String {
        const DAMAGED: &str = "Mã có thể đã bị sửa hoặc quét chưa đủ; hãy quét lại mã QR hoặc \
                               nhập lại mã in dưới mã QR.";
        match self {
            CodeError::Empty => "Chưa nhập mã kiểm tra.".to_string(),
            CodeError::TooLong { len } => {
                format!("Mã kiểm tra quá dài ({len} ký tự), không phải mã do hệ thống cấp.")
            }
            CodeError::NotACode => "Đây không phải mã kiểm tra giấy tờ hộ tịch (mã hợp lệ bắt \
                 đầu bằng \u{201c}VNHT1.\u{201d})."
                .to_string(),
            CodeError::UnsupportedVersion { prefix } => {
                format!("Mã kiểm tra phiên bản \u{201c}{prefix}\u{201d} chưa được hệ thống hỗ trợ.")
            }
            CodeError::Malformed => format!("Mã kiểm tra không đúng cấu trúc. {DAMAGED}"),
            CodeError::BadEncoding => {
                format!("Mã kiểm tra chứa ký tự không hợp lệ. {DAMAGED}")
            }
            CodeError::BadSignatureLength { .. } => {
                format!("Phần chữ ký của mã kiểm tra không đủ độ dài. {DAMAGED}")
            }
            CodeError::BadPayload { .. } => {
                format!("Nội dung mã kiểm tra không hợp lệ. {DAMAGED}")
            }
            CodeError::UnknownKey { key_id } => format!(
                "Mã kiểm tra được ký bằng khóa \u{201c}{key_id}\u{201d} không có trong danh \
                 sách khóa công khai của Bộ Tư pháp: giấy tờ không được xác thực."
            ),
            CodeError::BadSignature => "Chữ ký số của mã kiểm tra không khớp với nội dung: \
                 giấy tờ đã bị sửa đổi hoặc giả mạo."
                .to_string(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn birth() -> Payload {
        Payload {
            kind: CertificateKind::Birth,
            record_id: "01JH3M9ZK2V7Q4D8N6T5R0W1XC".to_string(),
            register_number: 12,
            register_book: "01".to_string(),
            register_year: 2026,
            office_code: "26734".to_string(),
            full_name: "Nguyễn Thị Hương".to_string(),
            second_name: None,
            event_date: date!(2026 - 01 - 05),
            issued_on: date!(2026 - 01 - 07),
        }
    }

    fn marriage() -> Payload {
        Payload {
            kind: CertificateKind::Marriage,
            record_id: "0195f0c2-7b1a-7c3e-9d2a-1f2e3d4c5b6a".to_string(),
            register_number: 245,
            register_book: "03".to_string(),
            register_year: 2026,
            office_code: "26734".to_string(),
            full_name: "Tôn Nữ Thị Ngọc Phương Quỳnh".to_string(),
            second_name: Some("Trần Văn Ngọc Quỳnh".to_string()),
            event_date: date!(2026 - 11 - 20),
            issued_on: date!(2026 - 11 - 20),
        }
    }

    fn marital_status() -> Payload {
        Payload {
            kind: CertificateKind::MaritalStatus,
            record_id: "0195f0c2-7b1a-7c3e-9d2a-1f2e3d4c5b6b".to_string(),
            register_number: 57,
            register_book: "01".to_string(),
            register_year: 2026,
            office_code: "26734".to_string(),
            full_name: "Nguyễn Thị Hương".to_string(),
            second_name: None,
            // The issue (registration) date.
            event_date: date!(2026 - 11 - 27),
            issued_on: date!(2026 - 11 - 27),
        }
    }

    fn divorce() -> Payload {
        Payload {
            kind: CertificateKind::Divorce,
            record_id: "0195f0c2-7b1a-7c3e-9d2a-1f2e3d4c5b6c".to_string(),
            register_number: 4,
            register_book: "01".to_string(),
            register_year: 2026,
            office_code: "26734".to_string(),
            full_name: "Nguyễn Thị Hương".to_string(),
            second_name: Some("Trần Văn Bình".to_string()),
            // The day the court's decision took effect.
            event_date: date!(2026 - 06 - 16),
            issued_on: date!(2026 - 07 - 02),
        }
    }

    fn lookup<'a>(keys: &'a [(&'a str, SigningKey)]) -> impl Fn(&str) -> Option<VerifyingKey> + 'a {
        move |id| {
            keys.iter()
                .find(|(k, _)| *k == id)
                .map(|(_, s)| s.verifying_key())
        }
    }

    #[test]
    fn canonical_form_is_documented_one() {
        assert_eq!(
            birth().canonical("btp-2026-1"),
            "1|B|01JH3M9ZK2V7Q4D8N6T5R0W1XC|12|01|2026|26734|Nguyễn Thị Hương||20260105|20260107|btp-2026-1"
        );
        assert_eq!(birth().canonical("btp-2026-1").len(), 100);
    }

    #[test]
    fn letters_are_fixed_and_round_trip() {
        let letters: Vec<char> = CertificateKind::ALL.iter().map(|k| k.letter()).collect();
        // Existing letters never change: codes already printed must keep verifying.
        assert_eq!(letters, ['B', 'D', 'M', 'S', 'L', 'E', 'T']);
        for k in CertificateKind::ALL {
            assert_eq!(
                CertificateKind::from_letter(&k.letter().to_string()),
                Some(k)
            );
            // The serde form is the machine identifier.
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
            let back: CertificateKind =
                serde_json::from_value(serde_json::json!(k.as_str())).unwrap();
            assert_eq!(back, k);
            assert_eq!(k.to_string(), k.as_str());
            assert_eq!(k.title_vi(), nfc(k.title_vi()));
        }
        assert_eq!(CertificateKind::MaritalStatus.as_str(), "marital_status");
        assert_eq!(CertificateKind::Divorce.as_str(), "divorce");
        assert_eq!(
            CertificateKind::MaritalStatus.title_vi(),
            "Giấy xác nhận tình trạng hôn nhân"
        );
        assert_eq!(
            CertificateKind::Divorce.title_vi(),
            "Trích lục ghi vào sổ việc ly hôn, hủy việc kết hôn"
        );
        for unknown in ["", "b", "s", "l", "e", "t", "X", "BB", "SL", "BS", "TL"] {
            assert_eq!(CertificateKind::from_letter(unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn new_kinds_have_their_canonical_form() {
        assert_eq!(
            marital_status().canonical("btp-2026-1"),
            "1|S|0195f0c2-7b1a-7c3e-9d2a-1f2e3d4c5b6b|57|01|2026|26734|Nguyễn Thị Hương||20261127|20261127|btp-2026-1"
        );
        assert_eq!(
            divorce().canonical("btp-2026-1"),
            "1|L|0195f0c2-7b1a-7c3e-9d2a-1f2e3d4c5b6c|4|01|2026|26734|Nguyễn Thị Hương|Trần Văn Bình|20260616|20260702|btp-2026-1"
        );
    }

    /// The original trích lục of a registration without a form of its own (Luật Hộ tịch 2014,
    /// Điều 62): letter `T`, a title per record kind (an adoption's is Giấy chứng nhận nuôi con
    /// nuôi, Luật Nuôi con nuôi 2010, Điều 22), none for the kinds with forms of their own.
    #[test]
    fn record_extracts_have_their_own_letter_and_a_title_per_record_kind() {
        let mut p = marriage();
        p.kind = CertificateKind::RecordExtract;
        let text = p.canonical("btp-2026-1");
        assert!(text.starts_with("1|T|"), "{text}");
        let keys = [("btp-2026-1", key(1))];
        let code = sign(&p, &keys[0].1, "btp-2026-1");
        assert_eq!(verify(&code, lookup(&keys)), Ok(p));
        assert_eq!(CertificateKind::RecordExtract.as_str(), "record_extract");
        for kind in RECORD_EXTRACT_KINDS {
            let title = record_extract_title(kind).unwrap();
            assert_eq!(title, nfc(title), "{kind}");
        }
        assert_eq!(
            record_extract_title("adoption"),
            Some("Giấy chứng nhận nuôi con nuôi")
        );
        assert_eq!(
            record_extract_title("guardianship"),
            Some("Trích lục đăng ký giám hộ")
        );
        for own in [
            "birth",
            "death",
            "marriage",
            "divorce",
            "marital_status",
            "x",
        ] {
            assert_eq!(record_extract_title(own), None, "{own}");
        }
    }

    /// A certified copy of an extract (Luật Hộ tịch 2014, Điều 63–64): letter `E`, the record id
    /// followed by the issuance number, so every issuance has its own code.
    #[test]
    fn extract_copies_have_their_own_letter_and_issuance_number() {
        let mut p = birth();
        p.kind = CertificateKind::Extract;
        p.record_id = "42-BS3".to_string();
        let text = p.canonical("btp-2026-1");
        assert!(text.starts_with("1|E|42-BS3|"), "{text}");
        let keys = [("btp-2026-1", key(1))];
        let code = sign(&p, &keys[0].1, "btp-2026-1");
        assert_eq!(verify(&code, lookup(&keys)), Ok(p.clone()));
        let mut other = p.clone();
        other.record_id = "42-BS4".to_string();
        assert_ne!(sign(&other, &keys[0].1, "btp-2026-1"), code);
    }

    #[test]
    fn sign_then_verify() {
        let keys = [("btp-2026-1", key(1))];
        for p in [birth(), marriage(), marital_status(), divorce()] {
            let code = sign(&p, &keys[0].1, "btp-2026-1");
            assert!(code.starts_with("VNHT1."));
            assert_eq!(verify(&code, lookup(&keys)).unwrap(), p);
            let (parsed, key_id, sig) = parse(&code).unwrap();
            assert_eq!(parsed, p);
            assert_eq!(key_id, "btp-2026-1");
            assert_eq!(sig.to_bytes().len(), 64);
        }
    }

    #[test]
    fn unknown_kind_letter_is_refused_even_if_signed() {
        let k = key(6);
        for letter in ["X", "s", "l", "SS", ""] {
            let text =
                format!("1|{letter}|r|57|01|2026|26734|Nguyễn Thị Hương||20261127|20261127|k");
            let code = format!(
                "VNHT1.{}.{}",
                URL_SAFE_NO_PAD.encode(&text),
                URL_SAFE_NO_PAD.encode(k.sign(text.as_bytes()).to_bytes())
            );
            assert_eq!(
                parse(&code).unwrap_err(),
                CodeError::BadPayload {
                    reason: "unknown certificate kind"
                },
                "{text}"
            );
            let err = verify(&code, |_| Some(k.verifying_key())).unwrap_err();
            assert_eq!(err.code(), "certificate_code_bad_payload", "{text}");
        }
        // The same text with a known letter verifies: only the letter was wrong.
        let text = "1|S|r|57|01|2026|26734|Nguyễn Thị Hương||20261127|20261127|k";
        let code = format!(
            "VNHT1.{}.{}",
            URL_SAFE_NO_PAD.encode(text),
            URL_SAFE_NO_PAD.encode(k.sign(text.as_bytes()).to_bytes())
        );
        let p = verify(&code, |_| Some(k.verifying_key())).unwrap();
        assert_eq!(p.kind, CertificateKind::MaritalStatus);
        assert_eq!(p.second_name, None);
    }

    #[test]
    fn typical_codes_fit_qr_version_12_at_level_m() {
        // Byte-mode capacity at error correction M: version 11 holds 251 bytes, 12 holds 287,
        // 13 holds 331.
        let k = key(1);
        let b = sign(&birth(), &k, "btp-2026-1");
        assert_eq!(b.len(), 227);
        let mut typical = marriage();
        typical.full_name = "Nguyễn Thị Hương".to_string();
        let m = sign(&typical, &k, "btp-2026-1");
        assert!(m.len() <= 287, "marriage code is {} bytes", m.len());
        // Two very long names and a 36-character UUID record id: version 13.
        for p in [marital_status(), divorce()] {
            let c = sign(&p, &k, "btp-2026-1");
            assert!(c.len() <= 287, "{} code is {} bytes", p.kind, c.len());
        }
        let long = sign(&marriage(), &k, "btp-2026-1");
        assert!(
            long.len() <= 331,
            "long marriage code is {} bytes",
            long.len()
        );
    }

    #[test]
    fn nfd_names_are_signed_as_nfc() {
        let k = key(1);
        let mut p = birth();
        p.full_name = "Nguye\u{302}\u{303}n Thi\u{323} Hu\u{31b}o\u{31b}ng".to_string();
        let code = sign(&p, &k, "k");
        let got = verify(&code, |_| Some(k.verifying_key())).unwrap();
        assert_eq!(got.full_name, "Nguyễn Thị Hương");
    }

    #[test]
    fn separators_in_text_fields_round_trip() {
        let k = key(2);
        let mut p = birth();
        p.record_id = "a|b%7C|%".to_string();
        p.office_code = "|".to_string();
        let code = sign(&p, &k, "key|%id");
        let (parsed, key_id, _) = parse(&code).unwrap();
        assert_eq!(parsed, p);
        assert_eq!(key_id, "key|%id");
        assert_eq!(verify(&code, |_| Some(k.verifying_key())).unwrap(), p);
    }

    #[test]
    fn every_single_character_change_is_refused() {
        let keys = [("btp-2026-1", key(1))];
        let code = sign(&marriage(), &keys[0].1, "btp-2026-1");
        let alphabet: Vec<char> =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "
                .chars()
                .collect();
        let chars: Vec<char> = code.chars().collect();
        for i in 0..chars.len() {
            // Two replacements per position: the next alphabet letter and a far one.
            let at = alphabet.iter().position(|&c| c == chars[i]).unwrap_or(0);
            for step in [1, 33] {
                let c = alphabet[(at + step) % alphabet.len()];
                if c == chars[i] {
                    continue;
                }
                let mut changed = chars.clone();
                changed[i] = c;
                let changed: String = changed.into_iter().collect();
                if changed.trim() == code {
                    continue; // a trailing space is trimmed, the code is unchanged
                }
                assert!(
                    verify(&changed, lookup(&keys)).is_err(),
                    "accepted with {c:?} at {i}: {changed}"
                );
            }
        }
    }

    #[test]
    fn unknown_key_has_its_own_code() {
        let code = sign(&birth(), &key(1), "btp-2026-1");
        let err = verify(&code, lookup(&[("btp-2027-1", key(1))])).unwrap_err();
        assert_eq!(
            err,
            CodeError::UnknownKey {
                key_id: "btp-2026-1".to_string()
            }
        );
        assert_eq!(err.code(), "certificate_code_unknown_key");
        assert!(err.message_vi().contains("btp-2026-1"));
    }

    #[test]
    fn wrong_key_under_the_same_id_is_a_bad_signature() {
        let code = sign(&birth(), &key(1), "btp-2026-1");
        let err = verify(&code, lookup(&[("btp-2026-1", key(9))])).unwrap_err();
        assert_eq!(err, CodeError::BadSignature);
        assert_eq!(err.code(), "certificate_code_bad_signature");
    }

    #[test]
    fn rotated_key_verifies_while_listed() {
        let old = sign(&birth(), &key(1), "btp-2025-1");
        let new = sign(&birth(), &key(2), "btp-2026-1");
        let both = [("btp-2026-1", key(2)), ("btp-2025-1", key(1))];
        assert!(verify(&old, lookup(&both)).is_ok());
        assert!(verify(&new, lookup(&both)).is_ok());
        let only_new = [("btp-2026-1", key(2))];
        assert!(verify(&new, lookup(&only_new)).is_ok());
        assert_eq!(
            verify(&old, lookup(&only_new)).unwrap_err().code(),
            "certificate_code_unknown_key"
        );
    }

    #[test]
    fn non_canonical_payloads_are_refused_even_if_signed() {
        let k = key(3);
        for text in [
            // leading zero in the number
            "1|B|r|012|1|2026|26734|Nguyễn Thị Hương||20260105|20260107|k",
            // NFD name
            "1|B|r|12|1|2026|26734|Nguye\u{302}\u{303}n||20260105|20260107|k",
            // lower-case escape
            "1|B|r%7c|12|1|2026|26734|A||20260105|20260107|k",
        ] {
            let code = format!(
                "VNHT1.{}.{}",
                URL_SAFE_NO_PAD.encode(text),
                URL_SAFE_NO_PAD.encode(k.sign(text.as_bytes()).to_bytes())
            );
            let err = verify(&code, |_| Some(k.verifying_key())).unwrap_err();
            assert_eq!(err.code(), "certificate_code_bad_payload", "{text}");
        }
    }

    #[test]
    fn error_codes_for_garbage() {
        let k = key(1);
        let good = sign(&birth(), &k, "k");
        let (_, p, s) = {
            let mut it = good.split('.');
            (it.next().unwrap(), it.next().unwrap(), it.next().unwrap())
        };
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "certificate_code_empty"),
            ("   ".into(), "certificate_code_empty"),
            ("x".repeat(MAX_CODE_LEN + 1), "certificate_code_too_long"),
            ("https://example.com".into(), "certificate_code_not_a_code"),
            (
                format!("VNHT2.{p}.{s}"),
                "certificate_code_unsupported_version",
            ),
            (format!("VNHT1.{p}"), "certificate_code_malformed"),
            (format!("VNHT1.{p}.{s}.x"), "certificate_code_malformed"),
            (format!("VNHT1.{p}=.{s}"), "certificate_code_bad_encoding"),
            (
                format!("VNHT1.{p}.{}", &s[..40]),
                "certificate_code_bad_signature_length",
            ),
            (
                format!("VNHT1.{}.{s}", URL_SAFE_NO_PAD.encode("1|B")),
                "certificate_code_bad_payload",
            ),
            (
                format!("VNHT1.{}.{s}", URL_SAFE_NO_PAD.encode([0xff, 0xfe])),
                "certificate_code_bad_payload",
            ),
        ];
        for (input, code) in cases {
            let err = verify(&input, |_| Some(k.verifying_key())).unwrap_err();
            assert_eq!(err.code(), code, "{input:?}");
            assert!(!err.message_vi().is_empty());
        }
        // surrounding whitespace (a scanner's newline) is accepted
        assert!(verify(&format!("  {good}\n"), |_| Some(k.verifying_key())).is_ok());
    }

    #[test]
    fn messages_are_nfc_vietnamese() {
        let errs = [
            CodeError::Empty,
            CodeError::NotACode,
            CodeError::BadSignature,
            CodeError::UnknownKey { key_id: "k".into() },
        ];
        for e in errs {
            let m = e.message_vi();
            assert_eq!(m, nfc(&m));
        }
    }

    proptest! {
        #[test]
        fn random_strings_never_panic(s in "\\PC{0,400}") {
            let _ = parse(&s);
            let _ = verify(&s, |_| Some(key(1).verifying_key()));
        }

        #[test]
        fn random_codes_with_the_prefix_never_panic(
            a in "[A-Za-z0-9_\\-|%=]{0,300}",
            b in "[A-Za-z0-9_\\-]{0,100}",
        ) {
            let _ = verify(&format!("VNHT1.{a}.{b}"), |_| Some(key(1).verifying_key()));
        }

        #[test]
        fn random_signed_payload_text_never_panics(text in "\\PC{0,200}") {
            let k = key(4);
            let code = format!(
                "VNHT1.{}.{}",
                URL_SAFE_NO_PAD.encode(&text),
                URL_SAFE_NO_PAD.encode(k.sign(text.as_bytes()).to_bytes())
            );
            let _ = verify(&code, |_| Some(k.verifying_key()));
        }

        #[test]
        fn any_payload_round_trips(
            rid in "\\PC{0,40}",
            office in "\\PC{0,10}",
            name in "\\PC{1,40}",
            second in proptest::option::of("\\PC{1,40}"),
            number in 0u32..1_000_000,
            book in "[0-9]{1,6}",
            year in 1000i32..10_000,
            days in 0i32..100_000,
            kid in "[a-z0-9|%-]{1,20}",
            kind in proptest::sample::select(CertificateKind::ALL.to_vec()),
        ) {
            let k = key(5);
            let base = date!(1900 - 01 - 01);
            let p = Payload {
                kind,
                record_id: rid,
                register_number: number,
                register_book: book,
                register_year: year,
                office_code: office,
                full_name: nfc(&name),
                second_name: second.map(|s| nfc(&s)).filter(|s| !s.is_empty()),
                event_date: base + time::Duration::days(i64::from(days)),
                issued_on: base + time::Duration::days(i64::from(days / 2)),
            };
            let code = sign(&p, &k, &kid);
            let got = verify(&code, |id| (id == kid).then(|| k.verifying_key()));
            prop_assert_eq!(got, Ok(p));
        }
    }
}

//! The payment gateway protocol (issue 7: fee payment of dossiers), as pure functions shared by
//! the merchant side (`tuphap-domain::online::payment`) and the gateway double
//! (`tuphap-sim::payment`). It follows the common shape of Vietnamese gateways (VNPay, Keypay):
//!
//! - **Redirect** (merchant → gateway, through the citizen's browser):
//!   `GET {gateway}/pay?amount=…&merchant=…&order_info=…&reference=…&return_url=…&signature=…`.
//! - **Return** (gateway → merchant, through the browser): `return_url?amount=…&merchant=…&
//!   paid_at=…&reference=…&status=…&txn=…&signature=…`.
//! - **Callback** (gateway → merchant, server to server, IPN): `POST` of a JSON [`Notice`] with
//!   the header [`SIGNATURE_HEADER`] = signature of the raw body.
//! - **Query** (merchant → gateway, reconciliation): `GET {gateway}/api/transactions/{reference}?
//!   merchant=…&signature=…` (signature of `merchant` and `reference`), answered with a JSON
//!   [`Notice`] signed like a callback, or 404.
//!
//! **Signature**: lowercase hex of HMAC-SHA256 with the merchant's shared secret, over the raw
//! body (JSON) or over the *canonical query* ([`canonical`]): every parameter except `signature`,
//! sorted by name, `name=value` with the value percent-encoded (RFC 3986 unreserved characters
//! kept), joined by `&`. Checking is constant-time ([`verify`]).

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Header of a signed JSON body (callback, query answer).
pub const SIGNATURE_HEADER: &str = "x-payment-signature";

type HmacSha256 = Hmac<Sha256>;

/// Percent-encodes a query value: RFC 3986 unreserved characters are kept, every other byte of
/// the UTF-8 encoding is `%XX` (uppercase).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes a percent-encoded query value (`+` is a space); `None` when not UTF-8 or malformed.
pub fn decode_component(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let h = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Parses a query string into its parameters (decoded); malformed pairs are dropped.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode_component(k)?, decode_component(v)?))
        })
        .collect()
}

/// The canonical query of `params`: without `signature`, sorted by name (then value),
/// `name=encoded value` joined by `&`.
pub fn canonical<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let mut v: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .filter(|(k, _)| *k != "signature")
        .collect();
    v.sort_unstable();
    v.iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Lowercase hex HMAC-SHA256 of `message` with `secret`.
pub fn sign(secret: &str, message: &[u8]) -> String {
    // HMAC takes keys of any length: `new_from_slice` cannot fail.
    let mut mac = match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature` (hex) is the HMAC-SHA256 of `message` with `secret`, compared in
/// constant time.
pub fn verify(secret: &str, message: &[u8], signature: &str) -> bool {
    let Ok(expected) = hex::decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(message);
    mac.verify_slice(&expected).is_ok()
}

/// The signature of a query's parameters ([`canonical`]).
pub fn sign_params<K: AsRef<str>, V: AsRef<str>>(secret: &str, params: &[(K, V)]) -> String {
    sign(secret, canonical(params).as_bytes())
}

/// Whether the parameters carry exactly one `signature` and it is theirs.
pub fn verify_params<K: AsRef<str>, V: AsRef<str>>(secret: &str, params: &[(K, V)]) -> bool {
    let mut sigs = params
        .iter()
        .filter(|(k, _)| k.as_ref() == "signature")
        .map(|(_, v)| v.as_ref());
    let (Some(sig), None) = (sigs.next(), sigs.next()) else {
        return false;
    };
    verify(secret, canonical(params).as_bytes(), sig)
}

/// `params` followed by their `signature`, as a query string (without `?`).
pub fn signed_query<K: AsRef<str>, V: AsRef<str>>(secret: &str, params: &[(K, V)]) -> String {
    let sig = sign_params(secret, params);
    let mut parts: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                encode_component(k.as_ref()),
                encode_component(v.as_ref())
            )
        })
        .collect();
    parts.push(format!("signature={sig}"));
    parts.join("&")
}

/// What the gateway says happened to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnStatus {
    /// The money was taken.
    Paid,
    /// The payer cancelled on the gateway's page.
    Cancelled,
    /// The gateway (or the bank) refused.
    Failed,
}

impl TxnStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TxnStatus::Paid => "paid",
            TxnStatus::Cancelled => "cancelled",
            TxnStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<TxnStatus> {
        match s {
            "paid" => Some(TxnStatus::Paid),
            "cancelled" => Some(TxnStatus::Cancelled),
            "failed" => Some(TxnStatus::Failed),
            _ => None,
        }
    }
}

/// The gateway's word on one payment: the body of a callback and of a query answer, and the
/// parameters of a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub merchant: String,
    pub reference: String,
    /// In đồng.
    pub amount: i64,
    pub status: TxnStatus,
    /// The gateway's transaction number.
    pub txn: String,
    /// RFC 3339, when paid.
    #[serde(default)]
    pub paid_at: Option<String>,
}

impl Notice {
    /// The parameters of a return URL (without the signature).
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("amount".to_string(), self.amount.to_string()),
            ("merchant".to_string(), self.merchant.clone()),
            ("reference".to_string(), self.reference.clone()),
            ("status".to_string(), self.status.as_str().to_string()),
            ("txn".to_string(), self.txn.clone()),
        ];
        if let Some(p) = &self.paid_at {
            v.push(("paid_at".to_string(), p.clone()));
        }
        v
    }

    /// Reads the parameters of a return URL (the signature is checked separately).
    pub fn from_params<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> Option<Notice> {
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k.as_ref() == name)
                .map(|(_, v)| v.as_ref().to_string())
        };
        Some(Notice {
            merchant: get("merchant")?,
            reference: get("reference")?,
            amount: get("amount")?.parse().ok()?,
            status: TxnStatus::parse(&get("status")?)?,
            txn: get("txn").unwrap_or_default(),
            paid_at: get("paid_at").filter(|s| !s.is_empty()),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc_4231_test_case_2() {
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify(
            "Jefe",
            b"what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ));
        assert!(!verify("Jefe", b"what do ya want for nothing!", "5bdc"));
        assert!(!verify("Jefe", b"x", "not hex"));
    }

    #[test]
    fn canonical_query_is_sorted_encoded_and_ignores_the_signature() {
        let p = [
            ("reference", "HS 1"),
            ("amount", "8000"),
            ("signature", "ab"),
            ("order_info", "Lệ phí"),
        ];
        assert_eq!(
            canonical(&p),
            "amount=8000&order_info=L%E1%BB%87%20ph%C3%AD&reference=HS%201"
        );
        let q = signed_query("s", &p[..2]);
        let parsed = parse_query(&q);
        assert!(verify_params("s", &parsed));
        assert!(!verify_params("other", &parsed));
        let mut tampered = parsed.clone();
        tampered[1].1 = "9000".into();
        assert!(!verify_params("s", &tampered));
        let mut twice = parsed.clone();
        twice.push(("signature".into(), parsed.last().unwrap().1.clone()));
        assert!(!verify_params("s", &twice));
    }

    #[test]
    fn notice_round_trips_through_return_parameters() {
        let n = Notice {
            merchant: "TUPHAP".into(),
            reference: "TT-1-abc".into(),
            amount: 8000,
            status: TxnStatus::Paid,
            txn: "GW000001".into(),
            paid_at: Some("2026-11-27T10:00:00Z".into()),
        };
        let q = signed_query("k", &n.to_params());
        let p = parse_query(&q);
        assert!(verify_params("k", &p));
        assert_eq!(Notice::from_params(&p), Some(n));
    }
}

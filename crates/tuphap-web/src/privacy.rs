//! The stated purpose of reads of personal data at the HTTP edge (issue 8, item 7; the rule is
//! `tuphap_domain::privacy`).
//!
//! Where the purpose comes from, first found wins: the headers `X-Purpose` (a code of
//! `Purpose::ALL`) and `X-Purpose-Ref` (free text, UTF-8), the query parameters `purpose=` and
//! `purpose_ref=`, or the page cookie `tuphap_purpose`. A page that needs a purpose and has
//! none answers 428 with a small form (`purpose_form.html`, GET to the same address, no
//! JavaScript); the answer to a page request that carried `purpose` and `purpose_ref` in its
//! query and succeeded sets the cookie, so the choice is remembered for
//! [`PURPOSE_MEMORY_MINUTES`] minutes: the cookie holds the code, the reference, its expiry and
//! a fingerprint of the session token, and is ignored after the expiry or under another session
//! (logging out and in again asks again). The cookie is the user's own statement, so it is not
//! signed; what it says is recorded in the audit entry of each read.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use tuphap_domain::DomainError;
use tuphap_domain::privacy::{Purpose, PurposeClaim};

use crate::extract::{SESSION_COOKIE, cookie};
use crate::pages::Layout;

/// The cookie that remembers a page user's stated purpose.
pub const PURPOSE_COOKIE: &str = "tuphap_purpose";
/// How long a stated purpose is remembered on the pages.
pub const PURPOSE_MEMORY_MINUTES: i64 = 30;

/// The first 16 hex digits of the SHA-256 of the session token (binds the cookie to a session).
fn session_fingerprint(headers: &HeaderMap) -> Option<String> {
    let token = cookie(headers, SESSION_COOKIE)?;
    Some(hex::encode(Sha256::digest(token.as_bytes()))[..16].to_string())
}

fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    let v = headers.get(name)?;
    String::from_utf8(v.as_bytes().to_vec()).ok()
}

fn query_pair(parts: &Parts) -> Option<(String, String)> {
    parts.uri.query()?;
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
        .ok()?
        .0;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let code = get("purpose")?;
    Some((code, get("purpose_ref").unwrap_or_default()))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Remembered {
    c: String,
    r: String,
    e: i64,
    s: String,
}

fn remembered(headers: &HeaderMap) -> Option<PurposeClaim> {
    let raw = cookie(headers, PURPOSE_COOKIE)?;
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let m: Remembered = serde_json::from_slice(&bytes).ok()?;
    if m.e <= now_secs() || Some(m.s) != session_fingerprint(headers) {
        return None;
    }
    Some(PurposeClaim {
        code: m.c,
        reference: m.r,
    })
}

/// The purpose the request states, if any (see the module documentation).
pub fn purpose_claim(parts: &Parts) -> Option<PurposeClaim> {
    if let Some(code) = header_text(&parts.headers, "x-purpose") {
        return Some(PurposeClaim {
            code,
            reference: header_text(&parts.headers, "x-purpose-ref").unwrap_or_default(),
        });
    }
    if let Some((code, reference)) = query_pair(parts) {
        return Some(PurposeClaim { code, reference });
    }
    remembered(&parts.headers)
}

/// Middleware of the pages: remembers a purpose stated in the query of a successful request.
pub async fn remember_purpose(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let stated = query_pair(&parts)
        .filter(|(c, r)| Purpose::parse(c).is_some() && !r.trim().is_empty() && r.len() < 1000);
    let session = session_fingerprint(&parts.headers);
    let secure = parts
        .headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes() == b"https");
    let mut resp = next.run(Request::from_parts(parts, body)).await;
    if let (Some((c, r)), Some(s)) = (stated, session)
        && resp.status().is_success()
    {
        let value = Remembered {
            c,
            r: r.trim().to_string(),
            e: now_secs() + PURPOSE_MEMORY_MINUTES * 60,
            s,
        };
        let encoded = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&value).unwrap_or_default());
        let secure = if secure { "; Secure" } else { "" };
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{PURPOSE_COOKIE}={encoded}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            PURPOSE_MEMORY_MINUTES * 60
        )) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

#[derive(Template, WebTemplate)]
#[template(path = "purpose_form.html")]
struct PurposeForm {
    l: Layout,
    message: String,
    code: String,
    choices: Vec<(&'static str, &'static str)>,
    minutes: i64,
}

/// Whether a domain error is about the purpose (answered with the form).
pub fn is_purpose_error(e: &DomainError) -> bool {
    e.code.starts_with("purpose_")
}

/// The page asking for a purpose: 428 when none was stated, 400 when the stated one is wrong;
/// the error code also in `X-Error-Code`.
pub fn purpose_form_page(e: &DomainError) -> Response {
    let status = if e.code == tuphap_domain::privacy::PURPOSE_REQUIRED {
        StatusCode::PRECONDITION_REQUIRED
    } else {
        StatusCode::BAD_REQUEST
    };
    let message = if e.code == tuphap_domain::privacy::PURPOSE_REQUIRED {
        "Xem dữ liệu cá nhân ngoài hồ sơ của cơ quan mình cần nêu mục đích và căn cứ \
         (Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân). Mục đích được ghi vào nhật ký \
         và người dân xem được."
            .to_string()
    } else {
        e.message.clone()
    };
    let page = PurposeForm {
        l: Layout::public("Nêu mục đích khai thác dữ liệu", String::new()),
        message,
        code: e.code.to_string(),
        choices: Purpose::ALL
            .iter()
            .map(|p| (p.as_str(), p.label_vi()))
            .collect(),
        minutes: PURPOSE_MEMORY_MINUTES,
    };
    let mut resp = (status, page).into_response();
    if let Ok(v) = HeaderValue::from_str(e.code) {
        resp.headers_mut().insert("x-error-code", v);
    }
    resp
}

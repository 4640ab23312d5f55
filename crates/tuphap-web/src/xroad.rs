//! Inbound services in X-Road's IS-facing REST form (`../shared/anchors/xroad.md` §1.1, F2–F4,
//! F9): `{METHOD} /r1/VN/GOV/BTP/TUPHAP/{service}[/path][?query]`.
//!
//! One handler, [`handle`], takes every request and every answer: it reads the X-Road headers,
//! calls [`exchange`] (authentication, rate limit, access rights, idempotency by `X-Road-Id`,
//! the service), and sets the response headers `X-Road-Id`, `X-Road-Client`, `X-Road-Service`,
//! `X-Road-Request-Hash` (base64 SHA-512 of the request body, as `tuphap-sim` does). That is the
//! one place where a request and its answer both pass: the message log hooks in there
//! ([`InboundCall`] holds what it needs).
//!
//! Order of checks: provider path (`Client.UnknownService` 404), `X-Road-Client` (400
//! `Client.InvalidRequest`), service code (404), key (`Authorization: Bearer <key id>.<secret>`;
//! 401 `Client.AuthenticationFailed`, audited), rate limit (429 `Client.RateLimitExceeded` with
//! `Retry-After`), method (405), access right (403 `Server.ServerProxy.AccessDenied`, audited
//! `exchange.access_denied`), `X-Road-Id` (required for POST services; a repeat gets the first
//! answer, another service or body is 409 `Client.Conflict`), then the service. Errors are
//! X-Road's: header `X-Road-Error: <type>`, body `{"type","message","detail"}` (Vietnamese
//! message, stable code in `detail`). Not cookie requests: no session, no CSRF.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Extension, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha512};
use tuphap_domain::exchange::members::{
    self as members, Dossier, METASERVICES, Member, PROVIDER_ID, SERVICES,
};
use tuphap_domain::{DomainError, ErrorKind, RequestMeta};
use tuphap_store::xroad::InboundRow;

use crate::extract::Meta;
use crate::state::AppState;

/// The inbound router (merged into the application's router).
pub fn router() -> Router<AppState> {
    let limiter = Arc::new(RateLimiter::default());
    Router::new()
        .route(
            "/r1/{instance}/{class}/{member}/{subsystem}/{service}",
            any(handle_service),
        )
        .route(
            "/r1/{instance}/{class}/{member}/{subsystem}/{service}/{*rest}",
            any(handle_path),
        )
        .layer(Extension(limiter))
}

/// An error in X-Road's model.
#[derive(Debug, Clone)]
pub struct XrError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    pub detail: String,
    pub retry_after: Option<u64>,
}

impl XrError {
    fn new(
        status: StatusCode,
        kind: &'static str,
        detail: &str,
        message: impl Into<String>,
    ) -> Self {
        XrError {
            status,
            kind,
            message: message.into(),
            detail: detail.to_string(),
            retry_after: None,
        }
    }

    fn bad_request(detail: &str, message: impl Into<String>) -> Self {
        XrError::new(
            StatusCode::BAD_REQUEST,
            "Client.InvalidRequest",
            detail,
            message,
        )
    }

    fn unknown_service(message: impl Into<String>) -> Self {
        XrError::new(
            StatusCode::NOT_FOUND,
            "Client.UnknownService",
            "service_unknown",
            message,
        )
    }

    fn body(&self) -> Value {
        json!({"type": self.kind, "message": self.message, "detail": self.detail})
    }
}

impl From<DomainError> for XrError {
    fn from(e: DomainError) -> Self {
        let (status, kind) = match e.kind {
            ErrorKind::BadRequest | ErrorKind::Unprocessable => {
                (StatusCode::BAD_REQUEST, "Client.InvalidBody")
            }
            ErrorKind::Unauthenticated => (StatusCode::UNAUTHORIZED, "Client.AuthenticationFailed"),
            ErrorKind::Forbidden => (StatusCode::FORBIDDEN, "Server.ServerProxy.AccessDenied"),
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "Client.NotFound"),
            ErrorKind::Conflict => (StatusCode::CONFLICT, "Client.Conflict"),
            ErrorKind::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "Client.InvalidRequest"),
            ErrorKind::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Client.InvalidRequest")
            }
            ErrorKind::TooManyRequests => {
                (StatusCode::TOO_MANY_REQUESTS, "Client.RateLimitExceeded")
            }
            ErrorKind::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Server.ServerProxy.InternalError",
            ),
            ErrorKind::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Server.ServerProxy.ServiceUnavailable",
            ),
        };
        let message = match &e.field {
            Some(f) => format!("{} (trường {f})", e.message),
            None => e.message,
        };
        XrError {
            status,
            kind,
            message,
            detail: e.code.to_string(),
            retry_after: e.retry_after,
        }
    }
}

impl IntoResponse for XrError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body())).into_response();
        if let Ok(v) = HeaderValue::from_str(self.kind) {
            r.headers_mut().insert("x-road-error", v);
        }
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

/// Per-client token buckets: capacity = the member's limit per minute, refilled continuously.
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// Takes one token for `client`; `Err(seconds)` to wait when the bucket is empty.
    pub fn take(&self, client: &str, per_minute: i64) -> Result<(), u64> {
        let capacity = per_minute.max(1) as f64;
        let rate = capacity / 60.0;
        let now = Instant::now();
        let mut map = match self.buckets.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let (tokens, at) = map.entry(client.to_string()).or_insert((capacity, now));
        let refilled = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(capacity);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(((1.0 - refilled) / rate).ceil().max(1.0) as u64)
        }
    }
}

/// What passed through [`handle`]: the request as received and the answer given. The message
/// log (lead) records these.
#[derive(Debug, Clone)]
pub struct InboundCall {
    pub method: String,
    pub service_id: String,
    pub path: String,
    pub client: Option<String>,
    pub message_id: String,
    pub user_id: Option<String>,
    pub request_hash: String,
    pub status: u16,
    pub replayed: bool,
}

/// `X-Road-Request-Hash`: base64 of the SHA-512 of the request body.
/// The same digest as the message log's body hash (one implementation).
pub use tuphap_core::exchange_proof::body_hash as request_hash;

fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    // X-Road: a header sent more than once, the last one wins.
    headers
        .get_all(name)
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

type ServicePath = (String, String, String, String, String);

#[allow(clippy::too_many_arguments)]
async fn handle_service(
    State(state): State<AppState>,
    Extension(limiter): Extension<Arc<RateLimiter>>,
    Path(p): Path<ServicePath>,
    Query(query): Query<Vec<(String, String)>>,
    method: Method,
    Meta(meta): Meta,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(
        state,
        limiter,
        p,
        String::new(),
        query,
        method,
        meta,
        headers,
        body,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn handle_path(
    State(state): State<AppState>,
    Extension(limiter): Extension<Arc<RateLimiter>>,
    Path((i, c, m, s, code, rest)): Path<(String, String, String, String, String, String)>,
    Query(query): Query<Vec<(String, String)>>,
    method: Method,
    Meta(meta): Meta,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(
        state,
        limiter,
        (i, c, m, s, code),
        rest,
        query,
        method,
        meta,
        headers,
        body,
    )
    .await
}

/// The one handler of every inbound request and answer.
#[allow(clippy::too_many_arguments)]
async fn handle(
    state: AppState,
    limiter: Arc<RateLimiter>,
    (instance, class, member, subsystem, code): ServicePath,
    rest: String,
    query: Vec<(String, String)>,
    method: Method,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let provider = format!("{instance}/{class}/{member}/{subsystem}");
    let known = provider == PROVIDER_ID
        && (METASERVICES.contains(&code.as_str()) || members::service(&code).is_some());
    let hash = request_hash(&body);
    // What a repeated X-Road-Id must match: method, path, query and body (a GET has no body).
    let fingerprint = {
        let mut h = Sha512::new();
        h.update(format!("{method} /{code}/{rest}?").as_bytes());
        for (k, v) in &query {
            h.update(format!("{}={}&", k.len(), k).as_bytes());
            h.update(format!("{}={}&", v.len(), v).as_bytes());
        }
        h.update(b"\n");
        h.update(&body);
        base64::engine::general_purpose::STANDARD.encode(h.finalize())
    };
    let client = header_value(&headers, "x-road-client");
    let message_id = header_value(&headers, "x-road-id");
    let req = Inbound {
        provider: &provider,
        code: &code,
        path: format!("/{rest}"),
        query: &query,
        method: &method,
        client: client.as_deref(),
        message_id: message_id.as_deref(),
        headers: &headers,
        fingerprint: &fingerprint,
        body: &body,
        meta: &meta,
    };
    let outcome = exchange(&state, &limiter, &req).await;
    let (mut response, replayed) = match outcome {
        Ok(Answer {
            status,
            body,
            replayed,
        }) => ((status, axum::Json(body)).into_response(), replayed),
        Err(e) => (e.into_response(), false),
    };
    // What the request asked, as logged: the request line, then the body.
    let request_text = {
        let mut line = format!("{method} /r1/{provider}/{code}{}", req.path);
        for (i, (k, v)) in query.iter().enumerate() {
            line.push(if i == 0 { '?' } else { '&' });
            line.push_str(&format!("{k}={v}"));
        }
        format!("{line}\n{}", String::from_utf8_lossy(&body))
    };
    let path = req.path.clone();
    drop(req);
    let message_id =
        message_id.unwrap_or_else(|| format!("TUPHAP-{}", hex::encode(rand::random::<[u8; 16]>())));
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&hash) {
        h.insert(HeaderName::from_static("x-road-request-hash"), v);
    }
    if let Ok(v) = HeaderValue::from_str(&message_id) {
        h.insert(HeaderName::from_static("x-road-id"), v);
    }
    if let Some(v) = client
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        h.insert(HeaderName::from_static("x-road-client"), v);
    }
    if known && let Ok(v) = HeaderValue::from_str(&format!("{provider}/{code}")) {
        h.insert(HeaderName::from_static("x-road-service"), v);
    }
    if replayed {
        h.insert(
            HeaderName::from_static("x-road-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    // The request and its answer go into the signed message log before the answer leaves: a
    // store that cannot record them answers 500 instead (the effect, if any, is already
    // committed: the client's retry under the same X-Road-Id replays it and is logged then).
    let (parts, answer) = response.into_parts();
    let answer = axum::body::to_bytes(answer, 16 << 20)
        .await
        .unwrap_or_default();
    let service_id = format!("{provider}/{code}");
    let entry = |kind: &str, status: Option<i32>, duration_us: Option<i64>, body: String| {
        tuphap_store::exchange_log::NewLogEntry {
            direction: "in".into(),
            kind: kind.into(),
            message_id: message_id.clone(),
            client: client.clone().unwrap_or_default(),
            service: service_id.clone(),
            status,
            duration_us,
            body,
        }
    };
    let logged = state
        .app
        .store
        .append_message_log(
            &[
                entry("request", None, None, request_text),
                entry(
                    "response",
                    Some(i32::from(parts.status.as_u16())),
                    Some(i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX)),
                    String::from_utf8_lossy(&answer).into_owned(),
                ),
            ],
            tuphap_store::now_utc(),
        )
        .await;
    // Labels from what was authenticated and known only (a caller chooses its headers and path).
    let authenticated = !matches!(parts.status.as_u16(), 400 | 401);
    let labels = [
        ("direction", "in".to_string()),
        (
            "client",
            match &client {
                Some(c) if authenticated => c.clone(),
                _ => "unauthenticated".to_string(),
            },
        ),
        (
            "service",
            if known {
                service_id.clone()
            } else {
                "unknown".to_string()
            },
        ),
        (
            "outcome",
            if parts.status.is_success() {
                "ok"
            } else {
                "error"
            }
            .to_string(),
        ),
    ];
    metrics::counter!("tuphap_exchange_messages_total", &labels).increment(1);
    metrics::histogram!("tuphap_exchange_message_duration_seconds", &labels[..3])
        .record(started.elapsed().as_secs_f64());
    let response = match logged {
        Ok(_) => Response::from_parts(parts, axum::body::Body::from(answer)),
        Err(e) => {
            tracing::error!(error = %e, id = %message_id, "inbound X-Road message not logged");
            XrError::from(DomainError::internal()).into_response()
        }
    };
    let call = InboundCall {
        method: method.to_string(),
        service_id: format!("{provider}/{code}"),
        path,
        client,
        message_id,
        user_id: header_value(&headers, "x-road-userid"),
        request_hash: hash.clone(),
        status: response.status().as_u16(),
        replayed,
    };
    tracing::info!(
        target: "tuphap::xroad",
        service = %call.service_id, client = ?call.client, id = %call.message_id,
        user = ?call.user_id, status = call.status, replayed = call.replayed,
        "inbound X-Road request"
    );
    response
}

struct Inbound<'a> {
    provider: &'a str,
    code: &'a str,
    path: String,
    query: &'a [(String, String)],
    method: &'a Method,
    client: Option<&'a str>,
    message_id: Option<&'a str>,
    headers: &'a HeaderMap,
    fingerprint: &'a str,
    body: &'a [u8],
    meta: &'a RequestMeta,
}

struct Answer {
    status: StatusCode,
    body: Value,
    replayed: bool,
}

fn ok(body: Value) -> Result<Answer, XrError> {
    Ok(Answer {
        status: StatusCode::OK,
        body,
        replayed: false,
    })
}

/// Everything between the request and the answer.
async fn exchange(
    state: &AppState,
    limiter: &RateLimiter,
    req: &Inbound<'_>,
) -> Result<Answer, XrError> {
    if req.provider != PROVIDER_ID {
        return Err(XrError::unknown_service(format!(
            "Nền tảng chỉ cung cấp dịch vụ của {PROVIDER_ID}; không có {}.",
            req.provider
        )));
    }
    let Some(client) = req.client else {
        return Err(XrError::bad_request(
            "x_road_client_missing",
            "Thiếu tiêu đề X-Road-Client (định danh hệ thống gửi yêu cầu, dạng INSTANCE/CLASS/MEMBER/SUBSYSTEM).",
        ));
    };
    if !tuphap_store::exchange::is_xroad_subsystem_id(client) {
        return Err(XrError::bad_request(
            "x_road_client_invalid",
            format!(
                "Tiêu đề X-Road-Client \u{201c}{client}\u{201d} không đúng dạng INSTANCE/CLASS/MEMBER/SUBSYSTEM."
            ),
        ));
    }
    let code = req.code;
    let meta_service = METASERVICES.contains(&code);
    let service = members::service(code);
    if !meta_service && service.is_none() {
        return Err(XrError::unknown_service(format!(
            "Không có dịch vụ {code} trong {PROVIDER_ID}."
        )));
    }
    let key = header_value(req.headers, "authorization")
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
                .map(|k| k.trim().to_string())
        })
        .unwrap_or_default();
    let mut member = state
        .app
        .authenticate_client(client, &key, req.meta)
        .await?;
    member.user_id = header_value(req.headers, "x-road-userid");
    if let Err(wait) = limiter.take(&member.client_id, member.rate_limit_per_minute) {
        let mut e = XrError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Client.RateLimitExceeded",
            "rate_limit_exceeded",
            format!(
                "Hệ thống {} đã vượt giới hạn {} yêu cầu mỗi phút. Hãy gửi lại sau {wait} giây.",
                member.client_id, member.rate_limit_per_minute
            ),
        );
        e.retry_after = Some(wait);
        return Err(e);
    }
    if meta_service {
        if req.method != Method::GET {
            return Err(method_not_allowed(code, "GET"));
        }
        return metaservice(state, &member, req).await;
    }
    let Some(service) = service else {
        return Err(XrError::unknown_service(format!(
            "Không có dịch vụ {code}."
        )));
    };
    let right = state
        .app
        .authorize(
            &member,
            service.code,
            req.method.as_str(),
            &req.path,
            req.meta,
        )
        .await?;
    if req.method.as_str() != service.method || req.path != "/" {
        if req.path != "/" {
            return Err(XrError::unknown_service(format!(
                "Dịch vụ {code} không có đường dẫn {}.",
                req.path
            )));
        }
        return Err(method_not_allowed(code, service.method));
    }
    // Idempotency by X-Road-Id: the first answer is kept per (client, X-Road-Id).
    let message_id = match req.message_id {
        Some(id) if id.len() > 255 || !id.bytes().all(|b| b.is_ascii_graphic()) => {
            return Err(XrError::bad_request(
                "x_road_id_invalid",
                "X-Road-Id phải dài 1–255 ký tự ASCII in được.",
            ));
        }
        Some(id) => Some(id),
        None if service.method == "POST" => {
            return Err(XrError::bad_request(
                "x_road_id_missing",
                "Thiếu tiêu đề X-Road-Id (mã duy nhất của yêu cầu, dùng để gửi lại không bị trùng).",
            ));
        }
        None => None,
    };
    let inbound = message_id.map(|id| InboundRow {
        client_id: member.client_id.clone(),
        message_id: id.to_string(),
        service_code: service.code.to_string(),
        request_hash: req.fingerprint.to_string(),
        status: 0,
        body: String::new(),
        created_at: tuphap_store::exchange::micros(tuphap_store::now_utc()),
    });
    if let Some(row) = &inbound
        && let Some(first) = state
            .app
            .inbound_first_answer(&row.client_id, &row.message_id)
            .await?
    {
        return replay(&first, row);
    }
    let answer = match service.code {
        "getCivilStatus" => {
            let pid = single_param(req.query, "personalId")?;
            ok(state
                .app
                .partner_civil_status(&member, &right, &pid, req.meta)
                .await?)
        }
        "getCivilRecord" => {
            let raw = single_param(req.query, "recordId")?;
            let id: i64 = raw.trim().parse().map_err(|_| {
                XrError::new(
                    StatusCode::BAD_REQUEST,
                    "Client.InvalidRequest",
                    "record_id_invalid",
                    format!("recordId \u{201c}{raw}\u{201d} phải là một số nguyên."),
                )
            })?;
            ok(state
                .app
                .partner_civil_record(&member, &right, id, req.meta)
                .await?)
        }
        "personalIdAssigned" => {
            let b: PersonalIdAssigned = json_body(req.body)?;
            let Some(row) = &inbound else {
                return Err(XrError::bad_request(
                    "x_road_id_missing",
                    "Thiếu X-Road-Id.",
                ));
            };
            let (body, fresh) = state
                .app
                .partner_personal_id_assigned(&member, row, b.birth_record_id, &b.personal_id)
                .await?;
            if !fresh {
                return match state
                    .app
                    .inbound_first_answer(&row.client_id, &row.message_id)
                    .await?
                {
                    Some(first) => replay(&first, row),
                    None => ok(body),
                };
            }
            return ok(body);
        }
        "receiveDossier" => {
            let dossier: Dossier = json_body(req.body)?;
            let Some(row) = &inbound else {
                return Err(XrError::bad_request(
                    "x_road_id_missing",
                    "Thiếu X-Road-Id.",
                ));
            };
            if !state.app.inbound_claim(row).await? {
                return match state
                    .app
                    .inbound_first_answer(&row.client_id, &row.message_id)
                    .await?
                {
                    Some(first) => replay(&first, row),
                    None => Err(in_progress(&row.message_id)),
                };
            }
            match state.app.receive_dossier(&member, req.meta, dossier).await {
                Ok(received) => {
                    let body = serde_json::to_value(&received).unwrap_or(Value::Null);
                    state
                        .app
                        .inbound_complete(&row.client_id, &row.message_id, 200, &body.to_string())
                        .await?;
                    return ok(body);
                }
                Err(e) => {
                    state
                        .app
                        .inbound_release(&row.client_id, &row.message_id)
                        .await?;
                    return Err(e.into());
                }
            }
        }
        other => Err(XrError::unknown_service(format!(
            "Không có dịch vụ {other}."
        ))),
    }?;
    if let Some(row) = inbound {
        let row = InboundRow {
            status: i64::from(answer.status.as_u16()),
            body: answer.body.to_string(),
            ..row
        };
        if !state.app.inbound_record(&row).await?
            && let Some(first) = state
                .app
                .inbound_first_answer(&row.client_id, &row.message_id)
                .await?
        {
            return replay(&first, &row);
        }
    }
    Ok(answer)
}

fn in_progress(id: &str) -> XrError {
    XrError::new(
        StatusCode::CONFLICT,
        "Client.Conflict",
        "x_road_id_in_progress",
        format!("Yêu cầu có X-Road-Id {id} đang được xử lý. Hãy gửi lại sau ít giây."),
    )
}

/// The first answer to a repeated X-Road-Id, or 409 when the id was used for another request.
fn replay(first: &InboundRow, now: &InboundRow) -> Result<Answer, XrError> {
    if first.service_code != now.service_code || first.request_hash != now.request_hash {
        return Err(XrError::new(
            StatusCode::CONFLICT,
            "Client.Conflict",
            "x_road_id_reused",
            format!(
                "X-Road-Id {} đã được dùng cho một yêu cầu khác (dịch vụ {} hoặc nội dung khác).",
                now.message_id, first.service_code
            ),
        ));
    }
    if first.status == 0 {
        return Err(in_progress(&now.message_id));
    }
    let body: Value = serde_json::from_str(&first.body).unwrap_or(Value::Null);
    Ok(Answer {
        status: u16::try_from(first.status)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK),
        body,
        replayed: true,
    })
}

fn method_not_allowed(code: &str, allowed: &str) -> XrError {
    XrError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Client.InvalidRequest",
        "method_not_allowed",
        format!("Dịch vụ {code} chỉ nhận phương thức {allowed}."),
    )
}

/// One query parameter, exactly once (HTTP parameter pollution is refused).
fn single_param(query: &[(String, String)], name: &str) -> Result<String, XrError> {
    let mut values = query.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    match (values.next(), values.next()) {
        (Some(v), None) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        (Some(_), Some(_)) => Err(XrError::bad_request(
            "query_parameter_repeated",
            format!("Tham số {name} chỉ được gửi một lần."),
        )),
        _ => Err(XrError::bad_request(
            "query_parameter_missing",
            format!("Thiếu tham số {name}."),
        )),
    }
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, XrError> {
    serde_json::from_slice(body).map_err(|e| {
        XrError::new(
            StatusCode::BAD_REQUEST,
            "Client.InvalidBody",
            "body_invalid",
            format!("Nội dung yêu cầu không phải JSON đúng cấu trúc của dịch vụ: {e}."),
        )
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonalIdAssigned {
    birth_record_id: i64,
    personal_id: String,
}

fn id_object(id: &str, object_type: &str, service_code: Option<&str>) -> Value {
    let parts: Vec<&str> = id.split('/').collect();
    let mut v = json!({
        "object_type": object_type,
        "xroad_instance": parts.first().copied().unwrap_or_default(),
        "member_class": parts.get(1).copied().unwrap_or_default(),
        "member_code": parts.get(2).copied().unwrap_or_default(),
        "subsystem_code": parts.get(3).copied().unwrap_or_default(),
    });
    if let (Some(code), Some(o)) = (service_code, v.as_object_mut()) {
        o.insert("service_code".into(), json!(code));
        o.insert("service_type".into(), json!("REST"));
    }
    v
}

async fn metaservice(
    state: &AppState,
    member: &Member,
    req: &Inbound<'_>,
) -> Result<Answer, XrError> {
    match req.code {
        "listClients" => {
            let mut list = vec![json!({
                "id": id_object(PROVIDER_ID, "SUBSYSTEM", None),
                "name": "Nền tảng số ngành Tư pháp (tuphap)",
            })];
            for (id, name) in state.app.exchange_clients().await? {
                list.push(json!({"id": id_object(&id, "SUBSYSTEM", None), "name": name}));
            }
            ok(json!({"member": list}))
        }
        "listMethods" => ok(json!({
            "service": SERVICES.iter()
                .map(|s| id_object(PROVIDER_ID, "SERVICE", Some(s.code)))
                .collect::<Vec<_>>()
        })),
        "allowedMethods" => {
            let allowed = state.app.allowed_services(member).await?;
            ok(json!({
                "service": allowed.iter()
                    .map(|s| id_object(PROVIDER_ID, "SERVICE", Some(s.code)))
                    .collect::<Vec<_>>()
            }))
        }
        _ => {
            let code = single_param(req.query, "serviceCode")?;
            let Some(s) = members::service(&code) else {
                return Err(XrError::unknown_service(format!(
                    "Không có dịch vụ {code} trong {PROVIDER_ID}."
                )));
            };
            ok(openapi(s))
        }
    }
}

/// `getOpenAPI`: an OpenAPI 3 document of one service.
pub fn openapi(s: &members::ServiceDef) -> Value {
    let error = json!({
        "description": "Lỗi theo mô hình của X-Road (tiêu đề X-Road-Error)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/XRoadError"}}}
    });
    let headers = json!([
        {"name": "X-Road-Client", "in": "header", "required": true, "schema": {"type": "string"},
         "example": "VN/GOV/000.00.00.H26/MOTCUA"},
        {"name": "X-Road-Id", "in": "header", "required": s.method == "POST", "schema": {"type": "string"}},
        {"name": "X-Road-UserId", "in": "header", "required": false, "schema": {"type": "string"}},
    ]);
    let (params, request, response) = match s.code {
        "getCivilStatus" => (
            json!([{"name": "personalId", "in": "query", "required": true,
                    "schema": {"type": "string", "pattern": "^[0-9]{12}$"}}]),
            Value::Null,
            json!({"type": "object", "required": ["personal_id"], "properties": {
                "personal_id": {"type": "string"},
                "full_name": {"type": "string"},
                "sex": {"type": "string", "enum": ["male", "female"]},
                "date_of_birth": {"type": "string", "format": "date"},
                "marital_status": {"type": "string",
                    "enum": ["single", "married", "divorced", "widowed", "deceased", "unknown"]},
                "deceased": {"type": "boolean"},
                "date_of_death": {"type": "string", "format": "date", "nullable": true},
                "records": {"type": "array", "items": {"type": "object", "properties": {
                    "record_id": {"type": "integer"}, "kind": {"type": "string"},
                    "role": {"type": "string"}, "date": {"type": "string", "format": "date"},
                    "register": {"type": "string", "nullable": true},
                    "registered_on": {"type": "string", "format": "date", "nullable": true}}}}
            }}),
        ),
        "getCivilRecord" => (
            json!([{"name": "recordId", "in": "query", "required": true, "schema": {"type": "integer"}}]),
            Value::Null,
            json!({"type": "object", "required": ["record_id"], "properties": {
                "record_id": {"type": "integer"}, "kind": {"type": "string"},
                "event_date": {"type": "string", "format": "date"},
                "register": {"type": "string", "nullable": true},
                "registered_on": {"type": "string", "format": "date", "nullable": true},
                "office": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
                "content": {"type": "object", "description": "Nội dung tờ khai của phiên bản hiện hành"}
            }}),
        ),
        "personalIdAssigned" => (
            json!([]),
            json!({"type": "object", "required": ["birth_record_id", "personal_id"], "properties": {
                "birth_record_id": {"type": "integer"},
                "personal_id": {"type": "string", "pattern": "^[0-9]{12}$"}}}),
            json!({"type": "object", "properties": {
                "birth_record_id": {"type": "integer"}, "person_id": {"type": "integer"},
                "personal_id": {"type": "string"}, "already": {"type": "boolean"}}}),
        ),
        _ => (
            json!([]),
            json!({"type": "object", "required": ["dossier_code", "procedure", "office_code", "declaration"],
                "properties": {
                    "dossier_code": {"type": "string"},
                    "procedure": {"type": "string", "enum": ["birth", "death", "marriage"]},
                    "office_code": {"type": "string", "description": "Mã xã/phường tiếp nhận (5 chữ số)"},
                    "submitted_at": {"type": "string", "format": "date-time"},
                    "applicant": {"type": "object"},
                    "declaration": {"type": "object",
                        "description": "Như tờ khai của POST /api/v1/civil/births, /deaths, /marriages"}}}),
            json!({"type": "object", "properties": {
                "dossier_code": {"type": "string"}, "record_id": {"type": "integer"},
                "status": {"type": "string"}, "late": {"type": "boolean"}}}),
        ),
    };
    let mut parameters = headers.as_array().cloned().unwrap_or_default();
    parameters.extend(params.as_array().cloned().unwrap_or_default());
    let mut op = json!({
        "operationId": s.code,
        "summary": s.title_vi,
        "parameters": parameters,
        "responses": {
            "200": {"description": "Thành công",
                    "content": {"application/json": {"schema": response}}},
            "400": error, "401": error, "403": error, "404": error, "409": error, "429": error,
        }
    });
    if !request.is_null()
        && let Some(o) = op.as_object_mut()
    {
        o.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema": request}}}),
        );
    }
    let method = s.method.to_ascii_lowercase();
    json!({
        "openapi": "3.0.3",
        "info": {"title": format!("{PROVIDER_ID}/{}", s.code), "version": "1",
                 "description": s.title_vi},
        "servers": [{"url": format!("/r1/{PROVIDER_ID}")}],
        "paths": {format!("/{}", s.code): {method: op}},
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {"XRoadError": {"type": "object", "required": ["type", "message", "detail"],
                "properties": {"type": {"type": "string"}, "message": {"type": "string"},
                               "detail": {"type": "string"}}}}
        },
        "security": [{"apiKey": []}]
    })
}

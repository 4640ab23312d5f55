//! Edge middleware (one function, outermost): request id, access log, metrics, security
//! headers; and the operations endpoints `/healthz`, `/readyz`, `/metrics`.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::error::ApiError;
use crate::state::AppState;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled (inside the edge middleware), if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

static METRICS: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide Prometheus recorder (installed on first use).
pub fn metrics_handle() -> PrometheusHandle {
    METRICS
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed; then our metrics are not recorded
            // globally but /metrics still answers.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

fn new_request_id() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

fn valid_request_id(v: &str) -> bool {
    (1..=64).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The matched route template, carried from [`record_route`] to [`edge`] in the response.
#[derive(Clone)]
struct RoutePath(String);

/// Route-level middleware: copies the matched route template into the response so the edge can
/// label metrics by route (a bounded set) rather than by raw path.
pub async fn record_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let mut resp = next.run(req).await;
    if let Some(r) = route {
        resp.extensions_mut().insert(RoutePath(r));
    }
    resp
}

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Outermost middleware.
pub async fn edge(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_request_id(v))
        .map(str::to_string)
        .unwrap_or_else(new_request_id);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut resp = REQUEST_ID.scope(id.clone(), next.run(req)).await;
    let route = resp.extensions().get::<RoutePath>().map(|r| r.0.clone());
    let status = resp.status();
    let elapsed = started.elapsed();
    // Metrics by matched route (bounded label set), never by raw path.
    let route_label = route.unwrap_or_else(|| {
        if status == StatusCode::NOT_FOUND {
            "unmatched".into()
        } else {
            "other".into()
        }
    });
    let labels = [
        ("method", method.to_string()),
        ("route", route_label),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("tuphap_http_requests_total", &labels).increment(1);
    metrics::histogram!("tuphap_http_request_duration_seconds", &labels[..2])
        .record(elapsed.as_secs_f64());
    tracing::info!(
        request_id = %id,
        method = %method,
        path = %path,
        status = status.as_u16(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert(X_REQUEST_ID.clone(), v);
    }
    security_headers(h, &path, state.config.secure_cookies);
    resp
}

fn security_headers(h: &mut axum::http::HeaderMap, path: &str, https: bool) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    // Swagger UI ships inline styles; everything else is strict.
    let csp = if path.starts_with("/api/docs") {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    } else {
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    };
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if path.starts_with("/api/") && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// `/healthz`, `/readyz`, `/metrics`.
pub fn ops_router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
}

/// Liveness: the process answers.
async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({"status": "ok"}))
}

/// Readiness: the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.store.ping().await {
        Ok(()) => axum::Json(serde_json::json!({
            "status": "ready",
            "database": state.app.store.engine().as_str(),
        }))
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({
                    "status": "unavailable",
                    "code": "database_unavailable",
                    "message": "Cơ sở dữ liệu không trả lời.",
                })),
            )
                .into_response()
        }
    }
}

/// Prometheus text exposition.
async fn metrics_text(State(state): State<AppState>) -> Response {
    let mut body = state.metrics.render();
    // Process gauges read at scrape time.
    if let Ok(seq) = state.app.store.last_change_seq().await {
        body.push_str(&format!(
            "# HELP tuphap_change_log_last_seq Highest committed change-log sequence number.\n# TYPE tuphap_change_log_last_seq gauge\ntuphap_change_log_last_seq {seq}\n"
        ));
    }
    body.push_str(&crate::api::exchange::metrics_text(&state).await);
    if let Some(rss) = resident_memory_bytes() {
        body.push_str(&format!(
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {rss}\n"
        ));
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

fn resident_memory_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// `Idempotency-Key` on API writes (POST, PUT, PATCH, DELETE under `/api/`) by an authenticated
/// user: the first request runs and its answer (2xx or 4xx) is stored under (user, key); a
/// retry with the same key and the same request gets that answer again (header
/// `idempotent-replayed: true`) and changes nothing; the same key with a different request is
/// refused (422 `idempotency_key_reused`); a retry while the first is still running gets 409
/// `idempotency_request_in_progress`. A 5xx answer is not stored, so a retry runs again.
pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    use axum::http::Method;
    use sha2::{Digest, Sha256};
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    let is_write = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let Some(key) = key.filter(|_| is_write && req.uri().path().starts_with("/api/")) else {
        return next.run(req).await;
    };
    if key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return ApiError::new(
            tuphap_domain::ErrorKind::BadRequest,
            "idempotency_key_invalid",
            "Idempotency-Key phải dài 1–255 ký tự ASCII in được.",
        )
        .into_response();
    }
    // The caller: keys are per user (a client that logs in again and retries is still the
    // same caller). Unauthenticated requests pass through (the handler answers 401).
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string())
        .or_else(|| {
            crate::extract::cookie(req.headers(), crate::extract::SESSION_COOKIE)
                .map(str::to_string)
        });
    let actor = match token {
        Some(t) => match state.app.authenticate(&t).await {
            Ok(a) => a,
            Err(e) => return ApiError(e).into_response(),
        },
        None => None,
    };
    let Some(actor) = actor else {
        return next.run(req).await;
    };
    let scope = format!("user:{}", actor.user_id);
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::BODY_LIMIT).await else {
        return crate::extract::body_too_large().into_response();
    };
    let mut h = Sha256::new();
    h.update(parts.method.as_str().as_bytes());
    h.update(b" ");
    h.update(parts.uri.to_string().as_bytes());
    h.update(b"\n");
    h.update(&bytes);
    let request_hash = hex::encode(h.finalize());
    let store = &state.app.store;
    match store.idempotency_claim(&scope, &key, &request_hash).await {
        Err(e) => ApiError(tuphap_domain::DomainError::from(e)).into_response(),
        Ok(Some(row)) if row.request_hash != request_hash => ApiError::new(
            tuphap_domain::ErrorKind::Unprocessable,
            "idempotency_key_reused",
            "Idempotency-Key này đã được dùng cho một yêu cầu khác; hãy dùng khóa mới cho yêu cầu mới.",
        )
        .into_response(),
        Ok(Some(row)) => match row.status.and_then(|s| StatusCode::from_u16(u16::try_from(s).ok()?).ok()) {
            None => ApiError::new(
                tuphap_domain::ErrorKind::Conflict,
                "idempotency_request_in_progress",
                "Yêu cầu đầu tiên với Idempotency-Key này đang được xử lý; hãy thử lại sau giây lát.",
            )
            .into_response(),
            Some(status) => {
                let mut resp = (status, row.body.unwrap_or_default()).into_response();
                if let Some(ct) = row.content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                    resp.headers_mut().insert(header::CONTENT_TYPE, ct);
                }
                resp.headers_mut().insert(
                    HeaderName::from_static("idempotent-replayed"),
                    HeaderValue::from_static("true"),
                );
                resp
            }
        },
        Ok(None) => {
            let req = Request::from_parts(parts, axum::body::Body::from(bytes));
            let resp = next.run(req).await;
            let (rparts, rbody) = resp.into_parts();
            let Ok(rbytes) = axum::body::to_bytes(rbody, 16 * 1024 * 1024).await else {
                let _ = store.idempotency_release(&scope, &key).await;
                return ApiError(tuphap_domain::DomainError::internal()).into_response();
            };
            let stored = if rparts.status.is_server_error() {
                store.idempotency_release(&scope, &key).await
            } else {
                let ct = rparts
                    .headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok());
                store
                    .idempotency_complete(&scope, &key, i32::from(rparts.status.as_u16()), ct, &rbytes)
                    .await
            };
            if let Err(e) = stored {
                tracing::error!(error = %e, "could not store the idempotent answer");
            }
            Response::from_parts(rparts, axum::body::Body::from(rbytes))
        }
    }
}

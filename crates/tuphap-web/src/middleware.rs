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

//! The HTTP edge of tuphap: one axum router with
//! - the JSON API under `/api/v1` (documented by OpenAPI 3.1 at `/api/openapi.json`, Swagger UI
//!   at `/api/docs`),
//! - server-rendered Vietnamese pages (askama templates in `templates/`, htmx for partial
//!   updates, static files embedded from `static/`),
//! - operations endpoints `/healthz`, `/readyz`, `/metrics`,
//! - middleware: request ids, structured access logs, metrics, security headers, body-size
//!   limit, timeout, panic catching.
//!
//! Handlers are thin: parse and authorize at the edge, call one use case of `tuphap-domain`,
//! render the result. Domain errors become JSON `{code, message, field, request_id}` with the
//! right 4xx status for the API, or an error message on the page for HTML routes.

pub mod api;
pub mod citizen;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod pages;
pub mod payment;
pub mod privacy;
pub mod security;
pub mod state;
pub mod statics;
pub mod xroad;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

pub use state::{AppState, WebConfig};

/// Largest request body accepted (JSON and forms). Uploads get their own limit later.
pub const BODY_LIMIT: usize = 256 * 1024;
/// Longest time a request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi_json = std::sync::Arc::new(openapi);
    Router::new()
        .merge(api_router)
        .merge(api::docs_router(openapi_json))
        .merge(pages::router())
        .merge(statics::router())
        .merge(middleware::ops_router())
        .merge(xroad::router())
        .route_layer(axum::middleware::from_fn(middleware::record_route))
        .fallback(error::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::idempotency,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::edge,
        ))
        .with_state(state)
}

/// Serves `router(state)` on `listener` until `shutdown` resolves, then drains open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

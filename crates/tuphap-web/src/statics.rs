//! Static files embedded in the binary (no files to deploy next to it): the stylesheet, the
//! small page script and the vendored htmx (0BSD, see `static/vendor/htmx-LICENSE.txt`).

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

/// Version tag in static URLs; files are cached for a year, so a new release changes the URL.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/app.js"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vendor/htmx-2.0.11.min.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../static/favicon.svg"),
    ),
];

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{version}/{file}", get(file))
}

async fn file(Path((_version, name)): Path<(String, String)>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, bytes)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "Không có tệp này.").into_response(),
    }
}

//! Shared state of the web layer.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use tuphap_domain::App;

/// Settings of the HTTP edge.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Set the `Secure` attribute on cookies (and HSTS): true when the public URL is https.
    pub secure_cookies: bool,
    /// The URL people open (shown in logs, used for absolute links).
    pub public_url: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: PrometheusHandle,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> AppState {
        AppState {
            app,
            config: Arc::new(config),
            metrics: crate::middleware::metrics_handle(),
        }
    }
}

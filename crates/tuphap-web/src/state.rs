//! Shared state of the web layer.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use tuphap_domain::App;
use tuphap_search::SearchIndex;

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
    /// The civil-status search index (a projection of the change log). `None` only when an
    /// in-memory index could not be created; search then answers 503.
    pub search: Option<Arc<SearchIndex>>,
    /// Citizen login (OpenID Connect relying party); `/citizen/login` answers 503 when `None`.
    pub citizen_login: Option<Arc<crate::citizen::RelyingParty>>,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> AppState {
        AppState {
            app,
            config: Arc::new(config),
            metrics: crate::middleware::metrics_handle(),
            search: SearchIndex::in_ram()
                .inspect_err(|e| tracing::error!(error = %e, "search index unavailable"))
                .ok()
                .map(Arc::new),
            citizen_login: None,
        }
    }

    /// With the given search index (the server's `<data dir>/search`).
    pub fn with_search(app: App, config: WebConfig, search: Arc<SearchIndex>) -> AppState {
        AppState {
            app,
            config: Arc::new(config),
            metrics: crate::middleware::metrics_handle(),
            search: Some(search),
            citizen_login: None,
        }
    }

    /// With citizen login through the identity provider of `settings`.
    pub fn with_citizen_login(mut self, settings: crate::citizen::OidcSettings) -> AppState {
        self.citizen_login = Some(Arc::new(crate::citizen::RelyingParty::new(settings)));
        self
    }
}

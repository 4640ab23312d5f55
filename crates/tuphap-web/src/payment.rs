//! The payment gateway's transaction API over HTTP (reconciliation of dossier fees, issue 7):
//! [`HttpGatewayLookup`] implements `tuphap_domain::online::payment::GatewayLookup` with reqwest,
//! and [`reconcile_loop`] runs `App::reconcile_payments` periodically (`tuphap serve`). The
//! protocol and the rules are the domain's; this is only the client.

use std::time::Duration;

use tuphap_core::payment::SIGNATURE_HEADER;
use tuphap_domain::App;
use tuphap_domain::online::payment::{GatewayLookup, LookupAnswer};

/// How long reconciliation waits for the gateway's answer.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The gateway's transaction API over HTTP.
#[derive(Debug, Clone)]
pub struct HttpGatewayLookup {
    http: reqwest::Client,
}

impl Default for HttpGatewayLookup {
    fn default() -> Self {
        HttpGatewayLookup::new()
    }
}

impl HttpGatewayLookup {
    pub fn new() -> HttpGatewayLookup {
        HttpGatewayLookup {
            http: reqwest::Client::builder()
                .timeout(LOOKUP_TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }
}

impl GatewayLookup for HttpGatewayLookup {
    async fn lookup(&self, url: &str) -> Result<LookupAnswer, String> {
        let r = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| format!("cổng thanh toán không trả lời: {e}"))?;
        match r.status().as_u16() {
            404 => Ok(LookupAnswer::NotFound),
            200 => {
                let signature = r
                    .headers()
                    .get(SIGNATURE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let body = r
                    .bytes()
                    .await
                    .map_err(|e| format!("không đọc được câu trả lời của cổng thanh toán: {e}"))?;
                Ok(LookupAnswer::Found {
                    body: body.to_vec(),
                    signature,
                })
            }
            s => Err(format!("cổng thanh toán trả lời HTTP {s}")),
        }
    }
}

/// Every `every`, reconciles the payments pending for longer than `older_than`, until `stop`
/// turns true. Errors are logged; the next run tries again.
pub async fn reconcile_loop(
    app: App,
    every: Duration,
    older_than: time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let lookup = HttpGatewayLookup::new();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        match app
            .reconcile_payments(&lookup, older_than, tuphap_store::now_utc())
            .await
        {
            Ok(r) if r.checked > 0 => tracing::info!(
                checked = r.checked,
                paid = r.paid,
                failed = r.failed,
                cancelled = r.cancelled,
                pending = r.pending,
                errors = r.errors,
                "payments reconciled"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "payment reconciliation failed; retrying"),
        }
    }
}

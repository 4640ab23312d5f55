//! The delivery worker: feeds the outbox from the change log and POSTs due messages to their
//! subscribers' endpoints, independent of any specific partner.
//!
//! Each worker loops: claim a batch under a lease, POST each payload (JSON) with
//! `X-Road-Client: VN/GOV/BTP/TUPHAP` and `X-Road-Id: <message id>`; 2xx → delivered; 4xx other
//! than 408/429 → dead at once with the reason; anything else (5xx, 408, 429, timeouts,
//! connection errors) → retry after the policy's backoff. Endpoints are plain HTTP to the local
//! X-Road security server (as X-Road intends); HTTPS needs reqwest's `rustls` feature.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use tuphap_store::exchange::{Claimed, RetryPolicy};
use tuphap_store::{Result, Store};

/// Who we are on X-Road.
pub const XROAD_CLIENT: &str = "VN/GOV/BTP/TUPHAP";

/// Settings of the dispatcher.
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// Number of worker tasks.
    pub workers: usize,
    /// Messages claimed at a time by one worker.
    pub batch: i64,
    /// How long a claim lasts; a message whose worker died is delivered again after it.
    pub lease: Duration,
    /// Wait when there was nothing to do.
    pub idle_wait: Duration,
    /// Timeout of one HTTP request.
    pub request_timeout: Duration,
    pub policy: RetryPolicy,
    /// Change-log rows per feeding transaction.
    pub feed_batch: i64,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        DispatchConfig {
            workers: 4,
            batch: 16,
            lease: Duration::from_secs(60),
            idle_wait: Duration::from_secs(1),
            request_timeout: Duration::from_secs(30),
            policy: RetryPolicy::default(),
            feed_batch: 500,
        }
    }
}

/// What happened to one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    /// Retry later, with the reason.
    Retry(String),
    /// Permanent refusal by the receiver, with the reason.
    Refused(String),
}

/// Classifies an HTTP status of the receiver.
pub fn classify(status: u16, body: &str) -> Attempt {
    let reason = || {
        let body: String = body.chars().take(500).collect();
        format!("HTTP {status}: {body}")
    };
    match status {
        200..=299 => Attempt::Delivered,
        408 | 429 => Attempt::Retry(reason()),
        400..=499 => Attempt::Refused(reason()),
        _ => Attempt::Retry(reason()),
    }
}

/// The dispatcher: cheap to clone.
#[derive(Clone)]
pub struct Dispatcher {
    store: Store,
    client: reqwest::Client,
    config: Arc<DispatchConfig>,
}

impl Dispatcher {
    pub fn new(store: Store, config: DispatchConfig) -> Result<Dispatcher, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Dispatcher {
            store,
            client,
            config: Arc::new(config),
        })
    }

    /// Feeds the outbox from the change log.
    pub async fn feed(&self) -> Result<usize> {
        self.store
            .feed_outbox(self.config.feed_batch, tuphap_store::now_utc())
            .await
    }

    /// One round of `worker`: claims a batch and delivers it. Returns how many were handled.
    pub async fn run_once(&self, worker: &str) -> Result<usize> {
        let claimed = self
            .store
            .claim_outbox(
                worker,
                self.config.batch,
                self.config.lease,
                tuphap_store::now_utc(),
            )
            .await?;
        for m in &claimed {
            let attempt = self.deliver(m).await;
            let now = tuphap_store::now_utc();
            match attempt {
                Attempt::Delivered => {
                    self.store.mark_outbox_delivered(m.id, worker, now).await?;
                }
                Attempt::Retry(reason) => {
                    let outcome = self
                        .store
                        .mark_outbox_failed(m.id, worker, &reason, false, &self.config.policy, now)
                        .await?;
                    tracing::warn!(message_id = %m.message_id, subscriber = %m.subscriber, ?outcome, %reason, "exchange delivery failed");
                }
                Attempt::Refused(reason) => {
                    self.store
                        .mark_outbox_failed(m.id, worker, &reason, true, &self.config.policy, now)
                        .await?;
                    tracing::warn!(message_id = %m.message_id, subscriber = %m.subscriber, %reason, "exchange delivery refused: dead letter");
                }
            }
        }
        Ok(claimed.len())
    }

    /// POSTs one message.
    pub async fn deliver(&self, m: &Claimed) -> Attempt {
        let sent = self
            .client
            .post(&m.endpoint_url)
            .header("X-Road-Client", XROAD_CLIENT)
            .header("X-Road-Id", &m.message_id)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(m.payload.clone())
            .send()
            .await;
        match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let body = resp.text().await.unwrap_or_default();
                classify(status, &body)
            }
            Err(e) => Attempt::Retry(format!("request failed: {e}")),
        }
    }

    /// Starts the workers; they stop when `shutdown` becomes `true`. Worker 0 also feeds the
    /// outbox from the change log before each round.
    pub fn spawn(&self, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        (0..self.config.workers.max(1))
            .map(|i| {
                let me = self.clone();
                let mut shutdown = shutdown.clone();
                let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".to_string());
                let worker = format!("{host}-{}-w{i}", std::process::id());
                tokio::spawn(async move {
                    loop {
                        if *shutdown.borrow() {
                            break;
                        }
                        if i == 0
                            && let Err(e) = me.feed().await
                        {
                            tracing::error!(error = %e, "exchange feed failed");
                        }
                        let handled = match me.run_once(&worker).await {
                            Ok(n) => n,
                            Err(e) => {
                                tracing::error!(error = %e, "exchange dispatch failed");
                                0
                            }
                        };
                        if handled == 0 {
                            tokio::select! {
                                _ = tokio::time::sleep(me.config.idle_wait) => {}
                                r = shutdown.changed() => if r.is_err() { break; }
                            }
                        }
                    }
                })
            })
            .collect()
    }
}

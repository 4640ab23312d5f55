//! The delivery worker: feeds the outbox from the change log and POSTs due messages to their
//! subscribers' endpoints, independent of any specific partner.
//!
//! Each worker loops: claim a batch under a lease, POST each payload (JSON) with
//! `X-Road-Client: VN/GOV/BTP/TUPHAP` and `X-Road-Id: <message id>`; 2xx → delivered; 4xx other
//! than 408/429 → dead at once with the reason; anything else (5xx, 408, 429, timeouts,
//! connection errors) → retry after the policy's backoff. Endpoints are plain HTTP to the local
//! X-Road security server (as X-Road intends); HTTPS needs reqwest's `rustls` feature.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use tuphap_domain::App;
use tuphap_domain::error::ErrorKind;
use tuphap_domain::exchange::linked::{Built, GO_ON, next_after_skip};
use tuphap_store::exchange::{Claimed, DONE, RetryPolicy, SKIPPED};
use tuphap_store::exchange_log::NewLogEntry;
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
            // Longer than a request may take: a message is sent again only when its worker is
            // gone (killed, partitioned), and at most this long after.
            lease: Duration::from_secs(20),
            idle_wait: Duration::from_secs(1),
            request_timeout: Duration::from_secs(10),
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

/// One message of a claimed batch, ready to go.
enum Prepared {
    /// POST this body.
    Send(String),
    /// Nothing to send (a linked step that does not apply), with the reason.
    Skip { reason: String, go_on: bool },
    /// Could not be built now (the store failed): try again later.
    Later(String),
}

/// A row of the message log for a message to a partner: `client` is us, `service` the
/// partner's `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE` (a response copies both from its request).
fn log_entry(
    m: &Claimed,
    kind: &str,
    status: Option<i32>,
    duration_us: Option<i64>,
    body: &str,
) -> NewLogEntry {
    NewLogEntry {
        direction: "out".into(),
        kind: kind.into(),
        message_id: m.message_id.clone(),
        client: XROAD_CLIENT.into(),
        service: format!("{}/{}", m.subscriber, m.service),
        status,
        duration_us,
        body: body.to_string(),
    }
}

/// `/metrics`: messages and their round-trip time per partner subsystem and service.
fn count_message(m: &Claimed, s: &Sent) {
    let outcome = match s.status {
        Some(200..=299) => "ok",
        Some(_) => "error",
        None => "no_answer",
    };
    let labels = [
        ("direction", "out".to_string()),
        ("client", XROAD_CLIENT.to_string()),
        ("service", format!("{}/{}", m.subscriber, m.service)),
        ("outcome", outcome.to_string()),
    ];
    metrics::counter!("tuphap_exchange_messages_total", &labels).increment(1);
    metrics::histogram!("tuphap_exchange_message_duration_seconds", &labels[..3])
        .record(s.duration.as_secs_f64());
}

/// What one POST gave.
struct Sent {
    attempt: Attempt,
    /// The HTTP status and body of the answer, if one came.
    status: Option<u16>,
    body: Option<String>,
    duration: Duration,
}

/// The dispatcher: cheap to clone.
#[derive(Clone)]
pub struct Dispatcher {
    app: App,
    client: reqwest::Client,
    config: Arc<DispatchConfig>,
}

impl Dispatcher {
    pub fn new(app: App, config: DispatchConfig) -> Result<Dispatcher, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Dispatcher {
            app,
            client,
            config: Arc::new(config),
        })
    }

    fn store(&self) -> &Store {
        &self.app.store
    }

    /// Feeds the outbox from the change log.
    pub async fn feed(&self) -> Result<usize> {
        self.store()
            .feed_outbox(self.config.feed_batch, tuphap_store::now_utc())
            .await
    }

    /// One round of `worker`: claims a batch, builds the requests of linked steps from the
    /// register (kept on the message, so retries send the same body), POSTs them concurrently
    /// and records the outcomes in one transaction: a linked step's answer is applied to the
    /// register and the next step queued in the same transaction that marks it delivered, so
    /// an answer is applied once or not at all. Returns how many messages were handled.
    pub async fn run_once(&self, worker: &str) -> Result<usize> {
        let claimed = self
            .store()
            .claim_outbox(
                worker,
                self.config.batch,
                self.config.lease,
                tuphap_store::now_utc(),
            )
            .await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let mut prepared = Vec::with_capacity(claimed.len());
        for m in &claimed {
            prepared.push(self.prepare(m).await);
        }
        // Keep each built request, and record it in the signed message log, before sending it.
        let mut tx = self.store().begin().await?;
        let mut log = Vec::new();
        for (m, p) in claimed.iter().zip(prepared.iter_mut()) {
            if let (Prepared::Send(body), None) = (&*p, &m.request_body) {
                *p = Prepared::Send(tx.outbox_request_body(m.id, body).await?);
            }
            if let Prepared::Send(body) = &*p {
                log.push(log_entry(m, "request", None, None, body));
            }
        }
        tx.append_message_log(&log, tuphap_store::now_utc()).await?;
        tx.commit().await?;
        let mut sends = JoinSet::new();
        for (i, (m, p)) in claimed.iter().zip(&prepared).enumerate() {
            if let Prepared::Send(body) = p {
                let me = self.clone();
                let (url, id, body) = (m.endpoint_url.clone(), m.message_id.clone(), body.clone());
                sends.spawn(async move { (i, me.post(&url, &id, body).await) });
            }
        }
        let mut sent: Vec<Option<Sent>> = (0..claimed.len()).map(|_| None).collect();
        while let Some(done) = sends.join_next().await {
            if let Ok((i, s)) = done
                && let Some(slot) = sent.get_mut(i)
            {
                *slot = Some(s);
            }
        }
        self.record(worker, &claimed, &prepared, &sent).await?;
        Ok(claimed.len())
    }

    async fn prepare(&self, m: &Claimed) -> Prepared {
        if let Some(body) = &m.request_body {
            return Prepared::Send(body.clone());
        }
        // The national portal's status sync: its body is built from the change itself.
        match tuphap_domain::online::portal_sync::portal_request(m) {
            Some(Built::Send(body)) => return Prepared::Send(body),
            Some(Built::Skip { reason, go_on }) => return Prepared::Skip { reason, go_on },
            None => {}
        }
        match self.app.build_linked_request(m).await {
            Ok(None) => Prepared::Send(m.payload.clone()),
            Ok(Some(Built::Send(body))) => Prepared::Send(body),
            Ok(Some(Built::Skip { reason, go_on })) => Prepared::Skip { reason, go_on },
            Err(e) => Prepared::Later(format!(
                "không lập được yêu cầu: {} ({})",
                e.message, e.code
            )),
        }
    }

    /// Records the outcomes of one batch in one transaction.
    async fn record(
        &self,
        worker: &str,
        claimed: &[Claimed],
        prepared: &[Prepared],
        sent: &[Option<Sent>],
    ) -> Result<()> {
        let now = tuphap_store::now_utc();
        let policy = &self.config.policy;
        let mut audit = Vec::new();
        let mut changes = Vec::new();
        let mut tx = self.store().begin().await?;
        // The answers, recorded in the message log with what they lead to.
        let log: Vec<NewLogEntry> = claimed
            .iter()
            .zip(sent)
            .filter_map(|(m, s)| {
                let s = s.as_ref()?;
                Some(log_entry(
                    m,
                    "response",
                    s.status.map(i32::from),
                    Some(i64::try_from(s.duration.as_micros()).unwrap_or(i64::MAX)),
                    s.body.as_deref().unwrap_or_default(),
                ))
            })
            .collect();
        tx.append_message_log(&log, now).await?;
        for (m, s) in claimed.iter().zip(sent) {
            if let Some(s) = s {
                count_message(m, s);
            }
        }
        for ((m, p), s) in claimed.iter().zip(prepared).zip(sent) {
            let outcome = match (p, s) {
                (Prepared::Skip { reason, go_on }, _) => {
                    let response = go_on.then_some(GO_ON);
                    if tx
                        .outbox_delivered(m.id, worker, response, SKIPPED, Some(reason), now)
                        .await?
                        && *go_on
                        && let Some(next) = next_after_skip(m)
                    {
                        tx.enqueue_outbox(&next, now).await?;
                    }
                    continue;
                }
                (Prepared::Later(reason), _) => Attempt::Retry(reason.clone()),
                (Prepared::Send(_), None) => Attempt::Retry("gửi bị gián đoạn".to_string()),
                (Prepared::Send(_), Some(s)) => s.attempt.clone(),
            };
            match outcome {
                Attempt::Delivered => {
                    let answer = s.as_ref().and_then(|s| s.body.as_deref());
                    if !tx
                        .outbox_delivered(m.id, worker, answer, DONE, None, now)
                        .await?
                    {
                        continue;
                    }
                    match self.app.apply_linked_answer(&mut tx, m, answer, now).await {
                        Ok(applied) => {
                            audit.extend(applied.effect.audit);
                            changes.extend(applied.effect.changes);
                            if let Some(next) = applied.next {
                                tx.enqueue_outbox(&next, now).await?;
                            }
                        }
                        Err(e) if e.kind == ErrorKind::Internal => {
                            // The store failed: nothing of this batch is recorded; the leases
                            // expire and the messages are sent again under the same ids.
                            return Err(tuphap_store::StoreError::Corrupt(format!(
                                "applying the answer to {} failed: {}",
                                m.message_id, e.message
                            )));
                        }
                        Err(e) => {
                            let reason = format!("{} ({})", e.message, e.code);
                            tracing::warn!(message_id = %m.message_id, %reason, "partner answer refused: dead letter");
                            tx.outbox_refused_answer(m.id, &reason).await?;
                        }
                    }
                }
                Attempt::Retry(reason) => {
                    let outcome = tx
                        .outbox_failed(m.id, worker, &reason, false, policy, now)
                        .await?;
                    tracing::warn!(message_id = %m.message_id, subscriber = %m.subscriber, ?outcome, %reason, "exchange delivery failed");
                }
                Attempt::Refused(reason) => {
                    tx.outbox_failed(m.id, worker, &reason, true, policy, now)
                        .await?;
                    tracing::warn!(message_id = %m.message_id, subscriber = %m.subscriber, %reason, "exchange delivery refused: dead letter");
                }
            }
        }
        tx.commit_with(&audit, &changes).await?;
        Ok(())
    }

    /// POSTs one message.
    async fn post(&self, url: &str, message_id: &str, body: String) -> Sent {
        let started = Instant::now();
        let sent = self
            .client
            .post(url)
            .header("X-Road-Client", XROAD_CLIENT)
            .header("X-Road-Id", message_id)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let body = resp.text().await.unwrap_or_default();
                Sent {
                    attempt: classify(status, &body),
                    status: Some(status),
                    body: Some(body),
                    duration: started.elapsed(),
                }
            }
            Err(e) => Sent {
                attempt: Attempt::Retry(format!("request failed: {e}")),
                status: None,
                body: None,
                duration: started.elapsed(),
            },
        }
    }

    /// Starts the workers; they stop when `shutdown` becomes `true`. Worker 0 also feeds the
    /// outbox from the change log before each round. An idle worker wakes when this process
    /// commits change-log rows ([`Store::changes`]) or after `idle_wait`.
    pub fn spawn(&self, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        (0..self.config.workers.max(1))
            .map(|i| {
                let me = self.clone();
                let mut shutdown = shutdown.clone();
                let mut changes = me.store().changes();
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
                            // Woken by a commit of this process (a registration to send
                            // at once), else polls for rows other processes wrote.
                            tokio::select! {
                                _ = tokio::time::sleep(me.config.idle_wait) => {}
                                _ = changes.changed() => {}
                                r = shutdown.changed() => if r.is_err() { break; }
                            }
                        }
                    }
                })
            })
            .collect()
    }
}

//! Test doubles of partner agencies this project cannot reach — the national population
//! database (personal ID numbers, deaths), social insurance (BHXH: health-insurance cards,
//! funeral allowance) and the residence database (permanent residence) — served over
//! X-Road-style REST (`POST /r1/VN/GOV/{member}/{subsystem}/{service}`) by `tuphap sim`, as
//! separate processes. They are NOT the agencies' systems: formats follow the public ones, the
//! numbers are made up.
//!
//! One mechanism: [`handle`] is the generic X-Road request handler (headers, idempotency by
//! `X-Road-Id`, `X-Road-Request-Hash`, the error model, latency, injected errors, downtime,
//! persistence, counts); the per-service functions in [`services`] only compute answers.
//!
//! With [`SimConfig::oidc`] (`tuphap sim oidc`, and `sim all`), the same process also serves an
//! OpenID Connect identity provider double for the citizen login ([`oidc`]; not VNeID).

pub mod oidc;
pub mod payment;
pub mod services;
pub mod state;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

pub use services::Agency;
use state::{Exchange, SimState, StateFile};

/// An error in X-Road's error model: status, `X-Road-Error` header = `type`, body
/// `{"type", "message", "detail"}`. `message` is Vietnamese; `detail` a stable machine code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    pub status: u16,
    pub kind: &'static str,
    pub message: String,
    pub detail: String,
}

impl SimError {
    fn new(status: u16, kind: &'static str, detail: &str, message: String) -> SimError {
        SimError {
            status,
            kind,
            message,
            detail: detail.to_string(),
        }
    }
    /// 400 `Client.InvalidRequest`: the X-Road envelope (headers) is wrong.
    pub fn bad_request(detail: &str, message: String) -> SimError {
        SimError::new(400, "Client.InvalidRequest", detail, message)
    }
    /// 400 `Client.InvalidBody`: the service refuses the content.
    pub fn bad_body(detail: &str, message: String) -> SimError {
        SimError::new(400, "Client.InvalidBody", detail, message)
    }
    /// 409 `Client.Conflict`.
    pub fn conflict(detail: &str, message: String) -> SimError {
        SimError::new(409, "Client.Conflict", detail, message)
    }
    /// 500 `Server.ServerProxy.InternalError`.
    pub fn internal(detail: &str, message: String) -> SimError {
        SimError::new(500, "Server.ServerProxy.InternalError", detail, message)
    }
    /// 503 `Server.ServerProxy.ServiceUnavailable` (downtime, injected errors).
    pub fn unavailable(detail: &str, message: String) -> SimError {
        SimError::new(
            503,
            "Server.ServerProxy.ServiceUnavailable",
            detail,
            message,
        )
    }

    fn body(&self) -> Value {
        json!({ "type": self.kind, "message": self.message, "detail": self.detail })
    }
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = (status, axum::Json(self.body())).into_response();
        if let Ok(v) = HeaderValue::from_str(self.kind) {
            r.headers_mut().insert("x-road-error", v);
        }
        r
    }
}

/// How a simulator process behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The agencies served (all three for `tuphap sim all`).
    pub agencies: Vec<Agency>,
    /// JSON state file; in memory when `None`.
    pub state_file: Option<PathBuf>,
    /// Delay before each answer of an `/r1` request (after its effect is saved).
    pub latency: Duration,
    /// Fraction (0–1) of `/r1` requests answered 503 without effect.
    pub error_rate: f64,
    /// Seed of the injected-error draws (same seed, same order of requests → same errors).
    pub seed: u64,
    /// Start down (503 for every `/r1` request until `POST /sim/up`).
    pub down: bool,
    /// Also serve the OpenID Connect provider double ([`oidc`]); not served when `None`.
    pub oidc: Option<oidc::OidcConfig>,
    /// Also serve the payment gateway double ([`payment`]); not served when `None`.
    pub payment: Option<payment::PaymentConfig>,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            agencies: vec![
                Agency::Population,
                Agency::Insurance,
                Agency::Residence,
                Agency::Portal,
                Agency::Reporting,
            ],
            state_file: None,
            latency: Duration::ZERO,
            error_rate: 0.0,
            seed: 1,
            down: false,
            oidc: None,
            payment: None,
        }
    }
}

struct Inner {
    config: SimConfig,
    file: StateFile,
    state: Mutex<SimState>,
    down: AtomicBool,
    draws: AtomicU64,
    oidc: Option<oidc::Provider>,
    payment: Option<payment::Gateway>,
}

/// A simulator: cheap to clone, shared by the router's handlers.
#[derive(Clone)]
pub struct Sim(Arc<Inner>);

impl Sim {
    /// Loads the state file (an absent file is an empty state).
    pub fn open(config: SimConfig) -> std::io::Result<Sim> {
        let file = StateFile(config.state_file.clone());
        let mut state = file.load()?;
        let oidc = config.oidc.clone().map(|c| {
            let had_key = state.oidc.signing_key.is_some();
            let p = oidc::Provider::open(c, &mut state.oidc);
            (p, had_key)
        });
        let oidc = match oidc {
            Some((p, had_key)) => {
                if !had_key {
                    file.save(&state)?;
                }
                Some(p)
            }
            None => None,
        };
        let payment = config.payment.clone().map(payment::Gateway::new);
        Ok(Sim(Arc::new(Inner {
            oidc,
            payment,
            down: AtomicBool::new(config.down),
            config,
            file,
            state: Mutex::new(state),
            draws: AtomicU64::new(0),
        })))
    }

    /// The request counts (what `GET /sim/stats` serves).
    pub fn stats(&self) -> state::Stats {
        match self.0.state.lock() {
            Ok(s) => s.stats.clone(),
            Err(p) => p.into_inner().stats.clone(),
        }
    }

    /// The OIDC provider double, when served.
    pub(crate) fn provider(&self) -> Option<&oidc::Provider> {
        self.0.oidc.as_ref()
    }

    pub(crate) fn with_state<T>(&self, f: impl FnOnce(&SimState) -> T) -> T {
        match self.0.state.lock() {
            Ok(s) => f(&s),
            Err(p) => f(&p.into_inner()),
        }
    }

    /// Registers (or replaces) an OIDC client at run time; kept in the state file.
    pub fn register_oidc_client(&self, client: oidc::OidcClient) -> std::io::Result<()> {
        let mut guard = match self.0.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        guard
            .oidc
            .clients
            .retain(|c| c.client_id != client.client_id);
        guard.oidc.clients.push(client);
        self.0.file.save(&guard)
    }

    /// Registers (or replaces) a test identity of the OIDC provider's login page; kept in the
    /// state file.
    pub fn register_oidc_identity(&self, identity: oidc::Identity) -> std::io::Result<()> {
        let mut guard = match self.0.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        guard
            .oidc
            .identities
            .retain(|i| i.personal_id != identity.personal_id);
        guard.oidc.identities.push(identity);
        self.0.file.save(&guard)
    }

    /// Makes the OIDC provider misbehave (tests of the relying party); no effect without OIDC.
    pub fn set_oidc_fault(&self, fault: oidc::OidcFault) {
        if let Some(p) = self.provider() {
            p.set_fault(fault);
        }
    }

    /// The OIDC provider's public JWK set (`GET /jwks`), when served.
    pub fn oidc_jwks(&self) -> Option<Value> {
        self.provider().map(|p| p.jwks())
    }

    /// True for an injected error on this request: splitmix64 of (seed, draw number).
    fn injected_error(&self) -> bool {
        let rate = self.0.config.error_rate;
        if rate <= 0.0 {
            return false;
        }
        let n = self.0.draws.fetch_add(1, Ordering::SeqCst);
        let mut z = self
            .0
            .config
            .seed
            .wrapping_add(n.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((z >> 11) as f64 / (1u64 << 53) as f64) < rate
    }
}

/// The router: `POST /r1/{instance}/{class}/{member}/{subsystem}/{service}`, `GET /sim/stats`,
/// `POST /sim/down`, `POST /sim/up`.
pub fn router(sim: Sim) -> Router {
    let oidc = if sim.0.oidc.is_some() {
        oidc::router()
    } else {
        Router::new()
    };
    let payment = if sim.0.payment.is_some() {
        payment::router()
    } else {
        Router::new()
    };
    Router::new()
        .merge(oidc)
        .merge(payment)
        .route(
            "/r1/{instance}/{class}/{member}/{subsystem}/{service}",
            post(handle),
        )
        .route("/sim/stats", get(stats))
        .route("/sim/down", post(set_down))
        .route("/sim/up", post(set_up))
        .with_state(sim)
}

async fn stats(State(sim): State<Sim>) -> axum::Json<state::Stats> {
    axum::Json(sim.stats())
}

async fn set_down(State(sim): State<Sim>) -> axum::Json<Value> {
    sim.0.down.store(true, Ordering::SeqCst);
    axum::Json(json!({ "down": true }))
}

async fn set_up(State(sim): State<Sim>) -> axum::Json<Value> {
    sim.0.down.store(false, Ordering::SeqCst);
    axum::Json(json!({ "down": false }))
}

/// `X-Road-Request-Hash`: base64 of the SHA-512 of the request body. (Real X-Road hashes the
/// serialised request head too — pr-rest §4.3 — a detail of the security servers' own
/// exchange; a simulator without security servers binds the answer to the body it received.)
/// The same digest as the message log's body hash (one implementation).
pub use tuphap_core::exchange_proof::body_hash as request_hash;

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    // X-Road: sent more than once, the last one wins.
    headers
        .get_all(name)
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The generic X-Road request handler wrapping every per-service function.
async fn handle(
    State(sim): State<Sim>,
    Path((instance, class, member, subsystem, code)): Path<(
        String,
        String,
        String,
        String,
        String,
    )>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let service = services::find(&instance, &class, &member, &subsystem, &code)
        .filter(|s| sim.0.config.agencies.contains(&s.agency));
    let request_id = header(&headers, "x-road-id");
    let hash = request_hash(&body);
    let outcome = answer(&sim, service, &headers, request_id.as_deref(), &hash, &body);
    if !sim.0.config.latency.is_zero() {
        tokio::time::sleep(sim.0.config.latency).await;
    }
    let (mut response, service_id) = match outcome {
        Ok((status, value)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            ((status, axum::Json(value)).into_response(), true)
        }
        Err(e) => (e.into_response(), service.is_some()),
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&hash) {
        h.insert(HeaderName::from_static("x-road-request-hash"), v);
    }
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        h.insert(HeaderName::from_static("x-road-id"), id);
    }
    if let Some(c) = header(&headers, "x-road-client").and_then(|c| HeaderValue::from_str(&c).ok())
    {
        h.insert(HeaderName::from_static("x-road-client"), c);
    }
    if service_id
        && let Ok(v) =
            HeaderValue::from_str(&format!("{instance}/{class}/{member}/{subsystem}/{code}"))
    {
        h.insert(HeaderName::from_static("x-road-service"), v);
    }
    response
}

/// Everything but the latency and the response headers: returns the status and JSON of a
/// success, or the error. The state (with the counts) is saved before this returns.
fn answer(
    sim: &Sim,
    service: Option<&'static services::Service>,
    headers: &HeaderMap,
    request_id: Option<&str>,
    hash: &str,
    body: &[u8],
) -> Result<(u16, Value), SimError> {
    let mut guard = match sim.0.state.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    let before = sim.0.config.state_file.is_some().then(|| guard.clone());
    let result = decide(sim, &mut guard, service, headers, request_id, hash, body);
    let stats = &mut guard.stats;
    stats.requests += 1;
    let per = service.map(|s| stats.services.entry(s.code.to_string()).or_default());
    let (repeat, effective, error) = match &result {
        Ok(Outcome::Repeat(..)) => (1, 0, 0),
        Ok(Outcome::Effective(..)) => (0, 1, 0),
        Err(_) => (0, 0, 1),
    };
    if let Some(per) = per {
        per.requests += 1;
        per.repeats += repeat;
        per.effective += effective;
        per.errors += error;
    }
    stats.repeats += repeat;
    stats.effective += effective;
    stats.errors += error;
    if let Some(id) = request_id {
        *stats.request_ids.entry(id.to_string()).or_default() += 1;
    }
    if let Err(e) = sim.0.file.save(&guard) {
        // Nothing is acknowledged that is not on disk: undo, and refuse.
        if let Some(before) = before {
            *guard = before;
        }
        return Err(SimError::internal(
            "state_not_saved",
            format!("Không ghi được tệp trạng thái của bộ mô phỏng: {e}."),
        ));
    }
    result.map(|o| match o {
        Outcome::Repeat(s, v) | Outcome::Effective(s, v) => (s, v),
    })
}

enum Outcome {
    Repeat(u16, Value),
    Effective(u16, Value),
}

fn decide(
    sim: &Sim,
    state: &mut SimState,
    service: Option<&'static services::Service>,
    headers: &HeaderMap,
    request_id: Option<&str>,
    hash: &str,
    body: &[u8],
) -> Result<Outcome, SimError> {
    if sim.0.down.load(Ordering::SeqCst) {
        return Err(SimError::unavailable(
            "sim_down",
            "Hệ thống của cơ quan đối tác đang tạm ngừng (mô phỏng). Hãy gửi lại sau.".to_string(),
        ));
    }
    if sim.injected_error() {
        return Err(SimError::unavailable(
            "sim_injected_error",
            "Hệ thống của cơ quan đối tác đang quá tải (lỗi mô phỏng). Hãy gửi lại sau."
                .to_string(),
        ));
    }
    if header(headers, "x-road-client").is_none() {
        return Err(SimError::bad_request(
            "x_road_client_missing",
            "Thiếu tiêu đề X-Road-Client (định danh hệ thống gửi yêu cầu, dạng VN/GOV/BTP/HTTT-HTTP)."
                .to_string(),
        ));
    }
    let Some(request_id) = request_id else {
        return Err(SimError::bad_request(
            "x_road_id_missing",
            "Thiếu tiêu đề X-Road-Id (mã duy nhất của yêu cầu, dùng để gửi lại không bị trùng)."
                .to_string(),
        ));
    };
    let Some(service) = service else {
        return Err(SimError::new(
            404,
            "Client.UnknownService",
            "service_unknown",
            "Bộ mô phỏng này không cung cấp dịch vụ ở đường dẫn đã gọi.".to_string(),
        ));
    };
    if let Some(first) = state.exchanges.get(request_id) {
        if first.service == service.code && first.request_hash == hash {
            return Ok(Outcome::Repeat(first.status, first.body.clone()));
        }
        return Err(SimError::conflict(
            "x_road_id_reused",
            format!(
                "X-Road-Id {request_id} đã được dùng cho một yêu cầu khác (dịch vụ {} hoặc nội dung khác).",
                first.service
            ),
        ));
    }
    let today = time::OffsetDateTime::now_utc().date();
    let value = (service.run)(state, body, today)?;
    state.exchanges.insert(
        request_id.to_string(),
        Exchange {
            service: service.code.to_string(),
            request_hash: hash.to_string(),
            status: 200,
            body: value.clone(),
        },
    );
    Ok(Outcome::Effective(200, value))
}

/// Serves `router(sim)` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    sim: Sim,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(sim))
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn draws(seed: u64, rate: f64) -> Vec<bool> {
        let sim = Sim::open(SimConfig {
            error_rate: rate,
            seed,
            ..SimConfig::default()
        })
        .unwrap();
        (0..1000).map(|_| sim.injected_error()).collect()
    }

    #[test]
    fn injected_errors_are_deterministic_for_a_seed_and_near_the_rate() {
        let a = draws(7, 0.3);
        assert_eq!(a, draws(7, 0.3));
        assert_ne!(a, draws(8, 0.3));
        let n = a.iter().filter(|e| **e).count();
        assert!((250..350).contains(&n), "{n} errors in 1000 at 30%");
        assert!(draws(7, 0.0).iter().all(|e| !e));
        assert!(draws(7, 1.0).iter().all(|e| *e));
    }

    #[test]
    fn request_hash_is_base64_sha512_of_the_body() {
        // echo -n '{}' | sha512sum | xxd -r -p | base64
        assert_eq!(
            request_hash(b"{}"),
            "J8dGcK23UHX60FjVzq97IMTneGyDuuijL2Jvl4KvNMmjPCBG72D9Knh403jin+yFGAa72aZ4ePOp8c2kgwdj/Q=="
        );
    }
}

//! `tuphap sim population|insurance|residence|portal|reporting|oidc|payment|all`: runs the partner-agency test doubles of
//! `tuphap-sim` as a process of its own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use clap::{Args, ValueEnum};
use tuphap_sim::{Agency, Sim, SimConfig};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// National population database (Bộ Công an): assignPersonalId, recordDeath.
    Population,
    /// Social insurance (BHXH): issueHealthInsuranceCard, funeralAllowance.
    Insurance,
    /// Residence database (Bộ Công an): registerPermanentResidence, removeResidence.
    Residence,
    /// Identity provider (VNeID-style, OpenID Connect): citizen login of the online services.
    Oidc,
    /// National public-service portal (VPCP): syncDossierStatus.
    Portal,
    /// Government reporting system (VPCP): submitReport.
    Reporting,
    /// Payment gateway (VNPay/Keypay-style): fees of online dossiers.
    Payment,
    /// All of them on one address (the agencies, the identity provider and the payment gateway).
    All,
}

#[derive(Args, Debug)]
pub struct SimArgs {
    /// Which agency to simulate.
    #[arg(value_enum)]
    which: Which,
    /// Address and port to listen on (port 0: any free port, printed on start).
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// JSON state file (written atomically after every request); in memory when absent.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Delay in milliseconds before each answer (after its effect is saved).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fraction (0–1) of requests answered 503 without effect.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Seed of the injected errors (same seed and request order: same errors).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Start down: 503 for every request until `POST /sim/up`.
    #[arg(long)]
    down: bool,
    /// An OIDC client of the identity provider, `ID:SECRET:REDIRECT_URI` (repeatable; more can
    /// be registered at run time with `POST /sim/oidc/clients`).
    #[arg(long = "oidc-client", value_name = "ID:SECRET:REDIRECT_URI")]
    oidc_clients: Vec<String>,
    /// The identity provider's issuer URL (default: `http://<Host header>`).
    #[arg(long)]
    oidc_issuer: Option<String>,
    /// An extra test identity of the identity provider's login page,
    /// `PERSONAL_ID:NAME:YYYY-MM-DD:male|female` (repeatable; more with
    /// `POST /sim/oidc/identities`).
    #[arg(long = "oidc-identity", value_name = "ID:NAME:BIRTHDATE:GENDER")]
    oidc_identities: Vec<String>,
    /// A merchant of the payment gateway, `ID:SECRET:CALLBACK_URL` (repeatable; more can be
    /// registered at run time with `POST /sim/payment/merchants`).
    #[arg(long = "payment-merchant", value_name = "ID:SECRET:CALLBACK_URL")]
    payment_merchants: Vec<String>,
    /// The payment gateway records transactions but sends no callbacks (to test reconciliation;
    /// also `POST /sim/payment/fault {"drop_callbacks": true}`).
    #[arg(long)]
    payment_drop_callbacks: bool,
}

pub async fn run(
    args: SimArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.error_rate) {
        return Err(anyhow!("--error-rate phải nằm trong khoảng 0 đến 1"));
    }
    tuphap_core::reference::ensure_loaded()
        .map_err(|e| anyhow!("dữ liệu danh mục nhúng trong chương trình bị lỗi: {e}"))?;
    let agencies = match args.which {
        Which::Population => vec![Agency::Population],
        Which::Insurance => vec![Agency::Insurance],
        Which::Residence => vec![Agency::Residence],
        Which::Oidc | Which::Payment => vec![],
        Which::Portal => vec![Agency::Portal],
        Which::Reporting => vec![Agency::Reporting],
        Which::All => vec![
            Agency::Population,
            Agency::Insurance,
            Agency::Residence,
            Agency::Portal,
            Agency::Reporting,
        ],
    };
    let oidc = match args.which {
        Which::Oidc | Which::All => {
            let mut clients = Vec::new();
            for c in &args.oidc_clients {
                clients.push(tuphap_sim::oidc::OidcClient::parse(c).ok_or_else(|| {
                    anyhow!("--oidc-client phải có dạng ID:SECRET:REDIRECT_URI, nhận được {c:?}")
                })?);
            }
            let mut identities = Vec::new();
            for i in &args.oidc_identities {
                identities.push(tuphap_sim::oidc::Identity::parse(i).ok_or_else(|| {
                    anyhow!(
                        "--oidc-identity phải có dạng SỐ_ĐỊNH_DANH:HỌ_TÊN:YYYY-MM-DD:male|female, nhận được {i:?}"
                    )
                })?);
            }
            Some(tuphap_sim::oidc::OidcConfig {
                issuer: args.oidc_issuer.clone(),
                clients,
                identities,
            })
        }
        _ => None,
    };
    let payment = match args.which {
        Which::Payment | Which::All => {
            let mut merchants = Vec::new();
            for m in &args.payment_merchants {
                merchants.push(tuphap_sim::payment::Merchant::parse(m).ok_or_else(|| {
                    anyhow!(
                        "--payment-merchant phải có dạng ID:SECRET:CALLBACK_URL, nhận được {m:?}"
                    )
                })?);
            }
            Some(tuphap_sim::payment::PaymentConfig {
                merchants,
                drop_callbacks: args.payment_drop_callbacks,
            })
        }
        _ => None,
    };
    let sim = Sim::open(SimConfig {
        agencies,
        state_file: args.state.clone(),
        latency: Duration::from_millis(args.latency_ms),
        error_rate: args.error_rate,
        seed: args.seed,
        down: args.down,
        oidc,
        payment,
    })
    .with_context(|| "không đọc được tệp trạng thái của bộ mô phỏng")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("không lắng nghe được trên {}", args.listen))?;
    let local = listener.local_addr()?;
    println!(
        "tuphap sim {:?} (bộ mô phỏng cơ quan đối tác, chỉ dùng để kiểm thử) đang chạy: http://{local}  trạng thái: {}",
        args.which,
        args.state
            .as_ref()
            .map_or_else(|| "trong bộ nhớ".to_string(), |p| p.display().to_string())
    );
    tuphap_sim::serve(listener, sim, shutdown).await?;
    Ok(ExitCode::SUCCESS)
}

/// The citizen-login settings of `tuphap serve`: `--oidc-*` when given; otherwise, with the
/// demo's simulators at `demo_sim`, a client registered with the simulated identity provider
/// (`POST /sim/oidc/clients`, a fresh secret each start); otherwise none.
pub async fn citizen_login_settings(
    issuer: Option<&str>,
    client_id: Option<&str>,
    client_secret: Option<&str>,
    demo_sim: Option<&str>,
    public_url: &str,
) -> Result<Option<tuphap_web::citizen::OidcSettings>> {
    let redirect_uri = format!("{}/citizen/callback", public_url.trim_end_matches('/'));
    if let Some(issuer) = issuer {
        let (Some(id), Some(secret)) = (client_id, client_secret) else {
            return Err(anyhow!(
                "--oidc-issuer cần cả --oidc-client-id và --oidc-client-secret"
            ));
        };
        return Ok(Some(tuphap_web::citizen::OidcSettings {
            issuer: issuer.trim_end_matches('/').to_string(),
            client_id: id.to_string(),
            client_secret: secret.to_string(),
            redirect_uri,
        }));
    }
    let Some(sim_url) = demo_sim else {
        return Ok(None);
    };
    let client = tuphap_sim::oidc::OidcClient {
        client_id: "tuphap-demo".into(),
        client_secret: tuphap_domain::identity::random_token(),
        redirect_uris: vec![redirect_uri.clone()],
    };
    let sim_url = sim_url.trim_end_matches('/');
    let resp = reqwest::Client::new()
        .post(format!("{sim_url}/sim/oidc/clients"))
        .json(&client)
        .send()
        .await
        .with_context(|| "không đăng ký được ứng dụng với hệ thống định danh mô phỏng")?;
    if !resp.status().is_success() {
        return Err(anyhow!(
            "hệ thống định danh mô phỏng từ chối đăng ký ứng dụng: {}",
            resp.status()
        ));
    }
    Ok(Some(tuphap_web::citizen::OidcSettings {
        issuer: sim_url.to_string(),
        client_id: client.client_id,
        client_secret: client.client_secret,
        redirect_uri,
    }))
}

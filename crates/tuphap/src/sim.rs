//! `tuphap sim population|insurance|residence|all`: runs the partner-agency test doubles of
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
    /// All three on one address.
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
        Which::All => vec![Agency::Population, Agency::Insurance, Agency::Residence],
    };
    let sim = Sim::open(SimConfig {
        agencies,
        state_file: args.state.clone(),
        latency: Duration::from_millis(args.latency_ms),
        error_rate: args.error_rate,
        seed: args.seed,
        down: args.down,
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

//! Anti-malware scanning of uploaded files (issue 8, item 3): the `--clamd` option of
//! `tuphap serve` and `tuphap files rescan`, and the server's periodic rescan of files left
//! `pending` while clamd was down (`tuphap_domain::online::malware`).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, anyhow};
use clap::{Args, Subcommand};
use tuphap_domain::App;
use tuphap_domain::online::malware::{ClamdAddress, ClamdScanner};

use crate::GlobalArgs;

/// Where ClamAV's daemon listens.
#[derive(Args, Debug, Clone)]
pub struct ClamdArgs {
    /// ClamAV daemon scanning every upload: tcp://127.0.0.1:3310 or unix:/run/clamav/clamd.ctl.
    /// Without it uploads are stored unscanned (`not_scanned`): development only, production
    /// must set it.
    #[arg(long, env = "TUPHAP_CLAMD")]
    pub clamd: Option<String>,
}

impl ClamdArgs {
    /// The scanner, if configured.
    pub fn scanner(&self) -> Result<Option<ClamdScanner>> {
        match self
            .clamd
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(None),
            Some(s) => {
                let address: ClamdAddress = s
                    .parse()
                    .map_err(|e| anyhow!("địa chỉ clamd không hợp lệ: {e}"))?;
                Ok(Some(ClamdScanner::new(address)))
            }
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum FilesCommand {
    /// Scan the uploaded files left `pending` (clamd was down when they came): each becomes
    /// `clean`, or `infected` (content quarantined, event recorded).
    Rescan {
        #[command(flatten)]
        clamd: ClamdArgs,
    },
}

pub async fn run(g: &GlobalArgs, command: FilesCommand) -> Result<ExitCode> {
    match command {
        FilesCommand::Rescan { clamd } => {
            let Some(scanner) = clamd.scanner()? else {
                eprintln!("Lỗi: cần --clamd (hoặc TUPHAP_CLAMD) để quét tệp.");
                return Ok(ExitCode::FAILURE);
            };
            let store = crate::open_store(g).await?;
            let app = App::new(store.clone()).with_malware_scanner(scanner);
            let mut total = tuphap_domain::online::malware::RescanReport::default();
            loop {
                let r = app
                    .rescan_pending_files(200)
                    .await
                    .map_err(|e| anyhow!("[{}] {}", e.code, e.message))?;
                total.clean += r.clean;
                total.infected += r.infected;
                total.pending = r.pending;
                if r.clean + r.infected == 0 {
                    break;
                }
            }
            store.close().await;
            println!(
                "Quét lại tệp chờ kiểm tra: {} sạch, {} nhiễm mã độc (đã cách ly), {} vẫn chờ.",
                total.clean, total.infected, total.pending
            );
            Ok(if total.pending > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// The server's rescan: every `every`, the pending files are scanned (quiet when there are
/// none); stops with the server.
pub async fn rescan_loop(
    app: App,
    every: Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        match app.rescan_pending_files(100).await {
            Ok(r) if r.clean + r.infected > 0 => {
                tracing::info!(
                    clean = r.clean,
                    infected = r.infected,
                    pending = r.pending,
                    "malware rescan"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(code = e.code, "malware rescan failed"),
        }
    }
}

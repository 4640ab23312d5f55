//! `tuphap exchange verify | proof | verify-proof`: the signed message log of the exchange
//! platform (see `tuphap_store::exchange_log` and `tuphap_exchange::log`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use tuphap_core::dates::VN_OFFSET;
use tuphap_core::error::Coded;
use tuphap_core::exchange_proof::{Proof, verify_proof};
use tuphap_exchange::log::{LogError, LogSigner, export_proof, verify_log};

use crate::GlobalArgs;

#[derive(Subcommand, Debug)]
pub enum LogCommand {
    /// Verify the whole message log: hash chain, bodies, every checkpoint and its signature
    /// (exit 0 when intact, 1 naming the first bad entry)
    Verify,
    /// Export the proof (JSON) of one message, verifiable offline without the database; signs
    /// the pending entries first when needed
    Proof {
        /// The message id (X-Road-Id)
        message_id: String,
        /// Write to this file (default: standard output)
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Verify a proof file without opening any database (exit 0 when valid, 1 when not)
    VerifyProof {
        /// A proof file written by `tuphap exchange proof`
        file: PathBuf,
    },
}

pub async fn run(g: &GlobalArgs, command: LogCommand) -> Result<ExitCode> {
    match command {
        LogCommand::Verify => verify(g).await,
        LogCommand::Proof { message_id, out } => proof(g, &message_id, out).await,
        LogCommand::VerifyProof { file } => Ok(verify_proof_file(&file)),
    }
}

/// `dd/mm/yyyy HH:MM:SS` (Vietnam time) of unix microseconds.
fn vn_time(micros: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000) {
        Ok(t) => {
            let t = t.to_offset(VN_OFFSET);
            format!(
                "{:02}/{:02}/{:04} {:02}:{:02}:{:02}",
                t.day(),
                u8::from(t.month()),
                t.year(),
                t.hour(),
                t.minute(),
                t.second()
            )
        }
        Err(_) => "—".to_string(),
    }
}

async fn verify(g: &GlobalArgs) -> Result<ExitCode> {
    let store = crate::open_store(g).await?;
    let v = verify_log(&store).await;
    store.close().await;
    let v = v.map_err(|e| anyhow::anyhow!(e.message_vi()))?;
    match v.first_bad {
        None => {
            println!(
                "Nhật ký thông điệp toàn vẹn: {} thông điệp, {} điểm ký; {} bản ghi chưa ký.",
                v.entries, v.checkpoints, v.unsigned
            );
            if let Some((seq, at)) = v.last_checkpoint {
                println!("Điểm ký cuối: bản ghi {seq}, lúc {}.", vn_time(at));
            }
            Ok(ExitCode::SUCCESS)
        }
        Some((seq, problem)) => {
            eprintln!(
                "NHẬT KÝ THÔNG ĐIỆP KHÔNG TOÀN VẸN: bản ghi đầu tiên có vấn đề là số {seq}: {problem}"
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn proof(g: &GlobalArgs, message_id: &str, out: Option<PathBuf>) -> Result<ExitCode> {
    let store = crate::open_store(g).await?;
    let made = make_proof(g, &store, message_id).await;
    store.close().await;
    let p = match made {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{} ({})", e.message_vi(), e.code());
            return Ok(ExitCode::FAILURE);
        }
    };
    // The proof is checked before it is handed out.
    let summary = match verify_proof(&p) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "Tệp chứng minh lập ra không kiểm tra được: {} ({}). Hãy chạy `tuphap exchange verify`.",
                e.message_vi(),
                e.code()
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let json = serde_json::to_string_pretty(&p)?;
    match out {
        Some(path) => {
            std::fs::write(&path, json + "\n")
                .with_context(|| format!("không ghi được {}", path.display()))?;
            println!(
                "Đã ghi tệp chứng minh của thông điệp {message_id} vào {} ({} bản ghi của thông điệp, chuỗi {} bản ghi tới điểm ký {}).",
                path.display(),
                summary.entries.len(),
                summary.rows_chained,
                summary.checkpoint_seq
            );
            println!(
                "Khóa ký: {}, dấu vân tay {}",
                summary.key_id, summary.key_fingerprint
            );
        }
        None => println!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn make_proof(
    g: &GlobalArgs,
    store: &tuphap_store::Store,
    message_id: &str,
) -> Result<Proof, LogError> {
    match export_proof(store, message_id).await {
        Err(LogError::NotYetSigned(_)) => {
            let signer = LogSigner::load_or_create(store, &g.data_dir.join("keys")).await?;
            signer.sign_pending(store).await?;
            export_proof(store, message_id).await
        }
        r => r,
    }
}

fn verify_proof_file(file: &std::path::Path) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("Không đọc được tệp {}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    };
    let p: Proof = match serde_json::from_str(&text) {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "Tệp {} không phải tệp chứng minh thông điệp hợp lệ (proof_malformed): {e}",
                file.display()
            );
            return ExitCode::FAILURE;
        }
    };
    match verify_proof(&p) {
        Ok(s) => {
            println!(
                "Tệp chứng minh HỢP LỆ: thông điệp {} nằm trong nhật ký thông điệp, chuỗi {} bản ghi tới điểm ký tại bản ghi {} (ký lúc {}).",
                s.message_id,
                s.rows_chained,
                s.checkpoint_seq,
                vn_time(s.signed_at)
            );
            for e in &s.entries {
                let direction = if e.direction == "out" {
                    "gửi đi"
                } else {
                    "nhận vào"
                };
                let kind = if e.kind == "request" {
                    "yêu cầu"
                } else {
                    "trả lời"
                };
                let mut line = format!(
                    "  #{} {} {kind} ({direction}) {} → {}",
                    e.seq,
                    vn_time(e.recorded_at),
                    e.client,
                    e.service
                );
                if let Some(st) = e.status {
                    line.push_str(&format!(", mã trạng thái {st}"));
                }
                if let Some(us) = e.duration_us {
                    line.push_str(&format!(", {} ms", us / 1000));
                }
                println!("{line}");
            }
            println!("Khóa ký: {} — dấu vân tay {}", s.key_id, s.key_fingerprint);
            println!(
                "Tệp chỉ chứng minh tính toàn vẹn theo khóa công khai ghi trong tệp: hãy so dấu vân tay trên với khóa công khai đã công bố của Bộ Tư pháp."
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "TỆP CHỨNG MINH KHÔNG HỢP LỆ: {} ({})",
                e.message_vi(),
                e.code()
            );
            ExitCode::FAILURE
        }
    }
}

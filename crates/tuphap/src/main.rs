//! `tuphap`: the one binary of the platform. Run `tuphap --help`.

mod backup_cli;
mod bench;
mod bench_exchange;
mod demo;
mod demo_dossiers;
mod demo_records;
mod exchange_cli;
mod exchange_log_cli;
mod exchange_outbox_cli;
mod files_cli;
mod payments_cli;
mod sim;

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand, ValueEnum};
use tuphap_domain::App;
use tuphap_domain::identity::NewUserInput;
use tuphap_store::Store;
use tuphap_web::{AppState, WebConfig};

/// mimalloc instead of glibc malloc: the import and the server allocate per row and per request
/// on several threads, where glibc malloc spent a quarter of the import's CPU (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "tuphap",
    version,
    about = "Nền tảng số ngành Tư pháp (tuphap): máy chủ và công cụ vận hành.",
    long_about = None
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
pub(crate) struct GlobalArgs {
    /// Data directory (SQLite database, generated keys, demo logins).
    #[arg(
        long,
        global = true,
        env = "TUPHAP_DATA_DIR",
        default_value = "./tuphap-data"
    )]
    data_dir: PathBuf,
    /// PostgreSQL URL (postgres://user:pass@host/db); SQLite in the data directory when absent.
    #[arg(
        long,
        global = true,
        env = "TUPHAP_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// Log format.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "TUPHAP_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: LogFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web server (back office, API, operations endpoints).
    Serve(ServeArgs),
    /// Apply database migrations and load the reference data, then exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Rebuild the civil-status search index (`<data dir>/search`) from the change log.
    Reindex,
    /// Generate a synthetic but realistic country in the legacy-import format (deterministic for
    /// a seed): `--count N` rows or `--scale national` (≈ 51 M rows); or, with `--corrupt N
    /// --from FILE`, a copy of FILE with N known defects and the list of expected rejections.
    Generate(GenerateArgs),
    /// Measurements for BENCHMARKS.md (lookups, name search, raw insert, registration over HTTP).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Import legacy civil-status records (JSON Lines, see docs/legacy-format.md) with the
    /// same checks as the API; rejected rows go to a report; re-running continues an interrupted
    /// import.
    Import(ImportArgs),
    /// Certificate signing keys of the offices.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Test doubles of partner agencies (population database, social insurance, residence)
    /// over X-Road-style REST; for tests and demos, never the agencies' real systems.
    Sim(sim::SimArgs),
    /// The exchange platform (LGSP): message log, outbox, subscriptions, dead letters.
    Exchange {
        #[command(subcommand)]
        command: exchange_cli::ExchangeCommand,
    },
    /// Fee payments of online dossiers (payment gateway): reconciliation.
    Payments {
        #[command(subcommand)]
        command: payments_cli::PaymentsCommand,
    },
    /// Uploaded files: anti-malware rescan of the files left pending (clamd).
    Files {
        #[command(subcommand)]
        command: files_cli::FilesCommand,
    },
    /// Online, consistent backup (database snapshot, data directory's keys, manifest with
    /// counts and checksums) into a new directory; see docs/operations/backup.md.
    Backup(backup_cli::BackupArgs),
    /// Restore a backup into an empty data directory (and empty database with
    /// --database-url), then verify checksums, counts, the audit chain and the message log.
    Restore(backup_cli::RestoreArgs),
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Scale {
    /// The registry's size at the end of 2022 (births, marriages, deaths: ≈ 51 M rows).
    National,
}

#[derive(Args, Debug)]
struct GenerateArgs {
    /// Number of rows (births, marriages and deaths in the national proportions).
    #[arg(long, conflicts_with = "scale")]
    count: Option<u64>,
    /// A named size instead of --count.
    #[arg(long, value_enum)]
    scale: Option<Scale>,
    /// The random seed: the same seed and size give the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file (JSON Lines).
    #[arg(long)]
    out: PathBuf,
    /// Copy --from with this many rows replaced by defective ones; the expected rejections go
    /// to `<out>.expected.jsonl`.
    #[arg(long, requires = "from")]
    corrupt: Option<u64>,
    /// The file to corrupt.
    #[arg(long)]
    from: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct ImportArgs {
    /// The file to import (JSON Lines, UTF-8).
    file: PathBuf,
    /// Name of the source system (with each row's source_id, what makes a re-run idempotent).
    #[arg(long, default_value = "legacy")]
    source: String,
    /// Rows per transaction.
    #[arg(long, default_value_t = 5_000)]
    batch: usize,
    /// Where to write the rejected rows (CSV: line, source_id, field, code, message);
    /// default: the file's name with `.rejects.csv`.
    #[arg(long)]
    rejects: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Retire an office's signing keys: the next certificate is signed with a new key generated
    /// into `<data dir>/keys`; certificates signed with the old keys keep verifying.
    Rotate {
        /// The office's code (commune code, province code or BTP).
        #[arg(long)]
        office: String,
    },
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "TUPHAP_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The URL people use to reach the server (https:// turns on Secure cookies and HSTS).
    #[arg(long, env = "TUPHAP_PUBLIC_URL")]
    public_url: Option<String>,
    /// Seed demo users (passwords generated into the data directory) and print how to log in;
    /// without `--partners`, also start the partner-agency simulators (`tuphap sim all`, state
    /// in the data directory) and link the procedures to them.
    #[arg(long)]
    demo: bool,
    /// Base URL of the local X-Road security server through which partner agencies are reached
    /// (e.g. http://127.0.0.1:8090): links births and deaths to the population database,
    /// residence and social insurance (the linked procedures).
    #[arg(long, env = "TUPHAP_PARTNERS")]
    partners: Option<String>,
    /// Delivery workers of the exchange outbox.
    #[arg(long, env = "TUPHAP_EXCHANGE_WORKERS", default_value_t = 2)]
    exchange_workers: usize,
    /// Citizen login (online services): issuer URL of the OpenID Connect identity provider
    /// (VNeID). With `--demo` and no issuer, the demo's simulated provider is used.
    #[arg(long, env = "TUPHAP_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// Our client id at the identity provider.
    #[arg(long, env = "TUPHAP_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    oidc_client_id: Option<String>,
    /// Our client secret at the identity provider.
    #[arg(
        long,
        env = "TUPHAP_OIDC_CLIENT_SECRET",
        hide_env_values = true,
        requires = "oidc_issuer"
    )]
    oidc_client_secret: Option<String>,
    #[command(flatten)]
    payment: payments_cli::PaymentArgs,
    #[command(flatten)]
    clamd: files_cli::ClamdArgs,
    /// Seconds between rescans of uploads left pending while clamd was down.
    #[arg(long, env = "TUPHAP_CLAMD_RESCAN_SECS", default_value_t = 60)]
    clamd_rescan_secs: u64,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create a user; the password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        /// officer, signer, province, ministry, auditor or admin.
        #[arg(long)]
        role: String,
        /// Admin-unit code of the user's office in today's structure (commune 5 digits,
        /// province 2 digits) or BTP for the ministry; the office is created on first use.
        #[arg(long)]
        unit: String,
        /// Full name shown in the interface.
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Verify the whole hash chain; exit status 0 when intact, 1 naming the first bad entry.
    Verify,
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TUPHAP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

pub(crate) async fn open_store(g: &GlobalArgs) -> Result<Store> {
    tuphap_core::reference::ensure_loaded()
        .map_err(|e| anyhow!("dữ liệu danh mục nhúng trong chương trình bị lỗi: {e}"))?;
    let store = Store::open(g.database_url.as_deref(), &g.data_dir)
        .await
        .with_context(|| "không mở được cơ sở dữ liệu")?;
    store
        .migrate()
        .await
        .with_context(|| "không áp dụng được migration")?;
    store
        .load_reference_data()
        .await
        .with_context(|| "không nạp được dữ liệu danh mục")?;
    Ok(store)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Lỗi: không khởi động được tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Lỗi: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let g = cli.global;
    match cli.command {
        Command::Serve(args) => serve(&g, args).await,
        Command::Reindex => {
            let store = open_store(&g).await?;
            let dir = g.data_dir.join("search");
            let index = tuphap_search::SearchIndex::open(&dir)
                .with_context(|| format!("không mở được chỉ mục tìm kiếm {}", dir.display()))?;
            let n = index.rebuild(&store).await?;
            println!(
                "Đã lập lại chỉ mục tìm kiếm: {n} hồ sơ ({}).",
                dir.display()
            );
            drop(index);
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(args) => import(&g, args).await,
        Command::Generate(args) => generate(args),
        Command::Sim(args) => sim::run(args, shutdown_signal()).await,
        Command::Exchange { command } => exchange_cli::run(&g, command).await,
        Command::Payments { command } => payments_cli::run(&g, command).await,
        Command::Files { command } => files_cli::run(&g, command).await,
        Command::Backup(args) => backup_cli::backup(&g, args).await,
        Command::Restore(args) => backup_cli::restore(&g, args).await,
        Command::Bench { command } => {
            let store = open_store(&g).await?;
            let r = bench::run(&store, &g.data_dir, command).await;
            store.close().await;
            r.map(|()| ExitCode::SUCCESS)
        }
        Command::Keys {
            command: KeysCommand::Rotate { office },
        } => {
            let store = open_store(&g).await?;
            let app = App::new(store.clone()).with_keys_dir(g.data_dir.join("keys"));
            let result = app.rotate_office_key(office.trim()).await;
            store.close().await;
            match result {
                Ok(()) => {
                    println!(
                        "Đã thu hồi khóa ký hiện hành của cơ quan {}; giấy tờ cấp sau sẽ ký bằng khóa mới, giấy đã cấp vẫn kiểm tra được.",
                        office.trim()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("Lỗi [{}]: {}", e.code, e.message);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Migrate => {
            let store = open_store(&g).await?;
            println!(
                "Đã áp dụng migration và nạp danh mục ({}: {}).",
                store.engine().as_str(),
                store.description()
            );
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    unit,
                    display_name,
                    password_stdin: _,
                },
        } => {
            let password = read_password_stdin()?;
            let store = open_store(&g).await?;
            let app = App::new(store.clone());
            let result = app
                .add_user(
                    NewUserInput {
                        username,
                        display_name,
                        role,
                        unit,
                        password,
                    },
                    None,
                    &Default::default(),
                )
                .await;
            store.close().await;
            match result {
                Ok(u) => {
                    println!(
                        "Đã tạo người dùng {} (vai trò {}, {} – mã {}).",
                        u.username,
                        u.role.label_vi(),
                        u.office_name,
                        u.office_code
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("Lỗi [{}]: {}", e.code, e.message);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let store = open_store(&g).await?;
            let v = store.verify_audit().await?;
            store.close().await;
            match v.first_bad {
                None => {
                    println!("Chuỗi nhật ký kiểm tra toàn vẹn: {} bản ghi.", v.entries);
                    Ok(ExitCode::SUCCESS)
                }
                Some((seq, problem)) => {
                    eprintln!(
                        "CHUỖI NHẬT KÝ KHÔNG TOÀN VẸN: bản ghi đầu tiên có vấn đề là số {seq}: {problem}"
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

fn generate(args: GenerateArgs) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    if let (Some(n), Some(from)) = (args.corrupt, &args.from) {
        let expected = tuphap_legacy::corrupt(from, &args.out, n, args.seed)
            .with_context(|| format!("không tạo được bản lỗi của {}", from.display()))?;
        let mut name = args.out.file_name().unwrap_or_default().to_os_string();
        name.push(".expected.jsonl");
        let list = args.out.with_file_name(name);
        let file = std::fs::File::create(&list)
            .with_context(|| format!("không ghi được {}", list.display()))?;
        tuphap_legacy::write_expected(&expected, file)?;
        println!(
            "Đã chép {} sang {} với {} dòng lỗi; danh sách lỗi dự kiến: {}.",
            from.display(),
            args.out.display(),
            expected.len(),
            list.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let national = args.scale == Some(Scale::National);
    if args.count.is_none() && !national {
        return Err(anyhow!("cần --count N hoặc --scale national"));
    }
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("không tạo được {}", args.out.display()))?;
    // `.gz`: compressed as it is written (the national file is 42 GB uncompressed).
    let gzip = args.out.extension().is_some_and(|e| e == "gz");
    let options = || tuphap_legacy::GenerateOptions {
        seed: args.seed,
        count: args.count,
        national,
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let written = if gzip {
        let mut gz = flate2::write::GzEncoder::new(&mut out, flate2::Compression::fast());
        tuphap_legacy::generate(options(), &mut gz).and_then(|r| gz.finish().map(|_| r))
    } else {
        tuphap_legacy::generate(options(), &mut out)
    };
    let report = written
        .and_then(|r| std::io::Write::flush(&mut out).map(|_| r))
        .with_context(|| format!("không ghi được {}", args.out.display()))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Đã tạo {} dòng ({} khai sinh, {} kết hôn, {} khai tử; {} người; {} → {}) vào {} trong {:.1} giây ({:.0} dòng/giây).",
        report.rows,
        report.births,
        report.marriages,
        report.deaths,
        report.persons,
        report.first_date,
        report.last_date,
        args.out.display(),
        secs,
        report.rows as f64 / secs.max(0.001)
    );
    Ok(ExitCode::SUCCESS)
}

async fn import(g: &GlobalArgs, args: ImportArgs) -> Result<ExitCode> {
    let store = open_store(g).await?;
    let app = App::new(store.clone());
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{wide_bar} {percent:>3}%  {binary_bytes}/{binary_total_bytes}  còn {eta}  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let interactive = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let mut last_line = std::time::Instant::now();
    let opts = tuphap_domain::civil::ImportOptions {
        source_system: args.source.clone(),
        batch_size: args.batch,
    };
    let result = app
        .import_file(&args.file, &opts, |p| {
            let rate = p.lines as f64 / started.elapsed().as_secs_f64().max(0.001);
            let msg = format!(
                "{} dòng, {} nhận, {} từ chối",
                p.lines, p.accepted, p.rejected
            );
            if interactive {
                bar.set_position(p.bytes_done);
                bar.set_message(msg);
            } else if last_line.elapsed().as_secs() >= 10 || p.bytes_done == p.bytes_total {
                last_line = std::time::Instant::now();
                eprintln!(
                    "nhập: {:.1}% ({msg}), {rate:.0} dòng/giây",
                    100.0 * p.bytes_done as f64 / p.bytes_total.max(1) as f64
                );
            }
        })
        .await;
    bar.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            store.close().await;
            eprintln!("Lỗi [{}]: {}", e.code, e.message);
            return Ok(ExitCode::FAILURE);
        }
    };
    let rejects_path = args.rejects.clone().unwrap_or_else(|| {
        let mut name = args.file.file_name().unwrap_or_default().to_os_string();
        name.push(".rejects.csv");
        args.file.with_file_name(name)
    });
    let rejects = app.import_rejects(report.run_id).await?;
    let mut csv = String::from("line,source_id,field,code,message\n");
    for r in &rejects {
        let cells = [
            r.line.to_string(),
            r.source_id.clone().unwrap_or_default(),
            r.field.clone().unwrap_or_default(),
            r.code.clone(),
            r.message.clone(),
        ];
        let row: Vec<String> = cells
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    std::fs::write(&rejects_path, csv)
        .with_context(|| format!("không ghi được {}", rejects_path.display()))?;
    if report.already_done {
        println!(
            "Tệp này đã được nhập xong trước đây (lần nhập số {}): {} dòng, {} hồ sơ, {} dòng bị từ chối. Không nhập lại.",
            report.run_id, report.lines, report.accepted, report.rejected
        );
    } else {
        println!(
            "{} {} dòng: {} hồ sơ đã nhập, {} dòng bị từ chối. Tốc độ: {:.0} dòng/giây ({} dòng trong {:.1} giây).",
            if report.resumed {
                "Đã nhập tiếp đến hết tệp,"
            } else {
                "Đã nhập"
            },
            report.lines,
            report.accepted,
            report.rejected,
            report.rate(),
            report.lines_this_run,
            report.seconds
        );
        println!(
            "  đọc và kiểm tra {:.1} giây, song song với ghi vào cơ sở dữ liệu {:.1} giây; dựng lại chỉ mục phụ và ràng buộc {:.1} giây.",
            report.check_seconds, report.write_seconds, report.index_seconds
        );
    }
    println!(
        "Danh sách dòng bị từ chối: {} ({} dòng).",
        rejects_path.display(),
        rejects.len()
    );
    // Feed the search projection with what was loaded (it follows the change log).
    let dir = g.data_dir.join("search");
    match tuphap_search::SearchIndex::open(&dir) {
        Ok(index) => {
            let t = std::time::Instant::now();
            index.catch_up(&store).await?;
            println!(
                "Đã cập nhật chỉ mục tìm kiếm ({} hồ sơ, {:.1} giây).",
                index.num_docs(),
                t.elapsed().as_secs_f64()
            );
        }
        Err(e) => eprintln!(
            "Chưa cập nhật được chỉ mục tìm kiếm ({e}); máy chủ sẽ cập nhật khi chạy, hoặc chạy `tuphap reindex`."
        ),
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn read_password_stdin() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Nhập mật khẩu rồi nhấn Enter:");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("không đọc được mật khẩu từ đầu vào chuẩn")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(anyhow!(
            "mật khẩu rỗng: hãy đưa mật khẩu vào đầu vào chuẩn, ví dụ `echo '…' | tuphap user add … --password-stdin`"
        ));
    }
    Ok(password)
}

/// Test-harness switch: `1` lets officials log in without a second factor.
const INSECURE_NO_SECOND_FACTOR: &str = "TUPHAP_INSECURE_NO_SECOND_FACTOR";
/// Test-harness switch: `1` keeps attack detection from blocking sources (API fuzzing).
const INSECURE_NO_BLOCKING: &str = "TUPHAP_INSECURE_NO_BLOCKING";

async fn serve(g: &GlobalArgs, args: ServeArgs) -> Result<ExitCode> {
    let store = open_store(g).await?;
    let mut app = App::new(store.clone()).with_keys_dir(g.data_dir.join("keys"));
    // Officials' second factor is required (issue 8). Only the command-line test harness
    // turns it off, with this loudly named variable; the server says so at start.
    if std::env::var(INSECURE_NO_SECOND_FACTOR).is_ok_and(|v| v == "1") {
        app.auth.second_factor_required = false;
        eprintln!(
            "CẢNH BÁO: {INSECURE_NO_SECOND_FACTOR}=1 — không bắt buộc xác thực hai bước (chỉ dùng cho kiểm thử)."
        );
        tracing::warn!("second factor not required ({INSECURE_NO_SECOND_FACTOR}=1): tests only");
    }
    // Attack detection keeps recording events, but blocks no source: only for an API fuzzer
    // that sends attack-like input on purpose from one address (scripts/schemathesis.sh).
    if std::env::var(INSECURE_NO_BLOCKING).is_ok_and(|v| v == "1") {
        app = app.with_security_policy(tuphap_domain::security::SecurityPolicy {
            exploit_threshold: usize::MAX,
            auth_failure_threshold: usize::MAX,
            ..Default::default()
        });
        eprintln!(
            "CẢNH BÁO: {INSECURE_NO_BLOCKING}=1 — không chặn tạm thời nguồn tấn công (chỉ dùng cho kiểm thử)."
        );
        tracing::warn!("sources are never blocked ({INSECURE_NO_BLOCKING}=1): tests only");
    }
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", display_addr(args.listen)));
    // The partner simulators of the demo: a child process, killed when the server stops.
    let (_simulators, partners) = match (&args.partners, args.demo) {
        (Some(url), _) => (None, Some(url.clone())),
        (None, true) => {
            let (child, url) = demo::start_simulators(&g.data_dir).await?;
            (Some(child), Some(url))
        }
        (None, false) => (None, None),
    };
    if let Some(url) = &partners {
        app.subscribe_linked_procedures(url)
            .await
            .map_err(|e| anyhow!("[{}] {}", e.code, e.message))?;
        println!("  Liên thông với các cơ quan qua: {url}");
        // The demo also syncs dossier statuses to the (simulated) national portal; in
        // production an operator subscribes it (`tuphap exchange subscribe`, ARCHITECTURE.md).
        if args.demo {
            app.subscribe_portal_sync(url)
                .await
                .map_err(|e| anyhow!("[{}] {}", e.code, e.message))?;
        }
    }
    // Citizen login: the configured identity provider, or the demo's simulated one.
    let citizen_login = sim::citizen_login_settings(
        args.oidc_issuer.as_deref(),
        args.oidc_client_id.as_deref(),
        args.oidc_client_secret.as_deref(),
        (args.demo && args.partners.is_none())
            .then_some(partners.as_deref())
            .flatten(),
        &public_url,
    )
    .await?;
    // Fee payments: the configured gateway, or the demo's simulated one.
    let payment_gateway =
        match payments_cli::gateway_settings(&args.payment, &g.data_dir, &public_url)? {
            Some(gw) => Some(gw),
            None => match (args.demo && args.partners.is_none())
                .then_some(partners.as_deref())
                .flatten()
            {
                Some(sim_url) => Some(payments_cli::demo_gateway(sim_url, &public_url).await?),
                None => None,
            },
        };
    let app = match payment_gateway {
        Some(gw) => {
            println!("  Thanh toán lệ phí qua cổng: {}", gw.url);
            app.with_payment_gateway(gw)
        }
        None => app,
    };
    // Anti-malware: every upload scanned by clamd; without it files are stored unscanned.
    let app = match args.clamd.scanner()? {
        Some(scanner) => {
            println!("  Quét mã độc tệp tải lên: clamd {}", scanner.address);
            app.with_malware_scanner(scanner)
        }
        None => {
            tracing::warn!(
                "no --clamd: uploads are stored unscanned (not_scanned); production must configure clamd"
            );
            app
        }
    };
    let demo_logins = if args.demo {
        Some(demo::seed(&app, &g.data_dir).await?)
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("không lắng nghe được trên {}", args.listen))?;
    let local = listener.local_addr()?;
    let config = WebConfig {
        secure_cookies: public_url.starts_with("https://"),
        public_url: public_url.clone(),
    };
    tracing::info!(
        listen = %local,
        engine = store.engine().as_str(),
        database = store.description(),
        "tuphap đang chạy"
    );
    println!(
        "tuphap đang chạy: {public_url}  (cơ sở dữ liệu: {}, {})",
        store.engine().as_str(),
        store.description()
    );
    println!("  Tài liệu API: {public_url}/api/docs");
    if let Some(logins) = demo_logins {
        demo::print(&logins, &public_url);
    }
    let search_dir = g.data_dir.join("search");
    let search = std::sync::Arc::new(
        tuphap_search::SearchIndex::open(&search_dir)
            .with_context(|| format!("không mở được chỉ mục tìm kiếm {}", search_dir.display()))?,
    );
    let catch_up = tokio::spawn(search_catch_up(search.clone(), store.clone()));
    let (stop_exchange, stopped) = tokio::sync::watch::channel(false);
    let dispatcher = tuphap_exchange::dispatch::Dispatcher::new(
        app.clone(),
        tuphap_exchange::dispatch::DispatchConfig {
            workers: args.exchange_workers.max(1),
            ..Default::default()
        },
    )
    .context("không khởi tạo được bộ gửi thông điệp liên thông")?;
    let workers = dispatcher.spawn(stopped.clone());
    // Payments left pending (a lost callback): asked at the gateway every minute.
    let reconciling = app.payment_gateway.is_some().then(|| {
        tokio::spawn(tuphap_web::payment::reconcile_loop(
            app.clone(),
            std::time::Duration::from_secs(60),
            time::Duration::minutes(5),
            stopped.clone(),
        ))
    });
    // Uploads left pending while clamd was down: rescanned periodically.
    let rescanning = app.malware_scanner.is_some().then(|| {
        tokio::spawn(files_cli::rescan_loop(
            app.clone(),
            std::time::Duration::from_secs(args.clamd_rescan_secs.max(1)),
            stopped.clone(),
        ))
    });
    // The message log is signed in batches: a checkpoint over the head every second.
    let signer = tuphap_exchange::log::LogSigner::load_or_create(&store, &g.data_dir.join("keys"))
        .await
        .context("không tạo được khóa ký nhật ký thông điệp")?;
    let signing = {
        let (store, mut stopped) = (store.clone(), stopped);
        tokio::spawn(async move {
            signer
                .run(store, std::time::Duration::from_secs(1), async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await;
        })
    };
    let mut state = AppState::with_search(app, config, search);
    if let Some(settings) = citizen_login {
        println!(
            "  Dịch vụ công trực tuyến: {public_url}/citizen  (đăng nhập qua {})",
            settings.issuer
        );
        state = state.with_citizen_login(settings);
    }
    tuphap_web::serve(listener, state, shutdown_signal()).await?;
    catch_up.abort();
    // Workers finish the message in hand (its outcome is recorded) and stop.
    let _ = stop_exchange.send(true);
    for w in workers {
        let _ = w.await;
    }
    let _ = signing.await;
    if let Some(r) = reconciling {
        let _ = r.await;
    }
    if let Some(r) = rescanning {
        let _ = r.await;
    }
    tracing::info!("đã dừng nhận yêu cầu; đóng cơ sở dữ liệu");
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Keeps the search index up with the change log: a catch-up every second.
async fn search_catch_up(index: std::sync::Arc<tuphap_search::SearchIndex>, store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = index.catch_up(&store).await {
            tracing::warn!(error = %e, "search index catch-up failed; retrying");
        }
    }
}

fn display_addr(a: SocketAddr) -> String {
    if a.ip().is_unspecified() {
        format!("127.0.0.1:{}", a.port())
    } else {
        a.to_string()
    }
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("nhận tín hiệu dừng: hoàn tất các yêu cầu đang xử lý");
}

//! `tuphap`: the one binary of the platform. Run `tuphap --help`.

mod demo;
mod demo_records;

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
struct GlobalArgs {
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
    /// Certificate signing keys of the offices.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
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
    /// Seed demo users (passwords generated into the data directory) and print how to log in.
    #[arg(long)]
    demo: bool,
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

async fn open_store(g: &GlobalArgs) -> Result<Store> {
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

async fn serve(g: &GlobalArgs, args: ServeArgs) -> Result<ExitCode> {
    let store = open_store(g).await?;
    let app = App::new(store.clone()).with_keys_dir(g.data_dir.join("keys"));
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", display_addr(args.listen)));
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
    let state = AppState::with_search(app, config, search);
    tuphap_web::serve(listener, state, shutdown_signal()).await?;
    catch_up.abort();
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

//! Test support shared by the integration-test binaries of the workspace.
//!
//! The important piece is [`pg_server_url`]: the URL of a PostgreSQL server for this test
//! process. It is `TUPHAP_TEST_PG_URL` when set; otherwise, when the PostgreSQL server binaries
//! are installed (Debian puts them in `/usr/lib/postgresql/*/bin`), a throwaway server is
//! started once per test process (initdb + postgres in a temporary directory, on a free port,
//! trust authentication on 127.0.0.1 only) and stopped when the process ends. When neither is
//! available the PostgreSQL variants of the tests are skipped, unless `TUPHAP_REQUIRE_PG=1`
//! (set by `.ci/run`), in which case they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a failure here is a test failure

pub mod clamd;

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

/// True when the PostgreSQL tests must run (CI): a missing server is then a failure.
pub fn pg_required() -> bool {
    std::env::var("TUPHAP_REQUIRE_PG").is_ok_and(|v| v == "1" || v == "true")
}

struct PgServer {
    url: String,
    // Keeps the watchdog's stdin open; when the test process exits, the pipe closes and the
    // watchdog stops the server and removes its directory.
    _watchdog: Mutex<Child>,
}

static SERVER: OnceLock<Option<PgServer>> = OnceLock::new();

/// URL of a PostgreSQL server (its `postgres` database) for this test process, or `None` when
/// no server can be had and `TUPHAP_REQUIRE_PG` is not set. Panics when it is required but
/// cannot be started.
pub fn pg_server_url() -> Option<String> {
    let server = SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("TUPHAP_TEST_PG_URL")
            && !url.trim().is_empty()
        {
            return Some(PgServer {
                url,
                _watchdog: Mutex::new(Command::new("true").spawn().expect("cannot run `true`")),
            });
        }
        match start_throwaway() {
            Ok(s) => Some(s),
            Err(e) => {
                if pg_required() {
                    panic!(
                        "TUPHAP_REQUIRE_PG is set but no PostgreSQL server could be started: {e}"
                    );
                }
                eprintln!("note: PostgreSQL tests skipped: {e}");
                None
            }
        }
    });
    server.as_ref().map(|s| s.url.clone())
}

fn pg_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists() && p.join("postgres").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Command that runs `program` as the `postgres` OS user when we are root (PostgreSQL refuses
/// to run as root), or as ourselves otherwise.
fn as_pg_user(program: &Path, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn start_throwaway() -> Result<PgServer, String> {
    let bin = pg_bin_dir().ok_or("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")?;
    let root = is_root();
    let base = std::env::temp_dir().join(format!(
        "tuphap-pg-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let data = base.join("data");
    let sock = base.join("sock");
    std::fs::create_dir_all(&sock).map_err(|e| format!("mkdir {}: {e}", base.display()))?;
    if root {
        let st = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&base)
            .status()
            .map_err(|e| format!("chown: {e}"))?;
        if !st.success() {
            return Err("chown of the PostgreSQL temp dir failed".into());
        }
    }
    let out = as_pg_user(&bin.join("initdb"), root)
        .args(["-D"])
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "-N",
        ])
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = free_port();
    // The watchdog shell starts postgres, waits for its own stdin to close (the test process
    // exiting), then stops postgres quickly and deletes the directory. The signal goes to the
    // postmaster itself (its pid file): `runuser` does not pass SIGINT on to its child.
    let postgres = bin.join("postgres");
    let runner = if root {
        "runuser -u postgres -- ".to_string()
    } else {
        String::new()
    };
    let script = format!(
        "{runner}'{pg}' -D '{data}' -p {port} -k '{sock}' -c listen_addresses=127.0.0.1 \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
         >'{base}/log' 2>&1 & pid=$!; cat >/dev/null; \
         kill -INT $(head -n 1 '{data}/postmaster.pid' 2>/dev/null) $pid 2>/dev/null; \
         wait $pid 2>/dev/null; rm -rf '{base}'",
        pg = postgres.display(),
        data = data.display(),
        sock = sock.display(),
        base = base.display(),
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("start postgres: {e}"))?;
    // Wait until it accepts connections.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            // The port is open a moment before the server accepts logins; pg_isready knows.
            let ready = Command::new(bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(true);
            if ready {
                break;
            }
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(base.join("log")).unwrap_or_default();
            if let Some(stdin) = child.stdin.as_mut() {
                let _ = stdin.write_all(b"");
            }
            let _ = child.kill();
            return Err(format!("postgres did not start within 30 s: {log}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(PgServer {
        url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        _watchdog: Mutex::new(child),
    })
}

/// A unique lowercase name for a test database.
pub fn unique_db_name(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// A fresh temporary directory (deleted when dropped).
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("tuphap-test-")
        .tempdir()
        .expect("cannot create a temp dir")
}

//! A throwaway ClamAV daemon for the anti-malware tests (issue 8, item 3).
//!
//! Production clamd loads the signature databases that `freshclam` downloads; the tests have no
//! internet, so [`Clamd::start`] starts `clamd` with a temporary configuration whose database
//! directory holds one **test signature** written here: an `.ndb` body signature of the EICAR
//! anti-malware test string (the 68 bytes every scanner detects by convention, harmless),
//! matched anywhere in a file, named `Tuphap.Test.EICAR`. It proves the wiring (upload → clamd
//! → verdict), not ClamAV's detection. When `clamd` is not installed the tests are skipped with
//! a note, unless `TUPHAP_REQUIRE_TOOLS=1` (CI), which makes it a failure.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The EICAR anti-malware test string (harmless by design).
pub const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// A running clamd on 127.0.0.1; killed on drop.
pub struct Clamd {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

fn clamd_binary() -> Option<PathBuf> {
    ["/usr/sbin/clamd", "/usr/bin/clamd", "/usr/local/sbin/clamd"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// True when tools such as clamd must be there (CI).
pub fn tools_required() -> bool {
    std::env::var("TUPHAP_REQUIRE_TOOLS").is_ok_and(|v| v == "1" || v == "true")
}

impl Clamd {
    /// Starts clamd, or `None` (with a note) when it is not installed and not required.
    pub fn start() -> Option<Clamd> {
        if clamd_binary().is_none() {
            assert!(
                !tools_required(),
                "clamd is not installed (TUPHAP_REQUIRE_TOOLS=1); install clamav-daemon"
            );
            eprintln!("note: clamd not installed (apt-get install clamav-daemon); skipped");
            return None;
        }
        let dir = crate::temp_dir();
        let db = dir.path().join("db");
        std::fs::create_dir_all(&db).unwrap();
        let hex: String = EICAR.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(
            db.join("tuphap-test.ndb"),
            format!("Tuphap.Test.EICAR:0:*:{hex}\n"),
        )
        .unwrap();
        let mut c = Clamd {
            port: crate::free_port(),
            dir,
            child: None,
        };
        c.restart();
        Some(c)
    }

    /// `tcp://127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// Stops the daemon (the port then refuses connections).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// (Re)starts the daemon on the same port and waits until it answers.
    pub fn restart(&mut self) {
        self.stop();
        let conf = self.dir.path().join("clamd.conf");
        std::fs::write(
            &conf,
            format!(
                "DatabaseDirectory {}\nTCPSocket {}\nTCPAddr 127.0.0.1\nForeground yes\n\
                 LogFile {}\nLogVerbose no\nSelfCheck 3600\n",
                self.dir.path().join("db").display(),
                self.port,
                self.dir.path().join("clamd.log").display(),
            ),
        )
        .unwrap();
        let child = Command::new(clamd_binary().unwrap())
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start clamd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                if s.write_all(b"zPING\0").is_ok() {
                    let mut buf = [0u8; 16];
                    if let Ok(n) = s.read(&mut buf)
                        && buf[..n].starts_with(b"PONG")
                    {
                        return;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "clamd did not start: see {}",
                self.dir.path().join("clamd.log").display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        self.stop();
    }
}

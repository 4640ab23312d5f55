//! `tuphap serve --demo`: demo users, one per role, with passwords generated on first start and
//! kept in `<data dir>/demo-logins.txt` (mode 0600), never in the repository.

use std::path::Path;

use anyhow::{Context, Result};
use tuphap_domain::App;
use tuphap_domain::identity::NewUserInput;

/// Demo accounts: username, display name, role, office unit.
const DEMO_USERS: &[(&str, &str, &str, &str)] = &[
    ("quantri", "Quản trị hệ thống", "admin", "BTP"),
    ("canbo.badinh", "Nguyễn Thị Hương", "officer", "00004"),
    ("lanhdao.badinh", "Trần Văn Minh", "signer", "00004"),
    ("canbo.hongha", "Vũ Thị Thu", "officer", "00097"),
    ("lanhdao.hongha", "Đặng Quốc Huy", "signer", "00097"),
    ("sotuphap.hanoi", "Lê Thu Trang", "province", "01"),
    ("botuphap", "Phạm Quốc Bảo", "ministry", "BTP"),
    ("kiemtra", "Hoàng Anh Tuấn", "auditor", "BTP"),
];

pub struct DemoLogin {
    pub username: String,
    pub password: Option<String>,
    pub role: String,
    pub office: String,
}

fn generate_password() -> String {
    // 12 characters from an unambiguous alphabet, grouped for reading aloud.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes: [u8; 12] = rand_bytes();
    let s: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..12])
}

fn rand_bytes() -> [u8; 12] {
    let token = tuphap_domain::identity::random_token();
    let mut out = [0u8; 12];
    for (o, b) in out.iter_mut().zip(token.bytes()) {
        *o = b;
    }
    out
}

/// Creates the demo users that do not exist yet; returns everyone's login.
pub async fn seed(app: &App, data_dir: &Path) -> Result<Vec<DemoLogin>> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("không tạo được thư mục {}", data_dir.display()))?;
    let file = data_dir.join("demo-logins.txt");
    let mut known: Vec<(String, String)> = std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(u, p)| (u.to_string(), p.trim().to_string()))
        .collect();
    let mut out = Vec::new();
    for (username, name, role, unit) in DEMO_USERS {
        let existing = app.store.user_by_username(username).await?;
        let password = if existing.is_none() {
            let password = generate_password();
            app.add_user(
                NewUserInput {
                    username: (*username).into(),
                    display_name: Some((*name).into()),
                    role: (*role).into(),
                    unit: (*unit).into(),
                    password: password.clone(),
                },
                None,
                &Default::default(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("[{}] {}", e.code, e.message))?;
            known.retain(|(u, _)| u != username);
            known.push(((*username).into(), password.clone()));
            Some(password)
        } else {
            known
                .iter()
                .find(|(u, _)| u == username)
                .map(|(_, p)| p.clone())
        };
        let office = tuphap_domain::identity::office_for_unit(unit)
            .map(|o| o.name)
            .unwrap_or_else(|_| (*unit).to_string());
        out.push(DemoLogin {
            username: (*username).into(),
            password,
            role: tuphap_core::role::Role::parse(role)
                .map(|r| r.label_vi().to_string())
                .unwrap_or_else(|_| (*role).to_string()),
            office,
        });
    }
    let text: String = known.iter().map(|(u, p)| format!("{u} {p}\n")).collect();
    write_private(&file, &text)?;
    // The seeding logs the demo officials in inside this process (no second factor, no
    // re-authentication window); the server itself keeps the production policy (issue 8).
    let seeding = app.clone().with_auth(tuphap_domain::identity::AuthPolicy {
        reauth_window: None,
        ..tuphap_domain::identity::AuthPolicy::without_second_factor()
    });
    let app = &seeding;
    let records = crate::demo_records::seed(
        app,
        &known,
        &[
            ("00004", "canbo.badinh", "lanhdao.badinh"),
            ("00097", "canbo.hongha", "lanhdao.hongha"),
        ],
    )
    .await?;
    if records > 0 {
        println!(
            "Đã tạo {records} hồ sơ hộ tịch mẫu (khai sinh, kết hôn, khai tử) tại Phường Ba Đình và Phường Hồng Hà."
        );
    }
    let dossiers = crate::demo_dossiers::seed(
        app,
        &known,
        "quantri",
        &[
            crate::demo_dossiers::DemoOffice {
                unit: "00004",
                officer: "canbo.badinh",
                unit_code: "000.00.04.H26",
                online_percent: 70,
            },
            crate::demo_dossiers::DemoOffice {
                unit: "00097",
                officer: "canbo.hongha",
                unit_code: "000.00.97.H26",
                online_percent: 55,
            },
        ],
    )
    .await?;
    if dossiers > 0 {
        println!(
            "Đã tạo {dossiers} hồ sơ dịch vụ công mẫu trong 3 tháng gần đây (xem chỉ số tại /indicators)."
        );
    }
    Ok(out)
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("không ghi được {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

pub fn print(logins: &[DemoLogin], url: &str) {
    println!();
    println!("Dữ liệu mẫu: đăng nhập tại {url}/login bằng một trong các tài khoản sau");
    println!(
        "(mật khẩu được sinh ngẫu nhiên lần đầu và lưu trong demo-logins.txt của thư mục dữ liệu):"
    );
    for l in logins {
        println!(
            "  {:<16} {:<16} {} – {}",
            l.username,
            l.password.as_deref().unwrap_or("(xem demo-logins.txt)"),
            l.role,
            l.office
        );
    }
    println!(
        "Người ký, Sở Tư pháp, Bộ Tư pháp và quản trị đăng ký xác thực hai lớp (ứng dụng TOTP trên điện thoại) ở lần đăng nhập đầu."
    );
    println!();
}

/// Starts the partner-agency simulators of the demo (`tuphap sim all`, this same binary) on a
/// free local port with their state in `<data dir>/sim-state.json`, and waits until they
/// answer. Returns the child (killed when dropped) and its base URL.
pub async fn start_simulators(data_dir: &Path) -> Result<(tokio::process::Child, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .context("không tìm được cổng trống cho các hệ thống mô phỏng")?
        .port();
    let listen = format!("127.0.0.1:{port}");
    let exe = std::env::current_exe().context("không xác định được tệp chương trình")?;
    let child = tokio::process::Command::new(exe)
        .arg("sim")
        .arg("all")
        .arg("--listen")
        .arg(&listen)
        .arg("--state")
        .arg(data_dir.join("sim-state.json"))
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("không khởi động được các hệ thống mô phỏng (tuphap sim all)")?;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&listen).await.is_ok() {
            return Ok((child, format!("http://{listen}")));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("các hệ thống mô phỏng không trả lời trên {listen} sau 10 giây")
}

//! `tuphap backup` and `tuphap restore` (issue 8, item 4; docs/operations/backup.md).
//!
//! A backup is a directory:
//!
//! * `database.sqlite` (SQLite: `VACUUM INTO`, a consistent copy taken while the server runs)
//!   or `database.pgdump` (PostgreSQL: `pg_dump --format=custom` of an exported snapshot);
//! * `data/…`: the data directory's files (signing keys in `keys/`, the message log's key, the
//!   payment secret, …): what verifying certificates and the message log after a restore needs.
//!   Not copied: the database files and `search/` (rebuilt with `tuphap reindex`);
//! * `manifest.json`: when, engine, schema version, the record counts of the main tables *in
//!   the snapshot*, and the SHA-256 of every file.
//!
//! `tuphap restore --from DIR --data-dir EMPTY [--database-url URL]` refuses a non-empty target,
//! checks every checksum before writing anything, restores, then verifies: the audit chain
//! (`tuphap audit verify`), the message log (`tuphap exchange verify`) and the counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tuphap_store::Engine;

use crate::GlobalArgs;

pub const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "database.sqlite";
const PG_FILE: &str = "database.pgdump";
const FORMAT: &str = "tuphap-backup/1";

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The backup directory to create (must not exist, or be empty).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup directory (made by `tuphap backup`).
    #[arg(long)]
    from: PathBuf,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    pub tuphap_version: String,
    pub engine: String,
    pub schema_version: i64,
    pub counts: BTreeMap<String, i64>,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

fn sha256_file(path: &Path) -> Result<(u64, String)> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("không đọc được {}", path.display()))?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h)?;
    Ok((n, hex::encode(h.finalize())))
}

fn is_empty_dir(p: &Path) -> Result<bool> {
    match std::fs::read_dir(p) {
        Ok(mut it) => Ok(it.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(anyhow!("không đọc được {}: {e}", p.display())),
    }
}

/// The data directory's files to keep (relative paths), without the database and the index.
fn data_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let e = e?;
            let name = e.file_name();
            let name_s = name.to_string_lossy();
            let r = rel.join(&name);
            if rel.as_os_str().is_empty() && (name_s == "search" || name_s.starts_with("tuphap.db"))
            {
                continue;
            }
            let t = e.file_type()?;
            if t.is_dir() {
                stack.push(r);
            } else if t.is_file() {
                out.push(r);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn copy_private(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(from, to)
        .with_context(|| format!("không sao chép được {} → {}", from.display(), to.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

fn database_url(g: &GlobalArgs) -> Option<&str> {
    g.database_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
}

pub async fn backup(g: &GlobalArgs, args: BackupArgs) -> Result<ExitCode> {
    if !is_empty_dir(&args.out)? {
        bail!(
            "thư mục sao lưu {} đã có dữ liệu; hãy chọn thư mục mới",
            args.out.display()
        );
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("không tạo được {}", args.out.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&args.out, std::fs::Permissions::from_mode(0o700))?;
    }
    let store = crate::open_store(g).await?;
    let engine = store.engine();
    let mut names = Vec::new();
    let facts = match engine {
        Engine::Sqlite => {
            let target = args.out.join(SQLITE_FILE);
            store
                .sqlite_snapshot_into(&target)
                .await
                .context("không chụp được cơ sở dữ liệu SQLite (VACUUM INTO)")?;
            names.push(SQLITE_FILE.to_string());
            tuphap_store::backup::snapshot_counts_sqlite(&target).await?
        }
        Engine::Postgres => {
            let url = database_url(g).ok_or_else(|| anyhow!("thiếu --database-url"))?;
            let snapshot = store.pg_snapshot().await?;
            let target = args.out.join(PG_FILE);
            let out = tokio::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--no-owner")
                .arg("--no-privileges")
                .arg(format!("--snapshot={}", snapshot.id))
                .arg("--file")
                .arg(&target)
                .arg("--dbname")
                .arg(url)
                .output()
                .await
                .context("không chạy được pg_dump (cài postgresql-client)")?;
            let facts = snapshot.facts.clone();
            snapshot.release().await?;
            if !out.status.success() {
                bail!(
                    "pg_dump thất bại: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            names.push(PG_FILE.to_string());
            facts
        }
    };
    store.close().await;
    for rel in data_files(&g.data_dir)? {
        let name = Path::new("data").join(&rel);
        copy_private(&g.data_dir.join(&rel), &args.out.join(&name))?;
        names.push(name.to_string_lossy().replace('\\', "/"));
    }
    let mut files = Vec::new();
    for n in names {
        let (bytes, sha256) = sha256_file(&args.out.join(&n))?;
        files.push(ManifestFile {
            path: n,
            bytes,
            sha256,
        });
    }
    let created_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let manifest = Manifest {
        format: FORMAT.into(),
        created_at,
        tuphap_version: env!("CARGO_PKG_VERSION").into(),
        engine: engine.as_str().into(),
        schema_version: facts.schema_version,
        counts: facts.counts.into_iter().collect(),
        files,
    };
    std::fs::write(
        args.out.join(MANIFEST),
        serde_json::to_vec_pretty(&manifest)?,
    )?;
    println!(
        "Đã sao lưu ({}, phiên bản lược đồ {}) vào {}: {} tệp; {} hồ sơ hộ tịch, {} bản ghi nhật ký kiểm tra.",
        manifest.engine,
        manifest.schema_version,
        args.out.display(),
        manifest.files.len(),
        manifest.counts.get("civil_records").copied().unwrap_or(0),
        manifest.counts.get("audit_log").copied().unwrap_or(0),
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads the manifest and checks every file's size and checksum (nothing written).
fn checked_manifest(from: &Path) -> Result<Manifest> {
    let raw = std::fs::read(from.join(MANIFEST)).with_context(|| {
        format!(
            "không đọc được {} (không phải bản sao lưu của tuphap?)",
            from.join(MANIFEST).display()
        )
    })?;
    let m: Manifest =
        serde_json::from_slice(&raw).context("tệp manifest.json của bản sao lưu bị hỏng")?;
    if m.format != FORMAT {
        bail!("định dạng bản sao lưu không hỗ trợ: {}", m.format);
    }
    for f in &m.files {
        let p = Path::new(&f.path);
        if p.is_absolute()
            || p.components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            bail!("manifest có đường dẫn không hợp lệ: {}", f.path);
        }
        let (bytes, sha) = sha256_file(&from.join(p))?;
        if bytes != f.bytes || sha != f.sha256 {
            bail!(
                "BẢN SAO LƯU BỊ THAY ĐỔI HOẶC HỎNG: tệp {} không khớp mã kiểm tra SHA-256 trong manifest (ghi {}, thực tế {}); không khôi phục",
                f.path,
                f.sha256,
                sha
            );
        }
    }
    Ok(m)
}

/// Runs this binary's `args` on the restored target; its output is passed through.
async fn run_self(g: &GlobalArgs, args: &[&str]) -> Result<bool> {
    let exe = std::env::current_exe()?;
    let mut c = tokio::process::Command::new(exe);
    c.arg("--data-dir").arg(&g.data_dir);
    match database_url(g) {
        Some(url) => {
            c.env("TUPHAP_DATABASE_URL", url);
        }
        None => {
            c.env_remove("TUPHAP_DATABASE_URL");
        }
    }
    let status = c.args(args).status().await?;
    Ok(status.success())
}

pub async fn restore(g: &GlobalArgs, args: RestoreArgs) -> Result<ExitCode> {
    let m = checked_manifest(&args.from)?;
    println!(
        "Bản sao lưu {} ({}, lược đồ {}): {} tệp khớp mã kiểm tra.",
        m.created_at,
        m.engine,
        m.schema_version,
        m.files.len()
    );
    if !is_empty_dir(&g.data_dir)? {
        bail!(
            "thư mục dữ liệu đích {} không rỗng; chỉ khôi phục vào thư mục rỗng",
            g.data_dir.display()
        );
    }
    let url = database_url(g);
    match (m.engine.as_str(), url) {
        ("sqlite", None) => {}
        ("sqlite", Some(_)) => bail!(
            "bản sao lưu SQLite: bỏ --database-url, cơ sở dữ liệu được khôi phục vào thư mục dữ liệu"
        ),
        ("postgres", Some(u)) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
        }
        ("postgres", _) => bail!(
            "bản sao lưu PostgreSQL: cần --database-url postgres://… của một cơ sở dữ liệu rỗng"
        ),
        (e, _) => bail!("cơ sở dữ liệu không hỗ trợ: {e}"),
    }
    if let Some(u) = url {
        let store = tuphap_store::Store::open(Some(u), &g.data_dir)
            .await
            .context("không kết nối được cơ sở dữ liệu đích")?;
        let empty = store.is_empty_database().await?;
        store.close().await;
        if !empty {
            bail!("cơ sở dữ liệu đích không rỗng; chỉ khôi phục vào cơ sở dữ liệu rỗng");
        }
    }
    std::fs::create_dir_all(&g.data_dir)?;
    for f in &m.files {
        if let Some(rel) = f.path.strip_prefix("data/") {
            copy_private(&args.from.join(&f.path), &g.data_dir.join(rel))?;
        }
    }
    match url {
        None => copy_private(&args.from.join(SQLITE_FILE), &g.data_dir.join("tuphap.db"))?,
        Some(u) => {
            let out = tokio::process::Command::new("pg_restore")
                .arg("--no-owner")
                .arg("--no-privileges")
                .arg("--exit-on-error")
                .arg("--dbname")
                .arg(u)
                .arg(args.from.join(PG_FILE))
                .output()
                .await
                .context("không chạy được pg_restore (cài postgresql-client)")?;
            if !out.status.success() {
                bail!(
                    "pg_restore thất bại: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
        }
    }
    // Verify what was restored.
    let store = tuphap_store::Store::open(url, &g.data_dir).await?;
    let facts = store.snapshot_facts().await?;
    store.close().await;
    let mut bad = Vec::new();
    if facts.schema_version != m.schema_version {
        bad.push(format!(
            "phiên bản lược đồ {} ≠ {}",
            facts.schema_version, m.schema_version
        ));
    }
    for (table, n) in &facts.counts {
        let want = m.counts.get(table).copied().unwrap_or(0);
        if *n != want {
            bad.push(format!("{table}: {n} bản ghi, manifest ghi {want}"));
        }
    }
    if !bad.is_empty() {
        bail!("dữ liệu khôi phục không khớp manifest: {}", bad.join("; "));
    }
    println!("Số bản ghi khớp manifest ({} bảng).", facts.counts.len());
    if !run_self(g, &["audit", "verify"]).await? {
        bail!("chuỗi nhật ký kiểm tra của dữ liệu khôi phục không toàn vẹn");
    }
    if !run_self(g, &["exchange", "verify"]).await? {
        bail!("nhật ký thông điệp của dữ liệu khôi phục không toàn vẹn");
    }
    println!(
        "Đã khôi phục và kiểm tra: {}. Lập lại chỉ mục tìm kiếm bằng `tuphap reindex`.",
        g.data_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

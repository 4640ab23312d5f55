//! `tuphap bench`: measurements for BENCHMARKS.md, on the data directory's registry.
//!
//! * `lookups`: personal-ID lookups in process (the store's indexed query) and folded name
//!   searches (the tantivy projection) with and without filters: p50/p95/p99 over random
//!   samples of what the registry holds; database and index size on disk.
//! * `raw-insert FILE`: the baseline of the import ratio: the same file's lines inserted as they
//!   are into one table of the same engine, in the same batches, without any checking.
//! * `ids N`: N random personal IDs of the registry, one per line (input for `wrk`).
//! * `register --url U --token T`: registration throughput over HTTP: concurrent clients
//!   declaring a birth and having it registered (validation, numbering, audit, change log).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use clap::Subcommand;
use rand::{Rng, SeedableRng};
use tuphap_store::Store;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Personal-ID lookups and name searches in process.
    Lookups {
        /// Queries per measurement.
        #[arg(long, default_value_t = 2_000)]
        samples: usize,
    },
    /// Raw insert of FILE's lines into one table (baseline of the import rate).
    RawInsert {
        /// JSON Lines, plain or gzip.
        file: PathBuf,
        #[arg(long, default_value_t = 5_000)]
        batch: usize,
        /// Only the first N lines (at national size the whole file would not fit on the disk
        /// twice; the rate of a prefix is the baseline).
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Print N random personal IDs of the registry.
    Ids {
        #[arg(default_value_t = 1_000)]
        n: usize,
    },
    /// Registration throughput over HTTP (declare a birth, then register it).
    Register {
        /// The server's URL.
        #[arg(long)]
        url: String,
        /// Bearer token of an officer of the office (declares).
        #[arg(long)]
        officer_token: String,
        /// Bearer token of a signer of the same office (registers).
        #[arg(long)]
        signer_token: String,
        /// The office's commune code (residence of the parents).
        #[arg(long, default_value = "00004")]
        unit: String,
        /// Concurrent clients.
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Seconds to run.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
    /// The exchange's outbound path (change log → outbox → delivery → message log → a local
    /// receiver over HTTP) against direct POSTs in the same run, then the commit-to-receipt
    /// latency at a steady rate. Use a scratch database.
    Exchange {
        /// Messages of the throughput run.
        #[arg(long, default_value_t = 20_000)]
        messages: usize,
        /// Delivery workers.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Messages claimed at a time by one worker.
        #[arg(long, default_value_t = 64)]
        batch: i64,
        /// Messages of the latency run.
        #[arg(long, default_value_t = 2_000)]
        paced: usize,
        /// Their rate (per second).
        #[arg(long, default_value_t = 200)]
        rate: u64,
    },
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let k = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[k.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn line(name: &str, mut t: Vec<Duration>) -> String {
    t.sort();
    format!(
        "| {name} | {} | {:.3} | {:.3} | {:.3} |",
        t.len(),
        percentile(&t, 0.50),
        percentile(&t, 0.95),
        percentile(&t, 0.99)
    )
}

fn dir_size(p: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(p) else {
        return 0;
    };
    if meta.is_file() {
        return meta.len();
    }
    std::fs::read_dir(p)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| dir_size(&e.path())).sum())
        .unwrap_or(0)
}

/// Random persons with a personal ID: (personal ID, folded name, year of birth, sex).
async fn sample(
    store: &Store,
    n: usize,
) -> Result<Vec<(String, String, Option<i32>, Option<String>)>> {
    let max = store.max_person_id().await?;
    if max == 0 {
        return Err(anyhow!("sổ hộ tịch trống: hãy chạy `tuphap import` trước"));
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let mut out = Vec::with_capacity(n);
    let mut tries = 0;
    while out.len() < n && tries < n * 20 {
        tries += 1;
        let at = rng.random_range(1..=max);
        if let Some(p) = store.person_with_personal_id_from(at).await? {
            out.push(p);
        }
    }
    Ok(out)
}

pub async fn run(store: &Store, data_dir: &Path, command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Ids { n } => {
            for (pid, ..) in sample(store, n).await? {
                println!("{pid}");
            }
            Ok(())
        }
        BenchCommand::Lookups { samples } => lookups(store, data_dir, samples).await,
        BenchCommand::RawInsert { file, batch, limit } => {
            raw_insert(store, &file, batch, limit.unwrap_or(u64::MAX)).await
        }
        BenchCommand::Register {
            url,
            officer_token,
            signer_token,
            unit,
            clients,
            seconds,
        } => register(&url, &officer_token, &signer_token, &unit, clients, seconds).await,
        BenchCommand::Exchange {
            messages,
            workers,
            batch,
            paced,
            rate,
        } => {
            crate::bench_exchange::run(store, data_dir, messages, workers, batch, paced, rate).await
        }
    }
}

async fn lookups(store: &Store, data_dir: &Path, samples: usize) -> Result<()> {
    let people = sample(store, samples).await?;
    let records = store.max_record_id().await?;
    println!(
        "Sổ: {} hồ sơ (id lớn nhất), {} người được lấy mẫu; máy chủ CSDL: {} ({})",
        records,
        people.len(),
        store.engine().as_str(),
        store.description()
    );
    println!("| đo | số truy vấn | p50 ms | p95 ms | p99 ms |");
    println!("| --- | --- | --- | --- | --- |");
    // Personal-ID lookup through the store (the query the API's lookups use).
    let mut t = Vec::with_capacity(people.len());
    for (pid, ..) in &people {
        let s = Instant::now();
        let found = store.person_by_personal_id(pid).await?;
        t.push(s.elapsed());
        if found.is_none() {
            return Err(anyhow!("số định danh {pid} không tìm thấy"));
        }
    }
    println!("{}", line("tra số định danh (trong tiến trình, CSDL)", t));
    let dir = data_dir.join("search");
    let index = tuphap_search::SearchIndex::open(&dir)
        .with_context(|| format!("không mở được chỉ mục {}", dir.display()))?;
    let caught = Instant::now();
    index.catch_up(store).await?;
    eprintln!(
        "chỉ mục: {} tài liệu (cập nhật {:.1} giây)",
        index.num_docs(),
        caught.elapsed().as_secs_f64()
    );
    let measure = |with_filters: bool| {
        let mut t = Vec::with_capacity(people.len());
        let mut hits = 0usize;
        for (_, name, year, sex) in &people {
            let mut q =
                tuphap_search::SearchQuery::new(Some(name), tuphap_search::SearchScope::National);
            if with_filters {
                q.year = *year;
                q.sex = sex.clone();
            }
            let s = Instant::now();
            let r = index.search(&q);
            t.push(s.elapsed());
            if r.is_ok_and(|r| r.total > 0) {
                hits += 1;
            }
        }
        (t, hits)
    };
    let (t, hits) = measure(false);
    println!("{}", line("tìm theo tên không dấu", t));
    let (t2, hits2) = measure(true);
    println!(
        "{}",
        line("tìm theo tên không dấu + năm sinh + giới tính", t2)
    );
    eprintln!(
        "kết quả có bản ghi: {hits}/{} và {hits2}/{}",
        people.len(),
        people.len()
    );
    let db = match store.engine() {
        tuphap_store::Engine::Sqlite => {
            dir_size(&data_dir.join("tuphap.db")) + dir_size(&data_dir.join("tuphap.db-wal"))
        }
        tuphap_store::Engine::Postgres => store.database_size().await?,
    };
    println!(
        "Dung lượng: cơ sở dữ liệu {:.2} GiB, chỉ mục tìm kiếm {:.2} GiB",
        db as f64 / (1u64 << 30) as f64,
        dir_size(&dir) as f64 / (1u64 << 30) as f64
    );
    Ok(())
}

async fn raw_insert(store: &Store, file: &Path, batch: usize, limit: u64) -> Result<()> {
    use std::io::BufRead;
    let f =
        std::fs::File::open(file).with_context(|| format!("không mở được {}", file.display()))?;
    let (reader, _) = tuphap_domain::civil::open_lines(f, 0)
        .with_context(|| format!("không đọc được {}", file.display()))?;
    store.bench_raw_reset().await?;
    let started = Instant::now();
    let mut lines = Vec::with_capacity(batch);
    let mut total = 0u64;
    for l in reader
        .lines()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
    {
        lines.push(l?);
        if lines.len() == batch {
            store.bench_raw_insert(&lines).await?;
            total += lines.len() as u64;
            lines.clear();
        }
    }
    if !lines.is_empty() {
        total += lines.len() as u64;
        store.bench_raw_insert(&lines).await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Chèn thô {total} dòng vào một bảng ({}): {:.1} giây, {:.0} dòng/giây",
        store.engine().as_str(),
        secs,
        total as f64 / secs.max(0.001)
    );
    store.bench_raw_reset().await?;
    Ok(())
}

async fn register(
    url: &str,
    officer: &str,
    signer: &str,
    unit: &str,
    clients: usize,
    seconds: u64,
) -> Result<()> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client.clone();
        let (url, officer, signer, unit) = (
            url.trim_end_matches('/').to_string(),
            officer.to_string(),
            signer.to_string(),
            unit.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            let mut failed = 0u64;
            let mut latencies = Vec::new();
            let mut i = 0u64;
            while Instant::now() < deadline {
                i += 1;
                let dob = (tuphap_core::dates::vn_today() - time::Duration::days(3)).to_string();
                let body = serde_json::json!({
                    "child": {"full_name": format!("Nguyễn {} {}", to_words(c as u64 % 10), to_words(i % 10_000)),
                              "sex": "female", "date_of_birth": dob,
                              "place_of_birth": {"admin_unit_code": unit}, "ethnicity_code": "01", "nationality_code": "VN"},
                    "mother": {"full_name": "Trần Thị Đo", "date_of_birth": "1995-01-01", "ethnicity_code": "01",
                               "nationality_code": "VN", "residence": {"admin_unit_code": unit}},
                    "declarant": {"full_name": "Trần Thị Đo", "relationship": "mẹ"}
                });
                let s = Instant::now();
                let r = client
                    .post(format!("{url}/api/v1/civil/births"))
                    .bearer_auth(&officer)
                    .json(&body)
                    .send()
                    .await;
                let id = match r {
                    Ok(r) if r.status().as_u16() == 201 => r
                        .json::<serde_json::Value>()
                        .await
                        .ok()
                        .and_then(|v| v["id"].as_i64()),
                    _ => None,
                };
                let Some(id) = id else {
                    failed += 1;
                    continue;
                };
                let r = client
                    .post(format!("{url}/api/v1/civil/records/{id}/register"))
                    .bearer_auth(&signer)
                    .json(&serde_json::json!({"duplicate_override_reason": "đo hiệu năng"}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        done += 1;
                        latencies.push(s.elapsed());
                    }
                    _ => failed += 1,
                }
            }
            (done, failed, latencies)
        }));
    }
    let started = Instant::now();
    let mut done = 0;
    let mut failed = 0;
    let mut all = Vec::new();
    for t in tasks {
        let (d, f, l) = t.await?;
        done += d;
        failed += f;
        all.extend(l);
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    println!(
        "Đăng ký qua HTTP ({clients} máy khách, {secs:.1} giây): {done} hồ sơ khai sinh tiếp nhận và ký, {:.0} hồ sơ/giây; lỗi {failed}; khai + ký p50 {:.1} ms, p99 {:.1} ms",
        done as f64 / secs.max(0.001),
        percentile(&all, 0.5),
        percentile(&all, 0.99)
    );
    Ok(())
}

/// A number as letters, so generated names stay valid names (digits are refused in names).
fn to_words(mut n: u64) -> String {
    const SYL: [&str; 10] = [
        "An", "Bình", "Chi", "Dung", "Giang", "Hà", "Khánh", "Lan", "Minh", "Ngọc",
    ];
    let mut parts = Vec::new();
    loop {
        parts.push(SYL[(n % 10) as usize]);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    parts.join(" ")
}

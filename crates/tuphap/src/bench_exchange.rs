//! `tuphap bench exchange`: throughput and latency of the exchange's outbound path (change log
//! → outbox → delivery workers → signed message log → a receiver over HTTP), against a baseline of
//! the same POSTs sent directly, in the same run. Run it on a scratch database: it appends
//! `bench:event` rows to the change log and a subscription `VN/GOV/BENCH/RECEIVER`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use tokio::sync::watch;
use tuphap_domain::App;
use tuphap_exchange::dispatch::{DispatchConfig, Dispatcher};
use tuphap_store::exchange::NewSubscription;
use tuphap_store::{NewChange, Store};

const SUBSCRIBER: &str = "VN/GOV/BENCH/RECEIVER";
const SERVICE: &str = "bench";

/// The receiver: remembers when each X-Road-Id first arrived.
#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<HashMap<String, Instant>>>,
}

async fn start_receiver() -> Result<(Receiver, String)> {
    let r = Receiver::default();
    let state = r.clone();
    let app = Router::new().route(
        "/receive",
        post(move |headers: HeaderMap, _body: axum::body::Bytes| {
            let state = state.clone();
            async move {
                let id = headers
                    .get("x-road-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                if let Ok(mut seen) = state.seen.lock() {
                    seen.entry(id).or_insert_with(Instant::now);
                }
                "{\"ok\":true}"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let url = format!("http://{}/receive", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((r, url))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let k = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[k.min(sorted.len() - 1)]
}

/// The same POSTs straight to the receiver, `concurrency` at a time: the baseline.
async fn direct(url: &str, n: usize, concurrency: usize) -> Result<f64> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut next = 0usize;
    let mut set = tokio::task::JoinSet::new();
    while next < n || !set.is_empty() {
        while next < n && set.len() < concurrency {
            let (client, url) = (client.clone(), url.to_string());
            let id = format!("direct-{next}");
            set.spawn(async move {
                client
                    .post(url)
                    .header("X-Road-Client", "VN/GOV/BTP/TUPHAP")
                    .header("X-Road-Id", id)
                    .body("{\"bench\":true}")
                    .send()
                    .await
                    .map(|r| r.status().is_success())
            });
            next += 1;
        }
        if let Some(r) = set.join_next().await {
            r??;
        }
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

async fn append(store: &Store, from: usize, count: usize) -> Result<Vec<i64>> {
    let changes: Vec<NewChange> = (from..from + count)
        .map(|i| NewChange {
            entity: "bench".into(),
            entity_id: i.to_string(),
            action: "event".into(),
            actor_user_id: None,
            payload: serde_json::json!({"n": i}),
        })
        .collect();
    let tx = store.begin().await?;
    Ok(tx.commit_with(&[], &changes).await?.change_seqs)
}

async fn wait_delivered(receiver: &Receiver, n: usize, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let got = receiver.seen.lock().map(|s| s.len()).unwrap_or(0);
        if got >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(anyhow!("chỉ {got}/{n} thông điệp đến nơi sau {limit:?}"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub async fn run(
    store: &Store,
    data_dir: &std::path::Path,
    messages: usize,
    workers: usize,
    batch: i64,
    paced: usize,
    rate: u64,
) -> Result<()> {
    let (receiver, url) = start_receiver().await?;
    let concurrency = workers * usize::try_from(batch).unwrap_or(16);
    println!(
        "Máy chủ CSDL: {} ({}); {workers} luồng gửi × lô {batch}; {} lõi CPU",
        store.engine().as_str(),
        store.description(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // Baseline: the same number of POSTs, sent directly.
    let direct_rate = direct(&url, messages, concurrency).await?;
    receiver.seen.lock().map(|mut s| s.clear()).ok();

    let app = App::new(store.clone()).with_keys_dir(data_dir.join("keys"));
    store
        .upsert_subscription(
            &NewSubscription {
                subscriber: SUBSCRIBER.into(),
                service: SERVICE.into(),
                takes: "bench:event".into(),
                endpoint_url: url.clone(),
                enabled: true,
                start_after: store.last_change_seq().await?,
            },
            tuphap_store::now_utc(),
        )
        .await?;
    let dispatcher = Dispatcher::new(
        app,
        DispatchConfig {
            workers,
            batch,
            feed_batch: 1000,
            ..DispatchConfig::default()
        },
    )
    .context("bộ gửi")?;
    let (stop, stopped) = watch::channel(false);
    let mut handles = dispatcher.spawn(stopped.clone());
    // Signed as in `serve`: a checkpoint over the head every second.
    let signer = tuphap_exchange::log::LogSigner::load_or_create(store, &data_dir.join("keys"))
        .await
        .context("khóa ký nhật ký thông điệp")?;
    let signer_store = store.clone();
    let mut signer_stop = stopped;
    handles.push(tokio::spawn(async move {
        signer
            .run(signer_store, Duration::from_secs(1), async move {
                let _ = signer_stop.wait_for(|s| *s).await;
            })
            .await;
    }));

    // Throughput: N events committed in transactions of 500, delivered as they come.
    let started = Instant::now();
    let mut done = 0;
    while done < messages {
        let k = (messages - done).min(500);
        append(store, done, k).await?;
        done += k;
    }
    let committed = started.elapsed();
    wait_delivered(&receiver, messages, Duration::from_secs(3600)).await?;
    let total = started.elapsed();
    let exchange_rate = messages as f64 / total.as_secs_f64();

    // Latency of the hop: one event per transaction at `rate`/s, from its commit to its
    // arrival at the receiver.
    receiver.seen.lock().map(|mut s| s.clear()).ok();
    let mut committed_at: HashMap<String, Instant> = HashMap::new();
    let gap = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let mut tick = tokio::time::interval(gap);
    for i in 0..paced {
        tick.tick().await;
        let seqs = append(store, messages + i, 1).await?;
        let at = Instant::now();
        for s in seqs {
            committed_at.insert(format!("tuphap-{s}-{SERVICE}"), at);
        }
    }
    wait_delivered(&receiver, paced, Duration::from_secs(600)).await?;
    let seen = receiver.seen.lock().map(|s| s.clone()).unwrap_or_default();
    let mut lat: Vec<Duration> = committed_at
        .iter()
        .filter_map(|(id, at)| seen.get(id).map(|r| r.saturating_duration_since(*at)))
        .collect();
    lat.sort();
    let _ = stop.send(true);
    for h in handles {
        let _ = h.await;
    }
    let stats = store.outbox_stats(tuphap_store::now_utc()).await?;
    let dead: i64 = stats.iter().map(|s| s.dead).sum();
    let checked = Instant::now();
    let verified = tuphap_exchange::log::verify_log(store).await?;
    let verify_time = checked.elapsed();

    println!();
    println!("| đo | giá trị |");
    println!("| --- | --- |");
    println!("| gửi thẳng (mốc so sánh), {messages} POST | {direct_rate:.0} thông điệp/s |");
    println!(
        "| qua nền tảng: nhật ký thay đổi → hàng đợi → gửi → nhật ký thông điệp, {messages} thông điệp | {exchange_rate:.0} thông điệp/s ({:.1} s; ghi xong sau {:.1} s) |",
        total.as_secs_f64(),
        committed.as_secs_f64()
    );
    println!(
        "| tỉ lệ qua nền tảng / gửi thẳng | {:.2} |",
        exchange_rate / direct_rate
    );
    println!(
        "| độ trễ từ lúc ghi đến lúc bên nhận nhận được, {} thông điệp ở {rate}/s | p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, tối đa {:.2} ms |",
        lat.len(),
        ms(pct(&lat, 0.50)),
        ms(pct(&lat, 0.95)),
        ms(pct(&lat, 0.99)),
        ms(pct(&lat, 1.0))
    );
    println!("| thư chết | {dead} |");
    println!(
        "| nhật ký thông điệp sau lần đo | {} bản ghi, {} điểm ký, chưa ký {}; kiểm tra toàn chuỗi {:.1} s: {} |",
        verified.entries,
        verified.checkpoints,
        verified.unsigned,
        verify_time.as_secs_f64(),
        if verified.is_intact() {
            "toàn vẹn"
        } else {
            "KHÔNG toàn vẹn"
        }
    );
    Ok(())
}

//! The dispatcher against a real local HTTP server (a partner's endpoint), on both engines: all
//! messages delivered after the receiver's first failures, each message id accepted once, the
//! order of each record's messages kept; a permanent refusal (4xx) dead-lettered at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tuphap_exchange::dispatch::{DispatchConfig, Dispatcher};
use tuphap_store::exchange::{NewSubscription, RetryPolicy};
use tuphap_store::{Engine, NewChange, Store};

/// `both!(name)`: a module `name` with tests `sqlite` and `postgres` running `name(store)` on a
/// fresh, migrated database of each engine (PostgreSQL from `tuphap-testkit`; without a server
/// the PostgreSQL test prints a note and passes, unless `TUPHAP_REQUIRE_PG=1`).
macro_rules! both {
    ($name:ident) => {
        pub mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let (store, _dir) = $crate::store(tuphap_store::Engine::Sqlite).await.unwrap();
                super::$name(store).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                match $crate::store(tuphap_store::Engine::Postgres).await {
                    Some((store, _dir)) => super::$name(store).await,
                    None => eprintln!("PostgreSQL not available: {} skipped", stringify!($name)),
                }
            }
        }
    };
}

mod log;

async fn store(engine: Engine) -> Option<(Store, tempfile::TempDir)> {
    let dir = tuphap_testkit::temp_dir();
    let store = match engine {
        Engine::Sqlite => Store::open_sqlite(&dir.path().join("t.db")).await.unwrap(),
        Engine::Postgres => {
            let server = tuphap_testkit::pg_server_url()?;
            let url = tuphap_store::testing::create_pg_database(
                &server,
                &tuphap_testkit::unique_db_name("exchange"),
            )
            .await
            .unwrap();
            Store::open(Some(&url), dir.path()).await.unwrap()
        }
    };
    store.migrate().await.unwrap();
    Some((store, dir))
}

const SUB: &str = "VN/GOV/BYT/HOSPITAL-A";

fn change(entity: &str, id: &str, action: &str) -> NewChange {
    NewChange {
        entity: entity.into(),
        entity_id: id.into(),
        action: action.into(),
        actor_user_id: None,
        payload: serde_json::json!({"id": id, "action": action}),
    }
}

async fn write(s: &Store, changes: &[NewChange]) {
    let tx = s.begin().await.unwrap();
    tx.commit_with(&[], changes).await.unwrap();
}

async fn subscribe(s: &Store, subscriber: &str, takes: &str, url: &str, start_after: i64) {
    s.upsert_subscription(
        &NewSubscription {
            subscriber: subscriber.into(),
            service: "civil-events".into(),
            takes: takes.into(),
            endpoint_url: url.into(),
            enabled: true,
            start_after,
        },
        tuphap_store::now_utc(),
    )
    .await
    .unwrap();
}

/// What the partner's test server saw.
#[derive(Default)]
struct Seen {
    requests: usize,
    accepted: Vec<String>,
    duplicates: usize,
    /// Per record: the change sequence numbers accepted, in arrival order.
    per_record: HashMap<String, Vec<i64>>,
    bad_headers: usize,
}

async fn dispatcher_delivers_everything_once_in_order(store: Store) {
    use axum::http::{HeaderMap, StatusCode};
    const FAIL_FIRST: usize = 5;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let app = axum::Router::new().route(
        "/events",
        axum::routing::post({
            let seen = seen.clone();
            move |headers: HeaderMap, body: String| {
                let seen = seen.clone();
                async move {
                    let mut s = seen.lock().unwrap();
                    s.requests += 1;
                    if s.requests <= FAIL_FIRST {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let client = headers.get("X-Road-Client").and_then(|v| v.to_str().ok());
                    let id = headers
                        .get("X-Road-Id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    if client != Some("VN/GOV/BTP/TUPHAP") || id.is_empty() {
                        s.bad_headers += 1;
                        return StatusCode::BAD_REQUEST;
                    }
                    if s.accepted.contains(&id) {
                        s.duplicates += 1;
                        return StatusCode::OK;
                    }
                    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                    let record = v["entity_id"].as_str().unwrap_or_default().to_string();
                    s.per_record
                        .entry(record)
                        .or_default()
                        .push(v["seq"].as_i64().unwrap_or_default());
                    s.accepted.push(id);
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let s = store;
    subscribe(&s, SUB, "birth:*", &format!("http://{addr}/events"), 0).await;
    let mut expected = 0;
    for round in 0..5 {
        for r in ["A", "B", "C", "D"] {
            write(&s, &[change("birth", r, &format!("step{round}"))]).await;
            expected += 1;
        }
    }
    write(&s, &[change("death", "Z", "registered")]).await; // not taken

    let config = DispatchConfig {
        workers: 3,
        batch: 2,
        lease: Duration::from_secs(60),
        idle_wait: Duration::from_millis(20),
        request_timeout: Duration::from_secs(5),
        policy: RetryPolicy {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(80),
            max_attempts: 10,
        },
        feed_batch: 7,
    };
    let dispatcher = Dispatcher::new(tuphap_domain::App::new(s.clone()), config).unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let workers = dispatcher.spawn(shutdown);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let stats = s.outbox_stats(tuphap_store::now_utc()).await.unwrap();
        if stats.first().is_some_and(|x| x.delivered == expected) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not delivered: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    for w in workers {
        w.await.unwrap();
    }
    server.abort();

    let msgs = s.outbox_messages(SUB).await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.accepted.len(), expected as usize);
    let unique: HashSet<_> = seen.accepted.iter().collect();
    assert_eq!(unique.len(), seen.accepted.len(), "each id accepted once");
    assert_eq!(seen.duplicates, 0);
    assert_eq!(seen.bad_headers, 0);
    assert!(seen.requests >= expected as usize + FAIL_FIRST);
    for (record, seqs) in &seen.per_record {
        let mut sorted = seqs.clone();
        sorted.sort();
        assert_eq!(seqs, &sorted, "record {record} delivered out of order");
        assert_eq!(seqs.len(), 5);
    }
    assert!(msgs.iter().all(|m| m.status == "delivered"));
    assert!(msgs.iter().any(|m| m.attempts > 1), "the 503s were retried");
}
both!(dispatcher_delivers_everything_once_in_order);

async fn dispatcher_dead_letters_a_refusal(store: Store) {
    use axum::http::StatusCode;
    let app = axum::Router::new().route(
        "/events",
        axum::routing::post(|| async { (StatusCode::UNPROCESSABLE_ENTITY, "schema mismatch") }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let s = store;
    subscribe(&s, SUB, "*", &format!("http://{addr}/events"), 0).await;
    write(&s, &[change("birth", "A", "registered")]).await;
    let dispatcher = Dispatcher::new(
        tuphap_domain::App::new(s.clone()),
        DispatchConfig::default(),
    )
    .unwrap();
    dispatcher.feed().await.unwrap();
    assert_eq!(dispatcher.run_once("w").await.unwrap(), 1);
    let dead = s.dead_letters(Some(SUB), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 1);
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("HTTP 422: schema mismatch")
    );
    server.abort();
}
both!(dispatcher_dead_letters_a_refusal);

//! Exchange outbox: exactly-once feeding from the change log, per-record ordering, leases,
//! concurrent claimers, backoff and dead letters, requeue, monitoring counts. The dispatcher
//! (delivery over HTTP) is tested in `tuphap-exchange`.

use std::collections::HashSet;
use std::time::Duration;

use tuphap_store::exchange::{FailOutcome, NewSubscription, RetryPolicy, micros};
use tuphap_store::{NewAuditEntry, NewChange, Store, StoreError};

use crate::Harness;

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

fn at(t0: time::OffsetDateTime, secs: u64) -> time::OffsetDateTime {
    t0 + Duration::from_secs(secs)
}

async fn feeding_is_exactly_once(h: Harness) {
    let s = &h.store;
    let t0 = tuphap_store::now_utc();
    assert!(tuphap_store::exchange::is_xroad_subsystem_id(SUB));
    assert!(!tuphap_store::exchange::is_xroad_subsystem_id("VN/GOV/BYT"));
    write(
        s,
        &[
            change("birth", "1", "registered"),
            change("birth", "1", "updated"),
            change("death", "2", "registered"),
            change("birth", "3", "registered"),
        ],
    )
    .await;
    subscribe(
        s,
        SUB,
        "birth:registered, marriage:*",
        "http://127.0.0.1:9/",
        0,
    )
    .await;
    // A disabled subscription is not fed.
    s.upsert_subscription(
        &NewSubscription {
            subscriber: "VN/GOV/BCA/POLICE".into(),
            service: "civil-events".into(),
            takes: "*".into(),
            endpoint_url: "http://127.0.0.1:9/".into(),
            enabled: false,
            start_after: 0,
        },
        t0,
    )
    .await
    .unwrap();

    assert_eq!(s.feed_outbox(1, t0).await.unwrap(), 2);
    assert_eq!(s.feed_outbox(100, t0).await.unwrap(), 0);
    let msgs = s.outbox_messages(SUB).await.unwrap();
    assert_eq!(
        msgs.iter().map(|m| m.change_seq).collect::<Vec<_>>(),
        vec![Some(1), Some(4)]
    );
    assert_eq!(msgs[0].message_id, "tuphap-1-civil-events");
    assert_eq!(msgs[0].ordering_key, "birth/1");
    assert_eq!(msgs[0].status, "pending");
    let payload: serde_json::Value = serde_json::from_str(&msgs[1].payload).unwrap();
    assert_eq!(payload["entity_id"], "3");
    assert_eq!(payload["data"]["action"], "registered");
    assert!(
        s.outbox_messages("VN/GOV/BCA/POLICE")
            .await
            .unwrap()
            .is_empty()
    );

    // A crash mid-batch: the transaction is dropped before commit. Nothing is lost or doubled.
    write(
        s,
        &[
            change("birth", "5", "registered"),
            change("marriage", "6", "registered"),
        ],
    )
    .await;
    let mut tx = s.begin().await.unwrap();
    let step = tx
        .feed_subscription(SUB, "civil-events", 100, t0)
        .await
        .unwrap();
    assert_eq!((step.read, step.enqueued, step.fed_up_to), (2, 2, 6));
    drop(tx);
    assert_eq!(s.outbox_messages(SUB).await.unwrap().len(), 2);
    let sub = s.subscriptions().await.unwrap();
    let sub = sub.iter().find(|x| x.subscriber == SUB).unwrap();
    assert_eq!(sub.fed_up_to, 4);
    assert_eq!(s.feed_outbox(100, t0).await.unwrap(), 2);
    assert_eq!(s.feed_outbox(100, t0).await.unwrap(), 0);
    let msgs = s.outbox_messages(SUB).await.unwrap();
    assert_eq!(
        msgs.iter()
            .map(|m| m.change_seq.unwrap())
            .collect::<Vec<_>>(),
        vec![1, 4, 5, 6]
    );
    let ids: HashSet<_> = msgs.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), 4);

    // A late subscriber starting at the head only gets new changes; re-registering keeps its place.
    let head = s.last_change_seq().await.unwrap();
    subscribe(s, "VN/GOV/BTC/TAX", "*", "http://127.0.0.1:9/", head).await;
    assert_eq!(s.feed_outbox(100, t0).await.unwrap(), 0);
    write(s, &[change("death", "7", "registered")]).await;
    subscribe(s, "VN/GOV/BTC/TAX", "*", "http://127.0.0.1:9/", 0).await;
    assert_eq!(s.feed_outbox(100, t0).await.unwrap(), 1);
    assert_eq!(s.outbox_messages("VN/GOV/BTC/TAX").await.unwrap().len(), 1);
}
contract!(feeding_is_exactly_once);

async fn claims_keep_record_order_and_leases(h: Harness) {
    let s = &h.store;
    let t0 = tuphap_store::now_utc();
    subscribe(s, SUB, "*", "http://127.0.0.1:9/", 0).await;
    write(s, &[change("birth", "A", "registered")]).await;
    write(s, &[change("birth", "A", "updated")]).await;
    write(s, &[change("birth", "B", "registered")]).await;
    write(s, &[change("birth", "A", "corrected")]).await;
    s.feed_outbox(100, t0).await.unwrap();
    let lease = Duration::from_secs(60);
    let policy = RetryPolicy::default();

    let c = s.claim_outbox("w1", 10, lease, t0).await.unwrap();
    assert_eq!(
        c.iter().map(|m| m.message_id.as_str()).collect::<Vec<_>>(),
        vec!["tuphap-1-civil-events", "tuphap-3-civil-events"]
    );
    assert_eq!(c[0].endpoint_url, "http://127.0.0.1:9/");
    assert_eq!(c[0].attempts, 1);
    let (a1, b1) = (c[0].id, c[1].id);
    // In flight under a lease: nobody else gets them, and A's later messages wait.
    assert!(
        s.claim_outbox("w2", 10, lease, at(t0, 30))
            .await
            .unwrap()
            .is_empty()
    );
    // The lease expires (w1 was killed): the message is handed out again.
    let c = s.claim_outbox("w2", 10, lease, at(t0, 61)).await.unwrap();
    assert_eq!(c.iter().map(|m| m.id).collect::<Vec<_>>(), vec![a1, b1]);
    assert_eq!(c[0].attempts, 2);
    assert!(!s.mark_outbox_delivered(a1, "w1", at(t0, 62)).await.unwrap());
    assert_eq!(
        s.mark_outbox_failed(a1, "w1", "late", false, &policy, at(t0, 62))
            .await
            .unwrap(),
        FailOutcome::NotHeld
    );
    assert!(s.mark_outbox_delivered(a1, "w2", at(t0, 62)).await.unwrap());
    assert!(s.mark_outbox_delivered(b1, "w2", at(t0, 62)).await.unwrap());
    let m = s.outbox_message(a1).await.unwrap().unwrap();
    assert_eq!(m.status, "delivered");
    assert_eq!(m.delivered_at, Some(micros(at(t0, 62))));

    // Next of A; when it fails, A's third message waits for it.
    let c = s.claim_outbox("w1", 10, lease, at(t0, 63)).await.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].message_id, "tuphap-2-civil-events");
    let a2 = c[0].id;
    let FailOutcome::Retry { next_attempt_at } = s
        .mark_outbox_failed(a2, "w1", "HTTP 503", false, &policy, at(t0, 63))
        .await
        .unwrap()
    else {
        panic!("expected a retry")
    };
    assert!(
        s.claim_outbox("w1", 10, lease, at(t0, 63))
            .await
            .unwrap()
            .is_empty()
    );
    let due = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(next_attempt_at) * 1000)
        .unwrap();
    let c = s.claim_outbox("w1", 10, lease, due).await.unwrap();
    assert_eq!(c.iter().map(|m| m.id).collect::<Vec<_>>(), vec![a2]);
    assert_eq!(c[0].attempts, 2);
    assert!(s.mark_outbox_delivered(a2, "w1", due).await.unwrap());
    let c = s.claim_outbox("w1", 10, lease, due).await.unwrap();
    assert_eq!(c[0].message_id, "tuphap-4-civil-events");
}
contract!(claims_keep_record_order_and_leases);

async fn concurrent_claimers_never_share(h: Harness) {
    let s = h.store.clone();
    let t0 = tuphap_store::now_utc();
    subscribe(&s, SUB, "*", "http://127.0.0.1:9/", 0).await;
    let changes: Vec<NewChange> = (0..60)
        .map(|i| change("birth", &format!("R{}", i % 20), "updated"))
        .collect();
    write(&s, &changes).await;
    assert_eq!(s.feed_outbox(100, t0).await.unwrap(), 60);
    let mut tasks = Vec::new();
    for w in 0..6 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut got = Vec::new();
            let mut idle = 0;
            while idle < 20 {
                let c = s
                    .claim_outbox(&worker, 3, Duration::from_secs(600), t0)
                    .await
                    .unwrap();
                if c.is_empty() {
                    idle += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
                idle = 0;
                for m in c {
                    assert!(s.mark_outbox_delivered(m.id, &worker, t0).await.unwrap());
                    got.push((m.ordering_key, m.id));
                }
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let ids: HashSet<i64> = all.iter().map(|x| x.1).collect();
    assert_eq!(all.len(), 60, "every message handed out exactly once");
    assert_eq!(ids.len(), 60);
    // PostgreSQL: a row locked by another connection's open transaction is skipped, not waited on.
    if h.engine == tuphap_store::Engine::Postgres {
        use sqlx::Connection;
        write(
            &s,
            &[
                change("death", "L1", "registered"),
                change("death", "L2", "registered"),
            ],
        )
        .await;
        s.feed_outbox(100, t0).await.unwrap();
        let mut other = sqlx::PgConnection::connect(&h.location).await.unwrap();
        let mut held = other.begin().await.unwrap();
        let (locked,): (i64,) = sqlx::query_as(
            "SELECT id FROM exchange_outbox WHERE ordering_key = 'death/L1' FOR UPDATE",
        )
        .fetch_one(&mut *held)
        .await
        .unwrap();
        let c = tokio::time::timeout(
            Duration::from_secs(5),
            s.claim_outbox("skipper", 100, Duration::from_secs(600), t0),
        )
        .await
        .expect("a claim waited on a locked row")
        .unwrap();
        assert!(c.iter().all(|m| m.id != locked));
        assert!(c.iter().any(|m| m.ordering_key == "death/L2"));
        for m in c {
            assert!(s.mark_outbox_delivered(m.id, "skipper", t0).await.unwrap());
        }
        held.rollback().await.unwrap();
        let c = s
            .claim_outbox("skipper", 100, Duration::from_secs(600), t0)
            .await
            .unwrap();
        assert_eq!(c.iter().map(|m| m.id).collect::<Vec<_>>(), vec![locked]);
        assert!(
            s.mark_outbox_delivered(locked, "skipper", t0)
                .await
                .unwrap()
        );
    }
    let stats = s.outbox_stats(t0).await.unwrap();
    assert_eq!(stats.len(), 1);
    let extra = if h.engine == tuphap_store::Engine::Postgres {
        2
    } else {
        0
    };
    assert_eq!((stats[0].delivered, stats[0].pending), (60 + extra, 0));
    assert_eq!(stats[0].oldest_pending_age, None);
}
contract!(concurrent_claimers_never_share);

/// Feeders running at the same time as writers (several processes): every taken row is enqueued
/// exactly once.
async fn concurrent_feeders_enqueue_once(h: Harness) {
    let s = h.store.clone();
    subscribe(&s, SUB, "birth:*", "http://127.0.0.1:9/", 0).await;
    let writer = {
        let s = s.clone();
        tokio::spawn(async move {
            for i in 0..40 {
                let kind = if i % 4 == 0 { "death" } else { "birth" };
                write(&s, &[change(kind, &i.to_string(), "registered")]).await;
            }
        })
    };
    let feeders: Vec<_> = (0..4)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut n = 0;
                for _ in 0..15 {
                    n += s.feed_outbox(3, tuphap_store::now_utc()).await.unwrap();
                    tokio::task::yield_now().await;
                }
                n
            })
        })
        .collect();
    writer.await.unwrap();
    let mut total = 0;
    for f in feeders {
        total += f.await.unwrap();
    }
    total += s.feed_outbox(3, tuphap_store::now_utc()).await.unwrap();
    assert_eq!(total, 30);
    let msgs = s.outbox_messages(SUB).await.unwrap();
    let seqs: Vec<i64> = msgs.iter().map(|m| m.change_seq.unwrap()).collect();
    let expected: Vec<i64> = (1..=40).filter(|i| (i - 1) % 4 != 0).collect();
    assert_eq!(seqs, expected);
}
contract!(concurrent_feeders_enqueue_once);

async fn backoff_dead_letters_and_requeue(h: Harness) {
    let s = &h.store;
    // The schedule: base 1 s, ×2, cap 1 h, jitter in [d/2, d], deterministic per message id.
    let p = RetryPolicy::default();
    assert_eq!(p.max_attempts, 10);
    for n in 1..=20i64 {
        let d = Duration::from_secs(1u64 << (n - 1).min(40)).min(Duration::from_secs(3600));
        let b = p.backoff("tuphap-1-x", n);
        assert!(
            b >= d / 2 && b <= d,
            "attempt {n}: {b:?} not in [{:?}, {d:?}]",
            d / 2
        );
        assert_eq!(b, p.backoff("tuphap-1-x", n));
    }
    assert_ne!(p.backoff("tuphap-1-x", 5), p.backoff("tuphap-2-x", 5));

    let t0 = tuphap_store::now_utc();
    subscribe(s, SUB, "*", "http://127.0.0.1:9/", 0).await;
    write(s, &[change("birth", "A", "registered")]).await;
    write(s, &[change("birth", "A", "updated")]).await;
    write(s, &[change("birth", "B", "registered")]).await;
    s.feed_outbox(100, t0).await.unwrap();
    let policy = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    };
    let lease = Duration::from_secs(60);
    let mut now = t0;
    let a1 = s.claim_outbox("w", 1, lease, now).await.unwrap()[0].clone();
    for attempt in 1..=3 {
        if attempt > 1 {
            let c = s.claim_outbox("w", 1, lease, now).await.unwrap();
            assert_eq!(c[0].id, a1.id);
            assert_eq!(c[0].attempts, attempt);
        }
        let out = s
            .mark_outbox_failed(
                a1.id,
                "w",
                &format!("HTTP 503 #{attempt}"),
                false,
                &policy,
                now,
            )
            .await
            .unwrap();
        if attempt < 3 {
            let expected = micros(now) + policy.backoff(&a1.message_id, attempt).as_micros() as i64;
            assert_eq!(
                out,
                FailOutcome::Retry {
                    next_attempt_at: expected
                }
            );
            // Not due a microsecond early.
            let early =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(expected - 1) * 1000)
                    .unwrap();
            let c = s.claim_outbox("w", 1, lease, early).await.unwrap();
            assert_ne!(c.first().map(|m| m.id), Some(a1.id));
            for m in c {
                s.mark_outbox_delivered(m.id, "w", early).await.unwrap();
            }
            now = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(expected) * 1000)
                .unwrap();
        } else {
            assert_eq!(out, FailOutcome::Dead);
        }
    }
    // Dead: A's later message stays blocked (per-record order holds until an operator acts).
    let later = at(now, 7200);
    assert!(
        s.claim_outbox("w", 10, lease, later)
            .await
            .unwrap()
            .is_empty()
    );
    let dead = s.dead_letters(None, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 503 #3"));
    assert_eq!(
        s.dead_letters(Some("VN/GOV/X/Y"), 10).await.unwrap().len(),
        0
    );
    let stats = s.outbox_stats(later).await.unwrap();
    assert_eq!(
        (stats[0].pending, stats[0].dead, stats[0].delivered),
        (1, 1, 1)
    );
    let age = stats[0].oldest_pending_age.unwrap();
    assert!(age >= Duration::from_secs(7200), "{age:?}");

    // The operator requeues it, with a reason that lands in the audit chain.
    let actor = NewAuditEntry {
        actor_username: Some("operator".into()),
        ..NewAuditEntry::default()
    };
    let r = s
        .requeue_dead(a1.id, "Đối tác đã sửa lỗi tiếp nhận", &actor, later)
        .await
        .unwrap();
    assert_eq!(r.previous_error.as_deref(), Some("HTTP 503 #3"));
    assert_eq!(r.previous_attempts, 3);
    assert!(r.audit_seq > 0);
    assert!(matches!(
        s.requeue_dead(a1.id, "again", &actor, later).await,
        Err(StoreError::NotFound)
    ));
    let c = s.claim_outbox("w", 10, lease, later).await.unwrap();
    assert_eq!(c.iter().map(|m| m.id).collect::<Vec<_>>(), vec![a1.id]);
    assert_eq!(c[0].attempts, 1);

    // A permanent refusal is dead at once.
    assert_eq!(
        s.mark_outbox_failed(a1.id, "w", "HTTP 400: bad", true, &policy, later)
            .await
            .unwrap(),
        FailOutcome::Dead
    );
}
contract!(backoff_dead_letters_and_requeue);

async fn operator_views_and_subscription_changes(h: Harness) {
    let s = &h.store;
    let t0 = tuphap_store::now_utc();
    let other = "VN/GOV/BHXH/CSDLBHXH";
    subscribe(s, SUB, "*", "http://127.0.0.1:9/", 0).await;
    // The transactional upsert reports the row as it was; enabling and disabling likewise.
    let mut tx = s.begin().await.unwrap();
    let before = tx
        .subscription_upsert(
            &NewSubscription {
                subscriber: other.into(),
                service: "insurance".into(),
                takes: "birth:registered".into(),
                endpoint_url: "http://127.0.0.1:9/bhxh".into(),
                enabled: true,
                start_after: 0,
            },
            t0,
        )
        .await
        .unwrap();
    assert!(before.is_none());
    assert_eq!(
        tx.subscription_set_enabled(other, "insurance", false)
            .await
            .unwrap(),
        Some(true)
    );
    assert_eq!(
        tx.subscription_set_enabled("VN/GOV/X/Y", "insurance", false)
            .await
            .unwrap(),
        None
    );
    tx.commit().await.unwrap();
    assert!(
        !s.subscription(other, "insurance")
            .await
            .unwrap()
            .unwrap()
            .enabled
    );
    assert!(s.subscription(other, "nope").await.unwrap().is_none());

    write(
        s,
        &[
            change("birth", "A", "registered"),
            change("birth", "B", "registered"),
            change("birth", "C", "registered"),
        ],
    )
    .await;
    s.feed_outbox(100, t0).await.unwrap();
    let policy = RetryPolicy::default();
    let lease = Duration::from_secs(60);
    let c = s.claim_outbox("w", 3, lease, t0).await.unwrap();
    assert_eq!(c.len(), 3);
    s.mark_outbox_delivered(c[0].id, "w", t0).await.unwrap();
    s.mark_outbox_failed(c[1].id, "w", "HTTP 400: bad", true, &policy, t0)
        .await
        .unwrap();
    s.mark_outbox_failed(c[2].id, "w", "HTTP 503", false, &policy, at(t0, 1))
        .await
        .unwrap();

    let stats = s.outbox_service_stats().await.unwrap();
    assert_eq!(stats.len(), 1, "the disabled subscription was not fed");
    let q = &stats[0];
    assert_eq!(
        (q.subscriber.as_str(), q.service.as_str()),
        (SUB, "civil-events")
    );
    assert_eq!(
        (q.pending, q.delivering, q.delivered, q.dead, q.retrying),
        (1, 0, 1, 1, 1)
    );
    assert_eq!(q.undelivered_attempts, 2);
    assert_eq!(q.oldest_undelivered_at, Some(micros(t0)));
    assert_eq!(q.last_error.as_deref(), Some("HTTP 503"));

    let page = s
        .dead_letters_page(Some(SUB), Some("civil-events"), None, 10)
        .await
        .unwrap();
    assert_eq!(page.iter().map(|m| m.id).collect::<Vec<_>>(), vec![c[1].id]);
    assert!(
        s.dead_letters_page(None, None, Some(c[1].id), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.dead_letters_page(None, Some("other"), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let of_b = s.outbox_for_ordering_key("birth/B", 10).await.unwrap();
    assert_eq!(of_b.len(), 1);
    assert_eq!(of_b[0].status, "dead");
}
contract!(operator_views_and_subscription_changes);

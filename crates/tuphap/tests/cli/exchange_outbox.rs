//! `tuphap exchange subscribe|subscriptions|dead-letters|requeue|stats|enable|disable` as an
//! operator runs them: Vietnamese output, exit codes 0 (done), 1 (refused), 2 (error), the
//! requeue audited as the command line.

use std::time::Duration;

use tuphap_store::NewChange;
use tuphap_store::audit::AuditFilter;
use tuphap_store::exchange::RetryPolicy;

use super::{Target, open_target, text};

const SUB: &str = "VN/GOV/BCA/CSDLQGDC";

async fn outbox_commands(t: Target) {
    let o = t.run(&["migrate"], "");
    assert!(o.status.success(), "{}", text(&o));
    let o = t.run(&["exchange", "stats"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("Chưa có bên nhận nào đăng ký"),
        "{}",
        text(&o)
    );

    let subscribe = |subscriber: &str, endpoint: &str| {
        t.run(
            &[
                "exchange",
                "subscribe",
                "--subscriber",
                subscriber,
                "--service",
                "civil-events",
                "--takes",
                "birth:registered",
                "--endpoint",
                endpoint,
            ],
            "",
        )
    };
    let o = subscribe("VN/GOV/BCA", "http://127.0.0.1:9/");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("exchange_subscriber_invalid"),
        "{}",
        text(&o)
    );
    let o = subscribe(SUB, "127.0.0.1:9");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("exchange_endpoint_invalid"),
        "{}",
        text(&o)
    );
    let o = subscribe(SUB, "http://127.0.0.1:9/");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Đã tạo đăng ký nhận tin"), "{}", text(&o));
    let o = t.run(&["exchange", "subscriptions"], "");
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("BÊN NHẬN") && out.contains(SUB) && out.contains("bật"),
        "{out}"
    );

    // A message the receiver refuses for good.
    let store = open_target(&t).await;
    let tx = store.begin().await.unwrap();
    tx.commit_with(
        &[],
        &[NewChange {
            entity: "birth".into(),
            entity_id: "7".into(),
            action: "registered".into(),
            actor_user_id: None,
            payload: serde_json::json!({"id": 7}),
        }],
    )
    .await
    .unwrap();
    let now = tuphap_store::now_utc();
    store.feed_outbox(100, now).await.unwrap();
    let c = store
        .claim_outbox("w", 1, Duration::from_secs(60), now)
        .await
        .unwrap();
    assert_eq!(c.len(), 1);
    store
        .mark_outbox_failed(
            c[0].id,
            "w",
            "HTTP 400: Client.InvalidBody",
            true,
            &RetryPolicy::default(),
            now,
        )
        .await
        .unwrap();
    let id = c[0].id.to_string();

    let o = t.run(&["exchange", "dead-letters", "--subscriber", SUB], "");
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains(&c[0].message_id) && out.contains("HTTP 400"),
        "{out}"
    );
    let o = t.run(&["exchange", "stats"], "");
    let out = text(&o);
    assert!(
        out.contains("LỖI GẦN NHẤT") && out.contains("HTTP 400"),
        "{out}"
    );

    let o = t.run(&["exchange", "requeue", "--id", &id, "--reason", " "], "");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("exchange_reason_required"),
        "{}",
        text(&o)
    );
    let o = t.run(&["exchange", "requeue", "--id", &id], "");
    assert_eq!(o.status.code(), Some(2), "no --reason: {}", text(&o));
    let o = t.run(&["exchange", "requeue", "--reason", "x"], "");
    assert_eq!(o.status.code(), Some(2), "no --id or --all: {}", text(&o));
    let o = t.run(
        &[
            "exchange",
            "requeue",
            "--id",
            &id,
            "--reason",
            "Đối tác đã sửa lỗi tiếp nhận",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Đã đưa lại thư"), "{}", text(&o));
    let m = store.outbox_message(c[0].id).await.unwrap().unwrap();
    assert_eq!(m.status, "pending");
    let audit = store
        .audit_entries(&AuditFilter {
            target_type: Some("exchange_message".into()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "exchange.requeue");
    assert_eq!(audit[0].actor_username.as_deref(), Some("(dòng lệnh)"));
    assert_eq!(
        audit[0].reason.as_deref(),
        Some("Đối tác đã sửa lỗi tiếp nhận")
    );
    let o = t.run(
        &["exchange", "requeue", "--id", &id, "--reason", "lần nữa"],
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("exchange_message_not_dead"),
        "{}",
        text(&o)
    );
    let o = t.run(
        &[
            "exchange",
            "requeue",
            "--subscriber",
            SUB,
            "--all",
            "--reason",
            "Đã sửa",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Tổng cộng 0 thư"), "{}", text(&o));

    let o = t.run(
        &[
            "exchange",
            "disable",
            "--subscriber",
            SUB,
            "--service",
            "civil-events",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !store
            .subscription(SUB, "civil-events")
            .await
            .unwrap()
            .unwrap()
            .enabled
    );
    let o = t.run(
        &[
            "exchange",
            "enable",
            "--subscriber",
            SUB,
            "--service",
            "nope",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("exchange_subscription_not_found"),
        "{}",
        text(&o)
    );
    store.close().await;
    let o = t.run(&["audit", "verify"], "");
    assert!(o.status.success(), "{}", text(&o));
}

#[tokio::test]
async fn exchange_outbox_commands_sqlite() {
    outbox_commands(Target::sqlite()).await;
}

#[tokio::test]
async fn exchange_outbox_commands_postgres() {
    match Target::postgres().await {
        Some(t) => outbox_commands(t).await,
        None => eprintln!("PostgreSQL not available: skipped"),
    }
}

#[test]
fn exchange_database_error_exits_2() {
    let t = Target::sqlite();
    // A data directory that is a file: the database cannot be opened.
    let file = t.dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let o = std::process::Command::new(super::BIN)
        .args(["exchange", "stats", "--data-dir"])
        .arg(&file)
        .env("TUPHAP_LOG", "warn")
        .env_remove("TUPHAP_DATABASE_URL")
        .env_remove("TUPHAP_DATA_DIR")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

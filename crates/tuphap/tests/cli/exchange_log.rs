//! `tuphap exchange verify | proof | verify-proof`: messages put in the log through the store's
//! API, then the binary as an operator runs it: the log verifies, a proof is exported (signing
//! the pending entries with a key generated into the data dir), verified without any database,
//! refused once edited, and an entry edited in the database makes `verify` fail naming it.

use std::process::Command;

use tuphap_store::exchange_log::NewLogEntry;

use super::{Target, open_target, text};

fn entry(id: &str, kind: &str, status: Option<i32>) -> NewLogEntry {
    NewLogEntry {
        direction: "out".into(),
        kind: kind.into(),
        message_id: id.into(),
        client: "VN/GOV/BTP/TUPHAP".into(),
        service: "VN/GOV/BCA/CSDLQGDC/assignPersonalId".into(),
        status,
        duration_us: status.map(|_| 12_345),
        body: format!("{{\"ref\":\"{id}\",\"kind\":\"{kind}\",\"họ_tên\":\"Lê Thị Hoà\"}}"),
    }
}

async fn exchange_log_cli(t: Target) {
    let store = open_target(&t).await;
    store.migrate().await.unwrap();
    store
        .append_message_log(
            &[
                entry("m-1", "request", None),
                entry("m-2", "request", None),
                entry("m-1", "response", Some(200)),
                entry("m-2", "response", Some(200)),
                entry("m-3", "request", None),
            ],
            tuphap_store::now_utc(),
        )
        .await
        .unwrap();
    store.close().await;

    let o = t.run(&["exchange", "verify"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o)
            .contains("Nhật ký thông điệp toàn vẹn: 5 thông điệp, 0 điểm ký; 5 bản ghi chưa ký"),
        "{}",
        text(&o)
    );

    // A proof signs the pending entries first, with a key generated into <data-dir>/keys.
    let proof = t.dir.path().join("m-2.proof.json");
    let o = t.run(
        &["exchange", "proof", "m-2", "--out", proof.to_str().unwrap()],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let keys: Vec<_> = std::fs::read_dir(t.dir.path().join("keys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("exchange-log-")
        })
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&keys[0]).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let json = std::fs::read_to_string(&proof).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["message_id"], "m-2");
    assert_eq!(v["checkpoint"]["up_to_seq"], 5);
    // Other messages' entries are digests only.
    assert!(!json.contains("m-1"), "{json}");
    assert!(!json.contains("m-3"), "{json}");

    let o = t.run(&["exchange", "verify"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("5 thông điệp, 1 điểm ký; 0 bản ghi chưa ký"),
        "{}",
        text(&o)
    );
    // A second proof reuses the same key.
    let o = t.run(&["exchange", "proof", "m-1"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read_dir(t.dir.path().join("keys"))
            .unwrap()
            .count(),
        1
    );
    let o = t.run(&["exchange", "proof", "khong-co"], "");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("exchange_message_not_found"),
        "{}",
        text(&o)
    );

    // verify-proof opens no database: a data dir that does not exist stays so.
    let nowhere = t.dir.path().join("khong-ton-tai");
    let verify_proof = |file: &std::path::Path| {
        Command::new(super::BIN)
            .args(["exchange", "verify-proof"])
            .arg(file)
            .arg("--data-dir")
            .arg(&nowhere)
            .arg("--database-url")
            .arg("postgres://nobody@127.0.0.1:1/none")
            .env("TUPHAP_LOG", "warn")
            .output()
            .unwrap()
    };
    let o = verify_proof(&proof);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("HỢP LỆ"), "{}", text(&o));
    assert!(text(&o).contains("SHA256:"), "{}", text(&o));
    assert!(!nowhere.exists());

    // An edited proof is refused.
    let mut edited: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = edited["rows"].as_array_mut().unwrap();
    let resp = rows
        .iter_mut()
        .find(|r| r["entry"]["kind"] == "response")
        .unwrap();
    resp["entry"]["status"] = serde_json::json!(201);
    let bad = t.dir.path().join("edited.json");
    std::fs::write(&bad, serde_json::to_string(&edited).unwrap()).unwrap();
    let o = verify_proof(&bad);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("proof_row_altered"), "{}", text(&o));
    std::fs::write(&bad, "không phải JSON").unwrap();
    let o = verify_proof(&bad);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // Entry 4 edited in the database, as an intruder with database access would.
    let sql = "UPDATE exchange_message_log SET status = 500 WHERE seq = 4;";
    let tamper = match &t.database_url {
        None => Command::new("sqlite3")
            .arg(t.dir.path().join("tuphap.db"))
            .arg(format!(
                "DROP TRIGGER exchange_message_log_no_update; {sql}"
            ))
            .output()
            .expect("sqlite3 must be installed (.ci/run installs it)"),
        Some(url) => Command::new("psql")
            .arg(url)
            .args(["-v", "ON_ERROR_STOP=1", "-c"])
            .arg(format!(
                "DROP TRIGGER exchange_message_log_no_update ON exchange_message_log; {sql}"
            ))
            .output()
            .expect("psql must be installed (.ci/run installs it)"),
    };
    assert!(tamper.status.success(), "{}", text(&tamper));
    let o = t.run(&["exchange", "verify"], "");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("số 4"), "{}", text(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn exchange_log_verify_proof_and_tamper_sqlite() {
    exchange_log_cli(Target::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn exchange_log_verify_proof_and_tamper_postgres() {
    let Some(t) = Target::postgres().await else {
        eprintln!("PostgreSQL not available: skipped");
        return;
    };
    exchange_log_cli(t).await;
}

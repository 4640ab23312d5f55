//! The exchange message log: hash chain, batch appends inside the caller's transaction,
//! checkpoints, verification that names the first bad entry after tampering behind the store's
//! back, concurrent appenders, statistics.

use std::time::Duration;

use ed25519_dalek::SigningKey;
use tuphap_core::exchange_proof::Checkpoint;
use tuphap_store::Store;
use tuphap_store::exchange_log::NewLogEntry;

use crate::Harness;

const CLIENT: &str = "VN/GOV/BTP/TUPHAP";
const SERVICE: &str = "VN/GOV/BCA/CSDLQGDC/assignPersonalId";

fn request(id: &str) -> NewLogEntry {
    NewLogEntry {
        direction: "out".into(),
        kind: "request".into(),
        message_id: id.into(),
        client: CLIENT.into(),
        service: SERVICE.into(),
        status: None,
        duration_us: None,
        body: format!("{{\"birth_record_ref\":\"{id}\",\"full_name\":\"Nguyễn Văn An\"}}"),
    }
}

fn response(id: &str, status: i32, duration_us: i64) -> NewLogEntry {
    NewLogEntry {
        kind: "response".into(),
        status: Some(status),
        duration_us: Some(duration_us),
        body: format!("{{\"personal_id\":\"0012260{id:0>5}\"}}"),
        ..request(id)
    }
}

const KEY_ID: &str = "test-key";

async fn sign_head(s: &Store, key: &SigningKey) -> i64 {
    if s.log_keys().await.unwrap().is_empty() {
        s.insert_log_key(
            KEY_ID,
            &hex::encode(key.verifying_key().to_bytes()),
            tuphap_store::now_utc(),
        )
        .await
        .unwrap();
    }
    let (seq, hash) = s.message_log_head().await.unwrap();
    let c = Checkpoint::sign(seq, &hash, KEY_ID, 1_800_000_000_000_000 + seq, key);
    assert!(s.insert_log_checkpoint(&c).await.unwrap());
    // A second signer at the same point is told it lost the race.
    assert!(!s.insert_log_checkpoint(&c).await.unwrap());
    seq
}

/// 40 messages: requests in one batch, responses in another, 4 of them errors and 2 unanswered.
async fn fill(s: &Store) {
    let t0 = tuphap_store::now_utc();
    let reqs: Vec<NewLogEntry> = (1..=40).map(|i| request(&format!("m-{i}"))).collect();
    assert_eq!(
        s.append_message_log(&reqs, t0).await.unwrap(),
        (1..=40).collect::<Vec<i64>>()
    );
    let resps: Vec<NewLogEntry> = (1..=38)
        .map(|i| {
            let status = if i % 10 == 0 { 503 } else { 200 };
            response(&format!("m-{i}"), status, i64::from(i) * 1000)
        })
        .collect();
    let seqs = s
        .append_message_log(&resps, t0 + Duration::from_millis(5))
        .await
        .unwrap();
    assert_eq!(seqs.first(), Some(&41));
    assert_eq!(seqs.last(), Some(&78));
}

fn drop_guards(h: &Harness) -> Vec<&'static str> {
    match h.engine {
        tuphap_store::Engine::Sqlite => vec![
            "DROP TRIGGER exchange_message_log_no_update",
            "DROP TRIGGER exchange_message_log_no_delete",
        ],
        tuphap_store::Engine::Postgres => {
            vec!["DROP TRIGGER exchange_message_log_no_update ON exchange_message_log"]
        }
    }
}

async fn bad_seq(s: &Store) -> (i64, String) {
    let v = s.verify_message_log().await.unwrap();
    assert!(!v.is_intact());
    v.first_bad.unwrap()
}

async fn appends_chain_and_verify(h: Harness) {
    let s = &h.store;
    let key = SigningKey::from_bytes(&[3; 32]);
    let v = s.verify_message_log().await.unwrap();
    assert!(v.is_intact() && v.entries == 0 && v.unsigned == 0);
    fill(s).await;
    let v = s.verify_message_log().await.unwrap();
    assert_eq!(v.first_bad, None);
    assert_eq!((v.entries, v.checkpoints, v.unsigned), (78, 0, 78));
    assert_eq!(sign_head(s, &key).await, 78);
    // A batch larger than one multi-row insert.
    let big: Vec<NewLogEntry> = (0..450).map(|i| request(&format!("b-{i}"))).collect();
    let seqs = s
        .append_message_log(&big, tuphap_store::now_utc())
        .await
        .unwrap();
    assert_eq!(seqs, (79..=528).collect::<Vec<i64>>());
    let v = s.verify_message_log().await.unwrap();
    assert_eq!(v.first_bad, None);
    assert_eq!((v.entries, v.checkpoints, v.unsigned), (528, 1, 450));
    assert_eq!(v.last_checkpoint.unwrap().0, 78);
    sign_head(s, &key).await;
    let v = s.verify_message_log().await.unwrap();
    assert_eq!((v.checkpoints, v.unsigned), (2, 0));

    // Queries.
    let m7 = s.message_log_of("m-7").await.unwrap();
    assert_eq!(m7.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![7, 47]);
    assert_eq!(m7[1].status, Some(200));
    assert_eq!(m7[1].duration_us, Some(7000));
    assert_eq!(
        m7[0].body_hash,
        tuphap_core::exchange_proof::body_hash(m7[0].body.as_bytes())
    );
    assert_eq!(s.message_log_range(40, 42).await.unwrap().len(), 3);
    assert_eq!(
        s.log_checkpoint_covering(7)
            .await
            .unwrap()
            .unwrap()
            .up_to_seq,
        78
    );
    assert_eq!(
        s.log_checkpoint_covering(79)
            .await
            .unwrap()
            .unwrap()
            .up_to_seq,
        528
    );
    assert!(s.log_checkpoint_covering(529).await.unwrap().is_none());
    let recent = s.message_log_recent(50).await.unwrap();
    assert_eq!(recent.len(), 50);
    assert_eq!(recent[0].seq, 528);
    let status = s.message_log_status().await.unwrap();
    assert_eq!(status.entries, 528);
    assert_eq!(status.unsigned, 0);
    assert_eq!(status.last_checkpoint.unwrap().0, 528);

    let stats = s
        .message_log_stats(tuphap_store::now_utc() - Duration::from_secs(86_400))
        .await
        .unwrap();
    assert_eq!(stats.len(), 1);
    let st = &stats[0];
    assert_eq!((st.direction.as_str(), st.client.as_str()), ("out", CLIENT));
    assert_eq!((st.requests, st.responses), (490, 38));
    assert_eq!(st.error_responses, 3);
    assert_eq!(st.unanswered, 452);
    assert_eq!(st.failures, 455);
    assert_eq!(st.sampled, 38);
    assert_eq!(st.p50_us, Some(19_000));
    assert_eq!(st.p99_us, Some(38_000));
    // A window after everything: nothing.
    assert!(
        s.message_log_stats(tuphap_store::now_utc() + Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );
}
contract!(appends_chain_and_verify);

/// The entries are written in the caller's transaction: a rollback (or a crash before commit)
/// takes them back, the chain stays intact and the next append continues it.
async fn entries_roll_back_with_the_callers_work(h: Harness) {
    let s = &h.store;
    fill(s).await;
    let mut tx = s.begin().await.unwrap();
    let seqs = tx
        .append_message_log(
            &[request("lost-1"), request("lost-2")],
            tuphap_store::now_utc(),
        )
        .await
        .unwrap();
    assert_eq!(seqs, vec![79, 80]);
    drop(tx);
    assert!(s.message_log_of("lost-1").await.unwrap().is_empty());
    assert_eq!(s.message_log_head().await.unwrap().0, 78);
    let mut tx = s.begin().await.unwrap();
    tx.append_message_log(&[request("kept")], tuphap_store::now_utc())
        .await
        .unwrap();
    // Two appends in one transaction continue each other.
    tx.append_message_log(&[response("kept", 200, 10)], tuphap_store::now_utc())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let kept = s.message_log_of("kept").await.unwrap();
    assert_eq!(kept.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![79, 80]);
    assert!(s.verify_message_log().await.unwrap().is_intact());
}
contract!(entries_roll_back_with_the_callers_work);

async fn edited_body_hash_is_named(h: Harness) {
    fill(&h.store).await;
    sign_head(&h.store, &SigningKey::from_bytes(&[3; 32])).await;
    // The guard refuses edits through SQL.
    assert!(
        h.raw_err("UPDATE exchange_message_log SET status = 200 WHERE seq = 50")
            .await
            .is_some()
    );
    assert!(
        h.raw_err("DELETE FROM exchange_message_log WHERE seq = 50")
            .await
            .is_some()
    );
    h.raw(&drop_guards(&h)).await;
    h.raw(&["UPDATE exchange_message_log SET body_hash = 'AAAA', body = 'x' WHERE seq = 12"])
        .await;
    let (seq, problem) = bad_seq(&h.store).await;
    assert_eq!(seq, 12);
    assert!(problem.contains("12"), "{problem}");
}
contract!(edited_body_hash_is_named);

async fn edited_status_is_named(h: Harness) {
    fill(&h.store).await;
    h.raw(&drop_guards(&h)).await;
    h.raw(&["UPDATE exchange_message_log SET status = 200 WHERE seq = 50"])
        .await;
    let (seq, problem) = bad_seq(&h.store).await;
    assert_eq!(seq, 50);
    assert!(problem.contains("đã bị sửa"), "{problem}");
}
contract!(edited_status_is_named);

async fn edited_body_is_named(h: Harness) {
    fill(&h.store).await;
    h.raw(&drop_guards(&h)).await;
    h.raw(&[
        "UPDATE exchange_message_log SET body = '{\"full_name\":\"Trần Thị B\"}' WHERE seq = 3",
    ])
    .await;
    let (seq, problem) = bad_seq(&h.store).await;
    assert_eq!(seq, 3);
    assert!(problem.contains("nội dung"), "{problem}");
}
contract!(edited_body_is_named);

async fn deleted_rows_are_found(h: Harness) {
    fill(&h.store).await;
    h.raw(&drop_guards(&h)).await;
    h.raw(&["DELETE FROM exchange_message_log WHERE seq = 20"])
        .await;
    let (seq, problem) = bad_seq(&h.store).await;
    assert_eq!(seq, 20);
    assert!(problem.contains("bị mất"), "{problem}");
    // Rows cut from the end are found against the head row.
    h.raw(&["DELETE FROM exchange_message_log WHERE seq >= 19"])
        .await;
    let (seq, problem) = bad_seq(&h.store).await;
    assert_eq!(seq, 19);
    assert!(problem.contains("đã bị xóa"), "{problem}");
}
contract!(deleted_rows_are_found);

async fn tampered_checkpoints_are_found(h: Harness) {
    let s = &h.store;
    let key = SigningKey::from_bytes(&[3; 32]);
    fill(s).await;
    sign_head(s, &key).await;
    s.append_message_log(&[request("after")], tuphap_store::now_utc())
        .await
        .unwrap();
    sign_head(s, &key).await;
    assert!(s.verify_message_log().await.unwrap().is_intact());
    // A signature moved to another time: no longer valid.
    h.raw(&["UPDATE exchange_log_checkpoints SET signed_at = signed_at + 1 WHERE up_to_seq = 78"])
        .await;
    let (seq, problem) = bad_seq(s).await;
    assert_eq!(seq, 78);
    assert!(problem.contains("chữ ký"), "{problem}");
    h.raw(&["UPDATE exchange_log_checkpoints SET signed_at = signed_at - 1 WHERE up_to_seq = 78"])
        .await;
    assert!(s.verify_message_log().await.unwrap().is_intact());
    // A checkpoint moved to another entry.
    h.raw(&["UPDATE exchange_log_checkpoints SET up_to_seq = 77 WHERE up_to_seq = 78"])
        .await;
    assert_eq!(bad_seq(s).await.0, 77);
    h.raw(&["UPDATE exchange_log_checkpoints SET up_to_seq = 78 WHERE up_to_seq = 77"])
        .await;
    // A checkpoint signed by a key that is not listed.
    let rogue = SigningKey::from_bytes(&[9; 32]);
    let (seq, hash) = s.message_log_head().await.unwrap();
    let c = Checkpoint::sign(seq, &hash, KEY_ID, 1, &rogue);
    h.raw(&[&format!(
        "UPDATE exchange_log_checkpoints SET signature = '{}', signed_at = 1 WHERE up_to_seq = {seq}",
        c.signature
    )])
    .await;
    assert_eq!(bad_seq(s).await.0, 79);
}
contract!(tampered_checkpoints_are_found);

/// 8 tasks append 50 entries each, one at a time: 400 entries, numbered 1..400, chain intact.
async fn concurrent_appenders_keep_the_chain(h: Harness) {
    let mut tasks = Vec::new();
    for t in 0..8 {
        let s = h.store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..50 {
                s.append_message_log(&[request(&format!("t{t}-{i}"))], tuphap_store::now_utc())
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let v = h.store.verify_message_log().await.unwrap();
    assert_eq!(v.first_bad, None);
    assert_eq!(v.entries, 400);
    assert_eq!(h.store.message_log_head().await.unwrap().0, 400);
}
contract!(concurrent_appenders_keep_the_chain);

//! The audit chain: intact after concurrent appends; any edit, deletion, reordering or
//! truncation done directly in the database is found and the first bad entry named.

use tuphap_store::{NewAuditEntry, Outcome};

use crate::Harness;

fn entry(i: usize) -> NewAuditEntry {
    NewAuditEntry {
        actor_user_id: Some(1),
        actor_username: Some("canbo".into()),
        action: "test.write".into(),
        target_type: Some("thing".into()),
        target_id: Some(i.to_string()),
        outcome: Some(Outcome::Success),
        reason: Some(format!("lý do {i}")),
        details: Some(serde_json::json!({"i": i})),
        ..NewAuditEntry::default()
    }
}

async fn fill(h: &Harness, n: usize) {
    let mut tasks = Vec::new();
    for t in 0..4 {
        let store = h.store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..n / 4 {
                store.audit(&[entry(t * 100 + i)]).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

fn drop_guards(h: &Harness) -> Vec<&'static str> {
    match h.engine {
        tuphap_store::Engine::Sqlite => vec![
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
        tuphap_store::Engine::Postgres => vec!["DROP TRIGGER audit_log_no_update ON audit_log"],
    }
}

async fn intact_after_concurrent_appends(h: Harness) {
    fill(&h, 40).await;
    let v = h.store.verify_audit().await.unwrap();
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.entries, 40);
    let page = h
        .store
        .audit_entries(&tuphap_store::audit::AuditFilter {
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![40, 39, 38, 37, 36]
    );
}
contract!(intact_after_concurrent_appends);

async fn database_refuses_update_and_delete(h: Harness) {
    fill(&h, 4).await;
    let e = h
        .raw_err("UPDATE audit_log SET reason = 'x' WHERE seq = 2")
        .await
        .expect("update must be refused");
    assert!(e.contains("append-only"), "{e}");
    let e = h
        .raw_err("DELETE FROM audit_log WHERE seq = 2")
        .await
        .expect("delete must be refused");
    assert!(e.contains("append-only"), "{e}");
    assert!(h.store.verify_audit().await.unwrap().is_intact());
}
contract!(database_refuses_update_and_delete);

async fn edited_row_is_named(h: Harness) {
    fill(&h, 8).await;
    h.raw(&drop_guards(&h)).await;
    h.raw(&["UPDATE audit_log SET reason = 'đã sửa' WHERE seq = 5"])
        .await;
    let v = h.store.verify_audit().await.unwrap();
    let (seq, why) = v.first_bad.expect("tampering must be found");
    assert_eq!(seq, 5, "{why}");
    assert!(why.contains("bị sửa"), "{why}");
}
contract!(edited_row_is_named);

async fn hash_column_edit_is_named(h: Harness) {
    fill(&h, 8).await;
    h.raw(&drop_guards(&h)).await;
    // Two other hex digits in front (never the same two: that edit would change nothing).
    h.raw(&[
        "UPDATE audit_log SET hash = CASE WHEN substr(hash, 1, 2) = 'ab' THEN 'cd' ELSE 'ab' END \
             || substr(hash, 3) WHERE seq = 3",
    ])
    .await;
    let (seq, _) = h.store.verify_audit().await.unwrap().first_bad.unwrap();
    assert_eq!(seq, 3);
}
contract!(hash_column_edit_is_named);

async fn deleted_row_is_named(h: Harness) {
    fill(&h, 8).await;
    h.raw(&drop_guards(&h)).await;
    h.raw(&["DELETE FROM audit_log WHERE seq = 4"]).await;
    let (seq, why) = h.store.verify_audit().await.unwrap().first_bad.unwrap();
    assert_eq!(seq, 4, "{why}");
    assert!(why.contains("bị mất"), "{why}");
}
contract!(deleted_row_is_named);

async fn reordered_rows_are_found(h: Harness) {
    fill(&h, 8).await;
    h.raw(&drop_guards(&h)).await;
    // Swap the sequence numbers of entries 6 and 7.
    h.raw(&[
        "UPDATE audit_log SET seq = -6 WHERE seq = 6",
        "UPDATE audit_log SET seq = 6 WHERE seq = 7",
        "UPDATE audit_log SET seq = 7 WHERE seq = -6",
    ])
    .await;
    let (seq, _) = h.store.verify_audit().await.unwrap().first_bad.unwrap();
    assert_eq!(seq, 6);
}
contract!(reordered_rows_are_found);

async fn truncated_tail_is_found(h: Harness) {
    fill(&h, 8).await;
    h.raw(&drop_guards(&h)).await;
    h.raw(&["DELETE FROM audit_log WHERE seq >= 7"]).await;
    let (seq, why) = h.store.verify_audit().await.unwrap().first_bad.unwrap();
    assert_eq!(seq, 7, "{why}");
}
contract!(truncated_tail_is_found);

/// 200 callers appending at once (one to three entries each, 399 in all) share group commits: every caller
/// gets its own consecutive sequence numbers, each entry is stored under the number its caller
/// was given, and the chain is intact.
async fn group_commit_answers_each_caller(h: Harness) {
    let mut tasks = Vec::new();
    for t in 0..200 {
        let store = h.store.clone();
        tasks.push(tokio::spawn(async move {
            let entries: Vec<NewAuditEntry> = (0..1 + t % 3).map(|k| entry(t * 10 + k)).collect();
            (t, store.audit(&entries).await.unwrap())
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        let (t, seqs) = task.await.unwrap();
        assert_eq!(seqs.len(), 1 + t % 3);
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
        for (k, seq) in seqs.iter().enumerate() {
            all.push((*seq, (t * 10 + k).to_string()));
        }
    }
    all.sort();
    let total: usize = (0..200).map(|t| 1 + t % 3).sum();
    assert_eq!(all.len(), total);
    assert_eq!(
        all.iter().map(|a| a.0).collect::<Vec<_>>(),
        (1..=total as i64).collect::<Vec<i64>>()
    );
    let stored = h
        .store
        .audit_entries(&tuphap_store::audit::AuditFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    for e in stored {
        let expected = &all[(e.seq - 1) as usize];
        assert_eq!(
            e.target_id.as_deref(),
            Some(expected.1.as_str()),
            "seq {}",
            e.seq
        );
    }
    let v = h.store.verify_audit().await.unwrap();
    assert!(v.is_intact(), "{v:?}");
}
contract!(group_commit_answers_each_caller);

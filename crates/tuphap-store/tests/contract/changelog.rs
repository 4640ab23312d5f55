//! The change log: gapless, in commit order, never skipped by a reader under concurrent writers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tuphap_store::NewChange;

use crate::Harness;

fn change(i: usize) -> NewChange {
    NewChange {
        entity: "test".into(),
        entity_id: i.to_string(),
        action: "created".into(),
        actor_user_id: None,
        payload: serde_json::json!({"i": i}),
    }
}

async fn gapless_and_rollback(h: Harness) {
    let s = &h.store;
    assert_eq!(s.last_change_seq().await.unwrap(), 0);
    let tx = s.begin().await.unwrap();
    let c = tx.commit_with(&[], &[change(1), change(2)]).await.unwrap();
    assert_eq!(c.change_seqs, vec![1, 2]);
    // A rolled-back transaction gives its number back: no gap.
    let mut tx = s.begin().await.unwrap();
    assert_eq!(tx.record_changes(&[change(3)]).await.unwrap(), vec![3]);
    drop(tx);
    let tx = s.begin().await.unwrap();
    let c = tx.commit_with(&[], &[change(4)]).await.unwrap();
    assert_eq!(c.change_seqs, vec![3]);
    let rows = s.changes_after(0, 100).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(rows[2].entity_id, "4");
    assert_eq!(s.changes_after(2, 100).await.unwrap().len(), 1);
    assert_eq!(s.last_change_seq().await.unwrap(), 3);
}
contract!(gapless_and_rollback);

/// Writers take their number, then dawdle before committing (the window in which a plain
/// sequence lets a later number commit first). A reader follows the log by `seq > cursor` the
/// whole time. Every poll must return a contiguous run starting right after the cursor, and the
/// reader must end up with every row exactly once.
async fn reader_never_skips_under_concurrent_writers(h: Harness) {
    const WRITERS: usize = 6;
    const PER_WRITER: usize = 15;
    let store = h.store.clone();
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let store = store.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut cursor = 0i64;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let rows = store.changes_after(cursor, 1000).await.unwrap();
                for (k, r) in rows.iter().enumerate() {
                    assert_eq!(
                        r.seq,
                        cursor + 1 + k as i64,
                        "reader saw seq {} right after {} (a lower number was not yet visible)",
                        r.seq,
                        cursor + k as i64
                    );
                    seen.push(r.seq);
                }
                if let Some(last) = rows.last() {
                    cursor = last.seq;
                }
                if finished && rows.is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            seen
        })
    };
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..PER_WRITER {
                let mut tx = store.begin().await.unwrap();
                tx.record_changes(&[change(w * 1000 + i)]).await.unwrap();
                let pause = rand::random::<u64>() % 8;
                tokio::time::sleep(Duration::from_millis(pause)).await;
                tx.commit().await.unwrap();
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.await.unwrap();
    let total = (WRITERS * PER_WRITER) as i64;
    assert_eq!(seen, (1..=total).collect::<Vec<_>>());
    assert_eq!(store.last_change_seq().await.unwrap(), total);
}
contract!(reader_never_skips_under_concurrent_writers);

//! The message log's signer: the key generated once into the keys directory (0600) and reused,
//! batch signing of pending entries, the periodic signer, proofs of single messages.

use std::time::Duration;

use tuphap_core::exchange_proof::verify_proof;
use tuphap_exchange::log::{LogError, LogSigner, export_proof, key_path, verify_log};
use tuphap_store::Store;
use tuphap_store::exchange_log::NewLogEntry;

fn entry(id: &str, kind: &str) -> NewLogEntry {
    NewLogEntry {
        direction: "in".into(),
        kind: kind.into(),
        message_id: id.into(),
        client: "VN/GOV/BHXH/CSDLBHXH".into(),
        service: "VN/GOV/BTP/TUPHAP/birthRecord".into(),
        status: (kind == "response").then_some(200),
        duration_us: (kind == "response").then_some(800),
        body: format!("{{\"id\":\"{id}\",\"kind\":\"{kind}\"}}"),
    }
}

async fn signer_signs_in_batches(store: Store) {
    let dir = tuphap_testkit::temp_dir();
    let keys = dir.path().join("keys");
    let signer = LogSigner::load_or_create(&store, &keys).await.unwrap();
    let file = key_path(&keys, signer.key_id());
    assert!(file.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert_eq!(store.log_keys().await.unwrap().len(), 1);
    // A second start reuses the key.
    let again = LogSigner::load_or_create(&store, &keys).await.unwrap();
    assert_eq!(again.key_id(), signer.key_id());
    assert_eq!(again.fingerprint(), signer.fingerprint());
    assert_eq!(store.log_keys().await.unwrap().len(), 1);

    assert_eq!(signer.sign_pending(&store).await.unwrap(), None);
    let now = tuphap_store::now_utc();
    store
        .append_message_log(&[entry("a", "request"), entry("b", "request")], now)
        .await
        .unwrap();
    store
        .append_message_log(&[entry("a", "response")], now)
        .await
        .unwrap();
    assert!(matches!(
        export_proof(&store, "a").await.unwrap_err(),
        LogError::NotYetSigned(_)
    ));
    assert!(matches!(
        export_proof(&store, "khong-co").await.unwrap_err(),
        LogError::UnknownMessage(_)
    ));
    // One signature for all pending entries.
    assert_eq!(signer.sign_pending(&store).await.unwrap(), Some(3));
    assert_eq!(signer.sign_pending(&store).await.unwrap(), None);
    let p = export_proof(&store, "a").await.unwrap();
    assert_eq!(p.rows.len(), 3);
    assert!(p.rows[1].entry.is_none(), "b is a digest in a's proof");
    let s = verify_proof(&p).unwrap();
    assert_eq!(s.entries.len(), 2);
    assert_eq!(s.key_fingerprint, signer.fingerprint());

    // The periodic signer signs what arrives, and once more at shutdown.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = {
        let (signer, store) = (signer.clone(), store.clone());
        tokio::spawn(async move {
            signer
                .run(store, Duration::from_millis(50), async {
                    let _ = stopped.await;
                })
                .await;
        })
    };
    store
        .append_message_log(&[entry("c", "request")], tuphap_store::now_utc())
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while store.message_log_status().await.unwrap().unsigned > 0 {
        assert!(tokio::time::Instant::now() < deadline, "not signed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    store
        .append_message_log(&[entry("d", "request")], tuphap_store::now_utc())
        .await
        .unwrap();
    stop.send(()).unwrap();
    task.await.unwrap();
    let v = verify_log(&store).await.unwrap();
    assert_eq!(v.first_bad, None);
    assert_eq!((v.entries, v.unsigned), (5, 0));
    assert!(v.checkpoints >= 2);

    // A key file that does not match its published half is not used: a new key is made.
    std::fs::remove_file(&file).unwrap();
    std::fs::write(&file, "00".repeat(32)).unwrap();
    let other = LogSigner::load_or_create(&store, &keys).await.unwrap();
    assert_ne!(other.key_id(), signer.key_id());
    store
        .append_message_log(&[entry("e", "request")], tuphap_store::now_utc())
        .await
        .unwrap();
    other.sign_pending(&store).await.unwrap();
    // Checkpoints of both keys verify.
    assert!(verify_log(&store).await.unwrap().is_intact());
}
both!(signer_signs_in_batches);

//! Security events (issue 8, migration 0023): insert, list newest first with the filters and
//! paging, counts per category and per source over a period, and the table's CHECKs; an alerting
//! event writes its change-log row in the same transaction (through the domain).

use tuphap_domain::App;
use tuphap_domain::security::{NewSecurityEvent, SecurityCategory, Severity};
use tuphap_store::security::{NewSecurityEventRow, SecurityEventFilter};

use crate::Harness;

contract!(security_events);

async fn security_events(h: Harness) {
    let store = &h.store;
    let row = |at: i64, category: &str, kind: &str, ip: &str| NewSecurityEventRow {
        at,
        category: category.into(),
        kind: kind.into(),
        severity: "medium".into(),
        source_ip: Some(ip.into()),
        detail: "Mẫu tấn công SQL (OR 1=1) trong chuỗi truy vấn.".into(),
        ..NewSecurityEventRow::default()
    };
    let mut tx = store.begin().await.unwrap();
    let mut ids = Vec::new();
    for (at, c, k, ip) in [
        (
            1_000,
            "exploitation_attempt",
            "sql_injection",
            "203.0.113.7",
        ),
        (
            2_000,
            "exploitation_attempt",
            "path_traversal",
            "203.0.113.7",
        ),
        (
            3_000,
            "unauthorized_access",
            "bad_credentials",
            "203.0.113.7",
        ),
        (
            4_000,
            "unauthorized_access",
            "bad_credentials",
            "198.51.100.2",
        ),
        (5_000, "malware", "malware_upload", "198.51.100.2"),
    ] {
        ids.push(tx.security_event_insert(&row(at, c, k, ip)).await.unwrap());
    }
    tx.commit().await.unwrap();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));

    let all = store
        .security_events(&SecurityEventFilter {
            limit: 100,
            ..SecurityEventFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].kind, "malware_upload");
    let exploit = store
        .security_events(&SecurityEventFilter {
            category: Some("exploitation_attempt".into()),
            limit: 100,
            ..SecurityEventFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(exploit.len(), 2);
    let page = store
        .security_events(&SecurityEventFilter {
            source_ip: Some("203.0.113.7".into()),
            before_id: Some(ids[2]),
            since: Some(1_500),
            limit: 100,
            ..SecurityEventFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].kind, "path_traversal");

    let by_cat = store.security_counts_by_category(2_000).await.unwrap();
    assert_eq!(
        by_cat,
        vec![
            ("exploitation_attempt".to_string(), 1),
            ("malware".to_string(), 1),
            ("unauthorized_access".to_string(), 2),
        ]
    );
    let by_src = store.security_counts_by_source(0, 10).await.unwrap();
    assert_eq!(
        by_src[0],
        (
            "203.0.113.7".to_string(),
            "exploitation_attempt".to_string(),
            2
        )
    );
    assert_eq!(by_src.len(), 4);

    // The CHECKs: an unknown category or severity is refused.
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.security_event_insert(&row(6_000, "nope", "x", "203.0.113.7"))
            .await
            .is_err()
    );
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let mut bad = row(6_000, "other", "x", "203.0.113.7");
    bad.severity = "extreme".into();
    assert!(tx.security_event_insert(&bad).await.is_err());
    drop(tx);

    // Through the domain: a medium event alerts (change-log row), a low one does not.
    let app = App::new(store.clone());
    let before = store.last_change_seq().await.unwrap();
    app.record_security_event(NewSecurityEvent::new(
        SecurityCategory::Malware,
        "malware_upload",
        Severity::High,
        "Tệp tải lên chứa mã độc (Eicar-Test-Signature).\u{0}",
    ))
    .await
    .unwrap();
    app.record_security_event(NewSecurityEvent::new(
        SecurityCategory::UnauthorizedAccess,
        "bad_credentials",
        Severity::Low,
        "Đăng nhập thất bại: sai mật khẩu.",
    ))
    .await
    .unwrap();
    let changes = store.changes_after(before, 10).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].entity, "security_event");
    assert_eq!(changes[0].action, "malware");
    let latest = store
        .security_events(&SecurityEventFilter {
            limit: 2,
            ..SecurityEventFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(latest[1].kind, "malware_upload");
    assert!(!latest[1].detail.contains('\u{0}'), "sanitized");
}

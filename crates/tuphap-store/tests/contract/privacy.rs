//! Privacy (issue 8, migration 0024): an export's audit entry and its `data_access` rows are
//! written together, duplicates folded; a person's exports come back newest first, bounded;
//! an export with no office exports nothing.

use tuphap_store::NewAuditEntry;
use tuphap_store::privacy::ExportFilter;

use crate::Harness;

async fn exports_link_each_person_to_the_audit_entry(h: Harness) {
    let entry = |n: i64| NewAuditEntry {
        actor_username: Some("so.hanoi".into()),
        actor_office: Some("01".into()),
        action: "civil.records.export".into(),
        target_type: Some("civil_records".into()),
        target_id: Some("01".into()),
        purpose: Some("statistics".into()),
        details: Some(serde_json::json!({ "rows": n })),
        ..Default::default()
    };
    // 450 rows (three INSERT batches), one pair twice.
    let mut pairs: Vec<(i64, i64)> = (1..=450).map(|i| (i, 1000 + i)).collect();
    pairs.push((7, 1007));
    let first = h
        .store
        .record_export(&entry(450), &pairs, 1_000, "statistics")
        .await
        .unwrap();
    let second = h
        .store
        .record_export(&entry(1), &[(7, 2007)], 2_000, "inspection")
        .await
        .unwrap();
    assert!(second > first);
    let rows = h.store.data_access_of_persons(&[7], 10).await.unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.audit_seq, r.record_id, r.purpose.as_str()))
            .collect::<Vec<_>>(),
        vec![(second, 2007, "inspection"), (first, 1007, "statistics")]
    );
    assert_eq!(rows[0].actor_office.as_deref(), Some("01"));
    assert_eq!(rows[1].at_micros, 1_000);
    assert_eq!(
        h.store
            .data_access_of_persons(&[450, 9999], 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        h.store.data_access_of_persons(&[7], 1).await.unwrap().len(),
        1
    );
    assert!(h.store.verify_audit().await.unwrap().is_intact());
    let none = h
        .store
        .records_for_export(&ExportFilter::default(), 0, 10)
        .await
        .unwrap();
    assert!(none.is_empty());
}
contract!(exports_link_each_person_to_the_audit_entry);

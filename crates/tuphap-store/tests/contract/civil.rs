//! Civil records: persons reused by personal ID, versions, and gapless register numbers under
//! concurrent signing.

use std::collections::BTreeSet;

use time::macros::date;
use tuphap_store::civil::{NewPerson, NewRecord};
use tuphap_store::identity::{NewOffice, NewUser};
use tuphap_store::{NewAuditEntry, NewChange};

use crate::Harness;

async fn office_and_user(h: &Harness, code: &str) -> (i64, i64) {
    let mut tx = h.store.begin().await.unwrap();
    let (o, _) = tx
        .office_get_or_create(&NewOffice {
            code: code.into(),
            kind: "commune".into(),
            name: format!("UBND {code}"),
            unit_code: Some(code.into()),
            unit_level: Some("commune".into()),
            unit_valid_from: None,
            province_code: Some("01".into()),
        })
        .await
        .unwrap();
    let u = tx
        .user_insert(&NewUser {
            username: format!("u{code}"),
            display_name: "Cán bộ".into(),
            role: "signer".into(),
            office_id: o.id,
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (o.id, u)
}

fn person(name: &str, pid: Option<&str>) -> NewPerson {
    NewPerson {
        personal_id: pid.map(str::to_string),
        full_name: name.into(),
        name_folded: tuphap_core::text::fold(name),
        sex: Some("female".into()),
        date_of_birth: Some(date!(2026 - 01 - 05)),
        birth_year: Some(2026),
        ethnicity_code: Some("01".into()),
        nationality_code: Some("VN".into()),
    }
}

async fn declare(h: &Harness, office: i64, user: i64, i: usize) -> i64 {
    let mut tx = h.store.begin().await.unwrap();
    let mother = tx
        .person_find_or_create(&person("Trần Thị Mai", Some("001190000001")))
        .await
        .unwrap()
        .0;
    let child = tx
        .person_insert(&person(&format!("Nguyễn Thị Hương {i}"), None))
        .await
        .unwrap();
    let id = tx
        .record_insert(&NewRecord {
            target_record_id: None,
            kind: "birth".into(),
            office_id: office,
            unit_code: Some("00004".into()),
            event_date: date!(2026 - 01 - 05),
            subject_person_id: child,
            subject_name_folded: tuphap_core::text::fold("Nguyễn Thị Hương"),
            late: false,
            declared_by: user,
            data: serde_json::json!({"i": i}).to_string(),
            persons: vec![("child".into(), child), ("mother".into(), mother)],
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn persons_and_versions(h: Harness) {
    let (office, user) = office_and_user(&h, "00004").await;
    let a = declare(&h, office, user, 1).await;
    let b = declare(&h, office, user, 2).await;
    let pa = h.store.record_persons(a).await.unwrap();
    let pb = h.store.record_persons(b).await.unwrap();
    let mother = |v: &[tuphap_store::civil::RecordPersonRow]| {
        v.iter().find(|p| p.role == "mother").unwrap().person_id
    };
    assert_eq!(
        mother(&pa),
        mother(&pb),
        "a person known by personal ID is reused"
    );
    let r = h.store.record_by_id(a).await.unwrap().unwrap();
    assert_eq!(r.status, "declared");
    assert_eq!(r.current_version, 1);
    let v = h.store.record_versions(a).await.unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].data, r#"{"i":1}"#);
    let q = h
        .store
        .records_queue(office, "declared", None, 10)
        .await
        .unwrap();
    assert_eq!(q.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a, b]);
    let c = h
        .store
        .birth_candidates(
            &tuphap_core::text::fold("Nguyễn Thị Hương 1"),
            date!(2026 - 01 - 05),
            None,
        )
        .await
        .unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].mother_name_folded.as_deref(), Some("tran thi mai"));
}
contract!(persons_and_versions);

/// 50 signings at once in one office: 50 distinct, consecutive numbers (no gap, no duplicate),
/// and a rolled-back signing gives its number back.
async fn parallel_signing_numbers_are_gapless(h: Harness) {
    let (office, user) = office_and_user(&h, "00004").await;
    let mut ids = Vec::new();
    for i in 0..51 {
        ids.push(declare(&h, office, user, i).await);
    }
    // One signing that fails after taking a number.
    let mut tx = h.store.begin().await.unwrap();
    assert_eq!(
        tx.next_register_number(office, "birth", 2026)
            .await
            .unwrap(),
        1
    );
    drop(tx);
    let mut tasks = Vec::new();
    for id in ids.iter().copied().take(50) {
        let store = h.store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let r = tx.record_for_update(id).await.unwrap().unwrap();
            assert_eq!(r.status, "declared");
            let n = tx
                .next_register_number(office, "birth", 2026)
                .await
                .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(u64::from(
                rand::random::<u8>() % 5,
            )))
            .await;
            tx.record_set_registered(id, user, date!(2026 - 01 - 10), "01", 2026, n, None)
                .await
                .unwrap();
            tx.commit_with(
                &[NewAuditEntry {
                    action: "civil.register".into(),
                    ..Default::default()
                }],
                &[NewChange {
                    entity: "birth".into(),
                    entity_id: id.to_string(),
                    action: "registered".into(),
                    actor_user_id: Some(user),
                    payload: serde_json::json!({"number": n}),
                }],
            )
            .await
            .unwrap();
            n
        }));
    }
    let mut numbers = BTreeSet::new();
    for t in tasks {
        assert!(numbers.insert(t.await.unwrap()), "duplicate number");
    }
    assert_eq!(numbers, (1..=50).collect::<BTreeSet<i32>>());
    // Another book or year starts at 1.
    let mut tx = h.store.begin().await.unwrap();
    assert_eq!(
        tx.next_register_number(office, "death", 2026)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tx.next_register_number(office, "birth", 2027)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tx.next_register_number(office, "birth", 2026)
            .await
            .unwrap(),
        51
    );
    drop(tx);
    // The database itself refuses a duplicate number.
    let mut tx = h.store.begin().await.unwrap();
    let err = tx
        .record_set_registered(ids[50], user, date!(2026 - 01 - 10), "01", 2026, 7, None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, tuphap_store::StoreError::Conflict(_)),
        "{err:?}"
    );
    drop(tx);
    assert!(h.store.verify_audit().await.unwrap().is_intact());
}
contract!(parallel_signing_numbers_are_gapless);

/// A first bulk load sets the secondary indexes aside (and the foreign keys on PostgreSQL), with
/// the statements that restore them; opening the store again (a killed load) restores them, and
/// the register then answers through them and refuses dangling references again.
async fn bulk_load_sets_aside_and_restores_the_schema(h: Harness) {
    let (office, user) = office_and_user(&h, "00004").await;
    let set_aside = h.store.defer_schema().await.unwrap();
    let waiting = h.store.deferred_schema().await.unwrap();
    assert_eq!(waiting.len(), set_aside);
    assert!(
        waiting.contains(&"persons_name_dob".to_string()),
        "{waiting:?}"
    );
    assert!(
        waiting.contains(&"civil_records_queue".to_string()),
        "{waiting:?}"
    );
    match h.engine {
        tuphap_store::Engine::Postgres => {
            // civil_records: office, subject, declared_by, registered_by, target; versions:
            // record, created_by; persons links: record, person.
            assert_eq!(set_aside, 14, "5 indexes, 9 foreign keys")
        }
        tuphap_store::Engine::Sqlite => assert_eq!(set_aside, 5),
    }
    // Rows written meanwhile are in the indexes once they are built.
    let a = declare(&h, office, user, 1).await;
    h.store.migrate().await.unwrap();
    assert!(h.store.deferred_schema().await.unwrap().is_empty());
    let q = h
        .store
        .records_queue(office, "declared", None, 10)
        .await
        .unwrap();
    assert_eq!(q.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a]);
    // Set aside twice, restored once: nothing is left waiting, nothing is built twice.
    assert_eq!(h.store.defer_schema().await.unwrap(), set_aside);
    assert_eq!(h.store.restore_schema().await.unwrap(), set_aside);
    assert_eq!(h.store.restore_schema().await.unwrap(), 0);
    let mut tx = h.store.begin().await.unwrap();
    let dangling = tx
        .import_write(
            "test",
            user,
            &tuphap_store::import::ImportBatch {
                links: vec![(a, "witness".into(), 999_999)],
                ..Default::default()
            },
        )
        .await;
    assert!(dangling.is_err(), "a link to a missing person is refused");
}
contract!(bulk_load_sets_aside_and_restores_the_schema);

async fn record(
    h: &Harness,
    kind: &str,
    office: i64,
    user: i64,
    persons: Vec<(String, i64)>,
    target: Option<i64>,
    on: time::Date,
) -> i64 {
    let mut tx = h.store.begin().await.unwrap();
    let id = tx
        .record_insert(&NewRecord {
            target_record_id: target,
            kind: kind.into(),
            office_id: office,
            unit_code: Some("00004".into()),
            event_date: on,
            subject_person_id: persons[0].1,
            subject_name_folded: "x".into(),
            late: false,
            declared_by: user,
            data: serde_json::json!({"kind": kind}).to_string(),
            persons,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn register(h: &Harness, id: i64, user: i64, kind: &str, on: time::Date) {
    let mut tx = h.store.begin().await.unwrap();
    let n = tx.next_register_number(1, kind, 2026).await.unwrap();
    tx.record_set_registered(id, user, on, "01", 2026, n, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// New kinds need no schema change (the CHECK lists are gone), a record names the record it
/// concerns, and a registered `divorce` targeting a marriage ends it in `marriages_of`: a
/// declared one does not.
async fn recorded_divorce_ends_a_marriage(h: Harness) {
    let (office, user) = office_and_user(&h, "00004").await;
    let mut tx = h.store.begin().await.unwrap();
    let wife = tx
        .person_insert(&person("Trần Thị Mai", Some("001195012345")))
        .await
        .unwrap();
    let husband = tx
        .person_insert(&person("Nguyễn Văn Nam", Some("001093012345")))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let spouses = vec![("husband".to_string(), husband), ("wife".to_string(), wife)];
    let marriage = record(
        &h,
        "marriage",
        office,
        user,
        spouses.clone(),
        None,
        date!(2015 - 03 - 02),
    )
    .await;
    register(&h, marriage, user, "marriage", date!(2015 - 03 - 02)).await;
    let divorce = record(
        &h,
        "divorce",
        office,
        user,
        spouses,
        Some(marriage),
        date!(2026 - 10 - 16),
    )
    .await;
    let m = h.store.marriages_of(wife).await.unwrap();
    assert_eq!((m.len(), m[0].spouse_id), (1, husband));
    assert_eq!(
        m[0].ended_by_record_id, None,
        "declared is not recorded yet"
    );
    let targeting = h.store.records_targeting(marriage).await.unwrap();
    assert_eq!(
        targeting.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![divorce]
    );
    assert_eq!(targeting[0].target_record_id, Some(marriage));
    register(&h, divorce, user, "divorce", date!(2026 - 10 - 20)).await;
    let m = h.store.marriages_of(husband).await.unwrap();
    assert_eq!(m[0].ended_by_record_id, Some(divorce));
    assert_eq!(m[0].ended_on, Some(date!(2026 - 10 - 16)));
    let mut tx = h.store.begin().await.unwrap();
    let m = tx.marriages_of(wife).await.unwrap();
    assert_eq!(
        m[0].ended_by_record_id,
        Some(divorce),
        "inside a transaction too"
    );
    drop(tx);
    // Any kind the domain defines is stored as it is.
    let other = record(
        &h,
        "marital_status",
        office,
        user,
        vec![("applicant".to_string(), wife)],
        None,
        date!(2026 - 11 - 27),
    )
    .await;
    assert_eq!(
        h.store.record_by_id(other).await.unwrap().unwrap().kind,
        "marital_status"
    );
}
contract!(recorded_divorce_ends_a_marriage);

/// Versions are stored compressed and read back as the same JSON; a plain-JSON row written
/// before compression (as the migration leaves them) still reads.
async fn version_content_round_trips(h: Harness) {
    let (office, user) = office_and_user(&h, "00004").await;
    let id = declare(&h, office, user, 7).await;
    let big = serde_json::json!({"note": "Nguyễn Thị Hương ".repeat(500)}).to_string();
    let mut tx = h.store.begin().await.unwrap();
    tx.record_for_update(id).await.unwrap();
    let v2 = tx
        .record_new_version(id, &big, user, "Cải chính")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(v2, 2);
    let v = h.store.record_versions(id).await.unwrap();
    assert_eq!(v[0].data, r#"{"i":7}"#);
    assert_eq!(v[1].data, big);
    assert_eq!(v[1].reason.as_deref(), Some("Cải chính"));
    let stored: Vec<u8> = h.raw_version_bytes(id, 2).await;
    assert_eq!(stored[0], tuphap_store::version_data::FORMAT_DEFLATE_1);
    assert!(stored.len() * 20 < big.len(), "{} bytes", stored.len());
    h.write_plain_version(id, 3, r#"{"legacy":true}"#).await;
    let v = h.store.record_versions(id).await.unwrap();
    assert_eq!(v[2].data, r#"{"legacy":true}"#);
}
contract!(version_content_round_trips);

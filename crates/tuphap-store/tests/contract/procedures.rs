//! The procedure catalogue (migration 0015): seeded from the shipped table, filtered, edited;
//! edits survive restarts and seed changes, unedited rows follow the seed, missing rows return.

use tuphap_core::procedures::default_procedures;
use tuphap_store::procedures::ProcedureFilter;

use crate::Harness;

async fn procedure_catalogue_seed_and_edit(h: Harness) {
    let s = &h.store;
    s.load_reference_data().await.unwrap();
    let all = s.procedures(&ProcedureFilter::default()).await.unwrap();
    assert_eq!(all.len(), default_procedures().len());
    assert!(all.len() >= 30);
    // Nothing to do on the next start.
    assert_eq!(s.seed_procedures().await.unwrap(), 0);

    // Filters.
    let births = s
        .procedures(&ProcedureFilter {
            record_kind: Some("birth".into()),
            ..ProcedureFilter::default()
        })
        .await
        .unwrap();
    assert!(births.iter().any(|r| r.procedure.code == "BTP-HT-KS"));
    assert!(
        births
            .iter()
            .all(|r| r.procedure.record_kind.as_deref() == Some("birth"))
    );
    let full_civil = s
        .procedures(&ProcedureFilter {
            field: Some("Hộ tịch".into()),
            level: Some("full".into()),
            ..ProcedureFilter::default()
        })
        .await
        .unwrap();
    assert!(!full_civil.is_empty());
    assert!(
        full_civil
            .iter()
            .all(|r| r.procedure.field == "Hộ tịch" && r.procedure.level == "full")
    );
    let ministry = s
        .procedures(&ProcedureFilter {
            authority_level: Some("ministry".into()),
            ..ProcedureFilter::default()
        })
        .await
        .unwrap();
    assert!(ministry.iter().all(|r| r.procedure.record_kind.is_none()));
    let fields = s.procedure_fields().await.unwrap();
    assert!(fields.contains(&"Lý lịch tư pháp".to_string()));

    // A ministry administrator edits the birth procedure and deactivates another.
    let ks = s.procedure("BTP-HT-KS").await.unwrap().unwrap();
    assert_eq!(ks.updated_by, None);
    assert_eq!(ks.procedure.required_documents.len(), 3);
    let mut edited = ks.procedure.clone();
    edited.fee_note = "Miễn lệ phí (đã sửa)".into();
    edited.required_documents.push("Giấy tờ khác".into());
    let mut tx = s.begin().await.unwrap();
    assert!(
        !tx.upsert_procedure(&edited, 7).await.unwrap(),
        "replaced, not created"
    );
    let mut new = edited.clone();
    new.code = "BTP-TEST-MOI".into();
    new.active = false;
    assert!(tx.upsert_procedure(&new, 7).await.unwrap(), "created");
    tx.commit().await.unwrap();
    let got = s.procedure("BTP-HT-KS").await.unwrap().unwrap();
    assert_eq!(got.procedure, edited);
    assert_eq!(got.updated_by, Some(7));
    assert!(got.updated_at >= ks.updated_at);
    // Inactive rows are hidden unless asked for.
    let shown = s.procedures(&ProcedureFilter::default()).await.unwrap();
    assert!(!shown.iter().any(|r| r.procedure.code == "BTP-TEST-MOI"));
    let with_inactive = s
        .procedures(&ProcedureFilter {
            include_inactive: true,
            ..ProcedureFilter::default()
        })
        .await
        .unwrap();
    assert!(
        with_inactive
            .iter()
            .any(|r| r.procedure.code == "BTP-TEST-MOI")
    );

    // A release ships a changed seed: pretend the stored rows came from an older one, an
    // unedited row was changed by it, and one row is missing.
    h.raw(&[
        "UPDATE procedures SET seed_hash = 'old' WHERE seed_hash IS NOT NULL",
        "UPDATE procedures SET name = 'Tên cũ' WHERE code = 'BTP-HT-KT'",
        "DELETE FROM procedures WHERE code = 'BTP-HT-TTHN'",
        "DELETE FROM reference_meta WHERE key = 'procedures_fingerprint'",
    ])
    .await;
    let written = s.seed_procedures().await.unwrap();
    // Every unedited row is refreshed and the missing one inserted; the edited one is not.
    assert_eq!(written as usize, default_procedures().len() - 1);
    let kt = s.procedure("BTP-HT-KT").await.unwrap().unwrap();
    assert_eq!(kt.procedure.name, "Đăng ký khai tử");
    assert!(s.procedure("BTP-HT-TTHN").await.unwrap().is_some());
    assert_eq!(
        s.procedure("BTP-HT-KS").await.unwrap().unwrap().procedure,
        edited
    );
    assert!(s.procedure("BTP-TEST-MOI").await.unwrap().is_some());
    assert_eq!(s.seed_procedures().await.unwrap(), 0);

    // A plain insert of a taken code is a conflict (what a concurrent create runs into).
    let mut tx = s.begin().await.unwrap();
    assert!(matches!(
        tx.insert_procedure(&edited, 7).await,
        Err(tuphap_store::StoreError::Conflict(_))
    ));
    drop(tx);

    // The schema refuses what the rules refuse.
    assert!(
        h.raw_err("UPDATE procedures SET level = 'half' WHERE code = 'BTP-HT-KT'")
            .await
            .is_some()
    );
    assert!(
        h.raw_err("UPDATE procedures SET processing_days = 366 WHERE code = 'BTP-HT-KT'")
            .await
            .is_some()
    );
    assert!(
        h.raw_err("UPDATE procedures SET fee_vnd = -1 WHERE code = 'BTP-HT-KT'")
            .await
            .is_some()
    );
}

contract!(procedure_catalogue_seed_and_edit);

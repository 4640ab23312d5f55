//! Anti-malware verdicts of dossier files and the backup's queries (issue 8, items 3 and 4):
//! pending files are listed oldest first with their content, a verdict is recorded, an infected
//! file's content is emptied (quarantine) while its name, size and SHA-256 stay; the facts of a
//! database (schema version, counts) and whether it is empty.

use tuphap_domain::App;
use tuphap_domain::identity::{AuthPolicy, NewUserInput};
use tuphap_store::dossiers::{NewDossier, NewDossierFile};

use crate::Harness;

async fn dossier_with_files(h: &Harness, statuses: &[&str]) -> (i64, Vec<i64>) {
    let app = App::new(h.store.clone()).with_auth(AuthPolicy::without_second_factor());
    app.add_user(
        NewUserInput {
            username: "canbo.quet".into(),
            display_name: None,
            role: "officer".into(),
            unit: "00004".into(),
            password: "mat-khau-rat-dai-2026".into(),
        },
        None,
        &Default::default(),
    )
    .await
    .unwrap();
    let office = h.store.office_by_code("00004").await.unwrap().unwrap().id;
    let mut tx = h.store.begin().await.unwrap();
    let id = tx
        .dossier_insert(&NewDossier {
            code: "000.00.04.H26-270310-0001".into(),
            procedure_code: "BTP-HT-KS".into(),
            procedure_name: "Đăng ký khai sinh".into(),
            office_id: office,
            applicant_personal_id: "001090000123".into(),
            applicant_name: "Nguyễn Văn An".into(),
            channel: 2,
            status: "submitted".into(),
            processing_days: 3,
            submitted_at: 1,
            paid_online: 0,
            application: None,
            copies: 0,
            fee_vnd: 0,
        })
        .await
        .unwrap();
    let mut files = Vec::new();
    for (i, st) in statuses.iter().enumerate() {
        files.push(
            tx.dossier_file_insert(
                id,
                &NewDossierFile {
                    component: "Giấy chứng sinh".into(),
                    file_name: format!("tệp-{i}.pdf"),
                    content_type: "application/pdf".into(),
                    content: format!("%PDF-1.4 {i}").into_bytes(),
                    sha256: format!("{i}").repeat(64),
                    scan_status: (*st).into(),
                },
                9,
                Some("001090000123"),
            )
            .await
            .unwrap(),
        );
    }
    tx.commit_with(&[], &[]).await.unwrap();
    (id, files)
}

async fn file_scans_and_backup_facts(h: Harness) {
    assert!(!h.store.is_empty_database().await.unwrap());
    let before = h.store.snapshot_facts().await.unwrap();
    assert!(before.schema_version >= 18, "{before:?}");
    let (dossier, files) =
        dossier_with_files(&h, &["pending", "clean", "pending", "not_scanned"]).await;
    let pending = h.store.dossier_files_pending_scan(10).await.unwrap();
    assert_eq!(
        pending.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![files[0], files[2]]
    );
    assert_eq!(pending[0].content, b"%PDF-1.4 0");
    assert_eq!(
        h.store.dossier_files_pending_scan(1).await.unwrap().len(),
        1
    );

    let mut tx = h.store.begin().await.unwrap();
    tx.dossier_file_set_scan(files[0], "clean", false)
        .await
        .unwrap();
    tx.dossier_file_set_scan(files[2], "infected", true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        h.store
            .dossier_files_pending_scan(10)
            .await
            .unwrap()
            .is_empty()
    );
    let clean = h
        .store
        .dossier_file_content(dossier, files[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (clean.scan_status.as_str(), clean.content.len()),
        ("clean", 10)
    );
    let infected = h
        .store
        .dossier_file_content(dossier, files[2])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(infected.scan_status, "infected");
    assert!(infected.content.is_empty(), "quarantined");
    assert_eq!(
        (infected.size_bytes, infected.sha256.as_str()),
        (10, "2".repeat(64).as_str()),
        "the record of what it was stays"
    );

    let after = h.store.snapshot_facts().await.unwrap();
    let count = |f: &tuphap_store::backup::SnapshotFacts, t: &str| {
        f.counts
            .iter()
            .find(|(n, _)| n == t)
            .map(|(_, c)| *c)
            .unwrap()
    };
    assert_eq!(count(&after, "dossiers"), count(&before, "dossiers") + 1);
    assert_eq!(
        count(&after, "dossier_files"),
        count(&before, "dossier_files") + 4
    );
    assert_eq!(
        after.counts.len(),
        tuphap_store::backup::COUNTED_TABLES.len()
    );
}
contract!(file_scans_and_backup_facts);

//! The officer's dossier queue (issue 7, item 4): an office's dossiers ordered by appointment
//! date (the Form 04 date, else the due date; not received first), keyset pages, the deadline
//! bands and their counts, and one file of a dossier with and without its content.

use time::Date;
use time::macros::date;
use tuphap_domain::App;
use tuphap_domain::identity::AuthPolicy;
use tuphap_domain::identity::NewUserInput;
use tuphap_store::dossiers::{
    DossierQueueQuery, DueBand, DueBandCounts, NewDossier, NewDossierFile,
};

use crate::Harness;

const TODAY: Date = date!(2027 - 03 - 10);
const HORIZON: Date = date!(2027 - 03 - 11);

async fn office(h: &Harness, unit: &str, username: &str) -> i64 {
    let app = App::new(h.store.clone()).with_auth(AuthPolicy::without_second_factor());
    app.add_user(
        NewUserInput {
            username: username.into(),
            display_name: None,
            role: "officer".into(),
            unit: unit.into(),
            password: "mat-khau-rat-dai-2026".into(),
        },
        None,
        &Default::default(),
    )
    .await
    .unwrap();
    h.store.office_by_code(unit).await.unwrap().unwrap().id
}

/// A dossier of `office` in `status`, due on `due` (reappointed on `re`), finished or not.
async fn dossier(
    h: &Harness,
    office: i64,
    n: u32,
    status: &str,
    due: Option<Date>,
    re: Option<Date>,
    finished: bool,
) -> (String, i64) {
    let code = format!("000.00.31.H13-270310-{n:04}");
    let mut tx = h.store.begin().await.unwrap();
    let id = tx
        .dossier_insert(&NewDossier {
            code: code.clone(),
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
    let mut row = tx.dossier_by_code_for_update(&code).await.unwrap().unwrap();
    row.status = status.into();
    row.due_on = due;
    row.reappointed_on = re;
    row.finished_at = finished.then_some(5);
    tx.dossier_update(&row).await.unwrap();
    tx.commit_with(&[], &[]).await.unwrap();
    (code, id)
}

fn query(office_id: i64) -> DossierQueueQuery {
    DossierQueueQuery {
        office_id,
        open_only: true,
        status: None,
        band: None,
        today: TODAY,
        horizon: HORIZON,
    }
}

async fn dossier_queue_orders_pages_and_bands(h: Harness) {
    let ba_dinh = office(&h, "00004", "canbo.badinh").await;
    let hong_ha = office(&h, "00097", "canbo.hongha").await;
    let (waiting, _) = dossier(&h, ba_dinh, 1, "submitted", None, None, false).await;
    let (overdue, _) = dossier(
        &h,
        ba_dinh,
        2,
        "processing",
        Some(date!(2027 - 03 - 01)),
        None,
        false,
    )
    .await;
    let (today, _) = dossier(&h, ba_dinh, 3, "received", Some(TODAY), None, false).await;
    let (tomorrow, _) = dossier(&h, ba_dinh, 4, "received", Some(HORIZON), None, false).await;
    // Late on its due date, but reappointed (Form 04) for later: on track by the new date.
    let (reappointed, file_dossier) = dossier(
        &h,
        ba_dinh,
        5,
        "processing",
        Some(date!(2027 - 03 - 05)),
        Some(date!(2027 - 03 - 20)),
        false,
    )
    .await;
    let (paused, _) = dossier(
        &h,
        ba_dinh,
        6,
        "supplement_requested",
        Some(date!(2027 - 03 - 02)),
        None,
        false,
    )
    .await;
    let (done, _) = dossier(
        &h,
        ba_dinh,
        7,
        "refused",
        Some(date!(2027 - 03 - 03)),
        None,
        true,
    )
    .await;
    dossier(&h, hong_ha, 8, "received", Some(TODAY), None, false).await;

    let s = &h.store;
    let codes = |rows: Vec<tuphap_store::dossiers::DossierRow>| {
        rows.into_iter().map(|d| d.code).collect::<Vec<_>>()
    };
    let open = codes(
        s.dossier_queue_page(&query(ba_dinh), None, 50)
            .await
            .unwrap(),
    );
    assert_eq!(
        open,
        vec![
            waiting.clone(),
            overdue.clone(),
            paused.clone(),
            today.clone(),
            tomorrow.clone(),
            reappointed.clone()
        ]
    );
    // Keyset pages of two give the same order.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .dossier_queue_page(&query(ba_dinh), after, 2)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some((
            last.reappointed_on
                .or(last.due_on)
                .unwrap_or(tuphap_store::dossiers::QUEUE_NO_DUE),
            last.id,
        ));
        paged.extend(codes(page));
    }
    assert_eq!(paged, open);
    // Bands.
    for (band, want) in [
        (DueBand::Waiting, vec![waiting.clone()]),
        (DueBand::Overdue, vec![overdue.clone()]),
        (DueBand::DueSoon, vec![today.clone(), tomorrow.clone()]),
        (DueBand::OnTrack, vec![reappointed.clone()]),
        (DueBand::Paused, vec![paused.clone()]),
    ] {
        let q = DossierQueueQuery {
            band: Some(band),
            ..query(ba_dinh)
        };
        assert_eq!(
            codes(s.dossier_queue_page(&q, None, 50).await.unwrap()),
            want,
            "{band:?}"
        );
    }
    // A status, finished ones included; everything.
    let q = DossierQueueQuery {
        open_only: false,
        status: Some("refused".into()),
        ..query(ba_dinh)
    };
    assert_eq!(
        codes(s.dossier_queue_page(&q, None, 50).await.unwrap()),
        vec![done.clone()]
    );
    let q = DossierQueueQuery {
        open_only: false,
        ..query(ba_dinh)
    };
    assert_eq!(s.dossier_queue_page(&q, None, 50).await.unwrap().len(), 7);
    assert_eq!(
        s.dossier_band_counts(ba_dinh, TODAY, HORIZON)
            .await
            .unwrap(),
        DueBandCounts {
            waiting: 1,
            overdue: 1,
            due_soon: 2,
            on_track: 1,
            paused: 1
        }
    );
    assert_eq!(
        s.dossier_band_counts(hong_ha, TODAY, HORIZON)
            .await
            .unwrap()
            .due_soon,
        1
    );

    // One file, with and without its content; not through another dossier.
    let mut tx = s.begin().await.unwrap();
    let fid = tx
        .dossier_file_insert(
            file_dossier,
            &NewDossierFile {
                component: "Giấy chứng sinh".into(),
                file_name: "giấy chứng sinh.pdf".into(),
                content_type: "application/pdf".into(),
                content: b"%PDF-1.4".to_vec(),
                sha256: "0".repeat(64),
                scan_status: "clean".into(),
            },
            9,
            Some("001090000123"),
        )
        .await
        .unwrap();
    tx.commit_with(&[], &[]).await.unwrap();
    let info = s
        .dossier_file_info(file_dossier, fid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (info.file_name.as_str(), info.size_bytes),
        ("giấy chứng sinh.pdf", 8)
    );
    let f = s
        .dossier_file_content(file_dossier, fid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(f.content, b"%PDF-1.4");
    assert!(
        s.dossier_file_content(file_dossier + 1, fid)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.dossier_file_info(file_dossier, fid + 1)
            .await
            .unwrap()
            .is_none()
    );
}
contract!(dossier_queue_orders_pages_and_bands);

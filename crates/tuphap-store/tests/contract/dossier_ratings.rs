//! Satisfaction ratings (issue 7, migration 0020): one rating per dossier — a second insert
//! changes nothing, even from concurrent transactions — and the table's CHECKs (score 1–5).

use std::sync::Arc;
use tuphap_domain::identity::AuthPolicy;

use tuphap_domain::identity::{NewUserInput, SessionKind};
use tuphap_domain::{App, RequestMeta};
use tuphap_store::dossier_ratings::DossierRating;
use tuphap_store::dossiers::NewDossier;

use crate::Harness;

async fn office_id(app: &App) -> i64 {
    let meta = RequestMeta::default();
    app.add_user(
        NewUserInput {
            username: "canbo.danhgia".into(),
            display_name: None,
            role: "officer".into(),
            unit: "00004".into(),
            password: "mat-khau-rat-dai-2026".into(),
        },
        None,
        &meta,
    )
    .await
    .unwrap();
    app.login(
        "canbo.danhgia",
        "mat-khau-rat-dai-2026",
        SessionKind::Api,
        &meta,
    )
    .await
    .unwrap()
    .actor
    .office
    .id
}

async fn dossier_ratings_once_per_dossier(h: Harness) {
    let app = App::new(h.store.clone()).with_auth(AuthPolicy::without_second_factor());
    let office = office_id(&app).await;
    let mut tx = h.store.begin().await.unwrap();
    let id = tx
        .dossier_insert(&NewDossier {
            code: "000.00.31.H13-270204-0001".into(),
            procedure_code: "BTP-HT-BSTL".into(),
            procedure_name: "Cấp bản sao trích lục hộ tịch".into(),
            office_id: office,
            applicant_personal_id: "001090012345".into(),
            applicant_name: "Nguyễn Văn An".into(),
            channel: 2,
            status: "result_returned".into(),
            processing_days: 1,
            submitted_at: 1,
            paid_online: 0,
            application: None,
            copies: 0,
            fee_vnd: 0,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(h.store.dossier_rating(id).await.unwrap().is_none());

    // Eight concurrent ratings: exactly one is stored.
    let store = Arc::new(h.store.clone());
    let mut tasks = Vec::new();
    for score in 1..=4 {
        for _ in 0..2 {
            let s = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = s.begin().await.unwrap();
                let done = tx
                    .dossier_rating_insert(&DossierRating {
                        dossier_id: id,
                        score,
                        comment: format!("điểm {score}"),
                        rated_at: 10,
                    })
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                done
            }));
        }
    }
    let mut stored = 0;
    for t in tasks {
        if t.await.unwrap() {
            stored += 1;
        }
    }
    assert_eq!(stored, 1);
    let r = h.store.dossier_rating(id).await.unwrap().unwrap();
    assert_eq!(r.comment, format!("điểm {}", r.score));

    // The CHECKs repeat the domain's rules.
    assert!(
        h.raw_err("UPDATE dossier_ratings SET score = 6")
            .await
            .is_some()
    );
    assert!(
        h.raw_err("UPDATE dossier_ratings SET score = 0")
            .await
            .is_some()
    );
    assert!(
        h.raw_err("INSERT INTO dossier_ratings (dossier_id, score, comment, rated_at) VALUES (999999, 3, '', 1)")
            .await
            .is_some(),
        "a rating needs its dossier"
    );
}
contract!(dossier_ratings_once_per_dossier);

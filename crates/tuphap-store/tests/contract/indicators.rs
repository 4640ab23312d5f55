//! Decision 766 indicators (issue 7, migration 0021): the per-office aggregate of
//! `Store::indicator_counts` agrees with the reference `Counts::tally` over the same dossiers and
//! with a hand count, on dossiers made through the use cases (online and in person, a second
//! supplement request, a refusal, a withdrawal before receipt, a late completion, fees, files
//! and ratings), and its office and province scopes filter.

use time::macros::datetime;
use time::{OffsetDateTime, PrimitiveDateTime};
use tuphap_core::dates::VN_OFFSET;
use tuphap_core::dossier::Channel;
use tuphap_core::indicators::{Counts, Period};
use tuphap_domain::citizen::Citizen;
use tuphap_domain::identity::AuthPolicy;
use tuphap_domain::identity::{NewUserInput, SessionKind};
use tuphap_domain::online::dossier::{DossierParty, SubmitDossier};
use tuphap_domain::online::indicators::period_of;
use tuphap_domain::{Actor, App, RequestMeta};
use tuphap_store::dossiers::NewDossierFile;
use tuphap_store::indicators::IndicatorScope;

use crate::Harness;

const CITIZEN: &str = "001090000123";
const PASSWORD: &str = "mat-khau-rat-dai-2026";

fn vn(dt: PrimitiveDateTime) -> OffsetDateTime {
    dt.assume_offset(VN_OFFSET)
}

async fn user(app: &App, username: &str, role: &str, unit: &str) -> Actor {
    let meta = RequestMeta::default();
    app.add_user(
        NewUserInput {
            username: username.into(),
            display_name: Some(format!("Cán bộ {username}")),
            role: role.into(),
            unit: unit.into(),
            password: PASSWORD.into(),
        },
        None,
        &meta,
    )
    .await
    .unwrap();
    app.login(username, PASSWORD, SessionKind::Api, &meta)
        .await
        .unwrap()
        .actor
}

fn input(office: &Actor, fee_vnd: i64, paid_online: u8, files: bool) -> SubmitDossier {
    SubmitDossier {
        office_code: office.office.code.clone(),
        procedure_code: "BTP-HT-KS".into(),
        procedure_name: "Đăng ký khai sinh".into(),
        processing_days: 3,
        applicant_personal_id: CITIZEN.into(),
        applicant_name: "Nguyễn Văn An".into(),
        paid_online,
        fee_vnd,
        files: if files {
            vec![NewDossierFile {
                component: "Giấy chứng sinh".into(),
                file_name: "giay-chung-sinh.pdf".into(),
                content_type: "application/pdf".into(),
                content: b"%PDF-1.4 demo".to_vec(),
                sha256: "0".repeat(64),
                scan_status: "clean".into(),
            }]
        } else {
            Vec::new()
        },
        ..SubmitDossier::default()
    }
}

async fn indicator_counts_match_the_reference_tally(h: Harness) {
    let app = App::new(h.store.clone()).with_auth(AuthPolicy::without_second_factor());
    let meta = RequestMeta::default();
    let a = user(&app, "canbo.chiso.a", "officer", "00004").await;
    let b = user(&app, "canbo.chiso.b", "officer", "25747").await;
    let admin = user(&app, "quantri.chiso", "admin", "BTP").await;
    app.set_dossier_unit_code(&admin, &meta, &a.office.code, "000.00.31.H13")
        .await
        .unwrap();
    app.set_dossier_unit_code(&admin, &meta, &b.office.code, "000.00.79.H79")
        .await
        .unwrap();
    let citizen = Citizen {
        session_id: 0,
        personal_id: CITIZEN.into(),
        full_name: "Nguyễn Văn An".into(),
        birthdate: None,
        gender: None,
        csrf_token: String::new(),
    };
    let me = DossierParty::Citizen {
        personal_id: CITIZEN,
    };
    let submit = |office: &Actor, ch: Channel, fee: i64, paid: u8, files: bool, at| {
        let input = input(office, fee, paid, files);
        let app = app.clone();
        async move {
            app.submit_dossier_by_channel(&RequestMeta::default(), input, ch, at)
                .await
                .unwrap()
                .code
        }
    };
    // Monday 08/03/2027; 3 working days: due Thursday 11/03.
    let recv = vn(datetime!(2027-03-08 09:00));
    let sub = vn(datetime!(2027-03-08 08:30));

    // A1: online with a file, e-result, on time, returned, rated 5.
    let a1 = submit(&a, Channel::Online, 0, 0, true, sub).await;
    app.accept_dossier(&a, &meta, &a1, recv).await.unwrap();
    app.complete_dossier(&a, &meta, &a1, None, true, vn(datetime!(2027-03-10 10:00)))
        .await
        .unwrap();
    app.return_dossier_result(&a, &meta, &a1, vn(datetime!(2027-03-10 11:00)))
        .await
        .unwrap();
    // A2: in person, paper result, on time, rated 1 (a dislike).
    let a2 = submit(&a, Channel::InPerson, 0, 0, false, sub).await;
    app.accept_dossier(&a, &meta, &a2, recv).await.unwrap();
    app.complete_dossier(&a, &meta, &a2, None, false, vn(datetime!(2027-03-09 10:00)))
        .await
        .unwrap();
    // A3: online, two supplement requests (late), e-result.
    let a3 = submit(&a, Channel::Online, 0, 0, false, sub).await;
    app.accept_dossier(&a, &meta, &a3, recv).await.unwrap();
    for (ask, answer) in [
        (datetime!(2027-03-09 10:00), datetime!(2027-03-10 10:00)),
        (datetime!(2027-03-11 10:00), datetime!(2027-03-12 10:00)),
    ] {
        app.request_dossier_supplement(&a, &meta, &a3, &["Giấy chứng sinh".into()], vn(ask))
            .await
            .unwrap();
        app.answer_dossier_supplement(me, &meta, &a3, vn(answer))
            .await
            .unwrap();
    }
    app.complete_dossier(&a, &meta, &a3, None, true, vn(datetime!(2027-03-15 10:00)))
        .await
        .unwrap();
    // A4: online, refused after receipt (finished, not settled, on time).
    let a4 = submit(&a, Channel::Online, 0, 0, false, sub).await;
    app.accept_dossier(&a, &meta, &a4, recv).await.unwrap();
    app.refuse_dossier(&a, &meta, &a4, &["Không thuộc thẩm quyền".into()], recv)
        .await
        .unwrap();
    // A5: withdrawn before receipt: counted nowhere.
    let a5 = submit(&a, Channel::Online, 0, 0, false, sub).await;
    app.withdraw_dossier(me, &meta, &a5, "Nộp nhầm", recv)
        .await
        .unwrap();
    // A6: online, fee paid online, still open.
    let a6 = submit(&a, Channel::Online, 8_000, 1, false, sub).await;
    app.accept_dossier(&a, &meta, &a6, recv).await.unwrap();
    // A7: in person, fee paid at the counter, finished late (after 11/03), rated 1.
    let a7 = submit(&a, Channel::InPerson, 8_000, 0, false, sub).await;
    app.accept_dossier(&a, &meta, &a7, recv).await.unwrap();
    app.complete_dossier(&a, &meta, &a7, None, true, vn(datetime!(2027-03-16 10:00)))
        .await
        .unwrap();
    // A8: received in March, finished in April (outside the period).
    let a8 = submit(&a, Channel::Online, 0, 0, false, sub).await;
    app.accept_dossier(&a, &meta, &a8, recv).await.unwrap();
    app.complete_dossier(&a, &meta, &a8, None, true, vn(datetime!(2027-04-02 10:00)))
        .await
        .unwrap();
    // B1 (another province): online, e-result, on time.
    let b1 = submit(&b, Channel::Online, 0, 0, false, sub).await;
    app.accept_dossier(&b, &meta, &b1, recv).await.unwrap();
    app.complete_dossier(&b, &meta, &b1, None, true, vn(datetime!(2027-03-09 10:00)))
        .await
        .unwrap();
    for (code, score) in [(&a1, 5), (&a2, 1), (&a7, 1)] {
        app.rate_dossier(
            &citizen,
            &meta,
            code,
            score,
            "",
            vn(datetime!(2027-03-17 10:00)),
        )
        .await
        .unwrap();
    }

    let march = period_of(
        time::macros::date!(2027 - 03 - 01),
        time::macros::date!(2027 - 03 - 31),
    );
    let all = IndicatorScope::default();
    let rows = h.store.indicator_counts(march, &all).await.unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let row_a = rows.iter().find(|r| r.office_id == a.office.id).unwrap();
    let row_b = rows.iter().find(|r| r.office_id == b.office.id).unwrap();
    // Hand count (see each dossier above).
    let hand_a = Counts {
        received: 7,                // A1–A4, A6–A8
        received_online: 5,         // A1, A3, A4, A6, A8
        finished: 5,                // A1, A2, A3, A4, A7
        finished_on_time: 3,        // A1, A2, A4
        settled: 4,                 // A1, A2, A3, A7
        settled_e_result: 3,        // A1, A3, A7
        settled_digitised: 1,       // A1 (the only one with a file)
        settled_fully_online: 2,    // A1, A3
        fee_bearing: 2,             // A6, A7
        fee_paid_online: 1,         // A6
        finished_disliked: Some(1), // A2 (A7 is late: counted once, as late)
    };
    assert_eq!(row_a.counts, hand_a);
    assert_eq!(row_a.province_code.as_deref(), Some("01"));
    let hand_b = Counts {
        received: 1,
        received_online: 1,
        finished: 1,
        finished_on_time: 1,
        settled: 1,
        settled_e_result: 1,
        settled_digitised: 0,
        settled_fully_online: 1,
        fee_bearing: 0,
        fee_paid_online: 0,
        finished_disliked: Some(0),
    };
    assert_eq!(row_b.counts, hand_b);
    assert_eq!(row_b.province_code.as_deref(), Some("79"));

    // The SQL aggregate equals the reference tally over the same dossiers.
    for scope in [
        all.clone(),
        IndicatorScope {
            office_id: Some(a.office.id),
            province_code: None,
        },
    ] {
        let facts = h.store.indicator_facts(march, &scope).await.unwrap();
        let sql = h
            .store
            .indicator_counts(march, &scope)
            .await
            .unwrap()
            .iter()
            .fold(Counts::default(), |acc, r| acc.add(&r.counts));
        assert_eq!(sql, Counts::tally(march, &facts, true), "{scope:?}");
    }

    // Scopes: one office, one province.
    let only_b = h
        .store
        .indicator_counts(
            march,
            &IndicatorScope {
                office_id: Some(b.office.id),
                province_code: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(only_b.len(), 1);
    assert_eq!(only_b[0].counts, hand_b);
    let hanoi = h
        .store
        .indicator_counts(
            march,
            &IndicatorScope {
                office_id: None,
                province_code: Some("01".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(hanoi.len(), 1);
    assert_eq!(hanoi[0].counts, hand_a);

    // April: only A8's completion.
    let april = period_of(
        time::macros::date!(2027 - 04 - 01),
        time::macros::date!(2027 - 04 - 30),
    );
    let rows = h.store.indicator_counts(april, &all).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].counts.received,
            rows[0].counts.finished,
            rows[0].counts.settled_e_result
        ),
        (0, 1, 1)
    );
    // An empty period has no rows.
    let empty = Period { from: 0, to: 1 };
    assert!(
        h.store
            .indicator_counts(empty, &all)
            .await
            .unwrap()
            .is_empty()
    );
}

contract!(indicator_counts_match_the_reference_tally);

//! Dossiers (issue 7, migration 0016): gapless dossier-code serials under concurrent
//! submissions, the event log, and the use cases of `tuphap_domain::online::dossier` through a
//! real store — deadlines across Tết 2027, supplement requests moving the due date, the Form 04
//! apology of a late dossier.

use std::collections::BTreeSet;
use std::sync::Arc;
use tuphap_domain::identity::AuthPolicy;

use time::macros::{date, datetime};
use time::{OffsetDateTime, PrimitiveDateTime};
use tuphap_core::dates::VN_OFFSET;
use tuphap_domain::identity::{NewUserInput, SessionKind};
use tuphap_domain::online::dossier::{DossierParty, SubmitDossier};
use tuphap_domain::{Actor, App, RequestMeta};
use tuphap_store::StoreError;
use tuphap_store::dossiers::{NewDossier, NewDossierEvent};

use crate::Harness;

const UNIT: &str = "000.00.31.H13";
const CITIZEN: &str = "001090000123";
const PASSWORD: &str = "mat-khau-rat-dai-2026";

fn vn(dt: PrimitiveDateTime) -> OffsetDateTime {
    dt.assume_offset(VN_OFFSET)
}

fn new_dossier(code: &str, office_id: i64) -> NewDossier {
    NewDossier {
        code: code.into(),
        procedure_code: "1.001193".into(),
        procedure_name: "Đăng ký khai sinh".into(),
        office_id,
        applicant_personal_id: CITIZEN.into(),
        applicant_name: "Nguyễn Văn An".into(),
        channel: 2,
        status: "submitted".into(),
        processing_days: 3,
        submitted_at: 1,
        paid_online: 0,
        application: None,
        copies: 0,
        fee_vnd: 0,
    }
}

async fn an_office(h: &Harness) -> i64 {
    let app = App::new(h.store.clone()).with_auth(AuthPolicy::without_second_factor());
    let actor = user(&app, "canbo.dossier", "officer", "00004").await;
    actor.office.id
}

async fn dossier_serials_are_gapless_under_concurrency(h: Harness) {
    let office = an_office(&h).await;
    let store = Arc::new(h.store.clone());
    let mut tasks = Vec::new();
    for i in 0..24 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = s.begin().await.unwrap();
            let n = tx.dossier_next_serial(UNIT, "270204").await.unwrap();
            let code = format!("{UNIT}-270204-{n:04}");
            tx.dossier_insert(&new_dossier(&code, office))
                .await
                .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            // Every fourth submission fails after taking its number: the number goes back.
            if i % 4 == 3 {
                drop(tx);
                None
            } else {
                tx.commit_with(&[], &[]).await.unwrap();
                Some(n)
            }
        }));
    }
    let mut got = BTreeSet::new();
    for t in tasks {
        if let Some(n) = t.await.unwrap() {
            assert!(got.insert(n), "serial {n} given twice");
        }
    }
    assert_eq!(got.len(), 18);
    assert_eq!(got, (1..=18).collect::<BTreeSet<i32>>(), "gapless");
    // Another day, another unit: from 1 again.
    let mut tx = h.store.begin().await.unwrap();
    assert_eq!(tx.dossier_next_serial(UNIT, "270205").await.unwrap(), 1);
    assert_eq!(
        tx.dossier_next_serial("000.00.00.G10", "270204")
            .await
            .unwrap(),
        1
    );
    // A duplicate code is impossible even for a buggy caller.
    let dup = tx
        .dossier_insert(&new_dossier(&format!("{UNIT}-270204-0001"), office))
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
}
contract!(dossier_serials_are_gapless_under_concurrency);

async fn dossier_event_log_is_append_only(h: Harness) {
    let office = an_office(&h).await;
    let mut tx = h.store.begin().await.unwrap();
    let id = tx
        .dossier_insert(&new_dossier(&format!("{UNIT}-270204-0001"), office))
        .await
        .unwrap();
    for (i, kind) in ["submitted", "received"].into_iter().enumerate() {
        tx.dossier_event_insert(&NewDossierEvent {
            dossier_id: id,
            kind: kind.into(),
            at: 100 + i64::try_from(i).unwrap(),
            by_user_id: None,
            by_personal_id: Some(CITIZEN.into()),
            status_before: None,
            status_after: kind.into(),
            due_before: None,
            due_after: (kind == "received").then_some(date!(2027 - 02 - 16)),
            details: serde_json::json!({"n": i}),
        })
        .await
        .unwrap();
    }
    let mut row = tx
        .dossier_by_code_for_update(&format!("{UNIT}-270204-0001"))
        .await
        .unwrap()
        .unwrap();
    row.status = "received".into();
    row.due_on = Some(date!(2027 - 02 - 16));
    row.late = true;
    tx.dossier_update(&row).await.unwrap();
    tx.commit_with(&[], &[]).await.unwrap();

    let stored = h.store.dossier_by_id(id).await.unwrap().unwrap();
    assert_eq!(stored, row);
    let events = h.store.dossier_events(id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["submitted", "received"]
    );
    assert_eq!(events[1].due_after, Some(date!(2027 - 02 - 16)));
    assert_eq!(events[1].details_json(), serde_json::json!({"n": 1}));
    assert_eq!(
        h.store
            .dossier_events_between(101, 200)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        h.store
            .dossiers_of_office(office, Some("received"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        h.store
            .dossiers_of_applicant(CITIZEN, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        h.raw_err("UPDATE dossier_events SET kind = 'x'")
            .await
            .is_some(),
        "events are append-only"
    );
    assert!(h.raw_err("DELETE FROM dossier_events").await.is_some());
}
contract!(dossier_event_log_is_append_only);

// ---------------------------------------------------------------------------------------------
// The use cases, through the domain.

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

struct World {
    app: App,
    officer: Actor,
    other_officer: Actor,
}

async fn world(h: &Harness) -> World {
    let app = App::new(h.store.clone()).with_auth(AuthPolicy::without_second_factor());
    let admin = user(&app, "quantri", "admin", "BTP").await;
    let officer = user(&app, "canbo.badinh", "officer", "00004").await;
    let other_officer = user(&app, "canbo.khac", "officer", "00008").await;
    let meta = RequestMeta::default();
    // No unit code yet: no dossier code can be given.
    let e = app
        .submit_dossier(&meta, submission(&officer, 3), tuphap_store::now_utc())
        .await
        .unwrap_err();
    assert_eq!(e.code, "dossier_unit_code_missing");
    let e = app
        .set_dossier_unit_code(&admin, &meta, &officer.office.code, "31.H13")
        .await
        .unwrap_err();
    assert_eq!(e.code, "dossier_unit_code_bad_format");
    app.set_dossier_unit_code(&admin, &meta, &officer.office.code, UNIT)
        .await
        .unwrap();
    World {
        app,
        officer,
        other_officer,
    }
}

fn submission(officer: &Actor, days: u32) -> SubmitDossier {
    SubmitDossier {
        office_code: officer.office.code.clone(),
        procedure_code: "1.001193".into(),
        procedure_name: "Đăng ký khai sinh".into(),
        processing_days: days,
        applicant_personal_id: CITIZEN.into(),
        applicant_name: "Nguyễn Văn An".into(),
        paid_online: 1,
        ..SubmitDossier::default()
    }
}

/// A dossier submitted on the last working day before Tết gets its due date after the Tết
/// holiday. Tết Đinh Mùi 2027 in the shipped calendar: 05–09/02 and the compensatory days 10 and
/// 11/02 (the Saturday and Sunday of Tết); Thursday 04/02 is the last working day before it.
async fn dossier_before_tet_is_due_after_tet(h: Harness) {
    let w = world(&h).await;
    let meta = RequestMeta::default();
    let d = w
        .app
        .submit_dossier(
            &meta,
            submission(&w.officer, 3),
            vn(datetime!(2027-02-04 09:40)),
        )
        .await
        .unwrap();
    assert_eq!(d.code, format!("{UNIT}-270204-0001"));
    assert_eq!(d.status, "submitted");
    assert_eq!(d.channel, 2);
    assert_eq!(d.due_on, None);
    let d = w
        .app
        .accept_dossier(&w.officer, &meta, &d.code, vn(datetime!(2027-02-04 10:00)))
        .await
        .unwrap();
    assert_eq!(d.status, "received");
    // 3 working days after Thursday 04/02: Friday 12/02, Monday 15/02, Tuesday 16/02.
    assert_eq!(d.due_on, Some(date!(2027 - 02 - 16)));

    // Submitted and received after 15:00 the same day: counts from Friday 12/02.
    let late = w
        .app
        .submit_dossier(
            &meta,
            submission(&w.officer, 3),
            vn(datetime!(2027-02-04 15:20)),
        )
        .await
        .unwrap();
    assert_eq!(late.code, format!("{UNIT}-270204-0002"));
    let late = w
        .app
        .accept_dossier(
            &w.officer,
            &meta,
            &late.code,
            vn(datetime!(2027-02-04 15:30)),
        )
        .await
        .unwrap();
    assert_eq!(late.due_on, Some(date!(2027 - 02 - 17)));

    // The event log and the change log carry it.
    let detail = w
        .app
        .dossier_detail(
            DossierParty::Citizen {
                personal_id: CITIZEN,
            },
            &meta,
            &d.code,
        )
        .await
        .unwrap();
    assert_eq!(detail.events.len(), 2);
    assert_eq!(detail.events[1].kind, "received");
    assert_eq!(detail.events[1].due_before, None);
    assert_eq!(detail.events[1].due_after, Some(date!(2027 - 02 - 16)));
    assert_eq!(detail.events[1].by_user_id, Some(w.officer.user_id));
    let changes = h.store.changes_after(0, 1000).await.unwrap();
    let dossier_changes: Vec<_> = changes
        .iter()
        .filter(|c| c.entity == "dossier" && c.entity_id == d.code)
        .map(|c| c.action.as_str())
        .collect();
    assert_eq!(dossier_changes, ["submitted", "received"]);
    let last = changes
        .iter()
        .rfind(|c| c.entity == "dossier" && c.entity_id == d.code)
        .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&last.payload).unwrap();
    assert_eq!(payload["due_on"], "2027-02-16");
    assert_eq!(payload["channel"], 2);
    assert_eq!(payload["paid_online"], 1);

    // Receiving twice, or by another office, is refused with a coded error.
    let e = w
        .app
        .accept_dossier(&w.officer, &meta, &d.code, vn(datetime!(2027-02-04 10:05)))
        .await
        .unwrap_err();
    assert_eq!(e.code, "dossier_transition_invalid");
    assert!(e.message.contains("Được tiếp nhận"), "{}", e.message);
    let e = w
        .app
        .return_dossier_result(
            &w.other_officer,
            &meta,
            &late.code,
            vn(datetime!(2027-02-12 09:00)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "forbidden");
    let e = w
        .app
        .dossier_detail(
            DossierParty::Citizen {
                personal_id: "001090000999",
            },
            &meta,
            &d.code,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "dossier_not_found");
}
contract!(dossier_before_tet_is_due_after_tet);

/// A supplement request and its answer move the due date as the rules say; a late dossier gets
/// its apology letter (Form 04).
async fn supplement_moves_due_date_and_late_dossier_gets_apology(h: Harness) {
    let w = world(&h).await;
    let meta = RequestMeta::default();
    let app = &w.app;
    let citizen = DossierParty::Citizen {
        personal_id: CITIZEN,
    };
    let d = app
        .submit_dossier(
            &meta,
            submission(&w.officer, 5),
            vn(datetime!(2027-03-08 08:30)),
        )
        .await
        .unwrap();
    let code = d.code.clone();
    // Received Monday 08/03/2027 09:00, 5 working days: due Monday 15/03.
    let d = app
        .accept_dossier(&w.officer, &meta, &code, vn(datetime!(2027-03-08 09:00)))
        .await
        .unwrap();
    assert_eq!(d.due_on, Some(date!(2027 - 03 - 15)));

    // A supplement request needs the list of what is missing.
    let e = app
        .request_dossier_supplement(
            &w.officer,
            &meta,
            &code,
            &[" ".into()],
            vn(datetime!(2027-03-10 11:00)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "dossier_supplement_items_required");
    // Wednesday 10/03: the clock stops.
    let d = app
        .request_dossier_supplement(
            &w.officer,
            &meta,
            &code,
            &["Bản sao giấy chứng sinh".into()],
            vn(datetime!(2027-03-10 11:00)),
        )
        .await
        .unwrap();
    assert_eq!(d.status, "supplement_requested");
    assert!(d.paused_since.is_some());
    assert!(!d.late);
    // Nothing can be completed while waiting for the citizen.
    let e = app
        .complete_dossier(
            &w.officer,
            &meta,
            &code,
            None,
            true,
            vn(datetime!(2027-03-11 09:00)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "dossier_transition_invalid");
    // Answered Friday 12/03 10:00: Thursday and Friday are not counted → due Wednesday 17/03.
    let d = app
        .answer_dossier_supplement(citizen, &meta, &code, vn(datetime!(2027-03-12 10:00)))
        .await
        .unwrap();
    assert_eq!(d.status, "processing");
    assert_eq!(d.due_on, Some(date!(2027 - 03 - 17)));
    assert_eq!(d.paused_days, 2);
    assert_eq!(d.paused_since, None);

    // Not yet at risk on Friday 12/03: no apology.
    let e = app
        .apologize_for_dossier(
            &w.officer,
            &meta,
            &code,
            "Cần xác minh",
            date!(2027 - 03 - 22),
            vn(datetime!(2027-03-12 11:00)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "dossier_apology_not_due");

    // A second request (Tuesday 16/03) makes the dossier late (Decision 766); answered after
    // 15:00 that day, so the clock restarts on Wednesday 17/03: one working day more → 18/03.
    let d = app
        .request_dossier_supplement(
            &w.officer,
            &meta,
            &code,
            &["Giấy xác nhận cư trú".into()],
            vn(datetime!(2027-03-16 09:00)),
        )
        .await
        .unwrap();
    assert!(d.late);
    assert_eq!(d.supplement_count, 2);
    let d = app
        .answer_dossier_supplement(
            DossierParty::Officer(&w.officer),
            &meta,
            &code,
            vn(datetime!(2027-03-16 15:30)),
        )
        .await
        .unwrap();
    assert_eq!(d.due_on, Some(date!(2027 - 03 - 18)));
    assert_eq!(d.paused_days, 3);

    // On the due day the dossier is on the office's list of dossiers needing a Form 04.
    let at_risk = app
        .dossiers_needing_apology(&w.officer, vn(datetime!(2027-03-18 08:00)))
        .await
        .unwrap();
    assert_eq!(
        at_risk.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
        [code.as_str()]
    );
    assert!(
        app.dossiers_needing_apology(&w.officer, vn(datetime!(2027-03-15 08:00)))
            .await
            .unwrap()
            .is_empty()
    );
    // The officer apologises and sets a new date (Form 04).
    let e = app
        .apologize_for_dossier(
            &w.officer,
            &meta,
            &code,
            "Cần xác minh",
            date!(2027 - 03 - 20), // a Saturday
            vn(datetime!(2027-03-18 08:00)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "dossier_apology_date_invalid");
    let apology = app
        .apologize_for_dossier(
            &w.officer,
            &meta,
            &code,
            "Cần xác minh thông tin nơi cư trú của người được khai sinh.",
            date!(2027 - 03 - 22),
            vn(datetime!(2027-03-18 08:00)),
        )
        .await
        .unwrap();
    assert!(apology.dossier.late);
    assert_eq!(apology.dossier.reappointed_on, Some(date!(2027 - 03 - 22)));
    assert_eq!(apology.dossier.due_on, Some(date!(2027 - 03 - 18)));
    assert!(
        app.dossiers_needing_apology(&w.officer, vn(datetime!(2027-03-18 08:30)))
            .await
            .unwrap()
            .is_empty()
    );
    let letter = &apology.letter;
    assert!(
        letter.contains("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"),
        "{letter}"
    );
    assert!(letter.contains("Kính gửi: Nguyễn Văn An."), "{letter}");
    assert!(letter.contains(&format!("Mã hồ sơ: {code}.")), "{letter}");
    assert!(
        letter.contains("thủ tục hành chính Đăng ký khai sinh"),
        "{letter}"
    );
    assert!(
        letter.contains("Ngày hẹn trả kết quả giải quyết hồ sơ: 18/03/2027."),
        "{letter}"
    );
    assert!(
        letter.contains("hẹn lại ngày trả kết quả vào ngày 22 tháng 3 năm 2027."),
        "{letter}"
    );

    // Processed on the new date (after the due date: late), result returned.
    let d = app
        .complete_dossier(
            &w.officer,
            &meta,
            &code,
            None,
            true,
            vn(datetime!(2027-03-22 10:00)),
        )
        .await
        .unwrap();
    assert_eq!(d.status, "processed");
    assert!(d.late && d.has_result && d.finished_at.is_some());
    let d = app
        .return_dossier_result(&w.officer, &meta, &code, vn(datetime!(2027-03-22 14:00)))
        .await
        .unwrap();
    assert_eq!(d.status, "result_returned");

    let detail = app
        .dossier_detail(DossierParty::Officer(&w.officer), &meta, &code)
        .await
        .unwrap();
    let kinds: Vec<&str> = detail.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "received",
            "supplement_requested",
            "supplement_answered",
            "supplement_requested",
            "supplement_answered",
            "apology",
            "processed",
            "result_returned"
        ]
    );
    let answered = &detail.events[3];
    assert_eq!(answered.by_personal_id.as_deref(), Some(CITIZEN));
    assert_eq!(answered.due_before, Some(date!(2027 - 03 - 15)));
    assert_eq!(answered.due_after, Some(date!(2027 - 03 - 17)));
    assert_eq!(answered.details_json()["paused_working_days"], 2);
    let requested = detail.events[2].details_json();
    assert_eq!(requested["missing"][0], "Bản sao giấy chứng sinh");
    let apology_event = &detail.events[6];
    assert_eq!(apology_event.due_before, Some(date!(2027 - 03 - 18)));
    assert_eq!(apology_event.due_after, Some(date!(2027 - 03 - 22)));
    assert_eq!(
        apology_event.details_json()["letter"],
        apology.letter.as_str()
    );
    assert_eq!(apology_event.details_json()["issued_before_due"], true);

    // Audited.
    let audited = h
        .store
        .audit_entries_of_target("dossier", &code, None, 100)
        .await
        .unwrap();
    let mut actions: Vec<&str> = audited.iter().map(|a| a.action.as_str()).collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "dossier.submitted",
            "dossier.received",
            "dossier.supplement_requested",
            "dossier.supplement_answered",
            "dossier.supplement_requested",
            "dossier.supplement_answered",
            "dossier.apology",
            "dossier.processed",
            "dossier.result_returned",
            "dossier.read",
        ],
        "{audited:?}"
    );

    // On time when finished by the due date; refusal needs reasons; withdrawal by the citizen.
    let d2 = app
        .submit_dossier(
            &meta,
            submission(&w.officer, 0),
            vn(datetime!(2027-03-08 10:00)),
        )
        .await
        .unwrap();
    app.accept_dossier(&w.officer, &meta, &d2.code, vn(datetime!(2027-03-08 10:10)))
        .await
        .unwrap();
    let e = app
        .refuse_dossier(
            &w.officer,
            &meta,
            &d2.code,
            &[],
            vn(datetime!(2027-03-08 11:00)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "dossier_refusal_reasons_required");
    let r = app
        .refuse_dossier(
            &w.officer,
            &meta,
            &d2.code,
            &["Không thuộc thẩm quyền giải quyết".into()],
            vn(datetime!(2027-03-08 11:00)),
        )
        .await
        .unwrap();
    assert_eq!(r.status, "refused");
    assert!(!r.late);
    let d3 = app
        .submit_dossier(
            &meta,
            submission(&w.officer, 0),
            vn(datetime!(2027-03-08 10:30)),
        )
        .await
        .unwrap();
    let e = app
        .withdraw_dossier(
            DossierParty::Citizen {
                personal_id: "001090000999",
            },
            &meta,
            &d3.code,
            "Không cần nữa",
            vn(datetime!(2027-03-08 11:00)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "forbidden");
    let wd = app
        .withdraw_dossier(
            citizen,
            &meta,
            &d3.code,
            "Không cần nữa",
            vn(datetime!(2027-03-08 11:00)),
        )
        .await
        .unwrap();
    assert_eq!(wd.status, "withdrawn");

    // Stopped while waiting for a supplement: the wait is not counted, the clock ends.
    let d4 = app
        .submit_dossier(
            &meta,
            submission(&w.officer, 2),
            vn(datetime!(2027-03-08 10:40)),
        )
        .await
        .unwrap();
    app.accept_dossier(&w.officer, &meta, &d4.code, vn(datetime!(2027-03-08 10:45)))
        .await
        .unwrap();
    app.request_dossier_supplement(
        &w.officer,
        &meta,
        &d4.code,
        &["Tờ khai có chữ ký".into()],
        vn(datetime!(2027-03-09 09:00)),
    )
    .await
    .unwrap();
    let st = app
        .stop_dossier(
            &w.officer,
            &meta,
            &d4.code,
            "Công dân không bổ sung hồ sơ",
            vn(datetime!(2027-03-19 09:00)),
        )
        .await
        .unwrap();
    assert_eq!(st.status, "stopped");
    assert!(st.finished_at.is_some() && st.paused_since.is_none());
    // Due 10/03, paused from 09/03 to 19/03 (8 working days): due 22/03, not late.
    assert_eq!(st.due_on, Some(date!(2027 - 03 - 22)));
    assert!(!st.late);
}
contract!(supplement_moves_due_date_and_late_dossier_gets_apology);

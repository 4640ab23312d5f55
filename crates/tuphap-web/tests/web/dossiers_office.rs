//! The officer's side of dossiers (issue 7, item 4) over real HTTP, on every engine: the queue's
//! deadline colours and keyset pages (dossiers received on chosen days through
//! `App::submit_dossier` / `App::accept_dossier`), a supplement request from the page moving the
//! due date when the citizen answers (`App::answer_dossier_supplement`), a refusal with reasons,
//! an officer of another office kept out, a file's download headers, and the unit codes set by
//! an administrator (page and API).

use reqwest::Method;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use tuphap_core::dossier as rules;
use tuphap_domain::RequestMeta;
use tuphap_domain::online::dossier::{DossierParty, SubmitDossier};
use tuphap_store::dossiers::NewDossierFile;

use crate::support::{TestApp, hidden_csrf, location, login_as, new_client, spawn_apps};

pub(crate) const CITIZEN: &str = "001090012345";
pub(crate) const UNIT: &str = "000.00.31.H13";

/// Users of Ba Đình (00004) and Hồng Hà (00097), the Hà Nội department, an administrator; Ba
/// Đình's unit code set through the API.
pub(crate) async fn setup(app: &TestApp) {
    app.add_user("canbo.badinh", "officer", "00004").await;
    app.add_user("canbo.hongha", "officer", "00097").await;
    app.add_user("so.hanoi", "province", "01").await;
    app.add_user("quantri", "admin", "BTP").await;
    let admin = app.token("quantri").await;
    let (s, v) = app
        .call(
            Method::PUT,
            "/api/v1/offices/00004/dossier-unit-code",
            Some(&admin),
            Some(&json!({"unit_code": UNIT})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["unit_code"], UNIT);
}

/// A birth-registration dossier of Ba Đình submitted at `at`, with `files`.
pub(crate) async fn submit(
    app: &TestApp,
    at: OffsetDateTime,
    days: u32,
    files: Vec<NewDossierFile>,
) -> String {
    let application = json!({
        "child": {"full_name": "Nguyễn Minh Khôi", "sex": "male", "date_of_birth": "2026-11-20"},
        "mother": {"full_name": "Trần Thị Lan"}
    });
    app.app
        .submit_dossier(
            &RequestMeta::default(),
            SubmitDossier {
                office_code: "00004".into(),
                procedure_code: "BTP-HT-KS".into(),
                procedure_name: "Đăng ký khai sinh".into(),
                processing_days: days,
                applicant_personal_id: CITIZEN.into(),
                applicant_name: "Nguyễn Văn An".into(),
                paid_online: 0,
                application: Some(application.to_string()),
                files,
                ..SubmitDossier::default()
            },
            at,
        )
        .await
        .unwrap()
        .code
}

pub(crate) async fn actor(app: &TestApp, username: &str) -> tuphap_domain::Actor {
    let token = app.token(username).await;
    app.app.authenticate(&token).await.unwrap().unwrap()
}

/// Dossiers in every band: overdue (received 40 days ago, 3 days), due soon (received now,
/// same day), on track (received now, 20 days), paused (supplement requested), waiting (not
/// received). Returns their codes in that order.
pub(crate) async fn dossiers_in_every_band(app: &TestApp) -> [String; 5] {
    let officer = actor(app, "canbo.badinh").await;
    let meta = RequestMeta::default();
    let now = tuphap_store::now_utc();
    let past = now - Duration::days(40);
    let overdue = submit(app, past, 3, vec![]).await;
    app.app
        .accept_dossier(&officer, &meta, &overdue, past)
        .await
        .unwrap();
    let soon = submit(app, now, 0, vec![]).await;
    app.app
        .accept_dossier(&officer, &meta, &soon, now)
        .await
        .unwrap();
    let on_track = submit(app, now, 20, vec![]).await;
    app.app
        .accept_dossier(&officer, &meta, &on_track, now)
        .await
        .unwrap();
    let paused = submit(app, now, 5, vec![]).await;
    app.app
        .accept_dossier(&officer, &meta, &paused, now)
        .await
        .unwrap();
    app.app
        .request_dossier_supplement(&officer, &meta, &paused, &["Giấy chứng sinh".into()], now)
        .await
        .unwrap();
    let waiting = submit(app, now, 3, vec![]).await;
    [overdue, soon, on_track, paused, waiting]
}

fn codes(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn queue_shows_deadline_colours_in_due_order_with_keyset_pages() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        setup(&app).await;
        let [overdue, soon, on_track, paused, waiting] = dossiers_in_every_band(&app).await;
        let officer = app.token("canbo.badinh").await;
        let (s, v) = app
            .call(Method::GET, "/api/v1/dossiers", Some(&officer), None)
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(
            v["counts"],
            json!({"waiting": 1, "overdue": 1, "due_soon": 1, "on_track": 1, "paused": 1}),
            "{e}"
        );
        // Not received first, then by appointment date.
        assert_eq!(
            codes(&v),
            vec![
                waiting.clone(),
                overdue.clone(),
                soon.clone(),
                paused.clone(),
                on_track.clone()
            ],
            "{e}"
        );
        let colours: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["deadline"].as_str().unwrap())
            .collect();
        assert_eq!(
            colours,
            ["waiting", "overdue", "due_soon", "paused", "on_track"],
            "{e}"
        );
        // dd/mm/yyyy dates.
        let due_vn = v["items"][1]["due_on_vn"].as_str().unwrap();
        assert_eq!(due_vn.len(), 10);
        assert_eq!(&due_vn[2..3], "/");

        // One colour.
        let (s, v) = app
            .call(
                Method::GET,
                "/api/v1/dossiers?band=overdue",
                Some(&officer),
                None,
            )
            .await;
        assert_eq!(s, 200);
        assert_eq!(codes(&v), vec![overdue.clone()], "{e}");

        // Keyset pages of 2 give the same order.
        let mut all = Vec::new();
        let mut path = "/api/v1/dossiers?limit=2".to_string();
        for _ in 0..5 {
            let (s, v) = app.call(Method::GET, &path, Some(&officer), None).await;
            assert_eq!(s, 200, "{e}: {v}");
            all.extend(codes(&v));
            match v["next_after"].as_str() {
                Some(a) => path = format!("/api/v1/dossiers?limit=2&after={a}"),
                None => break,
            }
        }
        assert_eq!(
            all,
            vec![waiting, overdue.clone(), soon, paused, on_track],
            "{e}"
        );

        // Bad filters are 400s with a machine code.
        for (q, code) in [
            ("status=lost", "dossier_status_unknown"),
            ("band=purple", "dossier_band_unknown"),
            ("after=yesterday", "dossier_queue_cursor_invalid"),
            ("limit=0", "dossier_queue_limit_invalid"),
        ] {
            let (s, v) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/dossiers?{q}"),
                    Some(&officer),
                    None,
                )
                .await;
            assert_eq!((s, v["code"].as_str()), (400, Some(code)), "{e} {q}: {v}");
        }

        // Another commune's officer may not read Ba Đình's queue; the Hà Nội department may.
        let other = app.token("canbo.hongha").await;
        let (s, v) = app
            .call(
                Method::GET,
                "/api/v1/dossiers?office=00004",
                Some(&other),
                None,
            )
            .await;
        assert_eq!(s, 403, "{e}: {v}");
        let (s, own) = app
            .call(Method::GET, "/api/v1/dossiers", Some(&other), None)
            .await;
        assert_eq!(s, 200);
        assert!(own["items"].as_array().unwrap().is_empty());
        let hanoi = app.token("so.hanoi").await;
        let (s, v) = app
            .call(
                Method::GET,
                "/api/v1/dossiers?office=00004",
                Some(&hanoi),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(v["counts"]["overdue"], 1);
        // The department reads a dossier of its province, without actions or downloads.
        let (s, v) = app
            .call(
                Method::GET,
                &format!("/api/v1/dossiers/{overdue}"),
                Some(&hanoi),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(v["actions"], json!([]));
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/dossiers/{overdue}/apology"),
                Some(&hanoi),
                Some(&json!({"reason": "Chờ xác minh", "new_due_on": "2099-01-05"})),
            )
            .await;
        assert_eq!(s, 403, "{e}: {v}");

        // The page: the colours, dd/mm/yyyy, the navigation entry.
        let c = login_as(&app, "canbo.badinh", "/dossiers").await;
        let r = c.get(app.at("/dossiers")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("href=\"/dossiers\" aria-current=\"page\">Hồ sơ trực tuyến"));
        for colour in ["overdue", "due_soon", "on_track", "paused", "waiting"] {
            assert!(
                html.contains(&format!("data-deadline=\"{colour}\"")),
                "{e} {colour}"
            );
        }
        assert!(html.contains("Quá hạn") && html.contains("Chờ bổ sung"));
        let r = c
            .get(app.at("/dossiers?band=overdue"))
            .send()
            .await
            .unwrap();
        let html = r.text().await.unwrap();
        assert_eq!(html.matches("<li class=\"card dossier").count(), 1, "{e}");
        let r = c.get(app.at("/dossiers?after=x")).send().await.unwrap();
        assert_eq!(r.status(), 400);
    }
}

#[tokio::test]
async fn supplement_request_from_the_page_moves_the_due_date_and_refusal_keeps_reasons() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        setup(&app).await;
        let now = tuphap_store::now_utc();
        let code = submit(&app, now, 3, vec![]).await;
        let c = login_as(&app, "canbo.badinh", "/dossiers").await;
        let page = format!("/dossiers/{code}");
        let html = c
            .get(app.at(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Nguyễn Văn An") && html.contains("Nguyễn Minh Khôi"));
        assert!(html.contains("Tiếp nhận"));
        let csrf = hidden_csrf(&html);

        // Accept.
        let r = c
            .post(app.at(&format!("{page}/accept")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        assert_eq!(location(&r), format!("{page}?done=accept"));
        let html = c
            .get(app.at(&location(&r)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Đã tiếp nhận hồ sơ"));
        assert!(html.contains("Mở tờ khai đăng ký"));
        assert!(html.contains(&format!("/civil/births/new?dossier={code}")));
        let due_before = app
            .store
            .dossier_by_code(&code)
            .await
            .unwrap()
            .unwrap()
            .due_on
            .unwrap();

        // A supplement request without items: the page again, 422, the message.
        let r = c
            .post(app.at(&format!("{page}/supplement-request")))
            .form(&[("csrf", csrf.as_str()), ("missing", "  \n ")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{e}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Cần nêu các giấy tờ"), "{e}");
        assert!(html.contains("id=\"missing-error\""));

        // Missing CSRF: 403.
        let r = c
            .post(app.at(&format!("{page}/supplement-request")))
            .form(&[("missing", "Giấy chứng sinh")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);

        let r = c
            .post(app.at(&format!("{page}/supplement-request")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("missing", "Giấy chứng sinh bản chính\nVăn bản ủy quyền"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        let d = app.store.dossier_by_code(&code).await.unwrap().unwrap();
        assert_eq!(d.status, "supplement_requested");
        let paused_at =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(d.paused_since.unwrap()) * 1000)
                .unwrap();

        // The citizen answers two weeks later: the working days waited are added.
        let answered = now + Duration::days(14);
        app.app
            .answer_dossier_supplement(
                DossierParty::Citizen {
                    personal_id: CITIZEN,
                },
                &RequestMeta::default(),
                &code,
                answered,
            )
            .await
            .unwrap();
        let cal = app.app.working_calendar().await.unwrap();
        let (expected, days) = rules::resume(&cal, due_before, paused_at, answered);
        assert!(days >= 1, "{e}: two weeks hold a working day");
        let d = app.store.dossier_by_code(&code).await.unwrap().unwrap();
        assert_eq!(d.due_on, Some(expected), "{e}");
        assert!(expected > due_before);
        let html = c
            .get(app.at(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Cần bổ sung: Giấy chứng sinh bản chính"),
            "{e}"
        );
        assert!(
            html.contains(&format!("Không tính {days} ngày làm việc")),
            "{e}"
        );
        assert!(html.contains(&format!(
            "Hẹn trả: {} → {}",
            tuphap_core::dates::format_vn(due_before),
            tuphap_core::dates::format_vn(expected)
        )));

        // Refusal with reasons.
        let r = c
            .post(app.at(&format!("{page}/refuse")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("reasons", "Việc khai sinh đã được đăng ký tại UBND xã khác"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        let officer = app.token("canbo.badinh").await;
        let (s, v) = app
            .call(
                Method::GET,
                &format!("/api/v1/dossiers/{code}"),
                Some(&officer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["summary"]["status"], "refused");
        let last = v["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["kind"], "refused");
        assert_eq!(last["by"], "Cán bộ canbo.badinh");
        assert_eq!(
            last["details"]["reasons"],
            json!(["Việc khai sinh đã được đăng ký tại UBND xã khác"])
        );
        assert_eq!(v["actions"], json!([]));
        // Refusing again: 409 on the page and the API.
        let r = c
            .post(app.at(&format!("{page}/refuse")))
            .form(&[("csrf", csrf.as_str()), ("reasons", "Lần nữa")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "{e}");
        assert!(r.text().await.unwrap().contains("không thể từ chối"));
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/dossiers/{code}/refuse"),
                Some(&officer),
                Some(&json!({"reasons": ["Lần nữa"]})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("dossier_transition_invalid"))
        );

        // Codes that are not dossier codes: 400.
        let (s, v) = app
            .call(Method::GET, "/api/v1/dossiers/abc", Some(&officer), None)
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (400, Some("dossier_code_bad_format"))
        );

        // Another office: the dossier does not exist for it; acting on it is refused.
        let other = app.token("canbo.hongha").await;
        let (s, v) = app
            .call(
                Method::GET,
                &format!("/api/v1/dossiers/{code}"),
                Some(&other),
                None,
            )
            .await;
        assert_eq!((s, v["code"].as_str()), (404, Some("dossier_not_found")));
        let fresh = submit(&app, now, 3, vec![]).await;
        let (s, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/dossiers/{fresh}/accept"),
                Some(&other),
                None,
            )
            .await;
        assert!(s == 403 || s == 404, "{e}: {s}");
        let oc = login_as(&app, "canbo.hongha", "/dossiers").await;
        let r = oc.get(app.at(&page)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{e}");
        // The API accepts the fresh one for its office.
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/dossiers/{fresh}/accept"),
                Some(&officer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], "received");
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/dossiers/{fresh}/supplement-request"),
                Some(&officer),
                Some(&json!({"missing": []})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("dossier_supplement_items_required"))
        );
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/dossiers/{fresh}/apology"),
                Some(&officer),
                Some(&json!({"reason": "Chờ xác minh", "new_due_on": "2099-01-05"})),
            )
            .await;
        // Due in three working days: not at risk yet.
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("dossier_apology_not_due")),
            "{v}"
        );
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/dossiers/{fresh}/stop"),
                Some(&officer),
                Some(&json!({"reason": "Công dân không bổ sung hồ sơ"})),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], "stopped");
    }
}

#[tokio::test]
async fn overdue_dossier_offers_the_apology_and_shows_form_04() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        setup(&app).await;
        let [overdue, ..] = dossiers_in_every_band(&app).await;
        let c = login_as(&app, "canbo.badinh", "/dossiers").await;
        let page = format!("/dossiers/{overdue}");
        let html = c
            .get(app.at(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Xin lỗi và hẹn lại"), "{e}");
        let csrf = hidden_csrf(&html);
        // Without a date: 422, the reason kept.
        let r = c
            .post(app.at(&format!("{page}/apology")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("reason", "Chờ kết quả xác minh"),
                ("new_due_on", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{e}");
        let html = r.text().await.unwrap();
        assert!(html.contains("value=\"Chờ kết quả xác minh\""), "{e}");
        let cal = app.app.working_calendar().await.unwrap();
        let day = cal.add_working_days(tuphap_core::dates::vn_today(), 3);
        let r = c
            .post(app.at(&format!("{page}/apology")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("reason", "Chờ kết quả xác minh"),
                ("new_due_on", day.to_string().as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        let html = c
            .get(app.at(&location(&r)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"),
            "{e}"
        );
        assert!(html.contains(&tuphap_core::dates::format_vn(day)));
    }
}

#[tokio::test]
async fn file_download_is_an_attachment_for_the_office_only() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        setup(&app).await;
        let content = b"%PDF-1.4\n% giay chung sinh\n".to_vec();
        let code = submit(
            &app,
            tuphap_store::now_utc(),
            0,
            vec![NewDossierFile {
                component: "Giấy chứng sinh".into(),
                file_name: "giấy chứng sinh.pdf".into(),
                content_type: "application/pdf".into(),
                content: content.clone(),
                sha256: "0".repeat(64),
                scan_status: "clean".into(),
            }],
        )
        .await;
        let c = login_as(&app, "canbo.badinh", "/dossiers").await;
        let html = c
            .get(app.at(&format!("/dossiers/{code}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let marker = format!("/dossiers/{code}/files/");
        let start = html.find(&marker).expect("a file link") + marker.len();
        let id: String = html[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let href = format!("{marker}{id}");
        let r = c.get(app.at(&href)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{e}");
        let h = r.headers().clone();
        assert_eq!(h["content-type"], "application/pdf");
        let cd = h["content-disposition"].to_str().unwrap().to_string();
        assert!(cd.starts_with("attachment; filename=\""), "{cd}");
        assert!(
            cd.contains("filename*=UTF-8''gi%E1%BA%A5y%20ch%E1%BB%A9ng%20sinh.pdf"),
            "{cd}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(r.bytes().await.unwrap().to_vec(), content);

        // Another office's officer: not found; not logged in: the login page.
        let oc = login_as(&app, "canbo.hongha", "/dossiers").await;
        assert_eq!(oc.get(app.at(&href)).send().await.unwrap().status(), 404);
        let anon = new_client();
        let r = anon.get(app.at(&href)).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert!(location(&r).starts_with("/login?next="));
        // Not a file of this dossier.
        assert_eq!(
            c.get(app.at(&format!("{marker}999999")))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );

        // The applicant gets the same file; another citizen does not.
        let id: i64 = id.parse().unwrap();
        let f = app
            .app
            .dossier_file(
                DossierParty::Citizen {
                    personal_id: CITIZEN,
                },
                &RequestMeta::default(),
                &code,
                id,
            )
            .await
            .unwrap();
        assert_eq!(f.content, content);
        let audits = app
            .store
            .audit_entries_of_target("dossier", &code, None, 50)
            .await
            .unwrap();
        let downloads: Vec<Option<&str>> = audits
            .iter()
            .filter(|a| a.action == "dossier.file_download")
            .map(|a| a.actor_username.as_deref())
            .collect();
        assert_eq!(
            downloads,
            vec![
                Some(format!("citizen:{CITIZEN}").as_str()),
                Some("canbo.badinh")
            ],
            "{e}"
        );
        let err = app
            .app
            .dossier_file(
                DossierParty::Citizen {
                    personal_id: "001090099999",
                },
                &RequestMeta::default(),
                &code,
                id,
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, "dossier_file_not_found");
    }
}

#[tokio::test]
async fn administrators_set_unit_codes_on_the_page_and_the_api() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        setup(&app).await;
        let c = login_as(&app, "quantri", "/dossiers").await;
        let html = c
            .get(app.at("/dossiers"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Mã định danh cơ quan dùng cho mã hồ sơ"),
            "{e}"
        );
        assert!(html.contains(UNIT));
        let csrf = hidden_csrf(&html);
        let r = c
            .post(app.at("/dossiers/unit-codes"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("office", "00097"),
                ("unit_code", "H13"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{e}");
        let html = r.text().await.unwrap();
        assert!(html.contains("không đúng dạng DDD.DD.DD.LDD"));
        assert!(html.contains("value=\"H13\""));
        let r = c
            .post(app.at("/dossiers/unit-codes"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("office", "00097"),
                ("unit_code", "000.00.31.H14"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        assert_eq!(location(&r), "/dossiers?unit_set=00097");
        assert_eq!(
            app.store
                .dossier_unit_code(app.store.office_by_code("00097").await.unwrap().unwrap().id)
                .await
                .unwrap()
                .as_deref(),
            Some("000.00.31.H14")
        );
        // The API: officers may not; a bad code is a 422; an unknown office a 404.
        let officer = app.token("canbo.badinh").await;
        let (s, _) = app
            .call(
                Method::PUT,
                "/api/v1/offices/00004/dossier-unit-code",
                Some(&officer),
                Some(&json!({"unit_code": UNIT})),
            )
            .await;
        assert_eq!(s, 403);
        let admin = app.token("quantri").await;
        let (s, v) = app
            .call(
                Method::PUT,
                "/api/v1/offices/00004/dossier-unit-code",
                Some(&admin),
                Some(&json!({"unit_code": "nope"})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("dossier_unit_code_bad_format"))
        );
        let (s, v) = app
            .call(
                Method::PUT,
                "/api/v1/offices/99999/dossier-unit-code",
                Some(&admin),
                Some(&json!({"unit_code": UNIT})),
            )
            .await;
        assert_eq!((s, v["code"].as_str()), (404, Some("office_not_found")));
        // An auditor has no dossier page.
        app.add_user("kiemtra", "auditor", "BTP").await;
        let ac = login_as(&app, "kiemtra", "/").await;
        assert_eq!(
            ac.get(app.at("/dossiers")).send().await.unwrap().status(),
            403
        );
    }
}

//! Online services around dossiers over real HTTP (issue 7, items 3 and 5): the public status
//! lookup by code (page and API: malformed, unknown, no personal data, `id4`), "who accessed my
//! records" for a logged-in citizen (a staff read made here shows, other people's do not), and
//! the satisfaction rating (refused before completion, accepted after, refused the second
//! time), on both engines.

use reqwest::Method;
use serde_json::json;
use tuphap_domain::citizen::VerifiedIdentity;
use tuphap_domain::online::dossier::{DossierParty, SubmitDossier};
use tuphap_domain::{Actor, RequestMeta};
use tuphap_store::now_utc;

use crate::api_civil::{Actors, actors, declare_and_register, spouse};
use crate::support::{TestApp, new_client, spawn_apps};

/// The applicant of the test dossiers (and husband in the registered marriage).
pub(crate) const AN: &str = "001090012345";
pub(crate) const AN_NAME: &str = "Nguyễn Văn An";
const HOA: &str = "001192003003";
const BHXH: &str = "VN/GOV/000.00.00.G01/BHXH";
pub(crate) const UNIT: &str = "000.00.31.H13";

/// An officer of Ba Đình (`canbo.badinh`, from `actors`) as a domain actor, with the office's
/// dossier unit code set by an administrator.
pub(crate) async fn dossier_officer(app: &TestApp, a: &Actors) -> Actor {
    app.add_user("quantri", "admin", "BTP").await;
    let admin = app
        .app
        .authenticate(&app.token("quantri").await)
        .await
        .unwrap()
        .unwrap();
    let officer = app.app.authenticate(&a.officer).await.unwrap().unwrap();
    app.app
        .set_dossier_unit_code(&admin, &RequestMeta::default(), &officer.office.code, UNIT)
        .await
        .unwrap();
    officer
}

/// A dossier filed online by An at the officer's office.
pub(crate) async fn submit(app: &TestApp, officer: &Actor) -> String {
    app.app
        .submit_dossier(
            &RequestMeta::default(),
            SubmitDossier {
                office_code: officer.office.code.clone(),
                procedure_code: "BTP-HT-BSTL".into(),
                procedure_name: "Cấp bản sao trích lục hộ tịch".into(),
                processing_days: 1,
                applicant_personal_id: AN.into(),
                applicant_name: AN_NAME.into(),
                ..SubmitDossier::default()
            },
            now_utc(),
        )
        .await
        .unwrap()
        .code
}

/// A citizen session opened for `pid` (the OIDC flow itself is `citizen_login`'s); a client
/// whose requests carry its cookie.
pub(crate) async fn citizen_client(app: &TestApp, pid: &str, name: &str) -> CitizenClient {
    let (token, _) = app
        .app
        .citizen_session_start(
            &VerifiedIdentity {
                issuer: "http://idp.test".into(),
                personal_id: pid.into(),
                full_name: name.into(),
                birthdate: None,
                gender: None,
            },
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    let csrf = app
        .app
        .citizen_authenticate(&token)
        .await
        .unwrap()
        .unwrap()
        .csrf_token;
    CitizenClient {
        client: new_client(),
        cookie: format!("tuphap_citizen={token}"),
        csrf,
    }
}

pub(crate) struct CitizenClient {
    pub client: reqwest::Client,
    pub cookie: String,
    pub csrf: String,
}

impl CitizenClient {
    pub async fn get(&self, app: &TestApp, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(app.at(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    pub async fn post(
        &self,
        app: &TestApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(app.at(path))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn public_lookup_shows_the_status_and_no_personal_data_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let officer = dossier_officer(&app, &a).await;
        let code = submit(&app, &officer).await;
        let meta = RequestMeta::default();
        app.app
            .accept_dossier(&officer, &meta, &code, now_utc())
            .await
            .unwrap();
        app.app
            .request_dossier_supplement(
                &officer,
                &meta,
                &code,
                &["Bản sao giấy chứng nhận kết hôn".to_string()],
                now_utc(),
            )
            .await
            .unwrap();

        // The API, by code only: status, dates, history; no name, no personal ID, no officer.
        let (s, v) = app
            .get_json(&format!("/api/v1/public/dossiers/{code}"))
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(v["code"], code.as_str());
        assert_eq!(v["status"], "supplement_requested");
        assert_eq!(v["status_label"], "Yêu cầu bổ sung giấy tờ");
        assert_eq!(v["procedure_name"], "Cấp bản sao trích lục hộ tịch");
        assert_eq!(v["verified"], false);
        assert!(v["applicant_masked"].is_null());
        assert_eq!(v["missing_items"], json!([]));
        let kinds: Vec<&str> = v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["submitted", "received", "supplement_requested"],
            "{e}"
        );
        let text = v.to_string();
        for secret in [AN, "Nguyễn", "An\"", "canbo.badinh", "Cán bộ"] {
            assert!(!text.contains(secret), "{e}: {secret} in {text}");
        }
        // Lower case and spaces are accepted.
        let (s, _) = app
            .get_json(&format!("/api/v1/public/dossiers/{}", code.to_lowercase()))
            .await;
        assert_eq!(s, 200, "{e}");

        // With the last 4 digits: the masked name and what is missing.
        let (s, v) = app
            .get_json(&format!("/api/v1/public/dossiers/{code}?id4=2345"))
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(v["verified"], true);
        assert_eq!(v["applicant_masked"], "Nguyễn V** A*");
        assert_eq!(
            v["missing_items"],
            json!(["Bản sao giấy chứng nhận kết hôn"])
        );
        assert!(!v.to_string().contains(AN), "{e}");
        let (s, v) = app
            .get_json(&format!("/api/v1/public/dossiers/{code}?id4=9999"))
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (403, Some("dossier_lookup_id_mismatch")),
            "{e}"
        );
        let (s, v) = app
            .get_json(&format!("/api/v1/public/dossiers/{code}?id4=12a4"))
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (400, Some("dossier_lookup_id4_bad_format")),
            "{e}"
        );

        // Malformed: 400 with the core's message; unknown: 404.
        let (s, v) = app.get_json("/api/v1/public/dossiers/ABC-123").await;
        assert_eq!(s, 400, "{e}: {v}");
        assert_eq!(v["code"], "dossier_code_bad_format");
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains("không đúng dạng V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX"),
            "{e}: {v}"
        );
        let unknown = format!("{}9", &code[..code.len() - 1]);
        let unknown = if unknown == code {
            format!("{}8", &code[..code.len() - 1])
        } else {
            unknown
        };
        let (s, v) = app
            .get_json(&format!("/api/v1/public/dossiers/{unknown}"))
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (404, Some("dossier_not_found")),
            "{e}: {v}"
        );

        // The page, without login.
        let c = new_client();
        let r = c
            .get(app.at(&format!("/tra-cuu-ho-so?code={code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{e}");
        let page = r.text().await.unwrap();
        assert!(page.contains("Yêu cầu bổ sung giấy tờ"), "{e}");
        assert!(page.contains("id=\"qua-trinh\""), "{e}");
        assert!(
            page.contains("name=\"viewport\""),
            "{e}: phone-friendly layout"
        );
        assert!(!page.contains(AN) && !page.contains(AN_NAME), "{e}");
        assert!(!page.contains("Bản sao giấy chứng nhận kết hôn"), "{e}");
        let r = c
            .get(app.at(&format!("/tra-cuu-ho-so?code={code}&id4=2345")))
            .send()
            .await
            .unwrap();
        let page = r.text().await.unwrap();
        assert!(page.contains("Nguyễn V** A*"), "{e}");
        assert!(page.contains("Bản sao giấy chứng nhận kết hôn"), "{e}");
        let r = c
            .get(app.at("/tra-cuu-ho-so?code=khong-phai-ma"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{e}");
        assert_eq!(r.headers()["x-error-code"], "dossier_code_bad_format");
        assert!(r.text().await.unwrap().contains("dossier_code_bad_format"));
        let r = c
            .get(app.at(&format!("/tra-cuu-ho-so?code={unknown}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{e}");
        let r = c.get(app.at("/tra-cuu-ho-so")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{e}: the empty form");
        // The citizen landing page links to it.
        let r = c.get(app.at("/citizen")).send().await.unwrap();
        assert!(
            r.text().await.unwrap().contains("href=\"/tra-cuu-ho-so\""),
            "{e}"
        );
    }
}

async fn person_id(app: &TestApp, pid: &str) -> i64 {
    app.store
        .person_by_personal_id(pid)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no person {pid}"))
        .id
}

#[tokio::test]
async fn the_access_page_lists_staff_reads_of_my_records_and_not_other_peoples_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let (s, rec) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/marriages",
            &json!({"husband": spouse(AN_NAME, "1990-03-15", AN),
                    "wife": spouse("Phạm Thị Hoa", "1992-05-05", HOA)}),
        )
        .await;
        assert_eq!(s, 200, "{e}: {rec}");
        let record_id = rec["id"].as_i64().unwrap();
        let an = person_id(&app, AN).await;
        let hoa = person_id(&app, HOA).await;
        let citizen = citizen_client(&app, AN, AN_NAME).await;

        // Nobody else has looked yet (the registration itself is a change and shows).
        let (s, page) = citizen.get(&app, "/citizen/access").await;
        assert_eq!(s, 200, "{e}");
        assert!(!page.contains("data-action=\"civil.person.read\""), "{e}");

        // The officer reads An's person entry and the record; and Hoa's entry.
        for path in [
            format!("/api/v1/civil/persons/{an}"),
            format!("/api/v1/civil/records/{record_id}"),
            format!("/api/v1/civil/persons/{hoa}"),
        ] {
            let (s, v) = app.call(Method::GET, &path, Some(&a.officer), None).await;
            assert_eq!(s, 200, "{e}: {path}: {v}");
        }
        // A partner system looks An up over the exchange platform (getCivilStatus).
        app.add_user("quantri", "admin", "BTP").await;
        let admin = app.token("quantri").await;
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/exchange/members",
                Some(&admin),
                Some(&json!({"client_id": BHXH, "name": "Bảo hiểm xã hội Việt Nam"})),
            )
            .await;
        assert_eq!(s, 201, "{e}: {v}");
        let (s, k) = app
            .call(
                Method::POST,
                "/api/v1/exchange/members/keys",
                Some(&admin),
                Some(&json!({"client_id": BHXH})),
            )
            .await;
        assert_eq!(s, 201, "{e}: {k}");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/exchange/members/rights",
                Some(&admin),
                Some(&json!({"client_id": BHXH, "service_code": "getCivilStatus",
                             "fields": ["full_name", "marital_status"]})),
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        let r = app
            .client
            .get(app.at(&format!(
                "/r1/VN/GOV/BTP/TUPHAP/getCivilStatus?personalId={AN}"
            )))
            .header("X-Road-Client", BHXH)
            .header("X-Road-Id", "tra-cuu-an-1")
            .header("X-Road-UserId", "VN001190000001")
            .bearer_auth(k["key"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{e}");

        let (s, page) = citizen.get(&app, "/citizen/access").await;
        assert_eq!(s, 200, "{e}");
        assert!(
            page.contains("data-action=\"exchange.civil_status.read\""),
            "{e}: {page}"
        );
        assert!(
            page.contains(&format!("Bảo hiểm xã hội Việt Nam ({BHXH})")),
            "{e}: the partner named"
        );
        assert!(!page.contains("VN001190000001"), "{e}: no partner user id");
        assert_eq!(
            page.matches("data-action=\"civil.person.read\"").count(),
            1,
            "{e}: An's read, not Hoa's: {page}"
        );
        assert!(page.contains("data-action=\"civil.record.read\""), "{e}");
        assert!(
            page.contains("Xem thông tin cá nhân trong sổ hộ tịch"),
            "{e}"
        );
        assert!(
            page.contains("Công chức tư pháp – hộ tịch"),
            "{e}: the role"
        );
        assert!(page.contains("Ba Đình"), "{e}: the office");
        assert!(!page.contains("canbo.badinh"), "{e}: no username");
        assert!(
            page.contains(&format!("Hồ sơ hộ tịch số {record_id} (kết hôn)")),
            "{e}"
        );

        // Hoa sees her own read, once, and not An's.
        let hoa_c = citizen_client(&app, HOA, "Phạm Thị Hoa").await;
        let (_, page) = hoa_c.get(&app, "/citizen/access").await;
        assert_eq!(
            page.matches("data-action=\"civil.person.read\"").count(),
            1,
            "{e}"
        );

        // "Trang của tôi" links to it; without a session the page sends to the login.
        let (_, home) = citizen.get(&app, "/citizen").await;
        assert!(home.contains("href=\"/citizen/access\""), "{e}");
        let r = new_client()
            .get(app.at("/citizen/access"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        // The citizen's own reads are not listed; reading the list is audited.
        let (_, page) = citizen.get(&app, "/citizen/access").await;
        assert!(!page.contains("citizen.person.read"), "{e}");
        let seen = app
            .store
            .audit_entries_of_target("person", &an.to_string(), None, 100)
            .await
            .unwrap();
        assert!(
            seen.iter().any(|x| x.action == "citizen.access_log.read"),
            "{e}"
        );
    }
}

#[tokio::test]
async fn a_dossier_is_rated_once_by_its_applicant_after_completion_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let officer = dossier_officer(&app, &a).await;
        let code = submit(&app, &officer).await;
        let meta = RequestMeta::default();
        let citizen = citizen_client(&app, AN, AN_NAME).await;
        let path = format!("/citizen/dossiers/{code}/rating");
        let comment = "Cán bộ hướng dẫn tận tình.";
        let post = |csrf: String, score: &'static str| {
            let (c, app, path) = (&citizen, &app, path.clone());
            async move {
                c.post(
                    app,
                    &path,
                    &[("csrf", &csrf), ("score", score), ("comment", comment)],
                )
                .await
            }
        };
        let ok = citizen.csrf.clone();

        // Not finished yet: refused, the partial says why.
        let r = post(ok.clone(), "5").await;
        assert_eq!(r.status(), 409, "{e}");
        assert_eq!(r.headers()["x-error-code"], "dossier_rating_not_finished");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("chỉ đánh giá được khi hồ sơ đã giải quyết xong"),
            "{e}"
        );
        assert!(!body.contains("id=\"form-danh-gia\""), "{e}: no form yet");

        app.app
            .accept_dossier(&officer, &meta, &code, now_utc())
            .await
            .unwrap();
        app.app
            .complete_dossier(&officer, &meta, &code, None, true, now_utc())
            .await
            .unwrap();
        app.app
            .return_dossier_result(&officer, &meta, &code, now_utc())
            .await
            .unwrap();

        // Wrong CSRF: 403; out-of-range score: 422 with the form again.
        assert_eq!(post("sai".into(), "5").await.status(), 403, "{e}");
        let r = post(ok.clone(), "9").await;
        assert_eq!(r.status(), 422, "{e}");
        assert!(
            r.text().await.unwrap().contains("id=\"form-danh-gia\""),
            "{e}"
        );
        // Another citizen: not their dossier.
        let other = citizen_client(&app, HOA, "Phạm Thị Hoa").await;
        let r = other
            .post(
                &app,
                &path,
                &[
                    ("csrf", other.csrf.as_str()),
                    ("score", "1"),
                    ("comment", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), 404, "{e}");

        // Accepted once.
        let r = post(ok.clone(), "2").await;
        assert_eq!(r.status(), 303, "{e}");
        assert_eq!(
            r.headers()["location"],
            format!("/citizen/dossiers/{code}#danh-gia").as_str()
        );
        let d = app.store.dossier_by_code(&code).await.unwrap().unwrap();
        let rating = app.store.dossier_rating(d.id).await.unwrap().unwrap();
        assert_eq!(rating.score, 2, "{e}");
        assert_eq!(rating.comment, comment);
        let events = app.store.dossier_events(d.id).await.unwrap();
        let last = events.last().unwrap();
        assert_eq!(
            (last.kind.as_str(), last.status_after.as_str()),
            ("rated", "result_returned"),
            "{e}"
        );
        let changes = app.store.changes_after(0, 1000).await.unwrap();
        assert!(
            changes
                .iter()
                .any(|c| c.entity == "dossier" && c.entity_id == code && c.action == "rated"),
            "{e}"
        );
        let audit = app
            .store
            .audit_entries_of_target("dossier", &code, None, 50)
            .await
            .unwrap();
        assert!(
            audit.iter().any(|x| x.action == "dossier.rated"
                && x.actor_username.as_deref() == Some(&format!("citizen:{AN}"))),
            "{e}"
        );

        // Twice: refused, the rating given is shown.
        let r = post(ok.clone(), "5").await;
        assert_eq!(r.status(), 409, "{e}");
        assert_eq!(r.headers()["x-error-code"], "dossier_already_rated");
        let body = r.text().await.unwrap();
        assert!(body.contains("Không hài lòng"), "{e}: {body}");
        assert_eq!(
            app.store.dossier_rating(d.id).await.unwrap().unwrap().score,
            2,
            "{e}: unchanged"
        );
        // The public view does not show the rating.
        let (_, v) = app
            .get_json(&format!("/api/v1/public/dossiers/{code}"))
            .await;
        assert!(
            v["history"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h["kind"] != "rated"),
            "{e}: {v}"
        );
        // The applicant's dossier detail still reads (the lead's page).
        app.app
            .dossier_detail(DossierParty::Citizen { personal_id: AN }, &meta, &code)
            .await
            .unwrap();
    }
}

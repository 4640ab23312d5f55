//! Civil-status API: declare → register (numbered) → read within jurisdiction, on both engines.

use reqwest::Method;
use serde_json::{Value, json};
use tuphap_core::dates::vn_today;

use crate::support::{TestApp, spawn_apps};

pub(crate) fn days_ago(n: i64) -> String {
    (vn_today() - time::Duration::days(n)).to_string()
}

fn birth(child: &str, dob: &str, mother_pid: Option<&str>) -> Value {
    json!({
        "child": {"full_name": child, "sex": "female", "date_of_birth": dob,
                  "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                  "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Trần Thị Mai", "date_of_birth": "1995-03-14", "personal_id": mother_pid,
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004", "detail": "12 phố Quán Thánh"}},
        "father": {"full_name": "Nguyễn Văn Nam", "date_of_birth": "1993-07-02",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
    })
}

pub(crate) struct Actors {
    pub officer: String,
    pub signer: String,
    pub other_officer: String,
    pub hanoi: String,
    pub hcm: String,
}

pub(crate) async fn actors(app: &TestApp) -> Actors {
    app.add_user("canbo.badinh", "officer", "00004").await;
    app.add_user("lanhdao.badinh", "signer", "00004").await;
    app.add_user("canbo.hongha", "officer", "00097").await;
    app.add_user("so.hanoi", "province", "01").await;
    app.add_user("so.hcm", "province", "79").await;
    Actors {
        officer: app.token("canbo.badinh").await,
        signer: app.token("lanhdao.badinh").await,
        other_officer: app.token("canbo.hongha").await,
        hanoi: app.token("so.hanoi").await,
        hcm: app.token("so.hcm").await,
    }
}

#[tokio::test]
async fn declare_register_read_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&birth(
                    "Nguyễn Thị Hương",
                    &days_ago(5),
                    Some("001195012345"),
                )),
            )
            .await;
        assert_eq!(s, 201, "{e}: {v}");
        assert_eq!(v["status"], "declared");
        assert_eq!(v["late"], false);
        assert!(v["duplicates"].as_array().unwrap().is_empty());
        let first = v["id"].as_i64().unwrap();
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&birth("Lê Minh Khôi", &days_ago(90), Some("001195012345"))),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(
            v["late"], true,
            "registered 90 days after the birth (Luật Hộ tịch 2014, Điều 15)"
        );
        let second = v["id"].as_i64().unwrap();

        // Only a signer registers; numbers run 1, 2 in the office's birth book of the year.
        let reg = |id: i64| format!("/api/v1/civil/records/{id}/register");
        let (s, v) = app
            .call(Method::POST, &reg(first), Some(&a.officer), None)
            .await;
        assert_eq!((s, v["code"].as_str()), (403, Some("forbidden")));
        let (s, v) = app
            .call(Method::POST, &reg(first), Some(&a.signer), None)
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["register_number"], 1);
        let year = vn_today().year();
        assert_eq!(v["register_text"], format!("Số: 1, Quyển số: 01/{year}"));
        let (_, v) = app
            .call(
                Method::POST,
                &reg(second),
                Some(&a.signer),
                Some(&json!({})),
            )
            .await;
        assert_eq!(v["register_number"], 2);
        let (s, v) = app
            .call(Method::POST, &reg(second), Some(&a.signer), None)
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("civil_record_not_declared"))
        );

        // Reading: own office and the province; not another commune or another province.
        let path = format!("/api/v1/civil/records/{first}");
        let (s, v) = app.call(Method::GET, &path, Some(&a.officer), None).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], "registered");
        assert_eq!(v["data"]["child"]["full_name"], "Nguyễn Thị Hương");
        let roles: Vec<&str> = v["persons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["role"].as_str().unwrap())
            .collect();
        assert_eq!(roles, vec!["child", "father", "mother"]);
        // The province states a purpose (issue 8: `tuphap_domain::privacy`).
        let (s, _) = app
            .call(
                Method::GET,
                &format!("{path}?purpose=inspection&purpose_ref=KT-01"),
                Some(&a.hanoi),
                None,
            )
            .await;
        assert_eq!(s, 200);
        let (s, v) = app
            .call(Method::GET, &path, Some(&a.other_officer), None)
            .await;
        assert_eq!((s, v["code"].as_str()), (403, Some("forbidden")), "{e}");
        let (s, _) = app.call(Method::GET, &path, Some(&a.hcm), None).await;
        assert_eq!(s, 403);
        let denied = app
            .store
            .audit_entries(&tuphap_store::audit::AuditFilter {
                target_type: Some("civil_record".into()),
                target_id: Some(first.to_string()),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            denied
                .iter()
                .any(|d| d.outcome == "denied"
                    && d.actor_username.as_deref() == Some("canbo.hongha"))
        );
        assert!(denied.iter().any(|d| d.action == "civil.register"));

        // The mother, known by personal ID, is one person in both records.
        let (_, r2) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{second}"),
                Some(&a.officer),
                None,
            )
            .await;
        let mother = |v: &Value| {
            v["persons"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["role"] == "mother")
                .unwrap()["person_id"]
                .clone()
        };
        assert_eq!(mother(&v_of(&app, first, &a.officer).await), mother(&r2));

        // Work queues.
        let (_, q) = app
            .call(
                Method::GET,
                "/api/v1/civil/queue?status=registered",
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(q.as_array().unwrap().len(), 2);
        let changes = app.store.changes_after(0, 1000).await.unwrap();
        assert_eq!(
            changes
                .iter()
                .filter(|c| c.entity == "birth" && c.action == "registered")
                .count(),
            2
        );
        assert!(app.store.verify_audit().await.unwrap().is_intact());
    }
}

/// `POST /api/v1/verify` of a certificate code (public, no token).
pub(crate) async fn verify(app: &TestApp, code: &str) -> (u16, Value) {
    app.call(
        Method::POST,
        "/api/v1/verify",
        None,
        Some(&json!({ "code": code })),
    )
    .await
}

async fn v_of(app: &TestApp, id: i64, token: &str) -> Value {
    app.call(
        Method::GET,
        &format!("/api/v1/civil/records/{id}"),
        Some(token),
        None,
    )
    .await
    .1
}

#[tokio::test]
async fn duplicates_need_an_override_and_bad_declarations_are_refused() {
    for app in spawn_apps().await {
        let a = actors(&app).await;
        let dob = days_ago(3);
        let (_, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&birth("Phạm Thu Hà", &dob, None)),
            )
            .await;
        let first = v["id"].as_i64().unwrap();
        // The same child again, written with old-style tone marks and without diacritics.
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&birth("Pham Thu Ha", &dob, None)),
            )
            .await;
        assert_eq!(s, 201);
        let dup = &v["duplicates"][0];
        assert_eq!(dup["record_id"].as_i64(), Some(first));
        assert_eq!(dup["probable"], true, "{v}");
        let second = v["id"].as_i64().unwrap();
        let reg = format!("/api/v1/civil/records/{second}/register");
        let (s, v) = app.call(Method::POST, &reg, Some(&a.signer), None).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("duplicate_override_required")),
            "{v}"
        );
        let (s, v) = app
            .call(
                Method::POST,
                &reg,
                Some(&a.signer),
                Some(
                    &json!({"duplicate_override_reason": "Sinh đôi, đã đối chiếu giấy chứng sinh"}),
                ),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let (_, r) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{second}"),
                Some(&a.signer),
                None,
            )
            .await;
        assert_eq!(
            r["duplicate_override_reason"],
            "Sinh đôi, đã đối chiếu giấy chứng sinh"
        );

        // Return and reject need a reason; a rejected record cannot be registered.
        let (_, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&birth("Đỗ Gia Bảo", &days_ago(1), None)),
            )
            .await;
        let third = v["id"].as_i64().unwrap();
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{third}/return"),
                Some(&a.signer),
                Some(&json!({"reason": " "})),
            )
            .await;
        assert_eq!((s, v["code"].as_str()), (422, Some("reason_required")));
        let (s, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{third}/reject"),
                Some(&a.signer),
                Some(&json!({"reason": "Khai man"})),
            )
            .await;
        assert_eq!(s, 204);
        let (s, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{third}/register"),
                Some(&a.signer),
                None,
            )
            .await;
        assert_eq!(s, 409);

        for (body, status, code, field) in [
            (
                birth(
                    "Nguyễn Thị Hương",
                    &(vn_today() + time::Duration::days(2)).to_string(),
                    None,
                ),
                422,
                "date_in_future",
                "child.date_of_birth",
            ),
            (
                birth("Nguyễn Thị Hương", "2026-02-30", None),
                422,
                "date_invalid",
                "child.date_of_birth",
            ),
            (
                birth("Nguyễn Thị 2", &dob, None),
                422,
                "name_contains_digit",
                "child.full_name",
            ),
            (
                birth("Nguyễn Thị Hương", &dob, Some("001295012345")),
                422,
                "personal_id_century_mismatch",
                "mother.personal_id",
            ),
            (
                birth("Nguyễn Thị Hương", &dob, Some("00119501234x")),
                422,
                "personal_id_not_digits",
                "mother.personal_id",
            ),
        ] {
            let (s, v) = app
                .call(
                    Method::POST,
                    "/api/v1/civil/births",
                    Some(&a.officer),
                    Some(&body),
                )
                .await;
            assert_eq!(
                (s, v["code"].as_str(), v["field"].as_str()),
                (status, Some(code), Some(field)),
                "{v}"
            );
        }
        let mut b = birth("Nguyễn Thị Hương", &dob, None);
        b["child"]["ethnicity_code"] = json!("99");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&b),
            )
            .await;
        assert_eq!((s, v["code"].as_str()), (422, Some("ethnicity_unknown")));
        b["child"]["ethnicity_code"] = json!("01");
        b["child"]["place_of_birth"]["admin_unit_code"] = json!("01");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&b),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("admin_unit_not_commune"))
        );
        b["child"]["place_of_birth"]["admin_unit_code"] = json!("00004");
        b["child"]["weight_kg"] = json!(3.2);
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&b),
            )
            .await;
        assert_eq!((s, v["code"].as_str()), (422, Some("json_invalid_data")));
        // Parents living in another commune: this office is not competent.
        let mut b = birth("Nguyễn Thị Hương", &dob, None);
        b["mother"]["residence"]["admin_unit_code"] = json!("00097");
        b["father"]["residence"]["admin_unit_code"] = json!("00097");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&b),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (403, Some("civil_office_not_competent")),
            "{v}"
        );
        // The refusal names the office the law designates (Luật Hộ tịch 2014, Điều 13).
        let message = v["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("UBND Phường Hồng Hà") && message.contains("Điều 13"),
            "{message}"
        );
        // A province office does not declare births.
        let (s, _) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.hanoi),
                Some(&birth("Nguyễn Thị Hương", &dob, None)),
            )
            .await;
        assert_eq!(s, 403);
    }
}

#[tokio::test]
async fn idempotency_key_returns_the_first_answer() {
    for app in spawn_apps().await {
        let a = actors(&app).await;
        let body = birth("Võ Minh Anh", &days_ago(2), None);
        let post = |key: &'static str, body: Value, token: String| {
            let c = app.client.clone();
            let url = app.at("/api/v1/civil/births");
            async move {
                c.post(url)
                    .bearer_auth(token)
                    .header("idempotency-key", key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let r1 = post("khai-sinh-001", body.clone(), a.officer.clone()).await;
        assert_eq!(r1.status(), 201);
        assert!(r1.headers().get("idempotent-replayed").is_none());
        let v1: Value = r1.json().await.unwrap();
        let r2 = post("khai-sinh-001", body.clone(), a.officer.clone()).await;
        assert_eq!(r2.status(), 201);
        assert_eq!(r2.headers()["idempotent-replayed"], "true");
        let v2: Value = r2.json().await.unwrap();
        assert_eq!(v1, v2, "a retry gets the first answer");
        let (_, q) = app
            .call(
                Method::GET,
                "/api/v1/civil/queue?status=declared",
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(q.as_array().unwrap().len(), 1, "never a second record");
        // Same key, different request.
        let r3 = post(
            "khai-sinh-001",
            birth("Võ Minh Khang", &days_ago(2), None),
            a.officer.clone(),
        )
        .await;
        assert_eq!(r3.status(), 422);
        let v3: Value = r3.json().await.unwrap();
        assert_eq!(v3["code"], "idempotency_key_reused");
        // Keys are per user: a new login of the same user still replays…
        let again = app.token("canbo.badinh").await;
        let r = post("khai-sinh-001", body.clone(), again).await;
        assert_eq!(r.headers()["idempotent-replayed"], "true");
        // …and another user's same key is a different request.
        let r4 = post(
            "khai-sinh-001",
            birth("Đinh Công Tráng", &days_ago(2), None),
            a.signer.clone(),
        )
        .await;
        assert_eq!(r4.status(), 201);
        assert!(r4.headers().get("idempotent-replayed").is_none());
        // Registering with a key twice: one number.
        let id = v1["id"].as_i64().unwrap();
        let reg = |key: &'static str| {
            app.client
                .post(app.at(&format!("/api/v1/civil/records/{id}/register")))
                .bearer_auth(&a.signer)
                .header("idempotency-key", key)
                .send()
        };
        let n1: Value = reg("ky-001").await.unwrap().json().await.unwrap();
        let r = reg("ky-001").await.unwrap();
        assert_eq!(r.status(), 200);
        let n2: Value = r.json().await.unwrap();
        assert_eq!(n1["register_number"], n2["register_number"]);
        // An errored first answer (4xx) is replayed too.
        let bad = |key: &'static str| {
            app.client
                .post(app.at("/api/v1/civil/births"))
                .bearer_auth(&a.officer)
                .header("idempotency-key", key)
                .json(&json!({"child": 1}))
                .send()
        };
        assert_eq!(bad("hong-001").await.unwrap().status(), 422);
        let r = bad("hong-001").await.unwrap();
        assert_eq!(
            (
                r.status().as_u16(),
                r.headers()["idempotent-replayed"].to_str().unwrap()
            ),
            (422, "true")
        );
    }
}

/// A birth declared by the mother alone (no father), all in Phường Ba Đình (00004).
pub(crate) fn mother_only_birth(
    (child, sex, dob): (&str, &str, &str),
    (mother, mother_dob): (&str, &str),
) -> Value {
    json!({
        "child": {"full_name": child, "sex": sex, "date_of_birth": dob,
                  "place_of_birth": {"admin_unit_code": "00004"}, "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": mother, "date_of_birth": mother_dob, "ethnicity_code": "01",
                   "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": mother, "relationship": "mẹ"}
    })
}

pub(crate) fn spouse(name: &str, dob: &str, pid: &str) -> Value {
    json!({"full_name": name, "date_of_birth": dob, "personal_id": pid, "ethnicity_code": "01",
           "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}})
}

pub(crate) async fn declare_and_register(
    app: &TestApp,
    a: &Actors,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let (s, v) = app
        .call(Method::POST, path, Some(&a.officer), Some(body))
        .await;
    if s != 201 {
        return (s, v);
    }
    let id = v["id"].as_i64().unwrap();
    app.call(
        Method::POST,
        &format!("/api/v1/civil/records/{id}/register"),
        Some(&a.signer),
        None,
    )
    .await
}

#[tokio::test]
async fn marriage_and_death_rules_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let nam = spouse("Nguyễn Văn Nam", "1993-07-02", "001093012345");
        let mai = spouse("Trần Thị Mai", "1995-03-14", "001195012345");
        let lan = spouse("Phạm Thị Lan", "1996-01-20", "001196000777");
        // A first marriage: declared and registered.
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/marriages",
            &json!({"husband": nam, "wife": mai}),
        )
        .await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(v["register_number"], 1);
        // Nam is married in the registry: a second marriage is refused (HN&GĐ 2014, Điều 5.2c).
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/marriages",
                Some(&a.officer),
                Some(&json!({"husband": nam, "wife": lan})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("marriage_already_married")),
            "{e}: {v}"
        );
        // An under-age husband (HN&GĐ 2014, Điều 8.1a: full 20 years).
        let young_dob = (vn_today() - time::Duration::days(19 * 365)).to_string();
        let young_year = &young_dob[2..4];
        let young = spouse("Đỗ Văn Trẻ", &young_dob, &format!("0012{young_year}000555"));
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/marriages",
                Some(&a.officer),
                Some(&json!({"husband": young, "wife": lan})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("marriage_husband_under_age")),
            "{e}: {v}"
        );

        // Mai's father dies: declared and registered; declaring it again is refused.
        let death = json!({
            "deceased": {"personal_id": "001045000123", "full_name": "Trần Văn Bình", "sex": "male", "date_of_birth": "1945-05-19",
                         "residence": {"admin_unit_code": "00004"}},
            "date_of_death": (vn_today() - time::Duration::days(3)).to_string(),
            "place_of_death": {"admin_unit_code": "00004", "detail": "Tại nhà"},
            "declarant": {"full_name": "Trần Thị Mai", "relationship": "con"}
        });
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/deaths", &death).await;
        assert_eq!(s, 200, "{e}: {v}");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/deaths",
                Some(&a.officer),
                Some(&death),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("death_already_registered")),
            "{e}: {v}"
        );
        // A registered deceased person cannot marry (HN&GĐ 2014, Điều 8).
        let binh = spouse("Trần Văn Bình", "1945-05-19", "001045000123");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/marriages",
                Some(&a.officer),
                Some(&json!({"husband": binh, "wife": lan})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("marriage_partner_deceased")),
            "{e}: {v}"
        );
        // A late death registration (Luật Hộ tịch 2014, Điều 33: 15 days).
        let mut late = death.clone();
        late["deceased"] =
            json!({"full_name": "Hoàng Văn Cường", "sex": "male", "date_of_birth": "1950"});
        late["date_of_death"] = json!((vn_today() - time::Duration::days(40)).to_string());
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/deaths",
                Some(&a.officer),
                Some(&late),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["late"], true);
        // A death before the birth.
        late["date_of_death"] = json!("1949-01-01");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/deaths",
                Some(&a.officer),
                Some(&late),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("death_before_birth")),
            "{v}"
        );
        // Siblings via recorded parents cannot marry (HN&GĐ 2014, Điều 5.2d).
        let mut b1 = birth("Lý Văn An", "2000-01-01", Some("001195012345"));
        b1["child"]["sex"] = json!("male");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&b1),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let id1 = v["id"].as_i64().unwrap();
        app.call(
            Method::POST,
            &format!("/api/v1/civil/records/{id1}/register"),
            Some(&a.signer),
            None,
        )
        .await;
        let b2 = birth("Lý Thị Bình", "2002-02-02", Some("001195012345"));
        let (_, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&b2),
            )
            .await;
        let id2 = v["id"].as_i64().unwrap();
        app.call(
            Method::POST,
            &format!("/api/v1/civil/records/{id2}/register"),
            Some(&a.signer),
            None,
        )
        .await;
        // The children are in the registry without personal IDs: link them via the records.
        let (c1, c2) = (
            child_of(&v_of(&app, id1, &a.officer).await),
            child_of(&v_of(&app, id2, &a.officer).await),
        );
        assert_ne!(c1, c2);
        // Give them personal IDs through the store (the population database assigns them; the
        // exchange issue brings that link).
        let (p1, p2) = ("001200000101", "001302000202");
        set_personal_id(&app, c1, p1).await;
        set_personal_id(&app, c2, p2).await;
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/marriages",
                Some(&a.officer),
                Some(&json!({
                "husband": spouse("Lý Văn An", "2000-01-01", p1),
                "wife": spouse("Lý Thị Bình", "2002-02-02", p2)})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("marriage_siblings")),
            "{e}: {v}"
        );
    }
}

pub(crate) async fn set_personal_id(app: &TestApp, person: i64, pid: &str) {
    let mut tx = app.store.begin().await.unwrap();
    tx.person_set_personal_id(person, pid).await.unwrap();
    tx.commit().await.unwrap();
}

pub(crate) fn child_of(record: &Value) -> i64 {
    record["persons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["role"] == "child")
        .unwrap()["person_id"]
        .as_i64()
        .unwrap()
}

/// `pdftotext` of a PDF, or `None` (with a note) when poppler is not installed and not required.
pub(crate) fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tuphap_testkit::temp_dir();
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ if std::env::var("TUPHAP_REQUIRE_TOOLS").is_ok_and(|v| v == "1") => {
            panic!("pdftotext is required (TUPHAP_REQUIRE_TOOLS=1)")
        }
        _ => {
            eprintln!("note: pdftotext not installed: PDF text not checked");
            None
        }
    }
}

#[tokio::test]
async fn certificate_pdf_and_verification_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let (_, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&birth("Nguyễn Thị Hương", &days_ago(4), None)),
            )
            .await;
        let id = v["id"].as_i64().unwrap();
        let cert = format!("/api/v1/civil/records/{id}/certificate");
        let (s, v) = app.call(Method::GET, &cert, Some(&a.officer), None).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("civil_record_not_registered")),
            "{e}"
        );
        app.call(
            Method::POST,
            &format!("/api/v1/civil/records/{id}/register"),
            Some(&a.signer),
            None,
        )
        .await;
        let (s, v) = app.call(Method::GET, &cert, Some(&a.officer), None).await;
        assert_eq!(s, 200, "{e}: {v}");
        let code = v["verification_code"].as_str().unwrap().to_string();
        assert!(code.starts_with("VNHT1."), "{code}");
        // Printing again gives the same code; the record is now "certificate issued".
        let (_, v2) = app.call(Method::GET, &cert, Some(&a.signer), None).await;
        assert_eq!(v2["verification_code"], code.as_str());
        let (_, r) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{id}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(r["status"], "certificate_issued");
        // Another commune cannot print it.
        let (s, _) = app
            .call(Method::GET, &cert, Some(&a.other_officer), None)
            .await;
        assert_eq!(s, 403);
        // The PDF.
        let resp = app
            .client
            .get(app.at(&format!("{cert}.pdf")))
            .bearer_auth(&a.officer)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/pdf");
        let pdf = resp.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        if let Some(text) = pdf_text(&pdf) {
            assert!(text.contains("Nguyễn Thị Hương"), "{text}");
            assert!(text.contains("GIẤY KHAI SINH"), "{text}");
            assert!(
                text.contains(&format!("Số: 1, Quyển số: 01/{}", vn_today().year())),
                "{text}"
            );
        }
        // Verification: valid; one changed character is not.
        let (s, v) = verify(&app, &code).await;
        assert_eq!(s, 200);
        assert_eq!(v["valid"], true, "{e}: {v}");
        assert_eq!(v["full_name"], "Nguyễn Thị Hương");
        assert_eq!(v["office_name"], "UBND Phường Ba Đình");
        let mut tampered: Vec<char> = code.chars().collect();
        let k = tampered.len() / 2;
        tampered[k] = if tampered[k] == 'A' { 'B' } else { 'A' };
        let tampered: String = tampered.into_iter().collect();
        let (s, v) = verify(&app, &tampered).await;
        assert_eq!(s, 200);
        assert_eq!(v["valid"], false, "{v}");
        let (_, v) = verify(&app, "xin chào").await;
        assert_eq!(v["valid"], false);
        // The public page.
        let page = app
            .client
            // The code is base64url and dots: safe in a URL as it is.
            .get(app.at(&format!("/verify?code={code}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Giấy tờ hợp lệ") && page.contains("Nguyễn Thị Hương"),
            "{page}"
        );
        // After a key rotation old certificates still verify.
        app.app.rotate_office_key("00004").await.unwrap();
        let (_, v) = verify(&app, &code).await;
        assert_eq!(v["valid"], true);
        // Revocation: only a signer, with a reason; the old code then verifies as revoked, the
        // record goes back to "to print", and the next issue gets a new, valid code.
        let revoke = format!("/api/v1/civil/records/{id}/certificate/revoke");
        let (s, _) = app
            .call(
                Method::POST,
                &revoke,
                Some(&a.officer),
                Some(&json!({"reason": "Ghi sai"})),
            )
            .await;
        assert_eq!(s, 403, "{e}");
        let (s, v) = app
            .call(
                Method::POST,
                &revoke,
                Some(&a.signer),
                Some(&json!({"reason": "  "})),
            )
            .await;
        assert_eq!((s, v["code"].as_str()), (422, Some("reason_required")));
        let (s, v) = app
            .call(
                Method::POST,
                &revoke,
                Some(&a.signer),
                Some(&json!({"reason": "Giấy cấp nhầm cho người khác"})),
            )
            .await;
        assert_eq!((s, v["revoked"].as_u64()), (200, Some(1)), "{e}: {v}");
        let (_, v) = verify(&app, &code).await;
        assert_eq!(
            (v["valid"].as_bool(), v["status"].as_str()),
            (Some(false), Some("revoked")),
            "{e}: {v}"
        );
        let (s, v) = app
            .call(
                Method::POST,
                &revoke,
                Some(&a.signer),
                Some(&json!({"reason": "Lần nữa"})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("certificate_not_issued"))
        );
        let (_, r) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{id}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(r["status"], "registered");
        let (s, v) = app.call(Method::GET, &cert, Some(&a.officer), None).await;
        assert_eq!(s, 200, "{e}: {v}");
        let new_code = v["verification_code"].as_str().unwrap().to_string();
        assert_ne!(new_code, code);
        let (_, v) = verify(&app, &new_code).await;
        assert_eq!(v["valid"], true, "{e}: {v}");
        // A new version of the record (a correction, registry II) supersedes the certificate:
        // the code still verifies its signature but says it was replaced.
        let mut tx = app.store.begin().await.unwrap();
        tx.record_for_update(id).await.unwrap();
        let version = tx
            .record_new_version(id, "{}", 1, "Cải chính họ tên")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(version, 2);
        let (_, v) = verify(&app, &new_code).await;
        assert_eq!(
            (v["valid"].as_bool(), v["status"].as_str()),
            (Some(false), Some("superseded")),
            "{e}: {v}"
        );
    }
}

/// A marriage and the death of one of its parties, both declared, signed at the same instant by
/// two signers: never both registered (Luật Hôn nhân và gia đình 2014, Điều 5 khoản 2; Luật Hộ
/// tịch 2014, Điều 34). The registering transaction locks the persons concerned and checks again.
#[tokio::test]
async fn concurrent_death_and_marriage_of_one_person_never_both_register() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        app.add_user("lanhdao2.badinh", "signer", "00004").await;
        let signer2 = app.token("lanhdao2.badinh").await;
        app.add_user("kiemtra", "auditor", "BTP").await;
        let auditor = app.token("kiemtra").await;
        let mut both = 0;
        for round in 0..8u32 {
            let husband_pid = format!("0010900{round:05}");
            let wife_pid = format!("0011920{round:05}");
            let marriage = json!({
                "husband": spouse(&format!("Lê Văn Tùng {}", ["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Long"][round as usize]), "1990-01-01", &husband_pid),
                "wife": spouse("Đỗ Thị Hạnh", "1992-01-01", &wife_pid),
            });
            let (s, m) = app
                .call(
                    Method::POST,
                    "/api/v1/civil/marriages",
                    Some(&a.officer),
                    Some(&marriage),
                )
                .await;
            assert_eq!(s, 201, "{e}: {m}");
            let death = json!({
                "deceased": {"personal_id": husband_pid, "full_name": marriage["husband"]["full_name"],
                             "sex": "male", "date_of_birth": "1990-01-01",
                             "residence": {"admin_unit_code": "00004"}},
                "date_of_death": (vn_today() - time::Duration::days(1)).to_string(),
                "place_of_death": {"admin_unit_code": "00004", "detail": "Bệnh viện"},
                "declarant": {"full_name": "Đỗ Thị Hạnh", "relationship": "vợ"}
            });
            let (s, d) = app
                .call(
                    Method::POST,
                    "/api/v1/civil/deaths",
                    Some(&a.officer),
                    Some(&death),
                )
                .await;
            assert_eq!(s, 201, "{e}: {d}");
            let register = |id: i64, token: String| {
                let app = &app;
                async move {
                    app.call(
                        Method::POST,
                        &format!("/api/v1/civil/records/{id}/register"),
                        Some(&token),
                        None,
                    )
                    .await
                }
            };
            let ((sm, vm), (sd, vd)) = tokio::join!(
                register(m["id"].as_i64().unwrap(), a.signer.clone()),
                register(d["id"].as_i64().unwrap(), signer2.clone())
            );
            // The death always registers (a married person may die); the marriage registers
            // only if it committed before the death did (the audit chain is in commit order).
            assert_eq!(sd, 200, "{e} round {round}: {vd}");
            let seq_of = |id: i64| {
                let app = &app;
                let auditor = auditor.clone();
                async move {
                    let (s, v) = app
                        .call(
                            Method::GET,
                            &format!(
                                "/api/v1/audit/entries?target_type=civil_record&target_id={id}"
                            ),
                            Some(&auditor),
                            None,
                        )
                        .await;
                    assert_eq!(s, 200, "{v}");
                    v.as_array()
                        .unwrap()
                        .iter()
                        .find(|x| x["action"] == "civil.register" && x["outcome"] == "success")
                        .map(|x| x["seq"].as_i64().unwrap())
                }
            };
            if sm == 200 {
                let married_at = seq_of(m["id"].as_i64().unwrap()).await.unwrap();
                let died_at = seq_of(d["id"].as_i64().unwrap()).await.unwrap();
                assert!(
                    married_at < died_at,
                    "{e} round {round}: married after death"
                );
                both += 1;
            } else {
                assert_eq!(vm["code"], "marriage_partner_deceased", "{e}: {vm}");
                assert_eq!(seq_of(m["id"].as_i64().unwrap()).await, None);
            }
        }
        eprintln!("{e}: {both} of 8 rounds registered the marriage before the death");
    }
}

/// A marriage ends when a spouse dies (Luật Hôn nhân và gia đình 2014, Điều 65): the widow may
/// marry again; before the death is registered she may not.
#[tokio::test]
async fn a_widow_may_marry_again_once_the_death_is_registered() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let tuan = spouse("Lê Văn Tuấn", "1980-04-04", "001080004444");
        let hoa = spouse("Ngô Thị Hoa", "1982-02-02", "001182002222");
        let binh = spouse("Đặng Văn Bình", "1979-09-09", "001079009999");
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/marriages",
            &json!({"husband": tuan, "wife": hoa}),
        )
        .await;
        assert_eq!(s, 200, "{e}: {v}");
        let second = json!({"husband": binh, "wife": hoa});
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/marriages",
                Some(&a.officer),
                Some(&second),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("marriage_already_married")),
            "{e}: {v}"
        );
        let death = json!({
            "deceased": {"personal_id": "001080004444", "full_name": "Lê Văn Tuấn", "sex": "male",
                         "date_of_birth": "1980-04-04", "residence": {"admin_unit_code": "00004"}},
            // The marriage was registered today: the death comes after it.
            "date_of_death": vn_today().to_string(),
            "place_of_death": {"admin_unit_code": "00004"},
            "declarant": {"full_name": "Ngô Thị Hoa", "relationship": "vợ"}
        });
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/deaths", &death).await;
        assert_eq!(s, 200, "{e}: {v}");
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/marriages", &second).await;
        assert_eq!(s, 200, "{e}: {v}");
    }
}

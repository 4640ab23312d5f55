//! Civil-status API: declare → register (numbered) → read within jurisdiction, on both engines.

use reqwest::Method;
use serde_json::{Value, json};
use tuphap_core::dates::vn_today;

use crate::support::{TestApp, spawn_apps};

fn days_ago(n: i64) -> String {
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

struct Actors {
    officer: String,
    signer: String,
    other_officer: String,
    hanoi: String,
    hcm: String,
}

async fn actors(app: &TestApp) -> Actors {
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
        let (s, _) = app.call(Method::GET, &path, Some(&a.hanoi), None).await;
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
                "name_invalid_characters",
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

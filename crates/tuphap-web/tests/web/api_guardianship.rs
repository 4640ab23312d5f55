//! Guardianship over the API, on both engines: registration with the checks the registry can
//! make (Bộ luật Dân sự 2015, Điều 47–49), change of guardian, end (Điều 62); and the end of an
//! adoption by a court's decision.

use reqwest::Method;
use serde_json::{Value, json};

use crate::api_civil::{actors, days_ago, declare_and_register, mother_only_birth};
use crate::support::spawn_apps;

fn person(name: &str, sex: &str, dob: &str, pid: Option<&str>) -> Value {
    json!({"full_name": name, "sex": sex, "date_of_birth": dob, "personal_id": pid,
           "ethnicity_code": "01", "nationality_code": "VN",
           "residence": {"admin_unit_code": "00004"}})
}

fn requester() -> Value {
    json!({"full_name": "Lê Văn Bình", "relationship": "ông nội"})
}

fn persons(record: &Value) -> Vec<(String, String)> {
    record["persons"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["role"].as_str().unwrap_or_default().to_string(),
                        p["full_name"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn guardianship_registered_changed_and_ended_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let post = |path: &'static str, token: String, body: Value| {
            let app = &app;
            async move {
                app.call(Method::POST, path, Some(&token), Some(&body))
                    .await
            }
        };
        // An 8-year-old child born in the registry.
        let birth = mother_only_birth(
            ("Lê Minh Khang", "male", &days_ago(8 * 366)),
            ("Trần Thị Hạnh", "1990-01-01"),
        );
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/births", &birth).await;
        assert_eq!(s, 200, "{e}: {v}");
        let birth_id = v["id"].as_i64().unwrap();
        let grandfather = person("Lê Văn Bình", "male", "1960-04-10", Some("001060004444"));
        let registration = json!({
            "kind": "statutory", "ward_situation": "minor", "ward_birth_record_id": birth_id,
            "ward": null, "guardian": grandfather,
            "basis": "Ông nội; mẹ đã chết (trích lục khai tử số 5/2025)",
            "court_decision": null, "requester": requester()
        });

        // What the registry can check is refused with a code, on the field.
        let mut minor = registration.clone();
        minor["guardian"] = person("Lê Văn An", "male", "2012-01-01", None);
        let (s, v) = post("/api/v1/civil/guardianships", a.officer.clone(), minor).await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (
                422,
                Some("guardianship_guardian_minor"),
                Some("guardian.date_of_birth")
            ),
            "{e}: {v}"
        );
        let mut adult = registration.clone();
        adult["ward_situation"] = json!("incapacitated");
        let (s, v) = post("/api/v1/civil/guardianships", a.officer.clone(), adult).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("guardianship_court_decision_required")),
            "{e}: {v}"
        );
        let mut kind = registration.clone();
        kind["kind"] = json!("voluntary");
        let (s, v) = post("/api/v1/civil/guardianships", a.officer.clone(), kind).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("guardianship_kind_invalid")),
            "{e}: {v}"
        );
        // Another commune, where neither lives, is not competent (Luật Hộ tịch 2014, Điều 19).
        let (s, v) = post(
            "/api/v1/civil/guardianships",
            a.other_officer.clone(),
            registration.clone(),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (403, Some("civil_office_not_competent")),
            "{e}: {v}"
        );

        let (s, v) =
            declare_and_register(&app, &a, "/api/v1/civil/guardianships", &registration).await;
        assert_eq!(s, 200, "{e}: {v}");
        let first = v["id"].as_i64().unwrap();
        assert!(
            v["register_text"].as_str().unwrap().starts_with("Số: "),
            "{e}: {v}"
        );
        let (_, rec) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{first}"),
                Some(&a.officer),
                None,
            )
            .await;
        let parties = persons(&rec);
        assert!(
            parties.contains(&("ward".into(), "Lê Minh Khang".into())),
            "{e}: {parties:?}"
        );
        assert!(
            parties.contains(&("guardian".into(), "Lê Văn Bình".into())),
            "{e}: {parties:?}"
        );
        let ward = rec["persons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == "ward")
            .and_then(|p| p["person_id"].as_i64())
            .unwrap();
        let guardianship_of = |id: i64| {
            let app = &app;
            let token = a.officer.clone();
            async move {
                let (s, v) = app
                    .call(
                        Method::GET,
                        &format!("/api/v1/civil/persons/{id}"),
                        Some(&token),
                        None,
                    )
                    .await;
                assert_eq!(s, 200, "{v}");
                v["guardianship"].as_str().map(str::to_string)
            }
        };
        let now = guardianship_of(ward).await.unwrap_or_default();
        assert!(now.contains("Lê Văn Bình"), "{e}: {now}");
        // Found by the ward's name, like every record.
        let (s, found) = app
            .call(
                Method::GET,
                "/api/v1/civil/search?q=le%20minh%20khang",
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {found}");
        assert!(
            found["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"].as_i64() == Some(first) && i["kind"] == "guardianship"),
            "{e}: {found}"
        );
        // One guardian per ward (BLDS Điều 47.2).
        let (s, v) = post(
            "/api/v1/civil/guardianships",
            a.officer.clone(),
            registration.clone(),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("guardianship_exists")),
            "{e}: {v}"
        );

        // An adult under guardianship cannot be anyone's guardian (Điều 49.1).
        let adult_ward = json!({
            "kind": "appointed", "ward_situation": "incapacitated", "ward_birth_record_id": null,
            "ward": person("Đỗ Văn Tâm", "male", "1970-02-02", Some("001070007777")),
            "guardian": person("Đỗ Thị Hoa", "female", "1972-03-03", Some("001172003333")),
            "basis": "Văn bản cử người giám hộ của UBND phường ngày 01/11/2026",
            "court_decision": "Quyết định số 20/2026/QĐST-DS ngày 01/10/2026 của Tòa án nhân dân khu vực 1 – Hà Nội",
            "requester": {"full_name": "Đỗ Thị Hoa", "relationship": "em gái"}
        });
        let (s, v) =
            declare_and_register(&app, &a, "/api/v1/civil/guardianships", &adult_ward).await;
        assert_eq!(s, 200, "{e}: {v}");
        let change = json!({
            "guardianship_record_id": first,
            "new_guardian": person("Đỗ Văn Tâm", "male", "1970-02-02", Some("001070007777")),
            "reason": "Ông nội ốm nặng", "basis": "Bác ruột",
            "requester": requester()
        });
        let (s, v) = post(
            "/api/v1/civil/guardianship-changes",
            a.officer.clone(),
            change.clone(),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("guardianship_guardian_under_guardianship")),
            "{e}: {v}"
        );
        let mut same = change.clone();
        same["new_guardian"] = grandfather.clone();
        let (s, v) = post(
            "/api/v1/civil/guardianship-changes",
            a.officer.clone(),
            same,
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("guardianship_same_guardian")),
            "{e}: {v}"
        );
        // The office holding the book changes it; another commune may not.
        let mut change = change;
        change["new_guardian"] = person("Phạm Thị Lan", "female", "1962-08-01", None);
        let (s, _) = post(
            "/api/v1/civil/guardianship-changes",
            a.other_officer.clone(),
            change.clone(),
        )
        .await;
        assert_eq!(s, 403, "{e}");
        let (s, v) =
            declare_and_register(&app, &a, "/api/v1/civil/guardianship-changes", &change).await;
        assert_eq!(s, 200, "{e}: {v}");
        let second = v["id"].as_i64().unwrap();
        let now = guardianship_of(ward).await.unwrap_or_default();
        assert!(now.contains("Phạm Thị Lan"), "{e}: {now}");
        // The first guardianship ended with the change.
        let (s, v) = post("/api/v1/civil/guardianship-changes", a.officer.clone(), {
            let mut c = change.clone();
            c["new_guardian"] = person("Lê Thị Mơ", "female", "1985-08-01", None);
            c
        })
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("guardianship_ended")),
            "{e}: {v}"
        );

        // End: the ward is 8, so not for full capacity; for the parents being able, yes.
        let end = json!({
            "guardianship_record_id": second, "grounds": "ward_full_capacity",
            "ended_on": days_ago(0), "evidence": "Giấy khai sinh", "requester": requester()
        });
        let (s, v) = post(
            "/api/v1/civil/guardianship-ends",
            a.officer.clone(),
            end.clone(),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("guardianship_end_ward_minor")),
            "{e}: {v}"
        );
        let mut adopted = end.clone();
        adopted["grounds"] = json!("ward_adopted");
        let (s, v) = post(
            "/api/v1/civil/guardianship-ends",
            a.officer.clone(),
            adopted,
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("guardianship_end_not_adopted")),
            "{e}: {v}"
        );
        let mut able = end.clone();
        able["grounds"] = json!("parents_able");
        able["evidence"] = json!("Cha của cháu đã được Tòa án hủy quyết định hạn chế quyền");
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/guardianship-ends", &able).await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(guardianship_of(ward).await, None, "{e}");
        // Ended: nothing more to end; the child may have a guardian again.
        let (s, v) = post("/api/v1/civil/guardianship-ends", a.officer.clone(), able).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("guardianship_ended")),
            "{e}: {v}"
        );
        let (s, v) = post(
            "/api/v1/civil/guardianships",
            a.officer.clone(),
            registration,
        )
        .await;
        assert_eq!(s, 201, "{e}: {v}");
        // The change log carries the end of each guardianship.
        let (s, v) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{second}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!((s, v["kind"].as_str()), (200, Some("guardianship_change")));
        assert_eq!(v["target_record_id"].as_i64(), Some(first), "{e}: {v}");
    }
}

/// A court's decision ending an adoption, recorded into the register: the adoptive parents leave
/// the child's birth record, and the child may be adopted again.
#[tokio::test]
async fn adoption_terminated_by_a_court_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let birth = mother_only_birth(
            ("Lê Thị Ngọc", "female", &days_ago(400)),
            ("Lê Thị Hồng", "2000-03-14"),
        );
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/births", &birth).await;
        assert_eq!(s, 200, "{e}: {v}");
        let birth_id = v["id"].as_i64().unwrap();
        let adoption = json!({
            "birth_record_id": birth_id,
            "adoptive_father": {"full_name": "Phạm Văn Hải", "date_of_birth": "1980-02-02", "personal_id": "001080002222",
                                "ethnicity_code": "01", "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
            "adoptive_mother": null,
            "evidence": "Văn bản đồng ý của mẹ đẻ",
            "requester": {"full_name": "Phạm Văn Hải", "relationship": "cha nuôi"}
        });
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/adoptions", &adoption).await;
        assert_eq!(s, 200, "{e}: {v}");
        let adoption_id = v["id"].as_i64().unwrap();
        let termination = json!({
            "adoption_record_id": adoption_id,
            "decision": {"court": "Tòa án nhân dân khu vực 1 – Hà Nội", "number": "15/2026/QĐ-CCNCN",
                         "decided_on": days_ago(0), "effective_on": days_ago(0)}
        });
        let mut early = termination.clone();
        early["decision"]["decided_on"] = json!(days_ago(1));
        early["decision"]["effective_on"] = json!(days_ago(1));
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/adoption-terminations",
                Some(&a.officer),
                Some(&early),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("adoption_termination_before_adoption")),
            "{e}: {v}"
        );
        let mut no_court = termination.clone();
        no_court["decision"]["court"] = json!("  ");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/adoption-terminations",
                Some(&a.officer),
                Some(&no_court),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (
                422,
                Some("adoption_termination_court_missing"),
                Some("decision.court")
            ),
            "{e}: {v}"
        );
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/adoption-terminations",
            &termination,
        )
        .await;
        assert_eq!(s, 200, "{e}: {v}");
        let (_, rec) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{birth_id}"),
                Some(&a.officer),
                None,
            )
            .await;
        let parties = persons(&rec);
        assert!(
            !parties.iter().any(|(r, _)| r == "adoptive_father"),
            "{e}: {parties:?}"
        );
        assert!(
            parties.contains(&("mother".into(), "Lê Thị Hồng".into())),
            "{e}: {parties:?}"
        );
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/adoption-terminations",
                Some(&a.officer),
                Some(&termination),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("adoption_already_terminated")),
            "{e}: {v}"
        );
        // The child may be adopted again.
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/adoptions",
                Some(&a.officer),
                Some(&adoption),
            )
            .await;
        assert_eq!(s, 201, "{e}: {v}");
    }
}

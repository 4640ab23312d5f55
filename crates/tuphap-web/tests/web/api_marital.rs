//! The marital history over the API, on both engines: a court's divorce recorded into the
//! register ends a marriage; the marital-status certificate is derived from the registry, refused
//! for marrying while married, issued and verified once divorced; the person marries again.

use reqwest::Method;
use serde_json::{Value, json};
use tuphap_core::dates::vn_today;

use crate::api_civil::{
    Actors, actors, child_of, days_ago, declare_and_register, mother_only_birth, pdf_text,
    set_personal_id, spouse, verify,
};
use crate::support::{TestApp, spawn_apps};

fn marital_request(purpose: Value) -> Value {
    json!({
        "applicant": {"full_name": "Trần Thị Mai", "sex": "female", "date_of_birth": "1995-03-14",
                      "personal_id": "001195012345", "ethnicity_code": "01", "nationality_code": "VN",
                      "residence": {"admin_unit_code": "00004", "detail": "12 phố Quán Thánh"}},
        "purpose": purpose,
        "residence_from": "2013-03-14"
    })
}

fn to_marry_binh() -> Value {
    json!({"kind": "marriage",
           "intended_spouse": {"full_name": "Đặng Văn Bình", "date_of_birth": "1990-09-09", "nationality_code": "VN"},
           "marriage_place": "UBND Phường Ba Đình, Thành phố Hà Nội"})
}

/// The marriages of these tests are registered today, so the court's decision takes effect
/// today too (it cannot precede the marriage: `divorce_before_marriage`).
fn divorce(marriage: i64, number: &str) -> Value {
    json!({"marriage_record_id": marriage,
           "decision": {"kind": "divorce", "court": "Tòa án nhân dân khu vực 1 – Hà Nội",
                        "number": number, "decided_on": days_ago(0), "effective_on": days_ago(0)}})
}

async fn person_status(app: &TestApp, a: &Actors, person: i64) -> (String, String) {
    let (s, v) = app
        .call(
            Method::GET,
            &format!("/api/v1/civil/persons/{person}"),
            Some(&a.officer),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    (
        v["civil_status"].as_str().unwrap_or_default().to_string(),
        v["civil_status_explained"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> (u16, Value) {
    app.call(Method::POST, path, Some(token), Some(body)).await
}

async fn pdf(app: &TestApp, token: &str, id: i64) -> Vec<u8> {
    let resp = app
        .client
        .get(app.at(&format!("/api/v1/civil/records/{id}/certificate.pdf")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn married_divorced_certified_and_married_again_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let nam = spouse("Nguyễn Văn Nam", "1993-07-02", "001093012345");
        let mai = spouse("Trần Thị Mai", "1995-03-14", "001195012345");
        let binh = spouse("Đặng Văn Bình", "1990-09-09", "001090009999");
        let (s, m) = post(
            &app,
            &a.officer,
            "/api/v1/civil/marriages",
            &json!({"husband": nam, "wife": mai}),
        )
        .await;
        assert_eq!(s, 201, "{e}: {m}");
        let marriage = m["id"].as_i64().unwrap();
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{marriage}/register"),
                Some(&a.signer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        let (_, rec) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{marriage}"),
                Some(&a.officer),
                None,
            )
            .await;
        let mai_id = rec["persons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == "wife")
            .and_then(|p| p["person_id"].as_i64())
            .unwrap();
        assert_eq!(person_status(&app, &a, mai_id).await.0, "married", "{e}");

        // While married: no certificate for marrying, with the registry's reason.
        let (s, v) = post(
            &app,
            &a.officer,
            "/api/v1/civil/marital-status",
            &marital_request(to_marry_binh()),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("marital_status_married")),
            "{e}: {v}"
        );
        assert!(
            v["message"].as_str().unwrap().contains("Nguyễn Văn Nam"),
            "{e}: {v}"
        );

        // Bad decisions are refused field by field; another commune cannot record it.
        let mut bad = divorce(marriage, "125/2026/HNGĐ-ST");
        bad["decision"]["effective_on"] = json!(days_ago(1));
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/divorces", &bad).await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (
                422,
                Some("divorce_effective_before_decision"),
                Some("decision.effective_on")
            ),
            "{e}: {v}"
        );
        let mut early = divorce(marriage, "125/2026/HNGĐ-ST");
        early["decision"]["decided_on"] = json!(days_ago(2));
        early["decision"]["effective_on"] = json!(days_ago(1));
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/divorces", &early).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("divorce_before_marriage")),
            "{e}: {v}"
        );
        let (s, v) = post(
            &app,
            &a.other_officer,
            "/api/v1/civil/divorces",
            &divorce(marriage, "125/2026/HNGĐ-ST"),
        )
        .await;
        assert_eq!(s, 403, "{e}: {v}");

        // The court's divorce recorded: declared, then registered by the signer.
        let (s, d) = post(
            &app,
            &a.officer,
            "/api/v1/civil/divorces",
            &divorce(marriage, "125/2026/HNGĐ-ST"),
        )
        .await;
        assert_eq!(s, 201, "{e}: {d}");
        let divorce_id = d["id"].as_i64().unwrap();
        // Declared is not yet recorded: still married, and one decision per marriage.
        assert_eq!(person_status(&app, &a, mai_id).await.0, "married", "{e}");
        let (s, v) = post(
            &app,
            &a.officer,
            "/api/v1/civil/divorces",
            &divorce(marriage, "126/2026/HNGĐ-ST"),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("divorce_already_declared")),
            "{e}: {v}"
        );
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{divorce_id}/register"),
                Some(&a.signer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        let (s, v) = post(
            &app,
            &a.officer,
            "/api/v1/civil/divorces",
            &divorce(marriage, "126/2026/HNGĐ-ST"),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("marriage_already_ended")),
            "{e}: {v}"
        );
        let (status, explained) = person_status(&app, &a, mai_id).await;
        assert_eq!(status, "divorced", "{e}: {explained}");
        assert!(
            explained.contains("đã ly hôn theo Bản án/Quyết định số 125/2026/HNGĐ-ST"),
            "{e}: {explained}"
        );

        // The divorce's extract prints the decision.
        if let Some(text) = pdf_text(&pdf(&app, &a.officer, divorce_id).await) {
            assert!(text.contains("125/2026/HNGĐ-ST"), "{e}: {text}");
            assert!(text.contains("Trần Thị Mai"), "{e}: {text}");
        }

        // Divorced: the certificate for marrying Bình is issued, says why, and verifies.
        let (s, c) = post(
            &app,
            &a.officer,
            "/api/v1/civil/marital-status",
            &marital_request(to_marry_binh()),
        )
        .await;
        assert_eq!(s, 201, "{e}: {c}");
        let cert_id = c["id"].as_i64().unwrap();
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{cert_id}/register"),
                Some(&a.signer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        let (s, v) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{cert_id}/certificate"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        let code = v["verification_code"].as_str().unwrap().to_string();
        let (s, ver) = verify(&app, &code).await;
        assert_eq!(s, 200);
        assert_eq!(
            (ver["valid"].as_bool(), ver["kind"].as_str()),
            (Some(true), Some("marital_status")),
            "{e}: {ver}"
        );
        assert_eq!(ver["full_name"], "Trần Thị Mai");
        if let Some(text) = pdf_text(&pdf(&app, &a.officer, cert_id).await) {
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains("Đặng Văn Bình"), "{e}: {flat}");
            assert!(flat.contains("125/2026/HNGĐ-ST"), "{e}: {flat}");
            let until = tuphap_core::dates::format_vn(tuphap_core::civil::certificate_valid_until(
                vn_today(),
            ));
            assert!(flat.contains(&until), "{e}: {until} in {flat}");
        }

        // Mai marries Bình.
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/marriages",
            &json!({"husband": binh, "wife": mai}),
        )
        .await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(person_status(&app, &a, mai_id).await.0, "married", "{e}");

        // A new certificate (another purpose) needs the one still valid handed back.
        let other = json!({"kind": "other", "description": "Bổ túc hồ sơ vay vốn ngân hàng"});
        let (s, v) = post(
            &app,
            &a.officer,
            "/api/v1/civil/marital-status",
            &marital_request(other.clone()),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("marital_status_previous_valid")),
            "{e}: {v}"
        );
        let mut returned = marital_request(other);
        returned["previous_certificate_returned"] = json!(true);
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/marital-status", &returned).await;
        assert_eq!(s, 201, "{e}: {v}");
    }
}

#[tokio::test]
async fn marital_status_requests_are_checked_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        // Nobody in the registry yet: "not registered as married to anyone".
        let (s, c) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/marital-status",
            &marital_request(to_marry_binh()),
        )
        .await;
        assert_eq!(s, 200, "{e}: {c}");
        // Field errors.
        for (patch, code, field) in [
            (
                json!({"purpose": {"kind": "marriage"}}),
                "marital_status_spouse_missing",
                "purpose.intended_spouse",
            ),
            (
                json!({"purpose": {"kind": "travel"}}),
                "marital_status_purpose_invalid",
                "purpose.kind",
            ),
            (
                json!({"applicant": {"personal_id": "001095012345"}}),
                "personal_id_sex_mismatch",
                "applicant.personal_id",
            ),
            (
                json!({"residence_from": "1990-01-01"}),
                "marital_status_period_before_birth",
                "residence_from",
            ),
        ] {
            let mut body = marital_request(to_marry_binh());
            for (k, v) in patch.as_object().unwrap() {
                match (body[k].as_object_mut(), v.as_object()) {
                    (Some(obj), Some(fields)) if k == "applicant" => {
                        for (fk, fv) in fields {
                            obj.insert(fk.clone(), fv.clone());
                        }
                    }
                    _ => body[k] = v.clone(),
                }
            }
            let (s, v) = post(&app, &a.officer, "/api/v1/civil/marital-status", &body).await;
            assert_eq!(
                (s, v["code"].as_str(), v["field"].as_str()),
                (422, Some(code), Some(field)),
                "{e}: {v}"
            );
        }
        // The commune of residence only.
        let (s, v) = post(
            &app,
            &a.other_officer,
            "/api/v1/civil/marital-status",
            &marital_request(to_marry_binh()),
        )
        .await;
        assert_eq!(s, 403, "{e}: {v}");
        // A province office does not issue it.
        let (s, _) = post(
            &app,
            &a.hanoi,
            "/api/v1/civil/marital-status",
            &marital_request(to_marry_binh()),
        )
        .await;
        assert_eq!(s, 403, "{e}");
    }
}

/// Must-show of the amendments: a birth's date of birth corrected; the old certificate verifies
/// as superseded, the new one as valid; the history shows both versions; the person and the
/// record summary carry the corrected date.
#[tokio::test]
async fn corrected_birth_supersedes_its_certificate_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let wrong = days_ago(10);
        let right = days_ago(12);
        let birth = json!({
            "child": {"full_name": "Nguyễn Thị Hương", "sex": "female", "date_of_birth": wrong,
                      "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                      "ethnicity_code": "01", "nationality_code": "VN"},
            "mother": {"full_name": "Trần Thị Mai", "date_of_birth": "1995-03-14", "ethnicity_code": "01",
                       "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
            "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
        });
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/births", &birth).await;
        assert_eq!(s, 201, "{e}: {v}");
        let id = v["id"].as_i64().unwrap();
        let correction = json!({
            "target_record_id": id, "kind": "correction",
            "changes": [{"field": "child.date_of_birth", "to": right}],
            "reason": "Ngày sinh ghi sai so với Giấy chứng sinh",
            "legal_basis": "Luật Hộ tịch 2014, Điều 26; Nghị định 123/2015/NĐ-CP, Điều 7",
            "evidence": "Giấy chứng sinh số 123/GCS của Bệnh viện Phụ sản Hà Nội",
            "requester": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
        });
        // Not registered yet: a declared record is returned for completion, not corrected.
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/amendments", &correction).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("amendment_target_not_registered")),
            "{e}: {v}"
        );
        app.call(
            Method::POST,
            &format!("/api/v1/civil/records/{id}/register"),
            Some(&a.signer),
            None,
        )
        .await;
        let cert = format!("/api/v1/civil/records/{id}/certificate");
        let (s, v) = app.call(Method::GET, &cert, Some(&a.officer), None).await;
        assert_eq!(s, 200, "{e}: {v}");
        let old_code = v["verification_code"].as_str().unwrap().to_string();

        // Refusals: unknown field, same value, content the birth rules refuse, wrong kind.
        for (changes, kind, code) in [
            (
                json!([{"field": "child.eye_colour", "to": "nâu"}]),
                "correction",
                "amendment_field_unknown",
            ),
            (
                json!([{"field": "child.date_of_birth", "to": wrong}]),
                "correction",
                "amendment_same_value",
            ),
            (
                json!([{"field": "child.date_of_birth", "to": "2099-01-01"}]),
                "correction",
                "date_in_future",
            ),
            (
                json!([{"field": "child.date_of_birth", "to": right}]),
                "change",
                "amendment_kind_mismatch",
            ),
        ] {
            let mut body = correction.clone();
            body["changes"] = changes;
            body["kind"] = json!(kind);
            let (s, v) = post(&app, &a.officer, "/api/v1/civil/amendments", &body).await;
            assert_eq!((s, v["code"].as_str()), (422, Some(code)), "{e}: {v}");
        }
        let (s, v) = post(
            &app,
            &a.other_officer,
            "/api/v1/civil/amendments",
            &correction,
        )
        .await;
        assert_eq!(s, 403, "{e}: {v}");

        // Declared and registered: the record gets version 2.
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/amendments", &correction).await;
        assert_eq!(s, 200, "{e}: {v}");
        let (_, rec) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{id}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(rec["version"], 2, "{e}: {rec}");
        assert_eq!(rec["data"]["child"]["date_of_birth"], right.as_str());
        assert_eq!(rec["event_date"], right.as_str(), "{e}: summary follows");
        let history = rec["history"].as_array().unwrap();
        assert_eq!(history.len(), 2, "{e}: {rec}");
        assert!(
            history[1]["reason"]
                .as_str()
                .unwrap()
                .starts_with("Cải chính hộ tịch theo hồ sơ số"),
            "{e}: {rec}"
        );
        let child = rec["persons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == "child")
            .and_then(|p| p["person_id"].as_i64())
            .unwrap();
        let (_, person) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/persons/{child}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(person["date_of_birth"], right.as_str(), "{e}: {person}");

        // The old certificate is superseded; the next print is a new, valid one.
        let (_, v) = verify(&app, &old_code).await;
        assert_eq!(
            (v["valid"].as_bool(), v["status"].as_str()),
            (Some(false), Some("superseded")),
            "{e}: {v}"
        );
        let (s, v) = app.call(Method::GET, &cert, Some(&a.officer), None).await;
        assert_eq!(s, 200, "{e}: {v}");
        let new_code = v["verification_code"].as_str().unwrap().to_string();
        assert_ne!(new_code, old_code);
        let (_, v) = verify(&app, &new_code).await;
        assert_eq!(v["valid"], true, "{e}: {v}");
        assert_eq!(
            v["event_date"].as_str(),
            Some(
                tuphap_core::dates::format_vn(tuphap_core::dates::parse_date(&right).unwrap())
                    .as_str()
            ),
            "{e}: {v}"
        );
        // The same value again is refused: the register already says it.
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/amendments", &correction).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("amendment_same_value")),
            "{e}: {v}"
        );
    }
}

/// Must-show of parentage: a recognised father appears on the child's new birth certificate;
/// the earlier certificate (without him) is superseded.
#[tokio::test]
async fn recognised_father_is_on_the_new_birth_certificate_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let birth = json!({
            "child": {"full_name": "Trần Minh Khang", "sex": "male", "date_of_birth": days_ago(20),
                      "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                      "ethnicity_code": "01", "nationality_code": "VN"},
            "mother": {"full_name": "Trần Thị Mai", "date_of_birth": "1995-03-14", "ethnicity_code": "01",
                       "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
            "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
        });
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/births", &birth).await;
        assert_eq!(s, 200, "{e}: {v}");
        let id = v["id"].as_i64().unwrap();
        let cert = format!("/api/v1/civil/records/{id}/certificate");
        let (_, v) = app.call(Method::GET, &cert, Some(&a.officer), None).await;
        let old_code = v["verification_code"].as_str().unwrap().to_string();
        let father = json!({"full_name": "Nguyễn Văn Nam", "date_of_birth": "1993-07-02",
                            "personal_id": "001093012345", "ethnicity_code": "01",
                            "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}});
        let recognition = json!({
            "birth_record_id": id, "role": "father", "parent": father,
            "evidence": "Kết quả giám định ADN số 45/GĐ của Viện Pháp y Quốc gia",
            "requester": {"full_name": "Nguyễn Văn Nam", "relationship": "cha"}
        });
        // A "father" younger than the child is refused.
        let mut young = recognition.clone();
        young["parent"]["date_of_birth"] = json!(days_ago(1));
        young["parent"]["personal_id"] = json!(null);
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/parentage", &young).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("parentage_parent_younger")),
            "{e}: {v}"
        );
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/parentage", &recognition).await;
        assert_eq!(s, 200, "{e}: {v}");
        let (_, rec) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{id}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(rec["version"], 2, "{e}: {rec}");
        assert_eq!(rec["data"]["father"]["full_name"], "Nguyễn Văn Nam");
        let father_id = rec["persons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == "father")
            .and_then(|p| p["person_id"].as_i64())
            .expect("the father is linked to the birth record");
        let (_, person) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/persons/{father_id}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert!(
            person["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|ev| ev["record_id"] == id && ev["role"] == "father"),
            "{e}: {person}"
        );
        // A second recognition of a father is refused.
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/parentage", &recognition).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("parentage_parent_recorded")),
            "{e}: {v}"
        );
        // Old certificate superseded; the new one names the father.
        let (_, v) = verify(&app, &old_code).await;
        assert_eq!(v["status"], "superseded", "{e}: {v}");
        let (s, v) = app.call(Method::GET, &cert, Some(&a.officer), None).await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_ne!(v["verification_code"], old_code.as_str());
        if let Some(text) = pdf_text(&pdf(&app, &a.officer, id).await) {
            assert!(text.contains("Nguyễn Văn Nam"), "{e}: {text}");
        }
    }
}

/// Must-show of adoption: registered, the adoptive parents are on the child's birth record and
/// the child's page; the law's age rules are refused with codes.
#[tokio::test]
async fn adoption_shows_the_adoptive_parents_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let birth = mother_only_birth(
            ("Lê Thị Ngọc", "female", &days_ago(400)),
            ("Lê Thị Hồng", "2000-03-14"),
        );
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/births", &birth).await;
        assert_eq!(s, 200, "{e}: {v}");
        let id = v["id"].as_i64().unwrap();
        let parent = |name: &str, dob: &str, pid: &str| {
            json!({"full_name": name, "date_of_birth": dob, "personal_id": pid, "ethnicity_code": "01",
                   "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}})
        };
        let adoption = json!({
            "birth_record_id": id,
            "adoptive_father": parent("Phạm Văn Hải", "1980-02-02", "001080002222"),
            "adoptive_mother": parent("Vũ Thị Thu", "1982-05-05", "001182005555"),
            "evidence": "Văn bản đồng ý của mẹ đẻ ngày 01/11/2026",
            "requester": {"full_name": "Phạm Văn Hải", "relationship": "cha nuôi"}
        });
        let mut young = adoption.clone();
        young["adoptive_mother"] = parent("Vũ Thị Thu", "2010-05-05", "001310005555");
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/adoptions", &young).await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (
                422,
                Some("adoption_age_gap"),
                Some("adoptive_mother.date_of_birth")
            ),
            "{e}: {v}"
        );
        let mut none = adoption.clone();
        none["adoptive_father"] = json!(null);
        none["adoptive_mother"] = json!(null);
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/adoptions", &none).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("adoption_no_parent")),
            "{e}: {v}"
        );

        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/adoptions", &adoption).await;
        assert_eq!(s, 200, "{e}: {v}");
        let (_, rec) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{id}"),
                Some(&a.officer),
                None,
            )
            .await;
        let roles: Vec<(String, String)> = rec["persons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["role"].as_str().unwrap().to_string(),
                    p["full_name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert!(
            roles.contains(&("adoptive_father".into(), "Phạm Văn Hải".into())),
            "{e}: {roles:?}"
        );
        assert!(
            roles.contains(&("adoptive_mother".into(), "Vũ Thị Thu".into())),
            "{e}: {roles:?}"
        );
        assert!(
            roles.contains(&("mother".into(), "Lê Thị Hồng".into())),
            "{e}: birth mother stays"
        );
        let child = rec["persons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == "child")
            .and_then(|p| p["person_id"].as_i64())
            .unwrap();
        let (_, person) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/persons/{child}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert!(
            person["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|ev| ev["kind"] == "adoption" && ev["role"] == "child"),
            "{e}: {person}"
        );
        // Adopted already.
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/adoptions", &adoption).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("adoption_exists")),
            "{e}: {v}"
        );
    }
}

/// Must-show of the person register: someone born, married and deceased in the registry has
/// the three events on their page and the status "deceased".
#[tokio::test]
async fn born_married_deceased_person_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        // A late birth registration of a man born in 1990 (the registry allows it, flagged late).
        let birth = json!({
            "child": {"full_name": "Hoàng Văn Long", "sex": "male", "date_of_birth": "1990-06-01",
                      "place_of_birth": {"admin_unit_code": "00004"}, "ethnicity_code": "01", "nationality_code": "VN"},
            "mother": {"full_name": "Hoàng Thị Lụa", "date_of_birth": "1965-01-01", "ethnicity_code": "01",
                       "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
            "declarant": {"full_name": "Hoàng Văn Long", "relationship": "bản thân"}
        });
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/births", &birth).await;
        assert_eq!(s, 200, "{e}: {v}");
        let (_, rec) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{}", v["id"]),
                Some(&a.officer),
                None,
            )
            .await;
        let long = child_of(&rec);
        // The population database assigns his personal ID; later procedures find him by it.
        set_personal_id(&app, long, "001090006001").await;
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/marriages",
            &json!({"husband": spouse("Hoàng Văn Long", "1990-06-01", "001090006001"),
                    "wife": spouse("Đỗ Thị Hạnh", "1992-02-02", "001192002002")}),
        )
        .await;
        assert_eq!(s, 200, "{e}: {v}");
        let death = json!({
            "deceased": {"personal_id": "001090006001", "full_name": "Hoàng Văn Long", "sex": "male",
                         "date_of_birth": "1990-06-01", "residence": {"admin_unit_code": "00004"}},
            // The marriage was registered today: he dies after it.
            "date_of_death": days_ago(0),
            "place_of_death": {"admin_unit_code": "00004"},
            "declarant": {"full_name": "Đỗ Thị Hạnh", "relationship": "vợ"}
        });
        // A death dated before his marriage was registered is refused.
        let mut early = death.clone();
        early["date_of_death"] = json!(days_ago(3));
        let (s, v) = post(&app, &a.officer, "/api/v1/civil/deaths", &early).await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (422, Some("death_before_marriage"), Some("date_of_death")),
            "{e}: {v}"
        );
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/deaths", &death).await;
        assert_eq!(s, 200, "{e}: {v}");
        let (s, person) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/persons/{long}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {person}");
        let kinds: Vec<(&str, &str)> = person["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|ev| (ev["kind"].as_str().unwrap(), ev["role"].as_str().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("birth", "child"),
                ("marriage", "husband"),
                ("death", "deceased")
            ],
            "{e}: {person}"
        );
        assert_eq!(person["civil_status"], "deceased", "{e}: {person}");
        // His widow is widowed.
        let marriage = person["events"][1]["record_id"].as_i64().unwrap();
        let (_, m) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{marriage}"),
                Some(&a.officer),
                None,
            )
            .await;
        let widow = m["persons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == "wife")
            .and_then(|p| p["person_id"].as_i64())
            .unwrap();
        let (status, _) = person_status(&app, &a, widow).await;
        assert_eq!(status, "widowed", "{e}");
    }
}

//! Births registered before, entered into the register again, on both engines: re-registration
//! of a lost birth record (Nghị định 123/2015/NĐ-CP, Điều 24–26) and recording of a birth
//! registered abroad (Luật Hộ tịch 2014, Điều 48–50).

use reqwest::Method;
use serde_json::{Value, json};

use crate::api_civil::{actors, days_ago, declare_and_register, pdf_text};
use crate::support::{TestApp, spawn_apps};

fn birth(dob: &str, place: Value, earlier: Value) -> Value {
    json!({
        "child": {"full_name": "Vũ Minh Đức", "sex": "male", "date_of_birth": dob,
                  "place_of_birth": place, "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Vũ Thị Lan", "date_of_birth": "1970-02-02", "ethnicity_code": "01",
                   "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Vũ Minh Đức", "relationship": "bản thân"},
        "earlier_registration": earlier
    })
}

fn re_registration(on: &str) -> Value {
    json!({"kind": "re_registration", "authority": "UBND xã Tiên Phong, huyện Mê Linh, tỉnh Vĩnh Phúc",
           "country_code": null, "authority_unit_code": null, "registered_on": on,
           "reference": "Số 45, Quyển số 01/1998",
           "evidence": "Bản sao Giấy khai sinh cấp năm 1998; học bạ tiểu học",
           "residence": {"admin_unit_code": "00004"}})
}

fn abroad(country: &str) -> Value {
    json!({"kind": "abroad", "authority": "Mairie du 15e arrondissement, Paris",
           "country_code": country, "authority_unit_code": null, "registered_on": days_ago(190),
           "reference": "N° 1234", "evidence": "Acte de naissance, hợp pháp hóa lãnh sự, bản dịch",
           "residence": {"admin_unit_code": "00004"}})
}

async fn certificate_text(app: &TestApp, token: &str, id: i64) -> Option<String> {
    let resp = app
        .client
        .get(app.at(&format!("/api/v1/civil/records/{id}/certificate.pdf")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Lines wrap anywhere: compare with single spaces.
    pdf_text(&resp.bytes().await.unwrap())
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[tokio::test]
async fn births_registered_before_are_entered_again_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let post = |token: String, body: Value| {
            let app = &app;
            async move {
                app.call(
                    Method::POST,
                    "/api/v1/civil/births",
                    Some(&token),
                    Some(&body),
                )
                .await
            }
        };
        let in_hanoi = json!({"admin_unit_code": "00004", "detail": "Bệnh viện Bạch Mai"});

        // Re-registration: only registrations before 01/01/2016 (NĐ 123/2015 Điều 24).
        let (s, v) = post(
            a.officer.clone(),
            birth(
                "1998-05-01",
                in_hanoi.clone(),
                re_registration("2017-03-01"),
            ),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (
                422,
                Some("re_registration_too_recent"),
                Some("earlier_registration.registered_on")
            ),
            "{e}: {v}"
        );
        let mut no_evidence = birth(
            "1998-05-01",
            in_hanoi.clone(),
            re_registration("1998-05-20"),
        );
        no_evidence["earlier_registration"]["evidence"] = json!(" ");
        let (s, v) = post(a.officer.clone(), no_evidence).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("earlier_registration_field_required")),
            "{e}: {v}"
        );
        // Another commune, where the requester does not live, is not competent (Điều 25).
        let declaration = birth(
            "1998-05-01",
            in_hanoi.clone(),
            re_registration("1998-05-20"),
        );
        let (s, v) = post(a.other_officer.clone(), declaration.clone()).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (403, Some("civil_office_not_competent")),
            "{e}: {v}"
        );
        assert!(
            v["message"]
                .as_str()
                .unwrap_or_default()
                .contains("Điều 25"),
            "{e}: {v}"
        );
        // Born 28 years ago, yet not late: it was registered in time, then lost.
        let (s, v) = post(a.officer.clone(), declaration).await;
        assert_eq!((s, v["late"].as_bool()), (201, Some(false)), "{e}: {v}");
        let id = v["id"].as_i64().unwrap();
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{id}/register"),
                Some(&a.signer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        if let Some(text) = certificate_text(&app, &a.officer, id).await {
            assert!(text.contains("Đăng ký lại"), "{e}: {text}");
            assert!(text.contains("Tiên Phong"), "{e}: {text}");
        }

        // Recording a birth registered abroad: the place is abroad, the country is not Việt Nam.
        let paris = json!({"admin_unit_code": "", "detail": "Paris, Cộng hòa Pháp"});
        let (s, v) = post(
            a.officer.clone(),
            birth(&days_ago(200), in_hanoi.clone(), abroad("FR")),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("recording_place_in_vietnam")),
            "{e}: {v}"
        );
        let (s, v) = post(
            a.officer.clone(),
            birth(&days_ago(200), paris.clone(), abroad("VN")),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("earlier_registration_country_invalid")),
            "{e}: {v}"
        );
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/births",
            &birth(&days_ago(200), paris, abroad("FR")),
        )
        .await;
        assert_eq!(s, 200, "{e}: {v}");
        let id = v["id"].as_i64().unwrap();
        let (s, rec) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{id}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {rec}");
        assert_eq!(rec["late"], false, "{e}: {rec}");
        assert_eq!(
            rec["data"]["earlier_registration"]["kind"], "abroad",
            "{e}: {rec}"
        );
        if let Some(text) = certificate_text(&app, &a.officer, id).await {
            assert!(text.contains("Paris"), "{e}: {text}");
            assert!(text.contains("Điều 48"), "{e}: {text}");
        }
    }
}

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

fn spouse(name: &str, dob: &str, nationality: &str, residence: Value) -> Value {
    json!({"full_name": name, "date_of_birth": dob, "personal_id": null, "ethnicity_code": "01",
           "nationality_code": nationality, "residence": residence})
}

fn marriage(wife: Value, husband: Value, earlier: Value) -> Value {
    json!({"wife": wife, "husband": husband, "earlier_registration": earlier})
}

fn death(name: &str, dod: &str, place: Value, earlier: Value) -> Value {
    json!({
        "deceased": {"full_name": name, "sex": "male", "date_of_birth": "1940",
                     "ethnicity_code": "01", "nationality_code": "VN", "residence": null},
        "date_of_death": dod, "place_of_death": place, "cause": null,
        "declarant": {"full_name": "Phạm Thị Hoa", "relationship": "con"},
        "earlier_registration": earlier
    })
}

fn abroad_in(country: &str, authority: &str, on: &str) -> Value {
    json!({"kind": "abroad", "authority": authority, "country_code": country,
           "authority_unit_code": null, "registered_on": on, "reference": "N° 77",
           "evidence": "Giấy tờ do nước ngoài cấp, hợp pháp hóa lãnh sự, bản dịch",
           "residence": {"admin_unit_code": "00004"}})
}

async fn record(app: &TestApp, token: &str, id: i64) -> Value {
    let (s, rec) = app
        .call(
            Method::GET,
            &format!("/api/v1/civil/records/{id}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{rec}");
    rec
}

/// Marriages and deaths registered before, entered again, on both engines: re-registration
/// (Nghị định 123/2015/NĐ-CP, Điều 24, 25, 27, 28) and recording of an event registered abroad
/// (Luật Hộ tịch 2014, Điều 48, 50).
#[tokio::test]
async fn marriages_and_deaths_registered_before_are_entered_again_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let here = json!({"admin_unit_code": "00004"});

        // A marriage of 1995 registered again: not late, dated 1995 (Điều 27.3), the note on the
        // certificate.
        let mut earlier = re_registration("1995-06-10");
        earlier["evidence"] = json!("Bản sao Giấy chứng nhận kết hôn cấp năm 1995");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/marriages",
                Some(&a.officer),
                Some(&marriage(
                    spouse("Đỗ Thị Hạnh", "1972-04-02", "VN", here.clone()),
                    spouse("Ngô Văn Khải", "1970-09-15", "VN", here.clone()),
                    earlier.clone(),
                )),
            )
            .await;
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
        let rec = record(&app, &a.officer, id).await;
        assert_eq!(
            (rec["status"].as_str(), rec["late"].as_bool()),
            (Some("registered"), Some(false)),
            "{e}: {rec}"
        );
        assert_eq!(rec["event_date"], "1995-06-10", "{e}: {rec}");
        if let Some(text) = certificate_text(&app, &a.officer, id).await {
            assert!(
                text.contains("Đăng ký lại; đã đăng ký kết hôn ngày 10/06/1995"),
                "{e}: {text}"
            );
            assert!(text.contains("Tiên Phong"), "{e}: {text}");
        }
        // Registered in 2017: still in the electronic database, not registered again (Điều 24).
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/marriages",
                Some(&a.officer),
                Some(&marriage(
                    spouse("Lý Thị Thu", "1985-01-02", "VN", here.clone()),
                    spouse("Tạ Văn Lâm", "1983-03-04", "VN", here.clone()),
                    re_registration("2017-03-01"),
                )),
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

        // A marriage abroad with a French husband living in France: only the Vietnamese wife's
        // residence counts (LHT Điều 48).
        let paris = json!({"admin_unit_code": "", "detail": "Paris, Cộng hòa Pháp"});
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/marriages",
            &marriage(
                spouse("Hoàng Thị Mai", "1994-05-06", "VN", here.clone()),
                spouse("Pierre Martin", "1990-07-08", "FR", paris.clone()),
                abroad_in("FR", "Mairie de Paris", &days_ago(120)),
            ),
        )
        .await;
        assert_eq!(s, 200, "{e}: {v}");
        let id = v["id"].as_i64().unwrap();
        let rec = record(&app, &a.officer, id).await;
        assert_eq!(rec["status"], "registered", "{e}: {rec}");
        if let Some(text) = certificate_text(&app, &a.officer, id).await {
            assert!(
                text.contains("Ghi vào Sổ hộ tịch việc kết hôn"),
                "{e}: {text}"
            );
        }
        // The wife was 16 on the day of that marriage: refused by the rules of that day
        // (LHT Điều 50; HN&GĐ 2014 Điều 8), though she is of age today.
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/marriages",
                Some(&a.officer),
                Some(&marriage(
                    spouse("Trịnh Thị Ngọc", "2000-01-10", "VN", here.clone()),
                    spouse("Jean Dupont", "1995-02-03", "FR", paris.clone()),
                    abroad_in("FR", "Mairie de Lyon", "2016-06-01"),
                )),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("marriage_wife_under_age")),
            "{e}: {v}"
        );

        // A death abroad: the place in words; the person is dead.
        let osaka = json!({"admin_unit_code": "", "detail": "Thành phố Osaka, Nhật Bản"});
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/deaths",
            &death(
                "Phạm Văn Toàn",
                &days_ago(30),
                osaka,
                abroad_in("JP", "Tòa thị chính Osaka", &days_ago(25)),
            ),
        )
        .await;
        assert_eq!(s, 200, "{e}: {v}");
        let id = v["id"].as_i64().unwrap();
        let rec = record(&app, &a.officer, id).await;
        assert_eq!(
            (rec["status"].as_str(), rec["late"].as_bool()),
            (Some("registered"), Some(false)),
            "{e}: {rec}"
        );
        let person = rec["persons"][0]["person_id"].as_i64().unwrap();
        let (s, p) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/persons/{person}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {p}");
        assert_eq!(p["civil_status"], "deceased", "{e}: {p}");
        if let Some(text) = certificate_text(&app, &a.officer, id).await {
            assert!(text.contains("Osaka"), "{e}: {text}");
            assert!(
                text.contains("Ghi vào Sổ hộ tịch việc khai tử"),
                "{e}: {text}"
            );
        }

        // A death of 1990 registered again: not late, the note on the extract (Điều 28).
        let mut earlier = re_registration("1990-01-05");
        earlier["evidence"] = json!("Bản sao Giấy chứng tử cấp năm 1990");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/deaths",
                Some(&a.officer),
                Some(&death("Phạm Văn Quý", "1990-01-02", here.clone(), earlier)),
            )
            .await;
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
            assert!(
                text.contains("Đăng ký lại; đã đăng ký khai tử ngày 05/01/1990"),
                "{e}: {text}"
            );
        }
    }
}

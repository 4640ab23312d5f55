//! Certified copies of register extracts (bản sao trích lục hộ tịch, Luật Hộ tịch 2014, Điều
//! 63–64) over the API, on both engines: the fee per copy and the count of copies issued, the
//! exemptions of Điều 11, refusals, another commune issuing a copy, the PDF, the audit entry,
//! the verification of a copy superseded by an amendment, a province's own fee.

use reqwest::Method;
use serde_json::{Value, json};
use tuphap_core::dates::vn_today;

use crate::api_civil::{actors, days_ago, declare_and_register, pdf_text, spouse, verify};
use crate::support::{TestApp, spawn_apps};

fn birth(child: &str) -> Value {
    json!({
        "child": {"full_name": child, "sex": "female", "date_of_birth": days_ago(5),
                  "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                  "ethnicity_code": "01", "nationality_code": "VN", "home_town": "Nam Định"},
        "mother": {"full_name": "Trần Thị Mai", "date_of_birth": "1995-03-14",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004", "detail": "12 phố Quán Thánh"}},
        "father": {"full_name": "Nguyễn Văn Nam", "date_of_birth": "1993-07-02",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
    })
}

/// The text with runs of whitespace as one space (`pdftotext` breaks long lines).
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn request(copies: i64) -> Value {
    json!({"copies": copies, "requester": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}})
}

async fn issue(app: &TestApp, token: &str, id: i64, body: &Value) -> (u16, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/civil/records/{id}/extracts"),
        Some(token),
        Some(body),
    )
    .await
}

async fn list(app: &TestApp, token: &str, id: i64) -> (u16, Value) {
    app.call(
        Method::GET,
        &format!("/api/v1/civil/records/{id}/extracts"),
        Some(token),
        None,
    )
    .await
}

async fn pdf(app: &TestApp, token: &str, url: &str) -> (u16, Vec<u8>) {
    let r = app
        .client
        .get(app.at(url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    if status == 200 {
        assert_eq!(r.headers()["content-type"], "application/pdf");
    }
    (status, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn extract_copies_fees_counts_and_refusals_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let year = vn_today().year();

        // A declared record has no extract yet.
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&a.officer),
                Some(&birth("Nguyễn Thị Hương")),
            )
            .await;
        assert_eq!(s, 201, "{e}: {v}");
        let id = v["id"].as_i64().unwrap();
        let (s, v) = issue(&app, &a.officer, id, &request(3)).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("extract_record_not_registered")),
            "{e}: {v}"
        );
        assert!(
            v["message"].as_str().unwrap().contains("chưa được đăng ký"),
            "{e}: {v}"
        );
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{id}/register"),
                Some(&a.signer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");

        // 3 copies at 8,000 đồng each (national default).
        let (s, v) = issue(&app, &a.officer, id, &request(3)).await;
        assert_eq!(s, 201, "{e}: {v}");
        assert_eq!(
            (
                v["copies"].as_i64(),
                v["fee_per_copy"].as_i64(),
                v["fee_total"].as_i64(),
                v["total_copies_issued"].as_i64(),
                v["serial"].as_i64(),
            ),
            (Some(3), Some(8000), Some(24000), Some(3), Some(1)),
            "{e}: {v}"
        );
        assert!(v["exemption"].is_null(), "{e}: {v}");
        assert!(
            v["fee_basis"].as_str().unwrap().contains("281/2016/TT-BTC"),
            "{e}: {v}"
        );
        let first_code = v["verification_code"].as_str().unwrap().to_string();
        assert!(first_code.starts_with("VNHT1."), "{e}: {v}");
        let first_pdf = v["pdf_url"].as_str().unwrap().to_string();
        assert_eq!(
            first_pdf,
            format!(
                "/api/v1/civil/records/{id}/extracts/{}/pdf",
                v["id"].as_i64().unwrap()
            )
        );
        assert!(
            v["verify_url"]
                .as_str()
                .unwrap()
                .starts_with("/verify?code=VNHT1.")
        );

        // 2 more, sent with an Idempotency-Key and retried: one issuance, 5 copies in all.
        let key = "extract-retry-1";
        let mut answers = Vec::new();
        for _ in 0..2 {
            let r = app
                .client
                .post(app.at(&format!("/api/v1/civil/records/{id}/extracts")))
                .bearer_auth(&a.officer)
                .header("idempotency-key", key)
                .json(&request(2))
                .send()
                .await
                .unwrap();
            let replayed = r.headers().get("idempotent-replayed").is_some();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            answers.push((status, replayed, body));
        }
        assert_eq!((answers[0].0, answers[0].1), (201, false), "{e}");
        assert_eq!((answers[1].0, answers[1].1), (201, true), "{e}");
        assert_eq!(answers[0].2, answers[1].2, "{e}: the same answer replayed");
        assert_eq!(
            (
                answers[0].2["fee_total"].as_i64(),
                answers[0].2["total_copies_issued"].as_i64(),
                answers[0].2["serial"].as_i64(),
            ),
            (Some(16000), Some(5), Some(2)),
            "{e}"
        );

        // Refusals, each with its code and field.
        for (body, status, code, field) in [
            (request(0), 422, "extract_copies_invalid", Some("copies")),
            (request(51), 422, "extract_copies_invalid", Some("copies")),
            (
                json!({"copies": 1, "exemption": "student",
                       "requester": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}}),
                422,
                "extract_exemption_unknown",
                Some("exemption"),
            ),
            (
                json!({"copies": 1, "requester": {"full_name": "  ", "relationship": "mẹ"}}),
                422,
                "extract_requester_missing",
                Some("requester.full_name"),
            ),
            (
                json!({"copies": 1, "requester": {"full_name": "Trần Thị Mai", "relationship": ""}}),
                422,
                "extract_requester_missing",
                Some("requester.relationship"),
            ),
        ] {
            let (s, v) = issue(&app, &a.officer, id, &body).await;
            assert_eq!(
                (s, v["code"].as_str(), v["field"].as_str()),
                (status, Some(code), field),
                "{e}: {body} → {v}"
            );
            let message = v["message"].as_str().unwrap();
            assert_eq!(message, tuphap_core::text::nfc(message), "{e}: NFC message");
        }
        let (s, v) = issue(
            &app,
            &a.officer,
            id,
            &json!({"copies": 1, "requester": {"full_name": "Trần Thị Mai 😀", "relationship": "mẹ"}}),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (
                422,
                Some("extract_requester_invalid"),
                Some("requester.full_name")
            ),
            "{e}: {v}"
        );
        let (s, v) = issue(&app, &a.officer, 999_999, &request(1)).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (404, Some("civil_record_not_found")),
            "{e}: {v}"
        );
        // The province's department reads the registry but does not issue copies.
        let (s, _) = issue(&app, &a.hanoi, id, &request(1)).await;
        assert_eq!(s, 403, "{e}");

        // Another commune (Hồng Hà) cannot read the record but issues a copy of it (Luật Hộ
        // tịch 2014, Điều 64), here fee-exempt for a poor household (Điều 11).
        let (s, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{id}"),
                Some(&a.other_officer),
                None,
            )
            .await;
        assert_eq!(s, 403, "{e}");
        let exempt = json!({"copies": 1, "exemption": "poor_household",
                            "requester": {"full_name": "Nguyễn Thị Hương", "relationship": "bản thân"}});
        let (s, v) = issue(&app, &a.other_officer, id, &exempt).await;
        assert_eq!(s, 201, "{e}: {v}");
        assert_eq!(
            (
                v["fee_per_copy"].as_i64(),
                v["fee_total"].as_i64(),
                v["exemption"].as_str(),
                v["exemption_label"].as_str(),
                v["office_code"].as_str(),
                v["total_copies_issued"].as_i64(),
            ),
            (
                Some(0),
                Some(0),
                Some("poor_household"),
                Some("Người thuộc hộ nghèo"),
                Some("00097"),
                Some(6)
            ),
            "{e}: {v}"
        );
        let other_pdf = v["pdf_url"].as_str().unwrap().to_string();

        // The list: everything for the registering office, with the count of copies; the other
        // commune sees its own issuance and the totals.
        let (s, l) = list(&app, &a.officer, id).await;
        assert_eq!(s, 200, "{e}: {l}");
        assert_eq!(
            (
                l["total_copies"].as_i64(),
                l["issuances"].as_i64(),
                l["hidden"].as_i64()
            ),
            (Some(6), Some(3), Some(0)),
            "{e}: {l}"
        );
        let rows = l["extracts"].as_array().unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| r["copies"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            [3, 2, 1]
        );
        assert_eq!(rows[2]["exemption"], "poor_household", "{e}: reason stored");
        assert_eq!(rows[2]["fee_total"], 0);
        assert_eq!(rows[2]["requester"]["relationship"], "bản thân", "{e}: {l}");
        let (s, l) = list(&app, &a.other_officer, id).await;
        assert_eq!(s, 200, "{e}: {l}");
        assert_eq!(
            (
                l["total_copies"].as_i64(),
                l["extracts"].as_array().unwrap().len(),
                l["hidden"].as_i64()
            ),
            (Some(6), 1, Some(2)),
            "{e}: {l}"
        );
        let (s, _) = list(&app, &a.hcm, id).await;
        assert_eq!(s, 403, "{e}: outside the jurisdiction, not an issuer");

        // The PDF: "BẢN SAO", the child, the register entry, copies and fee.
        let (s, bytes) = pdf(&app, &a.officer, &first_pdf).await;
        assert_eq!(s, 200, "{e}");
        assert!(bytes.starts_with(b"%PDF"), "{e}");
        if let Some(text) = pdf_text(&bytes).map(|t| squash(&t)) {
            for want in [
                "BẢN SAO",
                "TRÍCH LỤC KHAI SINH",
                "Nguyễn Thị Hương",
                "Trần Thị Mai",
                &format!("Số: 1, Quyển số: 01/{year}"),
                "UBND Phường Ba Đình",
                "24.000 đồng",
                &tuphap_core::dates::format_vn(vn_today()),
            ] {
                assert!(text.contains(want), "{e}: {want:?} not in {text}");
            }
        }
        let (s, bytes) = pdf(&app, &a.other_officer, &other_pdf).await;
        assert_eq!(s, 200, "{e}: the issuing office prints its copy");
        if let Some(text) = pdf_text(&bytes).map(|t| squash(&t)) {
            assert!(text.contains("Miễn"), "{e}: {text}");
            assert!(text.contains("UBND PHƯỜNG HỒNG HÀ"), "{e}: {text}");
        }
        let (s, _) = pdf(&app, &a.other_officer, &first_pdf).await;
        assert_eq!(s, 403, "{e}: not its copy, not its record");
        let with_purpose = format!("{first_pdf}?purpose=inspection&purpose_ref=KT-01");
        let (s, _) = pdf(&app, &a.hanoi, &with_purpose).await;
        assert_eq!(s, 200, "{e}: the province reads the record");
        let (s, v) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{id}/extracts/999999/pdf"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (404, Some("extract_not_found")),
            "{e}"
        );

        // The audit log: one entry per issuance on the record, the exemption as its reason.
        let entries = app
            .store
            .audit_entries_of_target("civil_record", &id.to_string(), None, 200)
            .await
            .unwrap();
        let issued: Vec<_> = entries
            .iter()
            .filter(|x| x.action == "civil.extract.issue")
            .collect();
        assert_eq!(issued.len(), 3, "{e}: {entries:?}");
        assert!(
            issued.iter().any(|x| {
                x.reason.as_deref() == Some("Miễn phí: Người thuộc hộ nghèo")
                    && x.actor_office.as_deref() == Some("00097")
            }),
            "{e}: {issued:?}"
        );
        assert!(
            issued.iter().any(|x| {
                let d: Value = serde_json::from_str(x.details.as_deref().unwrap_or("{}")).unwrap();
                d["fee_total"] == 24000 && d["copies"] == 3
            }),
            "{e}: {issued:?}"
        );
        assert!(
            entries.iter().any(|x| x.action == "civil.extract.print"),
            "{e}"
        );

        // Verification: the copy is valid; after an amendment it is superseded, a new copy shows
        // the corrected name and is valid.
        let (_, v) = verify(&app, &first_code).await;
        assert_eq!(
            (
                v["valid"].as_bool(),
                v["kind"].as_str(),
                v["full_name"].as_str()
            ),
            (Some(true), Some("extract"), Some("Nguyễn Thị Hương")),
            "{e}: {v}"
        );
        assert_eq!(
            v["office_name"], "UBND Phường Ba Đình",
            "{e}: the register's office"
        );
        let correction = json!({
            "target_record_id": id, "kind": "correction",
            "changes": [{"field": "child.full_name", "to": "Nguyễn Thị Hường"}],
            "reason": "Tên ghi sai so với Giấy chứng sinh",
            "legal_basis": "Luật Hộ tịch 2014, Điều 26; Nghị định 123/2015/NĐ-CP, Điều 7",
            "evidence": "Giấy chứng sinh số 123/GCS của Bệnh viện Phụ sản Hà Nội",
            "requester": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
        });
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/amendments", &correction).await;
        assert_eq!(s, 200, "{e}: {v}");
        let amendment = v["id"].as_i64().unwrap();
        let (_, v) = verify(&app, &first_code).await;
        assert_eq!(
            (v["valid"].as_bool(), v["status"].as_str()),
            (Some(false), Some("superseded")),
            "{e}: {v}"
        );
        let (_, l) = list(&app, &a.officer, id).await;
        assert_eq!(l["extracts"][0]["superseded"], true, "{e}: {l}");
        let (s, v) = issue(&app, &a.officer, id, &request(1)).await;
        assert_eq!(s, 201, "{e}: {v}");
        assert_eq!(
            (
                v["record_version"].as_i64(),
                v["total_copies_issued"].as_i64()
            ),
            (Some(2), Some(7)),
            "{e}: {v}"
        );
        let (_, check) = verify(&app, v["verification_code"].as_str().unwrap()).await;
        assert_eq!(
            (check["valid"].as_bool(), check["full_name"].as_str()),
            (Some(true), Some("Nguyễn Thị Hường")),
            "{e}: {check}"
        );
        let (s, bytes) = pdf(&app, &a.officer, v["pdf_url"].as_str().unwrap()).await;
        assert_eq!(s, 200, "{e}");
        if let Some(text) = pdf_text(&bytes).map(|t| squash(&t)) {
            assert!(text.contains("Nguyễn Thị Hường"), "{e}: {text}");
        }
        // The amendment is a registered record too: its copy is a generic summary.
        let (s, v) = issue(&app, &a.officer, amendment, &request(1)).await;
        assert_eq!(s, 201, "{e}: {v}");
        let (s, bytes) = pdf(&app, &a.officer, v["pdf_url"].as_str().unwrap()).await;
        assert_eq!(s, 200, "{e}");
        if let Some(text) = pdf_text(&bytes).map(|t| squash(&t)) {
            assert!(
                text.contains("TRÍCH LỤC THAY ĐỔI, CẢI CHÍNH, BỔ SUNG HỘ TỊCH"),
                "{e}: {text}"
            );
            assert!(text.contains("Nguyễn Thị Hường"), "{e}: {text}");
            assert!(
                text.contains("từ “Nguyễn Thị Hương” thành “Nguyễn Thị Hường”"),
                "{e}: {text}"
            );
        }
        assert!(app.store.verify_audit().await.unwrap().is_intact(), "{e}");
    }
}

/// Deaths and marriages print their own content on the copy.
#[tokio::test]
async fn extracts_of_deaths_and_marriages_print_their_content_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let death = json!({
            "deceased": {"personal_id": "001045000123", "full_name": "Trần Văn Bình", "sex": "male",
                         "date_of_birth": "1945-05-19", "residence": {"admin_unit_code": "00004"}},
            "date_of_death": days_ago(3),
            "place_of_death": {"admin_unit_code": "00004", "detail": "Tại nhà"},
            "cause": "Bệnh già",
            "declarant": {"full_name": "Trần Thị Mai", "relationship": "con"}
        });
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/deaths", &death).await;
        assert_eq!(s, 200, "{e}: {v}");
        let death_id = v["id"].as_i64().unwrap();
        let marriage = json!({
            "husband": spouse("Nguyễn Văn Nam", "1993-07-02", "001093012345"),
            "wife": spouse("Lê Thị Lan", "1995-03-14", "001195012345"),
        });
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/marriages", &marriage).await;
        assert_eq!(s, 200, "{e}: {v}");
        let marriage_id = v["id"].as_i64().unwrap();
        for (record, title, names, fee) in [
            (
                death_id,
                "TRÍCH LỤC KHAI TỬ",
                vec!["Trần Văn Bình", "Bệnh già"],
                "16.000 đồng",
            ),
            (
                marriage_id,
                "TRÍCH LỤC KẾT HÔN",
                vec!["Nguyễn Văn Nam", "Lê Thị Lan"],
                "16.000 đồng",
            ),
        ] {
            let (s, v) = issue(&app, &a.signer, record, &request(2)).await;
            assert_eq!(
                (
                    s,
                    v["fee_total"].as_i64(),
                    v["total_copies_issued"].as_i64()
                ),
                (201, Some(16000), Some(2)),
                "{e}: {v}"
            );
            let (_, check) = verify(&app, v["verification_code"].as_str().unwrap()).await;
            assert_eq!(check["valid"], true, "{e}: {check}");
            let (s, bytes) = pdf(&app, &a.signer, v["pdf_url"].as_str().unwrap()).await;
            assert_eq!(s, 200, "{e}");
            if let Some(text) = pdf_text(&bytes).map(|t| squash(&t)) {
                assert!(text.contains("BẢN SAO"), "{e}: {text}");
                assert!(text.contains(title), "{e}: {title} not in {text}");
                assert!(text.contains(fee), "{e}: {text}");
                for n in names {
                    assert!(text.contains(n), "{e}: {n} not in {text}");
                }
            }
        }
        let (_, check) = verify(
            &app,
            issue(&app, &a.officer, marriage_id, &request(1)).await.1["verification_code"]
                .as_str()
                .unwrap(),
        )
        .await;
        assert_eq!(
            (check["full_name"].as_str(), check["second_name"].as_str()),
            (Some("Lê Thị Lan"), Some("Nguyễn Văn Nam")),
            "{e}: {check}"
        );
    }
}

/// A province's own amount (resolution of its People's Council, Thông tư 85/2019/TT-BTC, Điều 3)
/// overrides the national default for its offices from its effective date.
#[tokio::test]
async fn a_province_fee_overrides_the_default_from_its_effective_date_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        app.add_user("canbo.thudaumot", "officer", "25747").await;
        let hcm_officer = app.token("canbo.thudaumot").await;
        let mut tx = app.store.begin().await.unwrap();
        for (from, amount) in [
            (vn_today(), 10_000),
            (vn_today() + time::Duration::days(1), 12_000),
        ] {
            tx.fee_insert(&tuphap_store::extracts::NewFee {
                province_code: Some("79".into()),
                service: "extract_copy".into(),
                channel: "counter".into(),
                effective_from: from,
                amount_vnd: amount,
                legal_basis: "Nghị quyết của HĐND Thành phố Hồ Chí Minh (thử nghiệm)".into(),
            })
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let quote = |token: String, q: &'static str| {
            let app = &app;
            async move {
                app.call(
                    Method::GET,
                    &format!("/api/v1/civil/extracts/fee?{q}"),
                    Some(&token),
                    None,
                )
                .await
            }
        };
        let (s, v) = quote(hcm_officer.clone(), "copies=2").await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(
            (
                v["tariff_per_copy"].as_i64(),
                v["fee_total"].as_i64(),
                v["fee_province"].as_str()
            ),
            (Some(10_000), Some(20_000), Some("79")),
            "{e}: today's row, not tomorrow's: {v}"
        );
        let (_, v) = quote(a.officer.clone(), "copies=2").await;
        assert_eq!(
            (v["fee_total"].as_i64(), v["fee_province"].as_str()),
            (Some(16_000), None),
            "{e}: Hà Nội keeps the national default: {v}"
        );
        let (_, v) = quote(hcm_officer.clone(), "copies=2&exemption=disability").await;
        assert_eq!(
            (v["fee_total"].as_i64(), v["exemption_label"].as_str()),
            (Some(0), Some("Người khuyết tật")),
            "{e}: {v}"
        );
        let (s, v) = quote(hcm_officer.clone(), "copies=0").await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("extract_copies_invalid")),
            "{e}: {v}"
        );
        // The HCM commune issues a copy of a Hà Nội birth at its own province's amount.
        let (s, v) =
            declare_and_register(&app, &a, "/api/v1/civil/births", &birth("Nguyễn Thị Hoa")).await;
        assert_eq!(s, 200, "{e}: {v}");
        let id = v["id"].as_i64().unwrap();
        let (s, v) = issue(&app, &hcm_officer, id, &request(3)).await;
        assert_eq!(
            (s, v["fee_per_copy"].as_i64(), v["fee_total"].as_i64()),
            (201, Some(10_000), Some(30_000)),
            "{e}: {v}"
        );
        assert!(
            v["fee_basis"].as_str().unwrap().contains("HĐND"),
            "{e}: {v}"
        );
    }
}

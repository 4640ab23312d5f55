//! The original paper of every registration without a form of its own (Luật Hộ tịch 2014, Điều
//! 62: each registration issues one original trích lục): guardianships, changes of guardian and
//! their end, adoptions (Giấy chứng nhận nuôi con nuôi, Luật Nuôi con nuôi 2010, Điều 22) and
//! their end, recognitions of a parent, amendments — printed through `certificate.pdf` with the
//! same signed code as the other certificates, verified valid, superseded and revoked, and
//! offered on the record page. On both engines.

use reqwest::Method;
use serde_json::{Value, json};
use tuphap_core::dates::{format_vn, parse_date, vn_today};

use crate::api_civil::{
    Actors, actors, days_ago, declare_and_register, mother_only_birth, pdf_text, verify,
};
use crate::support::{TestApp, login_as, spawn_apps};

/// The text with runs of whitespace as one space (`pdftotext` breaks long lines).
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn person(name: &str, sex: &str, dob: &str, pid: Option<&str>) -> Value {
    json!({"full_name": name, "sex": sex, "date_of_birth": dob, "personal_id": pid,
           "ethnicity_code": "01", "nationality_code": "VN",
           "residence": {"admin_unit_code": "00004"}})
}

fn requester() -> Value {
    json!({"full_name": "Lê Văn Bình", "relationship": "ông nội"})
}

/// Declared by the officer and registered by the signer; the record id.
async fn registered(app: &TestApp, a: &Actors, path: &str, body: &Value) -> i64 {
    let (s, v) = declare_and_register(app, a, path, body).await;
    assert_eq!(s, 200, "{} {path}: {v}", app.engine.as_str());
    v["id"].as_i64().unwrap()
}

/// `GET …/certificate` as `token`: the status and the answer.
async fn certificate(app: &TestApp, token: &str, id: i64) -> (u16, Value) {
    app.call(
        Method::GET,
        &format!("/api/v1/civil/records/{id}/certificate"),
        Some(token),
        None,
    )
    .await
}

/// `GET …/certificate.pdf` (200, a PDF) and its text, whitespace squashed, when `pdftotext` is
/// installed.
async fn printed(app: &TestApp, token: &str, id: i64) -> Option<String> {
    let r = app
        .client
        .get(app.at(&format!("/api/v1/civil/records/{id}/certificate.pdf")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}: record {id}", app.engine.as_str());
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    pdf_text(&pdf).map(|t| squash(&t))
}

fn assert_contains(e: &str, text: &str, wants: &[&str]) {
    for want in wants {
        assert!(text.contains(want), "{e}: {want:?} not in {text}");
    }
}

/// The record page (as `username`) offers the print link with `label`.
async fn page_offers(app: &TestApp, username: &str, id: i64, label: &str) {
    let page = format!("/civil/records/{id}");
    let c = login_as(app, username, &page).await;
    let body = c
        .get(app.at(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let href = format!("/api/v1/civil/records/{id}/certificate.pdf");
    assert!(
        body.contains(&format!(
            r#"<a class="button print-link" href="{href}" target="_blank" rel="noopener">{label}</a>"#
        )),
        "{}: {body}",
        app.engine.as_str()
    );
}

#[tokio::test]
async fn guardianship_papers_are_printed_verified_superseded_and_revoked_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        // An 8-year-old child born in the registry, whose grandfather becomes the guardian.
        let birth = mother_only_birth(
            ("Lê Minh Khang", "male", &days_ago(8 * 366)),
            ("Trần Thị Hạnh", "1990-01-01"),
        );
        let birth_id = registered(&app, &a, "/api/v1/civil/births", &birth).await;
        let registration = json!({
            "kind": "statutory", "ward_situation": "minor", "ward_birth_record_id": birth_id,
            "ward": null, "guardian": person("Lê Văn Bình", "male", "1960-04-10", Some("001060004444")),
            "basis": "Ông nội; mẹ đã chết (trích lục khai tử số 5/2025)",
            "court_decision": null, "requester": requester()
        });
        let id = registered(&app, &a, "/api/v1/civil/guardianships", &registration).await;

        // The page offers the paper; the API issues it under its own kind, once per version.
        page_offers(&app, "lanhdao.badinh", id, "In trích lục đăng ký giám hộ").await;
        let (s, v) = certificate(&app, &a.officer, id).await;
        assert_eq!(
            (s, v["kind"].as_str()),
            (200, Some("record_extract")),
            "{e}: {v}"
        );
        let code = v["verification_code"].as_str().unwrap().to_string();
        let (_, again) = certificate(&app, &a.signer, id).await;
        assert_eq!(again["verification_code"], code.as_str(), "{e}");
        let (s, _) = certificate(&app, &a.other_officer, id).await;
        assert_eq!(s, 403, "{e}: another commune does not issue it");
        if let Some(text) = printed(&app, &a.officer, id).await {
            assert_contains(
                e,
                &text,
                &[
                    "UBND PHƯỜNG BA ĐÌNH",
                    "TRÍCH LỤC ĐĂNG KÝ GIÁM HỘ",
                    &format!("Số: 1, Quyển số: 01/{}", vn_today().year()),
                    "Người được giám hộ",
                    "Họ, chữ đệm, tên: Lê Minh Khang",
                    "Tình trạng: Người chưa thành niên",
                    "Người giám hộ",
                    "Họ, chữ đệm, tên: Lê Văn Bình",
                    "Số định danh cá nhân: 001060004444",
                    "Loại giám hộ: Giám hộ đương nhiên (Luật Hộ tịch 2014, Điều 21)",
                    "Căn cứ: Ông nội; mẹ đã chết (trích lục khai tử số 5/2025)",
                    "Người yêu cầu: Lê Văn Bình (ông nội)",
                    "NGƯỜI KÝ TRÍCH LỤC",
                ],
            );
            assert!(
                !text.contains("BẢN SAO") && !text.contains("Phí"),
                "{e}: {text}"
            );
        }
        let (_, rec) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{id}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(rec["status"], "certificate_issued", "{e}: {rec}");

        // Verification: the ward, the guardian, the registration date, the title of the paper.
        let today = format_vn(vn_today());
        let (s, v) = verify(&app, &code).await;
        assert_eq!(s, 200);
        assert_eq!(
            (v["valid"].as_bool(), v["status"].as_str()),
            (Some(true), Some("valid")),
            "{e}: {v}"
        );
        assert_eq!(v["kind"], "record_extract", "{e}: {v}");
        assert_eq!(v["title"], "Trích lục đăng ký giám hộ", "{e}: {v}");
        assert_eq!(v["full_name"], "Lê Minh Khang", "{e}: {v}");
        assert_eq!(v["second_name"], "Lê Văn Bình", "{e}: {v}");
        assert_eq!(v["event_date"], today.as_str(), "{e}: {v}");
        let page = app
            .client
            .get(app.at(&format!("/verify?code={code}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Giấy tờ hợp lệ") && page.contains("Trích lục đăng ký giám hộ"),
            "{e}: {page}"
        );

        // A printed guardianship still changes and ends; each act has its own paper.
        let change = json!({
            "guardianship_record_id": id,
            "new_guardian": person("Phạm Thị Lan", "female", "1962-08-01", None),
            "reason": "Ông nội ốm nặng, đề nghị thay đổi", "basis": "Bà ngoại",
            "requester": requester()
        });
        let change_id = registered(&app, &a, "/api/v1/civil/guardianship-changes", &change).await;
        page_offers(
            &app,
            "canbo.badinh",
            change_id,
            "In trích lục đăng ký thay đổi người giám hộ",
        )
        .await;
        if let Some(text) = printed(&app, &a.officer, change_id).await {
            assert_contains(
                e,
                &text,
                &[
                    "TRÍCH LỤC ĐĂNG KÝ THAY ĐỔI NGƯỜI GIÁM HỘ",
                    "Họ, chữ đệm, tên: Lê Minh Khang",
                    "Người giám hộ trước: Lê Văn Bình",
                    "Lý do thay đổi: Ông nội ốm nặng, đề nghị thay đổi",
                    "Người giám hộ mới",
                    "Họ, chữ đệm, tên: Phạm Thị Lan",
                    "Căn cứ: Bà ngoại",
                    "Hồ sơ đăng ký giám hộ: Đăng ký giám hộ Số: 1",
                ],
            );
        }
        let (_, v) = certificate(&app, &a.officer, change_id).await;
        let (_, v) = verify(&app, v["verification_code"].as_str().unwrap()).await;
        assert_eq!(
            (v["valid"].as_bool(), v["second_name"].as_str()),
            (Some(true), Some("Phạm Thị Lan")),
            "{e}: {v}"
        );
        let end = json!({
            "guardianship_record_id": change_id, "grounds": "parents_able",
            "ended_on": days_ago(0),
            "evidence": "Cha của cháu đã được Tòa án hủy quyết định hạn chế quyền",
            "requester": requester()
        });
        let end_id = registered(&app, &a, "/api/v1/civil/guardianship-ends", &end).await;
        if let Some(text) = printed(&app, &a.signer, end_id).await {
            assert_contains(
                e,
                &text,
                &[
                    "TRÍCH LỤC ĐĂNG KÝ CHẤM DỨT GIÁM HỘ",
                    "Họ, chữ đệm, tên: Lê Minh Khang",
                    "Người giám hộ: Phạm Thị Lan",
                    "Căn cứ chấm dứt: Cha, mẹ của người được giám hộ đã có đủ điều kiện thực hiện quyền, nghĩa vụ của mình (Bộ luật Dân sự 2015, Điều 62 khoản 1)",
                    &format!("Chấm dứt từ ngày: {today}"),
                    "Giấy tờ chứng minh: Cha của cháu đã được Tòa án hủy quyết định hạn chế quyền",
                ],
            );
        }
        let (_, v) = certificate(&app, &a.officer, end_id).await;
        let (_, v) = verify(&app, v["verification_code"].as_str().unwrap()).await;
        assert_eq!(
            (v["valid"].as_bool(), v["title"].as_str()),
            (Some(true), Some("Trích lục đăng ký chấm dứt giám hộ")),
            "{e}: {v}"
        );

        // A new version of the guardianship record supersedes its paper; the next print is a
        // new, valid code; revoked, it says so.
        let mut tx = app.store.begin().await.unwrap();
        tx.record_for_update(id).await.unwrap();
        let data = serde_json::to_string(&rec["data"]).unwrap();
        tx.record_new_version(id, &data, 1, "Bổ sung căn cứ")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let (_, v) = verify(&app, &code).await;
        assert_eq!(
            (v["valid"].as_bool(), v["status"].as_str()),
            (Some(false), Some("superseded")),
            "{e}: {v}"
        );
        let (s, v) = certificate(&app, &a.officer, id).await;
        assert_eq!(s, 200, "{e}: {v}");
        let new_code = v["verification_code"].as_str().unwrap().to_string();
        assert_ne!(new_code, code, "{e}");
        let (_, v) = verify(&app, &new_code).await;
        assert_eq!(v["status"], "valid", "{e}: {v}");
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{id}/certificate/revoke"),
                Some(&a.signer),
                Some(&json!({"reason": "Trích lục cấp nhầm người yêu cầu"})),
            )
            .await;
        // Both issues of the record: the superseded one and the current one.
        assert_eq!((s, v["revoked"].as_u64()), (200, Some(2)), "{e}: {v}");
        let (_, v) = verify(&app, &new_code).await;
        assert_eq!(
            (v["valid"].as_bool(), v["status"].as_str()),
            (Some(false), Some("revoked")),
            "{e}: {v}"
        );
        assert!(app.store.verify_audit().await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn adoption_certificate_and_its_end_are_printed_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let birth = mother_only_birth(
            ("Lê Thị Ngọc", "female", &days_ago(400)),
            ("Lê Thị Hồng", "2000-03-14"),
        );
        let birth_id = registered(&app, &a, "/api/v1/civil/births", &birth).await;
        let parent = |name: &str, dob: &str, pid: &str| {
            json!({"full_name": name, "date_of_birth": dob, "personal_id": pid, "ethnicity_code": "01",
                   "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}})
        };
        let adoption = json!({
            "birth_record_id": birth_id,
            "adoptive_father": parent("Phạm Văn Hải", "1980-02-02", "001080002222"),
            "adoptive_mother": parent("Vũ Thị Thu", "1982-05-05", "001182005555"),
            "evidence": "Văn bản đồng ý của mẹ đẻ ngày 01/11/2026",
            "requester": {"full_name": "Phạm Văn Hải", "relationship": "cha nuôi"}
        });
        let id = registered(&app, &a, "/api/v1/civil/adoptions", &adoption).await;
        page_offers(
            &app,
            "lanhdao.badinh",
            id,
            "In giấy chứng nhận nuôi con nuôi",
        )
        .await;
        if let Some(text) = printed(&app, &a.officer, id).await {
            assert_contains(
                e,
                &text,
                &[
                    "GIẤY CHỨNG NHẬN NUÔI CON NUÔI",
                    "Người được nhận làm con nuôi",
                    "Họ, chữ đệm, tên: Lê Thị Ngọc",
                    "Giới tính: Nữ",
                    "Người nhận con nuôi: cha nuôi",
                    "Họ, chữ đệm, tên: Phạm Văn Hải",
                    "Ngày, tháng, năm sinh: 02/02/1980",
                    "Số định danh cá nhân: 001080002222",
                    "Người nhận con nuôi: mẹ nuôi",
                    "Họ, chữ đệm, tên: Vũ Thị Thu",
                    "Văn bản đồng ý của mẹ đẻ ngày 01/11/2026",
                    "Người yêu cầu: Phạm Văn Hải (cha nuôi)",
                    "Hồ sơ khai sinh của con nuôi: Đăng ký khai sinh Số: 1",
                    "NGƯỜI KÝ GIẤY CHỨNG NHẬN",
                ],
            );
        }
        let (s, v) = certificate(&app, &a.officer, id).await;
        assert_eq!(
            (s, v["kind"].as_str()),
            (200, Some("record_extract")),
            "{e}: {v}"
        );
        let (_, v) = verify(&app, v["verification_code"].as_str().unwrap()).await;
        assert_eq!(v["valid"], true, "{e}: {v}");
        assert_eq!(v["title"], "Giấy chứng nhận nuôi con nuôi", "{e}: {v}");
        assert_eq!(v["full_name"], "Lê Thị Ngọc", "{e}: {v}");
        assert_eq!(v["second_name"], "Phạm Văn Hải và Vũ Thị Thu", "{e}: {v}");
        // A certified copy of it carries the paper's own title.
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{id}/extracts"),
                Some(&a.officer),
                Some(&json!({"copies": 1, "requester": {"full_name": "Phạm Văn Hải", "relationship": "cha nuôi"}})),
            )
            .await;
        assert_eq!(s, 201, "{e}: {v}");
        let r = app
            .client
            .get(app.at(v["pdf_url"].as_str().unwrap()))
            .bearer_auth(&a.officer)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{e}");
        if let Some(text) = pdf_text(&r.bytes().await.unwrap()).map(|t| squash(&t)) {
            assert_contains(e, &text, &["BẢN SAO", "GIẤY CHỨNG NHẬN NUÔI CON NUÔI"]);
        }

        // The court's decision ending it, recorded: its own trích lục.
        let termination = json!({
            "adoption_record_id": id,
            "decision": {"court": "Tòa án nhân dân khu vực 1 – Hà Nội", "number": "15/2026/QĐ-CCNCN",
                         "decided_on": days_ago(0), "effective_on": days_ago(0)}
        });
        let end_id = registered(
            &app,
            &a,
            "/api/v1/civil/adoption-terminations",
            &termination,
        )
        .await;
        if let Some(text) = printed(&app, &a.officer, end_id).await {
            assert_contains(
                e,
                &text,
                &[
                    "TRÍCH LỤC GHI VÀO SỔ VIỆC CHẤM DỨT NUÔI CON NUÔI",
                    "Họ, chữ đệm, tên: Lê Thị Ngọc",
                    "Cha nuôi: Phạm Văn Hải",
                    "Mẹ nuôi: Vũ Thị Thu",
                    &format!(
                        "Căn cứ: Quyết định số 15/2026/QĐ-CCNCN ngày {} của Tòa án nhân dân khu vực 1 – Hà Nội",
                        format_vn(vn_today())
                    ),
                    "Hồ sơ đăng ký nuôi con nuôi: Đăng ký nuôi con nuôi Số: 1",
                ],
            );
        }
        let (_, v) = certificate(&app, &a.officer, end_id).await;
        let (_, v) = verify(&app, v["verification_code"].as_str().unwrap()).await;
        assert_eq!(
            (v["valid"].as_bool(), v["title"].as_str()),
            (
                Some(true),
                Some("Trích lục ghi vào sổ việc chấm dứt nuôi con nuôi")
            ),
            "{e}: {v}"
        );
    }
}

/// An amendment and a recognition of a father, which used to have no paper
/// (`certificate_kind_none`), print their trích lục; the amended birth's own certificate is
/// unaffected (it is printed again from the new version).
#[tokio::test]
async fn amendment_and_parentage_papers_are_printed_on_every_engine() {
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
        let birth_id = registered(&app, &a, "/api/v1/civil/births", &birth).await;
        let correction = json!({
            "target_record_id": birth_id, "kind": "correction",
            "changes": [{"field": "child.date_of_birth", "to": right}],
            "reason": "Ngày sinh ghi sai so với Giấy chứng sinh",
            "legal_basis": "Luật Hộ tịch 2014, Điều 26; Nghị định 123/2015/NĐ-CP, Điều 7",
            "evidence": "Giấy chứng sinh số 123/GCS của Bệnh viện Phụ sản Hà Nội",
            "requester": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
        });
        let id = registered(&app, &a, "/api/v1/civil/amendments", &correction).await;
        page_offers(
            &app,
            "canbo.badinh",
            id,
            "In trích lục thay đổi, cải chính, bổ sung hộ tịch",
        )
        .await;
        let (s, v) = certificate(&app, &a.officer, id).await;
        assert_eq!(
            (s, v["kind"].as_str()),
            (200, Some("record_extract")),
            "{e}: {v}"
        );
        let code = v["verification_code"].as_str().unwrap().to_string();
        let vn = |d: &str| format_vn(parse_date(d).unwrap());
        if let Some(text) = printed(&app, &a.officer, id).await {
            assert_contains(
                e,
                &text,
                &[
                    "TRÍCH LỤC THAY ĐỔI, CẢI CHÍNH, BỔ SUNG HỘ TỊCH",
                    "Việc: Cải chính hộ tịch",
                    "Người được thay đổi, cải chính: Nguyễn Thị Hương",
                    "Hồ sơ được thay đổi, cải chính: Đăng ký khai sinh Số: 1",
                    &format!(
                        "Ngày, tháng, năm sinh (người được khai sinh): từ “{}” thành “{}”",
                        vn(&wrong),
                        vn(&right)
                    ),
                    "Lý do: Ngày sinh ghi sai so với Giấy chứng sinh",
                    "Căn cứ pháp lý: Luật Hộ tịch 2014, Điều 26; Nghị định 123/2015/NĐ-CP, Điều 7",
                    "Giấy tờ làm căn cứ: Giấy chứng sinh số 123/GCS của Bệnh viện Phụ sản Hà Nội",
                    "Người yêu cầu: Trần Thị Mai (mẹ)",
                ],
            );
        }
        let (_, v) = verify(&app, &code).await;
        assert_eq!(
            (v["valid"].as_bool(), v["full_name"].as_str()),
            (Some(true), Some("Nguyễn Thị Hương")),
            "{e}: {v}"
        );
        assert_eq!(
            v["title"], "Trích lục thay đổi, cải chính, bổ sung hộ tịch",
            "{e}: {v}"
        );
        // The birth's own certificate prints the corrected date.
        let (s, v) = certificate(&app, &a.officer, birth_id).await;
        assert_eq!((s, v["kind"].as_str()), (200, Some("birth")), "{e}: {v}");

        // A recognised father: the recognition's trích lục names child and father.
        let recognition = json!({
            "birth_record_id": birth_id, "role": "father",
            "parent": {"full_name": "Nguyễn Văn Nam", "date_of_birth": "1993-07-02",
                       "personal_id": "001093012345", "ethnicity_code": "01",
                       "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
            "evidence": "Kết quả giám định ADN số 45/GĐ của Viện Pháp y Quốc gia",
            "requester": {"full_name": "Nguyễn Văn Nam", "relationship": "cha"}
        });
        let pid = registered(&app, &a, "/api/v1/civil/parentage", &recognition).await;
        page_offers(
            &app,
            "lanhdao.badinh",
            pid,
            "In trích lục đăng ký nhận cha, mẹ, con",
        )
        .await;
        if let Some(text) = printed(&app, &a.officer, pid).await {
            assert_contains(
                e,
                &text,
                &[
                    "TRÍCH LỤC ĐĂNG KÝ NHẬN CHA, MẸ, CON",
                    "Người con",
                    "Họ, chữ đệm, tên: Nguyễn Thị Hương",
                    &format!("Ngày, tháng, năm sinh: {}", vn(&right)),
                    "Người được nhận là cha",
                    "Họ, chữ đệm, tên: Nguyễn Văn Nam",
                    "Giấy tờ chứng minh quan hệ cha, mẹ, con: Kết quả giám định ADN số 45/GĐ",
                    "Người yêu cầu: Nguyễn Văn Nam (cha)",
                ],
            );
        }
        let (_, v) = certificate(&app, &a.officer, pid).await;
        let (_, v) = verify(&app, v["verification_code"].as_str().unwrap()).await;
        assert_eq!(
            (
                v["valid"].as_bool(),
                v["full_name"].as_str(),
                v["second_name"].as_str()
            ),
            (Some(true), Some("Nguyễn Thị Hương"), Some("Nguyễn Văn Nam")),
            "{e}: {v}"
        );
    }
}

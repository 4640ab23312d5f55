//! The procedure catalogue over HTTP: public list and detail, edits by administrators and
//! ministry staff (audited), refusals with stable codes; the public page and the edit form.

use reqwest::Method;
use serde_json::json;

use crate::support::{hidden_csrf, location, login_as, new_client, spawn_app, spawn_apps};

fn entry() -> serde_json::Value {
    json!({
        "name": "Cấp Giấy xác nhận tình trạng hôn nhân", "field": "Hộ tịch",
        "level": "full", "authority_level": "commune", "processing_days": 3,
        "processing_note": "Giấy có giá trị 6 tháng", "fee_vnd": 15000,
        "fee_note": "Theo Nghị quyết của HĐND tỉnh",
        "required_documents": ["Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", "  "],
        "form": "Tờ khai (TT 04/2024/TT-BTP)", "legal_basis": "NĐ 123/2015/NĐ-CP",
        "record_kind": "marital_status", "online": true, "active": true
    })
}

#[tokio::test]
async fn catalogue_is_public_and_filtered() {
    for app in spawn_apps().await {
        let (s, v) = app.get_json("/api/v1/procedures").await;
        assert_eq!(s, 200);
        let list = v.as_array().unwrap();
        assert!(list.len() >= 30, "{}", list.len());
        // Every civil record kind has a procedure leading to it.
        for kind in tuphap_core::procedures::RECORD_KINDS {
            assert!(
                list.iter().any(|p| p["record_kind"] == kind),
                "{kind} on {}",
                app.engine.as_str()
            );
        }
        let (s, v) = app
            .get_json(
                "/api/v1/procedures?field=L%C3%BD%20l%E1%BB%8Bch%20t%C6%B0%20ph%C3%A1p&level=full",
            )
            .await;
        assert_eq!(s, 200);
        let list = v.as_array().unwrap();
        assert!(!list.is_empty());
        assert!(
            list.iter()
                .all(|p| p["field"] == "Lý lịch tư pháp" && p["level"] == "full")
        );
        let (s, v) = app.get_json("/api/v1/procedures?record_kind=death").await;
        assert_eq!(s, 200);
        assert!(
            v.as_array()
                .unwrap()
                .iter()
                .any(|p| p["code"] == "BTP-HT-KT")
        );

        let (s, v) = app.get_json("/api/v1/procedures/BTP-HT-KS").await;
        assert_eq!(s, 200);
        assert_eq!(v["name"], "Đăng ký khai sinh");
        assert_eq!(v["processing_days"], 0);
        assert_eq!(v["fee_vnd"], 0);
        assert_eq!(v["level_label"], "Toàn trình");
        assert_eq!(v["record_kind"], "birth");
        assert!(v["updated_by"].is_null());
        assert_eq!(v["updated_at_vn"].as_str().unwrap().len(), 10);

        let (s, v) = app.get_json("/api/v1/procedures/BTP-KHONG-CO").await;
        assert_eq!((s, v["code"].as_str()), (404, Some("procedure_not_found")));
        let (s, v) = app.get_json("/api/v1/procedures?level=half").await;
        assert_eq!(
            (s, v["code"].as_str()),
            (400, Some("procedure_level_invalid"))
        );
        let (s, v) = app.get_json("/api/v1/procedures?record_kind=wedding").await;
        assert_eq!(
            (s, v["code"].as_str()),
            (400, Some("procedure_record_kind_invalid"))
        );
    }
}

#[tokio::test]
async fn ministry_staff_edit_the_catalogue_and_others_may_not() {
    for app in spawn_apps().await {
        app.add_user("bo.canbo", "ministry", "BTP").await;
        app.add_user("quantri", "admin", "BTP").await;
        app.add_user("canbo", "officer", "00004").await;
        let path = "/api/v1/procedures/BTP-HT-TTHN";
        let (s, _) = app.call(Method::PUT, path, None, Some(&entry())).await;
        assert_eq!(s, 401);
        let officer = app.token("canbo").await;
        let (s, v) = app
            .call(Method::PUT, path, Some(&officer), Some(&entry()))
            .await;
        assert_eq!((s, v["code"].as_str()), (403, Some("forbidden")));

        let ministry = app.token("bo.canbo").await;
        let (s, v) = app
            .call(Method::PUT, path, Some(&ministry), Some(&entry()))
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["fee_vnd"], 15000);
        assert_eq!(v["processing_days"], 3);
        assert_eq!(v["updated_by"], "bo.canbo");
        assert_eq!(v["required_documents"].as_array().unwrap().len(), 1);
        let (_, v) = app.get_json(path).await;
        assert_eq!(v["fee_note"], "Theo Nghị quyết của HĐND tỉnh");

        // A new code by PUT is created (201); POST of an existing code is 409.
        let admin = app.token("quantri").await;
        let (s, v) = app
            .call(
                Method::PUT,
                "/api/v1/procedures/1.001193",
                Some(&admin),
                Some(&entry()),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["code"], "1.001193");
        let mut body = entry();
        body["code"] = json!("BTP-HT-TTHN");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/procedures",
                Some(&admin),
                Some(&body),
            )
            .await;
        assert_eq!((s, v["code"].as_str()), (409, Some("procedure_exists")));
        body["code"] = json!("BTP-TGPL-TV");
        body["record_kind"] = json!(null);
        body["active"] = json!(false);
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/procedures",
                Some(&admin),
                Some(&body),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        // Inactive: not listed, still readable by code.
        let (_, v) = app.get_json("/api/v1/procedures").await;
        assert!(
            !v.as_array()
                .unwrap()
                .iter()
                .any(|p| p["code"] == "BTP-TGPL-TV")
        );
        let (_, v) = app
            .get_json("/api/v1/procedures?include_inactive=true")
            .await;
        assert!(
            v.as_array()
                .unwrap()
                .iter()
                .any(|p| p["code"] == "BTP-TGPL-TV")
        );
        let (s, v) = app.get_json("/api/v1/procedures/BTP-TGPL-TV").await;
        assert_eq!((s, v["active"].as_bool()), (200, Some(false)));

        // Audited and in the change log.
        let audit = app
            .store
            .audit_entries_of_target("procedure", "BTP-HT-TTHN", None, 10)
            .await
            .unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].action, "procedure.upsert");
        let changes = app.store.changes_after(0, 10_000).await.unwrap();
        assert_eq!(
            changes.iter().filter(|c| c.entity == "procedure").count(),
            3
        );
        assert!(app.store.verify_audit().await.unwrap().is_intact());

        // The edit survives a restart: the seed does not overwrite it.
        app.store.load_reference_data().await.unwrap();
        let (_, v) = app.get_json(path).await;
        assert_eq!(v["fee_vnd"], 15000, "{}", app.engine.as_str());
    }
}

#[tokio::test]
async fn invalid_entries_are_refused_with_codes() {
    let app = spawn_app().await;
    app.add_user("quantri", "admin", "BTP").await;
    let admin = app.token("quantri").await;
    let path = "/api/v1/procedures/BTP-HT-TTHN";
    let cases: Vec<(serde_json::Value, &str, &str)> = vec![
        (json!({"level": "half"}), "procedure_level_invalid", "level"),
        (
            json!({"authority_level": "district"}),
            "procedure_authority_invalid",
            "authority_level",
        ),
        (
            json!({"processing_days": 366}),
            "procedure_processing_days_invalid",
            "processing_days",
        ),
        (
            json!({"processing_days": -1}),
            "procedure_processing_days_invalid",
            "processing_days",
        ),
        (json!({"fee_vnd": -5}), "procedure_fee_invalid", "fee_vnd"),
        (json!({"name": "  "}), "procedure_name_invalid", "name"),
        (json!({"field": ""}), "procedure_field_invalid", "field"),
        (
            json!({"record_kind": "wedding"}),
            "procedure_record_kind_invalid",
            "record_kind",
        ),
        (
            json!({"code": "BTP-KHAC"}),
            "procedure_code_mismatch",
            "code",
        ),
    ];
    for (patch, code, field) in cases {
        let mut body = entry();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, v) = app.call(Method::PUT, path, Some(&admin), Some(&body)).await;
        assert_eq!((s, v["code"].as_str()), (422, Some(code)), "{patch}");
        assert_eq!(v["field"], field, "{patch}");
        assert!(!v["message"].as_str().unwrap().is_empty());
    }
    // A bad code in the path or in a POST body.
    let (s, v) = app
        .call(
            Method::PUT,
            "/api/v1/procedures/btp-thuong",
            Some(&admin),
            Some(&entry()),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (422, Some("procedure_code_invalid"))
    );
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/procedures",
            Some(&admin),
            Some(&entry()),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (422, Some("procedure_code_invalid"))
    );
    // Unknown fields and wrong types are refused by the JSON extractor, never a 500.
    let mut body = entry();
    body["extra"] = json!(1);
    let (s, _) = app.call(Method::PUT, path, Some(&admin), Some(&body)).await;
    assert_eq!(s, 422);
    let mut body = entry();
    body["processing_days"] = json!("ba");
    let (s, _) = app.call(Method::PUT, path, Some(&admin), Some(&body)).await;
    assert_eq!(s, 422);
    // Nothing was written.
    let (_, v) = app.get_json(path).await;
    assert_eq!(v["processing_days"], 3);
    assert!(v["updated_by"].is_null());
}

#[tokio::test]
async fn catalogue_pages_public_list_detail_and_edit_form() {
    let app = spawn_app().await;
    app.add_user("bo.canbo", "ministry", "BTP").await;
    app.add_user("canbo", "officer", "00004").await;
    // Anyone: the list with filters, and a detail page.
    let anon = new_client();
    let r = anon.get(app.at("/procedures")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("Thủ tục hành chính"));
    assert!(body.contains("Đăng ký khai sinh"));
    assert!(body.contains("Cấp Phiếu lý lịch tư pháp số 1"));
    assert!(!body.contains("Thêm thủ tục"));
    let r = anon
        .get(app.at("/procedures?field=L%C3%BD+l%E1%BB%8Bch+t%C6%B0+ph%C3%A1p&level=partial"))
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    assert!(body.contains("Cấp Phiếu lý lịch tư pháp số 2"));
    assert!(!body.contains("Đăng ký khai sinh"));
    let r = anon
        .get(app.at("/procedures/BTP-HT-KS"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("Giấy chứng sinh"));
    assert!(body.contains("Trong ngày"));
    assert!(body.contains("Miễn phí"));
    assert!(!body.contains("Sửa thủ tục"));
    let r = anon
        .get(app.at("/procedures/BTP-KHONG-CO"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The edit form needs a login and the right role.
    let r = anon
        .get(app.at("/procedures/BTP-HT-KS/edit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let officer = login_as(&app, "canbo", "/procedures").await;
    let r = officer
        .get(app.at("/procedures/BTP-HT-KS/edit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let c = login_as(&app, "bo.canbo", "/procedures").await;
    let r = c.get(app.at("/procedures/BTP-HT-KS")).send().await.unwrap();
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("/procedures/BTP-HT-KS/edit")
    );
    let r = c
        .get(app.at("/procedures/BTP-HT-KS/edit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let form = r.text().await.unwrap();
    let csrf = hidden_csrf(&form);
    assert!(form.contains("Tờ khai đăng ký khai sinh"));
    let fields = |days: &str, fee: &str, csrf: &str| {
        vec![
            ("csrf".to_string(), csrf.to_string()),
            ("code".into(), "BTP-HT-KS".into()),
            ("name".into(), "Đăng ký khai sinh".into()),
            ("field".into(), "Hộ tịch".into()),
            ("level".into(), "full".into()),
            ("authority_level".into(), "commune".into()),
            ("processing_days".into(), days.into()),
            ("fee_vnd".into(), fee.into()),
            (
                "required_documents".into(),
                "Tờ khai đăng ký khai sinh\r\nGiấy chứng sinh\r\n".into(),
            ),
            ("record_kind".into(), "birth".into()),
            ("online".into(), "1".into()),
            ("active".into(), "1".into()),
        ]
    };
    // Errors are shown next to their fields, nothing saved.
    let r = c
        .post(app.at("/procedures/BTP-HT-KS"))
        .form(&fields("400", "-1", &csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("id=\"p-days-error\""), "{body}");
    assert!(body.contains("id=\"p-fee-error\""));
    // Without the CSRF token: refused.
    let r = c
        .post(app.at("/procedures/BTP-HT-KS"))
        .form(&fields("1", "0", "sai"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Saved, back to the detail page.
    let r = c
        .post(app.at("/procedures/BTP-HT-KS"))
        .form(&fields("1", "8.000", &csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/procedures/BTP-HT-KS?saved=1");
    let r = c
        .get(app.at("/procedures/BTP-HT-KS?saved=1"))
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    assert!(body.contains("Đã lưu thay đổi."));
    assert!(body.contains("1 ngày làm việc"));
    assert!(body.contains("8.000 đồng"));
    assert!(body.contains("bo.canbo"));
    let (_, v) = app.get_json("/api/v1/procedures/BTP-HT-KS").await;
    assert_eq!(v["required_documents"].as_array().unwrap().len(), 2);
    assert_eq!(v["fee_vnd"], 8000);
    // The add form.
    let r = c.get(app.at("/procedures/new")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let mut f = fields("2", "", &csrf);
    f[1].1 = "BTP-HT-MOI".into();
    let r = c.post(app.at("/procedures")).form(&f).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = c.post(app.at("/procedures")).form(&f).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("đã có trong danh mục"));
}

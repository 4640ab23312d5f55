//! Reference-data API on both engines.

use reqwest::Method;

use crate::support::{spawn_app, spawn_apps};

#[tokio::test]
async fn admin_units_by_date_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let (s, v) = app
            .get_json("/api/v1/reference/admin-units?level=province&as_of=2024-01-01")
            .await;
        assert_eq!(s, 200, "{e}");
        assert_eq!(v["count"], 63, "{e}");
        assert_eq!(v["items"].as_array().unwrap().len(), 63);
        let (_, v) = app
            .get_json("/api/v1/reference/admin-units?level=province&as_of=2026-01-01")
            .await;
        assert_eq!(v["count"], 34, "{e}");
        let (_, v) = app
            .get_json("/api/v1/reference/admin-units?level=commune&as_of=2026-01-01")
            .await;
        assert_eq!(v["count"], 3321, "{e}");
        let hn = &v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["code"] == "00004")
            .unwrap();
        assert_eq!(hn["full_name"], "Phường Ba Đình");
        assert_eq!(hn["valid_from"], "2025-07-01");
        assert!(hn["valid_to"].is_null());
        // Default as_of is today: the 2-tier structure.
        let (_, v) = app
            .get_json("/api/v1/reference/admin-units?level=province")
            .await;
        assert_eq!(v["count"], 34);
        // Children of a province in the old structure.
        let (_, v) = app
            .get_json("/api/v1/reference/admin-units?level=district&parent=01&as_of=2024-01-01")
            .await;
        assert_eq!(v["count"], 30, "Hà Nội had 30 districts: {e}");
        let (s, v) = app.get_json("/api/v1/reference/ethnic-groups").await;
        assert_eq!(s, 200);
        assert_eq!(v.as_array().unwrap().len(), 54);
        assert_eq!(v[0]["name"], "Kinh");
        let (s, v) = app.get_json("/api/v1/reference/countries").await;
        assert_eq!(s, 200);
        let vn = v
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["alpha2"] == "VN")
            .unwrap();
        assert_eq!(vn["name_vi"], "Việt Nam");
    }
}

#[tokio::test]
async fn one_unit_carries_its_validity_and_successors() {
    let app = spawn_app().await;
    let (s, v) = app
        .get_json("/api/v1/reference/admin-units/00004?as_of=2024-01-01")
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["full_name"], "Phường Trúc Bạch");
    assert_eq!(v["valid_to"], "2025-07-01");
    assert_eq!(v["successors"][0]["code"], "00004");
    assert_eq!(v["successors"][0]["full_name"], "Phường Ba Đình");
    assert_eq!(v["successors"][0]["relation"], "full");
    assert!(v["versions"].as_array().unwrap().len() >= 2);

    let (_, v) = app.get_json("/api/v1/reference/admin-units/00004").await;
    assert_eq!(v["full_name"], "Phường Ba Đình");
    let preds: Vec<&str> = v["predecessors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["full_name"].as_str().unwrap())
        .collect();
    assert!(preds.contains(&"Phường Trúc Bạch"), "{preds:?}");
    assert!(v["successors"].as_array().unwrap().is_empty());

    // A province of the old structure: Hà Giang went into Tuyên Quang.
    let (_, v) = app
        .get_json("/api/v1/reference/admin-units/02?as_of=2024-01-01")
        .await;
    assert_eq!(v["successors"][0]["code"], "08");
    assert_eq!(v["successors"][0]["full_name"], "Tỉnh Tuyên Quang");

    let (s, v) = app.get_json("/api/v1/reference/admin-units/02").await;
    assert_eq!(s, 404);
    assert_eq!(v["code"], "admin_unit_not_found");
    assert!(v["message"].as_str().unwrap().contains("phiên bản"));
}

#[tokio::test]
async fn bad_reference_input_is_a_coded_4xx() {
    let app = spawn_app().await;
    for (path, status, code) in [
        (
            "/api/v1/reference/admin-units?as_of=2026-02-30",
            422,
            "date_invalid",
        ),
        (
            "/api/v1/reference/admin-units?as_of=30/01/2026",
            400,
            "date_bad_format",
        ),
        (
            "/api/v1/reference/admin-units?level=village",
            400,
            "admin_level_invalid",
        ),
        (
            "/api/v1/reference/admin-units?levle=province",
            400,
            "query_invalid",
        ),
        (
            "/api/v1/reference/admin-units/99999",
            404,
            "admin_unit_not_found",
        ),
        (
            "/api/v1/reference/personal-ids/00109501234a",
            422,
            "personal_id_not_digits",
        ),
        (
            "/api/v1/reference/personal-ids/00109501234",
            422,
            "personal_id_wrong_length",
        ),
        (
            "/api/v1/reference/personal-ids/099095012345",
            422,
            "personal_id_unknown_province",
        ),
        (
            "/api/v1/reference/personal-ids/001295012345?sex=male&date_of_birth=1995-01-01",
            422,
            "personal_id_century_mismatch",
        ),
        (
            "/api/v1/reference/personal-ids/001095012345?sex=female&date_of_birth=1995-01-01",
            422,
            "personal_id_sex_mismatch",
        ),
        (
            "/api/v1/reference/personal-ids/001096012345?sex=male&date_of_birth=1995-01-01",
            422,
            "personal_id_birth_year_mismatch",
        ),
        (
            "/api/v1/reference/personal-ids/001095012345?sex=robot",
            400,
            "sex_invalid",
        ),
        (
            "/api/v1/reference/personal-ids/001095012345?date_of_birth=1995-02-29",
            422,
            "date_invalid",
        ),
        (
            "/api/v1/reference/calendar/days-off?year=2031",
            422,
            "calendar_year_unsupported",
        ),
        (
            "/api/v1/reference/calendar/days-off?year=abc",
            400,
            "query_invalid",
        ),
        (
            "/api/v1/reference/calendar/working-days?days=3",
            400,
            "parameter_required",
        ),
        ("/api/v1/nothing-here", 404, "route_not_found"),
    ] {
        let (s, v) = app.get_json(path).await;
        assert_eq!(s, status, "{path}: {v}");
        assert_eq!(v["code"], code, "{path}: {v}");
        let msg = v["message"].as_str().unwrap();
        assert!(
            !msg.is_empty() && !msg.is_ascii(),
            "Vietnamese message for {path}: {msg}"
        );
    }
}

#[tokio::test]
async fn personal_id_decodes() {
    let app = spawn_app().await;
    let (s, v) = app
        .get_json("/api/v1/reference/personal-ids/001095012345?sex=male&date_of_birth=1995-01-01")
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["province_code"], "001");
    assert_eq!(v["province_name"], "Hà Nội");
    assert_eq!(v["sex"], "male");
    assert_eq!(v["century"], 20);
    assert_eq!(v["birth_year"], 1995);
    assert_eq!(v["serial"], "012345");
    assert_eq!(v["checked"], true);
    // Hà Giang (002) now belongs to Tuyên Quang.
    let (_, v) = app
        .get_json("/api/v1/reference/personal-ids/002305000001")
        .await;
    assert_eq!(v["province_full_name_after_2025"], "Tỉnh Tuyên Quang");
    assert_eq!(v["sex"], "female");
    assert_eq!(v["birth_year"], 2005);
    assert_eq!(v["checked"], false);
}

#[tokio::test]
async fn working_day_calendar() {
    let app = spawn_app().await;
    let (s, v) = app
        .get_json("/api/v1/reference/calendar/days-off?year=2026")
        .await;
    assert_eq!(s, 200);
    let days: Vec<&str> = v["days_off"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert!(days.contains(&"2026-02-17"), "Tết 2026: {days:?}");
    assert!(days.contains(&"2026-04-30"));
    assert!(days.contains(&"2026-09-02"));
    // Friday 13/02/2026 + 1 working day: Tết runs to the next week.
    let (_, v) = app
        .get_json("/api/v1/reference/calendar/working-days?from=2026-02-13&days=1")
        .await;
    let d = v["date"].as_str().unwrap();
    assert!(d > "2026-02-20", "{d}");
    let (_, v) = app
        .get_json("/api/v1/reference/calendar/working-days?from=2026-03-02&days=5")
        .await;
    assert_eq!(v["date"], "2026-03-09");
    assert_eq!(v["date_vn"], "09/03/2026");
}

#[tokio::test]
async fn calendar_adjustments_are_admin_data() {
    for app in spawn_apps().await {
        app.add_user("quantri", "admin", "BTP").await;
        app.add_user("canbo", "officer", "00004").await;
        let path = "/api/v1/reference/calendar/adjustments/2026-03-10";
        let body = serde_json::json!({"kind": "day_off", "name_vi": "Nghỉ thử nghiệm", "legal_basis": "Quyết định thử"});
        let (s, _) = app.call(Method::PUT, path, None, Some(&body)).await;
        assert_eq!(s, 401);
        let officer = app.token("canbo").await;
        let (s, _) = app
            .call(Method::PUT, path, Some(&officer), Some(&body))
            .await;
        assert_eq!(s, 403);
        let admin = app.token("quantri").await;
        let bad = serde_json::json!({"kind": "holiday", "name_vi": "x"});
        let (s, v) = app.call(Method::PUT, path, Some(&admin), Some(&bad)).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("calendar_kind_invalid"))
        );
        let (s, _) = app.call(Method::PUT, path, Some(&admin), Some(&body)).await;
        assert_eq!(s, 204);
        // Tuesday 10/03/2026 is now a day off: +1 working day from Monday skips it.
        let (_, v) = app
            .get_json("/api/v1/reference/calendar/working-days?from=2026-03-09&days=1")
            .await;
        assert_eq!(v["date"], "2026-03-11", "{}", app.engine.as_str());
        let (_, v) = app
            .get_json("/api/v1/reference/calendar/days-off?year=2026")
            .await;
        assert!(
            v["adjustments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["date"] == "2026-03-10")
        );
        let (s, _) = app.call(Method::DELETE, path, Some(&admin), None).await;
        assert_eq!(s, 204);
        let (s, v) = app.call(Method::DELETE, path, Some(&admin), None).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (404, Some("calendar_adjustment_not_found"))
        );
        let (_, v) = app
            .get_json("/api/v1/reference/calendar/working-days?from=2026-03-09&days=1")
            .await;
        assert_eq!(v["date"], "2026-03-10");
        // Both edits are in the change log and the audit chain.
        let changes = app.store.changes_after(0, 1000).await.unwrap();
        assert_eq!(
            changes
                .iter()
                .filter(|c| c.entity == "calendar_adjustment")
                .count(),
            2
        );
        assert!(app.store.verify_audit().await.unwrap().is_intact());
    }
}

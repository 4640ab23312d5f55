//! Civil-status search over HTTP: folded names with exact accents first, register numbers, the
//! caller's jurisdiction, and the audit of each query; on both engines.

use reqwest::Method;
use serde_json::{Value, json};
use tuphap_core::dates::vn_today;

use crate::support::{TestApp, spawn_apps};

fn days_ago(n: i64) -> String {
    (vn_today() - time::Duration::days(n)).to_string()
}

fn birth(child: &str, sex: &str, dob: &str) -> Value {
    json!({
        "child": {"full_name": child, "sex": sex, "date_of_birth": dob,
                  "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                  "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Trần Thị Mai", "date_of_birth": "1995-03-14",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004", "detail": "12 phố Quán Thánh"}},
        "father": {"full_name": "Nguyễn Văn Nam", "date_of_birth": "1993-07-02",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
    })
}

async fn declare(app: &TestApp, token: &str, child: &str, sex: &str, dob: &str) -> i64 {
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/civil/births",
            Some(token),
            Some(&birth(child, sex, dob)),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().unwrap()
}

async fn search(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    app.call(
        Method::GET,
        &format!("/api/v1/civil/search?{query}"),
        Some(token),
        None,
    )
    .await
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn search_by_name_register_number_and_scope() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        app.add_user("canbo.badinh", "officer", "00004").await;
        app.add_user("lanhdao.badinh", "signer", "00004").await;
        app.add_user("canbo.hongha", "officer", "00097").await;
        app.add_user("so.hanoi", "province", "01").await;
        app.add_user("so.hcm", "province", "79").await;
        app.add_user("kiemtra.btp", "auditor", "BTP").await;
        let officer = app.token("canbo.badinh").await;
        let signer = app.token("lanhdao.badinh").await;
        let other = app.token("canbo.hongha").await;
        let hanoi = app.token("so.hanoi").await;
        let hcm = app.token("so.hcm").await;
        let ministry = app.token("kiemtra.btp").await;

        let huong = declare(&app, &officer, "Nguyễn Thị Hương", "female", &days_ago(5)).await;
        let huong2 = declare(&app, &officer, "Nguyễn Thị Hường", "female", &days_ago(6)).await;
        let khoi = declare(&app, &officer, "Lê Minh Khôi", "male", &days_ago(7)).await;

        // Just declared, already findable; accents optional.
        let (s, v) = search(&app, &officer, "q=nguyen%20thi%20huong").await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(v["total"], 2, "{e}: {v}");
        let mut found = ids(&v);
        found.sort();
        assert_eq!(found, vec![huong, huong2]);
        // Exact accents rank first.
        let (_, v) = search(
            &app,
            &officer,
            "q=Nguy%E1%BB%85n%20Th%E1%BB%8B%20H%C6%B0%C6%A1ng",
        )
        .await;
        assert_eq!(ids(&v), vec![huong, huong2], "{e}: {v}");
        assert_eq!(v["items"][0]["full_name"], "Nguyễn Thị Hương");
        assert_eq!(v["items"][0]["kind"], "birth");
        assert_eq!(v["items"][0]["status"], "declared");
        assert_eq!(v["items"][0]["date"], days_ago(5));
        assert!(
            v["items"][0]["score"].as_f64().unwrap() > v["items"][1]["score"].as_f64().unwrap()
        );
        // Filters and paging.
        let (_, v) = search(&app, &officer, "sex=male").await;
        assert_eq!(ids(&v), vec![khoi], "{e}: {v}");
        let (_, v) = search(&app, &officer, "q=nguyen&limit=1&offset=1").await;
        assert_eq!(
            (v["total"].as_i64(), ids(&v).len()),
            (Some(2), 1),
            "{e}: {v}"
        );
        // Date range on the date of birth (inclusive).
        let (_, v) = search(
            &app,
            &officer,
            &format!("date_from={}&date_to={}", days_ago(6), days_ago(5)),
        )
        .await;
        let mut found = ids(&v);
        found.sort();
        assert_eq!(found, vec![huong, huong2], "{e}: {v}");
        let (_, v) = search(
            &app,
            &officer,
            &format!("q=nguyen&date_from={}", days_ago(5)),
        )
        .await;
        assert_eq!(ids(&v), vec![huong], "{e}: {v}");
        let (s, v) = search(&app, &officer, "date_from=2026-02-30").await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (422, Some("date_invalid"), Some("date_from")),
            "{e}: {v}"
        );
        let (s, v) = search(&app, &officer, "date_from=2026-03-01&date_to=2026-02-01").await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("search_bad_date_range")),
            "{e}: {v}"
        );
        let (s, v) = search(&app, &officer, "kind=lunar_eclipse").await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("search_bad_kind")),
            "{e}"
        );
        let (s, _) = search(&app, &officer, "nonsense=1").await;
        assert_eq!(s, 400, "{e}");
        let (s, _) = app
            .call(Method::GET, "/api/v1/civil/search?q=huong", None, None)
            .await;
        assert_eq!(s, 401, "{e}");

        // Register the first: its number finds it.
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{huong}/register"),
                Some(&signer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        let number = v["register_number"].as_i64().unwrap();
        let year = vn_today().year();
        let (_, v) = search(&app, &officer, &format!("q={number}/{year}")).await;
        assert_eq!(ids(&v), vec![huong], "{e}: {v}");
        assert_eq!(v["items"][0]["status"], "registered");
        assert_eq!(
            v["items"][0]["register_text"],
            format!("{number}/{year}"),
            "{e}"
        );

        // Jurisdiction: another commune and another province see nothing; the province and the
        // ministry see them.
        for (who, token, expected) in [
            ("other commune", &other, 0),
            ("other province", &hcm, 0),
            ("province", &hanoi, 2),
            ("ministry", &ministry, 2),
        ] {
            let (s, v) = search(&app, token, "q=nguyen%20thi%20huong").await;
            assert_eq!(s, 200, "{e} {who}: {v}");
            assert_eq!(v["total"], expected, "{e} {who}: {v}");
        }

        // Each query is audited with its text.
        let entries = app
            .store
            .audit_entries(&tuphap_store::audit::AuditFilter {
                target_type: Some("civil_record".into()),
                limit: 500,
                ..Default::default()
            })
            .await
            .unwrap();
        let searches: Vec<_> = entries
            .iter()
            .filter(|a| a.action == "civil.search")
            .collect();
        assert_eq!(searches.len(), 11, "{e}");
        assert!(
            searches.iter().any(|a| {
                a.actor_username.as_deref() == Some("so.hcm")
                    && a.details
                        .as_deref()
                        .is_some_and(|d| d.contains("nguyen thi huong"))
            }),
            "{e}"
        );
    }
}

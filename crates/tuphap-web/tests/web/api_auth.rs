//! Login, lockout, logout, users API, bad JSON.

use reqwest::Method;

use crate::support::{PASSWORD, spawn_app, spawn_apps};

#[tokio::test]
async fn login_lockout_logout_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        app.add_user("canbo.badinh", "officer", "00004").await;
        let login = |password: &'static str| {
            app.client
                .post(app.at("/api/v1/auth/login"))
                .json(&serde_json::json!({"username": "canbo.badinh", "password": password}))
                .send()
        };
        let r = login(PASSWORD).await.unwrap();
        assert_eq!(r.status(), 200, "{e}");
        let v: serde_json::Value = r.json().await.unwrap();
        let token = v["token"].as_str().unwrap().to_string();
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["user"]["office_name"], "UBND Phường Ba Đình");
        assert_eq!(v["user"]["role"], "officer");
        let me = app
            .client
            .get(app.at("/api/v1/auth/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);

        // Wrong password: 401 with a code; the fifth failure locks.
        for i in 1..=4 {
            let r = login("sai-mat-khau-roi").await.unwrap();
            assert_eq!(r.status(), 401, "attempt {i} {e}");
            assert!(r.headers().contains_key("www-authenticate"));
            let v: serde_json::Value = r.json().await.unwrap();
            assert_eq!(v["code"], "auth_invalid_credentials");
        }
        let r = login("sai-mat-khau-roi").await.unwrap();
        assert_eq!(r.status(), 429, "{e}");
        assert_eq!(r.headers()["retry-after"].to_str().unwrap(), "60");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["code"], "auth_locked");
        // While locked even the right password is refused.
        let r = login(PASSWORD).await.unwrap();
        assert_eq!(r.status(), 429);
        // Unknown user: same answer as a wrong password.
        let r = app
            .client
            .post(app.at("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "khong.ton.tai", "password": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);

        // Every attempt is audited: 1 success + 4 failures + 1 failure + lockout + 2 denied/unknown.
        let logins = app
            .store
            .audit_entries(&tuphap_store::audit::AuditFilter {
                target_type: Some("user".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let attempts = logins.iter().filter(|a| a.action == "auth.login").count();
        assert_eq!(attempts, 8, "{e}");
        assert!(logins.iter().any(|a| a.action == "auth.lockout"));
        assert!(
            logins
                .iter()
                .any(|a| a.outcome == "denied" && a.reason.as_deref() == Some("locked"))
        );

        // The earlier token still works; logout ends it.
        let r = app
            .client
            .post(app.at("/api/v1/auth/logout"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let r = app
            .client
            .get(app.at("/api/v1/auth/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["code"], "auth_required");
        assert!(app.store.verify_audit().await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn malformed_requests_are_coded_4xx_and_write_nothing() {
    let app = spawn_app().await;
    app.add_user("quantri", "admin", "BTP").await;
    let admin = app.token("quantri").await;
    let users_before = app.store.user_count().await.unwrap();
    let audit_before = app.store.verify_audit().await.unwrap().entries;
    let post = |body: &'static str, ct: Option<&'static str>| {
        let mut rb = app
            .client
            .post(app.at("/api/v1/users"))
            .bearer_auth(&admin)
            .body(body);
        if let Some(ct) = ct {
            rb = rb.header("content-type", ct);
        }
        rb.send()
    };
    let json = Some("application/json");
    for (body, ct, status, code) in [
        ("{\"username\": ", json, 400, "json_syntax_error"),
        ("not json at all", json, 400, "json_syntax_error"),
        (
            r#"{"username":"a.b","role":"officer","unit":"00004","password":"mat-khau-dai-qua","extra":1}"#,
            json,
            422,
            "json_invalid_data",
        ),
        (
            r#"{"username":12,"role":"officer","unit":"00004","password":"x"}"#,
            json,
            422,
            "json_invalid_data",
        ),
        (
            r#"{"role":"officer","unit":"00004","password":"x"}"#,
            json,
            422,
            "json_invalid_data",
        ),
        (
            r#"{"username":"a.b","role":"officer","unit":"00004","password":"mat-khau-dai-qua"}"#,
            None,
            415,
            "json_content_type_required",
        ),
        (
            r#"{"username":"a.b","role":"chief","unit":"00004","password":"mat-khau-dai-qua"}"#,
            json,
            422,
            "unknown_role",
        ),
        (
            r#"{"username":"a.b","role":"officer","unit":"00001","password":"mat-khau-dai-qua"}"#,
            json,
            422,
            "unit_unknown",
        ),
        (
            r#"{"username":"a.b","role":"officer","unit":"00004","password":"ngan"}"#,
            json,
            422,
            "password_too_short",
        ),
        (
            r#"{"username":"Nguyễn","role":"officer","unit":"00004","password":"mat-khau-dai-qua"}"#,
            json,
            422,
            "username_invalid",
        ),
    ] {
        let r = post(body, ct).await.unwrap();
        let s = r.status().as_u16();
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(s, status, "{body}: {v}");
        assert_eq!(v["code"], code, "{body}: {v}");
        assert!(v["request_id"].is_string());
    }
    // 00001 was Phường Phúc Xá: the message says so and asks for a current code.
    let r = post(
        r#"{"username":"a.b","role":"officer","unit":"00001","password":"mat-khau-dai-qua"}"#,
        json,
    )
    .await
    .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["message"].as_str().unwrap().contains("Phường Phúc Xá"),
        "{v}"
    );
    assert_eq!(v["field"], "unit");

    // Oversize body.
    let big = format!(
        r#"{{"username":"a.b","role":"officer","unit":"00004","password":"{}"}}"#,
        "x".repeat(300 * 1024)
    );
    let r = app
        .client
        .post(app.at("/api/v1/users"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "body_too_large");

    assert_eq!(
        app.store.user_count().await.unwrap(),
        users_before,
        "nothing half-written"
    );
    assert_eq!(
        app.store.verify_audit().await.unwrap().entries,
        audit_before
    );
}

#[tokio::test]
async fn users_api_for_administrators() {
    let app = spawn_app().await;
    app.add_user("quantri", "admin", "BTP").await;
    app.add_user("canbo", "officer", "00004").await;
    let admin = app.token("quantri").await;
    let officer = app.token("canbo").await;
    let body = serde_json::json!({"username": "sotuphap.hn", "display_name": "Lê Thu Trang", "role": "province", "unit": "01", "password": "mot-mat-khau-dai"});
    let (s, v) = app
        .call(Method::POST, "/api/v1/users", Some(&officer), Some(&body))
        .await;
    assert_eq!((s, v["code"].as_str()), (403, Some("forbidden")));
    let (s, v) = app
        .call(Method::POST, "/api/v1/users", Some(&admin), Some(&body))
        .await;
    assert_eq!(s, 201);
    assert_eq!(v["office_name"], "Sở Tư pháp Thành phố Hà Nội");
    let (s, _) = app
        .call(Method::POST, "/api/v1/users", Some(&admin), Some(&body))
        .await;
    assert_eq!(s, 409);
    let (_, v) = app
        .call(Method::GET, "/api/v1/users?limit=2", Some(&admin), None)
        .await;
    assert_eq!(v.as_array().unwrap().len(), 2);
    let last = v[1]["username"].as_str().unwrap().to_string();
    let (_, v2) = app
        .call(
            Method::GET,
            &format!("/api/v1/users?after={last}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(v2.as_array().unwrap().len(), 1);
    // The new user can log in, and the creation is audited under the admin's name.
    let login = serde_json::json!({"username": "sotuphap.hn", "password": "mot-mat-khau-dai"});
    let (s, _) = app
        .call(Method::POST, "/api/v1/auth/login", None, Some(&login))
        .await;
    assert_eq!(s, 200);
    let entries = app
        .store
        .audit_entries(&tuphap_store::audit::AuditFilter {
            target_id: Some("sotuphap.hn".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "user.create" && e.actor_username.as_deref() == Some("quantri"))
    );
    // Listing users (names of officials) is itself audited.
    let lists = app
        .store
        .audit_entries(&tuphap_store::audit::AuditFilter {
            target_type: Some("user".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(lists.iter().filter(|e| e.action == "user.list").count(), 2);
    // Auditors can read the audit API; officers cannot.
    app.add_user("kiemtra", "auditor", "BTP").await;
    let auditor = app.token("kiemtra").await;
    let (_, v) = app
        .call(Method::GET, "/api/v1/audit/verify", Some(&auditor), None)
        .await;
    assert_eq!(v["intact"], true);
    let (s, v) = app
        .call(
            Method::GET,
            "/api/v1/audit/entries?limit=3",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v.as_array().unwrap().len(), 3);
    let (s, _) = app
        .call(Method::GET, "/api/v1/audit/entries", Some(&officer), None)
        .await;
    assert_eq!(s, 403);
}

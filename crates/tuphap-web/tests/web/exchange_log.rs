//! `/exchange/log` and `GET /api/v1/exchange/log/stats`: traffic per (direction, client,
//! service) with failures and latency percentiles, the chain's state and a full check, the last
//! messages without bodies; administrators, the ministry and auditors only.

use tuphap_store::exchange_log::NewLogEntry;

use crate::support::{login_as, spawn_apps};

fn entry(direction: &str, kind: &str, id: &str, status: Option<i32>, us: i64) -> NewLogEntry {
    NewLogEntry {
        direction: direction.into(),
        kind: kind.into(),
        message_id: id.into(),
        client: if direction == "out" {
            "VN/GOV/BTP/TUPHAP".into()
        } else {
            "VN/GOV/BCA/CSDLQGDC".into()
        },
        service: if direction == "out" {
            "VN/GOV/BCA/CSDLQGDC/assignPersonalId".into()
        } else {
            "VN/GOV/BTP/TUPHAP/birthRecord".into()
        },
        status,
        duration_us: status.map(|_| us),
        body: format!("{{\"bí_mật\":\"THAN-THU-{id}\"}}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn message_log_page_and_stats() {
    for app in spawn_apps().await {
        let engine = app.engine.as_str();
        app.add_user("quantri", "admin", "BTP").await;
        app.add_user("kiemtra", "auditor", "BTP").await;
        app.add_user("botuphap", "ministry", "BTP").await;
        app.add_user("canbo", "officer", "00004").await;
        let now = tuphap_store::now_utc();
        let mut entries = Vec::new();
        for i in 0..10 {
            let id = format!("out-{i}");
            entries.push(entry("out", "request", &id, None, 0));
            if i < 9 {
                let status = if i == 0 { 503 } else { 200 };
                entries.push(entry("out", "response", &id, Some(status), (i + 1) * 1000));
            }
        }
        entries.push(entry("in", "request", "in-1", None, 0));
        entries.push(entry("in", "response", "in-1", Some(200), 2500));
        app.store.append_message_log(&entries, now).await.unwrap();

        // The API.
        let token = app.token("kiemtra").await;
        let (status, v) = app
            .call(
                reqwest::Method::GET,
                "/api/v1/exchange/log/stats",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, 200, "{engine}: {v}");
        assert_eq!(v["window_hours"], 24);
        assert_eq!(v["chain"]["entries"], 21);
        assert_eq!(v["chain"]["unsigned"], 21);
        assert!(v["chain"]["last_checkpoint_seq"].is_null());
        let traffic = v["traffic"].as_array().unwrap();
        assert_eq!(traffic.len(), 2, "{v}");
        let out = traffic.iter().find(|t| t["direction"] == "out").unwrap();
        assert_eq!(out["requests"], 10);
        assert_eq!(out["error_responses"], 1);
        assert_eq!(out["unanswered"], 1);
        assert_eq!(out["failures"], 2);
        assert_eq!(out["p50_us"], 5000);
        assert_eq!(out["p99_us"], 9000);
        let inbound = traffic.iter().find(|t| t["direction"] == "in").unwrap();
        assert_eq!(inbound["client"], "VN/GOV/BCA/CSDLQGDC");
        assert_eq!(inbound["failures"], 0);
        for who in ["quantri", "botuphap"] {
            let token = app.token(who).await;
            let (status, _) = app
                .call(
                    reqwest::Method::GET,
                    "/api/v1/exchange/log/stats",
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(status, 200, "{engine}: {who}");
        }
        let (status, v) = app
            .call(
                reqwest::Method::GET,
                "/api/v1/exchange/log/stats?hours=48",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(v["code"], "exchange_log_bad_window");
        let officer = app.token("canbo").await;
        let (status, v) = app
            .call(
                reqwest::Method::GET,
                "/api/v1/exchange/log/stats",
                Some(&officer),
                None,
            )
            .await;
        assert_eq!(status, 403, "{v}");
        let (status, _) = app
            .call(
                reqwest::Method::GET,
                "/api/v1/exchange/log/stats",
                None,
                None,
            )
            .await;
        assert_eq!(status, 401);

        // The page.
        let c = login_as(&app, "kiemtra", "/exchange/log").await;
        let r = c.get(app.at("/exchange/log")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{engine}");
        let body = r.text().await.unwrap();
        assert!(body.contains("Nhật ký thư trao đổi"), "{body}");
        assert!(body.contains("href=\"/exchange\""));
        assert!(body.contains("VN/GOV/BCA/CSDLQGDC/assignPersonalId"));
        assert!(body.contains("5,0 ms") && body.contains("9,0 ms"), "{body}");
        assert!(body.contains("out-9") && body.contains("in-1"));
        assert!(
            body.contains("Số thư chưa được ký: <strong>21</strong>"),
            "{body}"
        );
        assert!(!body.contains("THAN-THU"), "bodies are not shown");
        let today = tuphap_core::dates::format_vn(tuphap_core::dates::vn_today());
        assert!(body.contains(&today), "{today}");
        // The full check.
        let r = c
            .get(app.at("/exchange/log?verify=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Nhật ký thư toàn vẹn: 21 thư, 0 điểm ký"),
            "{body}"
        );
        // Officers may not see it.
        let c = login_as(&app, "canbo", "/civil").await;
        let r = c.get(app.at("/exchange/log")).send().await.unwrap();
        assert_eq!(r.status(), 403, "{engine}");
    }
}

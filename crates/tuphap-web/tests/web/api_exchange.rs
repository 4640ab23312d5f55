//! The outbox for operators over HTTP: subscriptions (API), dead letters and their requeue
//! (API and page), queue counts, the `/metrics` gauges; on both engines.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tuphap_store::NewChange;
use tuphap_store::exchange::RetryPolicy;

use crate::support::{TestApp, encode, hidden_csrf, location, login_as, spawn_apps};

const SUB: &str = "VN/GOV/BCA/CSDLQGDC";
const SERVICE: &str = "civil-events";

/// Records a registration in the change log, feeds the outbox, claims the message and has the
/// receiver refuse it for good: a dead letter. Returns its outbox id.
async fn make_dead_letter(app: &TestApp, record: &str) -> i64 {
    let tx = app.store.begin().await.unwrap();
    tx.commit_with(
        &[],
        &[NewChange {
            entity: "birth".into(),
            entity_id: record.into(),
            action: "registered".into(),
            actor_user_id: None,
            payload: json!({"id": record}),
        }],
    )
    .await
    .unwrap();
    let now = tuphap_store::now_utc();
    app.store.feed_outbox(100, now).await.unwrap();
    let claimed = app
        .store
        .claim_outbox("test-worker", 10, Duration::from_secs(60), now)
        .await
        .unwrap();
    let m = claimed
        .iter()
        .find(|c| c.ordering_key == format!("birth/{record}"))
        .expect("the message was claimed");
    app.store
        .mark_outbox_failed(
            m.id,
            "test-worker",
            "HTTP 400: Client.InvalidBody: thiếu trường birth_province",
            true,
            &RetryPolicy::default(),
            now,
        )
        .await
        .unwrap();
    m.id
}

fn q(sub: &str, service: &str) -> String {
    format!("subscriber={}&service={}", encode(sub), encode(service))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_dead_letters_requeue_and_metrics() {
    for app in spawn_apps().await {
        app.add_user("quantri", "admin", "BTP").await;
        app.add_user("botuphap", "ministry", "BTP").await;
        app.add_user("canbo", "officer", "00004").await;
        let admin = app.token("quantri").await;
        let ministry = app.token("botuphap").await;
        let officer = app.token("canbo").await;
        let path = "/api/v1/exchange/subscriptions";

        // A subscription: every field checked, with its code and field.
        let good = json!({
            "subscriber": SUB, "service": SERVICE, "takes": "birth:registered, death:*",
            "endpoint_url": "http://127.0.0.1:9/r1/VN/GOV/BCA/CSDLQGDC/civilEvents"
        });
        for (field, value, code) in [
            ("subscriber", "VN/GOV/BCA", "exchange_subscriber_invalid"),
            ("service", "sự kiện", "exchange_service_invalid"),
            ("takes", "birth", "exchange_takes_invalid"),
            ("endpoint_url", "ftp://x/", "exchange_endpoint_invalid"),
        ] {
            let mut body = good.clone();
            body[field] = json!(value);
            let (st, e) = app.call(Method::PUT, path, Some(&admin), Some(&body)).await;
            assert_eq!(st, 422, "{field}: {e}");
            assert_eq!(e["code"], code);
            assert_eq!(e["field"], field);
            assert!(
                e["message"].as_str().unwrap().contains("không hợp lệ"),
                "{e}"
            );
        }
        let (st, e) = app
            .call(Method::PUT, path, Some(&officer), Some(&good))
            .await;
        assert_eq!(st, 403, "{e}");
        let (st, e) = app
            .call(Method::PUT, path, Some(&ministry), Some(&good))
            .await;
        assert_eq!(st, 403, "ministry reads only: {e}");
        let (st, saved) = app.call(Method::PUT, path, Some(&admin), Some(&good)).await;
        assert_eq!(st, 201, "{saved}");
        assert_eq!(saved["created"], true);
        assert_eq!(saved["subscription"]["takes"], "birth:registered,death:*");
        let (st, saved) = app.call(Method::PUT, path, Some(&admin), Some(&good)).await;
        assert_eq!((st, &saved["created"]), (200, &json!(false)));
        let (st, list) = app.call(Method::GET, path, Some(&ministry), None).await;
        assert_eq!(st, 200);
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["subscriber"], SUB);
        let (st, _) = app.call(Method::GET, path, Some(&officer), None).await;
        assert_eq!(st, 403);

        // Disable and enable again, named by query parameters (the id has slashes).
        let enabled = format!("/api/v1/exchange/subscriptions/enabled?{}", q(SUB, SERVICE));
        let (st, v) = app
            .call(
                Method::PUT,
                &enabled,
                Some(&admin),
                Some(&json!({"enabled": false})),
            )
            .await;
        assert_eq!((st, &v["enabled"]), (200, &json!(false)), "{v}");
        let (st, v) = app
            .call(
                Method::PUT,
                &enabled,
                Some(&admin),
                Some(&json!({"enabled": true})),
            )
            .await;
        assert_eq!((st, &v["enabled"]), (200, &json!(true)), "{v}");
        let (st, e) = app
            .call(
                Method::PUT,
                &format!("/api/v1/exchange/subscriptions/enabled?{}", q(SUB, "nope")),
                Some(&admin),
                Some(&json!({"enabled": true})),
            )
            .await;
        assert_eq!(
            (st, e["code"].as_str()),
            (404, Some("exchange_subscription_not_found"))
        );
        let (st, e) = app
            .call(
                Method::PUT,
                "/api/v1/exchange/subscriptions/enabled",
                Some(&admin),
                Some(&json!({"enabled": true})),
            )
            .await;
        assert_eq!((st, e["code"].as_str()), (400, Some("query_invalid")));

        // A dead letter: listed, counted, requeued only with a reason.
        let id = make_dead_letter(&app, "A").await;
        let (st, page) = app
            .call(
                Method::GET,
                &format!("/api/v1/exchange/dead-letters?subscriber={}", encode(SUB)),
                Some(&ministry),
                None,
            )
            .await;
        assert_eq!(st, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["id"], id);
        assert_eq!(items[0]["ordering_key"], "birth/A");
        assert!(
            items[0]["last_error"]
                .as_str()
                .unwrap()
                .contains("HTTP 400")
        );
        let (st, e) = app
            .call(
                Method::GET,
                "/api/v1/exchange/dead-letters?limit=0",
                Some(&admin),
                None,
            )
            .await;
        assert_eq!((st, e["code"].as_str()), (422, Some("limit_out_of_range")));

        let (st, stats) = app
            .call(
                Method::GET,
                "/api/v1/exchange/outbox/stats",
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(st, 200);
        assert_eq!(stats[0]["subscriber"], SUB);
        assert_eq!(stats[0]["dead"], 1);
        assert!(
            stats[0]["last_error"]
                .as_str()
                .unwrap()
                .contains("HTTP 400")
        );

        let requeue = format!("/api/v1/exchange/dead-letters/{id}/requeue");
        let (st, e) = app
            .call(
                Method::POST,
                &requeue,
                Some(&admin),
                Some(&json!({"reason": "  "})),
            )
            .await;
        assert_eq!(st, 422, "{e}");
        assert_eq!(e["code"], "exchange_reason_required");
        assert_eq!(e["field"], "reason");
        let (st, e) = app
            .call(Method::POST, &requeue, Some(&admin), Some(&json!({})))
            .await;
        assert_eq!((st, e["code"].as_str()), (422, Some("json_invalid_data")));
        let reason = "Đối tác đã sửa lỗi tiếp nhận";
        let (st, e) = app
            .call(
                Method::POST,
                &requeue,
                Some(&ministry),
                Some(&json!({"reason": reason})),
            )
            .await;
        assert_eq!(st, 403, "{e}");
        let (st, r) = app
            .call(
                Method::POST,
                &requeue,
                Some(&admin),
                Some(&json!({"reason": reason})),
            )
            .await;
        assert_eq!(st, 200, "{r}");
        assert_eq!(r["previous_attempts"], 1);
        assert!(r["audit_seq"].as_i64().unwrap() > 0);
        let m = app.store.outbox_message(id).await.unwrap().unwrap();
        assert_eq!((m.status.as_str(), m.attempts), ("pending", 0));
        let (st, e) = app
            .call(
                Method::POST,
                &requeue,
                Some(&admin),
                Some(&json!({"reason": reason})),
            )
            .await;
        assert_eq!(
            (st, e["code"].as_str()),
            (409, Some("exchange_message_not_dead"))
        );
        let (st, e) = app
            .call(
                Method::POST,
                "/api/v1/exchange/dead-letters/999999/requeue",
                Some(&admin),
                Some(&json!({"reason": reason})),
            )
            .await;
        assert_eq!(
            (st, e["code"].as_str()),
            (404, Some("exchange_message_not_found"))
        );

        // The audit chain has the requeue with its reason, and the subscription changes.
        let (st, entries) = app
            .call(
                Method::GET,
                "/api/v1/audit/entries?target_type=exchange_message",
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(st, 200);
        let e = &entries[0];
        assert_eq!(e["action"], "exchange.requeue");
        assert_eq!(e["actor_username"], "quantri");
        assert_eq!(e["reason"], reason);
        assert_eq!(e["details"]["previous_attempts"], 1);
        let (_, entries) = app
            .call(
                Method::GET,
                "/api/v1/audit/entries?target_type=exchange_subscription",
                Some(&admin),
                None,
            )
            .await;
        let actions: Vec<&str> = entries
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            vec![
                "exchange.subscription.enable",
                "exchange.subscription.disable",
                "exchange.subscription.upsert",
                "exchange.subscription.upsert"
            ]
        );

        // The requeued message goes out this time.
        let now = tuphap_store::now_utc();
        let c = app
            .store
            .claim_outbox("test-worker", 10, Duration::from_secs(60), now)
            .await
            .unwrap();
        assert_eq!(c.iter().map(|m| m.id).collect::<Vec<_>>(), vec![id]);
        assert!(
            app.store
                .mark_outbox_delivered(id, "test-worker", now)
                .await
                .unwrap()
        );

        // Requeue all of a subscriber's dead letters.
        make_dead_letter(&app, "B").await;
        make_dead_letter(&app, "C").await;
        let (st, done) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/exchange/dead-letters/requeue?subscriber={}",
                    encode(SUB)
                ),
                Some(&admin),
                Some(&json!({"reason": reason})),
            )
            .await;
        assert_eq!(st, 200, "{done}");
        assert_eq!(done.as_array().unwrap().len(), 2);

        // The gauges, read when /metrics is scraped.
        let body = app
            .client
            .get(app.at("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            body.contains(&format!(
                "tuphap_exchange_outbox_messages{{subscriber=\"{SUB}\",service=\"{SERVICE}\",status=\"pending\"}} 2"
            )),
            "{body}"
        );
        for (status, n) in [("delivering", 0), ("delivered", 1), ("dead", 0)] {
            assert!(body.contains(&format!(
                "tuphap_exchange_outbox_messages{{subscriber=\"{SUB}\",service=\"{SERVICE}\",status=\"{status}\"}} {n}"
            )), "{status}");
        }
        assert!(body.contains(&format!(
            "tuphap_exchange_oldest_pending_seconds{{subscriber=\"{SUB}\",service=\"{SERVICE}\"}} "
        )));

        // The OpenAPI document lists the routes.
        let (_, doc) = app.get_json("/api/openapi.json").await;
        for p in [
            "/api/v1/exchange/subscriptions",
            "/api/v1/exchange/subscriptions/enabled",
            "/api/v1/exchange/dead-letters",
            "/api/v1/exchange/dead-letters/{id}/requeue",
            "/api/v1/exchange/dead-letters/requeue",
            "/api/v1/exchange/outbox/stats",
        ] {
            assert!(doc["paths"][p].is_object(), "{p} documented");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_page_requeue_and_toggle() {
    for app in spawn_apps().await {
        app.add_user("quantri", "admin", "BTP").await;
        app.add_user("botuphap", "ministry", "BTP").await;
        app.add_user("canbo", "officer", "00004").await;
        app.app
            .exchange_upsert_subscription(
                None,
                &Default::default(),
                serde_json::from_value(json!({
                    "subscriber": SUB, "service": SERVICE, "takes": "*",
                    "endpoint_url": "http://127.0.0.1:9/"
                }))
                .unwrap(),
            )
            .await
            .unwrap();
        let id = make_dead_letter(&app, "P").await;

        // An officer has no business here.
        let officer = login_as(&app, "canbo", "/").await;
        let r = officer.get(app.at("/exchange")).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let home = officer
            .get(app.at("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!home.contains("href=\"/exchange\""));

        // The ministry reads, without forms.
        let ministry = login_as(&app, "botuphap", "/exchange").await;
        let html = ministry
            .get(app.at("/exchange"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Trao đổi dữ liệu (LGSP)"));
        assert!(html.contains("tuphap-"), "the dead letter is listed");
        assert!(
            !html.contains("/requeue\""),
            "no requeue form for the ministry"
        );

        let admin = login_as(&app, "quantri", "/exchange").await;
        let html = admin
            .get(app.at("/exchange"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("href=\"/exchange\" aria-current=\"page\""),
            "in the navigation"
        );
        assert!(html.contains("href=\"/exchange/log\""));
        assert!(html.contains("href=\"/exchange/members\""));
        assert!(html.contains(SUB));
        assert!(html.contains("HTTP 400: Client.InvalidBody"));
        assert!(html.contains(&format!("action=\"/exchange/dead-letters/{id}/requeue\"")));
        let csrf = hidden_csrf(&html);

        // No reason: refused on the page, the form reopened with the error.
        let r = admin
            .post(app.at(&format!("/exchange/dead-letters/{id}/requeue")))
            .form(&[("csrf", csrf.as_str()), ("reason", " ")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("Cần ghi lý do"), "{html}");
        assert!(html.contains("aria-invalid=\"true\""));
        // A wrong CSRF token changes nothing.
        let r = admin
            .post(app.at(&format!("/exchange/dead-letters/{id}/requeue")))
            .form(&[("csrf", "x"), ("reason", "Đã sửa")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(
            app.store.outbox_message(id).await.unwrap().unwrap().status,
            "dead"
        );

        let r = admin
            .post(app.at(&format!("/exchange/dead-letters/{id}/requeue")))
            .form(&[("csrf", csrf.as_str()), ("reason", "Đối tác đã sửa lỗi")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = location(&r);
        assert!(to.starts_with("/exchange?done=requeue"), "{to}");
        assert_eq!(
            app.store.outbox_message(id).await.unwrap().unwrap().status,
            "pending"
        );
        let html = admin
            .get(app.at(&to))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Đã đưa thư lỗi trở lại hàng đợi gửi"));
        assert!(html.contains("Không có thư lỗi"));
        assert!(html.contains("vừa") || html.contains("giây") || html.contains("phút"));

        // Disable from the page.
        let r = admin
            .post(app.at("/exchange/subscriptions/enabled"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("subscriber", SUB),
                ("service", SERVICE),
                ("enabled", "0"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(
            !app.store
                .subscription(SUB, SERVICE)
                .await
                .unwrap()
                .unwrap()
                .enabled
        );
        let html = admin
            .get(app.at(&location(&r)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Đã tắt đăng ký nhận tin"));
        assert!(html.contains(">Bật</button>"));
    }
}

/// The page in headless Chromium at phone size: an administrator requeues a dead letter with a
/// reason; no page overflows the phone's width (`target/screenshots/exchange-*.png`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_requeue_on_a_phone() {
    crate::browser::run_in_browser(requeue_on_a_phone()).await;
}

async fn requeue_on_a_phone() {
    let app = crate::support::spawn_app().await;
    app.add_user("quantri", "admin", "BTP").await;
    app.app
        .exchange_upsert_subscription(
            None,
            &Default::default(),
            serde_json::from_value(json!({
                "subscriber": SUB, "service": SERVICE, "takes": "birth:registered",
                "endpoint_url": "http://ss.btp.gov.vn/r1/VN/GOV/BCA/CSDLQGDC/civilEvents"
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let id = make_dead_letter(&app, "291").await;
    let d = crate::browser::Driver::start().await;
    d.goto(&app.at("/login?next=/exchange")).await;
    d.settle().await;
    d.type_into("#username", "quantri").await;
    d.type_into("#password", crate::support::PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    d.wait_for(
        "the exchange page",
        "return document.title.startsWith('Trao đổi dữ liệu (LGSP)');",
    )
    .await;
    d.settle().await;
    assert!(
        d.text("main")
            .await
            .contains("HTTP 400: Client.InvalidBody")
    );
    crate::browser_civil::check(&d, "exchange-dead-letter").await;
    d.click(&format!("#thu-{id} details summary")).await;
    d.type_into(&format!("#reason-{id}"), "Đối tác đã sửa lỗi tiếp nhận")
        .await;
    crate::browser_civil::check(&d, "exchange-requeue-form").await;
    d.click(&format!("#thu-{id} button[type=submit]")).await;
    d.wait_for(
        "the confirmation",
        "return document.body.innerText.includes('Đã đưa thư lỗi trở lại hàng đợi gửi');",
    )
    .await;
    d.settle().await;
    crate::browser_civil::check(&d, "exchange-requeued").await;
    assert_eq!(
        app.store.outbox_message(id).await.unwrap().unwrap().status,
        "pending"
    );
}

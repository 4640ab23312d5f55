//! Inbound X-Road services (`/r1/VN/GOV/BTP/TUPHAP/…`) and the administration of partner
//! members, keys and access rights, over real HTTP on both engines.

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha512};

use crate::api_civil::{actors, days_ago, declare_and_register, mother_only_birth};
use crate::support::{TestApp, spawn_apps};

const BHXH: &str = "VN/GOV/000.00.00.G01/BHXH";
const MOTCUA: &str = "VN/GOV/000.00.00.H26/MOTCUA";
const BCA: &str = "VN/GOV/BCA/CSDLQGDC";
const BUSY: &str = "VN/GOV/000.00.00.H01/BUSY";
const BASE: &str = "/r1/VN/GOV/BTP/TUPHAP";

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Reply {
    fn h(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn xroad(
    app: &TestApp,
    method: Method,
    path: &str,
    client: Option<&str>,
    key: Option<&str>,
    id: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let mut rb = app.client.request(method, app.at(path));
    if let Some(c) = client {
        rb = rb.header("X-Road-Client", c);
    }
    if let Some(k) = key {
        rb = rb.bearer_auth(k);
    }
    if let Some(i) = id {
        rb = rb.header("X-Road-Id", i);
    }
    if let Some(b) = body {
        rb = rb
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.json().await.unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

async fn admin(app: &TestApp) -> String {
    app.add_user("quantri", "admin", "BTP").await;
    app.token("quantri").await
}

async fn member(app: &TestApp, token: &str, client: &str, rate: i64) -> String {
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/exchange/members",
            Some(token),
            Some(
                &json!({"client_id": client, "name": format!("Hệ thống {client}"),
                          "rate_limit_per_minute": rate}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, k) = app
        .call(
            Method::POST,
            "/api/v1/exchange/members/keys",
            Some(token),
            Some(&json!({"client_id": client})),
        )
        .await;
    assert_eq!(s, 201, "{k}");
    k["key"].as_str().unwrap().to_string()
}

async fn grant(app: &TestApp, token: &str, client: &str, service: &str, fields: &[&str]) {
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/exchange/members/rights",
            Some(token),
            Some(&json!({"client_id": client, "service_code": service, "fields": fields})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
}

fn birth_with_mother_pid(child: &str, dob: &str, mother_pid: &str) -> Value {
    let mut b = mother_only_birth((child, "female", dob), ("Trần Thị Mai", "1995-03-14"));
    b["mother"]["personal_id"] = json!(mother_pid);
    b
}

#[tokio::test]
async fn partners_call_inbound_services_with_rights_keys_and_idempotency() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let t = admin(&app).await;

        // Administration: an officer may not manage partners; ids are checked.
        let (s, _) = app
            .call(
                Method::GET,
                "/api/v1/exchange/members",
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(s, 403, "{e}");
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/exchange/members",
                Some(&t),
                Some(&json!({"client_id": "VN/GOV/BHXH", "name": "Thiếu phân hệ"})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("exchange_client_id_invalid")),
            "{e}"
        );

        let bhxh = member(&app, &t, BHXH, 600).await;
        let motcua = member(&app, &t, MOTCUA, 600).await;
        let bca = member(&app, &t, BCA, 600).await;
        let busy = member(&app, &t, BUSY, 2).await;
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/exchange/members",
                Some(&t),
                Some(&json!({"client_id": BHXH, "name": "Lần hai"})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("exchange_member_exists")),
            "{e}"
        );
        grant(
            &app,
            &t,
            BHXH,
            "getCivilStatus",
            &["full_name", "marital_status"],
        )
        .await;
        grant(&app, &t, MOTCUA, "receiveDossier", &[]).await;
        grant(&app, &t, BCA, "personalIdAssigned", &[]).await;
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/exchange/members/rights",
                Some(&t),
                Some(&json!({"client_id": BHXH, "service_code": "getCivilStatus", "fields": ["password"]})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("exchange_field_unknown")),
            "{e}"
        );

        // A registered birth whose mother has a personal ID.
        let mother_pid = "001195012345";
        let (s, rec) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/births",
            &birth_with_mother_pid("Nguyễn Thị An", &days_ago(3), mother_pid),
        )
        .await;
        assert_eq!(s, 200, "{e}: {rec}");
        let birth_id = rec["id"].as_i64().unwrap();
        let status_path = format!("{BASE}/getCivilStatus?personalId={mother_pid}");

        // The envelope: provider, X-Road-Client, key.
        let r = xroad(
            &app,
            Method::GET,
            "/r1/VN/GOV/BCA/CSDLQGDC/getCivilStatus",
            Some(BHXH),
            Some(&bhxh),
            None,
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.h("x-road-error")),
            (404, Some("Client.UnknownService")),
            "{e}"
        );
        let r = xroad(
            &app,
            Method::GET,
            &status_path,
            None,
            Some(&bhxh),
            None,
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.h("x-road-error")),
            (400, Some("Client.InvalidRequest")),
            "{e}"
        );
        assert_eq!(r.body["detail"], "x_road_client_missing", "{e}");
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .contains("Thiếu tiêu đề"),
            "{e}"
        );
        let r = xroad(
            &app,
            Method::GET,
            &status_path,
            Some("VN/GOV/LA/LA"),
            Some(&bhxh),
            None,
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.h("x-road-error")),
            (401, Some("Client.AuthenticationFailed")),
            "{e}"
        );
        assert_eq!(r.body["detail"], "exchange_key_invalid", "{e}");
        let r = xroad(
            &app,
            Method::GET,
            &status_path,
            Some(BHXH),
            Some(&motcua),
            None,
            None,
        )
        .await;
        assert_eq!(r.status, 401, "{e}: another member's key");
        let r = xroad(
            &app,
            Method::GET,
            &status_path,
            Some(BHXH),
            None,
            None,
            None,
        )
        .await;
        assert_eq!(r.status, 401, "{e}: no key");
        let failed = app
            .store
            .audit_entries_of_target("exchange_member", "VN/GOV/LA/LA", None, 10)
            .await
            .unwrap();
        assert!(
            failed
                .iter()
                .any(|x| x.action == "exchange.authentication_failed" && x.outcome == "denied"),
            "{e}"
        );

        // No right: X-Road's access-denied error, audited.
        let r = xroad(
            &app,
            Method::GET,
            &status_path,
            Some(MOTCUA),
            Some(&motcua),
            None,
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.h("x-road-error")),
            (403, Some("Server.ServerProxy.AccessDenied")),
            "{e}"
        );
        assert_eq!(r.body["type"], "Server.ServerProxy.AccessDenied", "{e}");
        assert_eq!(r.body["detail"], "exchange_access_denied", "{e}");
        // The refused call is in the signed message log: its request and the 403 answer.
        let id = r.h("x-road-id").unwrap().to_string();
        let logged = app.store.message_log_of(&id).await.unwrap();
        assert_eq!(
            logged
                .iter()
                .map(|l| (l.direction.as_str(), l.kind.as_str(), l.status))
                .collect::<Vec<_>>(),
            [("in", "request", None), ("in", "response", Some(403))],
            "{e}"
        );
        assert!(
            logged[1].body.contains("Server.ServerProxy.AccessDenied"),
            "{e}"
        );
        let r = app
            .client
            .get(app.at(&status_path))
            .header("X-Road-Client", MOTCUA)
            .header("X-Road-UserId", "VN001190000001")
            .bearer_auth(&motcua)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{e}");
        let denied = app
            .store
            .audit_entries_of_target("exchange_service", "getCivilStatus", None, 10)
            .await
            .unwrap();
        assert!(
            denied.iter().any(|x| x.action == "exchange.access_denied"
                && x.outcome == "denied"
                && x.actor_username.as_deref() == Some(MOTCUA)),
            "{e}: {denied:?}"
        );
        assert!(
            denied.iter().any(|x| x
                .details
                .as_deref()
                .is_some_and(|d| d.contains("VN001190000001"))),
            "{e}: the end user is audited"
        );

        // With the right: only the allowed fields; the X-Road response headers.
        let r = xroad(
            &app,
            Method::GET,
            &status_path,
            Some(BHXH),
            Some(&bhxh),
            Some("q-1"),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);
        assert_eq!(r.body["personal_id"], mother_pid, "{e}");
        assert_eq!(r.body["full_name"], "Trần Thị Mai", "{e}");
        // Derived as the person page derives it (no marriage registered: not provably single).
        assert_eq!(r.body["marital_status"], "unknown", "{e}");
        for hidden in ["sex", "date_of_birth", "records", "deceased"] {
            assert!(
                r.body.get(hidden).is_none(),
                "{e}: {hidden} not allowed: {}",
                r.body
            );
        }
        let empty_hash = base64::engine::general_purpose::STANDARD.encode(Sha512::digest(b""));
        assert_eq!(r.h("x-road-request-hash"), Some(empty_hash.as_str()), "{e}");
        assert_eq!(r.h("x-road-id"), Some("q-1"), "{e}");
        assert_eq!(r.h("x-road-client"), Some(BHXH), "{e}");
        assert_eq!(
            r.h("x-road-service"),
            Some("VN/GOV/BTP/TUPHAP/getCivilStatus"),
            "{e}"
        );
        let first = r.body.clone();
        // A repeat gets the first answer; the same id for another query is a conflict.
        let r = xroad(
            &app,
            Method::GET,
            &status_path,
            Some(BHXH),
            Some(&bhxh),
            Some("q-1"),
            None,
        )
        .await;
        assert_eq!((r.status, &r.body), (200, &first), "{e}");
        assert_eq!(r.h("x-road-replayed"), Some("true"), "{e}");
        let r = xroad(
            &app,
            Method::GET,
            &format!("{BASE}/getCivilStatus?personalId=001095012346"),
            Some(BHXH),
            Some(&bhxh),
            Some("q-1"),
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.h("x-road-error")),
            (409, Some("Client.Conflict")),
            "{e}"
        );
        // Bad input and unknown persons in X-Road's model.
        let r = xroad(
            &app,
            Method::GET,
            &format!("{BASE}/getCivilStatus?personalId=12"),
            Some(BHXH),
            Some(&bhxh),
            None,
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.h("x-road-error")),
            (400, Some("Client.InvalidBody")),
            "{e}"
        );
        let r = xroad(
            &app,
            Method::GET,
            &format!("{BASE}/getCivilStatus?personalId=001095012346"),
            Some(BHXH),
            Some(&bhxh),
            None,
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.body["detail"].as_str()),
            (404, Some("person_not_found")),
            "{e}"
        );
        let r = xroad(
            &app,
            Method::GET,
            &format!("{status_path}&personalId=1"),
            Some(BHXH),
            Some(&bhxh),
            None,
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.body["detail"].as_str()),
            (400, Some("query_parameter_repeated")),
            "{e}"
        );

        // Metaservices.
        let r = xroad(
            &app,
            Method::GET,
            &format!("{BASE}/listMethods"),
            Some(BHXH),
            Some(&bhxh),
            None,
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{e}");
        let codes: Vec<&str> = r.body["service"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["service_code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            [
                "getCivilStatus",
                "getCivilRecord",
                "personalIdAssigned",
                "receiveDossier"
            ],
            "{e}"
        );
        let r = xroad(
            &app,
            Method::GET,
            &format!("{BASE}/allowedMethods"),
            Some(BHXH),
            Some(&bhxh),
            None,
            None,
        )
        .await;
        let codes: Vec<&str> = r.body["service"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["service_code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["getCivilStatus"], "{e}");
        let r = xroad(
            &app,
            Method::GET,
            &format!("{BASE}/getOpenAPI?serviceCode=getCivilStatus"),
            Some(BHXH),
            Some(&bhxh),
            None,
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{e}");
        assert_eq!(r.body["openapi"], "3.0.3", "{e}");
        assert!(r.body["paths"]["/getCivilStatus"]["get"].is_object(), "{e}");
        let r = xroad(
            &app,
            Method::GET,
            &format!("{BASE}/getOpenAPI?serviceCode=nope"),
            Some(BHXH),
            Some(&bhxh),
            None,
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.h("x-road-error")),
            (404, Some("Client.UnknownService")),
            "{e}"
        );
        let r = xroad(
            &app,
            Method::GET,
            &format!("{BASE}/listClients"),
            Some(BHXH),
            Some(&bhxh),
            None,
            None,
        )
        .await;
        let ids: Vec<&str> = r.body["member"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"]["member_code"].as_str().unwrap())
            .collect();
        assert!(
            ids.contains(&"BTP") && ids.contains(&"000.00.00.G01"),
            "{e}: {ids:?}"
        );

        // Rate limit per client.
        for _ in 0..2 {
            let r = xroad(
                &app,
                Method::GET,
                &format!("{BASE}/listMethods"),
                Some(BUSY),
                Some(&busy),
                None,
                None,
            )
            .await;
            assert_eq!(r.status, 200, "{e}");
        }
        let r = xroad(
            &app,
            Method::GET,
            &format!("{BASE}/listMethods"),
            Some(BUSY),
            Some(&busy),
            None,
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.h("x-road-error")),
            (429, Some("Client.RateLimitExceeded")),
            "{e}"
        );
        assert!(
            r.h("retry-after").unwrap().parse::<u64>().unwrap() >= 1,
            "{e}"
        );

        // receiveDossier: a declared record in the commune's queue.
        let dossier = json!({
            "dossier_code": "H26.22-261127-0001", "procedure": "birth", "office_code": "00004",
            "submitted_at": "2026-11-27T08:00:00+07:00",
            "applicant": {"full_name": "Lê Thị Hoa"},
            "declaration": mother_only_birth(("Phạm Minh Khang", "male", &days_ago(2)), ("Lê Thị Hoa", "1996-01-20")),
        });
        let r = xroad(
            &app,
            Method::POST,
            &format!("{BASE}/receiveDossier"),
            Some(MOTCUA),
            Some(&motcua),
            None,
            Some(&dossier),
        )
        .await;
        assert_eq!(
            (r.status, r.body["detail"].as_str()),
            (400, Some("x_road_id_missing")),
            "{e}"
        );
        let r = xroad(
            &app,
            Method::POST,
            &format!("{BASE}/receiveDossier"),
            Some(MOTCUA),
            Some(&motcua),
            Some("d-1"),
            Some(&dossier),
        )
        .await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);
        assert_eq!(r.body["dossier_code"], "H26.22-261127-0001", "{e}");
        let record_id = r.body["record_id"].as_i64().unwrap();
        let first = r.body.clone();
        let r = xroad(
            &app,
            Method::POST,
            &format!("{BASE}/receiveDossier"),
            Some(MOTCUA),
            Some(&motcua),
            Some("d-1"),
            Some(&dossier),
        )
        .await;
        assert_eq!(
            (r.status, &r.body),
            (200, &first),
            "{e}: the repeat is not declared again"
        );
        let mut other = dossier.clone();
        other["dossier_code"] = json!("H26.22-261127-0002");
        let r = xroad(
            &app,
            Method::POST,
            &format!("{BASE}/receiveDossier"),
            Some(MOTCUA),
            Some(&motcua),
            Some("d-1"),
            Some(&other),
        )
        .await;
        assert_eq!(
            (r.status, r.body["detail"].as_str()),
            (409, Some("x_road_id_reused")),
            "{e}"
        );
        let (s, v) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{record_id}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(v["status"], "declared", "{e}");
        let (s, q) = app
            .call(
                Method::GET,
                "/api/v1/civil/queue?status=declared",
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {q}");
        assert!(
            q.to_string().contains(&format!("\"id\":{record_id}")),
            "{e}: in the queue: {q}"
        );
        let received = app
            .store
            .audit_entries_of_target("civil_record", &record_id.to_string(), None, 10)
            .await
            .unwrap();
        assert!(
            received
                .iter()
                .any(|x| x.action == "exchange.dossier.receive"
                    && x.actor_username.as_deref() == Some(MOTCUA)),
            "{e}"
        );
        // The first two dossiers of another commune at once: one system user, two records.
        let mut hongha = dossier.clone();
        hongha["office_code"] = json!("00097");
        hongha["declaration"]["mother"]["residence"]["admin_unit_code"] = json!("00097");
        let mut hongha2 = hongha.clone();
        hongha2["dossier_code"] = json!("H01-0002");
        hongha2["declaration"]["child"]["full_name"] = json!("Phạm Minh Khôi");
        let path = format!("{BASE}/receiveDossier");
        let (r1, r2) = tokio::join!(
            xroad(
                &app,
                Method::POST,
                &path,
                Some(MOTCUA),
                Some(&motcua),
                Some("h-1"),
                Some(&hongha)
            ),
            xroad(
                &app,
                Method::POST,
                &path,
                Some(MOTCUA),
                Some(&motcua),
                Some("h-2"),
                Some(&hongha2)
            ),
        );
        assert_eq!(
            (r1.status, r2.status),
            (200, 200),
            "{e}: {} {}",
            r1.body,
            r2.body
        );
        assert_ne!(r1.body["record_id"], r2.body["record_id"], "{e}");
        // The system user cannot log in.
        let (s, _) = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(&json!({"username": "lgsp.00097", "password": "!lgsp-system-user"})),
            )
            .await;
        assert_eq!(s, 401, "{e}");
        // The domain's checks and codes, as X-Road's invalid body.
        let mut bad = dossier.clone();
        bad["declaration"]["child"]["date_of_birth"] = json!("2099-01-01");
        let r = xroad(
            &app,
            Method::POST,
            &format!("{BASE}/receiveDossier"),
            Some(MOTCUA),
            Some(&motcua),
            Some("d-2"),
            Some(&bad),
        )
        .await;
        assert_eq!(
            (r.status, r.h("x-road-error")),
            (400, Some("Client.InvalidBody")),
            "{e}: {}",
            r.body
        );
        assert!(
            r.body["detail"].as_str().unwrap().starts_with("date"),
            "{e}: {}",
            r.body
        );
        let mut bad = dossier.clone();
        bad["office_code"] = json!("01");
        let r = xroad(
            &app,
            Method::POST,
            &format!("{BASE}/receiveDossier"),
            Some(MOTCUA),
            Some(&motcua),
            Some("d-3"),
            Some(&bad),
        )
        .await;
        assert_eq!(
            (r.status, r.body["detail"].as_str()),
            (400, Some("dossier_office_invalid")),
            "{e}"
        );

        // personalIdAssigned: the child of the registered birth gets the number.
        let yy = &days_ago(3)[2..4];
        let child_pid = format!("0013{yy}000123");
        let body = json!({"birth_record_id": birth_id, "personal_id": child_pid});
        let r = xroad(
            &app,
            Method::POST,
            &format!("{BASE}/personalIdAssigned"),
            Some(BCA),
            Some(&bca),
            Some("p-1"),
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);
        assert_eq!(r.body["already"], false, "{e}");
        let child = r.body["person_id"].as_i64().unwrap();
        let (_, p) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/persons/{child}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(p["personal_id"], child_pid.as_str(), "{e}");
        let first = r.body.clone();
        let r = xroad(
            &app,
            Method::POST,
            &format!("{BASE}/personalIdAssigned"),
            Some(BCA),
            Some(&bca),
            Some("p-1"),
            Some(&body),
        )
        .await;
        assert_eq!((r.status, &r.body), (200, &first), "{e}");
        // BHXH may not assign numbers.
        let r = xroad(
            &app,
            Method::POST,
            &format!("{BASE}/personalIdAssigned"),
            Some(BHXH),
            Some(&bhxh),
            Some("p-2"),
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 403, "{e}");

        // Rotation: the old key works during the grace period; with 0 hours it stops.
        let (s, k2) = app
            .call(
                Method::POST,
                "/api/v1/exchange/members/keys",
                Some(&t),
                Some(&json!({"client_id": BHXH})),
            )
            .await;
        assert_eq!(s, 201, "{e}");
        let bhxh2 = k2["key"].as_str().unwrap().to_string();
        assert_eq!(k2["rotated_keys"].as_array().unwrap().len(), 1, "{e}");
        for k in [&bhxh, &bhxh2] {
            let r = xroad(
                &app,
                Method::GET,
                &format!("{BASE}/listMethods"),
                Some(BHXH),
                Some(k),
                None,
                None,
            )
            .await;
            assert_eq!(r.status, 200, "{e}");
        }
        let (s, _) = app
            .call(
                Method::POST,
                "/api/v1/exchange/members/keys",
                Some(&t),
                Some(&json!({"client_id": BHXH, "grace_hours": 0})),
            )
            .await;
        assert_eq!(s, 201, "{e}");
        for k in [&bhxh, &bhxh2] {
            let r = xroad(
                &app,
                Method::GET,
                &format!("{BASE}/listMethods"),
                Some(BHXH),
                Some(k),
                None,
                None,
            )
            .await;
            assert_eq!(r.status, 401, "{e}: rotated out");
        }
        // Revocation and withdrawing a right.
        let (_, list) = app
            .call(Method::GET, "/api/v1/exchange/members", Some(&t), None)
            .await;
        let m = list
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["client_id"] == MOTCUA)
            .unwrap();
        assert!(
            m.to_string().find("secret").is_none(),
            "{e}: no secrets listed"
        );
        let key_id = m["keys"][0]["key_id"].as_str().unwrap();
        let (s, _) = app
            .call(
                Method::POST,
                "/api/v1/exchange/members/rights/revoke",
                Some(&t),
                Some(&json!({"client_id": MOTCUA, "service_code": "receiveDossier"})),
            )
            .await;
        assert_eq!(s, 200, "{e}");
        let r = xroad(
            &app,
            Method::POST,
            &format!("{BASE}/receiveDossier"),
            Some(MOTCUA),
            Some(&motcua),
            Some("d-9"),
            Some(&other),
        )
        .await;
        assert_eq!(r.status, 403, "{e}");
        let (s, _) = app
            .call(
                Method::POST,
                "/api/v1/exchange/members/keys/revoke",
                Some(&t),
                Some(&json!({"client_id": MOTCUA, "key_id": key_id})),
            )
            .await;
        assert_eq!(s, 200, "{e}");
        let r = xroad(
            &app,
            Method::GET,
            &format!("{BASE}/listMethods"),
            Some(MOTCUA),
            Some(&motcua),
            None,
            None,
        )
        .await;
        assert_eq!(r.status, 401, "{e}: revoked");
    }
}

#[tokio::test]
async fn administrators_manage_partners_on_the_page() {
    use crate::support::{hidden_csrf, location, login_as, spawn_app};
    let app = spawn_app().await;
    app.add_user("quantri", "admin", "BTP").await;
    app.add_user("canbo.badinh", "officer", "00004").await;
    let officer = login_as(&app, "canbo.badinh", "/").await;
    let r = officer
        .get(app.at("/exchange/members"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let c = login_as(&app, "quantri", "/exchange/members").await;
    let r = c.get(app.at("/exchange/members")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Hệ thống đối tác") && html.contains("Chưa có hệ thống đối tác nào"));
    let csrf = hidden_csrf(&html);
    // A malformed id is refused on the page, in Vietnamese.
    let r = c
        .post(app.at("/exchange/members"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("client_id", "VN/GOV"),
            ("name", "Sai"),
            ("rate_limit_per_minute", "60"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("INSTANCE/CLASS/MEMBER/SUBSYSTEM")
    );
    let r = c
        .post(app.at("/exchange/members"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("client_id", MOTCUA),
            ("name", "Hệ thống một cửa tỉnh Hưng Yên"),
            ("rate_limit_per_minute", "60"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/exchange/members?done=registered");
    let r = c
        .post(app.at("/exchange/members/rights"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("client_id", MOTCUA),
            ("service_code", "getCivilStatus"),
            ("fields", "full_name, marital_status"),
            ("endpoint", "*"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // The key is shown once, on the answer to the form, never cached.
    let r = c
        .post(app.at("/exchange/members/keys"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("client_id", MOTCUA),
            ("grace_hours", "24"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let html = r.text().await.unwrap();
    let start = html.find("id=\"issued-key\">").unwrap() + "id=\"issued-key\">".len();
    let key = &html[start..start + html[start..].find('<').unwrap()];
    let r = c.get(app.at("/exchange/members")).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(!html.contains(key), "the secret is not shown again");
    assert!(html.contains("full_name, marital_status") && html.contains("Đang dùng"));
    // The key works on the inbound side.
    let r = xroad(
        &app,
        Method::GET,
        &format!("{BASE}/allowedMethods"),
        Some(MOTCUA),
        Some(key),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["service"][0]["service_code"], "getCivilStatus");
    // Suspending the member stops it.
    let r = c
        .post(app.at("/exchange/members/update"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("client_id", MOTCUA),
            ("enabled", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = xroad(
        &app,
        Method::GET,
        &format!("{BASE}/allowedMethods"),
        Some(MOTCUA),
        Some(key),
        None,
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.body["detail"].as_str()),
        (403, Some("exchange_member_disabled"))
    );
}

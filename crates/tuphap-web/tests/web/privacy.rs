//! Privacy (issue 8, item 7), over real HTTP on both engines: reads of personal data by offices
//! other than the registering commune need a stated purpose (API: header or query; pages: a
//! form remembered for the session), the purpose is in the audit entry and on the citizen's
//! "who accessed my data" page; the bulk CSV export is for the province and the ministry only,
//! needs a purpose, is capped and audited with its count, and each exported citizen sees it.

use reqwest::Method;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};
use tuphap_store::Engine;

use crate::api_civil::{actors, spouse};
use crate::citizen_login::{AN, authorize, citizen_app, start_idp};

/// The second test identity of the OIDC simulator (a woman: a marriage record's subject).
const BICH: &str = "079195004321";
use crate::support::{TestApp, login_as, new_client};

const INSPECTION_REF: &str = "QD-12/QD-STP";
const STATISTICS_REF: &str = "Báo cáo thống kê hộ tịch năm 2026";

async fn get_with(
    app: &TestApp,
    path: &str,
    token: &str,
    purpose: Option<(&str, &str)>,
) -> reqwest::Response {
    let mut rb = app.client.get(app.at(path)).bearer_auth(token);
    if let Some((code, reference)) = purpose {
        rb = rb.header("x-purpose", code).header(
            "x-purpose-ref",
            HeaderValue::from_bytes(reference.as_bytes()).unwrap(),
        );
    }
    rb.send().await.unwrap()
}

async fn code_of(r: reqwest::Response) -> (u16, String) {
    let s = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    (s, v["code"].as_str().unwrap_or_default().to_string())
}

/// The subject (the wife) of marriage `id`.
async fn person_of(app: &TestApp, id: i64) -> i64 {
    app.store
        .record_by_id(id)
        .await
        .unwrap()
        .unwrap()
        .subject_person_id
}

#[tokio::test]
async fn purposes_exports_and_the_citizens_access_page_on_every_engine() {
    let idp = start_idp().await;
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some(app) = citizen_app(engine, &idp, &idp.url).await else {
            continue;
        };
        let e = engine.as_str();
        let a = actors(&app).await;
        app.add_user("bo.thongke", "ministry", "BTP").await;
        let ministry = app.token("bo.thongke").await;

        // An and Bích (test identities of the OIDC simulator) marry at Ba Đình; the record's
        // subject is the wife.
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/marriages",
                Some(&a.officer),
                Some(
                    &json!({"husband": spouse("Nguyễn Văn An", "1990-03-15", AN),
                             "wife": spouse("Trần Thị Bích", "1995-11-02", BICH)}),
                ),
            )
            .await;
        assert_eq!(s, 201, "{e}: {v}");
        let id = v["id"].as_i64().unwrap();
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{id}/register"),
                Some(&a.signer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        let path = format!("/api/v1/civil/records/{id}");

        // The registering commune reads its own book without a purpose.
        let (s, _) = app.call(Method::GET, &path, Some(&a.officer), None).await;
        assert_eq!(s, 200, "{e}");
        // The province needs one: 400 purpose_required with a Vietnamese message.
        let r = get_with(&app, &path, &a.hanoi, None).await;
        assert_eq!(r.status(), 400, "{e}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], "purpose_required", "{e}: {v}");
        assert!(
            v["message"].as_str().unwrap().contains("mục đích"),
            "{e}: {v}"
        );
        // A purpose not on the list, or without its reference.
        let r = get_with(&app, &path, &a.hanoi, Some(("curiosity", "x"))).await;
        assert_eq!(code_of(r).await, (400, "purpose_invalid".into()), "{e}");
        let r = get_with(&app, &path, &a.hanoi, Some(("inspection", " "))).await;
        assert_eq!(
            code_of(r).await,
            (400, "purpose_reference_required".into()),
            "{e}"
        );
        // Another province is still refused for jurisdiction, purpose or not.
        let r = get_with(&app, &path, &a.hcm, Some(("inspection", INSPECTION_REF))).await;
        assert_eq!(r.status(), 403, "{e}");
        // With a purpose (headers): 200, and the purpose is in the audit entry.
        let r = get_with(&app, &path, &a.hanoi, Some(("inspection", INSPECTION_REF))).await;
        assert_eq!(r.status(), 200, "{e}");
        // … or in the query, with a Vietnamese reference.
        let q = format!(
            "{path}?purpose=legal_proceedings&purpose_ref={}",
            crate::support::encode("Công văn 45/CQĐT của Cơ quan điều tra")
        );
        let (s, _) = app.call(Method::GET, &q, Some(&ministry), None).await;
        assert_eq!(s, 200, "{e}");
        let entries = app
            .store
            .audit_entries_of_target("civil_record", &id.to_string(), None, 100)
            .await
            .unwrap();
        let read = entries
            .iter()
            .find(|x| {
                x.action == "civil.record.read"
                    && x.actor_username.as_deref() == Some("so.hanoi")
                    && x.outcome == "success"
            })
            .expect("the province's read is audited");
        assert_eq!(read.purpose.as_deref(), Some("inspection"), "{e}");
        let details: Value = serde_json::from_str(read.details.as_deref().unwrap()).unwrap();
        assert_eq!(details["purpose_ref"], INSPECTION_REF, "{e}");
        assert!(
            entries
                .iter()
                .any(|x| x.actor_username.as_deref() == Some("bo.thongke")
                    && x.purpose.as_deref() == Some("legal_proceedings")),
            "{e}"
        );
        let officer_read = entries
            .iter()
            .find(|x| {
                x.action == "civil.record.read"
                    && x.actor_username.as_deref() == Some("canbo.badinh")
            })
            .unwrap();
        assert_eq!(officer_read.purpose, None, "{e}: implied, not asked");

        // Exports: a commune officer may not (403, audited); the province without a purpose
        // 400; a limit outside 1–10,000 400; another province's office 403.
        let export = "/api/v1/civil/records/export";
        let stat = Some(("statistics", STATISTICS_REF));
        let r = get_with(&app, export, &a.officer, stat).await;
        assert_eq!(code_of(r).await, (403, "export_forbidden".into()), "{e}");
        let denied = app
            .store
            .audit_entries(&tuphap_store::audit::AuditFilter {
                target_type: Some("civil_records".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            denied
                .iter()
                .any(|x| x.outcome == "denied"
                    && x.actor_username.as_deref() == Some("canbo.badinh")),
            "{e}: {denied:?}"
        );
        let r = get_with(&app, export, &a.hanoi, None).await;
        assert_eq!(code_of(r).await, (400, "purpose_required".into()), "{e}");
        let r = get_with(&app, &format!("{export}?limit=0"), &a.hanoi, stat).await;
        assert_eq!(
            code_of(r).await,
            (400, "export_limit_invalid".into()),
            "{e}"
        );
        let r = get_with(&app, &format!("{export}?limit=10001"), &a.hanoi, stat).await;
        assert_eq!(
            code_of(r).await,
            (400, "export_limit_invalid".into()),
            "{e}"
        );
        let r = get_with(&app, &format!("{export}?office=00004"), &a.hcm, stat).await;
        assert_eq!(r.status(), 403, "{e}");

        // The province exports Ba Đình's marriages: CSV, one row, audited with the count.
        let r = get_with(
            &app,
            &format!("{export}?office=00004&kind=marriage"),
            &a.hanoi,
            stat,
        )
        .await;
        assert_eq!(r.status(), 200, "{e}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv"),
            "{e}"
        );
        assert_eq!(r.headers()["x-export-rows"], "1", "{e}");
        assert!(r.headers().get("x-export-next-after").is_none(), "{e}");
        let seq: i64 = r.headers()["x-audit-seq"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let csv = r.text().await.unwrap();
        let csv = csv.trim_start_matches('\u{feff}');
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "{e}: {csv}");
        assert!(
            lines[0].starts_with("record_id,kind,status,office_code"),
            "{e}"
        );
        assert!(
            lines[1].starts_with(&format!("{id},marriage,")),
            "{e}: {csv}"
        );
        assert!(
            lines[1].contains(BICH) && lines[1].contains("Trần Thị Bích"),
            "{e}: {csv}"
        );
        let entry = app
            .store
            .audit_entries(&tuphap_store::audit::AuditFilter {
                before_seq: Some(seq + 1),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .remove(0);
        assert_eq!(entry.action, "civil.records.export", "{e}");
        assert_eq!(entry.purpose.as_deref(), Some("statistics"), "{e}");
        let details: Value = serde_json::from_str(entry.details.as_deref().unwrap()).unwrap();
        assert_eq!(details["rows"], 1, "{e}: {details}");
        assert_eq!(details["filter"]["office"], "00004", "{e}");
        assert_eq!(details["filter"]["kind"], "marriage", "{e}");
        assert_eq!(details["purpose_ref"], STATISTICS_REF, "{e}");
        // Keyset pages over the whole jurisdiction: the ministry, one row a page.
        let r = get_with(&app, &format!("{export}?limit=1"), &ministry, stat).await;
        assert_eq!(r.status(), 200, "{e}");
        assert_eq!(r.headers()["x-export-rows"], "1", "{e}");
        let next = r.headers()["x-export-next-after"]
            .to_str()
            .unwrap()
            .to_string();
        let r = get_with(
            &app,
            &format!("{export}?limit=1&after={next}"),
            &ministry,
            stat,
        )
        .await;
        assert_eq!(r.status(), 200, "{e}");
        assert_eq!(
            r.headers()["x-export-rows"],
            "0",
            "{e}: one registered record"
        );

        // The province's page asks for the purpose with a form (428) and remembers it.
        let province = login_as(&app, "so.hanoi", "/civil").await;
        let page = format!("/civil/records/{id}");
        let r = province.get(app.at(&page)).send().await.unwrap();
        assert_eq!(r.status(), 428, "{e}");
        assert_eq!(r.headers()["x-error-code"], "purpose_required", "{e}");
        let body = r.text().await.unwrap();
        assert!(body.contains(r#"name="purpose_ref""#), "{e}: {body}");
        assert!(body.contains("Thanh tra, kiểm tra"), "{e}");
        let r = province
            .get(app.at(&format!(
                "{page}?purpose=inspection&purpose_ref={}",
                crate::support::encode("Kiểm tra sổ hộ tịch 2026")
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{e}");
        assert!(
            r.headers()
                .get_all("set-cookie")
                .iter()
                .any(|v| v.to_str().unwrap().starts_with("tuphap_purpose=")),
            "{e}: remembered"
        );
        let r = province.get(app.at(&page)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{e}: the remembered purpose is used");
        let person = person_of(&app, id).await;
        let r = province
            .get(app.at(&format!("/civil/persons/{person}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{e}: on the person page too");
        // Another session does not inherit it.
        let other = login_as(&app, "so.hanoi", "/civil").await;
        let r = other.get(app.at(&page)).send().await.unwrap();
        assert_eq!(r.status(), 428, "{e}");

        // Bích sees the reads with their purposes, and the export, on /citizen/access.
        let c = new_client();
        let back = authorize(&app, &c, BICH).await;
        let r = c.get(&back).send().await.unwrap();
        assert_eq!(r.status(), 303, "{e}");
        let r = c.get(app.at("/citizen/access")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{e}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Thanh tra, kiểm tra — căn cứ: QD-12/QD-STP"),
            "{e}: {body}"
        );
        assert!(
            body.contains("Theo yêu cầu của cơ quan tiến hành tố tụng"),
            "{e}: {body}"
        );
        assert!(
            !body.contains("Công văn 45/CQĐT"),
            "{e}: the reference of a request in legal proceedings is not shown"
        );
        assert!(
            body.contains("Trích xuất dữ liệu hộ tịch hàng loạt"),
            "{e}: {body}"
        );
        assert!(
            body.contains(&format!("Thống kê, báo cáo — căn cứ: {STATISTICS_REF}")),
            "{e}: {body}"
        );
        assert!(
            body.contains(&format!(
                "<td data-label=\"Số thứ tự\" class=\"mono\">{seq}</td>"
            )),
            "{e}"
        );
        assert!(!body.contains("so.hanoi"), "{e}: no username");
        assert!(app.store.verify_audit().await.unwrap().is_intact(), "{e}");
    }
}

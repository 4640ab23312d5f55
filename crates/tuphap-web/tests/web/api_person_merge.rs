//! The person register's merge over the API and the pages, on both engines: the same man has
//! two entries (his birth, digitised without a personal ID, and his marriage with one); a signer
//! merges them with a reason; the entry that stays then shows both events, the personal ID and
//! the status "married", a new marriage of his is refused, a search by his personal ID finds his
//! birth; undoing splits everything back as it was. Refusals with their codes; both actions in
//! the audit log with their reasons.

use reqwest::Method;
use serde_json::{Value, json};

use crate::api_civil::{Actors, actors, child_of, declare_and_register, spouse};
use crate::support::{TestApp, hidden_csrf, location, login_as, spawn_apps};

const NAM_PID: &str = "001093012345";

/// A birth at Ba Đình of `child` (male) born `dob`, with a father named `father` (no ID).
fn birth_of(child: &str, sex: &str, dob: &str, father: Option<(&str, &str)>) -> Value {
    let mut b = json!({
        "child": {"full_name": child, "sex": sex, "date_of_birth": dob,
                  "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                  "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Lê Thị Hoa", "date_of_birth": "1970-04-01",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004", "detail": "8 phố Đội Cấn"}},
        "declarant": {"full_name": "Lê Thị Hoa", "relationship": "mẹ"}
    });
    if let Some((name, fdob)) = father {
        b["father"] = json!({"full_name": name, "date_of_birth": fdob, "ethnicity_code": "01",
                             "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}});
    }
    b
}

async fn record(app: &TestApp, a: &Actors, id: i64) -> Value {
    let (s, v) = app
        .call(
            Method::GET,
            &format!("/api/v1/civil/records/{id}"),
            Some(&a.officer),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

fn role_of(record: &Value, role: &str) -> i64 {
    record["persons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["role"] == role)
        .and_then(|p| p["person_id"].as_i64())
        .unwrap()
}

async fn person(app: &TestApp, token: &str, id: i64) -> Value {
    let (s, v) = app
        .call(
            Method::GET,
            // A purpose: the province's reads need one (issue 8), a commune's is recorded.
            &format!("/api/v1/civil/persons/{id}?purpose=case_handling&purpose_ref=HS-01"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

fn event_kinds(p: &Value) -> Vec<String> {
    let mut k: Vec<String> = p["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

async fn merge(app: &TestApp, token: &str, survivor: i64, body: Value) -> (u16, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/civil/persons/{survivor}/merge"),
        Some(token),
        Some(&body),
    )
    .await
}

async fn undo(app: &TestApp, token: &str, merge_id: i64, reason: &str) -> (u16, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/civil/person-merges/{merge_id}/undo"),
        Some(token),
        Some(&json!({"reason": reason})),
    )
    .await
}

async fn search_ids(app: &TestApp, token: &str, q: &str) -> Vec<i64> {
    let (s, v) = app
        .call(
            Method::GET,
            &format!("/api/v1/civil/search?q={q}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// The two entries of Nguyễn Văn Nam: (birth record, entry of the birth, marriage record, entry
/// of the marriage).
async fn two_entries_of_nam(app: &TestApp, a: &Actors) -> (i64, i64, i64, i64) {
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/civil/births",
            Some(&a.officer),
            Some(&birth_of("Nguyễn Văn Nam", "male", "1993-07-02", None)),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let birth = v["id"].as_i64().unwrap();
    let (s, v) = app
        .call(
            Method::POST,
            &format!("/api/v1/civil/records/{birth}/register"),
            Some(&a.signer),
            Some(&json!({"duplicate_override_reason": null})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let born = child_of(&record(app, a, birth).await);
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/civil/marriages",
            Some(&a.officer),
            Some(
                &json!({"husband": spouse("Nguyễn Văn Nam", "1993-07-02", NAM_PID),
                         "wife": spouse("Trần Thị Mai", "1995-03-14", "001195012345")}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let marriage = v["id"].as_i64().unwrap();
    let (s, v) = app
        .call(
            Method::POST,
            &format!("/api/v1/civil/records/{marriage}/register"),
            Some(&a.signer),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let married = role_of(&record(app, a, marriage).await, "husband");
    assert_ne!(born, married, "two entries of one man");
    (birth, born, marriage, married)
}

#[tokio::test]
async fn merged_entries_count_as_one_person_and_undo_splits_them_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        app.add_user("kiemtra", "auditor", "BTP").await;
        let auditor = app.token("kiemtra").await;
        let (birth, born, marriage, married) = two_entries_of_nam(&app, &a).await;
        let before = person(&app, &a.officer, born).await;
        assert_eq!(before["personal_id"], Value::Null, "{e}");
        assert_eq!(event_kinds(&before), ["birth"], "{e}");
        assert_ne!(before["civil_status"], "married", "{e}: {before}");
        assert_eq!(before["merged_into"], Value::Null, "{e}");
        assert!(!search_ids(&app, &a.officer, NAM_PID).await.contains(&birth));
        // Mai is female: merging her with Nam is refused; so is a second Nam with another ID.
        let mai = role_of(&record(&app, &a, marriage).await, "wife");
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/marriages",
            &json!({"husband": spouse("Nguyễn Văn Nam", "1993-07-02", "001093054321"),
                    "wife": spouse("Phạm Thị Lan", "1996-01-20", "001196000777")}),
        )
        .await;
        assert_eq!(s, 200, "{e}: {v}");
        let other_nam = role_of(
            &record(&app, &a, v["id"].as_i64().unwrap()).await,
            "husband",
        );
        let reason = "Cùng họ tên, ngày sinh, cha mẹ; đối chiếu bản chính Giấy khai sinh và CCCD 001093012345";

        for (token, survivor, body, status, code) in [
            // A commune officer may not merge; a province outside the records may not either.
            (
                &a.officer,
                born,
                json!({"merged_person_id": married, "reason": reason}),
                403,
                "forbidden",
            ),
            (
                &a.hcm,
                born,
                json!({"merged_person_id": married, "reason": reason}),
                403,
                "forbidden",
            ),
            (
                &a.signer,
                born,
                json!({"merged_person_id": married, "reason": "  "}),
                422,
                "person_merge_reason_required",
            ),
            (
                &a.signer,
                born,
                json!({"merged_person_id": born, "reason": reason}),
                422,
                "person_merge_same_person",
            ),
            (
                &a.signer,
                married,
                json!({"merged_person_id": other_nam, "reason": reason}),
                422,
                "person_merge_personal_id_differs",
            ),
            (
                &a.signer,
                born,
                json!({"merged_person_id": mai, "reason": reason}),
                422,
                "person_merge_sex_differs",
            ),
            (
                &a.signer,
                married,
                json!({"merged_person_id": mai, "reason": reason}),
                422,
                "person_merge_personal_id_differs",
            ),
            (
                &a.signer,
                born,
                json!({"merged_person_id": 987_654, "reason": reason}),
                404,
                "person_not_found",
            ),
        ] {
            let (s, v) = merge(&app, token, survivor, body).await;
            assert_eq!((s, v["code"].as_str()), (status, Some(code)), "{e}: {v}");
        }

        // A mother and her daughter (the mother's date of birth not recorded) are two people.
        let mut girl = birth_of(
            "Phạm Thị Thu",
            "female",
            &crate::api_civil::days_ago(2),
            None,
        );
        girl["mother"]["date_of_birth"] = Value::Null;
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/births", &girl).await;
        assert_eq!(s, 200, "{e}: {v}");
        let r = record(&app, &a, v["id"].as_i64().unwrap()).await;
        let (s, v) = merge(
            &app,
            &a.signer,
            role_of(&r, "child"),
            json!({"merged_person_id": role_of(&r, "mother"), "reason": reason}),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (422, Some("person_merge_same_record")),
            "{e}: {v}"
        );

        // The signer merges the marriage's entry into the birth's: 201 with the merge record.
        let (s, m) = merge(
            &app,
            &a.signer,
            born,
            json!({"merged_person_id": married, "reason": reason}),
        )
        .await;
        assert_eq!(s, 201, "{e}: {m}");
        assert_eq!(
            (m["survivor_id"].as_i64(), m["merged_id"].as_i64()),
            (Some(born), Some(married)),
            "{e}"
        );
        assert_eq!(m["personal_id_moved"], NAM_PID, "{e}");
        assert_eq!(m["active"], true, "{e}");
        assert_eq!(m["reason"], reason, "{e}");
        let merge_id = m["id"].as_i64().unwrap();

        // One person: both events, the personal ID, married — for the province too.
        for token in [&a.officer, &a.hanoi] {
            let p = person(&app, token, born).await;
            assert_eq!(event_kinds(&p), ["birth", "marriage"], "{e}: {p}");
            assert_eq!(p["personal_id"], NAM_PID, "{e}");
            assert_eq!(p["civil_status"], "married", "{e}: {p}");
            let m_event = p["events"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["kind"] == "marriage")
                .unwrap();
            assert_eq!(m_event["person_id"].as_i64(), Some(married), "{e}");
            assert!(
                p["civil_status_explained"]
                    .as_str()
                    .unwrap()
                    .contains("Trần Thị Mai"),
                "{e}: {p}"
            );
        }
        let dup = person(&app, &a.officer, married).await;
        assert_eq!(dup["merged_into"].as_i64(), Some(born), "{e}: {dup}");
        assert_eq!(dup["personal_id"], Value::Null, "{e}");
        assert_eq!(dup["merges"][0]["reason"], reason, "{e}");
        assert_eq!(dup["merges"][0]["active"], true, "{e}");
        assert_eq!(event_kinds(&dup), ["marriage"], "{e}");
        // The search finds his birth by the personal ID he now has.
        assert!(
            search_ids(&app, &a.officer, NAM_PID).await.contains(&birth),
            "{e}"
        );

        // He is married: a new marriage of his (found by his personal ID) is refused.
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/marriages",
                Some(&a.officer),
                Some(
                    &json!({"husband": spouse("Nguyễn Văn Nam", "1993-07-02", NAM_PID),
                             "wife": spouse("Đỗ Thị Hạnh", "1994-05-05", "001194000888")}),
                ),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("marriage_already_married")),
            "{e}: {v}"
        );

        // No chains: the merged entry cannot take others, nor be merged again; a third entry
        // of Nam (the father of a birth, without ID) shows both refusals.
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/births",
            &birth_of(
                "Nguyễn Minh Khôi",
                "male",
                &crate::api_civil::days_ago(3),
                Some(("Nguyễn Văn Nam", "1993-07-02")),
            ),
        )
        .await;
        assert_eq!(s, 200, "{e}: {v}");
        let father = role_of(&record(&app, &a, v["id"].as_i64().unwrap()).await, "father");
        let (s, v) = merge(
            &app,
            &a.signer,
            married,
            json!({"merged_person_id": father, "reason": reason}),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("person_merge_survivor_merged")),
            "{e}: {v}"
        );
        let (s, v) = merge(
            &app,
            &a.signer,
            father,
            json!({"merged_person_id": married, "reason": reason}),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("person_merge_already_merged")),
            "{e}: {v}"
        );
        let (s, v) = merge(
            &app,
            &a.signer,
            father,
            json!({"merged_person_id": born, "reason": reason}),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("person_merge_has_merged")),
            "{e}: {v}"
        );

        // Undo: refused without a reason or for an officer; then done by the province.
        let (s, v) = undo(&app, &a.officer, merge_id, "Nhầm").await;
        assert_eq!(
            (s, v["code"].as_str()),
            (403, Some("forbidden")),
            "{e}: {v}"
        );
        let (s, v) = undo(&app, &a.hanoi, merge_id, " ").await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (422, Some("person_merge_reason_required"), Some("reason")),
            "{e}: {v}"
        );
        let (s, v) = undo(&app, &a.hanoi, 987_654, "Nhầm").await;
        assert_eq!(
            (s, v["code"].as_str()),
            (404, Some("person_merge_not_found")),
            "{e}: {v}"
        );
        let undo_reason = "Xác minh lại: trùng họ tên, ngày sinh nhưng khác cha mẹ";
        let (s, v) = undo(&app, &a.hanoi, merge_id, undo_reason).await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(v["active"], false, "{e}");
        assert_eq!(v["undo_reason"], undo_reason, "{e}");
        let (s, v) = undo(&app, &a.hanoi, merge_id, undo_reason).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (409, Some("person_merge_already_undone")),
            "{e}: {v}"
        );

        // Both entries as before: events split, the ID back on the marriage's entry.
        let after = person(&app, &a.officer, born).await;
        assert_eq!(after["personal_id"], Value::Null, "{e}");
        assert_eq!(event_kinds(&after), ["birth"], "{e}");
        assert_eq!(after["civil_status"], before["civil_status"], "{e}");
        assert_eq!(after["merges"][0]["active"], false, "{e}");
        let dup = person(&app, &a.officer, married).await;
        assert_eq!(dup["merged_into"], Value::Null, "{e}");
        assert_eq!(dup["personal_id"], NAM_PID, "{e}");
        assert_eq!(dup["civil_status"], "married", "{e}");
        assert_eq!(event_kinds(&dup), ["marriage"], "{e}");
        assert!(
            !search_ids(&app, &a.officer, NAM_PID).await.contains(&birth),
            "{e}"
        );
        // Merging again after the undo is possible (the history keeps both).
        let (s, v) = merge(
            &app,
            &a.hanoi,
            born,
            json!({"merged_person_id": married, "reason": reason}),
        )
        .await;
        assert_eq!(s, 201, "{e}: {v}");
        assert_eq!(
            person(&app, &a.officer, born).await["merges"]
                .as_array()
                .unwrap()
                .len(),
            2,
            "{e}"
        );

        // The audit log has the merge and its undoing, each with its reason.
        let (s, v) = app
            .call(
                Method::GET,
                &format!("/api/v1/audit/entries?target_type=person&target_id={born}"),
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let entries = v.as_array().unwrap();
        let found = |action: &str, why: &str, outcome: &str| {
            entries
                .iter()
                .any(|x| x["action"] == action && x["reason"] == why && x["outcome"] == outcome)
        };
        assert!(found("civil.person.merge", reason, "success"), "{e}: {v}");
        assert!(
            found("civil.person.unmerge", undo_reason, "success"),
            "{e}: {v}"
        );
        assert!(
            found("civil.person.merge", "outside_jurisdiction", "denied"),
            "{e}: the province outside the records is audited as denied: {v}"
        );
    }
}

/// The person page's forms over HTTP (no JavaScript): the signer sees "Hợp nhất với người
/// khác", a missing reason comes back next to its field with the values kept, the merge
/// redirects to the survivor with a notice; the merged entry's page says where it went, why,
/// and offers "Hủy hợp nhất"; an officer sees neither form.
#[tokio::test]
async fn merge_and_undo_from_the_person_page_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let a = actors(&app).await;
        let (_, born, _, married) = two_entries_of_nam(&app, &a).await;
        let officer = login_as(&app, "canbo.badinh", "/").await;
        let page = officer
            .get(app.at(&format!("/civil/persons/{born}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!page.contains("Hợp nhất với người khác"), "{e}");

        let c = login_as(&app, "lanhdao.badinh", "/").await;
        let page = c
            .get(app.at(&format!("/civil/persons/{born}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Hợp nhất với người khác"), "{e}");
        let csrf = hidden_csrf(&page);
        let merged = married.to_string();
        // Without the session's CSRF token nothing is merged.
        for token in ["", "sai"] {
            let r = c
                .post(app.at(&format!("/civil/persons/{born}/merge")))
                .form(&[
                    ("csrf", token),
                    ("merged_person_id", merged.as_str()),
                    ("reason", "Đối chiếu CCCD"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{e}");
        }
        assert_eq!(
            app.store
                .person_by_id(married)
                .await
                .unwrap()
                .unwrap()
                .merged_into,
            None,
            "{e}"
        );
        let r = c
            .post(app.at(&format!("/civil/persons/{born}/merge")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("merged_person_id", merged.as_str()),
                ("reason", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{e}");
        let body = r.text().await.unwrap();
        assert!(body.contains("id=\"merge-reason-error\""), "{e}: {body}");
        assert!(body.contains(&format!("value=\"{married}\"")), "{e}");
        let r = c
            .post(app.at(&format!("/civil/persons/{born}/merge")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("merged_person_id", "abc"),
                ("reason", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{e}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("id=\"merged_person_id-error\""),
            "{e}"
        );
        let r = c
            .post(app.at(&format!("/civil/persons/{born}/merge")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("merged_person_id", merged.as_str()),
                ("reason", "Đối chiếu CCCD và Giấy khai sinh"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        assert_eq!(
            location(&r),
            format!("/civil/persons/{born}?merged={married}#hop-nhat"),
            "{e}"
        );
        let page = c
            .get(app.at(&format!("/civil/persons/{born}?merged={married}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Đã hợp nhất người số"), "{e}");
        assert!(
            page.contains("Đang có vợ"),
            "{e}: married, from both entries"
        );
        assert!(page.contains(NAM_PID), "{e}");

        let page = c
            .get(app.at(&format!("/civil/persons/{married}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Đã hợp nhất vào"), "{e}");
        assert!(
            page.contains(&format!("href=\"/civil/persons/{born}\"")),
            "{e}"
        );
        assert!(page.contains("Đối chiếu CCCD và Giấy khai sinh"), "{e}");
        assert!(page.contains("Hủy hợp nhất"), "{e}");
        assert!(!page.contains("Hợp nhất với người khác"), "{e}");
        let action = page
            .split("action=\"/civil/person-merges/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let r = c
            .post(app.at(&format!("/civil/person-merges/{action}")))
            .form(&[("csrf", csrf.as_str()), ("reason", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{e}");
        assert!(
            r.text().await.unwrap().contains("id=\"undo-reason-error\""),
            "{e}"
        );
        let r = c
            .post(app.at(&format!("/civil/person-merges/{action}")))
            .form(&[("csrf", csrf.as_str()), ("reason", "Nhầm người")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        assert_eq!(
            location(&r),
            format!("/civil/persons/{married}?unmerged=1"),
            "{e}"
        );
        let page = c
            .get(app.at(&format!("/civil/persons/{married}?unmerged=1")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Đã hủy hợp nhất"), "{e}");
        assert!(page.contains("Nhầm người"), "{e}: in the history");
        assert!(page.contains(NAM_PID), "{e}: the ID is back");
    }
}

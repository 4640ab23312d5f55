//! Civil-status pages over HTTP, as a browser without JavaScript uses them: log in through the
//! real form, declare a birth with the form (POST → 303 → record page), see field errors next to
//! their field with the values kept, register as the signer, follow the work queues, duplicates
//! and their override reason, return and reject, jurisdiction, and CSRF on every POST; deaths
//! and marriages through their forms (refusals by the rules as alerts), and the printed
//! certificate linked from the record page.

use tuphap_core::dates::{format_vn, vn_today};

use crate::support::{TestApp, hidden_csrf, location, new_client, spawn_app, spawn_apps};

/// Logs `username` in through the login form (landing on `/civil`).
async fn login_as(app: &TestApp, username: &str) -> reqwest::Client {
    crate::support::login_as(app, username, "/civil").await
}

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.at(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    c.post(app.at(path)).form(form).send().await.unwrap()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn days_ago(n: i64) -> String {
    (vn_today() - time::Duration::days(n)).to_string()
}

/// A complete declaration form as the page submits it.
fn birth_form(csrf: &str, child: &str, dob: &str) -> Vec<(String, String)> {
    pairs(&[
        ("csrf", csrf),
        ("child.full_name", child),
        ("child.sex", "female"),
        ("child.date_of_birth", dob),
        ("child.place_of_birth.admin_unit_code", "00004"),
        ("child.place_of_birth.detail", "Bệnh viện Phụ sản Hà Nội"),
        ("child.ethnicity_code", "01"),
        ("child.nationality_code", "VN"),
        ("child.home_town", "Nam Định"),
        ("mother.full_name", "Trần Thị Mai"),
        ("mother.date_of_birth", "1995-03-14"),
        ("mother.personal_id", "001195012345"),
        ("mother.ethnicity_code", "01"),
        ("mother.nationality_code", "VN"),
        ("mother.residence.admin_unit_code", "00004"),
        ("mother.residence.detail", "12 phố Quán Thánh"),
        ("has_father", "1"),
        ("father.full_name", "Nguyễn Văn Nam"),
        ("father.date_of_birth", "1993-07-02"),
        ("father.personal_id", ""),
        ("father.ethnicity_code", "01"),
        ("father.nationality_code", "VN"),
        ("father.residence.admin_unit_code", "00004"),
        ("father.residence.detail", ""),
        ("declarant.full_name", "Trần Thị Mai"),
        ("declarant.personal_id", ""),
        ("declarant.relationship", "mẹ"),
    ])
}

fn set(form: &mut [(String, String)], key: &str, value: &str) {
    let slot = form
        .iter_mut()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no field {key}"));
    slot.1 = value.to_string();
}

/// The markup of the form field whose control has `id` (from its `<div>` to the `</div>`).
fn field_block<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element #{id}"));
    let from = html[..at].rfind("<div").unwrap();
    let to = at + html[at..].find("</div>").unwrap();
    &html[from..to]
}

/// Declares through the form and returns the new record's id and the redirect target.
async fn declare(c: &reqwest::Client, app: &TestApp, form: &[(String, String)]) -> (i64, String) {
    declare_at(c, app, "/civil/births", form).await
}

/// Declares through the form posted to `path` (births, deaths, marriages).
async fn declare_at(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(String, String)],
) -> (i64, String) {
    let r = post(c, app, path, form).await;
    let status = r.status();
    let to = location(&r);
    assert_eq!(status, 303, "{}", r.text().await.unwrap());
    let id: i64 = to
        .strip_prefix("/civil/records/")
        .and_then(|s| s.split('?').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("redirect to a record: {to}"));
    (id, to)
}

async fn users(app: &TestApp) {
    app.add_user("canbo.badinh", "officer", "00004").await;
    app.add_user("lanhdao.badinh", "signer", "00004").await;
    app.add_user("canbo.hongha", "officer", "00097").await;
    app.add_user("so.hanoi", "province", "01").await;
    app.add_user("admin", "admin", "BTP").await;
}

async fn status_of(app: &TestApp, id: i64) -> String {
    app.store.record_by_id(id).await.unwrap().unwrap().status
}

#[tokio::test]
async fn declare_then_register_through_the_pages() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        users(&app).await;
        let year = vn_today().year();
        let officer = login_as(&app, "canbo.badinh").await;

        // The queue, empty, with the navigation entry and the button to the form.
        let (s, body) = get(&officer, &app, "/civil").await;
        assert_eq!(s, 200, "{e}");
        assert!(body.contains(r#"<a href="/civil" aria-current="page">Hộ tịch</a>"#));
        assert!(body.contains(r#"href="/civil/births/new""#));
        assert!(
            body.contains(r#"<a href="/civil?status=declared" aria-current="page">Chờ ký</a>"#)
        );
        assert!(body.contains("Đã đăng ký / chờ in"));
        assert!(body.contains("Không có hồ sơ nào trong mục “Chờ ký”."));
        assert!(!body.contains("style="), "no inline styles (CSP)");

        // The form: defaults (Kinh, Việt Nam, the parents in the office's commune, a father).
        let (s, body) = get(&officer, &app, "/civil/births/new").await;
        assert_eq!(s, 200);
        assert!(body.contains(r#"<form class="birth-form" method="post" action="/civil/births">"#));
        for name in [
            "child.full_name",
            "child.sex",
            "child.date_of_birth",
            "child.place_of_birth.admin_unit_code",
            "child.place_of_birth.detail",
            "child.ethnicity_code",
            "child.nationality_code",
            "mother.personal_id",
            "mother.residence.admin_unit_code",
            "father.full_name",
            "declarant.full_name",
            "declarant.personal_id",
            "declarant.relationship",
        ] {
            assert!(body.contains(&format!("name=\"{name}\"")), "{name}");
        }
        assert!(body.contains(r#"<option value="VN" selected>Việt Nam</option>"#));
        assert!(body.contains(r#"<option value="01" selected>Kinh"#));
        assert!(body.matches(r#"<option value=""#).count() > 54 * 3 + 200 * 3);
        assert!(body.contains(r#"name="has_father" value="1" checked"#));
        assert!(body.contains("Có thông tin người cha"));
        assert!(field_block(&body, "mother-residence-admin_unit_code").contains("value=\"00004\""));
        assert!(body.contains("→ Phường Ba Đình, Thành phố Hà Nội"));
        assert!(body.contains(r#"type="date""#));
        assert!(!body.contains(r#"aria-invalid="true""#));
        let csrf = hidden_csrf(&body);

        // A date of birth in the future: 422, the message next to the field, values kept.
        let future = vn_today() + time::Duration::days(2);
        let mut form = birth_form(&csrf, "Nguyễn Thị Hương", &future.to_string());
        let r = post(&officer, &app, "/civil/births", &form).await;
        assert_eq!(r.status(), 422, "{e}");
        let body = r.text().await.unwrap();
        let block = field_block(&body, "child-date_of_birth");
        assert!(block.contains(r#"aria-invalid="true""#), "{block}");
        assert!(
            block.contains(&format!("Ngày {} ở tương lai.", format_vn(future))),
            "{block}"
        );
        assert!(block.contains(r#"id="child-date_of_birth-error""#));
        assert_eq!(body.matches(r#"aria-invalid="true""#).count(), 1);
        assert!(
            body.contains(
                r##"<a href="#child-date_of_birth">Ngày sinh (Người được khai sinh)</a>"##
            )
        );
        assert!(body.contains(r#"value="Nguyễn Thị Hương""#));
        assert!(body.contains(r#"value="Bệnh viện Phụ sản Hà Nội""#));
        assert!(body.contains(r#"value="12 phố Quán Thánh""#));
        assert!(body.contains(r#"value="Nguyễn Văn Nam""#));
        assert!(body.contains(r#"value="001195012345""#));
        assert!(body.contains(r#"<option value="female" selected>Nữ</option>"#));
        assert!(body.contains(&format!(r#"value="{future}""#)));

        // An invalid personal ID of the mother: next to her field.
        set(&mut form, "child.date_of_birth", &days_ago(5));
        set(&mut form, "mother.personal_id", "001295012345");
        let r = post(&officer, &app, "/civil/births", &form).await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        let block = field_block(&body, "mother-personal_id");
        assert!(block.contains(r#"aria-invalid="true""#), "{block}");
        assert!(block.contains("mother-personal_id-error"));
        assert!(!field_block(&body, "child-date_of_birth").contains("aria-invalid"));
        // A date typed as dd/mm/yyyy is understood; a wrong one is refused at its field.
        set(&mut form, "mother.personal_id", "001195012345");
        set(&mut form, "mother.date_of_birth", "30/02/1995");
        let r = post(&officer, &app, "/civil/births", &form).await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(
            field_block(&body, "mother-date_of_birth").contains("Ngày 30/02/1995 không tồn tại.")
        );
        set(&mut form, "mother.date_of_birth", "14/03/1995");

        // Parents living in another commune: this office is not competent (an alert, 403).
        let mut elsewhere = form.clone();
        set(&mut elsewhere, "mother.residence.admin_unit_code", "00097");
        set(&mut elsewhere, "father.residence.admin_unit_code", "00097");
        let r = post(&officer, &app, "/civil/births", &elsewhere).await;
        assert_eq!(r.status(), 403);
        let body = r.text().await.unwrap();
        assert!(body.contains(r#"<div class="alert error" role="alert">"#));
        assert!(body.contains("không có thẩm quyền"), "{e}");
        assert!(!body.contains(r#"aria-invalid="true""#));

        // The declaration: 303 to the record page, which confirms it.
        let (id, to) = declare(&officer, &app, &form).await;
        assert_eq!(to, format!("/civil/records/{id}?declared=1"));
        let (s, body) = get(&officer, &app, &to).await;
        assert_eq!(s, 200);
        assert!(
            body.contains(&format!("Đã tiếp nhận hồ sơ số {id}.")),
            "{e}"
        );
        assert!(body.contains(r#"<span class="badge pending">Chờ ký</span>"#));
        assert!(body.contains("Nguyễn Thị Hương"));
        assert!(body.contains(&format_vn(vn_today() - time::Duration::days(5))));
        assert!(body.contains("14/03/1995"), "dd/mm/yyyy dates");
        assert!(
            body.contains("Bệnh viện Phụ sản Hà Nội, Phường Ba Đình, Thành phố Hà Nội (mã 00004)")
        );
        assert!(body.contains("Trần Thị Mai"));
        assert!(body.contains("Nguyễn Văn Nam"));
        assert!(body.contains("Kinh"));
        assert!(body.contains("Tiếp nhận tờ khai"));
        assert!(body.contains("Cán bộ canbo.badinh (canbo.badinh)"));
        assert!(!body.contains("Hồ sơ có thể trùng"));
        // Officers return or reject; only signers register.
        assert!(body.contains(&format!(r#"action="/civil/records/{id}/return""#)));
        assert!(body.contains(&format!(r#"action="/civil/records/{id}/reject""#)));
        assert!(!body.contains(&format!(r#"action="/civil/records/{id}/register""#)));
        let csrf = hidden_csrf(&body);
        let r = post(
            &officer,
            &app,
            &format!("/civil/records/{id}/register"),
            &pairs(&[("csrf", &csrf)]),
        )
        .await;
        assert_eq!(r.status(), 403);
        assert_eq!(status_of(&app, id).await, "declared");

        // The queue lists it under "Chờ ký" only.
        let link = format!(r#"href="/civil/records/{id}""#);
        let (_, body) = get(&officer, &app, "/civil?status=declared").await;
        assert!(body.contains(&link), "{e}");
        assert!(body.contains("<strong>Nguyễn Thị Hương</strong>"));
        assert!(body.contains("Đúng hạn"));
        let (_, body) = get(&officer, &app, "/civil?status=registered").await;
        assert!(!body.contains(&link));

        // Another commune's officer: 403 page; the province reads it without actions.
        let other = login_as(&app, "canbo.hongha").await;
        let (s, body) = get(&other, &app, &format!("/civil/records/{id}")).await;
        assert_eq!(s, 403, "{e}");
        assert!(body.contains("ngoài phạm vi thẩm quyền"));
        let province = login_as(&app, "so.hanoi").await;
        let (s, body) = get(
            &province,
            &app,
            &format!("/civil/records/{id}?purpose=inspection&purpose_ref=KT-01"),
        )
        .await;
        assert_eq!(s, 200);
        assert!(body.contains("Nguyễn Thị Hương"));
        assert!(!body.contains("Xử lý hồ sơ"));
        let (s, body) = get(&province, &app, "/civil").await;
        assert_eq!(s, 200);
        assert!(!body.contains("/civil/births/new"));
        assert!(body.contains("theo số hồ sơ"));
        let r = province
            .get(app.at(&format!("/civil?so={id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), format!("/civil/records/{id}"));
        let (s, _) = get(&province, &app, "/civil/births/new").await;
        assert_eq!(s, 403);
        // Unknown records.
        let (s, body) = get(&officer, &app, "/civil/records/999999").await;
        assert_eq!(s, 404);
        assert!(body.contains("Không có hồ sơ hộ tịch số 999999."));
        let (s, _) = get(&officer, &app, "/civil/records/abc").await;
        assert_eq!(s, 404);
        // No registry for an administrator of the ministry.
        let admin = login_as(&app, "admin").await;
        let (s, body) = get(&admin, &app, "/civil").await;
        assert_eq!(s, 403);
        let (_, home) = get(&admin, &app, "/").await;
        assert!(!home.contains(r#"href="/civil""#), "no nav entry");
        assert!(body.contains("không làm việc với sổ hộ tịch"));

        // The signer registers from the record page.
        let signer = login_as(&app, "lanhdao.badinh").await;
        let (_, body) = get(&signer, &app, "/civil").await;
        assert!(body.contains(&link));
        let (_, body) = get(&signer, &app, &format!("/civil/records/{id}")).await;
        assert!(body.contains(&format!(r#"action="/civil/records/{id}/register""#)));
        assert!(body.contains("Ký đăng ký"));
        assert!(!body.contains("duplicate_override_reason"));
        let csrf = hidden_csrf(&body);
        let r = post(
            &signer,
            &app,
            &format!("/civil/records/{id}/register"),
            &pairs(&[("csrf", &csrf)]),
        )
        .await;
        assert_eq!(r.status(), 303, "{e}");
        assert_eq!(location(&r), format!("/civil/records/{id}?registered=1"));
        let (_, body) = get(&signer, &app, &location(&r)).await;
        let text = format!("Số: 1, Quyển số: 01/{year}");
        assert!(
            body.contains(&format!("Đã ký đăng ký hồ sơ số {id}.")),
            "{e}"
        );
        assert!(body.contains(&format!("<strong>{text}</strong>")));
        assert!(body.contains(&format!("Ngày đăng ký: {}", format_vn(vn_today()))));
        assert!(body.contains(r#"<span class="badge success">Đã đăng ký</span>"#));
        assert!(!body.contains("Xử lý hồ sơ"), "no more actions");
        // Registering again: refused, the page says why.
        let r = post(
            &signer,
            &app,
            &format!("/civil/records/{id}/register"),
            &pairs(&[("csrf", &csrf)]),
        )
        .await;
        assert_eq!(r.status(), 409);
        assert!(r.text().await.unwrap().contains("không thể đăng ký"));

        // Queues: now under "Đã đăng ký / chờ in" with its number.
        let (_, body) = get(&signer, &app, "/civil?status=registered").await;
        assert!(body.contains(&link));
        assert!(body.contains(&text));
        let (_, body) = get(&signer, &app, "/civil?status=declared").await;
        assert!(!body.contains(&link));

        // A late declaration is flagged in the queue and on the record.
        let form = birth_form(
            &csrf_of(&officer, &app).await,
            "Lê Minh Khôi",
            &days_ago(90),
        );
        let (late, _) = declare(&officer, &app, &form).await;
        let (_, body) = get(&officer, &app, "/civil?status=declared").await;
        assert!(body.contains(r#"<span class="badge late">Trễ hạn</span>"#));
        let (_, body) = get(&officer, &app, &format!("/civil/records/{late}?declared=1")).await;
        assert!(body.contains("đăng ký trễ hạn"));
        assert!(body.contains(r#"<span class="badge late">Trễ hạn</span>"#));
        assert!(app.store.verify_audit().await.unwrap().is_intact());
    }
}

/// The CSRF token of a logged-in client (from the queue page).
async fn csrf_of(c: &reqwest::Client, app: &TestApp) -> String {
    let (_, body) = get(c, app, "/civil").await;
    hidden_csrf(&body)
}

#[tokio::test]
async fn duplicates_are_compared_and_need_a_reason() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        users(&app).await;
        let officer = login_as(&app, "canbo.badinh").await;
        let csrf = csrf_of(&officer, &app).await;
        let dob = days_ago(3);
        let (first, _) = declare(&officer, &app, &birth_form(&csrf, "Phạm Thu Hà", &dob)).await;
        // The same child again, without diacritics.
        let (second, to) = declare(&officer, &app, &birth_form(&csrf, "Pham Thu Ha", &dob)).await;
        assert!(
            to.starts_with(&format!("/civil/records/{second}?declared=1&dup={first}:")),
            "{to}"
        );
        let (s, body) = get(&officer, &app, &to).await;
        assert_eq!(s, 200, "{e}");
        assert!(body.contains("Đã tiếp nhận hồ sơ số"));
        assert!(body.contains("Hồ sơ có thể trùng"));
        assert!(body.contains(&format!(
            r#"<a href="/civil/records/{first}">Hồ sơ số {first}</a>"#
        )));
        assert!(body.contains("Nhiều khả năng trùng"));
        let score: u8 = to.rsplit(':').next().unwrap().parse().unwrap();
        assert!(score >= 85, "{to}");
        assert!(body.contains(&format!("mức trùng {score}/100")), "{e}");
        assert!(body.contains(r#"<table class="compare-table">"#));
        assert!(body.contains(&format!("<th scope=\"col\">Hồ sơ này ({second})</th>")));
        assert!(body.contains("<td>Pham Thu Ha</td><td>Phạm Thu Hà</td>"));
        // Name, date, sex, mother, father and place all agree.
        assert_eq!(body.matches("✓ trùng").count(), 6);
        assert!(body.contains("6/6 thông tin trùng nhau."));
        // A hand-made `dup` is only a hint: unknown ids are said so, junk is ignored.
        let (s, body) = get(
            &officer,
            &app,
            &format!("/civil/records/{second}?declared=1&dup=abc,999999:50"),
        )
        .await;
        assert_eq!(s, 200);
        assert!(body.contains("Không có hồ sơ hộ tịch số 999999."));

        // The signer: registering needs a reason, shown with the comparison on the 409.
        let signer = login_as(&app, "lanhdao.badinh").await;
        let path = format!("/civil/records/{second}/register");
        let csrf = csrf_of(&signer, &app).await;
        let r = post(&signer, &app, &path, &pairs(&[("csrf", &csrf)])).await;
        assert_eq!(r.status(), 409, "{e}");
        let body = r.text().await.unwrap();
        assert!(body.contains(&format!(
            "Có hồ sơ nhiều khả năng trùng (số {first}). Hãy đối chiếu các hồ sơ bên dưới"
        )));
        assert!(body.contains("Hồ sơ có thể trùng"));
        assert!(body.contains(&format!(
            r#"<a href="/civil/records/{first}">Hồ sơ số {first}</a>"#
        )));
        assert_eq!(body.matches("✓ trùng").count(), 6);
        assert!(body.contains(r#"name="duplicate_override_reason""#));
        assert!(body.contains("Lý do vẫn đăng ký dù có hồ sơ trùng"));
        assert!(body.contains(r#"name="override_asked" value="1""#));
        assert_eq!(status_of(&app, second).await, "declared");
        // Submitted without a reason: the field says so.
        let r = post(
            &signer,
            &app,
            &path,
            &pairs(&[
                ("csrf", &csrf),
                ("override_asked", "1"),
                ("duplicate_override_reason", "  "),
            ]),
        )
        .await;
        assert_eq!(r.status(), 409);
        let body = r.text().await.unwrap();
        assert!(body.contains(r#"<p class="field-error" id="override-error">Cần ghi lý do vẫn đăng ký dù có hồ sơ nhiều khả năng trùng.</p>"#));
        assert!(body.contains(r#"aria-invalid="true""#));
        // With the reason: registered, and the reason is on the record.
        let r = post(
            &signer,
            &app,
            &path,
            &pairs(&[
                ("csrf", &csrf),
                ("override_asked", "1"),
                (
                    "duplicate_override_reason",
                    "Sinh đôi, đã đối chiếu giấy chứng sinh",
                ),
            ]),
        )
        .await;
        assert_eq!(r.status(), 303, "{e}");
        let (_, body) = get(&signer, &app, &location(&r)).await;
        let year = vn_today().year();
        assert!(body.contains(&format!("Số: 1, Quyển số: 01/{year}")));
        assert!(body.contains("Lý do đăng ký dù có hồ sơ trùng"));
        assert!(body.contains("Sinh đôi, đã đối chiếu giấy chứng sinh"));
        // The candidate reads were audited as reads of the first record.
        let reads = app
            .store
            .audit_entries(&tuphap_store::audit::AuditFilter {
                target_type: Some("civil_record".into()),
                target_id: Some(first.to_string()),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(reads.iter().any(|a| a.action == "civil.record.read"
            && a.actor_username.as_deref() == Some("lanhdao.badinh")));
    }
}

#[tokio::test]
async fn return_reject_and_queue_pages() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        users(&app).await;
        let officer = login_as(&app, "canbo.badinh").await;
        let csrf = csrf_of(&officer, &app).await;
        let (a, _) = declare(
            &officer,
            &app,
            &birth_form(&csrf, "Đỗ Gia Bảo", &days_ago(1)),
        )
        .await;
        let (b, _) = declare(
            &officer,
            &app,
            &birth_form(&csrf, "Vũ Minh Anh", &days_ago(2)),
        )
        .await;

        // Keyset pages: after the first record, only the second.
        let (_, body) = get(&officer, &app, &format!("/civil?status=declared&after={a}")).await;
        assert!(
            !body.contains(&format!(r#"href="/civil/records/{a}""#)),
            "{e}"
        );
        assert!(body.contains(&format!(r#"href="/civil/records/{b}""#)));
        assert!(body.contains("← Trang đầu"));
        let (s, _) = get(&officer, &app, "/civil?after=x").await;
        assert_eq!(s, 400);
        let (s, _) = get(&officer, &app, "/civil?status=lost").await;
        assert_eq!(s, 400);
        let (s, body) = get(&officer, &app, "/civil?so=abc").await;
        assert_eq!(s, 422);
        assert!(body.contains(r#"id="so-error""#));

        // The officer returns the first: a reason is required (shown at its field).
        let r = post(
            &officer,
            &app,
            &format!("/civil/records/{a}/return"),
            &pairs(&[("csrf", &csrf), ("reason", " ")]),
        )
        .await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains(r#"<details class="card decide" open>"#));
        assert!(body.contains(r#"id="return-reason-error""#));
        assert!(body.contains("Cần ghi lý do trả lại hoặc từ chối."));
        let r = post(
            &officer,
            &app,
            &format!("/civil/records/{a}/return"),
            &pairs(&[("csrf", &csrf), ("reason", "Thiếu giấy chứng sinh")]),
        )
        .await;
        assert_eq!(r.status(), 303, "{e}");
        assert_eq!(location(&r), format!("/civil/records/{a}?returned=1"));
        let (_, body) = get(&officer, &app, &location(&r)).await;
        assert!(body.contains("Đã trả lại hồ sơ để bổ sung, hoàn thiện."));
        assert!(body.contains("Lý do trả lại"));
        assert!(body.contains("Thiếu giấy chứng sinh"));
        assert!(!body.contains("Xử lý hồ sơ"));

        // The signer rejects the second.
        let signer = login_as(&app, "lanhdao.badinh").await;
        let scsrf = csrf_of(&signer, &app).await;
        let (_, body) = get(&signer, &app, &format!("/civil/records/{b}")).await;
        assert!(body.contains("data-confirm=\"Từ chối đăng ký hồ sơ số"));
        let r = post(
            &signer,
            &app,
            &format!("/civil/records/{b}/reject"),
            &pairs(&[("csrf", &scsrf), ("reason", "Khai không đúng sự thật")]),
        )
        .await;
        assert_eq!(r.status(), 303);
        let (_, body) = get(&signer, &app, &location(&r)).await;
        assert!(body.contains("Đã từ chối đăng ký hồ sơ."));
        assert!(body.contains("Lý do từ chối"));

        // The tabs.
        let (_, body) = get(&signer, &app, "/civil?status=returned").await;
        assert!(body.contains(&format!(r#"href="/civil/records/{a}""#)));
        assert!(body.contains("Thiếu giấy chứng sinh"));
        assert!(body.contains(r#"aria-current="page">Trả lại</a>"#));
        let (_, body) = get(&signer, &app, "/civil?status=rejected").await;
        assert!(body.contains(&format!(r#"href="/civil/records/{b}""#)));
        assert!(body.contains("Khai không đúng sự thật"));
        let (_, body) = get(&signer, &app, "/civil").await;
        assert!(body.contains("Không có hồ sơ nào trong mục “Chờ ký”."));
    }
}

#[tokio::test]
async fn every_civil_post_checks_csrf() {
    let app = spawn_app().await;
    users(&app).await;
    let officer = login_as(&app, "canbo.badinh").await;
    let csrf = csrf_of(&officer, &app).await;

    // The declaration: without or with a wrong token nothing is created.
    let mut form = birth_form("", "Nguyễn Thị Hương", &days_ago(5));
    form.retain(|(k, _)| k != "csrf");
    let r = post(&officer, &app, "/civil/births", &form).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("mã chống giả mạo"));
    form.push(("csrf".into(), "sai".into()));
    let r = post(&officer, &app, "/civil/births", &form).await;
    assert_eq!(r.status(), 403);
    let (_, body) = get(&officer, &app, "/civil").await;
    assert!(!body.contains("record-link"), "nothing declared");
    // The same for deaths and marriages.
    for (path, mut form) in [
        (
            "/civil/deaths",
            death_form("", "001045000123", &days_ago(3)),
        ),
        (
            "/civil/marriages",
            marriage_form("", ("Trần Thị Lan", "001195012345"), HUSBAND),
        ),
    ] {
        form.retain(|(k, _)| k != "csrf");
        let r = post(&officer, &app, path, &form).await;
        assert_eq!(r.status(), 403, "{path}");
        form.push(("csrf".into(), "sai".into()));
        let r = post(&officer, &app, path, &form).await;
        assert_eq!(r.status(), 403, "{path}");
        assert!(r.text().await.unwrap().contains("mã chống giả mạo"));
    }
    let (_, body) = get(&officer, &app, "/civil").await;
    assert!(!body.contains("record-link"), "nothing declared");

    let (id, _) = declare(
        &officer,
        &app,
        &birth_form(&csrf, "Nguyễn Thị Hương", &days_ago(5)),
    )
    .await;
    let signer = login_as(&app, "lanhdao.badinh").await;
    for action in ["register", "return", "reject"] {
        let path = format!("/civil/records/{id}/{action}");
        for form in [
            pairs(&[("reason", "Thử")]),
            pairs(&[("csrf", "sai"), ("reason", "Thử")]),
            // The officer's token does not work in the signer's session.
            pairs(&[("csrf", &csrf), ("reason", "Thử")]),
        ] {
            let r = post(&signer, &app, &path, &form).await;
            assert_eq!(r.status(), 403, "{action}");
        }
        assert_eq!(status_of(&app, id).await, "declared", "{action}");
    }
    // Every other procedure's form, a record's copies and a person merge: a form without the
    // token, or with another session's, is refused before anything is read.
    for path in [
        "/civil/divorces".to_string(),
        "/civil/marital-status".into(),
        "/civil/amendments".into(),
        "/civil/parentage".into(),
        "/civil/adoptions".into(),
        "/civil/adoption-terminations".into(),
        "/civil/guardianships".into(),
        "/civil/guardianship-changes".into(),
        "/civil/guardianship-ends".into(),
        format!("/civil/records/{id}/extracts"),
        format!("/civil/persons/{id}/merge"),
        "/civil/person-merges/1/undo".into(),
    ] {
        for form in [
            pairs(&[("reason", "Thử")]),
            pairs(&[("csrf", &csrf), ("reason", "Thử")]),
        ] {
            let r = post(&signer, &app, &path, &form).await;
            assert_eq!(r.status(), 403, "{path}");
            assert!(
                r.text().await.unwrap().contains("mã chống giả mạo"),
                "{path}"
            );
        }
    }
    // Without a session: to the login page, nothing done.
    let anon = new_client();
    let r = post(
        &anon,
        &app,
        &format!("/civil/records/{id}/register"),
        &pairs(&[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login?next="));
    assert_eq!(status_of(&app, id).await, "declared");
}

#[tokio::test]
async fn queue_pages_hold_a_hundred_rows() {
    let app = spawn_app().await;
    users(&app).await;
    let token = app.token("canbo.badinh").await;
    let mut ids = Vec::new();
    for i in 0..101 {
        let body = serde_json::json!({
            "child": {"full_name": format!("Trẻ {}", char::from(b'A' + (i % 26) as u8)),
                      "sex": "male", "date_of_birth": days_ago(1 + i64::from(i % 50)),
                      "place_of_birth": {"admin_unit_code": "00004"},
                      "ethnicity_code": "01", "nationality_code": "VN"},
            "mother": {"full_name": "Trần Thị Mai", "ethnicity_code": "01", "nationality_code": "VN",
                       "residence": {"admin_unit_code": "00004"}},
            "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
        });
        let (s, v) = app
            .call(
                reqwest::Method::POST,
                "/api/v1/civil/births",
                Some(&token),
                Some(&body),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        ids.push(v["id"].as_i64().unwrap());
    }
    let officer = login_as(&app, "canbo.badinh").await;
    let (s, body) = get(&officer, &app, "/civil").await;
    assert_eq!(s, 200);
    assert_eq!(body.matches("class=\"record-link\"").count(), 100);
    let next = format!(
        r#"<a href="/civil?status=declared&#38;after={}" rel="next">Trang sau →</a>"#,
        ids[99]
    );
    assert!(body.contains(&next), "a next-page link after the 100th");
    let (_, body) = get(
        &officer,
        &app,
        &format!("/civil?status=declared&after={}", ids[99]),
    )
    .await;
    assert_eq!(body.matches("class=\"record-link\"").count(), 1);
    assert!(body.contains(&format!(r#"href="/civil/records/{}""#, ids[100])));
    assert!(!body.contains("Trang sau"));
}

/// A complete death declaration form (the deceased known by personal ID, born in 1945).
fn death_form(csrf: &str, personal_id: &str, date_of_death: &str) -> Vec<(String, String)> {
    pairs(&[
        ("csrf", csrf),
        ("deceased.full_name", "Lê Văn Bình"),
        ("deceased.sex", "male"),
        ("deceased.date_of_birth", "1945"),
        ("deceased.personal_id", personal_id),
        ("deceased.ethnicity_code", "01"),
        ("deceased.nationality_code", "VN"),
        ("deceased.residence.admin_unit_code", "00004"),
        ("deceased.residence.detail", "5 phố Phan Đình Phùng"),
        ("date_of_death", date_of_death),
        ("place_of_death.admin_unit_code", "00004"),
        ("place_of_death.detail", "Tại nhà"),
        ("cause", "Bệnh già"),
        ("declarant.full_name", "Lê Văn An"),
        ("declarant.personal_id", ""),
        ("declarant.relationship", "con"),
    ])
}

/// The husband of the marriage tests: (name, date of birth, personal ID).
const HUSBAND: (&str, &str, &str) = ("Nguyễn Văn Nam", "1993-07-02", "001093012345");

/// A complete marriage declaration form: the wife (name, personal ID; born 14/03/1995) and the
/// husband (name, date of birth, personal ID), both living in Phường Ba Đình.
fn marriage_form(
    csrf: &str,
    wife: (&str, &str),
    husband: (&str, &str, &str),
) -> Vec<(String, String)> {
    pairs(&[
        ("csrf", csrf),
        ("wife.full_name", wife.0),
        ("wife.date_of_birth", "1995-03-14"),
        ("wife.personal_id", wife.1),
        ("wife.ethnicity_code", "01"),
        ("wife.nationality_code", "VN"),
        ("wife.residence.admin_unit_code", "00004"),
        ("wife.residence.detail", "12 phố Quán Thánh"),
        ("husband.full_name", husband.0),
        ("husband.date_of_birth", husband.1),
        ("husband.personal_id", husband.2),
        ("husband.ethnicity_code", "01"),
        ("husband.nationality_code", "VN"),
        ("husband.residence.admin_unit_code", "00004"),
        ("husband.residence.detail", ""),
    ])
}

/// Registers `id` as the signer through the record page's form.
async fn sign(signer: &reqwest::Client, app: &TestApp, id: i64) {
    let csrf = csrf_of(signer, app).await;
    let r = post(
        signer,
        app,
        &format!("/civil/records/{id}/register"),
        &pairs(&[("csrf", &csrf)]),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
}

/// The record page's print link is there (new tab) and answers a PDF with the session cookie;
/// afterwards the page shows the verification code with its link to `/verify`.
async fn print_through_the_link(c: &reqwest::Client, app: &TestApp, id: i64, label: &str) {
    let href = format!("/api/v1/civil/records/{id}/certificate.pdf");
    let (_, body) = get(c, app, &format!("/civil/records/{id}")).await;
    assert!(
        body.contains(&format!(
            r#"<a class="button print-link" href="{href}" target="_blank" rel="noopener">{label}</a>"#
        )),
        "{body}"
    );
    assert!(body.contains("Chưa cấp giấy"));
    let r = c.get(app.at(&href)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("content-type").unwrap().to_str().unwrap(),
        "application/pdf"
    );
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    let (_, body) = get(c, app, &format!("/civil/records/{id}")).await;
    assert!(body.contains(r#"<span class="badge success">Đã cấp giấy</span>"#));
    assert!(body.contains("Mã kiểm tra"));
    let marker = "href=\"/verify?code=";
    let at = body.find(marker).expect("a link to /verify") + "href=\"".len();
    let verify = body[at..at + body[at..].find('"').unwrap()].to_string();
    assert!(verify.starts_with("/verify?code=VNHT1."), "{verify}");
    let code = verify.trim_start_matches("/verify?code=");
    assert!(body.contains(&format!(r#"<span class="mono cert-code">{code}</span>"#)));
    let (s, page) = get(&new_client(), app, &verify).await;
    assert_eq!(s, 200);
    assert!(page.contains(r#"<div class="alert ok">"#), "{page}");
}

#[tokio::test]
async fn deaths_through_the_pages() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        users(&app).await;
        let year = vn_today().year();
        let officer = login_as(&app, "canbo.badinh").await;
        let (_, body) = get(&officer, &app, "/civil").await;
        assert!(body.contains(r#"href="/civil/deaths/new""#), "{e}");
        assert!(body.contains("+ Đăng ký khai tử"));

        // The form: every field by its dotted name, the office's commune as defaults.
        let (s, body) = get(&officer, &app, "/civil/deaths/new").await;
        assert_eq!(s, 200, "{e}");
        assert!(body.contains(r#"<form class="death-form" method="post" action="/civil/deaths">"#));
        for name in [
            "deceased.full_name",
            "deceased.sex",
            "deceased.date_of_birth",
            "deceased.personal_id",
            "deceased.ethnicity_code",
            "deceased.nationality_code",
            "deceased.residence.admin_unit_code",
            "deceased.residence.detail",
            "date_of_death",
            "place_of_death.admin_unit_code",
            "place_of_death.detail",
            "cause",
            "declarant.full_name",
            "declarant.personal_id",
            "declarant.relationship",
        ] {
            assert!(body.contains(&format!("name=\"{name}\"")), "{name}");
        }
        assert!(field_block(&body, "place_of_death-admin_unit_code").contains("value=\"00004\""));
        assert!(body.contains("hoặc chỉ năm sinh"));
        assert!(body.contains(r#"<datalist id="quan-he">"#));
        assert!(!body.contains(r#"aria-invalid="true""#));
        assert!(!body.contains("style="), "no inline styles (CSP)");
        let csrf = hidden_csrf(&body);

        // A date of death in the future: at its field, values kept.
        let future = vn_today() + time::Duration::days(2);
        let mut form = death_form(&csrf, "001045000123", &future.to_string());
        let r = post(&officer, &app, "/civil/deaths", &form).await;
        assert_eq!(r.status(), 422, "{e}");
        let body = r.text().await.unwrap();
        let block = field_block(&body, "date_of_death");
        assert!(block.contains(r#"aria-invalid="true""#), "{block}");
        assert!(block.contains("ở tương lai"), "{block}");
        assert!(body.contains(r##"<a href="#date_of_death">Ngày chết (Thông tin khai tử)</a>"##));
        assert!(body.contains(r#"value="Lê Văn Bình""#));
        assert!(body.contains(r#"value="Bệnh già""#));
        // An unknown commune for the place of death: at its field.
        set(&mut form, "date_of_death", &days_ago(3));
        set(&mut form, "place_of_death.admin_unit_code", "99999");
        let r = post(&officer, &app, "/civil/deaths", &form).await;
        assert_eq!(r.status(), 422, "{e}");
        let body = r.text().await.unwrap();
        assert!(
            field_block(&body, "place_of_death-admin_unit_code").contains(r#"aria-invalid="true""#)
        );
        set(&mut form, "place_of_death.admin_unit_code", "00004");
        // A date of birth typed as dd/mm/yyyy that does not exist.
        set(&mut form, "deceased.date_of_birth", "30/02/1945");
        let r = post(&officer, &app, "/civil/deaths", &form).await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(
            field_block(&body, "deceased-date_of_birth").contains("Ngày 30/02/1945 không tồn tại.")
        );
        set(&mut form, "deceased.date_of_birth", "1945");

        // Declared: the record page shows the death.
        let (id, to) = declare_at(&officer, &app, "/civil/deaths", &form).await;
        assert_eq!(to, format!("/civil/records/{id}?declared=1"));
        let (s, body) = get(&officer, &app, &to).await;
        assert_eq!(s, 200, "{e}");
        assert!(body.contains(&format!("Hồ sơ khai tử số {id}")));
        assert!(body.contains(&format!("Đã tiếp nhận hồ sơ số {id}.")));
        assert!(body.contains("<dt>Ngày chết</dt>"));
        assert!(body.contains(&format_vn(vn_today() - time::Duration::days(3))));
        assert!(body.contains("Lê Văn Bình"));
        assert!(body.contains("<dd>1945</dd>"));
        assert!(body.contains("Tại nhà, Phường Ba Đình, Thành phố Hà Nội (mã 00004)"));
        assert!(body.contains("Bệnh già"));
        assert!(body.contains("Quan hệ với người chết"));
        assert!(body.contains("Người chết"));
        assert!(!body.contains("<pre class=\"raw\">"));
        assert!(!body.contains("print-link"), "not registered yet");
        // The queue: the kind and the name.
        let (_, body) = get(&officer, &app, "/civil").await;
        assert!(body.contains(r#"<td data-label="Loại">Khai tử</td>"#));
        assert!(body.contains("<strong>Lê Văn Bình</strong>"));

        // The same person's death again: refused with an alert, values kept.
        let r = post(&officer, &app, "/civil/deaths", &form).await;
        assert_eq!(r.status(), 409, "{e}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains(
                r#"<div class="alert error" role="alert">Người này đã được đăng ký khai tử"#
            ),
            "{body}"
        );
        assert!(!body.contains(r#"aria-invalid="true""#));
        assert!(body.contains(r#"value="Lê Văn Bình""#));
        assert!(body.contains(r#"value="001045000123""#));

        // The signer registers it, then prints the extract.
        let signer = login_as(&app, "lanhdao.badinh").await;
        let (_, body) = get(&signer, &app, &format!("/civil/records/{id}")).await;
        assert!(body.contains("Ký đăng ký khai tử"));
        assert!(body.contains("sổ đăng ký khai tử"));
        sign(&signer, &app, id).await;
        let (_, body) = get(&signer, &app, &format!("/civil/records/{id}?registered=1")).await;
        assert!(body.contains(&format!("Số: 1, Quyển số: 01/{year}")));
        print_through_the_link(&signer, &app, id, "In trích lục khai tử").await;
        // Registered: declaring the death again is still refused.
        let r = post(&officer, &app, "/civil/deaths", &form).await;
        assert_eq!(r.status(), 409);
        // The province reads the record but does not print it.
        let province = login_as(&app, "so.hanoi").await;
        let (s, body) = get(
            &province,
            &app,
            &format!("/civil/records/{id}?purpose=inspection&purpose_ref=KT-01"),
        )
        .await;
        assert_eq!(s, 200);
        assert!(!body.contains("print-link"));
        assert!(app.store.verify_audit().await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn marriages_through_the_pages() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        users(&app).await;
        let year = vn_today().year();
        let officer = login_as(&app, "canbo.badinh").await;
        let (_, body) = get(&officer, &app, "/civil").await;
        assert!(body.contains(r#"href="/civil/marriages/new""#), "{e}");

        // The form: the two parties side by side.
        let (s, body) = get(&officer, &app, "/civil/marriages/new").await;
        assert_eq!(s, 200, "{e}");
        assert!(
            body.contains(
                r#"<form class="marriage-form" method="post" action="/civil/marriages">"#
            )
        );
        assert!(body.contains(r#"<div class="grid cols-2 pair">"#));
        assert!(body.contains("<legend>Bên nữ (vợ)</legend>"));
        assert!(body.contains("<legend>Bên nam (chồng)</legend>"));
        assert!(body.find("Bên nữ (vợ)") < body.find("Bên nam (chồng)"));
        for p in ["wife", "husband"] {
            for f in [
                "full_name",
                "date_of_birth",
                "personal_id",
                "ethnicity_code",
                "nationality_code",
                "residence.admin_unit_code",
                "residence.detail",
            ] {
                assert!(body.contains(&format!("name=\"{p}.{f}\"")), "{p}.{f}");
            }
            assert!(
                field_block(&body, &format!("{p}-residence-admin_unit_code"))
                    .contains("value=\"00004\"")
            );
        }
        let csrf = hidden_csrf(&body);

        // A field error: at its field.
        let mut form = marriage_form(&csrf, ("Trần Thị Lan", "001195012345"), HUSBAND);
        set(&mut form, "wife.date_of_birth", "30/02/1995");
        let r = post(&officer, &app, "/civil/marriages", &form).await;
        assert_eq!(r.status(), 422, "{e}");
        let body = r.text().await.unwrap();
        assert!(
            field_block(&body, "wife-date_of_birth").contains("Ngày 30/02/1995 không tồn tại.")
        );
        assert!(body.contains(r##"<a href="#wife-date_of_birth">Ngày sinh (Bên nữ (vợ))</a>"##));
        set(&mut form, "wife.date_of_birth", "14/03/1995");
        // Both living in another commune: not competent (an alert).
        let mut elsewhere = form.clone();
        set(&mut elsewhere, "wife.residence.admin_unit_code", "00097");
        set(&mut elsewhere, "husband.residence.admin_unit_code", "00097");
        let r = post(&officer, &app, "/civil/marriages", &elsewhere).await;
        assert_eq!(r.status(), 403);
        assert!(r.text().await.unwrap().contains("không có thẩm quyền"));

        // Declared, then registered by the signer.
        let (id, _) = declare_at(&officer, &app, "/civil/marriages", &form).await;
        let (_, body) = get(&officer, &app, &format!("/civil/records/{id}?declared=1")).await;
        assert!(body.contains(&format!("Hồ sơ kết hôn số {id}")), "{e}");
        assert!(body.contains(r#"<h2 class="first" id="ben-1">Bên nữ (vợ)</h2>"#));
        assert!(body.contains(r#"<h2 class="first" id="ben-2">Bên nam (chồng)</h2>"#));
        assert!(body.contains("Trần Thị Lan"));
        assert!(body.contains("02/07/1993"));
        assert!(body.contains("12 phố Quán Thánh, Phường Ba Đình"));
        assert!(
            !body.contains("<dt>Thời hạn</dt>"),
            "no deadline for a marriage"
        );
        let (_, body) = get(&officer, &app, "/civil").await;
        assert!(body.contains(r#"<td data-label="Loại">Kết hôn</td>"#));
        assert!(body.contains("<strong>Trần Thị Lan – Nguyễn Văn Nam</strong>"));
        let signer = login_as(&app, "lanhdao.badinh").await;
        sign(&signer, &app, id).await;
        let (_, body) = get(&signer, &app, &format!("/civil/records/{id}?registered=1")).await;
        assert!(body.contains(&format!("Số: 1, Quyển số: 01/{year}")), "{e}");
        assert!(body.contains("Đã đăng ký kết hôn"));
        // The officer of the same office prints it too.
        print_through_the_link(&officer, &app, id, "In giấy chứng nhận kết hôn").await;

        // A second marriage of the husband: refused by the rules, values kept.
        let csrf = csrf_of(&officer, &app).await;
        let second = marriage_form(&csrf, ("Phạm Thị Hoa", "001195012346"), HUSBAND);
        let r = post(&officer, &app, "/civil/marriages", &second).await;
        assert_eq!(r.status(), 409, "{e}");
        let body = r.text().await.unwrap();
        assert!(body.contains(r#"<div class="alert error" role="alert">"#));
        assert!(body.contains("đang có vợ hoặc chồng"), "{body}");
        assert!(body.contains(r#"value="Phạm Thị Hoa""#));
        assert!(!body.contains(r#"aria-invalid="true""#));

        // An under-age husband (17): refused (422) with the rule's message.
        let young = (vn_today() - time::Duration::days(17 * 365)).to_string();
        let minor = marriage_form(
            &csrf,
            ("Phạm Thị Hoa", "001195012346"),
            ("Đỗ Văn Tuấn", &young, ""),
        );
        let r = post(&officer, &app, "/civil/marriages", &minor).await;
        assert_eq!(r.status(), 422, "{e}");
        let body = r.text().await.unwrap();
        assert!(body.contains("chưa đủ 20 tuổi"), "{body}");
        assert!(body.contains(r#"value="Đỗ Văn Tuấn""#));
        let (_, body) = get(&officer, &app, "/civil").await;
        assert!(!body.contains("Phạm Thị Hoa"), "nothing declared");
    }
}

#[tokio::test]
async fn search_page_finds_names_without_accents_within_jurisdiction() {
    for app in spawn_apps().await {
        app.add_user("canbo.badinh", "officer", "00004").await;
        app.add_user("canbo.hongha", "officer", "00097").await;
        let token = app.token("canbo.badinh").await;
        let dob = (tuphap_core::dates::vn_today() - time::Duration::days(3)).to_string();
        for name in ["Nguyễn Thị Hương", "Nguyễn Thị Hường"] {
            let body = serde_json::json!({
                "child": {"full_name": name, "sex": "female", "date_of_birth": dob,
                          "place_of_birth": {"admin_unit_code": "00004"}, "ethnicity_code": "01", "nationality_code": "VN"},
                "mother": {"full_name": "Trần Thị Mai", "ethnicity_code": "01", "nationality_code": "VN",
                           "residence": {"admin_unit_code": "00004"}},
                "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
            });
            let (s, v) = app
                .call(
                    reqwest::Method::POST,
                    "/api/v1/civil/births",
                    Some(&token),
                    Some(&body),
                )
                .await;
            assert_eq!(s, 201, "{v}");
        }
        let client = login_as(&app, "canbo.badinh").await;
        let html = client
            .get(app.at("/civil/search?q=nguyen+thi+huong"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("2 hồ sơ phù hợp"), "{html}");
        let exact = html.find("Nguyễn Thị Hương").unwrap();
        let other = html.find("Nguyễn Thị Hường").unwrap();
        assert!(exact > 0 && other > 0);
        let html = client
            .get(app.at("/civil/search?q=Nguy%E1%BB%85n+Th%E1%BB%8B+H%C6%B0%E1%BB%9Dng"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let (hường, hương) = (
            html.find(">Nguyễn Thị Hường<").unwrap(),
            html.find(">Nguyễn Thị Hương<").unwrap(),
        );
        assert!(hường < hương, "exact accents rank first");
        // Another commune sees nothing of Ba Đình's records.
        let other = login_as(&app, "canbo.hongha").await;
        let html = other
            .get(app.at("/civil/search?q=nguyen+thi+huong"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("0 hồ sơ phù hợp"), "{html}");
    }
}

/// The `<section id="{id}">` of a page, up to its end.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section #{id}"));
    let end = start + html[start..].find("</section>").unwrap();
    &html[start..end]
}

/// The rows of the record page's "Nhật ký" table, in page order.
fn trail_rows(html: &str) -> Vec<&str> {
    let s = section(html, "nhat-ky");
    match s.find("<tbody>") {
        Some(at) => s[at..].split("<tr>").skip(1).collect(),
        None => Vec::new(),
    }
}

/// The person id that the link `<a … href="/civil/persons/N">{name}</a>` of a page points to.
fn person_link(html: &str, name: &str) -> i64 {
    let at = html
        .find(&format!(">{name}</a>"))
        .unwrap_or_else(|| panic!("no link named {name}"));
    let marker = "href=\"/civil/persons/";
    let from = html[..at].rfind(marker).unwrap() + marker.len();
    let digits = &html[from..at];
    digits
        .trim_end_matches('"')
        .parse()
        .unwrap_or_else(|_| panic!("a person link before {name}: {digits}"))
}

/// A birth declared by the officer and registered by the signer, then a marriage of the same
/// mother (the same person: found by her personal ID), registered too.
async fn mother_with_child_and_marriage(app: &TestApp) -> (i64, i64) {
    let officer = login_as(app, "canbo.badinh").await;
    let signer = login_as(app, "lanhdao.badinh").await;
    let csrf = csrf_of(&officer, app).await;
    let (birth, _) = declare(
        &officer,
        app,
        &birth_form(&csrf, "Nguyễn Thị Hương", &days_ago(5)),
    )
    .await;
    sign(&signer, app, birth).await;
    let (marriage, _) = declare_at(
        &officer,
        app,
        "/civil/marriages",
        &marriage_form(&csrf, ("Trần Thị Mai", "001195012345"), HUSBAND),
    )
    .await;
    sign(&signer, app, marriage).await;
    (birth, marriage)
}

#[tokio::test]
async fn person_page_shows_the_life_events_of_a_mother() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        users(&app).await;
        let year = vn_today().year();
        let (birth, marriage) = mother_with_child_and_marriage(&app).await;
        let officer = login_as(&app, "canbo.badinh").await;

        // The record page links every person to their page.
        let (s, body) = get(&officer, &app, &format!("/civil/records/{birth}")).await;
        assert_eq!(s, 200, "{e}");
        let persons = &body[body.find("<h2>Người liên quan</h2>").unwrap()..];
        let mother = person_link(persons, "Trần Thị Mai");
        let child = person_link(persons, "Nguyễn Thị Hương");
        let father = person_link(persons, "Nguyễn Văn Nam");
        assert!(mother != child && mother != father && child != father);
        assert!(persons.contains(&format!(
            r#"<a class="person-link" href="/civil/persons/{mother}">Trần Thị Mai</a>"#
        )));
        // The marriage's wife is the same person (found by her personal ID).
        let (_, body) = get(&officer, &app, &format!("/civil/records/{marriage}")).await;
        let persons = &body[body.find("<h2>Người liên quan</h2>").unwrap()..];
        assert_eq!(person_link(persons, "Trần Thị Mai"), mother, "{e}");
        let husband = person_link(persons, "Nguyễn Văn Nam");
        assert_ne!(
            husband, father,
            "the husband has a personal ID, the father none"
        );

        // The mother's page.
        let (s, body) = get(&officer, &app, &format!("/civil/persons/{mother}")).await;
        assert_eq!(s, 200, "{e}: {body}");
        assert!(body.contains("<title>Thông tin cá nhân: Trần Thị Mai – Tư pháp số</title>"));
        assert!(body.contains("<h1>Trần Thị Mai</h1>"));
        assert!(
            body.contains(
                r#"<dt>Số định danh</dt><dd><span class="mono">001195012345</span></dd>"#
            )
        );
        assert!(body.contains("<dt>Giới tính</dt><dd>Nữ</dd>"));
        assert!(body.contains("<dt>Ngày sinh</dt><dd>14/03/1995</dd>"));
        assert!(!body.contains("<dt>Ngày chết</dt>"), "alive");
        let status = &body[body.find(r#"<dd id="tinh-trang">"#).unwrap()..];
        let status = &status[..status.find("</dd>").unwrap()];
        assert!(
            status.contains(r#"<span class="badge success">Đang có chồng</span>"#),
            "{status}"
        );
        assert!(
            status.contains("Đã đăng ký kết hôn với Nguyễn Văn Nam"),
            "{status}"
        );
        assert!(!body.contains(r#"id="su-kien-an""#), "nothing hidden");
        assert!(!body.contains("style="), "no inline styles (CSP)");
        // The timeline, oldest first: the child's birth, then the marriage.
        let events: Vec<&str> = section(&body, "su-kien")
            .split("<li class=\"event ")
            .skip(1)
            .collect();
        assert_eq!(events.len(), 2, "{e}: {body}");
        let (b, m) = (events[0], events[1]);
        assert!(b.starts_with("birth\""), "{b}");
        assert!(b.contains(&format!(
            r#"<a href="/civil/records/{birth}">Khai sinh của con · hồ sơ số {birth}</a>"#
        )));
        assert!(b.contains(&format!(
            r#"<span class="muted">Ngày sinh</span> <strong>{}</strong>"#,
            format_vn(vn_today() - time::Duration::days(5))
        )));
        assert!(b.contains("<dt>Vai trò</dt><dd>Mẹ</dd>"), "{b}");
        assert!(b.contains(&format!(
            r#"<dt>Con</dt><dd><a href="/civil/persons/{child}">Nguyễn Thị Hương</a></dd>"#
        )));
        assert!(b.contains(&format!(
            r#"<dt>Cha của trẻ</dt><dd><a href="/civil/persons/{father}">Nguyễn Văn Nam</a></dd>"#
        )));
        assert!(b.contains(r#"<span class="badge success">Đã đăng ký</span>"#));
        assert!(b.contains(&format!(
            "<dt>Số đăng ký</dt><dd>Số: 1, Quyển số: 01/{year}</dd>"
        )));
        assert!(b.contains("<dt>Cơ quan</dt><dd>UBND Phường Ba Đình</dd>"));
        assert!(m.starts_with("marriage\""), "{m}");
        assert!(m.contains(&format!(
            r#"<a href="/civil/records/{marriage}">Kết hôn · hồ sơ số {marriage}</a>"#
        )));
        assert!(m.contains(&format!(
            r#"<span class="muted">Ngày tiếp nhận</span> <strong>{}</strong>"#,
            format_vn(vn_today())
        )));
        assert!(m.contains("<dt>Vai trò</dt><dd>Bên nữ (vợ)</dd>"), "{m}");
        assert!(m.contains(&format!(
            r#"<dt>Chồng</dt><dd><a href="/civil/persons/{husband}">Nguyễn Văn Nam</a></dd>"#
        )));
        assert!(m.contains(&format!(
            "<dt>Số đăng ký</dt><dd>Số: 1, Quyển số: 01/{year}</dd>"
        )));

        // The read is audited as the API's is.
        let audit = app
            .store
            .audit_entries_of_target("person", &mother.to_string(), None, 1)
            .await
            .unwrap();
        assert_eq!(audit[0].action, "civil.person.read", "{e}");
        assert_eq!(audit[0].outcome, "success");
        assert_eq!(audit[0].actor_username.as_deref(), Some("canbo.badinh"));

        // Following the child's link: a new-born, not married, her birth with her parents.
        let (s, body) = get(&officer, &app, &format!("/civil/persons/{child}")).await;
        assert_eq!(s, 200, "{e}");
        assert!(body.contains("<h1>Nguyễn Thị Hương</h1>"));
        assert!(body.contains(r#"<span class="badge pending">Chưa kết hôn</span>"#));
        assert!(body.contains(r#"<dt>Số định danh</dt><dd><span class="mono">—</span></dd>"#));
        let events: Vec<&str> = section(&body, "su-kien")
            .split("<li class=\"event ")
            .skip(1)
            .collect();
        assert_eq!(events.len(), 1);
        assert!(events[0].contains("<dt>Vai trò</dt><dd>Người được khai sinh</dd>"));
        assert!(events[0].contains(&format!(
            r#"<dt>Mẹ</dt><dd><a href="/civil/persons/{mother}">Trần Thị Mai</a></dd>"#
        )));

        // The province reads her page too; unknown people are 404.
        let province = login_as(&app, "so.hanoi").await;
        let (s, body) = get(
            &province,
            &app,
            &format!("/civil/persons/{mother}?purpose=inspection&purpose_ref=KT-01"),
        )
        .await;
        assert_eq!(s, 200, "{e}");
        assert_eq!(body.matches("<li class=\"event ").count(), 2);
        let (s, body) = get(&officer, &app, "/civil/persons/999999").await;
        assert_eq!(s, 404);
        assert!(body.contains("Không có người số 999999"), "{body}");
        let (s, _) = get(&officer, &app, "/civil/persons/abc").await;
        assert_eq!(s, 404);
        // Logged out: to the login page, and back afterwards.
        let r = new_client()
            .get(app.at(&format!("/civil/persons/{mother}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("/login?next=/civil/persons/{mother}"));
        assert!(app.store.verify_audit().await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn person_page_outside_jurisdiction_is_refused_and_audited() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        users(&app).await;
        let (birth, _) = mother_with_child_and_marriage(&app).await;
        let officer = login_as(&app, "canbo.badinh").await;
        let (_, body) = get(&officer, &app, &format!("/civil/records/{birth}")).await;
        let mother = person_link(&body, "Trần Thị Mai");

        // Another commune's officer: a 403 page in Vietnamese that shows nothing of her.
        let other = login_as(&app, "canbo.hongha").await;
        let (s, body) = get(&other, &app, &format!("/civil/persons/{mother}")).await;
        assert_eq!(s, 403, "{e}");
        assert!(body.contains("<html lang=\"vi\">"));
        assert!(
            body.contains(&format!(
                "Người số {mother} không có sự kiện hộ tịch nào trong phạm vi thẩm quyền của UBND"
            )),
            "{body}"
        );
        assert!(!body.contains("Trần Thị Mai"));
        assert!(!body.contains("001195012345"));
        // The refusal is in the audit log, naming who and why.
        let audit = app
            .store
            .audit_entries_of_target("person", &mother.to_string(), None, 1)
            .await
            .unwrap();
        assert_eq!(audit[0].action, "civil.person.read", "{e}");
        assert_eq!(audit[0].outcome, "denied");
        assert_eq!(audit[0].reason.as_deref(), Some("outside_jurisdiction"));
        assert_eq!(audit[0].actor_username.as_deref(), Some("canbo.hongha"));

        // Their record pages and the records' trails are refused the same way.
        let (s, _) = get(&other, &app, &format!("/civil/records/{birth}")).await;
        assert_eq!(s, 403);
        let token = app.token("canbo.hongha").await;
        let actor = app.app.authenticate(&token).await.unwrap().unwrap();
        let err = app
            .app
            .record_audit_trail(&actor, &Default::default(), birth, None, 100)
            .await
            .unwrap_err();
        assert_eq!(err.kind, tuphap_domain::ErrorKind::Forbidden);
        let audit = app
            .store
            .audit_entries_of_target("civil_record_audit", &birth.to_string(), None, 1)
            .await
            .unwrap();
        assert_eq!(audit[0].action, "civil.record.audit_read");
        assert_eq!(audit[0].outcome, "denied");
        assert_eq!(audit[0].actor_username.as_deref(), Some("canbo.hongha"));

        // An administrator of the ministry does not work with the registry.
        let admin = crate::support::login_as(&app, "admin", "/").await;
        let (s, body) = get(&admin, &app, &format!("/civil/persons/{mother}")).await;
        assert_eq!(s, 403);
        assert!(body.contains("không xem được sổ hộ tịch"), "{body}");
    }
}

/// `dd/mm/yyyy HH:MM`.
fn is_vn_minutes(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 16
        && b.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b'/',
            10 => *c == b' ',
            13 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// The text of the `<td data-label="{label}">` of a table row.
fn cell<'a>(row: &'a str, label: &str) -> &'a str {
    let marker = format!("<td data-label=\"{label}\"");
    let at = row
        .find(&marker)
        .unwrap_or_else(|| panic!("no cell {label}: {row}"));
    let from = at + row[at..].find('>').unwrap() + 1;
    &row[from..from + row[from..].find("</td>").unwrap()]
}

#[tokio::test]
async fn record_page_shows_its_audit_trail() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        users(&app).await;
        let officer = login_as(&app, "canbo.badinh").await;
        let signer = login_as(&app, "lanhdao.badinh").await;
        let csrf = csrf_of(&officer, &app).await;
        let (id, _) = declare(
            &officer,
            &app,
            &birth_form(&csrf, "Lê Minh Anh", &days_ago(2)),
        )
        .await;
        sign(&signer, &app, id).await;
        // Another commune's officer tries to read it.
        let other = login_as(&app, "canbo.hongha").await;
        let (s, _) = get(&other, &app, &format!("/civil/records/{id}")).await;
        assert_eq!(s, 403, "{e}");

        // Opened twice by the officer: the two reads are one row.
        let (s, _) = get(&officer, &app, &format!("/civil/records/{id}")).await;
        assert_eq!(s, 200, "{e}");
        let (s, body) = get(&officer, &app, &format!("/civil/records/{id}")).await;
        assert_eq!(s, 200, "{e}");
        assert!(body.contains(r#"<h2 id="nhat-ky-h">Nhật ký</h2>"#));
        let rows = trail_rows(&body);
        let find = |action: &str| {
            rows.iter()
                .position(|r| cell(r, "Thao tác") == action)
                .unwrap_or_else(|| panic!("{e}: no row {action} in {rows:#?}"))
        };
        let declared = find("Tiếp nhận tờ khai khai sinh");
        let registered = find("Ký đăng ký, cấp số");
        let denied = find("Xem hồ sơ (bị từ chối)");
        // Newest first: these reads, the refused read, the signature, the declaration.
        assert_eq!(rows.len(), 4, "{e}: {rows:#?}");
        assert_eq!(
            cell(rows[0], "Thao tác"),
            r#"Xem hồ sơ <span class="trail-count">(2 lần)</span>"#
        );
        assert!(cell(rows[0], "Người thực hiện").contains("canbo.badinh"));
        assert!(denied < registered && registered < declared, "{rows:#?}");
        assert_eq!(
            declared,
            rows.len() - 1,
            "the declaration is the first entry"
        );
        let office = "<span class=\"trail-office\">UBND Phường Ba Đình</span>";
        assert_eq!(
            cell(rows[declared], "Người thực hiện"),
            format!("<span class=\"mono\">canbo.badinh</span>{office}")
        );
        assert_eq!(
            cell(rows[registered], "Người thực hiện"),
            format!("<span class=\"mono\">lanhdao.badinh</span>{office}")
        );
        assert!(cell(rows[denied], "Người thực hiện").contains("canbo.hongha"));
        assert!(cell(rows[denied], "Người thực hiện").contains("UBND Phường Hồng Hà"));
        assert_eq!(
            cell(rows[denied], "Kết quả"),
            r#"<span class="badge denied">Bị từ chối</span>"#
        );
        assert_eq!(cell(rows[denied], "Lý do"), "Ngoài phạm vi thẩm quyền");
        assert_eq!(cell(rows[registered], "Lý do"), "—");
        assert_eq!(
            cell(rows[registered], "Kết quả"),
            r#"<span class="badge success">Thành công</span>"#
        );
        let today = format_vn(vn_today());
        let yesterday = format_vn(vn_today() - time::Duration::days(1));
        for r in &rows {
            let at = cell(r, "Thời gian").split('<').next().unwrap();
            assert!(is_vn_minutes(at), "{at}");
            assert!(at.starts_with(&today) || at.starts_with(&yesterday), "{at}");
        }
        assert!(!body.contains(r#"id="nhat-ky-con""#), "not truncated");
        // Reading the trail is audited (beside the trail, so that views do not crowd it).
        let audit = app
            .store
            .audit_entries_of_target("civil_record_audit", &id.to_string(), None, 1)
            .await
            .unwrap();
        assert_eq!(audit[0].action, "civil.record.audit_read", "{e}");
        assert_eq!(audit[0].outcome, "success");
        assert_eq!(audit[0].actor_username.as_deref(), Some("canbo.badinh"));
        assert!(!section(&body, "nhat-ky").contains("Xem nhật ký hồ sơ"));

        // A busy record: 120 more reads by two people in turn (one row each), the last of an
        // action without a Vietnamese label.
        let mut extra: Vec<tuphap_store::audit::NewAuditEntry> = (0..120)
            .map(|i| tuphap_store::audit::NewAuditEntry {
                actor_username: Some(if i % 2 == 0 { "so.hanoi" } else { "so.kiemtra" }.into()),
                actor_office: Some("01".into()),
                action: "civil.record.read".into(),
                target_type: Some("civil_record".into()),
                target_id: Some(id.to_string()),
                ..Default::default()
            })
            .collect();
        extra.last_mut().unwrap().action = "civil.legacy.import".into();
        app.store.audit(&extra).await.unwrap();
        let (s, body) = get(&officer, &app, &format!("/civil/records/{id}")).await;
        assert_eq!(s, 200);
        let rows = trail_rows(&body);
        assert_eq!(rows.len(), 100, "{e}: bounded");
        assert_eq!(
            cell(rows[1], "Thao tác"),
            r#"<span class="mono">civil.legacy.import</span>"#
        );
        assert!(!rows.iter().any(|r| r.contains("Tiếp nhận tờ khai")));
        let note = &body[body
            .find(r#"<p class="hint" id="nhat-ky-con">"#)
            .expect("a note")..];
        assert!(
            note.contains("Đang hiện 100 mục gần nhất; còn các mục cũ hơn."),
            "{note}"
        );
        let marker = "href=\"/civil/records/";
        let from = note.find(marker).unwrap() + "href=\"".len();
        let older = note[from..from + note[from..].find('"').unwrap()].replace("&#38;", "&");
        assert!(older.contains("?nhat_ky_truoc="), "{older}");
        // The older page: the rest, down to the declaration.
        let (s, body) = get(&officer, &app, &older).await;
        assert_eq!(s, 200, "{older}");
        let rows = trail_rows(&body);
        assert!(!rows.is_empty() && rows.len() < 100, "{}", rows.len());
        assert_eq!(
            cell(rows[rows.len() - 1], "Thao tác"),
            "Tiếp nhận tờ khai khai sinh"
        );
        assert!(body.contains(&format!(
            r##"<a href="/civil/records/{id}#nhat-ky">← Về các mục mới nhất</a>"##
        )));
        assert!(!body.contains(r#"id="nhat-ky-con""#));
        let (s, _) = get(
            &officer,
            &app,
            &format!("/civil/records/{id}?nhat_ky_truoc=abc"),
        )
        .await;
        assert_eq!(s, 400);
        assert!(app.store.verify_audit().await.unwrap().is_intact());
    }
}

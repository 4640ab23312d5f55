//! Page tests over HTTP: login through the real form, then every back-office page as a
//! browser without JavaScript would use it (GET forms, POST + redirect), plus the htmx
//! fragments.

use crate::support::{
    TestApp, encode, hidden_csrf, location, login_as, new_client, spawn_app, spawn_apps,
};

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.at(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn get_htmx(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c
        .get(app.at(path))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_eq!(
        r.headers().get("vary").map(|v| v.to_str().unwrap()),
        Some("HX-Request")
    );
    (status, r.text().await.unwrap())
}

async fn post_form(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(app.at(path)).form(form).send().await.unwrap()
}

/// How many unit codes a list shows (each code is a link of class `code`).
fn unit_rows(html: &str) -> usize {
    html.matches("<a class=\"code\"").count()
}

#[tokio::test]
async fn pages_redirect_to_login_and_back() {
    let app = spawn_app().await;
    app.add_user("admin", "admin", "BTP").await;
    let anon = new_client();
    for path in [
        "/reference/admin-units",
        "/reference/admin-units/00004?as_of=2024-01-01",
        "/tools/personal-id?number=001095012345",
        "/calendar?year=2026",
        "/audit",
        "/users",
    ] {
        let r = anon.get(app.at(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(
            location(&r),
            format!("/login?next={}", encode(path)),
            "{path}"
        );
    }
    // A POST without a session is sent to the login page too, and changes nothing.
    let r = post_form(
        &anon,
        &app,
        "/calendar/adjustments",
        &[
            ("date", "2026-03-16"),
            ("kind", "day_off"),
            ("name_vi", "X"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login?next="));

    // Logging in with `next` lands on the page asked for.
    let next = "/reference/admin-units/00004?as_of=2024-01-01";
    let c = login_as(&app, "admin", next).await;
    let (status, body) = get(&c, &app, next).await;
    assert_eq!(status, 200);
    assert!(body.contains("Phường Trúc Bạch"));
}

#[tokio::test]
async fn admin_units_list_filters_and_detail() {
    for app in spawn_apps().await {
        let engine = format!("{:?}", app.engine);
        app.add_user("officer", "officer", "00004").await;
        let c = login_as(&app, "officer", "/").await;

        // 63 provinces before the reform, 34 after.
        let (status, body) = get(
            &c,
            &app,
            "/reference/admin-units?as_of=2024-01-01&level=province",
        )
        .await;
        assert_eq!(status, 200, "{engine}");
        assert!(body.starts_with("<!doctype html>"));
        assert_eq!(unit_rows(&body), 63, "{engine}");
        assert!(body.contains("<strong>63</strong> đơn vị phù hợp"));
        assert!(body.contains("Thành phố Hà Nội"));
        assert!(body.contains("Tỉnh Hà Giang"));
        assert!(body.contains(r#"href="/reference/admin-units/01?as_of=2024-01-01""#));
        assert!(body.contains(r#"<option value="province" selected>"#));
        let (_, body) = get(
            &c,
            &app,
            "/reference/admin-units?as_of=2025-07-01&level=province",
        )
        .await;
        assert_eq!(unit_rows(&body), 34, "{engine}");
        assert!(!body.contains("Tỉnh Hà Giang"));
        // The province select follows the date.
        assert_eq!(body.matches("<option value=\"").count(), 4 + 1 + 34);

        // The default: provinces today.
        let (status, body) = get(&c, &app, "/reference/admin-units").await;
        assert_eq!(status, 200);
        assert_eq!(unit_rows(&body), 34);

        // Folded search: "ba dinh" finds "Phường Ba Đình"; dates shown dd/mm/yyyy, open end "—".
        let (status, body) = get(
            &c,
            &app,
            "/reference/admin-units?as_of=2026-01-01&level=commune&q=ba+dinh",
        )
        .await;
        assert_eq!(status, 200);
        assert!(body.contains("Phường Ba Đình"), "{engine}");
        assert!(body.contains("01/07/2025"));
        assert!(body.contains(">—</td>"));
        assert!(body.contains(r#"href="/reference/admin-units/00004?as_of=2026-01-01""#));

        // ~10,000 communes before the reform: capped at 200 with a request to narrow down.
        let (status, body) = get(
            &c,
            &app,
            "/reference/admin-units?as_of=2024-01-01&level=commune",
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(unit_rows(&body), 200);
        assert!(body.contains("chỉ hiển thị 200 đơn vị đầu tiên"));
        assert!(body.contains("Hãy chọn tỉnh/thành phố"));

        // By province (communes then hung under districts) and search.
        let (_, body) = get(
            &c,
            &app,
            "/reference/admin-units?as_of=2024-01-01&level=commune&parent=01&q=Tr%C3%BAc+B%E1%BA%A1ch",
        )
        .await;
        assert_eq!(unit_rows(&body), 1, "{engine}");
        assert!(body.contains("Phường Trúc Bạch"));
        assert!(body.contains("Quận Ba Đình"), "parent district named");
        assert!(body.contains(r#"<option value="01" selected>"#));

        // Districts are gone after the reform, and the page says why.
        let (status, body) = get(
            &c,
            &app,
            "/reference/admin-units?as_of=2026-01-01&level=district",
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(unit_rows(&body), 0);
        assert!(body.contains("không còn đơn vị cấp huyện"));

        // Wrong inputs are shown next to the field.
        let (status, body) = get(&c, &app, "/reference/admin-units?as_of=2024-02-30").await;
        assert_eq!(status, 422);
        assert!(body.contains("Ngày 30/02/2024 không tồn tại."));
        assert!(body.contains(r#"aria-invalid="true""#));
        let (status, _) = get(&c, &app, "/reference/admin-units?level=hamlet").await;
        assert_eq!(status, 422);

        // Detail: one code, two units over time, linked across the reform.
        let (status, body) = get(&c, &app, "/reference/admin-units/00004?as_of=2024-01-01").await;
        assert_eq!(status, 200, "{engine}");
        assert!(body.contains("<h1>Phường Trúc Bạch"));
        assert!(body.contains("Phường Ba Đình"));
        assert!(body.contains("30/06/2025"));
        assert!(body.contains("Đơn vị kế thừa từ 01/07/2025"));
        assert!(body.contains("toàn bộ") || body.contains("một phần"));
        assert!(body.contains(r#"href="/reference/admin-units/00004?as_of=2025-07-01""#));
        let (status, body) = get(&c, &app, "/reference/admin-units/00004?as_of=2025-07-01").await;
        assert_eq!(status, 200);
        assert!(body.contains("<h1>Phường Ba Đình"));
        assert!(body.contains("Hình thành từ các đơn vị trước 01/07/2025"));
        assert!(body.contains("Phường Trúc Bạch"));
        assert!(body.contains(r#"href="/reference/admin-units/00004?as_of=2025-06-30""#));
        // A province has a link to its communes.
        let (status, body) = get(&c, &app, "/reference/admin-units/01?as_of=2026-01-01").await;
        assert_eq!(status, 200);
        assert!(
            body.contains(
                "/reference/admin-units?as_of=2026-01-01&#38;level=commune&#38;parent=01"
            )
        );
        // Unknown code: 404 page, still in the layout.
        let (status, body) = get(&c, &app, "/reference/admin-units/99999").await;
        assert_eq!(status, 404);
        assert!(body.contains("Không có đơn vị hành chính nào mang mã"));
        // A code on a day it names nothing: 404 with its versions listed.
        let (status, body) = get(&c, &app, "/reference/admin-units/00001?as_of=2026-01-01").await;
        assert_eq!(status, 404);
        assert!(body.contains("không gắn với đơn vị hành chính nào có hiệu lực ngày 01/01/2026"));
        assert!(body.contains("Phường Phúc Xá"));
    }
}

#[tokio::test]
async fn htmx_gets_only_the_fragment() {
    let app = spawn_app().await;
    app.add_user("auditor", "auditor", "BTP").await;
    let c = login_as(&app, "auditor", "/").await;
    let (status, body) = get_htmx(
        &c,
        &app,
        "/reference/admin-units?as_of=2024-01-01&level=province",
    )
    .await;
    assert_eq!(status, 200);
    assert!(!body.contains("<html"), "fragment only");
    assert!(!body.contains("<nav"));
    assert!(body.trim_start().starts_with(r#"<div id="ket-qua""#));
    assert_eq!(unit_rows(&body), 63);
    assert!(body.contains("Thành phố Hà Nội"));
    // The province select is refreshed out of band (its options depend on the date).
    assert!(body.contains(r#"<select id="parent" name="parent" hx-swap-oob="true">"#));
    // An error inside a fragment is still swapped in (2xx) and shown.
    let (status, body) = get_htmx(&c, &app, "/reference/admin-units?as_of=2024-13-01").await;
    assert_eq!(status, 200);
    assert!(body.contains("Ngày 01/13/2024 không tồn tại."));

    // The same URL without the header is the whole page, with the htmx attributes on the form.
    let (_, body) = get(
        &c,
        &app,
        "/reference/admin-units?as_of=2024-01-01&level=province",
    )
    .await;
    assert!(body.contains("<html lang=\"vi\">"));
    assert!(body.contains(r#"hx-get="/reference/admin-units""#));
    assert!(body.contains(r##"hx-target="#ket-qua""##));
    assert!(body.contains(r#"hx-push-url="true""#));
    assert!(!body.contains("hx-swap-oob"));
    // No inline scripts or styles anywhere (CSP).
    assert!(!body.contains("style="));
    assert!(!body.contains("<script>"));

    // A history restore needs the whole page.
    let r = c
        .get(app.at("/reference/admin-units"))
        .header("HX-Request", "true")
        .header("HX-History-Restore-Request", "true")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("<html"));

    // The audit list too.
    let (status, body) = get_htmx(&c, &app, "/audit?target_type=user").await;
    assert_eq!(status, 200);
    assert!(!body.contains("<html"));
    assert!(body.trim_start().starts_with(r#"<div id="nhat-ky""#));
}

#[tokio::test]
async fn personal_id_tool() {
    let app = spawn_app().await;
    app.add_user("officer", "officer", "00004").await;
    let c = login_as(&app, "officer", "/").await;

    let (status, body) = get(&c, &app, "/tools/personal-id").await;
    assert_eq!(status, 200);
    assert!(body.contains("không có chữ số kiểm tra"));
    assert!(body.contains("Cơ sở dữ liệu quốc gia về dân cư"));
    assert!(!body.contains("aria-invalid"));

    let (status, body) = get(
        &c,
        &app,
        "/tools/personal-id?number=001095012345&sex=male&date_of_birth=1995-01-01",
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("Hà Nội"));
    assert!(body.contains("Thành phố Hà Nội (mã 001)"));
    assert!(body.contains("<dd>1995</dd>"));
    assert!(body.contains("<dd>Nam</dd>"));
    assert!(body.contains("20 (năm 1900–1999)"));
    assert!(body.contains("012345"));
    assert!(body.contains("khớp với giới tính và ngày sinh"));
    assert!(body.contains(r#"<option value="male" selected>"#));
    assert!(!body.contains(r#"aria-invalid="true""#));

    // Century digit 2 (21st century) does not fit a man born in 1995.
    let (status, body) = get(
        &c,
        &app,
        "/tools/personal-id?number=001295012345&sex=male&date_of_birth=1995-01-01",
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("dành cho người sinh trong thế kỷ 21"),
        "{body}"
    );
    assert!(body.contains("năm sinh là 1995"));
    assert!(body.contains(r#"aria-invalid="true""#));
    assert!(body.contains(r#"id="number-error""#));

    // Sex only.
    let (status, body) = get(&c, &app, "/tools/personal-id?number=001195012345&sex=nam").await;
    assert_eq!(status, 422);
    assert!(body.contains("dành cho giới tính Nữ"));

    // Malformed numbers.
    let (status, body) = get(&c, &app, "/tools/personal-id?number=12345").await;
    assert_eq!(status, 422);
    assert!(body.contains("Số định danh phải có đúng 12 chữ số (đang có 5)."));
    let (status, body) = get(&c, &app, "/tools/personal-id?number=00109501234x").await;
    assert_eq!(status, 422);
    assert!(body.contains("chỉ được gồm các chữ số"));
    let (status, body) = get(
        &c,
        &app,
        "/tools/personal-id?number=001095012345&date_of_birth=1995-02-30",
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("Ngày 30/02/1995 không tồn tại."));
    assert!(body.contains(r#"id="dob-error""#));
    // Markup in the input is escaped, never echoed raw.
    let (_, body) = get(&c, &app, "/tools/personal-id?number=%3Cb%3Ex").await;
    assert!(!body.contains("<b>x"));
    assert!(body.contains("&#60;b&#62;") || body.contains("&lt;b&gt;"));
    // A script is refused at the edge (attack detection, `tuphap-web::security`).
    let (status, body) = get(&c, &app, "/tools/personal-id?number=%3Cscript%3E").await;
    assert_eq!(status, 400);
    assert!(!body.contains("<script>"));
}

#[tokio::test]
async fn calendar_read_only_and_admin_adjustments() {
    for app in spawn_apps().await {
        let engine = format!("{:?}", app.engine);
        app.add_user("admin", "admin", "BTP").await;
        app.add_user("officer", "officer", "00004").await;
        let officer = login_as(&app, "officer", "/calendar").await;
        let admin = login_as(&app, "admin", "/calendar").await;

        // Everyone sees the days off and the deadline calculator.
        let (status, body) = get(&officer, &app, "/calendar?year=2026").await;
        assert_eq!(status, 200, "{engine}");
        assert!(body.contains("Lịch làm việc năm 2026"));
        assert!(body.contains("Tết Nguyên đán"));
        assert!(body.contains("Quốc khánh"));
        assert!(body.contains("01/01/2026"));
        assert!(
            !body.contains("Điều chỉnh lịch năm"),
            "read-only for officers"
        );
        assert!(!body.contains("/calendar/adjustments"));

        let (_, api) = app
            .get_json("/api/v1/reference/calendar/working-days?from=2026-02-13&days=5")
            .await;
        let expected = api["date_vn"].as_str().unwrap().to_string();
        let (status, body) =
            get(&officer, &app, "/calendar?year=2026&from=2026-02-13&days=5").await;
        assert_eq!(status, 200);
        assert!(
            body.contains("hạn là <strong>") && body.contains(&expected),
            "{expected}"
        );
        assert!(body.contains("5 ngày làm việc kể từ sau ngày 13/02/2026"));
        let (status, body) = get(&officer, &app, "/calendar?from=2026-02-13&days=999").await;
        assert_eq!(status, 422);
        assert!(body.contains("Số ngày làm việc phải là số nguyên từ 0 đến 365."));
        let (status, body) = get(&officer, &app, "/calendar?year=2019").await;
        assert_eq!(status, 422);
        assert!(body.contains("Lịch ngày nghỉ có cho các năm 2020–2030."));

        // Officers may not change the calendar, even with a valid token.
        let (_, page) = get(&officer, &app, "/calendar?year=2026").await;
        let officer_csrf = hidden_csrf(&page);
        let r = post_form(
            &officer,
            &app,
            "/calendar/adjustments",
            &[
                ("csrf", officer_csrf.as_str()),
                ("date", "2026-03-16"),
                ("kind", "day_off"),
                ("name_vi", "Nghỉ thử"),
            ],
        )
        .await;
        assert_eq!(r.status(), 403);

        // The administrator's view.
        let (status, body) = get(&admin, &app, "/calendar?year=2026").await;
        assert_eq!(status, 200);
        assert!(body.contains("Điều chỉnh lịch năm 2026"));
        assert!(body.contains("data-confirm=\"Xóa điều chỉnh lịch ngày"));
        let csrf = hidden_csrf(&body);

        // Without (or with a wrong) CSRF token: refused, nothing saved.
        let form = [
            ("date", "2026-03-16"),
            ("kind", "day_off"),
            ("name_vi", "Nghỉ thử nghiệm của trang"),
            ("legal_basis", "Thông báo thử"),
        ];
        let r = post_form(&admin, &app, "/calendar/adjustments", &form).await;
        assert_eq!(r.status(), 403);
        let mut with_bad = form.to_vec();
        with_bad.push(("csrf", "sai"));
        let r = post_form(&admin, &app, "/calendar/adjustments", &with_bad).await;
        assert_eq!(r.status(), 403);

        // Domain errors go next to their field, with the form kept.
        let r = post_form(
            &admin,
            &app,
            "/calendar/adjustments",
            &[
                ("csrf", csrf.as_str()),
                ("date", "2026-03-16"),
                ("kind", "day_off"),
                ("name_vi", "   "),
                ("legal_basis", "Thông báo giữ lại"),
            ],
        )
        .await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains("Tên ngày nghỉ/ngày làm bù phải có từ 1 đến 200 ký tự."));
        assert!(body.contains(r#"id="adj-name-error""#));
        assert!(body.contains("Thông báo giữ lại"));
        let r = post_form(
            &admin,
            &app,
            "/calendar/adjustments",
            &[
                ("csrf", csrf.as_str()),
                ("date", "2026-02-30"),
                ("kind", "day_off"),
                ("name_vi", "X"),
            ],
        )
        .await;
        assert_eq!(r.status(), 422);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Ngày 30/02/2026 không tồn tại.")
        );

        // Add: POST, redirect, GET with the message; the API sees the new day off.
        let mut ok = form.to_vec();
        ok.push(("csrf", csrf.as_str()));
        let r = post_form(&admin, &app, "/calendar/adjustments", &ok).await;
        assert_eq!(r.status(), 303, "{engine}");
        let to = location(&r);
        assert_eq!(to, "/calendar?year=2026&saved=2026-03-16#dieu-chinh");
        let (status, body) = get(&admin, &app, to.split('#').next().unwrap()).await;
        assert_eq!(status, 200);
        assert!(body.contains("Đã lưu điều chỉnh lịch ngày 16/03/2026."));
        assert!(body.contains("Nghỉ thử nghiệm của trang"));
        assert!(body.contains("Thông báo thử"));
        assert!(body.contains(r#"action="/calendar/adjustments/2026-03-16/delete""#));
        let (_, days) = app
            .get_json("/api/v1/reference/calendar/days-off?year=2026")
            .await;
        let has_day = |v: &serde_json::Value| {
            v["days_off"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["date"] == "2026-03-16" && d["name"] == "Nghỉ thử nghiệm của trang")
        };
        assert!(has_day(&days), "{days}");

        // Delete: refused without the token, then done with it.
        let r = post_form(&admin, &app, "/calendar/adjustments/2026-03-16/delete", &[]).await;
        assert_eq!(r.status(), 403);
        let r = post_form(
            &admin,
            &app,
            "/calendar/adjustments/2026-03-16/delete",
            &[("csrf", csrf.as_str())],
        )
        .await;
        assert_eq!(r.status(), 303);
        assert_eq!(
            location(&r),
            "/calendar?year=2026&deleted=2026-03-16#dieu-chinh"
        );
        let (_, body) = get(&admin, &app, "/calendar?year=2026&deleted=2026-03-16").await;
        assert!(body.contains("Đã xóa điều chỉnh lịch ngày 16/03/2026."));
        assert!(!body.contains("Nghỉ thử nghiệm của trang"));
        let (_, days) = app
            .get_json("/api/v1/reference/calendar/days-off?year=2026")
            .await;
        assert!(!has_day(&days));
        // Deleting again: nothing to delete.
        let r = post_form(
            &admin,
            &app,
            "/calendar/adjustments/2026-03-16/delete",
            &[("csrf", csrf.as_str())],
        )
        .await;
        assert_eq!(r.status(), 404);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Không có điều chỉnh lịch nào cho ngày 16/03/2026.")
        );
    }
}

#[tokio::test]
async fn audit_page_lists_filters_pages_and_verifies() {
    for app in spawn_apps().await {
        let engine = format!("{:?}", app.engine);
        app.add_user("admin", "admin", "BTP").await;
        app.add_user("auditor", "auditor", "BTP").await;
        app.add_user("officer", "officer", "00004").await;
        // A failed login, to see a failure in the list.
        let r = app
            .client
            .post(app.at("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "officer", "password": "sai-mat-khau-roi"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let officer = login_as(&app, "officer", "/").await;
        let (status, body) = get(&officer, &app, "/audit").await;
        assert_eq!(status, 403, "{engine}");
        assert!(body.contains("không có quyền xem nhật ký kiểm tra"));

        let c = login_as(&app, "auditor", "/audit").await;
        let (status, body) = get(&c, &app, "/audit").await;
        assert_eq!(status, 200, "{engine}");
        assert!(body.contains("Nhật ký kiểm tra"));
        assert!(body.contains("auth.login"));
        assert!(body.contains("Đăng nhập"));
        assert!(body.contains(r#"<span class="badge success">Thành công</span>"#));
        assert!(body.contains(r#"<span class="badge failure">Thất bại</span>"#));
        assert!(body.contains("bad_password"));
        assert!(body.contains(r#"href="/audit?target_type=user&#38;target_id=officer""#));
        // Vietnam time, dd/mm/yyyy HH:MM:SS.
        let now = time::OffsetDateTime::now_utc().to_offset(tuphap_core::dates::VN_OFFSET);
        let today = tuphap_core::dates::format_vn(now.date());
        assert!(body.contains(&format!("{today} ")), "{today}");
        assert!(!body.contains("Trang sau"));

        // Filter by target.
        let (status, body) = get(&c, &app, "/audit?target_type=user&target_id=officer").await;
        assert_eq!(status, 200);
        assert!(body.contains("user: officer"));
        assert!(!body.contains("user: auditor"));

        // Keyset pages of 50, newest first.
        let entries: Vec<tuphap_store::NewAuditEntry> = (0..60)
            .map(|i| tuphap_store::NewAuditEntry {
                action: "test.bulk".into(),
                target_type: Some("test".into()),
                target_id: Some(format!("muc-{i:02}")),
                ..Default::default()
            })
            .collect();
        app.store.audit(&entries).await.unwrap();
        let (status, body) = get(&c, &app, "/audit?target_type=test").await;
        assert_eq!(status, 200);
        assert_eq!(body.matches("test.bulk").count(), 50);
        assert!(body.contains("test: muc-59"));
        assert!(!body.contains("test: muc-09<"));
        let marker = "href=\"/audit?target_type=test&#38;before_seq=";
        let at = body.find(marker).expect("a next-page link") + marker.len();
        let seq: String = body[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let (status, body) = get(
            &c,
            &app,
            &format!("/audit?target_type=test&before_seq={seq}"),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body.matches("test.bulk").count(), 10);
        assert!(body.contains("test: muc-00"));
        assert!(body.contains("Trang đầu"));
        assert!(!body.contains("Trang sau"));
        let (status, _) = get(&c, &app, "/audit?before_seq=abc").await;
        assert_eq!(status, 400);

        // Integrity check.
        let (status, body) = get(&c, &app, "/audit?verify=1").await;
        assert_eq!(status, 200);
        let v = app.app.verify_audit().await.unwrap();
        assert!(v.is_intact());
        assert!(
            body.contains("Chuỗi nhật ký toàn vẹn: "),
            "{engine}: verification shown"
        );
        let marker = "Chuỗi nhật ký toàn vẹn: ";
        let at = body.find(marker).unwrap() + marker.len();
        let n: u64 = body[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap();
        assert!((60..=v.entries).contains(&n), "{n} vs {}", v.entries);
        assert!(body[at..].starts_with(&format!("{n} bản ghi")));

        // Administrators may read it too.
        let admin = login_as(&app, "admin", "/").await;
        let (status, _) = get(&admin, &app, "/audit").await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn users_page_for_administrators_only() {
    for app in spawn_apps().await {
        let engine = format!("{:?}", app.engine);
        app.add_user("admin", "admin", "BTP").await;
        app.add_user("officer", "officer", "00004").await;

        // Others: 403, for reading and for writing.
        let officer = login_as(&app, "officer", "/").await;
        let (status, body) = get(&officer, &app, "/users").await;
        assert_eq!(status, 403, "{engine}");
        assert!(body.contains("không có quyền quản lý người dùng"));
        let (_, home) = get(&officer, &app, "/").await;
        assert!(!home.contains(r#"href="/users""#));
        let officer_csrf = hidden_csrf(&home);
        let r = post_form(
            &officer,
            &app,
            "/users",
            &[
                ("csrf", officer_csrf.as_str()),
                ("username", "ke.gian"),
                ("role", "admin"),
                ("unit", "BTP"),
                ("password", "mat-khau-rat-dai-2026"),
            ],
        )
        .await;
        assert_eq!(r.status(), 403);

        let c = login_as(&app, "admin", "/users").await;
        let (status, body) = get(&c, &app, "/users").await;
        assert_eq!(status, 200, "{engine}");
        assert!(body.contains("Cán bộ officer"));
        assert!(body.contains("UBND Phường Ba Đình"));
        assert!(body.contains("Quản trị hệ thống"));
        assert!(body.contains("Công chức tư pháp – hộ tịch"));
        assert!(body.contains(r#"<option value="officer" selected>"#));
        assert!(body.contains("mã tỉnh/thành phố (2 chữ số)"));
        let csrf = hidden_csrf(&body);

        let new_user = |username: &'static str, unit: &'static str| {
            vec![
                ("username", username),
                ("display_name", "Nguyễn Thị Hương"),
                ("role", "signer"),
                ("unit", unit),
                ("password", "mot-mat-khau-du-dai"),
            ]
        };
        // Without the token.
        let r = post_form(&c, &app, "/users", &new_user("nguoi.ky", "00004")).await;
        assert_eq!(r.status(), 403);
        // A bad field: shown next to it, the rest kept (but never the password).
        let mut f = new_user("AB", "00004");
        f.push(("csrf", csrf.as_str()));
        let r = post_form(&c, &app, "/users", &f).await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains("Tên đăng nhập phải dài 3–64 ký tự"));
        assert!(body.contains(r#"id="username-error""#));
        assert!(body.contains("Nguyễn Thị Hương"));
        assert!(body.contains(r#"<option value="signer" selected>"#));
        assert!(!body.contains("mot-mat-khau-du-dai"));
        let mut f = new_user("nguoi.ky", "00001");
        f.push(("csrf", csrf.as_str()));
        let r = post_form(&c, &app, "/users", &f).await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains(r#"id="unit-error""#));
        assert!(body.contains("hết hiệu lực"), "old code explained");

        // Success: redirect with a message; the new account can log in.
        let mut f = new_user("nguoi.ky", "00004");
        f.push(("csrf", csrf.as_str()));
        let r = post_form(&c, &app, "/users", &f).await;
        assert_eq!(r.status(), 303, "{engine}");
        assert_eq!(location(&r), "/users?created=nguoi.ky");
        let (status, body) = get(&c, &app, "/users?created=nguoi.ky").await;
        assert_eq!(status, 200);
        assert!(body.contains("Đã tạo tài khoản nguoi.ky (Nguyễn Thị Hương)."));
        assert!(body.contains("Người ký (lãnh đạo UBND)"));
        // A made-up name is not confirmed.
        let (_, body) = get(&c, &app, "/users?created=khong.co").await;
        assert!(!body.contains("Đã tạo tài khoản"));
        // The same username again: conflict.
        let r = post_form(&c, &app, "/users", &f).await;
        assert_eq!(r.status(), 409);
        assert!(r.text().await.unwrap().contains("đã được dùng"));

        let r = app
            .client
            .post(app.at("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "nguoi.ky", "password": "mot-mat-khau-du-dai"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

//! The civil-status pages in a real headless Chromium at phone size (390×844): the officer fills
//! in the birth declaration (a field error first, then the fix), the signer opens the queue and
//! signs; every page is checked for horizontal overflow and screenshotted to
//! `target/screenshots/civil-*.png`. A marriage likewise: the two parties stacked on the phone,
//! a refusal by the rules, the signature, and the print link (new tab) fetched from the page.
//! From a record's persons to the mother's page (her births on a timeline) and back to a record
//! with its "Nhật ký". A court's divorce recorded from the marriage's page, and the
//! marital-status form refused, then accepted once the divorce is signed; an amendment of the
//! marriage from its page, signed, shown in its history; a father recognised and an adoption
//! declared from a birth's page. Two entries of one man merged from his person page, then the
//! merge undone from the merged entry's page. Skipped like `browser.rs` when Chromium is missing, unless
//! `TUPHAP_REQUIRE_BROWSER=1`.

use reqwest::Method;
use serde_json::json;
use tuphap_core::dates::vn_today;

use crate::browser::{Driver, run_in_browser};
use crate::support::{PASSWORD, TestApp, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn civil_registry_on_a_phone() {
    run_in_browser(run()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn civil_marriage_on_a_phone() {
    run_in_browser(run_marriage()).await;
}

pub(crate) async fn login(d: &Driver, app: &TestApp, username: &str) {
    d.goto(&app.at("/login?next=/civil")).await;
    d.settle().await;
    d.type_into("#username", username).await;
    d.type_into("#password", PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    d.wait_for(
        "the civil queue",
        "return document.title.startsWith('Hộ tịch');",
    )
    .await;
    d.settle().await;
}

/// Sets a date input (the picker's typing order depends on the browser's locale).
pub(crate) async fn set_date(d: &Driver, id: &str, iso: &str) {
    d.js(&format!(
        "const i = document.getElementById({id:?}); i.removeAttribute('max'); i.value = {iso:?}; return true;"
    ))
    .await;
}

pub(crate) async fn check(d: &Driver, name: &str) {
    d.screenshot(name).await;
    d.assert_no_horizontal_overflow(name).await;
}

async fn run() {
    let app = spawn_app().await;
    app.add_user("canbo.badinh", "officer", "00004").await;
    app.add_user("lanhdao.badinh", "signer", "00004").await;
    let d = Driver::start().await;
    let year = vn_today().year();

    // The officer: an empty queue, then the form.
    login(&d, &app, "canbo.badinh").await;
    assert!(d.text("main").await.contains("Không có hồ sơ nào"));
    check(&d, "civil-queue-empty").await;
    d.click("a[href='/civil/births/new']").await;
    d.wait_for(
        "the declaration form",
        "return document.title.startsWith('Đăng ký khai sinh');",
    )
    .await;
    d.settle().await;
    check(&d, "civil-form").await;

    d.type_into("#child-full_name", "Nguyễn Thị Hương").await;
    d.click("#child-sex option[value=female]").await;
    let future = (vn_today() + time::Duration::days(3)).to_string();
    set_date(&d, "child-date_of_birth", &future).await;
    d.type_into("#child-place_of_birth-admin_unit_code", "00004")
        .await;
    d.type_into("#child-place_of_birth-detail", "Bệnh viện Phụ sản Hà Nội")
        .await;
    d.type_into("#mother-full_name", "Trần Thị Mai").await;
    set_date(&d, "mother-date_of_birth", "1995-03-14").await;
    d.type_into("#mother-personal_id", "001195012345").await;
    d.type_into("#mother-residence-detail", "12 phố Quán Thánh")
        .await;
    d.screenshot_at("civil-form-mother", "#me").await;
    d.type_into("#father-full_name", "Nguyễn Văn Nam").await;
    // Without the checkbox the father's fields disappear (CSS only, no script).
    d.click("#has_father").await;
    assert_eq!(
        d.js("return getComputedStyle(document.querySelector('#cha .form-grid')).display;")
            .await,
        "none"
    );
    d.screenshot_at("civil-form-no-father", "#cha").await;
    d.click("#has_father").await;
    assert_eq!(
        d.js("return getComputedStyle(document.querySelector('#cha .form-grid')).display;")
            .await,
        "grid"
    );
    d.type_into("#declarant-full_name", "Trần Thị Mai").await;
    d.type_into("#declarant-relationship", "mẹ").await;
    d.screenshot_at("civil-form-declarant", "#nguoi-khai").await;

    // A date of birth in the future: the server answers with the error at the field.
    d.click("form.birth-form button[type=submit]").await;
    d.wait_for(
        "the field error",
        "return !!document.getElementById('child-date_of_birth-error');",
    )
    .await;
    d.settle().await;
    assert!(
        d.text("#child-date_of_birth-error")
            .await
            .contains("ở tương lai")
    );
    assert_eq!(
        d.js("return document.getElementById('mother-personal_id').value;")
            .await,
        "001195012345",
        "values kept"
    );
    check(&d, "civil-form-error-top").await;
    d.screenshot_at("civil-form-error", "#tre").await;

    let dob = (vn_today() - time::Duration::days(4)).to_string();
    set_date(&d, "child-date_of_birth", &dob).await;
    d.click("form.birth-form button[type=submit]").await;
    d.wait_for(
        "the record page",
        "return document.title.startsWith('Hồ sơ khai sinh số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Đã tiếp nhận hồ sơ số"), "{main}");
    assert!(main.contains("Phường Ba Đình"));
    check(&d, "civil-declared").await;
    d.screenshot_at("civil-declared-content", ".parties").await;
    d.screenshot_at("civil-declared-actions", "#xu-ly").await;

    // Log out; the signer signs from the queue.
    d.click("header form[action='/logout'] button[type=submit]")
        .await;
    d.wait_for(
        "the login page",
        "return document.title.startsWith('Đăng nhập');",
    )
    .await;
    login(&d, &app, "lanhdao.badinh").await;
    assert!(d.text("main").await.contains("Nguyễn Thị Hương"));
    check(&d, "civil-queue").await;
    d.click("a.record-link").await;
    d.wait_for(
        "the record page",
        "return document.title.startsWith('Hồ sơ khai sinh số');",
    )
    .await;
    d.settle().await;
    d.screenshot_at("civil-sign", "#ky-dang-ky").await;
    d.click("#ky-dang-ky button[type=submit]").await;
    let text = format!("Số: 1, Quyển số: 01/{year}");
    d.wait_for(
        "the register number",
        &format!("return document.body.innerText.includes({text:?});"),
    )
    .await;
    d.settle().await;
    assert!(d.text(".register-box").await.contains(&text));
    check(&d, "civil-registered").await;
    d.goto(&app.at("/civil?status=registered")).await;
    d.settle().await;
    assert!(d.text("main").await.contains(&text));
    check(&d, "civil-queue-registered").await;

    // The same child declared again (through the API): the record page compares the two, and
    // signing needs a reason.
    let token = app.token("canbo.badinh").await;
    let body = json!({
        "child": {"full_name": "Nguyen Thi Huong", "sex": "female", "date_of_birth": dob,
                  "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                  "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Trần Thị Mai", "date_of_birth": "1995-03-14",
                   "personal_id": "001195012345", "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004"}},
        "father": {"full_name": "Nguyễn Văn Nam", "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Nguyễn Văn Nam", "relationship": "cha"}
    });
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/civil/births",
            Some(&token),
            Some(&body),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let second = v["id"].as_i64().unwrap();
    let dup: Vec<String> = v["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{}:{}", c["record_id"], c["score"]))
        .collect();
    assert!(!dup.is_empty(), "{v}");
    d.goto(&app.at(&format!(
        "/civil/records/{second}?declared=1&dup={}",
        dup.join(",")
    )))
    .await;
    d.settle().await;
    assert!(d.text("#ho-so-trung").await.contains("Hồ sơ số 1"));
    d.assert_no_horizontal_overflow("civil-duplicate").await;
    d.screenshot_at("civil-duplicate", "#ho-so-trung").await;
    d.click("#ky-dang-ky button[type=submit]").await;
    d.wait_for(
        "the reason field",
        "return !!document.getElementById('duplicate_override_reason');",
    )
    .await;
    d.settle().await;
    check(&d, "civil-duplicate-refused").await;
    d.type_into(
        "#duplicate_override_reason",
        "Sinh đôi, đã đối chiếu giấy chứng sinh",
    )
    .await;
    d.screenshot_at("civil-duplicate-reason", "#ky-dang-ky")
        .await;
    d.click("#ky-dang-ky button[type=submit]").await;
    let text = format!("Số: 2, Quyển số: 01/{year}");
    d.wait_for(
        "the second register number",
        &format!("return document.body.innerText.includes({text:?});"),
    )
    .await;
    d.settle().await;
    check(&d, "civil-duplicate-registered").await;

    // From the record's persons to the mother's page: both births on her timeline.
    let href = d
        .js("const a = [...document.querySelectorAll('a.person-link')] \
               .find(a => a.innerText === 'Trần Thị Mai'); return a.getAttribute('href');")
        .await;
    let href = href.as_str().unwrap().to_string();
    assert!(href.starts_with("/civil/persons/"), "{href}");
    d.click(&format!("a.person-link[href='{href}']")).await;
    d.wait_for(
        "the person page",
        "return document.title.startsWith('Thông tin cá nhân: Trần Thị Mai');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("001195012345"), "{main}");
    assert!(main.contains("14/03/1995"), "{main}");
    assert!(
        main.contains("Chưa xác định"),
        "no marriage in the registry: {main}"
    );
    let events = d.text("#su-kien").await;
    assert_eq!(
        d.js("return document.querySelectorAll('ol.timeline > li').length;")
            .await,
        2,
        "{events}"
    );
    assert!(
        events.contains(&format!("Số: 1, Quyển số: 01/{year}")),
        "{events}"
    );
    assert!(
        events.contains(&format!("Số: 2, Quyển số: 01/{year}")),
        "{events}"
    );
    assert!(events.contains("Khai sinh của con"), "{events}");
    check(&d, "civil-person").await;
    d.screenshot_at("civil-person-events", "#su-kien").await;
    // Each event links to its record, whose "Nhật ký" names who declared and who signed.
    d.click("ol.timeline > li:first-child h3 a").await;
    d.wait_for(
        "the first record",
        "return document.title.startsWith('Hồ sơ khai sinh số') && !!document.getElementById('nhat-ky');",
    )
    .await;
    d.settle().await;
    let trail = d.text("#nhat-ky").await;
    assert!(trail.contains("Tiếp nhận tờ khai khai sinh"), "{trail}");
    assert!(trail.contains("Ký đăng ký, cấp số"), "{trail}");
    assert!(
        trail.contains("canbo.badinh") && trail.contains("lanhdao.badinh"),
        "{trail}"
    );
    d.assert_no_horizontal_overflow("civil-record-trail").await;
    d.screenshot_at("civil-record-trail", "#nhat-ky").await;

    for line in d.console().await {
        eprintln!("browser console: {line}");
    }
}

/// Fills in one party of the marriage form (`p` is `wife` or `husband`).
async fn fill_spouse(d: &Driver, p: &str, name: &str, dob: &str, id: &str) {
    d.type_into(&format!("#{p}-full_name"), name).await;
    set_date(d, &format!("{p}-date_of_birth"), dob).await;
    if !id.is_empty() {
        d.type_into(&format!("#{p}-personal_id"), id).await;
    }
}

async fn run_marriage() {
    let app = spawn_app().await;
    app.add_user("canbo.badinh", "officer", "00004").await;
    app.add_user("lanhdao.badinh", "signer", "00004").await;
    let d = Driver::start().await;
    let year = vn_today().year();

    login(&d, &app, "canbo.badinh").await;
    check(&d, "civil-marriage-queue-buttons").await;
    d.click("a[href='/civil/marriages/new']").await;
    d.wait_for(
        "the marriage form",
        "return document.title.startsWith('Đăng ký kết hôn');",
    )
    .await;
    d.settle().await;
    check(&d, "civil-marriage-form").await;
    // On a phone the husband's block comes below the wife's, full width.
    let v = d
        .js("const a = document.getElementById('ben-nu').getBoundingClientRect(); \
             const b = document.getElementById('ben-nam').getBoundingClientRect(); \
             return [a.left, b.left, a.bottom <= b.top, Math.round(a.width) === Math.round(b.width)];")
        .await;
    assert_eq!(v[0], v[1], "stacked: {v}");
    assert_eq!(v[2], true, "wife above husband: {v}");
    assert_eq!(v[3], true, "same width: {v}");

    // An under-age husband first: the rule's refusal as an alert, the values kept.
    let young = (vn_today() - time::Duration::days(17 * 365)).to_string();
    fill_spouse(&d, "wife", "Trần Thị Lan", "1995-03-14", "001195012345").await;
    d.type_into("#wife-residence-detail", "12 phố Quán Thánh")
        .await;
    fill_spouse(&d, "husband", "Nguyễn Văn Nam", &young, "").await;
    d.screenshot_at("civil-marriage-form-husband", "#ben-nam")
        .await;
    d.click("form.marriage-form button[type=submit]").await;
    d.wait_for(
        "the refusal",
        "return !!document.querySelector('.alert.error');",
    )
    .await;
    d.settle().await;
    assert!(d.text(".alert.error").await.contains("chưa đủ 20 tuổi"));
    assert_eq!(
        d.js("return document.getElementById('wife-personal_id').value;")
            .await,
        "001195012345",
        "values kept"
    );
    check(&d, "civil-marriage-refused").await;

    set_date(&d, "husband-date_of_birth", "1993-07-02").await;
    d.click("form.marriage-form button[type=submit]").await;
    d.wait_for(
        "the record page",
        "return document.title.startsWith('Hồ sơ kết hôn số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Đã tiếp nhận hồ sơ số"), "{main}");
    assert!(main.contains("Bên nam (chồng)"));
    check(&d, "civil-marriage-declared").await;
    d.screenshot_at("civil-marriage-declared-content", ".parties")
        .await;

    // The signer signs from the queue, then prints.
    d.click("header form[action='/logout'] button[type=submit]")
        .await;
    d.wait_for(
        "the login page",
        "return document.title.startsWith('Đăng nhập');",
    )
    .await;
    login(&d, &app, "lanhdao.badinh").await;
    assert!(
        d.text("main")
            .await
            .contains("Trần Thị Lan – Nguyễn Văn Nam")
    );
    check(&d, "civil-marriage-queue").await;
    d.click("a.record-link").await;
    d.wait_for(
        "the record page",
        "return document.title.startsWith('Hồ sơ kết hôn số');",
    )
    .await;
    d.settle().await;
    d.screenshot_at("civil-marriage-sign", "#ky-dang-ky").await;
    d.click("#ky-dang-ky button[type=submit]").await;
    let text = format!("Số: 1, Quyển số: 01/{year}");
    d.wait_for(
        "the register number",
        &format!("return document.body.innerText.includes({text:?});"),
    )
    .await;
    d.settle().await;
    check(&d, "civil-marriage-registered").await;
    d.screenshot_at("civil-marriage-print", "#in-giay").await;
    let link = d
        .js("const a = document.querySelector('a.print-link'); \
             return [a.getAttribute('href'), a.target, a.rel, a.innerText];")
        .await;
    let href = link[0].as_str().unwrap().to_string();
    assert!(
        href.starts_with("/api/v1/civil/records/") && href.ends_with("/certificate.pdf"),
        "{link}"
    );
    assert_eq!(link[1], "_blank");
    assert_eq!(link[2], "noopener");
    assert_eq!(link[3], "In giấy chứng nhận kết hôn");
    // The link's target, fetched by the page with its session cookie: a PDF.
    d.js(&format!(
        "window.pdf = null; fetch({href:?}).then(async r => {{ \
           const b = new Uint8Array(await r.arrayBuffer()); \
           window.pdf = [r.status, r.headers.get('content-type'), String.fromCharCode(...b.slice(0, 4))]; }}); \
         return true;"
    ))
    .await;
    d.wait_for("the PDF", "return window.pdf !== null;").await;
    let pdf = d.js("return window.pdf;").await;
    assert_eq!(pdf, json!([200, "application/pdf", "%PDF"]), "{pdf}");
    // Reloaded: the certificate is issued, its code and the link to check it shown.
    d.goto(
        &app.at(&href
            .replace("/api/v1/civil/records/", "/civil/records/")
            .replace("/certificate.pdf", "")),
    )
    .await;
    d.settle().await;
    assert!(d.text("#in-giay").await.contains("Mã kiểm tra"));
    check(&d, "civil-marriage-issued").await;
    d.screenshot_at("civil-marriage-issued-code", "#in-giay")
        .await;
    d.click("#in-giay a[href^='/verify?code=']").await;
    d.wait_for(
        "the verification page",
        "return !!document.querySelector('.alert.ok');",
    )
    .await;
    d.settle().await;
    check(&d, "civil-marriage-verified").await;

    for line in d.console().await {
        eprintln!("browser console: {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn civil_divorce_and_marital_status_on_a_phone() {
    run_in_browser(run_divorce()).await;
}

/// A registered marriage (made over the API); in the browser: the marriage's page leads to the
/// divorce form (marriage number filled in), the officer records the court's judgment; the
/// marital-status form is refused while the divorce awaits its signature (an alert, values
/// kept), then accepted once it is signed, showing the derived status.
async fn run_divorce() {
    let app = spawn_app().await;
    app.add_user("canbo.badinh", "officer", "00004").await;
    app.add_user("lanhdao.badinh", "signer", "00004").await;
    let officer = app.token("canbo.badinh").await;
    let signer = app.token("lanhdao.badinh").await;
    let party = |name: &str, dob: &str, pid: &str| {
        json!({"full_name": name, "date_of_birth": dob, "personal_id": pid, "ethnicity_code": "01",
               "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}})
    };
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/civil/marriages",
            Some(&officer),
            Some(
                &json!({"husband": party("Nguyễn Văn Nam", "1993-07-02", "001093012345"),
                         "wife": party("Trần Thị Mai", "1995-03-14", "001195012345")}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let marriage = v["id"].as_i64().unwrap();
    let (s, v) = app
        .call(
            Method::POST,
            &format!("/api/v1/civil/records/{marriage}/register"),
            Some(&signer),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let d = Driver::start().await;
    let day = |n: i64| (vn_today() - time::Duration::days(n)).to_string();

    login(&d, &app, "canbo.badinh").await;
    d.goto(&app.at(&format!("/civil/records/{marriage}"))).await;
    d.settle().await;
    d.click(".follow-up a[href^='/civil/divorces/new']").await;
    d.wait_for(
        "the divorce form",
        "return document.title.startsWith('Ghi vào sổ việc ly hôn');",
    )
    .await;
    d.settle().await;
    assert_eq!(
        d.js("return document.getElementById('marriage_record_id').value;")
            .await,
        marriage.to_string()
    );
    d.click("#decision-kind option[value=divorce]").await;
    d.type_into("#decision-court", "Tòa án nhân dân khu vực 1 – Hà Nội")
        .await;
    d.type_into("#decision-number", "125/2026/HNGĐ-ST").await;
    // The marriage was registered today; the decision cannot take effect before it.
    set_date(&d, "decision-decided_on", &day(0)).await;
    set_date(&d, "decision-effective_on", &day(0)).await;
    check(&d, "civil-divorce-form").await;
    d.click("form.divorce-form button[type=submit]").await;
    d.wait_for(
        "the divorce record",
        "return document.title.startsWith('Hồ sơ ghi vào sổ việc ly hôn số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("125/2026/HNGĐ-ST"), "{main}");
    assert!(main.contains("Xem hồ sơ kết hôn"), "{main}");
    check(&d, "civil-divorce-declared").await;
    let divorce: i64 = d
        .js("return location.pathname.split('/').pop();")
        .await
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap();

    // The marital-status form: refused while the divorce is not yet signed.
    d.goto(&app.at("/civil")).await;
    d.settle().await;
    d.click("a[href='/civil/marital-status/new']").await;
    d.wait_for(
        "the marital-status form",
        "return document.title.startsWith('Cấp Giấy xác nhận tình trạng hôn nhân');",
    )
    .await;
    d.settle().await;
    d.type_into("#applicant-full_name", "Trần Thị Mai").await;
    d.click("#applicant-sex option[value=female]").await;
    set_date(&d, "applicant-date_of_birth", "1995-03-14").await;
    d.type_into("#applicant-personal_id", "001195012345").await;
    d.click("#purpose-kind option[value=marriage]").await;
    d.type_into("#purpose-intended_spouse-full_name", "Đặng Văn Bình")
        .await;
    d.type_into("#purpose-marriage_place", "UBND Phường Ba Đình")
        .await;
    check(&d, "civil-marital-status-form").await;
    d.click("form.marital-status-form button[type=submit]")
        .await;
    d.wait_for(
        "the refusal",
        "return !!document.querySelector('.alert.error');",
    )
    .await;
    d.settle().await;
    let alert = d.text(".alert.error").await;
    assert!(alert.contains("đang có vợ hoặc chồng"), "{alert}");
    assert_eq!(
        d.js("return document.getElementById('applicant-personal_id').value;")
            .await,
        "001195012345",
        "values kept"
    );
    check(&d, "civil-marital-status-refused").await;

    let (s, v) = app
        .call(
            Method::POST,
            &format!("/api/v1/civil/records/{divorce}/register"),
            Some(&signer),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    d.click("form.marital-status-form button[type=submit]")
        .await;
    d.wait_for(
        "the marital-status record",
        "return document.title.startsWith('Hồ sơ xác nhận tình trạng hôn nhân số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("đã ly hôn theo"), "{main}");
    assert!(
        main.contains("Để đăng ký kết hôn với ông Đặng Văn Bình"),
        "{main}"
    );
    check(&d, "civil-marital-status-declared").await;
    d.screenshot_at("civil-marital-status-content", ".parties")
        .await;

    // An amendment from the marriage's page: the wife's name corrected.
    d.goto(&app.at(&format!("/civil/records/{marriage}"))).await;
    d.settle().await;
    d.click(".follow-up a[href^='/civil/amendments/new']").await;
    d.wait_for(
        "the amendment form",
        "return document.title.startsWith('Thay đổi, cải chính');",
    )
    .await;
    d.settle().await;
    d.click("#kind option[value=correction]").await;
    d.click("#changes-0-field option[value='wife.full_name']")
        .await;
    d.type_into("#changes-0-to", "Trần Thị Mai Anh").await;
    d.type_into("#reason", "Tên ghi thiếu so với Căn cước")
        .await;
    d.type_into("#evidence", "Căn cước số 001195012345").await;
    d.type_into("#requester-full_name", "Trần Thị Mai Anh")
        .await;
    d.type_into("#requester-relationship", "bản thân").await;
    check(&d, "civil-amendment-form").await;
    d.click("form.amendment-form button[type=submit]").await;
    d.wait_for(
        "the amendment record",
        "return document.title.startsWith('Hồ sơ thay đổi, cải chính hộ tịch số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Trần Thị Mai Anh"), "{main}");
    assert!(main.contains("Từ"), "{main}");
    check(&d, "civil-amendment-declared").await;
    let amendment: i64 = d
        .js("return location.pathname.split('/').pop();")
        .await
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap();
    let (s, v) = app
        .call(
            Method::POST,
            &format!("/api/v1/civil/records/{amendment}/register"),
            Some(&signer),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    d.goto(&app.at(&format!("/civil/records/{marriage}"))).await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Trần Thị Mai Anh"), "{main}");
    assert!(main.contains("Cải chính hộ tịch theo hồ sơ số"), "{main}");
    check(&d, "civil-marriage-amended").await;

    // A father recognised from a birth's page (a birth registered over the API, no father).
    let birth = json!({
        "child": {"full_name": "Trần Minh Khang", "sex": "male", "date_of_birth": day(20),
                  "place_of_birth": {"admin_unit_code": "00004"}, "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Trần Thị Lan", "date_of_birth": "1996-01-20", "ethnicity_code": "01",
                   "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Trần Thị Lan", "relationship": "mẹ"}
    });
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/civil/births",
            Some(&officer),
            Some(&birth),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let birth_id = v["id"].as_i64().unwrap();
    app.call(
        Method::POST,
        &format!("/api/v1/civil/records/{birth_id}/register"),
        Some(&signer),
        None,
    )
    .await;
    d.goto(&app.at(&format!("/civil/records/{birth_id}"))).await;
    d.settle().await;
    d.click(".follow-up a[href^='/civil/parentage/new']").await;
    d.wait_for(
        "the parentage form",
        "return document.title.startsWith('Đăng ký nhận cha, mẹ, con');",
    )
    .await;
    d.settle().await;
    d.click("#role option[value=father]").await;
    d.type_into("#parent-full_name", "Lê Văn Tuấn").await;
    set_date(&d, "parent-date_of_birth", "1990-04-04").await;
    d.type_into("#evidence", "Kết quả giám định ADN số 45/GĐ")
        .await;
    d.type_into("#requester-full_name", "Lê Văn Tuấn").await;
    d.type_into("#requester-relationship", "cha").await;
    check(&d, "civil-parentage-form").await;
    d.click("form.parentage-form button[type=submit]").await;
    d.wait_for(
        "the parentage record",
        "return document.title.startsWith('Hồ sơ nhận cha, mẹ, con số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Người được nhận là cha"), "{main}");
    assert!(main.contains("Lê Văn Tuấn"), "{main}");
    check(&d, "civil-parentage-declared").await;

    // An adoption from the same birth's page: one adoptive parent is enough.
    d.goto(&app.at(&format!("/civil/records/{birth_id}"))).await;
    d.settle().await;
    d.click(".follow-up a[href^='/civil/adoptions/new']").await;
    d.wait_for(
        "the adoption form",
        "return document.title.startsWith('Đăng ký nuôi con nuôi');",
    )
    .await;
    d.settle().await;
    d.type_into("#adoptive_mother-full_name", "Vũ Thị Thu")
        .await;
    set_date(&d, "adoptive_mother-date_of_birth", "1982-05-05").await;
    d.type_into("#adoptive_mother-residence-admin_unit_code", "00004")
        .await;
    d.type_into("#evidence", "Văn bản đồng ý của mẹ đẻ").await;
    d.type_into("#requester-full_name", "Vũ Thị Thu").await;
    d.type_into("#requester-relationship", "mẹ nuôi").await;
    check(&d, "civil-adoption-form").await;
    d.click("form.adoption-form button[type=submit]").await;
    d.wait_for(
        "the adoption record",
        "return document.title.startsWith('Hồ sơ nuôi con nuôi số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Mẹ nuôi"), "{main}");
    assert!(main.contains("Vũ Thị Thu"), "{main}");
    check(&d, "civil-adoption-declared").await;

    for line in d.console().await {
        eprintln!("browser console: {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn civil_search_on_a_phone() {
    run_in_browser(run_search()).await;
}

async fn run_search() {
    let app = spawn_app().await;
    app.add_user("canbo.badinh", "officer", "00004").await;
    let token = app.token("canbo.badinh").await;
    let dob = (vn_today() - time::Duration::days(2)).to_string();
    let body = json!({
        "child": {"full_name": "Nguyễn Thị Hương", "sex": "female", "date_of_birth": dob,
                  "place_of_birth": {"admin_unit_code": "00004"}, "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Trần Thị Mai", "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
    });
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/civil/births",
            Some(&token),
            Some(&body),
        )
        .await;
    assert_eq!(s, 201);
    let d = Driver::start().await;
    login(&d, &app, "canbo.badinh").await;
    d.click("a[href='/civil/search']").await;
    d.wait_for(
        "the search page",
        "return document.title.startsWith('Tra cứu hồ sơ hộ tịch');",
    )
    .await;
    d.type_into("#q", "nguyen thi huong").await;
    d.click("form[action='/civil/search'] button[type=submit]")
        .await;
    d.wait_for(
        "the results",
        "return document.body.innerText.includes('hồ sơ phù hợp');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("1 hồ sơ phù hợp"), "{main}");
    assert!(main.contains("Nguyễn Thị Hương"), "{main}");
    check(&d, "civil-search").await;
    d.click("table a").await;
    d.wait_for(
        "the record",
        "return document.body.innerText.includes('Nguyễn Thị Hương') && location.pathname.startsWith('/civil/records/');",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn civil_person_merge_on_a_phone() {
    run_in_browser(run_person_merge()).await;
}

/// Two entries of one man (his birth without a personal ID, his marriage with one, made over the
/// API); in the browser, the signer opens the birth's person page, unfolds "Hợp nhất với người
/// khác", first forgets the reason (the error next to the field, the id kept), then merges: the
/// page lists both events, says "Đang có vợ" and shows the ID. The merged entry's page says
/// where it went and why; "Hủy hợp nhất" with a reason splits them again.
async fn run_person_merge() {
    let app = spawn_app().await;
    app.add_user("canbo.badinh", "officer", "00004").await;
    app.add_user("lanhdao.badinh", "signer", "00004").await;
    let officer = app.token("canbo.badinh").await;
    let signer = app.token("lanhdao.badinh").await;
    let post = |path: String, token: String, body: serde_json::Value| {
        let app = &app;
        async move {
            app.call(Method::POST, &path, Some(&token), Some(&body))
                .await
        }
    };
    let birth = json!({
        "child": {"full_name": "Nguyễn Văn Nam", "sex": "male", "date_of_birth": "1993-07-02",
                  "place_of_birth": {"admin_unit_code": "00004"}, "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Lê Thị Hoa", "date_of_birth": "1970-04-01", "ethnicity_code": "01",
                   "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Lê Thị Hoa", "relationship": "mẹ"}
    });
    let party = |name: &str, dob: &str, pid: &str| {
        json!({"full_name": name, "date_of_birth": dob, "personal_id": pid, "ethnicity_code": "01",
               "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}})
    };
    let marriage = json!({"husband": party("Nguyễn Văn Nam", "1993-07-02", "001093012345"),
                          "wife": party("Trần Thị Mai", "1995-03-14", "001195012345")});
    let mut entries = Vec::new();
    for (path, body, role) in [
        ("/api/v1/civil/births", birth, "child"),
        ("/api/v1/civil/marriages", marriage, "husband"),
    ] {
        let (s, v) = post(path.into(), officer.clone(), body).await;
        assert_eq!(s, 201, "{v}");
        let id = v["id"].as_i64().unwrap();
        let (s, v) = post(
            format!("/api/v1/civil/records/{id}/register"),
            signer.clone(),
            json!({}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let (_, r) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{id}"),
                Some(&officer),
                None,
            )
            .await;
        let person = r["persons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == role)
            .and_then(|p| p["person_id"].as_i64())
            .unwrap();
        entries.push(person);
    }
    let (born, married) = (entries[0], entries[1]);

    let d = Driver::start().await;
    login(&d, &app, "lanhdao.badinh").await;
    d.goto(&app.at(&format!("/civil/persons/{born}"))).await;
    d.settle().await;
    d.click("#hop-nhat-form summary").await;
    d.type_into("#merged_person_id", &married.to_string()).await;
    // Only spaces: the browser's `required` lets it through, the server refuses it.
    d.type_into("#merge-reason", "   ").await;
    check(&d, "civil-person-merge-form").await;
    d.click("#hop-nhat-form button[type=submit]").await;
    d.wait_for(
        "the missing reason",
        "return !!document.getElementById('merge-reason-error');",
    )
    .await;
    d.settle().await;
    assert_eq!(
        d.js("return document.getElementById('merged_person_id').value;")
            .await,
        married.to_string(),
        "the id kept"
    );
    d.type_into(
        "#merge-reason",
        "Cùng họ tên, ngày sinh; đối chiếu Giấy khai sinh và CCCD",
    )
    .await;
    d.click("#hop-nhat-form button[type=submit]").await;
    d.wait_for(
        "the merged person",
        "return document.body.innerText.includes('Đã hợp nhất người số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Đang có vợ"), "{main}");
    assert!(main.contains("001093012345"), "{main}");
    assert!(
        main.contains("Khai sinh") && main.contains("Kết hôn"),
        "{main}"
    );
    check(&d, "civil-person-merged").await;

    d.click(&format!(
        ".merged-entries a[href='/civil/persons/{married}']"
    ))
    .await;
    d.wait_for(
        "the merged entry",
        "return !!document.getElementById('da-hop-nhat');",
    )
    .await;
    d.settle().await;
    let banner = d.text("#da-hop-nhat").await;
    assert!(banner.contains("Đã hợp nhất vào"), "{banner}");
    assert!(
        banner.contains("đối chiếu Giấy khai sinh và CCCD"),
        "{banner}"
    );
    check(&d, "civil-person-merged-entry").await;
    d.click("#huy-hop-nhat summary").await;
    d.type_into("#undo-reason", "Nhầm người: khác cha mẹ").await;
    d.click("#huy-hop-nhat button[type=submit]").await;
    d.wait_for(
        "the undone merge",
        "return document.body.innerText.includes('Đã hủy hợp nhất');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(!main.contains("Đã hợp nhất vào"), "{main}");
    assert!(main.contains("001093012345"), "the ID is back: {main}");
    assert!(main.contains("Nhầm người: khác cha mẹ"), "{main}");
    check(&d, "civil-person-unmerged").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn civil_extract_copies_on_a_phone() {
    run_in_browser(run_extract()).await;
}

/// A registered birth (made over the API); on its page the officer computes the fee of 3 copies
/// ("Tính phí": nothing issued), issues them (the fee charged, the count, the PDF link, fetched),
/// is refused 51 copies at the field with the values kept, then issues 2 fee-exempt copies for a
/// poor household: 5 copies in all, listed with their fees (Luật Hộ tịch 2014, Điều 11, 63–64).
async fn run_extract() {
    let app = spawn_app().await;
    app.add_user("canbo.badinh", "officer", "00004").await;
    app.add_user("lanhdao.badinh", "signer", "00004").await;
    let officer = app.token("canbo.badinh").await;
    let signer = app.token("lanhdao.badinh").await;
    let dob = (vn_today() - time::Duration::days(3)).to_string();
    let body = json!({
        "child": {"full_name": "Nguyễn Thị Hương", "sex": "female", "date_of_birth": dob,
                  "place_of_birth": {"admin_unit_code": "00004"}, "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Trần Thị Mai", "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
    });
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/civil/births",
            Some(&officer),
            Some(&body),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = app
        .call(
            Method::POST,
            &format!("/api/v1/civil/records/{id}/register"),
            Some(&signer),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let d = Driver::start().await;
    login(&d, &app, "canbo.badinh").await;
    d.goto(&app.at(&format!("/civil/records/{id}"))).await;
    d.settle().await;
    let panel = d.text("#ban-sao").await;
    assert!(panel.contains("Đã cấp 0 bản sao"), "{panel}");
    assert!(
        d.text("#extract-fee")
            .await
            .contains("8.000 đồng/bản × 1 bản = 8.000 đồng"),
        "{panel}"
    );
    check(&d, "civil-extract-form").await;

    // "Tính phí": the fee of 3 copies, nothing issued, the values kept.
    d.type_into("#extract-copies", "3").await;
    d.type_into("#extract-requester_name", "Trần Thị Mai").await;
    d.type_into("#extract-requester_relationship", "mẹ").await;
    d.click("form.extract-form button[value=preview]").await;
    d.wait_for(
        "the fee of 3 copies",
        "return (document.getElementById('extract-fee') || {innerText: ''}).innerText.includes('24.000 đồng');",
    )
    .await;
    d.settle().await;
    assert!(d.text(".extract-count").await.contains("Đã cấp 0 bản sao"));
    assert_eq!(
        d.js("return document.getElementById('extract-requester_name').value;")
            .await,
        "Trần Thị Mai"
    );
    d.screenshot_at("civil-extract-fee", "#ban-sao").await;

    // Issued: back on the record page with the fee charged, the count and the PDF.
    d.click("form.extract-form button[value=issue]").await;
    d.wait_for(
        "the issued copies",
        "return !!document.querySelector('#ban-sao .alert.ok');",
    )
    .await;
    d.settle().await;
    let done = d.text("#ban-sao .alert.ok").await;
    assert!(done.contains("Đã cấp 3 bản sao trích lục"), "{done}");
    assert!(done.contains("24.000 đồng"), "{done}");
    assert!(
        d.text(".extract-count")
            .await
            .contains("Đã cấp 3 bản sao trong 1 lần cấp")
    );
    check(&d, "civil-extract-issued").await;
    let href = d
        .js("return document.querySelector('#ban-sao a.extract-pdf').getAttribute('href');")
        .await;
    let href = href.as_str().unwrap().to_string();
    assert!(
        href.starts_with(&format!("/api/v1/civil/records/{id}/extracts/")),
        "{href}"
    );
    d.js(&format!(
        "window.pdf = null; fetch({href:?}).then(async r => {{ \
           const b = new Uint8Array(await r.arrayBuffer()); \
           window.pdf = [r.status, r.headers.get('content-type'), String.fromCharCode(...b.slice(0, 4))]; }}); \
         return true;"
    ))
    .await;
    d.wait_for("the PDF", "return window.pdf !== null;").await;
    assert_eq!(
        d.js("return window.pdf;").await,
        json!([200, "application/pdf", "%PDF"])
    );

    // 51 copies: refused at the field, the values kept.
    d.type_into("#extract-copies", "51").await;
    d.type_into("#extract-requester_name", "Nguyễn Thị Hương")
        .await;
    d.type_into("#extract-requester_relationship", "bản thân")
        .await;
    d.click("form.extract-form button[value=issue]").await;
    d.wait_for(
        "the field error",
        "return !!document.getElementById('extract-copies-error');",
    )
    .await;
    d.settle().await;
    assert!(
        d.text("#extract-copies-error")
            .await
            .contains("từ 1 đến 50")
    );
    assert_eq!(
        d.js("return document.getElementById('extract-requester_relationship').value;")
            .await,
        "bản thân"
    );
    check(&d, "civil-extract-refused").await;

    // 2 copies for a poor household: no fee; 5 copies in all, both issuances listed.
    d.type_into("#extract-copies", "2").await;
    d.click("#extract-exemption option[value=poor_household]")
        .await;
    d.click("form.extract-form button[value=issue]").await;
    d.wait_for(
        "the exempt copies",
        "return !!document.querySelector('#ban-sao .alert.ok');",
    )
    .await;
    d.settle().await;
    let done = d.text("#ban-sao .alert.ok").await;
    assert!(done.contains("Đã cấp 2 bản sao"), "{done}");
    assert!(done.contains("0 đồng"), "{done}");
    assert!(done.contains("Người thuộc hộ nghèo"), "{done}");
    assert!(
        d.text(".extract-count")
            .await
            .contains("Đã cấp 5 bản sao trong 2 lần cấp")
    );
    let rows = d
        .js("return document.querySelectorAll('table.extracts tbody tr').length;")
        .await;
    assert_eq!(rows, 2);
    check(&d, "civil-extract-exempt").await;
    d.screenshot_at("civil-extract-list", "#ban-sao").await;

    for line in d.console().await {
        eprintln!("browser console: {line}");
    }
}

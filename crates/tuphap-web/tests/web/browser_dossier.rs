//! Issue 7's must-show, in a real headless Chromium at phone size: a citizen logs in through the
//! simulated VNeID (OIDC code + PKCE), applies for a birth registration with an uploaded
//! Giấy chứng sinh and two copies of the extract, pays the fee through the simulated payment
//! gateway (redirect, signed callback, signed return); the officer opens the dossier from the
//! queue, the registry form comes pre-filled, the officer declares it; the signer registers it;
//! the citizen downloads the certificate, whose printed code verifies.
//! Screenshots of each step: `target/screenshots/dossier-*.png`.

use tuphap_store::Engine;

use crate::api_civil::{pdf_text, verify};
use crate::browser::{Driver, run_in_browser};
use crate::browser_civil::{check, set_date};
use crate::citizen_login::AN;
use crate::dossiers_online::{PDF, code_in_pdf};
use crate::payments::{UNIT, payment_app, start_gateway};
use crate::support::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_applies_pays_and_downloads_a_certificate_on_a_phone() {
    run_in_browser(run()).await;
}

async fn staff_login(d: &Driver, app: &TestApp, username: &str, next: &str) {
    d.goto(&app.at(&format!("/login?next={next}"))).await;
    d.settle().await;
    d.type_into("#username", username).await;
    d.type_into("#password", PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    d.wait_for(
        "the page after login",
        "return !location.pathname.startsWith('/login');",
    )
    .await;
    d.settle().await;
}

async fn run() {
    // The simulators (VNeID and the payment gateway) and the app wired to them, with a signer.
    let gw = start_gateway().await;
    let (app, _) = payment_app(Engine::Sqlite, &gw).await.unwrap();
    app.add_user("lanhdao.badinh", "signer", "00004").await;
    let d = Driver::start().await;

    // 1. The citizen logs in with VNeID.
    d.goto(&app.at("/citizen")).await;
    d.settle().await;
    d.click("#dang-nhap-vneid").await;
    d.wait_for(
        "the simulated VNeID page",
        "return document.title === 'VNeID (mô phỏng)';",
    )
    .await;
    d.settle().await;
    check(&d, "dossier-01-vneid").await;
    d.click(&format!("button[data-pick='{AN}']")).await;
    d.wait_for(
        "Trang của tôi",
        "return document.title.startsWith('Trang của tôi');",
    )
    .await;
    d.settle().await;
    check(&d, "dossier-02-citizen-home").await;

    // 2. The application: the father and the declarant come from the login.
    d.click("#nop-ho-so").await;
    d.wait_for(
        "the application form",
        "return !!document.getElementById('office_code');",
    )
    .await;
    d.settle().await;
    assert_eq!(
        d.js("return document.getElementById('father-full_name').value;")
            .await,
        "Nguyễn Văn An"
    );
    check(&d, "dossier-03-form").await;
    d.click("#office_code option:nth-child(2)").await;
    d.type_into("#child-full_name", "Nguyễn Thị Mai Anh").await;
    d.click("#child-sex option[value=female]").await;
    let dob = (tuphap_core::dates::vn_today() - time::Duration::days(2)).to_string();
    set_date(&d, "child-date_of_birth", &dob).await;
    d.type_into("#child-place_of_birth-admin_unit_code", "00004")
        .await;
    d.type_into("#child-place_of_birth-detail", "Bệnh viện Phụ sản Hà Nội")
        .await;
    d.type_into("#mother-full_name", "Phạm Thị Hoa").await;
    set_date(&d, "mother-date_of_birth", "1992-05-05").await;
    d.type_into("#mother-personal_id", "001192003003").await;
    d.type_into("#mother-residence-admin_unit_code", "00004")
        .await;
    d.type_into("#father-residence-admin_unit_code", "00004")
        .await;
    let dir = tuphap_testkit::temp_dir();
    let file = dir.path().join("giay-chung-sinh.pdf");
    std::fs::write(&file, PDF).unwrap();
    d.type_into("#file_0", file.to_str().unwrap()).await;
    d.type_into("#copies", "2").await;
    d.screenshot_at("dossier-04-form-documents", "#giay-to")
        .await;
    d.click("#nop").await;
    d.wait_for(
        "the dossier page",
        "return !!document.getElementById('ma-ho-so');",
    )
    .await;
    d.settle().await;
    let code = d.text("#ma-ho-so").await;
    assert!(code.starts_with(UNIT), "{code}");
    assert!(d.text("main").await.contains("16.000 đồng"));
    check(&d, "dossier-05-submitted").await;

    // 3. Payment through the gateway: redirect, pay, back with the signed return.
    d.click("#thanh-toan").await;
    d.wait_for(
        "the payment gateway",
        "return location.pathname === '/pay';",
    )
    .await;
    d.settle().await;
    check(&d, "dossier-06-gateway").await;
    d.click("button.primary").await;
    d.wait_for(
        "back from the gateway",
        "return location.pathname.startsWith('/citizen/');",
    )
    .await;
    d.settle().await;
    check(&d, "dossier-07-paid").await;
    let dossier = app.store.dossier_by_code(&code).await.unwrap().unwrap();
    assert!(dossier.paid_online > 0, "paid: {dossier:?}");

    // 4. The officer: the queue, the dossier, the pre-filled registry form.
    staff_login(&d, &app, "canbo.badinh", "/dossiers").await;
    check(&d, "dossier-08-queue").await;
    d.goto(&app.at(&format!("/dossiers/{code}"))).await;
    d.settle().await;
    check(&d, "dossier-09-officer-dossier").await;
    // Received (Form 01): the clock starts; then the registry form, pre-filled.
    d.click("#accept").await;
    d.wait_for(
        "the received dossier",
        &format!(
            "return !!document.querySelector(\"a[href='/civil/births/new?dossier={code}']\");"
        ),
    )
    .await;
    d.settle().await;
    check(&d, "dossier-09b-received").await;
    d.click(&format!("a[href='/civil/births/new?dossier={code}']"))
        .await;
    d.wait_for(
        "the pre-filled form",
        "return !!document.querySelector('input[name=dossier]');",
    )
    .await;
    d.settle().await;
    assert_eq!(
        d.js("return document.getElementById('child-full_name').value;")
            .await,
        "Nguyễn Thị Mai Anh"
    );
    check(&d, "dossier-10-prefilled").await;
    d.click("form.birth-form button[type=submit]").await;
    d.wait_for(
        "the record page",
        "return document.title.startsWith('Hồ sơ khai sinh số');",
    )
    .await;
    d.settle().await;
    check(&d, "dossier-11-declared").await;
    let record_id = app
        .store
        .dossier_by_code(&code)
        .await
        .unwrap()
        .unwrap()
        .record_id
        .expect("the dossier is linked to its record");

    // 5. The signer registers.
    d.click("header form[action='/logout'] button[type=submit]")
        .await;
    d.wait_for(
        "the login page",
        "return document.title.startsWith('Đăng nhập');",
    )
    .await;
    staff_login(
        &d,
        &app,
        "lanhdao.badinh",
        &format!("/civil/records/{record_id}"),
    )
    .await;
    d.click("#ky-dang-ky button[type=submit]").await;
    d.wait_for(
        "the registration",
        "return document.body.innerText.includes('Quyển số');",
    )
    .await;
    d.settle().await;
    check(&d, "dossier-12-registered").await;
    let dossier = app.store.dossier_by_code(&code).await.unwrap().unwrap();
    assert_eq!(dossier.status, "processed");

    // 6. The citizen downloads the certificate; its code verifies.
    d.goto(&app.at(&format!("/citizen/dossiers/{code}"))).await;
    d.settle().await;
    assert!(d.text("#trang-thai").await.contains("Đã xử lý xong"));
    check(&d, "dossier-13-result").await;
    let cookie = d.cookie("tuphap_citizen").await.expect("citizen session");
    let r = app
        .client
        .get(app.at(&format!("/citizen/dossiers/{code}/certificate.pdf")))
        .header("cookie", format!("tuphap_citizen={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if let Some(text) = pdf_text(&pdf) {
        let vcode = code_in_pdf(&text).expect("the code is printed");
        let (s, v) = verify(&app, &vcode).await;
        assert_eq!((s, v["valid"].as_bool()), (200, Some(true)), "{v}");
        d.goto(&app.at(&format!("/verify?code={}", crate::support::encode(&vcode))))
            .await;
        d.settle().await;
        check(&d, "dossier-14-verified").await;
    }
}

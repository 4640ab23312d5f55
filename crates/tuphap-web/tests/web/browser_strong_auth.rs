//! The second factor's enrolment in a real headless Chromium at phone size (issue 8): a signer
//! logs in, is sent to the enrolment page (QR code, secret), types the first code and gets the
//! recovery codes; each step checked for horizontal overflow and screenshotted
//! (`target/screenshots/account-2fa-{enrol,recovery}.png`).

use crate::browser::{Driver, run_in_browser};
use crate::strong_auth::{code_at, strict_app};
use crate::support::PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_factor_enrolment_on_a_phone() {
    run_in_browser(run()).await;
}

async fn run() {
    let app = strict_app(tuphap_store::Engine::Sqlite).await.unwrap();
    app.add_user("lanhdao.badinh", "signer", "00004").await;
    let d = Driver::start().await;
    d.goto(&app.at("/login")).await;
    d.settle().await;
    d.type_into("#username", "lanhdao.badinh").await;
    d.type_into("#password", PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    d.wait_for(
        "the enrolment page",
        "return document.title.startsWith('Xác thực hai bước') && !!document.querySelector('svg.qr');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("bắt buộc xác thực hai bước"), "{main}");
    d.screenshot("account-2fa-enrol").await;
    d.assert_no_horizontal_overflow("account-2fa-enrol").await;
    let secret = d.text("#totp-secret").await;
    d.type_into("#code", &code_at(secret.trim(), 0)).await;
    d.click("form[action='/account/2fa'] button[type=submit]")
        .await;
    d.wait_for(
        "the recovery codes",
        "return document.querySelectorAll('ul.recovery-codes li').length === 10;",
    )
    .await;
    d.settle().await;
    d.screenshot("account-2fa-recovery").await;
    d.assert_no_horizontal_overflow("account-2fa-recovery")
        .await;
}

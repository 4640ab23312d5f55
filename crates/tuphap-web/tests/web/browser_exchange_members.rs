//! The partner administration page in a real headless Chromium at phone size: an administrator
//! registers a partner system, grants it a right and issues a key (shown once), without
//! JavaScript of our own; pages are checked for horizontal overflow and screenshotted
//! (`target/screenshots/exchange-members-*.png`).

use crate::browser::{Driver, run_in_browser};
use crate::browser_civil::check;
use crate::support::{PASSWORD, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_members_on_a_phone() {
    run_in_browser(run()).await;
}

async fn run() {
    let app = spawn_app().await;
    app.add_user("quantri", "admin", "BTP").await;
    let d = Driver::start().await;
    d.goto(&app.at("/login?next=/exchange/members")).await;
    d.settle().await;
    d.type_into("#username", "quantri").await;
    d.type_into("#password", PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    d.wait_for(
        "the members page",
        "return document.title.startsWith('Hệ thống đối tác');",
    )
    .await;
    d.settle().await;
    assert!(
        d.text("main")
            .await
            .contains("Chưa có hệ thống đối tác nào")
    );
    check(&d, "exchange-members-empty").await;

    d.type_into("#client_id", "VN/GOV/000.00.00.H26/MOTCUA")
        .await;
    d.type_into("#name", "Hệ thống một cửa tỉnh Hưng Yên").await;
    d.click("#them-doi-tac button[type=submit]").await;
    d.wait_for(
        "the registered member",
        "return document.body.innerText.includes('Đã đăng ký hệ thống đối tác');",
    )
    .await;
    d.settle().await;
    d.type_into("#fields-1", "full_name, marital_status").await;
    d.click("form[action='/exchange/members/rights'] button[type=submit]")
        .await;
    d.wait_for(
        "the granted right",
        "return document.body.innerText.includes('Đã cấp quyền truy cập dịch vụ');",
    )
    .await;
    d.settle().await;
    d.click("form[action='/exchange/members/keys'] button[type=submit]")
        .await;
    d.wait_for(
        "the new key",
        "return !!document.getElementById('issued-key');",
    )
    .await;
    d.settle().await;
    let key = d.text("#issued-key").await;
    assert!(key.starts_with('k') && key.contains('.'), "{key}");
    check(&d, "exchange-members-key").await;
    let main = d.text("main").await;
    assert!(main.contains("full_name, marital_status") && main.contains("Đang dùng"));
}

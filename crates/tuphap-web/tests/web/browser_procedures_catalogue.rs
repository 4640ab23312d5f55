//! The public procedure catalogue in a real headless Chromium at phone size: anyone filters the
//! list by field and level and opens a procedure; a ministry official edits one through the
//! form. Pages are checked for horizontal overflow and screenshotted
//! (`target/screenshots/procedures-*.png`).

use crate::browser::{Driver, run_in_browser};
use crate::browser_civil::check;
use crate::support::{PASSWORD, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn procedure_catalogue_on_a_phone() {
    run_in_browser(run()).await;
}

async fn run() {
    let app = spawn_app().await;
    app.add_user("bo.canbo", "ministry", "BTP").await;
    let d = Driver::start().await;

    // Anyone, without logging in.
    d.goto(&app.at("/procedures")).await;
    d.settle().await;
    assert!(d.text("main").await.contains("Đăng ký khai sinh"));
    check(&d, "procedures-list").await;
    d.js("document.getElementById('field').value = 'Hộ tịch'; document.getElementById('level').value = 'partial';")
        .await;
    d.click("form[action='/procedures'] button[type=submit]")
        .await;
    d.wait_for(
        "the filtered list",
        "return location.search.includes('level=partial');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Đăng ký kết hôn"), "{main}");
    assert!(!main.contains("Phiếu lý lịch tư pháp"));
    assert!(
        !main.contains("Cấp bản sao trích lục hộ tịch"),
        "full, filtered out"
    );
    check(&d, "procedures-filtered").await;
    d.click("a[href='/procedures/BTP-HT-KH']").await;
    d.wait_for(
        "the detail page",
        "return document.title.startsWith('Đăng ký kết hôn');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Thành phần hồ sơ") && main.contains("Tờ khai đăng ký kết hôn"));
    check(&d, "procedures-detail").await;

    // A ministry official edits the processing time.
    d.goto(&app.at("/login?next=/procedures/BTP-HT-KH/edit"))
        .await;
    d.settle().await;
    d.type_into("#username", "bo.canbo").await;
    d.type_into("#password", PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    d.wait_for(
        "the edit form",
        "return document.title.startsWith('Sửa thủ tục');",
    )
    .await;
    d.settle().await;
    check(&d, "procedures-edit").await;
    d.js("document.getElementById('p-days').value = '';").await;
    d.type_into("#p-days", "2").await;
    d.click("form[action='/procedures/BTP-HT-KH'] button[type=submit]")
        .await;
    d.wait_for(
        "the saved procedure",
        "return document.body.innerText.includes('Đã lưu thay đổi.');",
    )
    .await;
    d.settle().await;
    assert!(d.text("main").await.contains("2 ngày làm việc"));
    check(&d, "procedures-saved").await;
}

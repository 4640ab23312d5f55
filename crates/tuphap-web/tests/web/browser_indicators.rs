//! The Decision 766 indicators page in a real headless Chromium at phone size: the public view
//! (per province, charts) and the ministry's (per office, after logging in), each checked for
//! horizontal overflow of the page (the table scrolls inside its wrapper) and screenshotted
//! (`target/screenshots/indicators-{public,public-table,public-charts,ministry}.png`).

use crate::browser::{Driver, run_in_browser};
use crate::support::{PASSWORD, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indicators_page_on_a_phone() {
    run_in_browser(run()).await;
}

async fn run() {
    let app = spawn_app().await;
    crate::indicators::world(&app).await;
    let d = Driver::start().await;
    d.goto(&app.at("/indicators?from=01/03/2027&to=31/03/2027"))
        .await;
    d.wait_for(
        "the indicators page",
        "return document.title.startsWith('Chỉ số phục vụ người dân');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("01/03/2027 – 31/03/2027"), "{main}");
    assert!(main.contains("Thành phố Hà Nội"), "{main}");
    assert!(main.contains("66,67%"), "{main}");
    d.screenshot("indicators-public").await;
    d.assert_no_horizontal_overflow("indicators-public").await;
    d.screenshot_at("indicators-public-table", "#bang-chi-so")
        .await;
    d.screenshot_at("indicators-public-charts", "#bieu-do-on_time")
        .await;

    // The ministry: one row per office.
    d.goto(&app.at("/login?next=%2Findicators%3Ffrom%3D01%2F03%2F2027%26to%3D31%2F03%2F2027"))
        .await;
    d.settle().await;
    d.type_into("#username", "bo.chiso").await;
    d.type_into("#password", PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    d.wait_for(
        "the indicators page per office",
        "return document.title.startsWith('Chỉ số phục vụ người dân') && !!document.querySelector('tr[data-code=\"00004\"]');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("UBND Phường Ba Đình"), "{main}");
    d.screenshot_at("indicators-ministry", "#bang-chi-so").await;
    d.assert_no_horizontal_overflow("indicators-ministry").await;
}

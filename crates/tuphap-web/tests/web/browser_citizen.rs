//! Citizen login in a real headless Chromium at phone size: "Đăng nhập bằng VNeID" on
//! `/citizen`, the simulated VNeID page of `tuphap-sim` (a test identity picked), back through
//! the code + PKCE exchange to "Trang của tôi" with the citizen's marriage from the registry.
//! Screenshots: `target/screenshots/citizen-*.png`.

use serde_json::json;
use tuphap_store::Engine;

use crate::api_civil::{actors, declare_and_register, spouse};
use crate::browser::{Driver, run_in_browser};
use crate::browser_civil::check;
use crate::citizen_login::{AN, citizen_app, start_idp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_logs_in_through_vneid_on_a_phone() {
    run_in_browser(run()).await;
}

async fn run() {
    let idp = start_idp().await;
    let app = citizen_app(Engine::Sqlite, &idp, &idp.url).await.unwrap();
    let a = actors(&app).await;
    let (s, v) = declare_and_register(
        &app,
        &a,
        "/api/v1/civil/marriages",
        &json!({"husband": spouse("Nguyễn Văn An", "1990-03-15", AN),
                "wife": spouse("Phạm Thị Hoa", "1992-05-05", "001192003003")}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let d = Driver::start().await;
    d.goto(&app.at("/citizen")).await;
    d.settle().await;
    check(&d, "citizen-landing").await;
    d.click("#dang-nhap-vneid").await;
    d.wait_for(
        "the simulated VNeID page",
        "return document.title === 'VNeID (mô phỏng)';",
    )
    .await;
    d.settle().await;
    check(&d, "citizen-vneid").await;
    d.click(&format!("button[data-pick='{AN}']")).await;
    d.wait_for(
        "Trang của tôi",
        "return document.title.startsWith('Trang của tôi');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Nguyễn Văn An"), "{main}");
    assert!(main.contains("Kết hôn"), "{main}");
    assert!(main.contains("Đang có vợ"), "{main}");
    check(&d, "citizen-home").await;
    d.screenshot_at("citizen-home-events", "#su-kien-h").await;
}

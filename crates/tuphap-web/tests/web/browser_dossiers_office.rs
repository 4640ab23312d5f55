//! The officer's dossier queue and a dossier's page in a real headless Chromium at phone size:
//! the queue with its deadline colours, a dossier opened from it, a supplement request sent from
//! its page. Pages are checked for horizontal overflow and screenshotted
//! (`target/screenshots/dossiers-office-{queue,detail,supplement}.png`).

use crate::browser::{Driver, run_in_browser};
use crate::dossiers_office::{dossiers_in_every_band, setup};
use crate::support::{PASSWORD, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officer_dossier_queue_on_a_phone() {
    run_in_browser(run()).await;
}

async fn check(d: &Driver, name: &str) {
    d.screenshot(name).await;
    d.assert_no_horizontal_overflow(name).await;
}

async fn run() {
    let app = spawn_app().await;
    setup(&app).await;
    let [overdue, ..] = dossiers_in_every_band(&app).await;
    let d = Driver::start().await;
    d.goto(&app.at("/login?next=/dossiers")).await;
    d.settle().await;
    d.type_into("#username", "canbo.badinh").await;
    d.type_into("#password", PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    d.wait_for(
        "the dossier queue",
        "return document.title.startsWith('Hồ sơ trực tuyến');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    for want in [
        "Quá hạn",
        "Trong hạn",
        "Chờ bổ sung",
        "Chờ tiếp nhận",
        &overdue,
    ] {
        assert!(main.contains(want), "{want}: {main}");
    }
    check(&d, "dossiers-office-queue").await;

    d.click(&format!("li[data-code='{overdue}'] a")).await;
    d.wait_for(
        "the dossier page",
        &format!("return document.title.startsWith('Hồ sơ {overdue}');"),
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    for want in [
        "Nguyễn Văn An",
        "Quá trình xử lý",
        "Tiếp nhận hồ sơ",
        "Yêu cầu bổ sung",
        "Xin lỗi và hẹn lại",
        "Mở tờ khai đăng ký",
    ] {
        assert!(main.contains(want), "{want}: {main}");
    }
    check(&d, "dossiers-office-detail").await;

    d.click("details.decide summary").await;
    d.type_into("#missing", "Giấy chứng sinh bản chính").await;
    d.click("#supplement-submit").await;
    d.wait_for(
        "the confirmation",
        "return document.body.innerText.includes('Đã gửi yêu cầu bổ sung hồ sơ');",
    )
    .await;
    d.settle().await;
    assert!(
        d.text("main")
            .await
            .contains("Cần bổ sung: Giấy chứng sinh bản chính")
    );
    check(&d, "dossiers-office-supplement").await;
}

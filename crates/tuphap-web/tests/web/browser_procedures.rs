//! Registry II procedures in a real headless Chromium at phone size. Guardianship: from a
//! registered birth's page the officer registers a guardianship (the birth's number filled in),
//! the signer signs it, the officer changes the guardian and then ends it from the pages; an adoption's page leads to the form
//! recording the court's decision that ends it. Births registered before: the re-registration
//! form (from the queue's toolbar) refused for a registration after 2015, then accepted; a birth
//! registered abroad recorded with its place in words. A marriage registered abroad, with a
//! foreign husband living abroad, recorded from the queue's toolbar. Pages are checked for
//! horizontal overflow and screenshotted
//! (`target/screenshots/civil-{guardianship,adoption,rebirth,remarriage}-*.png`).

use reqwest::Method;
use serde_json::json;
use tuphap_core::dates::vn_today;

use crate::browser::{Driver, run_in_browser};
use crate::browser_civil::{check, login, set_date};
use crate::support::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn civil_guardianship_and_adoption_end_on_a_phone() {
    run_in_browser(run()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn civil_births_registered_before_on_a_phone() {
    run_in_browser(run_registered_before()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn civil_marriage_registered_abroad_on_a_phone() {
    run_in_browser(run_marriage_abroad()).await;
}

/// A marriage registered in France of a Vietnamese woman and a French man who lives there
/// (Luật Hộ tịch 2014, Điều 48): the husband's commune left empty, the record page shows the
/// earlier registration.
async fn run_marriage_abroad() {
    let app = spawn_app().await;
    app.add_user("canbo.badinh", "officer", "00004").await;
    let d = Driver::start().await;
    login(&d, &app, "canbo.badinh").await;
    // The less frequent procedures sit in a disclosure under the main buttons.
    d.click(".more-procedures summary").await;
    d.click("a[href='/civil/marriages/new?earlier=abroad']")
        .await;
    d.wait_for(
        "the recording form",
        "return document.title.startsWith('Ghi vào sổ việc kết hôn đã đăng ký ở nước ngoài');",
    )
    .await;
    d.settle().await;
    let day = (vn_today() - time::Duration::days(120)).to_string();
    d.type_into("#earlier_registration-authority", "Mairie de Paris")
        .await;
    d.click("#earlier_registration-country_code option[value=FR]")
        .await;
    set_date(&d, "earlier_registration-registered_on", &day).await;
    d.type_into("#earlier_registration-reference", "N° 2026/118")
        .await;
    d.type_into(
        "#earlier_registration-evidence",
        "Acte de mariage, hợp pháp hóa lãnh sự, bản dịch",
    )
    .await;
    d.type_into("#wife-full_name", "Hoàng Thị Mai").await;
    set_date(&d, "wife-date_of_birth", "1994-05-06").await;
    d.type_into("#husband-full_name", "Pierre Martin").await;
    set_date(&d, "husband-date_of_birth", "1990-07-08").await;
    d.click("#husband-nationality_code option[value=FR]").await;
    d.js("const i = document.getElementById('husband-residence-admin_unit_code'); i.value = ''; i.dispatchEvent(new Event('input', {bubbles: true})); return true;")
        .await;
    d.type_into("#husband-residence-detail", "Paris, Cộng hòa Pháp")
        .await;
    check(&d, "civil-remarriage-abroad-form").await;
    d.click("form.marriage-form button[type=submit]").await;
    d.wait_for(
        "the record page",
        "return document.title.startsWith('Hồ sơ kết hôn số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    for want in [
        "Việc kết hôn đã đăng ký ở nước ngoài",
        "Ghi vào sổ việc kết hôn đã đăng ký ở nước ngoài",
        "Mairie de Paris",
        "Ngày đăng ký kết hôn trước đây",
        "N° 2026/118",
        "Pierre Martin",
        &tuphap_core::dates::format_vn(vn_today() - time::Duration::days(120)),
    ] {
        assert!(main.contains(want), "{want}: {main}");
    }
    check(&d, "civil-remarriage-abroad-declared").await;
}

/// Fills the child, the mother and the declarant of the birth form (defaults: Kinh, Việt Nam,
/// the officer's commune as the mother's residence); the father left out.
async fn fill_birth(d: &Driver, dob: &str, place_code: &str, place: &str) {
    d.type_into("#child-full_name", "Vũ Minh Đức").await;
    d.click("#child-sex option[value=male]").await;
    set_date(d, "child-date_of_birth", dob).await;
    if !place_code.is_empty() {
        d.type_into("#child-place_of_birth-admin_unit_code", place_code)
            .await;
    }
    d.type_into("#child-place_of_birth-detail", place).await;
    d.type_into("#mother-full_name", "Vũ Thị Lan").await;
    set_date(d, "mother-date_of_birth", "1970-02-02").await;
    d.click("#has_father").await;
    d.type_into("#declarant-full_name", "Vũ Thị Lan").await;
    d.type_into("#declarant-relationship", "mẹ").await;
}

async fn run_registered_before() {
    let app = spawn_app().await;
    app.add_user("canbo.badinh", "officer", "00004").await;
    let d = Driver::start().await;
    login(&d, &app, "canbo.badinh").await;
    // The less frequent procedures sit in a disclosure under the main buttons.
    d.click(".more-procedures summary").await;
    d.click("a[href='/civil/births/new?earlier=re_registration']")
        .await;
    d.wait_for(
        "the re-registration form",
        "return document.title.startsWith('Đăng ký lại khai sinh');",
    )
    .await;
    d.settle().await;
    d.type_into(
        "#earlier_registration-authority",
        "UBND xã Tiên Phong, huyện Mê Linh, tỉnh Vĩnh Phúc",
    )
    .await;
    set_date(&d, "earlier_registration-registered_on", "2017-03-01").await;
    d.type_into("#earlier_registration-reference", "Số 45, Quyển số 01/1998")
        .await;
    d.type_into(
        "#earlier_registration-evidence",
        "Bản sao Giấy khai sinh cấp năm 1998",
    )
    .await;
    fill_birth(&d, "1998-05-01", "00004", "Bệnh viện Bạch Mai").await;
    check(&d, "civil-rebirth-form").await;
    d.click("form.birth-form button[type=submit]").await;
    d.wait_for(
        "the field error",
        "return !!document.getElementById('earlier_registration-registered_on-error');",
    )
    .await;
    d.settle().await;
    let error = d.text("#earlier_registration-registered_on-error").await;
    assert!(error.contains("01/01/2016"), "{error}");
    assert_eq!(
        d.js("return document.getElementById('child-full_name').value;")
            .await,
        "Vũ Minh Đức",
        "values kept"
    );
    check(&d, "civil-rebirth-refused").await;
    set_date(&d, "earlier_registration-registered_on", "1998-05-20").await;
    d.click("form.birth-form button[type=submit]").await;
    d.wait_for(
        "the record page",
        "return document.title.startsWith('Hồ sơ khai sinh số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Đăng ký lại khai sinh"), "{main}");
    // No deadline applies to a birth registered before: no "Thời hạn" line.
    assert!(!main.contains("Thời hạn"), "{main}");
    assert!(main.contains("Tiên Phong"), "{main}");
    check(&d, "civil-rebirth-declared").await;

    // A birth registered in Paris: no commune of birth, the place in words.
    d.goto(&app.at("/civil/births/new?earlier=abroad")).await;
    d.wait_for(
        "the recording form",
        "return document.title.startsWith('Ghi vào sổ việc khai sinh');",
    )
    .await;
    d.settle().await;
    let day = (vn_today() - time::Duration::days(190)).to_string();
    d.type_into(
        "#earlier_registration-authority",
        "Mairie du 15e arrondissement, Paris",
    )
    .await;
    d.click("#earlier_registration-country_code option[value=FR]")
        .await;
    set_date(&d, "earlier_registration-registered_on", &day).await;
    d.type_into(
        "#earlier_registration-evidence",
        "Acte de naissance, hợp pháp hóa lãnh sự",
    )
    .await;
    let dob = (vn_today() - time::Duration::days(200)).to_string();
    fill_birth(&d, &dob, "", "Paris, Cộng hòa Pháp").await;
    check(&d, "civil-rebirth-abroad-form").await;
    d.click("form.birth-form button[type=submit]").await;
    d.wait_for(
        "the record page",
        "return document.title.startsWith('Hồ sơ khai sinh số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Paris, Cộng hòa Pháp"), "{main}");
    assert!(main.contains("Pháp"), "{main}");
    check(&d, "civil-rebirth-abroad-declared").await;
}

async fn run() {
    let app = spawn_app().await;
    app.add_user("canbo.badinh", "officer", "00004").await;
    app.add_user("lanhdao.badinh", "signer", "00004").await;
    let officer = app.token("canbo.badinh").await;
    let signer = app.token("lanhdao.badinh").await;
    let day = |n: i64| (vn_today() - time::Duration::days(n)).to_string();
    let register = |id: i64| {
        let app = &app;
        let signer = signer.clone();
        async move {
            let (s, v) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/civil/records/{id}/register"),
                    Some(&signer),
                    None,
                )
                .await;
            assert_eq!(s, 200, "{v}");
        }
    };
    let birth = json!({
        "child": {"full_name": "Lê Minh Khang", "sex": "male", "date_of_birth": day(8 * 366),
                  "place_of_birth": {"admin_unit_code": "00004"}, "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Trần Thị Hạnh", "date_of_birth": "1990-01-01", "ethnicity_code": "01",
                   "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Trần Thị Hạnh", "relationship": "mẹ"}
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
    register(birth_id).await;

    let d = Driver::start().await;
    login(&d, &app, "canbo.badinh").await;
    d.goto(&app.at(&format!("/civil/records/{birth_id}"))).await;
    d.settle().await;
    d.click(".follow-up a[href^='/civil/guardianships/new']")
        .await;
    d.wait_for(
        "the guardianship form",
        "return document.title.startsWith('Đăng ký giám hộ');",
    )
    .await;
    d.settle().await;
    assert_eq!(
        d.js("return document.getElementById('ward_birth_record_id').value;")
            .await,
        birth_id.to_string()
    );
    d.click("#kind option[value=statutory]").await;
    // A guardian under 18 first: refused on the field, values kept.
    d.type_into("#guardian-full_name", "Lê Văn Bình").await;
    d.click("#guardian-sex option[value=male]").await;
    set_date(&d, "guardian-date_of_birth", "2012-04-10").await;
    d.click("#guardian-ethnicity_code option[value='01']").await;
    d.click("#guardian-nationality_code option[value=VN]").await;
    d.type_into("#guardian-residence-admin_unit_code", "00004")
        .await;
    d.type_into("#basis", "Ông nội; mẹ đã chết").await;
    d.type_into("#requester-full_name", "Lê Văn Bình").await;
    d.type_into("#requester-relationship", "ông nội").await;
    check(&d, "civil-guardianship-form").await;
    d.click("form.guardianship-form button[type=submit]").await;
    d.wait_for(
        "the field error",
        "return !!document.querySelector('#guardian-date_of_birth[aria-invalid=true]') || !!document.querySelector('.alert.error');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("chưa đủ 18 tuổi"), "{main}");
    assert_eq!(
        d.js("return document.getElementById('guardian-full_name').value;")
            .await,
        "Lê Văn Bình",
        "values kept"
    );
    check(&d, "civil-guardianship-refused").await;
    set_date(&d, "guardian-date_of_birth", "1960-04-10").await;
    d.click("form.guardianship-form button[type=submit]").await;
    d.wait_for(
        "the guardianship record",
        "return document.title.startsWith('Hồ sơ giám hộ số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Giám hộ đương nhiên"), "{main}");
    assert!(main.contains("Người giám hộ"), "{main}");
    let guardianship: i64 = d
        .js("return location.pathname.split('/').pop();")
        .await
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap();
    register(guardianship).await;

    // Signed: its page offers the change and the end. The grandfather hands over to the
    // grandmother first.
    d.goto(&app.at(&format!("/civil/records/{guardianship}")))
        .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Chấm dứt giám hộ"), "{main}");
    check(&d, "civil-guardianship-registered").await;
    d.click(".follow-up a[href^='/civil/guardianship-changes/new']")
        .await;
    d.wait_for(
        "the change form",
        "return document.title.startsWith('Đăng ký thay đổi người giám hộ');",
    )
    .await;
    d.settle().await;
    assert_eq!(
        d.js("return document.getElementById('guardianship_record_id').value;")
            .await,
        guardianship.to_string()
    );
    d.type_into("#new_guardian-full_name", "Phạm Thị Lan").await;
    d.click("#new_guardian-sex option[value=female]").await;
    set_date(&d, "new_guardian-date_of_birth", "1962-08-01").await;
    d.click("#new_guardian-ethnicity_code option[value='01']")
        .await;
    d.click("#new_guardian-nationality_code option[value=VN]")
        .await;
    d.type_into("#new_guardian-residence-admin_unit_code", "00004")
        .await;
    d.type_into("#reason", "Ông nội ốm nặng, đề nghị thay đổi")
        .await;
    d.type_into("#basis", "Bà nội").await;
    d.type_into("#requester-full_name", "Phạm Thị Lan").await;
    d.type_into("#requester-relationship", "bà nội").await;
    check(&d, "civil-guardianship-change-form").await;
    d.click("form.guardianship-change-form button[type=submit]")
        .await;
    d.wait_for(
        "the change record",
        "return document.title.startsWith('Hồ sơ thay đổi người giám hộ số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Phạm Thị Lan"), "{main}");
    let change: i64 = d
        .js("return location.pathname.split('/').pop();")
        .await
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap();
    register(change).await;

    // The first guardianship ended with the change: only the change's page offers the end.
    d.goto(&app.at(&format!("/civil/records/{guardianship}")))
        .await;
    d.settle().await;
    assert!(
        !d.text("main").await.contains("Chấm dứt giám hộ"),
        "an ended guardianship offers no end"
    );
    d.goto(&app.at(&format!("/civil/records/{change}"))).await;
    d.settle().await;
    d.click(".follow-up a[href^='/civil/guardianship-ends/new']")
        .await;
    d.wait_for(
        "the end form",
        "return document.title.startsWith('Đăng ký chấm dứt giám hộ');",
    )
    .await;
    d.settle().await;
    d.click("#grounds option[value=parents_able]").await;
    set_date(&d, "ended_on", &day(0)).await;
    d.type_into("#evidence", "Bản án khôi phục quyền của cha")
        .await;
    d.type_into("#requester-full_name", "Phạm Thị Lan").await;
    d.type_into("#requester-relationship", "người giám hộ")
        .await;
    check(&d, "civil-guardianship-end-form").await;
    d.click("form.guardianship-end-form button[type=submit]")
        .await;
    d.wait_for(
        "the end record",
        "return document.title.startsWith('Hồ sơ chấm dứt giám hộ số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("Cha, mẹ của người được giám hộ"), "{main}");
    assert!(main.contains("Xem hồ sơ giám hộ trước"), "{main}");
    check(&d, "civil-guardianship-end-declared").await;

    // An adoption's page leads to recording the court's decision that ends it.
    let adoption = json!({
        "birth_record_id": birth_id,
        "adoptive_father": {"full_name": "Phạm Văn Hải", "date_of_birth": "1980-02-02", "personal_id": "001080002222",
                            "ethnicity_code": "01", "nationality_code": "VN", "residence": {"admin_unit_code": "00004"}},
        "adoptive_mother": null,
        "evidence": "Văn bản đồng ý của mẹ đẻ",
        "requester": {"full_name": "Phạm Văn Hải", "relationship": "cha nuôi"}
    });
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/civil/adoptions",
            Some(&officer),
            Some(&adoption),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let adoption_id = v["id"].as_i64().unwrap();
    register(adoption_id).await;
    d.goto(&app.at(&format!("/civil/records/{adoption_id}")))
        .await;
    d.settle().await;
    d.click(".follow-up a[href^='/civil/adoption-terminations/new']")
        .await;
    d.wait_for(
        "the termination form",
        "return document.title.startsWith('Ghi vào sổ việc chấm dứt nuôi con nuôi');",
    )
    .await;
    d.settle().await;
    assert_eq!(
        d.js("return document.getElementById('adoption_record_id').value;")
            .await,
        adoption_id.to_string()
    );
    d.type_into("#decision-court", "Tòa án nhân dân khu vực 1 – Hà Nội")
        .await;
    d.type_into("#decision-number", "15/2026/QĐ-CCNCN").await;
    set_date(&d, "decision-decided_on", &day(0)).await;
    set_date(&d, "decision-effective_on", &day(0)).await;
    check(&d, "civil-adoption-termination-form").await;
    d.click("form.adoption-termination-form button[type=submit]")
        .await;
    d.wait_for(
        "the termination record",
        "return document.title.startsWith('Hồ sơ chấm dứt nuôi con nuôi số');",
    )
    .await;
    d.settle().await;
    let main = d.text("main").await;
    assert!(main.contains("15/2026/QĐ-CCNCN"), "{main}");
    assert!(main.contains("Xem hồ sơ nuôi con nuôi"), "{main}");
    check(&d, "civil-adoption-termination-declared").await;
}

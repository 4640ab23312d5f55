//! Decision 766 indicators (issue 7, item 6) over real HTTP, on every engine: dossiers with known
//! outcomes are made through the use cases on chosen days (online and in person, a refusal, a
//! late completion, a Form 04 apology, fees, a file, ratings), the rates are counted by hand
//! below, and `GET /api/v1/indicators` and the `/indicators` page must show exactly them —
//! national and per province for the public, per office for staff within their scope — with
//! coded errors for bad dates and scopes.

use reqwest::Method;
use serde_json::Value;
use time::macros::{date, datetime};
use time::{OffsetDateTime, PrimitiveDateTime};
use tuphap_core::dates::VN_OFFSET;
use tuphap_core::dossier::Channel;
use tuphap_domain::citizen::Citizen;
use tuphap_domain::identity::SessionKind;
use tuphap_domain::online::dossier::SubmitDossier;
use tuphap_domain::{Actor, RequestMeta};
use tuphap_store::dossiers::NewDossierFile;

use crate::support::{PASSWORD, TestApp, login_as, new_client, spawn_apps};

const CITIZEN: &str = "001090077777";
const PERIOD: &str = "from=2027-03-01&to=2027-03-31";

fn vn(dt: PrimitiveDateTime) -> OffsetDateTime {
    dt.assume_offset(VN_OFFSET)
}

async fn actor(t: &TestApp, username: &str) -> Actor {
    t.app
        .login(
            username,
            PASSWORD,
            SessionKind::Api,
            &RequestMeta::default(),
        )
        .await
        .unwrap()
        .actor
}

/// One dossier: filed through `channel` on Monday 08/03/2027 08:30, received at 09:00 (3 working
/// days: due Thursday 11/03).
async fn filed(
    t: &TestApp,
    office: &Actor,
    channel: Channel,
    fee_vnd: i64,
    paid_online: u8,
    with_file: bool,
) -> String {
    let meta = RequestMeta::default();
    let input = SubmitDossier {
        office_code: office.office.code.clone(),
        procedure_code: "BTP-HT-KS".into(),
        procedure_name: "Đăng ký khai sinh".into(),
        processing_days: 3,
        applicant_personal_id: CITIZEN.into(),
        applicant_name: "Trần Thị Bình".into(),
        paid_online,
        fee_vnd,
        files: if with_file {
            vec![NewDossierFile {
                component: "Giấy chứng sinh".into(),
                file_name: "giay-chung-sinh.pdf".into(),
                content_type: "application/pdf".into(),
                content: b"%PDF-1.4".to_vec(),
                sha256: "0".repeat(64),
                scan_status: "clean".into(),
            }]
        } else {
            Vec::new()
        },
        ..SubmitDossier::default()
    };
    let code = t
        .app
        .submit_dossier_by_channel(&meta, input, channel, vn(datetime!(2027-03-08 08:30)))
        .await
        .unwrap()
        .code;
    t.app
        .accept_dossier(office, &meta, &code, vn(datetime!(2027-03-08 09:00)))
        .await
        .unwrap();
    code
}

async fn complete(t: &TestApp, office: &Actor, code: &str, e_result: bool, at: PrimitiveDateTime) {
    t.app
        .complete_dossier(
            office,
            &RequestMeta::default(),
            code,
            None,
            e_result,
            vn(at),
        )
        .await
        .unwrap();
}

/// Ba Đình (X, 00004) and Hồng Hà (Y, 00097) in Hà Nội (01); Thủ Dầu Một (Z, 25747) in 79.
pub(crate) async fn world(t: &TestApp) {
    t.add_user("canbo.x", "officer", "00004").await;
    t.add_user("canbo.y", "officer", "00097").await;
    t.add_user("canbo.z", "officer", "25747").await;
    t.add_user("so.hanoi", "province", "01").await;
    t.add_user("bo.chiso", "ministry", "BTP").await;
    t.add_user("quantri", "admin", "BTP").await;
    let meta = RequestMeta::default();
    let admin = actor(t, "quantri").await;
    for (office, unit) in [
        ("00004", "000.00.31.H13"),
        ("00097", "000.00.32.H13"),
        ("25747", "000.00.31.H79"),
    ] {
        t.app
            .set_dossier_unit_code(&admin, &meta, office, unit)
            .await
            .unwrap();
    }
    let x = actor(t, "canbo.x").await;
    let y = actor(t, "canbo.y").await;
    let z = actor(t, "canbo.z").await;
    let citizen = Citizen {
        session_id: 0,
        personal_id: CITIZEN.into(),
        full_name: "Trần Thị Bình".into(),
        birthdate: None,
        gender: None,
        csrf_token: String::new(),
    };
    let rate = |code: String, score: i32| {
        let app = t.app.clone();
        let citizen = citizen.clone();
        async move {
            app.rate_dossier(
                &citizen,
                &RequestMeta::default(),
                &code,
                score,
                "",
                vn(datetime!(2027-03-20 10:00)),
            )
            .await
            .unwrap();
        }
    };

    // X1: online with a file, e-result on 09/03 (on time), rated 4.
    let x1 = filed(t, &x, Channel::Online, 0, 0, true).await;
    complete(t, &x, &x1, true, datetime!(2027-03-09 10:00)).await;
    rate(x1, 4).await;
    // X2: online, e-result on 09/03 (on time), rated 2: a dislike.
    let x2 = filed(t, &x, Channel::Online, 0, 0, false).await;
    complete(t, &x, &x2, true, datetime!(2027-03-09 11:00)).await;
    rate(x2, 2).await;
    // X3: in person, paper result on Friday 12/03: late.
    let x3 = filed(t, &x, Channel::InPerson, 0, 0, false).await;
    complete(t, &x, &x3, false, datetime!(2027-03-12 10:00)).await;
    // X4: in person, fee paid at the counter, still open.
    filed(t, &x, Channel::InPerson, 8_000, 0, false).await;
    // X5: online, fee paid online (2), Form 04 on 10/03 with a new date 15/03, done then: late.
    let x5 = filed(t, &x, Channel::Online, 8_000, 2, false).await;
    t.app
        .apologize_for_dossier(
            &x,
            &meta,
            &x5,
            "Cần xác minh nơi cư trú của người mẹ",
            date!(2027 - 03 - 15),
            vn(datetime!(2027-03-10 10:00)),
        )
        .await
        .unwrap();
    complete(t, &x, &x5, true, datetime!(2027-03-15 10:00)).await;
    // Y1: online, refused on 09/03 (finished on time, not settled).
    let y1 = filed(t, &y, Channel::Online, 0, 0, false).await;
    t.app
        .refuse_dossier(
            &y,
            &meta,
            &y1,
            &["Không thuộc thẩm quyền".into()],
            vn(datetime!(2027-03-09 10:00)),
        )
        .await
        .unwrap();
    // Y2: online, e-result on 10/03, rated 5.
    let y2 = filed(t, &y, Channel::Online, 0, 0, false).await;
    complete(t, &y, &y2, true, datetime!(2027-03-10 10:00)).await;
    rate(y2, 5).await;
    // Z1: in person, paper result on 09/03.
    let z1 = filed(t, &z, Channel::InPerson, 0, 0, false).await;
    complete(t, &z, &z1, false, datetime!(2027-03-09 10:00)).await;
}

/// The hand count: per group, (numerator, denominator) of on-time, online, full-process online,
/// e-result, digitised, online payment, satisfaction — in the order of the API and the page.
///
/// X: received X1–X5 (5), online X1 X2 X5 (3), finished X1 X2 X3 X5 (4), on time X1 X2 (2),
/// settled = finished (4), e-result X1 X2 X5 (3), with a file X1 (1), online + e-result X1 X2 X5
/// (3), fee-bearing X4 X5 (2) of which online X5 (1), disliked and on time X2 (1).
/// Y: received 2, online 2, finished 2, on time 2, settled Y2 (1), e-result 1, files 0, full 1,
/// no fee, no dislike. Z: received 1, online 0, finished 1, on time 1, settled 1, no e-result.
type Hand = [(i64, i64); 7];
const X: Hand = [(2, 4), (3, 5), (3, 4), (3, 4), (1, 4), (1, 2), (1, 4)];
const Y: Hand = [(2, 2), (2, 2), (1, 1), (1, 1), (0, 1), (0, 0), (2, 2)];
const Z: Hand = [(1, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 0), (1, 1)];
/// Hà Nội = X + Y; satisfaction (on time − disliked) ÷ finished = (4 − 1) ÷ 6.
const HANOI: Hand = [(4, 6), (5, 7), (4, 5), (4, 5), (1, 5), (1, 2), (3, 6)];
/// The country = Hà Nội + Z; satisfaction (5 − 1) ÷ 7.
const NATIONAL: Hand = [(5, 7), (5, 8), (4, 6), (4, 6), (1, 6), (1, 2), (4, 7)];
const KEYS: [&str; 7] = [
    "on_time",
    "online",
    "fully_online",
    "e_result",
    "digitised",
    "online_payment",
    "satisfaction",
];

/// `n/d` as the page writes it, and the percent with a decimal comma (or "—").
fn page_cell((n, d): (i64, i64)) -> (String, String) {
    let pct = if d == 0 {
        "—".to_string()
    } else {
        format!("{:.2}%", n as f64 * 100.0 / d as f64).replace('.', ",")
    };
    (format!("{n}/{d}"), pct)
}

fn assert_group(g: &Value, code: &str, hand: &Hand) {
    assert_eq!(g["code"], code, "{g}");
    let ind = g["indicators"].as_array().unwrap();
    assert_eq!(ind.len(), 7, "{g}");
    for ((v, key), (n, d)) in ind.iter().zip(KEYS).zip(hand) {
        assert_eq!(v["key"], key);
        assert_eq!(
            (
                v["numerator"].as_i64().unwrap(),
                v["denominator"].as_i64().unwrap()
            ),
            (*n, *d),
            "{code} {key}"
        );
        if *d == 0 {
            assert!(v["percent"].is_null(), "{code} {key}");
        } else {
            let want = ((*n as f64) * 10_000.0 / (*d as f64)).round() / 100.0;
            assert_eq!(v["percent"].as_f64().unwrap(), want, "{code} {key}");
        }
    }
}

/// The cells of the page's row `data-code="{code}"`, in order.
fn page_row(html: &str, code: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("data-code=\"{code}\""))
        .unwrap_or_else(|| panic!("row {code} on the page"));
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    row.split("<span class=\"ratio\">")
        .skip(1)
        .map(|c| {
            let ratio = c[..c.find("</span>").unwrap()].to_string();
            let p = c.find("<strong class=\"pct\">").unwrap() + "<strong class=\"pct\">".len();
            let pct = c[p..p + c[p..].find("</strong>").unwrap()].to_string();
            (ratio, pct)
        })
        .collect()
}

fn assert_page_row(html: &str, code: &str, hand: &Hand) {
    let want: Vec<(String, String)> = hand.iter().copied().map(page_cell).collect();
    assert_eq!(page_row(html, code), want, "row {code}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn indicators_match_a_hand_count_in_the_api_and_on_the_page() {
    for t in spawn_apps().await {
        world(&t).await;

        // The public: per province and the country, no login.
        let (s, v) = t
            .get_json(&format!("/api/v1/indicators?{PERIOD}&group_by=province"))
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["period_vn"], "01/03/2027 – 31/03/2027");
        let groups = v["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 2, "{v}");
        assert_group(&groups[0], "01", &HANOI);
        assert_eq!(groups[0]["name"], "Thành phố Hà Nội");
        assert_group(&groups[1], "79", &Z);
        assert_group(&v["total"], "national", &NATIONAL);
        assert_eq!(v["total"]["indicators"][0]["target_percent"], 98.0);
        assert_eq!(v["total"]["indicators"][0]["meets_target"], false);
        // One province only.
        let (s, v) = t
            .get_json(&format!("/api/v1/indicators?{PERIOD}&province=79"))
            .await;
        assert_eq!(s, 200, "{v}");
        assert_group(&v["total"], "79", &Z);

        // Per office: staff only, within their scope.
        let (s, v) = t
            .get_json(&format!("/api/v1/indicators?{PERIOD}&group_by=office"))
            .await;
        assert_eq!((s, v["code"].as_str()), (401, Some("auth_required")));
        let ministry = t.token("bo.chiso").await;
        let (s, v) = t
            .call(
                Method::GET,
                &format!("/api/v1/indicators?{PERIOD}&group_by=office"),
                Some(&ministry),
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let groups = v["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 3);
        assert_group(&groups[0], "00004", &X);
        assert_group(&groups[1], "00097", &Y);
        assert_group(&groups[2], "25747", &Z);
        assert_group(&v["total"], "national", &NATIONAL);
        let province = t.token("so.hanoi").await;
        let (s, v) = t
            .call(
                Method::GET,
                &format!("/api/v1/indicators?{PERIOD}&group_by=office"),
                Some(&province),
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let codes: Vec<&str> = v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["00004", "00097"]);
        assert_group(&v["total"], "01", &HANOI);
        let (s, v) = t
            .call(
                Method::GET,
                &format!("/api/v1/indicators?{PERIOD}&office=25747"),
                Some(&province),
                None,
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (403, Some("indicators_scope_forbidden"))
        );
        let officer = t.token("canbo.x").await;
        let (s, v) = t
            .call(
                Method::GET,
                &format!("/api/v1/indicators?{PERIOD}&group_by=office"),
                Some(&officer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["groups"].as_array().unwrap().len(), 1);
        assert_group(&v["groups"][0], "00004", &X);
        let (s, v) = t
            .call(
                Method::GET,
                &format!("/api/v1/indicators?{PERIOD}&office=00097"),
                Some(&officer),
                None,
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (403, Some("indicators_scope_forbidden"))
        );

        // Bad input: coded 4xx, never a 500.
        for (query, status, code) in [
            ("from=2027-02-30&to=2027-03-31", 400, "date_invalid"),
            ("from=01/03/2027", 400, "date_bad_format"),
            (
                "from=2027-03-31&to=2027-03-01",
                422,
                "indicators_period_invalid",
            ),
            (
                "from=2020-01-01&to=2027-03-01",
                422,
                "indicators_period_invalid",
            ),
            ("group_by=commune", 400, "indicators_group_by_invalid"),
            ("province=99", 404, "province_unknown"),
            ("period=march", 400, "query_invalid"),
        ] {
            let (s, v) = t.get_json(&format!("/api/v1/indicators?{query}")).await;
            assert_eq!(
                (s, v["code"].as_str()),
                (status, Some(code)),
                "{query}: {v}"
            );
        }
        let (s, v) = t
            .call(
                Method::GET,
                "/api/v1/indicators?office=00000",
                Some(&ministry),
                None,
            )
            .await;
        assert_eq!((s, v["code"].as_str()), (404, Some("office_not_found")));

        // The page, public: the same numbers, dates dd/mm/yyyy.
        let c = new_client();
        let r = c
            .get(t.at("/indicators?from=01/03/2027&to=31/03/2027"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("01/03/2027 – 31/03/2027"), "{html}");
        assert!(html.contains("value=\"01/03/2027\""));
        assert_page_row(&html, "01", &HANOI);
        assert_page_row(&html, "national", &NATIONAL);
        assert!(
            !html.contains("data-code=\"00004\""),
            "no office rows for the public"
        );
        assert!(html.contains("<svg"), "charts");
        assert!(html.contains("id=\"bieu-do-on_time\""));
        assert!(!html.contains("<script>"), "no inline script");
        // Per office is for staff; a bad date is a 400 with the message.
        let r = c
            .get(t.at("/indicators?group_by=office"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = c
            .get(t.at("/indicators?from=31/02/2027"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Ngày 31/02/2027 không tồn tại.")
        );

        // The page for the ministry: one row per office by default.
        let m = login_as(&t, "bo.chiso", "/").await;
        let r = m
            .get(t.at("/indicators?from=01/03/2027&to=31/03/2027"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert_page_row(&html, "00004", &X);
        assert_page_row(&html, "00097", &Y);
        assert_page_row(&html, "25747", &Z);
        assert_page_row(&html, "national", &NATIONAL);
    }
}

//! Strong authentication of officials (issue 8) over real HTTP, on both engines, under the
//! production policy (second factor required; the re-authentication window shortened to 3 s
//! so the test need not wait 5 minutes): a signer without a second factor cannot log in on the
//! API and only reaches the enrolment page in a browser; after enrolling (QR page, first code,
//! recovery codes) the login asks for the code, a replayed code is refused, and registering a
//! record needs a re-authentication within the window (API `reauth_required` → `POST
//! /api/v1/auth/reauth`; page → the re-authentication form that returns to the record). An
//! administrator ends every session of the signer.

use reqwest::Method;
use serde_json::{Value, json};
use tuphap_domain::identity::AuthPolicy;
use tuphap_domain::strong_auth::{TOTP_DIGITS, TOTP_STEP_SECONDS, base32_decode, hotp};
use tuphap_store::Engine;

use crate::support::{PASSWORD, TestApp, hidden_csrf, location, new_client, spawn_app_with};

/// The app under the production policy, with a 3-second re-authentication window.
pub(crate) async fn strict_app(engine: Engine) -> Option<TestApp> {
    spawn_app_with(engine, |mut s, _| {
        s.app.auth = AuthPolicy {
            reauth_window: Some(std::time::Duration::from_secs(3)),
            ..AuthPolicy::default()
        };
        s
    })
    .await
}

/// The code the authenticator app shows `steps` steps from now.
pub(crate) fn code_at(secret: &str, steps: i64) -> String {
    let key = base32_decode(secret).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp() / TOTP_STEP_SECONDS;
    hotp(&key, now + steps, TOTP_DIGITS)
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let s = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {html}"))
        + start.len();
    let e = html[s..].find(end).unwrap() + s;
    &html[s..e]
}

async fn form_login(
    app: &TestApp,
    c: &reqwest::Client,
    user: &str,
    otp: &str,
) -> reqwest::Response {
    let body = c
        .get(app.at("/login?next=/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_csrf(&body);
    c.post(app.at("/login"))
        .form(&[
            ("username", user),
            ("password", PASSWORD),
            ("otp", otp),
            ("csrf", csrf.as_str()),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap()
}

/// Enrols `user` through the pages: login → enrolment page (QR) → first code → recovery codes.
/// Returns the secret and the recovery codes.
pub(crate) async fn enrol(app: &TestApp, user: &str) -> (String, Vec<String>) {
    let c = new_client();
    let r = form_login(app, &c, user, "").await;
    assert_eq!(r.status(), 303, "{user}");
    assert_eq!(location(&r), "/account/2fa", "only the enrolment page");
    // The enrolment-only session opens nothing else.
    let r = c.get(app.at("/civil")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"), "{}", location(&r));
    let page = c.get(app.at("/account/2fa")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("<svg class=\"qr\""), "QR code inline");
    let secret = between(&page, "id=\"totp-secret\">", "<").to_string();
    let uri = between(&page, "id=\"totp-uri\">", "<").replace("&amp;", "&");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    let csrf = hidden_csrf(&page);
    // A wrong code is refused, the secret stays pending.
    let r = c
        .post(app.at("/account/2fa"))
        .form(&[("csrf", csrf.as_str()), ("code", "12345")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("Mã xác thực không đúng"));
    let code = code_at(&secret, 0);
    let r = c
        .post(app.at("/account/2fa"))
        .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let list = between(&page, "<ul class=\"mono recovery-codes\">", "</ul>");
    let codes: Vec<String> = list
        .split("<li>")
        .skip(1)
        .map(|s| s.split("</li>").next().unwrap().trim().to_string())
        .collect();
    assert_eq!(codes.len(), 10, "{list}");
    // The session is now a full one.
    let r = c.get(app.at("/account/sessions")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    (secret, codes)
}

fn birth(child: &str) -> Value {
    let dob = (tuphap_core::dates::vn_today() - time::Duration::days(3)).to_string();
    json!({
        "child": {"full_name": child, "sex": "male", "date_of_birth": dob,
                  "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                  "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Phạm Thị Lan", "date_of_birth": "1994-02-11",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004", "detail": "5 phố Phan Đình Phùng"}},
        "declarant": {"full_name": "Phạm Thị Lan", "relationship": "mẹ"}
    })
}

async fn declare(app: &TestApp, officer: &str, child: &str) -> i64 {
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/civil/births",
            Some(officer),
            Some(&birth(child)),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().unwrap()
}

async fn login(app: &TestApp, user: &str, otp: Option<&str>) -> (u16, Value) {
    let mut body = json!({"username": user, "password": PASSWORD});
    if let Some(o) = otp {
        body["otp"] = json!(o);
    }
    app.call(Method::POST, "/api/v1/auth/login", None, Some(&body))
        .await
}

#[tokio::test]
async fn signer_needs_second_factor_and_fresh_reauth_to_sign() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some(app) = strict_app(engine).await else {
            continue;
        };
        let e = engine.as_str();
        app.add_user("canbo.badinh", "officer", "00004").await;
        app.add_user("lanhdao.badinh", "signer", "00004").await;
        app.add_user("quantri", "admin", "BTP").await;

        // Without a second factor: the API refuses the signer, an officer may log in.
        let (s, v) = login(&app, "lanhdao.badinh", None).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (403, Some("second_factor_enrolment_required")),
            "{e}: {v}"
        );
        let (s, v) = login(&app, "canbo.badinh", None).await;
        assert_eq!(s, 200, "{e}: {v}");
        let officer = v["token"].as_str().unwrap().to_string();

        let (secret, recovery) = enrol(&app, "lanhdao.badinh").await;

        // With one: the code is asked, accepted once, a replay is refused.
        let (s, v) = login(&app, "lanhdao.badinh", None).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (401, Some("second_factor_required")),
            "{e}: {v}"
        );
        let (s, v) = login(&app, "lanhdao.badinh", Some("000000x")).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (401, Some("second_factor_invalid")),
            "{e}: {v}"
        );
        let next = code_at(&secret, 1);
        let (s, v) = login(&app, "lanhdao.badinh", Some(&next)).await;
        assert_eq!(s, 200, "{e}: {v}");
        let signer = v["token"].as_str().unwrap().to_string();
        let (s, v) = login(&app, "lanhdao.badinh", Some(&next)).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (401, Some("second_factor_invalid")),
            "replay {e}: {v}"
        );
        let (s, v) = app
            .call(Method::GET, "/api/v1/auth/2fa", Some(&signer), None)
            .await;
        assert_eq!(
            (s, v["enrolled"].as_bool(), v["required"].as_bool()),
            (200, Some(true), Some(true)),
            "{v}"
        );
        assert_eq!(v["recovery_codes_left"], 10);

        // Signing right after the login: allowed.
        let reg = |id: i64| format!("/api/v1/civil/records/{id}/register");
        let first = declare(&app, &officer, "Lê Văn An").await;
        let (s, v) = app
            .call(Method::POST, &reg(first), Some(&signer), None)
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        // Later than the window: re-authentication first.
        let second = declare(&app, &officer, "Lê Văn Bình").await;
        tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
        let (s, v) = app
            .call(Method::POST, &reg(second), Some(&signer), None)
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (403, Some("reauth_required")),
            "{e}: {v}"
        );
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/auth/reauth",
                Some(&signer),
                Some(&json!({"password": PASSWORD})),
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (401, Some("second_factor_required")),
            "{e}: {v}"
        );
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/auth/reauth",
                Some(&signer),
                Some(&json!({"password": PASSWORD, "otp": recovery[0]})),
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        let (s, v) = app
            .call(Method::POST, &reg(second), Some(&signer), None)
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        // A recovery code works once.
        let (s, v) = login(&app, "lanhdao.badinh", Some(&recovery[0])).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (401, Some("second_factor_invalid")),
            "{e}: {v}"
        );

        // Pages: the login asks for the code; signing late sends to the re-authentication
        // form, which returns to the record.
        let c = new_client();
        let r = form_login(&app, &c, "lanhdao.badinh", "").await;
        assert_eq!(r.status(), 401);
        assert!(r.text().await.unwrap().contains("mã 6 số"));
        let r = form_login(&app, &c, "lanhdao.badinh", &recovery[1]).await;
        assert_eq!(r.status(), 303, "{e}");
        let third = declare(&app, &officer, "Lê Văn Cường").await;
        let page = c
            .get(app.at("/account/2fa"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden_csrf(&page);
        tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
        let register = format!("/civil/records/{third}/register");
        let r = c
            .post(app.at(&register))
            .form(&[("csrf", csrf.as_str()), ("duplicate_override_reason", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        assert_eq!(
            location(&r),
            format!("/account/reauth?next=/civil/records/{third}")
        );
        let form = c.get(app.at(&location(&r))).send().await.unwrap();
        assert_eq!(form.status(), 200);
        let form = form.text().await.unwrap();
        assert!(form.contains("Xác thực lại để ký"));
        let back = format!("/civil/records/{third}");
        let r = c
            .post(app.at("/account/reauth"))
            .form(&[
                ("csrf", hidden_csrf(&form).as_str()),
                ("password", PASSWORD),
                ("code", recovery[2].as_str()),
                ("next", back.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        assert_eq!(location(&r), back);
        let r = c
            .post(app.at(&register))
            .form(&[("csrf", csrf.as_str()), ("duplicate_override_reason", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        assert_eq!(location(&r), format!("{back}?registered=1"));

        // The signer sees their sessions; an administrator ends them all.
        let (s, v) = app
            .call(Method::GET, "/api/v1/auth/sessions", Some(&signer), None)
            .await;
        assert_eq!(s, 200, "{v}");
        assert!(v.as_array().unwrap().len() >= 3, "{v}");
        assert!(v.as_array().unwrap().iter().any(|x| x["current"] == true));
        let (admin_secret, _) = enrol(&app, "quantri").await;
        let (s, v) = login(&app, "quantri", Some(&code_at(&admin_secret, 1))).await;
        assert_eq!(s, 200, "{e}: {v}");
        let admin = v["token"].as_str().unwrap().to_string();
        let revoke = "/api/v1/users/lanhdao.badinh/sessions/revoke";
        let (s, v) = app.call(Method::POST, revoke, Some(&signer), None).await;
        assert_eq!(s, 403, "only an administrator: {v}");
        let (s, v) = app.call(Method::POST, revoke, Some(&admin), None).await;
        assert_eq!(s, 200, "{e}: {v}");
        assert!(v["revoked"].as_u64().unwrap() >= 3, "{v}");
        let (s, _) = app
            .call(Method::GET, "/api/v1/auth/me", Some(&signer), None)
            .await;
        assert_eq!(s, 401);
        let r = c.get(app.at("/civil")).send().await.unwrap();
        assert_eq!(r.status(), 303, "the browser session ended too");
    }
}

#[tokio::test]
async fn password_change_ends_the_other_sessions() {
    let app = strict_app(Engine::Sqlite).await.unwrap();
    app.add_user("canbo.badinh", "officer", "00004").await;
    let (_, v1) = login(&app, "canbo.badinh", None).await;
    let (_, v2) = login(&app, "canbo.badinh", None).await;
    let (t1, t2) = (v1["token"].as_str().unwrap(), v2["token"].as_str().unwrap());
    let wrong =
        json!({"current_password": "sai-mat-khau-123", "new_password": "mat-khau-moi-dai-2027"});
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/auth/password",
            Some(t1),
            Some(&wrong),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (401, Some("auth_invalid_credentials")),
        "{v}"
    );
    let right = json!({"current_password": PASSWORD, "new_password": "mat-khau-moi-dai-2027"});
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/auth/password",
            Some(t1),
            Some(&right),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["other_sessions_ended"], 1);
    let me = "/api/v1/auth/me";
    assert_eq!(app.call(Method::GET, me, Some(t1), None).await.0, 200);
    assert_eq!(app.call(Method::GET, me, Some(t2), None).await.0, 401);
    // An officer may log in without a second factor (optional for that role).
    let new_login = json!({"username": "canbo.badinh", "password": "mat-khau-moi-dai-2027"});
    let (s, v) = app
        .call(Method::POST, "/api/v1/auth/login", None, Some(&new_login))
        .await;
    assert_eq!(s, 200, "{v}");
}

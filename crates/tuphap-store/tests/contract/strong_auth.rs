//! Strong authentication of officials (issue 8, migration 0022) on both engines, through the
//! domain: the second factor required of a signer (API refused, browser session limited to
//! enrolment), enrolment with a first code, a code accepted once (replay refused, also
//! atomically in the store), recovery codes used once, the absolute session lifetime, and a
//! password change ending the other sessions.

use std::time::Duration;

use tuphap_domain::App;
use tuphap_domain::identity::{AuthPolicy, NewUserInput, RequestMeta, SessionKind};
use tuphap_domain::strong_auth::{TOTP_DIGITS, TOTP_STEP_SECONDS, base32_decode, hotp};

use crate::Harness;

const PASSWORD: &str = "mat-khau-rat-dai-2026";

fn code_at(secret: &str, steps: i64) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() / TOTP_STEP_SECONDS;
    hotp(&base32_decode(secret).unwrap(), now + steps, TOTP_DIGITS)
}

async fn strong_auth_second_factor(h: Harness) {
    let app = App::new(h.store.clone()).with_auth(AuthPolicy {
        api_absolute: Duration::from_secs(2),
        ..AuthPolicy::default()
    });
    let meta = RequestMeta::default();
    app.add_user(
        NewUserInput {
            username: "lanhdao.badinh".into(),
            display_name: Some("Nguyễn Văn Ký".into()),
            role: "signer".into(),
            unit: "00004".into(),
            password: PASSWORD.into(),
        },
        None,
        &meta,
    )
    .await
    .unwrap();
    let login = |otp: Option<String>, kind: SessionKind| {
        let app = app.clone();
        async move {
            app.login_with_otp(
                "lanhdao.badinh",
                PASSWORD,
                otp.as_deref(),
                kind,
                &RequestMeta::default(),
            )
            .await
        }
    };
    let e = login(None, SessionKind::Api).await.unwrap_err();
    assert_eq!(e.code, "second_factor_enrolment_required");
    let enrol = login(None, SessionKind::Browser).await.unwrap();
    assert!(enrol.enrolment_only);
    assert!(app.authenticate(&enrol.token).await.unwrap().is_none());
    let (actor, limited) = app.authenticate_any(&enrol.token).await.unwrap().unwrap();
    assert!(limited);

    let en = app.totp_begin(&actor).await.unwrap();
    assert_eq!(
        app.totp_begin(&actor).await.unwrap().secret,
        en.secret,
        "resumed"
    );
    assert_eq!(
        app.totp_confirm(&actor, "123456x", &meta)
            .await
            .unwrap_err()
            .code,
        "second_factor_invalid"
    );
    let first = code_at(&en.secret, 0);
    let codes = app.totp_confirm(&actor, &first, &meta).await.unwrap();
    assert_eq!(codes.len(), 10);
    assert!(
        app.authenticate(&enrol.token).await.unwrap().is_some(),
        "now a full session"
    );
    let st = h.store.totp_state(actor.user_id).await.unwrap().unwrap();
    assert!(st.totp_secret.is_some() && st.totp_pending_secret.is_none());

    // The confirming code cannot log in again; the next step's can, once.
    let e = login(Some(first), SessionKind::Api).await.unwrap_err();
    assert_eq!(e.code, "second_factor_invalid");
    let next = code_at(&en.secret, 1);
    let ok = login(Some(next.clone()), SessionKind::Api).await.unwrap();
    assert!(!ok.enrolment_only);
    let proof = h
        .store
        .session_proof(ok.actor.session_id)
        .await
        .unwrap()
        .unwrap();
    assert!(proof.second_factor_at.is_some() && proof.reauth_at.is_some());
    assert_eq!(
        login(Some(next), SessionKind::Api).await.unwrap_err().code,
        "second_factor_invalid"
    );
    // A recovery code, once.
    assert!(
        login(Some(codes[0].clone()), SessionKind::Api)
            .await
            .is_ok()
    );
    assert!(
        login(Some(codes[0].clone()), SessionKind::Api)
            .await
            .is_err()
    );
    assert_eq!(h.store.recovery_codes_left(actor.user_id).await.unwrap(), 9);

    // The store refuses a used or earlier step atomically.
    let mut tx = h.store.begin().await.unwrap();
    let far = i64::MAX / 2;
    assert!(tx.totp_accept_step(actor.user_id, far).await.unwrap());
    assert!(!tx.totp_accept_step(actor.user_id, far).await.unwrap());
    assert!(!tx.totp_accept_step(actor.user_id, far - 1).await.unwrap());
    tx.commit().await.unwrap();

    // Absolute lifetime: the API token dies after 2 s however much it is used.
    assert!(app.authenticate(&ok.token).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert!(app.authenticate(&ok.token).await.unwrap().is_none());
}
contract!(strong_auth_second_factor);

async fn strong_auth_password_change_ends_other_sessions(h: Harness) {
    let app = App::new(h.store.clone());
    let meta = RequestMeta::default();
    app.add_user(
        NewUserInput {
            username: "canbo.badinh".into(),
            display_name: None,
            role: "officer".into(),
            unit: "00004".into(),
            password: PASSWORD.into(),
        },
        None,
        &meta,
    )
    .await
    .unwrap();
    // An officer logs in without a second factor even under the production policy.
    let a = app
        .login("canbo.badinh", PASSWORD, SessionKind::Api, &meta)
        .await
        .unwrap();
    let b = app
        .login("canbo.badinh", PASSWORD, SessionKind::Browser, &meta)
        .await
        .unwrap();
    assert_eq!(app.my_sessions(&a.actor).await.unwrap().len(), 2);
    let n = app
        .change_password(&a.actor, PASSWORD, "mat-khau-moi-2027-dai", None, &meta)
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(app.authenticate(&a.token).await.unwrap().is_some());
    assert!(app.authenticate(&b.token).await.unwrap().is_none());
    assert_eq!(
        app.end_my_session(&a.actor, b.actor.session_id, &meta)
            .await
            .unwrap_err()
            .code,
        "session_not_found"
    );
}
contract!(strong_auth_password_change_ends_other_sessions);

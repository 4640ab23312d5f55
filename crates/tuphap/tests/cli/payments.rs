//! The payment gateway double (`tuphap sim all --payment-merchant …`) as a real process, and
//! `tuphap payments reconcile`: a fee paid on the gateway's page whose callback never arrives
//! (the merchant's callback URL is unreachable) survives a SIGKILL of the gateway (state file),
//! and the reconciliation command settles it from the gateway's transaction API.

use tuphap_core::payment as proto;
use tuphap_domain::citizen::Citizen;
use tuphap_domain::identity::SessionKind;
use tuphap_domain::online::dossier::SubmitDossier;
use tuphap_domain::online::payment::PaymentGateway;
use tuphap_domain::{App, RequestMeta};

use super::sim::start_sim;
use super::{PASSWORD, Target, open_target, text};

const MERCHANT: &str = "TUPHAP-CLI";
const SECRET: &str = "bi-mat-dong-lenh";

#[tokio::test]
async fn a_lost_callback_is_reconciled_by_the_command_after_the_gateway_restarts() {
    let t = Target::sqlite();
    // Without a gateway: a clear refusal.
    let o = t.run(&["payments", "reconcile"], "");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("--payment-gateway"), "{}", text(&o));

    let state = t.dir.path().join("sim-state.json");
    let merchant = format!("{MERCHANT}:{SECRET}:http://127.0.0.1:9/api/v1/payments/callback");
    let args = [
        "--state",
        state.to_str().unwrap(),
        "--payment-merchant",
        merchant.as_str(),
    ];
    let sim = start_sim(&args);
    // A dossier with a fee, and a payment started (as the web edge would).
    assert!(t.run(&["migrate"], "").status.success());
    assert!(t.add_user("quantri", "admin", "BTP").status.success());
    assert!(
        t.add_user("canbo.badinh", "officer", "00004")
            .status
            .success()
    );
    let store = open_target(&t).await;
    let app = App::new(store.clone())
        .with_auth(tuphap_domain::identity::AuthPolicy::without_second_factor())
        .with_payment_gateway(PaymentGateway {
            url: sim.url.clone(),
            merchant: MERCHANT.into(),
            secret: SECRET.into(),
            return_url: "http://127.0.0.1:9/citizen/payments/return".into(),
        });
    let meta = RequestMeta::default();
    let admin = app
        .login("quantri", PASSWORD, SessionKind::Api, &meta)
        .await
        .unwrap()
        .actor;
    let officer = app
        .login("canbo.badinh", PASSWORD, SessionKind::Api, &meta)
        .await
        .unwrap()
        .actor;
    app.set_dossier_unit_code(&admin, &meta, &officer.office.code, "000.00.31.H13")
        .await
        .unwrap();
    let d = app
        .submit_dossier(
            &meta,
            SubmitDossier {
                office_code: officer.office.code.clone(),
                procedure_code: "BTP-HT-BSTL".into(),
                procedure_name: "Cấp bản sao trích lục hộ tịch".into(),
                processing_days: 1,
                applicant_personal_id: "001090012345".into(),
                applicant_name: "Nguyễn Văn An".into(),
                copies: 1,
                fee_vnd: 8000,
                ..SubmitDossier::default()
            },
            tuphap_store::now_utc(),
        )
        .await
        .unwrap();
    let citizen = Citizen {
        session_id: 0,
        personal_id: "001090012345".into(),
        full_name: "Nguyễn Văn An".into(),
        birthdate: None,
        gender: None,
        csrf_token: String::new(),
    };
    let start = app
        .start_dossier_payment(&citizen, &meta, &d.code, tuphap_store::now_utc())
        .await
        .unwrap();
    store.close().await;
    // The payer pays on the gateway's page; the callback cannot reach the merchant.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http.get(&start.redirect_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let mut form = proto::parse_query(start.redirect_url.split_once('?').unwrap().1);
    form.push(("action".into(), "pay".into()));
    let r = http
        .post(format!("{}/pay", sim.url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // The gateway is killed and restarted on its state file: the transaction is still there.
    drop(sim);
    let sim = start_sim(&args);
    // Reconciliation from the command line; the secret from the data directory.
    std::fs::write(t.dir.path().join("payment-secret"), format!("{SECRET}\n")).unwrap();
    let o = t.run(
        &[
            "payments",
            "reconcile",
            "--payment-gateway",
            &sim.url,
            "--payment-merchant",
            MERCHANT,
            "--older-than-minutes",
            "0",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 đã thanh toán"), "{}", text(&o));
    let store = open_target(&t).await;
    let d = store.dossier_by_code(&d.code).await.unwrap().unwrap();
    assert_eq!(d.paid_online, 2);
    let p = store
        .payment_by_reference(&start.reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, "paid");
    assert_eq!(p.confirmed_by.as_deref(), Some("reconciliation"));
    store.close().await;
    // Run again: nothing left to do.
    let o = t.run(
        &[
            "payments",
            "reconcile",
            "--payment-gateway",
            &sim.url,
            "--payment-merchant",
            MERCHANT,
            "--older-than-minutes",
            "0",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 giao dịch"), "{}", text(&o));
}

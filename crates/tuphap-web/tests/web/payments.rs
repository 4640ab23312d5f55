//! Fee payment of dossiers through the simulated payment gateway of `tuphap-sim` (in-process on
//! 127.0.0.1:0), over real HTTP between the real app, the gateway and a browser-like client:
//! pay → gateway page → signed callback → the dossier paid with its event; the browser's
//! return; a tampered signature (callback, redirect, return) refused with nothing paid; a
//! repeated callback changes nothing; a dropped callback settled by reconciliation; an amount
//! that does not match refused.

use tuphap_core::payment::{self as proto, Notice, TxnStatus};
use tuphap_domain::identity::SessionKind;
use tuphap_domain::online::dossier::SubmitDossier;
use tuphap_domain::online::payment::PaymentGateway;
use tuphap_domain::{App, RequestMeta};
use tuphap_sim::oidc::{OidcClient, OidcConfig};
use tuphap_sim::payment::{Merchant, PaymentConfig};
use tuphap_sim::{Sim, SimConfig};
use tuphap_store::Engine;
use tuphap_web::citizen::OidcSettings;
use tuphap_web::payment::HttpGatewayLookup;

use crate::citizen_login::{AN, CLIENT_ID, CLIENT_SECRET, authorize, query_of};
use crate::support::{PASSWORD, TestApp, hidden_csrf, location, new_client, spawn_app_with};

const MERCHANT: &str = "TUPHAP-TEST";
const SECRET: &str = "bi-mat-thanh-toan-thu-nghiem";
pub(crate) const UNIT: &str = "000.00.31.H13";

pub(crate) struct Gateway {
    pub url: String,
    pub sim: Sim,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub(crate) async fn start_gateway() -> Gateway {
    let sim = Sim::open(SimConfig {
        agencies: vec![],
        oidc: Some(OidcConfig::default()),
        payment: Some(PaymentConfig::default()),
        ..SimConfig::default()
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tuphap_sim::serve(listener, sim.clone(), async {
        let _ = rx.await;
    }));
    Gateway {
        url,
        sim,
        _stop: tx,
    }
}

fn settings(gw: &Gateway, app_url: &str) -> PaymentGateway {
    PaymentGateway {
        url: gw.url.clone(),
        merchant: MERCHANT.into(),
        secret: SECRET.into(),
        return_url: format!("{app_url}/citizen/payments/return"),
    }
}

/// The app with citizen login and payments against `gw`, registered there as merchant and
/// OIDC client; an office with its unit code. Returns the app and an `App` with the gateway
/// (for reconciliation).
pub(crate) async fn payment_app(engine: Engine, gw: &Gateway) -> Option<(TestApp, App)> {
    let (issuer, gw_url) = (gw.url.clone(), gw.url.clone());
    let app = spawn_app_with(engine, move |mut state, url| {
        state.app = state.app.with_payment_gateway(PaymentGateway {
            url: gw_url,
            merchant: MERCHANT.into(),
            secret: SECRET.into(),
            return_url: format!("{url}/citizen/payments/return"),
        });
        state.with_citizen_login(OidcSettings {
            issuer,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uri: format!("{url}/citizen/callback"),
        })
    })
    .await?;
    gw.sim
        .register_oidc_client(OidcClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uris: vec![format!("{}/citizen/callback", app.url)],
        })
        .unwrap();
    gw.sim
        .register_payment_merchant(Merchant {
            merchant_id: MERCHANT.into(),
            secret: SECRET.into(),
            callback_url: app.at("/api/v1/payments/callback"),
        })
        .unwrap();
    app.add_user("quantri", "admin", "BTP").await;
    app.add_user("canbo.badinh", "officer", "00004").await;
    let meta = RequestMeta::default();
    let admin = app
        .app
        .login("quantri", PASSWORD, SessionKind::Api, &meta)
        .await
        .unwrap()
        .actor;
    let officer = app
        .app
        .login("canbo.badinh", PASSWORD, SessionKind::Api, &meta)
        .await
        .unwrap()
        .actor;
    app.app
        .set_dossier_unit_code(&admin, &meta, &officer.office.code, UNIT)
        .await
        .unwrap();
    let with_gw = app.app.clone().with_payment_gateway(settings(gw, &app.url));
    Some((app, with_gw))
}

/// A dossier of An's asking for `copies` copies at 8.000 đồng each.
async fn dossier_with_fee(app: &TestApp, copies: u32) -> String {
    let office_code = app
        .app
        .login(
            "canbo.badinh",
            PASSWORD,
            SessionKind::Api,
            &RequestMeta::default(),
        )
        .await
        .unwrap()
        .actor
        .office
        .code;
    app.app
        .submit_dossier(
            &RequestMeta::default(),
            SubmitDossier {
                office_code,
                procedure_code: "BTP-HT-BSTL".into(),
                procedure_name: "Cấp bản sao trích lục hộ tịch".into(),
                processing_days: 1,
                applicant_personal_id: AN.into(),
                applicant_name: "Nguyễn Văn An".into(),
                copies,
                fee_vnd: 8000 * i64::from(copies),
                ..SubmitDossier::default()
            },
            tuphap_store::now_utc(),
        )
        .await
        .unwrap()
        .code
}

/// A browser logged in as An, and its CSRF token.
async fn citizen(app: &TestApp) -> (reqwest::Client, String) {
    let c = new_client();
    let back = authorize(app, &c, AN).await;
    let r = c.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = c.get(app.at("/citizen")).send().await.unwrap();
    let csrf = hidden_csrf(&r.text().await.unwrap());
    (c, csrf)
}

/// `POST /citizen/dossiers/{code}/pay` → the gateway's URL.
async fn start(app: &TestApp, c: &reqwest::Client, csrf: &str, code: &str) -> String {
    let r = c
        .post(app.at(&format!("/citizen/dossiers/{code}/pay")))
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    location(&r)
}

/// The payer presses `action` ("pay" / "cancel") on the gateway's page; the return URL.
async fn press(c: &reqwest::Client, to_gateway: &str, action: &str) -> String {
    let page = c.get(to_gateway).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Cổng thanh toán (mô phỏng)"), "{html}");
    assert!(
        html.contains("Thanh toán") && html.contains("Huỷ"),
        "{html}"
    );
    let base = to_gateway.split_once('?').unwrap().0.to_string();
    let mut form = query_of(to_gateway);
    form.push(("action".into(), action.into()));
    let r = c.post(&base).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    location(&r)
}

async fn paid_events(app: &TestApp, code: &str) -> usize {
    let d = app.store.dossier_by_code(code).await.unwrap().unwrap();
    app.store
        .dossier_events(d.id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == "paid")
        .count()
}

async fn post_callback(app: &TestApp, body: &[u8], sig: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(app.at("/api/v1/payments/callback"))
        .header("content-type", "application/json")
        .header(proto::SIGNATURE_HEADER, sig)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

#[tokio::test]
async fn citizen_pays_through_the_gateway_and_the_callback_marks_the_dossier_paid_on_every_engine()
{
    let gw = start_gateway().await;
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some((app, _)) = payment_app(engine, &gw).await else {
            continue;
        };
        let e = engine.as_str();
        let code = dossier_with_fee(&app, 1).await;
        let (c, csrf) = citizen(&app).await;
        // Without the CSRF token: refused.
        let r = c
            .post(app.at(&format!("/citizen/dossiers/{code}/pay")))
            .form(&[("csrf", "sai")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{e}");
        let to_gateway = start(&app, &c, &csrf, &code).await;
        assert!(
            to_gateway.starts_with(&format!("{}/pay?", gw.url)),
            "{to_gateway}"
        );
        // The gateway's page shows the amount.
        let html = c
            .get(&to_gateway)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("8.000 đ"), "{e}: {html}");
        assert!(html.contains(&code), "{e}: order info names the dossier");
        // A tampered redirect (amount lowered) is refused by the gateway.
        let tampered = to_gateway.replace("amount=8000", "amount=80");
        let r = c.get(&tampered).send().await.unwrap();
        assert_eq!(r.status(), 400, "{e}");
        assert!(r.text().await.unwrap().contains("signature_invalid"));

        let back = press(&c, &to_gateway, "pay").await;
        assert!(
            back.starts_with(&app.at("/citizen/payments/return?")),
            "{back}"
        );
        // The callback came first (server to server): the dossier is paid already.
        let d = app.store.dossier_by_code(&code).await.unwrap().unwrap();
        assert_eq!(d.paid_online, 2, "{e}");
        assert_eq!(d.status, "submitted", "{e}: status unchanged");
        assert_eq!(paid_events(&app, &code).await, 1, "{e}");
        let payments = app.store.payments_of_dossier(d.id).await.unwrap();
        assert_eq!(payments.len(), 1);
        assert_eq!(payments[0].status, "paid");
        assert_eq!(payments[0].confirmed_by.as_deref(), Some("callback"), "{e}");
        let txns = gw.sim.payment_transactions();
        let t = txns
            .get(&format!("{MERCHANT}/{}", payments[0].reference))
            .unwrap();
        assert_eq!(t.callback_status, Some(200), "{e}");
        assert_eq!(
            payments[0].gateway_txn.as_deref(),
            Some(t.notice.txn.as_str())
        );
        let audit = app
            .store
            .audit_entries_of_target("dossier", &code, None, 50)
            .await
            .unwrap();
        assert_eq!(
            audit.iter().filter(|a| a.action == "dossier.paid").count(),
            1
        );
        let changes = app.store.changes_after(0, 100_000).await.unwrap();
        assert_eq!(
            changes
                .iter()
                .filter(|c| c.entity == "dossier" && c.entity_id == code && c.action == "paid")
                .count(),
            1,
            "{e}"
        );
        // The browser's return: "Đã thanh toán" and the way back to the dossier.
        let r = c.get(&back).send().await.unwrap();
        assert_eq!(r.status(), 200, "{e}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Đã thanh toán"), "{e}: {html}");
        assert!(html.contains(&format!("/citizen/dossiers/{code}")), "{e}");
        assert!(html.contains("8.000"), "{e}");
        // The same callback again (the gateway retries): 200, nothing changes.
        let body = serde_json::to_vec(&t.notice).unwrap();
        let (s, v) = post_callback(&app, &body, &proto::sign(SECRET, &body)).await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(v["changed"], false);
        assert_eq!(v["status"], "paid");
        assert_eq!(paid_events(&app, &code).await, 1, "{e}: idempotent");
        // A tampered return (status forged) is refused.
        let r = c
            .get(back.replace("status=paid", "status=cancelled"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{e}");
        assert_eq!(
            r.headers().get("x-error-code").unwrap(),
            "payment_signature_invalid"
        );
        // Paid: a second payment is refused.
        let r = c
            .post(app.at(&format!("/citizen/dossiers/{code}/pay")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "{e}");
        assert_eq!(
            r.headers().get("x-error-code").unwrap(),
            "payment_already_made"
        );
    }
}

#[tokio::test]
async fn forged_or_mismatched_callbacks_change_nothing() {
    let gw = start_gateway().await;
    let (app, _) = payment_app(Engine::Sqlite, &gw).await.unwrap();
    let code = dossier_with_fee(&app, 2).await;
    let (c, csrf) = citizen(&app).await;
    let to_gateway = start(&app, &c, &csrf, &code).await;
    let reference = crate::citizen_login::param(&query_of(&to_gateway), "reference")
        .unwrap()
        .to_string();
    let notice = Notice {
        merchant: MERCHANT.into(),
        reference: reference.clone(),
        amount: 16000,
        status: TxnStatus::Paid,
        txn: "GW99999999".into(),
        paid_at: None,
    };
    let body = serde_json::to_vec(&notice).unwrap();
    // Tampered signature.
    let (s, v) = post_callback(&app, &body, &proto::sign("khong-phai-bi-mat", &body)).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["code"], "payment_signature_invalid");
    // Signed, but the body changed afterwards.
    let sig = proto::sign(SECRET, &body);
    let forged = String::from_utf8(body.clone())
        .unwrap()
        .replace("16000", "1");
    let (s, v) = post_callback(&app, forged.as_bytes(), &sig).await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], "payment_signature_invalid");
    // No signature header; not JSON at all.
    let r = reqwest::Client::new()
        .post(app.at("/api/v1/payments/callback"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (s, v) = post_callback(&app, b"{", &proto::sign(SECRET, b"{")).await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], "payment_notice_invalid");
    // Properly signed, but the amount does not match what is owed.
    let wrong = Notice {
        amount: 8000,
        ..notice.clone()
    };
    let wbody = serde_json::to_vec(&wrong).unwrap();
    let (s, v) = post_callback(&app, &wbody, &proto::sign(SECRET, &wbody)).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["code"], "payment_amount_mismatch");
    // Unknown reference: 404 with its code.
    let unknown = Notice {
        reference: "LP0-KHONGCO".into(),
        ..notice.clone()
    };
    let ubody = serde_json::to_vec(&unknown).unwrap();
    let (s, v) = post_callback(&app, &ubody, &proto::sign(SECRET, &ubody)).await;
    assert_eq!(s, 404);
    assert_eq!(v["code"], "payment_not_found");
    // Nothing was paid.
    let d = app.store.dossier_by_code(&code).await.unwrap().unwrap();
    assert_eq!(d.paid_online, 0);
    assert_eq!(paid_events(&app, &code).await, 0);
    let p = app
        .store
        .payment_by_reference(&reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, "pending");
    // The refusals are audited.
    let audit: Vec<_> = app
        .store
        .audit_entries(&tuphap_store::audit::AuditFilter {
            actor_user_id: None,
            target_type: None,
            target_id: None,
            before_seq: None,
            limit: 500,
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "dossier.payment_notice" && a.outcome == "denied")
        .collect();
    assert!(audit.len() >= 4, "{audit:?}");
    // The genuine payment still goes through.
    let back = press(&c, &to_gateway, "pay").await;
    assert!(back.contains("status=paid"));
    let d = app.store.dossier_by_code(&code).await.unwrap().unwrap();
    assert_eq!(d.paid_online, 2);
}

#[tokio::test]
async fn a_dropped_callback_is_settled_by_reconciliation() {
    let gw = start_gateway().await;
    let (app, with_gw) = payment_app(Engine::Sqlite, &gw).await.unwrap();
    let code = dossier_with_fee(&app, 1).await;
    let cancelled_code = dossier_with_fee(&app, 1).await;
    let (c, csrf) = citizen(&app).await;
    gw.sim.set_payment_drop_callbacks(true);
    // Paid, but neither the callback nor the browser's return reaches us.
    let to_gateway = start(&app, &c, &csrf, &code).await;
    let back = press(&c, &to_gateway, "pay").await;
    assert!(back.contains("status=paid"));
    // Cancelled on the gateway's page, the browser closed.
    let to_gateway2 = start(&app, &c, &csrf, &cancelled_code).await;
    press(&c, &to_gateway2, "cancel").await;
    // A third payment never finished (the gateway does not know it).
    let abandoned = start(&app, &c, &csrf, &cancelled_code).await;
    let abandoned_ref = crate::citizen_login::param(&query_of(&abandoned), "reference")
        .unwrap()
        .to_string();
    let d = app.store.dossier_by_code(&code).await.unwrap().unwrap();
    assert_eq!(d.paid_online, 0, "no callback came");
    let txns = gw.sim.payment_transactions();
    assert!(txns.values().all(|t| t.callback_status.is_none()));

    // Too recent for reconciliation: nothing asked.
    let now = tuphap_store::now_utc();
    let r = with_gw
        .reconcile_payments(&HttpGatewayLookup::new(), time::Duration::minutes(5), now)
        .await
        .unwrap();
    assert_eq!(r.checked, 0);
    // Reconciliation asks the gateway's transaction API.
    let r = with_gw
        .reconcile_payments(&HttpGatewayLookup::new(), time::Duration::ZERO, now)
        .await
        .unwrap();
    assert_eq!(
        (r.checked, r.paid, r.cancelled, r.pending, r.errors),
        (3, 1, 1, 1, 0),
        "{r:?}"
    );
    let d = app.store.dossier_by_code(&code).await.unwrap().unwrap();
    assert_eq!(d.paid_online, 2);
    assert_eq!(paid_events(&app, &code).await, 1);
    let p = &app.store.payments_of_dossier(d.id).await.unwrap()[0];
    assert_eq!(p.status, "paid");
    assert_eq!(p.confirmed_by.as_deref(), Some("reconciliation"));
    let d2 = app
        .store
        .dossier_by_code(&cancelled_code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d2.paid_online, 0);
    let statuses: Vec<String> = app
        .store
        .payments_of_dossier(d2.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.status)
        .collect();
    assert_eq!(statuses, ["cancelled", "pending"]);
    // Later, the browser's return arrives after all: a no-op.
    let r = c.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Đã thanh toán"));
    assert_eq!(paid_events(&app, &code).await, 1);
    // The unfinished one, past the abandon time: failed.
    let later =
        now + tuphap_domain::online::payment::PAYMENT_ABANDONED_AFTER + time::Duration::minutes(1);
    let r = with_gw
        .reconcile_payments(&HttpGatewayLookup::new(), time::Duration::minutes(5), later)
        .await
        .unwrap();
    assert_eq!((r.checked, r.failed), (1, 1), "{r:?}");
    let p = app
        .store
        .payment_by_reference(&abandoned_ref)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, "failed");
    // The gateway down: counted as an error, still pending for the next run.
    let fresh = start(&app, &c, &csrf, &cancelled_code).await;
    let fresh_ref = crate::citizen_login::param(&query_of(&fresh), "reference")
        .unwrap()
        .to_string();
    let mut down = settings(&gw, &app.url);
    down.url = "http://127.0.0.1:9".into();
    let offline = app.app.clone().with_payment_gateway(down);
    let r = offline
        .reconcile_payments(
            &HttpGatewayLookup::new(),
            time::Duration::ZERO,
            tuphap_store::now_utc(),
        )
        .await
        .unwrap();
    assert_eq!((r.checked, r.errors), (1, 1), "{r:?}");
    let p = app
        .store
        .payment_by_reference(&fresh_ref)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, "pending");
}

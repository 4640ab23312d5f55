//! Fee payments of dossiers (issue 7, migration 0019): the store's `dossier_payments` (unique
//! reference, CHECKs, a payment leaves `pending` once, pending payments by age) and the use
//! cases of `tuphap_domain::online::payment` through a real store — a signed notice marks the
//! dossier paid with one `paid` event, audit entry and change-log row; a repeat changes nothing;
//! a bad signature, a wrong amount or a foreign merchant change nothing.

use tuphap_core::payment::{self as proto, Notice, TxnStatus};
use tuphap_domain::citizen::Citizen;
use tuphap_domain::identity::AuthPolicy;
use tuphap_domain::identity::{NewUserInput, SessionKind};
use tuphap_domain::online::dossier::SubmitDossier;
use tuphap_domain::online::payment::{PaymentGateway, payment_due};
use tuphap_domain::{App, RequestMeta};
use tuphap_store::StoreError;
use tuphap_store::payments::{NewPayment, PaymentSettlement};

use crate::Harness;

const UNIT: &str = "000.00.31.H13";
const CITIZEN: &str = "001090000123";
const SECRET: &str = "bi-mat-cong-thanh-toan";
const PASSWORD: &str = "mat-khau-rat-dai-2026";

fn gateway() -> PaymentGateway {
    PaymentGateway {
        url: "http://127.0.0.1:9/".into(),
        merchant: "TUPHAP".into(),
        secret: SECRET.into(),
        return_url: "http://127.0.0.1:8080/citizen/payments/return".into(),
    }
}

fn citizen(personal_id: &str) -> Citizen {
    Citizen {
        session_id: 0,
        personal_id: personal_id.into(),
        full_name: "Nguyễn Văn An".into(),
        birthdate: None,
        gender: None,
        csrf_token: String::new(),
    }
}

/// An app with the gateway, an office with its unit code, and one dossier of `fee` đồng.
async fn setup(h: &Harness, fee: i64) -> (App, String) {
    let app = App::new(h.store.clone())
        .with_auth(AuthPolicy::without_second_factor())
        .with_payment_gateway(gateway());
    let meta = RequestMeta::default();
    for (u, role, unit) in [("quantri", "admin", "BTP"), ("canbo", "officer", "00004")] {
        app.add_user(
            NewUserInput {
                username: u.into(),
                display_name: None,
                role: role.into(),
                unit: unit.into(),
                password: PASSWORD.into(),
            },
            None,
            &meta,
        )
        .await
        .unwrap();
    }
    let admin = app
        .login("quantri", PASSWORD, SessionKind::Api, &meta)
        .await
        .unwrap()
        .actor;
    let officer = app
        .login("canbo", PASSWORD, SessionKind::Api, &meta)
        .await
        .unwrap()
        .actor;
    app.set_dossier_unit_code(&admin, &meta, &officer.office.code, UNIT)
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
                applicant_personal_id: CITIZEN.into(),
                applicant_name: "Nguyễn Văn An".into(),
                copies: 1,
                fee_vnd: fee,
                ..SubmitDossier::default()
            },
            tuphap_store::now_utc(),
        )
        .await
        .unwrap();
    (app, d.code)
}

fn signed(n: &Notice, secret: &str) -> (Vec<u8>, String) {
    let body = serde_json::to_vec(n).unwrap();
    let sig = proto::sign(secret, &body);
    (body, sig)
}

async fn payment_rows_leave_pending_once(h: Harness) {
    let (_app, code) = setup(&h, 8000).await;
    let d = h.store.dossier_by_code(&code).await.unwrap().unwrap();
    let mut tx = h.store.begin().await.unwrap();
    let id = tx
        .payment_insert(&NewPayment {
            dossier_id: d.id,
            reference: "LP-1".into(),
            amount_vnd: 8000,
            created_at: 1_000,
        })
        .await
        .unwrap();
    tx.payment_insert(&NewPayment {
        dossier_id: d.id,
        reference: "LP-2".into(),
        amount_vnd: 8000,
        created_at: 5_000,
    })
    .await
    .unwrap();
    tx.commit_with(&[], &[]).await.unwrap();
    // A reference is unique; an amount must be positive.
    let mut tx = h.store.begin().await.unwrap();
    let dup = tx
        .payment_insert(&NewPayment {
            dossier_id: d.id,
            reference: "LP-1".into(),
            amount_vnd: 8000,
            created_at: 2_000,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    drop(tx);
    let mut tx = h.store.begin().await.unwrap();
    let zero = tx
        .payment_insert(&NewPayment {
            dossier_id: d.id,
            reference: "LP-0".into(),
            amount_vnd: 0,
            created_at: 2_000,
        })
        .await;
    assert!(zero.is_err(), "amount 0 refused: {zero:?}");
    drop(tx);
    // Pending by age.
    let old = h.store.payments_pending_before(2_000, 10).await.unwrap();
    assert_eq!(
        old.iter().map(|p| p.reference.as_str()).collect::<Vec<_>>(),
        ["LP-1"]
    );
    assert_eq!(
        h.store
            .payments_pending_before(10_000, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    // Settled once: the second settlement changes nothing.
    let paid = PaymentSettlement {
        status: "paid",
        gateway_txn: Some("GW00000001"),
        confirmed_by: "callback",
        paid_at: Some(3_000),
        at: 3_000,
    };
    let mut tx = h.store.begin().await.unwrap();
    assert!(tx.payment_settle(id, &paid).await.unwrap());
    let again = PaymentSettlement {
        status: "cancelled",
        gateway_txn: None,
        confirmed_by: "return",
        paid_at: None,
        at: 4_000,
    };
    assert!(!tx.payment_settle(id, &again).await.unwrap());
    tx.commit_with(&[], &[]).await.unwrap();
    let p = h.store.payment_by_reference("LP-1").await.unwrap().unwrap();
    assert_eq!(p.status, "paid");
    assert_eq!(p.gateway_txn.as_deref(), Some("GW00000001"));
    assert_eq!(p.confirmed_by.as_deref(), Some("callback"));
    assert_eq!((p.paid_at, p.updated_at), (Some(3_000), 3_000));
    assert_eq!(
        h.store
            .payments_pending_before(10_000, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(h.store.payments_of_dossier(d.id).await.unwrap().len(), 2);
    // Unknown statuses and channels are refused by the database.
    let mut tx = h.store.begin().await.unwrap();
    let bad = tx
        .payment_settle(
            id + 1,
            &PaymentSettlement {
                status: "refunded",
                gateway_txn: None,
                confirmed_by: "callback",
                paid_at: None,
                at: 1,
            },
        )
        .await;
    assert!(bad.is_err(), "{bad:?}");
}
contract!(payment_rows_leave_pending_once);

async fn a_signed_notice_pays_the_dossier_once(h: Harness) {
    let (app, code) = setup(&h, 8000).await;
    let meta = RequestMeta::default();
    let now = tuphap_store::now_utc();
    let d = h.store.dossier_by_code(&code).await.unwrap().unwrap();
    assert!(payment_due(&d));
    // Only the applicant.
    let e = app
        .start_dossier_payment(&citizen("079195004321"), &meta, &code, now)
        .await
        .unwrap_err();
    assert_eq!(e.code, "dossier_not_found");
    let start = app
        .start_dossier_payment(&citizen(CITIZEN), &meta, &code, now)
        .await
        .unwrap();
    assert_eq!(start.amount_vnd, 8000);
    assert!(
        start.redirect_url.starts_with("http://127.0.0.1:9/pay?"),
        "{}",
        start.redirect_url
    );
    let q = proto::parse_query(start.redirect_url.split_once('?').unwrap().1);
    assert!(proto::verify_params(SECRET, &q), "the redirect is signed");
    let notice = Notice {
        merchant: "TUPHAP".into(),
        reference: start.reference.clone(),
        amount: 8000,
        status: TxnStatus::Paid,
        txn: "GW00000042".into(),
        paid_at: Some("2026-11-27T09:15:00Z".into()),
    };
    let changes_before = h.store.changes_after(0, 10_000).await.unwrap().len();
    // A forged signature, a wrong amount, another merchant: refused, nothing changes.
    let (body, _) = signed(&notice, "not-the-secret");
    let e = app
        .confirm_payment_callback(&meta, &body, Some(&proto::sign("x", &body)), now)
        .await
        .unwrap_err();
    assert_eq!(e.code, "payment_signature_invalid");
    let e = app
        .confirm_payment_callback(&meta, &body, None, now)
        .await
        .unwrap_err();
    assert_eq!(e.code, "payment_signature_invalid");
    let (body, sig) = signed(
        &Notice {
            amount: 800,
            ..notice.clone()
        },
        SECRET,
    );
    let e = app
        .confirm_payment_callback(&meta, &body, Some(&sig), now)
        .await
        .unwrap_err();
    assert_eq!(e.code, "payment_amount_mismatch");
    let (body, sig) = signed(
        &Notice {
            merchant: "KHAC".into(),
            ..notice.clone()
        },
        SECRET,
    );
    let e = app
        .confirm_payment_callback(&meta, &body, Some(&sig), now)
        .await
        .unwrap_err();
    assert_eq!(e.code, "payment_merchant_mismatch");
    let (body, sig) = signed(
        &Notice {
            reference: "LP-KHONG-CO".into(),
            ..notice.clone()
        },
        SECRET,
    );
    let e = app
        .confirm_payment_callback(&meta, &body, Some(&sig), now)
        .await
        .unwrap_err();
    assert_eq!(e.code, "payment_not_found");
    let e = app
        .confirm_payment_callback(
            &meta,
            b"not json",
            Some(&proto::sign(SECRET, b"not json")),
            now,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "payment_notice_invalid");
    let d = h.store.dossier_by_code(&code).await.unwrap().unwrap();
    assert_eq!(d.paid_online, 0);
    assert_eq!(
        h.store.changes_after(0, 10_000).await.unwrap().len(),
        changes_before
    );
    // The genuine notice, twice.
    let (body, sig) = signed(&notice, SECRET);
    let c = app
        .confirm_payment_callback(&meta, &body, Some(&sig), now)
        .await
        .unwrap();
    assert!(c.changed);
    assert_eq!(c.dossier_code, code);
    assert_eq!(c.payment.status, "paid");
    assert_eq!(c.payment.confirmed_by.as_deref(), Some("callback"));
    let again = app
        .confirm_payment_callback(&meta, &body, Some(&sig), now)
        .await
        .unwrap();
    assert!(!again.changed);
    // The browser's return after the callback: also a no-op.
    let q = proto::parse_query(&proto::signed_query(SECRET, &notice.to_params()));
    let ret = app.confirm_payment_return(&meta, &q, now).await.unwrap();
    assert!(!ret.changed);
    assert_eq!(ret.payment.confirmed_by.as_deref(), Some("callback"));
    let d = h.store.dossier_by_code(&code).await.unwrap().unwrap();
    assert_eq!(d.paid_online, 2, "DuocThanhToanTrucTuyen = 2");
    assert_eq!(d.status, "submitted", "status unchanged");
    assert!(!payment_due(&d));
    let events = h.store.dossier_events(d.id).await.unwrap();
    let paid: Vec<_> = events.iter().filter(|e| e.kind == "paid").collect();
    assert_eq!(paid.len(), 1, "{events:?}");
    assert_eq!(paid[0].status_before.as_deref(), Some("submitted"));
    assert_eq!(paid[0].status_after, "submitted");
    assert_eq!(paid[0].details_json()["gateway_txn"], "GW00000042");
    let changes = h.store.changes_after(0, 10_000).await.unwrap();
    let paid_changes: Vec<_> = changes
        .iter()
        .filter(|c| c.entity == "dossier" && c.action == "paid")
        .collect();
    assert_eq!(paid_changes.len(), 1);
    assert_eq!(paid_changes[0].entity_id, code);
    let audit = h
        .store
        .audit_entries_of_target("dossier", &code, None, 50)
        .await
        .unwrap();
    assert_eq!(
        audit.iter().filter(|a| a.action == "dossier.paid").count(),
        1
    );
    // Paid: no second payment.
    let e = app
        .start_dossier_payment(&citizen(CITIZEN), &meta, &code, now)
        .await
        .unwrap_err();
    assert_eq!(e.code, "payment_already_made");
}
contract!(a_signed_notice_pays_the_dossier_once);

async fn no_fee_no_payment_and_a_cancelled_payment_can_be_retried(h: Harness) {
    let (app, code) = setup(&h, 0).await;
    let meta = RequestMeta::default();
    let now = tuphap_store::now_utc();
    let e = app
        .start_dossier_payment(&citizen(CITIZEN), &meta, &code, now)
        .await
        .unwrap_err();
    assert_eq!(e.code, "payment_not_required");
    // Without a gateway.
    let bare = App::new(h.store.clone()).with_auth(AuthPolicy::without_second_factor());
    let e = bare
        .start_dossier_payment(&citizen(CITIZEN), &meta, &code, now)
        .await
        .unwrap_err();
    assert_eq!(e.code, "payment_not_configured");

    let (app2, code2) = {
        // A second dossier with a fee, in the same office.
        let d = h.store.dossier_by_code(&code).await.unwrap().unwrap();
        let office = h.store.office_by_id(d.office_id).await.unwrap().unwrap();
        let d2 = app
            .submit_dossier(
                &meta,
                SubmitDossier {
                    office_code: office.code.clone(),
                    procedure_code: "BTP-HT-BSTL".into(),
                    procedure_name: "Cấp bản sao trích lục hộ tịch".into(),
                    processing_days: 1,
                    applicant_personal_id: CITIZEN.into(),
                    applicant_name: "Nguyễn Văn An".into(),
                    copies: 2,
                    fee_vnd: 16000,
                    ..SubmitDossier::default()
                },
                now,
            )
            .await
            .unwrap();
        (app.clone(), d2.code)
    };
    let start = app2
        .start_dossier_payment(&citizen(CITIZEN), &meta, &code2, now)
        .await
        .unwrap();
    let cancelled = Notice {
        merchant: "TUPHAP".into(),
        reference: start.reference.clone(),
        amount: 16000,
        status: TxnStatus::Cancelled,
        txn: "GW00000007".into(),
        paid_at: None,
    };
    let q = proto::parse_query(&proto::signed_query(SECRET, &cancelled.to_params()));
    let c = app2.confirm_payment_return(&meta, &q, now).await.unwrap();
    assert!(c.changed);
    assert_eq!(c.payment.status, "cancelled");
    let d2 = h.store.dossier_by_code(&code2).await.unwrap().unwrap();
    assert_eq!(d2.paid_online, 0);
    assert!(payment_due(&d2));
    // A tampered return (amount changed after signing) is refused.
    let mut tampered = q.clone();
    for (k, v) in &mut tampered {
        if k == "status" {
            *v = "paid".into();
        }
    }
    let e = app2
        .confirm_payment_return(&meta, &tampered, now)
        .await
        .unwrap_err();
    assert_eq!(e.code, "payment_signature_invalid");
    // Another attempt: a new reference.
    let again = app2
        .start_dossier_payment(&citizen(CITIZEN), &meta, &code2, now)
        .await
        .unwrap();
    assert_ne!(again.reference, start.reference);
    assert_eq!(h.store.payments_of_dossier(d2.id).await.unwrap().len(), 2);
}
contract!(no_fee_no_payment_and_a_cancelled_payment_can_be_retried);

//! Fee payment of dossiers through a payment gateway (issue 7, item 3): the merchant side of the
//! protocol in `tuphap_core::payment` (VNPay/Keypay-style: redirect, signed callback, signed
//! return, transaction query).
//!
//! - [`App::start_dossier_payment`]: the applicant of a dossier with a fee not yet paid gets a
//!   new `pending` payment (its own reference) and the signed URL of the gateway's page.
//! - [`App::confirm_payment_callback`] (the gateway's server-to-server notice, JSON + signature
//!   header) and [`App::confirm_payment_return`] (the signed parameters the browser brings back)
//!   verify the signature (constant time), the merchant, the reference and the amount, then settle
//!   the payment. Idempotent: a payment leaves `pending` once; a repeated notice changes nothing.
//!   A payment made: in one transaction the payment row, the dossier's `paid_online` = 2
//!   (`DuocThanhToanTrucTuyen`: the ministry's gateway), a `paid` event in `dossier_events`
//!   (status unchanged), the audit entry `dossier.paid` and a change-log row (entity `dossier`,
//!   action `paid`, the portal's fields).
//! - [`App::reconcile_payments`]: payments left `pending` (a callback lost, a browser closed) are
//!   looked up at the gateway ([`GatewayLookup`]; the HTTP client is the edge's) and settled; one
//!   the gateway does not know after [`PAYMENT_ABANDONED_AFTER`] is `failed`.

use std::future::Future;

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use tuphap_core::dossier::DossierStatus;
use tuphap_core::payment::{self as proto, Notice, TxnStatus};
use tuphap_store::dossiers::{DossierRow, NewDossierEvent};
use tuphap_store::exchange::micros;
use tuphap_store::payments::{NewPayment, PaymentRow, PaymentSettlement};
use tuphap_store::{NewAuditEntry, NewChange, Outcome};

use crate::citizen::Citizen;
use crate::error::{DomainError, ErrorKind, Result};
use crate::online::dossier::portal_payload;
use crate::{App, RequestMeta};

/// A pending payment the gateway does not know after this long was abandoned (the citizen never
/// finished on the gateway's page): reconciliation marks it `failed`.
pub const PAYMENT_ABANDONED_AFTER: time::Duration = time::Duration::minutes(30);

/// Our account at the payment gateway.
#[derive(Clone)]
pub struct PaymentGateway {
    /// The gateway's base URL (`{url}/pay`, `{url}/api/transactions/{reference}`).
    pub url: String,
    /// Our merchant id there.
    pub merchant: String,
    /// The shared secret of the HMAC-SHA256 signatures (never logged).
    pub secret: String,
    /// Where the gateway sends the browser back: `<public URL>/citizen/payments/return`.
    pub return_url: String,
}

impl std::fmt::Debug for PaymentGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentGateway")
            .field("url", &self.url)
            .field("merchant", &self.merchant)
            .field("secret", &"***")
            .field("return_url", &self.return_url)
            .finish()
    }
}

impl PaymentGateway {
    fn base(&self) -> &str {
        self.url.trim_end_matches('/')
    }

    /// The signed query URL of one payment at the gateway (reconciliation).
    pub fn transaction_url(&self, reference: &str) -> String {
        let q = proto::signed_query(
            &self.secret,
            &[
                ("merchant", self.merchant.as_str()),
                ("reference", reference),
            ],
        );
        format!(
            "{}/api/transactions/{}?{q}",
            self.base(),
            proto::encode_component(reference)
        )
    }
}

/// Whether the citizen still has a fee to pay online for this dossier: the button
/// "Thanh toán lệ phí" of the dossier's page.
pub fn payment_due(d: &DossierRow) -> bool {
    d.fee_vnd > 0 && d.paid_online == 0 && !closed(d)
}

fn closed(d: &DossierRow) -> bool {
    matches!(
        DossierStatus::parse(&d.status),
        Ok(DossierStatus::Refused | DossierStatus::Stopped | DossierStatus::Withdrawn)
    )
}

/// A payment just started: send the browser to `redirect_url` (303).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentStart {
    pub reference: String,
    pub amount_vnd: i64,
    pub redirect_url: String,
}

/// How the outcome of a payment became known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmedBy {
    /// The gateway's signed server-to-server notice.
    Callback,
    /// The signed parameters of the browser's return.
    Return,
    /// Our query of the gateway's transaction API.
    Reconciliation,
}

impl ConfirmedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfirmedBy::Callback => "callback",
            ConfirmedBy::Return => "return",
            ConfirmedBy::Reconciliation => "reconciliation",
        }
    }
}

/// The result of a notice: the payment as it now is, its dossier's code, and whether this
/// notice changed anything (`false` for a repeat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentConfirmation {
    pub payment: PaymentRow,
    pub dossier_code: String,
    pub changed: bool,
}

/// What the gateway's transaction API answered for one reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupAnswer {
    /// The JSON notice and its signature header.
    Found {
        body: Vec<u8>,
        signature: Option<String>,
    },
    /// The gateway has no payment with this reference (404).
    NotFound,
}

/// The gateway's transaction API, as reconciliation sees it (the HTTP client is the edge's:
/// `tuphap_web::payment::HttpGatewayLookup`).
pub trait GatewayLookup: Sync {
    /// GETs `url` (from [`PaymentGateway::transaction_url`]); `Err` (a message) when the gateway
    /// could not be asked.
    fn lookup(
        &self,
        url: &str,
    ) -> impl Future<Output = std::result::Result<LookupAnswer, String>> + Send;
}

/// What one reconciliation run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Pending payments looked up.
    pub checked: usize,
    pub paid: usize,
    pub cancelled: usize,
    pub failed: usize,
    /// Still pending (the gateway does not know them yet, not abandoned).
    pub pending: usize,
    /// Lookups that failed (gateway down, bad signature): tried again next run.
    pub errors: usize,
}

fn not_configured() -> DomainError {
    DomainError::new(
        ErrorKind::Unavailable,
        "payment_not_configured",
        "Chức năng thanh toán trực tuyến chưa được cấu hình (cổng thanh toán).",
    )
}

fn bad_signature() -> DomainError {
    DomainError::new(
        ErrorKind::BadRequest,
        "payment_signature_invalid",
        "Chữ ký của thông báo thanh toán không hợp lệ.",
    )
}

fn not_found(code: &str) -> DomainError {
    DomainError::not_found(
        "dossier_not_found",
        format!("Không tìm thấy hồ sơ có mã \u{201c}{code}\u{201d}."),
    )
}

/// A reference the gateway knows the payment by: `LP` + the dossier id + 12 random hex digits.
fn new_reference(dossier_id: i64) -> String {
    let r: [u8; 6] = rand::random();
    format!("LP{dossier_id}-{}", hex::encode_upper(r))
}

impl App {
    fn gateway(&self) -> Result<&PaymentGateway> {
        self.payment_gateway.as_deref().ok_or_else(not_configured)
    }

    /// The applicant starts paying the fee of a dossier: a new `pending` payment and the signed
    /// URL of the gateway's page. Refused when the gateway is not configured (503
    /// `payment_not_configured`), for anyone but the applicant (404 `dossier_not_found`), when
    /// there is no fee (409 `payment_not_required`), when it is paid (409
    /// `payment_already_made`) or the dossier is closed (409 `payment_dossier_closed`).
    pub async fn start_dossier_payment(
        &self,
        citizen: &Citizen,
        meta: &RequestMeta,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<PaymentStart> {
        let gw = self.gateway()?;
        let code = code.trim().to_ascii_uppercase();
        let d = self
            .store
            .dossier_by_code(&code)
            .await?
            .filter(|d| d.applicant_personal_id == citizen.personal_id)
            .ok_or_else(|| not_found(&code))?;
        if d.fee_vnd <= 0 {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "payment_not_required",
                "Hồ sơ này không phải nộp lệ phí.",
            ));
        }
        if d.paid_online != 0 {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "payment_already_made",
                "Lệ phí của hồ sơ này đã được thanh toán.",
            ));
        }
        if closed(&d) {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "payment_dossier_closed",
                "Hồ sơ đã kết thúc (bị từ chối, dừng hoặc rút) nên không thanh toán lệ phí.",
            ));
        }
        let reference = new_reference(d.id);
        let at = micros(now);
        let mut tx = self.store.begin().await?;
        tx.payment_insert(&NewPayment {
            dossier_id: d.id,
            reference: reference.clone(),
            amount_vnd: d.fee_vnd,
            created_at: at,
        })
        .await?;
        let mut audit = citizen.audit(meta, "dossier.payment_started");
        audit.target_type = Some("dossier".into());
        audit.target_id = Some(d.code.clone());
        audit.details = Some(json!({"reference": reference, "amount_vnd": d.fee_vnd}));
        tx.commit_with(&[audit], &[]).await?;
        let amount = d.fee_vnd.to_string();
        let order_info = format!("Lệ phí hồ sơ {}", d.code);
        let query = proto::signed_query(
            &gw.secret,
            &[
                ("amount", amount.as_str()),
                ("merchant", gw.merchant.as_str()),
                ("order_info", order_info.as_str()),
                ("reference", reference.as_str()),
                ("return_url", gw.return_url.as_str()),
            ],
        );
        Ok(PaymentStart {
            redirect_url: format!("{}/pay?{query}", gw.base()),
            reference,
            amount_vnd: d.fee_vnd,
        })
    }

    /// The gateway's server-to-server notice: `body` is the JSON [`Notice`], `signature` the
    /// [`proto::SIGNATURE_HEADER`]. Refusals (400): `payment_signature_invalid`,
    /// `payment_notice_invalid`, `payment_merchant_mismatch`, `payment_amount_mismatch`; 404
    /// `payment_not_found`.
    pub async fn confirm_payment_callback(
        &self,
        meta: &RequestMeta,
        body: &[u8],
        signature: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<PaymentConfirmation> {
        let notice = self.verified_notice(meta, body, signature).await?;
        self.confirm_payment(meta, &notice, ConfirmedBy::Callback, now)
            .await
    }

    /// The browser's return from the gateway: the query parameters, signed. Same refusals as
    /// [`App::confirm_payment_callback`].
    pub async fn confirm_payment_return(
        &self,
        meta: &RequestMeta,
        params: &[(String, String)],
        now: OffsetDateTime,
    ) -> Result<PaymentConfirmation> {
        let gw = self.gateway()?;
        if !proto::verify_params(&gw.secret, params) {
            self.refusal_audit(meta, "payment_signature_invalid", None)
                .await;
            return Err(bad_signature());
        }
        let notice = Notice::from_params(params).ok_or_else(notice_invalid)?;
        self.confirm_payment(meta, &notice, ConfirmedBy::Return, now)
            .await
    }

    async fn verified_notice(
        &self,
        meta: &RequestMeta,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<Notice> {
        let gw = self.gateway()?;
        if !signature.is_some_and(|s| proto::verify(&gw.secret, body, s)) {
            self.refusal_audit(meta, "payment_signature_invalid", None)
                .await;
            return Err(bad_signature());
        }
        serde_json::from_slice(body).map_err(|_| notice_invalid())
    }

    async fn refusal_audit(&self, meta: &RequestMeta, code: &str, reference: Option<&str>) {
        let entry = NewAuditEntry {
            actor_username: Some("payment-gateway".into()),
            source_ip: meta.source_ip.clone(),
            request_id: meta.request_id.clone(),
            action: "dossier.payment_notice".into(),
            target_type: reference.map(|_| "payment".to_string()),
            target_id: reference.map(str::to_string),
            outcome: Some(Outcome::Denied),
            details: Some(json!({"code": code})),
            ..NewAuditEntry::default()
        };
        if let Err(e) = self.store.audit(&[entry]).await {
            tracing::warn!(error = %e, "audit of a refused payment notice failed");
        }
    }

    /// Settles a payment from a notice whose signature was verified: checks merchant,
    /// reference and amount, then (once) the payment row and, when paid, the dossier, its
    /// `paid` event, the audit entry and the change-log row, in one transaction.
    pub async fn confirm_payment(
        &self,
        meta: &RequestMeta,
        notice: &Notice,
        via: ConfirmedBy,
        now: OffsetDateTime,
    ) -> Result<PaymentConfirmation> {
        let gw = self.gateway()?;
        if notice.merchant != gw.merchant {
            self.refusal_audit(meta, "payment_merchant_mismatch", Some(&notice.reference))
                .await;
            return Err(DomainError::new(
                ErrorKind::BadRequest,
                "payment_merchant_mismatch",
                "Thông báo thanh toán không phải của đơn vị này.",
            ));
        }
        let at = micros(now);
        let mut tx = self.store.begin().await?;
        let Some(p) = tx
            .payment_by_reference_for_update(&notice.reference)
            .await?
        else {
            drop(tx);
            self.refusal_audit(meta, "payment_not_found", Some(&notice.reference))
                .await;
            return Err(DomainError::not_found(
                "payment_not_found",
                format!(
                    "Không có giao dịch thanh toán mã \u{201c}{}\u{201d}.",
                    notice.reference
                ),
            ));
        };
        if notice.amount != p.amount_vnd {
            drop(tx);
            self.refusal_audit(meta, "payment_amount_mismatch", Some(&p.reference))
                .await;
            return Err(DomainError::new(
                ErrorKind::BadRequest,
                "payment_amount_mismatch",
                format!(
                    "Số tiền trong thông báo ({} đồng) khác số tiền phải nộp ({} đồng).",
                    notice.amount, p.amount_vnd
                ),
            ));
        }
        let d = self
            .store
            .dossier_by_id(p.dossier_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        if p.status != "pending" {
            // A repeat (or the second of callback and return): nothing to do.
            drop(tx);
            return Ok(PaymentConfirmation {
                payment: p,
                dossier_code: d.code,
                changed: false,
            });
        }
        let paid_at = (notice.status == TxnStatus::Paid).then(|| {
            notice
                .paid_at
                .as_deref()
                .and_then(|s| {
                    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
                })
                .map_or(at, micros)
        });
        let settlement = PaymentSettlement {
            status: notice.status.as_str(),
            gateway_txn: Some(notice.txn.as_str()).filter(|t| !t.is_empty()),
            confirmed_by: via.as_str(),
            paid_at,
            at,
        };
        let changed = tx.payment_settle(p.id, &settlement).await?;
        let details = json!({
            "reference": p.reference,
            "amount_vnd": p.amount_vnd,
            "gateway_txn": notice.txn,
            "confirmed_by": via.as_str(),
        });
        let gateway_actor = format!("payment-gateway:{}", gw.merchant);
        let mut audits = Vec::new();
        let mut changes = Vec::new();
        if changed && notice.status == TxnStatus::Paid {
            let mut d = tx
                .dossier_by_code_for_update(&d.code)
                .await?
                .ok_or_else(DomainError::internal)?;
            if d.paid_online == 0 {
                d.paid_online = 2;
                d.updated_at = at;
                tx.dossier_update(&d).await?;
            }
            tx.dossier_event_insert(&NewDossierEvent {
                dossier_id: d.id,
                kind: "paid".into(),
                at,
                by_user_id: None,
                by_personal_id: None,
                status_before: Some(d.status.clone()),
                status_after: d.status.clone(),
                due_before: d.due_on,
                due_after: d.due_on,
                details: details.clone(),
            })
            .await?;
            let office = self
                .store
                .office_by_id(d.office_id)
                .await?
                .ok_or_else(DomainError::internal)?;
            changes.push(NewChange {
                entity: "dossier".into(),
                entity_id: d.code.clone(),
                action: "paid".into(),
                actor_user_id: None,
                payload: portal_payload(&d, &office),
            });
            audits.push(NewAuditEntry {
                actor_username: Some(gateway_actor),
                source_ip: meta.source_ip.clone(),
                request_id: meta.request_id.clone(),
                action: "dossier.paid".into(),
                target_type: Some("dossier".into()),
                target_id: Some(d.code.clone()),
                outcome: Some(Outcome::Success),
                details: Some(details),
                ..NewAuditEntry::default()
            });
        } else if changed {
            audits.push(NewAuditEntry {
                actor_username: Some(gateway_actor),
                source_ip: meta.source_ip.clone(),
                request_id: meta.request_id.clone(),
                action: format!("dossier.payment_{}", notice.status.as_str()),
                target_type: Some("dossier".into()),
                target_id: Some(d.code.clone()),
                outcome: Some(Outcome::Success),
                details: Some(details),
                ..NewAuditEntry::default()
            });
        }
        tx.commit_with(&audits, &changes).await?;
        let payment = self
            .store
            .payment_by_reference(&p.reference)
            .await?
            .ok_or_else(DomainError::internal)?;
        Ok(PaymentConfirmation {
            payment,
            dossier_code: d.code,
            changed,
        })
    }

    /// Looks up at the gateway every payment pending for longer than `older_than` and settles
    /// it from the gateway's signed answer; one the gateway does not know is `failed` once older
    /// than [`PAYMENT_ABANDONED_AFTER`]. At most 200 a run (oldest first).
    pub async fn reconcile_payments<L: GatewayLookup>(
        &self,
        lookup: &L,
        older_than: time::Duration,
        now: OffsetDateTime,
    ) -> Result<ReconcileReport> {
        let gw = self.gateway()?.clone();
        let meta = RequestMeta::default();
        let pending = self
            .store
            .payments_pending_before(micros(now - older_than).saturating_add(1), 200)
            .await?;
        let mut report = ReconcileReport::default();
        for p in pending {
            report.checked += 1;
            let answer = match lookup.lookup(&gw.transaction_url(&p.reference)).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(reference = %p.reference, error = %e, "payment lookup failed");
                    report.errors += 1;
                    continue;
                }
            };
            let notice = match answer {
                LookupAnswer::NotFound => {
                    if p.created_at < micros(now - PAYMENT_ABANDONED_AFTER) {
                        Notice {
                            merchant: gw.merchant.clone(),
                            reference: p.reference.clone(),
                            amount: p.amount_vnd,
                            status: TxnStatus::Failed,
                            txn: String::new(),
                            paid_at: None,
                        }
                    } else {
                        report.pending += 1;
                        continue;
                    }
                }
                LookupAnswer::Found { body, signature } => {
                    match self
                        .verified_notice(&meta, &body, signature.as_deref())
                        .await
                    {
                        Ok(n) if n.reference == p.reference => n,
                        Ok(_) | Err(_) => {
                            tracing::warn!(reference = %p.reference, "gateway answer refused");
                            report.errors += 1;
                            continue;
                        }
                    }
                }
            };
            match self
                .confirm_payment(&meta, &notice, ConfirmedBy::Reconciliation, now)
                .await
            {
                Ok(c) if c.changed => match notice.status {
                    TxnStatus::Paid => report.paid += 1,
                    TxnStatus::Cancelled => report.cancelled += 1,
                    TxnStatus::Failed => report.failed += 1,
                },
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(reference = %p.reference, error = %e, "reconciliation refused");
                    report.errors += 1;
                }
            }
        }
        Ok(report)
    }

    /// A dossier's payments, oldest first (for its page).
    pub async fn dossier_payments(&self, dossier_id: i64) -> Result<Vec<PaymentRow>> {
        Ok(self.store.payments_of_dossier(dossier_id).await?)
    }
}

fn notice_invalid() -> DomainError {
    DomainError::new(
        ErrorKind::BadRequest,
        "payment_notice_invalid",
        "Thông báo thanh toán thiếu thông tin hoặc sai định dạng.",
    )
}

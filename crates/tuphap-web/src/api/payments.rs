//! The payment gateway's server-to-server callback (IPN) for dossier fees (issue 7):
//! `POST /api/v1/payments/callback`, no login — the body (a JSON notice) is authenticated by its
//! HMAC-SHA256 signature in the `x-payment-signature` header (`tuphap_core::payment`). Answers
//! 200 with the payment's state (also for a repeated notice, which changes nothing), or a 4xx
//! with a machine code; never a 500 for bad input.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use tuphap_core::payment::SIGNATURE_HEADER;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::Meta;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(payment_callback))
}

/// The gateway's notice of one payment (the body that is signed, byte for byte).
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentNotice {
    /// Our merchant id at the gateway.
    pub merchant: String,
    /// The payment's reference (given by us when the citizen started paying).
    pub reference: String,
    /// In đồng; must equal the amount asked.
    pub amount: i64,
    /// `paid`, `cancelled` or `failed`.
    pub status: String,
    /// The gateway's transaction number.
    pub txn: String,
    /// RFC 3339, when paid.
    pub paid_at: Option<String>,
}

/// The payment after the notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentCallbackAnswer {
    pub reference: String,
    /// `pending`, `paid`, `failed`, `cancelled`.
    pub status: String,
    pub dossier_code: String,
    /// `false` when the notice repeated one already taken (nothing changed).
    pub changed: bool,
}

/// Server-to-server notice of the payment gateway (IPN): settles the payment and, when paid,
/// marks the dossier paid online (`DuocThanhToanTrucTuyen` = 2) with a `paid` event. Header
/// `x-payment-signature`: lowercase hex HMAC-SHA256 of the raw body with the merchant's secret.
/// Refusals: 400 `payment_signature_invalid`, `payment_notice_invalid`,
/// `payment_merchant_mismatch`, `payment_amount_mismatch`; 404 `payment_not_found`; 503
/// `payment_not_configured`.
#[utoipa::path(
    post, path = "/api/v1/payments/callback", tag = "payments",
    params(("x-payment-signature" = String, Header, example = "3f1c0d5e9a7b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d")),
    request_body(content = PaymentNotice, example = json!({
        "merchant": "TUPHAP", "reference": "LP42-0A1B2C3D4E5F", "amount": 8000,
        "status": "paid", "txn": "GW00000017", "paid_at": "2026-11-27T09:15:00Z"
    })),
    responses(
        (status = 200, body = PaymentCallbackAnswer, example = json!({
            "reference": "LP42-0A1B2C3D4E5F", "status": "paid",
            "dossier_code": "000.00.04.H26-261127-0001", "changed": true
        })),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
async fn payment_callback(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PaymentCallbackAnswer>, ApiError> {
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    let c = state
        .app
        .confirm_payment_callback(&meta, &body, signature, tuphap_store::now_utc())
        .await?;
    Ok(Json(PaymentCallbackAnswer {
        reference: c.payment.reference,
        status: c.payment.status,
        dossier_code: c.dossier_code,
        changed: c.changed,
    }))
}

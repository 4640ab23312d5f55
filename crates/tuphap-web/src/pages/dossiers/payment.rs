//! Fee payment of a dossier through the payment gateway (issue 7; the use cases are
//! `tuphap_domain::online::payment`):
//!
//! - `POST /citizen/dossiers/{code}/pay` (the logged-in applicant, CSRF of the citizen session):
//!   a new pending payment, then 303 to the gateway's signed payment page. Refusals are a page
//!   with the code (`payment_not_required`, `payment_already_made`, `payment_dossier_closed` 409,
//!   `dossier_not_found` 404, `payment_not_configured` 503).
//! - `GET /citizen/payments/return?…&signature=…`: where the gateway sends the browser back. The
//!   signed parameters are enough (no session needed: a citizen whose session ended while paying
//!   still gets the payment recorded); the page says "Đã thanh toán" (or cancelled / failed) and
//!   links back to `/citizen/dossiers/{code}`. A bad signature is a 400 page, nothing is changed.
//!
//! The gateway's server-to-server callback is in the API (`api::payments`,
//! `POST /api/v1/payments/callback`).

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_core::payment::parse_query;
use tuphap_domain::DomainError;

use super::{CitizenPage, citizen_csrf_refused};
use crate::error::status_of;
use crate::extract::Meta;
use crate::pages::Layout;
use crate::pages::reference::html;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "citizen_payment.html")]
pub struct PaymentPage {
    pub l: Layout,
    /// `paid`, `cancelled`, `failed`, `pending` or `error` (for tests and styling).
    pub outcome: String,
    pub heading: String,
    pub message: String,
    pub dossier_code: Option<String>,
    /// Formatted `8.000 đồng`.
    pub amount: Option<String>,
    pub reference: Option<String>,
    pub txn: Option<String>,
    pub error_code: Option<String>,
}

fn error_response(e: &DomainError, dossier_code: Option<String>, csrf: String) -> Response {
    let page = PaymentPage {
        l: Layout::public("Thanh toán lệ phí", csrf),
        outcome: "error".into(),
        heading: "Không thể thanh toán".into(),
        message: e.message.clone(),
        dossier_code,
        amount: None,
        reference: None,
        txn: None,
        error_code: Some(e.code.to_string()),
    };
    let mut r = html(status_of(e.kind), page.render());
    if let Ok(v) = HeaderValue::from_str(e.code) {
        r.headers_mut().insert("x-error-code", v);
    }
    r
}

#[derive(Debug, Default, Deserialize)]
pub struct PayForm {
    #[serde(default)]
    pub csrf: String,
}

/// `POST /citizen/dossiers/{code}/pay`.
pub async fn pay(
    State(state): State<AppState>,
    Meta(meta): Meta,
    CitizenPage(citizen): CitizenPage,
    Path(code): Path<String>,
    form: Result<Form<PayForm>, FormRejection>,
) -> Response {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    if let Some(r) = citizen_csrf_refused(&citizen, &form.csrf) {
        return r;
    }
    match state
        .app
        .start_dossier_payment(&citizen, &meta, &code, tuphap_store::now_utc())
        .await
    {
        Ok(start) => Redirect::to(&start.redirect_url).into_response(),
        Err(e) => error_response(&e, Some(code), citizen.csrf_token.clone()),
    }
}

/// `GET /citizen/payments/return`.
pub async fn payment_return(
    State(state): State<AppState>,
    Meta(meta): Meta,
    RawQuery(q): RawQuery,
) -> Response {
    let params = parse_query(q.as_deref().unwrap_or_default());
    match state
        .app
        .confirm_payment_return(&meta, &params, tuphap_store::now_utc())
        .await
    {
        Ok(c) => {
            let p = &c.payment;
            let (heading, message) = match p.status.as_str() {
                "paid" => (
                    "Đã thanh toán",
                    format!(
                        "Lệ phí của hồ sơ {} đã được thanh toán. Cơ quan giải quyết sẽ tiếp tục xử lý hồ sơ.",
                        c.dossier_code
                    ),
                ),
                "cancelled" => (
                    "Đã huỷ thanh toán",
                    "Bạn đã huỷ thanh toán trên cổng thanh toán; lệ phí chưa được nộp. Bạn có thể thanh toán lại từ trang hồ sơ.".to_string(),
                ),
                "failed" => (
                    "Thanh toán không thành công",
                    "Cổng thanh toán báo giao dịch không thành công; lệ phí chưa được nộp. Bạn có thể thanh toán lại từ trang hồ sơ.".to_string(),
                ),
                _ => (
                    "Đang chờ xác nhận",
                    "Chưa nhận được xác nhận của cổng thanh toán; trang hồ sơ sẽ cập nhật khi có kết quả.".to_string(),
                ),
            };
            let page = PaymentPage {
                l: Layout::public(heading, String::new()),
                outcome: p.status.clone(),
                heading: heading.into(),
                message,
                dossier_code: Some(c.dossier_code.clone()),
                amount: Some(tuphap_core::text::vnd(p.amount_vnd)),
                reference: Some(p.reference.clone()),
                txn: p.gateway_txn.clone(),
                error_code: None,
            };
            let mut r = html(StatusCode::OK, page.render());
            r.headers_mut()
                .insert("cache-control", HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => error_response(&e, None, String::new()),
    }
}

//! A test double of a payment gateway (VNPay/Keypay-style) for the fees of online dossiers. It
//! is NOT a real gateway: no money moves, the "payer" just presses "Thanh toán" or "Huỷ" on a
//! plain page. Only the protocol is real (`tuphap_core::payment`: HMAC-SHA256 with the
//! merchant's shared secret), so that the merchant side (`tuphap serve`) runs its full flow over
//! HTTP in the demo and in the tests.
//!
//! - `GET /pay?amount&merchant&order_info&reference&return_url&signature`: the payment page
//!   (amount, what for, two forms). A bad signature, an unknown merchant or a malformed amount is
//!   refused with a page of its own (400), never a redirect.
//! - `POST /pay` (the page's forms: the same parameters + `action=pay|cancel`): records the
//!   transaction (`GW` + 8 digits), sends the signed callback (JSON [`Notice`], header
//!   `x-payment-signature`) to the merchant's callback URL, then redirects the browser (303) to
//!   `return_url` with the signed result. A reference paid or cancelled before gets its first
//!   outcome again (no second charge, no second callback).
//! - `GET /api/transactions/{reference}?merchant&signature` (signature of `merchant` and
//!   `reference`): the signed [`Notice`] of the transaction, or 404 `transaction_not_found`
//!   (reconciliation).
//! - Merchants: `--payment-merchant ID:SECRET:CALLBACK_URL` or `POST /sim/payment/merchants`
//!   `{"merchant_id","secret","callback_url"}` (kept in the state file).
//! - Fault injection: `POST /sim/payment/fault {"drop_callbacks": true}` (or
//!   `--payment-drop-callbacks`): transactions are recorded but no callback is sent, to test
//!   reconciliation. `GET /sim/payment/transactions` lists what was recorded (with the callback's
//!   HTTP status).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tuphap_core::payment::{self as proto, Notice, TxnStatus};

use crate::Sim;

/// A merchant registered at the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merchant {
    pub merchant_id: String,
    pub secret: String,
    /// Where the server-to-server callback (IPN) is POSTed.
    pub callback_url: String,
}

impl Merchant {
    /// Parses `ID:SECRET:CALLBACK_URL` (the URL may itself contain `:`).
    pub fn parse(s: &str) -> Option<Merchant> {
        let mut parts = s.splitn(3, ':');
        let (id, secret, url) = (parts.next()?, parts.next()?, parts.next()?);
        if id.is_empty() || secret.is_empty() || !url.starts_with("http") {
            return None;
        }
        Some(Merchant {
            merchant_id: id.into(),
            secret: secret.into(),
            callback_url: url.into(),
        })
    }
}

/// Settings of the gateway double.
#[derive(Debug, Clone, Default)]
pub struct PaymentConfig {
    pub merchants: Vec<Merchant>,
    /// Start without sending callbacks (`POST /sim/payment/fault` changes it at run time).
    pub drop_callbacks: bool,
}

/// One recorded transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub notice: Notice,
    pub order_info: String,
    /// HTTP status of the callback, `0` when it could not be delivered, `None` when dropped.
    pub callback_status: Option<u16>,
}

/// What the state file keeps of the gateway.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentState {
    /// Merchants registered at run time.
    pub merchants: Vec<Merchant>,
    /// `merchant/reference` → transaction.
    pub transactions: BTreeMap<String, Transaction>,
    pub next_txn: u64,
}

/// In-memory part of the gateway.
pub(crate) struct Gateway {
    config: PaymentConfig,
    drop_callbacks: AtomicBool,
    http: reqwest::Client,
}

impl Gateway {
    pub(crate) fn new(config: PaymentConfig) -> Gateway {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Gateway {
            drop_callbacks: AtomicBool::new(config.drop_callbacks),
            config,
            http,
        }
    }
}

/// Fault injection.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PaymentFault {
    #[serde(default)]
    pub drop_callbacks: bool,
}

pub(crate) fn router() -> axum::Router<Sim> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/pay", get(pay_page).post(pay_submit))
        .route("/api/transactions/{reference}", get(transaction))
        .route("/sim/payment/merchants", post(register_merchant))
        .route("/sim/payment/fault", post(set_fault))
        .route("/sim/payment/transactions", get(transactions))
}

impl Sim {
    fn gateway(&self) -> Option<&Gateway> {
        self.0.payment.as_ref()
    }

    fn merchant(&self, id: &str) -> Option<Merchant> {
        let configured = self
            .gateway()?
            .config
            .merchants
            .iter()
            .find(|m| m.merchant_id == id)
            .cloned();
        configured.or_else(|| {
            self.with_state(|s| {
                s.payment
                    .merchants
                    .iter()
                    .find(|m| m.merchant_id == id)
                    .cloned()
            })
        })
    }

    /// Registers (or replaces) a merchant at run time; kept in the state file.
    pub fn register_payment_merchant(&self, m: Merchant) -> std::io::Result<()> {
        let mut guard = match self.0.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        guard
            .payment
            .merchants
            .retain(|x| x.merchant_id != m.merchant_id);
        guard.payment.merchants.push(m);
        self.0.file.save(&guard)
    }

    /// Stops (or resumes) sending callbacks; no effect without the gateway.
    pub fn set_payment_drop_callbacks(&self, drop: bool) {
        if let Some(g) = self.gateway() {
            g.drop_callbacks.store(drop, Ordering::SeqCst);
        }
    }

    /// The recorded transactions, by `merchant/reference`.
    pub fn payment_transactions(&self) -> BTreeMap<String, Transaction> {
        self.with_state(|s| s.payment.transactions.clone())
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Cổng thanh toán (mô phỏng)</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:32rem;margin:0 auto;padding:1rem;background:#f3f7f4}}\
         h1{{color:#05603a;font-size:1.4rem}} .card{{background:#fff;border-radius:.5rem;padding:1rem;margin:.75rem 0}}\
         .amount{{font-size:1.8rem;font-weight:bold}} dt{{color:#555;font-size:.9rem}} dd{{margin:0 0 .6rem}}\
         button{{font:inherit;font-size:1rem;padding:.7rem 1rem;width:100%;margin:.25rem 0;border-radius:.4rem;border:1px solid #05603a;background:#fff}}\
         button.primary{{background:#05603a;color:#fff}} .note{{color:#555;font-size:.9rem}}\
         </style></head><body><h1>Cổng thanh toán (mô phỏng)</h1>\
         <p class=\"note\">Cổng thanh toán <strong>mô phỏng</strong>, chỉ dùng để thử nghiệm: \
         không có tiền thật được chuyển.</p>{body}</body></html>"
    );
    (status, Html(html)).into_response()
}

fn error_page(status: StatusCode, code: &str, message: &str) -> Response {
    let mut r = page(
        status,
        &format!(
            "<div class=\"card\" role=\"alert\"><h2>Không thể thanh toán</h2><p>{}</p>\
             <p class=\"note\">Mã lỗi: <code>{}</code></p></div>",
            esc(message),
            esc(code)
        ),
    );
    if let Ok(v) = HeaderValue::from_str(code) {
        r.headers_mut().insert("x-error-code", v);
    }
    r
}

/// `1234567` → `1.234.567` (Vietnamese thousands separator).
fn vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if amount < 0 {
        out.insert(0, '-');
    }
    out
}

/// A checked payment request.
struct Request {
    merchant: Merchant,
    reference: String,
    amount: i64,
    order_info: String,
    return_url: String,
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Checks the redirect's parameters (without `action`) and their signature; a refusal is its
/// code and message.
fn check(sim: &Sim, params: &[(String, String)]) -> Result<Request, (&'static str, &'static str)> {
    let Some(merchant) = get(params, "merchant").and_then(|m| sim.merchant(m)) else {
        return Err((
            "merchant_unknown",
            "Đơn vị bán hàng không đăng ký với cổng thanh toán.",
        ));
    };
    if !proto::verify_params(&merchant.secret, params) {
        return Err((
            "signature_invalid",
            "Chữ ký của yêu cầu thanh toán không hợp lệ: yêu cầu có thể đã bị sửa đổi.",
        ));
    }
    let amount = get(params, "amount")
        .and_then(|a| a.parse::<i64>().ok())
        .filter(|a| *a > 0);
    let Some(amount) = amount else {
        return Err((
            "amount_invalid",
            "Số tiền phải là một số nguyên dương (đồng).",
        ));
    };
    let reference = get(params, "reference").unwrap_or_default().trim();
    if reference.is_empty() || reference.len() > 64 {
        return Err((
            "reference_invalid",
            "Mã giao dịch của đơn vị bán hàng phải có từ 1 đến 64 ký tự.",
        ));
    }
    let return_url = get(params, "return_url").unwrap_or_default();
    if !(return_url.starts_with("http://") || return_url.starts_with("https://")) {
        return Err((
            "return_url_invalid",
            "Địa chỉ trả về phải là một URL http(s).",
        ));
    }
    Ok(Request {
        reference: reference.to_string(),
        amount,
        order_info: get(params, "order_info").unwrap_or_default().to_string(),
        return_url: return_url.to_string(),
        merchant,
    })
}

fn key(merchant: &str, reference: &str) -> String {
    format!("{merchant}/{reference}")
}

async fn pay_page(State(sim): State<Sim>, RawQuery(q): RawQuery) -> Response {
    let params = proto::parse_query(q.as_deref().unwrap_or_default());
    let r = match check(&sim, &params) {
        Ok(r) => r,
        Err((code, message)) => return error_page(StatusCode::BAD_REQUEST, code, message),
    };
    if let Some(t) = sim.with_state(|s| {
        s.payment
            .transactions
            .get(&key(&r.merchant.merchant_id, &r.reference))
            .cloned()
    }) {
        return error_page(
            StatusCode::CONFLICT,
            "transaction_done",
            &format!(
                "Giao dịch {} đã được xử lý ({}).",
                t.notice.reference,
                match t.notice.status {
                    TxnStatus::Paid => "đã thanh toán",
                    TxnStatus::Cancelled => "đã huỷ",
                    TxnStatus::Failed => "không thành công",
                }
            ),
        );
    }
    let hidden: String = params
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                esc(k),
                esc(v)
            )
        })
        .collect();
    let body = format!(
        "<div class=\"card\"><dl><dt>Đơn vị nhận tiền</dt><dd>{merchant}</dd>\
         <dt>Nội dung</dt><dd>{info}</dd><dt>Mã giao dịch</dt><dd><code>{reference}</code></dd>\
         <dt>Số tiền</dt><dd class=\"amount\" data-amount=\"{amount}\">{amount_vi} đ</dd></dl>\
         <form method=\"post\" action=\"/pay\">{hidden}<input type=\"hidden\" name=\"action\" value=\"pay\">\
         <button type=\"submit\" class=\"primary\">Thanh toán</button></form>\
         <form method=\"post\" action=\"/pay\">{hidden}<input type=\"hidden\" name=\"action\" value=\"cancel\">\
         <button type=\"submit\">Huỷ</button></form></div>",
        merchant = esc(&r.merchant.merchant_id),
        info = esc(&r.order_info),
        reference = esc(&r.reference),
        amount = r.amount,
        amount_vi = vnd(r.amount),
    );
    page(StatusCode::OK, &body)
}

async fn pay_submit(State(sim): State<Sim>, Form(form): Form<Vec<(String, String)>>) -> Response {
    let action = get(&form, "action").unwrap_or_default().to_string();
    let params: Vec<(String, String)> = form.into_iter().filter(|(k, _)| k != "action").collect();
    let r = match check(&sim, &params) {
        Ok(r) => r,
        Err((code, message)) => return error_page(StatusCode::BAD_REQUEST, code, message),
    };
    let status = match action.as_str() {
        "pay" => TxnStatus::Paid,
        "cancel" => TxnStatus::Cancelled,
        _ => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "action_invalid",
                "Hãy chọn \u{201c}Thanh toán\u{201d} hoặc \u{201c}Huỷ\u{201d}.",
            );
        }
    };
    let k = key(&r.merchant.merchant_id, &r.reference);
    // Record the transaction (or find the first outcome of this reference).
    let (notice, first) = {
        let mut guard = match sim.0.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(t) = guard.payment.transactions.get(&k) {
            (t.notice.clone(), false)
        } else {
            guard.payment.next_txn += 1;
            let now = time::OffsetDateTime::now_utc();
            let notice = Notice {
                merchant: r.merchant.merchant_id.clone(),
                reference: r.reference.clone(),
                amount: r.amount,
                status,
                txn: format!("GW{:08}", guard.payment.next_txn),
                paid_at: (status == TxnStatus::Paid)
                    .then(|| {
                        now.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .flatten(),
            };
            guard.payment.transactions.insert(
                k.clone(),
                Transaction {
                    notice: notice.clone(),
                    order_info: r.order_info.clone(),
                    callback_status: None,
                },
            );
            if let Err(e) = sim.0.file.save(&guard) {
                guard.payment.transactions.remove(&k);
                return error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "state_not_saved",
                    &format!("Không ghi được tệp trạng thái của cổng thanh toán: {e}."),
                );
            }
            (notice, true)
        }
    };
    if first
        && let Some(gw) = sim.gateway()
        && !gw.drop_callbacks.load(Ordering::SeqCst)
    {
        let status = send_callback(gw, &r.merchant, &notice).await;
        let mut guard = match sim.0.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(t) = guard.payment.transactions.get_mut(&k) {
            t.callback_status = Some(status);
        }
        let _ = sim.0.file.save(&guard);
    }
    let query = proto::signed_query(&r.merchant.secret, &notice.to_params());
    let sep = if r.return_url.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{}{sep}{query}", r.return_url)).into_response()
}

/// POSTs the signed notice to the merchant; its HTTP status (0: not delivered).
async fn send_callback(gw: &Gateway, m: &Merchant, notice: &Notice) -> u16 {
    let Ok(body) = serde_json::to_vec(notice) else {
        return 0;
    };
    let sig = proto::sign(&m.secret, &body);
    match gw
        .http
        .post(&m.callback_url)
        .header(header::CONTENT_TYPE, "application/json")
        .header(proto::SIGNATURE_HEADER, sig)
        .body(body)
        .send()
        .await
    {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"code": code, "message": message})),
    )
        .into_response()
}

async fn transaction(
    State(sim): State<Sim>,
    Path(reference): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let params = proto::parse_query(q.as_deref().unwrap_or_default());
    let Some(merchant) = get(&params, "merchant").and_then(|m| sim.merchant(m)) else {
        return json_error(
            StatusCode::UNAUTHORIZED,
            "merchant_unknown",
            "Đơn vị bán hàng không đăng ký với cổng thanh toán.",
        );
    };
    let mut signed = vec![
        ("merchant".to_string(), merchant.merchant_id.clone()),
        ("reference".to_string(), reference.clone()),
    ];
    if let Some(sig) = get(&params, "signature") {
        signed.push(("signature".into(), sig.to_string()));
    }
    if !proto::verify_params(&merchant.secret, &signed) {
        return json_error(
            StatusCode::UNAUTHORIZED,
            "signature_invalid",
            "Chữ ký của yêu cầu tra cứu không hợp lệ.",
        );
    }
    let Some(t) = sim.with_state(|s| {
        s.payment
            .transactions
            .get(&key(&merchant.merchant_id, &reference))
            .cloned()
    }) else {
        return json_error(
            StatusCode::NOT_FOUND,
            "transaction_not_found",
            "Cổng thanh toán không có giao dịch với mã này.",
        );
    };
    let Ok(body) = serde_json::to_vec(&t.notice) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let sig = proto::sign(&merchant.secret, &body);
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&sig) {
        headers.insert(proto::SIGNATURE_HEADER, v);
    }
    (StatusCode::OK, headers, body).into_response()
}

async fn register_merchant(
    State(sim): State<Sim>,
    axum::Json(m): axum::Json<Merchant>,
) -> Response {
    if m.merchant_id.is_empty() || m.secret.is_empty() || !m.callback_url.starts_with("http") {
        return json_error(
            StatusCode::BAD_REQUEST,
            "merchant_invalid",
            "Cần merchant_id, secret và callback_url (http/https).",
        );
    }
    match sim.register_payment_merchant(m) {
        Ok(()) => axum::Json(json!({"registered": true})).into_response(),
        Err(e) => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "state_not_saved",
            &format!("Không ghi được tệp trạng thái: {e}."),
        ),
    }
}

async fn set_fault(State(sim): State<Sim>, axum::Json(f): axum::Json<PaymentFault>) -> Response {
    sim.set_payment_drop_callbacks(f.drop_callbacks);
    axum::Json(json!({"drop_callbacks": f.drop_callbacks})).into_response()
}

async fn transactions(State(sim): State<Sim>) -> Response {
    axum::Json(sim.payment_transactions()).into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn merchant_parses_id_secret_and_url_with_colons() {
        let m = Merchant::parse("TUPHAP:s3cret:http://127.0.0.1:8080/api/v1/payments/callback")
            .unwrap();
        assert_eq!(m.merchant_id, "TUPHAP");
        assert_eq!(m.secret, "s3cret");
        assert_eq!(
            m.callback_url,
            "http://127.0.0.1:8080/api/v1/payments/callback"
        );
        assert!(Merchant::parse("TUPHAP::http://x").is_none());
        assert!(Merchant::parse("TUPHAP:s:ftp://x").is_none());
    }

    #[test]
    fn amounts_use_vietnamese_thousands_separators() {
        assert_eq!(vnd(8000), "8.000");
        assert_eq!(vnd(1_234_567), "1.234.567");
        assert_eq!(vnd(500), "500");
    }

    #[test]
    fn transactions_and_merchants_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let config = || crate::SimConfig {
            agencies: vec![],
            state_file: Some(dir.path().join("sim.json")),
            payment: Some(PaymentConfig::default()),
            ..crate::SimConfig::default()
        };
        let sim = Sim::open(config()).unwrap();
        let m = Merchant::parse("M:k:http://127.0.0.1:1/cb").unwrap();
        sim.register_payment_merchant(m.clone()).unwrap();
        drop(sim);
        let sim = Sim::open(config()).unwrap();
        assert_eq!(sim.merchant("M"), Some(m));
    }
}

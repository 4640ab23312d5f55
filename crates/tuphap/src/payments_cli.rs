//! Fee payment of online dossiers through a payment gateway (issue 7): the gateway options of
//! `tuphap serve` and `tuphap payments reconcile`, the demo's merchant registration at the
//! simulated gateway, and the reconciliation command.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Subcommand};
use tuphap_domain::App;
use tuphap_domain::online::payment::PaymentGateway;

use crate::GlobalArgs;

/// Where the fees are paid. The secret is never put on the command line in production: use
/// `TUPHAP_PAYMENT_SECRET` or the file `<data dir>/payment-secret`.
#[derive(Args, Debug, Clone, Default)]
pub struct PaymentArgs {
    /// Fee payment of online dossiers: base URL of the payment gateway. With `--demo` and no
    /// gateway, the demo's simulated gateway is used.
    #[arg(long, env = "TUPHAP_PAYMENT_GATEWAY")]
    pub payment_gateway: Option<String>,
    /// Our merchant id at the payment gateway.
    #[arg(long, env = "TUPHAP_PAYMENT_MERCHANT", requires = "payment_gateway")]
    pub payment_merchant: Option<String>,
    /// The shared secret of the gateway's signatures (HMAC-SHA256); when absent, read from
    /// `<data dir>/payment-secret`.
    #[arg(
        long,
        env = "TUPHAP_PAYMENT_SECRET",
        hide_env_values = true,
        requires = "payment_gateway"
    )]
    pub payment_secret: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum PaymentsCommand {
    /// Ask the payment gateway about payments still pending (lost callbacks, closed browsers)
    /// and settle them; prints what was done.
    Reconcile {
        #[command(flatten)]
        gateway: PaymentArgs,
        /// Only payments pending for at least this many minutes.
        #[arg(long, default_value_t = 5)]
        older_than_minutes: i64,
    },
}

/// The gateway of `args` (`None` without `--payment-gateway`).
pub fn gateway_settings(
    args: &PaymentArgs,
    data_dir: &Path,
    public_url: &str,
) -> Result<Option<PaymentGateway>> {
    let Some(url) = &args.payment_gateway else {
        return Ok(None);
    };
    let merchant = args
        .payment_merchant
        .clone()
        .ok_or_else(|| anyhow!("--payment-gateway cần --payment-merchant"))?;
    let secret = match &args.payment_secret {
        Some(s) => s.clone(),
        None => {
            let file = data_dir.join("payment-secret");
            std::fs::read_to_string(&file)
                .with_context(|| {
                    format!(
                        "--payment-gateway cần --payment-secret (hoặc TUPHAP_PAYMENT_SECRET, hoặc tệp {})",
                        file.display()
                    )
                })?
                .trim()
                .to_string()
        }
    };
    if secret.is_empty() {
        return Err(anyhow!("khoá bí mật của cổng thanh toán rỗng"));
    }
    Ok(Some(PaymentGateway {
        url: url.trim_end_matches('/').to_string(),
        merchant,
        secret,
        return_url: return_url(public_url),
    }))
}

fn return_url(public_url: &str) -> String {
    format!(
        "{}/citizen/payments/return",
        public_url.trim_end_matches('/')
    )
}

/// The demo: registers merchant `tuphap-demo` with a fresh secret at the simulated gateway of
/// `sim_url` (`POST /sim/payment/merchants`), its callback at `<public URL>/api/v1/payments/callback`.
pub async fn demo_gateway(sim_url: &str, public_url: &str) -> Result<PaymentGateway> {
    let sim_url = sim_url.trim_end_matches('/');
    let merchant = tuphap_sim::payment::Merchant {
        merchant_id: "tuphap-demo".into(),
        secret: tuphap_domain::identity::random_token(),
        callback_url: format!(
            "{}/api/v1/payments/callback",
            public_url.trim_end_matches('/')
        ),
    };
    let resp = reqwest::Client::new()
        .post(format!("{sim_url}/sim/payment/merchants"))
        .json(&merchant)
        .send()
        .await
        .with_context(|| "không đăng ký được đơn vị bán hàng với cổng thanh toán mô phỏng")?;
    if !resp.status().is_success() {
        return Err(anyhow!(
            "cổng thanh toán mô phỏng từ chối đăng ký đơn vị bán hàng: {}",
            resp.status()
        ));
    }
    Ok(PaymentGateway {
        url: sim_url.to_string(),
        merchant: merchant.merchant_id,
        secret: merchant.secret,
        return_url: return_url(public_url),
    })
}

pub async fn run(g: &GlobalArgs, command: PaymentsCommand) -> Result<ExitCode> {
    match command {
        PaymentsCommand::Reconcile {
            gateway,
            older_than_minutes,
        } => {
            let Some(gw) = gateway_settings(&gateway, &g.data_dir, "")? else {
                return Err(anyhow!(
                    "cần --payment-gateway, --payment-merchant và --payment-secret (hoặc các biến TUPHAP_PAYMENT_*)"
                ));
            };
            let store = crate::open_store(g).await?;
            let app = App::new(store.clone()).with_payment_gateway(gw);
            let r = app
                .reconcile_payments(
                    &tuphap_web::payment::HttpGatewayLookup::new(),
                    time::Duration::minutes(older_than_minutes.max(0)),
                    tuphap_store::now_utc(),
                )
                .await;
            store.close().await;
            let r = r.map_err(|e| anyhow!("[{}] {}", e.code, e.message))?;
            println!(
                "Đối soát thanh toán: {} giao dịch đang chờ được tra cứu — {} đã thanh toán, {} bị huỷ, {} không thành công, {} vẫn chờ, {} lỗi tra cứu.",
                r.checked, r.paid, r.cancelled, r.failed, r.pending, r.errors
            );
            Ok(if r.errors == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

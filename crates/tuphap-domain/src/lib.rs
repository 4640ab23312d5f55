//! Use cases of tuphap, independent of HTTP: each public function is one use case and runs in one
//! store transaction that also writes its audit entries and change-log rows.
//!
//! - [`identity`]: offices, users, login with lockout, sessions, jurisdiction scope.
//! - [`audit`]: verifying and reading the audit chain.
//! - [`civil`]: the civil-status registry (declare, register with a number, return/reject, read
//!   within jurisdiction, work queues).
//! - [`reference`]: reference data and the working-day calendar.

pub mod audit;
pub mod certificates;
pub mod citizen;
pub mod civil;
pub mod error;
pub mod exchange;
pub mod identity;
pub mod online;
pub mod reference;

pub use error::{DomainError, ErrorKind};
pub use identity::{Actor, RequestMeta};

/// Everything a use case needs: the store (cheap to clone) and where this node keeps its
/// certificate signing keys.
#[derive(Clone, Debug)]
pub struct App {
    pub store: tuphap_store::Store,
    pub auth: identity::AuthPolicy,
    /// `<data dir>/keys`: private signing keys of the offices (generated at first use).
    pub keys_dir: Option<std::path::PathBuf>,
    /// The payment gateway of the online services' fees (`online::payment`); payments answer
    /// `payment_not_configured` without it.
    pub payment_gateway: Option<std::sync::Arc<online::payment::PaymentGateway>>,
}

impl App {
    pub fn new(store: tuphap_store::Store) -> App {
        App {
            store,
            auth: identity::AuthPolicy::default(),
            keys_dir: None,
            payment_gateway: None,
        }
    }

    /// Sets the directory of the signing keys.
    pub fn with_keys_dir(mut self, dir: impl Into<std::path::PathBuf>) -> App {
        self.keys_dir = Some(dir.into());
        self
    }

    /// Sets the payment gateway of dossier fees.
    pub fn with_payment_gateway(mut self, gateway: online::payment::PaymentGateway) -> App {
        self.payment_gateway = Some(std::sync::Arc::new(gateway));
        self
    }
}

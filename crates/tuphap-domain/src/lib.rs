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
pub mod privacy;
pub mod reference;
pub mod security;
pub mod strong_auth;

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
    /// The anti-malware scanner of uploads (`online::malware`); files are stored `not_scanned`
    /// without it (development only).
    pub malware_scanner: Option<std::sync::Arc<online::malware::ClamdScanner>>,
    /// Attack detection of this process: sliding windows and blocked sources (`security`).
    pub security: std::sync::Arc<security::SecurityMonitor>,
}

impl App {
    pub fn new(store: tuphap_store::Store) -> App {
        App {
            store,
            auth: identity::AuthPolicy::default(),
            keys_dir: None,
            payment_gateway: None,
            malware_scanner: None,
            security: std::sync::Arc::new(security::SecurityMonitor::default()),
        }
    }

    /// Sets the directory of the signing keys.
    pub fn with_keys_dir(mut self, dir: impl Into<std::path::PathBuf>) -> App {
        self.keys_dir = Some(dir.into());
        self
    }

    /// Sets the anti-malware scanner of uploads (clamd).
    pub fn with_malware_scanner(mut self, scanner: online::malware::ClamdScanner) -> App {
        self.malware_scanner = Some(std::sync::Arc::new(scanner));
        self
    }

    /// Sets the thresholds of the attack detection (a fresh monitor: no windows, no blocks).
    pub fn with_security_policy(mut self, policy: security::SecurityPolicy) -> App {
        self.security = std::sync::Arc::new(security::SecurityMonitor::new(policy));
        self
    }

    /// Sets the payment gateway of dossier fees.
    pub fn with_payment_gateway(mut self, gateway: online::payment::PaymentGateway) -> App {
        self.payment_gateway = Some(std::sync::Arc::new(gateway));
        self
    }
}

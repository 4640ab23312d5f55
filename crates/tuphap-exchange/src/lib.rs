//! The exchange platform (LGSP, issue 6): what moves messages between tuphap and partner
//! systems over HTTP, following X-Road's application-facing conventions. The storage side — the
//! subscriptions, the durable outbox fed from the change log, claims, leases, backoff and dead
//! letters — is `tuphap_store::exchange`; this crate holds what speaks HTTP, so the store (which
//! every crate depends on) does not carry an HTTP client.
//!
//! * [`dispatch`]: the delivery workers.
//! * [`log`]: the signed message log's checkpoint signing, proofs of single messages, and
//!   verification of the whole log.

pub mod dispatch;
pub mod log;

//! Domain types with no I/O. Everything here is pure: parsing, validation, folding, calendars and
//! the embedded reference data. Errors carry a stable machine `code()` and a Vietnamese message.

pub mod calendar;
pub mod certificate;
pub mod civil;
pub mod dates;
pub mod dossier;
pub mod error;
pub mod exchange_proof;
pub mod indicators;
pub mod payment;
pub mod personal_id;
pub mod procedures;
pub mod reference;
pub mod role;
pub mod text;

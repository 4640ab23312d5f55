//! The exchange platform (LGSP): partner members and access rights (`members`), operator use
//! cases on the outbox (`outbox`).

pub mod linked;
pub mod members;
pub mod outbox;

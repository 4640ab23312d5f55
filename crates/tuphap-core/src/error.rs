//! The contract every domain error follows at the edges (HTTP, CLI).

/// An error a person or a partner system can act on: a stable machine code (snake_case, never
/// renamed once published) and a message in Vietnamese with correct diacritics (NFC).
pub trait Coded {
    /// Stable machine code, e.g. `personal_id_bad_century_digit`.
    fn code(&self) -> &'static str;
    /// Vietnamese message a person understands.
    fn message_vi(&self) -> String;
}

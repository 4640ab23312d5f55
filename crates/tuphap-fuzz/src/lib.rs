//! Fuzz targets for the parsers of untrusted input, and a runner that drives them on stable Rust.
//!
//! Every target takes arbitrary bytes, feeds them to one parser the way the server or a command
//! does, and asserts what must hold whatever the input: it answers (an error is an answer) and
//! does not panic, and where a format has a writer, reading what it wrote gives the value back
//! (`parse(format(x)) == x`). A target returns a short label of what happened (`ok`,
//! `err:name_contains_digit`, …): the stable [`runner`] keeps inputs that reach a label it had
//! not seen, a coarse stand-in for coverage feedback.
//!
//! Two ways to run them (ARCHITECTURE.md, "Reliability"):
//! - stable, bounded: `cargo test -p tuphap-fuzz` (each target for `TUPHAP_FUZZ_SECONDS`, 1 s by
//!   default; `.ci/run` gives 20 s), a mutation loop over the seed corpus of [`seeds`];
//! - coverage-guided: `cargo +nightly fuzz run <target>` in `fuzz/` (libFuzzer), the same
//!   functions.

pub mod runner;
pub mod seeds;
pub mod targets;

/// A target: bytes in, a label of the outcome out; panics on a broken property.
pub type Target = fn(&[u8]) -> String;

/// Every target, by name (the names of `fuzz/fuzz_targets/*.rs`).
pub const TARGETS: &[(&str, Target)] = &[
    ("personal_id", targets::personal_id),
    ("certificate_code", targets::certificate_code),
    ("dossier_code", targets::dossier_code),
    ("payment_notice", targets::payment_notice),
    ("xroad_headers", targets::xroad_headers),
    ("import_row", targets::import_row),
    ("exchange_proof", targets::exchange_proof),
    ("civil_text", targets::civil_text),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

//! Each fuzz target, driven by the stable runner for a bounded time: `TUPHAP_FUZZ_SECONDS` per
//! target (1 by default, so `cargo test --workspace` stays quick; `.ci/run` gives 20),
//! `TUPHAP_FUZZ_SEED` to vary the run (the default is fixed: a failure reproduces).
//! `TUPHAP_FUZZ_WRITE_CORPUS=1` also writes the seeds to `fuzz/corpus/<target>/` for cargo-fuzz.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tuphap_fuzz::{TARGETS, runner, seeds, target};

fn budget() -> Duration {
    let secs = std::env::var("TUPHAP_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(1.0);
    Duration::from_secs_f64(secs.max(0.0))
}

fn seed() -> u64 {
    std::env::var("TUPHAP_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261127)
}

fn fuzz(name: &str) {
    let t = target(name).unwrap();
    let corpus = seeds::seeds(name);
    assert!(!corpus.is_empty(), "{name} has seeds");
    if std::env::var_os("TUPHAP_FUZZ_WRITE_CORPUS").is_some() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/corpus")
            .join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, s) in corpus.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i:03}")), s).unwrap();
        }
    }
    // Every seed is accepted by its target as it stands (no property broken on valid input).
    let dict = seeds::dictionary(name);
    let report = runner::run(t, &corpus, &dict, budget(), u64::MAX, seed());
    eprintln!(
        "fuzz {name}: {} executions, {} outcomes, corpus {}, {} crashes",
        report.executions,
        report.labels,
        report.corpus,
        report.crashes.len()
    );
    if let Some((input, msg)) = report.crashes.first() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-crashes");
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join(format!("{name}-{}", seed()));
        let _ = std::fs::write(&file, input);
        panic!(
            "{name} panicked: {msg}\ninput ({} bytes, kept in {}): {:?}",
            input.len(),
            file.display(),
            String::from_utf8_lossy(input)
        );
    }
    assert!(report.executions > corpus.len() as u64 || budget().is_zero());
}

#[test]
fn every_target_is_listed_and_has_seeds() {
    assert_eq!(TARGETS.len(), 8);
    for (name, _) in TARGETS {
        assert!(!seeds::seeds(name).is_empty(), "{name}");
    }
}

#[test]
fn valid_seeds_parse() {
    // The seeds are meant to be valid: each target says "ok" for its first seed.
    for name in [
        "personal_id",
        "certificate_code",
        "dossier_code",
        "import_row",
    ] {
        let t = target(name).unwrap();
        let first = &seeds::seeds(name)[0];
        assert_eq!(
            t(first),
            "ok",
            "{name}: {:?}",
            String::from_utf8_lossy(first)
        );
    }
    assert_eq!(
        target("exchange_proof").unwrap()(&seeds::seeds("exchange_proof")[0]),
        "ok"
    );
}

#[test]
fn fuzz_personal_id() {
    fuzz("personal_id");
}

#[test]
fn fuzz_certificate_code() {
    fuzz("certificate_code");
}

#[test]
fn fuzz_dossier_code() {
    fuzz("dossier_code");
}

#[test]
fn fuzz_payment_notice() {
    fuzz("payment_notice");
}

#[test]
fn fuzz_xroad_headers() {
    fuzz("xroad_headers");
}

#[test]
fn fuzz_import_row() {
    fuzz("import_row");
}

#[test]
fn fuzz_exchange_proof() {
    fuzz("exchange_proof");
}

#[test]
fn fuzz_civil_text() {
    fuzz("civil_text");
}

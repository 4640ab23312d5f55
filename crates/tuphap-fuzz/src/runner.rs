//! A bounded mutation fuzzer for stable Rust: no coverage instrumentation, but the same targets
//! as libFuzzer, a seed corpus per target, a dictionary of the formats' tokens, and an outcome
//! feedback (an input whose label the run had not seen joins the corpus, so the run climbs from
//! "not JSON" to "JSON, missing field" to "rule refused" rather than staying at the surface).
//! Deterministic for a seed; a panic is caught, its input kept and reported.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::Target;

/// The longest input the runner makes.
pub const MAX_LEN: usize = 8 * 1024;

/// What a run found.
#[derive(Debug, Default)]
pub struct Report {
    pub executions: u64,
    pub corpus: usize,
    pub labels: usize,
    /// Inputs that panicked, with the panic's message.
    pub crashes: Vec<(Vec<u8>, String)>,
}

/// Runs `target` over `seeds` and their mutations for `budget` (or `max_runs` executions,
/// whichever comes first), stopping after the first few crashes.
pub fn run(
    target: Target,
    seeds: &[Vec<u8>],
    dictionary: &[&[u8]],
    budget: Duration,
    max_runs: u64,
    seed: u64,
) -> Report {
    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut report = Report::default();
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let quiet = QuietPanics::install();
    let execute = |input: &[u8], report: &mut Report| -> Option<String> {
        report.executions += 1;
        match catch_unwind(AssertUnwindSafe(|| target(input))) {
            Ok(label) => Some(label),
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panic".to_string());
                report.crashes.push((input.to_vec(), msg));
                None
            }
        }
    };
    for s in seeds {
        if let Some(label) = execute(s, &mut report) {
            seen.insert(label);
        }
        corpus.push(s.clone());
    }
    if corpus.is_empty() {
        corpus.push(Vec::new());
    }
    while started.elapsed() < budget && report.executions < max_runs && report.crashes.len() < 5 {
        let mut input = corpus[rng.random_range(0..corpus.len())].clone();
        let rounds = 1 + rng.random_range(0..4);
        for _ in 0..rounds {
            mutate(&mut input, &corpus, dictionary, &mut rng);
        }
        input.truncate(MAX_LEN);
        if let Some(label) = execute(&input, &mut report)
            && seen.insert(label)
            && corpus.len() < 4096
        {
            corpus.push(input);
        }
    }
    drop(quiet);
    report.corpus = corpus.len();
    report.labels = seen.len();
    report
}

/// One random edit of `input`.
fn mutate(input: &mut Vec<u8>, corpus: &[Vec<u8>], dictionary: &[&[u8]], rng: &mut ChaCha8Rng) {
    let len = input.len();
    let at = |rng: &mut ChaCha8Rng, n: usize| rng.random_range(0..=n);
    match rng.random_range(0..10) {
        // Flip a bit.
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            input[i] ^= 1 << rng.random_range(0..8);
        }
        // An interesting byte.
        1 if len > 0 => {
            const BYTES: &[u8] = b"\0\x01\x7f\x80\xc3\xe1\xff 0 9-./|:\"\\{}[],=&%+";
            let i = rng.random_range(0..len);
            input[i] = BYTES[rng.random_range(0..BYTES.len())];
        }
        // Delete a range.
        2 if len > 0 => {
            let a = rng.random_range(0..len);
            let b = (a + 1 + rng.random_range(0..8)).min(len);
            input.drain(a..b);
        }
        // Duplicate a range.
        3 if len > 0 => {
            let a = rng.random_range(0..len);
            let b = (a + 1 + rng.random_range(0..16)).min(len);
            let piece = input[a..b].to_vec();
            let i = at(rng, input.len());
            input.splice(i..i, piece);
        }
        // Random bytes.
        4 => {
            let n = 1 + rng.random_range(0..8);
            let piece: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            let i = at(rng, len);
            input.splice(i..i, piece);
        }
        // A digit changed (the formats are mostly numbers).
        5 if len > 0 => {
            let i = rng.random_range(0..len);
            input[i] = b'0' + rng.random_range(0..10u8);
        }
        // Splice with another corpus entry.
        6 if !corpus.is_empty() => {
            let other = &corpus[rng.random_range(0..corpus.len())];
            if !other.is_empty() {
                let a = rng.random_range(0..other.len());
                let b = (a + 1 + rng.random_range(0..64)).min(other.len());
                let i = at(rng, len);
                let j = (i + rng.random_range(0..8)).min(len);
                input.splice(i..j, other[a..b].iter().copied());
            }
        }
        // A huge number, a long run.
        7 => {
            const LONG: &[&[u8]] = &[
                b"99999999999999999999999",
                b"-9223372036854775809",
                b"1e309",
                b"4294967296",
                b"65536",
                b"-1",
            ];
            let i = at(rng, len);
            let j = (i + rng.random_range(0..6)).min(len);
            input.splice(i..j, LONG[rng.random_range(0..LONG.len())].iter().copied());
        }
        // A dictionary token, inserted or replacing.
        _ if !dictionary.is_empty() => {
            let tok = dictionary[rng.random_range(0..dictionary.len())];
            let i = at(rng, len);
            let j = if rng.random_bool(0.5) {
                (i + tok.len()).min(len)
            } else {
                i
            };
            input.splice(i..j, tok.iter().copied());
        }
        _ => input.push(rng.random()),
    }
}

/// Silences the default panic message while the runner catches panics (each crash is reported
/// once, with its input); restores the previous hook when dropped.
struct QuietPanics;

impl QuietPanics {
    fn install() -> QuietPanics {
        std::panic::set_hook(Box::new(|_| {}));
        QuietPanics
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        let _ = std::panic::take_hook();
    }
}

//! Generates a legacy-import file to standard output, or plants defects in one:
//!
//! ```text
//! cargo run --release -p tuphap-legacy --example generate -- --count 1000000 --seed 1 > rows.jsonl
//! cargo run --release -p tuphap-legacy --example generate -- --national > national.jsonl
//! cargo run --release -p tuphap-legacy --example generate -- --corrupt rows.jsonl bad.jsonl 100 --seed 7
//! ```
//!
//! The report (or the expected rejections) goes to standard error. The `tuphap generate`
//! subcommand of the binary is the operator's interface; this example is for measurements.

use std::io::{self, Write};
use std::time::Instant;

use tuphap_legacy::{GenerateOptions, corrupt, generate, write_expected};

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let seed = value("--seed").and_then(|s| s.parse().ok()).unwrap_or(1);
    if let Some(i) = args.iter().position(|a| a == "--corrupt") {
        let (Some(input), Some(output), Some(n)) =
            (args.get(i + 1), args.get(i + 2), args.get(i + 3))
        else {
            return Err(io::Error::other("--corrupt INPUT OUTPUT N"));
        };
        let n = n.parse().map_err(io::Error::other)?;
        let expected = corrupt(input, output, n, seed)?;
        return write_expected(&expected, io::stderr());
    }
    let opts = GenerateOptions {
        seed,
        count: value("--count").and_then(|s| s.parse().ok()),
        national: args.iter().any(|a| a == "--national"),
    };
    let start = Instant::now();
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    let report = generate(opts, &mut lock)?;
    lock.flush()?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{report:?}\n{secs:.1} s, {:.0} rows/s",
        report.rows as f64 / secs.max(1e-9)
    );
    Ok(())
}

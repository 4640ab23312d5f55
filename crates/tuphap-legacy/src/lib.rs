//! Legacy civil-status data: the import format, a generator of a synthetic country in that
//! format, a corrupter that plants known defects for import tests, and the shared name sampler.
//!
//! * [`format`]: serde types of the JSON Lines format (`docs/legacy-format.md`).
//! * [`generate::generate`]: a deterministic (seeded) synthetic registry 1990 → 2026-10, at
//!   any size up to the national scale (51.01 M rows), streamed to a writer.
//! * [`corrupt::corrupt`]: copies a generated file with `n` realistic defects and returns the
//!   line numbers with the machine code the importer should report.
//! * [`names::Names`]: Vietnamese names from the shipped (licensed) name statistics.
//!
//! Randomness comes from [`SeededRng`] (ChaCha8, seeded from a `u64`), whose output is fixed by
//! its algorithm: the same seed gives the same file on every platform.

pub mod corrupt;
pub mod format;
pub mod generate;
mod geo;
pub mod names;

pub use corrupt::{Defect, ExpectedReject, corrupt, write_expected};
pub use generate::{GenerateOptions, GenerateReport, generate};
pub use names::{NameParts, Names};

use rand::{Rng, SeedableRng};

/// The random generator used throughout (version-stable output for a seed).
pub type SeededRng = rand_chacha::ChaCha8Rng;

/// A [`SeededRng`] from a `u64` seed.
pub fn seeded_rng(seed: u64) -> SeededRng {
    SeededRng::seed_from_u64(seed)
}

/// `rng.below(n)`: uniform in `0..n` (0 when `n` is 0).
pub trait Below {
    fn below(&mut self, n: u64) -> u64;
}

impl<R: Rng + ?Sized> Below for R {
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.random_range(0..n) }
    }
}

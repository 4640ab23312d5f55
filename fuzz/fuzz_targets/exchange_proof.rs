#![no_main]
//! `tuphap_fuzz::targets::exchange_proof` under libFuzzer.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tuphap_fuzz::targets::exchange_proof(data);
});

#![no_main]
//! `tuphap_fuzz::targets::civil_text` under libFuzzer.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tuphap_fuzz::targets::civil_text(data);
});

#![no_main]
//! `tuphap_fuzz::targets::dossier_code` under libFuzzer.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tuphap_fuzz::targets::dossier_code(data);
});

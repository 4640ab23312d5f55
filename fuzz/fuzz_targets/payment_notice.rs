#![no_main]
//! `tuphap_fuzz::targets::payment_notice` under libFuzzer.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tuphap_fuzz::targets::payment_notice(data);
});

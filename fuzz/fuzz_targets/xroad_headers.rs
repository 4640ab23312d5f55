#![no_main]
//! `tuphap_fuzz::targets::xroad_headers` under libFuzzer.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tuphap_fuzz::targets::xroad_headers(data);
});

#![no_main]
//! Fuzz target `xml`: the checks live in `src/checks/xml.rs`, shared with
//! the library's `tests/fuzz_regressions.rs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tencent_cos_core_fuzz::checks::xml::check(data);
});

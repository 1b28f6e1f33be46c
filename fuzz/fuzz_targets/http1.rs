#![no_main]
//! Fuzz target `http1`: the checks live in `src/checks/http1.rs`, shared with
//! the library's `tests/fuzz_regressions.rs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tencent_cos_core_fuzz::checks::http1::check(data);
});

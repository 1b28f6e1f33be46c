#![no_main]
//! Fuzz target `copy_source`: the checks live in `src/checks/copy_source.rs`, shared with
//! the library's `tests/fuzz_regressions.rs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tencent_cos_core_fuzz::checks::copy_source::check(data);
});

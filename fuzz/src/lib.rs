//! The fuzz targets' checks (`src/checks/`), shared with the library's
//! `tests/fuzz_regressions.rs`. See `fuzz/README.md`.

pub mod checks;

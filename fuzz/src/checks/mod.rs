//! The checks behind the fuzz targets, one module per target.
//!
//! Each `check(data)` decodes the fuzzer's bytes into inputs and panics
//! when an invariant does not hold. The files use only `std`, the crate's
//! public API and the `hmac`, `sha1`, `hex`, `httpdate` and `httparse`
//! crates, which the library depends on too: `tests/fuzz_regressions.rs`
//! includes this module with `#[path]` and replays every saved input
//! through the same checks under a plain `cargo test`.

pub mod input;
pub mod reference;

pub mod auth;
pub mod condition;
pub mod copy_source;
pub mod date;
pub mod http1;
pub mod range;
pub mod request;
pub mod sign;
pub mod xml;

/// A target's check: panics when an invariant does not hold.
pub type Check = fn(&[u8]);

/// Every target, by name, with its check.
pub const TARGETS: [(&str, Check); 9] = [
    ("sign", sign::check),
    ("auth", auth::check),
    ("copy_source", copy_source::check),
    ("range", range::check),
    ("date", date::check),
    ("condition", condition::check),
    ("xml", xml::check),
    ("request", request::check),
    ("http1", http1::check),
];

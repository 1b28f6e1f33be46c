//! The C interface of `tencent-cos-core`: sign requests, build the
//! multipart-copy requests, read COS's answers, run a whole copy and
//! verify signatures, from C, with no heap.
//!
//! The header is `include/tencent_cos_core.h`, generated from this crate
//! by cbindgen (`cbindgen.toml`). Its contract, the FreeRTOS SigV4
//! library's:
//!
//! - **No heap, no I/O, no clock.** Every output goes into a buffer the
//!   caller passes with its length; opaque state (a signing key, a
//!   response reader, a copy machine) lives in storage the caller
//!   declares, of the size and alignment the header publishes
//!   (`TCC_*_SIZE`, `TCC_*_ALIGN`).
//! - **Integer status codes** (`tcc_status`), a static message for each
//!   (`tcc_strerror`). A too-small buffer is `TCC_ERR_BUFFER_TOO_SMALL`
//!   (or `TCC_ERR_SCRATCH_TOO_SMALL`) with the exact size in `*needed`.
//! - **Checked inputs.** NULL pointers, impossible lengths, invalid UTF-8,
//!   misaligned or uninitialised storage are refused with a code. NULL
//!   with length 0 is the empty string (or array). What cannot be checked
//!   from here — that a pointer points to as many bytes as its length
//!   says, that they do not change during the call — is the caller's.
//!
//! All the `unsafe` of the project is in this crate (`raw` turns C's
//! pointers into references, `state` manages the opaque storage); the
//! core keeps `forbid(unsafe_code)`.
//!
//! Built for bare metal (`target_os = "none"`) the library is `no_std`
//! with a panic handler (the `panic-handler` feature, on by default; turn
//! default features off to bring your own). The code has no reachable
//! panic: the firmware build checks it with `panic-proof`, whose handler
//! calls a function that exists nowhere, so that the firmware links only
//! if no panic path survives.

#![no_std]
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(
    missing_docs,
    clippy::undocumented_unsafe_blocks,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg_attr(test, allow(clippy::indexing_slicing))]

#[cfg(not(target_os = "none"))]
extern crate std;

mod copy;
mod raw;
mod request;
mod response;
mod sign;
mod state;
mod status;
mod verify;

pub use copy::*;
pub use raw::{
    TCC_PAIR_SLOT_ALIGN, TCC_PAIR_SLOT_SIZE, TCC_SMALL_PAIRS, tcc_pair, tcc_pair_slot, tcc_request,
    tcc_str,
};
pub use request::*;
pub use response::*;
pub use sign::*;
pub use state::{
    TCC_COPY_MACHINE_ALIGN, TCC_COPY_MACHINE_SIZE, TCC_RESPONSE_READER_ALIGN,
    TCC_RESPONSE_READER_SIZE, TCC_SIGNING_KEY_ALIGN, TCC_SIGNING_KEY_SIZE, tcc_copy_machine,
    tcc_response_reader, tcc_signing_key,
};
pub use status::{tcc_status, tcc_strerror};
pub use verify::*;

/// Bare metal: stop here. The library has no reachable panic (see the
/// crate docs); this only satisfies the linker.
#[cfg(all(
    target_os = "none",
    feature = "panic-handler",
    not(feature = "panic-proof")
))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Bare metal, proving there is no panic: a function that exists
/// nowhere, so that a firmware links only if the optimiser removed every
/// panic path.
#[cfg(all(target_os = "none", feature = "panic-proof"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    unsafe extern "C" {
        /// Defined nowhere.
        fn tcc_found_a_reachable_panic() -> !;
    }
    // SAFETY: never runs: the firmware does not link if this is reachable.
    unsafe { tcc_found_a_reachable_panic() }
}

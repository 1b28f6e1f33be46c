//! Turns on `cos_compact` for bare-metal targets (`target_os = "none"`).
//!
//! `cos_compact` chooses the compact form of the few paths that trade size
//! for speed (see docs/firmware.md): on by default where flash is
//! scarce, and on any host with `RUSTFLAGS="--cfg cos_compact"`, so that
//! the firmware's code is what the host's test suite runs. A build script
//! sets it, rather than `any(cos_compact, target_os = "none")` at every
//! switch, so that the code names one condition. The cfg is declared in
//! Cargo.toml (`[lints.rust] unexpected_cfgs`).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_CFG_TARGET_OS").is_some_and(|os| os == "none") {
        println!("cargo::rustc-cfg=cos_compact");
    }
}

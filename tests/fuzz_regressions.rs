//! Replays every saved fuzz input through the checks the fuzz targets run,
//! under a plain `cargo test` (no libfuzzer, no nightly).
//!
//! The checks live in `fuzz/src/checks/` and are included here as source:
//! they use only the public API, `std` and crates that this crate depends
//! on as well (`hmac`, `sha1`, `hex`, `httpdate`, `httparse`), and decode
//! the fuzzer's bytes with their own small reader, so an input saved by
//! `cargo fuzz` means the same thing here. Inputs replayed:
//!
//! - `fuzz/regressions/<target>/*`: every crash the fuzzers found, kept
//!   after the fix;
//! - `fuzz/seeds/<target>/*`: the seed corpus (real vectors and documents).

#[allow(dead_code)] // `TARGETS` lists what the fuzz crate needs.
#[path = "../fuzz/src/checks/mod.rs"]
mod checks;

use std::path::{Path, PathBuf};

fn files(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep"))
        .collect();
    out.sort();
    out
}

/// Runs `check` on every file of `kind` for `target`; returns how many.
fn replay(kind: &str, target: &str, check: fn(&[u8])) -> usize {
    let all = files(kind, target);
    for path in &all {
        let data = std::fs::read(path).unwrap();
        // Shown with the panic message if the check fails.
        eprintln!("replaying {}", path.display());
        check(&data);
    }
    all.len()
}

macro_rules! target {
    ($name:ident) => {
        mod $name {
            #[test]
            fn regressions() {
                super::replay(
                    "regressions",
                    stringify!($name),
                    super::checks::$name::check,
                );
            }

            #[test]
            fn seeds() {
                let n = super::replay("seeds", stringify!($name), super::checks::$name::check);
                assert!(n > 0, "no seeds for {}", stringify!($name));
            }
        }
    };
}

target!(sign);
target!(auth);
target!(copy_source);
target!(range);
target!(date);
target!(condition);
target!(xml);
target!(request);
target!(http1);

#[test]
fn every_target_is_replayed_and_every_saved_input_belongs_to_one() {
    let names: Vec<&str> = checks::TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "sign",
            "auth",
            "copy_source",
            "range",
            "date",
            "condition",
            "xml",
            "request",
            "http1"
        ]
    );
    for kind in ["seeds", "regressions"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz")
            .join(kind);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name();
            let name = name.to_str().unwrap();
            assert!(names.contains(&name), "{kind}/{name} is no target");
        }
    }
}

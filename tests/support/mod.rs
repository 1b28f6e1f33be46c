//! What the tests that run the `cos-tool` example share.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Builds the example once and returns the path of its binary.
pub fn tool() -> &'static PathBuf {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "build",
            "--quiet",
            "--example",
            "cos-tool",
            "--message-format=json",
        ]);
        if cfg!(feature = "defmt") {
            cmd.args(["--features", "defmt"]);
        }
        let out = cmd.stderr(Stdio::inherit()).output().unwrap();
        assert!(out.status.success(), "building the example failed");
        let stdout = String::from_utf8(out.stdout).unwrap();
        stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|m| {
                m["reason"] == "compiler-artifact"
                    && m["target"]["name"] == "cos-tool"
                    && m["executable"].is_string()
            })
            .map(|m| PathBuf::from(m["executable"].as_str().unwrap()))
            .expect("cargo reported no cos-tool executable")
    })
}

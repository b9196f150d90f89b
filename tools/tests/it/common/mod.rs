//! Helpers shared by the command-line tests.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn testdata(sub: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("testdata").join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mlir"))
        .collect();
    files.sort();
    files
}

/// Runs strata-opt with `args`, feeding `stdin` when given.
pub fn strata_opt(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata-opt"));
    cmd.args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn strata-opt");
    if let Some(input) = stdin {
        // The tool may exit (on a bad flag) before reading its input.
        let _ = child.stdin.take().unwrap().write_all(input);
    }
    child.wait_with_output().unwrap()
}

/// Asserts a run failed cleanly: exit status 1, a located error, no panic.
pub fn assert_clean_failure(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: expected exit status 1, stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{what}: panicked:\n{stderr}");
    assert!(stderr.contains("error:"), "{what}: no error message:\n{stderr}");
}

/// Whether tools that tests may need must all be present (`.ci/run` sets it).
pub fn require_all() -> bool {
    std::env::var("STRATA_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Finds upstream `mlir-opt` (LLVM 22), or reports the skip.
pub fn mlir_opt() -> Option<PathBuf> {
    let candidates = ["mlir-opt-22", "/usr/lib/llvm-22/bin/mlir-opt"];
    for c in candidates {
        if let Ok(out) = Command::new(c).arg("--version").output() {
            if out.status.success() && String::from_utf8_lossy(&out.stdout).contains("22.") {
                return Some(PathBuf::from(c));
            }
        }
    }
    assert!(!require_all(), "STRATA_REQUIRE_ALL=1 but mlir-opt-22 was not found (apt install mlir-22-tools)");
    eprintln!("SKIPPED: mlir-opt-22 not found; install mlir-22-tools to run the upstream compatibility tests");
    None
}

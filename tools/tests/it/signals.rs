//! Interrupting the tools: `strata-run --target x86-64|aarch64` ends the program it runs (and
//! qemu), deletes its scratch directory and exits with 128 + the signal; `strata-lit` ends a
//! test that runs past `--timeout` with everything it started.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::require_all;

/// A matrix product repeated (`--benchmark`) far longer than any test waits.
const SLOW: &str = r#"func.func @slow(%a: tensor<192x192xf32>, %b: tensor<192x192xf32>) -> tensor<192x192xf32> {
  %c = "nn.matmul"(%a, %b) : (tensor<192x192xf32>, tensor<192x192xf32>) -> tensor<192x192xf32>
  return %c : tensor<192x192xf32>
}
"#;

/// The live processes (zombies aside) whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        if e.file_name().to_str().is_none_or(|n| n.parse::<u32>().is_err()) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else { continue };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let zombie = std::fs::read_to_string(e.path().join("stat"))
            .ok()
            .and_then(|s| s.rfind(')').map(|i| s[i + 1..].trim_start().starts_with('Z')))
            .unwrap_or(false);
        if cmdline.contains(needle) && !zombie {
            found.push(format!("{}: {cmdline}", e.file_name().to_string_lossy()));
        }
    }
    found
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// Starts `strata-run` on [`SLOW`] for `target` with its own temporary folder, waits until the
/// linked program runs, sends `signal`, and checks the exit status, that the scratch directory
/// is gone and that no process it started is left.
fn interrupt_a_compiled_run(target: &str, signal: i32) {
    let work = tempfile::tempdir().unwrap();
    let tmp = work.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let file = work.path().join("slow.mlir");
    std::fs::write(&file, SLOW).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata-run"))
        .arg(&file)
        .args(["--entry", "slow", "--random-inputs", "1", "--target", target, "--benchmark", "100000000"])
        .env("TMPDIR", &tmp)
        .env_remove("STRATA_KEEP_TEMP")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The program's path (and qemu's argument) lies in the scratch directory under `tmp`.
    let marker = tmp.display().to_string();
    let started = wait_until(Duration::from_secs(120), || {
        !processes_mentioning(&marker).is_empty() || child.try_wait().unwrap().is_some()
    });
    assert!(started, "the program did not start within 120 s");
    assert!(child.try_wait().unwrap().is_none(), "strata-run ended early: {:?}", child.wait_with_output());
    // Running for a moment, not just forked.
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: signals the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let exited = wait_until(Duration::from_secs(30), || child.try_wait().unwrap().is_some());
    if !exited {
        let _ = child.kill();
    }
    let out = child.wait_with_output().unwrap();
    assert!(exited, "strata-run did not exit within 30 s of the signal");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(128 + signal), "exit status after signal {signal}: {:?}\n{stderr}", out.status);
    let left: Vec<PathBuf> = std::fs::read_dir(&tmp).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(left.is_empty(), "left behind in the temporary folder: {left:?}");
    let orphans = wait_until(Duration::from_secs(5), || processes_mentioning(&marker).is_empty());
    assert!(orphans, "orphaned processes: {:?}", processes_mentioning(&marker));
}

fn have(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

#[test]
fn sigint_and_sigterm_end_an_x86_64_run_and_clean_up() {
    if !cfg!(target_arch = "x86_64") || !have("cc") {
        assert!(!require_all(), "STRATA_REQUIRE_ALL=1 but no x86-64 C compiler (cc) was found");
        eprintln!("SKIPPED: needs an x86-64 host with cc");
        return;
    }
    interrupt_a_compiled_run("x86-64", libc::SIGINT);
    interrupt_a_compiled_run("x86-64", libc::SIGTERM);
}

#[test]
fn sigint_ends_qemu_and_cleans_up() {
    if !have("qemu-aarch64") || !have("aarch64-linux-gnu-gcc") {
        assert!(!require_all(), "STRATA_REQUIRE_ALL=1 but qemu-aarch64 or aarch64-linux-gnu-gcc was not found");
        eprintln!(
            "SKIPPED: qemu-aarch64 and aarch64-linux-gnu-gcc not found (Debian: qemu-user gcc-aarch64-linux-gnu)"
        );
        return;
    }
    interrupt_a_compiled_run("aarch64", libc::SIGINT);
}

fn lit(dir: &Path, args: &[&str]) -> (std::process::Output, Duration) {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_strata-lit"))
        .arg(dir)
        .args(args)
        .env_remove("STRATA_REQUIRE_ALL")
        .output()
        .unwrap();
    (out, start.elapsed())
}

#[test]
fn lit_ends_a_test_past_its_timeout_with_everything_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("sleeper.pid");
    // A background grandchild that would outlive a runner killing only the shell.
    std::fs::write(
        dir.path().join("slow.mlir"),
        format!("// RUN: sleep 600 & echo $! > {} ; wait\n", pid_file.display()),
    )
    .unwrap();
    std::fs::write(dir.path().join("quick.mlir"), "// RUN: true\n").unwrap();
    let (out, took) = lit(dir.path(), &["--timeout", "2", "-v"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert!(stdout.contains("TIMEOUT: ") && stdout.contains("slow.mlir"), "{stdout}");
    assert!(stdout.contains("timed out after 2 s"), "{stdout}");
    assert!(stdout.contains("PASS: ") && stdout.contains("quick.mlir"), "{stdout}");
    assert!(stdout.contains("1 passed, 1 failed (1 timed out)"), "{stdout}");
    let pid = std::fs::read_to_string(&pid_file).unwrap().trim().to_string();
    let gone = wait_until(Duration::from_secs(5), || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_or(true, |s| s.rfind(')').is_some_and(|i| s[i + 1..].trim_start().starts_with('Z')))
    });
    assert!(gone, "the test's background process {pid} outlived its timeout");
}

#[test]
fn lit_skips_files_without_run_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("input.mlir"), "func.func @f() {\n  return\n}\n").unwrap();
    std::fs::write(dir.path().join("test.mlir"), "// RUN: true\n").unwrap();
    let (out, _) = lit(dir.path(), &["-v"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("SKIPPED: ") && stdout.contains("input.mlir"), "{stdout}");
    assert!(stdout.contains("1 passed, 0 failed, 1 skipped (no RUN lines)"), "{stdout}");
}

#[test]
fn lit_rejects_a_bad_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = lit(dir.path(), &["--timeout=-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: --timeout takes a number of seconds"));
}

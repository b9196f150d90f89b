//! `strata-lit`: a lit-style test runner.
//!
//! A test is a file with `RUN:` lines (continued with a trailing `\`), run by `bash -o
//! pipefail`, after substitutions: `%s` (the file), `%S` and `%p` (its folder), `%t` (a path
//! private to the test), `%T` (a folder private to the test), `%%` (`%`), and one per tool
//! (`strata-opt`, `FileCheck`/`filecheck`, `not`, ...). `REQUIRES:`, `UNSUPPORTED:` and
//! `XFAIL:` take comma-separated features (`!feature` negates; `XFAIL: *` always); features
//! are detected: `qemu-aarch64` (with `aarch64-linux-gnu-gcc` to link), `ptxas`, `cuda`, `mlir`.
//!
//! Results: PASS, FAIL, UNSUPPORTED (skipped), XFAIL (failed as expected), XPASS (passed
//! though expected to fail: a failure), TIMEOUT (ran longer than the per-test limit: a failure;
//! everything the test started is ended), SKIPPED (a file without RUN lines). Under
//! `STRATA_REQUIRE_ALL=1` a test skipped for a missing feature is a failure.
//!
//! A file without RUN lines is not a test: there is no lit.cfg here to exclude the inputs that
//! tests read (`%S/Inputs/...`), and every file with a test suffix is discovered, so such files
//! are reported as SKIPPED and counted apart. (LLVM's lit calls them UNRESOLVED, a failure; with
//! its `excludes` it never meets the inputs.)

use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use strata_lowering::codegen::driver::cleanup;
use wait_timeout::ChildExt;

/// How a test ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Pass,
    Fail,
    Unsupported,
    Xfail,
    Xpass,
    Timeout,
    /// No RUN lines: not a test.
    Skipped,
}

impl Verdict {
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::Xpass | Verdict::Timeout)
    }
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Unsupported => "UNSUPPORTED",
            Verdict::Xfail => "XFAIL",
            Verdict::Xpass => "XPASS",
            Verdict::Timeout => "TIMEOUT",
            Verdict::Skipped => "SKIPPED",
        }
    }
}

/// The outcome of one test file.
#[derive(Clone, Debug)]
pub struct TestResult {
    pub path: PathBuf,
    pub verdict: Verdict,
    /// Why: the failing command and its output, or the missing features.
    pub detail: String,
}

/// What the runner needs: tools by name, features, where temporary files go.
#[derive(Clone, Debug)]
pub struct Config {
    /// Tool name in RUN lines → the command that replaces it.
    pub tools: BTreeMap<String, String>,
    pub features: Vec<String>,
    pub temp_dir: PathBuf,
    /// Skips for missing features count as failures.
    pub require_all: bool,
    /// The longest a test (all its RUN lines) may take; `None` for no limit.
    pub timeout: Option<Duration>,
}

/// The default per-test limit: the slowest test of the suite (whole networks under qemu) takes
/// well under a minute on two cores.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The features this machine has.
pub fn detect_features() -> Vec<String> {
    let works = |cmd: &str, arg: &str| Command::new(cmd).arg(arg).output().is_ok_and(|o| o.status.success());
    let mut f = Vec::new();
    // Running AArch64 objects takes both the emulator and the cross toolchain that links them.
    if works("qemu-aarch64", "--version") && works("aarch64-linux-gnu-gcc", "--version") {
        f.push("qemu-aarch64".to_string());
    }
    if works("ptxas", "--version") || Path::new("/usr/local/cuda/bin/ptxas").exists() {
        f.push("ptxas".to_string());
    }
    if works("nvidia-smi", "-L") {
        f.push("cuda".to_string());
    }
    if works("mlir-opt-22", "--version") {
        f.push("mlir".to_string());
    }
    f
}

/// The test files under `paths` with one of `suffixes`, sorted.
pub fn discover(paths: &[PathBuf], suffixes: &[String]) -> Vec<PathBuf> {
    fn walk(p: &Path, suffixes: &[String], out: &mut Vec<PathBuf>) {
        if p.is_dir() {
            if let Ok(entries) = std::fs::read_dir(p) {
                for e in entries.flatten() {
                    walk(&e.path(), suffixes, out);
                }
            }
        } else if suffixes.iter().any(|s| p.to_string_lossy().ends_with(s.as_str())) {
            out.push(p.to_path_buf());
        }
    }
    let mut out = Vec::new();
    for p in paths {
        walk(p, suffixes, &mut out);
    }
    out.sort();
    out
}

/// The directives of a test file.
#[derive(Default, Debug)]
struct Directives {
    run: Vec<String>,
    requires: Vec<String>,
    unsupported: Vec<String>,
    xfail: Vec<String>,
}

fn parse_directives(text: &str) -> Directives {
    let mut d = Directives::default();
    let mut pending = String::new();
    for line in text.lines() {
        for (key, list) in [("REQUIRES:", 0), ("UNSUPPORTED:", 1), ("XFAIL:", 2)] {
            if let Some(at) = line.find(key) {
                let items = line[at + key.len()..].split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
                match list {
                    0 => d.requires.extend(items),
                    1 => d.unsupported.extend(items),
                    _ => d.xfail.extend(items),
                }
            }
        }
        let Some(at) = line.find("RUN:") else { continue };
        let cmd = line[at + 4..].trim();
        match cmd.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head);
                pending.push(' ');
            }
            None => {
                pending.push_str(cmd);
                d.run.push(std::mem::take(&mut pending));
            }
        }
    }
    d
}

fn has(features: &[String], item: &str) -> bool {
    match item.strip_prefix('!') {
        Some(f) => !features.iter().any(|x| x == f.trim()),
        None => item == "*" || features.iter().any(|x| x == item),
    }
}

/// Replaces `%s`, `%S`, `%p`, `%t`, `%T`, `%%` and tool names (whole words) in `cmd`.
pub fn substitute(cmd: &str, file: &Path, temp: &Path, tools: &BTreeMap<String, String>) -> String {
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut out = String::new();
    let mut chars = cmd.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('s') => out.push_str(&file.display().to_string()),
            Some('S') | Some('p') => out.push_str(&dir.display().to_string()),
            Some('t') => out.push_str(&temp.join("tmp").display().to_string()),
            Some('T') => out.push_str(&temp.display().to_string()),
            Some('%') => out.push('%'),
            _ => {
                out.push('%');
                continue;
            }
        }
        chars.next();
    }
    // Tools: whole words at a command position or anywhere a word can stand.
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' || c == '/';
    let mut result = String::new();
    let mut word = String::new();
    for c in out.chars().chain(std::iter::once('\0')) {
        if is_word(c) {
            word.push(c);
            continue;
        }
        match tools.get(word.as_str()) {
            Some(replacement) => result.push_str(replacement),
            None => result.push_str(&word),
        }
        word.clear();
        if c != '\0' {
            result.push(c);
        }
    }
    result
}

/// Shell functions every RUN line may use: `not` (succeeds when the command fails without
/// crashing; `not --crash` when it crashes).
const PRELUDE: &str = r#"not() {
  if [ "$1" = "--crash" ]; then shift; "$@"; s=$?; [ $s -ge 128 ]; return; fi
  "$@"; s=$?; [ $s -ne 0 ] && [ $s -lt 128 ]
}
"#;

/// Runs one test file.
pub fn run_test(path: &Path, config: &Config, index: usize) -> TestResult {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return TestResult { path: path.into(), verdict: Verdict::Fail, detail: format!("cannot read: {e}") },
    };
    let d = parse_directives(&text);
    let missing: Vec<&String> = d.requires.iter().filter(|r| !has(&config.features, r)).collect();
    let excluded: Vec<&String> = d.unsupported.iter().filter(|u| has(&config.features, u)).collect();
    if !missing.is_empty() || !excluded.is_empty() {
        let why = if missing.is_empty() {
            format!("unsupported with: {}", excluded.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
        } else {
            format!("missing features: {}", missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
        };
        let verdict = if config.require_all && !missing.is_empty() { Verdict::Fail } else { Verdict::Unsupported };
        let detail =
            if verdict == Verdict::Fail { format!("{why} (STRATA_REQUIRE_ALL=1 forbids skipping)") } else { why };
        return TestResult { path: path.into(), verdict, detail };
    }
    if d.run.is_empty() {
        let detail = "no RUN lines: not a test (an input of other tests?)".into();
        return TestResult { path: path.into(), verdict: Verdict::Skipped, detail };
    }
    let expect_fail = d.xfail.iter().any(|x| has(&config.features, x));
    let temp = config.temp_dir.join(format!("{index}-{}", path.file_name().unwrap_or_default().to_string_lossy()));
    let _ = std::fs::remove_dir_all(&temp);
    let _ = std::fs::create_dir_all(&temp);
    let deadline = config.timeout.map(|t| Instant::now() + t);
    let mut failure = None;
    for (i, line) in d.run.iter().enumerate() {
        let cmd = substitute(line, path, &temp, &config.tools);
        let out = match run_line(&format!("{PRELUDE}{cmd}"), deadline) {
            Ok(o) => o,
            Err(e) => {
                failure = Some(format!("RUN line {}: cannot run bash: {e}", i + 1));
                break;
            }
        };
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let Some(status) = out.status else {
            let limit = config.timeout.unwrap_or_default().as_secs_f64();
            let detail = format!(
                "timed out after {limit} s (--timeout) in RUN line {}; everything it started was ended:\n  {cmd}\n--- stdout\n{stdout}--- stderr\n{stderr}",
                i + 1
            );
            let _ = std::fs::remove_dir_all(&temp);
            return TestResult { path: path.into(), verdict: Verdict::Timeout, detail };
        };
        if !status.success() {
            let mut detail = format!(
                "RUN line {} failed (exit {}):\n  {cmd}\n--- stdout\n{stdout}--- stderr\n{stderr}",
                i + 1,
                status.code().map_or("signal".to_string(), |c| c.to_string()),
            );
            if status.code() == Some(127) {
                let tool = stderr
                    .lines()
                    .find_map(|l| l.strip_suffix(": command not found"))
                    .and_then(|l| l.rsplit(": ").next())
                    .unwrap_or("a command");
                detail.push_str(&format!(
                    "error: tool '{tool}' not found: put it on PATH or name it with --tool {tool}=PATH\n"
                ));
            }
            failure = Some(detail);
            break;
        }
    }
    let _ = std::fs::remove_dir_all(&temp);
    let (verdict, detail) = match (failure, expect_fail) {
        (None, false) => (Verdict::Pass, String::new()),
        (None, true) => (Verdict::Xpass, "expected to fail (XFAIL) but passed".into()),
        (Some(f), false) => (Verdict::Fail, f),
        (Some(f), true) => (Verdict::Xfail, f),
    };
    TestResult { path: path.into(), verdict, detail }
}

/// What a RUN line printed, and its exit status (`None`: it ran past the deadline and was ended).
struct LineOutput {
    status: Option<std::process::ExitStatus>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs `script` with bash, in its own process group so that a timeout (or a signal to the
/// runner, through [`cleanup`]) ends everything it started. Output goes to unnamed temporary
/// files, which cannot fill up and block the test the way an unread pipe can.
fn run_line(script: &str, deadline: Option<Instant>) -> std::io::Result<LineOutput> {
    let mut stdout = tempfile::tempfile()?;
    let mut stderr = tempfile::tempfile()?;
    let mut cmd = Command::new("bash");
    cmd.arg("-o").arg("pipefail").arg("-c").arg(script);
    cmd.stdin(Stdio::null()).stdout(stdout.try_clone()?).stderr(stderr.try_clone()?);
    let (mut child, registration) = cleanup::spawn_group(&mut cmd)?;
    let status = match deadline {
        None => Some(child.wait()?),
        Some(d) => match child.wait_timeout(d.saturating_duration_since(Instant::now()))? {
            Some(status) => Some(status),
            None => {
                cleanup::terminate_group(&mut child)?;
                None
            }
        },
    };
    drop(registration);
    let read = |f: &mut std::fs::File| -> std::io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        f.rewind()?;
        f.read_to_end(&mut bytes)?;
        Ok(bytes)
    };
    Ok(LineOutput { status, stdout: read(&mut stdout)?, stderr: read(&mut stderr)? })
}

/// Runs every test in parallel; results in file order.
pub fn run_all(files: &[PathBuf], config: &Config) -> Vec<TestResult> {
    files.par_iter().enumerate().map(|(i, f)| run_test(f, config, i)).collect()
}

/// `N passed, N failed, ...`.
pub fn summary(results: &[TestResult]) -> String {
    let count = |v: Verdict| results.iter().filter(|r| r.verdict == v).count();
    let failed = count(Verdict::Fail) + count(Verdict::Xpass) + count(Verdict::Timeout);
    let mut s = format!("{} passed, {failed} failed", count(Verdict::Pass));
    for (v, what) in [
        (Verdict::Unsupported, "skipped (unsupported)"),
        (Verdict::Skipped, "skipped (no RUN lines)"),
        (Verdict::Xfail, "expected failures"),
    ] {
        if count(v) > 0 {
            s.push_str(&format!(", {} {what}", count(v)));
        }
    }
    let notes: Vec<String> = [(Verdict::Xpass, "unexpectedly passed"), (Verdict::Timeout, "timed out")]
        .into_iter()
        .filter(|(v, _)| count(*v) > 0)
        .map(|(v, what)| format!("{} {what}", count(v)))
        .collect();
    if !notes.is_empty() {
        s.push_str(&format!(" ({})", notes.join(", ")));
    }
    s
}

//! Runs the `// RUN:` lines of every file under `testdata/` through `sh`, with `strata-opt`
//! and LLVM's `FileCheck` and `not` on the path.
//!
//! A stop-gap until `strata-lit` and our own FileCheck exist: it needs LLVM 14's tools
//! (`/usr/lib/llvm-14/bin`, Debian's `llvm-14-tools`) and says plainly when they are missing.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const LLVM_BIN: &str = "/usr/lib/llvm-14/bin";

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "mlir") {
            out.push(p);
        }
    }
}

/// The RUN commands of a file, `\`-continued lines joined.
fn run_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let Some(at) = line.find("RUN:") else { continue };
        let cmd = line[at + 4..].trim();
        match cmd.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(cmd);
                out.push(std::mem::take(&mut pending));
            }
        }
    }
    out
}

#[test]
fn every_run_line_in_testdata_passes() {
    if !Path::new(LLVM_BIN).join("FileCheck").exists() {
        assert!(
            std::env::var("STRATA_REQUIRE_ALL").is_err(),
            "STRATA_REQUIRE_ALL is set but {LLVM_BIN}/FileCheck is missing (apt install llvm-14-tools)"
        );
        eprintln!("SKIPPED: RUN lines need LLVM's FileCheck at {LLVM_BIN} (apt install llvm-14-tools)");
        return;
    }
    let opt = Path::new(env!("CARGO_BIN_EXE_strata-opt"));
    // A private folder on the path holding `strata-opt`, so RUN lines name it bare.
    let tmp = std::env::temp_dir().join(format!("strata-run-lines-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let path = format!("{}:{LLVM_BIN}:{}", opt.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let mut all = Vec::new();
    files(&common::repo_root().join("testdata"), &mut all);
    all.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in &all {
        let text = std::fs::read_to_string(file).unwrap();
        let dir = file.parent().unwrap();
        let stem = file.file_name().unwrap().to_string_lossy().to_string();
        for (i, line) in run_lines(&text).iter().enumerate() {
            count += 1;
            let t = tmp.join(format!("{stem}.tmp"));
            let cmd = line
                .replace("%%", "\u{0}")
                .replace("%s", &file.display().to_string())
                .replace("%S", &dir.display().to_string())
                .replace("%t", &t.display().to_string())
                .replace('\u{0}', "%");
            let out =
                Command::new("bash").arg("-o").arg("pipefail").arg("-c").arg(&cmd).env("PATH", &path).output().unwrap();
            if !out.status.success() {
                failures.push(format!(
                    "{}: RUN line {} failed:\n  {cmd}\n{}{}",
                    file.display(),
                    i + 1,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(count > 40, "found only {count} RUN lines");
    assert!(failures.is_empty(), "{} of {count} RUN lines failed:\n{}", failures.len(), failures.join("\n"));
}

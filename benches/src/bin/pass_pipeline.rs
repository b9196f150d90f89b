//! `builtin.module(func.func(canonicalize,cse))` over 1,000 functions × 400 arith ops:
//! strata-opt against mlir-opt-22 on the same file in the same run, whole command (parse,
//! passes, print) and the pass pipeline alone (each tool's own `--mlir-timing`), with
//! threads and without.
//!
//! `cargo build --release --bin strata-opt && cargo run --release -p strata-benches --bin pass-pipeline -- [--runs 5]`
//!
//! strata-opt is `--strata-opt PATH`, else the one beside this benchmark's executable (the same
//! target folder and profile, wherever `CARGO_TARGET_DIR` puts it), else
//! `$CARGO_TARGET_DIR/release/strata-opt`, else the workspace's `target/release/strata-opt`.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use strata_benches::{arith_module, time};

#[derive(Parser)]
struct Args {
    /// Timed repetitions per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    #[arg(long, default_value_t = 1000)]
    functions: usize,
    #[arg(long, default_value_t = 400)]
    ops_per_function: usize,
    /// The strata-opt to measure (default: found as the module documentation says).
    #[arg(long)]
    strata_opt: Option<PathBuf>,
    #[arg(long, default_value = "target/bench-inputs")]
    dir: PathBuf,
}

const PIPELINE: &str = "--pass-pipeline=builtin.module(func.func(canonicalize,cse))";

/// Reports `message` and exits with status 1: a benchmark that cannot run says why.
fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

/// Where strata-opt may be, in order: beside `exe` (this benchmark, built in the same target
/// folder and profile), in `target_dir`'s release folder, in the workspace's.
fn candidates(exe: Option<&Path>, target_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Some(dir) = exe.and_then(Path::parent) {
        found.push(dir.join("strata-opt"));
    }
    if let Some(dir) = target_dir {
        found.push(dir.join("release").join("strata-opt"));
    }
    found.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target").join("release").join("strata-opt"));
    found
}

/// `given`, or the first of `candidates` that exists; else what was looked for and how to get it.
fn find_strata_opt(given: Option<PathBuf>, candidates: &[PathBuf]) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return if path.is_file() { Ok(path) } else { Err(format!("--strata-opt {}: no such file", path.display())) };
    }
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        format!(
            "strata-opt not found; looked at {}. Build it with `cargo build --release --bin strata-opt` or pass --strata-opt PATH",
            candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )
    })
}

fn run(tool: &Path, file: &Path, extra: &[&str]) -> (String, String) {
    let out = Command::new(tool)
        .arg(file)
        .arg(PIPELINE)
        .args(extra)
        .output()
        .unwrap_or_else(|e| fail(format!("cannot run {}: {e}", tool.display())));
    if !out.status.success() {
        fail(format!("{} failed: {}", tool.display(), String::from_utf8_lossy(&out.stderr)));
    }
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Seconds of the `'func.func' Pipeline` line of a `--mlir-timing` report (its wall column).
fn pipeline_seconds(report: &str) -> f64 {
    let line = report
        .lines()
        .find(|l| l.contains("'func.func' Pipeline"))
        .unwrap_or_else(|| fail(format!("no 'func.func' Pipeline line in the timing report:\n{report}")));
    // Columns: [user (pct)] wall (pct) name; the wall time is the last number before the name.
    let numbers: Vec<f64> = line
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '%')
        .filter_map(|t| t.parse().ok())
        .collect();
    match numbers.len() {
        0 | 1 => fail(format!("cannot read the wall time in: {line}")),
        n => numbers[n - 2],
    }
}

fn main() {
    let args = Args::parse();
    let exe = std::env::current_exe().ok();
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from);
    let strata_opt = find_strata_opt(args.strata_opt.clone(), &candidates(exe.as_deref(), target_dir.as_deref()))
        .unwrap_or_else(|e| fail(e));
    let peer = PathBuf::from("mlir-opt-22");
    if Command::new(&peer).arg("--version").output().is_err() {
        eprintln!("mlir-opt-22 not found (apt install mlir-22-tools)");
        std::process::exit(1);
    }
    std::fs::create_dir_all(&args.dir).unwrap_or_else(|e| fail(format!("{}: {e}", args.dir.display())));
    let file = args.dir.join(format!("canon-cse-{}x{}.mlir", args.functions, args.ops_per_function));
    std::fs::write(&file, arith_module(args.functions * args.ops_per_function, args.ops_per_function, false))
        .unwrap_or_else(|e| fail(format!("{}: {e}", file.display())));
    let ops = args.functions * args.ops_per_function;
    println!("{ops} ops in {} functions; pipeline {PIPELINE}; median of {} runs", args.functions, args.runs);

    // Same work: both outputs hold the same number of ops.
    let (ours, _) = run(&strata_opt, &file, &[]);
    let (theirs, _) = run(&peer, &file, &[]);
    let count = |s: &str| s.lines().filter(|l| l.contains(" = ") || l.trim_start().starts_with("return")).count();
    println!("ops left after the pipeline: strata {} / mlir-opt {}", count(&ours), count(&theirs));
    if ours == theirs {
        println!("outputs are identical");
    }

    println!("| threads | strata-opt s | mlir-opt s | speed ratio | strata pipeline s | mlir-opt pipeline s | pipeline ratio |");
    println!("|---|---|---|---|---|---|---|");
    for threads in [true, false] {
        let extra: &[&str] = if threads { &[] } else { &["--mlir-disable-threading"] };
        let with_out: Vec<&str> = extra.iter().copied().chain(["-o", "/dev/null"]).collect();
        let ours = time(args.runs, || run(&strata_opt, &file, &with_out)).0.as_secs_f64();
        let theirs = time(args.runs, || run(&peer, &file, &with_out)).0.as_secs_f64();
        let timed: Vec<&str> = with_out.iter().copied().chain(["--mlir-timing"]).collect();
        let mut ours_p: Vec<f64> =
            (0..args.runs).map(|_| pipeline_seconds(&run(&strata_opt, &file, &timed).1)).collect();
        let mut theirs_p: Vec<f64> = (0..args.runs).map(|_| pipeline_seconds(&run(&peer, &file, &timed).1)).collect();
        ours_p.sort_by(f64::total_cmp);
        theirs_p.sort_by(f64::total_cmp);
        let (op, tp) = (ours_p[ours_p.len() / 2], theirs_p[theirs_p.len() / 2]);
        println!(
            "| {} | {ours:.3} | {theirs:.3} | {:.2} | {op:.3} | {tp:.3} | {:.2} |",
            if threads { "on" } else { "off" },
            theirs / ours,
            tp / op
        );
    }
    println!("(speed ratio = mlir-opt time / strata time: above 1 means Strata is faster)");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strata_opt_is_found_beside_the_benchmark_or_in_cargo_target_dir() {
        let root = std::env::temp_dir().join(format!("strata-bench-find-{}", std::process::id()));
        let (beside, target) = (root.join("elsewhere/release"), root.join("custom-target"));
        std::fs::create_dir_all(&beside).unwrap();
        std::fs::create_dir_all(target.join("release")).unwrap();
        let exe = beside.join("pass-pipeline");
        // Nothing built anywhere we look: an error naming the places, not a panic.
        let nowhere = [beside.join("strata-opt"), target.join("release/strata-opt")];
        let err = find_strata_opt(None, &nowhere).unwrap_err();
        assert!(err.contains("strata-opt not found") && err.contains(&target.display().to_string()), "{err}");
        // In CARGO_TARGET_DIR.
        std::fs::write(target.join("release/strata-opt"), "").unwrap();
        let found = find_strata_opt(None, &candidates(Some(&exe), Some(&target))).unwrap();
        assert_eq!(found, target.join("release/strata-opt"));
        // Beside the benchmark comes first.
        std::fs::write(beside.join("strata-opt"), "").unwrap();
        let found = find_strata_opt(None, &candidates(Some(&exe), Some(&target))).unwrap();
        assert_eq!(found, beside.join("strata-opt"));
        assert!(find_strata_opt(Some(root.join("missing")), &[]).unwrap_err().contains("no such file"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}

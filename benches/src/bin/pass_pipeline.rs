//! `builtin.module(func.func(canonicalize,cse))` over 1,000 functions × 400 arith ops:
//! strata-opt against mlir-opt-22 on the same file in the same run, whole command (parse,
//! passes, print) and the pass pipeline alone (each tool's own `--mlir-timing`), with
//! threads and without.
//!
//! `cargo build --release --bin strata-opt && cargo run --release -p strata-benches --bin pass-pipeline -- [--runs 5]`

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
    /// The strata-opt to measure.
    #[arg(long, default_value = "target/release/strata-opt")]
    strata_opt: PathBuf,
    #[arg(long, default_value = "target/bench-inputs")]
    dir: PathBuf,
}

const PIPELINE: &str = "--pass-pipeline=builtin.module(func.func(canonicalize,cse))";

fn run(tool: &Path, file: &Path, extra: &[&str]) -> (String, String) {
    let out = Command::new(tool).arg(file).arg(PIPELINE).args(extra).output().expect("run tool");
    assert!(out.status.success(), "{} failed: {}", tool.display(), String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Seconds of the `'func.func' Pipeline` line of a `--mlir-timing` report (its wall column).
fn pipeline_seconds(report: &str) -> f64 {
    let line = report.lines().find(|l| l.contains("'func.func' Pipeline")).expect("pipeline line in timing report");
    // Columns: [user (pct)] wall (pct) name; the wall time is the last number before the name.
    let numbers: Vec<f64> = line
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '%')
        .filter_map(|t| t.parse().ok())
        .collect();
    numbers[numbers.len() - 2]
}

fn main() {
    let args = Args::parse();
    let peer = PathBuf::from("mlir-opt-22");
    if Command::new(&peer).arg("--version").output().is_err() {
        eprintln!("mlir-opt-22 not found (apt install mlir-22-tools)");
        std::process::exit(1);
    }
    std::fs::create_dir_all(&args.dir).unwrap();
    let file = args.dir.join(format!("canon-cse-{}x{}.mlir", args.functions, args.ops_per_function));
    std::fs::write(&file, arith_module(args.functions * args.ops_per_function, args.ops_per_function, false)).unwrap();
    let ops = args.functions * args.ops_per_function;
    println!("{ops} ops in {} functions; pipeline {PIPELINE}; median of {} runs", args.functions, args.runs);

    // Same work: both outputs hold the same number of ops.
    let (ours, _) = run(&args.strata_opt, &file, &[]);
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
        let ours = time(args.runs, || run(&args.strata_opt, &file, &with_out)).0.as_secs_f64();
        let theirs = time(args.runs, || run(&peer, &file, &with_out)).0.as_secs_f64();
        let timed: Vec<&str> = with_out.iter().copied().chain(["--mlir-timing"]).collect();
        let mut ours_p: Vec<f64> =
            (0..args.runs).map(|_| pipeline_seconds(&run(&args.strata_opt, &file, &timed).1)).collect();
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

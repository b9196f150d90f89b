//! Parse, verify and print throughput of Strata on generated files of 200 k and 1 M ops, in
//! custom and generic form, side by side with mlir-opt-22 on the same files in the same run.
//!
//! `cargo run --release -p strata-benches --bin ir-throughput -- [--runs 5] [--sizes 200000,1000000]`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use strata_benches::{arith_module, time};
use strata_ir::{parse_source, print_module, verify, Context, ParseOptions, PrintOptions};

#[derive(Parser)]
struct Args {
    /// Timed repetitions per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Op counts of the generated files.
    #[arg(long, value_delimiter = ',', default_value = "200000,1000000")]
    sizes: Vec<usize>,
    /// Where generated files go.
    #[arg(long, default_value = "target/bench-inputs")]
    dir: PathBuf,
}

fn mlir_opt() -> Option<&'static str> {
    Command::new("mlir-opt-22").arg("--version").output().ok().filter(|o| o.status.success()).map(|_| "mlir-opt-22")
}

/// Median wall time of `mlir-opt FILE -o /dev/null` (parse, verify, print).
fn time_mlir_opt(tool: &str, file: &Path, generic: bool, runs: usize) -> f64 {
    let (median, _, _) = time(runs, || {
        let mut cmd = Command::new(tool);
        cmd.arg(file).arg("-o").arg("/dev/null");
        if generic {
            cmd.arg("--mlir-print-op-generic");
        }
        let ok = cmd.status().expect("run mlir-opt").success();
        assert!(ok, "mlir-opt failed on {}", file.display());
    });
    median.as_secs_f64()
}

/// Peak resident memory in KiB of this process so far (Linux `VmHWM`).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let args = Args::parse();
    std::fs::create_dir_all(&args.dir).unwrap();
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let peer = mlir_opt();
    if peer.is_none() {
        println!("mlir-opt-22 not found: printing Strata's figures only (apt install mlir-22-tools)");
    }
    println!("| ops | form | MB | parse ms | verify ms | print ms | strata total ms | strata kops/s | strata MB/s | mlir-opt ms | mlir-opt kops/s | ratio (strata/mlir-opt speed) | peak RSS bytes/op |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for &n in &args.sizes {
        for generic in [false, true] {
            let text = arith_module(n, 400, generic);
            let file = args.dir.join(format!("arith_{n}_{}.mlir", if generic { "generic" } else { "custom" }));
            std::fs::write(&file, &text).unwrap();
            let name = file.display().to_string();
            let opts = ParseOptions::default();
            let (parse, _, _) = time(args.runs, || parse_source(&ctx, &name, &text, &opts).unwrap());
            let module = parse_source(&ctx, &name, &text, &opts).unwrap();
            let ops = module.ir.num_ops();
            let (verify_t, _, _) = time(args.runs, || verify(&ctx, &module.ir, module.root).unwrap());
            let popts = PrintOptions { generic, ..Default::default() };
            let (print, _, _) = time(args.runs, || print_module(&ctx, &module, &popts));
            drop(module);
            let total = parse + verify_t + print;
            let mb = text.len() as f64 / 1e6;
            // One fresh parse in a child-free measurement of peak memory per op.
            let before = peak_rss_kib();
            let t = Instant::now();
            let m = parse_source(&ctx, &name, &text, &opts).unwrap();
            let _ = t.elapsed();
            let after = peak_rss_kib();
            drop(m);
            let per_op = match (before, after) {
                (Some(_), Some(a)) => format!("{:.0}", (a as f64 * 1024.0 - text.len() as f64) / ops as f64),
                _ => "n/a".into(),
            };
            let secs = total.as_secs_f64();
            let (peer_ms, peer_kops, ratio) = match peer {
                Some(tool) => {
                    let p = time_mlir_opt(tool, &file, generic, args.runs);
                    (format!("{:.0}", p * 1e3), format!("{:.0}", ops as f64 / p / 1e3), format!("{:.2}", p / secs))
                }
                None => ("-".into(), "-".into(), "-".into()),
            };
            println!(
                "| {ops} | {} | {mb:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} | {peer_ms} | {peer_kops} | {ratio} | {per_op} |",
                if generic { "generic" } else { "custom" },
                parse.as_secs_f64() * 1e3,
                verify_t.as_secs_f64() * 1e3,
                print.as_secs_f64() * 1e3,
                secs * 1e3,
                ops as f64 / secs / 1e3,
                mb / secs,
            );
        }
    }
}

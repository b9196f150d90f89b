//! Parse, verify and print throughput of Strata on generated files of 200 k and 1 M ops, in
//! custom and generic form, side by side with mlir-opt-22 on the same files in the same run;
//! the whole-process peak memory of `strata-opt` and `mlir-opt-22` on them; and the MB/s of
//! both on one large `dense` attribute written in decimal and in hex.
//!
//! `cargo build --release --bin strata-opt`, then
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
    /// Elements of the large `dense` attribute (0: skip that table).
    #[arg(long, default_value_t = 300_000)]
    dense: usize,
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

/// Wall seconds and peak resident KiB of `tool FILE -o /dev/null` (GNU time's `%e %M`), the
/// median run by time.
fn whole_process(tool: &str, file: &Path, runs: usize) -> Option<(f64, u64)> {
    let mut samples: Vec<(f64, u64)> = (0..runs)
        .map(|_| {
            let out = Command::new("/usr/bin/time")
                .args(["-f", "%e %M", tool])
                .arg(file)
                .args(["-o", "/dev/null"])
                .output()
                .ok()
                .filter(|o| o.status.success())?;
            let err = String::from_utf8_lossy(&out.stderr);
            let mut last = err.lines().last()?.split_whitespace();
            Some((last.next()?.parse().ok()?, last.next()?.parse().ok()?))
        })
        .collect::<Option<_>>()?;
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    samples.get(samples.len() / 2).copied()
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
    let mut files = Vec::new();
    for &n in &args.sizes {
        for generic in [false, true] {
            let text = arith_module(n, 400, generic);
            let file = args.dir.join(format!("arith_{n}_{}.mlir", if generic { "generic" } else { "custom" }));
            std::fs::write(&file, &text).unwrap();
            files.push(file.clone());
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
    whole_process_table(peer, &files, args.runs);
    if args.dense > 0 {
        dense_table(&ctx, peer, &args);
    }
}

/// `strata-opt` (built beside this binary) and mlir-opt-22 as whole processes on each file.
fn whole_process_table(peer: Option<&str>, files: &[PathBuf], runs: usize) {
    let ours = std::env::current_exe().unwrap().with_file_name("strata-opt");
    let Some(ours) = ours.exists().then(|| ours.display().to_string()) else {
        println!("\nstrata-opt is not built beside this binary: no whole-process figures");
        return;
    };
    println!("\nWhole process, `TOOL FILE -o /dev/null` (median of {runs}; /usr/bin/time):\n");
    println!("| file | strata-opt s | mlir-opt s | speed ratio | strata-opt peak KiB | mlir-opt peak KiB | memory ratio (strata/mlir-opt) |");
    println!("|---|---|---|---|---|---|---|");
    for file in files {
        let Some((t, m)) = whole_process(&ours, file, runs) else {
            println!("\n/usr/bin/time not found or strata-opt failed on {}", file.display());
            return;
        };
        let (pt, pm) = peer.and_then(|p| whole_process(p, file, runs)).map_or((f64::NAN, 0), |x| x);
        let name = file.file_name().unwrap().to_string_lossy();
        println!("| {name} | {t:.2} | {pt:.2} | {:.2} | {m} | {pm} | {:.2} |", pt / t, m as f64 / pm as f64);
    }
}

/// One `arith.constant` of `--dense` f32 elements, written in decimal and in hex: Strata's
/// in-process parse and print against mlir-opt-22's `--mlir-timing` "Parser" and "Output".
fn dense_table(ctx: &Context, peer: Option<&str>, args: &Args) {
    let n = args.dense;
    let values: Vec<f32> = (0..n).map(|i| ((i * 7919) % 1000) as f32 / 8.0 - 60.0).collect();
    let decimal = values.iter().map(|v| format!("{v:.3}")).collect::<Vec<_>>().join(", ");
    let hex: String = values.iter().flat_map(|v| v.to_le_bytes()).map(|b| format!("{b:02X}")).collect();
    println!("\nA `dense` attribute of {n} f32 elements (printed in hex, as mlir-opt prints it):\n");
    println!("| written as | MB | strata parse ms | strata print ms | strata parse MB/s | mlir-opt parse ms | mlir-opt print ms | mlir-opt parse MB/s | parse ratio | print ratio |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (form, body) in [("decimal", format!("[{decimal}]")), ("hex", format!("\"0x{hex}\""))] {
        let text = format!("func.func @f() -> tensor<{n}xf32> {{\n  %c = arith.constant dense<{body}> : tensor<{n}xf32>\n  return %c : tensor<{n}xf32>\n}}\n");
        let file = args.dir.join(format!("dense_{n}_{form}.mlir"));
        std::fs::write(&file, &text).unwrap();
        let name = file.display().to_string();
        let opts = ParseOptions::default();
        let (parse, _, _) = time(args.runs, || parse_source(ctx, &name, &text, &opts).unwrap());
        let module = parse_source(ctx, &name, &text, &opts).unwrap();
        let (print, _, _) = time(args.runs, || print_module(ctx, &module, &PrintOptions::default()));
        let mb = text.len() as f64 / 1e6;
        let (pp, po) = peer.and_then(|p| mlir_timing(p, &file, args.runs)).unwrap_or((f64::NAN, f64::NAN));
        let (parse, print) = (parse.as_secs_f64(), print.as_secs_f64());
        println!(
            "| {form} | {mb:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} |",
            parse * 1e3,
            print * 1e3,
            mb / parse,
            pp * 1e3,
            po * 1e3,
            mb / pp,
            pp / parse,
            po / print
        );
    }
}

/// Medians of mlir-opt's own "Parser" and "Output" seconds (`--mlir-timing`).
fn mlir_timing(tool: &str, file: &Path, runs: usize) -> Option<(f64, f64)> {
    let mut parse = Vec::new();
    let mut output = Vec::new();
    for _ in 0..runs {
        let out = Command::new(tool).arg(file).args(["-o", "/dev/null", "--mlir-timing"]).output().ok()?;
        let err = String::from_utf8_lossy(&out.stderr);
        let secs = |name: &str| -> Option<f64> {
            let line = err.lines().find(|l| l.trim_end().ends_with(name))?;
            line.split_whitespace().next()?.parse().ok()
        };
        parse.push(secs("Parser")?);
        output.push(secs("Output")?);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Some((median(&mut parse), median(&mut output)))
}

//! Weights as `dense_resource` blobs: parse and print throughput of ResNet-18 whose 11.7 M
//! random f32 weights (45 MB) are blobs, so the file is ~90 MB of hex in MLIR's `{-# ... #-}`
//! section behind a small graph, against mlir-opt-22 on the same file in the same run (its
//! `--mlir-timing` report splits its run into parsing and output).
//!
//! `cargo run --release -p strata-benches --bin blob-throughput -- [--runs 5]`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use strata_ir::{parse_source, print_module, AttrKind, Context, Module, ParseOptions, PrintOptions};
use strata_runtime::random::SplitMix;

#[derive(Parser)]
struct Args {
    /// Timed repetitions per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Where the generated file goes.
    #[arg(long, default_value = "target/bench-inputs")]
    dir: PathBuf,
}

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

/// ResNet-18's generic text with every weight that is not a constant of the graph's own (the
/// attention-style scales ResNet has none of) drawn at random into a blob.
fn resnet_with_blobs(ctx: &Context) -> String {
    let net = strata_benches::models::resnet_network(18, 224);
    let mut m =
        parse_source(ctx, "resnet18.mlir", &net.text, &ParseOptions::default()).expect("the generated graph parses");
    let func = strata_runtime::functions(ctx, &m.ir, m.root)[0].1;
    let constants: Vec<_> =
        m.ir.collect_ops(func).into_iter().filter(|&op| ctx.ident_str(m.ir.op(op).name()) == "nn.constant").collect();
    assert_eq!(constants.len(), net.inits.len());
    let mut rng = SplitMix(18);
    let value = ctx.ident("value");
    for (op, init) in constants.into_iter().zip(&net.inits) {
        let ty = m.ir.value_type(m.ir.op(op).results()[0]);
        let n = ctx.num_elements(ty).expect("static weights") as usize;
        let bytes: Vec<u8> = (0..n).flat_map(|_| (rng.uniform(init.lo, init.hi) as f32).to_le_bytes()).collect();
        let attr = ctx.dense_resource_attr("weight", ty, bytes).expect("bytes of the type's size");
        m.ir.set_attr(op, value, attr);
    }
    print_module(ctx, &m, &PrintOptions { generic: true, ..Default::default() })
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64()
}

/// Median seconds of our parse and print of `text`, each parse into a fresh context (so no
/// run finds the blobs of the one before).
fn time_strata(text: &str, runs: usize) -> (f64, f64) {
    let mut parses = Vec::new();
    let mut prints = Vec::new();
    let generic = PrintOptions { generic: true, ..Default::default() };
    for _ in 0..runs {
        let ctx = context();
        let t = Instant::now();
        let m: Module = parse_source(&ctx, "resnet18-blobs.mlir", text, &ParseOptions::default()).expect("parses");
        parses.push(t.elapsed());
        let t = Instant::now();
        let printed = std::hint::black_box(print_module(&ctx, &m, &generic));
        prints.push(t.elapsed());
        assert!(printed == text, "the print is not the text parsed");
    }
    (median(parses), median(prints))
}

/// Median seconds of mlir-opt's parser, its output, and its whole run, from `--mlir-timing`.
fn time_mlir_opt(file: &Path, runs: usize) -> Option<(f64, f64, f64)> {
    let mut parser = Vec::new();
    let mut output = Vec::new();
    let mut total = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let out = Command::new("mlir-opt-22")
            .args(["--allow-unregistered-dialect", "--mlir-print-op-generic", "--mlir-timing", "-o", "/dev/null"])
            .arg(file)
            .output()
            .ok()?;
        total.push(t.elapsed());
        assert!(out.status.success(), "mlir-opt-22 failed: {}", String::from_utf8_lossy(&out.stderr));
        let report = String::from_utf8_lossy(&out.stderr);
        let phase = |name: &str| -> Duration {
            let line = report.lines().find(|l| l.trim_end().ends_with(name)).expect("a --mlir-timing line");
            Duration::from_secs_f64(line.split_whitespace().next().unwrap().parse().unwrap())
        };
        parser.push(phase("Parser"));
        output.push(phase("Output"));
    }
    Some((median(parser), median(output), median(total)))
}

fn main() {
    let args = Args::parse();
    std::fs::create_dir_all(&args.dir).unwrap();
    let text = resnet_with_blobs(&context());
    let file = args.dir.join("resnet18-blobs.mlir");
    std::fs::write(&file, &text).unwrap();
    let section = text.len() - text.find("{-#").expect("a resource section");
    let mb = text.len() as f64 / 1e6;
    println!(
        "file: {} ({mb:.1} MB: {:.1} kB of graph, the rest the blob section), median of {} runs",
        file.display(),
        (text.len() - section) as f64 / 1e3,
        args.runs
    );
    let (parse, print) = time_strata(&text, args.runs);
    let peer = time_mlir_opt(&file, args.runs);
    if peer.is_none() {
        println!("mlir-opt-22 not found: printing Strata's figures only (apt install mlir-22-tools)");
    }
    // The blobs mlir-opt writes back are ours, byte for byte.
    if peer.is_some() {
        let out = Command::new("mlir-opt-22")
            .args(["--allow-unregistered-dialect", "--mlir-print-op-generic"])
            .arg(&file)
            .output()
            .unwrap();
        let theirs = String::from_utf8(out.stdout).unwrap();
        let blobs = |t: &str| t[t.find("{-#").expect("a resource section")..].trim_end().to_string();
        assert!(blobs(&theirs) == blobs(&text), "mlir-opt-22 wrote other blobs");
    }
    println!("| step | strata ms | strata MB/s | mlir-opt-22 ms | mlir-opt-22 MB/s | speed ratio (strata/mlir-opt) |");
    println!("|---|---|---|---|---|---|");
    let row = |step: &str, ours: f64, theirs: Option<f64>| {
        let (t_ms, t_rate, ratio) = match theirs {
            Some(s) => (format!("{:.0}", s * 1e3), format!("{:.0}", mb / s), format!("{:.1}", s / ours)),
            None => ("-".into(), "-".into(), "-".into()),
        };
        println!("| {step} | {:.0} | {:.0} | {t_ms} | {t_rate} | {ratio} |", ours * 1e3, mb / ours);
    };
    row("parse", parse, peer.map(|p| p.0));
    row("print", print, peer.map(|p| p.1));
    if let Some((_, _, total)) = peer {
        println!("(mlir-opt-22's whole run, process start to exit: {:.0} ms)", total * 1e3);
    }
    let ctx = context();
    let m = parse_source(&ctx, "resnet18-blobs.mlir", &text, &ParseOptions::default()).unwrap();
    let blobs = m.ir.collect_ops(m.root).into_iter().filter(|op| {
        m.ir.op(*op).attrs().iter().any(|a| matches!(ctx.attr_kind(a.value), AttrKind::DenseResource { .. }))
    });
    println!("constants held as blobs: {}", blobs.count());
}

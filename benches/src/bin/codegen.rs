//! Code generation through Cranelift on this machine, each figure beside its peer in the same
//! run: a fused elementwise chain against numpy's copy, SGEMM against numpy/OpenBLAS and the
//! 128-bit FMA peak, the 3×3 convolutions of ResNet-18 against direct convolution and
//! onnxruntime, and the JIT compile time of ResNet-18.
//!
//! `cargo run --release -p strata-benches --bin codegen -- --runs 7`; `--only conv-algorithms`
//! times every applicable convolution algorithm per layer (what the cost model is calibrated
//! on).
//!
//! Peers run through `benches/peers/cpu_peers.py` (numpy, onnxruntime); a missing peer is
//! reported and its ratio left out. Times are medians of `--runs` calls after warm-up.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use strata_benches::models;
use strata_dialects::nn::shape::{ConvAlgorithm, Layout};
use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{parse_source, Context, Module, ParseOptions};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::{default_pipeline, Target};
use strata_runtime::random::SplitMix;
use strata_runtime::{Elem, Tensor};

#[derive(Parser)]
struct Args {
    /// Timed calls per measurement (the median is reported).
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Only these sections: peak, elementwise, sgemm, conv, conv-algorithms, compile.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

fn lower(ctx: &Context, text: &str, pipeline: &str) -> Module {
    let mut m = parse_source(ctx, "bench.mlir", text, &ParseOptions::default()).expect("benchmark IR parses");
    let mut r = PassRegistry::new();
    strata_passes::register_all(&mut r);
    strata_lowering::register_all(&mut r);
    PassManager::new(r.parse_pipeline(pipeline).expect("pipeline")).run(ctx, &mut m.ir, m.root).expect("lowering");
    m
}

/// Median milliseconds of `runs` calls of `entry`, JIT-compiled, on `threads` threads.
fn time_jit(ctx: &Context, m: &Module, entry: &str, inputs: &[Tensor], threads: usize, runs: usize) -> f64 {
    let jit = Jit::compile(ctx, &m.ir, m.root, JitOptions { threads: Some(threads), poison: false })
        .unwrap_or_else(|e| panic!("{e}"));
    let mut call = jit.prepare(entry, inputs).unwrap_or_else(|e| panic!("{e}"));
    call.invoke().unwrap();
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            call.invoke().unwrap();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn random(shape: &[usize], seed: u64) -> Tensor {
    SplitMix(seed).tensor(shape, Elem::F32, -1.0, 1.0)
}

/// A peer measurement from cpu_peers.py, or why there is none.
fn peer(args: &[String], env: &[(&str, String)]) -> Result<serde_json::Value, String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers/cpu_peers.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().map_err(|e| format!("python3: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or("failed").to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

/// `n` independent f32x4 multiply-add chains per thread, `threads` threads: the 128-bit FMA
/// peak as Cranelift code reaches it.
fn peak_ir(threads: usize, iterations: usize) -> String {
    let n = 12;
    let vt = "vector<4xf32>";
    let mut s = format!("func.func @peak(%x: memref<4xf32>) -> memref<{threads}x{}xf32> {{\n", 4 * n);
    s += &format!("  %out = memref.alloc() : memref<{threads}x{}xf32>\n", 4 * n);
    s += &format!(
        "  %c0 = arith.constant 0 : index\n  %c1 = arith.constant 1 : index\n  %n = arith.constant {iterations} : index\n  %t = arith.constant {threads} : index\n"
    );
    s += &format!("  %v = vector.load %x[%c0] : memref<4xf32>, {vt}\n  %m = arith.constant dense<0.999> : {vt}\n");
    s += "  \"scf.parallel\"(%c0, %t, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1>}> ({\n  ^bb0(%thread: index):\n";
    let inits = vec!["%v"; n].join(", ");
    let types = vec![vt; n].join(", ");
    s += &format!("    %r:{n} = \"scf.for\"(%c0, %n, %c1, {inits}) ({{\n");
    let params: Vec<String> = (0..n).map(|i| format!("%a{i}: {vt}")).collect();
    s += &format!("    ^bb0(%i: index, {}):\n", params.join(", "));
    for i in 0..n {
        s += &format!("      %p{i} = arith.mulf %a{i}, %m : {vt}\n      %s{i} = arith.addf %p{i}, %v : {vt}\n");
    }
    let yields: Vec<String> = (0..n).map(|i| format!("%s{i}")).collect();
    s += &format!(
        "      scf.yield {} : {types}\n    }}) : (index, index, index, {types}) -> ({types})\n",
        yields.join(", ")
    );
    for i in 0..n {
        s += &format!(
            "    %o{i} = arith.constant {} : index\n    vector.store %r#{i}, %out[%thread, %o{i}] : memref<{threads}x{}xf32>, {vt}\n",
            4 * i,
            4 * n
        );
    }
    s += &format!(
        "    scf.yield\n  }}) : (index, index, index) -> ()\n  return %out : memref<{threads}x{}xf32>\n}}\n",
        4 * n
    );
    s
}

fn peak(ctx: &Context, runs: usize, threads: usize) -> f64 {
    let iterations = 20_000_000;
    let m = lower(ctx, &peak_ir(threads, iterations), "builtin.module(canonicalize)");
    let ms = time_jit(ctx, &m, "peak", &[random(&[4], 1)], threads, runs);
    (threads * iterations * 12 * 8) as f64 / ms / 1e6
}

const CHAIN: &str = r#"func.func @chain(%x: tensor<16777216xf32>, %y: tensor<16777216xf32>) -> tensor<16777216xf32> {
  %a = "nn.add"(%x, %y) : (tensor<16777216xf32>, tensor<16777216xf32>) -> tensor<16777216xf32>
  %b = "nn.mul"(%a, %x) : (tensor<16777216xf32>, tensor<16777216xf32>) -> tensor<16777216xf32>
  %c = "nn.relu"(%b) : (tensor<16777216xf32>) -> tensor<16777216xf32>
  %d = "nn.sub"(%c, %y) : (tensor<16777216xf32>, tensor<16777216xf32>) -> tensor<16777216xf32>
  %e = "nn.neg"(%d) : (tensor<16777216xf32>) -> tensor<16777216xf32>
  %f = "nn.max"(%e, %a) : (tensor<16777216xf32>, tensor<16777216xf32>) -> tensor<16777216xf32>
  %g = "nn.mul"(%f, %f) : (tensor<16777216xf32>, tensor<16777216xf32>) -> tensor<16777216xf32>
  %h = "nn.add"(%g, %x) : (tensor<16777216xf32>, tensor<16777216xf32>) -> tensor<16777216xf32>
  return %h : tensor<16777216xf32>
}
"#;

fn elementwise(ctx: &Context, runs: usize) {
    println!("\n## Fused 8-op elementwise chain, 16M f32 (2 inputs, 1 output: 192 MiB moved)");
    let copy = peer(&["copy".into(), runs.to_string()], &[]);
    match &copy {
        Ok(v) => println!("numpy copy (1 thread): {:.2} ms, {:.1} GB/s", v["ms"], v["gbps"].as_f64().unwrap_or(0.0)),
        Err(e) => println!("numpy copy: unavailable ({e})"),
    }
    let copy_gbps = copy.ok().and_then(|v| v["gbps"].as_f64());
    let inputs = [random(&[1 << 24], 1), random(&[1 << 24], 2)];
    let fused = lower(ctx, CHAIN, default_pipeline(Target::Host));
    let unfused =
        lower(ctx, CHAIN, "builtin.module(func.func(plan-memory), lower-to-loops, func.func(vectorize{width=8}))");
    let bytes = 3.0 * 4.0 * (1u64 << 24) as f64;
    println!("{:<9} {:>7} {:>10} {:>8} {:>14} {:>12}", "variant", "threads", "ms", "GB/s", "x numpy copy", "x unfused");
    for threads in [1, 2] {
        let unfused_ms = time_jit(ctx, &unfused, "chain", &inputs, threads, runs);
        let fused_ms = time_jit(ctx, &fused, "chain", &inputs, threads, runs);
        for (name, ms) in [("fused", fused_ms), ("unfused", unfused_ms)] {
            let gbps = bytes / ms / 1e6;
            let vs_copy = copy_gbps.map_or("-".to_string(), |c| format!("{:.2}", gbps / c));
            println!("{name:<9} {threads:>7} {ms:>10.2} {gbps:>8.1} {vs_copy:>14} {:>12.2}", unfused_ms / ms);
        }
    }
}

fn sgemm(ctx: &Context, runs: usize, peaks: &[(usize, f64)]) {
    println!("\n## SGEMM 1024^3 (packed, 6x8 register tiles of f32x4 FMAs)");
    let text = r#"func.func @mm(%a: tensor<1024x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %c = "nn.matmul"(%a, %b) : (tensor<1024x1024xf32>, tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  return %c : tensor<1024x1024xf32>
}
"#;
    let m = lower(ctx, text, default_pipeline(Target::Host));
    let inputs = [random(&[1024, 1024], 3), random(&[1024, 1024], 4)];
    println!(
        "{:>7} {:>9} {:>8} {:>14} {:>9} {:>13} {:>10}",
        "threads", "ms", "GFLOP/s", "numpy GFLOP/s", "x numpy", "peak GFLOP/s", "of peak"
    );
    for threads in [1usize, 2] {
        let ms = time_jit(ctx, &m, "mm", &inputs, threads, runs);
        let gflops = 2.0 * 1024f64.powi(3) / ms / 1e6;
        let numpy = peer(
            &["matmul".into(), "1024".into(), runs.to_string()],
            &[("OPENBLAS_NUM_THREADS", threads.to_string()), ("OMP_NUM_THREADS", threads.to_string())],
        );
        let (np_text, ratio) = match &numpy {
            Ok(v) => {
                let g = v["gflops"].as_f64().unwrap_or(f64::NAN);
                (format!("{g:.1}"), format!("{:.2}", gflops / g))
            }
            Err(e) => (format!("n/a ({e})"), "-".into()),
        };
        let peak = peaks.iter().find(|(t, _)| *t == threads).map(|(_, p)| *p);
        let (peak_text, of_peak) = match peak {
            Some(p) => (format!("{p:.1}"), format!("{:.0}%", 100.0 * gflops / p)),
            None => ("-".into(), "-".into()),
        };
        println!("{threads:>7} {ms:>9.2} {gflops:>8.1} {np_text:>14} {ratio:>9} {peak_text:>13} {of_peak:>10}");
    }
}

/// The distinct 3×3 convolutions of ResNet-18 at 224×224: (in channels, out channels, input
/// size, stride).
const RESNET18_3X3: [(i64, i64, i64, i64); 7] = [
    (64, 64, 56, 1),
    (64, 128, 56, 2),
    (128, 128, 28, 1),
    (128, 256, 28, 2),
    (256, 256, 14, 1),
    (256, 512, 14, 2),
    (512, 512, 7, 1),
];

fn conv_ir(c: i64, k: i64, h: i64, s: i64, algorithm: Option<&str>) -> String {
    let o = (h + 2 - 3) / s + 1;
    let alg = algorithm.map_or(String::new(), |a| format!(", algorithm = \"{a}\""));
    format!(
        r#"func.func @conv(%x: tensor<1x{c}x{h}x{h}xf32>) -> tensor<1x{k}x{o}x{o}xf32> {{
  %w = "nn.constant"() {{value = dense<0.01> : tensor<{k}x{c}x3x3xf32>}} : () -> tensor<{k}x{c}x3x3xf32>
  %y = "nn.conv2d"(%x, %w) {{strides = [{s}, {s}], padding = [1, 1, 1, 1], dilations = [1, 1], groups = 1 : i64{alg}}} : (tensor<1x{c}x{h}x{h}xf32>, tensor<{k}x{c}x3x3xf32>) -> tensor<1x{k}x{o}x{o}xf32>
  return %y : tensor<1x{k}x{o}x{o}xf32>
}}
"#
    )
}

fn conv(ctx: &Context, runs: usize) {
    println!("\n## ResNet-18's 3x3 convolutions (224x224 input): chosen algorithm vs direct vs onnxruntime");
    println!(
        "{:<22} {:>7} {:<22} {:>9} {:>10} {:>8} {:>9} {:>8}",
        "layer", "threads", "chosen", "ms", "direct ms", "x direct", "ORT ms", "x ORT"
    );
    for threads in [1usize, 2] {
        let specs: Vec<String> = RESNET18_3X3.iter().map(|(c, k, h, s)| format!("{c},{k},{h},{h},{s}")).collect();
        let mut args = vec!["conv".to_string(), threads.to_string(), runs.to_string()];
        args.extend(specs);
        let ort = peer(&args, &[]);
        if let Err(e) = &ort {
            println!("onnxruntime: unavailable ({e})");
        }
        for (i, (c, k, h, s)) in RESNET18_3X3.iter().enumerate() {
            let text = conv_ir(*c, *k, *h, *s, None);
            let chosen = lower(ctx, &text, default_pipeline(Target::Host));
            let (algorithm, layout) = egraph_choice(ctx, &text);
            let algorithm = algorithm.map_or("?", ConvAlgorithm::name);
            let x = random(&[1, *c as usize, *h as usize, *h as usize], 5);
            let ms = time_jit(ctx, &chosen, "conv", std::slice::from_ref(&x), threads, runs);
            let direct = lower(
                ctx,
                &conv_ir(*c, *k, *h, *s, Some("direct")),
                "builtin.module(func.func(plan-memory), lower-to-loops, func.func(vectorize{width=8}))",
            );
            let direct_ms = time_jit(ctx, &direct, "conv", std::slice::from_ref(&x), threads, runs.min(3));
            let ort_ms = ort.as_ref().ok().and_then(|v| v["ms"][i].as_f64());
            let (ort_text, ratio) = match ort_ms {
                Some(o) => (format!("{o:.2}"), format!("{:.2}", o / ms)),
                None => ("-".into(), "-".into()),
            };
            println!(
                "{:<22} {threads:>7} {:<22} {ms:>9.2} {direct_ms:>10.1} {:>8.1} {ort_text:>9} {ratio:>8}",
                format!("{c}->{k} {h}x{h} s{s}"),
                format!("{algorithm} {layout}"),
                direct_ms / ms
            );
        }
    }
}

/// Every CPU algorithm that applies to each layer, in the layout egraph-opt picks for it (an
/// algorithm written in the graph is kept): the measurements the cost model is calibrated on.
/// FFT is left out (it is lowered as direct convolution).
fn conv_algorithms(ctx: &Context, runs: usize) {
    use strata_dialects::nn::shape::Conv2d;
    use strata_passes::egraph::cost::{applicable, Target as CostTarget};
    println!("\n## ResNet-18's 3x3 convolutions: every applicable algorithm (ms; * = egraph-opt's choice)");
    println!("{:<22} {:>7} {:<18} {:<8} {:>9}", "layer", "threads", "algorithm", "layout", "ms");
    for (c, k, h, s) in RESNET18_3X3 {
        let conv = Conv2d { strides: [s, s], padding: [1; 4], ..Conv2d::default() };
        let (choice, _) = egraph_choice(ctx, &conv_ir(c, k, h, s, None));
        let x = random(&[1, c as usize, h as usize, h as usize], 5);
        for algorithm in CostTarget::X86_64.algorithms() {
            if matches!(algorithm, ConvAlgorithm::Direct | ConvAlgorithm::Fft)
                || !applicable(*algorithm, &conv, [k, c, 3, 3])
            {
                continue;
            }
            let text = conv_ir(c, k, h, s, Some(algorithm.name()));
            let (_, layout) = egraph_choice(ctx, &text);
            let m = lower(ctx, &text, default_pipeline(Target::Host));
            let chosen = if choice == Some(*algorithm) { "*" } else { "" };
            for threads in [1usize, 2] {
                let ms = time_jit(ctx, &m, "conv", std::slice::from_ref(&x), threads, runs);
                println!(
                    "{:<22} {threads:>7} {:<18} {layout:<8} {ms:>9.2}",
                    format!("{c}->{k} {h}x{h} s{s}"),
                    format!("{}{chosen}", algorithm.name())
                );
            }
        }
    }
}

/// The algorithm and layout egraph-opt picks for a one-convolution graph, read off the graph it
/// writes.
fn egraph_choice(ctx: &Context, text: &str) -> (Option<ConvAlgorithm>, &'static str) {
    let m = lower(ctx, text, "builtin.module(func.func(egraph-opt{target=x86-64}))");
    let graph = strata_ir::print_module(ctx, &m, &Default::default());
    let written = |name: &str| graph.contains(&format!("\"{name}\""));
    let algorithm = ConvAlgorithm::ALL.into_iter().find(|a| written(a.name()));
    // Blocked layouts first: a relayout into one also names NCHW.
    let layout = Layout::ALL.into_iter().rev().find(|l| written(l.name())).unwrap_or(Layout::Nchw);
    (algorithm, layout.name())
}

fn compile(ctx: &Context, runs: usize) {
    println!("\n## JIT compile time of ResNet-18 (224x224)");
    let text = models::resnet(18);
    let mut lower_times = Vec::new();
    let mut jit_times = Vec::new();
    let mut ops = 0;
    for _ in 0..runs.clamp(1, 5) {
        let t = Instant::now();
        let m = lower(ctx, &text, default_pipeline(Target::Host));
        lower_times.push(t.elapsed().as_secs_f64());
        ops = m.ir.collect_ops(m.root).len();
        let t = Instant::now();
        let jit = Jit::compile(ctx, &m.ir, m.root, JitOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        jit_times.push(t.elapsed().as_secs_f64());
        drop(jit);
    }
    lower_times.sort_by(f64::total_cmp);
    jit_times.sort_by(f64::total_cmp);
    println!(
        "lowering (egraph-opt, plan, loops, vectors): {:.3} s; Cranelift JIT of the {ops} loop-level ops: {:.3} s (goal: under 1 s)",
        lower_times[lower_times.len() / 2],
        jit_times[jit_times.len() / 2]
    );
}

fn main() {
    let args = Args::parse();
    let want = |s: &str| args.only.is_empty() || args.only.iter().any(|o| o == s);
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    println!("# Cranelift code generation, median of {} runs", args.runs);
    let mut peaks = Vec::new();
    if want("peak") || want("sgemm") {
        println!("\n## 128-bit FMA peak (12 independent f32x4 FMA chains per thread, Cranelift JIT)");
        for threads in [1, 2] {
            let p = peak(&ctx, args.runs, threads);
            println!("{threads} thread(s): {p:.1} GFLOP/s");
            peaks.push((threads, p));
        }
    }
    if want("elementwise") {
        elementwise(&ctx, args.runs);
    }
    if want("sgemm") {
        sgemm(&ctx, args.runs, &peaks);
    }
    if want("conv") {
        conv(&ctx, args.runs);
    }
    if args.only.iter().any(|o| o == "conv-algorithms") {
        conv_algorithms(&ctx, args.runs);
    }
    if want("compile") {
        compile(&ctx, args.runs);
    }
}

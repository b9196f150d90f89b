//! Code generation through Cranelift on this machine, each figure beside its peer in the same
//! run: a fused elementwise chain (and a plain `x + y`) against the machine's copy bandwidth on
//! the same number of threads, SGEMM against numpy/OpenBLAS and the 128-bit FMA peak, the 3×3
//! convolutions of ResNet-18 against direct convolution and onnxruntime, and the JIT compile
//! time of ResNet-18.
//!
//! `cargo run --release -p strata-benches --bin codegen -- --runs 7`; `--only conv-algorithms`
//! times every applicable convolution algorithm per layer (what the cost model is calibrated
//! on).
//!
//! Peers run through `benches/peers/cpu_peers.py` (numpy, onnxruntime); a missing peer is
//! reported and its ratio left out. Times are medians of `--runs` calls after warm-up.
//!
//! Nothing is timed unchecked: weights are random (a splat would hide a permuted channel), and
//! every compiled function's results are compared with the interpreter's on the same random
//! inputs ([`strata_runtime::compare`]) after its first call, which packs constant weights
//! into static buffers, and again after the timed calls, which read those packed panels. A
//! mismatch ends the run with an error. (The FMA peak computes nothing to check.)

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
use strata_runtime::compare::{compare, max_abs, Tolerance};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem, Tensor};

#[derive(Parser)]
struct Args {
    /// Timed calls per measurement (the median is reported).
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Only these sections: peak, elementwise, sgemm, conv, conv-algorithms, compile.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// `text` parsed, each `nn.constant` given random values in [-1, 1) from `seed`.
fn graph(ctx: &Context, text: &str, seed: u64) -> Module {
    let mut m = parse_source(ctx, "bench.mlir", text, &ParseOptions::default()).expect("benchmark IR parses");
    let mut r = SplitMix(seed);
    let value = ctx.ident("value");
    for op in m.ir.collect_ops(m.root) {
        if ctx.ident_str(m.ir.op(op).name()) == "nn.constant" {
            let ty = m.ir.value_type(m.ir.op(op).results()[0]);
            let shape: Vec<usize> = ctx.shape(ty).expect("a ranked constant").iter().map(|&d| d as usize).collect();
            let w = r.tensor(&shape, Elem::F32, -1.0, 1.0);
            m.ir.set_attr(op, value, strata_runtime::fold::dense_attr(ctx, &w, ty));
        }
    }
    m
}

/// A copy of `m` through `pipeline`.
fn lower(ctx: &Context, m: &Module, pipeline: &str) -> Module {
    let mut m = m.clone();
    let mut r = PassRegistry::new();
    strata_passes::register_all(&mut r);
    strata_lowering::register_all(&mut r);
    PassManager::new(r.parse_pipeline(pipeline).expect("pipeline")).run(ctx, &mut m.ir, m.root).expect("lowering");
    m
}

/// What a benchmark's results must be: the interpreter's, on the same inputs, within `atol`.
struct Expected {
    what: String,
    want: Vec<Tensor>,
    atol: f64,
}

impl Expected {
    /// The interpreter's results of `graph`'s function on `inputs`, to be matched within
    /// `atol(scale)`, where the scale is 1 + their largest magnitude.
    fn new(ctx: &Context, what: &str, graph: &Module, inputs: &[Tensor], atol: impl Fn(f64) -> f64) -> Expected {
        let func = strata_runtime::functions(ctx, &graph.ir, graph.root)[0].1;
        let want = run_function(ctx, &graph.ir, func, inputs.to_vec()).unwrap_or_else(|e| panic!("{what}: {e}"));
        let atol = atol(1.0 + want.iter().map(max_abs).fold(0.0, f64::max));
        Expected { what: what.to_string(), want, atol }
    }

    /// Ends the run with an error unless `got` matches.
    fn check(&self, got: &[Tensor], call: &str) {
        for (g, w) in got.iter().zip(&self.want) {
            if let Err(m) = compare(g, w, Tolerance { rtol: 0.0, atol: self.atol }) {
                eprintln!("error: {}, {call}: wrong results, not timed: {m}", self.what);
                std::process::exit(1);
            }
        }
    }
}

/// Median milliseconds of `runs` calls of `entry`, JIT-compiled, on `threads` threads; the
/// first call's results and the last timed call's are checked against `expected`.
fn time_jit(
    ctx: &Context,
    m: &Module,
    entry: &str,
    inputs: &[Tensor],
    threads: usize,
    runs: usize,
    expected: Option<&Expected>,
) -> f64 {
    let jit = Jit::compile(ctx, &m.ir, m.root, JitOptions { threads: Some(threads), poison: false })
        .unwrap_or_else(|e| panic!("{e}"));
    let mut call = jit.prepare(entry, inputs).unwrap_or_else(|e| panic!("{e}"));
    call.invoke().unwrap();
    if let Some(e) = expected {
        e.check(&call.results().unwrap(), &format!("{threads} thread(s), first call"));
    }
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            call.invoke().unwrap();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    if let Some(e) = expected {
        e.check(&call.results().unwrap(), &format!("{threads} thread(s), last timed call"));
    }
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
    s += "  \"scf.parallel\"(%c0, %t, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({\n  ^bb0(%thread: index):\n";
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
        "    \"scf.reduce\"() : () -> ()\n  }}) : (index, index, index) -> ()\n  return %out : memref<{threads}x{}xf32>\n}}\n",
        4 * n
    );
    s
}

fn peak(ctx: &Context, runs: usize, threads: usize) -> f64 {
    let iterations = 20_000_000;
    let m = lower(ctx, &graph(ctx, &peak_ir(threads, iterations), 0), "builtin.module(canonicalize)");
    let ms = time_jit(ctx, &m, "peak", &[random(&[4], 1)], threads, runs, None);
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

/// One `x + y` over the chain's buffers: the least an elementwise function of two inputs and
/// one output can do.
const ADD: &str = r#"func.func @chain(%x: tensor<16777216xf32>, %y: tensor<16777216xf32>) -> tensor<16777216xf32> {
  %a = "nn.add"(%x, %y) : (tensor<16777216xf32>, tensor<16777216xf32>) -> tensor<16777216xf32>
  return %a : tensor<16777216xf32>
}
"#;

/// The machine's copy bandwidth on `threads` threads, in GB/s (bytes read and written per
/// second, as numpy's copy counts them): 16 M f32 (64 MiB) copied as `threads` contiguous
/// parts at once, median of `runs` after two warm-up copies. Spawning the threads is timed
/// too (tens of microseconds against milliseconds).
fn copy_gbps(threads: usize, runs: usize) -> f64 {
    let n = 1usize << 24;
    let src: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let mut dst = vec![0f32; n];
    let part = n.div_ceil(threads);
    let mut times: Vec<f64> = (0..runs.max(1) + 2)
        .map(|_| {
            let t = Instant::now();
            std::thread::scope(|s| {
                for (d, x) in dst.chunks_mut(part).zip(src.chunks(part)) {
                    s.spawn(move || d.copy_from_slice(x));
                }
            });
            std::hint::black_box(&dst);
            t.elapsed().as_secs_f64()
        })
        .skip(2)
        .collect();
    times.sort_by(f64::total_cmp);
    2.0 * 4.0 * n as f64 / times[times.len() / 2] / 1e9
}

/// The chain's results and `x + y`'s agree with the interpreter's within 1e-6 of their scale:
/// each op rounds once to f32 in both, except that `g * g + x` may become one fused
/// multiply-add (half an ulp of the product, 6e-8 of the scale, apart). Measured: identical.
const ELEMENTWISE_ATOL: f64 = 1e-6;

fn elementwise(ctx: &Context, runs: usize) {
    println!("\n## Fused 8-op elementwise chain, 16M f32 (2 inputs, 1 output: 192 MiB moved)");
    match peer(&["copy".into(), runs.to_string()], &[]) {
        Ok(v) => println!(
            "numpy copy (1 thread, for comparison with the copy below): {:.2} ms, {:.1} GB/s",
            v["ms"].as_f64().unwrap_or(f64::NAN),
            v["gbps"].as_f64().unwrap_or(f64::NAN)
        ),
        Err(e) => println!("numpy copy: unavailable ({e})"),
    }
    let inputs = [random(&[1 << 24], 1), random(&[1 << 24], 2)];
    let chain = graph(ctx, CHAIN, 0);
    let add = graph(ctx, ADD, 0);
    let chain_want = Expected::new(ctx, "elementwise chain", &chain, &inputs, |scale| ELEMENTWISE_ATOL * scale);
    let add_want = Expected::new(ctx, "x + y", &add, &inputs, |scale| ELEMENTWISE_ATOL * scale);
    let fused = lower(ctx, &chain, default_pipeline(Target::Host));
    let unfused =
        lower(ctx, &chain, "builtin.module(func.func(plan-memory), lower-to-loops, func.func(vectorize{width=8}))");
    let add = lower(ctx, &add, default_pipeline(Target::Host));
    let bytes = 3.0 * 4.0 * (1u64 << 24) as f64;
    println!(
        "{:<9} {:>7} {:>10} {:>8} {:>11} {:>12} {:>10}",
        "variant", "threads", "ms", "GB/s", "copy GB/s", "x copy", "x unfused"
    );
    for threads in [1, 2] {
        let copy = copy_gbps(threads, runs);
        let unfused_ms = time_jit(ctx, &unfused, "chain", &inputs, threads, runs, Some(&chain_want));
        let fused_ms = time_jit(ctx, &fused, "chain", &inputs, threads, runs, Some(&chain_want));
        let add_ms = time_jit(ctx, &add, "chain", &inputs, threads, runs, Some(&add_want));
        for (name, ms) in [("fused", fused_ms), ("unfused", unfused_ms), ("x + y", add_ms)] {
            let gbps = bytes / ms / 1e6;
            let vs_unfused = if name == "x + y" { "-".to_string() } else { format!("{:.2}", unfused_ms / ms) };
            println!(
                "{name:<9} {threads:>7} {ms:>10.2} {gbps:>8.1} {copy:>11.1} {:>12.2} {vs_unfused:>10}",
                gbps / copy
            );
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
    let g = graph(ctx, text, 0);
    let m = lower(ctx, &g, default_pipeline(Target::Host));
    let inputs = [random(&[1024, 1024], 3), random(&[1024, 1024], 4)];
    // Sums of 1024 products of numbers below 1: within 2e-7 · K of the interpreter's (the
    // bound of lowering/tests/it/gemm.rs, which says why; measured 6.5e-5 of 2e-4).
    let expected = Expected::new(ctx, "SGEMM 1024^3", &g, &inputs, |_| 2e-7 * 1024.0);
    println!(
        "{:>7} {:>9} {:>8} {:>14} {:>9} {:>13} {:>10}",
        "threads", "ms", "GFLOP/s", "numpy GFLOP/s", "x numpy", "peak GFLOP/s", "of peak"
    );
    for threads in [1usize, 2] {
        let ms = time_jit(ctx, &m, "mm", &inputs, threads, runs, Some(&expected));
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

/// The seed of every convolution's random weights (the same for each algorithm of a layer).
const WEIGHTS: u64 = 6;

/// One layer's interpreted results on `x`, random weights in [-1, 1). Bound: 2e-5 of the
/// scale for every algorithm, Winograd F(4,3)'s (lowering/tests/it/conv_algorithms.rs says
/// why); measured at most 2.4e-6 (512->512, 7x7). A permuted channel or a missing tap is off
/// by a good fraction of the scale.
fn conv_expected(ctx: &Context, (c, k, h, s): (i64, i64, i64, i64), x: &Tensor) -> Expected {
    let g = graph(ctx, &conv_ir(c, k, h, s, Some("direct")), WEIGHTS);
    Expected::new(ctx, &format!("conv {c}->{k} {h}x{h} s{s}"), &g, std::slice::from_ref(x), |scale| 2e-5 * scale)
}

fn conv(ctx: &Context, runs: usize) {
    println!("\n## ResNet-18's 3x3 convolutions (224x224 input): chosen algorithm vs direct vs onnxruntime");
    println!(
        "{:<22} {:>7} {:<22} {:>9} {:>10} {:>8} {:>9} {:>8}",
        "layer", "threads", "chosen", "ms", "direct ms", "x direct", "ORT ms", "x ORT"
    );
    let inputs: Vec<Tensor> =
        RESNET18_3X3.iter().map(|(c, _, h, _)| random(&[1, *c as usize, *h as usize, *h as usize], 5)).collect();
    let expected: Vec<Expected> =
        RESNET18_3X3.iter().zip(&inputs).map(|(layer, x)| conv_expected(ctx, *layer, x)).collect();
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
            let chosen = lower(ctx, &graph(ctx, &text, WEIGHTS), default_pipeline(Target::Host));
            let (algorithm, layout) = egraph_choice(ctx, &text);
            let algorithm = algorithm.map_or("?", ConvAlgorithm::name);
            let x = std::slice::from_ref(&inputs[i]);
            let ms = time_jit(ctx, &chosen, "conv", x, threads, runs, Some(&expected[i]));
            let direct = lower(
                ctx,
                &graph(ctx, &conv_ir(*c, *k, *h, *s, Some("direct")), WEIGHTS),
                "builtin.module(func.func(plan-memory), lower-to-loops, func.func(vectorize{width=8}))",
            );
            let direct_ms = time_jit(ctx, &direct, "conv", x, threads, runs.min(3), Some(&expected[i]));
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
        let expected = conv_expected(ctx, (c, k, h, s), &x);
        for algorithm in CostTarget::X86_64.algorithms() {
            if matches!(algorithm, ConvAlgorithm::Direct | ConvAlgorithm::Fft)
                || !applicable(*algorithm, &conv, [k, c, 3, 3])
            {
                continue;
            }
            let text = conv_ir(c, k, h, s, Some(algorithm.name()));
            let (_, layout) = egraph_choice(ctx, &text);
            let m = lower(ctx, &graph(ctx, &text, WEIGHTS), default_pipeline(Target::Host));
            let chosen = if choice == Some(*algorithm) { "*" } else { "" };
            for threads in [1usize, 2] {
                let ms = time_jit(ctx, &m, "conv", std::slice::from_ref(&x), threads, runs, Some(&expected));
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
    let m = lower(ctx, &graph(ctx, text, WEIGHTS), "builtin.module(func.func(egraph-opt{target=x86-64}))");
    let graph = strata_ir::print_module(ctx, &m, &Default::default());
    let written = |name: &str| graph.contains(&format!("\"{name}\""));
    let algorithm = ConvAlgorithm::ALL.into_iter().find(|a| written(a.name()));
    // Blocked layouts first: a relayout into one also names NCHW.
    let layout = Layout::ALL.into_iter().rev().find(|l| written(l.name())).unwrap_or(Layout::Nchw);
    (algorithm, layout.name())
}

fn compile(ctx: &Context, runs: usize) {
    println!("\n## JIT compile time of ResNet-18 (224x224)");
    // Splat weights, as in the figures recorded so far (it runs nothing, so there is nothing
    // they could hide; random ones would add folding 11.7 M values to the lowering time).
    let m =
        parse_source(ctx, "resnet18.mlir", &models::resnet(18), &ParseOptions::default()).expect("the model parses");
    let mut lower_times = Vec::new();
    let mut jit_times = Vec::new();
    let mut ops = 0;
    for _ in 0..runs.clamp(1, 5) {
        let t = Instant::now();
        let m = lower(ctx, &m, default_pipeline(Target::Host));
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

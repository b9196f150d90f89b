//! Code generation on this machine, each figure beside its peer in the same run: a fused
//! elementwise chain (and a plain `x + y`) against the machine's copy bandwidth on the same
//! number of threads, SGEMM against numpy/OpenBLAS and the FMA peaks, the 3×3 convolutions of
//! ResNet-18 against direct convolution and onnxruntime, and the compile time of ResNet-18.
//!
//! `cargo run --release -p strata-benches --bin codegen -- --runs 7`; `--only conv-algorithms`
//! times every applicable convolution algorithm per layer (what the cost model is calibrated
//! on). `--backend cranelift|llvm|both` picks the code generators (Cranelift by default; LLVM
//! needs `--features llvm`): each one lowers the graphs with its own pipeline
//! ([`Backend::pipeline`]), and its rows come beside the other's, against the same peers. Two
//! FMA peaks bound them: Cranelift's 128-bit one, and with LLVM the 512-bit one
//! ([`strata_benches::backend::fma512_peak`]), measured in the same run.
//!
//! Peers run through `benches/peers/cpu_peers.py` (numpy, onnxruntime); a missing peer is
//! reported and its ratio left out. Times are medians of `--runs` calls after warm-up.
//!
//! Nothing is timed unchecked: weights are random (a splat would hide a permuted channel), and
//! every compiled function's results are compared with the interpreter's on the same random
//! inputs ([`strata_runtime::compare`]) after its first call, which packs constant weights
//! into static buffers, and again after the timed calls, which read those packed panels. A
//! mismatch ends the run with an error. SGEMM 4096×4096×1024, too large for the interpreter, is
//! checked by Freivalds' test instead ([`Expected::freivalds`]). (The FMA peaks compute
//! nothing to check but their fixed point.)

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use strata_benches::backend::{fma512_peak, Backend, Choice};
use strata_benches::idle::Watch;
use strata_benches::models;
use strata_dialects::nn::shape::{ConvAlgorithm, Layout};
use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{parse_source, Context, Module, ParseOptions};
use strata_lowering::codegen::jit::JitOptions;
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
    /// The code generators timed, each with its own lowering pipeline.
    #[arg(long, value_enum, default_value_t = Choice::Cranelift)]
    backend: Choice,
    /// The most seconds to wait before each group of timings for the other processes to leave
    /// the CPUs idle; each row says whether they did, before and during it.
    #[arg(long, default_value_t = 10)]
    wait_idle: u64,
}

/// Waits (up to `wait`) for the machine to be idle and starts counting the others' CPU time.
fn watch(wait: Duration) -> Watch {
    Watch::start(wait).unwrap_or_else(|e| {
        eprintln!("error: idle check: {e}");
        std::process::exit(1);
    })
}

/// What the other processes did around a watched group of timings: `idle`, or `BUSY b/d` with
/// the cores they kept busy before and during it.
fn machine(watch: &Watch) -> String {
    match watch.load() {
        Ok(l) if l.idle() => "idle".into(),
        Ok(l) => format!("BUSY {:.2}/{:.2}", l.before, l.during),
        Err(e) => format!("unknown ({e})"),
    }
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

/// What a benchmark's results must be.
struct Expected {
    what: String,
    want: Want,
}

enum Want {
    /// The interpreter's results on the same inputs, within `atol`.
    Interpreted { results: Vec<Tensor>, atol: f64 },
    /// `C = A·B` by Freivalds' test: for random vectors `x`, `C·x` against `A·(B·x)`.
    Product { a: Tensor, b: Tensor, atol: f64 },
}

/// Random vectors of Freivalds' test (each catches a wrong element unless its `x_j` is tiny).
const FREIVALDS_VECTORS: u64 = 2;

impl Expected {
    /// The interpreter's results of `graph`'s function on `inputs`, to be matched within
    /// `atol(scale)`, where the scale is 1 + their largest magnitude.
    fn new(ctx: &Context, what: &str, graph: &Module, inputs: &[Tensor], atol: impl Fn(f64) -> f64) -> Expected {
        let func = strata_runtime::functions(ctx, &graph.ir, graph.root)[0].1;
        let want = run_function(ctx, &graph.ir, func, inputs.to_vec()).unwrap_or_else(|e| panic!("{what}: {e}"));
        let atol = atol(1.0 + want.iter().map(max_abs).fold(0.0, f64::max));
        Expected { what: what.to_string(), want: Want::Interpreted { results: want, atol } }
    }

    /// The product of `a` (M×K) and `b` (K×N), each element within `atol` of the exact one.
    fn freivalds(what: &str, a: &Tensor, b: &Tensor, atol: f64) -> Expected {
        Expected { what: what.to_string(), want: Want::Product { a: a.clone(), b: b.clone(), atol } }
    }

    /// Ends the run with an error unless `got` matches.
    fn check(&self, got: &[Tensor], call: &str) {
        let verdict = match &self.want {
            Want::Interpreted { results, atol } => got
                .iter()
                .zip(results)
                .try_for_each(|(g, w)| compare(g, w, Tolerance { rtol: 0.0, atol: *atol }).map_err(|m| m.to_string())),
            Want::Product { a, b, atol } => freivalds(&got[0], a, b, *atol),
        };
        if let Err(m) = verdict {
            eprintln!("error: {}, {call}: wrong results, not timed: {m}", self.what);
            std::process::exit(1);
        }
    }
}

/// `C·x - A·(B·x)` in f64 for [`FREIVALDS_VECTORS`] random `x` in [-1, 1): row `i` is
/// `Σ_j (C_ij - (AB)_ij) x_j` up to f64 rounding, so with every element within `atol` it is
/// within `atol · Σ_j |x_j|`. A wrong element δ shows as δ·x_j: elements of a product of
/// numbers in [-1, 1) over K = 1024 are ~10 in size (sd √(K/9)), the bound ~0.4 at N = 4096, so
/// a stale, zeroed or misplaced element goes unseen only if both its `x_j` are below ~4% of 1;
/// a wrong tile or panel (dozens of elements) cannot hide.
fn freivalds(c: &Tensor, a: &Tensor, b: &Tensor, atol: f64) -> Result<(), String> {
    let (m, k) = (a.shape[0], a.shape[1]);
    let n = b.shape[1];
    if c.shape != [m, n] {
        return Err(format!("the result has shape {:?}, not [{m}, {n}]", c.shape));
    }
    let (a, b, c) = (a.floats(), b.floats(), c.floats());
    for seed in 0..FREIVALDS_VECTORS {
        let mut r = SplitMix(100 + seed);
        let x: Vec<f64> = (0..n).map(|_| r.uniform(-1.0, 1.0)).collect();
        let mat_vec = |mat: &[f64], cols: usize, v: &[f64]| -> Vec<f64> {
            mat.chunks(cols).map(|row| row.iter().zip(v).map(|(p, q)| p * q).sum()).collect()
        };
        let bx = mat_vec(&b, n, &x);
        let abx = mat_vec(&a, k, &bx);
        let cx = mat_vec(&c, n, &x);
        let bound = atol * x.iter().map(|v| v.abs()).sum::<f64>();
        if let Some((i, (p, q))) =
            cx.iter().zip(&abx).enumerate().find(|(_, (p, q))| (*p - *q).abs() > bound || p.is_nan())
        {
            return Err(format!("row {i}: (C·x)_i = {p}, (A·(B·x))_i = {q}, more than {bound:.3} apart"));
        }
    }
    Ok(())
}

/// Median milliseconds of `runs` calls of `entry`, compiled by `backend`, on `threads`
/// threads; the first call's results and the last timed call's are checked against `expected`.
#[allow(clippy::too_many_arguments)]
fn time_jit(
    ctx: &Context,
    backend: Backend,
    m: &Module,
    entry: &str,
    inputs: &[Tensor],
    threads: usize,
    runs: usize,
    expected: Option<&Expected>,
) -> f64 {
    let jit = backend
        .compile(ctx, m, JitOptions { threads: Some(threads), poison: false })
        .unwrap_or_else(|e| panic!("{}: {e}", backend.name()));
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
    let ms = time_jit(ctx, Backend::Cranelift, &m, "peak", &[random(&[4], 1)], threads, runs, None);
    (threads * iterations * 12 * 8) as f64 / ms / 1e6
}

/// This run's FMA peaks in GFLOP/s by thread count: Cranelift's 128-bit one (with Cranelift
/// among the backends) and the 512-bit one through LLVM (with LLVM among them).
#[derive(Default)]
struct Peaks {
    p128: Vec<(usize, f64)>,
    p512: Vec<(usize, f64)>,
}

impl Peaks {
    /// `gflops` on `threads` threads as shares of the 128-bit and the 512-bit peak ("-" for
    /// one not measured).
    fn shares(&self, gflops: f64, threads: usize) -> [String; 2] {
        [&self.p128, &self.p512].map(|peaks| {
            peaks
                .iter()
                .find(|(t, _)| *t == threads)
                .map_or("-".to_string(), |(_, p)| format!("{:.0}%", 100.0 * gflops / p))
        })
    }
}

fn peaks(ctx: &Context, runs: usize, backends: &[Backend], wait: Duration) -> Peaks {
    let mut peaks = Peaks::default();
    for threads in [1, 2] {
        if backends.contains(&Backend::Cranelift) {
            let w = watch(wait);
            let p = peak(ctx, runs, threads);
            println!(
                "128-bit, {threads} thread(s): {p:.1} GFLOP/s (12 independent f32x4 FMA chains a thread, Cranelift); \
                 machine {}",
                machine(&w)
            );
            peaks.p128.push((threads, p));
        }
        if backends.contains(&Backend::Llvm) {
            let w = watch(wait);
            let p = fma512_peak(ctx, threads, runs).unwrap_or_else(|e| panic!("{e}"));
            let v = strata_tools::profile::peak::Vectors::Llvm;
            println!(
                "{}-bit, {threads} thread(s): {p:.1} GFLOP/s ({} independent f32x{} math.fma chains a thread, LLVM); \
                 machine {}",
                32 * v.lanes(),
                v.accumulators(),
                v.lanes(),
                machine(&w)
            );
            peaks.p512.push((threads, p));
        }
    }
    peaks
}

/// Lowering to vectorized loops without egraph-opt's kernels (no fusion, direct convolution),
/// with the backend's vector width.
fn loops_pipeline(backend: Backend) -> String {
    format!("builtin.module(func.func(plan-memory), lower-to-loops, func.func(vectorize{{width={}}}))", backend.lanes())
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

fn elementwise(ctx: &Context, runs: usize, backends: &[Backend], wait: Duration) {
    println!("\n## Fused 8-op elementwise chain, 16M f32 (2 inputs, 1 output: 192 MiB moved)");
    let numpy = match peer(&["copy".into(), runs.to_string()], &[]) {
        Ok(v) => {
            let (ms, gbps) = (v["ms"].as_f64().unwrap_or(f64::NAN), v["gbps"].as_f64().unwrap_or(f64::NAN));
            println!("numpy copy (1 thread): {ms:.2} ms, {gbps:.1} GB/s");
            Some(gbps)
        }
        Err(e) => {
            println!("numpy copy: unavailable ({e})");
            None
        }
    };
    let inputs = [random(&[1 << 24], 1), random(&[1 << 24], 2)];
    let chain = graph(ctx, CHAIN, 0);
    let add = graph(ctx, ADD, 0);
    let chain_want = Expected::new(ctx, "elementwise chain", &chain, &inputs, |scale| ELEMENTWISE_ATOL * scale);
    let add_want = Expected::new(ctx, "x + y", &add, &inputs, |scale| ELEMENTWISE_ATOL * scale);
    let lowered: Vec<(Backend, Module, Module, Module)> = backends
        .iter()
        .map(|&b| {
            let pipeline = b.pipeline();
            (b, lower(ctx, &chain, &pipeline), lower(ctx, &chain, &loops_pipeline(b)), lower(ctx, &add, &pipeline))
        })
        .collect();
    let bytes = 3.0 * 4.0 * (1u64 << 24) as f64;
    println!(
        "(x copy: against a copy on as many threads, measured with each backend's rows; x numpy: against numpy's copy \
         above, one thread only)"
    );
    println!(
        "{:<10} {:<9} {:>7} {:>10} {:>8} {:>11} {:>8} {:>8} {:>10} machine",
        "backend", "variant", "threads", "ms", "GB/s", "copy GB/s", "x copy", "x numpy", "x unfused"
    );
    for threads in [1, 2] {
        for (backend, fused, unfused, add) in &lowered {
            let w = watch(wait);
            let copy = copy_gbps(threads, runs);
            let time =
                |m: &Module, want: &Expected| time_jit(ctx, *backend, m, "chain", &inputs, threads, runs, Some(want));
            let unfused_ms = time(unfused, &chain_want);
            let fused_ms = time(fused, &chain_want);
            let add_ms = time(add, &add_want);
            let machine = machine(&w);
            for (name, ms) in [("fused", fused_ms), ("unfused", unfused_ms), ("x + y", add_ms)] {
                let gbps = bytes / ms / 1e6;
                let vs_unfused = if name == "x + y" { "-".to_string() } else { format!("{:.2}", unfused_ms / ms) };
                let vs_numpy = match numpy {
                    Some(n) if threads == 1 => format!("{:.2}", gbps / n),
                    _ => "-".into(),
                };
                println!(
                    "{:<10} {name:<9} {threads:>7} {ms:>10.2} {gbps:>8.1} {copy:>11.1} {:>8.2} {vs_numpy:>8} {vs_unfused:>10} {machine}",
                    backend.name(),
                    gbps / copy
                );
            }
        }
    }
}

/// The SGEMMs timed: M, N, K (`C[M×N] = A[M×K] · B[K×N]`).
const SGEMMS: [(usize, usize, usize); 2] = [(1024, 1024, 1024), (4096, 4096, 1024)];

/// Sums of K products of numbers below 1 are within 2e-7 · K of the exact ones (the bound of
/// lowering/tests/it/gemm.rs, which says why; measured 6.5e-5 of 2e-4 at K = 1024).
fn sgemm_atol(k: usize) -> f64 {
    2e-7 * k as f64
}

fn sgemm(ctx: &Context, runs: usize, backends: &[Backend], peaks: &Peaks, wait: Duration) {
    for (m, n, k) in SGEMMS {
        let what = format!("SGEMM {m}x{n}x{k}");
        println!("\n## {what} (M x N x K)");
        let text = format!(
            r#"func.func @mm(%a: tensor<{m}x{k}xf32>, %b: tensor<{k}x{n}xf32>) -> tensor<{m}x{n}xf32> {{
  %c = "nn.matmul"(%a, %b) : (tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %c : tensor<{m}x{n}xf32>
}}
"#
        );
        let g = graph(ctx, &text, 0);
        let inputs = [random(&[m, k], 3), random(&[k, n], 4)];
        // The interpreter takes seconds a GFLOP; past 1024³ the product is checked by Freivalds.
        let expected = if m * n * k <= 1 << 30 {
            Expected::new(ctx, &what, &g, &inputs, |_| sgemm_atol(k))
        } else {
            Expected::freivalds(&what, &inputs[0], &inputs[1], sgemm_atol(k))
        };
        let lowered: Vec<(Backend, Module)> = backends.iter().map(|&b| (b, lower(ctx, &g, &b.pipeline()))).collect();
        println!(
            "{:<10} {:>7} {:>9} {:>8} {:>14} {:>8} {:>11} {:>11} machine",
            "backend", "threads", "ms", "GFLOP/s", "numpy GFLOP/s", "x numpy", "of 128-bit", "of 512-bit"
        );
        for threads in [1usize, 2] {
            for (backend, lowered) in &lowered {
                // numpy again with each backend, so that both sides of a ratio share a window.
                let w = watch(wait);
                let numpy = peer(
                    &["matmul".into(), m.to_string(), n.to_string(), k.to_string(), runs.to_string()],
                    &[("OPENBLAS_NUM_THREADS", threads.to_string()), ("OMP_NUM_THREADS", threads.to_string())],
                );
                let ms = time_jit(ctx, *backend, lowered, "mm", &inputs, threads, runs, Some(&expected));
                let gflops = 2.0 * (m * n * k) as f64 / ms / 1e6;
                let (np_text, ratio) = match &numpy {
                    Ok(v) => {
                        let g = v["gflops"].as_f64().unwrap_or(f64::NAN);
                        (format!("{g:.1}"), format!("{:.2}", gflops / g))
                    }
                    Err(e) => (format!("n/a ({e})"), "-".into()),
                };
                let [of128, of512] = peaks.shares(gflops, threads);
                println!(
                    "{:<10} {threads:>7} {ms:>9.2} {gflops:>8.1} {np_text:>14} {ratio:>8} {of128:>11} {of512:>11} {}",
                    backend.name(),
                    machine(&w)
                );
            }
        }
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

fn conv(ctx: &Context, runs: usize, backends: &[Backend], peaks: &Peaks, wait: Duration) {
    println!("\n## ResNet-18's 3x3 convolutions (224x224 input): chosen algorithm vs direct vs onnxruntime");
    println!(
        "(GFLOP/s count direct convolution's 2·K·C·9·OH·OW, so Winograd can pass 100% of a peak; x ORT: ORT ms / ours, \
         above 1 faster than onnxruntime)"
    );
    println!(
        "{:<10} {:<22} {:>7} {:<22} {:>9} {:>8} {:>11} {:>11} {:>10} {:>8} {:>9} {:>8} machine",
        "backend",
        "layer",
        "threads",
        "chosen",
        "ms",
        "GFLOP/s",
        "of 128-bit",
        "of 512-bit",
        "direct ms",
        "x direct",
        "ORT ms",
        "x ORT"
    );
    let inputs: Vec<Tensor> =
        RESNET18_3X3.iter().map(|(c, _, h, _)| random(&[1, *c as usize, *h as usize, *h as usize], 5)).collect();
    let expected: Vec<Expected> =
        RESNET18_3X3.iter().zip(&inputs).map(|(layer, x)| conv_expected(ctx, *layer, x)).collect();
    for threads in [1usize, 2] {
        let specs: Vec<String> = RESNET18_3X3.iter().map(|(c, k, h, s)| format!("{c},{k},{h},{h},{s}")).collect();
        let mut args = vec!["conv".to_string(), threads.to_string(), runs.to_string()];
        args.extend(specs);
        let w = watch(wait);
        let ort = peer(&args, &[]);
        match &ort {
            Ok(_) => println!("onnxruntime, {threads} thread(s), every layer: machine {}", machine(&w)),
            Err(e) => println!("onnxruntime: unavailable ({e})"),
        }
        for (i, (c, k, h, s)) in RESNET18_3X3.iter().enumerate() {
            let text = conv_ir(*c, *k, *h, *s, None);
            let direct_graph = graph(ctx, &conv_ir(*c, *k, *h, *s, Some("direct")), WEIGHTS);
            let x = std::slice::from_ref(&inputs[i]);
            let o = (h + 2 - 3) / s + 1;
            let flop = 2.0 * (k * c * 9 * o * o) as f64;
            for &backend in backends {
                let pipeline = backend.pipeline();
                let chosen = lower(ctx, &graph(ctx, &text, WEIGHTS), &pipeline);
                let (algorithm, layout) = egraph_choice(ctx, &pipeline, &text);
                let algorithm = algorithm.map_or("?", ConvAlgorithm::name);
                let w = watch(wait);
                let ms = time_jit(ctx, backend, &chosen, "conv", x, threads, runs, Some(&expected[i]));
                let direct = lower(ctx, &direct_graph, &loops_pipeline(backend));
                let direct_ms = time_jit(ctx, backend, &direct, "conv", x, threads, runs.min(3), Some(&expected[i]));
                let ort_ms = ort.as_ref().ok().and_then(|v| v["ms"][i].as_f64());
                let (ort_text, ratio) = match ort_ms {
                    Some(o) => (format!("{o:.2}"), format!("{:.2}", o / ms)),
                    None => ("-".into(), "-".into()),
                };
                let gflops = flop / ms / 1e6;
                let [of128, of512] = peaks.shares(gflops, threads);
                println!(
                    "{:<10} {:<22} {threads:>7} {:<22} {ms:>9.2} {gflops:>8.1} {of128:>11} {of512:>11} {direct_ms:>10.1} {:>8.1} {ort_text:>9} {ratio:>8} {}",
                    backend.name(),
                    format!("{c}->{k} {h}x{h} s{s}"),
                    format!("{algorithm} {layout}"),
                    direct_ms / ms,
                    machine(&w)
                );
            }
        }
    }
}

/// Every CPU algorithm that applies to each layer, in the layout egraph-opt picks for it (an
/// algorithm written in the graph is kept): the measurements the cost model is calibrated on.
/// FFT is left out (it is lowered as direct convolution).
fn conv_algorithms(ctx: &Context, runs: usize, backends: &[Backend]) {
    use strata_dialects::nn::shape::Conv2d;
    use strata_passes::egraph::cost::{applicable, Target as CostTarget};
    println!("\n## ResNet-18's 3x3 convolutions: every applicable algorithm (ms; * = egraph-opt's choice)");
    println!("{:<10} {:<22} {:>7} {:<18} {:<8} {:>9}", "backend", "layer", "threads", "algorithm", "layout", "ms");
    for (c, k, h, s) in RESNET18_3X3 {
        let conv = Conv2d { strides: [s, s], padding: [1; 4], ..Conv2d::default() };
        let x = random(&[1, c as usize, h as usize, h as usize], 5);
        let expected = conv_expected(ctx, (c, k, h, s), &x);
        for &backend in backends {
            let pipeline = backend.pipeline();
            let (choice, _) = egraph_choice(ctx, &pipeline, &conv_ir(c, k, h, s, None));
            for algorithm in CostTarget::X86_64.algorithms() {
                if matches!(algorithm, ConvAlgorithm::Direct | ConvAlgorithm::Fft)
                    || !applicable(*algorithm, &conv, [k, c, 3, 3])
                {
                    continue;
                }
                let text = conv_ir(c, k, h, s, Some(algorithm.name()));
                let (_, layout) = egraph_choice(ctx, &pipeline, &text);
                let m = lower(ctx, &graph(ctx, &text, WEIGHTS), &pipeline);
                let chosen = if choice == Some(*algorithm) { "*" } else { "" };
                for threads in [1usize, 2] {
                    let ms =
                        time_jit(ctx, backend, &m, "conv", std::slice::from_ref(&x), threads, runs, Some(&expected));
                    println!(
                        "{:<10} {:<22} {threads:>7} {:<18} {layout:<8} {ms:>9.2}",
                        backend.name(),
                        format!("{c}->{k} {h}x{h} s{s}"),
                        format!("{}{chosen}", algorithm.name())
                    );
                }
            }
        }
    }
}

/// The `egraph-opt` pass of `pipeline`, with its options (`egraph-opt{target=x86-64}`).
fn egraph_pass(pipeline: &str) -> &str {
    let start = pipeline.find("egraph-opt").expect("the backend's pipeline runs egraph-opt");
    let rest = &pipeline[start..];
    let end = if rest[10..].starts_with('{') { rest.find('}').map_or(rest.len(), |e| e + 1) } else { 10 };
    &rest[..end]
}

/// The algorithm and layout `pipeline`'s egraph-opt picks for a one-convolution graph, read off
/// the graph it writes.
fn egraph_choice(ctx: &Context, pipeline: &str, text: &str) -> (Option<ConvAlgorithm>, &'static str) {
    let pass = format!("builtin.module(func.func({}))", egraph_pass(pipeline));
    let m = lower(ctx, &graph(ctx, text, WEIGHTS), &pass);
    let graph = strata_ir::print_module(ctx, &m, &Default::default());
    let written = |name: &str| graph.contains(&format!("\"{name}\""));
    let algorithm = ConvAlgorithm::ALL.into_iter().find(|a| written(a.name()));
    // Blocked layouts first: a relayout into one also names NCHW.
    let layout = Layout::ALL.into_iter().rev().find(|l| written(l.name())).unwrap_or(Layout::Nchw);
    (algorithm, layout.name())
}

fn compile(ctx: &Context, runs: usize, backends: &[Backend]) {
    println!("\n## Compile time of ResNet-18 (224x224)");
    // Splat weights, as in the figures recorded so far (it runs nothing, so there is nothing
    // they could hide; random ones would add folding 11.7 M values to the lowering time).
    // `onnx-models` compiles the imported model with its random weights.
    let m =
        parse_source(ctx, "resnet18.mlir", &models::resnet(18), &ParseOptions::default()).expect("the model parses");
    for &backend in backends {
        let pipeline = backend.pipeline();
        let mut lower_times = Vec::new();
        let mut jit_times = Vec::new();
        let mut ops = 0;
        for _ in 0..runs.clamp(1, 5) {
            let t = Instant::now();
            let m = lower(ctx, &m, &pipeline);
            lower_times.push(t.elapsed().as_secs_f64());
            ops = m.ir.collect_ops(m.root).len();
            let t = Instant::now();
            let jit = backend.compile(ctx, &m, JitOptions::default()).unwrap_or_else(|e| panic!("{e}"));
            jit_times.push(t.elapsed().as_secs_f64());
            drop(jit);
        }
        lower_times.sort_by(f64::total_cmp);
        jit_times.sort_by(f64::total_cmp);
        let (lowering, jit) = (lower_times[lower_times.len() / 2], jit_times[jit_times.len() / 2]);
        println!(
            "{}: lowering (egraph-opt, plan, loops, vectors) {lowering:.3} s, JIT of the {ops} loop-level ops {jit:.3} s, \
             compile {:.3} s (goal: Cranelift's JIT under 1 s, LLVM's compile under 2 s)",
            backend.name(),
            lowering + jit
        );
    }
}

fn main() {
    let args = Args::parse();
    let backends = args.backend.backends().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    });
    let want = |s: &str| args.only.is_empty() || args.only.iter().any(|o| o == s);
    let wait = Duration::from_secs(args.wait_idle);
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let names: Vec<&str> = backends.iter().map(|b| b.name()).collect();
    println!("# Code generation ({}), median of {} runs", names.join(", "), args.runs);
    println!(
        "(machine: idle, or BUSY with the cores other processes kept busy in the second before a row's timings / \
         during them; each waits up to {} s for idle)",
        args.wait_idle
    );
    let mut peaks = Peaks::default();
    if want("peak") || want("sgemm") || want("conv") {
        println!("\n## FMA peaks");
        peaks = self::peaks(&ctx, args.runs, &backends, wait);
    }
    if want("elementwise") {
        elementwise(&ctx, args.runs, &backends, wait);
    }
    if want("sgemm") {
        sgemm(&ctx, args.runs, &backends, &peaks, wait);
    }
    if want("conv") {
        conv(&ctx, args.runs, &backends, &peaks, wait);
    }
    if args.only.iter().any(|o| o == "conv-algorithms") {
        conv_algorithms(&ctx, args.runs, &backends);
    }
    if want("compile") {
        compile(&ctx, args.runs, &backends);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a · b` rounded to f32, as a GEMM's result.
    fn product(a: &Tensor, b: &Tensor) -> Tensor {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1]);
        let (a, b) = (a.floats(), b.floats());
        let c = (0..m * n).map(|e| (0..k).map(|l| a[e / n * k + l] * b[l * n + e % n]).sum::<f64>() as f32 as f64);
        Tensor::from_floats(&[m, n], Elem::F32, c.collect())
    }

    /// Freivalds' test takes a correctly rounded product and refuses one wrong element, two
    /// swapped columns and a wrong shape.
    #[test]
    fn freivalds_refuses_wrong_products() {
        let (a, b) = (random(&[48, 64], 1), random(&[64, 40], 2));
        let c = product(&a, &b);
        let atol = sgemm_atol(64);
        assert_eq!(freivalds(&c, &a, &b, atol), Ok(()));
        let mut values = c.floats().into_owned();
        values[17 * 40 + 5] += 0.5;
        let one_wrong = Tensor::from_floats(&[48, 40], Elem::F32, values);
        assert!(freivalds(&one_wrong, &a, &b, atol).is_err());
        let mut values = c.floats().into_owned();
        for row in values.chunks_mut(40) {
            row.swap(3, 4);
        }
        let swapped = Tensor::from_floats(&[48, 40], Elem::F32, values);
        assert!(freivalds(&swapped, &a, &b, atol).is_err());
        assert!(freivalds(&c.clone().reshaped(&[40, 48]), &a, &b, atol).is_err());
    }

    /// The e-graph stage read off each backend's pipeline is a whole pass with its options,
    /// which the registry takes.
    #[test]
    fn egraph_pass_is_read_off_each_pipeline() {
        let mut r = PassRegistry::new();
        strata_passes::register_all(&mut r);
        strata_lowering::register_all(&mut r);
        assert_eq!(egraph_pass("builtin.module(func.func(egraph-opt, plan-memory))"), "egraph-opt");
        for backend in [Backend::Cranelift, Backend::Llvm] {
            let pipeline = backend.pipeline();
            let pass = egraph_pass(&pipeline);
            assert!(pass.starts_with("egraph-opt{target=") || pass.starts_with("egraph-opt{vector-bits="), "{pass}");
            assert!(pass.ends_with('}'), "{pass}");
            r.parse_pipeline(&format!("builtin.module(func.func({pass}))")).unwrap_or_else(|e| panic!("{pass}: {e:?}"));
        }
    }
}

//! Imported ONNX models against onnxruntime on this machine, in the same run (issue 17):
//! ResNet-18 and MobileNetV2 at 224×224 and a BERT-style encoder, batch 1, on 1 and 2 threads.
//!
//! `cargo run --release -p strata-benches --bin onnx-models -- --runs 20`; `--backend
//! cranelift|llvm|both` picks Strata's code generators (Cranelift by default; LLVM needs
//! `--features llvm`), each timed beside the other against the same onnxruntime run, with its
//! compile time, so a user can pick.
//!
//! Each model is written once by `onnx/tests/py/models.py` (full size, seeded random weights and
//! inputs) into a temporary directory, imported with `strata_onnx`, lowered with each backend's
//! pipeline for the host ([`Backend::pipeline`]) and JIT-compiled; onnxruntime runs the same file on the same inputs through
//! `benches/peers/ort_peer.py` (CPU provider, ORT_ENABLE_ALL, `intra_op_num_threads` = the
//! thread count). Both are warmed up (Strata's first call also packs the constant weights),
//! then timed `--runs` times: median, min and max.
//!
//! Like with like: Strata's results of its first call and of its last timed call are compared
//! with onnxruntime's on the same inputs ([`OUTPUT_ATOL`]); a model whose results differ is
//! reported as a failure and gets no ratio. So is a model that fails to import, lower or
//! compile (on one backend: that backend's columns of the model are left empty): the failure is
//! printed as it came (the stage and the error) and the run goes on, exiting with status 1 at
//! the end.
//!
//! GFLOP/s come from one count of the model's work ([`flops`]) against the machine's 128-bit
//! FMA peak as Cranelift code reaches it on as many threads, measured just before each
//! measurement (the calibration of `strata-run --profile`), and with LLVM among the backends
//! against the 512-bit peak through LLVM ([`fma512_peak`]), measured there too; onnxruntime's
//! AVX-512 kernels are set against the 512-bit peak, or without it four times the 128-bit one
//! ([`AVX512_OVER_128`]). Before each measurement the run waits (up to
//! `--wait-idle` seconds) for the other processes to leave the CPUs idle; it also counts the
//! CPU time they take during the measurement, and a row either side of which they kept more
//! than a tenth of a core busy is marked busy.
//!
//! Needs python3 with numpy, onnx and onnxruntime; without them it stops with an error at once.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use strata_benches::backend::{fma512_peak, Backend, Choice};
use strata_benches::idle::{wait_idle, CpuMeter, Load};
use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{Context, Module};
use strata_lowering::codegen::jit::JitOptions;
use strata_runtime::compare::{compare, max_abs, Tolerance};
use strata_runtime::{npy, Tensor};
use strata_tools::profile::peak::{self, Calibration, Vectors};

#[derive(Parser)]
#[command(about = "Imported ONNX models: Strata's JIT against onnxruntime on this machine")]
struct Args {
    /// Timed calls per measurement, after the warm-up (median, min and max are reported).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Untimed calls before the timed ones (after Strata's first call, which packs weights).
    #[arg(long, default_value_t = 3)]
    warmup: u32,
    /// Thread counts, each measured for every model.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    threads: Vec<usize>,
    /// Only these models: resnet18, mobilenetv2, encoder.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// The most seconds to wait before each measurement for the other processes to leave the
    /// CPUs idle; the measurement is taken either way and says which.
    #[arg(long, default_value_t = 120)]
    wait_idle: u64,
    /// Measure a model on a thread count again, up to this many times, while the other
    /// processes were busy before or during its measurement (the last one is reported).
    #[arg(long, default_value_t = 2)]
    retry_busy: u32,
    /// Write the models here and keep them (default: a temporary directory, removed).
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Strata's code generators, each with its own lowering pipeline, side by side.
    #[arg(long, value_enum, default_value_t = Choice::Cranelift)]
    backend: Choice,
}

/// One benchmarked model: how `models.py` builds it.
struct Spec {
    /// The name in the tables and in `--only`.
    name: &'static str,
    /// `models.py`'s builder.
    builder: &'static str,
    /// Size knobs, all written out so the table's row is what the file is.
    knobs: &'static [&'static str],
    description: &'static str,
}

/// The encoder is BERT-Mini's shape (Turc et al., "Well-Read Students Learn Better", 2019:
/// 4 layers, hidden 256, 4 heads, feed-forward 1024 = 4 × hidden, the 30,522-token vocabulary)
/// at 128 tokens: a real, deployed small encoder, whose matmuls (128×256 by 256×256 and
/// 256×1024) are the size of ResNet-18's late convolutions' GEMMs, so it runs in milliseconds
/// like the two vision models. BERT-base (12 × 768) would take 20 times as long per call.
const MODELS: [Spec; 3] = [
    Spec {
        name: "resnet18",
        builder: "resnet18",
        knobs: &["--resolution", "224", "--width", "64", "--classes", "1000"],
        description: "ResNet-18, 1x3x224x224, batch norm unfolded as exported",
    },
    Spec {
        name: "mobilenetv2",
        builder: "mobilenetv2",
        knobs: &["--resolution", "224", "--width-mult", "1.0", "--classes", "1000"],
        description: "MobileNetV2 width 1.0, 1x3x224x224, ReLU6 as Clip, batch norm unfolded",
    },
    Spec {
        name: "encoder",
        builder: "bert",
        knobs: &["--layers", "4", "--hidden", "256", "--heads", "4", "--seq-len", "128", "--vocab", "30522"],
        description: "BERT-Mini encoder: 4 layers, hidden 256, 4 heads, FFN 1024, 128 tokens, \
                      LayerNormalization, GELU as Erf, pooler",
    },
];

/// How far Strata's outputs may be from onnxruntime's: |strata - ort| <= 1e-4 · (1 + max|ort|)
/// per output. Loose, on purpose: onnxruntime runs here with every graph optimization (fused
/// LayerNorm, GELU and attention kernels with their own polynomial exp/erf/tanh, batch norm
/// folded into the weights, NCHWc convolutions summing in their own order) and Strata with
/// Winograd convolutions and polynomial transcendentals, over sums of up to 4,608 products. The
/// importer's tests bound the same models at small size by 1e-5 against onnxruntime with
/// optimizations off (onnx_models.rs). Measured here: 6.8e-7 (ResNet-18), 2.0e-7 (MobileNetV2),
/// 1.2e-6 (the encoder) of the scale, so the bound leaves a factor of 80; each run prints its
/// own. A wrong weight, channel or token moves an output by a good fraction of its scale.
const OUTPUT_ATOL: f64 = 1e-4;

/// onnxruntime's AVX-512 FMAs against Cranelift's 128-bit ones: 16 f32 lanes against 4, on the
/// same two FMA ports. An upper bound (cores may clock lower under AVX-512).
const AVX512_OVER_128: f64 = 4.0;

/// Calls of the 512-bit FMA kernel per peak measurement (the median is taken; each is ~20 ms).
const PEAK512_RUNS: usize = 5;

/// A timing: median, min and max milliseconds.
#[derive(Clone, Copy)]
struct Timing {
    median: f64,
    min: f64,
    max: f64,
}

impl Timing {
    fn of(mut ms: Vec<f64>) -> Timing {
        ms.sort_by(f64::total_cmp);
        Timing { median: ms[ms.len() / 2], min: ms[0], max: ms[ms.len() - 1] }
    }

    fn text(&self) -> String {
        format!("{:.2} ({:.2}-{:.2})", self.median, self.min, self.max)
    }
}

/// What a model is, once imported.
struct Facts {
    /// Weight bytes: every `nn.constant` of the imported graph.
    weight_bytes: usize,
    flops: f64,
    import_s: f64,
    /// Each backend's lowering pipeline's seconds (a backend whose lowering failed is absent).
    pipeline_s: Vec<(Backend, f64)>,
}

/// One backend's measurement of one model on one thread count.
struct StrataRun {
    backend: Backend,
    timing: Timing,
    jit_s: f64,
    /// The worst |strata - ort| over the outputs, as a share of the output's scale.
    worst_error: f64,
}

/// One model on one thread count.
struct Row {
    model: &'static str,
    threads: usize,
    /// Each backend that compiled, ran and matched onnxruntime.
    strata: Vec<StrataRun>,
    ort: Timing,
    /// The 128-bit FMA peak on this many threads, flop/s.
    peak: f64,
    /// The 512-bit FMA peak on this many threads, flop/s, with LLVM among the backends.
    peak512: Option<f64>,
    flops: f64,
    ort_session_s: f64,
    load: Load,
}

/// A model that could not be measured: which stage failed and how.
struct Failure {
    model: &'static str,
    stage: String,
    message: String,
}

fn fail(model: &'static str, stage: &str) -> impl FnOnce(String) -> Failure {
    let stage = stage.to_string();
    move |message| Failure { model, stage, message }
}

/// The model's floating-point operations per inference, one formula for all: 2 × the
/// multiply-accumulates of its convolutions and matrix products, read off the imported graph
/// before any pass (so Winograd's fewer multiplications count as speed, not as less work; the
/// same count divides onnxruntime's time). A convolution's MACs are its output's
/// elements times one output's window, the product of the OIHW weight's dimensions after the
/// first ((C / groups) · KH · KW, so depthwise layers count once per channel); a matmul's are
/// its output's elements times the contracted dimension, the last of its left operand (batch
/// dimensions are in the output count). Biases, normalization, activations, softmax and
/// pooling are left out: under 5% of these models' arithmetic.
fn flops(ctx: &Context, m: &Module) -> f64 {
    let mut macs = 0f64;
    for op in m.ir.collect_ops(m.root) {
        let o = m.ir.op(op);
        let dims = |v| ctx.shape(m.ir.value_type(v)).unwrap_or(&[]);
        let elements = |v| dims(v).iter().product::<i64>() as f64;
        match ctx.ident_str(o.name()) {
            "nn.conv2d" => {
                macs += elements(o.results()[0])
                    * dims(o.operands()[1]).get(1..).unwrap_or(&[]).iter().product::<i64>() as f64
            }
            "nn.matmul" => macs += elements(o.results()[0]) * *dims(o.operands()[0]).last().unwrap_or(&1) as f64,
            _ => {}
        }
    }
    2.0 * macs
}

/// The bytes of the graph's constants (its weights: shape sub-graphs are folded at import).
fn weight_bytes(ctx: &Context, m: &Module) -> usize {
    m.ir.collect_ops(m.root)
        .into_iter()
        .filter(|&op| ctx.ident_str(m.ir.op(op).name()) == "nn.constant")
        .map(|op| {
            let ty = m.ir.value_type(m.ir.op(op).results()[0]);
            let elements: i64 = ctx.shape(ty).unwrap_or(&[]).iter().product();
            let elem = strata_runtime::scalar::elem_of_type(ctx, ty).map_or(0, |e| e.bytes());
            elements as usize * elem
        })
        .sum()
}

fn python(args: &[OsString]) -> Result<std::process::Output, String> {
    Command::new("python3").args(args).output().map_err(|e| format!("cannot start python3: {e}"))
}

/// Stops the run unless python3 can import what the peers and the model builder need.
fn check_python() {
    let probe = python(&["-c".into(), "import numpy, onnx, onnxruntime".into()]);
    match probe {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            eprintln!(
                "error: python3 cannot import numpy, onnx and onnxruntime ({}); they build the models and \
                 are the peer (pip install onnx onnxruntime numpy)",
                err.lines().last().unwrap_or("failed")
            );
            std::process::exit(2);
        }
        Err(e) => {
            eprintln!("error: {e}; python3 with numpy, onnx and onnxruntime builds the models and is the peer");
            std::process::exit(2);
        }
    }
}

/// The workspace's `path` (the benches crate is one level down).
fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// Stderr's last lines, for a failed script.
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(5)..].join("\n")
}

/// Writes `spec`'s model and seeded inputs into `dir`: the model's path and the input files in
/// graph-input order.
fn generate(spec: &Spec, dir: &Path) -> Result<(PathBuf, Vec<PathBuf>), String> {
    let model = dir.join(format!("{}.onnx", spec.name));
    let inputs = dir.join(format!("{}-inputs", spec.name));
    let script = repo_file("onnx/tests/py/models.py");
    let mut args: Vec<OsString> = vec![script.into(), spec.builder.into(), model.clone().into()];
    args.extend(spec.knobs.iter().map(OsString::from));
    args.extend(["--batch".into(), "1".into(), "--inputs".into(), inputs.clone().into()]);
    let out = python(&args)?;
    if !out.status.success() {
        return Err(format!("models.py {}: {}", spec.builder, tail(&out.stderr)));
    }
    let io = std::fs::read_to_string(inputs.join("io.json")).map_err(|e| format!("io.json: {e}"))?;
    let io: serde_json::Value = serde_json::from_str(&io).map_err(|e| format!("io.json: {e}"))?;
    let files = io["inputs"]
        .as_array()
        .ok_or("io.json: no inputs")?
        .iter()
        .map(|i| i["file"].as_str().map(|f| inputs.join(f)).ok_or_else(|| format!("io.json: bad input {i}")))
        .collect::<Result<_, _>>()?;
    Ok((model, files))
}

/// A copy of `m` through `backend`'s pipeline for the host.
fn lower(ctx: &Context, m: &Module, backend: Backend) -> Result<Module, String> {
    let mut m = m.clone();
    let mut r = PassRegistry::new();
    strata_passes::register_all(&mut r);
    strata_lowering::register_all(&mut r);
    let text = backend.pipeline();
    let pipeline = r.parse_pipeline(&text).map_err(|e| e.render(&text))?;
    PassManager::new(pipeline).run(ctx, &mut m.ir, m.root).map_err(|f| {
        let at = strata_ir::printer::loc_to_string(ctx, f.diagnostic.loc);
        format!("pass '{}' at {at}: {}", f.pass, f.diagnostic.message)
    })?;
    Ok(m)
}

/// onnxruntime's timing of `model` on `threads` threads; its outputs are written to `out`.
fn ort(
    model: &Path,
    inputs: &[PathBuf],
    threads: usize,
    args: &Args,
    out: &Path,
) -> Result<(Timing, f64, Vec<Tensor>), String> {
    let script = repo_file("benches/peers/ort_peer.py");
    let mut argv: Vec<OsString> = vec![script.into(), model.into()];
    argv.extend(inputs.iter().map(OsString::from));
    argv.extend(["--threads".into(), threads.to_string().into(), "--runs".into(), args.runs.to_string().into()]);
    argv.extend(["--warmup".into(), args.warmup.to_string().into(), "--outputs".into(), out.into()]);
    let o = python(&argv)?;
    if !o.status.success() {
        return Err(tail(&o.stderr));
    }
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).map_err(|e| format!("ort_peer.py's output: {e}"))?;
    let num = |k: &str| v[k].as_f64().ok_or_else(|| format!("ort_peer.py's output has no {k}"));
    let timing = Timing { median: num("median_ms")?, min: num("min_ms")?, max: num("max_ms")? };
    let outputs = v["outputs"]
        .as_array()
        .ok_or("ort_peer.py's output has no outputs")?
        .iter()
        .map(|p| {
            let p = p.as_str().ok_or("ort_peer.py: an output path is not a string")?;
            npy::read(Path::new(p)).map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    Ok((timing, num("session_ms")? / 1e3, outputs))
}

/// The worst |got - want| over the outputs as a share of each output's scale (1 + max|want|),
/// or why they do not agree within [`OUTPUT_ATOL`].
fn agreement(got: &[Tensor], want: &[Tensor], call: &str) -> Result<f64, String> {
    if got.len() != want.len() {
        return Err(format!("{call}: {} outputs, onnxruntime has {}", got.len(), want.len()));
    }
    let mut worst = 0f64;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let scale = 1.0 + max_abs(w);
        compare(g, w, Tolerance { rtol: 0.0, atol: OUTPUT_ATOL * scale })
            .map_err(|m| format!("{call}, output #{i}: not onnxruntime's within {OUTPUT_ATOL:e} of the scale: {m}"))?;
        let err = g.floats().iter().zip(w.floats().iter()).fold(0f64, |m, (a, b)| m.max((a - b).abs()));
        worst = worst.max(err / scale);
    }
    Ok(worst)
}

/// Strata's timing of the lowered model compiled by `backend` on `threads` threads, with the
/// JIT's compile time, its first call's results and its last timed call's.
fn strata(
    ctx: &Context,
    backend: Backend,
    m: &Module,
    entry: &str,
    inputs: &[Tensor],
    threads: usize,
    args: &Args,
) -> Result<(Timing, f64, [Vec<Tensor>; 2]), String> {
    let t = Instant::now();
    let jit = backend.compile(ctx, m, JitOptions { threads: Some(threads), poison: false })?;
    let jit_s = t.elapsed().as_secs_f64();
    let mut call = jit.prepare(entry, inputs).map_err(|e| e.to_string())?;
    call.invoke().map_err(|e| e.to_string())?;
    let first = call.results().map_err(|e| e.to_string())?;
    for _ in 0..args.warmup {
        call.invoke().map_err(|e| e.to_string())?;
    }
    let mut ms = Vec::with_capacity(args.runs as usize);
    for _ in 0..args.runs {
        let t = Instant::now();
        call.invoke().map_err(|e| e.to_string())?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let last = call.results().map_err(|e| e.to_string())?;
    Ok((Timing::of(ms), jit_s, [first, last]))
}

/// Measures one model on every thread count with every backend: its facts and rows, or the
/// failure that stopped the model. A backend that fails on it is recorded in `failures` and
/// left out of its rows.
fn bench_model(
    ctx: &Context,
    spec: &Spec,
    dir: &Path,
    args: &Args,
    backends: &[Backend],
    failures: &mut Vec<Failure>,
) -> Result<(Facts, Vec<Row>), Failure> {
    let name = spec.name;
    println!("\n## {name}: {}", spec.description);
    let (path, input_files) = generate(spec, dir).map_err(fail(name, "generate (models.py)"))?;
    let t = Instant::now();
    let imported =
        strata_onnx::import_file(ctx, &path, &Default::default()).map_err(|e| fail(name, "import")(e.to_string()))?;
    let import_s = t.elapsed().as_secs_f64();
    let entry = strata_runtime::functions(ctx, &imported.ir, imported.root)
        .first()
        .map(|f| f.0.clone())
        .ok_or_else(|| fail(name, "import")("the module has no function".into()))?;
    let (weight_bytes, flops) = (weight_bytes(ctx, &imported), flops(ctx, &imported));
    let mut lowered = Vec::new();
    let mut pipeline_s = Vec::new();
    for &backend in backends {
        let t = Instant::now();
        match lower(ctx, &imported, backend) {
            Ok(m) => {
                pipeline_s.push((backend, t.elapsed().as_secs_f64()));
                lowered.push((backend, m));
            }
            Err(e) => failures.push(fail(name, &format!("lower ({} pipeline)", backend.name()))(e)),
        }
    }
    let facts = Facts { weight_bytes, flops, import_s, pipeline_s };
    let pipelines: Vec<String> = facts.pipeline_s.iter().map(|(b, s)| format!("{} {s:.2} s", b.name())).collect();
    println!(
        "weights {:.1} MB, {:.3} GFLOP per inference, import {:.2} s, pipeline: {}",
        facts.weight_bytes as f64 / 1e6,
        facts.flops / 1e9,
        facts.import_s,
        pipelines.join(", ")
    );
    let inputs: Vec<Tensor> = input_files
        .iter()
        .map(|p| npy::read(p).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()
        .map_err(fail(name, "read inputs"))?;
    let mut model = Prepared { name, path, input_files, inputs, lowered, entry, flops: facts.flops };
    let mut rows = Vec::new();
    for &threads in &args.threads {
        let mut row = measure(ctx, &mut model, threads, args, backends, failures)?;
        for retry in 1..=args.retry_busy {
            if row.load.idle() {
                break;
            }
            println!("{threads} thread(s): the machine was busy; measuring again ({retry} of {})", args.retry_busy);
            row = measure(ctx, &mut model, threads, args, backends, failures)?;
        }
        rows.push(row);
    }
    Ok((facts, rows))
}

/// A model ready to measure: its file and inputs for onnxruntime, its lowered modules (one a
/// backend that lowered it) and inputs for Strata.
struct Prepared {
    name: &'static str,
    path: PathBuf,
    input_files: Vec<PathBuf>,
    inputs: Vec<Tensor>,
    lowered: Vec<(Backend, Module)>,
    entry: String,
    flops: f64,
}

/// One measurement of `model` on `threads` threads: each backend's, then onnxruntime's, their
/// results compared, and what the other processes did meanwhile. A backend that fails to
/// compile, run or match onnxruntime is recorded in `failures` and dropped from `model`.
fn measure(
    ctx: &Context,
    model: &mut Prepared,
    threads: usize,
    args: &Args,
    backends: &[Backend],
    failures: &mut Vec<Failure>,
) -> Result<Row, Failure> {
    let name = model.name;
    let before = wait_idle(Duration::from_secs(args.wait_idle)).map_err(fail(name, "idle check"))?;
    // Measured here, not once for the run: a peak taken while the machine was busy would
    // misstate every row.
    let cranelift = Calibration { threads: Some(threads), vectors: Vectors::Cranelift };
    let peak = peak::measure(ctx, cranelift).map_err(fail(name, "the FMA peak"))?.flops;
    let peak512 = if backends.contains(&Backend::Llvm) {
        Some(fma512_peak(ctx, threads, PEAK512_RUNS).map_err(fail(name, "the 512-bit FMA peak"))? * 1e9)
    } else {
        None
    };
    let meter = CpuMeter::start().map_err(fail(name, "idle check"))?;
    let mut measured = Vec::new();
    for (backend, lowered) in &model.lowered {
        let stage = format!("{} JIT compile or run, {threads} thread(s)", backend.name());
        match strata(ctx, *backend, lowered, &model.entry, &model.inputs, threads, args) {
            Ok(m) => measured.push((*backend, m)),
            Err(e) => failures.push(fail(name, &stage)(e)),
        }
    }
    let out = model.path.with_file_name(format!("{name}-ort-{threads}"));
    let stage = format!("onnxruntime, {threads} thread(s)");
    let (ort_t, ort_session_s, want) =
        ort(&model.path, &model.input_files, threads, args, &out).map_err(fail(name, &stage))?;
    let load = Load { before, during: meter.others().map_err(fail(name, "idle check"))? };
    let mut strata = Vec::new();
    for (backend, (timing, jit_s, [first, last])) in measured {
        let stage = format!("{} results against onnxruntime, {threads} thread(s)", backend.name());
        let worst =
            agreement(&first, &want, "first call").and_then(|w| Ok(w.max(agreement(&last, &want, "last timed call")?)));
        match worst {
            Ok(worst_error) => strata.push(StrataRun { backend, timing, jit_s, worst_error }),
            Err(e) => failures.push(fail(name, &stage)(e)),
        }
    }
    // A backend that failed here would fail again on the next thread count or retry.
    model.lowered.retain(|(b, _)| strata.iter().any(|r| r.backend == *b));
    let peak512_text = peak512.map_or(String::new(), |p| format!(", 512-bit {:.1}", p / 1e9));
    println!(
        "{threads} thread(s): onnxruntime {} ms; FMA peaks: 128-bit {:.1}{peak512_text} GFLOP/s; machine {}",
        ort_t.text(),
        peak / 1e9,
        load.text()
    );
    for r in &strata {
        println!(
            "  {}: {} ms, JIT {:.2} s, worst error {:.1e} of the scale",
            r.backend.name(),
            r.timing.text(),
            r.jit_s,
            r.worst_error
        );
    }
    Ok(Row { model: name, threads, strata, ort: ort_t, peak, peak512, flops: model.flops, ort_session_s, load })
}

fn print_tables(facts: &[(&str, Facts, f64)], rows: &[Row], backends: &[Backend]) {
    let names: Vec<&str> = backends.iter().map(|b| b.name()).collect();
    println!("\n## Models (compile = pipeline + JIT on the first thread count)");
    let mut head = "| model | weights MB | GFLOP | import s |".to_string();
    for n in &names {
        head += &format!(" {n} pipeline s | {n} JIT s | {n} compile s |");
    }
    println!("{head} ORT session s |");
    println!("|{}", "---|".repeat(5 + 3 * names.len()));
    for (name, f, ort_session_s) in facts {
        let mut line =
            format!("| {name} | {:.1} | {:.3} | {:.2} |", f.weight_bytes as f64 / 1e6, f.flops / 1e9, f.import_s);
        for &b in backends {
            let pipeline = f.pipeline_s.iter().find(|(p, _)| *p == b).map(|(_, s)| *s);
            let jit = rows.iter().find(|r| r.model == *name).and_then(|r| run_of(r, b)).map(|r| r.jit_s);
            line += &match (pipeline, jit) {
                (Some(p), Some(j)) => format!(" {p:.2} | {j:.2} | {:.2} |", p + j),
                (Some(p), None) => format!(" {p:.2} | failed | - |"),
                _ => " failed | - | - |".to_string(),
            };
        }
        println!("{line} {ort_session_s:.2} |");
    }

    println!("\n## Strata against onnxruntime: median ms (min-max); ratio = strata / ORT (above 1: Strata slower)");
    let mut head = "| model | threads | ORT ms |".to_string();
    for n in &names {
        head += &format!(" {n} ms | {n} / ORT |");
    }
    println!("{head} machine |");
    println!("|{}", "---|".repeat(4 + 2 * names.len()));
    for r in rows {
        let mut line = format!("| {} | {} | {} |", r.model, r.threads, r.ort.text());
        for &b in backends {
            line += &match run_of(r, b) {
                Some(s) => format!(" {} | {:.2} |", s.timing.text(), s.timing.median / r.ort.median),
                None => " failed | - |".to_string(),
            };
        }
        println!("{line} {} |", r.load.text());
    }

    println!(
        "\n## Against the machine: GFLOP/s of the median run; Cranelift against its 128-bit FMA peak, LLVM and ORT \
         against the 512-bit one (without it: ORT against {AVX512_OVER_128}x the 128-bit one), peaks measured just before"
    );
    let mut head = "| model | threads | 128-bit peak | 512-bit peak | ORT GFLOP/s | ORT of 512-bit |".to_string();
    for n in &names {
        head += &format!(" {n} GFLOP/s | {n} of its peak | {n} worst error |");
    }
    println!("{head}");
    println!("|{}", "---|".repeat(6 + 3 * names.len()));
    for r in rows {
        let gflops = |ms: f64| r.flops / ms / 1e6;
        let wide = r.peak512.unwrap_or(AVX512_OVER_128 * r.peak);
        let o = gflops(r.ort.median);
        let mut line = format!(
            "| {} | {} | {:.1} | {} | {o:.1} | {:.0}% |",
            r.model,
            r.threads,
            r.peak / 1e9,
            r.peak512.map_or("-".to_string(), |p| format!("{:.1}", p / 1e9)),
            100.0 * o * 1e9 / wide
        );
        for &b in backends {
            let peak = if b == Backend::Llvm { wide } else { r.peak };
            line += &match run_of(r, b) {
                Some(s) => {
                    let g = gflops(s.timing.median);
                    format!(" {g:.1} | {:.0}% | {:.1e} |", 100.0 * g * 1e9 / peak, s.worst_error)
                }
                None => " - | - | - |".to_string(),
            };
        }
        println!("{line}");
    }
}

/// `backend`'s measurement in `row`, if it had one.
fn run_of(row: &Row, backend: Backend) -> Option<&StrataRun> {
    row.strata.iter().find(|s| s.backend == backend)
}

fn main() {
    let args = Args::parse();
    if let Some(m) = args.only.iter().find(|o| !MODELS.iter().any(|s| s.name == o.as_str())) {
        eprintln!("error: --only: no model '{m}' (models: resnet18, mobilenetv2, encoder)");
        std::process::exit(2);
    }
    if args.threads.contains(&0) {
        eprintln!("error: --threads: a thread count is at least 1");
        std::process::exit(2);
    }
    let backends = args.backend.backends().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    });
    check_python();
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let temp = tempfile::tempdir().unwrap_or_else(|e| {
        eprintln!("error: a temporary directory: {e}");
        std::process::exit(1);
    });
    let dir = args.keep.clone().unwrap_or_else(|| temp.path().to_path_buf());
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: {}: {e}", dir.display());
        std::process::exit(1);
    }
    let names: Vec<&str> = backends.iter().map(|b| b.name()).collect();
    println!(
        "# Imported ONNX models against onnxruntime, batch 1, median of {} runs after {} warm-up; Strata through {}",
        args.runs,
        args.warmup,
        names.join(" and ")
    );
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    println!("machine: {cpu}, {} CPUs", std::thread::available_parallelism().map_or(0, |n| n.get()));
    let mut facts = Vec::new();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for spec in MODELS.iter().filter(|s| args.only.is_empty() || args.only.iter().any(|o| o == s.name)) {
        match bench_model(&ctx, spec, &dir, &args, &backends, &mut failures) {
            Ok((f, r)) => {
                let session = r.first().map_or(f64::NAN, |r| r.ort_session_s);
                facts.push((spec.name, f, session));
                rows.extend(r);
            }
            Err(f) => {
                println!("FAILED: {}: {}: {}", f.model, f.stage, f.message);
                failures.push(f);
            }
        }
    }
    print_tables(&facts, &rows, &backends);
    if !failures.is_empty() {
        println!("\n## Failures");
        for f in &failures {
            println!("- {}: {}: {}", f.model, f.stage, f.message);
        }
        // `exit` runs no destructors: the temporary directory goes first.
        drop(temp);
        std::process::exit(1);
    }
}

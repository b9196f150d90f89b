//! `strata-run`: compile (apply a pass pipeline) and execute a function on real inputs.
//!
//! ```text
//! strata-run FILE --entry NAME [--input X.npy]... [--random-inputs SEED] [--output-dir DIR]
//!            [--target interp|host|x86-64|aarch64] [--backend cranelift|llvm] [--threads N]
//!            [--pass-pipeline P]
//!            [--verify-each-pass]
//!            [--compare REF.npy]... [--rtol R] [--atol A] [--benchmark N]
//!            [--profile] [--profile-trace FILE.json]
//! ```
//!
//! Outputs go to `DIR/output0.npy`, `output1.npy`, …; inputs drawn with `--random-inputs` go to
//! `DIR/input0.npy`, … so a run can be replayed with `--input`. Bad input (wrong count, shape
//! or element type) is an error naming the argument, with exit status 1.
//!
//! `--target host` JIT-compiles through Cranelift; `--target x86-64|aarch64` emits an object,
//! links it with a generated C driver and runs it (AArch64 under `qemu-aarch64`), with the same
//! `.npy` files in and out. Compiled runs poison fresh buffers (NaN) unless benchmarking.
//!
//! `--profile` (with `--target host`, through either backend) times every kernel of the
//! compiled entry and prints a table (see [`crate::profile`]); `--profile-trace` also writes the
//! calls as a Chrome/Perfetto trace.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Parser;
use strata_ir::pass::{PassEvent, PassInstrumentation, PassManager};
use strata_ir::{Context, Ir, OpId};
use strata_lowering::codegen::driver::{Program, Toolchain};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::object::emit_object;
use strata_lowering::codegen::{default_pipeline, profile_pipeline, Target};
use strata_runtime::compare::{compare, Tolerance};
use strata_runtime::interp::tensor_type;
use strata_runtime::random::SplitMix;
use strata_runtime::scalar::elem_of_type;
use strata_runtime::{npy, run_function, Elem, RuntimeError, Tensor};

#[derive(Parser, Debug, Clone)]
#[command(name = "strata-run", version, about = "Compile and execute a function on real inputs")]
pub struct RunArgs {
    /// The IR file.
    pub file: String,
    /// The function to run (`f` or `@f`); may be left out when the file defines one function
    /// (an imported ONNX model).
    #[arg(long, default_value = "")]
    pub entry: String,
    #[command(flatten)]
    pub import: crate::import::ImportArgs,
    /// An input, in argument order (`.npy`).
    #[arg(long = "input", value_name = "X.npy")]
    pub inputs: Vec<PathBuf>,
    /// Draw every input at random from this seed (uniform in [-1, 1), integers in [-8, 8]).
    #[arg(long = "random-inputs", value_name = "SEED")]
    pub random_inputs: Option<u64>,
    /// Where outputs (and drawn inputs) are written.
    #[arg(long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// interp (the reference interpreter); host (JIT-compiled for this machine); x86-64 or
    /// aarch64 (an object linked with a generated C driver, run natively or under
    /// qemu-aarch64). Compiled targets lower graph-level functions with
    /// `builtin.module(inline, func.func(egraph-opt{target=...}, plan-memory), lower-to-loops,
    /// func.func(vectorize))` unless --pass-pipeline is given.
    #[arg(long, default_value = "interp")]
    pub target: String,
    /// The code generator for --target host and x86-64: cranelift (the default: fast compiles, 128-bit
    /// vectors) or llvm (upstream MLIR and LLVM 22 through melior, full-width vectors; only in
    /// builds with the `llvm` feature).
    #[arg(long, default_value = "cranelift", value_parser = ["cranelift", "llvm"])]
    pub backend: String,
    /// Threads for parallel loops of compiled code, 1 to 256 (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS as i64))]
    pub threads: Option<u16>,
    /// A pass pipeline to apply first, e.g. `builtin.module(func.func(egraph-opt))`.
    #[arg(long = "pass-pipeline", value_name = "PIPELINE")]
    pub pass_pipeline: Option<String>,
    /// Run the entry after every pass of the pipeline and name the first pass that changes a
    /// result beyond the tolerance.
    #[arg(long = "verify-each-pass")]
    pub verify_each_pass: bool,
    /// Expected outputs, in output order. Floats agree within `atol + rtol * |expected|`; an
    /// infinity matches only an infinity of the same sign and NaN only NaN; integers must be
    /// equal (tolerances do not apply to them), and a float never matches an integer. A
    /// mismatch names the worst element.
    #[arg(long = "compare", value_name = "REF.npy")]
    pub compare: Vec<PathBuf>,
    /// Relative tolerance of --compare and --verify-each-pass (floats only).
    #[arg(long, default_value_t = 1e-5)]
    pub rtol: f64,
    /// Absolute tolerance of --compare and --verify-each-pass (floats only).
    #[arg(long, default_value_t = 1e-6)]
    pub atol: f64,
    /// Run this many times, at least once (after one warm-up run), and print timings.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub benchmark: Option<u64>,
    /// Time every kernel (the code of one graph op) of the compiled entry, --target host only:
    /// after the run (or the --benchmark runs, the warm-up left out) print a table sorted by
    /// time: kernel, source location, calls, total and median time, share of the run, GFLOP/s
    /// and GB/s against the machine's peaks (measured then, in some 0.3 s).
    #[arg(long)]
    pub profile: bool,
    /// Price the graph optimizer's candidates (convolution algorithms and layouts, matrix
    /// products) by timing them on this machine with the chosen backend and threads
    /// (Fast-Run), remembered in a cache: `measured` (the default) times what the cache does
    /// not know; `cached` uses the cache's times and the model for the rest.
    #[arg(long = "fast-run", value_name = "MODE", num_args = 0..=1, default_missing_value = "measured",
          value_parser = ["measured", "cached", "model"])]
    pub fast_run: Option<String>,
    /// The Fast-Run cache file (default: strata/fastrun.json in the user's cache directory).
    #[arg(long = "fast-run-cache", value_name = "FILE")]
    pub fast_run_cache: Option<PathBuf>,
    /// Print what the graph optimizer did (e-graph sizes, costs; with --fast-run, what was
    /// measured and which kernels it changed) to stderr.
    #[arg(long = "egraph-stats")]
    pub egraph_stats: bool,
    /// Write the profiled calls as a Chrome trace (JSON, for Perfetto or chrome://tracing): one
    /// event per call of the entry, of each kernel, and of each chunk of a parallel loop, on
    /// its thread. Implies --profile.
    #[arg(long = "profile-trace", value_name = "FILE.json")]
    pub profile_trace: Option<PathBuf>,
}

/// Whether the run is profiled (`--profile` or `--profile-trace`).
fn profiling(args: &RunArgs) -> bool {
    args.profile || args.profile_trace.is_some()
}

/// The most threads `--threads` takes: more would only queue on a machine's cores, and a
/// thread pool of 100,000 takes minutes to start.
pub const MAX_THREADS: u16 = 256;

/// Runs `strata-run` with `args` (the first is the program name).
pub fn main(args: impl IntoIterator<Item = String>) -> ExitCode {
    crate::run_cli(args, run)
}

fn find_entry(ctx: &Context, ir: &Ir, root: OpId, name: &str) -> Result<OpId, String> {
    let mut names = Vec::new();
    for op in ir.collect_ops(root) {
        if ctx.ident_str(ir.op(op).name()) != "func.func" {
            continue;
        }
        let sym = ir.op(op).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("");
        if sym == name {
            return Ok(op);
        }
        names.push(format!("@{sym}"));
    }
    Err(format!(
        "error: no function @{name}; the file defines {}",
        if names.is_empty() { "none".into() } else { names.join(", ") }
    ))
}

/// The name of the file's one function with a body, the entry when none is named.
fn only_function(ctx: &Context, m: &strata_ir::Module) -> Result<String, String> {
    let funcs = strata_runtime::functions(ctx, &m.ir, m.root);
    match funcs.as_slice() {
        [(name, _)] => Ok(name.clone()),
        _ => {
            let names: Vec<String> = funcs.iter().map(|(n, _)| format!("@{n}")).collect();
            Err(format!("error: name the function to run with --entry; the file defines {}", names.join(", ")))
        }
    }
}

/// An argument's type as written, and its shape and element type when it is a static tensor.
type Param = (String, Option<(Vec<usize>, Elem)>);

fn entry_args(ctx: &Context, ir: &Ir, func: OpId) -> Vec<Param> {
    let region = ir.op(func).regions()[0];
    let Some(block) = ir.region(region).blocks().first() else { return Vec::new() };
    ir.block(*block)
        .args()
        .iter()
        .map(|a| {
            let t = ir.value_type(*a);
            // A scalar argument takes a 0-d array.
            let scalar = || elem_of_type(ctx, t).filter(|_| ctx.shape(t).is_none()).map(|e| (Vec::new(), e));
            (ctx.type_to_string(t), tensor_type(ctx, t).or_else(scalar))
        })
        .collect()
}

fn describe(t: &Tensor) -> String {
    let dims: Vec<String> = t.shape.iter().map(|d| d.to_string()).collect();
    if dims.is_empty() {
        format!("tensor<{}>", t.elem)
    } else {
        format!("tensor<{}x{}>", dims.join("x"), t.elem)
    }
}

/// The entry's inputs: read from files, or drawn (and written for replay).
fn inputs(args: &RunArgs, params: &[Param]) -> Result<Vec<Tensor>, String> {
    if let Some(seed) = args.random_inputs {
        if !args.inputs.is_empty() {
            return Err("error: --input and --random-inputs exclude each other".into());
        }
        let mut draw = SplitMix(seed);
        let mut out = Vec::new();
        for (i, (ty, t)) in params.iter().enumerate() {
            let Some((shape, elem)) = t else {
                return Err(format!(
                    "error: argument #{i} has type {ty}; random inputs are drawn for static shapes and scalars only"
                ));
            };
            strata_runtime::limits::buffer_bytes(shape, 8)
                .map_err(|e| format!("error: argument #{i} ({ty}): random inputs of this size: {e}"))?;
            let (lo, hi) = if matches!(elem, Elem::Int(_)) { (-8.0, 8.0) } else { (-1.0, 1.0) };
            let t = draw.tensor(shape, *elem, lo, hi);
            if let Some(dir) = &args.output_dir {
                write_npy(&dir.join(format!("input{i}.npy")), &t)?;
            }
            out.push(t);
        }
        return Ok(out);
    }
    if args.inputs.len() != params.len() {
        return Err(format!(
            "error: @{} takes {} input{}, but {} --input {} given",
            args.entry,
            params.len(),
            if params.len() == 1 { "" } else { "s" },
            args.inputs.len(),
            if args.inputs.len() == 1 { "was" } else { "were" }
        ));
    }
    let mut out = Vec::new();
    for (i, (path, (ty, want))) in args.inputs.iter().zip(params).enumerate() {
        let mut t = npy::read(path).map_err(|e| format!("error: input #{i}: {e}"))?;
        if let Some((shape, Elem::Narrow(kind))) = want.as_ref() {
            // NumPy has no narrow floats: such an argument reads f32 values it holds exactly.
            if *shape == t.shape && t.elem == Elem::F32 {
                let narrow = Elem::Narrow(*kind);
                if let Some(x) = t.scalars().map(|x| x.as_f64()).find(|x| !x.is_nan() && narrow.round(*x) != *x) {
                    return Err(format!(
                        "error: input #{i} ({}): {x} is not a value of {ty}'s elements",
                        path.display()
                    ));
                }
                t = Tensor::from_floats(&t.shape, narrow, t.floats().into_owned());
            }
        }
        if want.as_ref() != Some(&(t.shape.clone(), t.elem)) {
            return Err(format!(
                "error: input #{i} ({}): @{} expects {ty}, the file holds {}",
                path.display(),
                args.entry,
                describe(&t)
            ));
        }
        out.push(t);
    }
    Ok(out)
}

/// Writes `t` to `path` whole or not at all (an interrupted or failed write leaves the old file).
fn write_npy(path: &Path, t: &Tensor) -> Result<(), String> {
    crate::output::write_atomic_with(path, |w| npy::write_to(w, t)).map_err(|e| format!("error: {e}"))
}

/// How `got` differs from `want` under the run's tolerance (integers exactly; infinities and
/// NaN only against themselves); `None` when they agree.
pub fn mismatch(got: &Tensor, want: &Tensor, rtol: f64, atol: f64) -> Option<String> {
    compare(got, want, Tolerance { rtol, atol }).err().map(|m| m.to_string())
}

/// Runs the entry after every pass and keeps the first pass that changed a result.
struct TranslationValidation {
    entry: String,
    inputs: Vec<Tensor>,
    reference: Vec<Tensor>,
    rtol: f64,
    atol: f64,
    first_failure: Mutex<Option<String>>,
}

impl PassInstrumentation for TranslationValidation {
    fn after_pass(&self, event: &PassEvent<'_>, _: &mut String) {
        if self.first_failure.lock().unwrap().is_some() {
            return;
        }
        let Ok(func) = find_entry(event.ctx, event.ir, event.op, &self.entry) else { return };
        let verdict = match run_function(event.ctx, event.ir, func, self.inputs.clone()) {
            Err(e) => Some(format!("after pass '{}' the entry no longer runs: {e}", event.pass.name)),
            Ok(outputs) => outputs.iter().zip(&self.reference).enumerate().find_map(|(i, (got, want))| {
                mismatch(got, want, self.rtol, self.atol)
                    .map(|m| format!("pass '{}' changed output #{i}: {m}", event.pass.name))
            }),
        };
        if verdict.is_some() {
            *self.first_failure.lock().unwrap() = verdict;
        }
    }
}

/// Where the entry runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Executor {
    Interpreter,
    Jit,
    Object(Target),
    /// PTX run on the first NVIDIA GPU through the driver API.
    Cuda,
}

impl Executor {
    fn parse(name: &str) -> Result<Executor, String> {
        match name {
            "interp" => Ok(Executor::Interpreter),
            "host" => Ok(Executor::Jit),
            "cuda" => Ok(Executor::Cuda),
            other => match Target::parse(other) {
                Some(t) => Ok(Executor::Object(t)),
                None => {
                    Err(format!("error: unknown target '{other}'; targets are interp, host, x86-64, aarch64, cuda"))
                }
            },
        }
    }

    /// The pipeline that takes a graph to what the code generator compiles.
    fn default_pipeline(self) -> Option<&'static str> {
        match self {
            Executor::Interpreter => None,
            Executor::Jit => Some(default_pipeline(Target::Host)),
            Executor::Object(t) => Some(default_pipeline(t)),
            Executor::Cuda => Some(strata_lowering::gpu::cuda_pipeline()),
        }
    }
}

/// What a compiled run gives: the outputs, the benchmark's timings, the profile's table.
type Executed = (Vec<Tensor>, Option<String>, Option<String>);

/// Compiles the module for `executor` and runs the entry: its outputs, with `benchmark` the
/// median, min and max milliseconds of that many calls, and with `--profile` the profile's table.
fn execute(
    ctx: &Context,
    m: &strata_ir::Module,
    executor: Executor,
    args: &RunArgs,
    inputs: &[Tensor],
    renderer: &strata_ir::DiagnosticRenderer,
) -> Result<Executed, String> {
    // A trap is reported at its op, as the interpreter reports the same fault.
    let compile_err = |e: strata_lowering::codegen::CodegenError| match e.diagnostic() {
        Some(d) => renderer.render(ctx, &d),
        None => format!("error: {e}"),
    };
    let llvm_err = |e: strata_llvm::LlvmError| crate::render_llvm_error(ctx, renderer, &e);
    let poison = args.benchmark.is_none();
    match executor {
        Executor::Interpreter => unreachable!("interpreted separately"),
        Executor::Jit => {
            let only = [args.entry.as_str()];
            let options = JitOptions { threads: threads(args), poison };
            let jit = if args.backend == "llvm" && profiling(args) {
                strata_llvm::compile_jit_profiled(ctx, &m.ir, m.root, Some(&only), options).map_err(llvm_err)
            } else if args.backend == "llvm" {
                strata_llvm::compile_jit(ctx, &m.ir, m.root, Some(&only), options).map_err(llvm_err)
            } else if profiling(args) {
                Jit::compile_profiled(ctx, &m.ir, m.root, Some(&only), options).map_err(compile_err)
            } else {
                Jit::compile_entries(ctx, &m.ir, m.root, Some(&only), options).map_err(compile_err)
            }?;
            let mut call = jit.prepare(&args.entry, inputs).map_err(compile_err)?;
            call.invoke().map_err(compile_err)?;
            let outputs = call.results().map_err(compile_err)?;
            let timing = match args.benchmark {
                Some(n) => {
                    // The profile is of the timed runs: the warm-up also packs constant weights.
                    if let Some(p) = jit.profile() {
                        p.take_events();
                    }
                    Some(timings(n as usize, || call.invoke().map_err(compile_err))?)
                }
                None => None,
            };
            let trace = args.profile_trace.as_deref();
            let profile = match jit.profile() {
                Some(p) => {
                    let events = p.take_events();
                    let vectors = if args.backend == "llvm" {
                        crate::profile::peak::Vectors::Llvm
                    } else {
                        crate::profile::peak::Vectors::Cranelift
                    };
                    let calibration = crate::profile::peak::Calibration { threads: threads(args), vectors };
                    Some(crate::profile::report(ctx, p, &events, &args.file, &args.entry, calibration, trace)?)
                }
                None => None,
            };
            Ok((outputs, timing, profile))
        }
        Executor::Cuda => run_cuda(ctx, m, args, inputs, renderer),
        Executor::Object(target) => {
            let tools = Toolchain::find(target).map_err(|e| format!("error: target {}: {e}", args.target))?;
            let only = [args.entry.as_str()];
            let artifacts = if args.backend == "llvm" {
                strata_llvm::emit_object(ctx, &m.ir, m.root, "module", "native", Some(&only)).map_err(llvm_err)?
            } else {
                emit_object(ctx, &m.ir, m.root, target, "module", poison, Some(&only)).map_err(compile_err)?
            };
            let program = Program::link(&artifacts, &args.entry, &tools).map_err(compile_err)?;
            let repeat = args.benchmark.map(|n| n as usize);
            let (outputs, timing) = program.run(inputs, repeat, threads(args)).map_err(compile_err)?;
            Ok((outputs, timing.zip(repeat).map(|(t, n)| format!("{t} over {n} runs")), None))
        }
    }
}

/// `--target cuda`: the entry's kernels loaded on the first GPU and run. With `--benchmark`,
/// a second call is recorded as a CUDA graph (the first may pack constant panels), its replay
/// checked against the eager call bit for bit, and the replays timed with CUDA events.
fn run_cuda(
    ctx: &Context,
    m: &strata_ir::Module,
    args: &RunArgs,
    inputs: &[Tensor],
    renderer: &strata_ir::DiagnosticRenderer,
) -> Result<Executed, String> {
    let cuda_err = |e: strata_cuda::CudaError| match e.diagnostic() {
        Some(d) => renderer.render(ctx, &d),
        None => format!("error: {e}"),
    };
    let entry = find_entry(ctx, &m.ir, m.root, &args.entry)?;
    let device = strata_cuda::Device::open(0).map_err(cuda_err)?;
    let mut program = strata_cuda::Program::load(ctx, &m.ir, m.root, entry, device).map_err(cuda_err)?;
    program.set_inputs(inputs).map_err(cuda_err)?;
    let outputs = program.call().map_err(cuda_err)?;
    let profile = if profiling(args) {
        // The first call packs constant panels: profile a later one.
        program.profile().map_err(cuda_err)?;
        let launches = program.profile().map_err(cuda_err)?;
        Some(cuda_profile(ctx, &m.ir, &launches))
    } else {
        None
    };
    let Some(n) = args.benchmark else { return Ok((outputs, None, profile)) };
    let eager = program.call().map_err(cuda_err)?;
    let recorded = program.record().map_err(cuda_err)?;
    if recorded {
        let replayed = program.call().map_err(cuda_err)?;
        if replayed.iter().zip(&eager).any(|(a, b)| !a.same(b)) {
            return Err("error: the recorded CUDA graph gave other results than the eager call".into());
        }
    }
    program.time(3).map_err(cuda_err)?;
    let mut times = program.time((n as usize).max(1)).map_err(cuda_err)?;
    times.sort_by(f64::total_cmp);
    let k = times.len();
    let how = if recorded { "CUDA graph" } else { "eager launches" };
    let timing = format!(
        "median {:.3} ms, min {:.3} ms, max {:.3} ms over {k} runs ({how}, device time on {})",
        times[k / 2],
        times[0],
        times[k - 1],
        program.device().name
    );
    Ok((outputs, Some(timing), profile))
}

/// The kernels of a profiled CUDA call by total device time: launches, total and median
/// milliseconds, share of the call, and where each kernel came from.
fn cuda_profile(ctx: &Context, ir: &Ir, launches: &[(OpId, f64)]) -> String {
    let mut by_op: Vec<(OpId, Vec<f64>)> = Vec::new();
    for (op, ms) in launches {
        match by_op.iter_mut().find(|(o, _)| o == op) {
            Some((_, v)) => v.push(*ms),
            None => by_op.push((*op, vec![*ms])),
        }
    }
    let total: f64 = launches.iter().map(|(_, ms)| ms).sum();
    by_op.sort_by(|a, b| b.1.iter().sum::<f64>().total_cmp(&a.1.iter().sum::<f64>()));
    let mut out = format!(
        "profile (cuda): {} launches of {} kernels, {total:.3} ms of device time (launches timed one by one)
",
        launches.len(),
        by_op.len()
    );
    out.push_str(&format!(
        "{:>10} {:>10} {:>6} {:>8}  kernel  location
",
        "total ms", "median ms", "calls", "share"
    ));
    for (op, mut times) in by_op {
        let sum: f64 = times.iter().sum();
        times.sort_by(f64::total_cmp);
        let kernel = ir.op(op).attr(ctx.ident("kernel")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
        let loc = strata_ir::printer::loc_to_string(ctx, ir.op(op).loc());
        out.push_str(&format!(
            "{sum:>10.3} {:>10.4} {:>6} {:>7.1}%  {kernel}  {loc}\n",
            times[times.len() / 2],
            times.len(),
            100.0 * sum / total.max(1e-12)
        ));
    }
    out
}

fn threads(args: &RunArgs) -> Option<usize> {
    args.threads.map(usize::from)
}

/// Times `n` calls of `call` (at least one): "median …, min …, max … over n runs".
/// A bar shows the runs done when they take more than a second (on a terminal only).
fn timings(n: usize, mut call: impl FnMut() -> Result<(), String>) -> Result<String, String> {
    let n = n.max(1);
    let mut times = Vec::with_capacity(n);
    let progress = crate::progress::Progress::new("benchmarking", "");
    for _ in 0..n {
        let t = Instant::now();
        call()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        progress.set(times.len(), n);
    }
    progress.finish();
    times.sort_by(f64::total_cmp);
    Ok(format!("median {:.3} ms, min {:.3} ms, max {:.3} ms over {n} runs", times[n / 2], times[0], times[n - 1]))
}

/// `registry` with `egraph-opt`'s defaults set from the flags: Fast-Run's mode, cache and
/// threads (those the code will run on), and its statistics.
fn optimizer_options(
    mut registry: strata_ir::pass::PassRegistry,
    args: &RunArgs,
) -> Result<strata_ir::pass::PassRegistry, String> {
    let mut set = |option: &str, value: &str| {
        registry.set_option_default("egraph-opt", option, Some(value)).map_err(|e| format!("error: {e}"))
    };
    if let Some(mode) = &args.fast_run {
        set("cost", mode)?;
        set("fast-run-backend", &args.backend)?;
    }
    if let Some(path) = &args.fast_run_cache {
        set("fast-run-cache", &path.to_string_lossy())?;
    }
    if let Some(t) = args.threads {
        set("threads", &t.to_string())?;
    }
    if args.egraph_stats {
        set("print-stats", "true")?;
    }
    Ok(registry)
}

fn run(ctx: &Context, args: &RunArgs) -> Result<(), String> {
    // `--entry @f` names the symbol as MLIR writes it.
    let executor = Executor::parse(&args.target)?;
    let llvm_target = matches!(executor, Executor::Jit | Executor::Object(Target::X86_64));
    if args.backend == "llvm" && !llvm_target {
        return Err("error: --backend llvm runs with --target host or x86-64".into());
    }
    if args.backend == "llvm" && !strata_llvm::AVAILABLE {
        return Err(format!("error: {}", strata_llvm::LlvmError::NotBuilt));
    }
    if executor == Executor::Cuda && args.profile_trace.is_some() {
        return Err("error: --profile-trace needs --target host (--target cuda prints a --profile table)".into());
    }
    if profiling(args) && executor != Executor::Cuda {
        if executor != Executor::Jit {
            return Err("error: --profile needs --target host: objects run by the C driver are not instrumented".into());
        }
        if let Some(path) = &args.profile_trace {
            crate::profile::check_trace_path(path)?;
        }
    }
    let (mut m, renderer) = crate::load_module(ctx, &args.file, &args.import)?;
    let entry = match args.entry.trim_start_matches('@') {
        "" => only_function(ctx, &m)?,
        name => name.to_string(),
    };
    let args = &RunArgs { entry, ..args.clone() };
    let entry = find_entry(ctx, &m.ir, m.root, &args.entry)?;
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("error: {}: {e}", dir.display()))?;
    }
    let params = entry_args(ctx, &m.ir, entry);
    let inputs = inputs(args, &params)?;
    let interpret = |ir: &Ir, func: OpId| {
        run_function(ctx, ir, func, inputs.clone()).map_err(|e| match (&e, e.diagnostic()) {
            (RuntimeError::BadInput { index, message }, _) => format!("error: input #{index}: {message}"),
            (_, Some(d)) => renderer.render(ctx, &d),
            (other, None) => format!("error: @{}: {other}", args.entry),
        })
    };
    if args.pass_pipeline.is_none() && executor != Executor::Interpreter {
        // Only what the entry runs is compiled: another function of the file that the code
        // generator cannot take does not stop this one.
        strata_lowering::keep_reachable(ctx, &mut m.ir, m.root, &[args.entry.as_str()]);
    }
    // Profiled graphs have their ops tagged as kernels before lower-to-loops.
    // (--target cuda times its launches with events: its kernels need no tags.)
    let profiled = match (profiling(args) && executor != Executor::Cuda, args.backend == "llvm") {
        (true, true) => Some(strata_llvm::profile_pipeline()),
        (true, false) => Some(profile_pipeline(Target::Host)),
        (false, _) => None,
    };
    let llvm = (args.backend == "llvm").then(strata_llvm::default_pipeline);
    let default = llvm.as_deref().or(executor.default_pipeline());
    if let Some(pipeline) = args.pass_pipeline.as_deref().or(profiled.as_deref()).or(default) {
        let registry = optimizer_options(crate::pass_registry(), args)?;
        let root = registry.parse_pipeline(pipeline).map_err(|e| e.render(pipeline))?;
        let mut pm = PassManager::new(root);
        let validation = if args.verify_each_pass {
            let reference = interpret(&m.ir, entry)?;
            let v = Arc::new(TranslationValidation {
                entry: args.entry.clone(),
                inputs: inputs.clone(),
                reference,
                rtol: args.rtol,
                atol: args.atol,
                first_failure: Mutex::new(None),
            });
            pm.add_instrumentation(v.clone());
            Some(v)
        } else {
            None
        };
        pm.run(ctx, &mut m.ir, m.root).map_err(|f| renderer.render(ctx, &f.diagnostic))?;
        if let Some(v) = validation {
            if let Some(failure) = v.first_failure.lock().unwrap().take() {
                return Err(format!("error: {failure}"));
            }
            eprintln!("verify-each-pass: every pass kept the results within rtol={:e} atol={:e}", args.rtol, args.atol);
        }
    }
    let entry = find_entry(ctx, &m.ir, m.root, &args.entry)?;
    let (outputs, timing, profile) = if executor == Executor::Interpreter {
        (interpret(&m.ir, entry)?, None, None)
    } else {
        execute(ctx, &m, executor, args, &inputs, &renderer)?
    };
    for (i, t) in outputs.iter().enumerate() {
        match &args.output_dir {
            Some(dir) => {
                let path = dir.join(format!("output{i}.npy"));
                write_npy(&path, t)?;
                println!("output #{i}: {} -> {}", describe(t), path.display());
            }
            None => println!("output #{i}: {}", describe(t)),
        }
    }
    if !args.compare.is_empty() {
        if args.compare.len() != outputs.len() {
            return Err(format!("error: {} --compare files for {} outputs", args.compare.len(), outputs.len()));
        }
        for (i, (path, got)) in args.compare.iter().zip(&outputs).enumerate() {
            let want = npy::read(Path::new(path)).map_err(|e| format!("error: --compare: {e}"))?;
            if let Some(m) = mismatch(got, &want, args.rtol, args.atol) {
                return Err(format!("error: output #{i} differs from {}: {m}", path.display()));
            }
        }
        println!("compare: all {} outputs match within rtol={:e} atol={:e}", outputs.len(), args.rtol, args.atol);
    }
    if let Some(t) = timing {
        println!("benchmark ({}): {t}", args.target);
    } else if let Some(n) = args.benchmark {
        interpret(&m.ir, entry)?;
        println!("benchmark: {}", timings(n as usize, || interpret(&m.ir, entry).map(|_| ()))?);
    }
    if let Some(table) = profile {
        print!("{table}");
    }
    Ok(())
}

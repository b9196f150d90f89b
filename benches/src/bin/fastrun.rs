//! Fast-Run against the model: each ONNX model compiled twice for the host, its kernels priced
//! by the analytical model and by measurement (`egraph-opt{cost=measured}`), and the two
//! compiled graphs timed in alternating rounds on the same inputs. Prints the profiling time
//! (a fresh cache), the compile with a warm cache against the model-only compile, the end-to-end
//! medians and their ratio, and whether the machine was idle.
//!
//! ```text
//! cargo run --release -p strata-benches [--features llvm] --bin fastrun -- MODEL.onnx... \
//!     [--backend cranelift|llvm] [--threads 2] [--rounds 5] [--runs 10] [--wait-idle 30]
//! ```
//!
//! The layers whose choice measuring changed are printed by the measured compile
//! (`--egraph-stats`'s summary) to stderr.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use strata_benches::backend::{Backend, Choice};
use strata_benches::idle::{wait_idle, CpuMeter, Load};
use strata_ir::pass::PassManager;
use strata_ir::{Context, Module};
use strata_lowering::codegen::jit::JitOptions;
use strata_runtime::random::SplitMix;
use strata_runtime::{Elem, Tensor};

#[derive(Parser, Debug)]
#[command(name = "fastrun", about = "Models compiled with measured costs against the model's")]
struct Args {
    /// ONNX models.
    models: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "cranelift")]
    backend: Choice,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Alternating rounds of timing (each compiled graph `--runs` calls a round).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Wait up to this many seconds for the machine to be idle before each model.
    #[arg(long, default_value_t = 30)]
    wait_idle: u64,
    /// Keep the cache here (default: a fresh temporary file, so profiling starts from nothing).
    #[arg(long)]
    cache: Option<PathBuf>,
}

/// `m` through `backend`'s pipeline with `egraph-opt{cost=...}` and Fast-Run's options, and
/// the seconds the pipeline took.
fn lower(
    ctx: &Context,
    m: &Module,
    backend: Backend,
    cost: &str,
    args: &Args,
    cache: &str,
) -> Result<(Module, f64), String> {
    let mut m = m.clone();
    let mut r = strata_tools::pass_registry();
    let threads = args.threads.to_string();
    let options = [
        ("cost", cost),
        ("threads", threads.as_str()),
        ("fast-run-cache", cache),
        ("fast-run-backend", backend.name()),
    ];
    for (option, value) in options {
        r.set_option_default("egraph-opt", option, Some(value))?;
    }
    r.set_option_default("egraph-opt", "print-stats", Some(if cost == "measured" { "true" } else { "false" }))?;
    let text = backend.pipeline();
    let pipeline = r.parse_pipeline(&text).map_err(|e| e.render(&text))?;
    let start = Instant::now();
    PassManager::new(pipeline)
        .run(ctx, &mut m.ir, m.root)
        .map_err(|f| format!("{}: {}", f.pass, f.diagnostic.message))?;
    Ok((m, start.elapsed().as_secs_f64()))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench(ctx: &Context, path: &std::path::Path, backend: Backend, args: &Args, cache: &str) -> Result<(), String> {
    let file = path.display().to_string();
    let m = strata_tools::import::import(ctx, &file, &Default::default())?;
    let entry = strata_runtime::functions(ctx, &m.ir, m.root).first().map(|f| f.0.clone()).ok_or("no function")?;
    wait_idle(Duration::from_secs(args.wait_idle))?;
    let (_, profile_s) = lower(ctx, &m, backend, "measured", args, cache)?;
    let (by_model, model_s) = lower(ctx, &m, backend, "model", args, cache)?;
    let (measured, cached_s) = lower(ctx, &m, backend, "cached", args, cache)?;
    let options = JitOptions { threads: Some(args.threads), poison: false };
    let (a, b) = (backend.compile(ctx, &by_model, options)?, backend.compile(ctx, &measured, options)?);
    // Inputs as the entry takes them: random floats, small integers (token ids, masks).
    let func = strata_runtime::functions(ctx, &m.ir, m.root)[0].1;
    let block = m.ir.region(m.ir.op(func).regions()[0]).blocks()[0];
    let mut draw = SplitMix(7);
    let inputs: Vec<Tensor> =
        m.ir.block(block)
            .args()
            .iter()
            .map(|v| {
                let (shape, elem) =
                    strata_runtime::interp::tensor_type(ctx, m.ir.value_type(*v)).ok_or("a non-tensor input")?;
                let (lo, hi) = if matches!(elem, Elem::Int(_)) { (0.0, 1.0) } else { (-1.0, 1.0) };
                Ok(draw.tensor(&shape, elem, lo, hi))
            })
            .collect::<Result<_, String>>()?;
    let mut ca = a.prepare(&entry, &inputs).map_err(|e| e.to_string())?;
    let mut cb = b.prepare(&entry, &inputs).map_err(|e| e.to_string())?;
    ca.invoke().map_err(|e| e.to_string())?;
    cb.invoke().map_err(|e| e.to_string())?;
    let (ra, rb) = (ca.results().map_err(|e| e.to_string())?, cb.results().map_err(|e| e.to_string())?);
    let worst = ra
        .iter()
        .zip(&rb)
        .map(|(x, y)| x.floats().iter().zip(y.floats().iter()).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max))
        .fold(0.0, f64::max);
    let meter = CpuMeter::start()?;
    let before = meter.others()?;
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        for (call, times) in [(&mut ca, &mut ta), (&mut cb, &mut tb)] {
            for _ in 0..args.runs {
                let t = Instant::now();
                call.invoke().map_err(|e| e.to_string())?;
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    let load = Load { before, during: meter.others()? };
    let (ma, mb) = (median(ta), median(tb));
    println!(
        "| {} | {} | {} | {profile_s:.1} | {:.0} | {:+.0} | {ma:.3} | {mb:.3} | {:.3} | {worst:.1e} | {} |",
        path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default(),
        backend.name(),
        args.threads,
        model_s * 1e3,
        (cached_s - model_s) * 1e3,
        mb / ma,
        load.text()
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let backends = match args.backend.backends() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cache = args.cache.clone().unwrap_or_else(|| dir.path().join("fastrun.json"));
    println!("| model | backend | threads | profiling s (fresh cache) | compile ms, model costs | warm-cache compile, ms more | model costs, median ms | measured costs, median ms | measured / model | max difference | machine |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut failed = false;
    for path in &args.models {
        for &backend in &backends {
            if let Err(e) = bench(&ctx, path, backend, &args, &cache.display().to_string()) {
                eprintln!("error: {}: {e}", path.display());
                failed = true;
            }
        }
    }
    if failed {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}

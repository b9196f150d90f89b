//! The [`Measurer`]s that compile one candidate kernel with a real backend (Cranelift, LLVM in
//! builds with it, or PTX on the first NVIDIA GPU) and run it, and the factory that
//! `egraph-opt{cost=measured}` gets from [`crate::pass_registry`].
//!
//! A candidate becomes a function of one op (`nn.conv2d` with its layout and algorithm, or
//! `nn.matmul`) on its real shapes, its weights constant and random (so the lowering packs
//! and transforms them once, as in a model), its input random; it goes through the backend's
//! pipeline less `egraph-opt` (the choice is the candidate's) and is JIT-compiled, or loaded
//! on the GPU and timed by CUDA events around replays of its recorded graph.

use std::sync::{Arc, Mutex};

use strata_ir::pass::PassManager;
use strata_ir::Context;
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_passes::egraph::cost::Target;
use strata_passes::egraph::fastrun::{Candidate, Measurer, MeasurerFactory, MeasurerRequest, Run, Sample, Scope};
use strata_runtime::random::SplitMix;
use strata_runtime::{Elem, Tensor};

/// The code generator a CPU candidate is compiled with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Cranelift,
    /// Upstream MLIR and LLVM with vectors of this many bits.
    Llvm(u32),
}

/// Measures candidates on this machine's CPU.
pub struct CpuMeasurer {
    ctx: Context,
    backend: Backend,
    threads: Option<usize>,
    /// `None` where only the cache is read (`cost=cached`).
    lowering: Option<Lowering>,
    bar: Bar,
    /// Memory read between timed calls ([`Measurer::between_runs`]).
    other_memory: Mutex<Vec<u64>>,
}

/// The factory `egraph-opt{cost=measured|cached}` uses: the CPU when it is the target, the
/// first GPU for `target=gpu`.
pub fn factory() -> MeasurerFactory {
    Arc::new(|r: &MeasurerRequest| match r.target {
        Target::Gpu => Ok(Arc::new(CudaMeasurer::new()?) as Arc<dyn Measurer>),
        _ => Ok(Arc::new(CpuMeasurer::new(r)?) as Arc<dyn Measurer>),
    })
}

impl CpuMeasurer {
    pub fn new(r: &MeasurerRequest) -> Result<CpuMeasurer, String> {
        let host = if cfg!(target_arch = "aarch64") { Target::Aarch64 } else { Target::X86_64 };
        if r.target != host {
            return Err(format!("Fast-Run measures on this machine, which is not the target {:?}", r.target));
        }
        let backend = match (r.backend, r.vector_bits > 128) {
            ("llvm", _) | ("auto", true) => {
                if r.profile && !strata_llvm::AVAILABLE {
                    return Err(format!(
                        "Fast-Run cannot measure LLVM's code (vector-bits={}): {}",
                        r.vector_bits,
                        strata_llvm::LlvmError::NotBuilt
                    ));
                }
                Backend::Llvm(r.vector_bits)
            }
            _ => Backend::Cranelift,
        };
        // Reading the cache needs only the scope (a build without LLVM reads its times).
        let lowering = match backend {
            _ if !r.profile => None,
            Backend::Cranelift => {
                Some(Lowering::new(strata_lowering::codegen::default_pipeline(strata_lowering::codegen::Target::Host))?)
            }
            Backend::Llvm(bits) => Some(Lowering::new(&strata_llvm::pipeline(bits))?),
        };
        let mut ctx = Context::new();
        strata_dialects::register_all(&mut ctx);
        Ok(CpuMeasurer {
            ctx,
            backend,
            threads: r.threads,
            lowering,
            bar: Bar::default(),
            other_memory: Mutex::new(Vec::new()),
        })
    }

    fn threads(&self) -> usize {
        self.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    fn compile(&self, m: &mut strata_ir::Module) -> Result<Jit, String> {
        let ctx = &self.ctx;
        self.lowering.as_ref().ok_or("a measurer made to read the cache does not compile")?.run(ctx, m)?;
        let options = JitOptions { threads: Some(self.threads()), poison: false };
        let only = ["candidate"];
        match self.backend {
            Backend::Cranelift => {
                Jit::compile_entries(ctx, &m.ir, m.root, Some(&only), options).map_err(|e| e.to_string())
            }
            Backend::Llvm(_) => {
                strata_llvm::compile_jit(ctx, &m.ir, m.root, Some(&only), options).map_err(|e| e.to_string())
            }
        }
    }
}

impl Measurer for CpuMeasurer {
    fn scope(&self) -> Scope {
        let backend = match self.backend {
            Backend::Cranelift => "cranelift".to_string(),
            Backend::Llvm(bits) => format!("llvm vector-bits={bits}"),
        };
        Scope {
            device: cpu_description(),
            backend: format!("{backend} threads={}", self.threads()),
            strata: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    fn measure(
        &self,
        candidate: &Candidate,
        time: &mut dyn FnMut(Run<'_>) -> Result<Sample, String>,
    ) -> Result<Sample, String> {
        let (mut m, inputs) = build(&self.ctx, candidate)?;
        let jit = self.compile(&mut m)?;
        let mut call = jit.prepare("candidate", &inputs).map_err(|e| e.to_string())?;
        // After the memory read between calls, the input is read back before the timed call:
        // in the network, the op before has just written it. Cold as well, it made small
        // layers look several times slower than they run in the network (MobileNetV2's
        // 32→192 pointwise convolution at 28² in NHWC, 40 µs there, measured 0.3 ms on two
        // threads), which mis-chose their layouts.
        time(&mut || {
            call.warm_arguments();
            let start = std::time::Instant::now();
            call.invoke().map_err(|e| e.to_string())?;
            Ok(Some(start.elapsed()))
        })
    }

    /// Reads `bytes` of a buffer of its own, a word per cache line: the candidate's weights
    /// and input leave the caches as the rest of the graph's weights would push them out.
    /// (Measured through LLVM on ResNet-18 at 2 threads: alone and warm, its 512-channel 3×3
    /// layer took 0.69 ms by Winograd F(2,3) and 0.90 by im2col; in the network, 1.25 and
    /// 1.08 ms, the transformed weights of the former being 16.8 MB to the latter's 9.4. With
    /// 48 MB read between calls, 0.74–0.91 and 0.98–1.14 (spreads to 78%); with 192 MB,
    /// 1.11–1.14 and 1.18–1.26 (spreads under 17%). ResNet-18 end to end was 3–5% slower
    /// than the model's choice with the weights' size read between calls, 6–8% faster with
    /// twice that.)
    fn between_runs(&self, bytes: usize) {
        let mut memory = self.other_memory.lock().unwrap();
        let words = bytes / 8;
        if memory.len() < words {
            // Distinct values, so the pages are real memory and not one shared zero page.
            let have = memory.len() as u64;
            memory.extend((have..words as u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        }
        let sum = memory[..words].iter().step_by(8).fold(0u64, |a, &w| a.wrapping_add(w));
        std::hint::black_box(sum);
    }

    fn progress(&self, done: usize, total: usize, what: &str) {
        self.bar.show(done, total, what);
    }

    fn finished(&self) {
        self.bar.finish();
        // Up to a GiB: not kept past the measurements.
        *self.other_memory.lock().unwrap() = Vec::new();
    }
}

/// The candidate as a module of one function `@candidate`, its weights random, and its
/// arguments drawn.
fn build(ctx: &Context, candidate: &Candidate) -> Result<(strata_ir::Module, Vec<Tensor>), String> {
    let ty = |s: &[i64]| format!("tensor<{}xf32>", s.iter().map(i64::to_string).collect::<Vec<_>>().join("x"));
    let list = |v: &[i64]| format!("[{}]", v.iter().map(i64::to_string).collect::<Vec<_>>().join(", "));
    let (args, body, result) = match candidate {
        Candidate::Conv(p) => {
            let [n, c, h, w] = p.input;
            let [on, o, oh, ow] = p.output;
            let (x, y) = (ty(&p.conv.layout.shape(n, c, h, w)), ty(&p.conv.layout.shape(on, o, oh, ow)));
            let wt = ty(&p.weight);
            let body = format!(
                "  %w = \"nn.constant\"() {{value = dense<0.0> : {wt}}} : () -> {wt}\n  %y = \"nn.conv2d\"(%a0, %w) {{strides = {}, padding = {}, dilations = {}, groups = {} : i64, layout = \"{}\", algorithm = \"{}\"}} : ({x}, {wt}) -> {y}\n",
                list(&p.conv.strides),
                list(&p.conv.padding),
                list(&p.conv.dilations),
                p.conv.groups,
                p.conv.layout,
                p.algorithm.name()
            );
            (vec![x], body, y)
        }
        Candidate::Matmul { batch, m, n, k, constant_rhs } => {
            let lead: Vec<i64> = if *batch > 1 { vec![*batch] } else { Vec::new() };
            let shape = |rows: i64, cols: i64, batched: bool| {
                let mut s = if batched { lead.clone() } else { Vec::new() };
                s.extend([rows, cols]);
                ty(&s)
            };
            let (a, y) = (shape(*m, *k, true), shape(*m, *n, true));
            if *constant_rhs {
                // Weights: one matrix for every batch, as a model's linear layers have.
                let b = shape(*k, *n, false);
                let body = format!(
                    "  %b = \"nn.constant\"() {{value = dense<0.0> : {b}}} : () -> {b}\n  %y = \"nn.matmul\"(%a0, %b) : ({a}, {b}) -> {y}\n"
                );
                (vec![a], body, y)
            } else {
                let b = shape(*k, *n, true);
                let body = format!("  %y = \"nn.matmul\"(%a0, %a1) : ({a}, {b}) -> {y}\n");
                (vec![a, b], body, y)
            }
        }
    };
    let params: Vec<String> = args.iter().enumerate().map(|(i, t)| format!("%a{i}: {t}")).collect();
    let src = format!("func.func @candidate({}) -> {result} {{\n{body}  return %y : {result}\n}}\n", params.join(", "));
    let mut m = strata_ir::parse_source(ctx, "candidate.mlir", &src, &Default::default())
        .map_err(|d| format!("the candidate does not parse: {}", d.message))?;
    strata_ir::verify(ctx, &m.ir, m.root).map_err(|d| format!("the candidate does not verify: {}", d.message))?;
    let mut draw = SplitMix(0x5eed);
    let value = ctx.ident("value");
    for op in m.ir.collect_ops(m.root) {
        if ctx.ident_str(m.ir.op(op).name()) != "nn.constant" {
            continue;
        }
        let t = m.ir.value_type(m.ir.op(op).results()[0]);
        let shape: Vec<usize> = ctx.shape(t).unwrap_or(&[]).iter().map(|&d| d as usize).collect();
        let weights = draw.tensor(&shape, Elem::F32, -1.0, 1.0);
        m.ir.set_attr(op, value, strata_runtime::fold::dense_attr(ctx, &weights, t));
    }
    let inputs = args
        .iter()
        .map(|t| {
            let t = ctx.parse_type(t).map_err(|d| d.message)?;
            let shape: Vec<usize> = ctx.shape(t).unwrap_or(&[]).iter().map(|&d| d as usize).collect();
            Ok(draw.tensor(&shape, Elem::F32, -1.0, 1.0))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((m, inputs))
}

/// A backend's pipeline less `egraph-opt`, resolved once per measurer (every candidate runs it).
struct Lowering(PassManager);

impl Lowering {
    fn new(pipeline: &str) -> Result<Lowering, String> {
        let pipeline = without_egraph_opt(pipeline);
        let root = crate::pass_registry().parse_pipeline(&pipeline).map_err(|e| e.render(&pipeline))?;
        Ok(Lowering(PassManager::new(root)))
    }

    /// `m` through the pipeline.
    fn run(&self, ctx: &Context, m: &mut strata_ir::Module) -> Result<(), String> {
        self.0.run(ctx, &mut m.ir, m.root).map_err(|f| f.diagnostic.message)
    }
}

/// `builtin.module(..., func.func(egraph-opt{...}, plan-memory), ...)` without `egraph-opt`.
fn without_egraph_opt(pipeline: &str) -> String {
    let Some(start) = pipeline.find("egraph-opt") else { return pipeline.to_string() };
    let rest = &pipeline[start..];
    let end = match (rest.find('{'), rest.find([',', ')'])) {
        (Some(open), Some(stop)) if open < stop => open + rest[open..].find('}').map_or(0, |c| c + 1),
        (_, Some(stop)) => stop,
        _ => rest.len(),
    };
    let (before, after) = (&pipeline[..start], &rest[end..]);
    match after.strip_prefix(',') {
        // Followed by another element: that one takes its place.
        Some(tail) => format!("{before}{}", tail.trim_start()),
        // The last of its list: the separator before it goes too.
        None => format!("{}{after}", before.trim_end().trim_end_matches(',')),
    }
}

/// The processor, as the cache tells devices apart: model name and the vector features code
/// generation uses (the threads a kernel ran on are the backend's part of the key, so a
/// process limited to fewer cores still finds its entries).
pub fn cpu_description() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        info.lines()
            .find(|l| l.split(':').next().is_some_and(|k| k.trim() == name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    let model = field("model name").or_else(|| field("CPU part").map(|p| format!("ARM part {p}")));
    let flags = field("flags").or_else(|| field("Features")).unwrap_or_default();
    let features: Vec<&str> = ["avx512f", "avx512bw", "avx512vl", "avx2", "fma", "asimd", "sve"]
        .into_iter()
        .filter(|f| flags.split_whitespace().any(|x| x == *f))
        .collect();
    format!(
        "{} ({}; {} {})",
        model.unwrap_or_else(|| "unknown processor".into()),
        std::env::consts::ARCH,
        if features.is_empty() { "no vector features read" } else { "features" },
        features.join(" ")
    )
}

/// Measures candidates on the first NVIDIA GPU: each loaded as PTX, called once eagerly
/// (packing constant panels), recorded as a CUDA graph, and its replays timed by events.
pub struct CudaMeasurer {
    ctx: Context,
    device: String,
    lowering: Lowering,
    bar: Bar,
}

impl CudaMeasurer {
    pub fn new() -> Result<CudaMeasurer, String> {
        let device = strata_cuda::Device::open(0).map_err(|e| format!("Fast-Run on the GPU: {e}"))?;
        let (major, minor) = device.capability;
        let mut ctx = Context::new();
        strata_dialects::register_all(&mut ctx);
        Ok(CudaMeasurer {
            ctx,
            device: format!("{} (sm_{major}{minor})", device.name),
            lowering: Lowering::new(strata_lowering::gpu::cuda_pipeline())?,
            bar: Bar::default(),
        })
    }
}

impl Measurer for CudaMeasurer {
    fn scope(&self) -> Scope {
        Scope { device: self.device.clone(), backend: "cuda ptx".into(), strata: env!("CARGO_PKG_VERSION").to_string() }
    }

    fn measure(
        &self,
        candidate: &Candidate,
        time: &mut dyn FnMut(Run<'_>) -> Result<Sample, String>,
    ) -> Result<Sample, String> {
        let ctx = &self.ctx;
        let (mut m, inputs) = build(ctx, candidate)?;
        self.lowering.run(ctx, &mut m)?;
        let func = strata_runtime::functions(ctx, &m.ir, m.root)
            .into_iter()
            .find(|(name, _)| name == "candidate")
            .map(|(_, f)| f)
            .ok_or("the lowered candidate has no @candidate")?;
        let err = |e: strata_cuda::CudaError| e.to_string();
        let device = strata_cuda::Device::open(0).map_err(err)?;
        let mut program = strata_cuda::Program::load(ctx, &m.ir, m.root, func, device).map_err(err)?;
        program.set_inputs(&inputs).map_err(err)?;
        program.call().map_err(err)?;
        program.record().map_err(err)?;
        time(&mut || {
            let ms = program.time(1).map_err(err)?;
            Ok(Some(std::time::Duration::from_secs_f64(ms[0] / 1e3)))
        })
    }

    fn progress(&self, done: usize, total: usize, what: &str) {
        self.bar.show(done, total, what);
    }

    fn finished(&self) {
        self.bar.finish();
    }
}

/// The progress bar of a measurer (on a terminal, after a second).
#[derive(Default)]
struct Bar(Mutex<Option<crate::progress::Progress>>);

impl Bar {
    fn show(&self, done: usize, total: usize, what: &str) {
        let mut bar = self.0.lock().unwrap();
        bar.get_or_insert_with(|| crate::progress::Progress::new("fast-run", "")).set_with(done, total, what);
    }

    fn finish(&self) {
        if let Some(bar) = self.0.lock().unwrap().take() {
            bar.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measuring_pipeline_is_the_backends_without_the_optimizer() {
        assert_eq!(
            without_egraph_opt(
                "builtin.module(inline, func.func(egraph-opt{target=x86-64}, plan-memory), lower-to-loops)"
            ),
            "builtin.module(inline, func.func(plan-memory), lower-to-loops)"
        );
        assert_eq!(without_egraph_opt("builtin.module(func.func(egraph-opt, cse))"), "builtin.module(func.func(cse))");
        assert_eq!(without_egraph_opt("builtin.module(cse)"), "builtin.module(cse)");
        assert_eq!(
            without_egraph_opt("builtin.module(func.func(cse, egraph-opt{target=gpu}), inline)"),
            "builtin.module(func.func(cse), inline)"
        );
    }
}

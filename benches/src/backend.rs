//! The code generators a benchmark can time: Cranelift (always built) and LLVM (upstream
//! MLIR/LLVM 22, `strata-llvm`, when this crate is built with its `llvm` feature), and the
//! 512-bit FMA peak that LLVM's code is measured against.
//!
//! Both take an `nn` graph through their own lowering pipeline (LLVM's vectorizes as wide as the
//! machine's registers) and give the same `Jit`, so a benchmark calls either the same way.

use std::time::Instant;

use strata_ir::{Context, Module};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::{default_pipeline, Target};
use strata_tools::profile::peak::{self, Vectors};

/// One code generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Cranelift,
    Llvm,
}

/// What `--backend` chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Choice {
    Cranelift,
    Llvm,
    Both,
}

impl Choice {
    /// The backends chosen, Cranelift first; an error if LLVM is among them and this build has
    /// no LLVM backend.
    pub fn backends(self) -> Result<Vec<Backend>, String> {
        let backends = match self {
            Choice::Cranelift => vec![Backend::Cranelift],
            Choice::Llvm => vec![Backend::Llvm],
            Choice::Both => vec![Backend::Cranelift, Backend::Llvm],
        };
        if backends.contains(&Backend::Llvm) && !strata_llvm::AVAILABLE {
            let name = if self == Choice::Both { "both" } else { "llvm" };
            return Err(format!("--backend {name}: {}", strata_llvm::LlvmError::NotBuilt));
        }
        Ok(backends)
    }
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Cranelift => "cranelift",
            Backend::Llvm => "llvm",
        }
    }

    /// The pipeline from `nn` graphs to the loop level this backend compiles.
    pub fn pipeline(self) -> String {
        match self {
            Backend::Cranelift => default_pipeline(Target::Host).to_string(),
            Backend::Llvm => strata_llvm::default_pipeline(),
        }
    }

    /// f32 lanes of the vectors this backend's loops are written with (`vectorize{width=N}`):
    /// Cranelift's 128-bit registers take 8 as two halves; LLVM's as many as the machine has.
    pub fn lanes(self) -> u32 {
        match self {
            Backend::Cranelift => 8,
            Backend::Llvm => (strata_llvm::host_vector_bits() / 32).max(8),
        }
    }

    /// JIT-compiles every function of `m` (at the loop level).
    pub fn compile(self, ctx: &Context, m: &Module, options: JitOptions) -> Result<Jit, String> {
        match self {
            Backend::Cranelift => Jit::compile(ctx, &m.ir, m.root, options).map_err(|e| e.to_string()),
            Backend::Llvm => strata_llvm::compile_jit(ctx, &m.ir, m.root, None, options).map_err(|e| e.to_string()),
        }
    }
}

/// Steps of each chain per call: with AVX-512, 2 × 16 lanes × 16 chains × 10 M = 5.1 GFLOP a
/// thread, some 20 ms at the expected ~250 GFLOP/s, long against the thread pool's start.
const FMA512_STEPS: usize = 10_000_000;

/// The FMA peak on `threads` threads through the LLVM backend (its widest vectors: 512-bit with
/// AVX-512), in GFLOP/s: `strata-run --profile`'s kernel (`peak::fma_source`), the median of
/// `runs` calls after one warm-up call. The results are checked: every lane is the chain's
/// fixed point computed here the same way in f32.
pub fn fma512_peak(ctx: &Context, threads: usize, runs: usize) -> Result<f64, String> {
    let vectors = Vectors::Llvm;
    let source = peak::fma_source(threads, FMA512_STEPS, vectors);
    let m = strata_ir::parse_source(ctx, "fma512.mlir", &source, &Default::default())
        .map_err(|e| format!("the LLVM FMA peak's IR: {e:?}"))?;
    let jit = Backend::Llvm.compile(ctx, &m, JitOptions { threads: Some(threads), poison: false })?;
    let mut call = jit.prepare("fma", &[peak::coefficients(vectors)]).map_err(|e| e.to_string())?;
    call.invoke().map_err(|e| e.to_string())?;
    let mut ms: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            call.invoke().map_err(|e| e.to_string())?;
            Ok(t.elapsed().as_secs_f64() * 1e3)
        })
        .collect::<Result<_, String>>()?;
    // Every lane must hold the f32 fixed point of the step, reached within some 20,000 fused
    // steps from 0.001 (`mul_add` rounds once, as `math.fma` does): this shows every thread's
    // every chain was computed and stored (an unwritten row of `memref.alloc` is garbage). It
    // cannot show all steps ran; a short loop would show as a rate past the FMA units' limit.
    let want = (0..FMA512_STEPS).fold(0.001f32, |x, _| x.mul_add(0.999, 0.001)) as f64;
    let got = call.results().map_err(|e| e.to_string())?;
    if let Some(bad) = got[0].floats().iter().find(|&&x| x != want) {
        return Err(format!("the LLVM FMA peak's kernel computed {bad}, not {want}"));
    }
    ms.sort_by(f64::total_cmp);
    let flops = (threads * FMA512_STEPS * vectors.accumulators() * vectors.lanes() * 2) as f64;
    Ok(flops / ms[ms.len() / 2] / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        let mut ctx = Context::new();
        strata_dialects::register_all(&mut ctx);
        ctx
    }

    #[test]
    fn llvm_is_offered_only_when_built() {
        assert_eq!(Choice::Cranelift.backends(), Ok(vec![Backend::Cranelift]));
        assert_eq!(Choice::Both.backends().is_ok(), strata_llvm::AVAILABLE);
        assert_eq!(Choice::Llvm.backends().is_ok(), strata_llvm::AVAILABLE);
    }

    /// The 512-bit kernel is valid Strata IR everywhere; with the backend built it runs, its
    /// check passes and it reports a rate (a wrong fixed point or a failed compile is an error).
    #[test]
    fn fma512_kernel_verifies_and_runs() {
        let ctx = context();
        let m =
            strata_ir::parse_source(&ctx, "fma512.mlir", &peak::fma_source(2, 100, Vectors::Llvm), &Default::default())
                .expect("the kernel parses");
        strata_ir::verify(&ctx, &m.ir, m.root).expect("the kernel verifies");
        if strata_llvm::AVAILABLE {
            let gflops = fma512_peak(&ctx, 1, 1).expect("the peak is measured");
            assert!(gflops.is_finite() && gflops > 0.0, "{gflops}");
        }
    }
}

//! The GPU level: loops mapped onto grids and kernels outlined, as MLIR's `gpu` dialect has
//! them, ready for the PTX emitter ([`crate::ptx`]).
//!
//! ```text
//! func.func (scf.parallel nests over memrefs)
//!   ── convert-parallel-loops-to-gpu ──▶ gpu.launch regions in the host function
//!   ── gpu-kernel-outlining ──────────▶ gpu.module { gpu.func kernels } + gpu.launch_func
//! ```
//!
//! The reference interpreter runs both forms (`strata_runtime::exec`: every thread of every
//! block), so each step is checked by execution like every other lowering.

mod cooperate;
pub mod map;
pub mod outline;

/// The pipeline from an `nn` graph to kernels and launches for a GPU: the graph optimized
/// for the GPU's algorithms and costs, loops without the CPU's packed GEMM or `vectorize` (a
/// GPU thread takes one element, or one result of a product), the math functions written as
/// polynomials, then the GPU level.
pub fn cuda_pipeline() -> &'static str {
    "builtin.module(inline, func.func(egraph-opt{target=gpu}, plan-memory), \
     func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, \
     func.func(expand-math, convert-parallel-loops-to-gpu), gpu-kernel-outlining, canonicalize, cse)"
}

/// [`cuda_pipeline`] with options for `convert-parallel-loops-to-gpu` (`cooperate-below=0`:
/// one thread per iteration everywhere; the interpreter runs a block of cooperating threads
/// as as many OS threads, which whole models at the GPU level make slow to check).
pub fn cuda_pipeline_with(map_options: &str) -> String {
    cuda_pipeline().replacen(
        "convert-parallel-loops-to-gpu",
        &format!("convert-parallel-loops-to-gpu{{{map_options}}}"),
        1,
    )
}

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

mod contract;
mod cooperate;
pub mod map;
pub mod outline;

/// The pipeline from an `nn` graph to kernels and launches for a GPU: the graph optimized
/// for the GPU's algorithms and costs, loops without the CPU's packed GEMM (a GPU thread takes
/// one result of a product, or a tile of them), the math functions written as polynomials,
/// outermost elementwise nests in vectors of 4 (a thread reads and writes 16 bytes at once:
/// on an H100 the fused 8-op chain went from 1.16 to 1.04 ms, at the copy's bandwidth; the
/// rows of a layer norm, vectorized too, got 10% slower, so nested ones are left), then the
/// GPU level.
pub fn cuda_pipeline() -> &'static str {
    "builtin.module(inline, func.func(egraph-opt{target=gpu}, plan-memory), \
     func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, \
     func.func(expand-math, vectorize{width=4 nested=false}, convert-parallel-loops-to-gpu), gpu-kernel-outlining, canonicalize, cse)"
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

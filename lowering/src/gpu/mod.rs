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

pub mod map;
pub mod outline;

/// The pipeline from an `nn` graph to kernels and launches for a GPU: the graph optimized
/// for the GPU's algorithms and costs, loops without the CPU's packed GEMM or `vectorize` (a
/// GPU thread takes one element, or one result of a product), the math functions written as
/// polynomials, then the GPU level.
pub fn cuda_pipeline() -> &'static str {
    "builtin.module(inline, func.func(egraph-opt{target=gpu}, plan-memory), \
     func.func(convert-nn-to-loops{packed-gemm=false}, canonicalize, cse), materialize-arenas, \
     func.func(expand-math, convert-parallel-loops-to-gpu), gpu-kernel-outlining, canonicalize, cse)"
}

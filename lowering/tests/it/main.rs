//! The integration tests of `strata-lowering`, in one binary: each file under `tests/` used to be its own
//! binary linking the whole workspace, and linking them dominated `cargo test`'s time.

mod constant_globals;
mod conv_algorithms;
mod expand_math;
mod float_extrema;
mod gemm;
mod math_accuracy;
mod onnx_ops;
mod parallel_reduce;
mod pools;
mod rows;

use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{Context, Module};

/// A copy of `m` through `pipeline`, with every pass of the workspace registered.
pub(crate) fn through(ctx: &Context, m: &Module, pipeline: &str) -> Module {
    let mut registry = PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    let mut out = m.clone();
    PassManager::new(registry.parse_pipeline(pipeline).unwrap())
        .run(ctx, &mut out.ir, out.root)
        .unwrap_or_else(|f| panic!("{pipeline}: {}", f.diagnostic.message));
    out
}

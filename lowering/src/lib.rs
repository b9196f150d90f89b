//! `strata-lowering`: progressive lowering. [`to_loops`] takes `nn` and `kernel` graphs to
//! `scf` loops over `memref` buffers with `arith`/`math` scalar code (`lower-to-loops`, usable as
//! `builtin.module(lower-to-loops)`).

pub mod tile;
pub mod to_loops;
pub mod vectorize;

use strata_ir::pass::PassRegistry;

/// Registers the lowering passes and the `lower-to-loops` pipeline.
pub fn register_all(registry: &mut PassRegistry) {
    let _ = registry.register(to_loops::info());
    let _ = registry.register(vectorize::info());
    let _ = registry.register(tile::info());
    let _ = registry.register_pipeline(
        "lower-to-loops",
        "nn and kernel graphs to scf loops over memrefs, then canonicalize and CSE",
        "func.func(convert-nn-to-loops, canonicalize, cse)",
    );
}

//! `strata-lowering`: progressive lowering. [`to_loops`] takes `nn` and `kernel` graphs to
//! `scf` loops over `memref` buffers with `arith`/`math` scalar code (`lower-to-loops`, usable as
//! `builtin.module(lower-to-loops)`).

pub mod arenas;
pub mod codegen;
pub mod expand_math;
pub mod tile;
pub mod to_loops;
pub mod vectorize;

use strata_ir::pass::PassRegistry;
use strata_ir::{Context, Ir, Value, ValueDef};

/// Every `scf.parallel` under `root`, outermost first.
pub(crate) fn parallel_nests(ctx: &Context, ir: &Ir, root: strata_ir::OpId) -> Vec<strata_ir::OpId> {
    ir.collect_ops(root).into_iter().filter(|op| ctx.ident_str(ir.op(*op).name()) == "scf.parallel").collect()
}

/// The value of an index (or integer) `arith.constant`, if `v` is one.
pub fn constant_index(ctx: &Context, ir: &Ir, v: Value) -> Option<i64> {
    let ValueDef::Result { op, .. } = ir.value(v).def() else { return None };
    (ctx.ident_str(ir.op(op).name()) == "arith.constant")
        .then(|| ir.op(op).attr(ctx.ident("value")).and_then(|a| ctx.attr_as_int(a)))
        .flatten()
        .map(|v| v as i64)
}

/// The value of a float constant: a scalar `arith.constant`, a splat `dense<...>` one, or a
/// `vector.broadcast` of a scalar constant.
pub(crate) fn constant_float(ctx: &Context, ir: &Ir, v: Value) -> Option<f64> {
    let ValueDef::Result { op, .. } = ir.value(v).def() else { return None };
    let o = ir.op(op);
    match ctx.ident_str(o.name()) {
        "vector.broadcast" => constant_float(ctx, ir, o.operands()[0]),
        "arith.constant" => {
            let a = o.attr(ctx.ident("value"))?;
            ctx.attr_as_f64(a).or_else(|| match ctx.attr_kind(a) {
                strata_ir::AttrKind::DenseElements {
                    elements: strata_ir::DenseElements::Splat(strata_ir::DenseValue::Float(bits)),
                    ..
                } => Some(f64::from_bits(*bits)),
                _ => None,
            })
        }
        _ => None,
    }
}

/// Registers the lowering passes and the `lower-to-loops` pipeline.
pub fn register_all(registry: &mut PassRegistry) {
    let _ = registry.register(to_loops::info());
    let _ = registry.register(arenas::info());
    let _ = registry.register(vectorize::info());
    let _ = registry.register(expand_math::info());
    let _ = registry.register(tile::info());
    let _ = registry.register(codegen::profile::tag::info());
    let _ = registry.register_pipeline(
        "lower-to-loops",
        "nn and kernel graphs to scf loops over memrefs, then canonicalize and CSE",
        &lower_to_loops_pipeline(""),
    );
}

/// The `lower-to-loops` pipeline with `options` for `convert-nn-to-loops` (`vector-bits=512
/// l1-bytes=…`, the GEMM's kernel for a target; empty for the defaults).
pub fn lower_to_loops_pipeline(options: &str) -> String {
    let options = if options.is_empty() { String::new() } else { format!("{{{options}}}") };
    format!("func.func(convert-nn-to-loops{options}, canonicalize, cse), materialize-arenas")
}

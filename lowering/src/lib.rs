//! `strata-lowering`: progressive lowering. [`to_loops`] takes `nn` and `kernel` graphs to
//! `scf` loops over `memref` buffers with `arith`/`math` scalar code (`lower-to-loops`, usable as
//! `builtin.module(lower-to-loops)`).

pub mod arenas;
pub mod codegen;
pub mod expand_math;
pub mod forall;
pub mod gpu;
mod magic;
pub mod ptx;
pub mod tile;
pub mod to_loops;
pub mod vectorize;

use strata_ir::pass::PassRegistry;
use strata_ir::{Context, Ir, Value, ValueDef};

/// Every `scf.parallel` under `root`, outermost first.
pub(crate) fn parallel_nests(ctx: &Context, ir: &Ir, root: strata_ir::OpId) -> Vec<strata_ir::OpId> {
    ir.collect_ops(root).into_iter().filter(|op| ctx.ident_str(ir.op(*op).name()) == "scf.parallel").collect()
}

/// How many leading dimensions of a parallel nest a thread pool splits (both backends' rule):
/// enough for 64 iterations when the counts are constants, else only the first. `bounds` are
/// the nest's lower bounds, upper bounds and steps, `n` of each.
pub fn parallel_split_dims(ctx: &Context, ir: &Ir, bounds: &[Value], n: usize) -> usize {
    let mut total = 1i64;
    for d in 0..n {
        let c = |v: Value| constant_index(ctx, ir, v);
        let (Some(lb), Some(ub), Some(step)) = (c(bounds[d]), c(bounds[n + d]), c(bounds[2 * n + d])) else {
            return d.max(1);
        };
        total *= ((ub - lb + step - 1) / step.max(1)).max(0);
        if total >= 64 {
            return d + 1;
        }
    }
    n.max(1)
}

/// Erases the functions under `root` that neither `entries` names nor they call, directly or
/// not: what a compile of those entries leaves out (another function of the file that a code
/// generator cannot take does not stop these).
pub fn keep_reachable(ctx: &Context, ir: &mut Ir, root: strata_ir::OpId, entries: &[&str]) {
    let funcs: rustc_hash::FxHashMap<String, strata_ir::OpId> =
        strata_runtime::functions(ctx, ir, root).into_iter().collect();
    let mut seen = rustc_hash::FxHashSet::default();
    let mut work: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
    while let Some(name) = work.pop() {
        let Some(&f) = funcs.get(&name).filter(|_| seen.insert(name.clone())) else { continue };
        for op in ir.collect_ops(f) {
            if let Some(callee) = ir.op(op).attr(ctx.ident("callee")).and_then(|a| ctx.attr_as_symbol(a)) {
                work.push(callee.to_string());
            }
        }
    }
    for (name, f) in funcs {
        if !seen.contains(&name) {
            ir.erase_op(f);
        }
    }
}

/// Values used in the regions of `op` but defined outside it, in first-use order: what a
/// region outlined into a function of its own must be given.
pub fn captured_values(ir: &Ir, op: strata_ir::OpId) -> Vec<Value> {
    let mut seen = rustc_hash::FxHashSet::default();
    let mut out = Vec::new();
    for inner in ir.collect_ops(op).into_iter().skip(1) {
        for v in ir.op(inner).operands() {
            let inside = ir.value_block(*v).and_then(|b| ir.block_parent_op(b)).is_some_and(|p| ir.is_ancestor(op, p));
            if !inside && seen.insert(*v) {
                out.push(*v);
            }
        }
    }
    out
}

/// For the operands of an `arith.addf`, a single-use `arith.mulf` among them to fuse into a
/// multiply-add: its factors and the other addend (both backends fuse so, on values that are
/// not halves: those round after each op).
pub fn fusable_mul(ctx: &Context, ir: &Ir, operands: &[Value]) -> Option<((Value, Value), Value)> {
    for (i, v) in operands.iter().enumerate() {
        let ValueDef::Result { op, .. } = ir.value(*v).def() else { continue };
        if ctx.ident_str(ir.op(op).name()) == "arith.mulf" && ir.value(*v).uses().len() == 1 {
            let m = ir.op(op).operands();
            return Some(((m[0], m[1]), operands[1 - i]));
        }
    }
    None
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
    let _ = registry.register(forall::to_for_info());
    let _ = registry.register(forall::to_parallel_info());
    let _ = registry.register(gpu::map::info());
    let _ = registry.register(gpu::outline::info());
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

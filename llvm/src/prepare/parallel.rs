//! Parallel loops for the thread pool: the outermost `scf.parallel` of each nest becomes a
//! function of `(lo, hi, captures...)` over a range of its (flattened) leading iterations, and
//! the nest itself a call of a launcher with the iteration count and the captures.
//!
//! Upstream MLIR would run `scf.parallel` sequentially (`convert-scf-to-cf`); OpenMP is the
//! other upstream answer, and a dependency we do not want. Our runtime already has
//! `__strata_parallel_for(body, ctx, n)` (the Cranelift backend's, `strata_lowering::codegen::
//! parallel`); what it needs is a body of C type `void (const void *ctx, i64 lo, i64 hi)`. The
//! launcher and that body are written in the `llvm` dialect once the module is there
//! ([`crate::wrappers`]): they pack and unpack the captures, whose lowered form (a memref is its
//! descriptor's fields) is only known at that level. Here, at the loop level, the launcher is a
//! declaration.
//!
//! Captured constants are cloned into the outlined function rather than passed, so trip counts
//! and offsets stay constants for LLVM to fold. Memory is passed, views of the arena and globals
//! included: the same kernel on another layer's buffers is then the same function, which
//! [`super::dedupe`] compiles once (ResNet-18's 669 functions had 122 distinct bodies up to
//! their addresses). A base address in a register costs nothing on x86-64, where a constant
//! address in the JIT's code is a RIP-relative operand anyway.

use rustc_hash::{FxHashMap, FxHashSet};
use strata_ir::{Builder, Context, InsertPoint, Ir, IrMapping, OpId, OpState, Type, Value, ValueDef};

use crate::LlvmError;

/// An outlined nest: the function running its iterations, the launcher declared for it, and
/// the types of the captures both take after `(lo, hi)` or `n`.
#[derive(Clone, Debug)]
pub struct Outlined {
    pub body: String,
    pub launcher: String,
    pub captures: Vec<Type>,
    /// Where the body is compiled: 0 in the main module, `k` in side module `k`
    /// ([`super::split`]).
    pub home: usize,
}

/// Outlines every outermost `scf.parallel` in the functions of `module`; `scope` (the module's
/// name) keeps the new symbols apart from another module's.
pub fn outline(ctx: &Context, ir: &mut Ir, module: OpId, scope: &str) -> Result<Vec<Outlined>, LlvmError> {
    let module_block = ir.region(ir.op(module).regions()[0]).blocks()[0];
    let funcs: Vec<OpId> =
        ir.block_ops(module_block).filter(|o| ctx.ident_str(ir.op(*o).name()) == "func.func").collect();
    let mut out = Vec::new();
    for func in funcs {
        let fname = ir.op(func).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("f").to_string();
        let nests: Vec<OpId> = ir
            .collect_ops(func)
            .into_iter()
            .filter(|o| ctx.ident_str(ir.op(*o).name()) == "scf.parallel" && !inside_parallel(ctx, ir, *o, func))
            .collect();
        for (i, nest) in nests.into_iter().enumerate() {
            let base = format!(
                "__strata_par_{}_{i}",
                strata_lowering::codegen::abi::c_identifier(&format!("{scope}_{fname}"))
            );
            out.push(outline_one(ctx, ir, module_block, nest, &base)?);
        }
    }
    Ok(out)
}

/// Whether `op` is nested in another `scf.parallel` below `func`.
fn inside_parallel(ctx: &Context, ir: &Ir, op: OpId, func: OpId) -> bool {
    let mut at = ir.parent_op(op);
    while let Some(p) = at {
        if p == func {
            return false;
        }
        if ctx.ident_str(ir.op(p).name()) == "scf.parallel" {
            return true;
        }
        at = ir.parent_op(p);
    }
    false
}

/// The bounds of an `scf.parallel`: per dimension (lower, upper, step).
fn bounds(ctx: &Context, ir: &Ir, nest: OpId) -> Result<Vec<(Value, Value, Value)>, LlvmError> {
    let p = strata_dialects::scf::parallel_operands(ctx, ir, nest)
        .map_err(|m| LlvmError::unsupported(ctx, ir, nest, &m))?;
    if !p.inits.is_empty() {
        return Err(LlvmError::unsupported(ctx, ir, nest, "an scf.parallel with reductions"));
    }
    Ok((0..p.dims()).map(|d| (p.lower[d], p.upper[d], p.steps[d])).collect())
}

fn defining_op(ir: &Ir, v: Value) -> Option<OpId> {
    match ir.value(v).def() {
        ValueDef::Result { op, .. } => Some(op),
        _ => None,
    }
}

/// Whether `v` is rebuilt inside the outlined function rather than passed: a constant.
fn clonable(ctx: &Context, ir: &Ir, v: Value) -> bool {
    defining_op(ir, v).is_some_and(|op| ctx.ident_str(ir.op(op).name()) == "arith.constant")
}

/// Values used under `nest` (its bounds included) but defined outside it, in first-use order.
fn captures(ir: &Ir, nest: OpId) -> Vec<Value> {
    let mut seen = FxHashSet::default();
    let own = ir.op(nest).operands().to_vec();
    own.into_iter().chain(strata_lowering::captured_values(ir, nest)).filter(|v| seen.insert(*v)).collect()
}

fn index_const(ctx: &Context, ir: &mut Ir, at: InsertPoint, v: i64) -> Value {
    let index = ctx.index_type();
    Builder::new(ctx, ir, at).value("arith.constant", &[], index, &[("value", ctx.integer_attr(v.into(), index))])
}

/// `max(0, ceil((ub - lb) / step))` at `at`.
fn trip_count(ctx: &Context, ir: &mut Ir, at: InsertPoint, (lb, ub, step): (Value, Value, Value)) -> Value {
    let index = ctx.index_type();
    let zero = index_const(ctx, ir, at, 0);
    let mut b = Builder::new(ctx, ir, at);
    let span = b.value("arith.subi", &[ub, lb], index, &[]);
    let count = b.value("arith.ceildivsi", &[span, step], index, &[]);
    b.value("arith.maxsi", &[count, zero], index, &[])
}

fn outline_one(
    ctx: &Context,
    ir: &mut Ir,
    module_block: strata_ir::BlockId,
    nest: OpId,
    base: &str,
) -> Result<Outlined, LlvmError> {
    let dims = bounds(ctx, ir, nest)?;
    let flat: Vec<Value> =
        dims.iter().map(|d| d.0).chain(dims.iter().map(|d| d.1)).chain(dims.iter().map(|d| d.2)).collect();
    let k = strata_lowering::parallel_split_dims(ctx, ir, &flat, dims.len());
    let loc = ir.op(nest).loc();
    let index = ctx.index_type();
    let all = captures(ir, nest);
    let (cloned, passed): (Vec<Value>, Vec<Value>) = all.into_iter().partition(|v| clonable(ctx, ir, *v));
    let passed_types: Vec<Type> = passed.iter().map(|v| ir.value_type(*v)).collect();

    // The outlined function: (lo, hi, captures...).
    let mut params = vec![index, index];
    params.extend(&passed_types);
    let private = ctx.string_attr("private");
    // Internal linkage: upstream lowers a private function to an external LLVM one, which
    // LLVM compiles on its own even where it inlined it into the trampoline (ResNet-18: most
    // bodies twice), and inlines less readily.
    let internal = ctx
        .parse_attribute("#llvm.linkage<internal>")
        .map_err(|e| LlvmError::Internal(format!("the linkage attribute: {e:?}")))?;
    let func = Builder::at_end(ctx, ir, module_block).insert(
        OpState::new(ctx, "func.func", loc)
            .attr(ctx, "sym_name", ctx.string_attr(base))
            .attr(ctx, "function_type", ctx.type_attr(ctx.function_type(params.clone(), vec![])))
            .attr(ctx, "sym_visibility", private)
            .attr(ctx, "llvm.linkage", internal)
            .regions(1),
    );
    let entry = ir.create_block(&params);
    ir.append_block(ir.op(func).regions()[0], entry);
    let args = ir.block(entry).args().to_vec();
    let mut map: FxHashMap<Value, Value> = passed.iter().copied().zip(args[2..].iter().copied()).collect();
    for v in &cloned {
        let constant = defining_op(ir, *v).expect("a constant is an op's result");
        let copy = ir.clone_op(constant, &mut IrMapping::default());
        ir.insert_op(copy, InsertPoint::BlockEnd(entry));
        map.insert(*v, ir.op(copy).result(0));
    }
    let at = InsertPoint::BlockEnd(entry);
    let one = index_const(ctx, ir, at, 1);
    let for_op = Builder::at_end(ctx, ir, entry)
        .insert(OpState::new(ctx, "scf.for", loc).operands(&[args[0], args[1], one]).regions(1));
    let body = ir.create_block(&[index]);
    ir.append_block(ir.op(for_op).regions()[0], body);
    Builder::at_end(ctx, ir, entry).op("func.return", &[], &[], &[]);
    let t = ir.block(body).args()[0];

    // Leading induction variables from the flat index t: iv_d = lb_d + (t / inner_d % count_d) * step_d.
    let at = InsertPoint::BlockEnd(body);
    let mapped = |v: Value, map: &FxHashMap<Value, Value>| map.get(&v).copied().unwrap_or(v);
    let mut counts = Vec::new();
    for d in &dims[..k] {
        let d = (mapped(d.0, &map), mapped(d.1, &map), mapped(d.2, &map));
        counts.push(trip_count(ctx, ir, at, d));
    }
    let mut ivs = vec![t; k];
    let mut rest = t;
    for d in (0..k).rev() {
        let (lb, step) = (mapped(dims[d].0, &map), mapped(dims[d].2, &map));
        let mut b = Builder::new(ctx, ir, at);
        let within = if d == 0 { rest } else { b.value("arith.remsi", &[rest, counts[d]], index, &[]) };
        if d > 0 {
            rest = b.value("arith.divsi", &[rest, counts[d]], index, &[]);
        }
        let scaled = b.value("arith.muli", &[within, step], index, &[]);
        ivs[d] = b.value("arith.addi", &[lb, scaled], index, &[]);
    }
    let old_block = ir.region(ir.op(nest).regions()[0]).blocks()[0];
    if k == dims.len() {
        let old_args = ir.block(old_block).args().to_vec();
        debug_assert_eq!(old_args.len(), ivs.len());
        let inlined = ir.inline_block(old_block, at, &ivs);
        // The nest's terminator (`scf.reduce` with nothing to reduce) becomes the loop's.
        if let Some(last) = inlined.last() {
            ir.erase_op(*last);
        }
        Builder::at_end(ctx, ir, body).op("scf.yield", &[], &[], &[]);
    } else {
        let inner: Vec<(Value, Value, Value)> =
            dims[k..].iter().map(|d| (mapped(d.0, &map), mapped(d.1, &map), mapped(d.2, &map))).collect();
        let (lower, upper, steps): (Vec<Value>, Vec<Value>, Vec<Value>) = (
            inner.iter().map(|d| d.0).collect(),
            inner.iter().map(|d| d.1).collect(),
            inner.iter().map(|d| d.2).collect(),
        );
        let mut b = Builder::at_end(ctx, ir, body);
        b.loc = loc;
        let (_, pblock) = strata_dialects::scf::build_parallel(&mut b, &lower, &upper, &steps);
        let mut all_ivs = ivs.clone();
        all_ivs.extend(ir.block(pblock).args().to_vec());
        ir.inline_block(old_block, InsertPoint::BlockEnd(pblock), &all_ivs);
        Builder::at_end(ctx, ir, body).op("scf.yield", &[], &[], &[]);
    }
    // Uses of captures inside the new function now read its parameters and clones.
    for op in ir.collect_ops(func) {
        let operands = ir.op(op).operands().to_vec();
        for (i, v) in operands.into_iter().enumerate() {
            if let Some(&m) = map.get(&v) {
                ir.set_operand(op, i, m);
            }
        }
    }

    // The nest becomes a call of its launcher with the total count and the captures.
    let before = InsertPoint::Before(nest);
    let mut total = index_const(ctx, ir, before, 1);
    for d in &dims[..k] {
        let c = trip_count(ctx, ir, before, *d);
        total = Builder::new(ctx, ir, before).value("arith.muli", &[total, c], index, &[]);
    }
    let launcher = format!("{base}_launch");
    let mut call_args = vec![total];
    call_args.extend(&passed);
    Builder::new(ctx, ir, before).op("func.call", &call_args, &[], &[("callee", ctx.symbol_ref_attr(&launcher))]);
    ir.erase_op(nest);
    let mut launch_params = vec![index];
    launch_params.extend(&passed_types);
    Builder::at_end(ctx, ir, module_block).insert(
        OpState::new(ctx, "func.func", loc)
            .attr(ctx, "sym_name", ctx.string_attr(&launcher))
            .attr(ctx, "function_type", ctx.type_attr(ctx.function_type(launch_params, vec![])))
            .attr(ctx, "sym_visibility", private)
            .regions(1),
    );
    Ok(Outlined { body: base.to_string(), launcher, captures: passed_types, home: 0 })
}

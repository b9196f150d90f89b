//! Faults as the Cranelift backend reports them, in code upstream MLIR compiles: what MLIR
//! leaves undefined (integer division by zero or overflow, shifts by the width or more) and a
//! false `cf.assert` record their trap site in the module's flag (`@__strata_trap`, an `i32`)
//! and go on with a harmless operand, so no instruction faults and no poison reaches memory
//! addresses; the entry's wrapper reads the flag after the call and returns `-site`
//! ([`crate::wrappers`]). The sites are [`TrapSite`]s, so a trap reads as the interpreter's report
//! of the same fault.
//!
//! Upstream lowers `cf.assert` to a call of `abort`, and a division by zero to the machine's
//! (SIGFPE on x86-64): either would end the process instead of reporting a located error.

use strata_ir::{Builder, Context, Ir, OpId, Type, Value};
use strata_lowering::codegen::TrapSite;
use strata_runtime::Fault;

use crate::LlvmError;

/// The flag's symbol.
pub const TRAP_FLAG: &str = "__strata_trap";

/// Rewrites every fault check under `module`; returns the sites (site `k` is `sites[k - 1]`).
pub fn guard(ctx: &Context, ir: &mut Ir, module: OpId) -> Result<Vec<TrapSite>, LlvmError> {
    let mut sites = Vec::new();
    let ops: Vec<OpId> = ir.collect_ops(module);
    for op in ops {
        let name = ctx.ident_str(ir.op(op).name()).to_string();
        let checked = matches!(
            name.as_str(),
            "arith.divsi"
                | "arith.divui"
                | "arith.remsi"
                | "arith.remui"
                | "arith.floordivsi"
                | "arith.ceildivsi"
                | "arith.ceildivui"
                | "arith.shli"
                | "arith.shrsi"
                | "arith.shrui"
        );
        let vector = ir.op(op).operands().first().is_some_and(|v| ctx.shape(ir.value_type(*v)).is_some());
        let constant_rhs = ir.op(op).operands().get(1).and_then(|v| constant_int(ctx, ir, *v));
        if checked && vector && constant_rhs.is_none() {
            // Cranelift has no vector integer division either; shifts of vectors by a variable
            // amount would need a per-lane check that nothing we lower produces.
            return Err(LlvmError::unsupported(ctx, ir, op, "a vector integer division or shift by a variable amount"));
        }
        match name.as_str() {
            "cf.assert" => assert_site(ctx, ir, op, &mut sites),
            "arith.divsi" | "arith.divui" | "arith.remsi" | "arith.remui" | "arith.floordivsi" | "arith.ceildivsi"
            | "arith.ceildivui" => division(ctx, ir, op, &name, &mut sites),
            "arith.shli" | "arith.shrsi" | "arith.shrui" => shift(ctx, ir, op, &mut sites),
            _ => {}
        }
    }
    Ok(sites)
}

fn function_of(ctx: &Context, ir: &Ir, op: OpId) -> String {
    let mut at = ir.parent_op(op);
    while let Some(p) = at {
        if ctx.ident_str(ir.op(p).name()) == "func.func" {
            return ir.op(p).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("").to_string();
        }
        at = ir.parent_op(p);
    }
    String::new()
}

fn new_site(ctx: &Context, ir: &Ir, op: OpId, message: String, sites: &mut Vec<TrapSite>) -> i64 {
    sites.push(TrapSite {
        function: function_of(ctx, ir, op),
        op: ctx.ident_str(ir.op(op).name()).to_string(),
        loc: ir.op(op).loc(),
        message,
    });
    sites.len() as i64
}

/// `scf.if %bad { if flag == 0 { flag = site } }` before `op`: the first fault is the one
/// reported, as the interpreter stops at it.
fn record(ctx: &Context, ir: &mut Ir, op: OpId, bad: Value, site: i64) {
    let loc = ir.op(op).loc();
    let i32t = ctx.integer_type(32);
    let flag_type = ctx.memref_type(vec![], i32t);
    let then = conditional(ctx, ir, strata_ir::InsertPoint::Before(op), loc, bad);
    let mut b = Builder::at_end(ctx, ir, then);
    let flag = b.value("memref.get_global", &[], flag_type, &[("name", ctx.symbol_ref_attr(TRAP_FLAG))]);
    let old = b.value("memref.load", &[flag], i32t, &[]);
    let zero = b.value("arith.constant", &[], i32t, &[("value", ctx.integer_attr(0, i32t))]);
    let eq = ctx.integer_attr(0, ctx.integer_type(64));
    let first = b.value("arith.cmpi", &[old, zero], ctx.integer_type(1), &[("predicate", eq)]);
    let store = conditional(ctx, ir, strata_ir::InsertPoint::BlockEnd(then), loc, first);
    let mut b = Builder::at_end(ctx, ir, store);
    let k = b.value("arith.constant", &[], i32t, &[("value", ctx.integer_attr(site.into(), i32t))]);
    // Parallel iterations may fault at once and each writes its own site: any one is a correct
    // report, an aligned i32 store is not torn, and the flag is read only after the pool joins.
    b.op("memref.store", &[k, flag], &[], &[]);
    b.op("scf.yield", &[], &[], &[]);
    Builder::at_end(ctx, ir, then).op("scf.yield", &[], &[], &[]);
}

/// An `scf.if %cond` without results or else at `at`; returns its then block (unterminated).
fn conditional(
    ctx: &Context,
    ir: &mut Ir,
    at: strata_ir::InsertPoint,
    loc: strata_ir::Location,
    cond: Value,
) -> strata_ir::BlockId {
    let iff =
        Builder::new(ctx, ir, at).insert(strata_ir::OpState::new(ctx, "scf.if", loc).operands(&[cond]).regions(2));
    let then = ir.create_block(&[]);
    ir.append_block(ir.op(iff).regions()[0], then);
    then
}

/// The value of an integer constant, scalar or splat (a vector's every lane), if `v` is one.
fn constant_int(ctx: &Context, ir: &Ir, v: Value) -> Option<i64> {
    let strata_ir::ValueDef::Result { op, .. } = ir.value(v).def() else { return None };
    let o = ir.op(op);
    match ctx.ident_str(o.name()) {
        "vector.broadcast" => constant_int(ctx, ir, o.operands()[0]),
        "arith.constant" => {
            let value = o.attr(ctx.ident("value"))?;
            match ctx.attr_kind(value) {
                strata_ir::AttrKind::DenseElements {
                    elements: strata_ir::DenseElements::Splat(strata_ir::DenseValue::Int(i)),
                    ..
                } => Some(*i as i64),
                _ => ctx.attr_as_int(value).map(|i| i as i64),
            }
        }
        _ => None,
    }
}

/// An integer constant of type `t`.
fn constant(ctx: &Context, ir: &mut Ir, op: OpId, t: Type, v: i128) -> Value {
    Builder::before(ctx, ir, op).value("arith.constant", &[], t, &[("value", ctx.integer_attr(v, t))])
}

fn cmp(ctx: &Context, ir: &mut Ir, op: OpId, predicate: i128, a: Value, b: Value) -> Value {
    let p = ctx.integer_attr(predicate, ctx.integer_type(64));
    Builder::before(ctx, ir, op).value("arith.cmpi", &[a, b], ctx.integer_type(1), &[("predicate", p)])
}

fn width_of(ctx: &Context, t: Type) -> u32 {
    let e = ctx.element_type_or_self(t);
    if ctx.is_index(e) {
        64
    } else {
        ctx.int_or_float_width(e).unwrap_or(64)
    }
}

/// Replaces operand `i` of `op` by `select(bad, safe, operand)`.
fn neutralize(ctx: &Context, ir: &mut Ir, op: OpId, i: usize, bad: Value, safe: Value) {
    let v = ir.op(op).operands()[i];
    let t = ir.value_type(v);
    let s = Builder::before(ctx, ir, op).value("arith.select", &[bad, safe, v], t, &[]);
    ir.set_operand(op, i, s);
}

fn division(ctx: &Context, ir: &mut Ir, op: OpId, name: &str, sites: &mut Vec<TrapSite>) {
    const EQ: i128 = 0;
    let (x, y) = (ir.op(op).operands()[0], ir.op(op).operands()[1]);
    let t = ir.value_type(y);
    let width = width_of(ctx, t);
    let known = constant_int(ctx, ir, y);
    let zero = constant(ctx, ir, op, t, 0);
    let one = constant(ctx, ir, op, t, 1);
    if known.is_none_or(|d| d == 0) {
        let bad = cmp(ctx, ir, op, EQ, y, zero);
        let site = new_site(ctx, ir, op, Fault::DivisionByZero.to_string(), sites);
        record(ctx, ir, op, bad, site);
        neutralize(ctx, ir, op, 1, bad, one);
    }
    let signed = matches!(name, "arith.divsi" | "arith.floordivsi" | "arith.ceildivsi");
    let minus_one = if width == 1 { 1 } else { -1 };
    if signed && known.is_none_or(|d| d == minus_one) {
        let min = if width == 1 { 1 } else { -(1i128 << (width - 1)) };
        let (min_v, m1) = (constant(ctx, ir, op, t, min), constant(ctx, ir, op, t, minus_one.into()));
        let a = cmp(ctx, ir, op, EQ, x, min_v);
        let b = cmp(ctx, ir, op, EQ, ir.op(op).operands()[1], m1);
        let i1 = ir.value_type(a);
        let bad = Builder::before(ctx, ir, op).value("arith.andi", &[a, b], i1, &[]);
        let site = new_site(ctx, ir, op, Fault::DivisionOverflow { width }.to_string(), sites);
        record(ctx, ir, op, bad, site);
        neutralize(ctx, ir, op, 1, bad, one);
    }
}

fn shift(ctx: &Context, ir: &mut Ir, op: OpId, sites: &mut Vec<TrapSite>) {
    const UGE: i128 = 9;
    let y = ir.op(op).operands()[1];
    let t = ir.value_type(y);
    let width = width_of(ctx, t);
    let amount = constant_int(ctx, ir, y).map(|r| (r as u64) & (u64::MAX >> (64 - width)));
    if amount.is_some_and(|a| a < u64::from(width)) {
        return;
    }
    let message = match amount {
        Some(amount) => Fault::ShiftOutOfRange { amount, width }.to_string(),
        None => format!("shift by {width} or more, not below the width {width} (poison in MLIR)"),
    };
    let w = constant(ctx, ir, op, t, width.into());
    let bad = cmp(ctx, ir, op, UGE, y, w);
    let site = new_site(ctx, ir, op, message, sites);
    record(ctx, ir, op, bad, site);
    let zero = constant(ctx, ir, op, t, 0);
    neutralize(ctx, ir, op, 1, bad, zero);
}

fn assert_site(ctx: &Context, ir: &mut Ir, op: OpId, sites: &mut Vec<TrapSite>) {
    let ok = ir.op(op).operands()[0];
    let message =
        ir.op(op).attr(ctx.ident("msg")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("assertion failed").to_string();
    let i1 = ctx.integer_type(1);
    let truth = Builder::before(ctx, ir, op).value("arith.constant", &[], i1, &[("value", ctx.integer_attr(1, i1))]);
    let bad = Builder::before(ctx, ir, op).value("arith.xori", &[ok, truth], i1, &[]);
    let site = new_site(ctx, ir, op, message, sites);
    record(ctx, ir, op, bad, site);
    ir.erase_op(op);
}

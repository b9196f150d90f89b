//! `scf`: structured control flow — counted loops (with loop-carried values), parallel loop
//! nests (with reductions) and conditionals, in upstream MLIR's forms. Generic form for now:
//!
//! ```text
//! %sum = "scf.for"(%lb, %ub, %step, %init) ({
//! ^bb0(%i: index, %acc: f32):
//!   ...
//!   "scf.yield"(%next) : (f32) -> ()
//! }) : (index, index, index, f32) -> f32
//! "scf.parallel"(%lb0, %lb1, %ub0, %ub1, %s0, %s1) <{operandSegmentSizes = array<i32: 2, 2, 2, 0>}> ({
//! ^bb0(%i: index, %j: index):
//!   ...
//!   "scf.reduce"() : () -> ()
//! }) : (index, index, index, index, index, index) -> ()
//! %max = "scf.parallel"(%lb, %ub, %s, %init) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> ({
//! ^bb0(%i: index):
//!   %x = ...
//!   "scf.reduce"(%x) ({
//!   ^bb0(%lhs: f32, %rhs: f32):
//!     %m = arith.maximumf %lhs, %rhs : f32
//!     scf.reduce.return %m : f32
//!   }) : (f32) -> ()
//! }) : (index, index, index, f32) -> f32
//! ```
//!
//! `scf.parallel` has four operand groups (lower bounds, upper bounds, steps, initial values),
//! one result per initial value, and ends in `scf.reduce`, which takes one value per initial
//! value and has one region per value combining two of them (`scf.reduce.return`). A nest
//! without reductions ends in `"scf.reduce"() : () -> ()`.

use strata_ir::dialect::{constraints as tc, Dialect, OpDef, OpView, Trait};
use strata_ir::{AttrKind, BlockId, Builder, DenseArrayValues, Diagnostic, Ir, OpId, OpState, Type, Value};

pub struct Scf;

/// The operand groups of an `scf.parallel`: a lower bound, upper bound and step per
/// dimension, and the initial values of its reductions.
#[derive(Copy, Clone, Debug)]
pub struct ParallelOperands<'a> {
    pub lower: &'a [Value],
    pub upper: &'a [Value],
    pub steps: &'a [Value],
    pub inits: &'a [Value],
}

impl ParallelOperands<'_> {
    /// The number of dimensions of the nest.
    pub fn dims(&self) -> usize {
        self.lower.len()
    }
}

/// The operand groups of the `scf.parallel` `op`, read from its `operandSegmentSizes`; an
/// error (not a panic) when they are not four segments that add up to its operands (the
/// three-segment form of earlier Strata, for one).
pub fn parallel_operands<'a>(ctx: &strata_ir::Context, ir: &'a Ir, op: OpId) -> Result<ParallelOperands<'a>, String> {
    let operands = ir.op(op).operands();
    let sizes = match ir.op(op).attr(ctx.ident("operandSegmentSizes")).map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::DenseArray { values: DenseArrayValues::Int(v), .. }) => v.clone(),
        _ => return Err("scf.parallel needs an operandSegmentSizes property".into()),
    };
    let bad = || {
        format!(
            "scf.parallel's operandSegmentSizes must be 4 sizes (lowerBound, upperBound, step, initVals) adding \
             up to its {} operands, not {sizes:?}",
            operands.len()
        )
    };
    let [l, u, s, i] = sizes.as_slice() else { return Err(bad()) };
    let sizes: Vec<usize> =
        [*l, *u, *s, *i].iter().map(|n| usize::try_from(*n).ok()).collect::<Option<_>>().ok_or_else(bad)?;
    if sizes.iter().sum::<usize>() != operands.len() {
        return Err(bad());
    }
    if sizes[1] != sizes[0] || sizes[2] != sizes[0] || sizes[0] == 0 {
        return Err("needs as many (at least one) lower bounds, upper bounds and steps".into());
    }
    let (lower, rest) = operands.split_at(sizes[0]);
    let (upper, rest) = rest.split_at(sizes[1]);
    let (steps, inits) = rest.split_at(sizes[2]);
    Ok(ParallelOperands { lower, upper, steps, inits })
}

/// Inserts, with `b`, an `scf.parallel` over `lower[d] .. upper[d]` by `steps[d]` without
/// reductions, and returns it with its body block, which takes the induction variables and
/// is left empty: the caller fills it and ends it with `"scf.reduce"()`.
pub fn build_parallel(b: &mut Builder, lower: &[Value], upper: &[Value], steps: &[Value]) -> (OpId, BlockId) {
    let ctx = b.ctx;
    let segments = ctx.intern_attr(AttrKind::DenseArray {
        element: ctx.integer_type(32),
        values: DenseArrayValues::Int(vec![lower.len() as i64, upper.len() as i64, steps.len() as i64, 0]),
    });
    let operands: Vec<Value> = lower.iter().chain(upper).chain(steps).copied().collect();
    let state = OpState::new(ctx, "scf.parallel", b.loc).operands(&operands).regions(1).attr(
        ctx,
        "operandSegmentSizes",
        segments,
    );
    let op = b.insert(state);
    let block = b.ir.create_block(&vec![ctx.index_type(); lower.len()]);
    let region = b.ir.op(op).regions()[0];
    b.ir.append_block(region, block);
    (op, block)
}

fn show(ctx: &strata_ir::Context, ts: &[Type]) -> String {
    ts.iter().map(|t| ctx.type_to_string(*t)).collect::<Vec<_>>().join(", ")
}

/// The single block of region `r` takes `args` and ends in `terminator` of `yields`.
fn verify_region(v: &OpView, r: usize, args: &[Type], yields: &[Type], terminator: &str) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let region = ir.op(v.op).regions()[r];
    let [block] = ir.region(region).blocks() else {
        return Err(v.error("a region must have exactly one block"));
    };
    let got: Vec<Type> = ir.block(*block).args().iter().map(|a| ir.value_type(*a)).collect();
    if got != args {
        return Err(v.error(format!("the body must take ({}), not ({})", show(ctx, args), show(ctx, &got))));
    }
    let term = ir.block(*block).last_op().map(|t| ir.op(t));
    match term {
        Some(t) if ctx.ident_str(t.name()) == terminator => {
            let yielded: Vec<Type> = t.operands().iter().map(|o| ir.value_type(*o)).collect();
            if yielded != yields {
                let what = terminator.trim_start_matches("scf.");
                return Err(v.error(format!(
                    "the body must {what} ({}), not ({})",
                    show(ctx, yields),
                    show(ctx, &yielded)
                )));
            }
            Ok(())
        }
        _ => Err(v.error(format!("the body must end with {terminator}"))),
    }
}

fn verify_for(v: &OpView) -> Result<(), Diagnostic> {
    let inits: Vec<Type> = v.operand_group("initArgs").iter().map(|o| v.ir.value_type(*o)).collect();
    let results: Vec<Type> = v.results().iter().map(|r| v.ir.value_type(*r)).collect();
    if inits != results {
        return Err(v.error("the results must have the types of the initial values"));
    }
    let mut args = vec![v.ctx.index_type()];
    args.extend(&inits);
    verify_region(v, 0, &args, &inits, "scf.yield")
}

/// As upstream: as many bounds as steps (at least one), constant steps positive, results of
/// the initial values' types, a body of index arguments ending in `scf.reduce` of values of
/// those types.
fn verify_parallel(v: &OpView) -> Result<(), Diagnostic> {
    let p = parallel_operands(v.ctx, v.ir, v.op).map_err(|m| v.error(m))?;
    let n = p.dims();
    if p.steps.iter().any(|s| constant_int(v, *s).is_some_and(|c| c <= 0)) {
        return Err(v.error("constant step operand must be positive"));
    }
    let inits: Vec<Type> = p.inits.iter().map(|o| v.ir.value_type(*o)).collect();
    let results: Vec<Type> = v.results().iter().map(|r| v.ir.value_type(*r)).collect();
    if inits != results {
        return Err(v.error(format!(
            "the results must have the types of the initial values: ({}), not ({})",
            show(v.ctx, &inits),
            show(v.ctx, &results)
        )));
    }
    verify_region(v, 0, &vec![v.ctx.index_type(); n], &inits, "scf.reduce")
}

/// The value of `x` when an `arith.constant` defines it.
fn constant_int(v: &OpView, x: Value) -> Option<i128> {
    let strata_ir::ValueDef::Result { op, .. } = v.ir.value(x).def() else { return None };
    let o = v.ir.op(op);
    (v.ctx.ident_str(o.name()) == "arith.constant")
        .then(|| o.attr(v.ctx.ident("value")).and_then(|a| v.ctx.attr_as_int(a)))
        .flatten()
}

/// One region per reduced value, each combining two values of its type into one.
fn verify_reduce(v: &OpView) -> Result<(), Diagnostic> {
    let regions = v.ir.op(v.op).regions().len();
    if regions != v.operands().len() {
        return Err(v.error(format!(
            "needs one reduction region per operand: {} operands, {regions} regions",
            v.operands().len()
        )));
    }
    for (r, x) in v.operands().iter().enumerate() {
        let t = v.ir.value_type(*x);
        verify_region(v, r, &[t, t], &[t], "scf.reduce.return")?;
    }
    Ok(())
}

fn verify_if(v: &OpView) -> Result<(), Diagnostic> {
    let results: Vec<Type> = v.results().iter().map(|r| v.ir.value_type(*r)).collect();
    verify_region(v, 0, &[], &results, "scf.yield")?;
    let has_else = v.ir.region(v.ir.op(v.op).regions()[1]).blocks().len() == 1;
    if has_else {
        verify_region(v, 1, &[], &results, "scf.yield")
    } else if results.is_empty() {
        Ok(())
    } else {
        Err(v.error("an scf.if with results needs an else region"))
    }
}

impl Dialect for Scf {
    fn name(&self) -> &'static str {
        "scf"
    }
    fn description(&self) -> &'static str {
        "structured control flow: loops, parallel nests with reductions, and conditionals"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            OpDef::new("scf.for")
                .summary("a counted loop from lowerBound to upperBound by step, carrying values")
                .operand("lowerBound", tc::INDEX)
                .operand("upperBound", tc::INDEX)
                .operand("step", tc::INDEX)
                .variadic_operand("initArgs", tc::ANY)
                .variadic_result("results", tc::ANY)
                .region("region", true)
                .verifier(verify_for),
            OpDef::new("scf.parallel")
                .summary("a loop nest whose iterations are independent, with reductions")
                .traits(&[Trait::AttrSizedOperandSegments])
                .variadic_operand("lowerBound", tc::INDEX)
                .variadic_operand("upperBound", tc::INDEX)
                .variadic_operand("step", tc::INDEX)
                .variadic_operand("initVals", tc::ANY)
                .variadic_result("results", tc::ANY)
                .region("region", true)
                .verifier(verify_parallel),
            OpDef::new("scf.reduce")
                .summary("ends an scf.parallel body: each operand is combined into its reduction by its region")
                .traits(&[Trait::Terminator])
                .parent("scf.parallel")
                .variadic_operand("operands", tc::ANY)
                .variadic_region("reductions", true)
                .verifier(verify_reduce),
            OpDef::new("scf.reduce.return")
                .summary("ends a reduction region with the combined value")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::ReturnLike])
                .parent("scf.reduce")
                .operand("result", tc::ANY)
                .format("$result attr-dict `:` type($result)"),
            OpDef::new("scf.if")
                .summary("runs the then region or the else region")
                .operand("condition", tc::I1)
                .variadic_result("results", tc::ANY)
                .region("thenRegion", true)
                .region("elseRegion", true)
                .verifier(verify_if),
            OpDef::new("scf.yield")
                .summary("ends an scf region, passing values on")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::ReturnLike])
                .variadic_operand("results", tc::ANY)
                .format("attr-dict ($results^ `:` type($results))?"),
        ]
    }
}

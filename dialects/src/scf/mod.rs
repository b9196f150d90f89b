//! `scf`: structured control flow — counted loops (with loop-carried values), `while` loops,
//! parallel loop nests (with reductions), conditionals, switches and inlined regions, in
//! upstream MLIR's custom forms (the generic forms read too):
//!
//! ```text
//! %sum = scf.for %i = %lb to %ub step %step iter_args(%acc = %init) -> (f32) {
//!   ...
//!   scf.yield %next : f32
//! }
//! scf.parallel (%i, %j) = (%lb0, %lb1) to (%ub0, %ub1) step (%s0, %s1) {
//!   ...
//!   scf.reduce
//! }
//! %max = scf.parallel (%i) = (%lb) to (%ub) step (%s) init (%init) -> f32 {
//!   %x = ...
//!   scf.reduce(%x : f32) {
//!   ^bb0(%lhs: f32, %rhs: f32):
//!     %m = arith.maximumf %lhs, %rhs : f32
//!     scf.reduce.return %m : f32
//!   }
//! }
//! %r = scf.if %c -> (f32) { scf.yield %a : f32 } else { scf.yield %b : f32 }
//! %n = scf.while (%i = %zero) : (i32) -> i32 {
//!   %more = arith.cmpi slt, %i, %ten : i32
//!   scf.condition(%more) %i : i32
//! } do {
//! ^bb0(%j: i32):
//!   %next = arith.addi %j, %one : i32
//!   scf.yield %next : i32
//! }
//! %v = scf.index_switch %k -> f32
//! case 0 { scf.yield %a : f32 }
//! default { scf.yield %b : f32 }
//! %e = scf.execute_region -> f32 { ... scf.yield %x : f32 }
//! %t2 = scf.forall (%i) in (8) shared_outs(%o = %t) -> (tensor<8xf32>) {
//!   ...
//!   scf.forall.in_parallel {
//!     tensor.parallel_insert_slice %s into %o[%i] [1] [1] : tensor<1xf32> into tensor<8xf32>
//!   }
//! }
//! ```
//!
//! `scf.parallel` has four operand groups (lower bounds, upper bounds, steps, initial values),
//! one result per initial value, and ends in `scf.reduce`, which takes one value per initial
//! value and has one region per value combining two of them (`scf.reduce.return`). A
//! terminator that passes nothing on may be left out of the text (`scf.yield` in `scf.for`
//! without carried values, in `scf.if` without results and in `scf.index_switch`'s default;
//! `scf.reduce` in `scf.parallel`): the parser puts it back and the printer leaves out the
//! `scf.yield`s, as upstream's do ([`syntax`]). `scf.forall` ([`forall`]) has its own file.

mod forall;
mod syntax;

pub use forall::{forall_loops, Bound, ForallLoops, IN_PARALLEL, PARALLEL_INSERT_SLICE};

use strata_ir::dialect::{
    attr_constraints as ac, constraints as tc, AttrConstraint, AttrSyntax, Dialect, OpDef, OpView, Trait,
    TypeConstraint,
};
use strata_ir::{
    AttrKind, BlockId, Builder, DenseArrayValues, Diagnostic, Ir, OpId, OpState, Signedness, Type, TypeKind, Value,
};

pub struct Scf;

/// An index or a signless integer: the type of `scf.for`'s bounds.
const INDEX_OR_INTEGER: TypeConstraint = TypeConstraint {
    description: "index or signless integer",
    check: |c, t| {
        matches!(c.type_kind(t), TypeKind::Index | TypeKind::Integer { signedness: Signedness::Signless, .. })
    },
};

/// `array<i64: ...>`.
const DENSE_I64_ARRAY: AttrConstraint = AttrConstraint {
    description: "i64 dense array attribute",
    check: |c, a| matches!(c.attr_kind(a), AttrKind::DenseArray { element, .. } if *element == c.i64_type()),
    syntax: AttrSyntax::Full,
};

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
    let segments = ctx.operand_segments(&[lower.len(), upper.len(), steps.len(), 0]);
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

/// The case values of the `scf.index_switch` `op`, in the order of its case regions (which
/// follow the default region).
pub fn index_switch_cases(ctx: &strata_ir::Context, ir: &Ir, op: OpId) -> Vec<i64> {
    crate::slicing::int_array(ctx, ir, op, "cases")
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

/// As upstream: bounds, step and induction variable of one type, an index or a signless
/// integer; results of the initial values' types, and a body yielding them.
fn verify_for(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let bounds: Vec<Type> = v.operands()[..3].iter().map(|o| v.ir.value_type(*o)).collect();
    let iv = bounds[0];
    let integer =
        matches!(ctx.type_kind(iv), TypeKind::Index | TypeKind::Integer { signedness: Signedness::Signless, .. });
    if bounds.iter().any(|t| *t != iv) {
        return Err(v.error("failed to verify that all of {lowerBound, upperBound, step} have same type"));
    }
    if !integer {
        return Err(
            v.error(format!("the bounds must be an index or a signless integer, not {}", show(ctx, &bounds[..1])))
        );
    }
    let inits: Vec<Type> = v.operand_group("initArgs").iter().map(|o| v.ir.value_type(*o)).collect();
    let results: Vec<Type> = v.results().iter().map(|r| v.ir.value_type(*r)).collect();
    if inits != results {
        return Err(v.error("the results must have the types of the initial values"));
    }
    let mut args = vec![iv];
    args.extend(&inits);
    verify_region(v, 0, &args, &inits, "scf.yield")
}

/// As upstream: the `before` region takes the initial values and ends in `scf.condition`,
/// whose values are the op's results and the `after` region's arguments; `after` yields the
/// `before` region's arguments for the next iteration.
fn verify_while(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let inits: Vec<Type> = v.operands().iter().map(|o| ir.value_type(*o)).collect();
    let results: Vec<Type> = v.results().iter().map(|r| ir.value_type(*r)).collect();
    let after = ir.op(v.op).regions()[1];
    let after_args: Vec<Type> = ir
        .region(after)
        .entry()
        .map(|b| ir.block(b).args().iter().map(|a| ir.value_type(*a)).collect())
        .unwrap_or_default();
    if after_args != results {
        return Err(v.error(format!(
            "the 'after' region must take the results' types ({}), not ({})",
            show(ctx, &results),
            show(ctx, &after_args)
        )));
    }
    // The condition's first operand is the flag; the rest go on.
    let before = ir.op(v.op).regions()[0];
    let [block] = ir.region(before).blocks() else {
        return Err(v.error("the 'before' region must have exactly one block"));
    };
    let passed = ir.block(*block).last_op().filter(|t| ctx.ident_str(ir.op(*t).name()) == "scf.condition");
    let Some(condition) = passed else {
        return Err(v.error("expects the 'before' region to terminate with 'scf.condition'"));
    };
    let got: Vec<Type> = ir.op(condition).operands().iter().skip(1).map(|o| ir.value_type(*o)).collect();
    if got != results {
        return Err(v.error(format!(
            "scf.condition must pass on the results' types ({}), not ({})",
            show(ctx, &results),
            show(ctx, &got)
        )));
    }
    let args: Vec<Type> = ir.block(*block).args().iter().map(|a| ir.value_type(*a)).collect();
    if args != inits {
        return Err(v.error(format!(
            "the 'before' region must take the initial values' types ({}), not ({})",
            show(ctx, &inits),
            show(ctx, &args)
        )));
    }
    verify_region(v, 1, &results, &inits, "scf.yield")
}

/// Every `scf.yield` that ends a block of `region` passes on `results`' types.
fn verify_yields(v: &OpView, region: strata_ir::RegionId, results: &[Type]) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    for b in ir.region(region).blocks() {
        let Some(t) = ir.block(*b).last_op() else { continue };
        if ctx.ident_str(ir.op(t).name()) != "scf.yield" {
            continue;
        }
        let yielded: Vec<Type> = ir.op(t).operands().iter().map(|o| ir.value_type(*o)).collect();
        if yielded != results {
            return Err(v.error(format!(
                "a region must yield the results' types ({}), not ({})",
                show(ctx, results),
                show(ctx, &yielded)
            )));
        }
    }
    Ok(())
}

/// As upstream: a region without arguments whose yields pass on the results.
fn verify_execute_region(v: &OpView) -> Result<(), Diagnostic> {
    let ir = v.ir;
    let body = ir.op(v.op).regions()[0];
    let Some(entry) = ir.region(body).entry() else {
        return Err(v.error("region needs to have at least one block"));
    };
    if !ir.block(entry).args().is_empty() {
        return Err(v.error("region cannot have any arguments"));
    }
    let results: Vec<Type> = v.results().iter().map(|r| ir.value_type(*r)).collect();
    verify_yields(v, body, &results)
}

/// As upstream: as many case values as case regions, no value twice, each region one block
/// ending in `scf.yield` of the results' types.
fn verify_index_switch(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let cases = index_switch_cases(ctx, ir, v.op);
    let regions = ir.op(v.op).regions().len();
    if cases.len() + 1 != regions {
        return Err(v.error(format!("has {} case regions but {} case values", regions.saturating_sub(1), cases.len())));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = cases.iter().find(|c| !seen.insert(**c)) {
        return Err(v.error(format!("has duplicate case value: {dup}")));
    }
    let results: Vec<Type> = v.results().iter().map(|r| ir.value_type(*r)).collect();
    for r in 0..regions {
        verify_region(v, r, &[], &results, "scf.yield")?;
    }
    Ok(())
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
        Err(v.error("must have an else block if defining values"))
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
                .operand("lowerBound", INDEX_OR_INTEGER)
                .operand("upperBound", INDEX_OR_INTEGER)
                .operand("step", INDEX_OR_INTEGER)
                .variadic_operand("initArgs", tc::ANY)
                .variadic_result("results", tc::ANY)
                .optional_attr("unsignedCmp", ac::UNIT)
                .region("region", true)
                .verifier(verify_for)
                .custom_syntax(syntax::parse_for, syntax::print_for),
            OpDef::new("scf.while")
                .summary("a loop: the 'before' region decides whether the 'after' region runs again")
                .variadic_operand("inits", tc::ANY)
                .variadic_result("results", tc::ANY)
                .region("before", true)
                .region("after", true)
                .verifier(verify_while)
                .custom_syntax(syntax::parse_while, syntax::print_while),
            OpDef::new("scf.condition")
                .summary("ends scf.while's 'before' region: whether to go on, and the values passed on")
                .traits(&[Trait::Pure, Trait::Terminator])
                .parent("scf.while")
                .operand("condition", tc::I1)
                .variadic_operand("args", tc::ANY)
                .format("`(` $condition `)` attr-dict ($args^ `:` type($args))?"),
            OpDef::new("scf.parallel")
                .summary("a loop nest whose iterations are independent, with reductions")
                .traits(&[Trait::AttrSizedOperandSegments])
                .variadic_operand("lowerBound", tc::INDEX)
                .variadic_operand("upperBound", tc::INDEX)
                .variadic_operand("step", tc::INDEX)
                .variadic_operand("initVals", tc::ANY)
                .variadic_result("results", tc::ANY)
                .region("region", true)
                .verifier(verify_parallel)
                .custom_syntax(syntax::parse_parallel, syntax::print_parallel),
            OpDef::new("scf.forall")
                .summary("a loop nest whose iterations run in parallel, each writing slices of shared outputs")
                .traits(&[Trait::AttrSizedOperandSegments])
                .variadic_operand("dynamicLowerBound", tc::INDEX)
                .variadic_operand("dynamicUpperBound", tc::INDEX)
                .variadic_operand("dynamicStep", tc::INDEX)
                .variadic_operand("outputs", crate::nn::TENSOR)
                .attr("staticLowerBound", DENSE_I64_ARRAY)
                .attr("staticUpperBound", DENSE_I64_ARRAY)
                .attr("staticStep", DENSE_I64_ARRAY)
                .optional_attr("mapping", ac::ARRAY)
                .variadic_result("results", tc::ANY)
                .region("region", true)
                .verifier(forall::verify_forall)
                .custom_syntax(forall::parse_forall, forall::print_forall),
            OpDef::new(IN_PARALLEL)
                .summary("ends an scf.forall body: the slices of the shared outputs this iteration writes")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::NoTerminator, Trait::GraphRegions])
                .parent("scf.forall")
                .region("region", true)
                .verifier(forall::verify_in_parallel)
                .custom_syntax(forall::parse_in_parallel, forall::print_in_parallel),
            OpDef::new("scf.reduce")
                .summary("ends an scf.parallel body: each operand is combined into its reduction by its region")
                .traits(&[Trait::Terminator])
                .parent("scf.parallel")
                .variadic_operand("operands", tc::ANY)
                .variadic_region("reductions", true)
                .verifier(verify_reduce)
                .custom_syntax(syntax::parse_reduce, syntax::print_reduce),
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
                .verifier(verify_if)
                .custom_syntax(syntax::parse_if, syntax::print_if),
            OpDef::new("scf.execute_region")
                .summary("runs its region once, in place: several blocks where one op is allowed")
                .variadic_result("results", tc::ANY)
                .optional_attr("no_inline", ac::UNIT)
                .region("region", false)
                .verifier(verify_execute_region)
                .custom_syntax(syntax::parse_execute_region, syntax::print_execute_region),
            OpDef::new("scf.index_switch")
                .summary("runs the region of the case equal to the index, else the default region")
                .operand("arg", tc::INDEX)
                .attr("cases", DENSE_I64_ARRAY)
                .variadic_result("results", tc::ANY)
                .region("defaultRegion", true)
                .variadic_region("caseRegions", true)
                .verifier(verify_index_switch)
                .custom_syntax(syntax::parse_index_switch, syntax::print_index_switch),
            OpDef::new("scf.yield")
                .summary("ends an scf region, passing values on")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::ReturnLike])
                .variadic_operand("results", tc::ANY)
                .format("attr-dict ($results^ `:` type($results))?"),
        ]
    }
}

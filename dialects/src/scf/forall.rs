//! `scf.forall`: a multi-dimensional loop whose iterations run in parallel, over memrefs (no
//! results) or over tensors in destination-passing style, as MLIR 22 has it:
//!
//! ```text
//! %r = scf.forall (%i, %j) in (8, %n) shared_outs(%o = %t) -> (tensor<8x?xf32>) {
//!   %x = tensor.extract_slice %o[%i, %j] [1, 1] [1, 1] : tensor<8x?xf32> to tensor<1x1xf32>
//!   ...
//!   scf.forall.in_parallel {
//!     tensor.parallel_insert_slice %y into %o[%i, %j] [1, 1] [1, 1] : tensor<1x1xf32> into tensor<8x?xf32>
//!   }
//! } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
//! scf.forall (%i) = (%lb) to (16) step (2) { ... }
//! ```
//!
//! Each bound and step is a constant or an index value (`staticLowerBound`, `staticUpperBound`
//! and `staticStep` hold `DYNAMIC` where the next value of its operand group stands). The body
//! takes the induction variables, then one block argument per shared output; it ends in
//! `scf.forall.in_parallel`, whose region holds only `tensor.parallel_insert_slice`s into those
//! arguments: the slices each iteration contributes to the results. The `in (...)` form is
//! printed when every lower bound is 0 and every step 1, constants defined by ops included,
//! as upstream prints it (such constant operands are then left out of the text, as there).

use std::fmt;

use strata_ir::dialect::{OpView, Trait};
use strata_ir::parser::{OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::{AttrKind, BlockId, Context, Diagnostic, Ir, OpId, OpState, Type, Value, ValueDef, DYNAMIC};

use super::syntax::{
    argument, entry_args, finish, named, parse_assignments, parse_optional_arrow_types, parse_paren_operands,
    print_assignments, region, resolve_all, types_of,
};
use crate::slicing::{parse_mixed_in, print_mixed_in, Delimiter, Mixed};

/// The terminator of an `scf.forall` body.
pub const IN_PARALLEL: &str = "scf.forall.in_parallel";

/// The property holding each list's constants, in the order of the operand groups.
const STATIC_BOUNDS: [&str; 3] = ["staticLowerBound", "staticUpperBound", "staticStep"];
/// How upstream's verifier names each list.
const BOUND_NAMES: [&str; 3] = ["lower bound", "upper bound", "step"];

/// A bound or step: a constant, or a value known at run time.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Bound {
    Static(i64),
    Dynamic(Value),
}

/// An `scf.forall`'s loops (one lower bound, upper bound and step per induction variable) and
/// its shared outputs.
#[derive(Clone, Debug)]
pub struct ForallLoops {
    pub lower: Vec<Bound>,
    pub upper: Vec<Bound>,
    pub steps: Vec<Bound>,
    pub outputs: Vec<Value>,
}

impl ForallLoops {
    /// The number of induction variables.
    pub fn rank(&self) -> usize {
        self.lower.len()
    }
}

fn int_array(ctx: &Context, ir: &Ir, op: OpId, name: &str) -> Option<Vec<i64>> {
    ir.op(op).attr(ctx.ident(name)).and_then(|a| ctx.attr_as_int_array(a)).map(<[i64]>::to_vec)
}

/// The four operand groups of `op`, from its `operandSegmentSizes`.
fn segments<'a>(ctx: &Context, ir: &'a Ir, op: OpId) -> Result<[&'a [Value]; 4], String> {
    let operands = ir.op(op).operands();
    let sizes = int_array(ctx, ir, op, "operandSegmentSizes").unwrap_or_default();
    let sizes: Option<Vec<usize>> = sizes.iter().map(|n| usize::try_from(*n).ok()).collect();
    let bad = || {
        format!(
            "scf.forall's operandSegmentSizes must be 4 sizes (dynamicLowerBound, dynamicUpperBound, dynamicStep, \
             outputs) adding up to its {} operands",
            operands.len()
        )
    };
    let sizes = sizes.filter(|s| s.len() == 4 && s.iter().sum::<usize>() == operands.len()).ok_or_else(bad)?;
    let (l, rest) = operands.split_at(sizes[0]);
    let (u, rest) = rest.split_at(sizes[1]);
    let (s, o) = rest.split_at(sizes[2]);
    Ok([l, u, s, o])
}

/// One list of `op`'s loops, checked as upstream's `verifyListOfOperandsOrIntegers`.
fn bounds(ctx: &Context, ir: &Ir, op: OpId, list: usize, rank: usize, values: &[Value]) -> Result<Vec<Bound>, String> {
    let name = BOUND_NAMES[list];
    let statics = int_array(ctx, ir, op, STATIC_BOUNDS[list])
        .ok_or_else(|| format!("needs a {} property (array<i64: ...>)", STATIC_BOUNDS[list]))?;
    if statics.len() != rank {
        return Err(format!("expected {rank} {name} values, got {}", statics.len()));
    }
    let dynamic = statics.iter().filter(|s| **s == DYNAMIC).count();
    if dynamic != values.len() {
        return Err(format!("expected {dynamic} dynamic {name} values"));
    }
    let mut next = values.iter();
    Ok(statics
        .iter()
        .map(|s| match *s {
            DYNAMIC => Bound::Dynamic(*next.next().expect("counted")),
            n => Bound::Static(n),
        })
        .collect())
}

/// The loops and outputs of the `scf.forall` `op`; an error (not a panic) when its operand
/// groups and static lists disagree. The rank is the number of lower bounds, as upstream's.
pub fn forall_loops(ctx: &Context, ir: &Ir, op: OpId) -> Result<ForallLoops, String> {
    let [l, u, s, outputs] = segments(ctx, ir, op)?;
    let rank = int_array(ctx, ir, op, STATIC_BOUNDS[0]).map_or(0, |v| v.len());
    Ok(ForallLoops {
        lower: bounds(ctx, ir, op, 0, rank, l)?,
        upper: bounds(ctx, ir, op, 1, rank, u)?,
        steps: bounds(ctx, ir, op, 2, rank, s)?,
        outputs: outputs.to_vec(),
    })
}

/// The integer a constant-like op gives `v`, as upstream's `getConstantIntValue`.
fn constant_value(ctx: &Context, ir: &Ir, v: Value) -> Option<i64> {
    let ValueDef::Result { op, .. } = ir.value(v).def() else { return None };
    let o = ir.op(op);
    let constant = ctx.op_def(o.name()).is_some_and(|d| d.has_trait(Trait::ConstantLike));
    constant.then(|| o.attr(ctx.ident("value")).and_then(|a| ctx.attr_as_int(a))).flatten()?.try_into().ok()
}

fn bound_is(ctx: &Context, ir: &Ir, b: &Bound, n: i64) -> bool {
    match b {
        Bound::Static(s) => *s == n,
        Bound::Dynamic(v) => constant_value(ctx, ir, *v) == Some(n),
    }
}

/// Whether every lower bound is 0 and every step 1 (`ForallOp::isNormalized`).
fn is_normalized(ctx: &Context, ir: &Ir, loops: &ForallLoops) -> bool {
    loops.lower.iter().all(|b| bound_is(ctx, ir, b, 0)) && loops.steps.iter().all(|b| bound_is(ctx, ir, b, 1))
}

// ------------------------------------------------------------------------------ verifiers
/// As upstream: one result per output, of its type; the body takes an index per loop and then
/// the outputs' types; a mapping of one entry per loop; lists of one entry per loop with a
/// value per dynamic entry; the body ends in `scf.forall.in_parallel`.
pub(super) fn verify_forall(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let [.., outputs] = segments(ctx, ir, v.op).map_err(|m| v.error(m))?;
    let rank = int_array(ctx, ir, v.op, STATIC_BOUNDS[0]).map_or(0, |l| l.len());
    if v.results().len() != outputs.len() {
        return Err(v.error(format!("produces {} results, but has only {} outputs", v.results().len(), outputs.len())));
    }
    for (i, (o, r)) in outputs.iter().zip(v.results()).enumerate() {
        let (ot, rt) = (ir.value_type(*o), ir.value_type(*r));
        if ot != rt {
            return Err(v.error(format!(
                "expected type of operand #{i} ('{}') to match type of corresponding result ('{}')",
                ctx.type_to_string(ot),
                ctx.type_to_string(rt)
            )));
        }
    }
    let body = region(ir, v.op, 0);
    let [block] = ir.region(body).blocks() else {
        return Err(v.error("region #0 ('region') failed to verify constraint: region with 1 blocks"));
    };
    let args = ir.block(*block).args();
    if args.len() != rank + outputs.len() {
        return Err(v.error(format!("region expects {rank} arguments")));
    }
    if let Some(i) = args[..rank].iter().position(|a| !ctx.is_index(ir.value_type(*a))) {
        return Err(v.error(format!("expects {i}-th block argument to be an index")));
    }
    for (i, (o, a)) in outputs.iter().zip(&args[rank..]).enumerate() {
        if ir.value_type(*o) != ir.value_type(*a) {
            return Err(v.error(format!("type mismatch between {i}-th output and corresponding block argument")));
        }
    }
    if let Some(mapping) = v.attr("mapping") {
        let not_mapping =
            || v.error("attribute 'mapping' failed to satisfy constraint: Device Mapping array attribute");
        let AttrKind::Array(items) = ctx.attr_kind(mapping) else { return Err(not_mapping()) };
        if !items.iter().all(|a| is_device_mapping(ctx, *a)) {
            return Err(not_mapping());
        }
        if !items.is_empty() && items.len() != rank {
            return Err(v.error("mapping attribute size must match op rank"));
        }
    }
    forall_loops(ctx, ir, v.op).map_err(|m| Diagnostic::error(ir.op(v.op).loc(), m))?;
    match ir.block(*block).last_op() {
        Some(t) if ctx.ident_str(ir.op(t).name()) == IN_PARALLEL => Ok(()),
        Some(t) => Err(
            v.error(format!("expects regions to end with '{IN_PARALLEL}', found '{}'", ctx.ident_str(ir.op(t).name())))
        ),
        None => Err(v.error(format!("expects a non-empty block ending in '{IN_PARALLEL}'"))),
    }
}

/// The gpu dialect's attributes that map a loop onto the device (`#gpu.thread<x>`,
/// `#gpu.block<y>`, …): upstream's `DeviceMappingAttrInterface`.
fn is_device_mapping(ctx: &Context, a: strata_ir::Attribute) -> bool {
    let text = ctx.attr_to_string(a);
    ["thread", "block", "warp", "warpgroup", "lane", "memory_space", "mask"]
        .iter()
        .any(|kind| text.strip_prefix("#gpu.").and_then(|t| t.strip_prefix(kind)).is_some_and(|t| t.starts_with('<')))
}

/// As upstream: one block holding only `tensor.parallel_insert_slice`s, each into a shared
/// output of the enclosing `scf.forall` (its parent, which the op's declaration checks).
pub(super) fn verify_in_parallel(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let [block] = ir.region(region(ir, v.op, 0)).blocks() else {
        return Err(v.error("region #0 ('region') failed to verify constraint: region with 1 blocks"));
    };
    let Some(forall) = ir.parent_op(v.op) else { return Ok(()) };
    let forall_args = entry_args(ir, region(ir, forall, 0));
    let outputs = forall_loops(ctx, ir, forall).map(|l| l.outputs.len()).unwrap_or(0);
    let shared = &forall_args[forall_args.len().saturating_sub(outputs)..];
    for op in ir.block_ops(*block) {
        let o = ir.op(op);
        let name = ctx.ident_str(o.name());
        if name != PARALLEL_INSERT_SLICE {
            return Err(v.error("expected only ParallelCombiningOpInterface ops"));
        }
        if o.operands().get(1).is_none_or(|dest| !shared.contains(dest)) {
            return Err(Diagnostic::error(
                o.loc(),
                format!("'{name}' op may only insert into an output block argument"),
            ));
        }
    }
    Ok(())
}

/// The one op `scf.forall.in_parallel` holds: a slice of a shared output an iteration writes.
pub const PARALLEL_INSERT_SLICE: &str = "tensor.parallel_insert_slice";

// ------------------------------------------------------------------------------ syntax
/// `scf.forall (%i, ...) in (ub, ...)` or `scf.forall (%i, ...) = (lb, ...) to (ub, ...)
/// step (s, ...)`, then `[shared_outs(%o = %t, ...) [-> types]] {body} attr-dict`; each bound
/// a constant or an index value.
pub(super) fn parse_forall(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let index = ctx.index_type();
    let ivs = parse_paren_operands(p)?;
    let n = ivs.len();
    let lists: [Mixed<'_>; 3] = if p.parse_optional_keyword("in")? {
        [(Vec::new(), vec![0; n]), parse_mixed_in(p, Delimiter::Paren)?, (Vec::new(), vec![1; n])]
    } else {
        p.expect_punct("=")?;
        let lower = parse_mixed_in(p, Delimiter::Paren)?;
        p.expect_keyword("to")?;
        let upper = parse_mixed_in(p, Delimiter::Paren)?;
        p.expect_keyword("step")?;
        [lower, upper, parse_mixed_in(p, Delimiter::Paren)?]
    };
    let (mut shared, mut results) = (Vec::new(), Vec::new());
    let outs_at = p.offset()?;
    if p.parse_optional_keyword("shared_outs")? {
        shared = parse_assignments(p)?;
        results = parse_optional_arrow_types(p)?;
        if shared.len() != results.len() {
            return Err(ParseError::new(outs_at, format!("{} values and {} types", shared.len(), results.len())));
        }
    }
    let mut operands = Vec::new();
    let mut attrs = Vec::new();
    let mut sizes = Vec::new();
    for (list, (values, statics)) in lists.into_iter().enumerate() {
        sizes.push(values.len());
        operands.extend(resolve_all(p, &values, &vec![index; values.len()])?);
        attrs.push(named(ctx, STATIC_BOUNDS[list], ctx.dense_i64_array(statics)));
    }
    let inits: Vec<_> = shared.iter().map(|(_, init)| *init).collect();
    operands.extend(resolve_all(p, &inits, &results)?);
    sizes.push(inits.len());
    let mut args = ivs.iter().map(|u| argument(p, *u, index)).collect::<Result<Vec<_>, _>>()?;
    for ((name, _), t) in shared.iter().zip(&results) {
        args.push(argument(p, *name, *t)?);
    }
    let mut body = p.parse_region(Some(&args), false)?;
    ensure_in_parallel(p, &mut body);
    p.parse_optional_attr_dict(&mut attrs)?;
    attrs.push(named(ctx, "operandSegmentSizes", ctx.operand_segments(&sizes)));
    finish(p, operands, results, attrs, vec![body]);
    Ok(())
}

/// Ends the body with an empty `scf.forall.in_parallel` when its text left it out, as
/// upstream's `ensureTerminator`; an empty region gets a block first.
fn ensure_in_parallel(p: &mut OpParser<'_, '_>, body: &mut Vec<BlockId>) {
    let (ctx, loc) = (p.ctx(), p.op_loc());
    let ir = &mut p.ir;
    if body.is_empty() {
        body.push(ir.create_block(&[]));
    }
    let last = *body.last().expect("a block");
    let ends = ir
        .block(last)
        .last_op()
        .is_some_and(|t| ctx.op_def(ir.op(t).name()).is_some_and(|d| d.has_trait(Trait::Terminator)));
    if !ends {
        let mut b = strata_ir::Builder::at_end(ctx, ir, last);
        b.loc = loc;
        let terminator = b.insert(OpState::new(ctx, IN_PARALLEL, loc).regions(1));
        let block = b.ir.create_block(&[]);
        let r = b.ir.op(terminator).regions()[0];
        b.ir.append_block(r, block);
    }
}

pub(super) fn print_forall(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let Ok(loops) = forall_loops(ctx, ir, op) else {
        return p.write(" <<malformed scf.forall>>");
    };
    let body = region(ir, op, 0);
    let args = entry_args(ir, body);
    let rank = loops.rank().min(args.len());
    p.write(" (")?;
    p.print_value_list(&args[..rank])?;
    let list = |p: &mut OpPrinter<'_, '_>, bounds: &[Bound]| {
        let statics: Vec<i64> = bounds.iter().map(|b| if let Bound::Static(n) = b { *n } else { DYNAMIC }).collect();
        let values: Vec<Value> =
            bounds.iter().filter_map(|b| if let Bound::Dynamic(v) = b { Some(*v) } else { None }).collect();
        print_mixed_in(p, &statics, &values, Delimiter::Paren)
    };
    if is_normalized(ctx, ir, &loops) {
        p.write(") in ")?;
        list(p, &loops.upper)?;
    } else {
        p.write(") = ")?;
        list(p, &loops.lower)?;
        p.write(" to ")?;
        list(p, &loops.upper)?;
        p.write(" step ")?;
        list(p, &loops.steps)?;
    }
    if !loops.outputs.is_empty() {
        p.write(" shared_outs")?;
        print_assignments(p, &args[rank..], &loops.outputs)?;
    }
    p.write(" ")?;
    let results = types_of(ir, ir.op(op).results());
    if !results.is_empty() {
        p.write("-> (")?;
        p.print_type_list(&results)?;
        p.write(") ")?;
    }
    // Upstream prints the terminator only when there are results to write.
    let implied = results.is_empty().then_some(IN_PARALLEL);
    p.print_region_with(body, false, implied)?;
    let mut elided = vec!["operandSegmentSizes"];
    elided.extend(STATIC_BOUNDS);
    p.print_attr_dict(op, &elided, false)
}

/// `scf.forall.in_parallel {ops} attr-dict`; an empty region gets its block.
pub(super) fn parse_in_parallel(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let mut body = p.parse_region(None, false)?;
    if body.is_empty() {
        body.push(p.ir.create_block(&[]));
    }
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    finish(p, Vec::new(), Vec::<Type>::new(), attrs, vec![body]);
    Ok(())
}

pub(super) fn print_in_parallel(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    p.write(" ")?;
    p.print_region(region(p.ir, op, 0), false)?;
    p.print_attr_dict(op, &[], false)
}

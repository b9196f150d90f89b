//! `cf`: unstructured control flow (branches, switches, assertions).

use std::fmt;
use std::ops::Range;

use strata_ir::dialect::{attr_constraints as ac, constraints as tc, Dialect, OpDef, OpView, Trait};
use strata_ir::parser::{OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::rewrite::{PatternRewriter, RewritePattern};
use strata_ir::{
    AttrKind, Attribute, BlockId, Context, DenseArrayValues, DenseElements, DenseValue, Diagnostic, FoldResult, Ir,
    NamedAttr, OpId, OpState, TypeKind, Value,
};

pub struct ControlFlow;

fn group(ctx: &Context, ir: &Ir, op: OpId, i: usize) -> Range<usize> {
    let def = ctx.op_def(ir.op(op).name()).expect("registered");
    def.operand_group_ranges(ctx, ir, op)[i].clone()
}

impl Dialect for ControlFlow {
    fn name(&self) -> &'static str {
        "cf"
    }
    fn description(&self) -> &'static str {
        "unstructured control flow"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            OpDef::new("cf.br")
                .summary("unconditional branch")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::Branch])
                .variadic_operand("destOperands", tc::ANY)
                .successor("dest")
                .successor_operands(|_, ir, op, _| 0..ir.op(op).operands().len())
                .format("$dest (`(` $destOperands^ `:` type($destOperands) `)`)? attr-dict")
                .canonicalization(MergeIntoSinglePredecessor),
            OpDef::new("cf.cond_br")
                .summary("conditional branch")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::Branch, Trait::AttrSizedOperandSegments])
                .operand("condition", tc::I1)
                .variadic_operand("trueDestOperands", tc::ANY)
                .variadic_operand("falseDestOperands", tc::ANY)
                .optional_attr("branch_weights", ac::DENSE_I32_LIST)
                .successor("trueDest")
                .successor("falseDest")
                .successor_operands(|ctx, ir, op, i| group(ctx, ir, op, i + 1))
                .format("$condition (`weights` `(` $branch_weights^ `)`)? `,` $trueDest (`(` $trueDestOperands^ `:` type($trueDestOperands) `)`)? `,` $falseDest (`(` $falseDestOperands^ `:` type($falseDestOperands) `)`)? attr-dict")
                .verifier(verify_branch_weights)
                .canonicalization(CondBrOnConstant)
                .canonicalization(CondBrToSameDest),
            OpDef::new("cf.switch")
                .summary("multi-way branch on an integer")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::Branch, Trait::AttrSizedOperandSegments])
                .operand("flag", tc::SIGNLESS_INTEGER)
                .variadic_operand("defaultOperands", tc::ANY)
                .variadic_operand("caseOperands", tc::ANY)
                .optional_attr("case_values", ac::ANY)
                .attr("case_operand_segments", ac::DENSE_I32_ARRAY)
                .successor("defaultDestination")
                .variadic_successor("caseDestinations")
                .successor_operands(switch_successor_operands)
                .custom_syntax(parse_switch, print_switch)
                .verifier(verify_switch),
            OpDef::new("cf.assert")
                .summary("aborts with a message when the condition is false")
                .operand("arg", tc::I1)
                .attr("msg", ac::STRING)
                .format("$arg `,` $msg attr-dict")
                .folder(fold_assert),
        ]
    }
}

/// `cf.br ^bb(args)` to a block only it reaches: the block's ops move into the branch's block.
struct MergeIntoSinglePredecessor;

/// How many terminator successor slots in `block`'s region name `block`.
fn predecessor_count(ir: &Ir, block: BlockId) -> usize {
    let Some(region) = ir.block(block).parent_region() else { return 0 };
    ir.region(region)
        .blocks()
        .iter()
        .filter_map(|b| ir.block(*b).last_op())
        .map(|t| ir.op(t).successors().iter().filter(|s| **s == block).count())
        .sum()
}

impl RewritePattern for MergeIntoSinglePredecessor {
    fn root(&self) -> Option<&str> {
        Some("cf.br")
    }
    fn name(&self) -> &str {
        "SimplifyBrToBlockWithSinglePred"
    }
    fn match_and_rewrite(&self, op: OpId, rw: &mut PatternRewriter<'_>) -> bool {
        let ir = rw.ir();
        let dest = ir.op(op).successors()[0];
        let Some(here) = ir.op(op).parent_block() else { return false };
        let region = ir.block(dest).parent_region();
        if dest == here || region.and_then(|r| ir.region(r).entry()) == Some(dest) || predecessor_count(ir, dest) != 1 {
            return false;
        }
        let args = ir.op(op).operands().to_vec();
        rw.erase_op(op);
        rw.merge_blocks(dest, here, &args);
        true
    }
}

fn replace_with_br(rw: &mut PatternRewriter<'_>, op: OpId, dest: BlockId, operands: &[Value]) {
    let state = OpState::new(rw.ctx, "cf.br", rw.loc(op)).operands(operands).successors(&[dest]);
    rw.set_insertion_point_before(op);
    rw.create(state);
    rw.erase_op(op);
}

/// `cf.cond_br` on a constant condition is a `cf.br`.
struct CondBrOnConstant;

impl RewritePattern for CondBrOnConstant {
    fn root(&self) -> Option<&str> {
        Some("cf.cond_br")
    }
    fn name(&self) -> &str {
        "SimplifyConstCondBranchPred"
    }
    fn match_and_rewrite(&self, op: OpId, rw: &mut PatternRewriter<'_>) -> bool {
        let Some(c) = rw.constant_int(rw.ir().op(op).operand(0)) else { return false };
        let taken = if c != 0 { 0 } else { 1 };
        let dest = rw.ir().op(op).successors()[taken];
        let range = group(rw.ctx, rw.ir(), op, taken + 1);
        let operands = rw.ir().op(op).operands()[range].to_vec();
        replace_with_br(rw, op, dest, &operands);
        true
    }
}

/// `cf.cond_br %c, ^bb(args), ^bb(args)` is a `cf.br`.
struct CondBrToSameDest;

impl RewritePattern for CondBrToSameDest {
    fn root(&self) -> Option<&str> {
        Some("cf.cond_br")
    }
    fn name(&self) -> &str {
        "SimplifyCondBranchIdenticalSuccessors"
    }
    fn match_and_rewrite(&self, op: OpId, rw: &mut PatternRewriter<'_>) -> bool {
        let ir = rw.ir();
        let succ = ir.op(op).successors();
        let (t, f) = (group(rw.ctx, ir, op, 1), group(rw.ctx, ir, op, 2));
        let operands = ir.op(op).operands();
        if succ[0] != succ[1] || operands[t.clone()] != operands[f] {
            return false;
        }
        let (dest, args) = (succ[0], operands[t].to_vec());
        replace_with_br(rw, op, dest, &args);
        true
    }
}

fn fold_assert(v: &OpView, c: &[Option<Attribute>]) -> Option<Vec<FoldResult>> {
    // An assertion on a constant true can go; the canonicalizer erases ops folded to nothing.
    (c[0].and_then(|a| v.ctx.attr_as_int(a)) == Some(1)).then(Vec::new)
}

fn case_segments(ctx: &Context, ir: &Ir, op: OpId) -> Vec<usize> {
    match ir.op(op).attr(ctx.ident("case_operand_segments")).map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::DenseArray { values: DenseArrayValues::Int(v), .. }) => {
            v.iter().map(|x| (*x).max(0) as usize).collect()
        }
        _ => Vec::new(),
    }
}

fn switch_successor_operands(ctx: &Context, ir: &Ir, op: OpId, i: usize) -> Range<usize> {
    if i == 0 {
        return group(ctx, ir, op, 1);
    }
    let cases = group(ctx, ir, op, 2);
    let segs = case_segments(ctx, ir, op);
    let start = cases.start + segs.iter().take(i - 1).sum::<usize>();
    start..start + segs.get(i - 1).copied().unwrap_or(0)
}

fn case_values(ctx: &Context, ir: &Ir, op: OpId) -> Vec<i128> {
    match ir.op(op).attr(ctx.ident("case_values")).map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::DenseElements { elements: DenseElements::Splat(DenseValue::Int(i)), ty }) => {
            vec![*i; ctx.shape(*ty).map_or(0, |s| s.iter().product::<i64>() as usize)]
        }
        Some(AttrKind::DenseElements { elements, ty }) => ctx
            .dense_values(*ty, elements)
            .unwrap_or_default()
            .iter()
            .filter_map(|x| if let DenseValue::Int(i) = x { Some(*i) } else { None })
            .collect(),
        _ => Vec::new(),
    }
}

/// Upstream's `WeightedBranchOpInterface` checks: one weight per successor, not all zero.
fn verify_branch_weights(v: &OpView) -> Result<(), Diagnostic> {
    let Some(weights) = v.attr("branch_weights").and_then(|a| v.ctx.attr_as_int_array(a)) else {
        return Ok(());
    };
    let successors = v.ir.op(v.op).successors().len();
    if weights.len() != successors {
        return Err(v.error(format!(
            "expects number of branch weights to match number of successors: {} vs {successors}",
            weights.len()
        )));
    }
    if weights.iter().all(|w| *w == 0) {
        return Err(v.error("branch weights cannot all be zero"));
    }
    Ok(())
}

fn verify_switch(v: &OpView) -> Result<(), Diagnostic> {
    let n_cases = v.ir.op(v.op).successors().len() - 1;
    if case_values(v.ctx, v.ir, v.op).len() != n_cases {
        return Err(v.error(format!(
            "number of case values ({}) and case destinations ({n_cases}) should match",
            case_values(v.ctx, v.ir, v.op).len()
        )));
    }
    if case_segments(v.ctx, v.ir, v.op).len() != n_cases {
        return Err(v.error("'case_operand_segments' must have one entry per case"));
    }
    Ok(())
}

/// `cf.switch %flag : i32, [ default: ^bb1(%a : i32), 42: ^bb2 ]`
fn parse_switch(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let flag = p.parse_operand()?;
    p.expect_punct(":")?;
    let flag_ty = p.parse_type()?;
    p.expect_punct(",")?;
    p.expect_punct("[")?;
    p.expect_keyword("default")?;
    p.expect_punct(":")?;
    let mut successors = vec![p.parse_successor()?];
    let dest_operands = |p: &mut OpParser<'_, '_>| -> Result<Vec<strata_ir::Value>, ParseError> {
        let mut values = Vec::new();
        if p.parse_optional_punct("(")? {
            let names = p.parse_operand_list()?;
            p.expect_punct(":")?;
            let types = p.parse_type_list()?;
            p.expect_punct(")")?;
            if names.len() != types.len() {
                return p.error_here("expected as many types as operands");
            }
            for (n, t) in names.iter().zip(types) {
                values.push(p.resolve_operand(n, t)?);
            }
        }
        Ok(values)
    };
    let default_operands = dest_operands(p)?;
    let mut values = Vec::new();
    let mut case_operands = Vec::new();
    let mut segments = Vec::new();
    while p.parse_optional_punct(",")? {
        let negative = p.parse_optional_punct("-")?;
        let at = p.offset()?;
        let v = p.parse_attribute()?;
        let Some(mut n) = ctx.attr_as_int(v) else {
            return Err(ParseError::new(at, "expected integer case value".into()));
        };
        if negative {
            n = -n;
        }
        values.push(DenseValue::Int(strata_ir::wrap_signed(n, ctx.int_or_float_width(flag_ty).unwrap_or(64))));
        p.expect_punct(":")?;
        successors.push(p.parse_successor()?);
        let ops = dest_operands(p)?;
        segments.push(ops.len() as i64);
        case_operands.extend(ops);
    }
    p.expect_punct("]")?;
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    let named = |n: &str, a: Attribute| NamedAttr { name: ctx.ident(n), value: a };
    if !values.is_empty() {
        let vt = ctx.vector_type(vec![values.len() as i64], flag_ty);
        attrs.push(named(
            "case_values",
            ctx.intern_attr(AttrKind::DenseElements { ty: vt, elements: DenseElements::Values(values) }),
        ));
    }
    let i32t = ctx.integer_type(32);
    attrs.push(named(
        "case_operand_segments",
        ctx.intern_attr(AttrKind::DenseArray { element: i32t, values: DenseArrayValues::Int(segments) }),
    ));
    let sizes = vec![1, default_operands.len() as i64, case_operands.len() as i64];
    attrs.push(named(
        "operandSegmentSizes",
        ctx.intern_attr(AttrKind::DenseArray { element: i32t, values: DenseArrayValues::Int(sizes) }),
    ));
    let mut operands = vec![p.resolve_operand(&flag, flag_ty)?];
    operands.extend(default_operands);
    operands.extend(case_operands);
    let pending = p.pending();
    pending.operands = operands;
    pending.successors = successors;
    pending.attrs = attrs;
    Ok(())
}

fn print_switch(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let o = ir.op(op);
    let flag = o.operand(0);
    p.write(" ")?;
    p.print_value(flag)?;
    p.write(" : ")?;
    p.print_type(ir.value_type(flag))?;
    p.write(", [")?;
    let values = case_values(ctx, ir, op);
    let unsigned = matches!(
        ctx.type_kind(ir.value_type(flag)),
        TypeKind::Integer { signedness: strata_ir::Signedness::Unsigned, .. }
    );
    let succ = o.successors().to_vec();
    for (i, s) in succ.into_iter().enumerate() {
        if i > 0 {
            p.write(",")?;
        }
        p.print_newline(2)?;
        if i == 0 {
            p.write("default")?;
        } else {
            let v = values.get(i - 1).copied().unwrap_or(0);
            p.write(&if unsigned { (v as u128).to_string() } else { v.to_string() })?;
        }
        p.write(": ")?;
        p.print_block_ref(s)?;
        let range = switch_successor_operands(ctx, ir, op, i);
        let vals = o.operands()[range].to_vec();
        if !vals.is_empty() {
            p.write("(")?;
            p.print_value_list(&vals)?;
            p.write(" : ")?;
            let types: Vec<_> = vals.iter().map(|v| ir.value_type(*v)).collect();
            p.print_type_list(&types)?;
            p.write(")")?;
        }
    }
    p.print_newline(0)?;
    p.write("]")?;
    p.print_attr_dict(op, &["case_values", "case_operand_segments", "operandSegmentSizes"], false)
}

//! The custom forms of `scf`'s ops, as MLIR 22 prints and parses them (checked both ways
//! against `mlir-opt-22` in the compatibility suite). Where an op's terminator carries nothing
//! (`scf.yield` of no values), its region leaves it out and the parser puts it back, as
//! upstream's `SingleBlockImplicitTerminator` ops do; a terminator with attributes is printed,
//! so that nothing is lost (upstream drops them).

use std::fmt;

use strata_ir::parser::{ArgumentDef, OpParser, ParseError, UnresolvedOperand};
use strata_ir::printer::OpPrinter;
use strata_ir::{Attribute, BlockId, Context, NamedAttr, OpId, Type, Value};

use crate::function_like::with_loc;

type PResult<T> = Result<T, ParseError>;

pub(super) fn named(ctx: &Context, name: &str, value: Attribute) -> NamedAttr {
    NamedAttr { name: ctx.ident(name), value }
}

// ---------------------------------------------------------------------- shared pieces
/// A name being defined by the op (`%iv`, `%acc` in `%acc = %init`): a region argument.
pub(super) fn argument<'s>(p: &mut OpParser<'_, 's>, u: UnresolvedOperand<'s>, ty: Type) -> PResult<ArgumentDef<'s>> {
    if u.index != 0 {
        return Err(ParseError::new(u.offset, "expected SSA operand name without result number".into()));
    }
    Ok(with_loc(p, ArgumentDef { name: u.name, offset: u.offset, ty, attrs: Vec::new(), loc: None }))
}

/// `(%a = %x, %b = %y)`: the names defined and the operands assigned to them.
pub(super) type Assignments<'s> = Vec<(UnresolvedOperand<'s>, UnresolvedOperand<'s>)>;

pub(super) fn parse_assignments<'s>(p: &mut OpParser<'_, 's>) -> PResult<Assignments<'s>> {
    p.expect_punct("(")?;
    let mut list = Vec::new();
    if p.parse_optional_punct(")")? {
        return Ok(list);
    }
    loop {
        let name = p.parse_operand()?;
        p.expect_punct("=")?;
        list.push((name, p.parse_operand()?));
        if p.parse_optional_punct(")")? {
            return Ok(list);
        }
        p.expect_punct(",")?;
    }
}

pub(super) fn print_assignments(p: &mut OpPrinter<'_, '_>, names: &[Value], values: &[Value]) -> fmt::Result {
    p.write("(")?;
    for (i, (n, v)) in names.iter().zip(values).enumerate() {
        if i > 0 {
            p.write(", ")?;
        }
        p.print_value(*n)?;
        p.write(" = ")?;
        p.print_value(*v)?;
    }
    p.write(")")
}

/// `(%a, %b)`: a parenthesised operand list.
pub(super) fn parse_paren_operands<'s>(p: &mut OpParser<'_, 's>) -> PResult<Vec<UnresolvedOperand<'s>>> {
    p.expect_punct("(")?;
    let list = p.parse_operand_list()?;
    p.expect_punct(")")?;
    Ok(list)
}

fn print_paren_values(p: &mut OpPrinter<'_, '_>, values: &[Value]) -> fmt::Result {
    p.write("(")?;
    p.print_value_list(values)?;
    p.write(")")
}

/// `-> type` or `-> (types)`, or nothing.
pub(super) fn parse_optional_arrow_types(p: &mut OpParser<'_, '_>) -> PResult<Vec<Type>> {
    if !p.parse_optional_punct("->")? {
        return Ok(Vec::new());
    }
    parse_type_group(p)
}

/// `type` or `(types)`, possibly `()`.
fn parse_type_group(p: &mut OpParser<'_, '_>) -> PResult<Vec<Type>> {
    if !p.parse_optional_punct("(")? {
        return Ok(vec![p.parse_type()?]);
    }
    if p.parse_optional_punct(")")? {
        return Ok(Vec::new());
    }
    let types = p.parse_type_list()?;
    p.expect_punct(")")?;
    Ok(types)
}

/// ` -> (types)` when there are any (`scf.for` and `scf.if` always parenthesise).
fn print_paren_arrow_types(p: &mut OpPrinter<'_, '_>, types: &[Type]) -> fmt::Result {
    if types.is_empty() {
        return Ok(());
    }
    p.write(" -> (")?;
    p.print_type_list(types)?;
    p.write(")")
}

/// ` -> type` or ` -> (types)` when there are any, as MLIR's `printOptionalArrowTypeList`.
fn print_arrow_types(p: &mut OpPrinter<'_, '_>, types: &[Type]) -> fmt::Result {
    if types.is_empty() {
        return Ok(());
    }
    p.write(" -> ")?;
    p.print_function_results(types)
}

pub(super) fn resolve_all<'s>(
    p: &mut OpParser<'_, 's>,
    operands: &[UnresolvedOperand<'s>],
    types: &[Type],
) -> PResult<Vec<Value>> {
    if operands.len() != types.len() {
        return p.error_here(format!("{} operands and {} types", operands.len(), types.len()));
    }
    operands.iter().zip(types).map(|(u, t)| p.resolve_operand(u, *t)).collect()
}

pub(super) fn types_of(ir: &strata_ir::Ir, values: &[Value]) -> Vec<Type> {
    values.iter().map(|v| ir.value_type(*v)).collect()
}

pub(super) fn region(ir: &strata_ir::Ir, op: OpId, i: usize) -> strata_ir::RegionId {
    ir.op(op).regions()[i]
}

pub(super) fn entry_args(ir: &strata_ir::Ir, r: strata_ir::RegionId) -> Vec<Value> {
    ir.region(r).entry().map(|b| ir.block(b).args().to_vec()).unwrap_or_default()
}

pub(super) fn finish(
    p: &mut OpParser<'_, '_>,
    operands: Vec<Value>,
    results: Vec<Type>,
    attrs: Vec<NamedAttr>,
    regions: Vec<Vec<BlockId>>,
) {
    let pending = p.pending();
    pending.operands = operands;
    pending.result_types = results;
    pending.attrs = attrs;
    pending.regions = regions;
}

// ---------------------------------------------------------------------- scf.for
/// `scf.for [unsigned] %iv = %lb to %ub step %step [iter_args(%a = %init, ...) -> (types)]
/// [: type] {body} attr-dict`; the type is the induction variable's (index when left out).
pub(super) fn parse_for(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let mut attrs = Vec::new();
    if p.parse_optional_keyword("unsigned")? {
        attrs.push(named(ctx, "unsignedCmp", ctx.unit_attr()));
    }
    let iv = p.parse_operand()?;
    p.expect_punct("=")?;
    let lb = p.parse_operand()?;
    p.expect_keyword("to")?;
    let ub = p.parse_operand()?;
    p.expect_keyword("step")?;
    let step = p.parse_operand()?;
    let (mut carried, mut types) = (Vec::new(), Vec::new());
    if p.parse_optional_keyword("iter_args")? {
        carried = parse_assignments(p)?;
        p.expect_punct("->")?;
        types = parse_type_group(p)?;
    }
    let iv_type = if p.parse_optional_punct(":")? { p.parse_type()? } else { ctx.index_type() };
    let mut operands = resolve_all(p, &[lb, ub, step], &[iv_type; 3])?;
    let inits: Vec<UnresolvedOperand<'_>> = carried.iter().map(|(_, init)| *init).collect();
    operands.extend(resolve_all(p, &inits, &types)?);
    let mut args = vec![argument(p, iv, iv_type)?];
    for ((name, _), t) in carried.iter().zip(&types) {
        args.push(argument(p, *name, *t)?);
    }
    let mut body = p.parse_region(Some(&args), false)?;
    p.ensure_terminator(&mut body, "scf.yield");
    p.parse_optional_attr_dict(&mut attrs)?;
    finish(p, operands, types, attrs, vec![body]);
    Ok(())
}

pub(super) fn print_for(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let o = ir.op(op);
    let operands = o.operands().to_vec();
    let body = region(ir, op, 0);
    let args = entry_args(ir, body);
    let (Some(iv), [lb, ub, step, inits @ ..]) = (args.first().copied(), operands.as_slice()) else {
        return p.write(" <<malformed scf.for>>");
    };
    if o.attr(ctx.ident("unsignedCmp")).is_some() {
        p.write(" unsigned")?;
    }
    p.write(" ")?;
    p.print_value(iv)?;
    p.write(" = ")?;
    p.print_value(*lb)?;
    p.write(" to ")?;
    p.print_value(*ub)?;
    p.write(" step ")?;
    p.print_value(*step)?;
    if !inits.is_empty() {
        p.write(" iter_args")?;
        print_assignments(p, &args[1..], inits)?;
        print_paren_arrow_types(p, &types_of(ir, inits))?;
    }
    // Upstream's spacing: ` : i32 ` before the body when the induction variable is not an index.
    p.write(" ")?;
    let iv_type = ir.value_type(iv);
    if iv_type != ctx.index_type() {
        p.write(" : ")?;
        p.print_type(iv_type)?;
        p.write(" ")?;
    }
    p.print_region_with(body, false, inits.is_empty().then_some("scf.yield"))?;
    p.print_attr_dict(op, &["unsignedCmp"], false)
}

// ---------------------------------------------------------------------- scf.if
/// `scf.if %cond [-> (types)] {then} [else {else}] attr-dict`.
pub(super) fn parse_if(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let cond = p.parse_operand()?;
    let cond = p.resolve_operand(&cond, ctx.integer_type(1))?;
    let results = parse_optional_arrow_types(p)?;
    let mut then = p.parse_region(None, false)?;
    p.ensure_terminator(&mut then, "scf.yield");
    let mut other = Vec::new();
    if p.parse_optional_keyword("else")? {
        other = p.parse_region(None, false)?;
        p.ensure_terminator(&mut other, "scf.yield");
    }
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    finish(p, vec![cond], results, attrs, vec![then, other]);
    Ok(())
}

pub(super) fn print_if(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let ir = p.ir;
    let o = ir.op(op);
    let results = types_of(ir, o.results());
    p.write(" ")?;
    p.print_value(o.operands()[0])?;
    print_paren_arrow_types(p, &results)?;
    p.write(" ")?;
    let implied = results.is_empty().then_some("scf.yield");
    p.print_region_with(region(ir, op, 0), false, implied)?;
    let other = region(ir, op, 1);
    if !ir.region(other).blocks().is_empty() {
        p.write(" else ")?;
        p.print_region_with(other, false, implied)?;
    }
    p.print_attr_dict(op, &[], false)
}

// ---------------------------------------------------------------------- scf.while
/// `scf.while [(%a = %init, ...)] : (types) -> results {before} do {after} [attributes {...}]`.
pub(super) fn parse_while(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let assigned = if p.peek_punct("(")? { parse_assignments(p)? } else { Vec::new() };
    p.expect_punct(":")?;
    let (inputs, results) = p.parse_function_type()?;
    if inputs.len() != assigned.len() {
        return p.error_here(format!(
            "expected as many input types as operands (expected {} got {})",
            assigned.len(),
            inputs.len()
        ));
    }
    let inits: Vec<UnresolvedOperand<'_>> = assigned.iter().map(|(_, init)| *init).collect();
    let operands = resolve_all(p, &inits, &inputs)?;
    let mut args = Vec::new();
    for ((name, _), t) in assigned.iter().zip(&inputs) {
        args.push(argument(p, *name, *t)?);
    }
    let before = p.parse_region(Some(&args), false)?;
    p.expect_keyword("do")?;
    let after = p.parse_region(None, false)?;
    let mut attrs = Vec::new();
    if p.parse_optional_keyword("attributes")? {
        attrs = p.parse_dictionary()?;
    }
    finish(p, operands, results, attrs, vec![before, after]);
    Ok(())
}

pub(super) fn print_while(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let ir = p.ir;
    let o = ir.op(op);
    let inits = o.operands().to_vec();
    let before = region(ir, op, 0);
    if !inits.is_empty() {
        p.write(" ")?;
        print_assignments(p, &entry_args(ir, before), &inits)?;
    }
    p.write(" : ")?;
    let function = p.ctx.function_type(types_of(ir, &inits), types_of(ir, o.results()));
    p.print_type(function)?;
    p.write(" ")?;
    p.print_region(before, false)?;
    p.write(" do ")?;
    p.print_region(region(ir, op, 1), true)?;
    p.print_attr_dict(op, &[], true)
}

// ---------------------------------------------------------------------- scf.parallel
/// `scf.parallel (%i, ...) = (%lb, ...) to (%ub, ...) step (%s, ...) [init (%x, ...)]
/// [-> types] {body} attr-dict`.
pub(super) fn parse_parallel(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let index = ctx.index_type();
    let ivs = parse_paren_operands(p)?;
    p.expect_punct("=")?;
    let lower = parse_paren_operands(p)?;
    p.expect_keyword("to")?;
    let upper = parse_paren_operands(p)?;
    p.expect_keyword("step")?;
    let steps = parse_paren_operands(p)?;
    let inits = if p.parse_optional_keyword("init")? { parse_paren_operands(p)? } else { Vec::new() };
    let results = parse_optional_arrow_types(p)?;
    let n = ivs.len();
    if lower.len() != n || upper.len() != n || steps.len() != n {
        return p.error_here(format!(
            "expected {n} lower bounds, upper bounds and steps (one per induction variable), found {}, {} and {}",
            lower.len(),
            upper.len(),
            steps.len()
        ));
    }
    let mut operands = Vec::new();
    for group in [&lower, &upper, &steps] {
        operands.extend(resolve_all(p, group, &vec![index; n])?);
    }
    operands.extend(resolve_all(p, &inits, &results)?);
    let args = ivs.iter().map(|u| argument(p, *u, index)).collect::<PResult<Vec<_>>>()?;
    let mut body = p.parse_region(Some(&args), false)?;
    p.ensure_terminator(&mut body, "scf.reduce");
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    let sizes = [n, n, n, inits.len()];
    attrs.push(named(ctx, "operandSegmentSizes", ctx.operand_segments(&sizes)));
    finish(p, operands, results, attrs, vec![body]);
    Ok(())
}

pub(super) fn print_parallel(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let Ok(g) = super::parallel_operands(ctx, ir, op) else {
        return p.write(" <<malformed scf.parallel>>");
    };
    let body = region(ir, op, 0);
    p.write(" ")?;
    print_paren_values(p, &entry_args(ir, body))?;
    p.write(" = ")?;
    print_paren_values(p, g.lower)?;
    p.write(" to ")?;
    print_paren_values(p, g.upper)?;
    p.write(" step ")?;
    print_paren_values(p, g.steps)?;
    if !g.inits.is_empty() {
        p.write(" init ")?;
        print_paren_values(p, g.inits)?;
    }
    print_arrow_types(p, &types_of(ir, ir.op(op).results()))?;
    p.write(" ")?;
    p.print_region(body, false)?;
    p.print_attr_dict(op, &["operandSegmentSizes"], false)
}

// ---------------------------------------------------------------------- scf.reduce
/// `scf.reduce[(%x, ... : types)] [{reduction}, ...] attr-dict`.
pub(super) fn parse_reduce(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let mut operands = Vec::new();
    if p.parse_optional_punct("(")? {
        let names = p.parse_operand_list()?;
        p.expect_punct(":")?;
        let types = p.parse_type_list()?;
        p.expect_punct(")")?;
        operands = resolve_all(p, &names, &types)?;
    }
    let mut regions = Vec::new();
    if p.peek_region()? {
        loop {
            regions.push(p.parse_region(None, false)?);
            if !p.parse_optional_punct(",")? {
                break;
            }
        }
    }
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    finish(p, operands, Vec::new(), attrs, regions);
    Ok(())
}

pub(super) fn print_reduce(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let ir = p.ir;
    let o = ir.op(op);
    let operands = o.operands().to_vec();
    if !operands.is_empty() {
        p.write("(")?;
        p.print_value_list(&operands)?;
        p.write(" : ")?;
        p.print_type_list(&types_of(ir, &operands))?;
        p.write(")")?;
    }
    for (i, r) in o.regions().to_vec().into_iter().enumerate() {
        p.write(if i == 0 { " " } else { ", " })?;
        p.print_region(r, true)?;
    }
    p.print_attr_dict(op, &[], false)
}

// ---------------------------------------------------------------------- scf.execute_region
/// `scf.execute_region [-> types] [no_inline] {body} attr-dict`.
pub(super) fn parse_execute_region(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let results = parse_optional_arrow_types(p)?;
    let mut attrs = Vec::new();
    if p.parse_optional_keyword("no_inline")? {
        attrs.push(named(ctx, "no_inline", ctx.unit_attr()));
    }
    let body = p.parse_region(None, false)?;
    p.parse_optional_attr_dict(&mut attrs)?;
    finish(p, Vec::new(), results, attrs, vec![body]);
    Ok(())
}

pub(super) fn print_execute_region(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    print_arrow_types(p, &types_of(ir, ir.op(op).results()))?;
    p.write(" ")?;
    if ir.op(op).attr(ctx.ident("no_inline")).is_some() {
        p.write("no_inline ")?;
    }
    p.print_region(region(ir, op, 0), false)?;
    p.print_attr_dict(op, &["no_inline"], false)
}

// ---------------------------------------------------------------------- scf.index_switch
/// `scf.index_switch %arg attr-dict [-> types] (case N {region})* default {region}`; the
/// default region comes first among the op's regions, the cases after it in order.
pub(super) fn parse_index_switch(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let arg = p.parse_operand()?;
    let arg = p.resolve_operand(&arg, ctx.index_type())?;
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    let mut results = Vec::new();
    if p.parse_optional_punct("->")? {
        results = p.parse_type_list()?;
    }
    let (mut cases, mut case_regions) = (Vec::new(), Vec::new());
    while p.parse_optional_keyword("case")? {
        let at = p.offset()?;
        let value = p.parse_integer()?;
        cases.push(i64::try_from(value).map_err(|_| ParseError::new(at, "case value out of range".into()))?);
        case_regions.push(p.parse_region(None, false)?);
    }
    p.expect_keyword("default")?;
    let mut default = p.parse_region(None, false)?;
    p.ensure_terminator(&mut default, "scf.yield");
    attrs.push(named(ctx, "cases", ctx.dense_i64_array(cases)));
    let mut regions = vec![default];
    regions.extend(case_regions);
    finish(p, vec![arg], results, attrs, regions);
    Ok(())
}

pub(super) fn print_index_switch(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let o = ir.op(op);
    p.write(" ")?;
    p.print_value(o.operands()[0])?;
    p.print_attr_dict(op, &["cases"], false)?;
    let results = types_of(ir, o.results());
    if !results.is_empty() {
        p.write(" -> ")?;
        p.print_type_list(&results)?;
    }
    let regions = o.regions().to_vec();
    let cases = crate::slicing::int_array(ctx, ir, op, "cases");
    for (value, r) in cases.iter().zip(regions.iter().skip(1)) {
        p.print_newline(0)?;
        p.write(&format!("case {value} "))?;
        p.print_region(*r, false)?;
    }
    p.print_newline(0)?;
    p.write("default ")?;
    match regions.first() {
        Some(r) => p.print_region_with(*r, true, Some("scf.yield")),
        None => p.write("{\n}"),
    }
}

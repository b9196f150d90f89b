//! `tensor`'s slices and padding: `extract_slice`, `insert_slice` and `parallel_insert_slice`
//! (a strided window read or written, with unit dimensions possibly left out), and `pad` (a
//! region gives the value of each element outside the source).

use std::fmt;

use strata_ir::dialect::OpView;
use strata_ir::parser::{OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::{Diagnostic, NamedAttr, OpId, DYNAMIC};

use crate::slicing::{self, check_rank_reduced_tensor, tensor_of, LISTS};

pub(super) fn verify_extract_slice(v: &OpView) -> Result<(), Diagnostic> {
    let (source, result) = (v.operand_type(0), v.result_type(0));
    let shape = v.ctx.shape(source).unwrap_or_default();
    let w = slicing::verify_window(v, [shape.len(); 3], Some(shape))?;
    check_rank_reduced_tensor(v, tensor_of(v.ctx, &w.sizes, source), result)
}

pub(super) fn verify_insert_slice(v: &OpView) -> Result<(), Diagnostic> {
    let (source, dest) = (v.operand_type(0), v.operand_type(1));
    let shape = v.ctx.shape(dest).unwrap_or_default();
    let w = slicing::verify_window(v, [shape.len(); 3], Some(shape))?;
    check_rank_reduced_tensor(v, tensor_of(v.ctx, &w.sizes, dest), source)
}

/// As upstream: inside `scf.forall.in_parallel` (which checks that the destination is a
/// shared output), a window of the destination that the source fits, as `insert_slice`'s.
pub(super) fn verify_parallel_insert_slice(v: &OpView) -> Result<(), Diagnostic> {
    let parent = v.ir.parent_op(v.op).map(|p| v.ctx.ident_str(v.ir.op(p).name()));
    if parent != Some(crate::scf::IN_PARALLEL) {
        let got = parent.map_or_else(|| "no parent".to_string(), |p| format!("'{p}'"));
        return Err(Diagnostic::error(
            v.ir.op(v.op).loc(),
            format!("expected InParallelOpInterface parent, got: {got}"),
        ));
    }
    verify_insert_slice(v)
}

/// `%source into %dest[offsets] [sizes] [strides] attr-dict : type into type`.
pub(super) fn parse_insert_slice(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    parse_insert(p, true)
}

/// As `insert_slice`'s, without a result.
pub(super) fn parse_parallel_insert_slice(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    parse_insert(p, false)
}

fn parse_insert(p: &mut OpParser<'_, '_>, has_result: bool) -> Result<(), ParseError> {
    let source = p.parse_operand()?;
    p.expect_keyword("into")?;
    let dest = p.parse_operand()?;
    let lists = vec![slicing::parse_mixed(p)?, slicing::parse_mixed(p)?, slicing::parse_mixed(p)?];
    let mut attrs = Vec::new();
    let (source_type, dest_type) = crate::syntax_util::parse_typed_tail(p, &mut attrs, "into")?;
    let leading = vec![p.resolve_operand(&source, source_type)?, p.resolve_operand(&dest, dest_type)?];
    slicing::finish_mixed_operands(p, leading, &LISTS, lists, &mut attrs)?;
    let pending = p.pending();
    pending.attrs = attrs;
    pending.result_types = if has_result { vec![dest_type] } else { Vec::new() };
    Ok(())
}

pub(super) fn print_insert_slice(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let o = p.ir.op(op);
    let (source, dest) = (o.operands()[0], o.operands()[1]);
    p.write(" ")?;
    p.print_value(source)?;
    p.write(" into ")?;
    p.print_value(dest)?;
    slicing::print_lists(p, op)?;
    let (first, second) = (p.ir.value_type(source), p.ir.value_type(dest));
    crate::syntax_util::print_typed_tail(p, op, &slicing::STATIC_LISTS, first, "into", second)
}

// ----------------------------------------------------------------------------------- pad
const PAD_LISTS: [&str; 2] = ["low", "high"];

/// `%source [nofold] low[..] high[..] region attr-dict : type to type`.
pub(super) fn parse_pad(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let source = p.parse_operand()?;
    let mut attrs = Vec::new();
    if p.parse_optional_keyword("nofold")? {
        attrs.push(NamedAttr { name: ctx.ident("nofold"), value: ctx.unit_attr() });
    }
    let mut lists = Vec::new();
    for keyword in PAD_LISTS {
        p.expect_keyword(keyword)?;
        lists.push(slicing::parse_mixed(p)?);
    }
    let region = p.parse_region(None, false)?;
    let (source_type, result) = crate::syntax_util::parse_typed_tail(p, &mut attrs, "to")?;
    let source = p.resolve_operand(&source, source_type)?;
    slicing::finish_mixed_operands(p, vec![source], &PAD_LISTS, lists, &mut attrs)?;
    let pending = p.pending();
    pending.attrs = attrs;
    pending.result_types = vec![result];
    pending.regions = vec![region];
    Ok(())
}

pub(super) fn print_pad(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let o = ir.op(op);
    let (source, result) = (o.operands()[0], o.results()[0]);
    p.write(" ")?;
    p.print_value(source)?;
    if o.attr(ctx.ident("nofold")).is_some() {
        p.write(" nofold")?;
    }
    for list in PAD_LISTS {
        p.write(" ")?;
        p.write(list)?;
        slicing::print_list(p, op, list)?;
    }
    p.write(" ")?;
    p.print_region(o.regions()[0], true)?;
    let (first, second) = (ir.value_type(source), ir.value_type(result));
    crate::syntax_util::print_typed_tail(
        p,
        op,
        &["operandSegmentSizes", "static_low", "static_high", "nofold"],
        first,
        "to",
        second,
    )
}

/// As upstream: a low and a high amount per dimension (one operand per dynamic one); the
/// result's static sizes are the source's plus both amounts where those are known; the
/// region takes an index per dimension and yields an element.
pub(super) fn verify_pad(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (source, result) = (v.operand_type(0), v.result_type(0));
    let shape = ctx.shape(source).unwrap_or_default();
    let mut amounts = Vec::new();
    for name in PAD_LISTS {
        let statics = slicing::int_array(ctx, v.ir, v.op, &format!("static_{name}"));
        if statics.len() != shape.len() {
            return Err(v.error(format!("expected {} {name} amounts, got {}", shape.len(), statics.len())));
        }
        let dynamic = statics.iter().filter(|s| **s == DYNAMIC).count();
        if dynamic != v.operand_group(name).len() {
            return Err(v.error(format!(
                "expected the number of '{name}' to match the number of dynamic entries in 'static_{name}' ({} vs \
                 {dynamic})",
                v.operand_group(name).len()
            )));
        }
        amounts.push(statics);
    }
    let inferred: Vec<i64> = (0..shape.len())
        .map(|d| {
            let parts = [shape[d], amounts[0][d], amounts[1][d]];
            if parts.contains(&DYNAMIC) {
                DYNAMIC
            } else {
                parts.iter().try_fold(0i64, |a, b| a.checked_add(*b)).unwrap_or(DYNAMIC)
            }
        })
        .collect();
    let got = ctx.shape(result).unwrap_or_default();
    let expected = tensor_of(ctx, &inferred, source);
    if got.len() != inferred.len() || ctx.element_type_or_self(result) != ctx.element_type_or_self(source) {
        return Err(v.error(format!(
            "failed to infer expectedType from sourceType '{}', specified resultType is '{}'",
            ctx.type_to_string(source),
            ctx.type_to_string(result)
        )));
    }
    if got.iter().zip(&inferred).any(|(g, i)| *i != DYNAMIC && g != i) {
        return Err(v.error(format!(
            "specified type '{}' does not match the inferred type '{}'",
            ctx.type_to_string(result),
            ctx.type_to_string(expected)
        )));
    }
    let region = v.ir.op(v.op).regions()[0];
    let entry = v.ir.region(region).blocks().first().copied();
    let args = entry.map(|b| v.ir.block(b).args().to_vec()).unwrap_or_default();
    if args.len() != shape.len() || args.iter().any(|a| !ctx.is_index(v.ir.value_type(*a))) {
        return Err(v.error(format!("expected the block to have {} index arguments", shape.len())));
    }
    super::verify_yield_type(v, entry, "expected yield type to match shape element type")
}

//! `memref`'s views: windows (`subview`), layouts given outright (`reinterpret_cast`),
//! reshapes (`expand_shape`, `collapse_shape`) and the strided descriptor taken apart
//! (`extract_strided_metadata`). Every result aliases its source; its type's layout is what
//! the source's layout and the op imply, checked as upstream checks it.

use std::fmt;

use strata_ir::dialect::OpView;
use strata_ir::parser::{OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::{Context, Diagnostic, OpId, Type, TypeKind, DYNAMIC};

use crate::shaped::{self, memory_space, strided_memref, strides_of};
use crate::slicing::{self, saturated_add, saturated_mul, LISTS};

// ------------------------------------------------------------------------------- subview
/// As upstream: the window fits the source; the result is the source's elements at the
/// window's offsets, sizes and strides (strides multiplied, offsets added along the source's
/// strides), with unit dimensions possibly left out, in the same memory space.
pub(super) fn verify_subview(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (source, result) = (v.operand_type(0), v.result_type(0));
    let shape = ctx.shape(source).unwrap_or_default().to_vec();
    let w = slicing::verify_window(v, [shape.len(); 3], Some(&shape))?;
    let Some((source_strides, source_offset)) = strides_of(ctx, source) else {
        return Err(v.error("the source's layout must be strided"));
    };
    let overflow = || v.error("the window's offset or strides overflow");
    let mut offset = source_offset;
    for (o, s) in w.offsets.iter().zip(&source_strides) {
        offset = saturated_mul(*o, *s).and_then(|x| saturated_add(offset, x)).ok_or_else(overflow)?;
    }
    let strides: Vec<i64> = source_strides
        .iter()
        .zip(&w.strides)
        .map(|(a, b)| saturated_mul(*a, *b).ok_or_else(overflow))
        .collect::<Result<_, _>>()?;
    let inferred = strided_memref(ctx, source, w.sizes.clone(), strides.clone(), offset);
    let mismatch = |what: &str| {
        v.error(format!(
            "expected result type to be '{}' or a rank-reduced version. (mismatch of result {what}), but got '{}'",
            ctx.type_to_string(inferred),
            ctx.type_to_string(result)
        ))
    };
    if ctx.element_type_or_self(source) != ctx.element_type_or_self(result) {
        return Err(v.error(format!(
            "expected result element type to be '{}', but got '{}'",
            ctx.type_to_string(ctx.element_type_or_self(source)),
            ctx.type_to_string(result)
        )));
    }
    let reduced = ctx.shape(result).unwrap_or_default();
    if reduced.len() > w.sizes.len() {
        return Err(mismatch("rank"));
    }
    let masks = slicing::all_dropped_dims(&w.sizes, reduced);
    if masks.is_empty() {
        return Err(mismatch("sizes"));
    }
    if layout_mask(ctx, result, &masks, &strides, offset).is_none() {
        return Err(mismatch("layout"));
    }
    if memory_space(ctx, source) != memory_space(ctx, result) {
        return Err(mismatch("memory space"));
    }
    Ok(())
}

/// The first of `masks` (unit dimensions left out of a window of `strides` at `offset`) that
/// gives `result`'s layout: which dimensions a rank-reducing subview drops, as upstream's
/// `computeMemRefRankReductionMask` decides it.
fn layout_mask(ctx: &Context, result: Type, masks: &[Vec<bool>], strides: &[i64], offset: i64) -> Option<Vec<bool>> {
    let (got, got_offset) = strides_of(ctx, result)?;
    if got_offset != offset {
        return None;
    }
    masks
        .iter()
        .find(|dropped| {
            let kept = strides.iter().zip(dropped.iter()).filter(|(_, d)| !**d).map(|(s, _)| *s);
            kept.eq(got.iter().copied())
        })
        .cloned()
}

/// Which dimensions of its window the `memref.subview` `op` leaves out, by its result's
/// layout; `None` when the op does not verify.
pub fn subview_dropped_dims(ctx: &Context, ir: &strata_ir::Ir, op: OpId) -> Option<Vec<bool>> {
    let o = ir.op(op);
    let (source, result) = (ir.value_type(*o.operands().first()?), ir.value_type(*o.results().first()?));
    let w = slicing::Window::of(ctx, ir, op);
    let (source_strides, source_offset) = strides_of(ctx, source)?;
    let mut offset = source_offset;
    for (o, s) in w.offsets.iter().zip(&source_strides) {
        offset = saturated_add(offset, saturated_mul(*o, *s)?)?;
    }
    let strides: Vec<i64> =
        source_strides.iter().zip(&w.strides).map(|(a, b)| saturated_mul(*a, *b)).collect::<Option<_>>()?;
    let masks = slicing::all_dropped_dims(&w.sizes, ctx.shape(result)?);
    layout_mask(ctx, result, &masks, &strides, offset)
}

// ---------------------------------------------------------------------- reinterpret_cast
/// `memref.reinterpret_cast %m to offset: [..], sizes: [..], strides: [..] attr-dict : type to type`.
pub(super) fn parse_reinterpret_cast(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let source = p.parse_operand()?;
    p.expect_keyword("to")?;
    let mut lists = Vec::new();
    for (i, keyword) in ["offset", "sizes", "strides"].iter().enumerate() {
        if i > 0 {
            p.expect_punct(",")?;
        }
        p.expect_keyword(keyword)?;
        p.expect_punct(":")?;
        lists.push(slicing::parse_mixed(p)?);
    }
    let mut attrs = Vec::new();
    let (source_type, result) = crate::syntax_util::parse_typed_tail(p, &mut attrs, "to")?;
    let source = p.resolve_operand(&source, source_type)?;
    slicing::finish_mixed_operands(p, vec![source], &LISTS, lists, &mut attrs)?;
    let pending = p.pending();
    pending.attrs = attrs;
    pending.result_types = vec![result];
    Ok(())
}

pub(super) fn print_reinterpret_cast(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let o = p.ir.op(op);
    let (source, result) = (o.operands()[0], o.results()[0]);
    p.write(" ")?;
    p.print_value(source)?;
    p.write(" to ")?;
    for (i, (keyword, list)) in ["offset", "sizes", "strides"].iter().zip(LISTS).enumerate() {
        if i > 0 {
            p.write(", ")?;
        }
        p.write(keyword)?;
        p.write(": ")?;
        slicing::print_list(p, op, list)?;
    }
    let (first, second) = (p.ir.value_type(source), p.ir.value_type(result));
    crate::syntax_util::print_typed_tail(p, op, &slicing::STATIC_LISTS, first, "to", second)
}

/// As upstream: one offset and a size and stride per result dimension; the result's sizes,
/// strides and offset are the given ones where the type states them; the same element type
/// and memory space as the source.
pub(super) fn verify_reinterpret_cast(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (source, result) = (v.operand_type(0), v.result_type(0));
    let shape = ctx.shape(result).unwrap_or_default().to_vec();
    let w = slicing::verify_window(v, [1, shape.len(), shape.len()], None)?;
    let show = |t: Type| ctx.type_to_string(t);
    if ctx.element_type_or_self(source) != ctx.element_type_or_self(result) {
        return Err(v.error(format!(
            "different element types specified for source type '{}' and result memref type '{}'",
            show(source),
            show(result)
        )));
    }
    if memory_space(ctx, source) != memory_space(ctx, result) {
        return Err(v.error(format!(
            "different memory spaces specified for source type '{}' and result memref type '{}'",
            show(source),
            show(result)
        )));
    }
    let Some((strides, offset)) = strides_of(ctx, result) else {
        return Err(v.error("expected result type to have strided layout but found a non-strided layout"));
    };
    let given = |n: i64| if n == DYNAMIC { "dynamic".to_string() } else { n.to_string() };
    for (d, (got, want)) in shape.iter().zip(&w.sizes).enumerate() {
        if *got != DYNAMIC && got != want {
            return Err(
                v.error(format!("expected result type with size = {} instead of {got} in dim = {d}", given(*want)))
            );
        }
    }
    if offset != DYNAMIC && offset != w.offsets[0] {
        return Err(v.error(format!("expected result type with offset = {} instead of {offset}", given(w.offsets[0]))));
    }
    for (d, (got, want)) in strides.iter().zip(&w.strides).enumerate() {
        if *got != DYNAMIC && got != want {
            return Err(
                v.error(format!("expected result type with stride = {} instead of {got} in dim = {d}", given(*want)))
            );
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------ reshapes
/// The strides of a memref of `source_strides` expanded into `shape` by `groups`: within a
/// group, the innermost dimension keeps the source's stride and each outer one steps over
/// the sizes inside it.
fn expanded_strides(source_strides: &[i64], shape: &[i64], groups: &[Vec<usize>]) -> Vec<i64> {
    let mut strides = vec![0; shape.len()];
    for (c, g) in groups.iter().enumerate() {
        let mut s = source_strides[c];
        for d in g.iter().rev() {
            strides[*d] = s;
            s = saturated_mul(s, shape[*d]).unwrap_or(DYNAMIC);
        }
    }
    strides
}

/// The strides of a memref of `shape` and `strides` collapsed by `groups`, as upstream's
/// `computeCollapsedLayoutMap`: each group's stride is that of its last dimension once
/// trailing unit dimensions are set aside (unknown when that dimension is dynamic in a group
/// of several, since it may be 1 at run time); `None` when a group is known not to be
/// contiguous. Unit dimensions are never checked: their strides mean nothing.
fn collapsed_strides(shape: &[i64], strides: &[i64], groups: &[Vec<usize>]) -> Option<Vec<i64>> {
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let mut last = g.len() - 1;
        while last > 0 && shape[g[last]] == 1 {
            last -= 1;
        }
        let d = g[last];
        out.push(if shape[d] != DYNAMIC || g.len() == 1 { strides[d] } else { DYNAMIC });
    }
    for (g, group_stride) in groups.iter().zip(&out) {
        let mut stride = *group_stride;
        for pair in g.windows(2).rev() {
            let (outer, inner) = (pair[0], pair[1]);
            stride = saturated_mul(stride, shape[inner]).unwrap_or(DYNAMIC);
            if shape[outer] == 1 {
                continue;
            }
            if stride != DYNAMIC && strides[outer] != DYNAMIC && stride != strides[outer] {
                return None;
            }
        }
    }
    Some(out)
}

/// The layout a reshape's result has: the identity when the source has it, else `strides`
/// at the source's offset.
fn reshaped_type(ctx: &Context, source: Type, shape: &[i64], strides: Vec<i64>) -> Type {
    match ctx.type_kind(source) {
        TypeKind::MemRef { layout: None, .. } => ctx.memref_type(shape.to_vec(), ctx.element_type_or_self(source)),
        _ => {
            let offset = strides_of(ctx, source).map_or(0, |(_, o)| o);
            strided_memref(ctx, source, shape.to_vec(), strides, offset)
        }
    }
}

fn check_reshaped(v: &OpView, expected: Type, what: &str) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let result = v.result_type(0);
    if expected != result {
        return Err(v.error(format!(
            "expected {what} type to be '{}' but found '{}'",
            ctx.type_to_string(expected),
            ctx.type_to_string(result)
        )));
    }
    Ok(())
}

pub(super) fn verify_expand_shape(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (source, result) = (v.operand_type(0), v.result_type(0));
    let (from, to) = (ctx.shape(source).unwrap_or_default(), ctx.shape(result).unwrap_or_default());
    let groups = shaped::verify_reshape(v, from, to, true)?;
    shaped::verify_output_shape(v, to, true)?;
    let Some((strides, _)) = strides_of(ctx, source) else {
        return Err(v.error("the source's layout must be strided"));
    };
    let expected = reshaped_type(ctx, source, to, expanded_strides(&strides, to, &groups));
    check_reshaped(v, expected, "expanded")
}

pub(super) fn verify_collapse_shape(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (source, result) = (v.operand_type(0), v.result_type(0));
    let (from, to) = (ctx.shape(source).unwrap_or_default(), ctx.shape(result).unwrap_or_default());
    let groups = shaped::verify_reshape(v, to, from, false)?;
    let collapsed = strides_of(ctx, source).and_then(|(s, _)| collapsed_strides(from, &s, &groups));
    let Some(strides) = collapsed else {
        return Err(v.error("invalid source layout map or collapsing non-contiguous dims"));
    };
    let expected = reshaped_type(ctx, source, to, strides);
    check_reshaped(v, expected, "collapsed")
}

// --------------------------------------------------------------- extract_strided_metadata
/// `memref.extract_strided_metadata %m : type -> types attr-dict`.
pub(super) fn parse_extract_strided_metadata(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let source = p.parse_operand()?;
    p.expect_punct(":")?;
    let ty = p.parse_type()?;
    p.expect_punct("->")?;
    let results = p.parse_type_list()?;
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    let source = p.resolve_operand(&source, ty)?;
    let pending = p.pending();
    pending.operands = vec![source];
    pending.result_types = results;
    pending.attrs = attrs;
    Ok(())
}

pub(super) fn print_extract_strided_metadata(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let o = p.ir.op(op);
    p.write(" ")?;
    p.print_value(o.operands()[0])?;
    p.write(" : ")?;
    p.print_type(p.ir.value_type(o.operands()[0]))?;
    p.write(" -> ")?;
    let types: Vec<Type> = o.results().iter().map(|r| p.ir.value_type(*r)).collect();
    p.print_type_list(&types)?;
    p.print_attr_dict(op, &[], false)
}

/// The results are the base buffer (`memref<element>` in the source's memory space), the
/// offset, then a size and a stride per dimension, as upstream infers them.
pub(super) fn verify_extract_strided_metadata(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let source = v.operand_type(0);
    let rank = ctx.shape(source).map_or(0, <[i64]>::len);
    if strides_of(ctx, source).is_none() {
        return Err(v.error("the source's layout must be strided"));
    }
    let base = match ctx.type_kind(source) {
        TypeKind::MemRef { element, memory_space, .. } => ctx.intern_type(TypeKind::MemRef {
            shape: Vec::new(),
            element: *element,
            layout: None,
            memory_space: *memory_space,
        }),
        _ => return Err(v.error("the source must be a ranked memref")),
    };
    let mut want = vec![base, ctx.index_type()];
    want.extend(std::iter::repeat_n(ctx.index_type(), 2 * rank));
    let got: Vec<Type> = v.results().iter().map(|r| v.ir.value_type(*r)).collect();
    if got != want {
        let show = |ts: &[Type]| ts.iter().map(|t| ctx.type_to_string(*t)).collect::<Vec<_>>().join(", ");
        return Err(v.error(format!("expected results {}, not {}", show(&want), show(&got))));
    }
    Ok(())
}

//! Offsets, sizes and strides: how `memref.subview`, `memref.reinterpret_cast` and
//! `tensor.extract_slice`/`insert_slice` name a strided window of a shaped value, as MLIR's
//! `OffsetSizeAndStrideOpInterface` does.
//!
//! Each of the three lists mixes constants and SSA values (`[%o, 2]`). An op stores a list as
//! a dense `i64` array property (`static_offsets = array<i64: -9223372036854775808, 2>`)
//! holding `DYNAMIC` where the next operand of its group (`offsets`) gives the value, so the
//! generic form is upstream's exactly.
//!
//! ```text
//! %v = memref.subview %m[%o, 2] [4, %n] [1, 2] : memref<8x16xf32> to memref<4x?xf32, strided<[16, 2], offset: ?>>
//! ```

use std::fmt;

use strata_ir::dialect::OpView;
use strata_ir::parser::{OpParser, ParseError, UnresolvedOperand};
use strata_ir::printer::OpPrinter;
use strata_ir::{AttrKind, Context, Diagnostic, Ir, NamedAttr, OpId, Type, Value, DYNAMIC};

/// The names of the three lists: operand groups, and their `static_` properties.
pub const LISTS: [&str; 3] = ["offsets", "sizes", "strides"];

/// The properties a window's custom form shows in its lists.
pub(crate) const STATIC_LISTS: [&str; 4] = ["operandSegmentSizes", "static_offsets", "static_sizes", "static_strides"];

/// A list as written: its SSA values in order, and the list with `DYNAMIC` in their places.
pub(crate) type Mixed<'s> = (Vec<UnresolvedOperand<'s>>, Vec<i64>);

/// `[%a, 4, %b]`, as upstream's `parseDynamicIndexList`.
pub(crate) fn parse_mixed<'s>(p: &mut OpParser<'_, 's>) -> Result<Mixed<'s>, ParseError> {
    if !p.peek_punct("[")? {
        // A list of constants only reads as one array attribute.
        return Ok((Vec::new(), parse_constant_list(p)?));
    }
    parse_mixed_in(p, Delimiter::Square)
}

/// The brackets around a mixed list: `[...]` in windows, `(...)` in `scf.forall`'s bounds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Delimiter {
    Square,
    Paren,
}

impl Delimiter {
    fn ends(self) -> (&'static str, &'static str) {
        match self {
            Delimiter::Square => ("[", "]"),
            Delimiter::Paren => ("(", ")"),
        }
    }
}

/// A mixed list between `delimiter`'s brackets: `(%a, 4, %b)`.
pub(crate) fn parse_mixed_in<'s>(p: &mut OpParser<'_, 's>, delimiter: Delimiter) -> Result<Mixed<'s>, ParseError> {
    let (open, close) = delimiter.ends();
    p.expect_punct(open)?;
    let (mut values, mut statics) = (Vec::new(), Vec::new());
    if p.parse_optional_punct(close)? {
        return Ok((values, statics));
    }
    loop {
        if p.peek_value()? {
            values.push(p.parse_operand()?);
            statics.push(DYNAMIC);
        } else {
            let at = p.offset()?;
            if !p.peek_integer()? {
                return p.error_here("expected SSA value or integer");
            }
            let n = p.parse_integer()?;
            // DYNAMIC itself is the marker, never a constant.
            let n = i64::try_from(n)
                .ok()
                .filter(|n| *n != DYNAMIC)
                .ok_or_else(|| ParseError::new(at, format!("{n} is out of range for an index list")))?;
            statics.push(n);
        }
        if p.parse_optional_punct(close)? {
            return Ok((values, statics));
        }
        p.expect_punct(",")?;
    }
}

/// `[1, 2]` read as an array attribute of integers.
fn parse_constant_list(p: &mut OpParser<'_, '_>) -> Result<Vec<i64>, ParseError> {
    let ctx = p.ctx();
    let at = p.offset()?;
    let bad = || ParseError::new(at, "expected '[' and a list of SSA values or integers".into());
    let a = p.parse_attribute().map_err(|_| bad())?;
    let AttrKind::Array(items) = ctx.attr_kind(a) else { return Err(bad()) };
    items
        .iter()
        .map(|i| match ctx.attr_kind(*i) {
            AttrKind::Integer { ty, value } if *ty == ctx.i64_type() => {
                i64::try_from(*value).ok().filter(|n| *n != DYNAMIC).ok_or_else(bad)
            }
            _ => Err(bad()),
        })
        .collect()
}

/// Prints a list stored as `statics` with `values` in its `DYNAMIC` places.
pub(crate) fn print_mixed(p: &mut OpPrinter<'_, '_>, statics: &[i64], values: &[Value]) -> fmt::Result {
    print_mixed_in(p, statics, values, Delimiter::Square)
}

/// As [`print_mixed`], between `delimiter`'s brackets.
pub(crate) fn print_mixed_in(
    p: &mut OpPrinter<'_, '_>,
    statics: &[i64],
    values: &[Value],
    delimiter: Delimiter,
) -> fmt::Result {
    let (open, close) = delimiter.ends();
    p.write(open)?;
    let mut next = values.iter();
    for (i, s) in statics.iter().enumerate() {
        if i > 0 {
            p.write(", ")?;
        }
        match (*s, next.clone().next()) {
            (DYNAMIC, Some(v)) => {
                next.next();
                p.print_value(*v)?;
            }
            // A malformed op (fewer values than markers) still prints.
            (DYNAMIC, None) => p.write("?")?,
            (n, _) => p.write(&n.to_string())?,
        }
    }
    p.write(close)
}

/// The integers of `op`'s dense array property `name` (empty when it has none).
pub fn int_array(ctx: &Context, ir: &Ir, op: OpId, name: &str) -> Vec<i64> {
    ir.op(op).attr(ctx.ident(name)).and_then(|a| ctx.attr_as_int_array(a)).map(<[i64]>::to_vec).unwrap_or_default()
}

/// Finishes parsing an op whose operands are `leading` (one per leading group) then the
/// dynamic entries of `lists` (named by `names`): resolves them as `index`, and records the
/// operands, the `static_*` properties and `operandSegmentSizes`.
pub(crate) fn finish_mixed_operands<'s>(
    p: &mut OpParser<'_, 's>,
    leading: Vec<Value>,
    names: &[&str],
    lists: Vec<Mixed<'s>>,
    attrs: &mut Vec<NamedAttr>,
) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let mut segments = vec![1; leading.len()];
    let mut operands = leading;
    for (name, (values, statics)) in names.iter().zip(lists) {
        segments.push(values.len());
        crate::syntax_util::resolve_indices(p, &values, &mut operands)?;
        attrs.push(NamedAttr { name: ctx.ident(&format!("static_{name}")), value: ctx.dense_i64_array(statics) });
    }
    attrs.push(NamedAttr { name: ctx.ident("operandSegmentSizes"), value: ctx.operand_segments(&segments) });
    p.pending().operands = operands;
    Ok(())
}

/// The operand range of each of `op`'s declared operand groups (none when it is
/// unregistered).
pub fn group_ranges(ctx: &Context, ir: &Ir, op: OpId) -> Vec<std::ops::Range<usize>> {
    ctx.op_def(ir.op(op).name()).map(|def| def.operand_group_ranges(ctx, ir, op)).unwrap_or_default()
}

/// The values of `op`'s operand group `name`, through its declaration (empty when the op is
/// unregistered or the group unknown).
pub(crate) fn group(ctx: &Context, ir: &Ir, op: OpId, name: &str) -> Vec<Value> {
    let Some(def) = ctx.op_def(ir.op(op).name()) else { return Vec::new() };
    let Some(i) = def.operands.iter().position(|s| s.name == name) else { return Vec::new() };
    let ranges = def.operand_group_ranges(ctx, ir, op);
    ranges.get(i).and_then(|r| ir.op(op).operands().get(r.clone())).map(<[Value]>::to_vec).unwrap_or_default()
}

/// Prints `op`'s list `name` (its `static_` property with the group's values).
pub(crate) fn print_list(p: &mut OpPrinter<'_, '_>, op: OpId, name: &str) -> fmt::Result {
    let statics = int_array(p.ctx, p.ir, op, &format!("static_{name}"));
    let values = group(p.ctx, p.ir, op, name);
    print_mixed(p, &statics, &values)
}

/// Declares a window's operand groups (`offsets`, `sizes`, `strides`, after those `def` has)
/// and its `static_*` properties; `def` must have `AttrSizedOperandSegments`.
pub(crate) fn with_window(def: strata_ir::dialect::OpDef) -> strata_ir::dialect::OpDef {
    use strata_ir::dialect::{attr_constraints as ac, constraints as tc};
    def.variadic_operand("offsets", tc::INDEX)
        .variadic_operand("sizes", tc::INDEX)
        .variadic_operand("strides", tc::INDEX)
        .attr("static_offsets", ac::DENSE_I64_ARRAY)
        .attr("static_sizes", ac::DENSE_I64_ARRAY)
        .attr("static_strides", ac::DENSE_I64_ARRAY)
}

/// A window's offsets, sizes and strides, `DYNAMIC` where an operand gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub offsets: Vec<i64>,
    pub sizes: Vec<i64>,
    pub strides: Vec<i64>,
}

impl Window {
    /// The window `op` names in its `static_offsets`, `static_sizes` and `static_strides`.
    pub fn of(ctx: &Context, ir: &Ir, op: OpId) -> Window {
        let list = |n: &str| int_array(ctx, ir, op, &format!("static_{n}"));
        Window { offsets: list("offsets"), sizes: list("sizes"), strides: list("strides") }
    }
}

/// Checks `v`'s window as upstream's `verifyOffsetSizeAndStrideOp`: lists of equal length,
/// `ranks` entries each (offsets, sizes, strides), one operand per dynamic entry, sizes not
/// negative; with `bounds` (the source's shape), a window whose static extent runs past a
/// static dimension is an error.
pub(crate) fn verify_window(v: &OpView, ranks: [usize; 3], bounds: Option<&[i64]>) -> Result<Window, Diagnostic> {
    let w = Window::of(v.ctx, v.ir, v.op);
    let lists = [&w.offsets, &w.sizes, &w.strides];
    // Lists of one length each (a window, not `reinterpret_cast`'s single offset).
    for (a, b) in [(0, 1), (1, 2)] {
        if ranks[a] == ranks[b] && lists[a].len() != lists[b].len() {
            return Err(v.error(format!(
                "expected mixed {} rank to match mixed {} rank ({} vs {}) so the rank of the result type is \
                 well-formed.",
                LISTS[a],
                LISTS[b],
                lists[a].len(),
                lists[b].len()
            )));
        }
    }
    for ((name, list), rank) in LISTS.iter().zip(lists).zip(ranks) {
        let singular = name.trim_end_matches('s');
        if list.len() != rank {
            return Err(v.error(format!("expected {rank} {singular} values, got {}", list.len())));
        }
        let dynamic = list.iter().filter(|s| **s == DYNAMIC).count();
        let given = v.operand_group(name).len();
        if dynamic != given {
            return Err(v.error(format!(
                "expected the number of '{name}' to match the number of dynamic entries in 'static_{name}' \
                 ({given} vs {dynamic})"
            )));
        }
    }
    for (name, list) in [("offsets", &w.offsets), ("sizes", &w.sizes)] {
        if let Some(n) = list.iter().find(|s| **s < 0 && **s != DYNAMIC) {
            return Err(v.error(format!("expected {name} to be non-negative, but got {n}")));
        }
    }
    // As upstream's `verifyInBoundsSlice`: the offset inside the dimension, and the last
    // element (offset + (size - 1) * stride, also for an empty window) before its end.
    for (d, bound) in bounds.unwrap_or_default().iter().enumerate() {
        let (offset, size, stride) = (w.offsets[d], w.sizes[d], w.strides[d]);
        if *bound == DYNAMIC || offset == DYNAMIC {
            continue;
        }
        if offset >= *bound {
            return Err(v.error(format!("offset {d} is out-of-bounds: {offset} >= {bound}")));
        }
        if size == DYNAMIC || stride == DYNAMIC {
            continue;
        }
        let last = i128::from(offset) + i128::from(size - 1) * i128::from(stride);
        if last >= i128::from(*bound) {
            return Err(v.error(format!("slice along dimension {d} runs out-of-bounds: {last} >= {bound}")));
        }
    }
    Ok(w)
}

/// `a * b` as upstream's `SaturatedInteger`: zero when either is zero, else `DYNAMIC` when
/// either is; `None` when it overflows.
pub(crate) fn saturated_mul(a: i64, b: i64) -> Option<i64> {
    match (a, b) {
        (0, _) | (_, 0) => Some(0),
        (DYNAMIC, _) | (_, DYNAMIC) => Some(DYNAMIC),
        _ => a.checked_mul(b).filter(|n| *n != DYNAMIC),
    }
}

/// `a + b`, `DYNAMIC` when either is; `None` when it overflows.
pub(crate) fn saturated_add(a: i64, b: i64) -> Option<i64> {
    if a == DYNAMIC || b == DYNAMIC {
        return Some(DYNAMIC);
    }
    a.checked_add(b).filter(|n| *n != DYNAMIC)
}

/// Which dimensions of `full` are left out to give `reduced`, each of size 1, matching
/// greedily from the left as upstream's `computeRankReductionMask`; `None` when `reduced` is
/// not `full` with unit dimensions left out.
pub fn dropped_dims(full: &[i64], reduced: &[i64]) -> Option<Vec<bool>> {
    let mut next = 0;
    let mut dropped = Vec::with_capacity(full.len());
    for n in full {
        if reduced.get(next) == Some(n) {
            next += 1;
            dropped.push(false);
        } else if *n == 1 {
            dropped.push(true);
        } else {
            return None;
        }
    }
    (next == reduced.len()).then_some(dropped)
}

/// Every way of leaving unit dimensions of `full` out to give `reduced` (a memref's layout
/// decides between them, as upstream's `computeMemRefRankReductionMask`).
pub(crate) fn all_dropped_dims(full: &[i64], reduced: &[i64]) -> Vec<Vec<bool>> {
    fn go(full: &[i64], reduced: &[i64], prefix: &mut Vec<bool>, out: &mut Vec<Vec<bool>>) {
        match full.split_first() {
            None if reduced.is_empty() => out.push(prefix.clone()),
            None => {}
            Some((n, rest)) => {
                if reduced.first() == Some(n) {
                    prefix.push(false);
                    go(rest, &reduced[1..], prefix, out);
                    prefix.pop();
                }
                if *n == 1 {
                    prefix.push(true);
                    go(rest, reduced, prefix, out);
                    prefix.pop();
                }
            }
        }
    }
    let mut out = Vec::new();
    go(full, reduced, &mut Vec::new(), &mut out);
    out
}

/// The tensor type `tensor<sizes x element>` of `t`'s element type.
pub(crate) fn tensor_of(ctx: &Context, sizes: &[i64], t: Type) -> Type {
    ctx.tensor_type(sizes.to_vec(), ctx.element_type_or_self(t))
}

/// As upstream's `isRankReducedType` for tensors: `got` is `expected` or `expected` with unit
/// dimensions left out, of the same element type.
pub(crate) fn check_rank_reduced_tensor(v: &OpView, expected: Type, got: Type) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (full, reduced) = (ctx.shape(expected).unwrap_or_default(), ctx.shape(got).unwrap_or_default());
    if reduced.len() > full.len() {
        return Err(v.error("expected rank to be smaller or equal to the other rank. "));
    }
    if dropped_dims(full, reduced).is_none() {
        return Err(v.error(format!(
            "expected type to be '{}' or a rank-reduced version. (size mismatch) ",
            ctx.type_to_string(expected)
        )));
    }
    if ctx.element_type_or_self(expected) != ctx.element_type_or_self(got) {
        return Err(v.error(format!(
            "expected element type to be '{}'",
            ctx.type_to_string(ctx.element_type_or_self(expected))
        )));
    }
    Ok(())
}

/// `%source[offsets] [sizes] [strides] attr-dict : type to type`, the custom form of
/// `memref.subview` and `tensor.extract_slice`.
pub(crate) fn parse_window_op(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let source = p.parse_operand()?;
    let lists = vec![parse_mixed(p)?, parse_mixed(p)?, parse_mixed(p)?];
    let mut attrs = Vec::new();
    let (source_type, result) = crate::syntax_util::parse_typed_tail(p, &mut attrs, "to")?;
    let source = p.resolve_operand(&source, source_type)?;
    finish_mixed_operands(p, vec![source], &LISTS, lists, &mut attrs)?;
    let pending = p.pending();
    pending.attrs = attrs;
    pending.result_types = vec![result];
    Ok(())
}

/// `[offsets] [sizes] [strides]`.
pub(crate) fn print_lists(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    for (i, list) in LISTS.iter().enumerate() {
        if i > 0 {
            p.write(" ")?;
        }
        print_list(p, op, list)?;
    }
    Ok(())
}

pub(crate) fn print_window_op(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let o = p.ir.op(op);
    let (source, result) = (o.operands()[0], o.results()[0]);
    p.write(" ")?;
    p.print_value(source)?;
    print_lists(p, op)?;
    let (first, second) = (p.ir.value_type(source), p.ir.value_type(result));
    crate::syntax_util::print_typed_tail(p, op, &STATIC_LISTS, first, "to", second)
}

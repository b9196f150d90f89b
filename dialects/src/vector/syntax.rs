//! The custom forms of `vector`'s ops that a declarative format cannot say, as MLIR 22 prints
//! and parses them (checked both ways against `mlir-opt-22` in the compatibility suite):
//! bare integer lists (`shuffle`'s mask, `transpose`'s permutation), positions mixing
//! constants and values (`extract`, `insert`), combining kinds (`reduction <add>`), transfers
//! whose default map and bounds are left out, `mask`'s one-op region, and `contract`'s
//! iterator types written as strings.

use std::fmt;

use strata_ir::parser::{OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::{AffineExpr, AffineMap, AttrKind, Attribute, Context, NamedAttr, OpId, Type, TypeKind};

use crate::slicing::{int_array, parse_mixed, print_mixed};

type PResult<T> = Result<T, ParseError>;

fn named(ctx: &Context, name: &str, value: Attribute) -> NamedAttr {
    NamedAttr { name: ctx.ident(name), value }
}

/// `#vector.<mnemonic><body>` (`#vector.kind<add>`), an attribute of a dialect whose
/// attributes Strata keeps as text.
pub(super) fn vector_attr(ctx: &Context, mnemonic: &str, body: &str) -> Attribute {
    ctx.intern_attr(AttrKind::Opaque { dialect: "vector".into(), text: format!("vector.{mnemonic}<{body}>") })
}

/// The body of `#vector.<mnemonic><body>`, if `a` is one.
pub fn vector_attr_body<'a>(ctx: &'a Context, a: Attribute, mnemonic: &str) -> Option<&'a str> {
    match ctx.attr_kind(a) {
        AttrKind::Opaque { text, .. } => {
            text.strip_prefix("vector.")?.strip_prefix(mnemonic)?.strip_prefix('<')?.strip_suffix('>')
        }
        _ => None,
    }
}

/// `[1, 0]`: a dense `i64` array written as a bare list of constants.
fn parse_constant_list(p: &mut OpParser<'_, '_>) -> PResult<Vec<i64>> {
    let at = p.offset()?;
    let (values, statics) = parse_mixed(p)?;
    if !values.is_empty() {
        return Err(ParseError::new(at, "expected a list of integers".into()));
    }
    Ok(statics)
}

fn print_constant_list(p: &mut OpPrinter<'_, '_>, values: &[i64]) -> fmt::Result {
    print_mixed(p, values, &[])
}

// --------------------------------------------------------------------------- shuffle
/// `vector.shuffle %a, %b [mask] attr-dict : type, type`; the result's type follows from the
/// mask's length.
pub(super) fn parse_shuffle(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let (a, _) = (p.parse_operand()?, p.expect_punct(",")?);
    let b = p.parse_operand()?;
    let mask = parse_constant_list(p)?;
    let mut attrs = vec![named(ctx, "mask", ctx.dense_i64_array(mask.clone()))];
    p.parse_optional_attr_dict(&mut attrs)?;
    p.expect_punct(":")?;
    let ta = p.parse_type()?;
    p.expect_punct(",")?;
    let tb = p.parse_type()?;
    let operands = vec![p.resolve_operand(&a, ta)?, p.resolve_operand(&b, tb)?];
    let mut shape = vec![mask.len() as i64];
    shape.extend(ctx.shape(ta).unwrap_or_default().iter().skip(1));
    let result = ctx.vector_type(shape, ctx.element_type_or_self(ta));
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    pending.result_types = vec![result];
    Ok(())
}

pub(super) fn print_shuffle(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let o = p.ir.op(op);
    let (a, b) = (o.operands()[0], o.operands()[1]);
    p.write(" ")?;
    p.print_value(a)?;
    p.write(", ")?;
    p.print_value(b)?;
    p.write(" ")?;
    print_constant_list(p, &int_array(p.ctx, p.ir, op, "mask"))?;
    p.print_attr_dict(op, &["mask"], false)?;
    p.write(" : ")?;
    p.print_type(p.ir.value_type(a))?;
    p.write(", ")?;
    p.print_type(p.ir.value_type(b))
}

// ------------------------------------------------------------------------- transpose
/// `vector.transpose %v, [perm] attr-dict : type to type`.
pub(super) fn parse_transpose(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let v = p.parse_operand()?;
    p.expect_punct(",")?;
    let permutation = parse_constant_list(p)?;
    let mut attrs = vec![named(ctx, "permutation", ctx.dense_i64_array(permutation))];
    let (t, result) = crate::syntax_util::parse_typed_tail(p, &mut attrs, "to")?;
    let operand = p.resolve_operand(&v, t)?;
    let pending = p.pending();
    pending.operands = vec![operand];
    pending.attrs = attrs;
    pending.result_types = vec![result];
    Ok(())
}

pub(super) fn print_transpose(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let o = p.ir.op(op);
    let (v, r) = (o.operands()[0], o.results()[0]);
    p.write(" ")?;
    p.print_value(v)?;
    p.write(", ")?;
    print_constant_list(p, &int_array(p.ctx, p.ir, op, "permutation"))?;
    let (first, second) = (p.ir.value_type(v), p.ir.value_type(r));
    crate::syntax_util::print_typed_tail(p, op, &["permutation"], first, "to", second)
}

// ------------------------------------------------------------------- extract, insert
/// `vector.extract %v[positions] attr-dict : type from type`.
pub(super) fn parse_extract(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let v = p.parse_operand()?;
    let (values, statics) = parse_mixed(p)?;
    let mut attrs = vec![named(ctx, "static_position", ctx.dense_i64_array(statics))];
    let (result, t) = crate::syntax_util::parse_typed_tail(p, &mut attrs, "from")?;
    let mut operands = vec![p.resolve_operand(&v, t)?];
    crate::syntax_util::resolve_indices(p, &values, &mut operands)?;
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    pending.result_types = vec![result];
    Ok(())
}

pub(super) fn print_extract(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let o = p.ir.op(op);
    let operands = o.operands().to_vec();
    p.write(" ")?;
    p.print_value(operands[0])?;
    print_mixed(p, &int_array(p.ctx, p.ir, op, "static_position"), &operands[1..])?;
    let (first, second) = (p.ir.value_type(o.results()[0]), p.ir.value_type(operands[0]));
    crate::syntax_util::print_typed_tail(p, op, &["static_position"], first, "from", second)
}

/// `vector.insert %x, %v[positions] attr-dict : type into type`.
pub(super) fn parse_insert(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let x = p.parse_operand()?;
    p.expect_punct(",")?;
    let v = p.parse_operand()?;
    let (values, statics) = parse_mixed(p)?;
    let mut attrs = vec![named(ctx, "static_position", ctx.dense_i64_array(statics))];
    let (tx, t) = crate::syntax_util::parse_typed_tail(p, &mut attrs, "into")?;
    let mut operands = vec![p.resolve_operand(&x, tx)?, p.resolve_operand(&v, t)?];
    crate::syntax_util::resolve_indices(p, &values, &mut operands)?;
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    pending.result_types = vec![t];
    Ok(())
}

pub(super) fn print_insert(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let o = p.ir.op(op);
    let operands = o.operands().to_vec();
    p.write(" ")?;
    p.print_value(operands[0])?;
    p.write(", ")?;
    p.print_value(operands[1])?;
    // Upstream leaves a space before the positions here (not in `extract`).
    p.write(" ")?;
    print_mixed(p, &int_array(p.ctx, p.ir, op, "static_position"), &operands[2..])?;
    let (first, second) = (p.ir.value_type(operands[0]), p.ir.value_type(operands[1]));
    crate::syntax_util::print_typed_tail(p, op, &["static_position"], first, "into", second)
}

// ------------------------------------------------------------------------- reduction
/// The combining kinds of `reduction` and `contract`, as upstream's `CombiningKind`.
pub const KINDS: [&str; 13] = [
    "add", "mul", "minui", "minsi", "minnumf", "maxui", "maxsi", "maxnumf", "and", "or", "xor", "minimumf", "maximumf",
];

/// `vector.reduction <kind>, %v [, %acc] [fastmath<...>] attr-dict : type into type`.
pub(super) fn parse_reduction(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    p.expect_punct("<")?;
    let at = p.offset()?;
    let kind = p.parse_keyword()?;
    if !KINDS.contains(&kind) {
        return Err(ParseError::new(at, format!("unknown combining kind '{kind}'")));
    }
    p.expect_punct(">")?;
    let mut attrs = vec![named(ctx, "kind", vector_attr(ctx, "kind", kind))];
    p.expect_punct(",")?;
    let v = p.parse_operand()?;
    let acc = if p.parse_optional_punct(",")? { Some(p.parse_operand()?) } else { None };
    if p.parse_optional_keyword("fastmath")? {
        let body = p.parse_angle_body()?;
        let flags =
            ctx.intern_attr(AttrKind::Opaque { dialect: "arith".into(), text: format!("arith.fastmath{body}") });
        attrs.push(named(ctx, "fastmath", flags));
    }
    let (t, result) = crate::syntax_util::parse_typed_tail(p, &mut attrs, "into")?;
    let mut operands = vec![p.resolve_operand(&v, t)?];
    if let Some(acc) = acc {
        operands.push(p.resolve_operand(&acc, result)?);
    }
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    pending.result_types = vec![result];
    Ok(())
}

pub(super) fn print_reduction(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let o = ir.op(op);
    let operands = o.operands().to_vec();
    let kind = o.attr(ctx.ident("kind")).and_then(|a| vector_attr_body(ctx, a, "kind")).unwrap_or("add");
    p.write(&format!(" <{kind}>, "))?;
    p.print_value(operands[0])?;
    if let Some(acc) = operands.get(1) {
        p.write(", ")?;
        p.print_value(*acc)?;
    }
    // Flags other than `#arith.fastmath<...>` stay in the dictionary, for the verifier to
    // report; `none` is the default, left out.
    let flags = o.attr(ctx.ident("fastmath")).map(|a| ctx.attr_to_string(a));
    let inline = flags.as_deref().and_then(|f| f.strip_prefix("#arith.fastmath")).map(str::to_string);
    if let Some(body) = inline.as_deref().filter(|b| *b != "<none>") {
        p.write(&format!(" fastmath{body}"))?;
    }
    let elided: &[&str] = if flags.is_none() || inline.is_some() { &["kind", "fastmath"] } else { &["kind"] };
    let (first, second) = (ir.value_type(operands[0]), ir.value_type(o.results()[0]));
    crate::syntax_util::print_typed_tail(p, op, elided, first, "into", second)
}

// ------------------------------------------------------------------------- transfers
/// The minor identity map from `source_rank` dimensions to the last `vector_rank` of them,
/// a transfer's default.
pub fn minor_identity(source_rank: usize, vector_rank: usize) -> AffineMap {
    let first = source_rank.saturating_sub(vector_rank) as u32;
    AffineMap {
        num_dims: source_rank as u32,
        num_symbols: 0,
        results: (first..source_rank as u32).map(AffineExpr::Dim).collect(),
    }
}

/// The mask type of a transfer of vector `vector` through `map`, as upstream's
/// `inferTransferOpMaskType`: one `i1` per vector element the map reads from the source, in
/// the source's dimension order (broadcast dimensions take no mask bit; a transfer that reads
/// none takes `vector<1xi1>`).
pub fn transfer_mask_type(ctx: &Context, vector: Type, map: &AffineMap) -> Type {
    let shape = ctx.shape(vector).unwrap_or_default();
    let mut dims: Vec<(u32, i64)> = map
        .results
        .iter()
        .zip(shape)
        .filter_map(|(e, n)| match e {
            AffineExpr::Dim(d) => Some((*d, *n)),
            _ => None,
        })
        .collect();
    dims.sort_by_key(|(d, _)| *d);
    let shape: Vec<i64> = dims.into_iter().map(|(_, n)| n).collect();
    // A transfer that reads no dimension (a 0-d vector, or only broadcasts) takes one bit.
    let shape = if shape.is_empty() { vec![1] } else { shape };
    ctx.vector_type(shape, ctx.integer_type(1))
}

/// The `permutation_map` of transfer `op` (the minor identity when it has none).
pub fn transfer_map(ctx: &Context, ir: &strata_ir::Ir, op: OpId, source: Type, vector: Type) -> AffineMap {
    match ir.op(op).attr(ctx.ident("permutation_map")).map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::AffineMap(m)) => m.clone(),
        _ => minor_identity(ctx.shape(source).map_or(0, <[i64]>::len), ctx.shape(vector).map_or(0, <[i64]>::len)),
    }
}

/// Fills in what a transfer's custom form leaves out: the minor identity map and bounds not
/// known to hold, as upstream's parser does.
fn transfer_defaults(ctx: &Context, attrs: &mut Vec<NamedAttr>, source: Type, vector: Type) -> AffineMap {
    let has = |attrs: &[NamedAttr], n: &str| attrs.iter().any(|a| ctx.ident_str(a.name) == n);
    let rank = ctx.shape(vector).map_or(0, <[i64]>::len);
    let map = match attrs.iter().find(|a| ctx.ident_str(a.name) == "permutation_map").map(|a| ctx.attr_kind(a.value)) {
        Some(AttrKind::AffineMap(m)) => m.clone(),
        _ => minor_identity(ctx.shape(source).map_or(0, <[i64]>::len), rank),
    };
    if !has(attrs, "permutation_map") {
        attrs.push(named(ctx, "permutation_map", ctx.intern_attr(AttrKind::AffineMap(map.clone()))));
    }
    if !has(attrs, "in_bounds") {
        let f = ctx.bool_attr(false);
        attrs.push(named(ctx, "in_bounds", ctx.intern_attr(AttrKind::Array(vec![f; rank]))));
    }
    map
}

/// `vector.transfer_read %base[indices], %padding [, %mask] attr-dict : source, vector`.
pub(super) fn parse_transfer_read(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let base = p.parse_operand()?;
    p.expect_punct("[")?;
    let indices = p.parse_operand_list()?;
    p.expect_punct("]")?;
    p.expect_punct(",")?;
    let padding = p.parse_operand()?;
    let mask = if p.parse_optional_punct(",")? { Some(p.parse_operand()?) } else { None };
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    p.expect_punct(":")?;
    let source = p.parse_type()?;
    p.expect_punct(",")?;
    let vector = p.parse_type()?;
    let map = transfer_defaults(ctx, &mut attrs, source, vector);
    let mut operands = vec![p.resolve_operand(&base, source)?];
    for i in &indices {
        operands.push(p.resolve_operand(i, ctx.index_type())?);
    }
    operands.push(p.resolve_operand(&padding, ctx.element_type_or_self(source))?);
    if let Some(m) = &mask {
        operands.push(p.resolve_operand(m, transfer_mask_type(ctx, vector, &map))?);
    }
    attrs.push(named(
        ctx,
        "operandSegmentSizes",
        ctx.operand_segments(&[1, indices.len(), 1, usize::from(mask.is_some())]),
    ));
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    pending.result_types = vec![vector];
    Ok(())
}

/// `vector.transfer_write %v, %base[indices] [, %mask] attr-dict : vector, source`; a
/// tensor destination gives the written tensor as the result.
pub(super) fn parse_transfer_write(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let v = p.parse_operand()?;
    p.expect_punct(",")?;
    let base = p.parse_operand()?;
    p.expect_punct("[")?;
    let indices = p.parse_operand_list()?;
    p.expect_punct("]")?;
    let mask = if p.parse_optional_punct(",")? { Some(p.parse_operand()?) } else { None };
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    p.expect_punct(":")?;
    let vector = p.parse_type()?;
    p.expect_punct(",")?;
    let source = p.parse_type()?;
    let map = transfer_defaults(ctx, &mut attrs, source, vector);
    let mut operands = vec![p.resolve_operand(&v, vector)?, p.resolve_operand(&base, source)?];
    for i in &indices {
        operands.push(p.resolve_operand(i, ctx.index_type())?);
    }
    if let Some(m) = &mask {
        operands.push(p.resolve_operand(m, transfer_mask_type(ctx, vector, &map))?);
    }
    attrs.push(named(
        ctx,
        "operandSegmentSizes",
        ctx.operand_segments(&[1, 1, indices.len(), usize::from(mask.is_some())]),
    ));
    let tensor = matches!(ctx.type_kind(source), TypeKind::RankedTensor { .. });
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    pending.result_types = if tensor { vec![source] } else { Vec::new() };
    Ok(())
}

/// The transfer's attributes, without those its custom form implies: the map when it is the
/// minor identity, the bounds when none is known to hold.
fn print_transfer_attrs(p: &mut OpPrinter<'_, '_>, op: OpId, source: Type, vector: Type) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let mut elided = vec!["operandSegmentSizes"];
    let map = transfer_map(ctx, ir, op, source, vector);
    let rank = ctx.shape(source).map_or(0, <[i64]>::len);
    if map == minor_identity(rank, ctx.shape(vector).map_or(0, <[i64]>::len)) {
        elided.push("permutation_map");
    }
    let none_in_bounds = match ir.op(op).attr(ctx.ident("in_bounds")).map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::Array(items)) => items.iter().all(|b| *b == ctx.bool_attr(false)),
        _ => true,
    };
    if none_in_bounds {
        elided.push("in_bounds");
    }
    p.print_attr_dict(op, &elided, false)
}

pub(super) fn print_transfer_read(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let ir = p.ir;
    let o = ir.op(op);
    let groups = crate::slicing::group_ranges(p.ctx, ir, op);
    let operands = o.operands().to_vec();
    let (source, vector) = (ir.value_type(operands[0]), ir.value_type(o.results()[0]));
    p.write(" ")?;
    p.print_value(operands[0])?;
    p.write("[")?;
    p.print_value_list(&operands[groups[1].clone()])?;
    p.write("], ")?;
    p.print_value_list(&operands[groups[2].start..])?;
    print_transfer_attrs(p, op, source, vector)?;
    p.write(" : ")?;
    p.print_type(source)?;
    p.write(", ")?;
    p.print_type(vector)
}

pub(super) fn print_transfer_write(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let ir = p.ir;
    let o = ir.op(op);
    let groups = crate::slicing::group_ranges(p.ctx, ir, op);
    let operands = o.operands().to_vec();
    let (vector, source) = (ir.value_type(operands[0]), ir.value_type(operands[1]));
    p.write(" ")?;
    p.print_value(operands[0])?;
    p.write(", ")?;
    p.print_value(operands[1])?;
    p.write("[")?;
    p.print_value_list(&operands[groups[2].clone()])?;
    p.write("]")?;
    for m in &operands[groups[3].clone()] {
        p.write(", ")?;
        p.print_value(*m)?;
    }
    print_transfer_attrs(p, op, source, vector)?;
    p.write(" : ")?;
    p.print_type(vector)?;
    p.write(", ")?;
    p.print_type(source)
}

// ------------------------------------------------------------------------------ mask
/// `vector.mask %mask [, %passthru] { op } attr-dict : mask-type [-> result types]`: the
/// region holds one maskable op, and the `vector.yield` of its results is implied.
pub(super) fn parse_mask(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let mask = p.parse_operand()?;
    let passthru = if p.parse_optional_punct(",")? { Some(p.parse_operand()?) } else { None };
    let mut region = p.parse_region(None, false)?;
    p.ensure_terminator_passing_results(&mut region, "vector.yield");
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    p.expect_punct(":")?;
    let mask_type = p.parse_type()?;
    let results = if !p.parse_optional_punct("->")? {
        Vec::new()
    } else if p.parse_optional_punct("(")? {
        let list = if p.peek_punct(")")? { Vec::new() } else { p.parse_type_list()? };
        p.expect_punct(")")?;
        list
    } else {
        vec![p.parse_type()?]
    };
    let mut operands = vec![p.resolve_operand(&mask, mask_type)?];
    if let Some(v) = &passthru {
        let t = results
            .first()
            .copied()
            .ok_or_else(|| ParseError::new(v.offset, "a passthru needs a result type".into()))?;
        operands.push(p.resolve_operand(v, t)?);
    }
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    pending.result_types = results;
    pending.regions = vec![region];
    Ok(())
}

pub(super) fn print_mask(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let o = ir.op(op);
    let operands = o.operands().to_vec();
    p.write(" ")?;
    p.print_value_list(&operands)?;
    let region = o.regions()[0];
    let ops: Vec<OpId> = ir.region(region).blocks().first().map(|b| ir.block_ops(*b).collect()).unwrap_or_default();
    // The short form when the region is one op whose results the yield passes on.
    let short = match ops.as_slice() {
        [yield_op] => ctx.ident_str(ir.op(*yield_op).name()) == "vector.yield",
        [inner, yield_op] => {
            ctx.ident_str(ir.op(*yield_op).name()) == "vector.yield"
                && ir.op(*yield_op).operands() == ir.op(*inner).results()
        }
        _ => false,
    } && ir.region(region).blocks().len() == 1;
    if short {
        p.write(" { ")?;
        match ops.as_slice() {
            [inner, _] => {
                p.print_op_without_results(*inner)?;
                p.write(" ")?;
            }
            // A yield of values from outside is shown; an empty one is implied.
            [y] if !ir.op(*y).operands().is_empty() => {
                p.print_op(*y)?;
                p.write(" ")?;
            }
            _ => {}
        }
        p.write("}")?;
    } else {
        p.write(" ")?;
        p.print_region(region, false)?;
    }
    p.print_attr_dict(op, &[], false)?;
    p.write(" : ")?;
    p.print_type(ir.value_type(operands[0]))?;
    let results: Vec<Type> = o.results().iter().map(|r| ir.value_type(*r)).collect();
    match results.as_slice() {
        [] => {}
        [one] => {
            p.write(" -> ")?;
            p.print_type(*one)?;
        }
        many => {
            p.write(" -> (")?;
            p.print_type_list(many)?;
            p.write(")")?;
        }
    }
    Ok(())
}

// -------------------------------------------------------------------------- contract
/// `vector.contract {indexing_maps = [...], iterator_types = ["parallel", ...], kind = ...}
/// %lhs, %rhs, %acc attr-dict : lhs, rhs into acc`: the iterator types are written as
/// strings and stored as `#vector.iterator_type<...>`; the kind is `add` unless given.
pub(super) fn parse_contract(p: &mut OpParser<'_, '_>) -> PResult<()> {
    let ctx = p.ctx();
    let at = p.offset()?;
    // The dictionary may be written through an alias (`#trait = {...}`), as MLIR's docs do.
    let dictionary = p.parse_attribute()?;
    let AttrKind::Dictionary(entries) = ctx.attr_kind(dictionary).clone() else {
        return Err(ParseError::new(at, "expected a dictionary of the contraction's attributes".into()));
    };
    let mut attrs = entries;
    for a in attrs.iter_mut() {
        if ctx.ident_str(a.name) != "iterator_types" {
            continue;
        }
        let AttrKind::Array(items) = ctx.attr_kind(a.value).clone() else {
            return Err(ParseError::new(at, "iterator_types must be an array".into()));
        };
        let mut types = Vec::with_capacity(items.len());
        for i in items {
            types.push(match ctx.attr_as_str(i) {
                Some(s @ ("parallel" | "reduction")) => vector_attr(ctx, "iterator_type", s),
                Some(s) => return Err(ParseError::new(at, format!("unknown iterator type '{s}'"))),
                None => i,
            });
        }
        a.value = ctx.intern_attr(AttrKind::Array(types));
    }
    if !attrs.iter().any(|a| ctx.ident_str(a.name) == "kind") {
        attrs.push(named(ctx, "kind", vector_attr(ctx, "kind", "add")));
    }
    let lhs = p.parse_operand()?;
    p.expect_punct(",")?;
    let rhs = p.parse_operand()?;
    p.expect_punct(",")?;
    let acc = p.parse_operand()?;
    p.parse_optional_attr_dict(&mut attrs)?;
    p.expect_punct(":")?;
    let (tl, _, tr) = (p.parse_type()?, p.expect_punct(",")?, p.parse_type()?);
    p.expect_keyword("into")?;
    let ta = p.parse_type()?;
    let operands = vec![p.resolve_operand(&lhs, tl)?, p.resolve_operand(&rhs, tr)?, p.resolve_operand(&acc, ta)?];
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    pending.result_types = vec![ta];
    Ok(())
}

pub(super) fn print_contract(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let o = ir.op(op);
    let operands = o.operands().to_vec();
    // The dictionary first, iterator types as strings; anything else after the operands.
    let shown = ["indexing_maps", "iterator_types", "kind"];
    p.write(" {")?;
    let mut first = true;
    for name in shown {
        let Some(a) = o.attr(ctx.ident(name)) else { continue };
        p.write(if first { "" } else { ", " })?;
        first = false;
        p.write(name)?;
        p.write(" = ")?;
        match (name, ctx.attr_kind(a)) {
            ("iterator_types", AttrKind::Array(items)) => {
                p.write("[")?;
                for (i, t) in items.iter().enumerate() {
                    p.write(if i == 0 { "" } else { ", " })?;
                    match vector_attr_body(ctx, *t, "iterator_type") {
                        Some(s) => p.write(&format!("\"{s}\""))?,
                        None => p.print_attr(*t)?,
                    }
                }
                p.write("]")?;
            }
            _ => p.print_attr(a)?,
        }
    }
    p.write("} ")?;
    p.print_value_list(&operands)?;
    p.print_attr_dict(op, &shown, false)?;
    p.write(" : ")?;
    p.print_type(ir.value_type(operands[0]))?;
    p.write(", ")?;
    p.print_type(ir.value_type(operands[1]))?;
    p.write(" into ")?;
    p.print_type(ir.value_type(operands[2]))
}

//! `memref`: buffers and their elements, in MLIR's forms.
//!
//! ```text
//! %a = memref.alloc() : memref<4x8xf32>
//! %d = memref.alloc(%n) {alignment = 64 : i64} : memref<?x8xf32>
//! %n2 = memref.dim %d, %c0 : memref<?x8xf32>
//! %s = memref.cast %d : memref<?x8xf32> to memref<4x8xf32>
//! %x = memref.load %a[%i, %j] : memref<4x8xf32>
//! memref.store %x, %a[%i, %j] : memref<4x8xf32>
//! %v = memref.view %arena[%offset][] : memref<4096xi8> to memref<4x8xf32>
//! %f = memref.collapse_shape %a [[0, 1]] : memref<4x8xf32> into memref<32xf32>
//! %e = memref.expand_shape %d [[0, 1], [2]] output_shape [%n, 2, 8] : memref<?x8xf32> into memref<?x2x8xf32>
//! %w = memref.subview %a[%i, 2] [2, 4] [1, 2] : memref<4x8xf32> to memref<2x4xf32, strided<[8, 2], offset: ?>>
//! %r = memref.reinterpret_cast %a to offset: [0], sizes: [8, 4], strides: [4, 1] : memref<4x8xf32> to memref<8x4xf32>
//! %base, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %w : memref<2x4xf32, strided<[8, 2], offset: ?>> -> memref<f32>, index, index, index, index, index
//! %g = memref.realloc %b : memref<2xf32> to memref<4xf32>
//! memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
//! memref.dealloc %a : memref<4x8xf32>
//! memref.prefetch %a[%i, %j], read, locality<3>, data : memref<4x8xf32>
//! memref.global "private" constant @w : memref<2xf32> = dense<[1.0, 2.0]> {alignment = 64 : i64}
//! memref.global "private" @arena : memref<4096xi8> = uninitialized
//! %w = memref.get_global @w : memref<2xf32>
//! ```

use std::fmt;
use strata_ir::dialect::{
    attr_constraints as ac, constraints as tc, Dialect, InferInput, OpDef, OpView, Trait, TypeConstraint,
};

use strata_ir::parser::{OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::{AttrKind, Attribute, Context, Diagnostic, NamedAttr, OpId, Type, TypeKind, DYNAMIC};

use crate::indexing::{infer_element, verify_indices};
use crate::shaped;

mod views;

pub use views::subview_dropped_dims;

pub struct MemRef;

/// A ranked memref.
pub const MEMREF: TypeConstraint =
    TypeConstraint { description: "ranked memref", check: |c, t| matches!(c.type_kind(t), TypeKind::MemRef { .. }) };

/// A 1-D memref with the identity layout (what `memref.realloc` takes).
const MEMREF_1D: TypeConstraint = TypeConstraint {
    description: "1D memref of any type values",
    check: |c, t| matches!(c.type_kind(t), TypeKind::MemRef { shape, layout: None, .. } if shape.len() == 1),
};

/// A ranked or unranked memref.
const ANY_MEMREF: TypeConstraint = TypeConstraint {
    description: "ranked or unranked memref",
    check: |c, t| matches!(c.type_kind(t), TypeKind::MemRef { .. } | TypeKind::UnrankedMemRef { .. }),
};

/// As upstream: the same element type; a size operand exactly when the result's size is
/// dynamic.
fn verify_realloc(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (source, result) = (v.operand_type(0), v.result_type(0));
    if ctx.element_type_or_self(source) != ctx.element_type_or_self(result) {
        return Err(v.error(format!(
            "different element types specified for source memref type '{}' and result memref type '{}'",
            ctx.type_to_string(source),
            ctx.type_to_string(result)
        )));
    }
    let space = |t: Type| shaped::memory_space(ctx, t);
    if space(source) != space(result) {
        return Err(v.error(format!(
            "different memory spaces specified for source memref type '{}' and result memref type '{}'",
            ctx.type_to_string(source),
            ctx.type_to_string(result)
        )));
    }
    let dynamic = ctx.shape(result).is_some_and(|s| s.first() == Some(&DYNAMIC));
    match (dynamic, v.operands().len() > 1) {
        (true, false) => {
            return Err(v.error(format!("missing dimension operand for result type '{}'", ctx.type_to_string(result))))
        }
        (false, true) => return Err(v.error("unnecessary dimension operand")),
        _ => {}
    }
    if let Some(e) = v.attr("alignment").and_then(|a| ctx.attr_as_int(a)).and_then(shaped::alignment_error) {
        return Err(v.error(e));
    }
    Ok(())
}

/// The declaration shared by `memref.subview` and `memref.reinterpret_cast`: the source, then
/// the dynamic entries of its offsets, sizes and strides.
fn window_op(name: &'static str, source: TypeConstraint) -> OpDef {
    let def = OpDef::new(name).traits(&[Trait::Pure, Trait::AttrSizedOperandSegments]).operand("source", source);
    crate::slicing::with_window(def).result("result", MEMREF)
}

fn infer_load(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    infer_element(ctx, i, "memref", MEMREF.check)
}

fn verify_prefetch(v: &OpView) -> Result<(), Diagnostic> {
    verify_indices(v, 0, "memref")?;
    let hint = v.attr("localityHint").and_then(|a| v.ctx.attr_as_int(a));
    if !hint.is_some_and(|h| (0..=3).contains(&h)) {
        return Err(v.error("'localityHint' must be 0 to 3"));
    }
    Ok(())
}

fn verify_store(v: &OpView) -> Result<(), Diagnostic> {
    verify_indices(v, 1, "memref")?;
    let elem = v.ctx.element_type_or_self(v.operand_type(1));
    if v.operand_type(0) != elem {
        return Err(v.error(format!(
            "stores a {} into a memref of {}",
            v.ctx.type_to_string(v.operand_type(0)),
            v.ctx.type_to_string(elem)
        )));
    }
    Ok(())
}

fn verify_view(v: &OpView) -> Result<(), Diagnostic> {
    let source = v.operand_type(0);
    let is_byte_buffer = v.ctx.shape(source).is_some_and(|s| s.len() == 1)
        && v.ctx.type_to_string(v.ctx.element_type_or_self(source)) == "i8";
    if !is_byte_buffer {
        return Err(v.error("the source must be a 1-D memref of i8 (an arena)"));
    }
    Ok(())
}

fn verify_copy(v: &OpView) -> Result<(), Diagnostic> {
    let (a, b) = (v.operand_type(0), v.operand_type(1));
    if v.ctx.shape(a) != v.ctx.shape(b) || v.ctx.element_type_or_self(a) != v.ctx.element_type_or_self(b) {
        return Err(v.error("source and target must have the same shape and element type"));
    }
    Ok(())
}

/// A `memref.global` as upstream defines it: a static memref type; `initial_value` an elements
/// attribute of the matching tensor type (its contents), or `unit` (a definition left
/// uninitialized), or absent (a declaration of a buffer defined elsewhere); `constant` (never
/// written) only with contents, since a constant nobody initializes has no meaning here;
/// `alignment` a power of two.
fn verify_global(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let ty = v.attr("type").and_then(|a| ctx.attr_as_type(a)).expect("checked by the declared constraint");
    let shape = match ctx.type_kind(ty) {
        TypeKind::MemRef { shape, .. } if shape.iter().all(|d| *d >= 0) => shape.clone(),
        _ => return Err(v.error(format!("type should be static shaped memref, but got '{}'", ctx.type_to_string(ty)))),
    };
    let initial = v.attr("initial_value");
    let contents = match initial.map(|a| ctx.attr_kind(a)) {
        None | Some(AttrKind::Unit) => false,
        Some(AttrKind::DenseElements { ty: t, .. } | AttrKind::DenseResource { ty: t, .. }) => {
            let want = ctx.tensor_type(shape, ctx.element_type_or_self(ty));
            if *t != want {
                return Err(v.error(format!(
                    "initial value expected to be of type {}, but was of type {}",
                    ctx.type_to_string(want),
                    ctx.type_to_string(*t)
                )));
            }
            true
        }
        Some(_) => {
            let shown = initial.map(|a| ctx.attr_to_string(a)).unwrap_or_default();
            return Err(v.error(format!("initial value should be a unit or elements attribute, but got {shown}")));
        }
    };
    if v.attr("constant").is_some() && !contents {
        return Err(v.error("a constant global needs an initial value (dense<...> or dense_resource<...>)"));
    }
    if let Some(e) = v.attr("alignment").and_then(|a| ctx.attr_as_int(a)).and_then(shaped::alignment_error) {
        return Err(v.error(e));
    }
    Ok(())
}

/// `memref.global ["visibility"] [constant] @name : type [= uninitialized | = contents]
/// attr-dict`: the contents written without their type (the memref's shape and element type
/// as a tensor), as upstream's custom form.
fn parse_global(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let named = |n: &str, a: Attribute| NamedAttr { name: ctx.ident(n), value: a };
    let mut attrs = Vec::new();
    if let Some(visibility) = p.parse_optional_string()? {
        attrs.push(named("sym_visibility", ctx.string_attr(&visibility)));
    }
    if p.parse_optional_keyword("constant")? {
        attrs.push(named("constant", ctx.unit_attr()));
    }
    let name = p.parse_symbol_name()?;
    attrs.push(named("sym_name", ctx.string_attr(&name)));
    p.expect_punct(":")?;
    let at = p.offset()?;
    let ty = p.parse_type()?;
    attrs.push(named("type", ctx.type_attr(ty)));
    if p.parse_optional_punct("=")? {
        let initial = if p.parse_optional_keyword("uninitialized")? {
            ctx.unit_attr()
        } else {
            let Some(shape) = ctx.shape(ty).map(|s| s.to_vec()) else {
                return Err(ParseError::new(at, "type should be static shaped memref".into()));
            };
            p.parse_elements_attr(ctx.tensor_type(shape, ctx.element_type_or_self(ty)))?
        };
        attrs.push(named("initial_value", initial));
    }
    p.parse_optional_attr_dict(&mut attrs)?;
    p.pending().attrs = attrs;
    Ok(())
}

fn print_global(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let attr = |n: &str| ir.op(op).attr(ctx.ident(n));
    if let Some(v) = attr("sym_visibility") {
        p.write(" ")?;
        p.print_attr(v)?;
    }
    if attr("constant").is_some() {
        p.write(" constant")?;
    }
    p.write(" @")?;
    p.write(attr("sym_name").and_then(|a| ctx.attr_as_str(a)).unwrap_or_default())?;
    p.write(" : ")?;
    if let Some(t) = attr("type").and_then(|a| ctx.attr_as_type(a)) {
        p.print_type(t)?;
    }
    match attr("initial_value") {
        Some(a) if matches!(ctx.attr_kind(a), AttrKind::Unit) => p.write(" = uninitialized")?,
        Some(a) => {
            p.write(" = ")?;
            p.print_attr_without_type(a)?;
        }
        None => {}
    }
    p.print_attr_dict(op, &["sym_visibility", "constant", "sym_name", "type", "initial_value"], false)
}

/// `memref.prefetch %m[%i, ...], read|write, locality<0..3>, data|instr attr-dict : type`.
fn parse_prefetch(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let memref = p.parse_operand()?;
    p.expect_punct("[")?;
    let indices = p.parse_operand_list()?;
    p.expect_punct("]")?;
    p.expect_punct(",")?;
    let at = p.offset()?;
    let is_write = match p.parse_keyword()? {
        "read" => false,
        "write" => true,
        _ => return Err(ParseError::new(at, "rw specifier has to be 'read' or 'write'".into())),
    };
    p.expect_punct(",")?;
    p.expect_keyword("locality")?;
    p.expect_punct("<")?;
    let at = p.offset()?;
    let hint = p.parse_integer()?;
    let hint = i32::try_from(hint).map_err(|_| ParseError::new(at, "locality hint out of range".into()))?;
    p.expect_punct(">")?;
    p.expect_punct(",")?;
    let at = p.offset()?;
    let is_data = match p.parse_keyword()? {
        "data" => true,
        "instr" => false,
        _ => return Err(ParseError::new(at, "cache type has to be 'data' or 'instr'".into())),
    };
    let named = |n: &str, a: Attribute| NamedAttr { name: ctx.ident(n), value: a };
    let mut attrs = vec![
        named("isWrite", ctx.bool_attr(is_write)),
        named("localityHint", ctx.integer_attr(i128::from(hint), ctx.integer_type(32))),
        named("isDataCache", ctx.bool_attr(is_data)),
    ];
    p.parse_optional_attr_dict(&mut attrs)?;
    p.expect_punct(":")?;
    let ty = p.parse_type()?;
    let mut operands = vec![p.resolve_operand(&memref, ty)?];
    for i in &indices {
        operands.push(p.resolve_operand(i, ctx.index_type())?);
    }
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    Ok(())
}

fn print_prefetch(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let o = ir.op(op);
    let operands = o.operands().to_vec();
    let flag = |n: &str| o.attr(ctx.ident(n)) == Some(ctx.bool_attr(true));
    let (is_write, is_data) = (flag("isWrite"), flag("isDataCache"));
    let hint = o.attr(ctx.ident("localityHint")).and_then(|a| ctx.attr_as_int(a)).unwrap_or(0);
    p.write(" ")?;
    p.print_value(operands[0])?;
    p.write("[")?;
    p.print_value_list(&operands[1..])?;
    p.write("], ")?;
    p.write(if is_write { "write" } else { "read" })?;
    p.write(&format!(", locality<{hint}>, "))?;
    p.write(if is_data { "data" } else { "instr" })?;
    p.print_attr_dict(op, &["isWrite", "localityHint", "isDataCache"], false)?;
    p.write(" : ")?;
    p.print_type(ir.value_type(operands[0]))
}

/// `memref.alloc` or `memref.alloca`: one size operand per dynamic dimension, one symbol
/// operand per symbol of the layout map.
fn alloc(name: &'static str, summary: &'static str) -> OpDef {
    OpDef::new(name)
        .summary(summary)
        .traits(&[Trait::AttrSizedOperandSegments, Trait::AllocatesResults])
        .variadic_operand("dynamicSizes", tc::INDEX)
        .variadic_operand("symbolOperands", tc::INDEX)
        .optional_attr("alignment", ac::I64)
        .result("memref", MEMREF)
        .result_name(|ctx, ir, op| Some(ctx.ident_str(ir.op(op).name()).trim_start_matches("memref.").to_string()))
        .verifier(verify_alloc)
        .format("`(` $dynamicSizes `)` (`` `[` $symbolOperands^ `]`)? attr-dict `:` type($memref)")
}

/// As upstream: as many sizes as the type has dynamic dimensions, as many symbol operands as
/// its layout map has symbols.
fn verify_alloc(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let t = v.result_type(0);
    let TypeKind::MemRef { layout, .. } = ctx.type_kind(t) else {
        return Err(v.error("the result must be a ranked memref"));
    };
    if let Some(e) = shaped::dynamic_sizes_error(ctx, t, v.operand_group("dynamicSizes").len()) {
        return Err(v.error(e));
    }
    // A strided layout takes one symbol per dynamic stride or offset.
    let symbols = match layout.map(|l| ctx.attr_kind(l)) {
        Some(AttrKind::AffineMap(m)) => m.num_symbols as usize,
        Some(AttrKind::Strided { strides, offset }) => {
            strides.iter().chain([offset]).filter(|s| **s == DYNAMIC).count()
        }
        _ => 0,
    };
    let got = v.operand_group("symbolOperands").len();
    if got != symbols {
        return Err(
            v.error(format!("symbol operand count does not equal memref symbol count: expected {symbols}, got {got}"))
        );
    }
    if let Some(e) = v.attr("alignment").and_then(|a| ctx.attr_as_int(a)).and_then(shaped::alignment_error) {
        return Err(v.error(e));
    }
    Ok(())
}

/// As upstream's `areCastCompatible`: the same element type, rank and memory space, sizes that
/// agree where both are static, and layouts that are equal or strided alike (strides and
/// offsets equal where both are known).
fn verify_cast(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (a, b) = (v.operand_type(0), v.result_type(0));
    let space = |t: Type| shaped::memory_space(ctx, t);
    let layout = |t: Type| match ctx.type_kind(t) {
        TypeKind::MemRef { layout, .. } => *layout,
        _ => None,
    };
    let agree = |x: i64, y: i64| x == DYNAMIC || y == DYNAMIC || x == y;
    let layouts = layout(a) == layout(b)
        || match (shaped::strides_of(ctx, a), shaped::strides_of(ctx, b)) {
            (Some((sa, oa)), Some((sb, ob))) => agree(oa, ob) && sa.iter().zip(&sb).all(|(x, y)| agree(*x, *y)),
            _ => false,
        };
    if !(shaped::sizes_cast_compatible(ctx, a, b) && space(a) == space(b) && layouts) {
        return Err(v.error(format!(
            "operand type '{}' and result type '{}' are cast incompatible",
            ctx.type_to_string(a),
            ctx.type_to_string(b)
        )));
    }
    Ok(())
}

impl Dialect for MemRef {
    fn name(&self) -> &'static str {
        "memref"
    }
    fn description(&self) -> &'static str {
        "buffers: allocation, element access, views into an arena or with dimensions merged, copies"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            alloc("memref.alloc", "a new buffer"),
            alloc("memref.alloca", "a buffer on the stack, freed when the enclosing region ends"),
            OpDef::new("memref.dim")
                .summary("the size of one dimension")
                .traits(&[Trait::NoMemoryEffect])
                .operand("source", MEMREF)
                .operand("index", tc::INDEX)
                .result("result", tc::INDEX)
                .infer_types(|ctx, _| Ok(vec![ctx.index_type()]))
                .result_name(|_, _, _| Some("dim".to_string()))
                .format("attr-dict $source `,` $index `:` type($source)"),
            OpDef::new("memref.rank")
                .summary("the number of dimensions")
                .traits(&[Trait::Pure])
                .operand("memref", MEMREF)
                .result("result", tc::INDEX)
                .infer_types(|ctx, _| Ok(vec![ctx.index_type()]))
                .format("$memref attr-dict `:` type($memref)"),
            OpDef::new("memref.cast")
                .summary("the same buffer, seen with sizes made static or dynamic")
                .traits(&[Trait::Pure])
                .operand("source", MEMREF)
                .result("dest", MEMREF)
                .result_name(|_, _, _| Some("cast".to_string()))
                .verifier(verify_cast)
                .format("$source attr-dict `:` type($source) `to` type($dest)"),
            OpDef::new("memref.dealloc")
                .summary("frees a buffer")
                .operand("memref", MEMREF)
                .format("$memref attr-dict `:` type($memref)"),
            OpDef::new("memref.load")
                .summary("reads one element")
                .operand("memref", MEMREF)
                .variadic_operand("indices", tc::INDEX)
                .result("result", tc::ANY)
                .infer_types(infer_load)
                .verifier(|v| verify_indices(v, 0, "memref"))
                .format("$memref `[` $indices `]` attr-dict `:` type($memref)"),
            OpDef::new("memref.prefetch")
                .summary("a hint that an element's cache line will be read or written soon")
                .operand("memref", MEMREF)
                .variadic_operand("indices", tc::INDEX)
                .attr("isWrite", ac::BOOL)
                .attr("localityHint", ac::I32)
                .attr("isDataCache", ac::BOOL)
                .verifier(verify_prefetch)
                .custom_syntax(parse_prefetch, print_prefetch),
            OpDef::new("memref.store")
                .summary("writes one element")
                .operand("value", tc::ANY)
                .operand("memref", MEMREF)
                .variadic_operand("indices", tc::INDEX)
                .verifier(verify_store)
                .format("$value `,` $memref `[` $indices `]` attr-dict `:` type($memref)"),
            OpDef::new("memref.view")
                .summary("a typed buffer at a byte offset of an i8 arena")
                .traits(&[Trait::Pure])
                .operand("source", MEMREF)
                .operand("byte_shift", tc::INDEX)
                .variadic_operand("sizes", tc::INDEX)
                .result("result", MEMREF)
                .result_name(|_, _, _| Some("view".to_string()))
                .verifier(verify_view)
                .format("$source `[` $byte_shift `]` `[` $sizes `]` attr-dict `:` type($source) `to` type($result)"),
            OpDef::new("memref.collapse_shape")
                .summary("the same buffer with groups of consecutive dimensions merged into one")
                .traits(&[Trait::Pure])
                .operand("src", MEMREF)
                .attr("reassociation", ac::ARRAY)
                .result("result", MEMREF)
                .result_name(|_, _, _| Some("collapse_shape".to_string()))
                .verifier(views::verify_collapse_shape)
                .format("$src $reassociation attr-dict `:` type($src) `into` type($result)"),
            OpDef::new("memref.expand_shape")
                .summary("the same buffer with dimensions split into groups of consecutive ones")
                .traits(&[Trait::Pure])
                .operand("src", MEMREF)
                .variadic_operand("output_shape", tc::INDEX)
                .attr("reassociation", ac::ARRAY)
                .attr("static_output_shape", ac::DENSE_I64_ARRAY)
                .result("result", MEMREF)
                .result_name(|_, _, _| Some("expand_shape".to_string()))
                .verifier(views::verify_expand_shape)
                .custom_syntax(shaped::parse_expand_shape, shaped::print_expand_shape),
            window_op("memref.subview", MEMREF)
                .summary("a strided window of a buffer: offsets, sizes and strides per dimension")
                .result_name(|_, _, _| Some("subview".to_string()))
                .verifier(views::verify_subview)
                .custom_syntax(crate::slicing::parse_window_op, crate::slicing::print_window_op),
            window_op("memref.reinterpret_cast", ANY_MEMREF)
                .summary("a buffer's memory seen with the given offset, sizes and strides")
                .result_name(|_, _, _| Some("reinterpret_cast".to_string()))
                .verifier(views::verify_reinterpret_cast)
                .custom_syntax(views::parse_reinterpret_cast, views::print_reinterpret_cast),
            OpDef::new("memref.extract_strided_metadata")
                .summary("a buffer's base, offset, sizes and strides")
                .traits(&[Trait::Pure])
                .operand("source", MEMREF)
                .result("base_buffer", MEMREF)
                .result("offset", tc::INDEX)
                .variadic_result("sizes", tc::INDEX)
                .variadic_result("strides", tc::INDEX)
                .name_result_groups()
                .verifier(views::verify_extract_strided_metadata)
                .custom_syntax(views::parse_extract_strided_metadata, views::print_extract_strided_metadata),
            OpDef::new("memref.realloc")
                .summary("a 1-D buffer of a new size holding the old one's elements (the old one is freed)")
                .operand("source", MEMREF_1D)
                .optional_operand("dynamicResultSize", tc::INDEX)
                .optional_attr("alignment", ac::I64)
                .result("result", MEMREF_1D)
                .verifier(verify_realloc)
                .format("$source (`(` $dynamicResultSize^ `)`)? attr-dict `:` type($source) `to` type($result)"),
            OpDef::new("memref.global")
                .summary("a named buffer with static storage (one per program, not per call)")
                .traits(&[Trait::Symbol])
                .attr("sym_name", ac::SYMBOL_NAME)
                .attr("type", ac::TYPE)
                .optional_attr("sym_visibility", ac::STRING)
                .optional_attr("initial_value", ac::ANY)
                .optional_attr("constant", ac::UNIT)
                .optional_attr("alignment", ac::I64)
                .verifier(verify_global)
                .custom_syntax(parse_global, print_global),
            OpDef::new("memref.get_global")
                .summary("the buffer of a memref.global")
                .traits(&[Trait::Pure])
                .attr("name", ac::FLAT_SYMBOL_REF)
                .result("result", MEMREF)
                .format("$name attr-dict `:` type($result)"),
            OpDef::new("memref.copy")
                .summary("copies every element")
                .operand("source", MEMREF)
                .operand("target", MEMREF)
                .verifier(verify_copy)
                .format("$source `,` $target attr-dict `:` type($source) `to` type($target)"),
        ]
    }
}

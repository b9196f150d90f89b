//! What the dialects of shaped values (`memref`, `tensor`) share: sizes given for dynamic
//! dimensions, casts between sizes made static or dynamic, buffer alignments, strided
//! layouts, and reshapes by reassociation (`expand_shape`, `collapse_shape`).

use std::fmt;

use strata_ir::dialect::OpView;
use strata_ir::parser::{OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::{AttrKind, Attribute, Context, Diagnostic, NamedAttr, OpId, Type, TypeKind, DYNAMIC};

/// Whether values of shaped types `a` and `b` may be cast into each other, as upstream's
/// `areCastCompatible` for ranked types: the same element type and rank, and sizes that agree
/// where both are static.
pub(crate) fn sizes_cast_compatible(ctx: &Context, a: Type, b: Type) -> bool {
    let (Some(from), Some(to)) = (ctx.shape(a), ctx.shape(b)) else { return false };
    from.len() == to.len()
        && ctx.element_type_or_self(a) == ctx.element_type_or_self(b)
        && from.iter().zip(to).all(|(x, y)| *x == DYNAMIC || *y == DYNAMIC || x == y)
}

/// Why `sizes` operands do not fit shaped type `t`, which takes one per dynamic dimension.
pub(crate) fn dynamic_sizes_error(ctx: &Context, t: Type, sizes: usize) -> Option<String> {
    let dynamic = ctx.shape(t).map_or(0, |s| s.iter().filter(|d| **d == DYNAMIC).count());
    (sizes != dynamic).then(|| format!("incorrect number of dynamic sizes, has {sizes}, expected {dynamic}"))
}

/// Why an `alignment` attribute is not a positive power of two, if it is not.
pub(crate) fn alignment_error(align: i128) -> Option<String> {
    (align <= 0 || (align & (align - 1)) != 0).then(|| format!("alignment {align} is not a power of two"))
}

/// A memref type's strides and offset (`DYNAMIC` where unknown), when its layout is the
/// identity or strided.
pub(crate) fn strides_of(ctx: &Context, t: Type) -> Option<(Vec<i64>, i64)> {
    let TypeKind::MemRef { shape, layout, .. } = ctx.type_kind(t) else { return None };
    match layout.map(|l| ctx.attr_kind(l)) {
        None => Some((identity_strides(shape), 0)),
        Some(AttrKind::Strided { strides, offset }) => Some((strides.clone(), *offset)),
        Some(AttrKind::AffineMap(m)) => affine_strides(m),
        _ => None,
    }
}

/// The strides and offset of a layout map of one result linear in its dimensions
/// (`(d0, d1) -> (200 * d0 + 2 * d1 + 5)`), as upstream's `getStridesAndOffset`; a symbol's
/// coefficient is unknown (`DYNAMIC`).
fn affine_strides(m: &strata_ir::AffineMap) -> Option<(Vec<i64>, i64)> {
    use strata_ir::AffineExpr as E;
    /// `e` as coefficients per dimension and a constant (`DYNAMIC` where a symbol enters).
    fn linear(e: &E, dims: usize) -> Option<(Vec<i64>, i64)> {
        Some(match e {
            E::Dim(d) => {
                let mut c = vec![0; dims];
                *c.get_mut(*d as usize)? = 1;
                (c, 0)
            }
            E::Const(k) => (vec![0; dims], *k),
            E::Symbol(_) => (vec![0; dims], DYNAMIC),
            E::Add(a, b) => {
                let ((ca, ka), (cb, kb)) = (linear(a, dims)?, linear(b, dims)?);
                let add = |x: i64, y: i64| if x == DYNAMIC || y == DYNAMIC { Some(DYNAMIC) } else { x.checked_add(y) };
                (ca.iter().zip(&cb).map(|(x, y)| add(*x, *y)).collect::<Option<_>>()?, add(ka, kb)?)
            }
            E::Mul(a, b) => {
                let ((ca, ka), (cb, kb)) = (linear(a, dims)?, linear(b, dims)?);
                // One side must be a constant.
                let (c, k, by) = if cb.iter().all(|x| *x == 0) && kb != DYNAMIC {
                    (ca, ka, kb)
                } else if ca.iter().all(|x| *x == 0) && ka != DYNAMIC {
                    (cb, kb, ka)
                } else if ca.iter().chain(&cb).all(|x| *x == 0) {
                    (ca, ka, kb)
                } else {
                    return None;
                };
                let mul = |x: i64| crate::slicing::saturated_mul(x, by);
                (c.iter().map(|x| mul(*x)).collect::<Option<_>>()?, mul(k)?)
            }
            _ => return None,
        })
    }
    match m.results.as_slice() {
        [e] => linear(e, m.num_dims as usize),
        _ => None,
    }
}

/// A memref's memory space (`None` for the default one, and for other types).
pub(crate) fn memory_space(ctx: &Context, t: Type) -> Option<Attribute> {
    match ctx.type_kind(t) {
        TypeKind::MemRef { memory_space, .. } | TypeKind::UnrankedMemRef { memory_space, .. } => *memory_space,
        _ => None,
    }
}

/// The row-major strides of `shape`, `DYNAMIC` outside the innermost dynamic size.
pub(crate) fn identity_strides(shape: &[i64]) -> Vec<i64> {
    let mut strides = vec![1i64; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        let (next, size) = (strides[d + 1], shape[d + 1]);
        strides[d] = if next == DYNAMIC || size == DYNAMIC { DYNAMIC } else { next.saturating_mul(size) };
    }
    strides
}

/// `memref<shape x element, strided<strides, offset: offset>>` in `like`'s memory space.
pub(crate) fn strided_memref(ctx: &Context, like: Type, shape: Vec<i64>, strides: Vec<i64>, offset: i64) -> Type {
    let (element, memory_space) = match ctx.type_kind(like) {
        TypeKind::MemRef { element, memory_space, .. } => (*element, *memory_space),
        _ => (ctx.element_type_or_self(like), None),
    };
    let layout = Some(ctx.intern_attr(AttrKind::Strided { strides, offset }));
    ctx.intern_type(TypeKind::MemRef { shape, element, layout, memory_space })
}

/// The groups of dimensions `reassociation` names (`[[0, 1], [2]]`), checked to be
/// consecutive and to cover the `rank` dimensions of the expanded type once, in order. No
/// groups at all (`[]`) is a reshape to or from rank 0 (every expanded size must be 1).
pub fn reassociation_groups(ctx: &Context, reassociation: Attribute, rank: usize) -> Result<Vec<Vec<usize>>, String> {
    let not_lists = || "reassociation must be an array of arrays of dimensions".to_string();
    let not_contiguous = || "reassociation indices must be contiguous".to_string();
    let AttrKind::Array(groups) = ctx.attr_kind(reassociation) else { return Err(not_lists()) };
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let mut next = 0usize;
    let mut out = Vec::new();
    for g in groups {
        let AttrKind::Array(dims) = ctx.attr_kind(*g) else { return Err(not_lists()) };
        let mut group = Vec::new();
        for d in dims {
            match ctx.attr_as_int(*d) {
                Some(d) if d == next as i128 => group.push(next),
                Some(_) => return Err(not_contiguous()),
                None => return Err(not_lists()),
            }
            next += 1;
        }
        if group.is_empty() {
            return Err(not_contiguous());
        }
        out.push(group);
    }
    if next != rank {
        return Err(format!("reassociation must cover the {rank} dimensions of the expanded type, not {next}"));
    }
    Ok(out)
}

/// Checks a reshape between `collapsed` and `expanded` shapes by `reassociation` (as
/// upstream's `verifyReshapeLikeShapes`): a collapsed dimension is dynamic exactly when its
/// group has a dynamic size, and otherwise the product of the group's sizes. Returns the
/// groups.
pub(crate) fn verify_reshape(
    v: &OpView,
    collapsed: &[i64],
    expanded: &[i64],
    expanding: bool,
) -> Result<Vec<Vec<usize>>, Diagnostic> {
    let Some(reassociation) = v.attr("reassociation") else {
        return Err(v.error("requires attribute 'reassociation'"));
    };
    if collapsed.len() > expanded.len() {
        return Err(v.error(format!(
            "expected the expanded type to have at least as many dimensions as the collapsed type ({} < {})",
            expanded.len(),
            collapsed.len()
        )));
    }
    let groups = reassociation_groups(v.ctx, reassociation, expanded.len()).map_err(|m| v.error(m))?;
    if groups.len() != collapsed.len() {
        return Err(v.error(format!(
            "expected collapsed rank ({}) to equal the number of reassociation maps ({})",
            collapsed.len(),
            groups.len()
        )));
    }
    if groups.is_empty() && expanded.iter().any(|n| *n != 1) {
        return Err(v.error("a reshape to or from rank 0 needs every other dimension of size 1"));
    }
    for (c, g) in groups.iter().enumerate() {
        let sizes: Vec<i64> = g.iter().map(|d| expanded[*d]).collect();
        if sizes.contains(&DYNAMIC) != (collapsed[c] == DYNAMIC) {
            return Err(
                v.error(format!("collapsed dim ({c}) must be dynamic if and only if reassociation group is dynamic"))
            );
        }
        if collapsed[c] == DYNAMIC {
            continue;
        }
        let product = sizes.iter().try_fold(1i64, |p, n| p.checked_mul(*n));
        if product != Some(collapsed[c]) {
            let product = product.map_or("too large".to_string(), |p| p.to_string());
            return Err(v.error(if expanding {
                format!("collapsed dim size ({}) must equal reassociation group size ({product})", collapsed[c])
            } else {
                format!("expected dimension {c} of collapsed type to be static value of {product}")
            }));
        }
    }
    Ok(groups)
}

/// Checks `output_shape`: one entry per dimension of the expanded `result`, one operand per
/// dynamic entry; with `strict` (`memref.expand_shape`), each static entry the result's size.
/// `tensor.expand_shape` accepts a contradicting static entry, as upstream does; the type's
/// size is the one that counts.
pub(crate) fn verify_output_shape(v: &OpView, result: &[i64], strict: bool) -> Result<(), Diagnostic> {
    let statics = crate::slicing::int_array(v.ctx, v.ir, v.op, "static_output_shape");
    if statics.len() != result.len() {
        return Err(v.error(format!(
            "expected number of static shape dims to be equal to the output rank ({}) but found {} inputs instead",
            result.len(),
            statics.len()
        )));
    }
    let dynamic = statics.iter().filter(|s| **s == DYNAMIC).count();
    let given = v.operand_group("output_shape").len();
    if dynamic != given {
        return Err(v.error(format!(
            "mismatch in dynamic dims in output_shape and static_output_shape: static_output_shape has {dynamic} \
             dynamic dims while output_shape has {given} values"
        )));
    }
    if strict {
        if let Some(d) = statics.iter().zip(result).position(|(s, r)| s != r && *s != DYNAMIC) {
            return Err(v.error(format!("invalid output shape provided at pos {d}")));
        }
    }
    Ok(())
}

/// `src reassociation output_shape [..] attr-dict : type into type`, the custom form of
/// `memref.expand_shape` and `tensor.expand_shape`.
pub(crate) fn parse_expand_shape(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let src = p.parse_operand()?;
    let reassociation = p.parse_attribute()?;
    p.expect_keyword("output_shape")?;
    let (values, statics) = crate::slicing::parse_mixed(p)?;
    let mut attrs = vec![
        NamedAttr { name: ctx.ident("reassociation"), value: reassociation },
        NamedAttr { name: ctx.ident("static_output_shape"), value: ctx.dense_i64_array(statics) },
    ];
    let (src_type, result) = crate::syntax_util::parse_typed_tail(p, &mut attrs, "into")?;
    let mut operands = vec![p.resolve_operand(&src, src_type)?];
    crate::syntax_util::resolve_indices(p, &values, &mut operands)?;
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    pending.result_types = vec![result];
    Ok(())
}

pub(crate) fn print_expand_shape(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let o = ir.op(op);
    let (src, result) = (o.operands()[0], o.results()[0]);
    p.write(" ")?;
    p.print_value(src)?;
    p.write(" ")?;
    if let Some(r) = o.attr(ctx.ident("reassociation")) {
        p.print_attr(r)?;
    }
    p.write(" output_shape ")?;
    let statics = crate::slicing::int_array(ctx, ir, op, "static_output_shape");
    crate::slicing::print_mixed(p, &statics, &o.operands()[1..])?;
    let (first, second) = (ir.value_type(src), ir.value_type(result));
    crate::syntax_util::print_typed_tail(p, op, &["reassociation", "static_output_shape"], first, "into", second)
}

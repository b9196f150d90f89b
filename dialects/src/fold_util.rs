//! Constant values of scalar, splat, dense and `dense_resource` attributes, for folders.

use strata_ir::{AttrKind, Attribute, Context, DenseElements, DenseValue, FloatKind, FoldResult, Type, TypeKind};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Scalar {
    Int(i128),
    Float(f64),
}

impl Scalar {
    pub fn int(self) -> Option<i128> {
        match self {
            Scalar::Int(v) => Some(v),
            Scalar::Float(_) => None,
        }
    }
    pub fn float(self) -> Option<f64> {
        match self {
            Scalar::Float(v) => Some(v),
            Scalar::Int(_) => None,
        }
    }
}

/// The element values of a constant attribute (a scalar is a one-element splat).
pub(crate) struct Consts {
    pub elem: Type,
    pub values: Vec<Scalar>,
    pub splat: bool,
}

/// An element of a dense literal or blob, if it is a number.
fn scalar(v: &DenseValue) -> Option<Scalar> {
    match v {
        DenseValue::Int(i) => Some(Scalar::Int(*i)),
        DenseValue::Float(b) => Some(Scalar::Float(f64::from_bits(*b))),
        _ => None,
    }
}

pub(crate) fn decode(ctx: &Context, a: Attribute) -> Option<Consts> {
    let one = scalar;
    match ctx.attr_kind(a) {
        AttrKind::Integer { value, ty } => Some(Consts { elem: *ty, values: vec![Scalar::Int(*value)], splat: true }),
        AttrKind::Float { bits, ty } => {
            Some(Consts { elem: *ty, values: vec![Scalar::Float(f64::from_bits(*bits))], splat: true })
        }
        AttrKind::DenseElements { ty, elements } => {
            let elem = ctx.element_type(*ty)?;
            match elements {
                DenseElements::Splat(v) => Some(Consts { elem, values: vec![one(v)?], splat: true }),
                _ => {
                    let values = ctx.dense_values(*ty, elements)?.iter().map(one).collect::<Option<_>>()?;
                    Some(Consts { elem, values, splat: false })
                }
            }
        }
        // A blob's elements, decoded as a literal's would be; a missing or ill-sized blob
        // does not fold.
        AttrKind::DenseResource { ty, .. } => {
            let elem = ctx.element_type(*ty)?;
            let values = ctx.resource_elements(a).ok()?.map(|d| scalar(&d)).collect::<Option<_>>()?;
            Some(Consts { elem, values, splat: false })
        }
        _ => None,
    }
}

/// A constant of type `ty` (scalar, or shaped splat/dense) from element values.
pub(crate) fn encode(ctx: &Context, ty: Type, values: Vec<Scalar>, splat: bool) -> Option<Attribute> {
    let elem = ctx.element_type_or_self(ty);
    let scalar = |s: Scalar| match (s, ctx.type_kind(elem)) {
        (Scalar::Int(v), TypeKind::Integer { .. } | TypeKind::Index) => Some(ctx.integer_attr(v, elem)),
        // Folds compute in f64: an f80 or f128 result would be rounded to 53 bits, not its own
        // 64 or 113 (1.0 + 2^-60 is not 1.0 in f80), so such results are left unfolded.
        (Scalar::Float(_), TypeKind::Float(FloatKind::F80 | FloatKind::F128)) => None,
        (Scalar::Float(v), TypeKind::Float(_)) => Some(ctx.float_attr(v, elem)),
        _ => None,
    };
    if ctx.element_type(ty).is_none() {
        return scalar(*values.first()?);
    }
    if matches!(
        ctx.type_kind(ty),
        TypeKind::MemRef { .. } | TypeKind::UnrankedMemRef { .. } | TypeKind::UnrankedTensor { .. }
    ) {
        return None;
    }
    if ctx.shape(ty)?.contains(&strata_ir::DYNAMIC) {
        return None;
    }
    let dense = |s: Scalar| -> Option<DenseValue> {
        let a = scalar(s)?;
        Some(match ctx.attr_kind(a) {
            AttrKind::Integer { value, .. } => DenseValue::Int(*value),
            AttrKind::Float { bits, .. } => DenseValue::Float(*bits),
            _ => return None,
        })
    };
    let elements = if splat {
        DenseElements::Splat(dense(values[0])?)
    } else {
        DenseElements::Values(values.into_iter().map(dense).collect::<Option<_>>()?)
    };
    Some(ctx.intern_attr(AttrKind::DenseElements { ty, elements }))
}

/// Bit width of an integer-like element type (`index` counts as 64).
pub(crate) fn int_width(ctx: &Context, elem: Type) -> u32 {
    match ctx.type_kind(elem) {
        TypeKind::Integer { width, .. } => *width,
        _ => 64,
    }
}

/// Element-wise fold of one constant operand.
pub(crate) fn map1(
    ctx: &Context,
    a: Attribute,
    result_ty: Type,
    f: impl Fn(Scalar, &Consts) -> Option<Scalar>,
) -> Option<Vec<FoldResult>> {
    let c = decode(ctx, a)?;
    let values = c.values.iter().map(|v| f(*v, &c)).collect::<Option<Vec<_>>>()?;
    encode(ctx, result_ty, values, c.splat).map(|a| vec![FoldResult::Attr(a)])
}

/// Element-wise fold of two constant operands of the same shape.
pub(crate) fn map2(
    ctx: &Context,
    a: Attribute,
    b: Attribute,
    result_ty: Type,
    f: impl Fn(Scalar, Scalar, &Consts) -> Option<Scalar>,
) -> Option<Vec<FoldResult>> {
    let (x, y) = (decode(ctx, a)?, decode(ctx, b)?);
    let n = x.values.len().max(y.values.len());
    let get = |c: &Consts, i: usize| if c.splat { c.values[0] } else { c.values[i] };
    if (!x.splat && x.values.len() != n) || (!y.splat && y.values.len() != n) {
        return None;
    }
    let values = (0..n).map(|i| f(get(&x, i), get(&y, i), &x)).collect::<Option<Vec<_>>>()?;
    encode(ctx, result_ty, values, x.splat && y.splat).map(|a| vec![FoldResult::Attr(a)])
}

/// Whether `a` is a constant whose every element is the integer `v` (or float `v`).
pub(crate) fn is_splat_of(ctx: &Context, a: Option<Attribute>, v: f64) -> bool {
    let Some(a) = a else { return false };
    let is_v = |s: Scalar| match s {
        Scalar::Int(i) => i as f64 == v,
        Scalar::Float(f) => f == v && (v != 0.0 || f.is_sign_negative() == v.is_sign_negative()),
    };
    if let AttrKind::DenseResource { .. } = ctx.attr_kind(a) {
        // Element by element: random weights answer at the first, with no blob decoded whole.
        return ctx.resource_elements(a).is_ok_and(|mut it| it.all(|d| scalar(&d).is_some_and(is_v)));
    }
    let Some(c) = decode(ctx, a) else { return false };
    c.values.iter().all(|s| is_v(*s))
}

//! Checks shared by the dialects of shaped values (`memref`, `tensor`): sizes given for
//! dynamic dimensions, casts between sizes made static or dynamic, buffer alignments.

use strata_ir::{Context, Type, DYNAMIC};

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

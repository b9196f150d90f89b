//! How a constant is written into the IR: a splat or a handful of values as a readable
//! `dense<...>`, anything larger as a `dense_resource` blob holding the bytes as they came.

use strata_ir::{Attribute, Context, Type};

use crate::constant::Constant;

/// Constants of at most this many elements are written as `dense<...>` literals (shapes,
/// axes, scalars), where a reader wants to see the values.
const LITERAL_ELEMENTS: usize = 16;

/// The `value` attribute of the `nn.constant` holding `c`, of type `ty`.
pub fn attr(ctx: &Context, c: &Constant, ty: Type) -> Attribute {
    if c.len() <= LITERAL_ELEMENTS || c.is_splat() {
        return strata_runtime::fold::dense_attr(ctx, c.tensor(), ty);
    }
    // The bytes are the element type's little-endian encoding, which is a blob's layout.
    ctx.dense_resource_attr(&key(&c.name), ty, c.bytes.clone())
        .unwrap_or_else(|_| strata_runtime::fold::dense_attr(ctx, c.tensor(), ty))
}

/// A resource key from an initializer's name: MLIR's bare keys are letters, digits and
/// `_ . $ -`; anything else becomes `_` (the store makes keys unique).
fn key(name: &str) -> String {
    let k: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "_.$-".contains(c) { c } else { '_' }).collect();
    let k = k.trim_start_matches('_');
    if k.is_empty() {
        "constant".into()
    } else {
        k.to_string()
    }
}

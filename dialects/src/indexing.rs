//! What ops that address one element of a shaped value (`memref.load`, `tensor.extract`,
//! `vector.load`, …) share: one index per dimension, and the element type they read.

use strata_ir::dialect::{InferInput, OpView};
use strata_ir::{Context, Diagnostic, Type};

/// The operands after `container` are exactly one index per dimension of it; `kind` names it
/// in the message ("memref", "tensor").
pub(crate) fn verify_indices(v: &OpView, container: usize, kind: &str) -> Result<(), Diagnostic> {
    let rank = v.ctx.shape(v.operand_type(container)).map_or(0, |s| s.len());
    let indices = v.operands().len() - container - 1;
    if indices != rank {
        return Err(v.error(format!("needs {rank} indices for a rank-{rank} {kind}, not {indices}")));
    }
    Ok(())
}

/// The element type of operand #0, which must be a shaped type of `kind` (`check`).
pub(crate) fn infer_element(
    ctx: &Context,
    i: &InferInput,
    kind: &str,
    check: fn(&Context, Type) -> bool,
) -> Result<Vec<Type>, String> {
    match i.operand_types.first() {
        Some(t) if check(ctx, *t) => Ok(vec![ctx.element_type_or_self(*t)]),
        _ => Err(format!("operand #0 must be a {kind}")),
    }
}

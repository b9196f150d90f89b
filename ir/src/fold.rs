//! Running an op's folder: operand constants come from constant-like defining ops.

use crate::attributes::Attribute;
use crate::dialect::{FoldResult, OpView, Trait};
use crate::entities::{OpId, ValueDef};
use crate::store::Ir;
use crate::Context;

/// For each operand of `op`, the value of its defining op if that op is constant-like
/// (its `value` attribute).
pub fn constant_operands(ctx: &Context, ir: &Ir, op: OpId) -> Vec<Option<Attribute>> {
    let value = ctx.ident("value");
    ir.op(op)
        .operands()
        .iter()
        .map(|v| match ir.value(*v).def() {
            ValueDef::Result { op: d, .. }
                if ctx.op_def(ir.op(d).name()).is_some_and(|def| def.has_trait(Trait::ConstantLike)) =>
            {
                ir.op(d).attr(value)
            }
            _ => None,
        })
        .collect()
}

/// Folds `op` if its definition has a folder and the folder succeeds.
///
/// ```
/// # use strata_ir::*;
/// # let ctx = Context::new();
/// # let m = parse_source(&ctx, "t", "\"x.y\"() : () -> ()", &ParseOptions { allow_unregistered: true, ..Default::default() }).unwrap();
/// let op = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap();
/// assert!(fold::try_fold(&ctx, &m.ir, op).is_none()); // unregistered ops have no folder
/// ```
pub fn try_fold(ctx: &Context, ir: &Ir, op: OpId) -> Option<Vec<FoldResult>> {
    let def = ctx.op_def(ir.op(op).name())?;
    let fold = def.fold?;
    let constants = constant_operands(ctx, ir, op);
    fold(&OpView { ctx, ir, op, def }, &constants)
}

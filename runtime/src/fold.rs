//! Constant folding with the interpreter: an `nn` or `kernel` op whose operands are all
//! `nn.constant`s becomes an `nn.constant` holding its result.

use strata_ir::{AttrKind, BlockId, Builder, Context, DenseElements, DenseValue, InsertPoint, Ir, OpId, ValueDef};

use crate::interp::{dense, eval_op};
use crate::tensor::{Elem, Tensor};

/// The `dense<...>` attribute of `t` (a splat when all elements are equal).
pub fn dense_attr(ctx: &Context, t: &Tensor, ty: strata_ir::Type) -> strata_ir::Attribute {
    let value = |v: f64| match t.elem {
        Elem::Int(_) => DenseValue::Int(v as i128),
        _ => DenseValue::Float(v.to_bits()),
    };
    let elements = match t.data.first() {
        Some(first) if t.data.iter().all(|v| v.to_bits() == first.to_bits()) => DenseElements::Splat(value(*first)),
        _ => DenseElements::Values(t.data.iter().map(|v| value(*v)).collect()),
    };
    ctx.intern_attr(AttrKind::DenseElements { ty, elements })
}

fn is_constant(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    ctx.ident_str(ir.op(op).name()) == "nn.constant"
}

/// Folds every foldable op of `block`, in order; returns how many it folded. Constants left
/// without uses are erased.
pub fn fold_constants(ctx: &Context, ir: &mut Ir, block: BlockId) -> usize {
    let mut folded = 0;
    let ops: Vec<OpId> = ir.block_ops(block).collect();
    for op in ops {
        let name = ctx.ident_str(ir.op(op).name());
        if !(name.starts_with("nn.") || name.starts_with("kernel.")) || name == "nn.constant" || ir.op(op).results().len() != 1 {
            continue;
        }
        let producers: Option<Vec<OpId>> = ir
            .op(op)
            .operands()
            .iter()
            .map(|v| match ir.value(*v).def() {
                ValueDef::Result { op, .. } => Some(op),
                _ => None,
            })
            .collect();
        let Some(producers) = producers else { continue };
        if producers.is_empty() || !producers.iter().all(|p| is_constant(ctx, ir, *p)) {
            continue;
        }
        let values: Option<Vec<Tensor>> = producers
            .iter()
            .map(|p| ir.op(*p).attr(ctx.ident("value")).and_then(|a| dense(ctx, a)))
            .collect();
        let Some(values) = values else { continue };
        let refs: Vec<&Tensor> = values.iter().collect();
        let Ok(mut result) = eval_op(ctx, ir, op, &refs) else { continue };
        let ty = ir.value_type(ir.op(op).result(0));
        let attr = dense_attr(ctx, &result.remove(0), ty);
        let mut b = Builder::new(ctx, ir, InsertPoint::Before(op));
        let c = b.value("nn.constant", &[], ty, &[("value", attr)]);
        let old = ir.op(op).result(0);
        ir.replace_all_uses(old, c);
        ir.erase_op(op);
        folded += 1;
        for p in producers {
            if ir.contains_op(p) && ir.op(p).results().iter().all(|r| ir.value(*r).uses().is_empty()) {
                ir.erase_op(p);
            }
        }
    }
    folded
}

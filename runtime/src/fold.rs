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
        if !(name.starts_with("nn.") || name.starts_with("kernel."))
            || name == "nn.constant"
            || ir.op(op).results().len() != 1
        {
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
        if let Some(value) = splat_result(ctx, ir, op, &producers) {
            let ty = ir.value_type(ir.op(op).result(0));
            let elem = Elem::parse(&ctx.type_to_string(ctx.element_type_or_self(ty))).unwrap_or(Elem::F32);
            let one = Tensor { shape: vec![1], elem, data: vec![elem.round(value)] };
            replace(ctx, ir, op, &one, ty, &producers);
            folded += 1;
            continue;
        }
        let values: Option<Vec<Tensor>> =
            producers.iter().map(|p| ir.op(*p).attr(ctx.ident("value")).and_then(|a| dense(ctx, a))).collect();
        let Some(values) = values else { continue };
        let refs: Vec<&Tensor> = values.iter().collect();
        let Ok(mut result) = eval_op(ctx, ir, op, &refs) else { continue };
        let ty = ir.value_type(ir.op(op).result(0));
        replace(ctx, ir, op, &result.remove(0), ty, &producers);
        folded += 1;
    }
    folded
}

/// Replaces `op` by a constant holding `value`, and erases producers left unused.
fn replace(ctx: &Context, ir: &mut Ir, op: OpId, value: &Tensor, ty: strata_ir::Type, producers: &[OpId]) {
    let attr = dense_attr(ctx, value, ty);
    let mut b = Builder::new(ctx, ir, InsertPoint::Before(op));
    let c = b.value("nn.constant", &[], ty, &[("value", attr)]);
    let old = ir.op(op).result(0);
    ir.replace_all_uses(old, c);
    ir.erase_op(op);
    for p in producers {
        if ir.contains_op(*p) && ir.op(*p).results().iter().all(|r| ir.value(*r).uses().is_empty()) {
            ir.erase_op(*p);
        }
    }
}

/// The single value of an elementwise op, reshape or relayout whose operands are all splat
/// constants (computed once instead of per element, which matters for large weights).
fn splat_result(ctx: &Context, ir: &Ir, op: OpId, producers: &[OpId]) -> Option<f64> {
    let values: Vec<f64> = producers
        .iter()
        .map(|p| {
            let a = ir.op(*p).attr(ctx.ident("value"))?;
            match ctx.attr_kind(a) {
                AttrKind::DenseElements { elements: DenseElements::Splat(DenseValue::Float(bits)), .. } => {
                    Some(f64::from_bits(*bits))
                }
                AttrKind::DenseElements { elements: DenseElements::Splat(DenseValue::Int(i)), .. } => Some(*i as f64),
                _ => None,
            }
        })
        .collect::<Option<_>>()?;
    let name = ctx.ident_str(ir.op(op).name());
    let float = |n: &str, d: f64| ir.op(op).attr(ctx.ident(n)).and_then(|a| ctx.attr_as_f64(a)).unwrap_or(d);
    if let Some(f) = crate::nn::binary(name) {
        return Some(f(values[0], values[1]));
    }
    let params = if name == "nn.clip" { [float("min", 0.0), float("max", 6.0)] } else { [float("alpha", 0.01), 0.0] };
    if let Some(f) = crate::nn::unary(name, &params) {
        return Some(f(values[0]));
    }
    match name {
        "nn.reshape" | "nn.transpose" | "nn.relayout" => Some(values[0]),
        "kernel.elementwise" => {
            let region = *ir.op(op).regions().first()?;
            let block = *ir.region(region).blocks().first()?;
            let program = crate::scalar::Program::compile(ctx, ir, block, op).ok()?;
            Some(program.run(&values, &mut Vec::new()))
        }
        _ => None,
    }
}

//! Constant folding with the interpreter: an `nn` or `kernel` op whose operands are all
//! `nn.constant`s becomes an `nn.constant` holding its result. Results of more than a handful
//! of distinct values (batch norm folded into convolution weights) are written as blobs
//! ([`constant_attr`]), so a folded model stays as compact as the weights it came from.

use strata_ir::{AttrKind, BlockId, Builder, Context, DenseElements, DenseValue, InsertPoint, Ir, OpId, ValueDef};

use crate::interp::{dense, eval_op};
use crate::scalar::{apply, Types};
use crate::tensor::{Elem, Scalar, Tensor};

/// Constants of at most this many elements are written as `dense<...>` literals, where a
/// reader wants to see the values (shapes, per-channel scales of a small test).
pub const LITERAL_ELEMENTS: usize = 16;

/// The attribute holding `t` as a value of type `ty`: a splat `dense<x>` when all elements
/// are equal, `dense<[...]>` for up to [`LITERAL_ELEMENTS`] elements, and otherwise a
/// `dense_resource` blob named from `name_hint` (unique in the context).
pub fn constant_attr(ctx: &Context, t: &Tensor, ty: strata_ir::Type, name_hint: &str) -> strata_ir::Attribute {
    // Bit for bit, as `dense_attr` decides what is a splat.
    let exact = |a: Scalar, b: Scalar| match (a, b) {
        (Scalar::Float(x), Scalar::Float(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    };
    let splat = t.scalars().next().is_some_and(|first| t.scalars().all(|v| exact(v, first)));
    if splat || t.len() <= LITERAL_ELEMENTS {
        return dense_attr(ctx, t, ty);
    }
    // `Elem::write`'s encoding (little-endian, `i1` a byte of 0 or 1) is a blob's.
    match ctx.dense_resource_attr(name_hint, ty, t.to_bytes()) {
        Ok(attr) => attr,
        // `ty` is not a static tensor of `t`'s elements (a caller's mismatch): the literal
        // states the values all the same, and the verifier names the mismatch.
        Err(_) => dense_attr(ctx, t, ty),
    }
}

/// The `dense<...>` attribute of `t` (a splat when all elements are equal).
pub fn dense_attr(ctx: &Context, t: &Tensor, ty: strata_ir::Type) -> strata_ir::Attribute {
    let value = |v: Scalar| match v {
        Scalar::Int(i) => DenseValue::Int(i as i128),
        Scalar::Float(x) => DenseValue::Float(x.to_bits()),
    };
    let elements = match t.scalars().next() {
        Some(first) if t.scalars().all(|v| value(v) == value(first)) => DenseElements::Splat(value(first)),
        _ => DenseElements::Values(t.scalars().map(value).collect()),
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
            let elem = crate::scalar::elem_of_type(ctx, ty).unwrap_or(Elem::F32);
            let one = Tensor::from_scalars(&[1], elem, [value]);
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
    let attr = constant_attr(ctx, value, ty, "folded");
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
/// constants (computed once instead of per element, which matters for large weights); `None`
/// when it is not such an op or has no defined value (then the op is left for run time).
fn splat_result(ctx: &Context, ir: &Ir, op: OpId, producers: &[OpId]) -> Option<Scalar> {
    let values: Vec<Scalar> = producers
        .iter()
        .map(|p| {
            let a = ir.op(*p).attr(ctx.ident("value"))?;
            let AttrKind::DenseElements { ty, elements: DenseElements::Splat(v) } = ctx.attr_kind(a) else {
                return None;
            };
            let elem = crate::scalar::elem_of_type(ctx, *ty)?;
            match v {
                DenseValue::Float(bits) => Some(elem.from_f64(f64::from_bits(*bits))),
                DenseValue::Int(i) => Some(elem.from_int(*i)),
                _ => None,
            }
        })
        .collect::<Option<_>>()?;
    let name = ctx.ident_str(ir.op(op).name());
    let elem = crate::scalar::elem_of_type(ctx, ir.value_type(ir.op(op).result(0)))?;
    let float = |n: &str, d: f64| ir.op(op).attr(ctx.ident(n)).and_then(|a| ctx.attr_as_f64(a)).unwrap_or(d);
    if let Some(f) = crate::nn::binary(name, elem) {
        let operand = crate::scalar::elem_of_type(ctx, ir.value_type(ir.op(op).operand(0)))?;
        return apply(f, Types { result: elem, operand }, &values).ok();
    }
    let params = if name == "nn.clip" { [float("min", 0.0), float("max", 6.0)] } else { [float("alpha", 0.01), 0.0] };
    if let Some(f) = crate::nn::unary(name, &params) {
        return Some(Scalar::Float(elem.round(f(values[0].as_f64()))));
    }
    match name {
        "nn.reshape" | "nn.transpose" | "nn.relayout" => Some(values[0]),
        "kernel.elementwise" => {
            let region = *ir.op(op).regions().first()?;
            let block = *ir.region(region).blocks().first()?;
            let program = crate::scalar::Program::compile(ctx, ir, block, op).ok()?;
            program.run(&values, &mut Vec::new()).ok()
        }
        _ => None,
    }
}

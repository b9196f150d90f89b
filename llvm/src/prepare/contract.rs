//! `arith.addf` of a single-use `arith.mulf` becomes `math.fma`, exactly where the Cranelift
//! backend fuses them (`strata_lowering::fusable_mul`; halves, which round after each op, are
//! left alone): both backends then round the same way, and LLVM, which fuses only under
//! `fastmath<contract>`, gets the fused multiply-adds our kernels are written for (a GEMM's
//! accumulation, polynomial steps).

use strata_ir::{Builder, Context, Ir, OpId, ValueDef};
use strata_runtime::tensor::Elem;

/// Fuses every such pair under `root`; returns how many.
pub fn fuse_multiply_add(ctx: &Context, ir: &mut Ir, root: OpId) -> usize {
    let mut fused = 0;
    for op in ir.collect_ops(root) {
        if !ir.contains_op(op) || ctx.ident_str(ir.op(op).name()) != "arith.addf" {
            continue;
        }
        let t = ir.value_type(ir.op(op).result(0));
        let half = matches!(strata_lowering::codegen::abi::elem_of(ctx, t), Some(Elem::F16 | Elem::BF16));
        let operands = ir.op(op).operands().to_vec();
        let Some(((a, b), addend)) = strata_lowering::fusable_mul(ctx, ir, &operands).filter(|_| !half) else {
            continue;
        };
        let ValueDef::Result { op: mul, .. } =
            ir.value(if operands[0] == addend { operands[1] } else { operands[0] }).def()
        else {
            continue;
        };
        let loc = ir.op(op).loc();
        let fma = Builder::before(ctx, ir, op)
            .insert(strata_ir::OpState::new(ctx, "math.fma", loc).operands(&[a, b, addend]).results(&[t]));
        let r = ir.op(fma).result(0);
        ir.replace_all_uses(ir.op(op).result(0), r);
        ir.erase_op(op);
        ir.erase_op(mul);
        fused += 1;
    }
    fused
}

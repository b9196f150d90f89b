//! `arith.addf` of a single-use `arith.mulf` becomes `math.fma`, as the Cranelift backend fuses
//! them (`strata_lowering::codegen`): both backends then round the same way, and LLVM, which
//! fuses only under `fastmath<contract>`, gets the fused multiply-adds our kernels are written
//! for (a GEMM's accumulation, polynomial steps).

use strata_ir::{Builder, Context, Ir, OpId, ValueDef};

/// Fuses every such pair under `root`; returns how many.
pub fn fuse_multiply_add(ctx: &Context, ir: &mut Ir, root: OpId) -> usize {
    let mut fused = 0;
    for op in ir.collect_ops(root) {
        if !ir.contains_op(op) || ctx.ident_str(ir.op(op).name()) != "arith.addf" {
            continue;
        }
        let operands = ir.op(op).operands().to_vec();
        let product = operands.iter().enumerate().find_map(|(i, v)| match ir.value(*v).def() {
            ValueDef::Result { op: m, .. }
                if ctx.ident_str(ir.op(m).name()) == "arith.mulf"
                    && ir.value(*v).uses().len() == 1
                    && ir.op(m).parent_block() == ir.op(op).parent_block() =>
            {
                Some((i, m))
            }
            _ => None,
        });
        let Some((i, mul)) = product else { continue };
        let (a, b) = (ir.op(mul).operands()[0], ir.op(mul).operands()[1]);
        let addend = operands[1 - i];
        let t = ir.value_type(ir.op(op).result(0));
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

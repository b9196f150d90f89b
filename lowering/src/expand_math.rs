//! `expand-math{fma=true}`: `math.exp`, `math.log`, `math.tanh`, `math.erf` and `math.powf` on
//! `f32` and on vectors of `f32` (any shape) written as `arith` ops, `math.fma` and
//! `math.absf`, so that a backend on upstream MLIR and LLVM keeps them in vector registers:
//! upstream would call the C library (`convert-math-to-libm`), lane by lane. What remains of
//! `math` (`fma`, `absf`, and `sqrt`/`rsqrt` from other ops) becomes LLVM intrinsics through
//! `convert-math-to-llvm`, which must run before any `convert-math-to-libm`: that one makes
//! C calls of `fma` and `absf` too (`fmaf`, `fabsf`).
//!
//! exp, log, tanh and erf are the Cranelift code generator's algorithms, constants and range
//! reductions (`crate::codegen::math`, which states their errors), op for op (`f32.rs`): both
//! backends compute the same bits wherever they agree on fused multiply-adds. With
//! `fma=false` each a·b + c is `mulf` then `addf`, as the code generator does on a target
//! without FMA. powf, a C library call in the code generator, is computed in `f64` and rounded
//! once (`pow.rs`: ≤ 1 ulp, the C library's special cases).
//!
//! Only `f32` is expanded: `f64` ops (nothing in our models computes in `f64`; a polynomial of
//! `f64` accuracy is other work) and `f16`/`bf16` ops (which would be computed through `f32`)
//! are left as they are. Every op written has the location of the op it replaces. Run it after
//! `vectorize`, which keeps loops with shifts and bitcasts scalar.

mod emit;
mod f32;
mod pow;

use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo};
use strata_ir::{Builder, Context, Diagnostic, InsertPoint, Ir, OpId, TypeKind};

use emit::Emit;

pub fn info() -> PassInfo {
    PassInfo::new("expand-math", "ExpandMath", "Write f32 math functions as arith polynomials", |o, _| {
        Ok(Box::new(ExpandMath { fma: o.bool("fma") }))
    })
    .anchor("func.func")
    .option(OptionSpec::bool(
        "fma",
        true,
        "Fuse the polynomials' multiply-adds into math.fma (off: mulf then addf, for targets without FMA)",
    ))
    .statistic("expanded", "math ops written as arith ops")
}

struct ExpandMath {
    fma: bool,
}

/// Whether `op` is a `math` function this pass writes out: on `f32` or vectors of `f32`.
fn expandable(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    let o = ir.op(op);
    let name = ctx.ident_str(o.name());
    if !matches!(name, "math.exp" | "math.log" | "math.tanh" | "math.erf" | "math.powf") || o.results().len() != 1 {
        return false;
    }
    let ty = ir.value_type(o.result(0));
    let elem = match ctx.type_kind(ty) {
        TypeKind::Vector { element, .. } => *element,
        _ => ty,
    };
    elem == ctx.f32_type()
}

impl Pass for ExpandMath {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let ctx = cx.ctx;
        let ops: Vec<OpId> = cx.ir.collect_ops(cx.op).into_iter().filter(|op| expandable(ctx, cx.ir, *op)).collect();
        for &op in &ops {
            let (name, operands, ty, loc) = {
                let o = cx.ir.op(op);
                (ctx.ident_str(o.name()), o.operands().to_vec(), cx.ir.value_type(o.result(0)), o.loc())
            };
            let mut b = Builder::new(ctx, cx.ir, InsertPoint::Before(op));
            b.loc = loc;
            let mut e = Emit::new(b, ty, self.fma);
            let x = operands[0];
            let r = match name {
                "math.exp" => f32::exp(&mut e, x),
                "math.log" => f32::log(&mut e, x),
                "math.tanh" => f32::tanh(&mut e, x),
                "math.erf" => f32::erf(&mut e, x),
                _ => pow::powf(&mut e, x, operands[1]),
            };
            cx.ir.replace_op(op, &[r]);
        }
        cx.add_stat("expanded", ops.len() as u64);
        Ok(())
    }
}

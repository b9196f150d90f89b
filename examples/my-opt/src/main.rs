//! `my-opt`: strata-opt plus a `toy` dialect and a `toy-to-arith` pass, in one file.
//!
//! ```text
//! my-opt input.mlir --toy-to-arith --canonicalize
//! ```

use std::sync::Arc;

use strata_ir::dialect::{constraints as tc, Dialect, OpDef, Trait};
use strata_ir::pass::{Pass, PassContext, PassInfo};
use strata_ir::rewrite::{
    apply_full_conversion, ConversionPattern, ConversionRewriter, ConversionTarget, TypeConverter,
};
use strata_ir::{Diagnostic, OpId, Value};

/// `toy.double %x : i32` is `2 * x`.
struct Toy;

impl Dialect for Toy {
    fn name(&self) -> &'static str {
        "toy"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![OpDef::new("toy.double")
            .summary("twice its operand")
            .traits(&[Trait::Pure, Trait::SameOperandsAndResultType])
            .operand("input", tc::SIGNLESS_INTEGER)
            .result("output", tc::SIGNLESS_INTEGER)
            .format("$input attr-dict `:` type($output)")]
    }
}

/// `toy.double %x` becomes `arith.addi %x, %x`.
struct DoubleToAdd;

impl ConversionPattern for DoubleToAdd {
    fn root(&self) -> Option<&str> {
        Some("toy.double")
    }
    fn match_and_rewrite(&self, op: OpId, operands: &[Value], rw: &mut ConversionRewriter<'_, '_>) -> bool {
        let ty = rw.ir().value_type(rw.ir().op(op).result(0));
        let sum = rw.op("arith.addi", &[operands[0], operands[0]], &[ty], &[]);
        let v = rw.ir().op(sum).result(0);
        rw.replace_op(op, &[v]);
        true
    }
}

struct ToyToArith;

impl Pass for ToyToArith {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let mut target = ConversionTarget::new();
        target.add_illegal_dialect("toy");
        target.add_legal_dialect("arith").add_legal_dialect("func").add_legal_dialect("builtin");
        let patterns: Vec<Arc<dyn ConversionPattern>> = vec![Arc::new(DoubleToAdd)];
        apply_full_conversion(cx.ctx, cx.ir, cx.op, &target, &patterns, &TypeConverter::new())
    }
}

fn main() -> std::process::ExitCode {
    strata_tools::opt::run(std::env::args_os(), |ctx, passes| {
        strata_dialects::register_all(ctx);
        strata_passes::register_all(passes);
        ctx.register_dialect(Toy).expect("toy dialect is well formed");
        passes
            .register(
                PassInfo::new("toy-to-arith", "ToyToArith", "Lower toy ops to arith", |_, _| Ok(Box::new(ToyToArith)))
                    .anchor("func.func"),
            )
            .expect("pass name is free");
    })
}

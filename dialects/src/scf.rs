//! `scf`: structured control flow — counted loops (with loop-carried values), parallel loop
//! nests and conditionals. Generic form for now:
//!
//! ```text
//! %sum = "scf.for"(%lb, %ub, %step, %init) ({
//! ^bb0(%i: index, %acc: f32):
//!   ...
//!   "scf.yield"(%next) : (f32) -> ()
//! }) : (index, index, index, f32) -> f32
//! "scf.parallel"(%lb0, %lb1, %ub0, %ub1, %s0, %s1) <{operandSegmentSizes = array<i32: 2, 2, 2>}> ({
//! ^bb0(%i: index, %j: index):
//!   ...
//!   "scf.yield"() : () -> ()
//! }) : (index, index, index, index, index, index) -> ()
//! ```

use strata_ir::dialect::{constraints as tc, Dialect, OpDef, OpView, Trait};
use strata_ir::{Diagnostic, Type};

pub struct Scf;

/// The single block of region `r` takes `args` and ends in `scf.yield` of `yields`.
fn verify_region(v: &OpView, r: usize, args: &[Type], yields: &[Type]) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let region = ir.op(v.op).regions()[r];
    let [block] = ir.region(region).blocks() else {
        return Err(v.error("a region must have exactly one block"));
    };
    let got: Vec<Type> = ir.block(*block).args().iter().map(|a| ir.value_type(*a)).collect();
    let show = |ts: &[Type]| ts.iter().map(|t| ctx.type_to_string(*t)).collect::<Vec<_>>().join(", ");
    if got != args {
        return Err(v.error(format!("the body must take ({}), not ({})", show(args), show(&got))));
    }
    let term = ir.block(*block).last_op().map(|t| ir.op(t));
    match term {
        Some(t) if ctx.ident_str(t.name()) == "scf.yield" => {
            let yielded: Vec<Type> = t.operands().iter().map(|o| ir.value_type(*o)).collect();
            if yielded != yields {
                return Err(v.error(format!("the body must yield ({}), not ({})", show(yields), show(&yielded))));
            }
            Ok(())
        }
        _ => Err(v.error("the body must end with scf.yield")),
    }
}

fn verify_for(v: &OpView) -> Result<(), Diagnostic> {
    let inits: Vec<Type> = v.operand_group("initArgs").iter().map(|o| v.ir.value_type(*o)).collect();
    let results: Vec<Type> = v.results().iter().map(|r| v.ir.value_type(*r)).collect();
    if inits != results {
        return Err(v.error("the results must have the types of the initial values"));
    }
    let mut args = vec![v.ctx.index_type()];
    args.extend(&inits);
    verify_region(v, 0, &args, &inits)
}

fn verify_parallel(v: &OpView) -> Result<(), Diagnostic> {
    let n = v.operand_group("lowerBound").len();
    if v.operand_group("upperBound").len() != n || v.operand_group("step").len() != n || n == 0 {
        return Err(v.error("needs as many (at least one) lower bounds, upper bounds and steps"));
    }
    verify_region(v, 0, &vec![v.ctx.index_type(); n], &[])
}

fn verify_if(v: &OpView) -> Result<(), Diagnostic> {
    let results: Vec<Type> = v.results().iter().map(|r| v.ir.value_type(*r)).collect();
    verify_region(v, 0, &[], &results)?;
    let has_else = v.ir.region(v.ir.op(v.op).regions()[1]).blocks().len() == 1;
    if has_else {
        verify_region(v, 1, &[], &results)
    } else if results.is_empty() {
        Ok(())
    } else {
        Err(v.error("an scf.if with results needs an else region"))
    }
}

impl Dialect for Scf {
    fn name(&self) -> &'static str {
        "scf"
    }
    fn description(&self) -> &'static str {
        "structured control flow: loops and conditionals"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            OpDef::new("scf.for")
                .summary("a counted loop from lowerBound to upperBound by step, carrying values")
                .operand("lowerBound", tc::INDEX)
                .operand("upperBound", tc::INDEX)
                .operand("step", tc::INDEX)
                .variadic_operand("initArgs", tc::ANY)
                .variadic_result("results", tc::ANY)
                .region("region", true)
                .verifier(verify_for),
            OpDef::new("scf.parallel")
                .summary("a loop nest whose iterations are independent")
                .traits(&[Trait::AttrSizedOperandSegments])
                .variadic_operand("lowerBound", tc::INDEX)
                .variadic_operand("upperBound", tc::INDEX)
                .variadic_operand("step", tc::INDEX)
                .region("region", true)
                .verifier(verify_parallel),
            OpDef::new("scf.if")
                .summary("runs the then region or the else region")
                .operand("condition", tc::I1)
                .variadic_result("results", tc::ANY)
                .region("thenRegion", true)
                .region("elseRegion", true)
                .verifier(verify_if),
            OpDef::new("scf.yield")
                .summary("ends an scf region, passing values on")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::ReturnLike])
                .variadic_operand("results", tc::ANY)
                .format("attr-dict ($results^ `:` type($results))?"),
        ]
    }
}

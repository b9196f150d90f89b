//! `kernel`: what the graph optimizer emits. A kernel is one pass over memory: a fused
//! elementwise computation, or a convolution or matmul whose result goes through an epilogue
//! before it is stored. Bodies are scalar `arith`/`math` code in a region, so lowering copies
//! them into the innermost loop.
//!
//! ```text
//! %y = "kernel.elementwise"(%a, %b) ({
//! ^bb0(%x: f32, %z: f32):
//!   %s = arith.addf %x, %z : f32
//!   %c0 = arith.constant 0.0 : f32
//!   %r = arith.maximumf %s, %c0 : f32
//!   "kernel.yield"(%r) : (f32) -> ()
//! }) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
//! ```
//!
//! - `kernel.elementwise(inputs...)`: the body's block takes one scalar per input (inputs
//!   broadcast to the result numpy-style) and yields the result's element.
//! - `kernel.conv2d(input, weight, [bias], extras...)`: `nn.conv2d`'s attributes, plus
//!   `operandSegmentSizes`; the `epilogue` block takes the convolution's element (bias
//!   added) and one scalar per extra operand (broadcast to the result), and yields the result.
//! - `kernel.matmul(lhs, rhs, extras...)`: `nn.matmul` with an epilogue of the same form.

use strata_ir::dialect::{constraints, Dialect, OpDef, OpView, Trait};
use strata_ir::{Diagnostic, Type};

use crate::nn::{self, shape, FLOAT_TENSOR, TENSOR};

pub struct Kernel;

/// Checks that the single block of region `r` takes `args` and yields one `result` scalar.
fn verify_body(v: &OpView, what: &str, args: &[Type], result: Type) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let region = ir.op(v.op).regions()[0];
    let [block] = ir.region(region).blocks() else {
        return Err(v.error(format!("the {what} must have exactly one block")));
    };
    let got: Vec<Type> = ir.block(*block).args().iter().map(|a| ir.value_type(*a)).collect();
    if got != args {
        let show = |ts: &[Type]| ts.iter().map(|t| ctx.type_to_string(*t)).collect::<Vec<_>>().join(", ");
        return Err(v.error(format!("the {what} must take ({}), not ({})", show(args), show(&got))));
    }
    let Some(last) = ir.block(*block).last_op() else {
        return Err(v.error(format!("the {what} must end with kernel.yield")));
    };
    let term = ir.op(last);
    if ctx.ident_str(term.name()) != "kernel.yield" {
        return Err(v.error(format!("the {what} must end with kernel.yield")));
    }
    let yielded: Vec<Type> = term.operands().iter().map(|o| ir.value_type(*o)).collect();
    if yielded != [result] {
        return Err(v.error(format!("the {what} must yield one {}", ctx.type_to_string(result))));
    }
    Ok(())
}

/// Every extra operand broadcasts to `result` (numpy rules, without growing it).
fn verify_broadcasts(
    v: &OpView,
    operands: &[strata_ir::Value],
    first_index: usize,
    result: &[i64],
) -> Result<(), Diagnostic> {
    for (k, o) in operands.iter().enumerate() {
        let s = nn::shape_of(v.ctx, v.ir.value_type(*o));
        if shape::broadcast(&s, result).ok().as_deref() != Some(result) {
            return Err(v.error(format!(
                "operand #{} of shape [{}] does not broadcast to the result's [{}]",
                first_index + k,
                shape::join(&s),
                shape::join(result)
            )));
        }
    }
    Ok(())
}

fn elements(v: &OpView, values: &[strata_ir::Value]) -> Vec<Type> {
    values.iter().map(|o| v.ctx.element_type_or_self(v.ir.value_type(*o))).collect()
}

fn verify_elementwise(v: &OpView) -> Result<(), Diagnostic> {
    let result = nn::shape_of(v.ctx, v.result_type(0));
    let mut joined: Vec<i64> = Vec::new();
    for o in v.operands() {
        joined = shape::broadcast(&joined, &nn::shape_of(v.ctx, v.ir.value_type(*o))).map_err(|e| v.error(e))?;
    }
    if joined != result {
        return Err(v.error(format!(
            "the inputs broadcast to [{}], but the result is [{}]",
            shape::join(&joined),
            shape::join(&result)
        )));
    }
    let result_elem = v.ctx.element_type_or_self(v.result_type(0));
    verify_body(v, "body", &elements(v, v.operands()), result_elem)
}

fn verify_epilogue(
    v: &OpView,
    computed: Vec<i64>,
    extras: &[strata_ir::Value],
    first_extra: usize,
) -> Result<(), Diagnostic> {
    let result = nn::shape_of(v.ctx, v.result_type(0));
    if computed != result {
        return Err(v.error(format!(
            "the result is [{}], but the operands give [{}]",
            shape::join(&result),
            shape::join(&computed)
        )));
    }
    verify_broadcasts(v, extras, first_extra, &result)?;
    let elem = v.ctx.element_type_or_self(v.result_type(0));
    let mut args = vec![elem];
    args.extend(elements(v, extras));
    verify_body(v, "epilogue", &args, elem)
}

fn verify_conv(v: &OpView) -> Result<(), Diagnostic> {
    let conv = nn::conv_attrs(v.ctx, &|n| v.attr(n)).map_err(|e| v.error(e))?;
    let (input, weight, bias) = (v.operand_group("input"), v.operand_group("weight"), v.operand_group("bias"));
    let shape_of = |vals: &[strata_ir::Value]| vals.first().map(|o| nn::shape_of(v.ctx, v.ir.value_type(*o)));
    let (Some(x), Some(w)) = (shape_of(input), shape_of(weight)) else {
        return Err(v.error("needs an input and a weight"));
    };
    let b = shape_of(bias);
    let out = conv.output(&x, &w, b.as_deref()).map_err(|e| v.error(e))?;
    let extras = v.operand_group("extras");
    verify_epilogue(v, out, extras, 2 + bias.len())
}

fn verify_matmul(v: &OpView) -> Result<(), Diagnostic> {
    let [lhs, rhs, extras @ ..] = v.operands() else {
        return Err(v.error("needs a lhs and a rhs"));
    };
    let s = |o: &strata_ir::Value| nn::shape_of(v.ctx, v.ir.value_type(*o));
    let out = shape::matmul(&s(lhs), &s(rhs)).map_err(|e| v.error(e))?;
    verify_epilogue(v, out, extras, 2)
}

impl Dialect for Kernel {
    fn name(&self) -> &'static str {
        "kernel"
    }
    fn description(&self) -> &'static str {
        "fused kernels: elementwise bodies, convolutions and matmuls with epilogues"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            OpDef::new("kernel.elementwise")
                .summary("a fused elementwise kernel: the scalar body applied at every (broadcast) index")
                .traits(&[Trait::Pure, Trait::IsolatedFromAbove])
                .variadic_operand("inputs", TENSOR)
                .result("result", TENSOR)
                .region("body", true)
                .verifier(verify_elementwise),
            nn::conv_attributes(
                OpDef::new("kernel.conv2d")
                    .summary("nn.conv2d whose result goes through a scalar epilogue before it is stored")
                    .traits(&[Trait::Pure, Trait::IsolatedFromAbove, Trait::AttrSizedOperandSegments])
                    .operand("input", FLOAT_TENSOR)
                    .operand("weight", FLOAT_TENSOR)
                    .optional_operand("bias", FLOAT_TENSOR)
                    .variadic_operand("extras", TENSOR)
                    .result("result", FLOAT_TENSOR),
            )
            .region("epilogue", true)
            .verifier(verify_conv),
            OpDef::new("kernel.matmul")
                .summary("nn.matmul whose result goes through a scalar epilogue before it is stored")
                .traits(&[Trait::Pure, Trait::IsolatedFromAbove])
                .operand("lhs", TENSOR)
                .operand("rhs", TENSOR)
                .variadic_operand("extras", TENSOR)
                .result("result", TENSOR)
                .region("epilogue", true)
                .verifier(verify_matmul),
            OpDef::new("kernel.yield")
                .summary("the scalar a kernel body produces")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::ReturnLike])
                .variadic_operand("values", constraints::ANY),
        ]
    }
}

//! `tensor`: building and reading tensors element by element.
//!
//! ```text
//! %e = tensor.empty() : tensor<2x3xf32>
//! %x = tensor.extract %t[%i, %j] : tensor<2x3xf32>
//! %u = "tensor.insert"(%x, %t, %i, %j) : (f32, tensor<2x3xf32>, index, index) -> tensor<2x3xf32>
//! %f = "tensor.from_elements"(%a, %b) : (f32, f32) -> tensor<2xf32>
//! ```

use strata_ir::dialect::{constraints as tc, Dialect, InferInput, OpDef, OpView, Trait};
use strata_ir::{Context, Diagnostic, Type};

use crate::indexing::{infer_element, verify_indices};
use crate::nn::TENSOR;

pub struct Tensor;

fn infer_extract(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    infer_element(ctx, i, "ranked tensor", TENSOR.check)
}

fn verify_insert(v: &OpView) -> Result<(), Diagnostic> {
    verify_indices(v, 1, "tensor")?;
    if v.result_type(0) != v.operand_type(1) {
        return Err(v.error("the result has the destination's type"));
    }
    if v.operand_type(0) != v.ctx.element_type_or_self(v.operand_type(1)) {
        return Err(v.error("the inserted scalar has the tensor's element type"));
    }
    Ok(())
}

fn verify_from_elements(v: &OpView) -> Result<(), Diagnostic> {
    let t = v.result_type(0);
    let n: i64 = v.ctx.shape(t).map_or(0, |s| s.iter().product());
    if n != v.operands().len() as i64 {
        return Err(v.error(format!("{} elements for a tensor of {n}", v.operands().len())));
    }
    let elem = v.ctx.element_type_or_self(t);
    if v.operands().iter().any(|o| v.ir.value_type(*o) != elem) {
        return Err(v.error("every element has the tensor's element type"));
    }
    Ok(())
}

impl Dialect for Tensor {
    fn name(&self) -> &'static str {
        "tensor"
    }
    fn description(&self) -> &'static str {
        "tensors built and read element by element"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            OpDef::new("tensor.empty")
                .summary("a tensor whose elements are not yet written")
                .traits(&[Trait::Pure])
                .result("result", TENSOR)
                .format("`(` `)` attr-dict `:` type($result)"),
            OpDef::new("tensor.extract")
                .summary("one element")
                .traits(&[Trait::Pure])
                .operand("tensor", TENSOR)
                .variadic_operand("indices", tc::INDEX)
                .result("result", tc::ANY)
                .infer_types(infer_extract)
                .verifier(|v| verify_indices(v, 0, "tensor"))
                .format("$tensor `[` $indices `]` attr-dict `:` type($tensor)"),
            OpDef::new("tensor.insert")
                .summary("the tensor with one element replaced")
                .traits(&[Trait::Pure])
                .operand("scalar", tc::ANY)
                .operand("dest", TENSOR)
                .variadic_operand("indices", tc::INDEX)
                .result("result", TENSOR)
                .verifier(verify_insert),
            OpDef::new("tensor.from_elements")
                .summary("a tensor of the given elements, row-major")
                .traits(&[Trait::Pure])
                .variadic_operand("elements", tc::ANY)
                .result("result", TENSOR)
                .verifier(verify_from_elements),
        ]
    }
}

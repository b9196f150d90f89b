//! `tensor`: building and reading tensors element by element, their sizes, casts and splats,
//! in upstream MLIR's forms.
//!
//! ```text
//! %e = tensor.empty(%n) : tensor<?x3xf32>
//! %x = tensor.extract %t[%i, %j] : tensor<2x3xf32>
//! %u = tensor.insert %x into %t[%i, %j] : tensor<2x3xf32>
//! %f = tensor.from_elements %a, %b : tensor<2xf32>
//! %d = tensor.dim %t, %i : tensor<2x3xf32>
//! %c = tensor.cast %t : tensor<2x3xf32> to tensor<?x3xf32>
//! %s = tensor.splat %x[%n] : tensor<?x3xf32>
//! ```

use strata_ir::dialect::{constraints as tc, Dialect, InferInput, OpDef, OpView, Trait};
use strata_ir::{Context, Diagnostic, Type};

use crate::indexing::{infer_element, verify_indices};
use crate::nn::TENSOR;
use crate::shaped;

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

/// One size operand per dynamic dimension of the result, as upstream.
fn verify_dynamic_sizes(v: &OpView, group: &str) -> Result<(), Diagnostic> {
    match shaped::dynamic_sizes_error(v.ctx, v.result_type(0), v.operand_group(group).len()) {
        Some(e) => Err(v.error(e)),
        None => Ok(()),
    }
}

/// As upstream: the same element type and rank, sizes that agree where both are static.
fn verify_cast(v: &OpView) -> Result<(), Diagnostic> {
    let (a, b) = (v.operand_type(0), v.result_type(0));
    if !shaped::sizes_cast_compatible(v.ctx, a, b) {
        return Err(v.error(format!(
            "operand type '{}' and result type '{}' are cast incompatible",
            v.ctx.type_to_string(a),
            v.ctx.type_to_string(b)
        )));
    }
    Ok(())
}

fn verify_splat(v: &OpView) -> Result<(), Diagnostic> {
    if v.operand_type(0) != v.ctx.element_type_or_self(v.result_type(0)) {
        return Err(v.error("failed to verify that operand type matches element type of result"));
    }
    verify_dynamic_sizes(v, "dynamicSizes")
}

fn index_result(ctx: &Context, _: &InferInput) -> Result<Vec<Type>, String> {
    Ok(vec![ctx.index_type()])
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
                .variadic_operand("dynamicSizes", tc::INDEX)
                .result("result", TENSOR)
                .verifier(|v| verify_dynamic_sizes(v, "dynamicSizes"))
                .format("`(` $dynamicSizes `)` attr-dict `:` type($result)"),
            OpDef::new("tensor.extract")
                .summary("one element")
                .traits(&[Trait::Pure])
                .operand("tensor", TENSOR)
                .variadic_operand("indices", tc::INDEX)
                .result("result", tc::ANY)
                .infer_types(infer_extract)
                .result_name(|_, _, _| Some("extracted".to_string()))
                .verifier(|v| verify_indices(v, 0, "tensor"))
                .format("$tensor `[` $indices `]` attr-dict `:` type($tensor)"),
            OpDef::new("tensor.insert")
                .summary("the tensor with one element replaced")
                .traits(&[Trait::Pure])
                .operand("scalar", tc::ANY)
                .operand("dest", TENSOR)
                .variadic_operand("indices", tc::INDEX)
                .result("result", TENSOR)
                .all_types_match(&["dest", "result"])
                .result_name(|_, _, _| Some("inserted".to_string()))
                .verifier(verify_insert)
                .format("$scalar `into` $dest `[` $indices `]` attr-dict `:` type($dest)"),
            OpDef::new("tensor.from_elements")
                .summary("a tensor of the given elements, row-major")
                .traits(&[Trait::Pure])
                .variadic_operand("elements", tc::ANY)
                .result("result", TENSOR)
                .result_name(|_, _, _| Some("from_elements".to_string()))
                .verifier(verify_from_elements)
                .format("$elements attr-dict `:` type($result)"),
            OpDef::new("tensor.dim")
                .summary("the size of one dimension")
                .operand("source", TENSOR)
                .operand("index", tc::INDEX)
                .result("result", tc::INDEX)
                .infer_types(index_result)
                .result_name(|_, _, _| Some("dim".to_string()))
                .format("attr-dict $source `,` $index `:` type($source)"),
            OpDef::new("tensor.rank")
                .summary("the number of dimensions")
                .traits(&[Trait::Pure])
                .operand("tensor", TENSOR)
                .result("result", tc::INDEX)
                .infer_types(index_result)
                .result_name(|_, _, _| Some("rank".to_string()))
                .format("$tensor attr-dict `:` type($tensor)"),
            OpDef::new("tensor.cast")
                .summary("the same tensor, its type with sizes made static or dynamic")
                .traits(&[Trait::Pure])
                .operand("source", TENSOR)
                .result("dest", TENSOR)
                .result_name(|_, _, _| Some("cast".to_string()))
                .verifier(verify_cast)
                .format("$source attr-dict `:` type($source) `to` type($dest)"),
            OpDef::new("tensor.splat")
                .summary("a tensor with every element one value (sizes given for dynamic dimensions)")
                .traits(&[Trait::Pure])
                .operand("input", tc::ANY)
                .variadic_operand("dynamicSizes", tc::INDEX)
                .result("aggregate", TENSOR)
                .result_name(|_, _, _| Some("splat".to_string()))
                .verifier(verify_splat)
                .format("$input (`[` $dynamicSizes^ `]`)? attr-dict `:` type($aggregate)"),
        ]
    }
}

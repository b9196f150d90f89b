//! `bufferization`: the edge between tensors (values) and buffers (memory), in MLIR's forms.
//!
//! ```text
//! %m = bufferization.to_buffer %t : tensor<4xf32> to memref<4xf32>
//! %t = bufferization.to_tensor %m : memref<4xf32> to tensor<4xf32>
//! ```

use strata_ir::dialect::{Dialect, OpDef, OpView, Trait};
use strata_ir::Diagnostic;

use crate::memref::MEMREF;
use crate::nn::TENSOR;

pub struct Bufferization;

fn same_shape(v: &OpView) -> Result<(), Diagnostic> {
    let (a, b) = (v.operand_type(0), v.result_type(0));
    if v.ctx.shape(a) != v.ctx.shape(b) || v.ctx.element_type_or_self(a) != v.ctx.element_type_or_self(b) {
        return Err(v.error("operand and result must have the same shape and element type"));
    }
    Ok(())
}

impl Dialect for Bufferization {
    fn name(&self) -> &'static str {
        "bufferization"
    }
    fn description(&self) -> &'static str {
        "conversions between tensors and buffers"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            OpDef::new("bufferization.to_buffer")
                .summary("a buffer holding a tensor's value")
                .traits(&[Trait::Pure])
                .operand("tensor", TENSOR)
                .result("buffer", MEMREF)
                .verifier(same_shape)
                .format("$tensor attr-dict `:` type($tensor) `to` type($buffer)"),
            OpDef::new("bufferization.to_tensor")
                .summary("the tensor a buffer holds")
                .traits(&[Trait::Pure])
                .operand("buffer", MEMREF)
                .result("tensor", TENSOR)
                .verifier(same_shape)
                .format("$buffer attr-dict `:` type($buffer) `to` type($tensor)"),
        ]
    }
}

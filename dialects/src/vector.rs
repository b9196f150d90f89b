//! `vector`: fixed-width SIMD values, in MLIR's forms — what vectorization produces and the
//! CPU backends map to 128-bit registers.
//!
//! ```text
//! %v = vector.load %m[%i, %j] : memref<4x8xf32>, vector<4xf32>
//! vector.store %v, %m[%i, %j] : memref<4x8xf32>, vector<4xf32>
//! %b = vector.broadcast %s : f32 to vector<4xf32>
//! ```

use strata_ir::dialect::{constraints as tc, Dialect, OpDef, OpView, Trait, TypeConstraint};
use strata_ir::{Diagnostic, TypeKind};

use crate::indexing::verify_indices;
use crate::memref::MEMREF;

pub struct Vector;

/// A vector type.
pub const VECTOR: TypeConstraint =
    TypeConstraint { description: "vector", check: |c, t| matches!(c.type_kind(t), TypeKind::Vector { .. }) };

/// A 1-D vector of the memref's element type, and one index per memref dimension.
fn verify_access(v: &OpView, memref: usize, vector: strata_ir::Type) -> Result<(), Diagnostic> {
    verify_indices(v, memref, "memref")?;
    let (ctx, m) = (v.ctx, v.operand_type(memref));
    if ctx.shape(vector).map_or(0, |s| s.len()) != 1 || ctx.element_type_or_self(vector) != ctx.element_type_or_self(m)
    {
        return Err(v.error("the vector must be 1-D, of the memref's element type"));
    }
    Ok(())
}

impl Dialect for Vector {
    fn name(&self) -> &'static str {
        "vector"
    }
    fn description(&self) -> &'static str {
        "fixed-width SIMD values: contiguous loads and stores, broadcasts"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            OpDef::new("vector.load")
                .summary("reads consecutive elements along the last dimension")
                .operand("base", MEMREF)
                .variadic_operand("indices", tc::INDEX)
                .result("result", VECTOR)
                .verifier(|v| verify_access(v, 0, v.result_type(0)))
                .format("$base `[` $indices `]` attr-dict `:` type($base) `,` type($result)"),
            OpDef::new("vector.store")
                .summary("writes consecutive elements along the last dimension")
                .operand("valueToStore", VECTOR)
                .operand("base", MEMREF)
                .variadic_operand("indices", tc::INDEX)
                .verifier(|v| verify_access(v, 1, v.operand_type(0)))
                .format("$valueToStore `,` $base `[` $indices `]` attr-dict `:` type($base) `,` type($valueToStore)"),
            OpDef::new("vector.broadcast")
                .summary("a vector with every lane equal to a scalar")
                .traits(&[Trait::Pure])
                .operand("source", tc::ANY)
                .result("vector", VECTOR)
                .format("$source attr-dict `:` type($source) `to` type($vector)"),
        ]
    }
}

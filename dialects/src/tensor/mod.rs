//! `tensor`: building and reading tensors element by element, their sizes, casts and splats,
//! slices, padding and reshapes, in upstream MLIR's forms.
//!
//! ```text
//! %e = tensor.empty(%n) : tensor<?x3xf32>
//! %x = tensor.extract %t[%i, %j] : tensor<2x3xf32>
//! %u = tensor.insert %x into %t[%i, %j] : tensor<2x3xf32>
//! %f = tensor.from_elements %a, %b : tensor<2xf32>
//! %d = tensor.dim %t, %i : tensor<2x3xf32>
//! %c = tensor.cast %t : tensor<2x3xf32> to tensor<?x3xf32>
//! %s = tensor.splat %x[%n] : tensor<?x3xf32>
//! %w = tensor.extract_slice %t[0, %i] [2, 2] [1, 1] : tensor<2x3xf32> to tensor<2x2xf32>
//! %v = tensor.insert_slice %w into %t[0, 0] [2, 2] [1, 1] : tensor<2x2xf32> into tensor<2x3xf32>
//! tensor.parallel_insert_slice %w into %o[%i, 0] [2, 2] [1, 1] : tensor<2x2xf32> into tensor<8x3xf32>
//! %p = tensor.pad %t low[0, 1] high[%n, 0] {
//! ^bb0(%a: index, %b: index):
//!   tensor.yield %x : f32
//! } : tensor<2x3xf32> to tensor<?x4xf32>
//! %g = tensor.generate %n {
//! ^bb0(%a: index, %b: index):
//!   tensor.yield %x : f32
//! } : tensor<?x3xf32>
//! %r = tensor.reshape %t(%shape) : (tensor<2x3xf32>, tensor<1xindex>) -> tensor<6xf32>
//! %c = tensor.collapse_shape %t [[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
//! %e = tensor.expand_shape %c [[0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
//! ```

use strata_ir::dialect::{attr_constraints as ac, constraints as tc, Dialect, InferInput, OpDef, OpView, Trait};
use strata_ir::{BlockId, Context, Diagnostic, Type, DYNAMIC};

use crate::indexing::{infer_element, verify_indices};
use crate::nn::TENSOR;
use crate::shaped;
use crate::slicing::with_window;

mod slices;

pub struct Tensor;

/// Checks that the block `entry` of a `pad` or `generate` ends in a `tensor.yield` of the
/// result's element type, with `message` when it does not.
fn verify_yield_type(v: &OpView, entry: Option<BlockId>, message: &str) -> Result<(), Diagnostic> {
    let elem = v.ctx.element_type_or_self(v.result_type(0));
    let yielded =
        entry.and_then(|b| v.ir.block(b).last_op()).filter(|t| v.ctx.ident_str(v.ir.op(*t).name()) == "tensor.yield");
    let fits = yielded.is_some_and(|t| {
        let o = v.ir.op(t).operands();
        o.len() == 1 && v.ir.value_type(o[0]) == elem
    });
    if !fits {
        return Err(v.error(message));
    }
    Ok(())
}

/// As upstream: one size operand per dynamic dimension, an index argument per dimension, an
/// element yielded.
fn verify_generate(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let rank = ctx.shape(v.result_type(0)).map_or(0, <[i64]>::len);
    if shaped::dynamic_sizes_error(ctx, v.result_type(0), v.operands().len()).is_some() {
        return Err(v.error("must have as many index operands as dynamic extents in the result type"));
    }
    let entry = v.ir.region(v.ir.op(v.op).regions()[0]).blocks().first().copied();
    let args = entry.map(|b| v.ir.block(b).args().to_vec()).unwrap_or_default();
    if args.len() != rank || args.iter().any(|a| !ctx.is_index(v.ir.value_type(*a))) {
        return Err(v.error("must have one body argument per input dimension"));
    }
    verify_yield_type(v, entry, "body must be terminated with a `yield` operation of the tensor element type")
}

/// As upstream: the same element type; for a ranked result, a shape operand of static length
/// equal to its rank, and the same number of elements where both shapes are static.
fn verify_reshape(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (source, shape, result) = (v.operand_type(0), v.operand_type(1), v.result_type(0));
    if ctx.element_type_or_self(source) != ctx.element_type_or_self(result) {
        return Err(v.error("element types of source and destination tensor types should be the same"));
    }
    let Some(to) = ctx.shape(result) else { return Ok(()) };
    let count = |s: &[i64]| if s.contains(&DYNAMIC) { None } else { s.iter().try_fold(1i64, |a, b| a.checked_mul(*b)) };
    if let (Some(a), Some(b)) = (ctx.shape(source).and_then(count), count(to)) {
        if a != b {
            return Err(v.error("source and destination tensor should have the same number of elements"));
        }
    }
    match ctx.shape(shape) {
        Some([n]) if *n == DYNAMIC => {
            Err(v.error("cannot use shape operand with dynamic length to reshape to statically-ranked tensor type"))
        }
        Some([n]) if *n as usize != to.len() => {
            Err(v.error("length of shape operand differs from the result's tensor rank"))
        }
        _ => Ok(()),
    }
}

fn verify_collapse_shape(v: &OpView) -> Result<(), Diagnostic> {
    same_element(v)?;
    let (from, to) =
        (v.ctx.shape(v.operand_type(0)).unwrap_or_default(), v.ctx.shape(v.result_type(0)).unwrap_or_default());
    shaped::verify_reshape(v, to, from, false).map(|_| ())
}

fn verify_expand_shape(v: &OpView) -> Result<(), Diagnostic> {
    same_element(v)?;
    let (from, to) =
        (v.ctx.shape(v.operand_type(0)).unwrap_or_default(), v.ctx.shape(v.result_type(0)).unwrap_or_default());
    shaped::verify_reshape(v, from, to, true)?;
    shaped::verify_output_shape(v, to, false)
}

fn same_element(v: &OpView) -> Result<(), Diagnostic> {
    if v.ctx.element_type_or_self(v.operand_type(0)) != v.ctx.element_type_or_self(v.result_type(0)) {
        return Err(v.error("source and result must have the same element type"));
    }
    Ok(())
}

/// A ranked or unranked tensor.
const ANY_TENSOR: strata_ir::dialect::TypeConstraint = strata_ir::dialect::TypeConstraint {
    description: "tensor",
    check: |c, t| {
        matches!(c.type_kind(t), strata_ir::TypeKind::RankedTensor { .. } | strata_ir::TypeKind::UnrankedTensor { .. })
    },
};

/// A ranked tensor of index (`tensor.reshape`'s shape).
const INDEX_TENSOR: strata_ir::dialect::TypeConstraint = strata_ir::dialect::TypeConstraint {
    description: "1D tensor of signless integer or index values",
    check: |c, t| {
        (TENSOR.check)(c, t) && c.shape(t).is_some_and(|s| s.len() == 1) && {
            let e = c.element_type_or_self(t);
            c.is_index(e) || c.is_signless_integer(e)
        }
    },
};

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
                .traits(&[Trait::NoMemoryEffect])
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
            with_window(
                OpDef::new("tensor.extract_slice")
                    .summary("a strided window of a tensor, unit dimensions possibly left out")
                    .traits(&[Trait::Pure, Trait::AttrSizedOperandSegments])
                    .operand("source", TENSOR),
            )
            .result("result", TENSOR)
            .result_name(|_, _, _| Some("extracted_slice".to_string()))
            .verifier(slices::verify_extract_slice)
            .custom_syntax(crate::slicing::parse_window_op, crate::slicing::print_window_op),
            with_window(
                OpDef::new("tensor.insert_slice")
                    .summary("the destination with a strided window replaced by the source")
                    .traits(&[Trait::Pure, Trait::AttrSizedOperandSegments])
                    .operand("source", TENSOR)
                    .operand("dest", TENSOR),
            )
            .result("result", TENSOR)
            .all_types_match(&["dest", "result"])
            .result_name(|_, _, _| Some("inserted_slice".to_string()))
            .verifier(slices::verify_insert_slice)
            .custom_syntax(slices::parse_insert_slice, slices::print_insert_slice),
            with_window(
                OpDef::new(crate::scf::PARALLEL_INSERT_SLICE)
                    .summary("in scf.forall.in_parallel: the source written into a window of a shared output")
                    .traits(&[Trait::AttrSizedOperandSegments])
                    .operand("source", TENSOR)
                    .operand("dest", TENSOR),
            )
            .verifier(slices::verify_parallel_insert_slice)
            .custom_syntax(slices::parse_parallel_insert_slice, slices::print_insert_slice),
            OpDef::new("tensor.pad")
                .summary("the source with elements added before and after each dimension, given by the region")
                .traits(&[Trait::AttrSizedOperandSegments, Trait::Pure])
                .operand("source", TENSOR)
                .variadic_operand("low", tc::INDEX)
                .variadic_operand("high", tc::INDEX)
                .attr("static_low", ac::DENSE_I64_ARRAY)
                .attr("static_high", ac::DENSE_I64_ARRAY)
                .optional_attr("nofold", ac::UNIT)
                .region("region", true)
                .result("result", TENSOR)
                .result_name(|_, _, _| Some("padded".to_string()))
                .verifier(slices::verify_pad)
                .custom_syntax(slices::parse_pad, slices::print_pad),
            OpDef::new("tensor.generate")
                .summary("a tensor whose elements the region computes from their indices")
                .traits(&[Trait::Pure])
                .variadic_operand("dynamicExtents", tc::INDEX)
                .region("body", true)
                .result("result", TENSOR)
                .result_name(|_, _, _| Some("generated".to_string()))
                .verifier(verify_generate)
                .format("$dynamicExtents $body attr-dict `:` type($result)"),
            OpDef::new("tensor.yield")
                .summary("the element a tensor.pad or tensor.generate region gives")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::ReturnLike])
                .operand("value", tc::ANY)
                .parent("tensor.pad")
                .parent("tensor.generate")
                .format("$value attr-dict `:` type($value)"),
            OpDef::new("tensor.reshape")
                .summary("the elements in row-major order, in the shape the shape operand gives")
                .traits(&[Trait::Pure])
                .operand("source", ANY_TENSOR)
                .operand("shape", INDEX_TENSOR)
                .result("result", ANY_TENSOR)
                .result_name(|_, _, _| Some("reshape".to_string()))
                .verifier(verify_reshape)
                .format("$source `(` $shape `)` attr-dict `:` functional-type(operands, results)"),
            OpDef::new("tensor.collapse_shape")
                .summary("the tensor with groups of consecutive dimensions merged into one")
                .traits(&[Trait::Pure])
                .operand("src", TENSOR)
                .attr("reassociation", ac::ARRAY)
                .result("result", TENSOR)
                .result_name(|_, _, _| Some("collapsed".to_string()))
                .verifier(verify_collapse_shape)
                .format("$src $reassociation attr-dict `:` type($src) `into` type($result)"),
            OpDef::new("tensor.expand_shape")
                .summary("the tensor with dimensions split into groups of consecutive ones")
                .traits(&[Trait::Pure])
                .operand("src", TENSOR)
                .variadic_operand("output_shape", tc::INDEX)
                .attr("reassociation", ac::ARRAY)
                .attr("static_output_shape", ac::DENSE_I64_ARRAY)
                .result("result", TENSOR)
                .result_name(|_, _, _| Some("expanded".to_string()))
                .verifier(verify_expand_shape)
                .custom_syntax(shaped::parse_expand_shape, shaped::print_expand_shape),
        ]
    }
}

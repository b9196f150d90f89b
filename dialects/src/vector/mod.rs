//! `vector`: SIMD values of any rank (0-d included), in MLIR 22's forms: what vectorization
//! produces and the backends map to registers.
//!
//! ```text
//! %v = vector.load %m[%i, %j] : memref<4x8xf32>, vector<4xf32>
//! vector.store %v, %m[%i, %j] : memref<4x8xf32>, vector<4xf32>
//! %b = vector.broadcast %s : f32 to vector<2x4xf32>
//! %s = vector.shuffle %a, %b [0, 4, 1, 5] : vector<4xf32>, vector<4xf32>
//! %x = vector.extract %m[1, %i] : f32 from vector<2x4xf32>
//! %r = vector.reduction <add>, %v : vector<4xf32> into f32
//! %t = vector.transfer_read %mem[%i, %j], %pad {in_bounds = [true]} : memref<8x8xf32>, vector<4xf32>
//! %y = vector.mask %mask { vector.reduction <add>, %v : vector<4xf32> into f32 } : vector<4xi1> -> f32
//! ```

use strata_ir::dialect::{attr_constraints as ac, constraints as tc, Dialect, OpDef, OpView, Trait, TypeConstraint};
use strata_ir::{AffineExpr, AttrKind, Context, Diagnostic, Type, TypeKind};

use crate::indexing::verify_indices;
use crate::memref::MEMREF;
use crate::slicing::int_array;

mod syntax;

pub use syntax::{minor_identity, transfer_map, transfer_mask_type, vector_attr_body, KINDS};

pub struct Vector;

/// A vector type.
pub const VECTOR: TypeConstraint =
    TypeConstraint { description: "vector", check: |c, t| matches!(c.type_kind(t), TypeKind::Vector { .. }) };

/// A memref or a ranked tensor (what a transfer reads and writes).
const SHAPED: TypeConstraint = TypeConstraint {
    description: "memref or ranked tensor",
    check: |c, t| matches!(c.type_kind(t), TypeKind::MemRef { .. } | TypeKind::RankedTensor { .. }),
};

fn show(ctx: &Context, t: Type) -> String {
    ctx.type_to_string(t)
}

fn shape(ctx: &Context, t: Type) -> Vec<i64> {
    ctx.shape(t).unwrap_or_default().to_vec()
}

/// A vector of `shape` of `t`'s element type, or the element type itself for no shape when
/// `scalar_at_rank_0`.
fn vector_or_scalar(ctx: &Context, shape: Vec<i64>, element: Type, scalar_at_rank_0: bool) -> Type {
    if shape.is_empty() && scalar_at_rank_0 {
        element
    } else {
        ctx.vector_type(shape, element)
    }
}

/// A vector of the memref's element type, and one index per memref dimension.
/// The vector spans the memref's trailing dimensions, so its rank is at most the memref's,
/// and the innermost of them has unit stride.
fn verify_access(v: &OpView, memref: usize, vector: Type, what: &str) -> Result<(), Diagnostic> {
    verify_indices(v, memref, "memref")?;
    let (ctx, m) = (v.ctx, v.operand_type(memref));
    if ctx.element_type_or_self(vector) != ctx.element_type_or_self(m) {
        return Err(v.error(format!("base and {what} element types should match")));
    }
    if shape(ctx, vector).len() > shape(ctx, m).len() {
        return Err(v.error(if what == "result" {
            "destination memref has lower rank than the result vector"
        } else {
            "source memref has lower rank than the value to store"
        }));
    }
    let innermost = crate::shaped::strides_of(ctx, m).and_then(|(s, _)| s.last().copied());
    if innermost.is_some_and(|s| s != 1) {
        return Err(v.error("most minor memref dim must have unit stride"));
    }
    Ok(())
}

/// As upstream's `isBroadcastableTo`: a scalar of the element type, or a vector of no higher
/// rank whose dimensions each equal the result's trailing ones or are 1.
fn verify_broadcast(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (source, result) = (v.operand_type(0), v.result_type(0));
    let shaped_source = matches!(
        ctx.type_kind(source),
        TypeKind::MemRef { .. }
            | TypeKind::RankedTensor { .. }
            | TypeKind::UnrankedTensor { .. }
            | TypeKind::UnrankedMemRef { .. }
    );
    if shaped_source {
        return Err(v.error("the source must be a scalar or a vector"));
    }
    if ctx.element_type_or_self(source) != ctx.element_type_or_self(result) {
        return Err(v.error("source and result must have the same element type"));
    }
    let (from, to) = (shape(ctx, source), shape(ctx, result));
    if from.len() > to.len() {
        return Err(v.error("source rank higher than destination rank"));
    }
    for (s, d) in from.iter().rev().zip(to.iter().rev()) {
        if s != d && *s != 1 {
            return Err(v.error(format!("dimension mismatch ({s} vs. {d})")));
        }
    }
    Ok(())
}

fn verify_shuffle(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (a, b) = (v.operand_type(0), v.operand_type(1));
    let (sa, sb) = (shape(ctx, a), shape(ctx, b));
    if ctx.element_type_or_self(a) != ctx.element_type_or_self(b) || sa.len() != sb.len() || sa.get(1..) != sb.get(1..)
    {
        return Err(v.error("the two vectors must have the same element type, rank and trailing dimensions"));
    }
    let lanes = |s: &[i64]| s.first().copied().unwrap_or(1);
    let total = lanes(&sa) + lanes(&sb);
    let mask = int_array(ctx, v.ir, v.op, "mask");
    if mask.is_empty() {
        return Err(v.error("invalid mask length"));
    }
    if let Some(i) = mask.iter().position(|m| *m < -1 || *m >= total) {
        return Err(v.error(format!("mask index #{} out of range", i + 1)));
    }
    let mut want = vec![mask.len() as i64];
    want.extend(sa.iter().skip(1));
    let want = ctx.vector_type(want, ctx.element_type_or_self(a));
    if v.result_type(0) != want {
        return Err(v.error(format!("expected result type {}, not {}", show(ctx, want), show(ctx, v.result_type(0)))));
    }
    Ok(())
}

/// Positions into `vector` (static, `DYNAMIC` for an operand, or -1 for poison where
/// `poison` allows): at most its rank, each inside its dimension; returns the type at that
/// position (the element type at full rank).
fn position_type(v: &OpView, vector: Type, what: &str, poison: bool) -> Result<Type, Diagnostic> {
    let ctx = v.ctx;
    let dims = shape(ctx, vector);
    let position = int_array(ctx, v.ir, v.op, "static_position");
    if position.len() > dims.len() {
        return Err(v.error(format!("expected position attribute of rank no greater than {what}vector rank")));
    }
    let dynamic = position.iter().filter(|p| **p == strata_ir::DYNAMIC).count();
    let given = v.operand_group("dynamic_position").len();
    if dynamic != given {
        return Err(v.error(format!("expected {dynamic} dynamic position operands, got {given}")));
    }
    for (i, (p, n)) in position.iter().zip(&dims).enumerate() {
        // Both take -1 (poison); only `extract`'s message says so, as upstream's.
        let ok = *p == strata_ir::DYNAMIC || (0..*n).contains(p) || *p == -1;
        if !ok {
            let tail = if poison { " or poison (-1)" } else { "" };
            return Err(v.error(format!(
                "expected position attribute #{} to be a non-negative integer smaller than the corresponding \
                 {what}vector dimension{tail}",
                i + 1
            )));
        }
    }
    Ok(vector_or_scalar(ctx, dims[position.len()..].to_vec(), ctx.element_type_or_self(vector), true))
}

fn verify_extract(v: &OpView) -> Result<(), Diagnostic> {
    let want = position_type(v, v.operand_type(0), "", true)?;
    if v.result_type(0) != want {
        return Err(v.error(format!(
            "inferred type(s) '{}' are incompatible with return type(s) of operation '{}'",
            show(v.ctx, want),
            show(v.ctx, v.result_type(0))
        )));
    }
    Ok(())
}

fn verify_insert(v: &OpView) -> Result<(), Diagnostic> {
    let want = position_type(v, v.operand_type(1), "dest ", false)?;
    if v.operand_type(0) != want {
        return Err(v.error(format!(
            "expected the inserted value to be of type {}, not {}",
            show(v.ctx, want),
            show(v.ctx, v.operand_type(0))
        )));
    }
    Ok(())
}

/// The integers of `op`'s array attribute `name` (`[0, 1]`).
fn int_list(v: &OpView, name: &str) -> Result<Vec<i64>, Diagnostic> {
    let Some(a) = v.attr(name) else { return Err(v.error(format!("requires attribute '{name}'"))) };
    let AttrKind::Array(items) = v.ctx.attr_kind(a) else {
        return Err(v.error(format!("'{name}' must be an array of integers")));
    };
    items
        .iter()
        .map(|i| v.ctx.attr_as_int(*i).and_then(|n| i64::try_from(n).ok()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| v.error(format!("'{name}' must be an array of integers")))
}

/// As upstream: offsets, sizes and unit strides for leading dimensions, each window inside
/// the vector; the result has the sizes, then the vector's remaining dimensions.
fn verify_extract_strided_slice(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let dims = shape(ctx, v.operand_type(0));
    if dims.is_empty() {
        return Err(v.error("operand #0 must be a vector of rank 1 or more"));
    }
    let (offsets, sizes, strides) = (int_list(v, "offsets")?, int_list(v, "sizes")?, int_list(v, "strides")?);
    for (name, list) in [("offsets", &offsets), ("sizes", &sizes), ("strides", &strides)] {
        if list.len() > dims.len() {
            return Err(v.error(format!("expected {name} attribute of rank no greater than vector rank")));
        }
        if list.len() != offsets.len() {
            return Err(v.error("expected offsets, sizes and strides attributes of the same length"));
        }
    }
    for (d, n) in dims.iter().enumerate().take(offsets.len()) {
        if !(0..*n).contains(&offsets[d]) {
            return Err(v.error(format!("expected offsets dimension {d} to be confined to [0, {n})")));
        }
        if !(1..=*n).contains(&sizes[d]) {
            return Err(v.error(format!("expected sizes dimension {d} to be confined to [1, {})", n + 1)));
        }
        if strides[d] != 1 {
            return Err(v.error(format!("expected strides dimension {d} to be confined to [1, 2)")));
        }
        if offsets[d] + sizes[d] > *n {
            return Err(v.error(format!("expected sum(offsets, sizes) dimension {d} to be confined to [1, {})", n + 1)));
        }
    }
    let mut want = sizes.clone();
    want.extend(&dims[sizes.len()..]);
    let want = ctx.vector_type(want, ctx.element_type_or_self(v.operand_type(0)));
    if v.result_type(0) != want {
        return Err(v.error(format!("expected result type to be {}", show(ctx, want))));
    }
    Ok(())
}

/// Kinds that combine floats, and those that combine integers.
const FLOAT_KINDS: [&str; 6] = ["add", "mul", "minnumf", "maxnumf", "minimumf", "maximumf"];
const INT_KINDS: [&str; 9] = ["add", "mul", "minui", "minsi", "maxui", "maxsi", "and", "or", "xor"];

/// Whether combining kind `kind` applies to elements of type `t`.
fn kind_fits(ctx: &Context, kind: &str, t: Type) -> bool {
    if ctx.is_float(t) {
        FLOAT_KINDS.contains(&kind)
    } else {
        (ctx.is_integer(t) || ctx.is_index(t)) && INT_KINDS.contains(&kind)
    }
}

fn kind_of<'a>(v: &OpView<'a>) -> Result<&'a str, Diagnostic> {
    v.attr("kind")
        .and_then(|a| vector_attr_body(v.ctx, a, "kind"))
        .filter(|k| KINDS.contains(k))
        .ok_or_else(|| v.error("requires a combining kind attribute (#vector.kind<...>)"))
}

fn verify_reduction(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let t = v.operand_type(0);
    let rank = shape(ctx, t).len();
    if rank > 1 {
        return Err(v.error(format!("unsupported reduction rank: {rank}")));
    }
    let elem = ctx.element_type_or_self(t);
    if v.result_type(0) != elem {
        return Err(v.error(format!("the result must be the vector's element type {}", show(ctx, elem))));
    }
    if v.operands().len() > 1 && v.operand_type(1) != elem {
        return Err(v.error("the accumulator must be of the result's type"));
    }
    let kind = kind_of(v)?;
    if !kind_fits(ctx, kind, elem) {
        return Err(v.error(format!("unsupported reduction type '{}' for kind '{kind}'", show(ctx, elem))));
    }
    if let Some(f) = v.attr("fastmath") {
        if !fastmath_flags_valid(&ctx.attr_to_string(f)) {
            return Err(v.error("'fastmath' must be fastmath flags (#arith.fastmath<...>)"));
        }
    }
    Ok(())
}

/// Whether `text` is `#arith.fastmath<...>` of known flags.
pub(crate) fn fastmath_flags_valid(text: &str) -> bool {
    const FLAGS: [&str; 9] = ["none", "reassoc", "nnan", "ninf", "nsz", "arcp", "contract", "afn", "fast"];
    text.strip_prefix("#arith.fastmath<")
        .and_then(|b| b.strip_suffix('>'))
        .is_some_and(|b| b.split(',').all(|f| FLAGS.contains(&f.trim())))
}

fn verify_transpose(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let dims = shape(ctx, v.operand_type(0));
    let permutation = int_array(ctx, v.ir, v.op, "permutation");
    if permutation.len() != dims.len() {
        return Err(v.error("transposition length mismatch"));
    }
    let mut seen = vec![false; dims.len()];
    for p in &permutation {
        let i = usize::try_from(*p).ok().filter(|i| *i < dims.len());
        let Some(i) = i else { return Err(v.error(format!("transposition index out of range: {p}"))) };
        if std::mem::replace(&mut seen[i], true) {
            return Err(v.error(format!("duplicate position index: {p}")));
        }
    }
    let want: Vec<i64> = permutation.iter().map(|p| dims[*p as usize]).collect();
    let want = ctx.vector_type(want, ctx.element_type_or_self(v.operand_type(0)));
    if v.result_type(0) != want {
        return Err(v.error(format!("expected result type {}", show(ctx, want))));
    }
    Ok(())
}

/// The last dimension (a 0-d vector counts as one element) scaled by `num / den`.
fn last_scaled(v: &OpView, t: Type, num: i64, den: i64) -> Result<Type, Diagnostic> {
    let ctx = v.ctx;
    let mut dims = shape(ctx, t);
    if dims.is_empty() {
        dims.push(1);
    }
    let last = dims.last_mut().expect("not empty");
    let Some(scaled) = last.checked_mul(num) else { return Err(v.error("the vector is too large")) };
    if scaled % den != 0 {
        return Err(v.error(
            "failed to verify that the trailing dimension of the source vector has an even number of elements",
        ));
    }
    *last = scaled / den;
    Ok(ctx.vector_type(dims, ctx.element_type_or_self(t)))
}

fn verify_interleave(v: &OpView) -> Result<(), Diagnostic> {
    let want = last_scaled(v, v.operand_type(0), 2, 1)?;
    if v.result_type(0) != want {
        return Err(v.error(format!("expected result type {}", show(v.ctx, want))));
    }
    Ok(())
}

fn verify_deinterleave(v: &OpView) -> Result<(), Diagnostic> {
    let want = last_scaled(v, v.operand_type(0), 1, 2)?;
    if v.result_type(0) != want || v.result_type(1) != want {
        return Err(v.error(format!("expected results of type {}", show(v.ctx, want))));
    }
    Ok(())
}

fn verify_bitcast(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (a, b) = (v.operand_type(0), v.result_type(0));
    let (sa, sb) = (shape(ctx, a), shape(ctx, b));
    if sa.len() != sb.len() || sa.split_last().map(|(_, x)| x) != sb.split_last().map(|(_, x)| x) {
        return Err(v.error("the source and result must differ in their last dimension only"));
    }
    let width = |t: Type, s: &[i64]| {
        let e = ctx.element_type_or_self(t);
        let w = if ctx.is_index(e) { Some(64) } else { ctx.int_or_float_width(e) };
        w.and_then(|w| i64::from(w).checked_mul(s.last().copied().unwrap_or(1)))
    };
    if width(a, &sa).is_none() || width(a, &sa) != width(b, &sb) {
        return Err(v.error("source/result bitwidth of the minor 1-D vectors must be equal"));
    }
    Ok(())
}

fn verify_shape_cast(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let (a, b) = (v.operand_type(0), v.result_type(0));
    let count = |t: Type| shape(ctx, t).iter().product::<i64>();
    if ctx.element_type_or_self(a) != ctx.element_type_or_self(b) {
        return Err(v.error("source and result must have the same element type"));
    }
    if count(a) != count(b) {
        return Err(v.error(format!(
            "has different number of elements at source ({}) and result ({})",
            count(a),
            count(b)
        )));
    }
    Ok(())
}

fn verify_from_elements(v: &OpView) -> Result<(), Diagnostic> {
    let t = v.result_type(0);
    let n = shape(v.ctx, t).iter().try_fold(1i64, |a, b| a.checked_mul(*b));
    let elem = v.ctx.element_type_or_self(t);
    if n != Some(v.operands().len() as i64) || v.operands().iter().any(|o| v.ir.value_type(*o) != elem) {
        let n = n.map_or("too many".to_string(), |n| n.to_string());
        return Err(v.error(format!("expected {n} elements of type {}", show(v.ctx, elem))));
    }
    Ok(())
}

fn verify_step(v: &OpView) -> Result<(), Diagnostic> {
    let t = v.result_type(0);
    if shape(v.ctx, t).len() != 1 || !v.ctx.is_index(v.ctx.element_type_or_self(t)) {
        return Err(v.error("the result must be a 1-D vector of index"));
    }
    Ok(())
}

/// A transfer between vector `vector` and `source` at `indices` indices through its
/// permutation map, as upstream checks it: one index per source dimension; a map from the
/// source's dimensions to the vector's, each result a distinct dimension or (reads only) the
/// constant 0 (a broadcast); `in_bounds` a flag per vector dimension; the element types and
/// the mask's type.
fn verify_transfer(v: &OpView, source: Type, vector: Type, indices: usize, read: bool) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let rank = shape(ctx, source).len();
    if indices != rank {
        return Err(v.error(format!("requires {rank} indices")));
    }
    if ctx.element_type_or_self(source) != ctx.element_type_or_self(vector) {
        return Err(v.error("requires source and vector of the same element type"));
    }
    let map = match v.attr("permutation_map").map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::AffineMap(m)) => m.clone(),
        _ => return Err(v.error("requires attribute 'permutation_map'")),
    };
    let vrank = shape(ctx, vector).len();
    if map.num_dims as usize != rank || map.num_symbols != 0 {
        return Err(v.error("requires a permutation_map with input dims of the same rank as the source type"));
    }
    if map.results.len() != vrank {
        return Err(v.error("requires a permutation_map with result dims of the same rank as the vector type"));
    }
    let mut seen = vec![false; rank];
    for e in &map.results {
        let ok = match e {
            AffineExpr::Dim(d) => !std::mem::replace(&mut seen[*d as usize], true),
            AffineExpr::Const(0) if read => true,
            AffineExpr::Const(0) => return Err(v.error("should not have broadcast dimensions")),
            _ => false,
        };
        if !ok {
            return Err(v.error(
                "requires a projected permutation_map (at most one dim or the zero constant can appear in each result)",
            ));
        }
    }
    match v.attr("in_bounds").map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::Array(flags)) if flags.len() == vrank => {
            if flags.iter().any(|f| *f != ctx.bool_attr(true) && *f != ctx.bool_attr(false)) {
                return Err(v.error("'in_bounds' must be an array of booleans"));
            }
        }
        _ => return Err(v.error("expects the in_bounds attr of same rank as permutation_map results")),
    }
    let groups = crate::slicing::group_ranges(ctx, v.ir, v.op);
    if let Some(mask) = groups.last().and_then(|g| v.operands().get(g.clone())).and_then(|m| m.first()) {
        let want = transfer_mask_type(ctx, vector, &map);
        if v.ir.value_type(*mask) != want {
            return Err(v.error(format!("expects mask type consistent with permutation map: {}", show(ctx, want))));
        }
    }
    Ok(())
}

fn verify_transfer_read(v: &OpView) -> Result<(), Diagnostic> {
    let (source, vector) = (v.operand_type(0), v.result_type(0));
    verify_transfer(v, source, vector, v.operand_group("indices").len(), true)?;
    if v.operand_group("padding").first().map(|p| v.ir.value_type(*p)) != Some(v.ctx.element_type_or_self(source)) {
        return Err(v.error("requires the padding of the source's element type"));
    }
    Ok(())
}

fn verify_transfer_write(v: &OpView) -> Result<(), Diagnostic> {
    let (vector, source) = (v.operand_type(0), v.operand_type(1));
    verify_transfer(v, source, vector, v.operand_group("indices").len(), false)?;
    let tensor = matches!(v.ctx.type_kind(source), TypeKind::RankedTensor { .. });
    let fits = if tensor { v.results().len() == 1 && v.result_type(0) == source } else { v.results().is_empty() };
    if !fits {
        return Err(v.error("a write into a tensor gives the tensor; one into a memref gives nothing"));
    }
    Ok(())
}

/// Ops `vector.mask` may mask (upstream's `MaskableOpInterface` among the ops here).
const MASKABLE: [&str; 4] = ["vector.transfer_read", "vector.transfer_write", "vector.reduction", "vector.contract"];

/// The mask type the maskable `op` takes: its transfer's mask, one bit per reduced lane, or
/// one per point of a contraction's iteration space.
pub fn expected_mask_type(ctx: &Context, ir: &strata_ir::Ir, op: strata_ir::OpId) -> Option<Type> {
    let o = ir.op(op);
    let i1 = ctx.integer_type(1);
    match ctx.ident_str(o.name()) {
        "vector.transfer_read" => {
            let (source, vector) = (ir.value_type(*o.operands().first()?), ir.value_type(*o.results().first()?));
            Some(transfer_mask_type(ctx, vector, &transfer_map(ctx, ir, op, source, vector)))
        }
        "vector.transfer_write" => {
            let (vector, source) = (ir.value_type(*o.operands().first()?), ir.value_type(*o.operands().get(1)?));
            Some(transfer_mask_type(ctx, vector, &transfer_map(ctx, ir, op, source, vector)))
        }
        "vector.reduction" => Some(ctx.vector_type(shape(ctx, ir.value_type(*o.operands().first()?)), i1)),
        "vector.contract" => {
            let maps = contract_maps(ctx, o.attr(ctx.ident("indexing_maps"))?)?;
            let mut space = vec![0i64; maps.first()?.num_dims as usize];
            for (m, v) in maps.iter().zip(o.operands()) {
                for (e, n) in m.results.iter().zip(shape(ctx, ir.value_type(*v))) {
                    if let AffineExpr::Dim(d) = e {
                        *space.get_mut(*d as usize)? = n;
                    }
                }
            }
            Some(ctx.vector_type(space, i1))
        }
        _ => None,
    }
}

/// As upstream: one block without arguments holding one maskable op and a `vector.yield` of
/// exactly its results (or only a yield); a mask of the type the op takes; a passthru only
/// for a read, of the result's type.
fn verify_mask(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    if !matches!(ctx.type_kind(v.operand_type(0)), TypeKind::Vector { element, .. } if *element == ctx.integer_type(1))
    {
        return Err(v.error("the mask must be a vector of i1"));
    }
    let region = ir.op(v.op).regions()[0];
    let blocks = ir.region(region).blocks();
    if blocks.len() != 1 || !ir.block(blocks[0]).args().is_empty() {
        return Err(v.error("expects a region of one block without arguments"));
    }
    let ops: Vec<_> = ir.block_ops(blocks[0]).collect();
    let Some((terminator, body)) = ops.split_last() else { return Err(v.error("expects a terminator")) };
    if ctx.ident_str(ir.op(*terminator).name()) != "vector.yield" {
        return Err(v.error("expects the region to end in vector.yield"));
    }
    let yielded = ir.op(*terminator).operands();
    let results: Vec<Type> = v.results().iter().map(|r| ir.value_type(*r)).collect();
    if yielded.iter().map(|y| ir.value_type(*y)).collect::<Vec<_>>() != results {
        return Err(v.error("expected the yielded values to be of the mask's result types"));
    }
    match body {
        [] => {}
        [inner] => {
            let name = ctx.ident_str(ir.op(*inner).name());
            if !MASKABLE.contains(&name) {
                return Err(v.error(format!("expects a maskable operation, not '{name}'")));
            }
            if yielded != ir.op(*inner).results() {
                return Err(v.error("expects the terminator to yield the masked operation's results"));
            }
            let want = expected_mask_type(ctx, ir, *inner);
            if want != Some(v.operand_type(0)) {
                let want = want.map_or("no".to_string(), |t| show(ctx, t));
                return Err(v.error(format!("expects a {want} mask for the maskable operation")));
            }
            if v.operands().len() > 1 && name != "vector.transfer_read" {
                return Err(v.error(format!("a passthru is not supported for '{name}'")));
            }
        }
        _ => return Err(v.error("expects only one operation to mask")),
    }
    if v.operands().len() > 1 && results.first() != Some(&v.operand_type(1)) {
        return Err(v.error("expects result type to match passthru type"));
    }
    Ok(())
}

/// The affine maps of an `indexing_maps` array, or `None` if one is not a map.
pub fn contract_maps(ctx: &Context, a: strata_ir::Attribute) -> Option<Vec<strata_ir::AffineMap>> {
    match ctx.attr_kind(a) {
        AttrKind::Array(items) => items
            .iter()
            .map(|i| match ctx.attr_kind(*i) {
                AttrKind::AffineMap(m) => Some(m.clone()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// As upstream: three maps over one iteration space (its dimensions the iterator types),
/// each operand's shape what its map makes of the space's sizes, at least one reduction
/// dimension, read by both inputs and not by the accumulator.
fn verify_contract(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let Some(maps) = v.attr("indexing_maps") else { return Err(v.error("requires attribute 'indexing_maps'")) };
    let maps = contract_maps(ctx, maps).ok_or_else(|| v.error("'indexing_maps' must be affine maps"))?;
    let iterators: Vec<&str> = match v.attr("iterator_types").map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::Array(items)) => items
            .iter()
            .map(|i| vector_attr_body(ctx, *i, "iterator_type").filter(|s| ["parallel", "reduction"].contains(s)))
            .collect::<Option<_>>()
            .ok_or_else(|| v.error("'iterator_types' must be #vector.iterator_type<parallel|reduction>"))?,
        _ => return Err(v.error("requires attribute 'iterator_types'")),
    };
    let kind = kind_of(v)?;
    if maps.len() != 3 {
        return Err(v.error("expected an indexing map for each vector operand"));
    }
    let types = [v.operand_type(0), v.operand_type(1), v.operand_type(2)];
    let mut sizes = vec![None; iterators.len()];
    // An accumulator the map gives no dimensions is a scalar, not a 0-d vector.
    if maps[2].results.is_empty() && matches!(ctx.type_kind(types[2]), TypeKind::Vector { .. }) {
        return Err(v.error("expected a scalar accumulator for an indexing map without results"));
    }
    for (i, (m, t)) in maps.iter().zip(types).enumerate() {
        let dims = shape(ctx, t);
        if m.num_dims as usize != iterators.len() || m.num_symbols != 0 {
            return Err(v.error(format!("expected indexing map {i} to have {} number of inputs", iterators.len())));
        }
        if m.results.len() != dims.len() {
            return Err(v.error(format!("expected indexing map {i} to have {} number of outputs", dims.len())));
        }
        for (e, n) in m.results.iter().zip(&dims) {
            let AffineExpr::Dim(d) = e else {
                return Err(v.error(format!("expected indexing map {i} to be a projected permutation of its inputs")));
            };
            match sizes[*d as usize].replace(*n) {
                Some(prev) if prev != *n => {
                    return Err(v.error(format!("dimension {d} of the iteration space has sizes {prev} and {n}")));
                }
                _ => {}
            }
        }
    }
    if sizes.contains(&None) {
        return Err(v.error("every dimension of the iteration space must be read by an operand"));
    }
    let reads = |m: &strata_ir::AffineMap, d: usize| m.results.contains(&AffineExpr::Dim(d as u32));
    if !iterators.contains(&"reduction") {
        return Err(v.error("expected at least one contracting dimension pair"));
    }
    for (d, iterator) in iterators.iter().enumerate() {
        let reduction = *iterator == "reduction";
        if reduction && (!reads(&maps[0], d) || !reads(&maps[1], d) || reads(&maps[2], d)) {
            return Err(v.error(format!("reduction dimension {d} must be read by both inputs and not the accumulator")));
        }
        if !reduction && !reads(&maps[2], d) {
            return Err(v.error(format!("parallel dimension {d} must be in the accumulator")));
        }
        if !reads(&maps[0], d) && !reads(&maps[1], d) {
            return Err(v.error("expected all dimensions to be either a LHS or a RHS dimension"));
        }
    }
    let elem = ctx.element_type_or_self(types[2]);
    if !kind_fits(ctx, kind, elem) {
        return Err(v.error(format!("unsupported contraction type '{}' for kind '{kind}'", show(ctx, elem))));
    }
    // The inputs may be narrower than the accumulator (i8 x i8 into i32, f16 x f16 into f32):
    // they are extended to its type first.
    let (a, b) = (ctx.element_type_or_self(types[0]), ctx.element_type_or_self(types[1]));
    let width = |t: Type| if ctx.is_index(t) { Some(64) } else { ctx.int_or_float_width(t) };
    let fits = |t: Type| ctx.is_float(t) == ctx.is_float(elem) && width(t) <= width(elem);
    if a != b || !fits(a) || v.result_type(0) != types[2] {
        return Err(v.error(
            "the inputs must share an element type no wider than the accumulator's, and the result the accumulator's type",
        ));
    }
    Ok(())
}

/// An operation that yields values of `vector.mask`'s region.
fn yield_op() -> OpDef {
    OpDef::new("vector.yield")
        .summary("the values of a vector.mask region")
        .traits(&[Trait::Pure, Trait::Terminator, Trait::ReturnLike])
        .variadic_operand("operands", tc::ANY)
        .parent("vector.mask")
        .format("attr-dict ($operands^ `:` type($operands))?")
}

impl Dialect for Vector {
    fn name(&self) -> &'static str {
        "vector"
    }
    fn description(&self) -> &'static str {
        "SIMD values of any rank: loads, stores and transfers, broadcasts, shuffles, reductions, contractions, masks"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            OpDef::new("vector.load")
                .summary("reads a block of consecutive elements ending in the memref's last dimension")
                .operand("base", MEMREF)
                .variadic_operand("indices", tc::INDEX)
                .optional_attr("nontemporal", ac::BOOL)
                .optional_attr("alignment", ac::I64)
                .result("result", VECTOR)
                .verifier(|v| verify_access(v, 0, v.result_type(0), "result"))
                .format("$base `[` $indices `]` attr-dict `:` type($base) `,` type($result)"),
            OpDef::new("vector.store")
                .summary("writes a block of consecutive elements ending in the memref's last dimension")
                .operand("valueToStore", VECTOR)
                .operand("base", MEMREF)
                .variadic_operand("indices", tc::INDEX)
                .optional_attr("nontemporal", ac::BOOL)
                .optional_attr("alignment", ac::I64)
                .verifier(|v| verify_access(v, 1, v.operand_type(0), "valueToStore"))
                .format("$valueToStore `,` $base `[` $indices `]` attr-dict `:` type($base) `,` type($valueToStore)"),
            OpDef::new("vector.broadcast")
                .summary("a scalar or vector repeated along new or unit dimensions")
                .traits(&[Trait::Pure])
                .operand("source", tc::ANY)
                .result("vector", VECTOR)
                .verifier(verify_broadcast)
                .format("$source attr-dict `:` type($source) `to` type($vector)"),
            OpDef::new("vector.shuffle")
                .summary("elements of two vectors chosen by a constant mask")
                .traits(&[Trait::Pure])
                .operand("v1", VECTOR)
                .operand("v2", VECTOR)
                .attr("mask", ac::DENSE_I64_ARRAY)
                .result("vector", VECTOR)
                .verifier(verify_shuffle)
                .custom_syntax(syntax::parse_shuffle, syntax::print_shuffle),
            OpDef::new("vector.extract")
                .summary("an element or sub-vector at constant or dynamic positions")
                .traits(&[Trait::Pure])
                .operand("vector", VECTOR)
                .variadic_operand("dynamic_position", tc::INDEX)
                .attr("static_position", ac::DENSE_I64_ARRAY)
                .result("result", tc::ANY)
                .verifier(verify_extract)
                .custom_syntax(syntax::parse_extract, syntax::print_extract),
            OpDef::new("vector.insert")
                .summary("the vector with an element or sub-vector replaced")
                .traits(&[Trait::Pure])
                .operand("valueToStore", tc::ANY)
                .operand("dest", VECTOR)
                .variadic_operand("dynamic_position", tc::INDEX)
                .attr("static_position", ac::DENSE_I64_ARRAY)
                .result("result", VECTOR)
                .all_types_match(&["dest", "result"])
                .verifier(verify_insert)
                .custom_syntax(syntax::parse_insert, syntax::print_insert),
            OpDef::new("vector.extract_strided_slice")
                .summary("a window of the leading dimensions")
                .traits(&[Trait::Pure])
                .operand("vector", VECTOR)
                .attr("offsets", ac::ARRAY)
                .attr("sizes", ac::ARRAY)
                .attr("strides", ac::ARRAY)
                .result("result", VECTOR)
                .verifier(verify_extract_strided_slice)
                .format("$vector attr-dict `:` type($vector) `to` type($result)"),
            OpDef::new("vector.reduction")
                .summary("the elements of a 1-D vector combined by a kind, with an optional accumulator")
                .traits(&[Trait::Pure])
                .operand("vector", VECTOR)
                .optional_operand("acc", tc::ANY)
                .attr("kind", ac::ANY)
                .optional_attr("fastmath", ac::ANY)
                .result("dest", tc::ANY)
                .verifier(verify_reduction)
                .custom_syntax(syntax::parse_reduction, syntax::print_reduction),
            OpDef::new("vector.transpose")
                .summary("the dimensions permuted")
                .traits(&[Trait::Pure])
                .operand("vector", VECTOR)
                .attr("permutation", ac::DENSE_I64_ARRAY)
                .result("result", VECTOR)
                .verifier(verify_transpose)
                .custom_syntax(syntax::parse_transpose, syntax::print_transpose),
            OpDef::new("vector.fma")
                .summary("lhs * rhs + acc, lane by lane, rounded once")
                .traits(&[Trait::Pure, Trait::SameOperandsAndResultType, Trait::Elementwise])
                .operand("lhs", tc::FLOAT_LIKE)
                .operand("rhs", tc::FLOAT_LIKE)
                .operand("acc", tc::FLOAT_LIKE)
                .result("result", VECTOR)
                .format("$lhs `,` $rhs `,` $acc attr-dict `:` type($lhs)"),
            OpDef::new("vector.interleave")
                .summary("the lanes of two vectors alternated along the last dimension")
                .traits(&[Trait::Pure])
                .operand("lhs", VECTOR)
                .operand("rhs", VECTOR)
                .result("result", VECTOR)
                .all_types_match(&["lhs", "rhs"])
                .verifier(verify_interleave)
                .format("$lhs `,` $rhs attr-dict `:` type($lhs) `->` type($result)"),
            OpDef::new("vector.deinterleave")
                .summary("the even and the odd lanes of the last dimension")
                .traits(&[Trait::Pure])
                .operand("source", VECTOR)
                .result("res1", VECTOR)
                .result("res2", VECTOR)
                .all_types_match(&["res1", "res2"])
                .name_result_groups()
                .verifier(verify_deinterleave)
                .format("$source attr-dict `:` type($source) `->` type($res1)"),
            OpDef::new("vector.bitcast")
                .summary("the same bits as another element type (the last dimension rescaled)")
                .traits(&[Trait::Pure])
                .operand("source", VECTOR)
                .result("result", VECTOR)
                .verifier(verify_bitcast)
                .format("$source attr-dict `:` type($source) `to` type($result)"),
            OpDef::new("vector.shape_cast")
                .summary("the same elements in row-major order, in another shape")
                .traits(&[Trait::Pure])
                .operand("source", VECTOR)
                .result("result", VECTOR)
                .verifier(verify_shape_cast)
                .format("$source attr-dict `:` type($source) `to` type($result)"),
            OpDef::new("vector.from_elements")
                .summary("a vector of the given elements, row-major")
                .traits(&[Trait::Pure])
                .variadic_operand("elements", tc::ANY)
                .result("dest", VECTOR)
                .verifier(verify_from_elements)
                .format("$elements attr-dict `:` type($dest)"),
            OpDef::new("vector.step")
                .summary("0, 1, 2, ... as a vector of index")
                .traits(&[Trait::Pure])
                .result("result", VECTOR)
                .verifier(verify_step)
                .format("attr-dict `:` type($result)"),
            OpDef::new("vector.transfer_read")
                .summary("a vector read through a permutation map, out-of-bounds and masked-off lanes padded")
                .traits(&[Trait::AttrSizedOperandSegments])
                .operand("base", SHAPED)
                .variadic_operand("indices", tc::INDEX)
                .operand("padding", tc::ANY)
                .optional_operand("mask", VECTOR)
                .attr("permutation_map", ac::ANY)
                .attr("in_bounds", ac::ARRAY)
                .result("vector", VECTOR)
                .verifier(verify_transfer_read)
                .custom_syntax(syntax::parse_transfer_read, syntax::print_transfer_read),
            OpDef::new("vector.transfer_write")
                .summary("a vector written through a permutation map, out-of-bounds and masked-off lanes skipped")
                .traits(&[Trait::AttrSizedOperandSegments])
                .operand("valueToStore", VECTOR)
                .operand("base", SHAPED)
                .variadic_operand("indices", tc::INDEX)
                .optional_operand("mask", VECTOR)
                .attr("permutation_map", ac::ANY)
                .attr("in_bounds", ac::ARRAY)
                .variadic_result("result", tc::ANY)
                .verifier(verify_transfer_write)
                .custom_syntax(syntax::parse_transfer_write, syntax::print_transfer_write),
            OpDef::new("vector.mask")
                .summary("one op run on the lanes a mask enables")
                .traits(&[Trait::SingleBlock])
                .operand("mask", VECTOR)
                .optional_operand("passthru", tc::ANY)
                .region("maskRegion", true)
                .variadic_result("results", tc::ANY)
                .verifier(verify_mask)
                .custom_syntax(syntax::parse_mask, syntax::print_mask),
            yield_op(),
            OpDef::new("vector.contract")
                .summary("a contraction of two vectors into an accumulator over an iteration space (einsum)")
                .traits(&[Trait::Pure])
                .operand("lhs", VECTOR)
                .operand("rhs", VECTOR)
                .operand("acc", tc::ANY)
                .attr("indexing_maps", ac::ARRAY)
                .attr("iterator_types", ac::ARRAY)
                .attr("kind", ac::ANY)
                .result("result", tc::ANY)
                .verifier(verify_contract)
                .custom_syntax(syntax::parse_contract, syntax::print_contract),
        ]
    }
}

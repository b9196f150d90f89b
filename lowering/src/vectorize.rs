//! `vectorize{width=N}`: the innermost dimension of an elementwise `scf.parallel` nest in
//! vectors of N lanes, with a scalar loop for the tail.
//!
//! A nest qualifies when its body is straight-line scalar code (`memref.load`/`store`,
//! `arith`, `math`) whose loads and stores address the innermost dimension with the innermost
//! induction variable plus a lane-uniform offset (`iv`, `arith.addi %base, %iv`: contiguous
//! lanes) or not at all (the same value in every lane: loaded once and broadcast), and whose
//! other index arithmetic does not involve that variable.
//! The vector loop covers `0 .. ub - ub % N`; the original loop, started there, does the rest
//! (and disappears when nothing is left).
//!
//! The width is the target's: 4 f32 lanes for the 128-bit vectors of SSE and NEON; 8 (two
//! registers per step, as the code generator's default pipeline uses) hides more latency. A
//! nest narrower than N takes N/2 lanes, and so on down to 4.

use rustc_hash::{FxHashMap, FxHashSet};
use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo};
use strata_ir::{AttrKind, Builder, Context, Diagnostic, InsertPoint, Ir, OpId, OpState, Type, Value};

pub fn info() -> PassInfo {
    PassInfo::new(
        "vectorize",
        "Vectorize",
        "Vectorize the innermost dimension of elementwise scf.parallel nests",
        |o, _| {
            let width = o.int("width");
            // Vectors are whole 128-bit registers of at least four lanes (f32, i32) or two
            // (f64, i64): a width of 4 to 64 lanes, a power of two.
            if !(4..=64).contains(&width) || width.count_ones() != 1 {
                return Err(format!("width={width}: the width must be a power of two from 4 to 64"));
            }
            Ok(Box::new(Vectorize { width, nested: o.bool("nested") }))
        },
    )
    .anchor("func.func")
    .option(OptionSpec::int(
        "width",
        4,
        "Lanes per vector (4 f32 lanes fill a 128-bit register); narrower nests take half as many, down to 4",
    ))
    .option(OptionSpec::bool(
        "nested",
        true,
        "Also nests inside other loops (false: outermost nests only; the GPU's rows keep one element a thread)",
    ))
    .statistic("vectorized", "Loop nests vectorized")
}

struct Vectorize {
    width: i64,
    nested: bool,
}

/// The values of the body that depend on `iv` (through ops of the body).
fn dependents(ctx: &Context, ir: &Ir, body: &[OpId], iv: Value) -> FxHashSet<Value> {
    let mut dep = FxHashSet::default();
    dep.insert(iv);
    for &op in body {
        let _ = ctx;
        if ir.op(op).operands().iter().any(|v| dep.contains(v)) {
            dep.extend(ir.op(op).results().iter().copied());
        }
    }
    dep
}

/// A nest that can be vectorized along its last induction variable.
struct Lanes {
    /// The number of dimensions of the nest.
    dims: usize,
    /// The trip count of the last dimension.
    ub: i64,
    /// Indices that step by one with the lane: `iv` plus lane-uniform offsets. They are only
    /// a load's or store's last index (in the vector loop they become its first lane's).
    contiguous: FxHashSet<Value>,
}

/// Element types with lanes in the code generator's registers (f16 and bf16 are computed in
/// f32 one element at a time; narrow integers have no whole-register form).
fn has_lanes(ctx: &Context, t: Type) -> bool {
    matches!(ctx.type_to_string(t).as_str(), "f32" | "f64" | "i32" | "i64")
}

/// Ops that are not the same op lane by lane in the code generator's vectors: integer
/// division (no vector form, and it must trap on zero), shifts, and conversions (lanes change
/// width).
const SCALAR_ONLY: &[&str] = &[
    "arith.divsi",
    "arith.divui",
    "arith.remsi",
    "arith.remui",
    "arith.floordivsi",
    "arith.ceildivsi",
    "arith.ceildivui",
    "arith.shli",
    "arith.shrsi",
    "arith.shrui",
    "arith.extsi",
    "arith.extui",
    "arith.trunci",
    "arith.sitofp",
    "arith.uitofp",
    "arith.fptosi",
    "arith.fptoui",
    "arith.extf",
    "arith.truncf",
    "arith.index_cast",
    "arith.index_castui",
    "arith.bitcast",
];

/// Whether `op`'s body can be vectorized along its last induction variable, at any width.
fn qualifies(ctx: &Context, ir: &Ir, op: OpId) -> Option<Lanes> {
    let p = strata_dialects::scf::parallel_operands(ctx, ir, op).ok()?;
    // Reductions are not elementwise.
    if !p.inits.is_empty() {
        return None;
    }
    let (lb, ub, step) = (*p.lower.last()?, *p.upper.last()?, *p.steps.last()?);
    if crate::constant_index(ctx, ir, lb)? != 0 || crate::constant_index(ctx, ir, step)? != 1 {
        return None;
    }
    let ub = crate::constant_index(ctx, ir, ub)?;
    let region = ir.op(op).regions()[0];
    let block = *ir.region(region).blocks().first()?;
    let iv = *ir.block(block).args().last()?;
    let body: Vec<OpId> = ir.block_ops(block).collect();
    let dep = dependents(ctx, ir, &body, iv);
    let mut contiguous = FxHashSet::default();
    contiguous.insert(iv);
    for &inner in &body {
        let o = ir.op(inner);
        let name = ctx.ident_str(o.name());
        if !o.regions().is_empty() {
            return None;
        }
        if name == "arith.addi" {
            if let [a, b] = o.operands() {
                let lane_and_uniform = |x: &Value, y: &Value| contiguous.contains(x) && !dep.contains(y);
                if lane_and_uniform(a, b) || lane_and_uniform(b, a) {
                    contiguous.insert(o.result(0));
                    continue;
                }
            }
        }
        if name != "memref.load" && name != "memref.store" && o.operands().iter().any(|v| contiguous.contains(v)) {
            return None;
        }
        let indices: &[Value] = match name {
            "memref.load" => {
                if !has_lanes(ctx, ir.value_type(o.result(0))) {
                    return None;
                }
                &o.operands()[1..]
            }
            "memref.store" => {
                if !has_lanes(ctx, ir.value_type(o.operands()[0])) {
                    return None;
                }
                &o.operands()[2..]
            }
            "scf.reduce" => continue,
            n if n.starts_with("arith.") || n.starts_with("math.") => {
                // Index arithmetic on the lane variable would differ per lane.
                if o.results().iter().any(|r| dep.contains(r) && ctx.is_index(ir.value_type(*r))) {
                    return None;
                }
                // An op on lanes must exist lane by lane, on lane types (comparisons give
                // masks, which `select` takes).
                let lanewise = o.results().iter().any(|r| dep.contains(r));
                let typed = |v: &Value| has_lanes(ctx, ir.value_type(*v)) || ir.value_type(*v) == ctx.i1();
                if lanewise && (SCALAR_ONLY.contains(&n) || !o.results().iter().chain(o.operands()).all(typed)) {
                    return None;
                }
                // Masks are 32-bit lanes (as comparisons of f32x4 give): with 64-bit values a
                // comparison's mask would not line up with its operands' lanes.
                let masks = o.results().iter().chain(o.operands()).any(|v| ir.value_type(*v) == ctx.i1());
                let wide = |v: &Value| matches!(ctx.type_to_string(ir.value_type(*v)).as_str(), "f64" | "i64");
                if lanewise && masks && o.results().iter().chain(o.operands()).any(wide) {
                    return None;
                }
                continue;
            }
            _ => return None,
        };
        let (last, rest) = indices.split_last()?;
        if rest.iter().any(|v| dep.contains(v)) || (dep.contains(last) && !contiguous.contains(last)) {
            return None;
        }
        if name == "memref.store" && (!contiguous.contains(last) || contiguous.contains(&o.operands()[0])) {
            return None;
        }
    }
    Some(Lanes { dims: p.dims(), ub, contiguous })
}

fn vector_of(ctx: &Context, t: Type, width: i64) -> Type {
    ctx.vector_type(vec![width], t)
}

/// Builds the vector loop of `op` before it (the main part, `0 .. main`).
fn vector_loop(ctx: &Context, ir: &mut Ir, op: OpId, lanes: &Lanes, main: i64, width: i64) {
    let n = lanes.dims;
    let mut operands = ir.op(op).operands().to_vec();
    let chunks = Builder::new(ctx, ir, InsertPoint::Before(op)).value(
        "arith.constant",
        &[],
        ctx.index_type(),
        &[("value", ctx.integer_attr((main / width) as i128, ctx.index_type()))],
    );
    operands[2 * n - 1] = chunks;
    let mut state = OpState::new(ctx, "scf.parallel", ir.op(op).loc()).operands(&operands).regions(1);
    for a in ir.op(op).attrs() {
        state = state.attr(ctx, ctx.ident_str(a.name), a.value);
    }
    let new = Builder::new(ctx, ir, InsertPoint::Before(op)).insert(state);
    let old_block = ir.region(ir.op(op).regions()[0]).blocks()[0];
    let old_args = ir.block(old_block).args().to_vec();
    let block = ir.create_block(&vec![ctx.index_type(); n]);
    let region = ir.op(new).regions()[0];
    ir.append_block(region, block);
    let new_args = ir.block(block).args().to_vec();
    let mut b = Builder::at_end(ctx, ir, block);
    b.loc = b.ir.op(new).loc();
    let w = b.value(
        "arith.constant",
        &[],
        ctx.index_type(),
        &[("value", ctx.integer_attr(width as i128, ctx.index_type()))],
    );
    let base = b.value("arith.muli", &[new_args[n - 1], w], ctx.index_type(), &[]);
    // Scalars (uniform across lanes) and vectors (one value per lane) of the new body.
    let mut scalars: FxHashMap<Value, Value> =
        old_args[..n - 1].iter().copied().zip(new_args[..n - 1].iter().copied()).collect();
    scalars.insert(old_args[n - 1], base);
    let mut vectors: FxHashMap<Value, Value> = FxHashMap::default();
    let body: Vec<OpId> = b.ir.block_ops(old_block).collect();
    // Contiguous indices are copied as uniform ops: from the lane variable's base, each
    // gives its vector's first lane.
    let contiguous = &lanes.contiguous;
    for inner in body {
        let o = b.ir.op(inner).clone();
        // Each vector op keeps its scalar op's location (diagnostics point at the graph).
        b.loc = o.loc();
        let name = ctx.ident_str(o.name()).to_string();
        let map = |v: &Value, s: &FxHashMap<Value, Value>| s.get(v).copied().unwrap_or(*v);
        match name.as_str() {
            "scf.reduce" => {
                b.op("scf.reduce", &[], &[], &[]);
            }
            "memref.load" if contiguous.contains(o.operands().last().unwrap()) => {
                let idx: Vec<Value> = o.operands().iter().map(|v| map(v, &scalars)).collect();
                let t = vector_of(ctx, b.ir.value_type(o.result(0)), width);
                let v = b.value("vector.load", &idx, t, &[]);
                vectors.insert(o.result(0), v);
            }
            "memref.store" => {
                let value = o.operands()[0];
                let v = match vectors.get(&value) {
                    Some(v) => *v,
                    None => {
                        let t = vector_of(ctx, b.ir.value_type(value), width);
                        b.value("vector.broadcast", &[map(&value, &scalars)], t, &[])
                    }
                };
                let mut operands = vec![v];
                operands.extend(o.operands()[1..].iter().map(|x| map(x, &scalars)));
                b.op("vector.store", &operands, &[], &[]);
            }
            _ if o.operands().iter().any(|v| vectors.contains_key(v)) => {
                let mut operands = Vec::new();
                for v in o.operands() {
                    operands.push(match vectors.get(v) {
                        Some(x) => *x,
                        None => {
                            let t = vector_of(ctx, b.ir.value_type(*v), width);
                            b.value("vector.broadcast", &[map(v, &scalars)], t, &[])
                        }
                    });
                }
                let t = vector_of(ctx, b.ir.value_type(o.result(0)), width);
                let attrs: Vec<(&str, strata_ir::Attribute)> =
                    o.attrs().iter().map(|a| (ctx.ident_str(a.name), a.value)).collect();
                let v = b.value(&name, &operands, t, &attrs);
                vectors.insert(o.result(0), v);
            }
            _ => {
                // Uniform: the same scalar op on mapped operands.
                let operands: Vec<Value> = o.operands().iter().map(|v| map(v, &scalars)).collect();
                let types: Vec<Type> = o.results().iter().map(|r| b.ir.value_type(*r)).collect();
                let attrs: Vec<(&str, strata_ir::Attribute)> =
                    o.attrs().iter().map(|a| (ctx.ident_str(a.name), a.value)).collect();
                let copy = b.op(&name, &operands, &types, &attrs);
                for (r, c) in o.results().iter().zip(b.ir.op(copy).results().to_vec()) {
                    scalars.insert(*r, c);
                }
            }
        }
    }
}

impl Pass for Vectorize {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let (ctx, width) = (cx.ctx, self.width);
        let mut done = 0;
        for op in crate::parallel_nests(ctx, cx.ir, cx.op) {
            if !self.nested && cx.ir.parent_op(op) != Some(cx.op) {
                continue;
            }
            let Some(lanes) = qualifies(ctx, cx.ir, op) else { continue };
            // A nest narrower than the width takes half as many lanes, down to four.
            let mut width = width;
            while lanes.ub < width && width > 4 {
                width /= 2;
            }
            if lanes.ub < width {
                continue;
            }
            let ub = lanes.ub;
            let main = ub - ub % width;
            vector_loop(ctx, cx.ir, op, &lanes, main, width);
            if main == ub {
                cx.ir.erase_op(op);
            } else {
                // The original nest does the tail.
                let n = lanes.dims;
                let start = Builder::new(ctx, cx.ir, InsertPoint::Before(op)).value(
                    "arith.constant",
                    &[],
                    ctx.index_type(),
                    &[("value", ctx.intern_attr(AttrKind::Integer { value: main as i128, ty: ctx.index_type() }))],
                );
                let mut operands = cx.ir.op(op).operands().to_vec();
                operands[n - 1] = start;
                cx.ir.set_operands(op, &operands);
            }
            done += 1;
        }
        cx.add_stat("vectorized", done);
        Ok(())
    }
}

//! A block per iteration: for nests of few iterations whose bodies are long inner loops (the
//! rows of a softmax or a layer norm), one thread per iteration leaves most of the GPU idle
//! and reads each row in one thread, uncoalesced. Here each iteration gets a block, and its
//! threads share the body's inner loops:
//!
//! - an inner `scf.parallel` (no reductions) becomes a loop over its flattened iterations
//!   starting at the thread's index and striding by the block size (neighbouring threads read
//!   neighbouring elements), between barriers, so what one part writes the next one sees;
//! - an `scf.for` reduction (one carried value combined by `addf`, `maximumf` or `minimumf`,
//!   no stores) runs strided the same way from the combiner's identity in each thread, then
//!   the block combines the threads' values: by xor shuffles within each warp, each warp's
//!   result through workgroup memory, and every thread combining those in warp order and then
//!   the loop's initial value, so all threads hold the same result;
//! - a store of such a result (a convolution's output element) is made by thread 0 alone,
//!   between barriers;
//! - everything else (index arithmetic, a scalar load) is computed by every thread.
//!
//! A sum so computed adds in another order than the loop did: results move by rounding.

use strata_ir::{Builder, Context, Diagnostic, InsertPoint, Ir, OpId, OpState, Type, Value, ValueDef};

use super::map::{build_launch, index_const, inline_nest, name, trip_count};

/// Threads of a cooperating block.
const THREADS: i64 = 256;
const WARP: i64 = 32;
/// The shortest inner loop worth sharing out.
const MIN_SHARED_TRIPS: i64 = 128;

/// How a reduction combines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Combine {
    AddF,
    MaximumF,
    MinimumF,
}

impl Combine {
    fn op(self) -> &'static str {
        match self {
            Combine::AddF => "arith.addf",
            Combine::MaximumF => "arith.maximumf",
            Combine::MinimumF => "arith.minimumf",
        }
    }

    /// The identity: -0 for sums (0 + -0 would be +0), ±inf for extrema.
    fn identity(self) -> f64 {
        match self {
            Combine::AddF => -0.0,
            Combine::MaximumF => f64::NEG_INFINITY,
            Combine::MinimumF => f64::INFINITY,
        }
    }
}

/// A top-level op of the nest's body and how its block runs it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Part {
    /// Computed by every thread.
    Everyone,
    /// An inner nest shared out.
    Nest(OpId),
    /// A reduction shared out and combined.
    Reduction(OpId, Combine),
    /// A store of what every thread holds alike: made once, by thread 0, before a barrier.
    Single(OpId),
}

fn constant_trips(ctx: &Context, ir: &Ir, lb: Value, ub: Value, step: Value) -> Option<i64> {
    let c = |v| crate::constant_index(ctx, ir, v);
    let (l, u, s) = (c(lb)?, c(ub)?, c(step)?);
    (s > 0).then(|| if u > l { (u - l + s - 1) / s } else { 0 })
}

/// The combiner of `scf.for` `op` if it is a reduction this module shares out: one carried
/// `f32`, nothing stored, and the carried value combined once per iteration, directly or
/// through inner loops that carry it on (a convolution's sum over channels, then taps).
fn reduction(ctx: &Context, ir: &Ir, op: OpId) -> Option<Combine> {
    let o = ir.op(op);
    if o.results().len() != 1 || ir.value_type(o.result(0)) != ctx.f32_type() {
        return None;
    }
    if ir.collect_ops(op).iter().any(|i| matches!(name(ctx, ir, *i), "memref.store" | "vector.store" | "memref.copy")) {
        return None;
    }
    chain(ctx, ir, op)
}

/// How loop `op` combines its carried value: its only use is the combiner whose result the
/// body yields, or the initial value of an inner `scf.for` (whose result the body yields)
/// that combines it so in turn.
pub(super) fn chain(ctx: &Context, ir: &Ir, op: OpId) -> Option<Combine> {
    let o = ir.op(op);
    if name(ctx, ir, op) != "scf.for" || o.operands().len() != 4 || o.results().len() != 1 {
        return None;
    }
    let body = *ir.region(o.regions()[0]).blocks().first()?;
    let acc = *ir.block(body).args().get(1)?;
    let yielded = *ir.op(ir.block(body).last_op()?).operands().first()?;
    let ValueDef::Result { op: def, .. } = ir.value(yielded).def() else { return None };
    let [only] = ir.value(acc).uses() else { return None };
    if only.op != def {
        return None;
    }
    match name(ctx, ir, def) {
        "arith.addf" => Some(Combine::AddF),
        "arith.maximumf" => Some(Combine::MaximumF),
        "arith.minimumf" => Some(Combine::MinimumF),
        "scf.for" if ir.op(def).operands().get(3) == Some(&acc) => chain(ctx, ir, def),
        _ => None,
    }
}

/// Below this many iterations, a nest of reductions alone (a classifier's matrix-vector
/// product) takes a block per iteration too. Above it, convolutions and products keep one
/// thread per output: on an H100, sharing MobileNetV2's 1×1 convolutions (7840 outputs of 960
/// channels) over blocks made the model 40% slower (2.30 → 3.22 ms), while rows with
/// elementwise passes (softmax, layer norm) gained 10 to 20 times.
const FEW_ITERATIONS: i64 = 2048;

/// How the nest's block would run its body, if every part can be shared out, one is long, and
/// the body is a row (reductions and elementwise passes along it) or the nest has few
/// (`iterations`) iterations.
pub(super) fn plan(ctx: &Context, ir: &Ir, nest: OpId, iterations: i64) -> Option<Vec<Part>> {
    let body = *ir.region(ir.op(nest).regions()[0]).blocks().first()?;
    let ops: Vec<OpId> = ir.block_ops(body).collect();
    let (_, rest) = ops.split_last()?;
    let mut parts = Vec::new();
    let mut longest = 0;
    for &op in rest {
        let o = ir.op(op);
        let n = name(ctx, ir, op);
        if n == "scf.parallel" {
            let p = strata_dialects::scf::parallel_operands(ctx, ir, op).ok()?;
            if !p.inits.is_empty() {
                return None;
            }
            let trips = (0..p.dims())
                .map(|d| constant_trips(ctx, ir, p.lower[d], p.upper[d], p.steps[d]))
                .try_fold(1i64, |a, t| t.map(|t| a.saturating_mul(t)));
            longest = longest.max(trips.unwrap_or(i64::MAX));
            parts.push(Part::Nest(op));
        } else if n == "scf.for" && o.operands().len() == 4 {
            let kind = reduction(ctx, ir, op)?;
            let ops = o.operands();
            longest = longest.max(constant_trips(ctx, ir, ops[0], ops[1], ops[2]).unwrap_or(i64::MAX));
            parts.push(Part::Reduction(op, kind));
        } else if n == "memref.store" {
            parts.push(Part::Single(op));
        } else if o.regions().is_empty() && !matches!(n, "vector.store" | "memref.copy") {
            parts.push(Part::Everyone);
        } else {
            return None;
        }
    }
    let row = parts.iter().any(|p| matches!(p, Part::Nest(_)));
    (longest >= MIN_SHARED_TRIPS && (row || iterations < FEW_ITERATIONS)).then_some(parts)
}

/// The nest as a launch of `n` blocks of [`THREADS`], its body's parts as `plan` said.
pub(super) fn launch(
    ctx: &Context,
    ir: &mut Ir,
    nest: OpId,
    dims: &[(Value, Value, Value)],
    counts: &[Value],
    n: i64,
    parts: Vec<Part>,
) -> Result<(), Diagnostic> {
    let loc = ir.op(nest).loc();
    let f32 = ctx.f32_type();
    let before = InsertPoint::Before(nest);
    let reductions = parts.iter().filter(|p| matches!(p, Part::Reduction(..))).count();
    let scratch = ctx
        .parse_type(&format!("memref<{}xf32, #gpu.address_space<workgroup>>", THREADS / WARP))
        .map_err(|e| Diagnostic::error(loc, format!("the workgroup buffer's type: {e:?}")))?;
    let grid = index_const(ctx, ir, before, n);
    let threads = index_const(ctx, ir, before, THREADS);
    let (_, body) = build_launch(ctx, ir, nest, loc, grid, threads, &vec![scratch; reductions]);
    let args = ir.block(body).args().to_vec();
    let (block, thread, buffers) = (args[0], args[3], args[12..].to_vec());
    // The nest's induction variables from the block's index.
    inline_nest(ctx, ir, nest, body, block, dims, counts);
    Builder::at_end(ctx, ir, body).op("gpu.terminator", &[], &[], &[]);

    let mut buffers = buffers.into_iter();
    for part in parts {
        match part {
            Part::Everyone => {}
            Part::Nest(op) => share_nest(ctx, ir, op, thread)?,
            Part::Reduction(op, kind) => {
                let buffer = buffers.next().expect("a buffer per reduction");
                share_reduction(ctx, ir, op, kind, thread, buffer, f32)?;
            }
            Part::Single(op) => store_once(ctx, ir, op, thread),
        }
    }
    ir.erase_op(nest);
    Ok(())
}

/// The store `op` made by thread 0 alone, between barriers (every thread has read what it
/// overwrites before, and sees it after).
fn store_once(ctx: &Context, ir: &mut Ir, op: OpId, thread: Value) {
    let loc = ir.op(op).loc();
    barrier(ctx, ir, InsertPoint::Before(op), loc);
    let next = ir.op(op).next().expect("a store does not end its block");
    let at = InsertPoint::Before(next);
    let zero = index_const(ctx, ir, at, 0);
    let mut b = Builder::new(ctx, ir, at);
    b.loc = loc;
    let eq = ctx.integer_attr(0, ctx.i64_type());
    let first = b.value("arith.cmpi", &[thread, zero], ctx.i1(), &[("predicate", eq)]);
    let guard = b.insert(OpState::new(ctx, "scf.if", loc).operands(&[first]).regions(2));
    let then = ir.create_block(&[]);
    ir.append_block(ir.op(guard).regions()[0], then);
    ir.move_op(op, InsertPoint::BlockEnd(then));
    Builder::at_end(ctx, ir, then).op("scf.yield", &[], &[], &[]);
    barrier(ctx, ir, at, loc);
}

fn barrier(ctx: &Context, ir: &mut Ir, at: InsertPoint, loc: strata_ir::Location) {
    let mut b = Builder::new(ctx, ir, at);
    b.loc = loc;
    b.op("gpu.barrier", &[], &[], &[]);
}

/// `nest`'s iterations strided over the block's threads, between barriers.
fn share_nest(ctx: &Context, ir: &mut Ir, nest: OpId, thread: Value) -> Result<(), Diagnostic> {
    let loc = ir.op(nest).loc();
    let index = ctx.index_type();
    let p = strata_dialects::scf::parallel_operands(ctx, ir, nest).map_err(|m| Diagnostic::error(loc, m))?;
    let dims: Vec<(Value, Value, Value)> = (0..p.dims()).map(|d| (p.lower[d], p.upper[d], p.steps[d])).collect();
    let before = InsertPoint::Before(nest);
    barrier(ctx, ir, before, loc);
    let counts: Vec<Value> = dims.iter().map(|d| trip_count(ctx, ir, before, *d)).collect();
    let mut total = index_const(ctx, ir, before, 1);
    for c in &counts {
        total = Builder::new(ctx, ir, before).value("arith.muli", &[total, *c], index, &[]);
    }
    let stride = index_const(ctx, ir, before, THREADS);
    let mut b = Builder::new(ctx, ir, before);
    b.loc = loc;
    let strided = b.insert(OpState::new(ctx, "scf.for", loc).operands(&[thread, total, stride]).regions(1));
    let body = ir.create_block(&[index]);
    ir.append_block(ir.op(strided).regions()[0], body);
    let flat = ir.block(body).args()[0];
    inline_nest(ctx, ir, nest, body, flat, &dims, &counts);
    Builder::at_end(ctx, ir, body).op("scf.yield", &[], &[], &[]);
    barrier(ctx, ir, InsertPoint::After(nest), loc);
    ir.erase_op(nest);
    Ok(())
}

/// The reduction `op` strided over the block's threads, then combined across them.
fn share_reduction(
    ctx: &Context,
    ir: &mut Ir,
    op: OpId,
    kind: Combine,
    thread: Value,
    buffer: Value,
    f32: Type,
) -> Result<(), Diagnostic> {
    let loc = ir.op(op).loc();
    let index = ctx.index_type();
    let i32 = ctx.integer_type(32);
    let operands = ir.op(op).operands().to_vec();
    let (lb, ub, step, init) = (operands[0], operands[1], operands[2], operands[3]);
    let before = InsertPoint::Before(op);
    let identity = Builder::new(ctx, ir, before).value(
        "arith.constant",
        &[],
        f32,
        &[("value", ctx.float_attr(kind.identity(), f32))],
    );
    let threads = index_const(ctx, ir, before, THREADS);
    let mut b = Builder::new(ctx, ir, before);
    b.loc = loc;
    let offset = b.value("arith.muli", &[thread, step], index, &[]);
    let start = b.value("arith.addi", &[lb, offset], index, &[]);
    let stride = b.value("arith.muli", &[step, threads], index, &[]);
    // The same loop from the thread's first element, by the block's stride, from the identity.
    ir.set_operands(op, &[start, ub, stride, identity]);
    let result = ir.op(op).result(0);
    let uses: Vec<strata_ir::Use> = ir.value(result).uses().to_vec();

    // Everything below goes between the loop and the op after it, in order.
    let next = ir.op(op).next().ok_or_else(|| Diagnostic::error(loc, "a reduction that ends its block"))?;
    let at = InsertPoint::Before(next);
    // Within each warp: xor shuffles 16, 8, 4, 2, 1.
    let width = Builder::new(ctx, ir, at).value("arith.constant", &[], i32, &[("value", ctx.integer_attr(32, i32))]);
    let mode = strata_dialects::gpu::shuffle_mode_attr(ctx, "xor")
        .ok_or_else(|| Diagnostic::error(loc, "the xor shuffle mode"))?;
    let mut value = result;
    for offset in [16, 8, 4, 2, 1] {
        let mut b = Builder::new(ctx, ir, at);
        b.loc = loc;
        let o = b.value("arith.constant", &[], i32, &[("value", ctx.integer_attr(offset, i32))]);
        let shuffle = b.insert(
            OpState::new(ctx, "gpu.shuffle", loc)
                .operands(&[value, o, width])
                .results(&[f32, ctx.i1()])
                .attr(ctx, "mode", mode),
        );
        let other = ir.op(shuffle).result(0);
        let mut b = Builder::new(ctx, ir, at);
        b.loc = loc;
        value = b.value(kind.op(), &[value, other], f32, &[]);
    }
    // Lane 0 of each warp writes the warp's value; after a barrier every thread combines them.
    let warp = index_const(ctx, ir, at, WARP);
    let zero = index_const(ctx, ir, at, 0);
    let one = index_const(ctx, ir, at, 1);
    let warps = index_const(ctx, ir, at, THREADS / WARP);
    let mut b = Builder::new(ctx, ir, at);
    b.loc = loc;
    let lane = b.value("arith.remui", &[thread, warp], index, &[]);
    let which = b.value("arith.divui", &[thread, warp], index, &[]);
    let eq = ctx.integer_attr(0, ctx.i64_type());
    let first = b.value("arith.cmpi", &[lane, zero], ctx.i1(), &[("predicate", eq)]);
    let guard = b.insert(OpState::new(ctx, "scf.if", loc).operands(&[first]).regions(2));
    let then = ir.create_block(&[]);
    ir.append_block(ir.op(guard).regions()[0], then);
    let mut b = Builder::at_end(ctx, ir, then);
    b.loc = loc;
    b.op("memref.store", &[value, buffer, which], &[], &[]);
    b.op("scf.yield", &[], &[], &[]);
    barrier(ctx, ir, at, loc);
    let mut b = Builder::new(ctx, ir, at);
    b.loc = loc;
    let fold =
        b.insert(OpState::new(ctx, "scf.for", loc).operands(&[zero, warps, one, identity]).results(&[f32]).regions(1));
    let body = ir.create_block(&[index, f32]);
    ir.append_block(ir.op(fold).regions()[0], body);
    let (w, acc) = (ir.block(body).args()[0], ir.block(body).args()[1]);
    let mut b = Builder::at_end(ctx, ir, body);
    b.loc = loc;
    let part = b.value("memref.load", &[buffer, w], f32, &[]);
    let next = b.value(kind.op(), &[acc, part], f32, &[]);
    b.op("scf.yield", &[next], &[], &[]);
    let total = ir.op(fold).result(0);
    let mut b = Builder::new(ctx, ir, at);
    b.loc = loc;
    let combined = b.value(kind.op(), &[init, total], f32, &[]);
    // The loop's users now read the block's result.
    for u in uses {
        ir.set_operand(u.op, u.index as usize, combined);
    }
    Ok(())
}

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
//! - both take [`COPIES`] iterations a step (strided by the block size, cloned op by op so
//!   that their loads come first) while whole groups of them are left, where the body is
//!   straight-line code, and then the rest one at a time;
//! - a reduction that reads back exactly what the nest before it stored (softmax's sum of the
//!   exponentials) is made by that nest: each thread combines the values as it stores them,
//!   and the block combines the threads' results as above;
//! - a store of such a result (a convolution's output element) is made by thread 0 alone,
//!   between barriers;
//! - everything else (index arithmetic, a scalar load) is computed by every thread.
//!
//! A sum so computed adds in another order than the loop did: results move by rounding.

use strata_ir::{Builder, Context, Diagnostic, InsertPoint, Ir, IrMapping, OpId, OpState, Type, Value, ValueDef};

use super::map::{build_launch, index_const, inline_nest, name, nest_ivs, trip_count};

/// Threads of a cooperating block.
const THREADS: i64 = 256;
const WARP: i64 = 32;
/// Iterations of a shared-out loop a thread takes each step (of a straight-line body), op by
/// op so that their loads are all in flight together. With one load each, 256-thread blocks
/// keep too few bytes in flight for an H100's memory (Little's law: some 2 MB at 3 TB/s and
/// 700 ns; [`THREADS`] · 4 bytes a block, 8 blocks a multiprocessor, 132 of them: 1 MB).
const COPIES: i64 = 4;
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

    /// The identity as an `f32` constant at `at`.
    fn identity_at(self, ctx: &Context, ir: &mut Ir, at: InsertPoint) -> Value {
        let f32 = ctx.f32_type();
        Builder::new(ctx, ir, at).value("arith.constant", &[], f32, &[("value", ctx.float_attr(self.identity(), f32))])
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
    /// An inner nest and the reduction after it over what the nest stores: each thread
    /// combines the values it stores as it stores them, instead of reading them back.
    NestThenReduction(OpId, OpId, Combine),
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
    (longest >= MIN_SHARED_TRIPS && (row || iterations < FEW_ITERATIONS)).then(|| fuse_reductions(ctx, ir, parts))
}

/// Each nest directly followed by a reduction over what it stores (a softmax's sum of the
/// exponentials it has just written) as one part.
fn fuse_reductions(ctx: &Context, ir: &Ir, parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::with_capacity(parts.len());
    for part in parts {
        match (out.last(), part) {
            (Some(&Part::Nest(nest)), Part::Reduction(r, kind))
                if reads_what_nest_stores(ctx, ir, nest, r).is_some() =>
            {
                *out.last_mut().expect("a last part") = Part::NestThenReduction(nest, r, kind);
            }
            (_, part) => out.push(part),
        }
    }
    out
}

/// The one store of a one-dimensional `nest`'s body, if its body stores nothing else.
fn only_store(ctx: &Context, ir: &Ir, nest: OpId) -> Option<OpId> {
    let stores: Vec<OpId> = ir
        .collect_ops(nest)
        .into_iter()
        .filter(|o| matches!(name(ctx, ir, *o), "memref.store" | "vector.store" | "memref.copy"))
        .collect();
    match stores[..] {
        [store] if name(ctx, ir, store) == "memref.store" && ir.parent_op(store) == Some(nest) => Some(store),
        _ => None,
    }
}

/// Whether reduction `r` (a load and the combiner, over the same iterations as the
/// one-dimensional `nest`) reads back, at each iteration, the `f32` that `nest`'s only store
/// wrote at the same iteration: then the stored values can be combined as they are stored.
fn reads_what_nest_stores(ctx: &Context, ir: &Ir, nest: OpId, r: OpId) -> Option<()> {
    let p = strata_dialects::scf::parallel_operands(ctx, ir, nest).ok()?;
    let o = ir.op(r).operands();
    let same = |a: Value, b: Value| {
        a == b
            || matches!((crate::constant_index(ctx, ir, a), crate::constant_index(ctx, ir, b)), (Some(x), Some(y)) if x == y)
    };
    if p.dims() != 1 || !same(p.lower[0], o[0]) || !same(p.upper[0], o[1]) || !same(p.steps[0], o[2]) {
        return None;
    }
    let store = only_store(ctx, ir, nest)?;
    let stored = ir.op(store).operands();
    let nest_iv = ir.block(*ir.region(ir.op(nest).regions()[0]).blocks().first()?).args()[0];
    let body = *ir.region(ir.op(r).regions()[0]).blocks().first()?;
    let ops: Vec<OpId> = ir.block_ops(body).collect();
    let [load, combine, _yield] = ops[..] else { return None };
    let loaded = ir.op(load).operands();
    let r_iv = ir.block(body).args()[0];
    let matches = name(ctx, ir, load) == "memref.load"
        && ir.op(combine).operands().contains(&ir.op(load).result(0))
        && loaded[1..].contains(&r_iv)
        && ir.value_type(stored[0]) == ctx.f32_type()
        && loaded.len() + 1 == stored.len()
        && loaded[0] == stored[1]
        && loaded[1..]
            .iter()
            .zip(&stored[2..])
            .all(|(l, s)| (*l == r_iv && *s == nest_iv) || (l == s && *l != r_iv && *s != nest_iv));
    matches.then_some(())
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
    let before = InsertPoint::Before(nest);
    let reductions = parts.iter().filter(|p| matches!(p, Part::Reduction(..) | Part::NestThenReduction(..))).count();
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
            Part::Nest(op) => share_nest(ctx, ir, op, thread, None)?,
            Part::Reduction(op, kind) => {
                let buffer = buffers.next().expect("a buffer per reduction");
                share_reduction(ctx, ir, op, kind, thread, buffer)?;
            }
            Part::NestThenReduction(op, reduction, kind) => {
                let buffer = buffers.next().expect("a buffer per reduction");
                share_nest(ctx, ir, op, thread, Some((reduction, kind, buffer)))?;
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

/// Whether `body` is straight-line code (no op with regions before its terminator).
fn straight_line(ir: &Ir, body: strata_ir::BlockId) -> bool {
    let ops: Vec<OpId> = ir.block_ops(body).collect();
    ops.split_last().is_some_and(|(_, rest)| rest.iter().all(|o| ir.op(*o).regions().is_empty()))
}

/// Clones the ops of `body` but its terminator at `at` once per mapping, op by op (every
/// copy of an op before the next op), so that the copies' loads all come before their
/// arithmetic and stores. Iterations of a parallel nest are independent, so any order is
/// theirs; a reduction's copies chain the carried value (`chain`: the carried argument and
/// the value each iteration yields) from one copy to the next.
fn clone_in_lockstep(
    ir: &mut Ir,
    body: strata_ir::BlockId,
    at: InsertPoint,
    maps: &mut [IrMapping],
    chain: Option<(Value, Value, Value)>,
) {
    let ops: Vec<OpId> = ir.block_ops(body).collect();
    let (_, rest) = ops.split_last().expect("a body ends in its terminator");
    for &op in rest {
        for u in 0..maps.len() {
            if let Some((carried, first, yielded)) = chain {
                let into = if u == 0 { first } else { maps[u - 1].lookup(yielded) };
                maps[u].values.insert(carried, into);
            }
            let copy = ir.clone_op(op, &mut maps[u]);
            ir.insert_op(copy, at);
        }
    }
}

/// A loop over the groups of [`COPIES`] · [`THREADS`] iterations that `total` has whole,
/// carrying `carried` (if any) and giving the body the group's first iteration for this
/// thread; then the first iteration left for the thread after the groups.
struct Groups {
    body: strata_ir::BlockId,
    base: Value,
    carried: Option<Value>,
    result: Option<Value>,
    rest: Value,
}

/// An empty `scf.for` over `bounds` (lower, upper, step) at `at`, carrying `init` (an `f32`)
/// if there is one; its op and body.
fn for_loop(
    ctx: &Context,
    ir: &mut Ir,
    at: InsertPoint,
    loc: strata_ir::Location,
    bounds: [Value; 3],
    init: Option<Value>,
) -> (OpId, strata_ir::BlockId) {
    let (index, f32) = (ctx.index_type(), ctx.f32_type());
    let operands: Vec<Value> = bounds.into_iter().chain(init).collect();
    let results: Vec<Type> = init.iter().map(|_| f32).collect();
    let mut b = Builder::new(ctx, ir, at);
    b.loc = loc;
    let op = b.insert(OpState::new(ctx, "scf.for", loc).operands(&operands).results(&results).regions(1));
    let arg_types: Vec<Type> = std::iter::once(index).chain(init.iter().map(|_| f32)).collect();
    let body = ir.create_block(&arg_types);
    ir.append_block(ir.op(op).regions()[0], body);
    (op, body)
}

impl Groups {
    /// The thread's `u`-th iteration of the group, computed at the end of the body.
    fn iteration(&self, ctx: &Context, ir: &mut Ir, loc: strata_ir::Location, u: i64) -> Value {
        let at = InsertPoint::BlockEnd(self.body);
        let offset = index_const(ctx, ir, at, u * THREADS);
        let mut b = Builder::new(ctx, ir, at);
        b.loc = loc;
        b.value("arith.addi", &[self.base, offset], ctx.index_type(), &[])
    }
}

fn groups(
    ctx: &Context,
    ir: &mut Ir,
    at: InsertPoint,
    loc: strata_ir::Location,
    thread: Value,
    total: Value,
    init: Option<Value>,
) -> Groups {
    let index = ctx.index_type();
    let per_group = index_const(ctx, ir, at, COPIES * THREADS);
    let zero = index_const(ctx, ir, at, 0);
    let one = index_const(ctx, ir, at, 1);
    let mut b = Builder::new(ctx, ir, at);
    b.loc = loc;
    let count = b.value("arith.divui", &[total, per_group], index, &[]);
    let done = b.value("arith.muli", &[count, per_group], index, &[]);
    let rest = b.value("arith.addi", &[done, thread], index, &[]);
    let (lp, body) = for_loop(ctx, ir, at, loc, [zero, count, one], init);
    let (g, carried) = (ir.block(body).args()[0], ir.block(body).args().get(1).copied());
    let mut b = Builder::at_end(ctx, ir, body);
    b.loc = loc;
    let first = b.value("arith.muli", &[g, per_group], index, &[]);
    let base = b.value("arith.addi", &[first, thread], index, &[]);
    Groups { body, base, carried, result: ir.op(lp).results().first().copied(), rest }
}

/// `nest`'s iterations strided over the block's threads, between barriers: [`COPIES`]
/// iterations a step while whole groups of them are left (a straight-line body), then one.
/// With `reduction` (the reduction after the nest over what it stores, how it combines, its
/// workgroup buffer), each thread also combines the values it stores, the block combines the
/// threads' results, and the reduction's users read that.
fn share_nest(
    ctx: &Context,
    ir: &mut Ir,
    nest: OpId,
    thread: Value,
    reduction: Option<(OpId, Combine, Value)>,
) -> Result<(), Diagnostic> {
    let loc = ir.op(nest).loc();
    let (index, f32) = (ctx.index_type(), ctx.f32_type());
    let p = strata_dialects::scf::parallel_operands(ctx, ir, nest).map_err(|m| Diagnostic::error(loc, m))?;
    let dims: Vec<(Value, Value, Value)> = (0..p.dims()).map(|d| (p.lower[d], p.upper[d], p.steps[d])).collect();
    let before = InsertPoint::Before(nest);
    barrier(ctx, ir, before, loc);
    let counts: Vec<Value> = dims.iter().map(|d| trip_count(ctx, ir, before, *d)).collect();
    let mut total = index_const(ctx, ir, before, 1);
    for c in &counts {
        total = Builder::new(ctx, ir, before).value("arith.muli", &[total, *c], index, &[]);
    }
    let old = *ir.region(ir.op(nest).regions()[0]).blocks().first().expect("a nest has a body");
    let stored = reduction.map(|_| ir.op(only_store(ctx, ir, nest).expect("a fused nest has one store")).operands()[0]);
    let identity = reduction.map(|(_, kind, _)| kind.identity_at(ctx, ir, before));
    let combine = |ctx: &Context, ir: &mut Ir, at: InsertPoint, acc: Value, v: Value| -> Value {
        let kind = reduction.expect("combined only with a reduction").1;
        let mut b = Builder::new(ctx, ir, at);
        b.loc = loc;
        b.value(kind.op(), &[acc, v], f32, &[])
    };

    let (mut start, mut carried) = (thread, identity);
    if straight_line(ir, old) {
        let g = groups(ctx, ir, before, loc, thread, total, identity);
        let at = InsertPoint::BlockEnd(g.body);
        let arg = ir.block(old).args()[0..dims.len()].to_vec();
        let mut maps: Vec<IrMapping> = (0..COPIES)
            .map(|u| {
                let flat = g.iteration(ctx, ir, loc, u);
                let ivs = nest_ivs(ctx, ir, at, loc, flat, &dims, &counts);
                let mut map = IrMapping::default();
                map.values.extend(arg.iter().copied().zip(ivs));
                map
            })
            .collect();
        clone_in_lockstep(ir, old, at, &mut maps, None);
        let mut yielded = vec![];
        if let (Some(acc), Some(v)) = (g.carried, stored) {
            let mut acc = acc;
            for map in &maps {
                acc = combine(ctx, ir, at, acc, map.lookup(v));
            }
            yielded.push(acc);
        }
        Builder::at_end(ctx, ir, g.body).op("scf.yield", &yielded, &[], &[]);
        (start, carried) = (g.rest, g.result);
    }

    let stride = index_const(ctx, ir, before, THREADS);
    let (strided, body) = for_loop(ctx, ir, before, loc, [start, total, stride], carried);
    let flat = ir.block(body).args()[0];
    inline_nest(ctx, ir, nest, body, flat, &dims, &counts);
    let mut yielded = vec![];
    if let (Some(acc), Some(v)) = (ir.block(body).args().get(1).copied(), stored) {
        yielded.push(combine(ctx, ir, InsertPoint::BlockEnd(body), acc, v));
    }
    Builder::at_end(ctx, ir, body).op("scf.yield", &yielded, &[], &[]);
    barrier(ctx, ir, InsertPoint::After(nest), loc);
    ir.erase_op(nest);

    if let Some((op, kind, buffer)) = reduction {
        let init = ir.op(op).operands()[3];
        let at = InsertPoint::Before(op);
        let partial = ir.op(strided).result(0);
        let total = combine_across_block(ctx, ir, at, loc, kind, partial, thread, buffer, init)?;
        let result = ir.op(op).result(0);
        ir.replace_all_uses(result, total);
        ir.erase_op(op);
    }
    Ok(())
}

/// The reduction `op` strided over the block's threads ([`COPIES`] iterations a step while
/// whole groups are left, for a straight-line body), then combined across them.
fn share_reduction(
    ctx: &Context,
    ir: &mut Ir,
    op: OpId,
    kind: Combine,
    thread: Value,
    buffer: Value,
) -> Result<(), Diagnostic> {
    let loc = ir.op(op).loc();
    let index = ctx.index_type();
    let operands = ir.op(op).operands().to_vec();
    let (lb, ub, step, init) = (operands[0], operands[1], operands[2], operands[3]);
    let before = InsertPoint::Before(op);
    let identity = kind.identity_at(ctx, ir, before);
    let threads = index_const(ctx, ir, before, THREADS);
    let old = *ir.region(ir.op(op).regions()[0]).blocks().first().expect("a loop has a body");
    let (mut first, mut from) = (thread, identity);
    if straight_line(ir, old) {
        let total = trip_count(ctx, ir, before, (lb, ub, step));
        let g = groups(ctx, ir, before, loc, thread, total, Some(identity));
        let at = InsertPoint::BlockEnd(g.body);
        let (iv, acc) = (ir.block(old).args()[0], ir.block(old).args()[1]);
        let yielded = ir.op(ir.block(old).last_op().expect("a terminator")).operands()[0];
        let mut maps: Vec<IrMapping> = (0..COPIES)
            .map(|u| {
                let flat = g.iteration(ctx, ir, loc, u);
                let mut b = Builder::new(ctx, ir, at);
                b.loc = loc;
                let scaled = b.value("arith.muli", &[flat, step], index, &[]);
                let i = b.value("arith.addi", &[lb, scaled], index, &[]);
                let mut map = IrMapping::default();
                map.values.insert(iv, i);
                map
            })
            .collect();
        let carried = g.carried.expect("the groups carry the reduction");
        clone_in_lockstep(ir, old, at, &mut maps, Some((acc, carried, yielded)));
        let last = maps[maps.len() - 1].lookup(yielded);
        Builder::at_end(ctx, ir, g.body).op("scf.yield", &[last], &[], &[]);
        (first, from) = (g.rest, g.result.expect("the groups' result"));
    }
    let mut b = Builder::new(ctx, ir, before);
    b.loc = loc;
    let offset = b.value("arith.muli", &[first, step], index, &[]);
    let start = b.value("arith.addi", &[lb, offset], index, &[]);
    let stride = b.value("arith.muli", &[step, threads], index, &[]);
    // The same loop from the thread's next element, by the block's stride.
    ir.set_operands(op, &[start, ub, stride, from]);
    let result = ir.op(op).result(0);
    let uses: Vec<strata_ir::Use> = ir.value(result).uses().to_vec();
    let next = ir.op(op).next().ok_or_else(|| Diagnostic::error(loc, "a reduction that ends its block"))?;
    let combined = combine_across_block(ctx, ir, InsertPoint::Before(next), loc, kind, result, thread, buffer, init)?;
    // The loop's users now read the block's result.
    for u in uses {
        ir.set_operand(u.op, u.index as usize, combined);
    }
    Ok(())
}

/// Each thread's `value` combined across the block at `at`, and then with `init`: xor
/// shuffles within each warp, each warp's result through `buffer`, and every thread
/// combining those in warp order, so that all threads hold the same result.
#[allow(clippy::too_many_arguments)]
fn combine_across_block(
    ctx: &Context,
    ir: &mut Ir,
    at: InsertPoint,
    loc: strata_ir::Location,
    kind: Combine,
    value: Value,
    thread: Value,
    buffer: Value,
    init: Value,
) -> Result<Value, Diagnostic> {
    let (index, f32, i32) = (ctx.index_type(), ctx.f32_type(), ctx.integer_type(32));
    let identity = kind.identity_at(ctx, ir, at);
    // Within each warp: xor shuffles 16, 8, 4, 2, 1.
    let width = Builder::new(ctx, ir, at).value("arith.constant", &[], i32, &[("value", ctx.integer_attr(32, i32))]);
    let mode = strata_dialects::gpu::shuffle_mode_attr(ctx, "xor")
        .ok_or_else(|| Diagnostic::error(loc, "the xor shuffle mode"))?;
    let mut value = value;
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
    Ok(b.value(kind.op(), &[init, total], f32, &[]))
}

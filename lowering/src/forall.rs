//! `scf-forall-to-for` and `scf-forall-to-parallel`, upstream's two ways down from
//! `scf.forall`:
//!
//! - `scf-forall-to-for`: a nest of `scf.for`, one loop per induction variable, outermost
//!   first. The shared outputs become the loops' carried values: each iteration's
//!   `tensor.parallel_insert_slice`s become `tensor.insert_slice`s into them, in order, and the
//!   innermost loop yields the result. (mlir-opt-22's pass crashes on foralls with shared
//!   outputs; this one lowers them.)
//! - `scf-forall-to-parallel`: one `scf.parallel` nest, for foralls without shared outputs
//!   (bufferized ones, over memrefs), as upstream; one with outputs is an error at its location.
//!
//! Constant bounds become `arith.constant`s before the loop, one per entry as upstream makes
//! them (`canonicalize` merges equal ones). As upstream, the `scf.parallel` keeps the forall's
//! `mapping` and the `scf.for` nest drops it; other attributes go. Nested foralls are lowered
//! innermost first.

use strata_dialects::scf::{forall_loops, Bound, ForallLoops, IN_PARALLEL, PARALLEL_INSERT_SLICE};
use strata_ir::pass::{Pass, PassContext, PassInfo};
use strata_ir::{Builder, Context, Diagnostic, InsertPoint, Ir, OpId, OpState, Type, Value};

pub fn to_for_info() -> PassInfo {
    PassInfo::new("scf-forall-to-for", "ForallToFor", "Convert scf.forall to nested scf.for loops", |_, _| {
        Ok(Box::new(ForallLowering { to_parallel: false }))
    })
    .statistic("num-lowered", "scf.forall ops lowered")
}

pub fn to_parallel_info() -> PassInfo {
    PassInfo::new(
        "scf-forall-to-parallel",
        "ForallToParallel",
        "Convert scf.forall without shared outputs to scf.parallel",
        |_, _| Ok(Box::new(ForallLowering { to_parallel: true })),
    )
    .statistic("num-lowered", "scf.forall ops lowered")
}

struct ForallLowering {
    to_parallel: bool,
}

impl Pass for ForallLowering {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let ctx = cx.ctx;
        let mut foralls: Vec<OpId> = cx
            .ir
            .collect_ops(cx.op)
            .into_iter()
            .filter(|o| ctx.ident_str(cx.ir.op(*o).name()) == "scf.forall")
            .collect();
        // Innermost first: an outer forall's body then holds loops only.
        foralls.reverse();
        for &op in &foralls {
            let loc = cx.ir.op(op).loc();
            let loops = forall_loops(ctx, cx.ir, op).map_err(|m| Diagnostic::error(loc, m))?;
            if self.to_parallel {
                if !loops.outputs.is_empty() {
                    return Err(Diagnostic::error(
                        loc,
                        "only fully bufferized scf.forall ops (without shared_outs) can be lowered to scf.parallel",
                    ));
                }
                to_parallel(ctx, cx.ir, op, &loops);
            } else {
                to_for(ctx, cx.ir, op, &loops);
            }
        }
        cx.add_stat("num-lowered", foralls.len() as u64);
        if foralls.is_empty() {
            cx.preserve_all();
        }
        Ok(())
    }
}

/// Each bound as a value, constants made before `op`.
fn materialize(ctx: &Context, ir: &mut Ir, op: OpId, bounds: &[Bound]) -> Vec<Value> {
    let loc = ir.op(op).loc();
    bounds
        .iter()
        .map(|b| match b {
            Bound::Dynamic(v) => *v,
            Bound::Static(n) => {
                let mut b = Builder::before(ctx, ir, op);
                b.loc = loc;
                let index = ctx.index_type();
                b.value("arith.constant", &[], index, &[("value", ctx.integer_attr(i128::from(*n), index))])
            }
        })
        .collect()
}

/// The lower bounds, upper bounds and steps of `op`'s loops as values, in upstream's order of
/// making constants (every lower bound, then every upper bound, then every step).
fn materialize_loops(ctx: &Context, ir: &mut Ir, op: OpId, loops: &ForallLoops) -> [Vec<Value>; 3] {
    [&loops.lower, &loops.upper, &loops.steps].map(|bounds| materialize(ctx, ir, op, bounds))
}

/// Creates, at `at`, an op `state` with one region of one block taking `args`; returns the
/// op and its block.
fn with_body(ctx: &Context, ir: &mut Ir, at: InsertPoint, state: OpState, args: &[Type]) -> (OpId, strata_ir::BlockId) {
    let op = Builder::new(ctx, ir, at).insert(state.regions(1));
    let block = ir.create_block(args);
    let region = ir.op(op).regions()[0];
    ir.append_block(region, block);
    (op, block)
}

fn to_for(ctx: &Context, ir: &mut Ir, op: OpId, loops: &ForallLoops) {
    let loc = ir.op(op).loc();
    let [lbs, ubs, steps] = materialize_loops(ctx, ir, op, loops);
    let types: Vec<Type> = loops.outputs.iter().map(|v| ir.value_type(*v)).collect();
    let index = ctx.index_type();
    let mut carried = loops.outputs.clone();
    let (mut ivs, mut nest) = (Vec::new(), Vec::new());
    let mut at = InsertPoint::Before(op);
    for d in 0..loops.rank() {
        let mut operands = vec![lbs[d], ubs[d], steps[d]];
        operands.extend(&carried);
        let state = OpState::new(ctx, "scf.for", loc).operands(&operands).results(&types);
        let mut args = vec![index];
        args.extend(&types);
        let (for_op, block) = with_body(ctx, ir, at, state, &args);
        let block_args = ir.block(block).args().to_vec();
        ivs.push(block_args[0]);
        carried = block_args[1..].to_vec();
        nest.push((for_op, block));
        at = InsertPoint::BlockEnd(block);
    }
    // The body in the innermost loop (or in place of a forall of no loops).
    let body = ir.region(ir.op(op).regions()[0]).blocks()[0];
    let mut args = ivs;
    args.extend(&carried);
    let moved = ir.inline_block(body, at, &args);
    let terminator = *moved.last().expect("scf.forall.in_parallel ends the body");
    debug_assert_eq!(ctx.ident_str(ir.op(terminator).name()), IN_PARALLEL);
    let written = insert_slices(ctx, ir, terminator, &carried);
    ir.erase_op(terminator);
    let results = match nest.last() {
        None => written,
        Some(&(_, innermost)) => {
            let mut b = Builder::at_end(ctx, ir, innermost);
            b.loc = loc;
            b.op("scf.yield", &written, &[], &[]);
            for pair in nest.windows(2) {
                let ((_, outer), (inner, _)) = (pair[0], pair[1]);
                let passed = ir.op(inner).results().to_vec();
                let mut b = Builder::at_end(ctx, ir, outer);
                b.loc = loc;
                b.op("scf.yield", &passed, &[], &[]);
            }
            ir.op(nest[0].0).results().to_vec()
        }
    };
    ir.replace_op(op, &results);
}

/// Turns each `tensor.parallel_insert_slice` of the `in_parallel` op into a
/// `tensor.insert_slice` before it, into the current value of its shared output (`shared`:
/// the body's arguments for them, now the loop's carried values); returns the outputs as the
/// inserts leave them.
fn insert_slices(ctx: &Context, ir: &mut Ir, in_parallel: OpId, shared: &[Value]) -> Vec<Value> {
    let mut current = shared.to_vec();
    let Some(&block) = ir.region(ir.op(in_parallel).regions()[0]).blocks().first() else { return current };
    let inserts: Vec<OpId> = ir.block_ops(block).collect();
    for insert in inserts {
        let o = ir.op(insert);
        debug_assert_eq!(ctx.ident_str(o.name()), PARALLEL_INSERT_SLICE);
        // The verifier has checked that the destination is one of the shared outputs.
        let Some(k) = shared.iter().position(|a| o.operands().get(1) == Some(a)) else { continue };
        let mut operands = o.operands().to_vec();
        operands[1] = current[k];
        let mut state =
            OpState::new(ctx, "tensor.insert_slice", o.loc()).operands(&operands).results(&[ir.value_type(current[k])]);
        state.attrs = o.attrs().to_vec();
        state.properties = o.properties();
        let op = Builder::before(ctx, ir, in_parallel).insert(state);
        current[k] = ir.op(op).result(0);
    }
    current
}

fn to_parallel(ctx: &Context, ir: &mut Ir, op: OpId, loops: &ForallLoops) {
    let loc = ir.op(op).loc();
    let [lbs, ubs, steps] = materialize_loops(ctx, ir, op, loops);
    let body = ir.region(ir.op(op).regions()[0]).blocks()[0];
    if loops.rank() == 0 {
        // No loops: the body runs once, in place.
        let moved = ir.inline_block(body, InsertPoint::Before(op), &[]);
        ir.erase_op(*moved.last().expect("scf.forall.in_parallel ends the body"));
        ir.erase_op(op);
        return;
    }
    let mapping = ir.op(op).attr(ctx.ident("mapping"));
    let mut b = Builder::before(ctx, ir, op);
    b.loc = loc;
    let (parallel, block) = strata_dialects::scf::build_parallel(&mut b, &lbs, &ubs, &steps);
    if let Some(m) = mapping {
        ir.set_attr(parallel, ctx.ident("mapping"), m);
    }
    let ivs = ir.block(block).args().to_vec();
    let moved = ir.inline_block(body, InsertPoint::BlockEnd(block), &ivs);
    ir.erase_op(*moved.last().expect("scf.forall.in_parallel ends the body"));
    let mut b = Builder::at_end(ctx, ir, block);
    b.loc = loc;
    b.op("scf.reduce", &[], &[], &[]);
    ir.erase_op(op);
}

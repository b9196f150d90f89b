//! `convert-parallel-loops-to-gpu`: the loop level onto a grid.
//!
//! Each outermost `scf.parallel` of a function (without reductions) becomes a `gpu.launch`
//! over its flattened iteration space: one thread per iteration, `block-size` threads a block,
//! a guard for the last block, and the induction variables recovered from the flat index as
//! the LLVM backend's thread pool recovers them. Nests inside run sequentially in their
//! thread. The loop level stays target-neutral; this pass is where the GPU begins.
//!
//! What is left in the function is host code: index arithmetic, views and globals, loops and
//! conditionals around launches (a GEMM's blocks of k, a constant panel packed on the first
//! call only, whose flag a host-level `memref.load` reads), and one-element loads and stores.
//! Anything else that touches memory outside a parallel nest (a sequential loop nest, a
//! parallel nest with reductions) runs on the device as a launch of one thread, so no buffer
//! is ever read on the host in bulk. A value such a launch computes cannot reach the host: that
//! is a located error.

use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo};
use strata_ir::{Builder, Context, Diagnostic, InsertPoint, Ir, Location, OpId, OpState, Value};

pub fn info() -> PassInfo {
    PassInfo::new(
        "convert-parallel-loops-to-gpu",
        "ConvertParallelLoopsToGpu",
        "Map outermost scf.parallel nests onto gpu.launch grids",
        |o, _| {
            let block_size = o.int("block-size");
            let tile = o.str("contraction-tile");
            let contraction_tile = match tile {
                "" => None,
                name => Some(super::contract::tile(name).ok_or_else(|| {
                    format!("contraction-tile={name}: the tiles are {}", super::contract::tile_names())
                })?),
            };
            if !(1..=1024).contains(&block_size) {
                return Err(format!("block-size={block_size}: a block has 1 to 1024 threads"));
            }
            Ok(Box::new(MapToGpu {
                block_size,
                cooperate_below: o.int("cooperate-below"),
                tile_contractions: o.bool("tile-contractions"),
                contraction_tile,
                contraction_prefetch: o.bool("contraction-prefetch"),
                contraction_split: match o.int("contraction-split") {
                    0 => None,
                    s @ 1..=64 => Some(s),
                    s => return Err(format!("contraction-split={s}: 1 to 64 parts (0: chosen by the sizes)")),
                },
            }))
        },
    )
    .anchor("func.func")
    .option(OptionSpec::int("block-size", 256, "Threads per block of a mapped nest"))
    .option(OptionSpec::int(
        "cooperate-below",
        32768,
        "Nests of fewer iterations whose bodies are long inner loops (rows of a softmax) take a block per \
         iteration, its threads sharing the inner loops (0: never)",
    ))
    .option(OptionSpec::bool(
        "tile-contractions",
        true,
        "Sums of products (matrix products, convolutions) as tiled kernels staging their factors in \
         workgroup memory (false: one thread per output)",
    ))
    .option(OptionSpec::string(
        "contraction-tile",
        "",
        "A block's tile of a sum of products, ROWSxCOLS outputs: 128x128, 128x64, 64x128, 64x64, 32x32 or 16x16 \
         (default: chosen by the sizes)",
    ))
    .option(OptionSpec::bool(
        "contraction-prefetch",
        true,
        "A tiled sum of products reads the next step's elements before this step's products (false: after)",
    ))
    .option(OptionSpec::int(
        "contraction-split",
        0,
        "Parts K of a tiled sum of products is split into, summed by a second launch (0: chosen by the sizes)",
    ))
    .statistic("launches", "parallel nests mapped onto grids")
    .statistic("cooperative", "of them, nests mapped a block per iteration")
    .statistic("tiled", "of them, sums of products mapped a tile of outputs per block")
    .statistic("serial-launches", "launches of one thread (sequential code touching memory)")
}

struct MapToGpu {
    block_size: i64,
    cooperate_below: i64,
    tile_contractions: bool,
    contraction_tile: Option<super::contract::Tile>,
    contraction_prefetch: bool,
    contraction_split: Option<i64>,
}

impl Pass for MapToGpu {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let ctx = cx.ctx;
        let Some(&region) = cx.ir.op(cx.op).regions().first() else { return Ok(()) };
        let blocks = cx.ir.region(region).blocks().to_vec();
        let mut stats = Stats::default();
        for block in blocks {
            map_block(ctx, cx.ir, block, self, &mut stats)?;
        }
        cx.add_stat("launches", stats.launches);
        cx.add_stat("cooperative", stats.cooperative);
        cx.add_stat("tiled", stats.tiled);
        cx.add_stat("serial-launches", stats.serial);
        Ok(())
    }
}

#[derive(Default)]
struct Stats {
    launches: u64,
    serial: u64,
    cooperative: u64,
    tiled: u64,
}

/// Where an op of host code goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    /// Stays on the host.
    Host,
    /// An `scf.parallel` mapped onto a grid.
    Grid,
    /// Runs on the device in a launch of one thread.
    Serial,
    /// A loop or conditional around parallel nests: stays, and its blocks are mapped.
    Around,
}

pub(super) fn name<'a>(ctx: &'a Context, ir: &Ir, op: OpId) -> &'a str {
    ctx.ident_str(ir.op(op).name())
}

fn is_memory_op(name: &str) -> bool {
    matches!(name, "memref.load" | "memref.store" | "memref.copy" | "vector.load" | "vector.store" | "memref.alloca")
        || name.starts_with("vector.transfer_")
}

fn place(ctx: &Context, ir: &Ir, op: OpId) -> Place {
    let n = name(ctx, ir, op);
    if n == "scf.parallel" {
        let reductions = strata_dialects::scf::parallel_operands(ctx, ir, op).map_or(true, |p| !p.inits.is_empty());
        return if reductions { Place::Serial } else { Place::Grid };
    }
    if n.starts_with("gpu.") {
        return Place::Host;
    }
    if ir.op(op).regions().is_empty() {
        // One element read or written by the host; everything else without regions is
        // arithmetic, a view or a global.
        return if is_memory_op(n) && !matches!(n, "memref.load" | "memref.store") {
            Place::Serial
        } else {
            Place::Host
        };
    }
    let inner = ir.collect_ops(op);
    if inner.iter().skip(1).any(|o| name(ctx, ir, *o) == "scf.parallel") && matches!(n, "scf.for" | "scf.if") {
        Place::Around
    } else if inner.iter().any(|o| is_memory_op(name(ctx, ir, *o))) {
        Place::Serial
    } else {
        Place::Host
    }
}

fn map_block(
    ctx: &Context,
    ir: &mut Ir,
    block: strata_ir::BlockId,
    options: &MapToGpu,
    stats: &mut Stats,
) -> Result<(), Diagnostic> {
    let ops: Vec<OpId> = ir.block_ops(block).collect();
    let mut serial: Vec<OpId> = Vec::new();
    for op in ops {
        let mut p = place(ctx, ir, op);
        // Host code after a launch of one thread joins it when it uses what the launch
        // computes (values cannot flow back to the host) or reads or writes an element
        // (whose order against the launch matters).
        let uses_serial =
            |ir: &Ir| ir.op(op).operands().iter().any(|v| serial.iter().any(|s| ir.op(*s).results().contains(v)));
        // Arithmetic between them joins too: left on the host it would split the launch in
        // two, and a value of the first half could not reach the second.
        let element = matches!(name(ctx, ir, op), "memref.load" | "memref.store");
        let arithmetic = name(ctx, ir, op).starts_with("arith.") && ir.op(op).regions().is_empty();
        if p == Place::Host
            && !serial.is_empty()
            && !is_terminator(ctx, ir, op)
            && (element || arithmetic || uses_serial(ir))
        {
            p = Place::Serial;
        }
        if p == Place::Serial {
            serial.push(op);
            continue;
        }
        if !serial.is_empty() {
            launch_serial(ctx, ir, &std::mem::take(&mut serial))?;
            stats.serial += 1;
        }
        match p {
            Place::Grid => {
                match launch_grid(ctx, ir, op, options)? {
                    Mapping::Threads => {}
                    Mapping::Blocks => stats.cooperative += 1,
                    Mapping::Tiles => stats.tiled += 1,
                }
                stats.launches += 1;
            }
            Place::Around => {
                for region in ir.op(op).regions().to_vec() {
                    for b in ir.region(region).blocks().to_vec() {
                        map_block(ctx, ir, b, options, stats)?;
                    }
                }
            }
            Place::Host | Place::Serial => {}
        }
    }
    if !serial.is_empty() {
        launch_serial(ctx, ir, &serial)?;
        stats.serial += 1;
    }
    Ok(())
}

/// Inlines the body of the `scf.parallel` `nest` at the end of `block`, its induction
/// variables recovered from the flat index `flat` over its `dims` of `counts` iterations
/// (innermost fastest: iv_d = lb_d + (flat / inner_d % count_d) · step_d), without its
/// `scf.reduce`.
pub(super) fn inline_nest(
    ctx: &Context,
    ir: &mut Ir,
    nest: OpId,
    block: strata_ir::BlockId,
    flat: Value,
    dims: &[(Value, Value, Value)],
    counts: &[Value],
) {
    let at = InsertPoint::BlockEnd(block);
    let ivs = nest_ivs(ctx, ir, at, ir.op(nest).loc(), flat, dims, counts);
    let old = ir.region(ir.op(nest).regions()[0]).blocks()[0];
    let moved = ir.inline_block(old, at, &ivs);
    if let Some(&last) = moved.last() {
        ir.erase_op(last);
    }
}

/// A nest's induction variables (`dims`: lower bound, upper bound, step; `counts`: trips) at
/// its row-major flat iteration `flat`, computed at `at`.
pub(super) fn nest_ivs(
    ctx: &Context,
    ir: &mut Ir,
    at: InsertPoint,
    loc: strata_ir::Location,
    flat: Value,
    dims: &[(Value, Value, Value)],
    counts: &[Value],
) -> Vec<Value> {
    let index = ctx.index_type();
    let mut ivs = vec![flat; dims.len()];
    let mut rest = flat;
    for d in (0..dims.len()).rev() {
        let mut b = Builder::new(ctx, ir, at);
        b.loc = loc;
        let within = if d == 0 { rest } else { b.value("arith.remui", &[rest, counts[d]], index, &[]) };
        if d > 0 {
            rest = b.value("arith.divui", &[rest, counts[d]], index, &[]);
        }
        let scaled = b.value("arith.muli", &[within, dims[d].2], index, &[]);
        ivs[d] = b.value("arith.addi", &[dims[d].0, scaled], index, &[]);
    }
    ivs
}

fn is_terminator(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    matches!(name(ctx, ir, op), "func.return" | "scf.yield" | "scf.reduce" | "gpu.terminator")
}

pub(super) fn index_const(ctx: &Context, ir: &mut Ir, at: InsertPoint, v: i64) -> Value {
    let index = ctx.index_type();
    Builder::new(ctx, ir, at).value("arith.constant", &[], index, &[("value", ctx.integer_attr(v.into(), index))])
}

/// The launch's region args: block ids, thread ids, grid sizes, block sizes (x, y, z each).
const LAUNCH_ARGS: usize = 12;

/// Inserts before `at` a `gpu.launch` of `grid` blocks of `threads` threads (x only) and
/// returns it with its body block (12 index arguments, still without a terminator).
pub(super) fn build_launch(
    ctx: &Context,
    ir: &mut Ir,
    at: OpId,
    loc: Location,
    grid: Value,
    threads: Value,
    workgroup: &[strata_ir::Type],
) -> (OpId, strata_ir::BlockId) {
    let before = InsertPoint::Before(at);
    let one = index_const(ctx, ir, before, 1);
    let segments = ctx.intern_attr(strata_ir::AttrKind::DenseArray {
        element: ctx.integer_type(32),
        values: strata_ir::DenseArrayValues::Int(vec![0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]),
    });
    let state = OpState::new(ctx, "gpu.launch", loc)
        .operands(&[grid, one, one, threads, one, one])
        .attr(ctx, "operandSegmentSizes", segments)
        .attr(ctx, "workgroup_attributions", ctx.i64_attr(workgroup.len() as i64))
        .regions(1);
    let launch = Builder::new(ctx, ir, before).insert(state);
    let mut args = vec![ctx.index_type(); LAUNCH_ARGS];
    args.extend(workgroup);
    let body = ir.create_block(&args);
    ir.append_block(ir.op(launch).regions()[0], body);
    (launch, body)
}

/// Sequential code as a launch of one thread: `ops` (consecutive in their block) move into it.
fn launch_serial(ctx: &Context, ir: &mut Ir, ops: &[OpId]) -> Result<(), Diagnostic> {
    let inside = |ir: &Ir, user: OpId| ops.iter().any(|o| ir.is_ancestor(*o, user));
    for &op in ops {
        for r in ir.op(op).results() {
            if let Some(user) = ir.value(*r).uses().iter().map(|u| u.op).find(|u| !inside(ir, *u)) {
                return Err(Diagnostic::error(
                    ir.op(user).loc(),
                    format!(
                        "'{}' op uses a value computed on the device by '{}' (sequential code run as a GPU \
                         launch): values cannot flow back to the host",
                        name(ctx, ir, user),
                        name(ctx, ir, op)
                    ),
                ));
            }
        }
    }
    let loc = ir.op(ops[0]).loc();
    let one = index_const(ctx, ir, InsertPoint::Before(ops[0]), 1);
    let (_, body) = build_launch(ctx, ir, ops[0], loc, one, one, &[]);
    for &op in ops {
        ir.move_op(op, InsertPoint::BlockEnd(body));
    }
    Builder::at_end(ctx, ir, body).op("gpu.terminator", &[], &[], &[]);
    Ok(())
}

/// `max(0, ceil((ub - lb) / step))`, folded when the bounds are constants.
pub(super) fn trip_count(ctx: &Context, ir: &mut Ir, at: InsertPoint, (lb, ub, step): (Value, Value, Value)) -> Value {
    let c = |v| crate::constant_index(ctx, ir, v);
    if let (Some(l), Some(u), Some(s)) = (c(lb), c(ub), c(step)) {
        if s > 0 {
            let n = if u > l { (u - l + s - 1) / s } else { 0 };
            return index_const(ctx, ir, at, n);
        }
    }
    let index = ctx.index_type();
    let zero = index_const(ctx, ir, at, 0);
    let mut b = Builder::new(ctx, ir, at);
    let span = b.value("arith.subi", &[ub, lb], index, &[]);
    let count = b.value("arith.ceildivsi", &[span, step], index, &[]);
    b.value("arith.maxsi", &[count, zero], index, &[])
}

/// How a nest was mapped.
enum Mapping {
    /// One thread per iteration.
    Threads,
    /// One block per iteration, its threads sharing out the inner loops ([`super::cooperate`]).
    Blocks,
    /// A sum of products, a tile of outputs per block ([`super::contract`]).
    Tiles,
}

/// The nest `nest` as a launch of one thread per iteration, of one block per iteration, or
/// of tiles of a sum of products.
fn launch_grid(ctx: &Context, ir: &mut Ir, nest: OpId, options: &MapToGpu) -> Result<Mapping, Diagnostic> {
    if options.tile_contractions {
        if let Some(c) = super::contract::plan(ctx, ir, nest, options.contraction_tile, options.contraction_split) {
            super::contract::launch(ctx, ir, c, options.contraction_prefetch)?;
            return Ok(Mapping::Tiles);
        }
    }
    let block_size = options.block_size;
    let p =
        strata_dialects::scf::parallel_operands(ctx, ir, nest).map_err(|m| Diagnostic::error(ir.op(nest).loc(), m))?;
    let dims: Vec<(Value, Value, Value)> = (0..p.dims()).map(|d| (p.lower[d], p.upper[d], p.steps[d])).collect();
    let loc = ir.op(nest).loc();
    let index = ctx.index_type();
    let before = InsertPoint::Before(nest);
    let counts: Vec<Value> = dims.iter().map(|d| trip_count(ctx, ir, before, *d)).collect();
    let constant_counts: Option<Vec<i64>> = counts.iter().map(|c| crate::constant_index(ctx, ir, *c)).collect();
    let (total, grid, threads) = match constant_counts {
        Some(cs) => {
            let n = cs
                .iter()
                .try_fold(1i64, |a, c| a.checked_mul(*c))
                .ok_or_else(|| Diagnostic::error(loc, "the nest's iteration count overflows a 64-bit index"))?;
            if n == 0 {
                ir.erase_op(nest);
                return Ok(Mapping::Threads);
            }
            if n < options.cooperate_below {
                if let Some(parts) = super::cooperate::plan(ctx, ir, nest, n) {
                    super::cooperate::launch(ctx, ir, nest, &dims, &counts, n, parts)?;
                    return Ok(Mapping::Blocks);
                }
            }
            let threads = block_size.min(n);
            let blocks = (n + threads - 1) / threads;
            if blocks > i64::from(i32::MAX) {
                return Err(Diagnostic::error(loc, format!("{n} iterations need more than 2^31-1 blocks")));
            }
            (
                index_const(ctx, ir, before, n),
                index_const(ctx, ir, before, blocks),
                index_const(ctx, ir, before, threads),
            )
        }
        None => {
            let mut total = index_const(ctx, ir, before, 1);
            for c in &counts {
                total = Builder::new(ctx, ir, before).value("arith.muli", &[total, *c], index, &[]);
            }
            let threads = index_const(ctx, ir, before, block_size);
            let grid = Builder::new(ctx, ir, before).value("arith.ceildivsi", &[total, threads], index, &[]);
            (total, grid, threads)
        }
    };
    let (_, body) = build_launch(ctx, ir, nest, loc, grid, threads, &[]);
    let args = ir.block(body).args().to_vec();
    let at = InsertPoint::BlockEnd(body);
    let mut b = Builder::new(ctx, ir, at);
    b.loc = loc;
    let first = b.value("arith.muli", &[args[0], args[9]], index, &[]);
    let flat = b.value("arith.addi", &[first, args[3]], index, &[]);
    let slt = ctx.integer_attr(2, ctx.i64_type());
    let within = b.value("arith.cmpi", &[flat, total], ctx.i1(), &[("predicate", slt)]);
    let guard = b.insert(OpState::new(ctx, "scf.if", loc).operands(&[within]).regions(2));
    let then = ir.create_block(&[]);
    ir.append_block(ir.op(guard).regions()[0], then);
    Builder::at_end(ctx, ir, body).op("gpu.terminator", &[], &[], &[]);

    // The nest's `scf.reduce` (nothing to reduce) becomes the guard's `scf.yield`.
    inline_nest(ctx, ir, nest, then, flat, &dims, &counts);
    Builder::at_end(ctx, ir, then).op("scf.yield", &[], &[], &[]);
    ir.erase_op(nest);
    Ok(Mapping::Threads)
}

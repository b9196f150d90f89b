//! `tile{size=N}`: each `scf.parallel` nest split into a nest over tiles and a nest inside
//! each tile, so a tile's working set stays in cache and tiles can go to different cores (or,
//! on a GPU, to blocks and threads). A dimension of extent E gets the largest tile size that
//! divides E and is at most N, so no bounds checks are needed; a dimension with no such size
//! above 1 is not tiled. Loops stay target-neutral `scf.parallel`.

use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo};
use strata_ir::{Builder, Context, Diagnostic, InsertPoint, Ir, Location, OpId, Value};

pub fn info() -> PassInfo {
    PassInfo::new("tile", "Tile", "Split scf.parallel nests into tiles", |o, _| {
        let size = o.int("size");
        if size < 2 {
            return Err(format!("size={size}: a tile spans at least 2 iterations"));
        }
        Ok(Box::new(Tile { size }))
    })
    .anchor("func.func")
    .option(OptionSpec::int("size", 32, "Largest tile extent per dimension"))
    .statistic("tiled", "Loop nests tiled")
}

struct Tile {
    size: i64,
}

/// The largest divisor of `extent` not above `size` (1 if none above 1).
fn tile_of(extent: i64, size: i64) -> i64 {
    (2..=size.min(extent)).rev().find(|t| extent % t == 0).unwrap_or(1)
}

fn index(ctx: &Context, ir: &mut Ir, at: InsertPoint, v: i64) -> Value {
    Builder::new(ctx, ir, at).value(
        "arith.constant",
        &[],
        ctx.index_type(),
        &[("value", ctx.integer_attr(v as i128, ctx.index_type()))],
    )
}

/// A nest over `0..ubs[d]` at `at`, with the location of the nest it replaces.
fn parallel(
    ctx: &Context,
    ir: &mut Ir,
    (at, loc): (InsertPoint, Location),
    ubs: &[Value],
    one: Value,
    zero: Value,
) -> (OpId, Vec<Value>) {
    let n = ubs.len();
    let mut b = Builder::new(ctx, ir, at);
    b.loc = loc;
    let (op, block) = strata_dialects::scf::build_parallel(&mut b, &vec![zero; n], ubs, &vec![one; n]);
    (op, ir.block(block).args().to_vec())
}

impl Pass for Tile {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let ctx = cx.ctx;
        let mut tiled = 0;
        for op in crate::parallel_nests(ctx, cx.ir, cx.op) {
            // Nests with reductions stay whole: a tile's partial results would need combining.
            let Ok(p) = strata_dialects::scf::parallel_operands(ctx, cx.ir, op) else { continue };
            if !p.inits.is_empty() {
                continue;
            }
            let n = p.dims();
            let bounds: Option<Vec<(i64, i64, i64)>> = (0..n)
                .map(|d| {
                    Some((
                        crate::constant_index(ctx, cx.ir, p.lower[d])?,
                        crate::constant_index(ctx, cx.ir, p.upper[d])?,
                        crate::constant_index(ctx, cx.ir, p.steps[d])?,
                    ))
                })
                .collect();
            let Some(bounds) = bounds else { continue };
            if bounds.iter().any(|(lb, _, step)| *lb != 0 || *step != 1) {
                continue;
            }
            let tiles: Vec<i64> = bounds.iter().map(|(_, ub, _)| tile_of(*ub, self.size)).collect();
            if tiles.iter().all(|t| *t == 1) {
                continue;
            }
            // Outer nest over tiles, inner nest over each tile's elements.
            let at = InsertPoint::Before(op);
            let loc = cx.ir.op(op).loc();
            let (zero, one) = (index(ctx, cx.ir, at, 0), index(ctx, cx.ir, at, 1));
            let outer_ubs: Vec<Value> =
                bounds.iter().zip(&tiles).map(|((_, ub, _), t)| index(ctx, cx.ir, at, ub / t)).collect();
            let inner_ubs: Vec<Value> = tiles.iter().map(|t| index(ctx, cx.ir, at, *t)).collect();
            let (outer, tile_ivs) = parallel(ctx, cx.ir, (at, loc), &outer_ubs, one, zero);
            let outer_block = cx.ir.region(cx.ir.op(outer).regions()[0]).blocks()[0];
            let (_, elem_ivs) = parallel(ctx, cx.ir, (InsertPoint::BlockEnd(outer_block), loc), &inner_ubs, one, zero);
            Builder::at_end(ctx, cx.ir, outer_block).op("scf.reduce", &[], &[], &[]);
            let inner = cx.ir.block_ops(outer_block).next().expect("the inner nest");
            let inner_block = cx.ir.region(cx.ir.op(inner).regions()[0]).blocks()[0];
            // The original index: tile · size + element.
            let mut ivs = Vec::new();
            for d in 0..n {
                let mut b = Builder::at_end(ctx, cx.ir, inner_block);
                let t = b.value(
                    "arith.constant",
                    &[],
                    ctx.index_type(),
                    &[("value", ctx.integer_attr(tiles[d] as i128, ctx.index_type()))],
                );
                let base = b.value("arith.muli", &[tile_ivs[d], t], ctx.index_type(), &[]);
                ivs.push(b.value("arith.addi", &[base, elem_ivs[d]], ctx.index_type(), &[]));
            }
            let old_block = cx.ir.region(cx.ir.op(op).regions()[0]).blocks()[0];
            cx.ir.inline_block(old_block, InsertPoint::BlockEnd(inner_block), &ivs);
            cx.ir.erase_op(op);
            tiled += 1;
        }
        cx.add_stat("tiled", tiled);
        Ok(())
    }
}

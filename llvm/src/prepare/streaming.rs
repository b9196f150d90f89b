//! Stores that should stream: a `vector.store` into a buffer larger than the last-level cache
//! share of a core is marked `nontemporal`, so it becomes `vmovntps` and skips reading the line
//! it overwrites (a fused elementwise chain over 16 M floats went from 12.5 to 18–20 GB/s so,
//! `../shared/DESIGN.md`). Smaller buffers are read again soon (the next op of the graph) and
//! belong in the cache.

use strata_ir::{Context, Ir, OpId};

/// Buffers at least this large are written with streaming stores.
pub const STREAM_BYTES: i64 = 8 << 20;

/// Marks every such store under `root`; returns how many.
pub fn mark(ctx: &Context, ir: &mut Ir, root: OpId) -> usize {
    let mut marked = 0;
    for op in ir.collect_ops(root) {
        if ctx.ident_str(ir.op(op).name()) != "vector.store" {
            continue;
        }
        let target = ir.value_type(ir.op(op).operands()[1]);
        let bytes = ctx.byte_size(target).unwrap_or(0);
        if bytes >= STREAM_BYTES as u64 {
            ir.set_attr(op, ctx.ident("nontemporal"), ctx.bool_attr(true));
            marked += 1;
        }
    }
    marked
}

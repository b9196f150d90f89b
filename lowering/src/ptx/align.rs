//! What alignment an address is known to have, so that a vector of four 32-bit lanes is one
//! 16-byte `ld.v4`/`st.v4` rather than four accesses (the lanes of a thread's vector are
//! neighbours, and fewer, wider requests keep an H100 nearer its copy bandwidth).
//!
//! An address is a memref's base plus index × stride terms plus a constant. Bases: a kernel
//! parameter is as aligned as its `llvm.align` argument attribute says (outlining records
//! what the host knows: every buffer the runtime places starts at a multiple of
//! [`super::BUFFER_ALIGNMENT`]), workgroup and private arrays are declared `.align 16`, a view
//! keeps the alignment its constant shift leaves. Indices: constants, products and sums of
//! known multiples, loop variables from multiples by multiples. Anything else is 1.

use strata_ir::{AttrKind, Context, Ir, OpId, Value, ValueDef};

/// The alignment `.align 16` arrays have.
const ARRAY_ALIGNMENT: u64 = 16;
/// Above this, alignments stop mattering (and products stop growing).
const CAP: u64 = 1 << 12;

/// The largest power of two dividing `v` (capped; 0 is aligned to everything).
pub(crate) fn of_constant(v: i64) -> u64 {
    if v == 0 {
        CAP
    } else {
        (1u64 << v.unsigned_abs().trailing_zeros().min(12)).min(CAP)
    }
}

/// How deep [`of_index`] looks through index arithmetic (generated indices are a few ops deep;
/// written IR can share operands in chains that would take exponential time).
const DEPTH: u32 = 12;

/// The alignment (in units of one) of an `index` value of a kernel.
pub(super) fn of_index(ctx: &Context, ir: &Ir, v: Value) -> u64 {
    of_index_within(ctx, ir, v, DEPTH)
}

fn of_index_within(ctx: &Context, ir: &Ir, v: Value, depth: u32) -> u64 {
    let c = |v| crate::constant_index(ctx, ir, v);
    if let Some(k) = c(v) {
        return of_constant(k);
    }
    if depth == 0 {
        return 1;
    }
    let of_index = |ctx, ir, v| of_index_within(ctx, ir, v, depth - 1);
    match ir.value(v).def() {
        ValueDef::Result { op, .. } => {
            let o = ir.op(op).operands();
            match ctx.ident_str(ir.op(op).name()) {
                "arith.muli" => (of_index(ctx, ir, o[0]) * of_index(ctx, ir, o[1])).min(CAP),
                "arith.addi" | "arith.subi" => of_index(ctx, ir, o[0]).min(of_index(ctx, ir, o[1])),
                "arith.shli" => {
                    c(o[1]).filter(|s| (0..12).contains(s)).map_or(1, |s| (of_index(ctx, ir, o[0]) << s).min(CAP))
                }
                _ => 1,
            }
        }
        // A loop variable: lower bound + n · step.
        ValueDef::BlockArg { block, index: 0 } => match ir.block_parent_op(block) {
            Some(l) if ctx.ident_str(ir.op(l).name()) == "scf.for" => {
                let o = ir.op(l).operands();
                of_index(ctx, ir, o[0]).min(of_index(ctx, ir, o[2]))
            }
            _ => 1,
        },
        _ => 1,
    }
}

/// The alignment in bytes of memref `v`'s base in kernel `func` (whose first `inputs` entry
/// arguments are parameters).
pub(super) fn of_memref(ctx: &Context, ir: &Ir, func: OpId, inputs: usize, v: Value) -> u64 {
    match ir.value(v).def() {
        ValueDef::BlockArg { block, index } => {
            if ir.block_parent_op(block) != Some(func) {
                return 1;
            }
            let index = index as usize;
            if index >= inputs {
                return ARRAY_ALIGNMENT;
            }
            param_alignment(ctx, ir, func, index)
        }
        ValueDef::Result { op, .. } => {
            let o = ir.op(op).operands();
            match ctx.ident_str(ir.op(op).name()) {
                "memref.view" => {
                    let shift = crate::constant_index(ctx, ir, o[1]).map_or(1, of_constant);
                    of_memref(ctx, ir, func, inputs, o[0]).min(shift)
                }
                "memref.collapse_shape" | "memref.expand_shape" | "memref.cast" => {
                    of_memref(ctx, ir, func, inputs, o[0])
                }
                _ => 1,
            }
        }
        ValueDef::Placeholder => 1,
    }
}

/// Parameter `index`'s `llvm.align` argument attribute, or 1.
fn param_alignment(ctx: &Context, ir: &Ir, func: OpId, index: usize) -> u64 {
    let Some(AttrKind::Array(lists)) = ir.op(func).attr(ctx.ident("arg_attrs")).map(|a| ctx.attr_kind(a)) else {
        return 1;
    };
    let Some(AttrKind::Dictionary(entries)) = lists.get(index).map(|a| ctx.attr_kind(*a)) else { return 1 };
    entries
        .iter()
        .find(|e| ctx.ident_str(e.name) == "llvm.align")
        .and_then(|e| ctx.attr_as_int(e.value))
        .and_then(|a| u64::try_from(a).ok())
        .filter(|a| a.is_power_of_two())
        .unwrap_or(1)
}

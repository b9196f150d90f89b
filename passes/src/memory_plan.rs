//! `plan-memory`: a static memory plan for a graph function (MegEngine's "Record" idea). Every
//! tensor an op produces gets an offset into one arena, computed at compile time from
//! liveness, so a run allocates nothing.
//!
//! - A buffer lives from the op that defines it to its last use (the end, for a returned
//!   value: outputs live in the arena too, as a runtime's output tensors do, valid until the
//!   next run). Graph arguments and constants are not in the arena (the caller and the binary
//!   own them).
//! - `nn.reshape` is a view: its result shares its operand's buffer.
//! - In place where legal: an elementwise op (or a kernel's epilogue extra) whose operand has
//!   the result's size and dies at this op writes over that operand (each element is read
//!   before it is written at the same index).
//! - Offsets: greedy by size (largest first, each at the lowest offset that overlaps no placed
//!   buffer live at the same time), as TFLite's arena planner does.
//!
//! The plan is written as attributes: `plan.offset` on each op whose result is in the arena,
//! `plan.arena_bytes` and `plan.lower_bound_bytes` (the most bytes live at any one op, which
//! no plan can beat) on the function.

use rustc_hash::FxHashMap;
use strata_ir::pass::{Pass, PassContext, PassInfo};
use strata_ir::{Context, Diagnostic, Ir, OpId, Value, ValueDef};

/// Buffers are aligned to this many bytes (a cache line, and enough for any vector).
pub const ALIGNMENT: u64 = 64;

pub fn info() -> PassInfo {
    PassInfo::new("plan-memory", "PlanMemory", "Assign every intermediate tensor an offset in one arena", |_, _| {
        Ok(Box::new(PlanMemory))
    })
    .anchor("func.func")
    .statistic("arena-bytes", "Bytes of the arena")
    .statistic("lower-bound-bytes", "Most bytes live at once")
    .statistic("unshared-bytes", "Bytes of all buffers without reuse")
    .statistic("in-place", "Results written over a dying operand")
}

/// One arena buffer: its size and the op positions where it is live.
#[derive(Clone, Debug, PartialEq)]
pub struct Buffer {
    pub bytes: u64,
    pub first: usize,
    pub last: usize,
    /// Set by [`assign_offsets`].
    pub offset: u64,
}

/// A function's plan.
#[derive(Debug, Default)]
pub struct Plan {
    pub buffers: Vec<Buffer>,
    /// The buffer each planned value lives in.
    pub value_buffer: FxHashMap<Value, usize>,
    pub arena_bytes: u64,
    pub lower_bound_bytes: u64,
    pub in_place: usize,
    /// The sum of every planned tensor's size: what allocating each separately would need.
    pub unshared_bytes: u64,
}

fn tensor_bytes(ctx: &Context, ir: &Ir, v: Value) -> Option<u64> {
    let t = ir.value_type(v);
    let shape = ctx.shape(t)?;
    let elem = ctx.element_type_or_self(t);
    let bits = ctx.int_or_float_width(elem)? as u64;
    let n: i64 = shape.iter().product();
    Some((n.max(0) as u64 * bits).div_ceil(8).div_ceil(ALIGNMENT) * ALIGNMENT)
}

fn defining_op(ir: &Ir, v: Value) -> Option<OpId> {
    match ir.value(v).def() {
        ValueDef::Result { op, .. } => Some(op),
        _ => None,
    }
}

/// Operands whose buffer the result may take over: same-index reads only. An epilogue operand
/// that is also the convolution's input or a matmul factor is read at other indices too (a
/// residual block adding the conv's own input), so it is not one.
fn in_place_candidates(ctx: &Context, ir: &Ir, op: OpId) -> Vec<Value> {
    let name = ctx.ident_str(ir.op(op).name());
    let operands = ir.op(op).operands();
    let epilogue_only = |extras: &[Value], main: &[Value]| -> Vec<Value> {
        extras.iter().copied().filter(|v| !main.contains(v)).collect()
    };
    match name {
        "kernel.elementwise" => operands.to_vec(),
        "kernel.conv2d" => {
            let def = ctx.op_def_by_name(name).expect("registered");
            let groups = def.operand_group_ranges(ctx, ir, op);
            epilogue_only(&operands[groups[3].clone()], &operands[..groups[3].start])
        }
        "kernel.matmul" => epilogue_only(&operands[2..], &operands[..2]),
        "nn.add" | "nn.sub" | "nn.mul" | "nn.div" | "nn.max" | "nn.min" | "nn.pow" | "nn.relu" | "nn.relu6"
        | "nn.leaky_relu" | "nn.sigmoid" | "nn.tanh" | "nn.gelu" | "nn.silu" | "nn.exp" | "nn.log" | "nn.sqrt"
        | "nn.rsqrt" | "nn.abs" | "nn.neg" | "nn.clip" | "nn.batch_norm" => operands.to_vec(),
        _ => Vec::new(),
    }
}

/// Plans the single block of `func`.
pub fn plan(ctx: &Context, ir: &Ir, func: OpId) -> Option<Plan> {
    let region = *ir.op(func).regions().first()?;
    let [block] = ir.region(region).blocks() else { return None };
    let ops: Vec<OpId> = ir.block_ops(*block).collect();
    let position: FxHashMap<OpId, usize> = ops.iter().enumerate().map(|(i, o)| (*o, i)).collect();
    let mut plan = Plan::default();
    // The last position where a value (through views) is used.
    let last_use = |v: Value| -> usize {
        ir.value(v).uses().iter().filter_map(|u| position.get(&u.op).copied()).max().unwrap_or(0)
    };
    for (i, &op) in ops.iter().enumerate() {
        let name = ctx.ident_str(ir.op(op).name());
        if name == "nn.constant" || name == "func.return" {
            continue;
        }
        for &r in ir.op(op).results() {
            let Some(bytes) = tensor_bytes(ctx, ir, r) else { continue };
            let end = last_use(r).max(i);
            if name != "nn.reshape" {
                plan.unshared_bytes += bytes;
            }
            // A view shares its operand's buffer, which must then live as long as the view.
            if name == "nn.reshape" {
                if let Some(&b) = ir.op(op).operands().first().and_then(|v| plan.value_buffer.get(v)) {
                    plan.buffers[b].last = plan.buffers[b].last.max(end);
                    plan.value_buffer.insert(r, b);
                    continue;
                }
            }
            let reuse = in_place_candidates(ctx, ir, op).into_iter().find_map(|v| {
                let b = *plan.value_buffer.get(&v)?;
                let dies_here = plan.buffers[b].last == i;
                let arena_value = defining_op(ir, v).is_some();
                (dies_here && arena_value && plan.buffers[b].bytes == bytes).then_some(b)
            });
            match reuse {
                Some(b) => {
                    plan.buffers[b].last = end;
                    plan.value_buffer.insert(r, b);
                    plan.in_place += 1;
                }
                None => {
                    plan.value_buffer.insert(r, plan.buffers.len());
                    plan.buffers.push(Buffer { bytes, first: i, last: end, offset: 0 });
                }
            }
        }
    }
    plan.arena_bytes = assign_offsets(&mut plan.buffers);
    plan.lower_bound_bytes = (0..ops.len())
        .map(|t| plan.buffers.iter().filter(|b| b.first <= t && t <= b.last).map(|b| b.bytes).sum::<u64>())
        .max()
        .unwrap_or(0);
    Some(plan)
}

/// Places buffers greedily by size; returns the arena size.
pub fn assign_offsets(buffers: &mut [Buffer]) -> u64 {
    let mut order: Vec<usize> = (0..buffers.len()).collect();
    order.sort_by(|a, b| buffers[*b].bytes.cmp(&buffers[*a].bytes).then(buffers[*a].first.cmp(&buffers[*b].first)));
    let mut placed: Vec<usize> = Vec::new();
    let mut arena = 0;
    for i in order {
        let b = &buffers[i];
        // Placed buffers live at the same time, by offset.
        let mut busy: Vec<(u64, u64)> = placed
            .iter()
            .map(|j| &buffers[*j])
            .filter(|o| o.first <= b.last && b.first <= o.last)
            .map(|o| (o.offset, o.offset + o.bytes))
            .collect();
        busy.sort();
        let mut offset = 0;
        for (start, end) in busy {
            if offset + b.bytes <= start {
                break;
            }
            offset = offset.max(end);
        }
        buffers[i].offset = offset;
        arena = arena.max(offset + buffers[i].bytes);
        placed.push(i);
    }
    arena
}

struct PlanMemory;

impl Pass for PlanMemory {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let Some(plan) = plan(cx.ctx, cx.ir, cx.op) else {
            cx.preserve_all();
            return Ok(());
        };
        let ctx = cx.ctx;
        let mut offsets: Vec<(OpId, u64)> = Vec::new();
        for (v, b) in &plan.value_buffer {
            if let Some(op) = defining_op(cx.ir, *v) {
                offsets.push((op, plan.buffers[*b].offset));
            }
        }
        for (op, offset) in offsets {
            cx.ir.set_attr(op, ctx.ident("plan.offset"), ctx.i64_attr(offset as i64));
        }
        cx.ir.set_attr(cx.op, ctx.ident("plan.arena_bytes"), ctx.i64_attr(plan.arena_bytes as i64));
        cx.ir.set_attr(cx.op, ctx.ident("plan.lower_bound_bytes"), ctx.i64_attr(plan.lower_bound_bytes as i64));
        cx.add_stat("arena-bytes", plan.arena_bytes);
        cx.add_stat("lower-bound-bytes", plan.lower_bound_bytes);
        cx.add_stat("unshared-bytes", plan.unshared_bytes);
        cx.add_stat("in-place", plan.in_place as u64);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlaps(a: &Buffer, b: &Buffer) -> bool {
        a.first <= b.last && b.first <= a.last && a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes
    }

    #[test]
    fn buffers_live_together_never_share_bytes() {
        let mut state = 7u64;
        for _ in 0..200 {
            let mut buffers: Vec<Buffer> = (0..30)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let first = (state >> 40) as usize % 40;
                    let len = (state >> 20) as usize % 10;
                    let bytes = ALIGNMENT * (1 + (state >> 50) % 16);
                    Buffer { bytes, first, last: first + len, offset: 0 }
                })
                .collect();
            let arena = assign_offsets(&mut buffers);
            for (i, a) in buffers.iter().enumerate() {
                assert!(a.offset + a.bytes <= arena);
                for b in &buffers[i + 1..] {
                    assert!(!overlaps(a, b), "{a:?} and {b:?}");
                }
            }
        }
    }
}

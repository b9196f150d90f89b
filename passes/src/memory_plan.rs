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
//!   the result's type (not merely its size: a broadcast operand is read at other indices) and
//!   dies at this op writes over that operand (each element is read
//!   before it is written at the same index).
//! - Offsets: greedy by size (largest first, each at the lowest offset that overlaps no placed
//!   buffer live at the same time), as TFLite's arena planner does.
//!
//! - Sizes are checked: a tensor whose byte size, aligned, or the arena as a whole would pass
//!   `i64::MAX` is an error at the op that makes it, never a wrapped (small) buffer.
//!
//! The plan is written as attributes: `plan.offset` on each op whose result is in the arena,
//! `plan.arena_bytes` and `plan.lower_bound_bytes` (the most bytes live at any one op, which
//! no plan can beat) on the function.

use rustc_hash::FxHashMap;
use strata_ir::pass::{Pass, PassContext, PassInfo};
use strata_ir::{Context, Diagnostic, Ir, OpId, SizeError, Value, ValueDef};

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

/// Why a function cannot be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A result's size, or its size aligned to [`ALIGNMENT`], does not fit in i64.
    #[error("result #{result} cannot be placed in the arena: {source}")]
    Size { op: OpId, result: usize, source: SizeError },
    /// The buffers fit one by one, but not together.
    #[error("the arena would take more than {max} bytes", max = i64::MAX)]
    ArenaOverflow,
}

/// The aligned bytes of a tensor result; `None` for values the plan leaves out (no static
/// shape, or elements without a bit width).
fn tensor_bytes(ctx: &Context, ir: &Ir, v: Value) -> Result<Option<u64>, SizeError> {
    let t = ir.value_type(v);
    let bytes = match ctx.byte_size(t) {
        Ok(b) => b,
        Err(e) if e.is_overflow() => return Err(e),
        Err(_) => return Ok(None),
    };
    let aligned = bytes.div_ceil(ALIGNMENT).checked_mul(ALIGNMENT).filter(|b| *b <= i64::MAX as u64);
    aligned.map(Some).ok_or_else(|| SizeError::TooManyBytes(ctx.type_to_string(t)))
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

/// Plans the single block of `func`; `None` for a function with no body or several blocks,
/// or when a size overflows ([`try_plan`] says where).
pub fn plan(ctx: &Context, ir: &Ir, func: OpId) -> Option<Plan> {
    try_plan(ctx, ir, func).ok().flatten()
}

/// Plans the single block of `func`: `Ok(None)` for a function with no body or several
/// blocks, an error when a buffer or the arena is too large to address.
pub fn try_plan(ctx: &Context, ir: &Ir, func: OpId) -> Result<Option<Plan>, PlanError> {
    let Some(&region) = ir.op(func).regions().first() else { return Ok(None) };
    let [block] = ir.region(region).blocks() else { return Ok(None) };
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
        for (k, &r) in ir.op(op).results().iter().enumerate() {
            let bytes = tensor_bytes(ctx, ir, r).map_err(|source| PlanError::Size { op, result: k, source })?;
            let Some(bytes) = bytes else { continue };
            let end = last_use(r).max(i);
            if name != "nn.reshape" {
                plan.unshared_bytes = plan.unshared_bytes.saturating_add(bytes);
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
                // The operand's own type, not just its (aligned) size: a broadcast operand
                // (a 1x1 beside a 1x3) is read at other indices than the one written.
                let same_type = ir.value_type(v) == ir.value_type(r);
                (dies_here && arena_value && same_type && plan.buffers[b].bytes == bytes).then_some(b)
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
    if plan.arena_bytes > i64::MAX as u64 {
        return Err(PlanError::ArenaOverflow);
    }
    plan.lower_bound_bytes = (0..ops.len())
        .map(|t| plan.buffers.iter().filter(|b| b.first <= t && t <= b.last).map(|b| b.bytes).sum::<u64>())
        .max()
        .unwrap_or(0);
    Ok(Some(plan))
}

/// Places buffers greedily by size; returns the arena size (saturating at `u64::MAX`: offsets
/// past `i64::MAX` are rejected by the caller).
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
            .map(|o| (o.offset, o.offset.saturating_add(o.bytes)))
            .collect();
        busy.sort();
        let mut offset = 0u64;
        for (start, end) in busy {
            if offset.saturating_add(b.bytes) <= start {
                break;
            }
            offset = offset.max(end);
        }
        buffers[i].offset = offset;
        arena = arena.max(offset.saturating_add(buffers[i].bytes));
        placed.push(i);
    }
    arena
}

struct PlanMemory;

impl Pass for PlanMemory {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let plan = try_plan(cx.ctx, cx.ir, cx.op).map_err(|e| {
            let at = match &e {
                PlanError::Size { op, .. } => *op,
                PlanError::ArenaOverflow => cx.op,
            };
            let name = cx.ctx.ident_str(cx.ir.op(at).name());
            Diagnostic::error(cx.ir.op(at).loc(), format!("'{name}' op plan-memory: {e}"))
        })?;
        let Some(plan) = plan else {
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

    fn parse(ctx: &Context, src: &str) -> strata_ir::Module {
        let m = strata_ir::parse_source(ctx, "p.mlir", src, &Default::default()).unwrap();
        strata_ir::verify(ctx, &m.ir, m.root).unwrap();
        m
    }

    fn first_func(m: &strata_ir::Module) -> OpId {
        m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap()
    }

    /// Sizes near `i64::MAX` that the verifier accepts one by one: a plan that wrapped them
    /// would be tiny (the 64 bytes); it must be an error naming the op instead.
    #[test]
    fn buffers_or_arenas_past_i64_are_errors() {
        let mut ctx = Context::new();
        strata_dialects::register_all(&mut ctx);
        // 2^63 - 4 bytes fit, but not once aligned to 64.
        let t = "tensor<2305843009213693951xf32>";
        let m = parse(
            &ctx,
            &format!("func.func @f(%x: {t}) -> {t} {{\n  %r = \"nn.relu\"(%x) : ({t}) -> {t}\n  return %r : {t}\n}}"),
        );
        let e = try_plan(&ctx, &m.ir, first_func(&m)).unwrap_err();
        assert!(matches!(&e, PlanError::Size { result: 0, source: SizeError::TooManyBytes(_), .. }), "{e}");
        // 2^62 bytes each, three alive at once: 3 * 2^62 bytes of arena.
        let t = "tensor<1152921504606846976xf32>";
        let relu = |r: &str| format!("  %{r} = \"nn.relu\"(%x) : ({t}) -> {t}\n");
        let add = |r: &str, a: &str, b: &str| format!("  %{r} = \"nn.add\"(%{a}, %{b}) : ({t}, {t}) -> {t}\n");
        let body = [relu("a"), relu("b"), relu("c"), add("d", "a", "b"), add("e", "d", "c")].concat();
        let m = parse(&ctx, &format!("func.func @f(%x: {t}) -> {t} {{\n{body}  return %e : {t}\n}}"));
        assert_eq!(try_plan(&ctx, &m.ir, first_func(&m)).unwrap_err(), PlanError::ArenaOverflow);
    }
}

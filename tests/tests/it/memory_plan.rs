//! `plan-memory` checked against liveness computed here, from the IR's use lists, without the
//! planner's code: two tensors that are alive at the same time must not share a byte of the
//! arena, unless the later one is written over the earlier one in place by an op that reads
//! it at the index it writes (the only aliasing that is safe). A checker that could not fail
//! would prove nothing, so a broken plan (every buffer at offset 0, as a planner that ignores
//! liveness would give) must be rejected.

use std::collections::HashMap;

use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{parse_source, Context, Ir, Module, OpId, ParseOptions, Value};

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

fn planned(ctx: &Context, text: &str, pipeline: &str) -> Module {
    let mut m = parse_source(ctx, "graph.mlir", text, &ParseOptions::default()).unwrap();
    let mut r = PassRegistry::new();
    strata_passes::register_all(&mut r);
    PassManager::new(r.parse_pipeline(pipeline).unwrap()).run(ctx, &mut m.ir, m.root).unwrap();
    m
}

fn funcs(ctx: &Context, m: &Module) -> Vec<OpId> {
    m.ir.collect_ops(m.root).into_iter().filter(|o| ctx.ident_str(m.ir.op(*o).name()) == "func.func").collect()
}

/// Ops that read every operand of the result's type at the index they write: writing the
/// result over such an operand that dies there is safe. (Batch norm's per-channel operands
/// have other types; its `x` is read where it is written.)
const ELEMENTWISE: &[&str] = &[
    "nn.add",
    "nn.sub",
    "nn.mul",
    "nn.div",
    "nn.max",
    "nn.min",
    "nn.pow",
    "nn.relu",
    "nn.relu6",
    "nn.leaky_relu",
    "nn.sigmoid",
    "nn.tanh",
    "nn.gelu",
    "nn.silu",
    "nn.exp",
    "nn.log",
    "nn.sqrt",
    "nn.rsqrt",
    "nn.abs",
    "nn.neg",
    "nn.clip",
    "nn.batch_norm",
    "kernel.elementwise",
];

/// Whether `op` reads `operand` only at the index it writes its result: an elementwise op's
/// operand of the result's type, or a fused kernel's epilogue operand (past the product's
/// two factors) of the result's type.
fn reads_at_written_index(ctx: &Context, ir: &Ir, op: OpId, operand: usize) -> bool {
    let o = ir.op(op);
    let name = ctx.ident_str(o.name());
    let same_type = o.results().len() == 1 && ir.value_type(o.operands()[operand]) == ir.value_type(o.result(0));
    let epilogue = matches!(name, "kernel.conv2d" | "kernel.matmul")
        && operand >= 2
        && !o.operands()[..2].contains(&o.operands()[operand]);
    same_type && (ELEMENTWISE.contains(&name) || epilogue)
}

/// A tensor in the arena: where it is, how many bytes it really has, and the positions of
/// the ops between which its bytes must stay intact.
#[derive(Clone, Debug)]
struct Live {
    value: Value,
    offset: u64,
    bytes: u64,
    first: usize,
    last: usize,
}

fn bytes_of(ctx: &Context, ir: &Ir, v: Value) -> u64 {
    let t = ir.value_type(v);
    let n: i64 = ctx.shape(t).unwrap().iter().product();
    (n as u64 * ctx.int_or_float_width(ctx.element_type_or_self(t)).unwrap() as u64).div_ceil(8)
}

/// What the checker found in a valid plan.
#[derive(Debug, Default)]
struct Checked {
    /// Pairs of tensors alive at the same time (each must be apart in the arena).
    overlapping_lifetimes: usize,
    /// Results written over a dying operand.
    in_place: usize,
    /// The most bytes that must survive one op.
    live_peak: u64,
}

/// Checks the plan of `func` (a single block), written as `plan.offset` on ops and
/// `plan.arena_bytes` on the function.
fn check_plan(ctx: &Context, ir: &Ir, func: OpId) -> Result<Checked, String> {
    let block = ir.region(ir.op(func).regions()[0]).blocks()[0];
    let ops: Vec<OpId> = ir.block_ops(block).collect();
    let position: HashMap<OpId, usize> = ops.iter().enumerate().map(|(i, o)| (*o, i)).collect();
    let offset_of =
        |op: OpId| ir.op(op).attr(ctx.ident("plan.offset")).and_then(|a| ctx.attr_as_int(a)).map(|o| o as u64);
    let arena = ir
        .op(func)
        .attr(ctx.ident("plan.arena_bytes"))
        .and_then(|a| ctx.attr_as_int(a))
        .ok_or("no plan.arena_bytes on the function")? as u64;
    // Each value in the arena, by the value whose storage it is: a reshape of an arena value
    // is a view of its storage; any other planned single result is storage of its own.
    let mut root: HashMap<Value, Value> = HashMap::new();
    let mut live: Vec<Live> = Vec::new();
    let mut index: HashMap<Value, usize> = HashMap::new();
    for (i, &op) in ops.iter().enumerate() {
        let o = ir.op(op);
        let Some(offset) = offset_of(op) else { continue };
        if o.results().len() != 1 {
            continue; // the lowering allocates multi-result ops outside the arena
        }
        let r = o.result(0);
        if ctx.ident_str(o.name()) == "nn.reshape" {
            if let Some(&src) = root.get(&o.operand(0)) {
                if live[index[&src]].offset != offset {
                    return Err(format!("a reshape at op {i} is not at its source's offset"));
                }
                root.insert(r, src);
                continue;
            }
        }
        root.insert(r, r);
        index.insert(r, live.len());
        live.push(Live { value: r, offset, bytes: bytes_of(ctx, ir, r), first: i, last: i });
    }
    // A storage lives until the last op that reads it or any view of it.
    for (v, r) in &root {
        let last = ir.value(*v).uses().iter().filter_map(|u| position.get(&u.op)).max().copied().unwrap_or(0);
        let l = &mut live[index[r]];
        l.last = l.last.max(last);
    }
    let mut checked = Checked::default();
    for l in &live {
        if l.offset + l.bytes > arena {
            return Err(format!("{:?} ends past the arena ({arena} bytes)", l.value));
        }
    }
    // What must survive each op (made by it or before, read after it) is all in the arena at
    // once, apart: a bound the arena must meet. (An operand dying at an op is not counted
    // there, so a result written over it in place is not counted twice.)
    for t in 0..ops.len() {
        let bytes = live.iter().filter(|l| l.first <= t && t < l.last).map(|l| l.bytes).sum();
        checked.live_peak = checked.live_peak.max(bytes);
    }
    for (i, a) in live.iter().enumerate() {
        for b in &live[i + 1..] {
            // `b` is defined after `a`; both alive at b's op?
            if b.first > a.last {
                continue;
            }
            checked.overlapping_lifetimes += 1;
            let apart = a.offset + a.bytes <= b.offset || b.offset + b.bytes <= a.offset;
            if apart {
                continue;
            }
            let op = ops[b.first];
            let over_a = ir
                .op(op)
                .operands()
                .iter()
                .enumerate()
                .any(|(k, u)| root.get(u) == Some(&a.value) && reads_at_written_index(ctx, ir, op, k));
            if a.last == b.first && over_a && a.offset == b.offset && a.bytes == b.bytes {
                checked.in_place += 1;
                continue;
            }
            return Err(format!(
                "op {} writes [{}, {}) while the result of op {} at [{}, {}) is alive until op {}",
                b.first,
                b.offset,
                b.offset + b.bytes,
                a.first,
                a.offset,
                a.offset + a.bytes,
                a.last
            ));
        }
    }
    Ok(checked)
}

/// Every buffer at offset 0: what a planner that ignores liveness gives.
fn ignore_liveness(ctx: &Context, ir: &mut Ir, func: OpId) {
    let planned: Vec<OpId> =
        ir.collect_ops(func).into_iter().filter(|o| ir.op(*o).attr(ctx.ident("plan.offset")).is_some()).collect();
    for op in planned {
        ir.set_attr(op, ctx.ident("plan.offset"), ctx.i64_attr(0));
    }
}

/// A graph with views, residual additions, branches and an output used twice.
/// A computed operand broadcast against a larger one (softmax's max): the same aligned size
/// (64 bytes for a 2x1 and a 2x3 of f32), but read at other indices than the result's, so
/// never written over.
const BROADCAST: &str = r#"func.func @b(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = "nn.relu"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %m = "nn.reduce_max"(%a) {axes = [1], keepdims = true} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  %s = "nn.sub"(%m, %a) : (tensor<2x1xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %e = "nn.exp"(%s) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %e : tensor<2x3xf32>
}
"#;

const BRANCHES: &str = r#"func.func @g(%x: tensor<2x8xf32>, %w: tensor<8x8xf32>) -> (tensor<2x8xf32>, tensor<16xf32>) {
  %a = "nn.matmul"(%x, %w) : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %b = "nn.relu"(%a) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %c = "nn.reshape"(%b) {shape = [16]} : (tensor<2x8xf32>) -> tensor<16xf32>
  %d = "nn.matmul"(%b, %w) : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %e = "nn.add"(%d, %a) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %f = "nn.exp"(%e) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %g = "nn.tanh"(%c) : (tensor<16xf32>) -> tensor<16xf32>
  %h = "nn.mul"(%f, %e) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %h, %g : tensor<2x8xf32>, tensor<16xf32>
}
"#;

#[test]
fn plans_pass_an_independent_liveness_check_and_broken_plans_fail_it() {
    let ctx = context();
    let graphs = [
        ("branches", BRANCHES.to_string()),
        ("broadcast", BROADCAST.to_string()),
        ("resnet18-16", strata_benches::models::resnet_at(18, 16)),
        ("transformer-small", strata_benches::models::transformer("transformer_small", 1, 16, 64, 4, 256)),
    ];
    let mut in_place = 0;
    for (name, text) in &graphs {
        for pipeline in ["builtin.module(func.func(plan-memory))", "builtin.module(func.func(egraph-opt, plan-memory))"]
        {
            let mut m = planned(&ctx, text, pipeline);
            for func in funcs(&ctx, &m) {
                let checked = check_plan(&ctx, &m.ir, func).unwrap_or_else(|e| panic!("{name}, {pipeline}: {e}"));
                let arena = m.ir.op(func).attr(ctx.ident("plan.arena_bytes")).and_then(|a| ctx.attr_as_int(a));
                assert!(checked.overlapping_lifetimes > 0, "{name}: nothing was alive at the same time");
                assert!(arena.unwrap() as u64 >= checked.live_peak, "{name}: the arena is smaller than what is alive");
                in_place += checked.in_place;
                // The mutation the checker exists for.
                ignore_liveness(&ctx, &mut m.ir, func);
                assert!(check_plan(&ctx, &m.ir, func).is_err(), "{name}, {pipeline}: a plan ignoring liveness passed");
            }
        }
    }
    assert!(in_place > 0, "no result was written in place: the in-place rule went unchecked");
}

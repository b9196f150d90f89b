//! The work a graph-level op does, from its shapes: floating-point (or integer) operations and
//! bytes moved, for a profile's GFLOP/s and GB/s. These are the op's *useful* work as the
//! roofline model counts it, whatever algorithm the lowering picked (a Winograd convolution
//! does fewer multiplications than it is credited with, as cuDNN's and oneDNN's reports do too).
//!
//! Operations (a multiply-add counts 2; a transcendental function counts 1, as roofline tools
//! do for lack of a standard price); `E` is the result's element count:
//!
//! | op | operations |
//! |---|---|
//! | `conv2d` (weight `O×I×Kh×Kw`, `I` per group) | `2·E·I·Kh·Kw`, `+E` with a bias |
//! | `matmul` (`…×M×K` by `…×K×N`) | `2·E·K` |
//! | elementwise `nn` op, `compare`, `select` | `E` |
//! | `kernel.*` epilogue or elementwise body | `E` per `arith`/`math` op of the body (constants free) |
//! | `max_pool2d`, `avg_pool2d` (window `Kh×Kw`) | `E·Kh·Kw`, `+E` for the average's division |
//! | `global_avg_pool2d` (input of `X` elements) | `X + E` |
//! | `batch_norm` (inference) | `4·E`: `(x − mean)·rsqrt(var + ε)·γ + β`, the per-channel rsqrt not counted |
//! | `layer_norm` | `8·E`: mean 1, variance 3, normalization 4 per element |
//! | `softmax` | `5·E`: max, subtract, exp, sum, divide |
//! | `cast`, `reshape`, `transpose`, `relayout`, `concat`, `split`, `pad` | 0 (data movement) |
//! | anything else | unknown |
//!
//! Bytes moved: every operand read once and every result written once, at the bytes an element
//! takes in memory (`i1` is a byte): the traffic no schedule can avoid, so a kernel's GB/s
//! against the machine's copy bandwidth says how close it is to memory-bound speed.

use strata_dialects::nn;
use strata_ir::{Context, Ir, OpId, Type, Value};

/// Operations and bytes of one call of a kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Work {
    /// `None` for an op these formulas do not know.
    pub flops: Option<u64>,
    pub bytes: u64,
}

/// Elements of a statically shaped type (0 for anything else).
fn elements(ctx: &Context, t: Type) -> u64 {
    ctx.num_elements(t).unwrap_or(0)
}

/// Bytes of a statically shaped type as compiled code stores it.
fn bytes(ctx: &Context, t: Type) -> u64 {
    let per = strata_runtime::scalar::elem_of_type(ctx, t).map_or(0, |e| e.bytes() as u64);
    elements(ctx, t).saturating_mul(per)
}

/// `arith`/`math` ops in the single block of `op`'s first region (a kernel's body or epilogue).
fn body_ops(ctx: &Context, ir: &Ir, op: OpId) -> u64 {
    let Some(region) = ir.op(op).regions().first() else { return 0 };
    let Some(&block) = ir.region(*region).blocks().first() else { return 0 };
    ir.block_ops(block)
        .filter(|o| {
            let name = ctx.ident_str(ir.op(*o).name());
            (name.starts_with("arith.") || name.starts_with("math.")) && name != "arith.constant"
        })
        .count() as u64
}

fn shape(ctx: &Context, ir: &Ir, v: Value) -> Vec<i64> {
    nn::shape_of(ctx, ir.value_type(v))
}

fn product(dims: &[i64]) -> u64 {
    dims.iter().fold(1u64, |p, d| p.saturating_mul((*d).max(0) as u64))
}

/// The work of graph-level op `op` (`nn.*` or `kernel.*`).
pub fn work(ctx: &Context, ir: &Ir, op: OpId) -> Work {
    let o = ir.op(op);
    let name = ctx.ident_str(o.name());
    let moved = o.operands().iter().chain(o.results()).map(|v| bytes(ctx, ir.value_type(*v))).sum();
    let e = o.results().first().map_or(0, |r| elements(ctx, ir.value_type(*r)));
    let operands = o.operands();
    let attr = |n: &str| o.attr(ctx.ident(n));
    let flops = match name {
        "nn.conv2d" | "kernel.conv2d" => operands.get(1).map(|w| {
            let w = shape(ctx, ir, *w);
            let taps = product(w.get(1..).unwrap_or(&[]));
            let bias = if name == "nn.conv2d" { operands.len() > 2 } else { has_bias(ctx, ir, op) };
            let epilogue = if name == "kernel.conv2d" { body_ops(ctx, ir, op) } else { 0 };
            e.saturating_mul(2 * taps + u64::from(bias) + epilogue)
        }),
        "nn.matmul" | "kernel.matmul" => operands.first().map(|a| {
            let k = shape(ctx, ir, *a).last().copied().unwrap_or(0).max(0) as u64;
            let epilogue = if name == "kernel.matmul" { body_ops(ctx, ir, op) } else { 0 };
            e.saturating_mul(k.saturating_mul(2) + epilogue)
        }),
        "kernel.elementwise" => Some(e.saturating_mul(body_ops(ctx, ir, op))),
        "nn.max_pool2d" | "nn.avg_pool2d" => attr("kernel").and_then(|k| nn::ints(ctx, k)).map(|k| {
            let average = u64::from(name == "nn.avg_pool2d");
            e.saturating_mul(product(&k) + average)
        }),
        "nn.global_avg_pool2d" => operands.first().map(|x| elements(ctx, ir.value_type(*x)).saturating_add(e)),
        "nn.batch_norm" => Some(e.saturating_mul(4)),
        "nn.layer_norm" => Some(e.saturating_mul(8)),
        "nn.softmax" => Some(e.saturating_mul(5)),
        "nn.compare" | "nn.select" => Some(e),
        "nn.cast" | "nn.reshape" | "nn.transpose" | "nn.relayout" | "nn.concat" | "nn.split" | "nn.pad" => Some(0),
        _ if nn::scalar::ELEMENTWISE.contains(&name) => Some(e),
        _ => None,
    };
    Work { flops, bytes: moved }
}

/// Whether a `kernel.conv2d` has its optional bias operand.
fn has_bias(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    let Some(def) = ctx.op_def(ir.op(op).name()) else { return false };
    def.operand_group_ranges(ctx, ir, op).get(2).is_some_and(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The work of the first op of `@f` in `src`.
    fn first(src: &str) -> Work {
        let mut ctx = Context::new();
        strata_dialects::register_all(&mut ctx);
        let m = strata_ir::parse_source(&ctx, "t.mlir", src, &Default::default()).unwrap();
        strata_ir::verify(&ctx, &m.ir, m.root).unwrap();
        let op = m.ir.collect_ops(m.root).into_iter().find(|o| {
            let n = ctx.ident_str(m.ir.op(*o).name());
            n.starts_with("nn.") || n.starts_with("kernel.")
        });
        work(&ctx, &m.ir, op.unwrap())
    }

    #[test]
    fn convolution_counts_multiply_adds_and_the_bias() {
        // 1x4x8x8 output, 3 input channels, 3x3 taps: 2·256·27 + 256 (bias).
        let w = first(
            r#"func.func @f(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
              %y = "nn.conv2d"(%x, %w, %b) {padding = [1, 1, 1, 1]} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
              return %y : tensor<1x4x8x8xf32>
            }"#,
        );
        assert_eq!(w.flops, Some(2 * 256 * 27 + 256));
        assert_eq!(w.bytes, 4 * (192 + 108 + 4 + 256));
    }

    #[test]
    fn matmul_and_pools_and_data_movement() {
        let w = first(
            r#"func.func @f(%a: tensor<5x7xf32>, %b: tensor<7x3xf32>) -> tensor<5x3xf32> {
              %y = "nn.matmul"(%a, %b) : (tensor<5x7xf32>, tensor<7x3xf32>) -> tensor<5x3xf32>
              return %y : tensor<5x3xf32>
            }"#,
        );
        assert_eq!(w.flops, Some(2 * 15 * 7));
        let w = first(
            r#"func.func @f(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
              %y = "nn.avg_pool2d"(%x) {kernel = [2, 2], strides = [2, 2]} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
              return %y : tensor<1x2x2x2xf32>
            }"#,
        );
        assert_eq!(w.flops, Some(8 * 5));
        let w = first(
            r#"func.func @f(%x: tensor<2x3xi1>) -> tensor<3x2xi1> {
              %y = "nn.transpose"(%x) {perm = [1, 0]} : (tensor<2x3xi1>) -> tensor<3x2xi1>
              return %y : tensor<3x2xi1>
            }"#,
        );
        assert_eq!(w, Work { flops: Some(0), bytes: 12 });
    }

    #[test]
    fn fused_bodies_count_their_arithmetic_not_their_constants() {
        let w = first(
            r#"func.func @f(%a: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
              %y = "kernel.elementwise"(%a, %b) ({
              ^bb0(%x: f32, %z: f32):
                %s = arith.addf %x, %z : f32
                %c0 = arith.constant 0.0 : f32
                %r = arith.maximumf %s, %c0 : f32
                "kernel.yield"(%r) : (f32) -> ()
              }) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
              return %y : tensor<4x8xf32>
            }"#,
        );
        assert_eq!(w.flops, Some(2 * 32));
        assert_eq!(w.bytes, 4 * (32 + 8 + 32));
    }
}

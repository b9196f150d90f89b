//! `lower-to-loops`: a function of `nn` and `kernel` ops on tensors becomes loops over
//! buffers. Arguments and results become memrefs of the same shapes (so `strata-run` feeds the
//! same `.npy` files at every level); each op becomes a loop nest writing a fresh buffer.
//! Constants become buffers through `bufferization.to_buffer` of the `nn.constant`, which
//! the GEMM recognises to pack constant weight panels once; `materialize-arenas`, the last
//! pass of the `lower-to-loops` pipeline, then makes each a constant `memref.global` read
//! with `memref.get_global`, so no graph op is left at the loop level.
//!
//! - elementwise ops and fused `kernel.elementwise`: one `scf.parallel` nest over the result,
//!   inputs read at their broadcast index, the body inlined;
//! - `nn.matmul` / `kernel.matmul`: a parallel nest over the result with a reduction loop,
//!   then the epilogue;
//! - `nn.conv2d` / `kernel.conv2d` (direct, any layout, groups, dilation, padding);
//! - pooling (ONNX's `ceil_mode` and `count_include_pad`), global average pooling, softmax,
//!   batch and layer norm, and the data movement ops (reshape, transpose, relayout, concat,
//!   split, pad);
//! - reductions and log-softmax (`reduce.rs`); slices, gathers (each index checked by a
//!   `cf.assert`, which stops the run at the op) and broadcasts (`data.rs`); transposed
//!   convolutions (`conv_transpose.rs`).
//!
//! After `plan-memory`, results live in one static arena (a `memref.global`, defined by
//! `materialize-arenas`; `memref.view` at each planned offset), written in place where the plan
//! says, and scratch buffers past the planned part: the function allocates nothing.
//!
//! A convolution's `algorithm` picks its loops: direct, im2col + GEMM, or Winograd F(2×2,3×3),
//! F(4×4,3×3) and, at stride 2, F(4×4,2×2) over the input's phases (see [`conv`]; the
//! transform matrices come from [`toom_cook`]); FFT and implicit GEMM are
//! lowered as direct convolution for now.

mod conv;
mod conv_transpose;
mod data;
pub mod emit;
mod gemm;
mod ops;
mod reduce;
mod toom_cook;

use rustc_hash::FxHashMap;
use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo};
use strata_ir::{AttrKind, Diagnostic, InsertPoint, OpId, TypeKind, Value};

use emit::Emit;
pub use gemm::GemmKernel;

pub fn info() -> PassInfo {
    PassInfo::new(
        "convert-nn-to-loops",
        "ConvertNnToLoops",
        "Lower nn and kernel ops on tensors to scf loops over memrefs",
        |o, _| {
            let gemm = GemmKernel::new(o.int("vector-bits"), o.int("l1-bytes"), o.int("l2-bytes"))?
                .with_rows(o.int("mr"))?
                .with_blocks(o.int("kc"), o.int("mc"))?;
            let gemm = GemmKernel { packed: o.bool("vector-units"), prefetch: o.bool("prefetch"), ..gemm };
            Ok(Box::new(LowerToLoops { gemm }))
        },
    )
    .anchor("func.func")
    .option(OptionSpec::int(
        "vector-bits",
        128,
        "Vector register width the GEMM's micro-kernel is shaped for: 128, 256 (AVX2) or 512 (AVX-512)",
    ))
    .option(OptionSpec::int("l1-bytes", gemm::DEFAULT_L1_BYTES, "L1 data cache per core, for the GEMM's KC"))
    .option(OptionSpec::int("l2-bytes", gemm::DEFAULT_L2_BYTES, "L2 cache per core, for the GEMM's MC"))
    .option(OptionSpec::int("mr", 0, "GEMM micro-tile rows (0: the vector width's default)"))
    .option(OptionSpec::int(
        "kc",
        0,
        "GEMM steps of k per block (0: from l1-bytes); a product whose result outgrows L2 may take K whole",
    ))
    .option(OptionSpec::int("mc", 0, "GEMM rows per block of A (0: from l2-bytes)"))
    .option(OptionSpec::bool(
        "prefetch",
        false,
        "The code generator honours memref.prefetch: products with few rows prefetch their next panel of B",
    ))
    .option(OptionSpec::bool(
        "vector-units",
        true,
        "Shape products and row sums for vector units: the packed GEMM, interleaved partial sums \
         (off, for GPUs: one parallel nest over each result, every sum in one accumulator)",
    ))
    .statistic("lowered", "Graph ops lowered to loops")
}

struct LowerToLoops {
    gemm: GemmKernel,
}

/// Every buffer the lowering makes has a byte size and index range that fit in i64: loop
/// bounds, strides and arena offsets are i64 arithmetic, and a wrapped size would give a small
/// buffer that the loops overrun. (An argument or value that no `nn` verifier saw, such as a
/// tensor passed straight through, is checked here.) Errors are at the op, or at the
/// function for an argument.
fn check_sizes(
    ctx: &strata_ir::Context,
    ir: &strata_ir::Ir,
    func: OpId,
    block: strata_ir::BlockId,
) -> Result<(), Diagnostic> {
    let too_big = |t: strata_ir::Type| ctx.byte_size(t).err().filter(|e| e.is_overflow());
    for (i, a) in ir.block(block).args().iter().enumerate() {
        if let Some(e) = too_big(ir.value_type(*a)) {
            return Err(Diagnostic::error(ir.op(func).loc(), format!("lower-to-loops: argument #{i}: {e}")));
        }
    }
    for op in ir.collect_ops(func) {
        let o = ir.op(op);
        for (what, values) in [("operand", o.operands()), ("result", o.results())] {
            for (i, v) in values.iter().enumerate() {
                if let Some(e) = too_big(ir.value_type(*v)) {
                    let name = ctx.ident_str(o.name());
                    return Err(Diagnostic::error(o.loc(), format!("lower-to-loops: '{name}' {what} #{i}: {e}")));
                }
            }
        }
    }
    Ok(())
}

impl Pass for LowerToLoops {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let (ctx, func) = (cx.ctx, cx.op);
        let Some(&region) = cx.ir.op(func).regions().first() else { return Ok(()) };
        if cx.ir.region(region).blocks().is_empty() {
            return Ok(()); // a declaration
        }
        // Already below the graph level (loops written by hand, or lowered before): nothing to do.
        let graph_op = cx.ir.collect_ops(func).into_iter().any(|op| {
            let n = ctx.ident_str(cx.ir.op(op).name());
            n.starts_with("nn.") || n.starts_with("kernel.")
        });
        let tensor_arg = cx
            .ir
            .block(cx.ir.region(region).blocks()[0])
            .args()
            .iter()
            .any(|a| matches!(ctx.type_kind(cx.ir.value_type(*a)), TypeKind::RankedTensor { .. }));
        if !graph_op && !tensor_arg {
            return Ok(());
        }
        let [block] = cx.ir.region(region).blocks() else {
            return Err(Diagnostic::error(cx.ir.op(func).loc(), "lower-to-loops lowers single-block graph functions"));
        };
        let block = *block;
        check_sizes(cx.ctx, cx.ir, func, block)?;
        let mut buffers: FxHashMap<Value, Value> = FxHashMap::default();
        // Arguments: tensors become memrefs of the same shape.
        for a in cx.ir.block(block).args().to_vec() {
            let t = cx.ir.value_type(a);
            if let TypeKind::RankedTensor { shape, element, .. } = ctx.type_kind(t) {
                let m = ctx.memref_type(shape.clone(), *element);
                cx.ir.set_value_type(a, m);
            }
            buffers.insert(a, a);
        }
        let ops: Vec<OpId> = cx.ir.block_ops(block).collect();
        // With a memory plan (`plan-memory`), one arena in static storage holds every result
        // and every scratch buffer: a run allocates nothing. Its size is known once scratch
        // buffers are counted, so its type is set at the end.
        let planned_bytes =
            cx.ir.op(func).attr(ctx.ident("plan.arena_bytes")).and_then(|a| ctx.attr_as_int(a)).map(|b| b as i64);
        let func_name =
            cx.ir.op(func).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("f").to_string();
        let arena_symbol = format!("{func_name}_arena");
        let arena = planned_bytes.map(|bytes| {
            let t = ctx.memref_type(vec![bytes], ctx.integer_type(8));
            let name = ctx.intern_attr(AttrKind::SymbolRef { root: arena_symbol.clone(), nested: Vec::new() });
            strata_ir::Builder::new(ctx, cx.ir, InsertPoint::BlockStart(block)).value(
                "memref.get_global",
                &[],
                t,
                &[("name", name)],
            )
        });
        let mut arena_end = planned_bytes.unwrap_or(0);
        let mut lowered = 0;
        let mut dead = Vec::new();
        for op in ops {
            let name = ctx.ident_str(cx.ir.op(op).name()).to_string();
            let loc = cx.ir.op(op).loc();
            if name == "func.return" {
                let operands: Vec<Value> =
                    cx.ir.op(op).operands().iter().map(|v| buffers.get(v).copied().unwrap_or(*v)).collect();
                cx.ir.set_operands(op, &operands);
                continue;
            }
            if name == "nn.constant" {
                let r = cx.ir.op(op).result(0);
                let t = cx.ir.value_type(r);
                let m = ctx.memref_type(ctx.shape(t).unwrap_or(&[]).to_vec(), ctx.element_type_or_self(t));
                let next = InsertPoint::After(op);
                let buffer = strata_ir::Builder::new(ctx, cx.ir, next).value("bufferization.to_buffer", &[r], m, &[]);
                buffers.insert(r, buffer);
                continue;
            }
            if name == "func.call" {
                // Calls are inlined first (the default pipelines run `inline`); what is left
                // calls itself or a declaration.
                return Err(Diagnostic::error(
                    loc,
                    "lower-to-loops: a call between graph functions that was not inlined (recursive, or to a \
                     declaration); run `inline` first",
                ));
            }
            if !(name.starts_with("nn.") || name.starts_with("kernel.")) {
                return Err(Diagnostic::error(loc, format!("lower-to-loops: '{name}' is not a graph op")));
            }
            let inputs: Vec<Value> = cx
                .ir
                .op(op)
                .operands()
                .iter()
                .map(|v| buffers.get(v).copied().ok_or_else(|| Diagnostic::error(loc, "an operand has no buffer")))
                .collect::<Result<_, _>>()?;
            let offset = cx.ir.op(op).attr(ctx.ident("plan.offset")).and_then(|a| ctx.attr_as_int(a));
            let single = cx.ir.op(op).results().len() == 1;
            let planned = arena.zip(offset).filter(|_| single).map(|(a, o)| (a, o as i64));
            let scratch_at = arena.zip(planned_bytes);
            let mut e = Emit { ctx, ir: cx.ir, at: InsertPoint::Before(op), planned, scratch_at, loc, gemm: self.gemm };
            let outs = ops::lower(&mut e, op, &inputs)
                .map_err(|m| Diagnostic::error(loc, format!("lower-to-loops: '{name}': {m}")))?;
            if let Some((_, end)) = e.scratch_at {
                arena_end = arena_end.max(end);
            }
            for (r, b) in cx.ir.op(op).results().to_vec().into_iter().zip(outs) {
                buffers.insert(r, b);
            }
            dead.push(op);
            lowered += 1;
        }
        for op in dead.into_iter().rev() {
            cx.ir.erase_op(op);
        }
        if let Some(a) = arena {
            let t = ctx.memref_type(vec![arena_end.max(1)], ctx.integer_type(8));
            cx.ir.set_value_type(a, t);
        }
        // The signature follows the arguments and returned values.
        let inputs = cx.ir.block(block).args().iter().map(|a| cx.ir.value_type(*a)).collect();
        let term = cx.ir.block(block).last_op().expect("a terminator");
        let results = cx.ir.op(term).operands().iter().map(|v| cx.ir.value_type(*v)).collect();
        let fty = ctx.intern_attr(AttrKind::Type(ctx.function_type(inputs, results)));
        cx.ir.set_attr(func, ctx.ident("function_type"), fty);
        cx.add_stat("lowered", lowered);
        Ok(())
    }
}

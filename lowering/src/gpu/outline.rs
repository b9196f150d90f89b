//! `gpu-kernel-outlining`: each `gpu.launch` body becomes a `gpu.func` kernel and the launch a
//! `gpu.launch_func` of it, as upstream's pass of that name does.
//!
//! One `gpu.module @<function>_kernels` per host function holds its kernels
//! (`@<function>_kernel_<n>`), so a model is one PTX module. Values the body uses from the host
//! become the kernel's parameters in first-use order, except constants, which are cloned in so
//! that trip counts, strides and offsets are immediates for `ptxas`. The region's block and
//! thread ids and sizes become `gpu.block_id`, `gpu.thread_id`, `gpu.grid_dim` and
//! `gpu.block_dim` (only those used). The module gets `gpu.container_module`.

use rustc_hash::FxHashMap;
use strata_ir::pass::{Pass, PassContext, PassInfo};
use strata_ir::{AttrKind, Builder, Context, Diagnostic, InsertPoint, Ir, IrMapping, OpId, OpState, Value, ValueDef};

pub fn info() -> PassInfo {
    PassInfo::new(
        "gpu-kernel-outlining",
        "GpuKernelOutlining",
        "Outline gpu.launch bodies into gpu.func kernels",
        |_, _| Ok(Box::new(Outline)),
    )
    .anchor("builtin.module")
    .statistic("kernels", "kernels outlined")
}

struct Outline;

impl Pass for Outline {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let ctx = cx.ctx;
        let module = cx.op;
        let Some(&region) = cx.ir.op(module).regions().first() else { return Ok(()) };
        let Some(&module_block) = cx.ir.region(region).blocks().first() else { return Ok(()) };
        let funcs: Vec<OpId> =
            cx.ir.block_ops(module_block).filter(|o| ctx.ident_str(cx.ir.op(*o).name()) == "func.func").collect();
        let mut kernels = 0;
        for func in funcs {
            let launches: Vec<OpId> = cx
                .ir
                .collect_ops(func)
                .into_iter()
                .filter(|o| ctx.ident_str(cx.ir.op(*o).name()) == "gpu.launch")
                .collect();
            if launches.is_empty() {
                continue;
            }
            let fname = symbol_name(ctx, cx.ir, func);
            let mname = unique_symbol(ctx, cx.ir, module_block, &format!("{fname}_kernels"));
            let loc = cx.ir.op(func).loc();
            let gmodule = Builder::new(ctx, cx.ir, InsertPoint::After(func))
                .insert(OpState::new(ctx, "gpu.module", loc).attr(ctx, "sym_name", ctx.string_attr(&mname)).regions(1));
            let gblock = cx.ir.create_block(&[]);
            cx.ir.append_block(cx.ir.op(gmodule).regions()[0], gblock);
            for (i, launch) in launches.into_iter().enumerate() {
                outline_one(ctx, cx.ir, launch, gblock, &mname, &format!("{fname}_kernel_{i}"))?;
                kernels += 1;
            }
        }
        if kernels > 0 {
            cx.ir.set_attr(module, ctx.ident("gpu.container_module"), ctx.unit_attr());
        }
        cx.add_stat("kernels", kernels);
        Ok(())
    }
}

fn symbol_name(ctx: &Context, ir: &Ir, op: OpId) -> String {
    ir.op(op).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("f").to_string()
}

/// `base`, or `base_N` if a symbol of the block already has that name.
fn unique_symbol(ctx: &Context, ir: &Ir, block: strata_ir::BlockId, base: &str) -> String {
    let taken: Vec<String> = ir.block_ops(block).map(|o| symbol_name(ctx, ir, o)).collect();
    let mut name = base.to_string();
    let mut n = 0;
    while taken.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

fn is_constant(ctx: &Context, ir: &Ir, v: Value) -> Option<OpId> {
    let ValueDef::Result { op, .. } = ir.value(v).def() else { return None };
    (ctx.ident_str(ir.op(op).name()) == "arith.constant").then_some(op)
}

/// The launch's operand groups from its `operandSegmentSizes`.
fn segments(ctx: &Context, ir: &Ir, launch: OpId) -> Result<Vec<usize>, Diagnostic> {
    match ir.op(launch).attr(ctx.ident("operandSegmentSizes")).map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::DenseArray { values: strata_ir::DenseArrayValues::Int(v), .. }) if v.len() == 11 => {
            Ok(v.iter().map(|n| *n as usize).collect())
        }
        _ => Err(Diagnostic::error(ir.op(launch).loc(), "gpu.launch needs 11 operand segments")),
    }
}

fn outline_one(
    ctx: &Context,
    ir: &mut Ir,
    launch: OpId,
    gblock: strata_ir::BlockId,
    module: &str,
    kernel: &str,
) -> Result<(), Diagnostic> {
    let loc = ir.op(launch).loc();
    let seg = segments(ctx, ir, launch)?;
    if seg[0] != 0 || seg[7] + seg[8] + seg[9] != 0 {
        return Err(Diagnostic::error(loc, "async launches and clusters are not outlined here"));
    }
    // A kernel cannot call host functions (and the PTX emitter writes no calls): `inline` runs
    // first, so what is left here is a call it would not inline (a recursive one).
    if let Some(call) = ir.collect_ops(launch).into_iter().find(|o| ctx.ident_str(ir.op(*o).name()) == "func.call") {
        let callee = ir.op(call).attr(ctx.ident("callee")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
        return Err(Diagnostic::error(
            ir.op(call).loc(),
            format!("'func.call' op calls {callee} from GPU code: kernels cannot call functions (not inlined)"),
        ));
    }
    let operands = ir.op(launch).operands().to_vec();
    let sizes = operands[..6].to_vec();
    let shared = (seg[10] == 1).then(|| operands[6]);
    let captured = crate::captured_values(ir, launch);
    let (cloned, passed): (Vec<Value>, Vec<Value>) =
        captured.into_iter().partition(|v| is_constant(ctx, ir, *v).is_some());
    let params: Vec<strata_ir::Type> = passed.iter().map(|v| ir.value_type(*v)).collect();

    let mut state = OpState::new(ctx, "gpu.func", loc)
        .attr(ctx, "sym_name", ctx.string_attr(kernel))
        .attr(ctx, "function_type", ctx.type_attr(ctx.function_type(params.clone(), vec![])))
        .attr(ctx, "gpu.kernel", ctx.unit_attr())
        .regions(1);
    // What the host knows of each buffer's alignment goes with the kernel (upstream's
    // `llvm.align` argument attribute), for the emitter's vector accesses.
    let alignments: Vec<u64> = passed.iter().map(|v| host_alignment(ctx, ir, *v)).collect();
    if alignments.iter().any(|a| *a > 1) {
        let lists = alignments
            .iter()
            .map(|a| {
                let entries = if *a > 1 {
                    vec![strata_ir::NamedAttr { name: ctx.ident("llvm.align"), value: ctx.i64_attr(*a as i64) }]
                } else {
                    Vec::new()
                };
                ctx.intern_attr(AttrKind::Dictionary(entries))
            })
            .collect();
        state = state.attr(ctx, "arg_attrs", ctx.intern_attr(AttrKind::Array(lists)));
    }
    // Known block sizes let the emitter state `.reqntid`, as upstream's outlining records them.
    let known: Option<Vec<i64>> = sizes[3..6].iter().map(|v| crate::constant_index(ctx, ir, *v)).collect();
    if let Some(k) = known.filter(|k| k.iter().all(|n| (1..=1024).contains(n))) {
        let array = ctx.intern_attr(AttrKind::DenseArray {
            element: ctx.integer_type(32),
            values: strata_ir::DenseArrayValues::Int(k),
        });
        state = state.attr(ctx, "known_block_size", array);
    }
    // Workgroup attributions after the region's 12 ids become the kernel's.
    let body = ir.region(ir.op(launch).regions()[0]).blocks()[0];
    let attributions: Vec<strata_ir::Type> = ir.block(body).args()[12..].iter().map(|a| ir.value_type(*a)).collect();
    // (Those after the launch's workgroup attributions are private.)
    let workgroup = ir.op(launch).attr(ctx.ident("workgroup_attributions")).and_then(|a| ctx.attr_as_int(a));
    if let Some(n) = workgroup.filter(|n| *n > 0) {
        state = state.attr(ctx, "workgroup_attributions", ctx.i64_attr(n as i64));
    }
    // Occupancy hints for `ptxas` (upstream's NVVM kernel attributes) go with the kernel.
    for a in ir.op(launch).attrs() {
        if ctx.ident_str(a.name).starts_with("nvvm.") {
            state = state.attr(ctx, ctx.ident_str(a.name), a.value);
        }
    }
    let gfunc = Builder::at_end(ctx, ir, gblock).insert(state);
    let entry = ir.create_block(&[params.clone(), attributions].concat());
    ir.append_block(ir.op(gfunc).regions()[0], entry);
    let args = ir.block(entry).args().to_vec();
    let mut map: FxHashMap<Value, Value> = passed.iter().copied().zip(args.iter().copied()).collect();
    for v in &cloned {
        let constant = is_constant(ctx, ir, *v).expect("partitioned as a constant");
        let copy = ir.clone_op(constant, &mut IrMapping::default());
        ir.insert_op(copy, InsertPoint::BlockEnd(entry));
        map.insert(*v, ir.op(copy).result(0));
    }

    // The region's 12 arguments, as id and size ops where used; its attributions, the
    // kernel's.
    let region_args = ir.block(body).args().to_vec();
    let mut replacements = Vec::with_capacity(region_args.len());
    for (i, a) in region_args.iter().enumerate() {
        if i >= 12 {
            replacements.push(args[params.len() + i - 12]);
            continue;
        }
        if ir.value(*a).uses().is_empty() {
            replacements.push(*a);
            continue;
        }
        let op = ["gpu.block_id", "gpu.thread_id", "gpu.grid_dim", "gpu.block_dim"][i / 3];
        let dim = ctx
            .parse_attribute(["#gpu<dim x>", "#gpu<dim y>", "#gpu<dim z>"][i % 3])
            .map_err(|e| Diagnostic::error(loc, format!("the gpu dimension attribute: {e:?}")))?;
        let mut b = Builder::at_end(ctx, ir, entry);
        b.loc = loc;
        replacements.push(b.value(op, &[], ctx.index_type(), &[("dimension", dim)]));
    }
    let moved = ir.inline_block(body, InsertPoint::BlockEnd(entry), &replacements);
    if let Some(&last) = moved.last() {
        if ctx.ident_str(ir.op(last).name()) == "gpu.terminator" {
            let loc = ir.op(last).loc();
            let mut b = Builder::before(ctx, ir, last);
            b.loc = loc;
            b.op("gpu.return", &[], &[], &[]);
            ir.erase_op(last);
        }
    }
    for op in ir.collect_ops(gfunc) {
        let operands = ir.op(op).operands().to_vec();
        for (i, v) in operands.into_iter().enumerate() {
            if let Some(&m) = map.get(&v) {
                ir.set_operand(op, i, m);
            }
        }
    }

    let mut launch_operands = sizes;
    launch_operands.extend(shared);
    launch_operands.extend(&passed);
    let segments = ctx.intern_attr(AttrKind::DenseArray {
        element: ctx.integer_type(32),
        values: strata_ir::DenseArrayValues::Int(vec![
            0,
            1,
            1,
            1,
            1,
            1,
            1,
            0,
            0,
            0,
            i64::from(shared.is_some()),
            passed.len() as i64,
            0,
        ]),
    });
    let callee = ctx.intern_attr(AttrKind::SymbolRef { root: module.to_string(), nested: vec![kernel.to_string()] });
    Builder::new(ctx, ir, InsertPoint::Before(launch)).insert(
        OpState::new(ctx, "gpu.launch_func", loc).operands(&launch_operands).attr(ctx, "kernel", callee).attr(
            ctx,
            "operandSegmentSizes",
            segments,
        ),
    );
    ir.erase_op(launch);
    Ok(())
}

/// The alignment in bytes the host's memref `v` is known to start at: the runtime places every
/// argument, global and host allocation at a multiple of [`crate::ptx::BUFFER_ALIGNMENT`]; a
/// view keeps what its constant shift leaves. Not a memref, or not known: 1.
fn host_alignment(ctx: &Context, ir: &Ir, v: Value) -> u64 {
    if !matches!(ctx.type_kind(ir.value_type(v)), strata_ir::TypeKind::MemRef { .. }) {
        return 1;
    }
    match ir.value(v).def() {
        ValueDef::BlockArg { block, .. } => {
            let top = ir.block_parent_op(block).is_some_and(|f| ctx.ident_str(ir.op(f).name()) == "func.func");
            if top {
                crate::ptx::BUFFER_ALIGNMENT
            } else {
                1
            }
        }
        ValueDef::Result { op, .. } => {
            let o = ir.op(op).operands();
            match ctx.ident_str(ir.op(op).name()) {
                "memref.get_global" | "memref.alloc" => crate::ptx::BUFFER_ALIGNMENT,
                "memref.view" => {
                    let shift = crate::constant_index(ctx, ir, o[1]).map_or(1, crate::ptx::align::of_constant);
                    host_alignment(ctx, ir, o[0]).min(shift)
                }
                "memref.collapse_shape" | "memref.expand_shape" | "memref.cast" => host_alignment(ctx, ir, o[0]),
                _ => 1,
            }
        }
        ValueDef::Placeholder => 1,
    }
}

//! Profiling hooks for `strata-run --backend llvm --profile`: each kernel's run of top-level
//! ops in a function body (the ops lowered from one graph op, tagged by `profile-kernels`) is
//! bracketed by calls of `__strata_profile_begin(id)` and `__strata_profile_end(id)`, exactly
//! where the Cranelift translator puts them ([`strata_lowering::codegen::profile::segments`]),
//! so both backends' profiles time the same spans. Outlined parallel bodies need nothing: the
//! JIT binds `__strata_parallel_for` to the recording one, which times each chunk against the
//! kernel open on the calling thread.

use rustc_hash::FxHashMap;
use strata_ir::{Builder, Context, InsertPoint, Ir, OpId, OpState};
use strata_lowering::codegen::profile::{self, Kernel};

/// Inserts the hooks into every function under `root` and declares them; returns the kernels
/// the ids name (id `k` is `kernels[k]`).
pub fn instrument(ctx: &Context, ir: &mut Ir, root: OpId) -> Vec<Kernel> {
    let module_block = ir.region(ir.op(root).regions()[0]).blocks()[0];
    let funcs: Vec<OpId> =
        ir.block_ops(module_block).filter(|f| ctx.ident_str(ir.op(*f).name()) == "func.func").collect();
    let mut kernels = Vec::new();
    let mut ids: FxHashMap<strata_ir::Attribute, u32> = FxHashMap::default();
    for func in funcs {
        let Some(&region) = ir.op(func).regions().first() else { continue };
        for block in ir.region(region).blocks().to_vec() {
            for (segment, kernel) in profile::segments(ctx, ir, ir.block_ops(block).collect::<Vec<_>>()) {
                let next = kernels.len() as u32;
                let id = *ids.entry(segment.tag).or_insert(next);
                if id == next {
                    kernels.push(kernel);
                }
                hook(ctx, ir, InsertPoint::Before(segment.first), profile::BEGIN, id);
                hook(ctx, ir, InsertPoint::After(segment.last), profile::END, id);
            }
        }
    }
    if !kernels.is_empty() {
        for name in [profile::BEGIN, profile::END] {
            let function_type = ctx.function_type(vec![ctx.integer_type(32)], vec![]);
            Builder::at_end(ctx, ir, module_block).insert(
                OpState::new(ctx, "func.func", ctx.unknown_loc())
                    .attr(ctx, "sym_name", ctx.string_attr(name))
                    .attr(ctx, "function_type", ctx.type_attr(function_type))
                    .attr(ctx, "sym_visibility", ctx.string_attr("private"))
                    .regions(1),
            );
        }
    }
    kernels
}

/// `func.call @name(id)` at `at`.
fn hook(ctx: &Context, ir: &mut Ir, at: InsertPoint, name: &str, id: u32) {
    let i32t = ctx.integer_type(32);
    let mut b = Builder::new(ctx, ir, at);
    let id = b.value("arith.constant", &[], i32t, &[("value", ctx.integer_attr(i64::from(id).into(), i32t))]);
    b.op("func.call", &[id], &[], &[("callee", ctx.symbol_ref_attr(name))]);
}

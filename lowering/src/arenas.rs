//! `materialize-arenas`: a `memref.global` for every arena a lowered function reads with
//! `memref.get_global` but the module does not define yet (function passes cannot add
//! module-level ops, so `lower-to-loops` runs this after them).

use strata_ir::pass::{Pass, PassContext, PassInfo};
use strata_ir::{AttrKind, Builder, Diagnostic, InsertPoint, OpState};

pub fn info() -> PassInfo {
    PassInfo::new(
        "materialize-arenas",
        "MaterializeArenas",
        "Define the memref.global of each arena a function uses",
        |_, _| Ok(Box::new(MaterializeArenas)),
    )
    .anchor("builtin.module")
}

struct MaterializeArenas;

impl Pass for MaterializeArenas {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let ctx = cx.ctx;
        let ops = cx.ir.collect_ops(cx.op);
        let defined: Vec<String> = ops
            .iter()
            .filter(|o| ctx.ident_str(cx.ir.op(**o).name()) == "memref.global")
            .filter_map(|o| {
                cx.ir.op(*o).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).map(str::to_string)
            })
            .collect();
        let body = cx.ir.region(cx.ir.op(cx.op).regions()[0]).blocks()[0];
        let mut made: Vec<String> = Vec::new();
        for op in ops {
            if ctx.ident_str(cx.ir.op(op).name()) != "memref.get_global" {
                continue;
            }
            let Some(AttrKind::SymbolRef { root, .. }) = cx.ir.op(op).attr(ctx.ident("name")).map(|a| ctx.attr_kind(a))
            else {
                continue;
            };
            if defined.contains(root) || made.contains(root) {
                continue;
            }
            let ty = cx.ir.value_type(cx.ir.op(op).result(0));
            let state = OpState::new(ctx, "memref.global", ctx.unknown_loc())
                .attr(ctx, "sym_name", ctx.string_attr(root))
                .attr(ctx, "type", ctx.type_attr(ty))
                .attr(ctx, "sym_visibility", ctx.string_attr("private"));
            Builder::new(ctx, cx.ir, InsertPoint::BlockStart(body)).insert(state);
            made.push(root.clone());
        }
        Ok(())
    }
}

//! `profile-kernels`: tags each graph-level op of a function with what a profile reports about
//! it, in its location (see [the profile docs](super)). Run it on the optimized graph, just
//! before `lower-to-loops`; `strata-run --profile` does (`codegen::profile_pipeline`). Tagging
//! twice replaces the first tag. The op's original location stays first in the fused one, so
//! diagnostics read as before.

use strata_ir::pass::{Pass, PassContext, PassInfo};
use strata_ir::{AttrKind, Attribute, Context, Diagnostic, Ir, LocKind, Location, NamedAttr, OpId};

use super::{kernel_of, work::work, KEY};

pub fn info() -> PassInfo {
    PassInfo::new(
        "profile-kernels",
        "ProfileKernels",
        "Tag graph ops' locations with their kernel description, for per-kernel profiles of compiled code",
        |_, _| Ok(Box::new(ProfileKernels)),
    )
    .anchor("func.func")
    .statistic("tagged", "Graph ops tagged as kernels")
}

struct ProfileKernels;

impl Pass for ProfileKernels {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let (ctx, func) = (cx.ctx, cx.op);
        let function =
            cx.ir.op(func).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or_default().to_string();
        let Some(&region) = cx.ir.op(func).regions().first() else { return Ok(()) };
        let ops: Vec<OpId> = cx
            .ir
            .region(region)
            .blocks()
            .to_vec()
            .into_iter()
            .flat_map(|b| cx.ir.block_ops(b).collect::<Vec<_>>())
            .collect();
        let mut index = 0;
        for op in ops {
            let name = ctx.ident_str(cx.ir.op(op).name());
            let graph = (name.starts_with("nn.") || name.starts_with("kernel.")) && name != "nn.constant";
            if !graph {
                continue;
            }
            let meta = metadata(ctx, cx.ir, op, &function, index);
            let original = original(ctx, cx.ir.op(op).loc());
            let locs = vec![ctx.loc_attr(original)];
            let tagged = ctx.intern_attr(AttrKind::Location(LocKind::Fused { locs, metadata: Some(meta) }));
            cx.ir.set_loc(op, ctx.location(tagged).expect("a fused location"));
            index += 1;
        }
        cx.add_stat("tagged", index as u64);
        Ok(())
    }
}

/// The location before tagging.
fn original(ctx: &Context, loc: Location) -> Location {
    match (kernel_of(ctx, loc), &*ctx.loc_kind(loc)) {
        (Some(_), LocKind::Fused { locs, .. }) if locs.len() == 1 => ctx.location(locs[0]).unwrap_or(loc),
        _ => loc,
    }
}

/// `{strata.kernel = {function, index, op, algorithm?, fused, result, flops?, bytes}}`.
fn metadata(ctx: &Context, ir: &Ir, op: OpId, function: &str, index: u32) -> Attribute {
    let o = ir.op(op);
    let entry = |name: &str, value: Attribute| NamedAttr { name: ctx.ident(name), value };
    let int = |v: u64| ctx.i64_attr(i64::try_from(v).unwrap_or(i64::MAX));
    let w = work(ctx, ir, op);
    let fused: Vec<String> = o
        .regions()
        .first()
        .and_then(|r| ir.region(*r).blocks().first())
        .map(|b| {
            ir.block_ops(*b)
                .map(|x| ctx.ident_str(ir.op(x).name()))
                .filter(|n| (n.starts_with("arith.") || n.starts_with("math.")) && *n != "arith.constant")
                .map(|n| n.split_once('.').map_or(n, |(_, short)| short).to_string())
                .collect()
        })
        .unwrap_or_default();
    let result: Vec<String> = o.results().iter().map(|r| ctx.type_to_string(ir.value_type(*r))).collect();
    let mut entries = vec![
        entry("function", ctx.string_attr(function)),
        entry("index", int(u64::from(index))),
        entry("op", ctx.string_attr(ctx.ident_str(o.name()))),
        entry("fused", ctx.string_attr(&fused.join(","))),
        entry("result", ctx.string_attr(&result.join(", "))),
        entry("bytes", int(w.bytes)),
    ];
    if let Some(a) = o.attr(ctx.ident("algorithm")).filter(|a| ctx.attr_as_str(*a).is_some()) {
        entries.push(entry("algorithm", a));
    }
    if let Some(f) = w.flops {
        entries.push(entry("flops", int(f)));
    }
    let inner = ctx.dictionary_attr(entries);
    ctx.dictionary_attr(vec![entry(KEY, inner)])
}

#[cfg(test)]
mod tests {
    use super::super::{Kernel, Work};
    use super::*;
    use strata_ir::pass::PassManager;

    const GRAPH: &str = r#"func.func @g(%x: tensor<2x8xf32>, %y: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %a = "nn.add"(%x, %y) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %b = "nn.relu"(%a) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %b : tensor<2x8xf32>
}"#;

    fn tagged(pipeline: &str) -> (Context, strata_ir::Module) {
        let mut ctx = Context::new();
        strata_dialects::register_all(&mut ctx);
        let mut m = strata_ir::parse_source(&ctx, "g.mlir", GRAPH, &Default::default()).unwrap();
        let mut registry = strata_ir::pass::PassRegistry::new();
        registry.register(info()).unwrap();
        let root = registry.parse_pipeline(pipeline).unwrap();
        PassManager::new(root).run(&ctx, &mut m.ir, m.root).unwrap();
        (ctx, m)
    }

    /// A tagged op's kernel, with the file location diagnostics would report for it.
    type Tagged = (Kernel, Option<(String, u32, u32)>);

    fn kernels(ctx: &Context, m: &strata_ir::Module) -> Vec<Tagged> {
        m.ir.collect_ops(m.root)
            .into_iter()
            .filter_map(|op| {
                let loc = m.ir.op(op).loc();
                let k = kernel_of(ctx, loc)?.1;
                Some((k, ctx.loc_file_line_col(loc).map(|(f, l, c)| (f.to_string(), l, c))))
            })
            .collect()
    }

    #[test]
    fn each_graph_op_is_tagged_once_and_keeps_its_location() {
        for pipeline in [
            "builtin.module(func.func(profile-kernels))",
            "builtin.module(func.func(profile-kernels, profile-kernels))",
        ] {
            let (ctx, m) = tagged(pipeline);
            let ks = kernels(&ctx, &m);
            assert_eq!(ks.len(), 2, "{pipeline}");
            let (add, at) = &ks[0];
            assert_eq!((add.op.as_str(), add.index, add.function.as_str()), ("nn.add", 0, "g"));
            assert_eq!((add.location.as_str(), at.clone()), ("g.mlir:2:8", Some(("g.mlir".to_string(), 2, 8))));
            assert_eq!(add.work, Work { flops: Some(16), bytes: 3 * 64 });
            assert_eq!((ks[1].0.op.as_str(), ks[1].0.index, ks[1].0.location.as_str()), ("nn.relu", 1, "g.mlir:3:8"));
            assert_eq!(ks[1].0.result, "tensor<2x8xf32>");
        }
    }
}

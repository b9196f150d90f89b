//! An example runtime plugin. Build it with `cargo build -p strata-example-plugin`, then:
//!
//! ```text
//! strata-opt --load-dialect-plugin=target/debug/libstrata_example_plugin.so \
//!            --load-pass-plugin=target/debug/libstrata_example_plugin.so \
//!            input.mlir --pass-pipeline='builtin.module(func.func(plugin-tag-ops{tag=seen}))'
//! ```
//!
//! Passes: `plugin-tag-ops` puts a unit attribute on every op of a function;
//! `plugin-erase-plug-ids` replaces `plug.id` ops by their operand; `plugin-crash` panics (to
//! exercise crash reproducers). Dialect: `plug`, with `plug.id`.

use strata_ir::dialect::{constraints as tc, Dialect, OpDef, Trait};
use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo, PassRegistry};
use strata_ir::{AttrKind, Context, Diagnostic, OpId};

struct Plug;

impl Dialect for Plug {
    fn name(&self) -> &'static str {
        "plug"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![OpDef::new("plug.id")
            .summary("returns its operand")
            .traits(&[Trait::Pure, Trait::SameOperandsAndResultType])
            .operand("input", tc::ANY)
            .result("output", tc::ANY)
            .format("$input attr-dict `:` type($output)")]
    }
}

struct TagOps {
    tag: String,
}

impl Pass for TagOps {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let name = cx.ctx.ident(&self.tag);
        let unit = cx.ctx.intern_attr(AttrKind::Unit);
        let ops: Vec<OpId> = cx.ir.collect_ops(cx.op).into_iter().skip(1).collect();
        for &op in &ops {
            cx.ir.set_attr(op, name, unit);
        }
        cx.add_stat("tagged", ops.len() as u64);
        Ok(())
    }
}

struct EraseIds;

impl Pass for EraseIds {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let id = cx.ctx.ident("plug.id");
        for op in cx.ir.collect_ops(cx.op) {
            if cx.ir.op(op).name() == id {
                let input = cx.ir.op(op).operand(0);
                cx.ir.replace_op(op, &[input]);
            }
        }
        Ok(())
    }
}

struct Crash;

impl Pass for Crash {
    fn run(&self, _: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        panic!("plugin-crash was asked to crash");
    }
}

fn register_passes(registry: &mut PassRegistry) -> Result<(), String> {
    registry.register(
        PassInfo::new("plugin-tag-ops", "PluginTagOps", "Tag every op with a unit attribute", |o, _| {
            Ok(Box::new(TagOps { tag: o.str("tag").to_string() }))
        })
        .anchor("func.func")
        .option(OptionSpec::string("tag", "plugin.tagged", "Name of the attribute to add"))
        .statistic("tagged", "Number of ops tagged"),
    )?;
    registry.register(
        PassInfo::new("plugin-erase-plug-ids", "PluginEraseIds", "Replace plug.id by its operand", |_, _| {
            Ok(Box::new(EraseIds))
        })
        .anchor("func.func"),
    )?;
    registry.register(PassInfo::new("plugin-crash", "PluginCrash", "Panic", |_, _| Ok(Box::new(Crash))))
}

fn register_dialects(ctx: &mut Context) -> Result<(), String> {
    ctx.register_dialect(Plug).map_err(|e| e.to_string())
}

strata_ir::pass_plugin!("strata-example-plugin", "0.1", register_passes);
strata_ir::dialect_plugin!("strata-example-plugin", "0.1", register_dialects);

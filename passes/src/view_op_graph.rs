//! `view-op-graph` (MLIR's `-view-op-graph`): Graphviz of each function's data flow, one
//! `digraph` per function in the op the pass runs on (the op itself when it is a function;
//! the op's own regions when it holds no function).
//!
//! ```text
//! strata-opt model.mlir --egraph-opt --view-op-graph -o /dev/null 2> model.dot
//! strata-opt model.mlir --view-op-graph='output=model.dot print-constants=false'
//! ```
//!
//! Nodes are ops, with their result types, `layout` and `algorithm`, the ops a `kernel.*` op
//! fuses (read from its body), and their location's name (ONNX node names arrive as
//! `loc("name")`); edges carry the value's type; nested regions are clusters. Options, named as
//! MLIR's where it has them:
//!
//! | option | default | |
//! |---|---|---|
//! | `max-label-len` | 40 | longest type, attribute or location text (0: no limit) |
//! | `print-attrs` | false | every attribute, not only `layout`/`algorithm` (MLIR's default is true; here the key ones keep big graphs readable) |
//! | `print-data-flow-edges` | true | edges from definitions to uses |
//! | `print-control-flow-edges` | false | dashed edges between consecutive ops and to branch targets |
//! | `print-constants` | true | constants (weights) as small nodes; false leaves them out |
//! | `print-locations` | `names` | `names`, `all` (file positions too) or `none` |
//! | `output` | (stderr) | a file to write instead, whole or not at all |
//!
//! The text goes to stderr as MLIR's does, one write per run. With `output`, each run of the
//! pass replaces the file: run it on the module (as the `--view-op-graph` flag does) to have
//! every function in it.

mod file;
mod render;

use std::path::Path;

use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo};
use strata_ir::{Context, Diagnostic, Ir, OpId, WalkControl, WalkOrder};

pub(crate) use file::write_whole;
pub use render::{function_graph, Annotation, GraphOptions, Locations};

pub fn info() -> PassInfo {
    PassInfo::new("view-op-graph", "ViewOpGraph", "Print each function's data flow as Graphviz (DOT)", |o, _| {
        let locations = Locations::parse(o.str("print-locations")).ok_or("unknown print-locations")?;
        Ok(Box::new(ViewOpGraph {
            options: GraphOptions {
                max_label_len: o.int("max-label-len").max(0) as usize,
                print_attrs: o.bool("print-attrs"),
                data_flow_edges: o.bool("print-data-flow-edges"),
                control_flow_edges: o.bool("print-control-flow-edges"),
                constants: o.bool("print-constants"),
                locations,
            },
            output: o.str("output").to_string(),
        }))
    })
    .option(OptionSpec::uint("max-label-len", 40, "Longest type, attribute or location text in a label (0: no limit)"))
    .option(OptionSpec::bool("print-attrs", false, "Print every attribute, not only layout and algorithm"))
    .option(OptionSpec::bool("print-data-flow-edges", true, "Print edges from definitions to uses"))
    .option(OptionSpec::bool(
        "print-control-flow-edges",
        false,
        "Print edges between consecutive ops and to branch targets",
    ))
    .option(OptionSpec::bool(
        "print-constants",
        true,
        "Print constants (weights) as small nodes; false leaves them out",
    ))
    .option(OptionSpec::choice(
        "print-locations",
        Locations::WORDS,
        "names",
        "Locations in labels: names (as ONNX node names arrive), all, or none",
    ))
    .option(OptionSpec::string(
        "output",
        "",
        "Write the graphs to this file (whole or not at all) instead of stderr",
    ))
}

pub struct ViewOpGraph {
    options: GraphOptions,
    output: String,
}

impl Pass for ViewOpGraph {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let text = graphs(cx.ctx, cx.ir, cx.op, &self.options);
        cx.preserve_all();
        if self.output.is_empty() {
            // One call, so graphs of functions run on other threads do not interleave.
            eprint!("{text}");
            return Ok(());
        }
        write_whole(Path::new(&self.output), text.as_bytes()).map_err(|e| {
            Diagnostic::error(cx.ir.op(cx.op).loc(), format!("view-op-graph: cannot write '{}': {e}", self.output))
        })
    }
}

/// The graphs of every function in `op`, in order (of `op` alone if it is a function or
/// holds none). A function is an op with a `function_type` and a body.
pub fn graphs(ctx: &Context, ir: &Ir, op: OpId, options: &GraphOptions) -> String {
    let function_type = ctx.ident("function_type");
    let mut functions = Vec::new();
    ir.walk(op, WalkOrder::PreOrder, &mut |o| {
        let has_body = ir.op(o).regions().iter().any(|r| !ir.region(*r).blocks().is_empty());
        if has_body && ir.op(o).attr(function_type).is_some() {
            functions.push(o);
            return WalkControl::Skip;
        }
        WalkControl::Advance
    });
    if functions.is_empty() {
        functions.push(op);
    }
    functions.iter().map(|f| function_graph(ctx, ir, *f, options, &[], &|_| Annotation::default())).collect()
}

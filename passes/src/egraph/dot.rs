//! Graphviz of the graph egraph-opt wrote (`--egraph-dot=FILE`), drawn from the function after
//! writing and folding, so the picture is what the IR holds: a batch norm folded into its
//! convolution's weights is one constant, not the sub-graph that computed it. Nodes are
//! [`view_op_graph`](crate::view_op_graph)'s (kernels name the ops they fuse, convolutions
//! their layout and algorithm) with each op's estimated time; the title has the total, as
//! written and as read. Constants are left out (they cost nothing, and would crowd the picture);
//! colours show kernels, relayouts and layouts at a glance.

use egg::{Id, Language};
use rustc_hash::FxHashMap;
use strata_ir::{Context, Ir, OpId, Value, ValueDef};

use super::convert::Graph;
use super::extract::OwnCost;
use super::language::Node;
use crate::view_op_graph::{function_graph, Annotation, GraphOptions, Locations};

/// Fill colours: kernels by kind, convolutions and pools by layout.
fn colour(name: &str, layout: Option<&str>) -> &'static str {
    match (name, layout) {
        ("kernel.elementwise", Some("NCHW8c" | "NCHW4c" | "NHWC")) => "lightsteelblue",
        ("kernel.elementwise", _) => "lightblue",
        ("kernel.conv2d" | "kernel.matmul", _) => "orange",
        ("nn.relayout", _) => "pink",
        (_, Some("NHWC")) => "palegreen",
        (_, Some("NCHW8c")) => "khaki",
        (_, Some("NCHW4c")) => "lightcyan",
        _ => "white",
    }
}

const LEGEND: [&str; 2] = [
    "orange: conv/matmul + epilogue, blue: fused elementwise (steel: not NCHW), pink: relayout",
    "layouts of other ops: green NHWC, khaki NCHW8c, cyan NCHW4c",
];

/// The classes each op of the written function computes (several for a split, one per part).
/// Found by walking the function from its results and the chosen graph from its roots
/// together: an op's operands are its class's tensor children, in order, as `convert::write`
/// built them. A constant that folding made of an op stops the walk there: what computed it
/// is gone.
pub fn op_classes(ir: &Ir, g: &Graph, choose: &dyn Fn(Id) -> Node) -> FxHashMap<OpId, Vec<Id>> {
    let eg = &g.egraph;
    let mut classes: FxHashMap<OpId, Vec<Id>> = FxHashMap::default();
    let mut stack: Vec<(Value, Id)> = ir.op(g.terminator).operands().iter().copied().zip(g.roots.clone()).collect();
    while let Some((value, class)) = stack.pop() {
        let ValueDef::Result { op, .. } = ir.value(value).def() else { continue };
        let class = eg.find(class);
        let seen = classes.entry(op).or_default();
        if seen.contains(&class) {
            continue;
        }
        seen.push(class);
        let tensors: Vec<Id> =
            choose(class).children().iter().map(|c| eg.find(*c)).filter(|c| eg[*c].data.shape().is_some()).collect();
        let operands = ir.op(op).operands();
        if operands.len() == tensors.len() {
            stack.extend(operands.iter().copied().zip(tensors));
        }
    }
    classes
}

/// Seconds as the labels show them.
fn time(seconds: f64) -> String {
    if seconds >= 1e-3 {
        format!("{:.3} ms", seconds * 1e3)
    } else {
        format!("{:.1} us", seconds * 1e6)
    }
}

/// The written function `func` as a `digraph`: `g` and `choose` are what was written, `own`
/// prices a node, `cost_before` is the estimate of the graph as read.
pub fn render(
    ctx: &Context,
    ir: &Ir,
    func: OpId,
    g: &Graph,
    choose: &dyn Fn(Id) -> Node,
    own: OwnCost,
    cost_before: f64,
) -> String {
    let classes = op_classes(ir, g, choose);
    let cost = |op: OpId| classes.get(&op).map_or(0.0, |cs| cs.iter().map(|c| own(*c, &choose(*c))).sum::<f64>());
    let total: f64 = classes.keys().map(|op| cost(*op)).sum();
    let annotate = |op: OpId| {
        let name = ctx.ident_str(ir.op(op).name());
        let layout = classes.get(&op).and_then(|cs| g.egraph[cs[0]].data.layout()).map(|l| l.name());
        let seconds = cost(op);
        Annotation {
            lines: if seconds > 0.0 { vec![time(seconds)] } else { Vec::new() },
            fill: Some(colour(name, layout)),
        }
    };
    let options = GraphOptions { constants: false, locations: Locations::Names, ..GraphOptions::default() };
    let title = [
        format!("egraph-opt: estimated {} as written, {} as read", time(total), time(cost_before)),
        LEGEND[0].to_string(),
        LEGEND[1].to_string(),
    ];
    function_graph(ctx, ir, func, &options, &title, &annotate)
}

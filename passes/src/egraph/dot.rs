//! Graphviz of the extracted graph (`--egraph-dot=FILE`): one box per op with its shape and
//! estimated time; fused kernels, relayouts and layouts coloured so the optimizer's choices
//! show at a glance.

use std::fmt::Write;

use egg::{Id, Language};
use rustc_hash::FxHashSet;

use super::analysis::Data;
use super::convert::Graph;
use super::extract::OwnCost;
use super::language::Node;

/// Fill colours: kernels by kind, convolutions and pools by layout.
fn colour(name: &str, layout: Option<&str>) -> &'static str {
    match (name, layout) {
        ("kernel.elementwise", Some("NCHW8c" | "NCHW4c" | "NHWC")) => "lightsteelblue",
        ("kernel.elementwise", _) => "lightblue",
        ("kernel.conv2d" | "kernel.matmul", _) => "orange",
        ("nn.relayout", _) => "pink",
        ("input" | "const" | "fill", _) => "lightgrey",
        (_, Some("NHWC")) => "palegreen",
        (_, Some("NCHW8c")) => "khaki",
        (_, Some("NCHW4c")) => "lightcyan",
        _ => "white",
    }
}

/// The chosen graph as a `digraph`.
pub fn render(g: &Graph, choose: &dyn Fn(Id) -> Node, own: OwnCost) -> String {
    let eg = &g.egraph;
    let mut out = String::from("digraph egraph_opt {\n  node [shape=box, style=filled, fontname=\"monospace\"];\n");
    let _ = writeln!(out, "  legend [label=\"blue: fused elementwise (steel: in a non-NCHW layout)\\norange: conv/matmul + epilogue\\npink: relayout\\ngreen NHWC, khaki NCHW8c, cyan NCHW4c\", fillcolor=white, shape=note];");
    let mut seen = FxHashSet::default();
    let mut stack: Vec<Id> = g.roots.iter().map(|r| eg.find(*r)).collect();
    while let Some(c) = stack.pop() {
        if !seen.insert(c) {
            continue;
        }
        let node = choose(c);
        let name = node.op_name().unwrap_or("?");
        let mut label = name.to_string();
        let layout = eg[c].data.layout().map(|l| l.name());
        for child in node.children() {
            match &eg[*child].data {
                Data::Word(w) if matches!(w.as_str(), "NCHW" | "NHWC" | "NCHW4c" | "NCHW8c") => {
                    let _ = write!(label, " {w}");
                }
                Data::Word(w) if name.ends_with("conv2d") => {
                    let _ = write!(label, " {w}");
                }
                Data::Body { ops, .. } => {
                    let _ = write!(label, " [{ops} fused ops]");
                }
                _ => {}
            }
        }
        if let Some(shape) = eg[c].data.shape() {
            let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            let _ = write!(label, "\\n{}", dims.join("x"));
        }
        let seconds = own(c, &node);
        if seconds > 0.0 {
            let _ = write!(label, "\\n{:.1} us", seconds * 1e6);
        }
        let _ = writeln!(out, "  c{c} [label=\"{label}\", fillcolor={}];", colour(name, layout));
        for child in node.children() {
            let child = eg.find(*child);
            if eg[child].data.shape().is_some() {
                let _ = writeln!(out, "  c{child} -> c{c};");
                stack.push(child);
            }
        }
    }
    for (i, r) in g.roots.iter().enumerate() {
        let _ = writeln!(
            out,
            "  out{i} [label=\"return #{i}\", shape=oval, fillcolor=white];\n  c{} -> out{i};",
            eg.find(*r)
        );
    }
    out.push_str("}\n");
    out
}

//! `egraph-opt`: the `nn` graph of each function, optimized by equality saturation (egg).
//!
//! Work in progress (issue 5): simplification rules and memory-traffic extraction so far;
//! fusion, layouts and algorithm choice are to come.

pub mod analysis;
pub mod convert;
pub mod extract;
pub mod language;
pub mod rules;

use std::time::Duration;

use egg::{CostFunction, Id, Language, Runner};
use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo};
use strata_ir::Diagnostic;

use analysis::NnGraph;
use language::Node;

pub fn info() -> PassInfo {
    PassInfo::new("egraph-opt", "EGraphOpt", "Optimize nn graphs by equality saturation", |o, _| {
        let mut extra = Vec::new();
        let file = o.str("rules-file");
        if !file.is_empty() {
            let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read rules file '{file}': {e}"))?;
            extra = rules::parse_rules(&text).map_err(|e| format!("{file}: {e}"))?;
        }
        Ok(Box::new(EGraphOpt {
            extra,
            node_limit: o.int("node-limit").max(1) as usize,
            iter_limit: o.int("iter-limit").max(1) as usize,
            time_limit: Duration::from_millis(o.int("time-limit-ms").max(1) as u64),
        }))
    })
    .anchor("func.func")
    .option(OptionSpec::string("rules-file", "", "More rules, one per line: name: (lhs) => (rhs)"))
    .option(OptionSpec::int("node-limit", 20_000, "Stop saturating at this many e-nodes"))
    .option(OptionSpec::int("iter-limit", 30, "Stop saturating after this many iterations"))
    .option(OptionSpec::int("time-limit-ms", 1000, "Stop saturating after this long"))
    .statistic("e-nodes", "E-nodes when saturation stopped")
    .statistic("e-classes", "E-classes when saturation stopped")
    .statistic("iterations", "Saturation iterations")
    .statistic("cost-before", "Bytes written by the graph before")
    .statistic("cost-after", "Bytes written by the graph after")
}

pub struct EGraphOpt {
    /// Rules from `rules-file`, applied with the built-in ones.
    extra: Vec<egg::Rewrite<Node, analysis::NnAnalysis>>,
    node_limit: usize,
    iter_limit: usize,
    time_limit: Duration,
}

/// Memory traffic: the bytes each op writes, summed over the tree.
pub struct BytesWritten<'a> {
    pub egraph: &'a NnGraph,
}

impl CostFunction<Node> for BytesWritten<'_> {
    type Cost = u64;
    fn cost<C: FnMut(Id) -> u64>(&mut self, enode: &Node, mut costs: C) -> u64 {
        let own = match enode.op_name() {
            // Every node of a class writes the same result: the class's tensor.
            Some(n) if n != "input" && n != "const" => {
                self.egraph.lookup(enode.clone()).map_or(0, |c| self.egraph[c].data.bytes().max(1))
            }
            _ => 0,
        };
        enode.fold(own, |sum, id| sum.saturating_add(costs(id)))
    }
}

fn tree_bytes(g: &NnGraph, roots: &[Id], choose: &dyn Fn(Id) -> Node) -> u64 {
    let mut seen = rustc_hash::FxHashSet::default();
    let mut stack: Vec<Id> = roots.to_vec();
    let mut total = 0;
    while let Some(c) = stack.pop() {
        let c = g.find(c);
        if !seen.insert(c) {
            continue;
        }
        let node = choose(c);
        if node.op_name().is_some_and(|n| n != "input" && n != "const") {
            total += g[c].data.bytes();
        }
        stack.extend(node.children().iter().copied());
    }
    total
}

impl Pass for EGraphOpt {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let Some(graph) = convert::read(cx.ctx, cx.ir, cx.op) else {
            cx.preserve_all();
            return Ok(());
        };
        let original: Vec<(Id, Node)> =
            graph.egraph.classes().filter_map(|c| c.nodes.first().map(|n| (c.id, n.clone()))).collect();
        let first =
            |id: Id| original.iter().find(|(c, _)| *c == graph.egraph.find(id)).map(|(_, n)| n.clone()).unwrap();
        let before = tree_bytes(&graph.egraph, &graph.roots, &first);
        let runner = Runner::default()
            .with_egraph(graph.egraph.clone())
            .with_node_limit(self.node_limit)
            .with_iter_limit(self.iter_limit)
            .with_time_limit(self.time_limit)
            .run(rules::simplification().iter().chain(&self.extra));
        let egraph = runner.egraph;
        let extractor = extract::DagExtractor::new(&egraph, &graph.roots);
        let choose = |id: Id| extractor.node(&egraph, id);
        let optimized = convert::Graph { egraph: egraph.clone(), ..graph };
        let after = tree_bytes(&egraph, &optimized.roots, &choose);
        convert::write(cx.ctx, cx.ir, &optimized, &choose);
        cx.add_stat("e-nodes", egraph.total_number_of_nodes() as u64);
        cx.add_stat("e-classes", egraph.number_of_classes() as u64);
        cx.add_stat("iterations", runner.iterations.len() as u64);
        cx.add_stat("cost-before", before);
        cx.add_stat("cost-after", after);
        Ok(())
    }
}

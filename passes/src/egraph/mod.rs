//! `egraph-opt`: the `nn` graph of each function, optimized by equality saturation (egg).
//!
//! The function body becomes an e-graph ([`convert`]); the rule families of [`rules`]
//! (simplification, fusion, layouts, convolution algorithms, and any rules from a file) grow
//! it until it saturates or hits a limit; a DAG-aware extractor ([`extract`]) picks the
//! cheapest graph under a [`cost::CostProvider`] for the target, paying each shared value
//! once; the choice is written back as `nn` and `kernel` ops, with constant sub-graphs folded.
//!
//! ```text
//! strata-opt model.mlir --egraph-opt='target=aarch64' --egraph-stats --egraph-dot=model.dot
//! ```

pub mod analysis;
pub mod convert;
pub mod cost;
pub mod dot;
pub mod extract;
pub mod language;
pub mod model;
pub mod rules;

use std::time::{Duration, Instant};

use egg::{Id, Runner, StopReason};
use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo};
use strata_ir::Diagnostic;

use cost::{Analytical, CostProvider, Target};
use language::Node;

const TARGETS: &[&str] = &["x86-64", "aarch64", "gpu"];
const FAMILIES: &[&str] = &["simplify", "fusion", "layout", "algorithm"];

pub fn info() -> PassInfo {
    PassInfo::new("egraph-opt", "EGraphOpt", "Optimize nn graphs by equality saturation: fusion, layouts, algorithms", |o, _| {
        let mut extra = Vec::new();
        let file = o.str("rules-file");
        if !file.is_empty() {
            let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read rules file '{file}': {e}"))?;
            extra = rules::parse_rules(&text).map_err(|e| format!("{file}: {e}"))?;
        }
        let families = o.strings("rules");
        if let Some(bad) = families.iter().find(|f| !FAMILIES.contains(&f.as_str())) {
            return Err(format!("unknown rule family '{bad}'; families are: {}", FAMILIES.join(", ")));
        }
        let target = Target::parse(o.str("target")).ok_or("unknown target")?;
        Ok(Box::new(EGraphOpt {
            extra,
            families,
            target,
            node_limit: o.int("node-limit").max(1) as usize,
            iter_limit: o.int("iter-limit").max(1) as usize,
            time_limit: Duration::from_millis(o.int("time-limit-ms").max(1) as u64),
            print_stats: o.bool("print-stats"),
            dot_file: o.str("dot-file").to_string(),
        }))
    })
    .anchor("func.func")
    .option(OptionSpec::choice("target", TARGETS, "x86-64", "The target whose layouts, algorithms and costs apply"))
    .option(OptionSpec::list(
        "rules",
        strata_ir::pass::OptionKind::String,
        "Built-in rule families to use (default all): simplify, fusion, layout, algorithm",
    ))
    .option(OptionSpec::string("rules-file", "", "More rules, one per line: name: (lhs) => (rhs)"))
    .option(OptionSpec::int("node-limit", 50_000, "Stop saturating at this many e-nodes"))
    .option(OptionSpec::int("iter-limit", 30, "Stop saturating after this many iterations"))
    .option(OptionSpec::int("time-limit-ms", 1000, "Stop saturating after this long"))
    .option(OptionSpec::bool("print-stats", false, "Print e-graph sizes, stop reason, time and costs to stderr"))
    .option(OptionSpec::string("dot-file", "", "Write the chosen graph as Graphviz to this file"))
    .flag("egraph-stats", "print-stats")
    .flag("egraph-dot", "dot-file")
    .statistic("e-nodes", "E-nodes when saturation stopped")
    .statistic("e-classes", "E-classes when saturation stopped")
    .statistic("iterations", "Saturation iterations")
    .statistic("folded", "Ops computed from constants, folded at compile time")
    .statistic("cost-before-ns", "Estimated run time of the graph before (ns)")
    .statistic("cost-after-ns", "Estimated run time of the graph after (ns)")
}

pub struct EGraphOpt {
    /// Rules from `rules-file`, applied with the built-in ones.
    extra: Vec<egg::Rewrite<Node, analysis::NnAnalysis>>,
    /// Built-in families to use; empty means all.
    families: Vec<String>,
    target: Target,
    node_limit: usize,
    iter_limit: usize,
    time_limit: Duration,
    print_stats: bool,
    dot_file: String,
}

impl EGraphOpt {
    fn rules(&self) -> Vec<egg::Rewrite<Node, analysis::NnAnalysis>> {
        let on = |f: &str| self.families.is_empty() || self.families.iter().any(|x| x == f);
        let mut all = Vec::new();
        if on("simplify") {
            all.extend(rules::simplify::rules());
        }
        if on("fusion") {
            all.extend(rules::fusion::rules());
        }
        if on("layout") {
            all.extend(rules::layout::rules(self.target));
        }
        if on("algorithm") {
            all.extend(rules::algorithm::rules(self.target));
        }
        all
    }
}

fn stop_reason(r: &Option<StopReason>) -> String {
    match r {
        Some(StopReason::Saturated) => "saturated".into(),
        Some(StopReason::IterationLimit(n)) => format!("iteration limit ({n})"),
        Some(StopReason::NodeLimit(n)) => format!("node limit ({n})"),
        Some(StopReason::TimeLimit(t)) => format!("time limit ({:.0} ms)", t * 1e3),
        Some(StopReason::Other(s)) => s.clone(),
        None => "not stopped".into(),
    }
}

impl Pass for EGraphOpt {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let start = Instant::now();
        let Some(graph) = convert::read(cx.ctx, cx.ir, cx.op) else {
            cx.preserve_all();
            return Ok(());
        };
        let provider = Analytical::new(self.target);
        // The original graph: each class's first node, as read.
        let original: rustc_hash::FxHashMap<Id, Node> =
            graph.egraph.classes().filter_map(|c| c.nodes.first().map(|n| (c.id, n.clone()))).collect();
        let before = {
            let price = model::NodeCost { egraph: &graph.egraph, provider: &provider };
            let own = |c: Id, n: &Node| price.cost(c, n);
            extract::DagExtractor::fixed(original, &own).cost(&graph.egraph, &graph.roots)
        };
        let rules = self.rules();
        let runner = Runner::default()
            .with_egraph(graph.egraph.clone())
            .with_node_limit(self.node_limit)
            .with_iter_limit(self.iter_limit)
            .with_time_limit(self.time_limit)
            .run(rules.iter().chain(&self.extra));
        let saturate = start.elapsed();
        let egraph = runner.egraph;
        let price = model::NodeCost { egraph: &egraph, provider: &provider as &dyn CostProvider };
        let own = |c: Id, n: &Node| price.cost(c, n);
        let extractor = extract::DagExtractor::new(&egraph, &graph.roots, &own);
        if !extractor.covers(&egraph, &graph.roots) {
            return Err(Diagnostic::error(cx.ir.op(cx.op).loc(), "egraph-opt found no acyclic graph to extract"));
        }
        let after = extractor.cost(&egraph, &graph.roots);
        let choose = |id: Id| extractor.node(&egraph, id);
        let optimized = convert::Graph { egraph: egraph.clone(), ..graph };
        if !self.dot_file.is_empty() {
            let text = dot::render(&optimized, &choose, &own);
            std::fs::write(&self.dot_file, text).map_err(|e| {
                Diagnostic::error(cx.ir.op(cx.op).loc(), format!("cannot write '{}': {e}", self.dot_file))
            })?;
        }
        convert::write(cx.ctx, cx.ir, &optimized, &choose);
        let folded = strata_runtime::fold::fold_constants(cx.ctx, cx.ir, optimized.block);
        if self.print_stats {
            let name = cx.ir.op(cx.op).attr(cx.ctx.ident("sym_name")).and_then(|a| cx.ctx.attr_as_str(a)).unwrap_or("?");
            eprintln!(
                "egraph-opt @{name}: {} e-nodes, {} e-classes, {} iterations, stopped: {}; saturation {:.1} ms, total {:.1} ms; cost {:.3} ms -> {:.3} ms ({:.2}x)",
                egraph.total_number_of_nodes(),
                egraph.number_of_classes(),
                runner.iterations.len(),
                stop_reason(&runner.stop_reason),
                saturate.as_secs_f64() * 1e3,
                start.elapsed().as_secs_f64() * 1e3,
                before * 1e3,
                after * 1e3,
                before / after.max(f64::MIN_POSITIVE),
            );
            let mut applied: rustc_hash::FxHashMap<egg::Symbol, usize> = Default::default();
            for it in &runner.iterations {
                for (rule, n) in &it.applied {
                    *applied.entry(*rule).or_default() += n;
                }
            }
            let mut top: Vec<_> = applied.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
            let top: Vec<String> = top.iter().take(6).map(|(r, n)| format!("{r} {n}")).collect();
            eprintln!("  rules applied most: {}", top.join(", "));
        }
        cx.add_stat("e-nodes", egraph.total_number_of_nodes() as u64);
        cx.add_stat("e-classes", egraph.number_of_classes() as u64);
        cx.add_stat("iterations", runner.iterations.len() as u64);
        cx.add_stat("folded", folded as u64);
        cx.add_stat("cost-before-ns", (before * 1e9).round() as u64);
        cx.add_stat("cost-after-ns", (after * 1e9).round() as u64);
        Ok(())
    }
}

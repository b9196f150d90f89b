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
pub mod fastrun;
pub mod ilp;
pub mod language;
pub mod model;
pub mod rules;
pub mod tutorial;

use std::time::{Duration, Instant};

use egg::{Id, Runner, StopReason};
use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo};
use strata_ir::Diagnostic;

use cost::{Analytical, CostProvider, Target};
use language::Node;

const TARGETS: &[&str] = &["x86-64", "aarch64", "gpu"];
const FAMILIES: &[&str] = &["simplify", "fusion", "layout", "algorithm"];
const EXTRACTIONS: &[&str] = &["greedy-dag", "ilp"];
const COSTS: &[&str] = &["model", "cached", "measured"];

/// `egraph-opt` as registered by tools that cannot run code: `cost=model` only.
pub fn info() -> PassInfo {
    info_with(None)
}

/// `egraph-opt` with `cost=cached|measured` made by `measurers` (Fast-Run, see [`fastrun`]).
pub fn info_with(measurers: Option<fastrun::MeasurerFactory>) -> PassInfo {
    PassInfo::new(
        "egraph-opt",
        "EGraphOpt",
        "Optimize nn graphs by equality saturation: fusion, layouts, algorithms",
        move |o, _| {
            let mut extra = Vec::new();
            let file = o.str("rules-file");
            if !file.is_empty() {
                let text =
                    std::fs::read_to_string(file).map_err(|e| format!("cannot read rules file '{file}': {e}"))?;
                extra = rules::parse_rules(&text).map_err(|e| format!("{file}: {e}"))?;
            }
            let families = o.strings("rules");
            if let Some(bad) = families.iter().find(|f| !FAMILIES.contains(&f.as_str())) {
                return Err(format!("unknown rule family '{bad}'; families are: {}", FAMILIES.join(", ")));
            }
            let target = Target::parse(o.str("target")).ok_or("unknown target")?;
            let vector_bits = u32::try_from(o.int("vector-bits")).unwrap_or(0);
            let model = Analytical::with_vector_bits(target, vector_bits)?;
            let provider: std::sync::Arc<dyn CostProvider> = match o.str("cost") {
                "model" => std::sync::Arc::new(model),
                mode => {
                    let factory = measurers.as_ref().ok_or(
                        "cost=cached and cost=measured need a tool that runs code (strata-opt, strata-run)",
                    )?;
                    let threads = usize::try_from(o.int("threads")).ok().filter(|&t| t > 0);
                    let profile = mode == "measured";
                    let backend = fastrun::BACKENDS.iter().find(|b| **b == o.str("fast-run-backend")).copied().unwrap_or("auto");
                    let request = fastrun::MeasurerRequest { target, vector_bits, threads, profile, backend };
                    let measurer = factory(&request)?;
                    let cache = match o.str("fast-run-cache") {
                        "" => fastrun::CacheFile::default_path().map(fastrun::CacheFile::at),
                        "none" => None,
                        path => Some(fastrun::CacheFile::at(path)),
                    };
                    let settings = fastrun::Settings {
                        mode: if mode == "cached" { fastrun::Mode::CacheOnly } else { fastrun::Mode::Profile },
                        cache,
                        budget: Duration::from_secs(o.int("fast-run-budget-s").max(1) as u64),
                        margin: o.int("fast-run-margin-pct").max(0) as f64 / 100.0,
                        ..fastrun::Settings::default()
                    };
                    std::sync::Arc::new(fastrun::Measured::new(Box::new(model), measurer, settings))
                }
            };
            Ok(Box::new(EGraphOpt {
                extra,
                families,
                target,
                node_limit: o.int("node-limit").max(1) as usize,
                iter_limit: o.int("iter-limit").max(1) as usize,
                time_limit: Duration::from_millis(o.int("time-limit-ms").max(1) as u64),
                print_stats: o.bool("print-stats"),
                dot_file: o.str("dot-file").to_string(),
                ilp: o.str("extraction") == "ilp",
                ilp_max_nodes: o.int("ilp-max-nodes").max(0) as usize,
                ilp_time_limit: Duration::from_millis(o.int("ilp-time-limit-ms").max(1) as u64),
                provider: Some(provider),
            }))
        },
    )
    .anchor("func.func")
    .option(OptionSpec::choice("target", TARGETS, "x86-64", "The target whose layouts, algorithms and costs apply"))
    .option(OptionSpec::int(
        "vector-bits",
        128,
        "Vector width of the code generator (512: the GEMM of LLVM on AVX-512)",
    ))
    .option(OptionSpec::choice(
        "cost",
        COSTS,
        "model",
        "How kernels are priced: model (the analytical roofline), measured (Fast-Run: candidates timed on this machine, kept in a cache), cached (the cache's times, the model for what it lacks)",
    ))
    .option(OptionSpec::string(
        "fast-run-cache",
        "",
        "The Fast-Run cache file (default: strata/fastrun.json in the user's cache directory; none: no file)",
    ))
    .option(OptionSpec::choice(
        "fast-run-backend",
        fastrun::BACKENDS,
        "auto",
        "The CPU code generator Fast-Run measures with (auto: llvm for vector-bits above 128, else cranelift)",
    ))
    .option(OptionSpec::int("fast-run-budget-s", 300, "Time all Fast-Run measurements of one compile may take"))
    .option(OptionSpec::int(
        "fast-run-margin-pct",
        10,
        "How much faster (%) than the model's favourite a measured candidate must be to replace it",
    ))
    .option(OptionSpec::int("threads", 0, "Threads the compiled code runs on, as measured by Fast-Run (0: one per core)"))
    .option(OptionSpec::list(
        "rules",
        strata_ir::pass::OptionKind::String,
        "Built-in rule families to use (default all): simplify, fusion, layout, algorithm",
    ))
    .option(OptionSpec::string("rules-file", "", "More rules, one per line: name: (lhs) => (rhs)"))
    .option(OptionSpec::int("node-limit", 50_000, "Stop saturating at this many e-nodes"))
    .option(OptionSpec::int("iter-limit", 30, "Stop saturating after this many iterations"))
    .option(OptionSpec::int("time-limit-ms", 1000, "Stop saturating after this long"))
    .option(OptionSpec::choice(
        "extraction",
        EXTRACTIONS,
        "greedy-dag",
        "greedy-dag (fast, paying shared values once), or ilp (exact, for small graphs; greedy beyond ilp-max-nodes)",
    ))
    .option(OptionSpec::int("ilp-max-nodes", 600, "Largest e-graph (tensor e-nodes) the ILP extraction takes on"))
    .option(OptionSpec::int("ilp-time-limit-ms", 2000, "Time limit of the ILP solver"))
    .option(OptionSpec::bool("print-stats", false, "Print e-graph sizes, stop reason, time and costs to stderr"))
    .option(OptionSpec::string(
        "dot-file",
        "",
        "Write the graph as written (after folding) as Graphviz to this file, with each op's and the total cost",
    ))
    .flag("egraph-stats", "print-stats")
    .flag("egraph-dot", "dot-file")
    .flag("fast-run", "cost")
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
    ilp: bool,
    ilp_max_nodes: usize,
    ilp_time_limit: Duration,
    /// Prices kernels; `None` is the analytical model of `target`.
    provider: Option<std::sync::Arc<dyn CostProvider>>,
}

impl EGraphOpt {
    /// The optimizer for `target` with every built-in rule and the default limits (as the
    /// pass runs without options).
    ///
    /// ```
    /// use strata_passes::egraph::{cost::Target, EGraphOpt};
    /// let mut ctx = strata_ir::Context::new();
    /// strata_dialects::register_all(&mut ctx);
    /// let src = r#"func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
    ///   %a = "nn.relu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
    ///   %b = "nn.relu"(%a) : (tensor<8xf32>) -> tensor<8xf32>
    ///   return %b : tensor<8xf32>
    /// }"#;
    /// let mut m = strata_ir::parse_source(&ctx, "f.mlir", src, &Default::default()).unwrap();
    /// let func = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap();
    /// let report = EGraphOpt::new(Target::X86_64).optimize(&ctx, &mut m.ir, func).unwrap().unwrap();
    /// assert!(report.cost_after < report.cost_before);
    /// ```
    pub fn new(target: Target) -> Self {
        EGraphOpt {
            extra: Vec::new(),
            families: Vec::new(),
            target,
            node_limit: 50_000,
            iter_limit: 30,
            time_limit: Duration::from_millis(1000),
            print_stats: false,
            dot_file: String::new(),
            ilp: false,
            ilp_max_nodes: 600,
            ilp_time_limit: Duration::from_millis(2000),
            provider: None,
        }
    }

    /// The same optimizer pricing kernels with `provider` (a measured "Fast-Run" table, say)
    /// instead of the analytical model; the layouts and algorithms tried are still `target`'s.
    pub fn with_cost_provider(mut self, provider: std::sync::Arc<dyn CostProvider>) -> Self {
        self.provider = Some(provider);
        self
    }

    /// The same optimizer with more rules (from [`rules::parse_rules`] or written in Rust).
    pub fn with_rules(mut self, rules: Vec<egg::Rewrite<Node, analysis::NnAnalysis>>) -> Self {
        self.extra.extend(rules);
        self
    }

    /// The same optimizer writing the graph it chose, as Graphviz, to `path` (see [`dot`]).
    pub fn with_dot_file(mut self, path: &str) -> Self {
        self.dot_file = path.to_string();
        self
    }

    /// The same optimizer extracting with the ILP (see [`ilp`]) where the graph is small enough.
    pub fn with_ilp(mut self, max_nodes: usize, time_limit: Duration) -> Self {
        self.ilp = true;
        self.ilp_max_nodes = max_nodes;
        self.ilp_time_limit = time_limit;
        self
    }

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

/// What one run of the optimizer did.
#[derive(Clone, Debug)]
pub struct Report {
    pub e_nodes: usize,
    pub e_classes: usize,
    pub iterations: usize,
    pub stop_reason: String,
    /// Time spent saturating, and in all (reading, saturating, extracting, writing, folding).
    pub saturation: Duration,
    pub extraction: Duration,
    /// Time spent folding constant sub-graphs with the interpreter.
    pub folding: Duration,
    pub total: Duration,
    /// Estimated run time of the graph, in seconds, before and after.
    pub cost_before: f64,
    pub cost_after: f64,
    pub folded: usize,
    /// How the graph was extracted: `greedy-dag`, `ilp`, or why the ILP was not used.
    pub extraction_method: String,
    /// The rules that applied most, with their counts.
    pub top_rules: Vec<(String, usize)>,
    /// Time spent measuring candidates (Fast-Run).
    pub measuring: Duration,
    /// With a measuring provider and `print-stats`: what it measured and changed.
    pub fast_run: Option<String>,
}

impl EGraphOpt {
    /// Optimizes the body of `func` in place; `None` when the body is not a graph the e-graph
    /// models (ops outside `nn`, several blocks), which is left as it is.
    pub fn optimize(
        &self,
        ctx: &strata_ir::Context,
        ir: &mut strata_ir::Ir,
        func: strata_ir::OpId,
    ) -> Result<Option<Report>, Diagnostic> {
        let start = Instant::now();
        let Some(graph) = convert::read(ctx, ir, func) else { return Ok(None) };
        let provider: &dyn CostProvider = match &self.provider {
            Some(p) => p.as_ref(),
            None => &Analytical::new(self.target),
        };
        // The original graph: each class's first node, as read.
        let original: rustc_hash::FxHashMap<Id, Node> =
            graph.egraph.classes().filter_map(|c| c.nodes.first().map(|n| (c.id, n.clone()))).collect();
        let rules = self.rules();
        let runner = Runner::default()
            .with_egraph(graph.egraph.clone())
            .with_node_limit(self.node_limit)
            .with_iter_limit(self.iter_limit)
            .with_time_limit(self.time_limit)
            .run(rules.iter().chain(&self.extra));
        let saturation = start.elapsed();
        let egraph = runner.egraph;
        let price = model::NodeCost { egraph: &egraph, provider };
        // A measuring provider times the candidates it does not know yet (Fast-Run).
        let measure_start = Instant::now();
        let constant_bytes = graph
            .egraph
            .classes()
            .filter(|c| c.nodes.iter().any(|n| n.op_name() == Some("const")))
            .map(|c| c.data.bytes() as usize)
            .sum();
        provider
            .prepare(&price.candidates(), &cost::Graph { constant_bytes })
            .map_err(|m| Diagnostic::error(ir.op(func).loc(), m))?;
        let measuring = measure_start.elapsed();
        // Priced after measuring, so before and after compare like with like.
        let cost_before = {
            let price = model::NodeCost { egraph: &graph.egraph, provider };
            let own = |c: Id, n: &Node| price.cost(c, n);
            extract::DagExtractor::fixed(original, &own).cost(&graph.egraph, &graph.roots)
        };
        let own = |c: Id, n: &Node| price.cost(c, n);
        let extract_start = Instant::now();
        let greedy = extract::DagExtractor::new(&egraph, &graph.roots, &own);
        let (extractor, extraction_method) = if self.ilp {
            let ilp_start = Instant::now();
            match ilp::extract(&egraph, &graph.roots, &own, &greedy, self.ilp_max_nodes, self.ilp_time_limit) {
                Ok(x)
                    if x.covers(&egraph, &graph.roots)
                        && x.cost(&egraph, &graph.roots) <= greedy.cost(&egraph, &graph.roots) =>
                {
                    // At the time limit the solver returns its best so far, not a proof.
                    let limited = ilp_start.elapsed() >= self.ilp_time_limit;
                    (x, if limited { "ilp, time limit: best found" } else { "ilp" }.to_string())
                }
                Ok(_) => (greedy, "greedy-dag (the ILP found nothing better)".to_string()),
                Err(e) => (greedy, format!("greedy-dag ({e})")),
            }
        } else {
            (greedy, "greedy-dag".to_string())
        };
        let extraction = extract_start.elapsed();
        if !extractor.covers(&egraph, &graph.roots) {
            return Err(Diagnostic::error(ir.op(func).loc(), "egraph-opt found no acyclic graph to extract"));
        }
        // Every extraction is checked: a cycle (or a missing class) prices at infinity.
        let cost_after = extractor.cost(&egraph, &graph.roots);
        if !cost_after.is_finite() {
            return Err(Diagnostic::error(ir.op(func).loc(), "egraph-opt extracted a cyclic graph (a bug)"));
        }
        let fast_run = match provider.summary() {
            Some(summary) if self.print_stats => {
                Some(format!("{summary}{}", self.measured_changes(&egraph, &graph.roots, provider, &extractor)))
            }
            _ => None,
        };
        let choose = |id: Id| extractor.node(&egraph, id);
        let optimized = convert::Graph { egraph: egraph.clone(), ..graph };
        convert::write(ctx, ir, &optimized, &choose).map_err(|m| Diagnostic::error(ir.op(func).loc(), m))?;
        let fold_start = Instant::now();
        let folded = strata_runtime::fold::fold_constants(ctx, ir, optimized.block);
        let folding = fold_start.elapsed();
        if !self.dot_file.is_empty() {
            // Drawn from the IR as folded: constant sub-graphs the e-graph chose are gone.
            let text = dot::render(ctx, ir, func, &optimized, &choose, &own, cost_before);
            crate::view_op_graph::write_whole(std::path::Path::new(&self.dot_file), text.as_bytes())
                .map_err(|e| Diagnostic::error(ir.op(func).loc(), format!("cannot write '{}': {e}", self.dot_file)))?;
        }
        let mut applied: rustc_hash::FxHashMap<egg::Symbol, usize> = Default::default();
        for it in &runner.iterations {
            for (rule, n) in &it.applied {
                *applied.entry(*rule).or_default() += n;
            }
        }
        let mut top_rules: Vec<(String, usize)> = applied.into_iter().map(|(r, n)| (r.to_string(), n)).collect();
        top_rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top_rules.truncate(6);
        Ok(Some(Report {
            e_nodes: egraph.total_number_of_nodes(),
            e_classes: egraph.number_of_classes(),
            iterations: runner.iterations.len(),
            stop_reason: stop_reason(&runner.stop_reason),
            saturation,
            extraction,
            folding,
            total: start.elapsed(),
            cost_before,
            cost_after,
            folded,
            extraction_method,
            top_rules,
            measuring,
            fast_run,
        }))
    }

    /// The kernels that measured prices chose otherwise than the model's (the graph
    /// extracted again with the model), each with both times, for `--egraph-stats`.
    fn measured_changes(
        &self,
        egraph: &analysis::NnGraph,
        roots: &[Id],
        provider: &dyn CostProvider,
        measured: &extract::DagExtractor<'_>,
    ) -> String {
        let Some(model) = provider.model() else { return String::new() };
        let by_model = model::NodeCost { egraph, provider: model };
        let own = |c: Id, n: &Node| by_model.cost(c, n);
        let modelled = extract::DagExtractor::new(egraph, roots, &own);
        let price = model::NodeCost { egraph, provider };
        let changes = fastrun::changes::changes(egraph, roots, &price, &modelled, measured);
        let mut out = format!(
            "\n  measured costs changed {} kernel{} of the graph the model would choose (times as extraction priced them: measured, a margin on all but the model's favourite; (model) where not measured)",
            changes.len(),
            if changes.len() == 1 { "" } else { "s" }
        );
        for c in &changes {
            let time = |x: &fastrun::Candidate| {
                let t = provider.seconds(&x.work());
                format!("{:.3} ms{}", t * 1e3, if model.seconds(&x.work()) == t { " (model)" } else { "" })
            };
            out.push_str(&format!(
                "\n    {}: {} {} -> {} {}",
                c.by_model.problem(),
                c.by_model.choice(),
                time(&c.by_model),
                c.by_measurement.choice(),
                time(&c.by_measurement)
            ));
        }
        out
    }
}

/// Why [`EGraphOpt::optimize`] left `func` as it is: the first thing in it the e-graph does
/// not model, for the `--egraph-stats` report (a skipped function is otherwise silent).
fn skip_reason(ctx: &strata_ir::Context, ir: &strata_ir::Ir, func: strata_ir::OpId) -> String {
    let Some(&region) = ir.op(func).regions().first() else { return "it has no body".into() };
    let block = match ir.region(region).blocks() {
        [] => return "it is a declaration".into(),
        [b] => *b,
        blocks => return format!("its body has {} blocks; the e-graph models one", blocks.len()),
    };
    for (i, a) in ir.block(block).args().iter().enumerate() {
        if ctx.shape(ir.value_type(*a)).is_none() {
            return format!("argument #{i} is not a ranked tensor");
        }
    }
    for op in ir.block_ops(block) {
        let name = ctx.ident_str(ir.op(op).name());
        if !matches!(name, "func.return" | "nn.constant" | "nn.split") && language::signature(name).is_none() {
            return format!("'{name}' is not an nn op the e-graph models");
        }
        if name != "nn.split" && ir.op(op).results().len() > 1 {
            return format!("'{name}' has {} results", ir.op(op).results().len());
        }
    }
    "an op's shapes or attributes are outside what the e-graph models".into()
}

impl Pass for EGraphOpt {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let name = cx.ir.op(cx.op).attr(cx.ctx.ident("sym_name")).and_then(|a| cx.ctx.attr_as_str(a)).unwrap_or("?");
        let Some(r) = self.optimize(cx.ctx, cx.ir, cx.op)? else {
            if self.print_stats {
                eprintln!("egraph-opt @{name}: skipped, left as written: {}", skip_reason(cx.ctx, cx.ir, cx.op));
            }
            cx.preserve_all();
            return Ok(());
        };
        if self.print_stats {
            eprintln!(
                "egraph-opt @{name}: {} e-nodes, {} e-classes, {} iterations, stopped: {}; saturation {:.1} ms,{} extraction ({}) {:.1} ms, folding {:.1} ms, total {:.1} ms; cost {:.3} ms -> {:.3} ms ({:.2}x)",
                r.e_nodes,
                r.e_classes,
                r.iterations,
                r.stop_reason,
                r.saturation.as_secs_f64() * 1e3,
                match &r.fast_run {
                    Some(_) => format!(" costs (fast-run) {:.1} ms,", r.measuring.as_secs_f64() * 1e3),
                    None => String::new(),
                },
                r.extraction_method,
                r.extraction.as_secs_f64() * 1e3,
                r.folding.as_secs_f64() * 1e3,
                r.total.as_secs_f64() * 1e3,
                r.cost_before * 1e3,
                r.cost_after * 1e3,
                r.cost_before / r.cost_after.max(f64::MIN_POSITIVE),
            );
            let top: Vec<String> = r.top_rules.iter().map(|(rule, n)| format!("{rule} {n}")).collect();
            eprintln!("  rules applied most: {}", top.join(", "));
            if let Some(fast_run) = &r.fast_run {
                eprintln!("  {fast_run}");
            }
        }
        cx.add_stat("e-nodes", r.e_nodes as u64);
        cx.add_stat("e-classes", r.e_classes as u64);
        cx.add_stat("iterations", r.iterations as u64);
        cx.add_stat("folded", r.folded as u64);
        cx.add_stat("cost-before-ns", (r.cost_before * 1e9).round() as u64);
        cx.add_stat("cost-after-ns", (r.cost_after * 1e9).round() as u64);
        Ok(())
    }
}

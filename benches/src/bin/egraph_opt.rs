//! egraph-opt on whole networks: optimizer time (median of several runs) and the estimated
//! cost of the graph before and after, for ResNet-18, ResNet-50 and BERT-base.
//!
//! `cargo run --release -p strata-benches --bin egraph-opt -- --runs 5`

use std::time::Duration;

use clap::Parser;
use strata_benches::models;
use strata_ir::{parse_source, Context, ParseOptions};
use strata_passes::egraph::cost::Target;
use strata_passes::egraph::EGraphOpt;

#[derive(Parser)]
struct Args {
    /// Runs per model (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// x86-64, aarch64 or gpu.
    #[arg(long, default_value = "x86-64")]
    target: String,
}

fn main() {
    let args = Args::parse();
    let target = Target::parse(&args.target).unwrap_or_else(|| panic!("unknown target {}", args.target));
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    println!("egraph-opt, target {}, median of {} runs (goal: under 1 s each)", args.target, args.runs);
    println!(
        "{:<10} {:>6} {:>9} {:>9} {:>6} {:<12} {:>10} {:>10} {:>10} {:>10} {:>11} {:>11} {:>7}",
        "model",
        "ops",
        "e-nodes",
        "e-classes",
        "iters",
        "stop",
        "saturate",
        "extract",
        "fold",
        "total",
        "cost before",
        "cost after",
        "ratio"
    );
    for (name, text) in
        [("resnet18", models::resnet(18)), ("resnet50", models::resnet(50)), ("bert-base", models::bert_base())]
    {
        let mut times: Vec<Duration> = Vec::new();
        let mut last = None;
        let mut ops = 0;
        for _ in 0..args.runs.max(1) {
            let mut m = parse_source(&ctx, name, &text, &ParseOptions::default()).expect("generated models parse");
            let func = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap();
            ops = m.ir.block_ops(m.ir.region(m.ir.op(func).regions()[0]).blocks()[0]).count();
            let report = EGraphOpt::new(target).optimize(&ctx, &mut m.ir, func).expect("optimizes").expect("a graph");
            times.push(report.total);
            last = Some(report);
        }
        times.sort();
        let r = last.unwrap();
        let median = times[times.len() / 2];
        println!(
            "{:<10} {:>6} {:>9} {:>9} {:>6} {:<12} {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>9.2}ms {:>9.2}ms {:>6.2}x",
            name,
            ops,
            r.e_nodes,
            r.e_classes,
            r.iterations,
            r.stop_reason,
            r.saturation.as_secs_f64() * 1e3,
            r.extraction.as_secs_f64() * 1e3,
            r.folding.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3,
            r.cost_before * 1e3,
            r.cost_after * 1e3,
            r.cost_before / r.cost_after
        );
    }
}

//! `dce`: erase ops without side effects whose results are unused (repeatedly, so whole
//! dead chains go) and blocks no path reaches.

use strata_ir::pass::{Pass, PassContext, PassInfo};
use strata_ir::rewrite::{apply_patterns_greedily, FrozenPatterns, GreedyConfig, RegionSimplify};
use strata_ir::Diagnostic;

pub fn info() -> PassInfo {
    PassInfo::new("dce", "DCE", "Erase dead operations and unreachable blocks", |_, _| Ok(Box::new(Dce)))
        .statistic("num-erased", "Number of dead ops erased")
}

pub struct Dce;

impl Pass for Dce {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        // The greedy driver without folding or patterns does exactly dead-code elimination,
        // with a worklist that revisits the operands' producers of each erased op.
        let config = GreedyConfig {
            top_down: false,
            max_iterations: -1,
            max_rewrites: -1,
            fold: false,
            region_simplify: RegionSimplify::Normal,
            ..GreedyConfig::default()
        };
        let outcome = apply_patterns_greedily(cx.ctx, cx.ir, cx.op, &FrozenPatterns::default(), &config);
        cx.add_stat("num-erased", outcome.erased);
        if !outcome.changed {
            cx.preserve_all();
        }
        Ok(())
    }
}

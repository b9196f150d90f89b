//! `canonicalize`: folds, dead-op removal, constant hoisting and every op's canonicalization
//! patterns, applied greedily to a fixpoint (MLIR's `Canonicalizer`, same options).

use std::sync::{Arc, Mutex};

use strata_ir::pass::{OptionKind, OptionSpec, Pass, PassContext, PassInfo, PassOptions};
use strata_ir::rewrite::{apply_patterns_greedily, FrozenPatterns, GreedyConfig, RegionSimplify, RewritePattern};
use strata_ir::{Context, Diagnostic};

pub fn info() -> PassInfo {
    PassInfo::new("canonicalize", "Canonicalizer", "Canonicalize operations", |o, _| Ok(Box::new(Canonicalize::new(o))))
        .option(OptionSpec::bool("top-down", true, "Seed the worklist in general top-down order"))
        .option(OptionSpec::choice(
            "region-simplify",
            &["disabled", "normal", "aggressive"],
            "normal",
            "Perform control flow optimizations to the region tree",
        ))
        .option(OptionSpec::int(
            "max-iterations",
            10,
            "Max. iterations between applying patterns / simplifying regions",
        ))
        .option(OptionSpec::int("max-num-rewrites", -1, "Max. number of pattern rewrites within an iteration"))
        .option(OptionSpec::bool(
            "test-convergence",
            false,
            "Test only: Fail pass on non-convergence to detect cyclic pattern",
        ))
        .option(OptionSpec::list(
            "disable-patterns",
            OptionKind::String,
            "Labels of patterns that should be filtered out during application",
        ))
        .option(OptionSpec::list(
            "enable-patterns",
            OptionKind::String,
            "Labels of patterns that should be used during application, all other patterns are filtered out",
        ))
        .statistic("num-folds", "Number of ops folded")
        .statistic("num-rewrites", "Number of pattern rewrites")
        .statistic("num-erased", "Number of dead ops erased")
}

pub struct Canonicalize {
    config: GreedyConfig,
    test_convergence: bool,
    disabled: Vec<String>,
    enabled: Vec<String>,
    /// Patterns frozen for one context (ident numbering is per context).
    frozen: Mutex<Option<(usize, Arc<FrozenPatterns>)>>,
}

impl Canonicalize {
    pub fn new(o: &PassOptions) -> Self {
        let region_simplify = match o.str("region-simplify") {
            "disabled" => RegionSimplify::Disabled,
            "aggressive" => RegionSimplify::Aggressive,
            _ => RegionSimplify::Normal,
        };
        Canonicalize {
            config: GreedyConfig {
                top_down: o.bool("top-down"),
                max_iterations: o.int("max-iterations"),
                max_rewrites: o.int("max-num-rewrites"),
                fold: true,
                region_simplify,
                ..GreedyConfig::default()
            },
            test_convergence: o.bool("test-convergence"),
            disabled: o.strings("disable-patterns"),
            enabled: o.strings("enable-patterns"),
            frozen: Mutex::new(None),
        }
    }

    fn patterns(&self, ctx: &Context) -> Arc<FrozenPatterns> {
        let key = ctx as *const Context as usize;
        let mut frozen = self.frozen.lock().unwrap();
        if let Some((k, p)) = frozen.as_ref() {
            if *k == key {
                return p.clone();
            }
        }
        let keep = |p: &Arc<dyn RewritePattern>| {
            !self.disabled.iter().any(|d| d == p.name())
                && (self.enabled.is_empty() || self.enabled.iter().any(|e| e == p.name()))
        };
        let all: Vec<Arc<dyn RewritePattern>> =
            ctx.registered_ops().iter().flat_map(|d| d.canonicalization.iter().cloned()).filter(keep).collect();
        let p = Arc::new(FrozenPatterns::new(ctx, all));
        *frozen = Some((key, p.clone()));
        p
    }
}

impl Pass for Canonicalize {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let patterns = self.patterns(cx.ctx);
        let outcome = apply_patterns_greedily(cx.ctx, cx.ir, cx.op, &patterns, &self.config);
        cx.add_stat("num-folds", outcome.folds);
        cx.add_stat("num-rewrites", outcome.rewrites);
        cx.add_stat("num-erased", outcome.erased);
        // A pattern set that never converges has used up the driver's budget: an error, not
        // a silently half-canonicalized IR.
        if let Some(d) = outcome.budget_error(cx.ctx, cx.ir, cx.op, "canonicalize") {
            return Err(d);
        }
        if self.test_convergence && !outcome.converged {
            return Err(Diagnostic::error(
                cx.ir.op(cx.op).loc(),
                format!("canonicalizer failed to converge within {} iterations", self.config.max_iterations),
            ));
        }
        if !outcome.changed {
            cx.preserve_all();
        }
        Ok(())
    }
}

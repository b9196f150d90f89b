//! Passes and the pass manager, as MLIR's.
//!
//! - [`Pass`]: a transformation run on one op ([`PassContext`] gives it the IR, cached
//!   analyses and statistics); [`PassInfo`] names it and declares its options.
//! - [`PassRegistry`]: every known pass and named pipeline; it turns pipeline text
//!   ([`pipeline`]) into an [`OpPassManager`] tree.
//! - [`PassManager`]: runs that tree with verification, instrumentation
//!   ([`PassInstrumentation`], [`IrPrinting`]), timing, statistics, crash reproducers, and
//!   nested pipelines spread over a thread pool.
//!
//! A pass in a few lines:
//!
//! ```
//! use strata_ir::pass::{Pass, PassContext, PassInfo, PassManager, PassRegistry};
//! use strata_ir::{parse_source, Context, Diagnostic, ParseOptions};
//!
//! /// Counts the ops in each function.
//! struct CountOps;
//! impl Pass for CountOps {
//!     fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
//!         let n = cx.ir.collect_ops(cx.op).len() as u64;
//!         cx.add_stat("ops", n);
//!         cx.preserve_all();
//!         Ok(())
//!     }
//! }
//!
//! let mut registry = PassRegistry::new();
//! registry.register(PassInfo::new("count-ops", "CountOps", "Counts ops", |_, _| Ok(Box::new(CountOps)))
//!     .statistic("ops", "Number of ops seen")).unwrap();
//! let ctx = Context::new();
//! let mut m = parse_source(&ctx, "t", "\"x.f\"() ({}) : () -> ()", &ParseOptions { allow_unregistered: true, ..Default::default() }).unwrap();
//! let pm = PassManager::new(registry.parse_pipeline("builtin.module(count-ops)").unwrap());
//! pm.run(&ctx, &mut m.ir, m.root).unwrap();
//! assert!(pm.statistics_report().contains("(S) 2 ops - Number of ops seen"));
//! ```

pub mod analysis;
mod context;
mod executor;
mod instrument;
mod manager;
pub mod options;
pub mod pipeline;
pub mod plugin;
mod registry;
mod report;

pub use analysis::{Analysis, AnalysisManager, Preserved};
pub use context::PassContext;
pub use instrument::{DumpState, IrPrinting, PassEvent, PassFilter, PassInstrumentation};
pub use manager::{Anchor, OpPassManager, PassFailure, PassManager};
pub use options::{OptionKind, OptionSpec, OptionValue, PassOptions};
pub use pipeline::PipelineError;
pub use registry::{NamedPipeline, PassInfo, PassRegistry};
pub use report::{install_quiet_panic_hook, TimingFormat};

use crate::Diagnostic;

/// A transformation of the IR under one op.
///
/// Passes are shared across threads (`&self`): a pass that runs on functions runs on many at
/// once. Keep per-run state in locals, counts in [`PassContext::add_stat`].
pub trait Pass: Send + Sync {
    /// Transforms `cx.op`; an error fails the pipeline with that diagnostic.
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic>;
}

/// The candidate closest to `name` by edit distance, if close enough to be a likely typo.
pub fn nearest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (name.len() / 3).max(2);
    candidates.iter().map(|c| (strsim::levenshtein(name, c), *c)).filter(|(d, _)| *d <= limit).min().map(|(_, c)| c)
}

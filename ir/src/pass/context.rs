//! What a pass sees while it runs.

use std::sync::Arc;

use super::analysis::{Analysis, AnalysisManager, Preserved};
use super::executor::Executor;
use super::manager::{OpPassManager, PassFailure};
use crate::entities::OpId;
use crate::store::Ir;
use crate::Context;

/// The op a pass runs on, the IR it may change, and the pass manager's services.
pub struct PassContext<'a> {
    pub ctx: &'a Context,
    pub ir: &'a mut Ir,
    /// The op the pass is anchored on.
    pub op: OpId,
    pub(super) analyses: &'a mut AnalysisManager,
    pub(super) preserved: Preserved,
    pub(super) stats: Vec<(&'static str, u64)>,
    pub(super) executor: &'a Executor<'a>,
    pub(super) scope: &'a [String],
    pub(super) log: &'a mut String,
}

impl PassContext<'_> {
    /// The analysis `A` of the anchor op, cached until a pass invalidates it.
    pub fn analysis<A: Analysis>(&mut self) -> Arc<A> {
        self.analyses.get::<A>(self.ctx, self.ir, self.op)
    }

    /// Marks every analysis as still valid: the pass changed nothing they depend on.
    pub fn preserve_all(&mut self) {
        self.preserved = Preserved::all();
    }

    /// Marks analysis `A` as still valid.
    pub fn preserve<A: Analysis>(&mut self) {
        self.preserved.preserve::<A>();
    }

    /// Adds `n` to the statistic `name` (declared with [`PassInfo::statistic`](super::PassInfo::statistic)).
    pub fn add_stat(&mut self, name: &'static str, n: u64) {
        match self.stats.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => *v += n,
            None => self.stats.push((name, n)),
        }
    }

    /// Runs a pipeline on `op` (the anchor or an op nested in it), with this run's
    /// verification, instrumentation and threading settings.
    pub fn run_pipeline(&mut self, pm: &OpPassManager, op: OpId) -> Result<(), PassFailure> {
        let mut analyses = AnalysisManager::default();
        let result = self.executor.run_manager(pm, self.ir, op, self.scope, &mut analyses, self.log);
        self.analyses.clear();
        result
    }
}

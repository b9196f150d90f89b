//! The analysis manager: analyses computed on demand, cached per op, and dropped after a
//! pass unless the pass says it preserved them.

use std::any::{Any, TypeId};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::entities::OpId;
use crate::store::Ir;
use crate::Context;

/// A fact computed from the IR under an op, cached until a pass invalidates it.
///
/// ```
/// use strata_ir::pass::Analysis;
/// use strata_ir::{Context, Ir, OpId};
/// struct OpCount(usize);
/// impl Analysis for OpCount {
///     fn compute(_: &Context, ir: &Ir, op: OpId) -> Self {
///         OpCount(ir.collect_ops(op).len())
///     }
/// }
/// ```
pub trait Analysis: Any + Send + Sync {
    fn compute(ctx: &Context, ir: &Ir, op: OpId) -> Self
    where
        Self: Sized;
}

/// Which analyses a pass left valid.
#[derive(Clone, Debug, Default)]
pub struct Preserved {
    all: bool,
    kinds: Vec<TypeId>,
}

impl Preserved {
    pub fn all() -> Self {
        Preserved { all: true, kinds: Vec::new() }
    }
    pub fn none() -> Self {
        Preserved::default()
    }
    pub fn is_all(&self) -> bool {
        self.all
    }
    pub fn preserve<A: Analysis>(&mut self) {
        self.kinds.push(TypeId::of::<A>());
    }
    fn keeps(&self, kind: TypeId) -> bool {
        self.all || self.kinds.contains(&kind)
    }
}

/// Cached analyses keyed by (op, analysis type).
#[derive(Default)]
pub struct AnalysisManager {
    cache: FxHashMap<(OpId, TypeId), Arc<dyn Any + Send + Sync>>,
}

impl AnalysisManager {
    /// The analysis `A` of `op`, computed now unless cached.
    pub fn get<A: Analysis>(&mut self, ctx: &Context, ir: &Ir, op: OpId) -> Arc<A> {
        let entry = self
            .cache
            .entry((op, TypeId::of::<A>()))
            .or_insert_with(|| Arc::new(A::compute(ctx, ir, op)) as Arc<dyn Any + Send + Sync>);
        entry.clone().downcast::<A>().expect("analysis cache keyed by type")
    }

    /// The analysis `A` of `op` if it is cached.
    pub fn cached<A: Analysis>(&self, op: OpId) -> Option<Arc<A>> {
        self.cache.get(&(op, TypeId::of::<A>())).and_then(|a| a.clone().downcast::<A>().ok())
    }

    /// Drops every cached analysis that `preserved` does not keep.
    pub fn invalidate(&mut self, preserved: &Preserved) {
        if !preserved.is_all() {
            self.cache.retain(|(_, kind), _| preserved.keeps(*kind));
        }
    }

    pub fn clear(&mut self) {
        self.cache.clear();
    }
}

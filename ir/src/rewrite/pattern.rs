//! Rewrite patterns and the frozen, per-op-name sets the drivers look them up in.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::rewriter::PatternRewriter;
use crate::context::Ident;
use crate::entities::OpId;
use crate::Context;

/// A local rewrite: match an op (and what feeds it), replace it.
///
/// `match_and_rewrite` returns whether it rewrote; when it returns `false` it must not have
/// changed the IR.
pub trait RewritePattern: Send + Sync {
    /// The op name the pattern is rooted at; `None` tries it on every op.
    fn root(&self) -> Option<&str> {
        None
    }
    /// Higher benefit is tried first.
    fn benefit(&self) -> u16 {
        1
    }
    /// A name for debugging and `disable-patterns`.
    fn name(&self) -> &str {
        ""
    }
    fn match_and_rewrite(&self, op: OpId, rw: &mut PatternRewriter<'_>) -> bool;
}

/// Patterns indexed by root op name, each list ordered by benefit (highest first, ties in
/// insertion order).
#[derive(Clone, Default)]
pub struct FrozenPatterns {
    by_root: FxHashMap<Ident, Vec<Arc<dyn RewritePattern>>>,
    any_root: Vec<Arc<dyn RewritePattern>>,
}

impl FrozenPatterns {
    pub fn new(ctx: &Context, patterns: Vec<Arc<dyn RewritePattern>>) -> Self {
        let mut set = FrozenPatterns::default();
        for p in patterns {
            match p.root() {
                Some(r) => set.by_root.entry(ctx.ident(r)).or_default().push(p),
                None => set.any_root.push(p),
            }
        }
        let any = set.any_root.clone();
        for list in set.by_root.values_mut() {
            list.extend(any.iter().cloned());
            list.sort_by_key(|p| std::cmp::Reverse(p.benefit()));
        }
        set.any_root.sort_by_key(|p| std::cmp::Reverse(p.benefit()));
        set
    }

    /// The patterns to try on ops named `name`, best first.
    pub fn for_op(&self, name: Ident) -> &[Arc<dyn RewritePattern>] {
        self.by_root.get(&name).map_or(&self.any_root, |v| v.as_slice())
    }

    pub fn is_empty(&self) -> bool {
        self.by_root.is_empty() && self.any_root.is_empty()
    }
}

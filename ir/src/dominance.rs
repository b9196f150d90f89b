//! Block dominance within one region (Cooper, Harvey and Kennedy's iterative algorithm).

use rustc_hash::FxHashMap;

use crate::entities::{BlockId, RegionId};
use crate::store::Ir;

/// Immediate dominators of the blocks of one region.
///
/// ```
/// # use strata_ir::*;
/// let ctx = Context::new();
/// let src = "\"t.f\"() ({\n^a:\n  \"t.br\"()[^b] : () -> ()\n^b:\n  \"t.ret\"() : () -> ()\n^c:\n  \"t.ret\"() : () -> ()\n}) : () -> ()";
/// let m = parse_source(&ctx, "t", src, &ParseOptions { allow_unregistered: true, ..Default::default() }).unwrap();
/// let f = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap();
/// let region = m.ir.op(f).regions()[0];
/// let blocks = m.ir.region(region).blocks().to_vec();
/// let dom = DominanceInfo::compute(&m.ir, region);
/// assert!(dom.dominates(blocks[0], blocks[1]));
/// assert!(!dom.is_reachable(blocks[2]));
/// ```
pub struct DominanceInfo {
    /// Reachable blocks in reverse post-order from the entry.
    order: Vec<BlockId>,
    /// Immediate dominator by reverse-post-order number (the entry is its own).
    idom: Vec<usize>,
    rpo: FxHashMap<BlockId, usize>,
}

impl DominanceInfo {
    /// Computes dominance for the blocks of `region`; successors come from each block's
    /// last op.
    pub fn compute(ir: &Ir, region: RegionId) -> Self {
        let blocks = ir.region(region).blocks();
        let index: FxHashMap<BlockId, usize> = blocks.iter().enumerate().map(|(i, b)| (*b, i)).collect();
        let succs: Vec<Vec<usize>> = blocks
            .iter()
            .map(|b| {
                ir.block(*b).last_op().map_or(Vec::new(), |t| {
                    ir.op(t).successors().iter().filter_map(|s| index.get(s).copied()).collect()
                })
            })
            .collect();
        let n = blocks.len();
        let mut order = Vec::new();
        let mut seen = vec![false; n];
        if n > 0 {
            let mut stack = vec![(0usize, 0usize)];
            seen[0] = true;
            while let Some((b, i)) = stack.pop() {
                if i < succs[b].len() {
                    stack.push((b, i + 1));
                    let s = succs[b][i];
                    if !seen[s] {
                        seen[s] = true;
                        stack.push((s, 0));
                    }
                } else {
                    order.push(b);
                }
            }
        }
        order.reverse();
        let rpo_num: FxHashMap<usize, usize> = order.iter().enumerate().map(|(i, b)| (*b, i)).collect();
        let mut preds = vec![Vec::new(); n];
        for (b, ss) in succs.iter().enumerate() {
            for &s in ss {
                preds[s].push(b);
            }
        }
        let mut idom: Vec<Option<usize>> = vec![None; order.len()];
        if !order.is_empty() {
            idom[0] = Some(0);
        }
        let mut changed = true;
        while changed {
            changed = false;
            for (i, &b) in order.iter().enumerate().skip(1) {
                let mut new: Option<usize> = None;
                for p in &preds[b] {
                    let Some(&pn) = rpo_num.get(p) else { continue };
                    if idom[pn].is_none() {
                        continue;
                    }
                    new = Some(match new {
                        None => pn,
                        Some(mut a) => {
                            let mut c = pn;
                            while a != c {
                                while a > c {
                                    a = idom[a].unwrap();
                                }
                                while c > a {
                                    c = idom[c].unwrap();
                                }
                            }
                            a
                        }
                    });
                }
                if new != idom[i] {
                    idom[i] = new;
                    changed = true;
                }
            }
        }
        let rpo = order.iter().enumerate().map(|(r, &i)| (blocks[i], r)).collect();
        let order = order.iter().map(|&i| blocks[i]).collect();
        // Every reachable block has a dominator once the iteration settles.
        let idom = idom.into_iter().map(|d| d.unwrap_or(0)).collect();
        DominanceInfo { order, idom, rpo }
    }

    /// Whether `block` can be reached from the region's entry.
    pub fn is_reachable(&self, block: BlockId) -> bool {
        self.rpo.contains_key(&block)
    }

    /// Whether `a` dominates `b`. Unreachable `b` is dominated by everything, as in MLIR.
    pub fn dominates(&self, a: BlockId, b: BlockId) -> bool {
        let (Some(&ra), Some(&rb)) = (self.rpo.get(&a), self.rpo.get(&b)) else {
            return !self.rpo.contains_key(&b);
        };
        let mut x = rb;
        loop {
            if x == ra {
                return true;
            }
            if x == 0 {
                return false;
            }
            x = self.idom[x];
        }
    }

    /// The immediate dominator of `block`; `None` for the entry and unreachable blocks.
    pub fn idom(&self, block: BlockId) -> Option<BlockId> {
        let &r = self.rpo.get(&block)?;
        (r != 0).then(|| self.order[self.idom[r]])
    }

    /// The reachable blocks in reverse post-order: every block after its dominator.
    pub fn reverse_post_order(&self) -> &[BlockId] {
        &self.order
    }

    /// The dominator tree's children of each reachable block, in reverse post-order.
    pub fn children(&self) -> FxHashMap<BlockId, Vec<BlockId>> {
        let mut out: FxHashMap<BlockId, Vec<BlockId>> = FxHashMap::default();
        for (r, &b) in self.order.iter().enumerate().skip(1) {
            out.entry(self.order[self.idom[r]]).or_default().push(b);
        }
        out
    }
}

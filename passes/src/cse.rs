//! `cse`: common sub-expression elimination over the dominator tree (MLIR's `CSE`).
//!
//! Two ops are equal when they have the same name, operands, attributes and result types
//! and neither has side effects (registered `Pure`, `NoMemoryEffect` or constant-like) nor
//! regions. An op is
//! replaced by an equal one that dominates it. Ops found dead on the way are erased.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use strata_ir::dialect::Trait;
use strata_ir::pass::{Pass, PassContext, PassInfo};
use strata_ir::rewrite::is_trivially_dead;
use strata_ir::{
    Attribute, BlockId, Context, Diagnostic, DominanceInfo, Ident, Ir, NamedAttr, OpId, RegionId, Type, Value,
};

pub fn info() -> PassInfo {
    PassInfo::new("cse", "CSE", "Eliminate common sub-expressions", |_, _| Ok(Box::new(Cse)))
        .statistic("num-cse'd", "Number of operations CSE'd")
        .statistic("num-dce'd", "Number of operations DCE'd")
}

pub struct Cse;

#[derive(Clone, PartialEq, Eq, Hash)]
struct OpKey {
    name: Ident,
    operands: SmallVec<[Value; 3]>,
    types: SmallVec<[Type; 1]>,
    attrs: SmallVec<[NamedAttr; 2]>,
    properties: Option<Attribute>,
}

/// Known ops by key, with a stack of scopes (one per dominator-tree node).
#[derive(Default)]
struct ScopedTable {
    map: FxHashMap<OpKey, OpId>,
    /// Keys added in each open scope, to remove when it closes.
    scopes: Vec<Vec<OpKey>>,
}

impl ScopedTable {
    fn open(&mut self) {
        self.scopes.push(Vec::new());
    }
    fn close(&mut self) {
        for k in self.scopes.pop().unwrap_or_default() {
            self.map.remove(&k);
        }
    }
}

struct Run<'a> {
    ctx: &'a Context,
    cse: u64,
    dce: u64,
}

impl Run<'_> {
    fn key(&self, ir: &Ir, op: OpId) -> Option<OpKey> {
        let o = ir.op(op);
        let def = self.ctx.op_def(o.name())?;
        let pure =
            def.has_trait(Trait::Pure) || def.has_trait(Trait::ConstantLike) || def.has_trait(Trait::NoMemoryEffect);
        if !pure || def.has_trait(Trait::Terminator) || !o.regions().is_empty() || o.results().is_empty() {
            return None;
        }
        Some(OpKey {
            name: o.name(),
            operands: o.operands().iter().copied().collect(),
            types: o.results().iter().map(|r| ir.value_type(*r)).collect(),
            attrs: o.attrs().iter().copied().collect(),
            properties: o.properties(),
        })
    }

    /// Nested regions recurse, on a stack grown when little is left (nests thousands deep).
    fn region(&mut self, ir: &mut Ir, region: RegionId, table: &mut ScopedTable) {
        stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.region_here(ir, region, table))
    }

    fn region_here(&mut self, ir: &mut Ir, region: RegionId, table: &mut ScopedTable) {
        let blocks = ir.region(region).blocks().to_vec();
        match blocks.len() {
            0 => {}
            1 => {
                table.open();
                self.block(ir, blocks[0], table);
                table.close();
            }
            _ => {
                let dom = DominanceInfo::compute(ir, region);
                let children = dom.children();
                // Depth-first over the dominator tree; a scope per node.
                let mut stack: Vec<(BlockId, bool)> = vec![(blocks[0], false)];
                while let Some((b, done)) = stack.pop() {
                    if done {
                        table.close();
                        continue;
                    }
                    table.open();
                    self.block(ir, b, table);
                    stack.push((b, true));
                    if let Some(kids) = children.get(&b) {
                        stack.extend(kids.iter().rev().map(|k| (*k, false)));
                    }
                }
            }
        }
    }

    fn block(&mut self, ir: &mut Ir, block: BlockId, table: &mut ScopedTable) {
        let ops: Vec<OpId> = ir.block_ops(block).collect();
        for op in ops {
            if is_trivially_dead(self.ctx, ir, op) {
                ir.erase_op(op);
                self.dce += 1;
                continue;
            }
            let regions = ir.op(op).regions().to_vec();
            if !regions.is_empty() {
                let isolated = self.ctx.op_def(ir.op(op).name()).is_some_and(|d| d.has_trait(Trait::IsolatedFromAbove));
                for r in regions {
                    if isolated {
                        self.region(ir, r, &mut ScopedTable::default());
                    } else {
                        self.region(ir, r, table);
                    }
                }
            }
            let Some(key) = self.key(ir, op) else { continue };
            if let Some(&existing) = table.map.get(&key) {
                let (old, new) = (ir.op(op).results().to_vec(), ir.op(existing).results().to_vec());
                for (o, n) in old.into_iter().zip(new) {
                    ir.replace_all_uses(o, n);
                }
                ir.erase_op(op);
                self.cse += 1;
            } else {
                table.scopes.last_mut().expect("open scope").push(key.clone());
                table.map.insert(key, op);
            }
        }
    }
}

impl Pass for Cse {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let mut run = Run { ctx: cx.ctx, cse: 0, dce: 0 };
        for r in cx.ir.op(cx.op).regions().to_vec() {
            run.region(cx.ir, r, &mut ScopedTable::default());
        }
        cx.add_stat("num-cse'd", run.cse);
        cx.add_stat("num-dce'd", run.dce);
        if run.cse + run.dce == 0 {
            cx.preserve_all();
        }
        Ok(())
    }
}

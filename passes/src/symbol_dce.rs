//! `symbol-dce`: erase private symbols nothing refers to (MLIR's `SymbolDCE`).
//!
//! Public symbols are live; a symbol referred to from a live op (or from an op that is not
//! a symbol) is live; private symbols left over are erased. Nested symbol tables are handled
//! table by table; a reference is resolved in the nearest table that defines its root name.

use rustc_hash::{FxHashMap, FxHashSet};
use strata_ir::pass::{Pass, PassContext, PassInfo};
use strata_ir::{Diagnostic, Ir, OpId, WalkControl, WalkOrder};

use crate::symbols::{is_private, is_symbol_table, refs_of_op, symbols_of};

pub fn info() -> PassInfo {
    PassInfo::new("symbol-dce", "SymbolDCE", "Eliminate dead symbols", |_, _| Ok(Box::new(SymbolDce)))
        .statistic("num-dce'd", "Number of symbols DCE'd")
}

pub struct SymbolDce;

impl Pass for SymbolDce {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let (ctx, root) = (cx.ctx, cx.op);
        if !is_symbol_table(ctx, cx.ir, root) {
            return Err(Diagnostic::error(
                cx.ir.op(root).loc(),
                "symbol-dce must run on an op that is a symbol table (such as 'builtin.module')",
            ));
        }
        let ir: &Ir = cx.ir;
        // Every symbol table under the root, with its symbols by name.
        let mut tables: FxHashMap<OpId, FxHashMap<String, OpId>> = FxHashMap::default();
        ir.walk(root, WalkOrder::PreOrder, &mut |o| {
            if is_symbol_table(ctx, ir, o) {
                tables.insert(o, symbols_of(ctx, ir, o).into_iter().collect());
            }
            WalkControl::Advance
        });
        let resolve = |from: OpId, name: &str| -> Option<OpId> {
            let mut at = ir.parent_op(from);
            while let Some(t) = at {
                if let Some(s) = tables.get(&t).and_then(|m| m.get(name)) {
                    return Some(*s);
                }
                at = ir.parent_op(t);
            }
            None
        };
        let mut live: FxHashSet<OpId> = FxHashSet::default();
        let mut work: Vec<OpId> = Vec::new();
        // The root's public symbols start live, and so do its ops that are not symbols;
        // nested tables' public symbols follow when their table turns out live.
        if let Some(symbols) = tables.get(&root) {
            work.extend(symbols.values().filter(|s| !is_private(ctx, ir, **s)).copied());
        }
        for &r in ir.op(root).regions() {
            for &b in ir.region(r).blocks() {
                for o in ir.block_ops(b) {
                    if crate::symbols::symbol_name(ctx, ir, o).is_none() {
                        work.push(o);
                    }
                }
            }
        }
        while let Some(s) = work.pop() {
            if !live.insert(s) {
                continue;
            }
            ir.walk(s, WalkOrder::PreOrder, &mut |o| {
                for name in refs_of_op(ctx, ir, o) {
                    if let Some(target) = resolve(o, &name) {
                        if !live.contains(&target) {
                            work.push(target);
                        }
                    }
                }
                // A live nested table keeps its public symbols.
                if o != s && is_symbol_table(ctx, ir, o) {
                    if let Some(symbols) = tables.get(&o) {
                        work.extend(symbols.values().filter(|x| !is_private(ctx, ir, **x)).copied());
                    }
                }
                WalkControl::Advance
            });
        }
        let mut dead: Vec<OpId> = tables
            .values()
            .flat_map(|m| m.values().copied())
            .filter(|s| !live.contains(s) && is_private(ctx, ir, *s))
            .collect();
        dead.sort_unstable();
        let n = dead.len() as u64;
        for s in dead {
            if cx.ir.contains_op(s) {
                cx.ir.erase_op(s);
            }
        }
        cx.add_stat("num-dce'd", n);
        if n == 0 {
            cx.preserve_all();
        }
        Ok(())
    }
}

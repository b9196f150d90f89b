//! Outlined nests that are the same code are compiled once: the same kernel on layers of the
//! same shape differs only in the buffers it is passed ([`super::parallel`] passes memory, not
//! addresses), so each group of structurally equal bodies keeps its first member, and the
//! nests of the others call that member's launcher. ResNet-18's LLVM IR had 27,881 lines in
//! 669 functions, 12,352 in distinct ones; MLIR and LLVM take time in proportion.

use rustc_hash::FxHashMap;
use strata_ir::symbol_table::symbols_of;
use strata_ir::{Context, Ir, OpId, StructuralKey};

use super::parallel::Outlined;

/// Merges the nests of `nests` whose bodies are structurally equal (up to names and
/// locations); returns the nests left, each compiled once.
pub fn merge_identical(ctx: &Context, ir: &mut Ir, root: OpId, nests: Vec<Outlined>) -> Vec<Outlined> {
    let sym_name = ctx.ident("sym_name");
    let funcs: FxHashMap<String, OpId> = symbols_of(ctx, ir, root).into_iter().collect();
    let mut first: FxHashMap<StructuralKey, usize> = FxHashMap::default();
    // Launcher of a merged nest -> launcher of the nest it became.
    let mut redirect: FxHashMap<String, String> = FxHashMap::default();
    let mut kept = Vec::new();
    for nest in nests {
        let body = funcs[&nest.body];
        let key = StructuralKey::of_ignoring(ir, body, &[sym_name]);
        match first.get(&key) {
            Some(&k) => {
                let same: &Outlined = &kept[k];
                debug_assert_eq!(same.captures, nest.captures, "equal bodies take equal captures");
                redirect.insert(nest.launcher.clone(), same.launcher.clone());
                ir.erase_op(body);
                ir.erase_op(funcs[&nest.launcher]);
            }
            None => {
                first.insert(key, kept.len());
                kept.push(nest);
            }
        }
    }
    if !redirect.is_empty() {
        let callee = ctx.ident("callee");
        for op in ir.collect_ops(root) {
            let target = ir.op(op).attr(callee).and_then(|a| ctx.attr_as_symbol(a));
            if let Some(to) = target.and_then(|t| redirect.get(t)) {
                let attr = ctx.symbol_ref_attr(to);
                ir.set_attr(op, callee, attr);
            }
        }
    }
    kept
}

//! Symbol lookup for verifiers: the symbols of a symbol-table op by name.
//!
//! A verifier that resolves a symbol (`func.call` its callee) would scan the whole table for
//! every use, which makes verifying N calls in a module of N functions quadratic. While
//! [`verify`](crate::verify) runs, the IR cannot change (it holds `&Ir`), so each table is
//! indexed once, on its first lookup, and the index is kept until that `verify` returns.
//! Outside a `verify`, a lookup scans the table (no index could be kept valid across edits).

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use crate::attributes::{AttrKind, Attribute};
use crate::dialect::Trait;
use crate::entities::OpId;
use crate::store::Ir;
use crate::Context;

/// The symbols of the tables looked up so far in the IR being verified.
struct Index {
    /// The IR being verified (by address): lookups in any other IR scan.
    ir: *const Ir,
    tables: FxHashMap<OpId, FxHashMap<String, OpId>>,
}

thread_local! {
    static ACTIVE: RefCell<Option<Index>> = const { RefCell::new(None) };
}

/// Keeps symbol indexes for `ir` until dropped; restores the enclosing scope's on drop, so a
/// verifier that verifies another IR (or a panic unwinding through `verify`) leaves no stale
/// index behind.
pub(crate) struct VerifyScope {
    previous: Option<Index>,
}

impl VerifyScope {
    pub(crate) fn enter(ir: &Ir) -> Self {
        let index = Index { ir, tables: FxHashMap::default() };
        VerifyScope { previous: ACTIVE.with(|a| a.borrow_mut().replace(index)) }
    }
}

impl Drop for VerifyScope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        ACTIVE.with(|a| *a.borrow_mut() = previous);
    }
}

/// The closest op enclosing `op` that is a symbol table (`builtin.module`), if any.
pub fn nearest_symbol_table(ctx: &Context, ir: &Ir, op: OpId) -> Option<OpId> {
    let mut scope = ir.parent_op(op);
    while let Some(s) = scope {
        if ctx.op_def(ir.op(s).name()).is_some_and(|d| d.has_trait(Trait::SymbolTable)) {
            return Some(s);
        }
        scope = ir.parent_op(s);
    }
    None
}

/// The symbols defined directly in `table`'s regions; the first definition of a name wins
/// (a second one is a verifier error of the table).
fn symbols<'a>(ctx: &'a Context, ir: &'a Ir, table: OpId) -> impl Iterator<Item = (String, OpId)> + 'a {
    let sym_name = ctx.ident("sym_name");
    let ops =
        ir.op(table).regions().iter().flat_map(move |r| ir.region(*r).blocks()).flat_map(move |b| ir.block_ops(*b));
    ops.filter_map(move |o| Some((ctx.attr_as_str(ir.op(o).attr(sym_name)?)?.to_string(), o)))
}

/// The symbols defined directly in `table`'s regions, with the ops that define them.
pub fn symbols_of(ctx: &Context, ir: &Ir, table: OpId) -> Vec<(String, OpId)> {
    symbols(ctx, ir, table).collect()
}

/// Every symbol reference in `attr`, nested arrays and dictionaries included, as the
/// reference's root name.
pub fn collect_refs(ctx: &Context, attr: Attribute, out: &mut Vec<String>) {
    match ctx.attr_kind(attr) {
        AttrKind::SymbolRef { root, .. } => out.push(root.clone()),
        AttrKind::Array(items) => {
            for a in items {
                collect_refs(ctx, *a, out);
            }
        }
        AttrKind::Dictionary(entries) => {
            for e in entries {
                collect_refs(ctx, e.value, out);
            }
        }
        _ => {}
    }
}

/// The symbols referred to by `op`'s own attributes and properties.
pub fn refs_of_op(ctx: &Context, ir: &Ir, op: OpId) -> Vec<String> {
    let mut out = Vec::new();
    for a in ir.op(op).attrs() {
        collect_refs(ctx, a.value, &mut out);
    }
    if let Some(p) = ir.op(op).properties() {
        collect_refs(ctx, p, &mut out);
    }
    out
}

/// The op that defines symbol `name` in `table`, in constant time during a
/// [`verify`](crate::verify) after the table's first lookup.
pub fn lookup_symbol(ctx: &Context, ir: &Ir, table: OpId, name: &str) -> Option<OpId> {
    let cached = ACTIVE.with(|a| {
        let mut active = a.borrow_mut();
        let index = active.as_mut().filter(|i| std::ptr::eq(i.ir, ir))?;
        let table = index.tables.entry(table).or_insert_with(|| {
            let mut by_name = FxHashMap::default();
            for (n, o) in symbols(ctx, ir, table) {
                by_name.entry(n).or_insert(o);
            }
            by_name
        });
        Some(table.get(name).copied())
    });
    match cached {
        Some(found) => found,
        None => symbols(ctx, ir, table).find(|(n, _)| n == name).map(|(_, o)| o),
    }
}

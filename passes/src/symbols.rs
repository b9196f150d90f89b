//! Symbol tables as the passes need them: which ops define symbols, their visibility, and
//! which symbols an op refers to.

use strata_ir::dialect::Trait;
use strata_ir::{AttrKind, Attribute, Context, Ir, OpId};

/// The `sym_name` of `op`, if it defines a symbol.
pub fn symbol_name<'c>(ctx: &'c Context, ir: &Ir, op: OpId) -> Option<&'c str> {
    ir.op(op).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a))
}

/// Whether `op`'s symbol is private (`sym_visibility = "private"`).
pub fn is_private(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    ir.op(op).attr(ctx.ident("sym_visibility")).and_then(|a| ctx.attr_as_str(a)) == Some("private")
}

pub fn is_symbol_table(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    ctx.op_def(ir.op(op).name()).is_some_and(|d| d.has_trait(Trait::SymbolTable))
}

/// The symbols defined directly in `table`'s regions, by name.
pub fn symbols_of(ctx: &Context, ir: &Ir, table: OpId) -> Vec<(String, OpId)> {
    let mut out = Vec::new();
    for &r in ir.op(table).regions() {
        for &b in ir.region(r).blocks() {
            for o in ir.block_ops(b) {
                if let Some(n) = symbol_name(ctx, ir, o) {
                    out.push((n.to_string(), o));
                }
            }
        }
    }
    out
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

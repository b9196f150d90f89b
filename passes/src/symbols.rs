//! Symbol tables as the passes need them: which ops define symbols, their visibility, and
//! which symbols an op refers to.

use strata_ir::dialect::Trait;
pub use strata_ir::symbol_table::{refs_of_op, symbols_of};
use strata_ir::{Context, Ir, OpId};

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

//! Pieces of custom syntax that many ops' forms end with: `attr-dict : type <keyword> type`
//! (`: memref<8x16xf32> to memref<4x4xf32, ...>`, `: f32 into vector<4xf32>`).

use std::fmt;

use strata_ir::parser::{OpParser, ParseError, UnresolvedOperand};
use strata_ir::printer::OpPrinter;
use strata_ir::{NamedAttr, OpId, Type, Value};

/// `attr-dict : type <keyword> type`: the attributes go into `attrs`; returns both types.
pub(crate) fn parse_typed_tail(
    p: &mut OpParser<'_, '_>,
    attrs: &mut Vec<NamedAttr>,
    keyword: &str,
) -> Result<(Type, Type), ParseError> {
    p.parse_optional_attr_dict(attrs)?;
    p.expect_punct(":")?;
    let first = p.parse_type()?;
    p.expect_keyword(keyword)?;
    Ok((first, p.parse_type()?))
}

/// Prints `op`'s attributes but `elided`, then ` : first <keyword> second`.
pub(crate) fn print_typed_tail(
    p: &mut OpPrinter<'_, '_>,
    op: OpId,
    elided: &[&str],
    first: Type,
    keyword: &str,
    second: Type,
) -> fmt::Result {
    p.print_attr_dict(op, elided, false)?;
    p.write(" : ")?;
    p.print_type(first)?;
    p.write(&format!(" {keyword} "))?;
    p.print_type(second)
}

/// Resolves `values` as `index` operands, appended to `operands`: the dynamic entries of
/// position, size and offset lists.
pub(crate) fn resolve_indices<'s>(
    p: &mut OpParser<'_, 's>,
    values: &[UnresolvedOperand<'s>],
    operands: &mut Vec<Value>,
) -> Result<(), ParseError> {
    let index = p.ctx().index_type();
    for v in values {
        operands.push(p.resolve_operand(v, index)?);
    }
    Ok(())
}

//! Pieces of custom syntax that many ops' forms end with: `attr-dict : type <keyword> type`
//! (`: memref<8x16xf32> to memref<4x4xf32, ...>`, `: f32 into vector<4xf32>`).

use std::fmt;

use strata_ir::parser::{OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::{NamedAttr, OpId, Type};

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

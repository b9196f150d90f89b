//! `builtin`: `module` and `unrealized_conversion_cast`.

use strata_ir::dialect::{attr_constraints as ac, constraints as tc, Dialect, OpDef, Trait};

pub struct Builtin;

impl Dialect for Builtin {
    fn name(&self) -> &'static str {
        "builtin"
    }
    fn description(&self) -> &'static str {
        "the top-level module and conversion casts"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            OpDef::new("builtin.module")
                .summary("a top-level container of operations")
                .traits(&[
                    Trait::IsolatedFromAbove,
                    Trait::SymbolTable,
                    Trait::NoTerminator,
                    Trait::SingleBlock,
                    Trait::GraphRegions,
                ])
                .default_dialect("builtin")
                .optional_attr("sym_name", ac::SYMBOL_NAME)
                .optional_attr("sym_visibility", ac::STRING)
                .region("bodyRegion", true)
                .format("($sym_name^)? attr-dict-with-keyword $bodyRegion"),
            OpDef::new("builtin.unrealized_conversion_cast")
                .summary("a cast between types that a conversion has not resolved yet")
                .traits(&[Trait::Pure])
                .variadic_operand("inputs", tc::ANY)
                .variadic_result("outputs", tc::ANY)
                .format("($inputs^ `:` type($inputs))? `to` type($outputs) attr-dict")
                .verifier(|v| match v.results().is_empty() {
                    true => Err(v.error("expected at least one result for cast operation")),
                    false => Ok(()),
                }),
        ]
    }
}

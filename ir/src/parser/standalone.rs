//! Parsing a lone type or attribute, outside any file.

use rustc_hash::FxHashMap;

use super::leaves::LeafBuilder;
use super::lexer::{MlirGrammar, Rule};
use super::ParseError;
use crate::attributes::Attribute;
use crate::types::Type;
use crate::Context;

impl Context {
    /// Parses a lone type (`tensor<4xf32>`); aliases are not available.
    pub fn parse_type(&self, text: &str) -> Result<Type, ParseError> {
        use pest::Parser as _;
        let mut pairs = MlirGrammar::parse(Rule::type_only, text)
            .map_err(|e| ParseError::new(pest_offset(&e), "invalid type".into()))?;
        let ty = pairs.next().unwrap().into_inner().next().unwrap();
        outside_a_file(self, |b| b.type_(ty))
    }

    /// Parses a lone attribute (`dense<1.0> : tensor<2xf32>`); aliases are not available.
    pub fn parse_attribute(&self, text: &str) -> Result<Attribute, ParseError> {
        use pest::Parser as _;
        let mut pairs = MlirGrammar::parse(Rule::attribute_only, text)
            .map_err(|e| ParseError::new(pest_offset(&e), "invalid attribute".into()))?;
        let a = pairs.next().unwrap().into_inner().next().unwrap();
        outside_a_file(self, |b| b.attr(a))
    }
}

/// Runs `f` with a leaf builder that has no aliases, resources or `distinct` table.
fn outside_a_file<T>(ctx: &Context, f: impl FnOnce(&LeafBuilder) -> T) -> T {
    let (attr_aliases, type_aliases) = (FxHashMap::default(), FxHashMap::default());
    f(&LeafBuilder {
        ctx,
        attr_aliases: &attr_aliases,
        type_aliases: &type_aliases,
        resource_refs: None,
        distinct: None,
    })
}

fn pest_offset(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

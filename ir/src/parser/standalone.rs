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
        let empty_a = FxHashMap::default();
        let empty_t = FxHashMap::default();
        let b = LeafBuilder {
            ctx: self,
            attr_aliases: &empty_a,
            type_aliases: &empty_t,
            resource_refs: None,
            distinct: None,
        };
        let mut pairs = MlirGrammar::parse(Rule::type_only, text)
            .map_err(|e| ParseError::new(pest_offset(&e), "invalid type".into()))?;
        let ty = pairs.next().unwrap().into_inner().next().unwrap();
        b.type_(ty)
    }

    /// Parses a lone attribute (`dense<1.0> : tensor<2xf32>`); aliases are not available.
    pub fn parse_attribute(&self, text: &str) -> Result<Attribute, ParseError> {
        use pest::Parser as _;
        let empty_a = FxHashMap::default();
        let empty_t = FxHashMap::default();
        let b = LeafBuilder {
            ctx: self,
            attr_aliases: &empty_a,
            type_aliases: &empty_t,
            resource_refs: None,
            distinct: None,
        };
        let mut pairs = MlirGrammar::parse(Rule::attribute_only, text)
            .map_err(|e| ParseError::new(pest_offset(&e), "invalid attribute".into()))?;
        let a = pairs.next().unwrap().into_inner().next().unwrap();
        b.attr(a)
    }
}

fn pest_offset(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

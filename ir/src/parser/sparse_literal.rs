//! `sparse<indices, values> : type`, MLIR's `SparseElementsAttr`, read as upstream reads it:
//! both parts are `dense` literal bodies whose shapes come from their nesting (a lone index is
//! one index of `rank` equal coordinates, a lone value is the value at every index), then
//! checked against the type with upstream's messages.

use pest::iterators::Pair;

use super::leaves::LeafBuilder;
use super::lexer::Rule;
use super::ParseError;
use crate::attributes::{AttrKind, Attribute, DenseElements, DenseValue};
use crate::types::Type;

/// A literal body read for an element type: its values and the shape its nesting gives
/// (`None` for a lone value, which takes the shape the other part implies).
struct Body {
    elements: DenseElements,
    shape: Option<Vec<i64>>,
}

impl LeafBuilder<'_> {
    pub(super) fn sparse(&self, pair: Pair<'_, Rule>) -> Result<Attribute, ParseError> {
        let ctx = self.ctx;
        let whole = pair.clone();
        let at = whole.as_span().start();
        let fail = |message: String| Err(ParseError::new(at, message));
        let mut parts: Vec<_> = pair.into_inner().collect();
        let Some(type_pair) = parts.pop_if(|p| p.as_rule() == Rule::r#type) else {
            return Err(ParseError::new(whole.as_span().end(), "expected ':'".into()));
        };
        let ty = self.type_(type_pair)?;
        let (shape, element, _) = self.elements_literal_type(&whole, ty)?;
        let rank = shape.len() as i64;
        let i64_type = ctx.i64_type();
        let (indices, values) = match &parts[..] {
            [] => (
                Body { elements: DenseElements::Values(Vec::new()), shape: Some(vec![0, rank]) },
                Body { elements: DenseElements::Values(Vec::new()), shape: Some(vec![0]) },
            ),
            [indices, values] => {
                if indices.as_rule() == Rule::string {
                    return Err(ParseError::new(
                        indices.as_span().start(),
                        "expected a literal for the indices of a sparse literal (hex is only for its values)".into(),
                    ));
                }
                let indices = self.body(indices.clone(), i64_type, 0)?;
                let count = indices.shape.as_ref().and_then(|s| s.first()).copied().unwrap_or(1);
                (indices, self.body(values.clone(), element, count)?)
            }
            _ => unreachable!("sparse_attr has no body or two"),
        };
        let indices_shape = indices.shape.clone().unwrap_or(vec![1, rank]);
        let values_shape = values.shape.clone().unwrap_or(vec![indices_shape[0]]);
        if values_shape.len() != 1 {
            return fail("expected 1-d tensor for sparse element values".into());
        }
        let shape_error = || {
            let show = |s: &[i64]| s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
            fail(format!(
                "expected shape ([{}]); inferred shape of indices literal ([{}]); inferred shape of values literal ([{}])",
                show(&shape),
                show(&indices_shape),
                show(&values_shape)
            ))
        };
        let rank_fits = match indices_shape[..] {
            [_, r] => r == rank,
            [_] => rank == 1,
            _ => false,
        };
        if !rank_fits || indices_shape[0] != values_shape[0] {
            return shape_error();
        }
        let indices_type = ctx.tensor_type(indices_shape, i64_type);
        let indices = ctx.intern_attr(AttrKind::DenseElements { ty: indices_type, elements: indices.elements });
        let values_type = ctx.tensor_type(values_shape, element);
        let values = ctx.intern_attr(AttrKind::DenseElements { ty: values_type, elements: values.elements });
        if let Some((i, index)) = outside(ctx, indices, &shape) {
            let index = index.iter().map(|c| (*c as u64).to_string()).collect::<Vec<_>>().join(", ");
            return fail(format!(
                "sparse index #{i} is not contained within the value shape, with index=[{index}], and type='{}'",
                ctx.type_to_string(ty)
            ));
        }
        Ok(ctx.intern_attr(AttrKind::Sparse { ty, indices, values }))
    }

    /// A `dense_body` of `element`s; a hex string holds `count` of them.
    fn body(&self, pair: Pair<'_, Rule>, element: Type, count: i64) -> Result<Body, ParseError> {
        Ok(match pair.as_rule() {
            Rule::string => {
                let elements = self.dense_hex(&pair, element, usize::try_from(count).unwrap_or(0))?;
                Body { elements, shape: Some(vec![count]) }
            }
            Rule::dense_scalar => {
                Body { elements: DenseElements::Splat(self.dense_scalar(pair, element)?), shape: None }
            }
            _ => {
                let (flat, shape) = self.dense_list(pair, element)?;
                Body { elements: DenseElements::Values(flat), shape: Some(shape) }
            }
        })
    }
}

/// The first index of a sparse literal's `indices` (rows of `shape.len()` coordinates; a
/// splat is one index of equal coordinates) that is not within `shape`, with its number.
fn outside(ctx: &crate::Context, indices: Attribute, shape: &[i64]) -> Option<(usize, Vec<i64>)> {
    let AttrKind::DenseElements { ty, elements } = ctx.attr_kind(indices) else { return None };
    let coordinate = |v: &DenseValue| match v {
        DenseValue::Int(i) => *i as i64,
        _ => -1,
    };
    let within = |index: &[i64]| index.iter().zip(shape).all(|(c, d)| (*c as u64) < (*d as u64));
    let rows: Vec<Vec<i64>> = match elements {
        DenseElements::Splat(v) => vec![vec![coordinate(v); shape.len()]],
        _ => ctx
            .dense_values(*ty, elements)?
            .chunks(shape.len().max(1))
            .map(|r| r.iter().map(coordinate).collect())
            .collect(),
    };
    rows.into_iter().enumerate().find(|(_, index)| !within(index))
}

//! `dense<...>` bodies read by hand.
//!
//! A constant of a few hundred thousand elements is one element of the token stream, and pest
//! reads it with several rule calls and queued tokens per number: a 300,000-element literal
//! took 250 ms and 70 MB of pairs. This module reads the grammar's `dense_body` (`dense_list`,
//! `dense_scalar`, `dense_complex`, `number`, `bool_lit` and a hex `string`) as `mlir.pest`
//! defines it, writing each number straight into the elements' raw storage.
//!
//! It reads only what is well formed and rectangular; for anything else (a malformed number,
//! ragged nesting, an escape in a string, a value the type cannot hold) it returns `None` and
//! pest reads the literal again, so errors are reported by one reader, as before.
//! `tests` checks both readers against each other.

use super::leaves::LeafBuilder;
use super::scan::skip_blanks;
use crate::attributes::{AttrKind, Attribute, DenseElements, DenseValue};
use crate::dense_raw::RawWriter;
use crate::types::{Type, TypeKind, DYNAMIC};

/// A `bool_lit` or a `number` (its text and offset).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Literal<'s> {
    Bool(bool),
    Number(&'s str, usize),
}

/// A `dense_scalar`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Item<'s> {
    Scalar(Literal<'s>),
    Complex(Literal<'s>, Literal<'s>),
}

/// What the body between `dense<` and `>` is.
#[derive(Debug, PartialEq)]
pub(super) enum Body<'s> {
    Empty,
    /// A string without escapes: the text between its quotes.
    String(&'s str),
    Splat(Item<'s>),
    /// A nested list whose items went to the visitor, with the shape it has.
    List(Vec<i64>),
}

/// Reads the body starting at `from` (just past `dense<`), handing list items to `visit` in
/// order (it returns `false` to give up), and returns it with the offset past the closing `>`.
pub(super) fn read<'s>(
    src: &'s str,
    from: usize,
    visit: &mut dyn FnMut(Item<'s>) -> bool,
) -> Option<(Body<'s>, usize)> {
    let bytes = src.as_bytes();
    let mut i = skip_blanks(bytes, from);
    let body = match *bytes.get(i)? {
        b'>' => Body::Empty,
        b'"' => {
            let end = super::scan::string_end(bytes, i)?;
            let text = &src[i + 1..end - 1];
            if text.contains('\\') {
                return None;
            }
            i = end;
            Body::String(text)
        }
        b'[' => {
            let (shape, end) = list(src, i, visit)?;
            i = end;
            Body::List(shape)
        }
        _ => {
            let (item, end) = item(src, i)?;
            i = end;
            Body::Splat(item)
        }
    };
    let close = skip_blanks(bytes, i);
    (bytes.get(close) == Some(&b'>')).then_some((body, close + 1))
}

/// A `dense_list` at `open` of lists or items nested to one depth, each depth's lists of one
/// length: its shape and the offset past its `]`. Iterative, as lists nest arbitrarily deep.
fn list<'s>(src: &'s str, open: usize, visit: &mut dyn FnMut(Item<'s>) -> bool) -> Option<(Vec<i64>, usize)> {
    let bytes = src.as_bytes();
    // Items read so far in each list still open, outermost first.
    let mut open_counts: Vec<i64> = Vec::new();
    // The length of the lists at each depth, once one has closed.
    let mut shape: Vec<Option<i64>> = Vec::new();
    // The depth of the items, once one has been read.
    let mut item_depth: Option<usize> = None;
    let mut i = open;
    loop {
        // At the start of an item of the innermost open list (or of the outermost list); the
        // end of the file here (a comment ran to it) is pest's to report.
        let &at = bytes.get(i)?;
        if at == b'[' {
            if item_depth.is_some_and(|d| open_counts.len() >= d) {
                return None;
            }
            open_counts.push(0);
            i = skip_blanks(bytes, i + 1);
            if bytes.get(i) != Some(&b']') {
                continue;
            }
        } else {
            let depth = open_counts.len();
            if *item_depth.get_or_insert(depth) != depth || shape.len() > depth {
                return None;
            }
            let (found, end) = item(src, i)?;
            if !visit(found) {
                return None;
            }
            *open_counts.last_mut()? += 1;
            i = skip_blanks(bytes, end);
        }
        // After an item: `,` and the next one, or `]` closing lists.
        loop {
            match bytes.get(i)? {
                b',' => {
                    i = skip_blanks(bytes, i + 1);
                    if bytes.get(i) == Some(&b']') {
                        return None;
                    }
                    break;
                }
                b']' => {
                    let count = open_counts.pop()?;
                    let depth = open_counts.len();
                    if shape.len() <= depth {
                        shape.resize(depth + 1, None);
                    }
                    if *shape[depth].get_or_insert(count) != count {
                        return None;
                    }
                    i += 1;
                    let Some(parent) = open_counts.last_mut() else {
                        let shape: Option<Vec<i64>> = shape.into_iter().collect();
                        return shape.filter(|s| item_depth.is_none_or(|d| d == s.len())).map(|s| (s, i));
                    };
                    *parent += 1;
                    i = skip_blanks(bytes, i);
                }
                _ => return None,
            }
        }
    }
}

/// A `dense_scalar` at `at` (a literal, or a complex pair of them) and the offset past it.
fn item(src: &str, at: usize) -> Option<(Item<'_>, usize)> {
    let bytes = src.as_bytes();
    if bytes[at] != b'(' {
        let (lit, end) = literal(src, at)?;
        return Some((Item::Scalar(lit), end));
    }
    let (re, end) = literal(src, skip_blanks(bytes, at + 1))?;
    let comma = skip_blanks(bytes, end);
    if bytes.get(comma) != Some(&b',') {
        return None;
    }
    let (im, end) = literal(src, skip_blanks(bytes, comma + 1))?;
    let close = skip_blanks(bytes, end);
    (bytes.get(close) == Some(&b')')).then_some((Item::Complex(re, im), close + 1))
}

/// A `bool_lit` or `number` at `at` and the offset past it; `None` when what follows it could
/// continue it (`1e5`, `0x`, `truex`), which pest reports.
fn literal(src: &str, at: usize) -> Option<(Literal<'_>, usize)> {
    let bytes = src.as_bytes();
    let is_ident_char =
        |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.'));
    for (word, value) in [("true", true), ("false", false)] {
        if src[at..].starts_with(word) {
            let end = at + word.len();
            return (!is_ident_char(bytes.get(end))).then_some((Literal::Bool(value), end));
        }
    }
    let digits = |from: usize, ok: fn(&u8) -> bool| from + bytes[from..].iter().take_while(|b| ok(b)).count();
    let start = at + (bytes.get(at) == Some(&b'-')) as usize;
    let mut end = digits(start, u8::is_ascii_digit);
    if end == start {
        return None;
    }
    match bytes.get(end) {
        // `float_lit`: digits, `.`, digits, an optional exponent.
        Some(b'.') => {
            end = digits(end + 1, u8::is_ascii_digit);
            if let Some(b'e' | b'E') = bytes.get(end) {
                let sign = end + 1 + matches!(bytes.get(end + 1), Some(b'+' | b'-')) as usize;
                let exponent_end = digits(sign, u8::is_ascii_digit);
                if exponent_end == sign {
                    return None;
                }
                end = exponent_end;
            }
        }
        // `hex_int`.
        Some(b'x') if end == start + 1 && bytes[start] == b'0' => {
            let hex_end = digits(end + 1, u8::is_ascii_hexdigit);
            if hex_end == end + 1 {
                return None;
            }
            end = hex_end;
        }
        _ => {}
    }
    (!is_ident_char(bytes.get(end))).then_some((Literal::Number(&src[at..end], at), end))
}

impl LeafBuilder<'_> {
    /// The `dense` attribute of type `ty` whose body starts at `from` in `src` (just past
    /// `dense<`), when the hand reader reads it; `None` sends it to pest.
    /// Returns it with the offset past its `>`.
    pub(super) fn dense_by_hand(&self, src: &str, from: usize, ty: Type) -> Option<(Attribute, usize)> {
        let ctx = self.ctx;
        let (shape, element) = match ctx.type_kind(ty) {
            TypeKind::RankedTensor { shape, element, .. } | TypeKind::Vector { shape, element, .. } => {
                (shape, *element)
            }
            _ => return None,
        };
        if shape.contains(&DYNAMIC) {
            return None;
        }
        let count = shape.iter().try_fold(1usize, |n, d| n.checked_mul(usize::try_from(*d).ok()?))?;
        // Sized for a short list, not from the type: a type may claim more elements than the
        // text lists, and a hex or splat body writes none.
        let mut writer = RawWriter::for_element(ctx, element, count.min(4096))?;
        let (body, end) =
            read(src, from, &mut |item| self.item_value(item, element).is_some_and(|v| writer.push(&v).is_some()))?;
        let elements = match body {
            Body::Empty if count == 0 => DenseElements::Values(Vec::new()),
            Body::Empty => return None,
            Body::String(text) => {
                let bytes = crate::hex::decode::<Vec<u8>>(text.strip_prefix("0x")?.as_bytes()).ok()?;
                crate::dense_raw::decode(ctx, element, bytes, count).ok()?
            }
            Body::Splat(item) => DenseElements::Splat(self.item_value(item, element)?),
            Body::List(found) if found == *shape => writer.finish(),
            Body::List(_) => return None,
        };
        Some((ctx.intern_attr(AttrKind::DenseElements { ty, elements }), end))
    }

    /// The value of a list item for `element`, as `dense_scalar` builds it.
    fn item_value(&self, item: Item<'_>, element: Type) -> Option<DenseValue> {
        match (item, self.ctx.type_kind(element)) {
            (Item::Complex(re, im), TypeKind::Complex(part)) => {
                let re = self.item_value(Item::Scalar(re), *part)?;
                let im = self.item_value(Item::Scalar(im), *part)?;
                Some(DenseValue::Complex(Box::new((re, im))))
            }
            (Item::Scalar(Literal::Bool(b)), TypeKind::Integer { width: 1, .. }) => Some(DenseValue::Int(b as i128)),
            (Item::Scalar(Literal::Number(text, at)), _) => {
                self.number_value(text, at, Some(element)).ok().map(|(v, _)| v)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Option<(Body<'_>, usize, Vec<Item<'_>>)> {
        let mut items = Vec::new();
        let (b, end) = read(text, 0, &mut |i| {
            items.push(i);
            true
        })?;
        Some((b, end, items))
    }

    #[test]
    fn reads_lists_scalars_strings_and_empty_bodies() {
        let (b, end, items) = body("[[1, -2.5e+3], [0x1F, true]] > : x").unwrap();
        assert_eq!((b, end), (Body::List(vec![2, 2]), 30));
        assert_eq!(items[1], Item::Scalar(Literal::Number("-2.5e+3", 5)));
        assert_eq!(items[3], Item::Scalar(Literal::Bool(true)));
        assert_eq!(
            body(" (1.0, -2) >").unwrap().0,
            Body::Splat(Item::Complex(Literal::Number("1.0", 2), Literal::Number("-2", 7)))
        );
        assert_eq!(body("\"0xAB\">").unwrap().0, Body::String("0xAB"));
        assert_eq!(body(" // c\n >").unwrap().0, Body::Empty);
        assert_eq!(body("[[], []]>").unwrap().0, Body::List(vec![2, 0]));
    }

    #[test]
    fn leaves_malformed_and_ragged_bodies_to_pest() {
        for text in [
            "[1, [2]]>",
            "[[1], 2]>",
            "[[1, 2], [3]]>",
            "[1,]>",
            "[,1]>",
            "[1 2]>",
            "1e5>",
            "0x>",
            "- 1>",
            "truex>",
            "((1, 2), 3)>",
            "\"a\\\"b\">",
            "[1]",
            "[1] x",
            "[[1], []]>",
            "[// ]>",
            "[1,// ]>",
            "[1, // ]>\n",
        ] {
            assert_eq!(body(text), None, "{text}");
        }
    }
}

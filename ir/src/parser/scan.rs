//! The lexer's fast lane: the elements whose extent and kind a glance at the bytes decides.
//!
//! pest reads every element through a few dozen combinator calls (each probes the stack and
//! counts calls), which made it most of our parse time. Most tokens of real IR are SSA names,
//! punctuation, op names and types the file has already used; this module reads those by
//! hand, mirroring `mlir.pest`'s rules for them exactly:
//!
//! - `value_use`, `block_id`, `bare_id`, `simple_punct`, `open_paren`, `punct` and `->`: their
//!   kind and end come from the bytes, as the grammar's rules define them;
//! - types and plain strings: only their extent is found here. The lexer then looks the text up
//!   among the elements pest has already read in this file. A text pest read as a whole
//!   element reads the same wherever that element can end in the same place: function types
//!   and `tensor|memref|vector|complex|tuple<...>` end at their closing bracket, a scalar type
//!   word is taken only when no identifier character follows, and a string only when no `:`
//!   (which would make it a typed attribute) follows. A text never seen before goes to pest.
//!
//! Everything else, and anything malformed, returns `None`: pest reads it and reports errors.
//! `lexer::tests` checks that the two lanes lex every file of `testdata` and random token soup
//! to the same tokens.

use super::lexer::Tok;

/// What the fast lane made of the bytes at a position.
#[derive(Debug, PartialEq)]
pub(super) enum Scan {
    /// A token the bytes decide, ending at the offset.
    Token(Tok, usize),
    /// The text up to the offset is a type if pest has read it as one before.
    TypeText(usize),
    /// The text up to the offset is an attribute if pest has read it as one before.
    AttrText(usize),
}

/// The element starting at `pos` (past any blanks), when the fast lane can read it.
pub(super) fn element(bytes: &[u8], pos: usize) -> Option<Scan> {
    let punct = |len: usize| Some(Scan::Token(Tok::Punct, pos + len));
    match *bytes.get(pos)? {
        b'%' => {
            let end = suffix_id(bytes, pos + 1)?;
            let (end, result) = match result_number(bytes, end) {
                Some((e, n)) => (e, Some(n)),
                None => (end, None),
            };
            Some(Scan::Token(Tok::Value { result }, end))
        }
        b'^' => Some(Scan::Token(Tok::Block, suffix_id(bytes, pos + 1)?)),
        b':' if bytes.get(pos + 1) == Some(&b':') => punct(2),
        b',' | b')' | b']' | b'}' | b'=' | b':' | b'*' | b'?' | b'|' | b'>' | b'+' | b'<' => punct(1),
        b'{' if bytes[pos..].starts_with(b"{-#") => None,
        b'{' => punct(1),
        b'-' => match bytes.get(pos + 1) {
            Some(b'>') => punct(2),
            Some(b'0'..=b'9') => None,
            _ => punct(1),
        },
        // An array attribute cannot start with an SSA name: this `[` is punctuation.
        b'[' if bytes.get(skip_blanks(bytes, pos + 1)) == Some(&b'%') => punct(1),
        b'(' if !starts_function_type(bytes, pos) => punct(1),
        b'(' => function_type_end(bytes, pos).map(Scan::TypeText),
        b'"' => {
            let end = string_end(bytes, pos)?;
            // `"s" : type` is a typed string attribute, read by pest.
            (bytes.get(skip_blanks(bytes, end)) != Some(&b':')).then_some(Scan::AttrText(end))
        }
        b'a'..=b'z' | b'A'..=b'Z' | b'_' => identifier(bytes, pos),
        _ => None,
    }
}

/// An identifier-led element: a bare identifier, a scalar type keyword, or a builtin type
/// with a body (`tensor<...>`).
fn identifier(bytes: &[u8], pos: usize) -> Option<Scan> {
    let end = pos + 1 + bytes[pos + 1..].iter().take_while(|b| is_ident_char(**b)).count();
    let word = &bytes[pos..end];
    let after = skip_blanks(bytes, end);
    match bytes.get(after) {
        // `keyword_lt`: attributes and types with a `<` body, and `loc(`.
        Some(b'<') if is_lt_keyword(word) => {
            if !matches!(word, b"tensor" | b"memref" | b"vector" | b"complex" | b"tuple") {
                return None;
            }
            Some(Scan::TypeText(group_end(bytes, after)?))
        }
        Some(b'(') if word == b"loc" => None,
        Some(b'[') if word == b"distinct" => None,
        _ if is_scalar_type(word) => Some(Scan::TypeText(end)),
        _ => Some(Scan::Token(Tok::BareId, end)),
    }
}

/// `keyword_lt`'s keywords (when `<` follows).
fn is_lt_keyword(word: &[u8]) -> bool {
    matches!(
        word,
        b"tensor"
            | b"memref"
            | b"vector"
            | b"complex"
            | b"tuple"
            | b"dense_resource"
            | b"dense"
            | b"array"
            | b"sparse"
            | b"affine_map"
            | b"affine_set"
            | b"strided"
    )
}

/// Whether a whole identifier is read as a scalar type (`int_type`, `float_type`,
/// `index_type`, `none_type`) rather than as a bare identifier.
fn is_scalar_type(word: &[u8]) -> bool {
    let digits = |w: &[u8]| !w.is_empty() && w.iter().all(u8::is_ascii_digit);
    match word {
        [b's' | b'u', b'i', rest @ ..] | [b'i', rest @ ..] if digits(rest) => true,
        b"index" | b"none" => true,
        _ => std::str::from_utf8(word).ok().and_then(crate::types::FloatKind::from_keyword).is_some(),
    }
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.')
}

/// `suffix_id` after a sigil: digits, or a name of letters, digits and `$._-`.
fn suffix_id(bytes: &[u8], from: usize) -> Option<usize> {
    let first = *bytes.get(from)?;
    let is_name_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'$' | b'.' | b'_' | b'-');
    let end = if first.is_ascii_digit() {
        from + bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count()
    } else if first.is_ascii_alphabetic() || matches!(first, b'$' | b'.' | b'_' | b'-') {
        from + 1 + bytes[from + 1..].iter().take_while(|b| is_name_char(**b)).count()
    } else {
        return None;
    };
    Some(end)
}

/// `#N` after a value name: the end and `N` (`u32::MAX` when it does not fit, as the lexer
/// reads it).
fn result_number(bytes: &[u8], at: usize) -> Option<(usize, u32)> {
    if bytes.get(at) != Some(&b'#') {
        return None;
    }
    let n = bytes[at + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let digits = std::str::from_utf8(&bytes[at + 1..at + 1 + n]).expect("ASCII digits");
    Some((at + 1 + n, digits.parse().unwrap_or(u32::MAX)))
}

/// Past blanks and `//` comments (the grammar's `WHITESPACE`).
pub(super) fn skip_blanks(bytes: &[u8], mut i: usize) -> usize {
    loop {
        match bytes.get(i) {
            Some(b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r') => i += 1,
            Some(b'/') if bytes.get(i + 1) == Some(&b'/') => i = crate::hex::line_end(bytes, i),
            _ => return i,
        }
    }
}

/// The grammar's `fn_type_start`: a `(` that opens a function type.
fn starts_function_type(bytes: &[u8], pos: usize) -> bool {
    let i = skip_blanks(bytes, pos + 1);
    match bytes.get(i) {
        Some(b')') => bytes[skip_blanks(bytes, i + 1)..].starts_with(b"->"),
        Some(b'%' | b'{' | b'^' | b'"') | None => false,
        Some(_) => true,
    }
}

/// The end of a string literal starting at `pos` (`string`); `None` when it is not closed on
/// its line.
pub(super) fn string_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos + 1;
    loop {
        i = crate::hex::string_stop(bytes, i);
        match bytes.get(i) {
            Some(b'"') => return Some(i + 1),
            // An escape takes the next character, whatever it is.
            Some(b'\\') => i += 2,
            _ => return None,
        }
    }
}

/// The end of the bracketed group opened at `pos` (`(`, `<`, `[` or `{`), stepping over
/// strings, `->` and nested groups of any kind; `None` when it is not closed.
pub(super) fn group_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = pos;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = string_end(bytes, i)?;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'>') => i += 1,
            b'(' | b'<' | b'[' | b'{' => depth += 1,
            b')' | b'>' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The end of `(inputs) -> results`: a group, `->`, then a group or one type's text.
fn function_type_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let inputs_end = group_end(bytes, pos)?;
    let arrow = skip_blanks(bytes, inputs_end);
    if !bytes[arrow..].starts_with(b"->") {
        return None;
    }
    let result = skip_blanks(bytes, arrow + 2);
    match *bytes.get(result)? {
        b'(' => group_end(bytes, result),
        b'a'..=b'z' | b'A'..=b'Z' | b'_' => match identifier(bytes, result)? {
            Scan::TypeText(end) => Some(end),
            _ => None,
        },
        _ => None,
    }
}

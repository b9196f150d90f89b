//! The lexer: turns source text into a stream of elements whose types, attributes and
//! locations are already built and interned.
//!
//! Each element is read where it starts: SSA names, punctuation, op names and the types and
//! strings the file has used before by the fast lane ([`super::scan`]), everything else by one
//! pest call for one `element` of `mlir.pest`. pest is handed the rest of the file and stops
//! after the element, so no window can cut an element short.
//!
//! Strings inside a `{-# ... #-}` resource section are read by hand: a blob of weights is one
//! string of tens of megabytes of hex, which pest would read a character (and a few rule calls)
//! at a time. Such a string becomes one [`Tok::Str`] found with a block scan
//! (`hex::string_stop`); the op parser reads the section's structure from the tokens.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use pest::iterators::Pair;
use pest::Parser as _;
use rustc_hash::FxHashMap;

use super::dense_literal;
use super::leaves::LeafBuilder;
use super::scan::{self, Scan};
use super::ParseError;
use crate::attributes::Attribute;
use crate::hex;
use crate::types::Type;
use crate::Context;

#[derive(pest_derive::Parser)]
#[grammar = "mlir.pest"]
pub(crate) struct MlirGrammar;

/// What a token is. Its text is `src[start..end]`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// `%name` or `%name#N`.
    Value {
        result: Option<u32>,
    },
    /// `^name`.
    Block,
    Attr(Attribute),
    /// `#name` where no alias `name` is defined (yet).
    AttrAliasName,
    Type(Type),
    /// `!name` where no alias `name` is defined (yet).
    TypeAliasName,
    Loc(Attribute),
    /// `dense<...>` or `dense_resource<...>` without its `: type`, which an op may imply (a
    /// `memref.global`'s initial value): built when the parser knows the type.
    UntypedElements,
    BareId,
    Punct,
    /// A string literal in a resource section, kept as text (quotes included): a key, or a
    /// value the parser decodes (a blob's hex) or keeps as written.
    Str,
    Eof,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
}

/// Stack needs at or below this are met by any thread's stack without checking.
const SHALLOW_STACK: usize = 256 * 1024 + 64 * 24 * 1024;

/// Deeper bracket nesting than this is refused before pest sees it (pest recurses per level).
pub const MAX_NESTING: usize = 50_000;

#[derive(Default)]
struct LeafCache<'s> {
    types: FxHashMap<&'s str, Type>,
    attrs: FxHashMap<&'s str, Attribute>,
}

pub(crate) struct Lexer<'s> {
    pub src: &'s str,
    /// Where the element being lexed starts.
    pos: usize,
    /// Where the next element is looked for.
    resume_at: usize,
    /// Whether the fast lane reads what it can (off only to check it against pest).
    fast_lane: bool,
    buffer: VecDeque<Token>,
    pub attr_aliases: FxHashMap<String, Attribute>,
    pub type_aliases: FxHashMap<String, Type>,
    /// Types and attributes already built, by their text. Aliases cannot be redefined, so the
    /// same text always means the same thing within one file.
    leaf_cache: std::cell::RefCell<LeafCache<'s>>,
    /// Why typed literals that were split did not build, by their start offset.
    pub failed_typed: std::cell::RefCell<FxHashMap<usize, ParseError>>,
    /// Stack needed by pest for the deepest nesting of this source.
    pest_stack: usize,
    /// Whether the tokens handed out so far opened a resource section (`{-#`) and did not
    /// close it, and where the last section opened (relexing before it leaves the section).
    in_resources: Cell<bool>,
    section_start: Cell<Option<usize>>,
    /// Resource keys named by `dense_resource<key>`, with the offset of their first use.
    pub resource_refs: RefCell<FxHashMap<String, usize>>,
    /// The file's `distinct[N]<...>` attributes by `N`.
    distinct: RefCell<FxHashMap<u64, Attribute>>,
}

impl<'s> Lexer<'s> {
    pub fn new(src: &'s str) -> Result<Self, ParseError> {
        let (depth, at) = max_nesting(src);
        if depth > MAX_NESTING {
            return Err(ParseError::new(at, format!("brackets nested deeper than {MAX_NESTING} levels")));
        }
        Ok(Lexer {
            src,
            pos: 0,
            resume_at: 0,
            fast_lane: true,
            buffer: VecDeque::new(),
            attr_aliases: FxHashMap::default(),
            type_aliases: FxHashMap::default(),
            pest_stack: 256 * 1024 + depth * 24 * 1024,
            leaf_cache: Default::default(),
            failed_typed: Default::default(),
            in_resources: Cell::new(false),
            section_start: Cell::new(None),
            resource_refs: Default::default(),
            distinct: Default::default(),
        })
    }

    pub fn text(&self, t: &Token) -> &'s str {
        &self.src[t.start..t.end]
    }

    /// The `k`-th token ahead (0 = next).
    pub fn peek(&mut self, k: usize, ctx: &Context) -> Result<&Token, ParseError> {
        while self.buffer.len() <= k {
            let t = self.lex_one(ctx)?;
            self.buffer.push_back(t);
        }
        Ok(&self.buffer[k])
    }

    pub fn next(&mut self, ctx: &Context) -> Result<Token, ParseError> {
        self.peek(0, ctx)?;
        Ok(self.buffer.pop_front().expect("peeked"))
    }

    /// Where punctuation `[` is expected, an empty array attribute `[]` (as in
    /// `memref.view %a[%o][]`) is the brackets of an empty list: split it into `[` and `]`.
    pub fn split_empty_brackets(&mut self, ctx: &Context) -> Result<(), ParseError> {
        let t = self.peek(0, ctx)?;
        let (is_attr, start, end) = (matches!(t.kind, Tok::Attr(_)), t.start, t.end);
        let text = &self.src[start..end];
        if is_attr && text.starts_with('[') && text[1..].trim_start() == "]" {
            self.buffer.pop_front();
            self.buffer.push_front(Token { kind: Tok::Punct, start: end - 1, end });
            self.buffer.push_front(Token { kind: Tok::Punct, start, end: start + 1 });
        }
        Ok(())
    }

    /// Drops buffered tokens so that alias definitions made since are seen by the next tokens.
    /// Only called right after an alias definition, when the buffer holds unconverted names.
    /// Lexes again from `offset`, dropping everything buffered (to split a token).
    pub fn relex_from(&mut self, offset: usize) {
        if self.section_start.get().is_some_and(|s| offset <= s) {
            self.in_resources.set(false);
        }
        self.resume_at = offset;
        self.buffer.clear();
    }

    pub fn relex_buffer(&mut self) {
        if let Some(first) = self.buffer.front() {
            self.relex_from(first.start);
        }
    }

    fn lex_one(&mut self, ctx: &Context) -> Result<Token, ParseError> {
        let bytes = self.src.as_bytes();
        self.pos = scan::skip_blanks(bytes, self.resume_at);
        if self.pos == bytes.len() {
            return Ok(Token { kind: Tok::Eof, start: self.pos, end: self.pos });
        }
        let token = match self.resource_string() {
            Some(token) => token,
            None if !self.fast_lane => self.lex_element(ctx)?,
            None => {
                match self.dense_literal(ctx).or_else(|| scan::element(bytes, self.pos).and_then(|s| self.known(s))) {
                    Some(token) => token,
                    None => self.lex_element(ctx)?,
                }
            }
        };
        self.resume_at = token.end;
        Ok(token)
    }

    /// The token the fast lane found, when its text needs no more reading: a type or string
    /// attribute only when pest has read the same text before.
    fn known(&self, scanned: Scan) -> Option<Token> {
        let start = self.pos;
        let (kind, end) = match scanned {
            Scan::Token(kind, end) => (kind, end),
            Scan::TypeText(end) => (Tok::Type(*self.leaf_cache.borrow().types.get(&self.src[start..end])?), end),
            Scan::AttrText(end) => (Tok::Attr(*self.leaf_cache.borrow().attrs.get(&self.src[start..end])?), end),
        };
        Some(Token { kind, start, end })
    }

    /// A `dense<...>` literal at the lexing position read by hand ([`super::dense_literal`]),
    /// with its `: type` when one follows; `None` when pest must read it.
    fn dense_literal(&self, ctx: &Context) -> Option<Token> {
        let bytes = self.src.as_bytes();
        let start = self.pos;
        if !bytes[start..].starts_with(b"dense") {
            return None;
        }
        let open = scan::skip_blanks(bytes, start + "dense".len());
        if bytes.get(open) != Some(&b'<') {
            return None;
        }
        // The closing `>`, which the body's reader must also find.
        let close = scan::group_end(bytes, open)?;
        let colon = scan::skip_blanks(bytes, close);
        if bytes.get(colon) != Some(&b':') || bytes.get(colon + 1) == Some(&b':') {
            let (_, end) = dense_literal::read(self.src, open + 1, &mut |_| true)?;
            return (end == close).then_some(Token { kind: Tok::UntypedElements, start, end });
        }
        let (ty, end) = self.type_at(scan::skip_blanks(bytes, colon + 1), ctx)?;
        let (attr, body_end) = self.leaves(ctx, start).dense_by_hand(self.src, open + 1, ty)?;
        (body_end == close).then_some(Token { kind: Tok::Attr(attr), start, end })
    }

    /// The type at `at` and the offset past it, read from the cache or by pest; `None` when
    /// there is none (pest then reads the whole element and reports why).
    fn type_at(&self, at: usize, ctx: &Context) -> Option<(Type, usize)> {
        if let Some(Scan::TypeText(end)) = scan::element(self.src.as_bytes(), at) {
            if let Some(t) = self.leaf_cache.borrow().types.get(&self.src[at..end]) {
                return Some((*t, end));
            }
        }
        let stack = self.pest_stack;
        let rest = &self.src[at..];
        let pair = stacker::maybe_grow(stack, stack * 2, || MlirGrammar::parse(Rule::r#type, rest)).ok()?.next()?;
        let text = pair.as_str();
        let t = self.build(&self.leaves(ctx, at), |b| b.type_or_inner(pair)).ok()?;
        self.leaf_cache.borrow_mut().types.insert(text, t);
        Some((t, at + text.len()))
    }

    /// The builder of types and attributes read at `at`.
    fn leaves<'a>(&'a self, ctx: &'a Context, at: usize) -> LeafBuilder<'a> {
        LeafBuilder {
            ctx,
            attr_aliases: &self.attr_aliases,
            type_aliases: &self.type_aliases,
            resource_refs: Some((&self.resource_refs, at)),
            distinct: Some(&self.distinct),
        }
    }

    /// One element read by pest, which is given the rest of the source and stops after it.
    fn lex_element(&mut self, ctx: &Context) -> Result<Token, ParseError> {
        let rest = &self.src[self.pos..];
        let stack = self.pest_stack;
        let parsed = stacker::maybe_grow(stack, stack * 2, || MlirGrammar::parse(Rule::element_only, rest));
        let mut pairs = parsed.map_err(|e| {
            let mut err = self.pest_error(e);
            err.offset += self.pos;
            err
        })?;
        let element = pairs.next().and_then(|p| p.into_inner().next()).expect("element_only holds one element");
        self.convert(element, ctx)
    }

    /// In a resource section, the string literal at the lexing position, read by hand; `None`
    /// outside sections, when there is none, or when it is not closed on its line (pest then
    /// reports it).
    fn resource_string(&self) -> Option<Token> {
        if !self.in_resources.get() {
            return None;
        }
        let start = self.pos;
        if self.src.as_bytes().get(start) != Some(&b'"') {
            return None;
        }
        let end = scan::string_end(self.src.as_bytes(), start)?;
        Some(Token { kind: Tok::Str, start, end })
    }

    fn convert(&self, pair: Pair<'s, Rule>, ctx: &Context) -> Result<Token, ParseError> {
        let leaves = &self.leaves(ctx, self.pos);
        let span = pair.as_span();
        let (start, end) = (self.pos + span.start(), self.pos + span.end());
        let kind = match pair.as_rule() {
            Rule::value_use => {
                let result = pair.as_str().split_once('#').map(|(_, n)| n.parse().unwrap_or(u32::MAX));
                Tok::Value { result }
            }
            Rule::block_id => Tok::Block,
            Rule::bare_id => Tok::BareId,
            Rule::punct | Rule::simple_punct | Rule::open_paren => Tok::Punct,
            Rule::resource_bracket => {
                let opens = pair.as_str() == "{-#";
                self.in_resources.set(opens);
                if opens {
                    self.section_start.set(Some(start));
                }
                Tok::Punct
            }
            Rule::string_attr if self.in_resources.get() && pair.clone().into_inner().len() == 1 => Tok::Str,
            Rule::loc_attr => Tok::Loc(self.build(leaves, |b| b.location(pair.into_inner().next().unwrap()))?),
            Rule::hash_attr if is_alias_name(pair.as_str()) => match self.attr_aliases.get(&pair.as_str()[1..]) {
                Some(a) => Tok::Attr(*a),
                None => Tok::AttrAliasName,
            },
            Rule::dense_attr | Rule::dense_resource_attr
                if pair.clone().into_inner().last().is_none_or(|p| p.as_rule() != Rule::r#type) =>
            {
                let end = self.pos + exact_end(self.src, self.pos, &pair);
                return Ok(Token { kind: Tok::UntypedElements, start, end });
            }
            Rule::typed_number
            | Rule::string_attr
            | Rule::dense_attr
            | Rule::dense_resource_attr
            | Rule::dense_array_attr
            | Rule::sparse_attr
            | Rule::affine_map_attr
            | Rule::affine_set_attr
            | Rule::strided_attr
            | Rule::distinct_attr
            | Rule::array_attr
            | Rule::symbol_ref
            | Rule::hash_attr => {
                let end = self.pos + exact_end(self.src, self.pos, &pair);
                let text = &self.src[start..end];
                let cached = self.leaf_cache.borrow().attrs.get(text).copied();
                let a = match cached {
                    Some(a) => a,
                    None => match self.build(leaves, |b| b.attr_inner(pair.clone())) {
                        Ok(a) => a,
                        // `2 : tensor<4xf32>` may be a literal followed by an op's own `: type`:
                        // hand out the literal alone and keep the error for an attribute reader.
                        Err(e) if pair.as_rule() == Rule::typed_number => {
                            let number = pair.into_inner().next().expect("typed_number has a number");
                            let number_end = self.pos + number.as_span().end();
                            // A literal that is nothing alone either: the typed error says why.
                            let Ok(a) = self.build(leaves, |b| b.attr_inner_untyped_number(number)) else {
                                return Err(e);
                            };
                            self.failed_typed.borrow_mut().insert(start, e);
                            return Ok(Token { kind: Tok::Attr(a), start, end: number_end });
                        }
                        Err(e) => return Err(e),
                    },
                };
                self.leaf_cache.borrow_mut().attrs.insert(text, a);
                return Ok(Token { kind: Tok::Attr(a), start, end });
            }
            Rule::bang_type if is_alias_name(pair.as_str()) && !self.type_aliases.contains_key(&pair.as_str()[1..]) => {
                Tok::TypeAliasName
            }
            Rule::r#type
            | Rule::int_type
            | Rule::float_type
            | Rule::index_type
            | Rule::none_type
            | Rule::bang_type
            | Rule::function_type => {
                let text = pair.as_str();
                let cached = self.leaf_cache.borrow().types.get(text).copied();
                let t = match cached {
                    Some(t) => t,
                    None => {
                        let t = self.build(leaves, |b| b.type_or_inner(pair))?;
                        self.leaf_cache.borrow_mut().types.insert(text, t);
                        t
                    }
                };
                Tok::Type(t)
            }
            r => unreachable!("lexer produced {r:?}"),
        };
        Ok(Token { kind, start, end })
    }

    fn build<T>(
        &self,
        leaves: &LeafBuilder,
        f: impl FnOnce(&LeafBuilder) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        let stack = self.pest_stack;
        // Checking the stack costs more than building a shallow leaf; only deep input needs it.
        let result =
            if stack > SHALLOW_STACK { stacker::maybe_grow(stack, stack * 2, || f(leaves)) } else { f(leaves) };
        result.map_err(|mut e| {
            e.offset += self.pos;
            e
        })
    }

    /// The elements attribute of an [`Tok::UntypedElements`] token, of type `ty`.
    pub fn untyped_elements(&self, t: &Token, ty: Type, ctx: &Context) -> Result<Attribute, ParseError> {
        let text = &self.src[t.start..t.end];
        let rule = if text.starts_with("dense_resource") { Rule::dense_resource_attr } else { Rule::dense_attr };
        if rule == Rule::dense_attr && self.fast_lane {
            let open = t.start + text.find('<').expect("a dense literal has a body");
            if let Some((attr, end)) = self.leaves(ctx, t.start).dense_by_hand(self.src, open + 1, ty) {
                if end == t.end {
                    return Ok(attr);
                }
            }
        }
        let stack = self.pest_stack;
        let mut pairs = stacker::maybe_grow(stack, stack * 2, || MlirGrammar::parse(rule, text)).map_err(|e| {
            let mut err = self.pest_error(e);
            err.offset += t.start;
            err
        })?;
        let pair = pairs.next().expect("the rule lexed before");
        let leaves = self.leaves(ctx, t.start);
        stacker::maybe_grow(stack, stack * 2, || leaves.elements_of_type(pair, ty)).map_err(|mut e| {
            e.offset += t.start;
            e
        })
    }

    /// Why the attribute starting at `at` did not lex as one (a `[` or `{` that opened a
    /// malformed attribute).
    pub fn attribute_error(&self, at: usize) -> ParseError {
        let stack = self.pest_stack;
        match stacker::maybe_grow(stack, stack * 2, || MlirGrammar::parse(Rule::attribute, &self.src[at..])) {
            Err(e) => {
                let mut err = self.pest_error(e);
                err.offset += at;
                err.message = format!("malformed attribute: {}", err.message);
                err
            }
            Ok(_) => ParseError::new(at, "expected attribute value".into()),
        }
    }

    fn pest_error(&self, e: pest::error::Error<Rule>) -> ParseError {
        let offset = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        let message = match &e.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } if !positives.is_empty() => {
                let mut names: Vec<&str> = positives.iter().map(|r| describe(*r)).collect();
                names.sort();
                names.dedup();
                format!("expected {}", join_alternatives(&names))
            }
            pest::error::ErrorVariant::CustomError { message } => message.clone(),
            _ => "unexpected character".to_string(),
        };
        ParseError::new(offset, message)
    }
}

/// The end of an attribute without the whitespace pest skipped while looking for an optional
/// `: type` that was not there.
fn exact_end(src: &str, base: usize, pair: &Pair<'_, Rule>) -> usize {
    let last_inner_end = pair.clone().into_inner().map(|p| p.as_span().end()).max();
    match pair.as_rule() {
        Rule::typed_number | Rule::string_attr => last_inner_end.unwrap_or(pair.as_span().end()),
        Rule::dense_attr | Rule::dense_resource_attr => {
            let last = pair.clone().into_inner().last();
            if last.as_ref().is_some_and(|p| p.as_rule() == Rule::r#type) {
                return last.unwrap().as_span().end();
            }
            // Find the closing '>' after the body, past whitespace and comments.
            let from = last_inner_end.unwrap_or(pair.as_span().start() + pair.as_str().find('<').unwrap_or(0) + 1);
            let bytes = src.as_bytes();
            let mut i = base + from;
            while i < base + pair.as_span().end() {
                match bytes[i] {
                    b'>' => return i + 1 - base,
                    b'/' => {
                        while i < bytes.len() && bytes[i] != b'\n' {
                            i += 1;
                        }
                    }
                    _ => i += 1,
                }
            }
            pair.as_span().end()
        }
        _ => pair.as_span().end(),
    }
}

fn is_alias_name(text: &str) -> bool {
    !text[1..].contains(['.', '<'])
}

/// How a grammar rule reads in "expected ..." messages.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::r#type => "type",
        Rule::attribute | Rule::typed_number | Rule::array_attr => "attribute",
        Rule::dec_int | Rule::number | Rule::hex_int => "integer",
        Rule::float_lit => "float",
        Rule::string => "string",
        Rule::bare_id | Rule::sigil_name => "identifier",
        Rule::value_use => "SSA value",
        Rule::block_id => "block label",
        Rule::dim | Rule::shape => "dimension",
        Rule::affine_expr => "affine expression",
        Rule::distinct_id => "distinct ID",
        Rule::stride => "stride",
        Rule::dense_scalar | Rule::dense_list => "dense element",
        Rule::punct => "punctuation",
        _ => "valid syntax",
    }
}

fn join_alternatives(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The deepest nesting of `( [ { <` outside strings and comments, and where it occurs.
fn max_nesting(src: &str) -> (usize, usize) {
    let bytes = src.as_bytes();
    let (mut depth, mut max, mut at) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // Strings may be megabytes of hex (blobs): find their end a block at a time.
                i += 1;
                loop {
                    i = hex::string_stop(bytes, i);
                    if bytes.get(i) != Some(&b'\\') {
                        break;
                    }
                    i += 2;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = hex::line_end(bytes, i),
            b'(' | b'[' | b'{' | b'<' => {
                depth += 1;
                if depth > max {
                    max = depth;
                    at = i;
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'>' if i == 0 || bytes[i - 1] != b'-' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    (max, at)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    type Lexed = Result<Vec<(String, usize, usize)>, (usize, String)>;

    /// Every token of `src` as (kind, start, end), or the first error as (offset, message).
    /// Attributes and types are compared by their text: a `distinct` attribute is new each time
    /// a file is read.
    fn lex_all(ctx: &Context, src: &str, fast_lane: bool) -> Lexed {
        let mut lex = Lexer::new(src).map_err(|e| (e.offset, e.message))?;
        lex.fast_lane = fast_lane;
        let mut tokens = Vec::new();
        loop {
            let t = lex.next(ctx).map_err(|e| (e.offset, e.message))?;
            if t.kind == Tok::Eof {
                return Ok(tokens);
            }
            let kind = match t.kind {
                Tok::Attr(a) => format!("Attr({})", ctx.attr_to_string(a)),
                Tok::Loc(a) => format!("Loc({})", ctx.attr_to_string(a)),
                Tok::Type(ty) => format!("Type({})", ctx.type_to_string(ty)),
                other => format!("{other:?}"),
            };
            tokens.push((kind, t.start, t.end));
        }
    }

    fn mlir_files(dir: &std::path::Path, into: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("testdata is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                mlir_files(&path, into);
            } else if path.extension().is_some_and(|e| e == "mlir") {
                into.push(path);
            }
        }
    }

    #[test]
    fn the_fast_lane_lexes_every_testdata_file_as_pest_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
        let mut files = Vec::new();
        mlir_files(&root, &mut files);
        assert!(files.len() > 80, "found only {} files under {}", files.len(), root.display());
        let ctx = Context::new();
        for file in files {
            let src = std::fs::read_to_string(&file).expect("a UTF-8 file");
            let by_pest = lex_all(&ctx, &src, false);
            assert_eq!(lex_all(&ctx, &src, true), by_pest, "{}", file.display());
        }
    }

    /// Pieces of MLIR text, valid and not, whose joins (with and without blanks) probe where
    /// one element ends and the next begins.
    const PIECES: &[&str] = &[
        "%0",
        "%arg1",
        "%x#2",
        "%a#",
        "%-",
        "%",
        "^bb0",
        "^",
        "i32",
        "si8",
        "ui16",
        "i",
        "si",
        "i1x",
        "f32",
        "f8E4M3FN",
        "f8E4M3",
        "f8E4M3FNX",
        "bf16",
        "index",
        "none",
        "indexed",
        "tensor<4xf32>",
        "tensor <?x8xi32>",
        "tensor<*xf32>",
        "memref<4xf32, strided<[1], offset: ?>>",
        "vector<[4]xf32>",
        "vector<2x[4]xf32>",
        "complex<f32>",
        "tuple<i32, f32>",
        "tensor",
        "(i32, i32) -> i32",
        "(i32) -> (i32, f32)",
        "() -> ()",
        "(i32) -> tensor<2xf32>",
        "(i32) -> ",
        "(%a)",
        "(",
        ")",
        "[",
        "]",
        "[%i]",
        "[ %i",
        "[]",
        "[1, 2]",
        "[i32]",
        "{",
        "}",
        "{a = 1}",
        "<",
        ">",
        "->",
        "-",
        "-1",
        "-1.5",
        "42",
        "0x1F",
        "3.0e2",
        ":",
        "::",
        ",",
        "=",
        "*",
        "?",
        "|",
        "+",
        "...",
        "\"arith.addi\"",
        "\"s\" : i32",
        "\"s\":",
        "\"q\\\"x\"",
        "\"open",
        "@sym",
        "@a::@b",
        "@\"q\"",
        "#map",
        "#foo.bar<x>",
        "#foo.a : i32",
        "!foo.t",
        "!foo.t<\"a>b\">",
        "!alias",
        "dense<1.0>",
        "dense<[1, 2]> : tensor<2xi32>",
        "dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>",
        "dense<[[1], [2, 3]]> : tensor<2x2xi32>",
        "dense<[1.5, -2.0e1, 0x7FC00000]> : tensor<3xf32>",
        "dense<[(1.0, 2.0), (3.0, -4.5)]> : tensor<2xcomplex<f32>>",
        "dense<\"0x01000200\"> : tensor<2xi16>",
        "dense<[true, false]> : vector<2xi1>",
        "dense<[1, 2]> : tensor<3xi32>",
        "dense<[300, 1]> : tensor<2xi8>",
        "dense<[1, 2]>:",
        "dense <[[1]]> ",
        "dense<[1,]>",
        "dense<",
        ": tensor<2xf32>",
        "dense",
        "array<i32: 1, 2>",
        "loc(\"f\":1:2)",
        "loc",
        "loc (",
        "arith.addi",
        "func.func",
        "true",
        "unit",
        "distinct[3]<>",
        "distinct[3]<1 : i32>",
        "distinct",
        "distinct [",
        "distinct[x]<>",
        "affine_map<(d0) -> (d0)>",
        "affine_set<(d0)[s0] : (d0 - s0 >= 0, d0 == 1)>",
        "affine_set<(d0) : (d0 > 0)>",
        "{-#",
        "#-}",
        "x",
        "_y",
        "$z",
        "é",
        "// note\n",
    ];
    const SEPARATORS: &[&str] = &["", " ", "\n", "  ", " // c\n", "\t"];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]
        #[test]
        fn the_fast_lane_lexes_token_soup_as_pest_does(
            parts in proptest::collection::vec((0..PIECES.len(), 0..SEPARATORS.len()), 1..12),
        ) {
            let src: String = parts.iter().map(|(p, s)| format!("{}{}", PIECES[*p], SEPARATORS[*s])).collect();
            let ctx = Context::new();
            // Twice over, so that the second copy meets texts the first left in the cache.
            let twice = format!("{src}\n{src}");
            prop_assert_eq!(lex_all(&ctx, &twice, true), lex_all(&ctx, &twice, false), "{:?}", twice);
        }

        /// `dense` literals of random shapes, element types and numbers, some ragged or
        /// malformed: the hand reader builds what pest builds and leaves it the rest.
        #[test]
        fn dense_literals_lex_as_pest_reads_them(
            dims in proptest::collection::vec(0usize..4, 0..4),
            element in prop::sample::select(&["i1", "i8", "si16", "ui32", "i64", "i3", "index", "f16", "bf16", "f32", "f64", "f8E5M2", "complex<f32>", "complex<i8>"][..]),
            numbers in proptest::collection::vec((-300i64..300, 0u8..8), 64),
            damage in proptest::option::of((0usize..200, prop::sample::select(&["", "]", "[", ",", "x", ".", "e", "-", "(", " // c\n"][..]))),
            claimed in proptest::option::of(proptest::collection::vec(0usize..4, 0..4)),
            cut in proptest::option::of(0usize..400),
        ) {
            let mut next = numbers.iter().cycle();
            let mut literal = || {
                let (n, form) = *next.next().expect("cycled");
                match form {
                    0 => format!("{n}"),
                    1 => format!("{}.{}", n / 4, n.unsigned_abs() % 100),
                    2 => format!("{}.5e{}", n / 16, n % 5),
                    3 => format!("0x{:X}", n.unsigned_abs()),
                    4 => ["true", "false"][n.unsigned_abs() as usize % 2].to_string(),
                    5 => format!("({n}.0, {}.25)", n / 3),
                    6 if n % 5 == 0 => "//".to_string(),
                    6 => format!("({n}, {})", n / 7),
                    _ => format!("{n}.0"),
                }
            };
            fn nested(dims: &[usize], literal: &mut dyn FnMut() -> String) -> String {
                match dims {
                    [] => literal(),
                    [n, rest @ ..] => format!("[{}]", (0..*n).map(|_| nested(rest, literal)).collect::<Vec<_>>().join(", ")),
                }
            }
            let mut body = nested(&dims, &mut literal);
            if let Some((at, piece)) = damage {
                let at = (0..=at.min(body.len())).rev().find(|i| body.is_char_boundary(*i)).unwrap_or(0);
                body.insert_str(at, piece);
            }
            let shape = claimed.unwrap_or(dims).iter().map(|d| format!("{d}x")).collect::<String>();
            let mut src = format!("dense<{body}> : tensor<{shape}{element}> dense<{body}> %x");
            // Cut anywhere: a literal that the file's end interrupts.
            if let Some(cut) = cut.filter(|c| *c < src.len() && src.is_char_boundary(*c)) {
                src.truncate(cut);
            }
            let ctx = Context::new();
            prop_assert_eq!(lex_all(&ctx, &src, true), lex_all(&ctx, &src, false), "{}", src);
        }
    }
}

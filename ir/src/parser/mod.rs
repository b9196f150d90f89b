//! The parser: pest elements (see `mlir.pest`) grouped into operations, blocks and regions.
//!
//! The generic op form is read here; custom forms are read by the op's declarative
//! [`Format`](crate::format::Format) or its hand-written hook, both through the public
//! [`OpParser`] API, which is all a dialect outside this crate needs.

mod dense_literal;
mod leaves;
mod lexer;
mod ops;
mod regions;
mod resources;
mod scan;
mod sparse_literal;
mod standalone;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

pub(crate) use leaves::unescape;
use lexer::{Lexer, Tok, Token};

use crate::attributes::{AttrKind, Attribute, Location, NamedAttr};
use crate::diagnostic::Diagnostic;
use crate::dialect::OpDef;
use crate::entities::{BlockId, OpId, Value};
use crate::store::Ir;
use crate::types::{Type, TypeKind};
use crate::Context;

/// A syntax error at a byte offset of the source.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl ParseError {
    pub fn new(offset: usize, message: String) -> Self {
        ParseError { offset, message }
    }
}

/// How to read a file.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Accept ops of dialects that are not registered (`--allow-unregistered-dialect`).
    pub allow_unregistered: bool,
    /// Wrap top-level ops in a `builtin.module` unless the file is one already.
    pub implicit_module: bool,
    /// The line number of the first line of `src` (for `--split-input-file` pieces).
    pub first_line: u32,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { allow_unregistered: false, implicit_module: true, first_line: 1 }
    }
}

/// A parsed file: the IR, its top-level op, and the resources it carried.
#[derive(Clone, Debug)]
pub struct Module {
    pub ir: Ir,
    pub root: OpId,
    /// `{-# ... #-}` entries other than blobs: (group, owner, key, value), as written. Blobs
    /// (`dialect_resources: { builtin: ... }`) go to the context ([`crate::resources`]).
    pub resources: Vec<[String; 4]>,
}

/// Parses MLIR text. `file` names the source in locations.
///
/// ```
/// use strata_ir::{Context, parse_source, ParseOptions};
/// let ctx = Context::new();
/// let m = parse_source(&ctx, "x.mlir", "\"test.op\"() : () -> ()", &ParseOptions { allow_unregistered: true, ..Default::default() }).unwrap();
/// assert_eq!(m.ir.num_ops(), 2); // the implicit module and test.op
/// ```
pub fn parse_source(ctx: &Context, file: &str, src: &str, opts: &ParseOptions) -> Result<Module, Diagnostic> {
    let lines = LineIndex::new(src, opts.first_line);
    let file_id = ctx.ident(file);
    let mk_diag = |e: ParseError| {
        let (line, col) = lines.line_col(e.offset);
        Diagnostic::error(ctx.file_loc_in(file_id, line, col), e.message)
    };
    let lex = Lexer::new(src).map_err(mk_diag)?;
    let mut p = OpParser {
        ctx,
        lex,
        ir: Ir::new(),
        file: file_id,
        lines: &lines,
        opts,
        scopes: Vec::new(),
        labels: Vec::new(),
        default_dialects: Vec::new(),
        resources: Vec::new(),
        blob_defs: FxHashMap::default(),
        pending: None,
        custom_names: FxHashMap::default(),
        generic_names: FxHashMap::default(),
        diag: None,
    };
    let result = p.parse_top_level();
    match result {
        Ok(root) => Ok(Module { ir: p.ir, root, resources: p.resources }),
        Err(e) => Err(p.diag.take().unwrap_or_else(|| mk_diag(e))),
    }
}

/// Byte offset to 1-based line and column.
struct LineIndex {
    starts: Vec<usize>,
    first_line: u32,
}

impl LineIndex {
    fn new(src: &str, first_line: u32) -> Self {
        let mut starts = vec![0];
        // A block scan: a file may hold megabytes of blob text on one line.
        let bytes = src.as_bytes();
        let mut i = crate::hex::line_end(bytes, 0);
        while i < bytes.len() {
            starts.push(i + 1);
            i = crate::hex::line_end(bytes, i + 1);
        }
        LineIndex { starts, first_line }
    }
    fn line_col(&self, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|s| *s <= offset) - 1;
        (line as u32 + self.first_line, (offset - self.starts[line]) as u32 + 1)
    }
}

/// An operand named in the text, not yet tied to a value (its type may come later).
#[derive(Clone, Copy, Debug)]
pub struct UnresolvedOperand<'s> {
    pub name: &'s str,
    pub index: u32,
    pub offset: usize,
}

/// A block argument as written: `%name: type {attrs} loc(...)`.
#[derive(Clone, Debug)]
pub struct ArgumentDef<'s> {
    pub name: &'s str,
    pub offset: usize,
    pub ty: Type,
    pub attrs: Vec<NamedAttr>,
    pub loc: Option<Location>,
}

/// The op a custom parser is building.
#[derive(Debug, Default)]
pub struct PendingOp {
    /// Where the op starts in the text (its location unless a trailing `loc(...)` says else).
    pub start: usize,
    pub operands: Vec<Value>,
    pub result_types: Vec<Type>,
    pub attrs: Vec<NamedAttr>,
    pub properties: Option<Attribute>,
    pub successors: Vec<BlockId>,
    /// The blocks of each region, in order.
    pub regions: Vec<Vec<BlockId>>,
}

struct Definition<'s> {
    values: SmallVec<[Value; 1]>,
    offset: usize,
    _name: &'s str,
}

/// Names visible in one isolated-from-above scope.
#[derive(Default)]
struct ValueScope<'s> {
    defs: FxHashMap<&'s str, Definition<'s>>,
    forward: FxHashMap<(&'s str, u32), (Value, usize)>,
    /// Names defined in each open region, dropped when the region closes.
    region_defs: Vec<Vec<&'s str>>,
    /// Where each open region starts: a definition in a region satisfies only the forward
    /// references made inside it (a use before the region began, by the op that holds it or
    /// code before that, cannot see what the region defines).
    region_starts: Vec<usize>,
}

struct Label {
    block: BlockId,
    defined: bool,
    first_use: usize,
}

/// Reads operations; custom parsers use its public methods.
pub struct OpParser<'c, 's> {
    ctx: &'c Context,
    lex: Lexer<'s>,
    /// The IR under construction.
    pub ir: Ir,
    file: crate::context::Ident,
    lines: &'s LineIndex,
    opts: &'s ParseOptions,
    scopes: Vec<ValueScope<'s>>,
    labels: Vec<FxHashMap<&'s str, Label>>,
    default_dialects: Vec<Option<&'static str>>,
    resources: Vec<[String; 4]>,
    /// Blobs the file defines, by the key it uses.
    blob_defs: FxHashMap<String, resources::BlobDef>,
    pending: Option<PendingOp>,
    /// Generic op names as written (quoted), interned and looked up.
    generic_names: FxHashMap<&'s str, (crate::Ident, Option<std::sync::Arc<OpDef>>)>,
    /// Op names as written, resolved against the default dialect in force.
    custom_names: FxHashMap<(&'s str, Option<&'static str>), Option<std::sync::Arc<OpDef>>>,
    /// A fully formed diagnostic (with notes) that replaces the plain error.
    diag: Option<Diagnostic>,
}

type PResult<T> = Result<T, ParseError>;

impl<'c, 's> OpParser<'c, 's> {
    pub fn ctx(&self) -> &'c Context {
        self.ctx
    }

    /// The op being built by a custom parser.
    pub fn pending(&mut self) -> &mut PendingOp {
        self.pending.as_mut().expect("pending() is only valid inside a custom parser")
    }

    // ------------------------------------------------------------------ tokens
    fn peek(&mut self) -> PResult<&Token> {
        self.lex.peek(0, self.ctx)
    }
    fn peek_at(&mut self, k: usize) -> PResult<&Token> {
        self.lex.peek(k, self.ctx)
    }
    fn next(&mut self) -> PResult<Token> {
        self.lex.next(self.ctx)
    }
    fn text(&self, t: &Token) -> &'s str {
        self.lex.text(t)
    }
    /// Byte offset of the next token.
    pub fn offset(&mut self) -> PResult<usize> {
        Ok(self.peek()?.start)
    }

    /// The location of the op being parsed (its start), for ops a custom parser makes for it.
    pub fn op_loc(&mut self) -> Location {
        let start = self.pending().start;
        self.loc_at(start)
    }

    /// Gives the region of `blocks` the terminator its text may leave out, as MLIR's
    /// `ensureTerminator` for ops with an implicit terminator: a block is made for an empty
    /// region, and `terminator` (without operands, at the op's location) is appended to the
    /// last block when it does not already end in a terminator.
    pub fn ensure_terminator(&mut self, blocks: &mut Vec<BlockId>, terminator: &str) {
        self.implied_terminator(blocks, terminator, false);
    }

    /// As [`OpParser::ensure_terminator`], but the terminator put back passes on the results
    /// of the op before it (MLIR's `vector.mask`, whose region holds one op and yields what it
    /// gives).
    pub fn ensure_terminator_passing_results(&mut self, blocks: &mut Vec<BlockId>, terminator: &str) {
        self.implied_terminator(blocks, terminator, true);
    }

    fn implied_terminator(&mut self, blocks: &mut Vec<BlockId>, terminator: &str, pass_results: bool) {
        let loc = self.op_loc();
        if blocks.is_empty() {
            blocks.push(self.ir.create_block(&[]));
        }
        let last = *blocks.last().expect("a block");
        let end = self.ir.block(last).last_op();
        let ends = end.is_some_and(|t| {
            self.ctx.op_def(self.ir.op(t).name()).is_some_and(|d| d.has_trait(crate::dialect::Trait::Terminator))
        });
        if !ends {
            let passed = match end.filter(|_| pass_results) {
                Some(o) => self.ir.op(o).results().to_vec(),
                None => Vec::new(),
            };
            let mut b = crate::Builder::at_end(self.ctx, &mut self.ir, last);
            b.loc = loc;
            b.op(terminator, &passed, &[], &[]);
        }
    }

    /// An error at the next token.
    pub fn error_here<T>(&mut self, message: impl Into<String>) -> PResult<T> {
        let at = self.offset()?;
        Err(ParseError::new(at, message.into()))
    }

    /// The location of a byte offset.
    pub fn loc_at(&self, offset: usize) -> Location {
        let (line, col) = self.lines.line_col(offset);
        self.ctx.file_loc_in(self.file, line, col)
    }

    fn describe_next(&mut self) -> PResult<String> {
        let t = self.peek()?.clone();
        // A token may be a megabyte string (a blob): show its start.
        const SHOWN: usize = 40;
        let text = self.text(&t);
        Ok(match t.kind {
            Tok::Eof => "end of file".into(),
            _ if text.len() > SHOWN => {
                let cut = (0..=SHOWN).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
                format!("'{}...'", &text[..cut])
            }
            _ => format!("'{text}'"),
        })
    }

    /// Whether the next token is the punctuation `p`.
    pub fn peek_punct(&mut self, p: &str) -> PResult<bool> {
        if p == "[" {
            self.lex.split_empty_brackets(self.ctx)?;
        }
        let t = self.peek()?.clone();
        Ok(t.kind == Tok::Punct && self.text(&t) == p)
    }

    /// Consumes punctuation `p` if it is next.
    pub fn parse_optional_punct(&mut self, p: &str) -> PResult<bool> {
        if self.peek_punct(p)? {
            self.next()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Consumes punctuation `p` or fails with "expected 'p'".
    pub fn expect_punct(&mut self, p: &str) -> PResult<()> {
        if self.parse_optional_punct(p)? {
            return Ok(());
        }
        let found = self.describe_next()?;
        self.error_here(format!("expected '{p}', found {found}"))
    }

    /// The next token's text if it is a keyword (a bare identifier, or a type keyword).
    pub fn peek_keyword(&mut self) -> PResult<Option<&'s str>> {
        let t = self.peek()?.clone();
        let text = self.text(&t);
        Ok(match t.kind {
            Tok::BareId => Some(text),
            Tok::Type(_) if text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => Some(text),
            _ => None,
        })
    }

    /// Consumes keyword `kw` if it is next.
    pub fn parse_optional_keyword(&mut self, kw: &str) -> PResult<bool> {
        if self.peek_keyword()? == Some(kw) {
            self.next()?;
            return Ok(true);
        }
        Ok(false)
    }

    pub fn expect_keyword(&mut self, kw: &str) -> PResult<()> {
        if self.parse_optional_keyword(kw)? {
            return Ok(());
        }
        let found = self.describe_next()?;
        self.error_here(format!("expected '{kw}', found {found}"))
    }

    /// Consumes any keyword.
    pub fn parse_keyword(&mut self) -> PResult<&'s str> {
        match self.peek_keyword()? {
            Some(k) => {
                self.next()?;
                Ok(k)
            }
            None => {
                let found = self.describe_next()?;
                self.error_here(format!("expected keyword, found {found}"))
            }
        }
    }

    /// The raw text of a balanced `<...>` group (for dialect attributes in stripped form).
    pub fn parse_angle_body(&mut self) -> PResult<&'s str> {
        let start = self.offset()?;
        self.expect_punct("<")?;
        let mut depth = 1;
        let mut end;
        loop {
            let t = self.next()?;
            end = t.end;
            match (&t.kind, self.text(&t)) {
                (Tok::Eof, _) => return Err(ParseError::new(start, "unbalanced '<'".into())),
                (Tok::Punct, "<") => depth += 1,
                (Tok::Punct, ">") => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        Ok(&self.lex.src[start..end])
    }

    // ------------------------------------------------------------------ values
    /// Whether an SSA value name is next.
    pub fn peek_value(&mut self) -> PResult<bool> {
        Ok(matches!(self.peek()?.kind, Tok::Value { .. }))
    }

    /// `%name` or `%name#N`.
    pub fn parse_operand(&mut self) -> PResult<UnresolvedOperand<'s>> {
        let t = self.peek()?.clone();
        let Tok::Value { result } = t.kind else {
            let found = self.describe_next()?;
            return self.error_here(format!("expected SSA operand, found {found}"));
        };
        self.next()?;
        let text = self.text(&t);
        let name = &text[1..text.find('#').unwrap_or(text.len())];
        Ok(UnresolvedOperand { name, index: result.unwrap_or(0), offset: t.start })
    }

    /// Whether the operand was written with a result number (`%x#0`).
    fn has_result_number(&self, u: &UnresolvedOperand<'s>) -> bool {
        self.lex.src.as_bytes().get(u.offset + 1 + u.name.len()) == Some(&b'#')
    }

    /// A comma-separated list of operands, possibly empty.
    pub fn parse_operand_list(&mut self) -> PResult<Vec<UnresolvedOperand<'s>>> {
        let mut list = Vec::new();
        if !self.peek_value()? {
            return Ok(list);
        }
        loop {
            list.push(self.parse_operand()?);
            if !self.parse_optional_punct(",")? {
                return Ok(list);
            }
        }
    }

    fn scope(&mut self) -> &mut ValueScope<'s> {
        self.scopes.last_mut().expect("value scope")
    }

    /// The value an operand names, given the type the op expects for it. A name not yet
    /// defined becomes a forward reference, checked when it is defined.
    pub fn resolve_operand(&mut self, u: &UnresolvedOperand<'s>, ty: Type) -> PResult<Value> {
        let ctx = self.ctx;
        let found = self.scope().defs.get(u.name).map(|d| d.values.clone());
        let v = match found {
            Some(values) => match values.get(u.index as usize) {
                Some(v) => *v,
                None => {
                    return Err(ParseError::new(
                        u.offset,
                        format!("reference to invalid result number: %{}#{}", u.name, u.index),
                    ))
                }
            },
            None => {
                if let Some((v, _)) = self.scope().forward.get(&(u.name, u.index)) {
                    *v
                } else {
                    let v = self.ir.create_placeholder(ty);
                    self.scope().forward.insert((u.name, u.index), (v, u.offset));
                    v
                }
            }
        };
        let actual = self.ir.value_type(v);
        if actual != ty {
            return Err(ParseError::new(
                u.offset,
                format!(
                    "use of value '%{}' expects different type than prior uses: '{}' vs '{}'",
                    u.name,
                    ctx.type_to_string(ty),
                    ctx.type_to_string(actual)
                ),
            ));
        }
        Ok(v)
    }

    /// The type of an operand if its name is already defined (no forward reference).
    pub fn defined_operand_type(&mut self, u: &UnresolvedOperand<'s>) -> Option<Type> {
        let v = self.scope().defs.get(u.name).and_then(|d| d.values.get(u.index as usize).copied())?;
        Some(self.ir.value_type(v))
    }

    fn define_values(&mut self, name: &'s str, offset: usize, values: &[Value]) -> PResult<()> {
        if let Some(prev_offset) = self.scope().defs.get(name).map(|d| d.offset) {
            let prev_loc = self.loc_at(prev_offset);
            let here = self.loc_at(offset);
            self.diag = Some(
                Diagnostic::error(here, format!("redefinition of SSA value '%{name}'"))
                    .with_note(prev_loc, "previously defined here"),
            );
            return Err(ParseError::new(offset, format!("redefinition of SSA value '%{name}'")));
        }
        let region_start = self.scope().region_starts.last().copied().unwrap_or(0);
        for (i, &v) in values.iter().enumerate() {
            let key = (name, i as u32);
            if self.scope().forward.get(&key).is_some_and(|(_, use_at)| *use_at < region_start) {
                // Left for a definition where the use can see it; none is an undeclared value.
                continue;
            }
            if let Some((placeholder, use_at)) = self.scope().forward.remove(&key) {
                let (want, have) = (self.ir.value_type(placeholder), self.ir.value_type(v));
                if want != have {
                    let msg =
                        format!("definition of SSA value '%{name}#{i}' has type '{}'", self.ctx.type_to_string(have));
                    let note = format!("previously used here with type '{}'", self.ctx.type_to_string(want));
                    self.diag =
                        Some(Diagnostic::error(self.loc_at(offset), msg.clone()).with_note(self.loc_at(use_at), note));
                    return Err(ParseError::new(offset, msg));
                }
                self.ir.replace_all_uses(placeholder, v);
                self.ir.erase_placeholder(placeholder);
            }
        }
        let scope = self.scope();
        scope.defs.insert(name, Definition { values: values.iter().copied().collect(), offset, _name: name });
        if let Some(defs) = scope.region_defs.last_mut() {
            defs.push(name);
        }
        Ok(())
    }

    // ------------------------------------------------------------------ types and attributes
    /// Whether a type is next.
    pub fn peek_type(&mut self) -> PResult<bool> {
        Ok(matches!(self.peek()?.kind, Tok::Type(_) | Tok::TypeAliasName))
    }

    pub fn parse_type(&mut self) -> PResult<Type> {
        let t = self.peek()?.clone();
        match t.kind {
            Tok::Type(ty) => {
                self.next()?;
                Ok(ty)
            }
            // A function type pest could not read whole: read it piece by piece to say where.
            Tok::Punct if self.text(&t) == "(" => {
                self.next()?;
                let mut inputs = Vec::new();
                if !self.parse_optional_punct(")")? {
                    inputs = self.parse_type_list()?;
                    self.expect_punct(")")?;
                }
                self.expect_punct("->")?;
                let results = if self.parse_optional_punct("(")? {
                    let mut r = Vec::new();
                    if !self.parse_optional_punct(")")? {
                        r = self.parse_type_list()?;
                        self.expect_punct(")")?;
                    }
                    r
                } else {
                    vec![self.parse_type()?]
                };
                Ok(self.ctx.function_type(inputs, results))
            }
            Tok::TypeAliasName => self.error_here(format!("undefined symbol alias id '{}'", &self.text(&t)[1..])),
            _ => {
                let found = self.describe_next()?;
                self.error_here(format!("expected type, found {found}"))
            }
        }
    }

    /// A function type `(inputs) -> results`.
    pub fn parse_function_type(&mut self) -> PResult<(Vec<Type>, Vec<Type>)> {
        let at = self.offset()?;
        let t = self.parse_type()?;
        match self.ctx.type_kind(t) {
            TypeKind::Function { inputs, results } => Ok((inputs.clone(), results.clone())),
            _ => Err(ParseError::new(at, "expected function type".into())),
        }
    }

    /// One or more comma-separated types.
    pub fn parse_type_list(&mut self) -> PResult<Vec<Type>> {
        let mut list = vec![self.parse_type()?];
        while self.peek_punct(",")? && matches!(self.peek_at(1)?.kind, Tok::Type(_) | Tok::TypeAliasName) {
            self.next()?;
            list.push(self.parse_type()?);
        }
        Ok(list)
    }

    /// Any attribute, including the forms that are ambiguous among an op's elements
    /// (`{...}` dictionaries, `true`, types).
    pub fn parse_attribute(&mut self) -> PResult<Attribute> {
        let ctx = self.ctx;
        let t = self.peek()?.clone();
        let text = self.text(&t);
        if let Some(e) = self.lex.failed_typed.borrow().get(&t.start) {
            return Err(e.clone());
        }
        let attr = match t.kind {
            Tok::Attr(a) | Tok::Loc(a) => a,
            Tok::UntypedElements => {
                let what = if text.starts_with("dense_resource") { "dense_resource" } else { "dense literal" };
                return self.error_here(format!("expected ':' and a shaped type after {what}"));
            }
            Tok::Type(ty) => ctx.type_attr(ty),
            Tok::BareId if text == "true" || text == "false" => ctx.bool_attr(text == "true"),
            Tok::BareId if text == "unit" => ctx.unit_attr(),
            Tok::Punct if text == "{" => return self.parse_dictionary().map(|entries| ctx.dictionary_attr(entries)),
            Tok::AttrAliasName | Tok::TypeAliasName => {
                return self.error_here(format!("undefined symbol alias id '{}'", &text[1..]));
            }
            Tok::Punct if text == "[" => return Err(self.lex.attribute_error(t.start)),
            _ => {
                let found = self.describe_next()?;
                return self.error_here(format!("expected attribute value, found {found}"));
            }
        };
        self.next()?;
        // A dialect attribute may carry a type (`#foo.attr : i32`), as MLIR reads one that no
        // context types: a `:` after it followed by a type belongs to it.
        if text.starts_with('#') && matches!(ctx.attr_kind(attr), AttrKind::Opaque { .. }) && self.peek_punct(":")? {
            if let Tok::Type(ty) = self.peek_at(1)?.kind {
                self.next()?;
                self.next()?;
                return Ok(ctx.typed_opaque_attr(attr, ty));
            }
        }
        Ok(attr)
    }

    /// An elements attribute whose type the op implies: `dense<...>` or `dense_resource<...>`
    /// with its `: type` left out is of type `ty`; one written with its type is read as is.
    pub fn parse_elements_attr(&mut self, ty: Type) -> PResult<Attribute> {
        let t = self.peek()?.clone();
        if t.kind != Tok::UntypedElements {
            return self.parse_attribute();
        }
        self.next()?;
        self.lex.untyped_elements(&t, ty, self.ctx)
    }

    /// `{name = value, unit_name, "quoted" = value}`.
    pub fn parse_dictionary(&mut self) -> PResult<Vec<NamedAttr>> {
        self.expect_punct("{")?;
        let mut entries: Vec<NamedAttr> = Vec::new();
        if self.parse_optional_punct("}")? {
            return Ok(entries);
        }
        loop {
            let t = self.peek()?.clone();
            let name = match &t.kind {
                Tok::BareId | Tok::Type(_) => self.text(&t).to_string(),
                Tok::Attr(a) => match self.ctx.attr_kind(*a) {
                    AttrKind::String { value, ty: None } => value.clone(),
                    _ => return self.error_here("expected attribute name"),
                },
                _ => return self.error_here("expected attribute name"),
            };
            if name.is_empty() {
                return self.error_here("expected valid attribute name");
            }
            self.next()?;
            let name_id = self.ctx.ident(&name);
            if entries.iter().any(|e| e.name == name_id) {
                return Err(ParseError::new(t.start, format!("duplicate key '{name}' in dictionary attribute")));
            }
            let value = if self.parse_optional_punct("=")? { self.parse_attribute()? } else { self.ctx.unit_attr() };
            entries.push(NamedAttr { name: name_id, value });
            if self.parse_optional_punct("}")? {
                return Ok(entries);
            }
            self.expect_punct(",")?;
        }
    }

    /// An attribute dictionary if one is next.
    pub fn parse_optional_attr_dict(&mut self, into: &mut Vec<NamedAttr>) -> PResult<()> {
        if self.peek_punct("{")? {
            let at = self.offset()?;
            for e in self.parse_dictionary()? {
                if into.iter().any(|x| x.name == e.name) {
                    let name = self.ctx.ident_str(e.name).to_string();
                    return Err(ParseError::new(
                        at,
                        format!("attribute '{name}' occurs more than once in the attribute list"),
                    ));
                }
                into.push(e);
            }
        }
        Ok(())
    }

    /// Whether an integer literal is next.
    pub fn peek_integer(&mut self) -> PResult<bool> {
        let t = self.peek()?.clone();
        Ok(matches!(t.kind, Tok::Attr(_))
            && self.text(&t).trim_start_matches('-').starts_with(|c: char| c.is_ascii_digit())
            && !self.text(&t).contains(['.', '"']))
    }

    /// An integer literal without a type. A literal the lexer read together with a following
    /// `: type` is split, and the type is left for what comes next.
    pub fn parse_integer(&mut self) -> PResult<i128> {
        if !self.peek_integer()? {
            let found = self.describe_next()?;
            return self.error_here(format!("expected integer, found {found}"));
        }
        let t = self.next()?;
        let text = self.text(&t);
        let literal_len = text.find(|c: char| !(c.is_ascii_hexdigit() || c == '-' || c == 'x')).unwrap_or(text.len());
        let literal = &text[..literal_len];
        if literal_len < text.len() {
            self.lex.relex_from(t.start + literal_len);
        }
        let (negative, digits) = literal.strip_prefix('-').map_or((false, literal), |d| (true, d));
        let magnitude = match digits.strip_prefix("0x") {
            Some(h) => i128::from_str_radix(h, 16),
            None => digits.parse::<i128>(),
        };
        match magnitude {
            Ok(m) => Ok(if negative { -m } else { m }),
            Err(_) => Err(ParseError::new(t.start, "integer literal out of range".into())),
        }
    }

    /// `@name`.
    pub fn parse_symbol_name(&mut self) -> PResult<String> {
        let t = self.peek()?.clone();
        if let Tok::Attr(a) = t.kind {
            if let Some(s) = self.ctx.attr_as_symbol(a) {
                let s = s.to_string();
                self.next()?;
                return Ok(s);
            }
        }
        let found = self.describe_next()?;
        self.error_here(format!("expected symbol name, found {found}"))
    }

    /// Whether a symbol reference (`@name`) is next.
    pub fn peek_symbol(&mut self) -> PResult<bool> {
        Ok(match self.peek()?.kind {
            Tok::Attr(a) => matches!(self.ctx.attr_kind(a), AttrKind::SymbolRef { .. }),
            _ => false,
        })
    }

    /// A string literal if one is next.
    pub fn parse_optional_string(&mut self) -> PResult<Option<String>> {
        let t = self.peek()?.clone();
        if let Tok::Attr(a) = t.kind {
            if let AttrKind::String { value, ty: None } = self.ctx.attr_kind(a) {
                let v = value.clone();
                self.next()?;
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// A trailing `loc(...)`, if present.
    pub fn parse_optional_location(&mut self) -> PResult<Option<Location>> {
        if let Tok::Loc(a) = self.peek()?.kind {
            self.next()?;
            return Ok(Some(self.ctx.location(a).expect("a loc(...) token holds a location")));
        }
        Ok(None)
    }
}

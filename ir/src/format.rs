//! Declarative assembly formats, MLIR's syntax:
//! ``$lhs `,` $rhs (`overflow` `` $overflowFlags^)? attr-dict `:` type($result)``.
//!
//! A format is compiled against its [`OpDef`] once, at registration. The same compiled form
//! prints an op ([`Format::print`]) and reads it back ([`Format::parse`]); types the format does
//! not spell out are recovered from the op's traits (`SameOperandsAndResultType`,
//! `AllTypesMatch`), its type inference hook, or the operands' definitions.

use std::fmt;

use crate::attributes::{AttrKind, Attribute, NamedAttr};
use crate::dialect::{Arity, AttrSyntax, OpDef, Trait};
use crate::entities::{BlockId, OpId};
use crate::parser::{OpParser, ParseError, UnresolvedOperand};
use crate::printer::OpPrinter;
use crate::types::Type;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TypeRef {
    Operand(usize),
    Result(usize),
    Operands,
    Results,
}

#[derive(Clone, Debug)]
enum Elem {
    Literal(String),
    Operand(usize),
    Operands,
    Attr(usize),
    Region(usize),
    Regions,
    Successor(usize),
    Successors,
    AttrDict { keyword: bool },
    Type(TypeRef),
    FunctionalType(TypeRef, TypeRef),
    Optional { then: Vec<Elem>, anchor: usize },
}

/// A compiled assembly format.
#[derive(Clone, Debug)]
pub struct Format {
    elems: Vec<Elem>,
    /// Attributes the format prints itself; `attr-dict` leaves them out.
    bound_attrs: Vec<&'static str>,
    /// The interned name of each declared attribute.
    attr_names: Vec<crate::Ident>,
    /// Operand and result groups that share one type (from traits and `all_types_match`).
    equal_sets: Vec<Vec<TypeRef>>,
}

// ---------------------------------------------------------------------- compiling
#[derive(Debug, PartialEq, Eq, Clone)]
enum FTok {
    Literal(String),
    Var(String),
    Word(String),
    Punct(char),
}

fn tokenize(src: &str) -> Result<Vec<FTok>, String> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '`' => {
                let rest = &src[i + 1..];
                let end = rest.find('`').ok_or("unterminated literal in format")?;
                out.push(FTok::Literal(rest[..end].to_string()));
                for _ in 0..=end {
                    chars.next();
                }
            }
            '$' => {
                let mut name = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' {
                        name.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(FTok::Var(name));
            }
            '(' | ')' | '?' | '^' | ',' | ':' => out.push(FTok::Punct(c)),
            c if c.is_alphabetic() || c == '_' => {
                let mut word = c.to_string();
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' || c == '-' {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(FTok::Word(word));
            }
            c => return Err(format!("unexpected '{c}' in format")),
        }
    }
    Ok(out)
}

struct Compiler<'a> {
    toks: Vec<FTok>,
    pos: usize,
    def: &'a OpDef,
    bound_attrs: Vec<&'static str>,
}

impl Compiler<'_> {
    fn peek(&self) -> Option<&FTok> {
        self.toks.get(self.pos)
    }
    fn bump(&mut self) -> Option<FTok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn expect(&mut self, c: char) -> Result<(), String> {
        match self.bump() {
            Some(FTok::Punct(p)) if p == c => Ok(()),
            other => Err(format!("expected '{c}' in format, found {other:?}")),
        }
    }

    fn elems(&mut self, in_group: bool) -> Result<(Vec<Elem>, Option<usize>), String> {
        let mut elems = Vec::new();
        let mut anchor = None;
        while let Some(t) = self.peek().cloned() {
            if t == FTok::Punct(')') {
                if !in_group {
                    return Err("unbalanced ')' in format".into());
                }
                break;
            }
            let e = self.elem()?;
            elems.push(e);
            if self.peek() == Some(&FTok::Punct('^')) {
                if !in_group || anchor.is_some() {
                    return Err("'^' anchors must appear once, inside an optional group".into());
                }
                self.bump();
                anchor = Some(elems.len() - 1);
            }
        }
        Ok((elems, anchor))
    }

    fn type_ref(&mut self) -> Result<TypeRef, String> {
        match self.bump() {
            Some(FTok::Var(name)) => {
                if let Some(i) = self.def.operands.iter().position(|o| o.name == name) {
                    Ok(TypeRef::Operand(i))
                } else if let Some(i) = self.def.results.iter().position(|o| o.name == name) {
                    Ok(TypeRef::Result(i))
                } else {
                    Err(format!("type(${name}): no operand or result named '{name}'"))
                }
            }
            Some(FTok::Word(w)) if w == "operands" => Ok(TypeRef::Operands),
            Some(FTok::Word(w)) if w == "results" => Ok(TypeRef::Results),
            other => Err(format!("expected a type reference, found {other:?}")),
        }
    }

    fn elem(&mut self) -> Result<Elem, String> {
        match self.bump() {
            Some(FTok::Literal(s)) => Ok(Elem::Literal(s)),
            Some(FTok::Var(name)) => {
                let def = self.def;
                if let Some(i) = def.operands.iter().position(|o| o.name == name) {
                    Ok(Elem::Operand(i))
                } else if let Some(i) = def.attributes.iter().position(|a| a.name == name) {
                    self.bound_attrs.push(def.attributes[i].name);
                    Ok(Elem::Attr(i))
                } else if let Some(i) = def.regions.iter().position(|r| r.name == name) {
                    Ok(Elem::Region(i))
                } else if let Some(i) = def.successors.iter().position(|s| s.name == name) {
                    Ok(Elem::Successor(i))
                } else {
                    Err(format!("'${name}' names no operand, attribute, region or successor"))
                }
            }
            Some(FTok::Word(w)) => match w.as_str() {
                "attr-dict" => Ok(Elem::AttrDict { keyword: false }),
                "attr-dict-with-keyword" => Ok(Elem::AttrDict { keyword: true }),
                "operands" => Ok(Elem::Operands),
                "regions" => Ok(Elem::Regions),
                "successors" => Ok(Elem::Successors),
                "type" => {
                    self.expect('(')?;
                    let r = self.type_ref()?;
                    self.expect(')')?;
                    Ok(Elem::Type(r))
                }
                "functional-type" => {
                    self.expect('(')?;
                    let a = self.type_ref()?;
                    self.expect(',')?;
                    let b = self.type_ref()?;
                    self.expect(')')?;
                    Ok(Elem::FunctionalType(a, b))
                }
                "qualified" => {
                    self.expect('(')?;
                    let e = self.elem()?;
                    self.expect(')')?;
                    Ok(e)
                }
                other => Err(format!("unknown directive '{other}' in format")),
            },
            Some(FTok::Punct('(')) => {
                let (then, anchor) = self.elems(true)?;
                self.expect(')')?;
                self.expect('?')?;
                let anchor = anchor.ok_or("optional group has no '^' anchor")?;
                if then.is_empty() || matches!(then[0], Elem::AttrDict { .. }) {
                    return Err("optional group must start with a literal, variable or type".into());
                }
                Ok(Elem::Optional { then, anchor })
            }
            other => Err(format!("unexpected {other:?} in format")),
        }
    }
}

impl Format {
    /// Compiles a format string against the op it describes.
    pub fn compile(src: &str, def: &OpDef, ctx: &crate::Context) -> Result<Format, String> {
        let mut c = Compiler { toks: tokenize(src)?, pos: 0, def, bound_attrs: Vec::new() };
        let (elems, _) = c.elems(false)?;
        if !contains(&elems, &|e| matches!(e, Elem::AttrDict { .. })) {
            return Err("format must contain an 'attr-dict' directive".into());
        }
        for (i, o) in def.operands.iter().enumerate() {
            let named = contains(&elems, &|e| matches!(e, Elem::Operand(j) if *j == i) || matches!(e, Elem::Operands));
            if !named {
                return Err(format!("operand '{}' does not appear in the format", o.name));
            }
        }
        let attr_names = def.attributes.iter().map(|a| ctx.ident(a.name)).collect();
        Ok(Format { elems, bound_attrs: c.bound_attrs, attr_names, equal_sets: equal_sets(def) })
    }

    // ------------------------------------------------------------------ printing
    /// Prints the op's operands, attributes, regions and types after its name.
    pub fn print(&self, p: &mut OpPrinter<'_, '_>, op: OpId, def: &OpDef) -> fmt::Result {
        let mut st = SpaceState { should_emit_space: true, last_was_punct: false };
        self.print_elems(&self.elems, p, op, def, &mut st)
    }

    fn print_elems(
        &self,
        elems: &[Elem],
        p: &mut OpPrinter<'_, '_>,
        op: OpId,
        def: &OpDef,
        st: &mut SpaceState,
    ) -> fmt::Result {
        for e in elems {
            self.print_elem(e, p, op, def, st)?;
        }
        Ok(())
    }

    fn print_elem(
        &self,
        e: &Elem,
        p: &mut OpPrinter<'_, '_>,
        op: OpId,
        def: &OpDef,
        st: &mut SpaceState,
    ) -> fmt::Result {
        let ctx = p.ctx;
        let ir = p.ir;
        match e {
            Elem::Literal(s) => {
                if s.is_empty() {
                    st.should_emit_space = false;
                    return Ok(());
                }
                if st.should_emit_space && space_before_literal(s, st.last_was_punct) {
                    p.write(" ")?;
                }
                p.write(s)?;
                let first = s.chars().next().unwrap();
                st.should_emit_space = s.len() != 1 || !"<({[".contains(first);
                st.last_was_punct = first != '_' && !first.is_alphabetic();
                return Ok(());
            }
            Elem::AttrDict { keyword } => {
                let mut elided: Vec<&str> = self.bound_attrs.clone();
                elided.push("operandSegmentSizes");
                p.print_attr_dict(op, &elided, *keyword)?;
            }
            Elem::Optional { then, anchor } => {
                if self.anchor_present(&then[*anchor], p, op, def) {
                    self.print_elems(then, p, op, def, st)?;
                }
                return Ok(());
            }
            // A unit attribute is its group's keyword; it prints nothing itself.
            Elem::Attr(i) if def.attributes[*i].constraint.syntax == AttrSyntax::Unit => return Ok(()),
            _ => {
                if st.should_emit_space {
                    p.write(" ")?;
                }
                match e {
                    Elem::Operand(i) => {
                        let range = def.operand_group_ranges(ctx, ir, op)[*i].clone();
                        let values = ir.op(op).operands()[range].to_vec();
                        p.print_value_list(&values)?;
                    }
                    Elem::Operands => {
                        let values = ir.op(op).operands().to_vec();
                        p.print_value_list(&values)?;
                    }
                    Elem::Attr(i) => {
                        let spec = &def.attributes[*i];
                        if let Some(a) = ir.op(op).attr(ctx.ident(spec.name)) {
                            print_attr_with_syntax(p, a, spec.constraint.syntax)?;
                        }
                    }
                    Elem::Region(i) => {
                        let r = ir.op(op).regions()[*i];
                        p.print_region(r, true)?;
                    }
                    Elem::Regions => {
                        let regions = ir.op(op).regions().to_vec();
                        for (k, r) in regions.into_iter().enumerate() {
                            if k > 0 {
                                p.write(", ")?;
                            }
                            p.print_region(r, true)?;
                        }
                    }
                    Elem::Successor(i) => {
                        let s = ir.op(op).successors()[*i];
                        p.print_block_ref(s)?;
                    }
                    Elem::Successors => {
                        let succ = ir.op(op).successors().to_vec();
                        for (k, s) in succ.into_iter().enumerate() {
                            if k > 0 {
                                p.write(", ")?;
                            }
                            p.print_block_ref(s)?;
                        }
                    }
                    Elem::Type(r) => {
                        let types = self.types_of(*r, p, op, def);
                        p.print_type_list(&types)?;
                    }
                    Elem::FunctionalType(a, b) => {
                        let inputs = self.types_of(*a, p, op, def);
                        let results = self.types_of(*b, p, op, def);
                        p.write("(")?;
                        p.print_type_list(&inputs)?;
                        p.write(") -> ")?;
                        p.print_function_results(&results)?;
                    }
                    _ => unreachable!(),
                }
            }
        }
        st.should_emit_space = true;
        st.last_was_punct = false;
        Ok(())
    }

    fn types_of(&self, r: TypeRef, p: &OpPrinter<'_, '_>, op: OpId, def: &OpDef) -> Vec<Type> {
        let ir = p.ir;
        let o = ir.op(op);
        let vals = match r {
            TypeRef::Operand(i) => o.operands()[def.operand_group_ranges(p.ctx, ir, op)[i].clone()].to_vec(),
            TypeRef::Result(i) => o.results()[def.result_group_ranges(o.results().len())[i].clone()].to_vec(),
            TypeRef::Operands => o.operands().to_vec(),
            TypeRef::Results => o.results().to_vec(),
        };
        vals.iter().map(|v| ir.value_type(*v)).collect()
    }

    fn anchor_present(&self, e: &Elem, p: &OpPrinter<'_, '_>, op: OpId, def: &OpDef) -> bool {
        let ctx = p.ctx;
        let ir = p.ir;
        match e {
            Elem::Operand(i) => !def.operand_group_ranges(ctx, ir, op)[*i].is_empty(),
            Elem::Operands => !ir.op(op).operands().is_empty(),
            Elem::Attr(i) => ir.op(op).attr(ctx.ident(def.attributes[*i].name)).is_some(),
            Elem::Region(i) => !ir.region(ir.op(op).regions()[*i]).blocks().is_empty(),
            Elem::Regions => !ir.op(op).regions().is_empty(),
            Elem::Successor(_) | Elem::Successors => !ir.op(op).successors().is_empty(),
            Elem::Type(r) => !self.types_of(*r, p, op, def).is_empty(),
            _ => true,
        }
    }

    // ------------------------------------------------------------------ parsing
    /// Reads what [`Format::print`] wrote, filling the parser's pending op.
    pub fn parse(&self, p: &mut OpParser<'_, '_>, def: &OpDef) -> Result<(), ParseError> {
        let start = p.offset()?;
        let mut st = ParsedParts::new(def);
        self.parse_elems(&self.elems, p, def, &mut st)?;
        st.resolve(p, def, self, start)
    }

    fn parse_elems<'s>(
        &self,
        elems: &[Elem],
        p: &mut OpParser<'_, 's>,
        def: &OpDef,
        st: &mut ParsedParts<'s>,
    ) -> Result<(), ParseError> {
        for e in elems {
            self.parse_elem(e, p, def, st)?;
        }
        Ok(())
    }

    fn parse_elem<'s>(
        &self,
        e: &Elem,
        p: &mut OpParser<'_, 's>,
        def: &OpDef,
        st: &mut ParsedParts<'s>,
    ) -> Result<(), ParseError> {
        match e {
            Elem::Literal(s) if s.is_empty() => {}
            Elem::Literal(s) if is_punct_literal(s) => p.expect_punct(s)?,
            Elem::Literal(s) => p.expect_keyword(s)?,
            Elem::Operand(i) => {
                st.operands[*i] = Some(match def.operands[*i].arity {
                    Arity::One => vec![p.parse_operand()?],
                    _ => p.parse_operand_list()?,
                })
            }
            Elem::Operands => st.all_operands = Some(p.parse_operand_list()?),
            Elem::Attr(i) => {
                let spec = &def.attributes[*i];
                let at = p.offset()?;
                let a = parse_attr_with_syntax(p, spec.constraint.syntax, at)?;
                st.attrs.push(NamedAttr { name: self.attr_names[*i], value: a });
            }
            Elem::Region(i) => {
                let isolated = def.has_trait(Trait::IsolatedFromAbove);
                st.regions[*i] = p.parse_region(None, isolated)?;
            }
            Elem::Regions => {
                let isolated = def.has_trait(Trait::IsolatedFromAbove);
                let mut i = 0;
                while p.peek_region()? && i < st.regions.len() {
                    st.regions[i] = p.parse_region(None, isolated)?;
                    i += 1;
                    if !p.parse_optional_punct(",")? {
                        break;
                    }
                }
            }
            Elem::Successor(_) => st.successors.push(p.parse_successor()?),
            Elem::Successors => {
                while p.peek_successor()? {
                    st.successors.push(p.parse_successor()?);
                    if !p.parse_optional_punct(",")? {
                        break;
                    }
                }
            }
            Elem::AttrDict { keyword } => {
                if !keyword || p.parse_optional_keyword("attributes")? {
                    p.parse_optional_attr_dict(&mut st.attrs)?;
                }
            }
            Elem::Type(r) => {
                let single = match r {
                    TypeRef::Operand(i) => def.operands[*i].arity == Arity::One,
                    TypeRef::Result(i) => def.results[*i].arity == Arity::One,
                    _ => false,
                };
                let types = if single {
                    vec![p.parse_type()?]
                } else if p.peek_type()? {
                    p.parse_type_list()?
                } else {
                    Vec::new()
                };
                st.set_types(*r, types);
            }
            Elem::FunctionalType(a, b) => {
                let (inputs, results) = p.parse_function_type()?;
                st.set_types(*a, inputs);
                st.set_types(*b, results);
            }
            Elem::Optional { then, .. } => {
                // An empty literal only spaces what follows: the next element decides.
                let first = then.iter().find(|e| !matches!(e, Elem::Literal(l) if l.is_empty()));
                if let Some(first) = first {
                    if optional_present(first, p, def)? {
                        self.parse_elems(then, p, def, st)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn contains(elems: &[Elem], pred: &dyn Fn(&Elem) -> bool) -> bool {
    elems.iter().any(|e| pred(e) || matches!(e, Elem::Optional { then, .. } if contains(then, pred)))
}

fn is_punct_literal(s: &str) -> bool {
    !s.starts_with(|c: char| c.is_alphabetic() || c == '_')
}

struct SpaceState {
    should_emit_space: bool,
    last_was_punct: bool,
}

/// MLIR's spacing rule for literals (`shouldEmitSpaceBefore` in OpFormatGen).
fn space_before_literal(value: &str, last_was_punct: bool) -> bool {
    if value.len() != 1 && value != "->" {
        return true;
    }
    let first = value.chars().next().unwrap();
    if last_was_punct {
        !">)}],".contains(first)
    } else {
        !"<>(){}[],".contains(first)
    }
}

fn print_attr_with_syntax(p: &mut OpPrinter<'_, '_>, a: Attribute, syntax: AttrSyntax) -> fmt::Result {
    let ctx = p.ctx;
    match syntax {
        AttrSyntax::Unit => Ok(()),
        AttrSyntax::IntEnum(cases) => match ctx.attr_as_int(a).and_then(|v| cases.get(v as usize)) {
            Some(name) => p.write(name),
            None => p.print_attr(a),
        },
        AttrSyntax::Stripped(prefix) => match ctx.attr_kind(a) {
            AttrKind::Opaque { text, .. } if text.starts_with(prefix) => {
                let body = text[prefix.len()..].to_string();
                p.write(&body)
            }
            _ => p.print_attr(a),
        },
        AttrSyntax::SymbolName => match ctx.attr_as_str(a) {
            Some(name) => {
                let sym = ctx.symbol_ref_attr(name);
                p.print_attr(sym)
            }
            None => p.print_attr(a),
        },
        AttrSyntax::IntOfWidth(_) => match ctx.attr_as_int(a) {
            Some(v) => p.write(&v.to_string()),
            None => p.print_attr(a),
        },
        AttrSyntax::IntList(_) => match ctx.attr_as_int_array(a) {
            Some(values) => {
                let items: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                p.write(&format!("[{}]", items.join(", ")))
            }
            None => p.print_attr(a),
        },
        AttrSyntax::Full => p.print_attr(a),
    }
}

fn parse_attr_with_syntax(p: &mut OpParser<'_, '_>, syntax: AttrSyntax, at: usize) -> Result<Attribute, ParseError> {
    let ctx = p.ctx();
    Ok(match syntax {
        AttrSyntax::Unit => ctx.unit_attr(),
        AttrSyntax::Full => p.parse_attribute()?,
        AttrSyntax::SymbolName => {
            let name = p.parse_symbol_name()?;
            ctx.string_attr(&name)
        }
        AttrSyntax::IntOfWidth(width) => {
            let v = p.parse_integer()?;
            ctx.integer_attr(v, ctx.integer_type(width))
        }
        AttrSyntax::IntList(width) => {
            // The lexer reads a list of constants as one array attribute.
            let bad = || ParseError::new(at, format!("expected a list of i{width} integers"));
            let list = p.parse_attribute()?;
            let AttrKind::Array(items) = ctx.attr_kind(list) else { return Err(bad()) };
            let half = 1i128 << (width - 1);
            let values = items
                .iter()
                .map(|i| match ctx.attr_kind(*i) {
                    AttrKind::Integer { value, .. } if (-half..half).contains(value) => Ok(*value as i64),
                    _ => Err(bad()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            ctx.intern_attr(AttrKind::DenseArray {
                element: ctx.integer_type(width),
                values: crate::attributes::DenseArrayValues::Int(values),
            })
        }
        AttrSyntax::IntEnum(cases) => {
            let kw = p.parse_keyword()?;
            match cases.iter().position(|c| *c == kw) {
                Some(i) => ctx.i64_attr(i as i64),
                None => {
                    return Err(ParseError::new(at, format!("expected one of [{}], found '{kw}'", cases.join(", "))))
                }
            }
        }
        AttrSyntax::Stripped(prefix) => {
            let body = p.parse_angle_body()?;
            let dialect = prefix.split('.').next().unwrap_or(prefix).to_string();
            ctx.intern_attr(AttrKind::Opaque { dialect, text: format!("{prefix}{body}") })
        }
    })
}

/// Whether an optional group is present, judged by its first element.
fn optional_present(first: &Elem, p: &mut OpParser<'_, '_>, def: &OpDef) -> Result<bool, ParseError> {
    Ok(match first {
        Elem::Literal(s) if is_punct_literal(s) => p.peek_punct(s)?,
        Elem::Literal(s) => p.peek_keyword()? == Some(s.as_str()),
        Elem::Operand(_) | Elem::Operands => p.peek_value()?,
        Elem::Attr(i) => match def.attributes[*i].constraint.syntax {
            AttrSyntax::Stripped(_) => p.peek_punct("<")?,
            AttrSyntax::IntEnum(cases) => p.peek_keyword()?.is_some_and(|k| cases.contains(&k)),
            AttrSyntax::SymbolName => p.peek_symbol()?,
            AttrSyntax::IntOfWidth(_) => p.peek_integer()?,
            _ => !p.peek_punct(":")? && !p.peek_punct("{")? && !p.peek_value()?,
        },
        Elem::Region(_) | Elem::Regions => p.peek_region()?,
        Elem::Successor(_) | Elem::Successors => p.peek_successor()?,
        Elem::Type(_) | Elem::FunctionalType(..) => p.peek_type()?,
        _ => false,
    })
}

/// What a format parse collected before types are resolved.
struct ParsedParts<'s> {
    operands: Vec<Option<Vec<UnresolvedOperand<'s>>>>,
    all_operands: Option<Vec<UnresolvedOperand<'s>>>,
    operand_types: Vec<Option<Vec<Type>>>,
    all_operand_types: Option<Vec<Type>>,
    result_types: Vec<Option<Vec<Type>>>,
    all_result_types: Option<Vec<Type>>,
    attrs: Vec<NamedAttr>,
    regions: Vec<Vec<BlockId>>,
    successors: Vec<BlockId>,
}

impl<'s> ParsedParts<'s> {
    fn new(def: &OpDef) -> Self {
        ParsedParts {
            operands: vec![None; def.operands.len()],
            all_operands: None,
            operand_types: vec![None; def.operands.len()],
            all_operand_types: None,
            result_types: vec![None; def.results.len()],
            all_result_types: None,
            attrs: Vec::new(),
            regions: vec![Vec::new(); def.regions.len()],
            successors: Vec::new(),
        }
    }

    fn set_types(&mut self, r: TypeRef, types: Vec<Type>) {
        match r {
            TypeRef::Operand(i) => self.operand_types[i] = Some(types),
            TypeRef::Result(i) => self.result_types[i] = Some(types),
            TypeRef::Operands => self.all_operand_types = Some(types),
            TypeRef::Results => self.all_result_types = Some(types),
        }
    }

    fn resolve(
        mut self,
        p: &mut OpParser<'_, 's>,
        def: &OpDef,
        format: &Format,
        start: usize,
    ) -> Result<(), ParseError> {
        let ctx = p.ctx();
        // Operand groups, from `operands` when the format used it.
        let groups: Vec<Vec<UnresolvedOperand<'s>>> = match self.all_operands.take() {
            Some(all) => split_by_arity(all, def.operands.iter().map(|o| o.arity).collect()),
            None => self.operands.iter().map(|g| g.clone().unwrap_or_default()).collect(),
        };
        if let Some(all) = self.all_operand_types.take() {
            let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
            if all.len() != sizes.iter().sum::<usize>() {
                return Err(ParseError::new(
                    start,
                    format!("{} operands present, but expected {}", sizes.iter().sum::<usize>(), all.len()),
                ));
            }
            let mut it = all.into_iter();
            for (i, n) in sizes.into_iter().enumerate() {
                self.operand_types[i] = Some(it.by_ref().take(n).collect());
            }
        }
        if let Some(all) = self.all_result_types.take() {
            let groups = def.result_group_ranges(all.len());
            for (i, r) in groups.into_iter().enumerate() {
                self.result_types[i] = Some(all[r].to_vec());
            }
        }
        // Types the traits imply.
        let equal_sets = &format.equal_sets;
        for set in equal_sets {
            let known = set.iter().find_map(|r| match r {
                TypeRef::Operand(i) => self.operand_types[*i].as_ref().and_then(|t| t.first().copied()),
                TypeRef::Result(i) => self.result_types[*i].as_ref().and_then(|t| t.first().copied()),
                _ => None,
            });
            let Some(t) = known else { continue };
            for r in set {
                match r {
                    TypeRef::Operand(i) if self.operand_types[*i].is_none() => {
                        self.operand_types[*i] = Some(vec![t; groups[*i].len()])
                    }
                    TypeRef::Result(i) if self.result_types[*i].is_none() && def.results[*i].arity == Arity::One => {
                        self.result_types[*i] = Some(vec![t])
                    }
                    _ => {}
                }
            }
        }
        // Remaining operand types from the operands' definitions.
        for (i, g) in groups.iter().enumerate() {
            if self.operand_types[i].is_none() {
                let types: Option<Vec<Type>> = g.iter().map(|u| p.defined_operand_type(u)).collect();
                match types {
                    Some(t) => self.operand_types[i] = Some(t),
                    None => {
                        let u = g.iter().find(|u| p.defined_operand_type(u).is_none()).unwrap();
                        return Err(ParseError::new(u.offset, format!("cannot infer the type of operand '%{}' of '{}': its definition comes later and the format does not state it", u.name, def.name)));
                    }
                }
            }
        }
        let mut operand_types = Vec::new();
        let mut operands = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            let types = self.operand_types[i].as_ref().unwrap();
            if types.len() != g.len() {
                return Err(ParseError::new(
                    start,
                    format!("{} operands present, but expected {}", g.len(), types.len()),
                ));
            }
            for (u, t) in g.iter().zip(types) {
                operands.push(p.resolve_operand(u, *t)?);
                operand_types.push(*t);
            }
        }
        // Result types, inferred if the text did not state them.
        let mut result_types = Vec::new();
        if self.result_types.iter().any(Option::is_none) {
            match def.infer {
                Some(infer) => {
                    let attrs = self.attrs.clone();
                    let lookup = |name: &str| attrs.iter().find(|a| ctx.ident_str(a.name) == name).map(|a| a.value);
                    let input = crate::dialect::InferInput { operand_types: &operand_types, attr: &lookup };
                    result_types =
                        infer(ctx, &input).map_err(|m| ParseError::new(start, format!("'{}' op {m}", def.name)))?;
                }
                None => return Err(ParseError::new(start, format!("cannot infer the result types of '{}'", def.name))),
            }
        } else {
            for t in self.result_types.iter().flatten() {
                result_types.extend_from_slice(t);
            }
        }
        if def.has_trait(Trait::AttrSizedOperandSegments) {
            let sizes: Vec<i64> = groups.iter().map(|g| g.len() as i64).collect();
            let seg = ctx.intern_attr(AttrKind::DenseArray {
                element: ctx.integer_type(32),
                values: crate::attributes::DenseArrayValues::Int(sizes),
            });
            self.attrs.push(NamedAttr { name: ctx.ident("operandSegmentSizes"), value: seg });
        }
        let pending = p.pending();
        pending.operands = operands;
        pending.result_types = result_types;
        pending.attrs = std::mem::take(&mut self.attrs);
        pending.regions = std::mem::take(&mut self.regions);
        pending.successors = std::mem::take(&mut self.successors);
        Ok(())
    }
}

/// The groups of operands and results an op's traits and declarations say share one type.
fn equal_sets(def: &OpDef) -> Vec<Vec<TypeRef>> {
    let mut sets: Vec<Vec<TypeRef>> = def
        .type_equalities
        .iter()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| {
                    def.operands
                        .iter()
                        .position(|o| o.name == *n)
                        .map(TypeRef::Operand)
                        .or_else(|| def.results.iter().position(|o| o.name == *n).map(TypeRef::Result))
                })
                .collect()
        })
        .collect();
    if def.has_trait(Trait::SameOperandsAndResultType) {
        let mut set: Vec<TypeRef> = (0..def.operands.len()).map(TypeRef::Operand).collect();
        set.extend((0..def.results.len()).map(TypeRef::Result));
        sets.push(set);
    }
    if def.has_trait(Trait::SameTypeOperands) {
        sets.push((0..def.operands.len()).map(TypeRef::Operand).collect());
    }
    sets
}

/// Distributes a flat list over groups: fixed groups take one, the variadic group the rest.
fn split_by_arity<T>(all: Vec<T>, arities: Vec<Arity>) -> Vec<Vec<T>> {
    let fixed = arities.iter().filter(|a| **a == Arity::One).count();
    let rest = all.len().saturating_sub(fixed);
    let mut it = all.into_iter();
    arities.iter().map(|a| it.by_ref().take(if *a == Arity::One { 1 } else { rest }).collect()).collect()
}

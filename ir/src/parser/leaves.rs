//! Builds interned types, attributes and locations from pest's parse trees.

use std::cell::RefCell;

use pest::iterators::Pair;
use rustc_hash::FxHashMap;

use super::lexer::Rule;
use super::ParseError;
use crate::affine::{AffineExpr, AffineMap};
use crate::attributes::{AttrKind, Attribute, DenseArrayValues, DenseElements, DenseValue, LocKind, NamedAttr};
use crate::types::{FloatKind, Signedness, Type, TypeKind, DYNAMIC};
use crate::Context;

/// The widest integer type MLIR accepts.
const MAX_INT_WIDTH: u32 = 16_777_215;

pub(crate) struct LeafBuilder<'a> {
    pub ctx: &'a Context,
    pub attr_aliases: &'a FxHashMap<String, Attribute>,
    pub type_aliases: &'a FxHashMap<String, Type>,
    /// Where a file's `dense_resource` keys are recorded with the offset of their first use,
    /// and the offset of the text pest was given within the file; `None` outside a file.
    pub resource_refs: Option<(&'a RefCell<FxHashMap<String, usize>>, usize)>,
    /// A file's `distinct[N]<...>` attributes by `N`; `None` outside a file (each is new).
    pub distinct: Option<&'a RefCell<FxHashMap<u64, Attribute>>>,
}

/// The names an `affine_dims` or `affine_syms` list declares, in order.
fn identifiers(list: Pair<'_, Rule>) -> Vec<String> {
    list.into_inner().map(|d| d.as_str().to_string()).collect()
}

fn err<T>(pair: &Pair<'_, Rule>, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError::new(pair.as_span().start(), message.into()))
}

/// Decodes the escapes of an MLIR string literal (quotes included in `text`).
pub(crate) fn unescape(text: &str) -> String {
    let body = &text[1..text.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let c = bytes[i + 1];
            match c {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'"' | b'\\' => out.push(c),
                _ if i + 2 < bytes.len() && c.is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit() => {
                    out.push(u8::from_str_radix(&body[i + 1..i + 3], 16).unwrap_or(b'?'));
                    i += 1;
                }
                _ => out.push(c),
            }
            i += 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl LeafBuilder<'_> {
    // ------------------------------------------------------------------ types
    pub fn type_(&self, pair: Pair<'_, Rule>) -> Result<Type, ParseError> {
        debug_assert_eq!(pair.as_rule(), Rule::r#type);
        self.type_inner(pair.into_inner().next().expect("type has one child"))
    }

    /// A `type` pair or one of its alternatives met directly among an op's elements.
    pub fn type_or_inner(&self, pair: Pair<'_, Rule>) -> Result<Type, ParseError> {
        if pair.as_rule() == Rule::r#type {
            self.type_(pair)
        } else {
            self.type_inner(pair)
        }
    }

    fn type_list(&self, pair: Pair<'_, Rule>) -> Result<Vec<Type>, ParseError> {
        pair.into_inner().map(|p| self.type_(p)).collect()
    }

    fn type_inner(&self, pair: Pair<'_, Rule>) -> Result<Type, ParseError> {
        let ctx = self.ctx;
        let text = pair.as_str();
        Ok(match pair.as_rule() {
            Rule::int_type => {
                let (signedness, digits) = if let Some(d) = text.strip_prefix("si") {
                    (Signedness::Signed, d)
                } else if let Some(d) = text.strip_prefix("ui") {
                    (Signedness::Unsigned, d)
                } else {
                    (Signedness::Signless, &text[1..])
                };
                let width: u32 = match digits.parse() {
                    Ok(w) if w <= MAX_INT_WIDTH => w,
                    _ => return err(&pair, format!("integer bitwidth is limited to {MAX_INT_WIDTH} bits")),
                };
                ctx.intern_type(TypeKind::Integer { width, signedness })
            }
            Rule::float_type => ctx.float_type(FloatKind::from_keyword(text).expect("grammar")),
            Rule::index_type => ctx.index_type(),
            Rule::none_type => ctx.none_type(),
            Rule::complex_type => {
                let inner = pair.into_inner().next().unwrap();
                let elem = self.type_(inner.clone())?;
                if !(ctx.is_float(elem) || ctx.is_integer(elem)) {
                    return err(&inner, "invalid element type for complex");
                }
                ctx.intern_type(TypeKind::Complex(elem))
            }
            Rule::tuple_type => ctx.intern_type(TypeKind::Tuple(self.type_list(pair)?)),
            Rule::function_type => {
                let mut it = pair.into_inner();
                let inputs = self.type_list(it.next().unwrap())?;
                let results_pair = it.next().unwrap().into_inner().next().unwrap();
                let results = if results_pair.as_rule() == Rule::type_list {
                    self.type_list(results_pair)?
                } else {
                    vec![self.type_inner(results_pair)?]
                };
                ctx.function_type(inputs, results)
            }
            Rule::ranked_tensor => {
                let mut it = pair.into_inner();
                let shape = self.shape(it.next().unwrap())?;
                let elem_pair = it.next().unwrap();
                let element = self.shaped_element(elem_pair, "tensor")?;
                let encoding = it.next().map(|p| self.attr(p)).transpose()?;
                ctx.intern_type(TypeKind::RankedTensor { shape, element, encoding })
            }
            Rule::unranked_tensor => {
                let element = self.shaped_element(pair.into_inner().next().unwrap(), "tensor")?;
                ctx.intern_type(TypeKind::UnrankedTensor { element })
            }
            Rule::memref_type => {
                let mut it = pair.clone().into_inner();
                let shape = self.shape(it.next().unwrap())?;
                let element = self.shaped_element(it.next().unwrap(), "memref")?;
                let attrs: Vec<(Pair<'_, Rule>, Attribute)> =
                    it.map(|p| self.attr(p.clone()).map(|a| (p, a))).collect::<Result<_, _>>()?;
                let (layout, memory_space) = match attrs.as_slice() {
                    [] => (None, None),
                    [(_, a)] if self.is_layout(*a) => (Some(*a), None),
                    [(_, a)] => (None, Some(*a)),
                    [(p, l), (_, m)] => {
                        if !self.is_layout(*l) {
                            return err(p, "expected a memref layout (affine map or strided)");
                        }
                        (Some(*l), Some(*m))
                    }
                    _ => unreachable!("grammar allows two attributes"),
                };
                if let Some(l) = layout {
                    let expected = match ctx.attr_kind(l) {
                        AttrKind::AffineMap(m) => m.num_dims as usize,
                        AttrKind::Strided { strides, .. } => strides.len(),
                        _ => shape.len(),
                    };
                    if expected != shape.len() {
                        return err(
                            &pair,
                            format!("memref layout mismatch between rank and layout: {} != {expected}", shape.len()),
                        );
                    }
                }
                ctx.intern_type(TypeKind::MemRef { shape, element, layout, memory_space })
            }
            Rule::unranked_memref => {
                let mut it = pair.into_inner();
                let element = self.shaped_element(it.next().unwrap(), "memref")?;
                let memory_space = it.next().map(|p| self.attr(p)).transpose()?;
                ctx.intern_type(TypeKind::UnrankedMemRef { element, memory_space })
            }
            Rule::vector_type => {
                let mut it = pair.into_inner();
                let (mut shape, mut scalable) = (Vec::new(), Vec::new());
                for d in it.next().unwrap().into_inner() {
                    let (n, is_scalable) = match d.as_rule() {
                        Rule::scalable_dim => (d.clone().into_inner().next().unwrap().as_str(), true),
                        _ => (d.as_str(), false),
                    };
                    match n.parse::<i64>() {
                        Ok(v) if v > 0 => shape.push(v),
                        _ => return err(&d, "vector types must have positive constant sizes"),
                    }
                    scalable.push(is_scalable);
                }
                let elem_pair = it.next().unwrap();
                let element = self.type_(elem_pair.clone())?;
                if !(ctx.is_integer(element) || ctx.is_index(element) || ctx.is_float(element)) {
                    return err(&elem_pair, "vector elements must be int/index/float type");
                }
                ctx.intern_type(TypeKind::Vector { shape, scalable, element })
            }
            Rule::bang_type => {
                let name = &text[1..];
                if !name.contains(['.', '<']) {
                    match self.type_aliases.get(name) {
                        Some(t) => *t,
                        None => return err(&pair, format!("undefined symbol alias id '{name}'")),
                    }
                } else {
                    let dialect = name.split(['.', '<']).next().unwrap_or_default().to_string();
                    ctx.intern_type(TypeKind::Opaque { dialect, body: name.to_string() })
                }
            }
            r => unreachable!("not a type rule: {r:?}"),
        })
    }

    fn shaped_element(&self, pair: Pair<'_, Rule>, what: &str) -> Result<Type, ParseError> {
        let t = self.type_(pair.clone())?;
        match self.ctx.type_kind(t) {
            TypeKind::Function { .. } | TypeKind::None | TypeKind::Tuple(_) if what == "memref" => {
                err(&pair, format!("invalid {what} element type"))
            }
            TypeKind::Function { .. } | TypeKind::None => err(&pair, format!("invalid {what} element type")),
            _ => Ok(t),
        }
    }

    fn shape(&self, pair: Pair<'_, Rule>) -> Result<Vec<i64>, ParseError> {
        pair.into_inner()
            .map(|d| match d.as_str() {
                "?" => Ok(DYNAMIC),
                n => n.parse::<i64>().or_else(|_| err(&d, "dimension size out of range")),
            })
            .collect()
    }

    fn is_layout(&self, a: Attribute) -> bool {
        matches!(self.ctx.attr_kind(a), AttrKind::AffineMap(_) | AttrKind::Strided { .. })
    }

    // ------------------------------------------------------------------ attributes
    pub fn attr(&self, pair: Pair<'_, Rule>) -> Result<Attribute, ParseError> {
        debug_assert_eq!(pair.as_rule(), Rule::attribute);
        self.attr_inner(pair.into_inner().next().expect("attribute has one child"))
    }

    pub fn attr_inner(&self, pair: Pair<'_, Rule>) -> Result<Attribute, ParseError> {
        let ctx = self.ctx;
        Ok(match pair.as_rule() {
            Rule::typed_number => {
                let mut it = pair.into_inner();
                let number = it.next().unwrap();
                let ty = it.next().map(|p| self.type_(p)).transpose()?;
                self.number(&number, ty)?
            }
            Rule::bool_lit => ctx.bool_attr(pair.as_str() == "true"),
            Rule::unit_lit => ctx.unit_attr(),
            Rule::string_attr => {
                let mut it = pair.into_inner();
                let value = unescape(it.next().unwrap().as_str());
                let ty = it.next().map(|p| self.type_(p)).transpose()?;
                ctx.intern_attr(AttrKind::String { value, ty })
            }
            Rule::array_attr => {
                let items = pair.into_inner().map(|p| self.attr(p)).collect::<Result<_, _>>()?;
                ctx.array_attr(items)
            }
            Rule::dict_attr => {
                let mut entries = Vec::new();
                for entry in pair.into_inner() {
                    let mut it = entry.into_inner();
                    let key = it.next().unwrap();
                    let name =
                        if key.as_rule() == Rule::string { unescape(key.as_str()) } else { key.as_str().to_string() };
                    let value = match it.next() {
                        Some(v) => self.attr(v)?,
                        None => ctx.unit_attr(),
                    };
                    entries.push(NamedAttr { name: ctx.ident(&name), value });
                }
                ctx.dictionary_attr(entries)
            }
            Rule::symbol_ref => {
                let mut names = pair.into_inner().map(|p| {
                    let n = &p.as_str()[1..];
                    if n.starts_with('"') {
                        unescape(n)
                    } else {
                        n.to_string()
                    }
                });
                let root = names.next().unwrap();
                ctx.intern_attr(AttrKind::SymbolRef { root, nested: names.collect() })
            }
            Rule::hash_attr => {
                let name = &pair.as_str()[1..];
                if !name.contains(['.', '<']) {
                    match self.attr_aliases.get(name) {
                        Some(a) => *a,
                        None => return err(&pair, format!("undefined symbol alias id '{name}'")),
                    }
                } else {
                    let dialect = name.split(['.', '<']).next().unwrap_or_default().to_string();
                    ctx.intern_attr(AttrKind::Opaque { dialect, text: name.to_string() })
                }
            }
            Rule::typed_hash_attr => {
                let whole = pair.clone();
                let mut it = pair.into_inner();
                let attr = self.attr_inner(it.next().unwrap())?;
                if !matches!(ctx.attr_kind(attr), AttrKind::Opaque { .. }) {
                    return err(&whole, "an attribute alias takes no type");
                }
                let ty = self.type_(it.next().unwrap())?;
                ctx.typed_opaque_attr(attr, ty)
            }
            Rule::loc_attr => self.location(pair.into_inner().next().unwrap())?,
            Rule::r#type => ctx.type_attr(self.type_(pair)?),
            Rule::dense_attr => self.dense(pair, None)?,
            Rule::dense_resource_attr => self.dense_resource(pair, None)?,
            Rule::dense_array_attr => self.dense_array(pair)?,
            Rule::sparse_attr => self.sparse(pair)?,
            Rule::distinct_attr => self.distinct(pair)?,
            Rule::strided_attr => {
                let mut strides = Vec::new();
                let mut offset = 0;
                let has_offset = pair.as_str().contains("offset");
                let items: Vec<_> = pair.into_inner().collect();
                let n = items.len();
                for (i, p) in items.into_iter().enumerate() {
                    let v = match p.as_str() {
                        "?" => DYNAMIC,
                        s => s.parse().or_else(|_| err(&p, "stride out of range"))?,
                    };
                    if has_offset && i == n - 1 {
                        offset = v;
                    } else {
                        strides.push(v);
                    }
                }
                ctx.intern_attr(AttrKind::Strided { strides, offset })
            }
            Rule::affine_map_attr => ctx.intern_attr(AttrKind::AffineMap(self.affine_map(pair)?)),
            Rule::affine_set_attr => ctx.intern_attr(AttrKind::IntegerSet(self.affine_set(pair)?)),
            r => unreachable!("not an attribute rule: {r:?}"),
        })
    }

    /// A `number` pair with its default type (i64 or f64).
    pub fn attr_inner_untyped_number(&self, number: Pair<'_, Rule>) -> Result<Attribute, ParseError> {
        self.number(&number, None)
    }

    /// An integer or float literal, typed by `ty` (i64 / f64 when absent).
    fn number(&self, number: &Pair<'_, Rule>, ty: Option<Type>) -> Result<Attribute, ParseError> {
        let (value, ty) = self.number_value(number.as_str(), number.as_span().start(), ty)?;
        Ok(self.ctx.intern_attr(match value {
            DenseValue::Float(bits) => AttrKind::Float { bits, ty },
            DenseValue::WideFloat(bits) => AttrKind::WideFloat { bits, ty },
            DenseValue::Int(value) => AttrKind::Integer { value, ty },
            _ => unreachable!("numbers are integers or floats"),
        }))
    }

    /// A number literal's value in `ty` (by default `i64`, or `f64` with a point), as its
    /// attribute would hold it, without interning one: a `dense` list has millions.
    pub(super) fn number_value(
        &self,
        text: &str,
        at: usize,
        ty: Option<Type>,
    ) -> Result<(DenseValue, Type), ParseError> {
        let ctx = self.ctx;
        let fail = |message: String| Err(ParseError::new(at, message));
        let (negative, digits) = match text.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, text),
        };
        let is_float_lit = digits.contains('.');
        let ty = ty.unwrap_or(if is_float_lit { ctx.f64_type() } else { ctx.i64_type() });
        match ctx.type_kind(ty) {
            TypeKind::Float(kind) => {
                if let Some(hex) = digits.strip_prefix("0x") {
                    if negative {
                        return fail("hexadecimal float literal should not have a leading minus".into());
                    }
                    let bits = u128::from_str_radix(hex, 16)
                        .map_err(|_| ParseError::new(at, "hexadecimal float constant out of range".into()))?;
                    if kind.width() < 128 && bits >> kind.width() != 0 {
                        return fail("hexadecimal float constant out of range for type".into());
                    }
                    return Ok((DenseValue::of_float_bits(bits, *kind), ty));
                }
                if !is_float_lit {
                    return fail("unexpected decimal integer literal for a floating point value (add a trailing dot to make it a float)".into());
                }
                // As MLIR reads a decimal: an f64, then rounded to the type (`0.1 : f80` is
                // the f64 nearest 0.1). Hexadecimal is how every bit of an f80 is written.
                let v: f64 = text.parse().map_err(|_| ParseError::new(at, "invalid float literal".into()))?;
                Ok((DenseValue::Float(crate::float::round_to(v, *kind).to_bits()), ty))
            }
            TypeKind::Integer { width, signedness } => {
                if is_float_lit {
                    return fail("floating point value not valid for specified type".into());
                }
                let magnitude =
                    parse_uint(digits).ok_or_else(|| ParseError::new(at, "integer constant out of range".into()))?;
                let value = checked_int(magnitude, negative, *width, *signedness)
                    .ok_or_else(|| ParseError::new(at, "integer constant out of range for attribute".into()))?;
                // i1 is MLIR's bool: 0 or 1 rather than sign-extended (`Context::integer_attr`).
                let value = if *width == 1 { value & 1 } else { crate::attributes::wrap_signed(value, *width) };
                Ok((DenseValue::Int(value), ty))
            }
            TypeKind::Index => {
                if is_float_lit {
                    return fail("floating point value not valid for specified type".into());
                }
                let magnitude = parse_uint(digits).filter(|m| *m <= i64::MAX as u128 + negative as u128);
                let m = magnitude
                    .ok_or_else(|| ParseError::new(at, "integer constant out of range for attribute".into()))?;
                Ok((DenseValue::Int(if negative { -(m as i128) } else { m as i128 }), ty))
            }
            _ => fail("invalid type for number literal: expected an integer, index or float type".into()),
        }
    }

    /// `distinct[N]<attr>`: the file's attribute `N` when one was read (it must refer to the
    /// same attribute), else a new one.
    fn distinct(&self, pair: Pair<'_, Rule>) -> Result<Attribute, ParseError> {
        let ctx = self.ctx;
        let at = pair.as_span().start();
        let mut it = pair.into_inner();
        let id_pair = it.next().expect("distinct_attr has an id");
        let Ok(id) = id_pair.as_str().parse::<u64>() else {
            return err(&id_pair, "expected an unsigned 64-bit integer");
        };
        let referenced = match it.next() {
            Some(p) => self.attr(p)?,
            None => ctx.unit_attr(),
        };
        let Some(table) = self.distinct else { return Ok(ctx.distinct_attr(referenced)) };
        if let Some(&known) = table.borrow().get(&id) {
            return match ctx.attr_kind(known) {
                AttrKind::Distinct { referenced: r, .. } if *r == referenced => Ok(known),
                AttrKind::Distinct { referenced: r, .. } => Err(ParseError::new(
                    at,
                    format!("referenced attribute does not match previous definition: {}", ctx.attr_to_string(*r)),
                )),
                _ => unreachable!("the table holds distinct attributes"),
            };
        }
        let attr = ctx.distinct_attr(referenced);
        table.borrow_mut().insert(id, attr);
        Ok(attr)
    }

    /// A `dense<...>` or `dense_resource<...>` written without its type, of type `ty` (which an
    /// op implies).
    pub fn elements_of_type(&self, pair: Pair<'_, Rule>, ty: Type) -> Result<Attribute, ParseError> {
        match pair.as_rule() {
            Rule::dense_resource_attr => self.dense_resource(pair, Some(ty)),
            _ => self.dense(pair, Some(ty)),
        }
    }

    /// `dense_resource<key> : type`, its type `implied` when the text leaves it out.
    fn dense_resource(&self, pair: Pair<'_, Rule>, implied: Option<Type>) -> Result<Attribute, ParseError> {
        let mut it = pair.clone().into_inner();
        let key = it.next().unwrap();
        let handle = if key.as_str().starts_with('"') { unescape(key.as_str()) } else { key.as_str().to_string() };
        if let Some((refs, base)) = self.resource_refs {
            refs.borrow_mut().entry(handle.clone()).or_insert(base + key.as_span().start());
        }
        let Some(ty) = it.next().map(|p| self.type_(p)).transpose()?.or(implied) else {
            return err(&pair, "expected ':' and a shaped type after dense_resource");
        };
        Ok(self.ctx.intern_attr(AttrKind::DenseResource { ty, handle }))
    }

    /// `dense<...> : type`, its type `implied` when the text leaves it out.
    fn dense(&self, pair: Pair<'_, Rule>, implied: Option<Type>) -> Result<Attribute, ParseError> {
        let ctx = self.ctx;
        let whole = pair.clone();
        let mut body = None;
        let mut ty = implied;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::r#type => ty = Some(self.type_(p)?),
                _ => body = Some(p),
            }
        }
        let Some(ty) = ty else { return err(&whole, "expected ':' and a shaped type after dense literal") };
        let (shape, element, count) = self.elements_literal_type(&whole, ty)?;
        let Some(body) = body else {
            if count != 0 {
                return err(
                    &whole,
                    format!("parsed zero elements, but type ('{}') expected at least 1", ctx.type_to_string(ty)),
                );
            }
            return Ok(ctx.intern_attr(AttrKind::DenseElements { ty, elements: DenseElements::Values(Vec::new()) }));
        };
        let elements = match body.as_rule() {
            Rule::string => self.dense_hex(&body, element, count as usize)?,
            Rule::dense_scalar => DenseElements::Splat(self.dense_scalar(body, element)?),
            Rule::dense_list => {
                let (flat, found_shape) = self.dense_list(body.clone(), element)?;
                if found_shape != shape {
                    let show = |s: &[i64]| s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
                    return err(
                        &body,
                        format!(
                            "inferred shape of elements literal ([{}]) does not match type ([{}])",
                            show(&found_shape),
                            show(&shape)
                        ),
                    );
                }
                DenseElements::Values(flat)
            }
            _ => unreachable!(),
        };
        Ok(ctx.intern_attr(AttrKind::DenseElements { ty, elements }))
    }

    /// The shape, element type and element count of `ty` as the type of an elements literal
    /// (`whole`), or why it cannot be one.
    pub(super) fn elements_literal_type(
        &self,
        whole: &Pair<'_, Rule>,
        ty: Type,
    ) -> Result<(Vec<i64>, Type, i64), ParseError> {
        let ctx = self.ctx;
        let (shape, element) = match ctx.type_kind(ty) {
            TypeKind::RankedTensor { shape, element, .. } | TypeKind::Vector { shape, element, .. } => {
                (shape.clone(), *element)
            }
            _ => return err(whole, "elements literal must be a static shaped type"),
        };
        if shape.contains(&DYNAMIC) {
            return err(whole, "elements literal type must have static shape");
        }
        // Checked: a literal's type may claim more elements than 64 bits count.
        let Some(count) = shape.iter().try_fold(1i64, |n, d| n.checked_mul(*d)) else {
            return err(whole, format!("elements literal type '{}' has too many elements", ctx.type_to_string(ty)));
        };
        Ok((shape, element, count))
    }

    /// A `dense_list` of `element`s: its values, row-major, and the shape its nesting gives.
    pub(super) fn dense_list(
        &self,
        pair: Pair<'_, Rule>,
        element: Type,
    ) -> Result<(Vec<DenseValue>, Vec<i64>), ParseError> {
        let (mut values, mut shape) = (Vec::new(), Vec::new());
        self.dense_items(pair, element, 0, &mut shape, &mut None, &mut values)?;
        Ok((values, shape))
    }

    /// The items of a list at `depth`, each depth's lists of one length (`shape`) and every
    /// scalar at one depth (`scalar_depth`, once one is seen).
    fn dense_items(
        &self,
        pair: Pair<'_, Rule>,
        element: Type,
        depth: usize,
        shape: &mut Vec<i64>,
        scalar_depth: &mut Option<usize>,
        out: &mut Vec<DenseValue>,
    ) -> Result<(), ParseError> {
        let ragged = "tensor literal is invalid; ranks are not consistent between elements";
        let items: Vec<_> = pair.clone().into_inner().collect();
        if shape.len() == depth {
            shape.push(items.len() as i64);
        } else if shape[depth] != items.len() as i64 {
            return err(&pair, ragged);
        }
        for item in items {
            match item.as_rule() {
                Rule::dense_list if scalar_depth.is_some_and(|d| d <= depth + 1) => return err(&item, ragged),
                Rule::dense_list => self.dense_items(item, element, depth + 1, shape, scalar_depth, out)?,
                _ => {
                    if shape.len() != depth + 1 || *scalar_depth.get_or_insert(depth + 1) != depth + 1 {
                        return err(&item, ragged);
                    }
                    out.push(self.dense_scalar(item, element)?)
                }
            }
        }
        Ok(())
    }

    pub(super) fn dense_scalar(&self, pair: Pair<'_, Rule>, element: Type) -> Result<DenseValue, ParseError> {
        let ctx = self.ctx;
        let inner = pair.into_inner().next().unwrap();
        match (inner.as_rule(), ctx.type_kind(element)) {
            (Rule::dense_complex, TypeKind::Complex(e)) => {
                let mut it = inner.into_inner();
                let re = self.dense_scalar(it.next().unwrap(), *e)?;
                let im = self.dense_scalar(it.next().unwrap(), *e)?;
                Ok(DenseValue::Complex(Box::new((re, im))))
            }
            (Rule::dense_complex, _) => err(&inner, "complex literal for a non-complex element type"),
            (Rule::bool_lit, TypeKind::Integer { width: 1, .. }) => {
                Ok(DenseValue::Int((inner.as_str() == "true") as i128))
            }
            (Rule::bool_lit, _) => err(&inner, "boolean literal is only valid for i1 elements"),
            (Rule::number, _) => Ok(self.number_value(inner.as_str(), inner.as_span().start(), Some(element))?.0),
            _ => err(&inner, "invalid dense element"),
        }
    }

    /// `dense<"0x...">`: MLIR's raw element storage ([`crate::dense_raw`]).
    pub(super) fn dense_hex(
        &self,
        pair: &Pair<'_, Rule>,
        element: Type,
        count: usize,
    ) -> Result<DenseElements, ParseError> {
        let text = unescape(pair.as_str());
        let Some(hex) = text.strip_prefix("0x") else {
            return err(pair, "expected hex-encoded string starting with '0x'");
        };
        let Ok(bytes) = crate::hex::decode::<Vec<u8>>(hex.as_bytes()) else {
            return err(pair, "invalid hex string");
        };
        crate::dense_raw::decode(self.ctx, element, bytes, count).or_else(|message| err(pair, message))
    }

    fn dense_array(&self, pair: Pair<'_, Rule>) -> Result<Attribute, ParseError> {
        let ctx = self.ctx;
        let mut it = pair.into_inner();
        let type_pair = it.next().unwrap();
        let element = self.type_(type_pair.clone())?;
        let values = match ctx.type_kind(element) {
            TypeKind::Integer { width: 1 | 8 | 16 | 32 | 64, .. } => DenseArrayValues::Int(
                it.map(|p| match p.as_rule() {
                    Rule::bool_lit => Ok((p.as_str() == "true") as i64),
                    _ => ctx
                        .attr_as_int(self.number(&p, Some(element))?)
                        .map(|v| v as i64)
                        .ok_or_else(|| ParseError::new(p.as_span().start(), "expected integer".into())),
                })
                .collect::<Result<_, _>>()?,
            ),
            TypeKind::Float(FloatKind::F32 | FloatKind::F64) => DenseArrayValues::Float(
                it.map(|p| {
                    let v: f64 = p.as_str().parse().or_else(|_| err(&p, "expected float"))?;
                    Ok(crate::float::round_to(
                        v,
                        if ctx.int_or_float_width(element) == Some(32) { FloatKind::F32 } else { FloatKind::F64 },
                    )
                    .to_bits())
                })
                .collect::<Result<_, _>>()?,
            ),
            _ => {
                return err(&type_pair, "expected integer or float type of width 1, 8, 16, 32 or 64 for a dense array")
            }
        };
        Ok(ctx.intern_attr(AttrKind::DenseArray { element, values }))
    }

    fn affine_map(&self, pair: Pair<'_, Rule>) -> Result<AffineMap, ParseError> {
        let mut dims: Vec<String> = Vec::new();
        let mut syms: Vec<String> = Vec::new();
        let mut results = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::affine_dims => dims = identifiers(p),
                Rule::affine_syms => syms = identifiers(p),
                Rule::affine_expr => results.push(self.affine_expr(p, &dims, &syms)?),
                _ => unreachable!(),
            }
        }
        Ok(AffineMap { num_dims: dims.len() as u32, num_symbols: syms.len() as u32, results })
    }

    /// `affine_set<dims[syms] : (constraints)>`, each constraint moved to `e >= 0` or `e == 0`
    /// as MLIR's parser moves it (`a >= b` is `a - b >= 0`, `a <= b` is `b - a >= 0`).
    fn affine_set(&self, pair: Pair<'_, Rule>) -> Result<crate::affine::IntegerSet, ParseError> {
        let mut dims: Vec<String> = Vec::new();
        let mut syms: Vec<String> = Vec::new();
        let mut constraints = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::affine_dims => dims = identifiers(p),
                Rule::affine_syms => syms = identifiers(p),
                _ => {
                    let mut it = p.into_inner();
                    let lhs = self.affine_expr(it.next().expect("a constraint's left side"), &dims, &syms)?;
                    let cmp = it.next().expect("a constraint's comparison");
                    let rhs = self.affine_expr(it.next().expect("a constraint's right side"), &dims, &syms)?;
                    constraints.push(match cmp.as_str() {
                        "<=" => (AffineExpr::sub(rhs, lhs), false),
                        ">=" => (AffineExpr::sub(lhs, rhs), false),
                        _ => (AffineExpr::sub(lhs, rhs), true),
                    });
                }
            }
        }
        Ok(crate::affine::IntegerSet::new(dims.len() as u32, syms.len() as u32, constraints))
    }

    fn affine_expr(&self, pair: Pair<'_, Rule>, dims: &[String], syms: &[String]) -> Result<AffineExpr, ParseError> {
        match pair.as_rule() {
            Rule::affine_expr | Rule::affine_term => {
                // Built through the simplifying constructors, as MLIR's parser builds them, so
                // that the map is the one mlir-opt holds and prints.
                let mut it = pair.into_inner();
                let mut acc = self.affine_expr(it.next().unwrap(), dims, syms)?;
                while let Some(op) = it.next() {
                    let rhs = self.affine_expr(it.next().unwrap(), dims, syms)?;
                    let non_affine = |what: &str| {
                        err(&op, format!("non-affine expression: {what} has to be either a constant or symbolic"))
                    };
                    acc = match op.as_str() {
                        "+" => AffineExpr::add(acc, rhs),
                        "-" => AffineExpr::sub(acc, rhs),
                        "*" if !acc.is_symbolic_or_constant() && !rhs.is_symbolic_or_constant() => {
                            return non_affine("at least one of the multiply operands");
                        }
                        "*" => AffineExpr::mul(acc, rhs),
                        name if !rhs.is_symbolic_or_constant() => {
                            return non_affine(&format!("right operand of {name}"));
                        }
                        "mod" => AffineExpr::modulo(acc, rhs),
                        "floordiv" => AffineExpr::floor_div(acc, rhs),
                        _ => AffineExpr::ceil_div(acc, rhs),
                    };
                }
                Ok(acc)
            }
            Rule::affine_unary => {
                let mut it = pair.into_inner();
                let first = it.next().unwrap();
                if first.as_rule() == Rule::neg {
                    return Ok(AffineExpr::neg(self.affine_expr(it.next().unwrap(), dims, syms)?));
                }
                self.affine_expr(first, dims, syms)
            }
            Rule::dec_int => {
                pair.as_str().parse().map(AffineExpr::Const).or_else(|_| err(&pair, "affine constant out of range"))
            }
            Rule::bare_id => {
                let n = pair.as_str();
                if let Some(i) = dims.iter().position(|d| d == n) {
                    Ok(AffineExpr::Dim(i as u32))
                } else if let Some(i) = syms.iter().position(|s| s == n) {
                    Ok(AffineExpr::Symbol(i as u32))
                } else {
                    err(&pair, format!("use of undeclared identifier '{n}' in affine expression"))
                }
            }
            r => unreachable!("affine rule {r:?}"),
        }
    }

    // ------------------------------------------------------------------ locations
    pub fn location(&self, pair: Pair<'_, Rule>) -> Result<Attribute, ParseError> {
        let ctx = self.ctx;
        let kind = match pair.as_rule() {
            Rule::loc_unknown => LocKind::Unknown,
            Rule::loc_file => {
                let number =
                    |p: &Pair<'_, Rule>| p.as_str().parse::<u32>().or_else(|_| err(p, "line or column out of range"));
                let mut it = pair.into_inner();
                let file = ctx.ident(&unescape(it.next().unwrap().as_str()));
                let line = number(&it.next().unwrap())?;
                // `"f":7` is column 0; a range that ends where it starts is a point.
                let col = match it.peek() {
                    Some(p) if p.as_rule() == Rule::dec_int => number(&it.next().unwrap())?,
                    _ => 0,
                };
                let end = match it.next().map(|end| end.into_inner().collect::<Vec<_>>()).as_deref() {
                    Some([c]) => (line, number(c)?),
                    Some([l, c]) => (number(l)?, number(c)?),
                    _ => (line, col),
                };
                if end == (line, col) {
                    LocKind::File { file, line, col }
                } else {
                    LocKind::FileRange { file, line, col, end_line: end.0, end_col: end.1 }
                }
            }
            Rule::loc_name => {
                let mut it = pair.into_inner();
                let name = unescape(it.next().unwrap().as_str());
                let child = it.next().map(|p| self.location(p)).transpose()?;
                return Ok(ctx.name_loc_attr(name, child));
            }
            Rule::loc_callsite => {
                let mut it = pair.into_inner();
                let callee = self.location(it.next().unwrap())?;
                let caller = self.location(it.next().unwrap())?;
                LocKind::CallSite { callee, caller }
            }
            Rule::loc_fused => {
                let mut metadata = None;
                let mut locs = Vec::new();
                for p in pair.into_inner() {
                    if p.as_rule() == Rule::attribute {
                        metadata = Some(self.attr(p)?);
                    } else {
                        locs.push(self.location(p)?);
                    }
                }
                return Ok(ctx.fused_loc_attr(locs, metadata));
            }
            Rule::loc_alias => {
                let name = &pair.as_str()[1..];
                return match self.attr_aliases.get(name) {
                    Some(a) if matches!(ctx.attr_kind(*a), AttrKind::Location(_)) => Ok(*a),
                    Some(_) => err(&pair, format!("expected location, but '#{name}' is not a location alias")),
                    None => Ok(ctx.intern_attr(AttrKind::Location(LocKind::Deferred(name.to_string())))),
                };
            }
            r => unreachable!("location rule {r:?}"),
        };
        Ok(ctx.intern_attr(AttrKind::Location(kind)))
    }
}

fn parse_uint(digits: &str) -> Option<u128> {
    match digits.strip_prefix("0x") {
        Some(hex) => u128::from_str_radix(hex, 16).ok(),
        None => digits.parse().ok(),
    }
}

/// The value of a literal in an integer type, if it fits (signless types accept the signed and
/// the unsigned range, as MLIR does).
fn checked_int(magnitude: u128, negative: bool, width: u32, signedness: Signedness) -> Option<i128> {
    if width == 0 {
        return (magnitude == 0).then_some(0);
    }
    let w = width.min(127);
    let unsigned_max: u128 = if width >= 128 { u128::MAX } else { (1u128 << w) - 1 };
    let signed_min_mag: u128 = 1u128 << (w - 1);
    match (negative, signedness) {
        (true, Signedness::Unsigned) => (magnitude == 0).then_some(0),
        (true, _) => (magnitude <= signed_min_mag).then(|| -(magnitude as i128)),
        (false, Signedness::Signed) => (magnitude < signed_min_mag).then_some(magnitude as i128),
        (false, _) => (magnitude <= unsigned_max).then(|| crate::attributes::wrap_signed(magnitude as i128, width)),
    }
}

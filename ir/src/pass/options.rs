//! Typed pass options: what a pass declares ([`OptionSpec`]) and what a pipeline gave it
//! ([`PassOptions`]).
//!
//! In pipeline text options are `{key=value key2=a,b nested={k=v}}`: entries separated by
//! spaces, lists by commas, strings quoted when they hold separators, struct-valued options
//! in braces. A `bool` option given without `=value` is `true`.

use std::fmt::{self, Write};

use indexmap::IndexMap;

/// The type of an option's value.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionKind {
    Bool,
    Int,
    UInt,
    Float,
    String,
    /// One of a fixed set of words.
    Enum(&'static [&'static str]),
    List(Box<OptionKind>),
    /// A group of options of its own, written `{k=v ...}`.
    Struct(Vec<OptionSpec>),
}

impl fmt::Display for OptionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionKind::Bool => f.write_str("bool"),
            OptionKind::Int => f.write_str("int"),
            OptionKind::UInt => f.write_str("uint"),
            OptionKind::Float => f.write_str("float"),
            OptionKind::String => f.write_str("string"),
            OptionKind::Enum(words) => write!(f, "{}", words.join("|")),
            OptionKind::List(k) => write!(f, "list<{k}>"),
            OptionKind::Struct(_) => f.write_str("{...}"),
        }
    }
}

/// A value an option holds.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    String(String),
    Enum(String),
    List(Vec<OptionValue>),
    Struct(PassOptions),
}

/// One option a pass accepts.
#[derive(Clone, Debug, PartialEq)]
pub struct OptionSpec {
    pub name: &'static str,
    pub kind: OptionKind,
    pub default: OptionValue,
    pub description: &'static str,
}

impl OptionSpec {
    pub fn bool(name: &'static str, default: bool, description: &'static str) -> Self {
        OptionSpec { name, kind: OptionKind::Bool, default: OptionValue::Bool(default), description }
    }
    pub fn int(name: &'static str, default: i64, description: &'static str) -> Self {
        OptionSpec { name, kind: OptionKind::Int, default: OptionValue::Int(default), description }
    }
    pub fn uint(name: &'static str, default: u64, description: &'static str) -> Self {
        OptionSpec { name, kind: OptionKind::UInt, default: OptionValue::UInt(default), description }
    }
    pub fn float(name: &'static str, default: f64, description: &'static str) -> Self {
        OptionSpec { name, kind: OptionKind::Float, default: OptionValue::Float(default), description }
    }
    pub fn string(name: &'static str, default: &str, description: &'static str) -> Self {
        OptionSpec { name, kind: OptionKind::String, default: OptionValue::String(default.into()), description }
    }
    pub fn choice(
        name: &'static str,
        words: &'static [&'static str],
        default: &str,
        description: &'static str,
    ) -> Self {
        OptionSpec { name, kind: OptionKind::Enum(words), default: OptionValue::Enum(default.into()), description }
    }
    /// A list of `element` values, empty by default.
    pub fn list(name: &'static str, element: OptionKind, description: &'static str) -> Self {
        OptionSpec {
            name,
            kind: OptionKind::List(Box::new(element)),
            default: OptionValue::List(Vec::new()),
            description,
        }
    }
    /// A nested group of options, each at its default.
    pub fn group(name: &'static str, fields: Vec<OptionSpec>, description: &'static str) -> Self {
        let default = OptionValue::Struct(PassOptions::defaults(&fields));
        OptionSpec { name, kind: OptionKind::Struct(fields), default, description }
    }
}

/// The options of one pass instance: every declared option, given or defaulted, in
/// declaration order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PassOptions {
    values: IndexMap<&'static str, OptionValue>,
}

impl PassOptions {
    /// Every option at its default.
    pub fn defaults(specs: &[OptionSpec]) -> Self {
        PassOptions { values: specs.iter().map(|s| (s.name, s.default.clone())).collect() }
    }

    pub(crate) fn insert(&mut self, name: &'static str, value: OptionValue) {
        self.values.insert(name, value);
    }

    pub fn get(&self, name: &str) -> Option<&OptionValue> {
        self.values.get(name)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &OptionValue)> {
        self.values.iter().map(|(k, v)| (*k, v))
    }
    /// A `bool` option; `false` when undeclared.
    pub fn bool(&self, name: &str) -> bool {
        matches!(self.get(name), Some(OptionValue::Bool(true)))
    }
    /// An integer option (`int` or `uint`); 0 when undeclared.
    pub fn int(&self, name: &str) -> i64 {
        match self.get(name) {
            Some(OptionValue::Int(v)) => *v,
            Some(OptionValue::UInt(v)) => *v as i64,
            _ => 0,
        }
    }
    pub fn float(&self, name: &str) -> f64 {
        match self.get(name) {
            Some(OptionValue::Float(v)) => *v,
            _ => 0.0,
        }
    }
    /// A `string` or enum option; empty when undeclared.
    pub fn str(&self, name: &str) -> &str {
        match self.get(name) {
            Some(OptionValue::String(s) | OptionValue::Enum(s)) => s,
            _ => "",
        }
    }
    /// A list of strings (or words).
    pub fn strings(&self, name: &str) -> Vec<String> {
        match self.get(name) {
            Some(OptionValue::List(items)) => items
                .iter()
                .filter_map(|v| match v {
                    OptionValue::String(s) | OptionValue::Enum(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
    pub fn group(&self, name: &str) -> Option<&PassOptions> {
        match self.get(name) {
            Some(OptionValue::Struct(o)) => Some(o),
            _ => None,
        }
    }

    /// Sets an option from its text (`None`: written without `=value`).
    pub(crate) fn set(&mut self, specs: &[OptionSpec], key: &str, text: Option<&str>) -> Result<(), String> {
        let Some(spec) = specs.iter().find(|s| s.name == key) else {
            let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
            return Err(match crate::pass::nearest(key, &names) {
                Some(n) => format!("unknown option '{key}'; did you mean '{n}'?"),
                None if names.is_empty() => format!("unknown option '{key}'; this pass takes no options"),
                None => format!("unknown option '{key}'; options are: {}", names.join(", ")),
            });
        };
        let value = match text {
            None if spec.kind == OptionKind::Bool => OptionValue::Bool(true),
            None => return Err(format!("option '{key}' needs a value ({})", spec.kind)),
            Some(t) => parse_value(&spec.kind, t).map_err(|e| format!("bad value for option '{key}': {e}"))?,
        };
        self.values.insert(spec.name, value);
        Ok(())
    }
}

fn parse_value(kind: &OptionKind, text: &str) -> Result<OptionValue, String> {
    let unquoted = unquote(text);
    Ok(match kind {
        OptionKind::Bool => match unquoted.as_str() {
            "true" | "1" => OptionValue::Bool(true),
            "false" | "0" => OptionValue::Bool(false),
            _ => return Err(format!("expected 'true' or 'false', found '{text}'")),
        },
        OptionKind::Int => {
            OptionValue::Int(unquoted.parse().map_err(|_| format!("expected an integer, found '{text}'"))?)
        }
        OptionKind::UInt => {
            OptionValue::UInt(unquoted.parse().map_err(|_| format!("expected a non-negative integer, found '{text}'"))?)
        }
        OptionKind::Float => {
            OptionValue::Float(unquoted.parse().map_err(|_| format!("expected a number, found '{text}'"))?)
        }
        OptionKind::String => OptionValue::String(unquoted),
        OptionKind::Enum(words) => {
            if !words.contains(&unquoted.as_str()) {
                return Err(format!("expected one of {}, found '{text}'", words.join(", ")));
            }
            OptionValue::Enum(unquoted)
        }
        OptionKind::List(element) => {
            let mut items = Vec::new();
            for piece in split_top_level(text, ',') {
                if !piece.is_empty() {
                    items.push(parse_value(element, piece)?);
                }
            }
            OptionValue::List(items)
        }
        OptionKind::Struct(fields) => {
            let inner = text
                .strip_prefix('{')
                .and_then(|t| t.strip_suffix('}'))
                .ok_or_else(|| format!("expected '{{key=value ...}}', found '{text}'"))?;
            let mut group = PassOptions::defaults(fields);
            for (key, value) in split_entries(inner)? {
                group.set(fields, key, value)?;
            }
            OptionValue::Struct(group)
        }
    })
}

fn unquote(text: &str) -> String {
    for q in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            return text[1..text.len() - 1].to_string();
        }
    }
    text.to_string()
}

/// Splits at `sep` outside quotes and braces.
fn split_top_level(text: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// Splits an option group body into `key[=value]` entries separated by whitespace.
pub(crate) fn split_entries(body: &str) -> Result<Vec<(&str, Option<&str>)>, String> {
    Ok(entry_spans(body)?.into_iter().map(|(_, k, v)| (k, v)).collect())
}

/// An option entry: its byte offset in the group body, its key, and its value if written.
pub(crate) type OptionEntry<'a> = (usize, &'a str, Option<&'a str>);

/// Like [`split_entries`], with the byte offset of each entry in `body`.
pub(crate) fn entry_spans(body: &str) -> Result<Vec<OptionEntry<'_>>, String> {
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let (mut depth, mut quote) = (0i32, None::<u8>);
        let mut eq = None;
        while i < bytes.len() {
            let c = bytes[i];
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    b'"' | b'\'' => quote = Some(c),
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    b'=' if eq.is_none() && depth == 0 => eq = Some(i),
                    c if c.is_ascii_whitespace() && depth == 0 => break,
                    _ => {}
                },
            }
            i += 1;
        }
        if quote.is_some() {
            return Err("unterminated quoted string in options".into());
        }
        if depth != 0 {
            return Err("unbalanced '{' in options".into());
        }
        let entry = &body[start..i];
        match eq {
            Some(e) => out.push((start, &body[start..e], Some(&body[e + 1..i]))),
            None => out.push((start, entry, None)),
        }
    }
    Ok(out)
}

/// Writes options as pipeline text: `key=value` separated by spaces.
pub(crate) fn write_options(out: &mut String, options: &PassOptions) {
    let mut first = true;
    for (k, v) in options.iter() {
        if !first {
            out.push(' ');
        }
        first = false;
        let _ = write!(out, "{k}=");
        write_value(out, v);
    }
}

fn write_value(out: &mut String, v: &OptionValue) {
    match v {
        OptionValue::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        OptionValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        OptionValue::UInt(u) => {
            let _ = write!(out, "{u}");
        }
        OptionValue::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        OptionValue::String(s) | OptionValue::Enum(s) => {
            if s.is_empty() || s.contains(|c: char| c.is_whitespace() || ",{}=\"'".contains(c)) {
                let q = if s.contains('"') { '\'' } else { '"' };
                let _ = write!(out, "{q}{s}{q}");
            } else {
                out.push_str(s);
            }
        }
        OptionValue::List(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
        }
        OptionValue::Struct(group) => {
            out.push('{');
            write_options(out, group);
            out.push('}');
        }
    }
}

//! Textual pass pipelines: `builtin.module(func.func(canonicalize{max-iterations=3},cse))`.
//!
//! Parsing gives a tree of [`Element`]s with byte offsets; the registry resolves it into an
//! [`OpPassManager`](super::OpPassManager), and the manager prints itself back in the same
//! syntax, so a pipeline round-trips.

use std::fmt;

/// A pipeline that did not parse or resolve: where, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct PipelineError {
    /// Byte offset into the pipeline text.
    pub offset: usize,
    pub message: String,
}

impl PipelineError {
    pub fn new(offset: usize, message: impl Into<String>) -> Self {
        PipelineError { offset, message: message.into() }
    }

    /// The message, the pipeline text, and a caret under the offending column:
    ///
    /// ```text
    /// error: unknown pass or pipeline 'canonicalise'; did you mean 'canonicalize'?
    ///   builtin.module(func.func(canonicalise))
    ///                            ^
    /// ```
    pub fn render(&self, text: &str) -> String {
        let offset = self.offset.min(text.len());
        let column = text[..offset].chars().count();
        format!("error: {}\n  {}\n  {}^\n", self.message, text, " ".repeat(column))
    }
}

/// One element of a parsed pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Element<'s> {
    /// A pass or named pipeline, with the text between its braces.
    Pass { name: &'s str, offset: usize, options: Option<(usize, &'s str)> },
    /// `anchor(elements)`: a nested pass manager on ops named `anchor` (or `any`).
    Nested { anchor: &'s str, offset: usize, elements: Vec<Element<'s>> },
}

impl fmt::Display for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Element::Pass { name, options: None, .. } => f.write_str(name),
            Element::Pass { name, options: Some((_, o)), .. } => write!(f, "{name}{{{o}}}"),
            Element::Nested { anchor, elements, .. } => {
                write!(f, "{anchor}(")?;
                for (i, e) in elements.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Parses pipeline text into its elements (a comma-separated list at the top level).
///
/// ```
/// use strata_ir::pass::pipeline::{parse, Element};
/// let elements = parse("builtin.module(func.func(cse),canonicalize{top-down=false})").unwrap();
/// let Element::Nested { anchor, elements: inner, .. } = &elements[0] else { panic!() };
/// assert_eq!((*anchor, inner.len()), ("builtin.module", 2));
/// assert!(parse("builtin.module(cse").unwrap_err().message.contains("')'"));
/// ```
pub fn parse(text: &str) -> Result<Vec<Element<'_>>, PipelineError> {
    let mut p = Parser { text, pos: 0, open: Vec::new() };
    let elements = p.list()?;
    p.skip_ws();
    if p.pos < text.len() {
        let c = text[p.pos..].chars().next().unwrap();
        let msg = if c == ')' {
            "unexpected ')': no nested pipeline is open here".to_string()
        } else {
            format!("expected ',' or the end of the pipeline, found '{c}'")
        };
        return Err(PipelineError::new(p.pos, msg));
    }
    Ok(elements)
}

struct Parser<'s> {
    text: &'s str,
    pos: usize,
    /// Offsets of the open parentheses, for errors.
    open: Vec<(usize, &'s str)>,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '$')
}

impl<'s> Parser<'s> {
    fn skip_ws(&mut self) {
        while self.text[self.pos..].starts_with(char::is_whitespace) {
            self.pos += self.text[self.pos..].chars().next().unwrap().len_utf8();
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn list(&mut self) -> Result<Vec<Element<'s>>, PipelineError> {
        let mut out = Vec::new();
        self.skip_ws();
        if matches!(self.peek(), None | Some(')')) {
            return Ok(out);
        }
        loop {
            out.push(self.element()?);
            self.skip_ws();
            if self.peek() == Some(',') {
                self.pos += 1;
                self.skip_ws();
                continue;
            }
            return Ok(out);
        }
    }

    fn element(&mut self) -> Result<Element<'s>, PipelineError> {
        self.skip_ws();
        let start = self.pos;
        let len = self.text[start..].find(|c: char| !is_name_char(c)).unwrap_or(self.text.len() - start);
        if len == 0 {
            let msg = match self.peek() {
                None => "expected a pass name, found the end of the pipeline".to_string(),
                Some(c) => format!("expected a pass name or an op name followed by '(', found '{c}'"),
            };
            return Err(PipelineError::new(start, msg));
        }
        let name = &self.text[start..start + len];
        self.pos += len;
        self.skip_ws();
        match self.peek() {
            Some('(') => {
                self.open.push((self.pos, name));
                self.pos += 1;
                let elements = self.list()?;
                self.skip_ws();
                if self.peek() != Some(')') {
                    let (at, anchor) = self.open.last().copied().unwrap();
                    let column = self.text[..at].chars().count() + 1;
                    let found = match self.peek() {
                        None => "the end of the pipeline".to_string(),
                        Some(c) => format!("'{c}'"),
                    };
                    return Err(PipelineError::new(
                        self.pos,
                        format!("expected ')' to close '{anchor}(' opened at column {column}, found {found}"),
                    ));
                }
                self.open.pop();
                self.pos += 1;
                Ok(Element::Nested { anchor: name, offset: start, elements })
            }
            Some('{') => {
                let body_start = self.pos + 1;
                let (mut depth, mut quote) = (0i32, None);
                for (i, c) in self.text[self.pos..].char_indices() {
                    match (quote, c) {
                        (Some(q), c) if c == q => quote = None,
                        (Some(_), _) => {}
                        (None, '"' | '\'') => quote = Some(c),
                        (None, '{') => depth += 1,
                        (None, '}') => {
                            depth -= 1;
                            if depth == 0 {
                                let end = self.pos + i;
                                self.pos = end + 1;
                                return Ok(Element::Pass {
                                    name,
                                    offset: start,
                                    options: Some((body_start, &self.text[body_start..end])),
                                });
                            }
                        }
                        _ => {}
                    }
                }
                Err(PipelineError::new(body_start - 1, format!("options of '{name}' are missing their closing '}}'")))
            }
            _ => Ok(Element::Pass { name, offset: start, options: None }),
        }
    }
}

//! Diagnostics: a severity, a location, a message and attached notes.
//!
//! Libraries return [`Diagnostic`]s (a `thiserror` error); binaries render them with
//! [`DiagnosticRenderer`] as `file:line:col: error: message`, followed by the source line and a
//! caret when the source text is known, as mlir-opt does.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use crate::attributes::Location;
use crate::Context;

#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum Severity {
    Error,
    Warning,
    Note,
    Remark,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
            Severity::Remark => "remark",
        }
    }
}

/// A located message with optional notes.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct Diagnostic {
    pub severity: Severity,
    pub loc: Location,
    pub message: String,
    pub notes: Vec<Diagnostic>,
}

impl Diagnostic {
    pub fn error(loc: Location, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, loc, message: message.into(), notes: Vec::new() }
    }
    pub fn warning(loc: Location, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(loc, message) }
    }
    pub fn remark(loc: Location, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Remark, ..Diagnostic::error(loc, message) }
    }
    /// Attaches a note.
    pub fn with_note(mut self, loc: Location, message: impl Into<String>) -> Self {
        self.notes.push(Diagnostic { severity: Severity::Note, ..Diagnostic::error(loc, message) });
        self
    }
}

/// Result of fallible IR operations.
pub type DiagResult<T> = Result<T, Diagnostic>;

/// Renders diagnostics with the source lines they point at.
#[derive(Default)]
pub struct DiagnosticRenderer {
    sources: HashMap<String, Arc<str>>,
}

impl DiagnosticRenderer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the text of `file` available for source excerpts. It is shared, not copied: the
    /// input of a large file is the biggest thing a tool holds besides its IR.
    pub fn add_source(&mut self, file: &str, text: Arc<str>) {
        self.sources.insert(file.to_string(), text);
    }

    /// `file:line:col: severity: message`, the source line with a caret, then the notes.
    pub fn render(&self, ctx: &Context, diag: &Diagnostic) -> String {
        let mut out = String::new();
        self.render_one(ctx, diag, &mut out);
        for note in &diag.notes {
            self.render_one(ctx, note, &mut out);
        }
        out
    }

    fn render_one(&self, ctx: &Context, diag: &Diagnostic, out: &mut String) {
        match ctx.loc_file_line_col(diag.loc) {
            Some((file, line, col)) => {
                let _ = writeln!(out, "{file}:{line}:{col}: {}: {}", diag.severity.as_str(), diag.message);
                // Line 0 is in no line of the file (the implicit module's location): no snippet.
                let line_text = (line as usize).checked_sub(1).and_then(|i| self.sources.get(file)?.lines().nth(i));
                if let Some(text) = line_text {
                    let caret_at: usize = text.chars().take(col.saturating_sub(1) as usize).map(char::len_utf8).sum();
                    let pad: String =
                        text[..caret_at.min(text.len())].chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
                    let _ = writeln!(out, "{text}\n{pad}^");
                }
            }
            None => {
                let _ = writeln!(
                    out,
                    "{}: {}: {}",
                    crate::printer::loc_to_string(ctx, diag.loc),
                    diag.severity.as_str(),
                    diag.message
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_at_line_zero_renders_without_a_snippet() {
        let ctx = Context::new();
        let mut r = DiagnosticRenderer::new();
        r.add_source("f.mlir", Arc::from("module {\n}\n"));
        let at = |line| ctx.file_loc_in(ctx.ident("f.mlir"), line, if line == 0 { 0 } else { 3 });
        let module = r.render(&ctx, &Diagnostic::error(at(0), "on the module"));
        assert_eq!(module, "f.mlir:0:0: error: on the module\n");
        let first = r.render(&ctx, &Diagnostic::error(at(1), "here"));
        assert_eq!(first, "f.mlir:1:3: error: here\nmodule {\n  ^\n");
    }
}

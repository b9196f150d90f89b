//! Messages as LLVM's FileCheck prints them, the annotated input dump, and `--diff`.

use std::fmt::Write;

use crate::checkfile::{Directive, Kind};

/// A mark on the input for the dump: `^~~` for a match, `X~~` for a failure.
struct Mark {
    start: usize,
    end: usize,
    label: String,
    failed: bool,
}

/// Diagnostics and dump annotations of one run.
pub struct Report<'a> {
    pub check_name: &'a str,
    pub check_text: &'a str,
    pub input_name: &'a str,
    pub input: &'a str,
    pub out: String,
    marks: Vec<Mark>,
    /// (pattern text, where it matched) of positive checks, for `--diff`.
    pub trail: Vec<(String, Option<usize>)>,
}

fn line_of(text: &str, offset: usize) -> (usize, usize, &str) {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |p| p + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |p| offset + p);
    let line = text[..offset].matches('\n').count() + 1;
    (line, offset - start + 1, &text[start..end])
}

impl<'a> Report<'a> {
    pub fn new(check_name: &'a str, check_text: &'a str, input_name: &'a str, input: &'a str) -> Self {
        Report { check_name, check_text, input_name, input, out: String::new(), marks: Vec::new(), trail: Vec::new() }
    }

    fn at_check(&mut self, d: &Directive, severity: &str, message: &str) {
        if d.line == 0 {
            let _ = writeln!(self.out, "{}: {severity}: {message}", self.check_name);
            return;
        }
        let line = self.check_text.lines().nth(d.line - 1).unwrap_or("");
        let _ = writeln!(self.out, "{}:{}:{}: {severity}: {message}", self.check_name, d.line, d.column);
        let _ = writeln!(self.out, "{line}\n{}^", " ".repeat(d.column.saturating_sub(1)));
    }

    fn at_input(&mut self, offset: usize, severity: &str, message: &str) {
        let (line, col, text) = line_of(self.input, offset);
        let _ = writeln!(self.out, "{}:{line}:{col}: {severity}: {message}", self.input_name);
        let _ = writeln!(self.out, "{text}\n{}^", " ".repeat(col - 1));
    }

    fn label(d: &Directive) -> String {
        let kind = match d.kind {
            Kind::Plain | Kind::Eof => "check",
            Kind::Next => "next",
            Kind::Same => "same",
            Kind::Not => "not",
            Kind::Dag => "dag",
            Kind::Label => "label",
            Kind::Empty => "empty",
            Kind::Count(_) => "count",
        };
        format!("{kind}:{}", d.line)
    }

    pub fn matched(&mut self, d: &Directive, start: usize, end: usize) {
        if !matches!(d.kind, Kind::Not | Kind::Dag) {
            self.trail.push((d.pattern.describe(), Some(start)));
        }
        self.marks.push(Mark { start, end, label: Self::label(d), failed: false });
    }

    pub fn not_found(&mut self, d: &Directive, from: usize, end: usize) {
        self.trail.push((d.pattern.describe(), None));
        self.at_check(d, "error", &format!("{}: expected string not found in input", d.name()));
        self.at_input(from, "note", "scanning from here");
        // The line of the searched text most like the pattern.
        let wanted = d.pattern.describe();
        let mut best: Option<(usize, usize)> = None;
        let mut at = from;
        for line in self.input[from..end].split_inclusive('\n') {
            let dist = similar::TextDiff::from_chars(wanted.as_str(), line.trim()).ratio();
            let score = ((1.0 - dist) * 1000.0) as usize;
            if best.is_none_or(|(s, _)| score < s) && dist > 0.5 {
                best = Some((score, at + (line.len() - line.trim_start().len())));
            }
            at += line.len();
        }
        if let Some((_, offset)) = best {
            self.at_input(offset, "note", "possible intended match here");
        }
        self.marks.push(Mark { start: from, end, label: Self::label(d), failed: true });
    }

    pub fn undefined(&mut self, d: &Directive, at: usize, names: &[String]) {
        let list: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        self.at_check(d, "error", &format!("{}: expected string not found in input", d.name()));
        self.at_input(at, "note", &format!("uses undefined variable(s): {}", list.join(" ")));
    }

    pub fn excluded_found(&mut self, d: &Directive, start: usize, end: usize) {
        self.at_check(d, "error", &format!("{}: excluded string found in input", d.name()));
        self.at_input(start, "note", "found here");
        self.marks.push(Mark { start, end, label: Self::label(d), failed: true });
    }

    pub fn placement(&mut self, d: &Directive, at: usize, what: &str) {
        self.at_check(d, "error", &format!("{}: {what}", d.name()));
        self.at_input(
            at,
            "note",
            &format!("'{}' match was here", d.kind.suffix().trim_start_matches('-').to_lowercase()),
        );
        self.marks.push(Mark { start: at, end: at + 1, label: Self::label(d), failed: true });
    }

    pub fn error_at(&mut self, d: &Directive, message: String) {
        self.at_check(d, "error", &message);
    }

    /// The annotated input dump (`--dump-input`).
    pub fn dump(&self) -> String {
        let mut out = format!(
            "\nInput file: {}\nCheck file: {}\n\n-dump-input=help explains the following input dump.\n\nInput was:\n<<<<<<\n",
            self.input_name, self.check_name
        );
        let width = self.input.lines().count().to_string().len().max(6);
        let mut offset = 0;
        for (n, line) in self.input.split_inclusive('\n').enumerate() {
            let text = line.trim_end_matches('\n');
            let _ = writeln!(out, "{:>width$}: {text}", n + 1);
            let (ls, le) = (offset, offset + line.len());
            for m in &self.marks {
                if m.start >= ls && m.start < le.max(ls + 1) {
                    let col = m.start - ls;
                    let len = (m.end.min(ls + text.len()).saturating_sub(m.start)).max(1);
                    let (head, tail) = if m.failed { ('X', " error: no match found") } else { ('^', "") };
                    let _ = writeln!(
                        out,
                        "{:<w2$}{}{head}{}{tail}",
                        m.label,
                        " ".repeat(col + width + 2 - m.label.len().min(col + width + 2)),
                        "~".repeat(len - 1),
                        w2 = m.label.len()
                    );
                }
            }
            offset += line.len();
        }
        out.push_str(">>>>>>\n");
        out
    }

    /// A unified diff of what the checks expected against the input lines they were matched
    /// in (or the line searching started at, for the one that failed).
    pub fn diff(&self) -> String {
        let expected: String = self.trail.iter().map(|(p, _)| format!("{p}\n")).collect();
        let found: String = self
            .trail
            .iter()
            .map(|(_, at)| match at {
                Some(a) => format!("{}\n", line_of(self.input, *a).2.trim()),
                None => "<not found>\n".to_string(),
            })
            .collect();
        let diff = similar::TextDiff::from_lines(&expected, &found);
        format!("{}", diff.unified_diff().header("expected", "found"))
    }
}

//! `--verify-diagnostics`: `// expected-error@+1 {{message}}` comments checked against the
//! diagnostics a run produced. As upstream: `@+N`, `@-N`, `@above`, `@below`, spaces before
//! `@` and `{{`, and `expected-error-re {{text {{regex}} text}}`, whose `{{...}}` parts are
//! regular expressions and the rest literal text.

use strata_ir::{Context, Diagnostic, Severity};

/// One `expected-*` comment.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub severity: Severity,
    /// Line (in the file) the diagnostic must be reported on.
    pub line: u32,
    /// Line of the comment itself, for reporting a miss.
    pub comment_line: u32,
    pub column: u32,
    pub text: String,
    /// For `expected-*-re`: `text` as a regular expression.
    pub regex: Option<fancy_regex::Regex>,
    pub matched: bool,
}

impl Expectation {
    fn matches(&self, message: &str) -> bool {
        match &self.regex {
            Some(r) => r.is_match(message).unwrap_or(false),
            None => message.contains(&self.text),
        }
    }
}

/// `text {{regex}} text` as one regular expression: literal text escaped, `{{...}}` kept.
fn regex_of(body: &str) -> Result<fancy_regex::Regex, String> {
    let mut pattern = String::new();
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        pattern.push_str(&fancy_regex::escape(&rest[..open]));
        let Some(close) = rest[open + 2..].find("}}") else {
            return Err(format!("expected '}}}}' to close a regex in '{body}'"));
        };
        pattern.push_str(&format!("(?:{})", &rest[open + 2..open + 2 + close]));
        rest = &rest[open + 2 + close + 2..];
    }
    pattern.push_str(&fancy_regex::escape(rest));
    fancy_regex::Regex::new(&pattern).map_err(|e| format!("invalid regex in '{body}': {e}"))
}

/// Reads the expectations of `src`, whose first line is line `first_line` of the file.
pub fn parse_expectations(src: &str, first_line: u32) -> Result<Vec<Expectation>, String> {
    let mut out = Vec::new();
    let lines: Vec<&str> = src.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let mut rest = *line;
        let mut col_base = 0;
        while let Some(pos) = rest.find("expected-") {
            let after = &rest[pos + "expected-".len()..];
            let (severity, kw_len) = if after.starts_with("error") {
                (Severity::Error, 5)
            } else if after.starts_with("warning") {
                (Severity::Warning, 7)
            } else if after.starts_with("remark") {
                (Severity::Remark, 6)
            } else if after.starts_with("note") {
                (Severity::Note, 4)
            } else {
                rest = after;
                col_base += pos + 9;
                continue;
            };
            let mut tail = &after[kw_len..];
            let is_regex = tail.starts_with("-re");
            if is_regex {
                tail = &tail[3..];
            }
            let this_line = first_line + i as u32;
            let mut target = this_line;
            if let Some(t) = tail.trim_start().strip_prefix('@') {
                let end = t.find(|c: char| c.is_whitespace() || c == '{').unwrap_or(t.len());
                let spec = &t[..end];
                target = match spec {
                    "above" => this_line - 1,
                    "below" => this_line + 1,
                    s if s.starts_with('+') || s.starts_with('-') => {
                        let n: i64 = s
                            .parse()
                            .map_err(|_| format!("line {this_line}: invalid offset '{s}' in expected-* directive"))?;
                        (this_line as i64 + n) as u32
                    }
                    s => return Err(format!("line {this_line}: invalid location '{s}' in expected-* directive")),
                };
                tail = &t[end..];
            }
            let tail_trim = tail.trim_start();
            let Some(body) = tail_trim.strip_prefix("{{") else {
                return Err(format!("line {this_line}: expected '{{{{' in expected-* directive"));
            };
            // A regex body holds `{{...}}` of its own: it ends at the line's last `}}`.
            let end = if is_regex { body.rfind("}}") } else { body.find("}}") };
            let Some(end) = end else {
                return Err(format!("line {this_line}: expected '}}}}' to close expected-* directive"));
            };
            let text = body[..end].to_string();
            let regex =
                if is_regex { Some(regex_of(&text).map_err(|e| format!("line {this_line}: {e}"))?) } else { None };
            out.push(Expectation {
                severity,
                line: target,
                comment_line: this_line,
                column: (col_base + pos + 1) as u32,
                text,
                regex,
                matched: false,
            });
            let consumed = line.len() - rest.len() + pos + "expected-".len();
            col_base = consumed;
            rest = &line[consumed..];
        }
    }
    Ok(out)
}

/// Matches diagnostics (and their notes) against expectations; returns the problems found,
/// already rendered as `file:line:col: error: ...` lines.
pub fn check(ctx: &Context, file: &str, diags: &[Diagnostic], expected: &mut [Expectation]) -> Vec<String> {
    let mut problems = Vec::new();
    let flat = diags.iter().flat_map(|d| std::iter::once(d).chain(d.notes.iter()));
    for d in flat {
        let line = ctx.loc_file_line_col(d.loc).map(|(_, l, _)| l);
        let hit = expected
            .iter_mut()
            .find(|e| !e.matched && e.severity == d.severity && Some(e.line) == line && e.matches(&d.message));
        match hit {
            Some(e) => e.matched = true,
            None => {
                let (f, l, c) = ctx.loc_file_line_col(d.loc).map(|(f, l, c)| (f.to_string(), l, c)).unwrap_or((
                    file.to_string(),
                    0,
                    0,
                ));
                problems.push(format!("{f}:{l}:{c}: error: unexpected {}: {}", d.severity.as_str(), d.message));
            }
        }
    }
    for e in expected.iter().filter(|e| !e.matched) {
        problems.push(format!(
            "{file}:{}:{}: error: expected {} \"{}\" was not produced",
            e.comment_line,
            e.column,
            e.severity.as_str(),
            e.text
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_offsets_and_text() {
        let src = "// expected-error@+1 {{bad thing}}\nx\n  y // expected-warning {{w}} expected-note@above {{n}}\n";
        let e = parse_expectations(src, 10).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!((e[0].line, e[0].text.as_str()), (11, "bad thing"));
        assert_eq!((e[1].line, e[1].severity), (12, Severity::Warning));
        assert_eq!((e[2].line, e[2].severity), (11, Severity::Note));
    }

    #[test]
    fn regex_directives_and_spaced_offsets() {
        let src = "// expected-error-re @+1 {{op {{[a-z]+}} #{{[0-9]}} (x)}}\n";
        let e = parse_expectations(src, 1).unwrap();
        assert_eq!(e[0].line, 2);
        assert!(e[0].matches("the op operand #0 (x) is bad"));
        assert!(!e[0].matches("the op 42 #0 (x)"), "the literal parts stay literal, the regex parts match");
        assert!(parse_expectations("// expected-error-re {{a {{[}} b}}", 1).is_err());
    }

    #[test]
    fn malformed_directive_is_an_error() {
        assert!(parse_expectations("// expected-error@+x {{a}}", 1).is_err());
        assert!(parse_expectations("// expected-error {{a", 1).is_err());
    }
}

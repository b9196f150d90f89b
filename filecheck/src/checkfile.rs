//! Reading a check file: directives (`CHECK`, `-NEXT`, `-SAME`, `-NOT`, `-DAG`, `-LABEL`,
//! `-EMPTY`, `-COUNT-n`, `{LITERAL}`), comment prefixes, and their patterns.

use crate::options::Options;
use crate::pattern::Pattern;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Plain,
    Next,
    Same,
    Not,
    Dag,
    Label,
    Empty,
    Count(usize),
    /// The end of input, carrying trailing `-NOT`/`-DAG`.
    Eof,
}

impl Kind {
    pub fn suffix(self) -> String {
        match self {
            Kind::Plain | Kind::Eof => String::new(),
            Kind::Next => "-NEXT".into(),
            Kind::Same => "-SAME".into(),
            Kind::Not => "-NOT".into(),
            Kind::Dag => "-DAG".into(),
            Kind::Label => "-LABEL".into(),
            Kind::Empty => "-EMPTY".into(),
            Kind::Count(n) => format!("-COUNT-{n}"),
        }
    }
}

/// One directive: where it is, what it is, and its pattern.
#[derive(Clone, Debug)]
pub struct Directive {
    pub kind: Kind,
    pub prefix: String,
    pub pattern: Pattern,
    /// 1-based line and column of the pattern text in the check file.
    pub line: usize,
    pub column: usize,
}

impl Directive {
    pub fn name(&self) -> String {
        format!("{}{}", self.prefix, self.kind.suffix())
    }
}

/// A positive directive with the `-NOT`/`-DAG` directives before it.
#[derive(Clone, Debug)]
pub struct CheckString {
    pub check: Directive,
    pub dag_not: Vec<Directive>,
}

/// A check file that cannot be used: exit status 2.
#[derive(Clone, Debug)]
pub struct CheckFileError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

enum Found {
    Directive { kind: Kind, literal: bool, rest: usize },
    Comment,
    Bad(String),
    Not,
}

/// What follows a prefix at `at` (the byte after the prefix).
fn classify(text: &str, at: usize, is_comment: bool, prefix: &str) -> Found {
    let b = text.as_bytes();
    let Some(&next) = b.get(at) else { return Found::Not };
    if is_comment {
        return if next == b':' { Found::Comment } else { Found::Not };
    }
    let modifiers = |mut i: usize, kind: Kind| -> Found {
        let mut literal = false;
        if b.get(i) == Some(&b'{') {
            let Some(close) = text[i..].find('}') else {
                return Found::Bad(format!("missing closing '}}' in modifiers of {prefix}"));
            };
            for m in text[i + 1..i + close].split(',') {
                match m.trim() {
                    "LITERAL" => literal = true,
                    other => return Found::Bad(format!("unknown modifier '{other}'")),
                }
            }
            i += close + 1;
        }
        if b.get(i) == Some(&b':') {
            Found::Directive { kind, literal, rest: i + 1 }
        } else {
            Found::Not
        }
    };
    if next == b':' || next == b'{' {
        return modifiers(at, Kind::Plain);
    }
    if next != b'-' {
        return Found::Not;
    }
    let rest = &text[at + 1..];
    if let Some(count) = rest.strip_prefix("COUNT-") {
        let digits: String = count.chars().take_while(|c| c.is_ascii_digit()).collect();
        let n: i64 = digits.parse().unwrap_or(0);
        let after = at + 1 + 6 + digits.len();
        if digits.is_empty() || n <= 0 || n > i32::MAX as i64 || !matches!(b.get(after), Some(b':' | b'{')) {
            return Found::Bad(format!("invalid count in -COUNT specification on prefix '{prefix}'"));
        }
        return modifiers(after, Kind::Count(n as usize));
    }
    for (word, kind) in [
        ("NEXT", Kind::Next),
        ("SAME", Kind::Same),
        ("NOT", Kind::Not),
        ("DAG", Kind::Dag),
        ("LABEL", Kind::Label),
        ("EMPTY", Kind::Empty),
    ] {
        if rest.starts_with(word) && matches!(b.get(at + 1 + word.len()), Some(b':' | b'{')) {
            return modifiers(at + 1 + word.len(), kind);
        }
    }
    for combo in
        ["DAG-NOT:", "NOT-DAG:", "NEXT-NOT:", "NOT-NEXT:", "SAME-NOT:", "NOT-SAME:", "EMPTY-NOT:", "NOT-EMPTY:"]
    {
        if rest.starts_with(combo) {
            return Found::Bad(format!("unsupported -NOT combo on prefix '{prefix}'"));
        }
    }
    Found::Not
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = offset - before.rfind('\n').map_or(0, |p| p + 1) + 1;
    (line, col)
}

/// Reads the directives of `text` (already canonicalized).
pub fn read(text: &str, opts: &Options) -> Result<(Vec<CheckString>, Vec<String>), CheckFileError> {
    let prefixes = opts.prefixes();
    let comments = opts.comments();
    let mut all: Vec<(String, bool)> = prefixes.iter().map(|p| (p.clone(), false)).collect();
    all.extend(comments.iter().map(|p| (p.clone(), true)));
    let mut used: Vec<String> = Vec::new();
    let mut strings: Vec<CheckString> = Vec::new();
    let implicit: Vec<Directive> = opts
        .implicit_check_not
        .iter()
        .map(|p| {
            let pattern = Pattern::parse(p, 0, false, false, &Default::default()).map_err(|e| CheckFileError {
                line: 0,
                column: 0,
                message: format!("bad --implicit-check-not pattern '{p}': {}", e.message),
            })?;
            Ok(Directive { kind: Kind::Not, prefix: "IMPLICIT-CHECK".into(), pattern, line: 0, column: 0 })
        })
        .collect::<Result<_, _>>()?;
    let mut pending: Vec<Directive> = implicit.clone();
    let mut known_numeric: std::collections::HashSet<String> = opts
        .numeric_defines
        .iter()
        .filter_map(|d| d.split('=').next())
        .map(|lhs| lhs.rsplit(',').next().unwrap_or(lhs).trim().to_string())
        .collect();
    let bytes = text.as_bytes();
    let mut pos = 0;
    while pos < text.len() {
        // The earliest prefix occurrence; at one position the longest prefix.
        let mut best: Option<(usize, &str, bool)> = None;
        for (p, is_comment) in &all {
            let mut from = pos;
            while let Some(found) = text[from..].find(p.as_str()) {
                let at = from + found;
                if at > 0 && is_word(bytes[at - 1]) {
                    from = at + 1;
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((b, bp, _)) => at < b || (at == b && p.len() > bp.len()),
                };
                if better {
                    best = Some((at, p.as_str(), *is_comment));
                }
                break;
            }
        }
        let Some((at, prefix, is_comment)) = best else { break };
        let after = at + prefix.len();
        let (line, column) = line_col(text, at);
        match classify(text, after, is_comment, prefix) {
            Found::Not => {
                pos = after;
                continue;
            }
            Found::Bad(message) => return Err(CheckFileError { line, column, message }),
            Found::Comment => {
                pos = text[after..].find('\n').map_or(text.len(), |e| after + e);
                continue;
            }
            Found::Directive { kind, literal, rest } => {
                let eol = text[rest..].find(['\n', '\r']).map_or(text.len(), |e| rest + e);
                let raw = &text[rest..eol];
                let skip_leading = !(opts.strict_whitespace && opts.match_full_lines);
                let lead = if skip_leading { raw.len() - raw.trim_start_matches([' ', '\t']).len() } else { 0 };
                let body = raw[lead..].trim_end_matches([' ', '\t']);
                let (pline, pcol) = line_col(text, rest + lead);
                pos = eol;
                let name = format!("{prefix}{}", kind.suffix());
                if body.is_empty() && kind != Kind::Empty {
                    return Err(CheckFileError {
                        line,
                        column,
                        message: format!("found empty check string with prefix '{prefix}:'"),
                    });
                }
                if !body.is_empty() && kind == Kind::Empty {
                    return Err(CheckFileError {
                        line,
                        column,
                        message: format!("found non-empty check string for empty check with prefix '{prefix}:'"),
                    });
                }
                let full_line = opts.match_full_lines && kind != Kind::Not;
                let pattern = if kind == Kind::Empty {
                    Pattern::empty(line)
                } else {
                    Pattern::parse(body, line, literal, full_line, &known_numeric).map_err(|e| CheckFileError {
                        line: pline,
                        column: pcol + e.offset,
                        message: e.message,
                    })?
                };
                known_numeric.extend(pattern.numeric_definitions());
                if kind == Kind::Label && pattern.has_variables() {
                    return Err(CheckFileError {
                        line,
                        column,
                        message: format!("found '{name}:' with variable definition or use"),
                    });
                }
                if matches!(kind, Kind::Next | Kind::Same | Kind::Empty) && strings.is_empty() {
                    return Err(CheckFileError {
                        line,
                        column,
                        message: format!("found '{name}' without previous '{prefix}: line"),
                    });
                }
                if !used.iter().any(|u| u == prefix) {
                    used.push(prefix.to_string());
                }
                let d = Directive { kind, prefix: prefix.to_string(), pattern, line: pline, column: pcol };
                if matches!(kind, Kind::Not | Kind::Dag) {
                    pending.push(d);
                } else {
                    strings.push(CheckString { check: d, dag_not: std::mem::replace(&mut pending, implicit.clone()) });
                }
            }
        }
    }
    if pending.len() > implicit.len() || !implicit.is_empty() {
        let prefix = prefixes[0].clone();
        let eof = Directive { kind: Kind::Eof, prefix, pattern: Pattern::empty(0), line: 0, column: 0 };
        strings.push(CheckString { check: eof, dag_not: pending });
    }
    Ok((strings, used))
}

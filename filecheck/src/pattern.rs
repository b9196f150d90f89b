//! Check patterns: fixed text, `{{regex}}`, `[[VAR:regex]]` / `[[VAR]]`, numeric blocks
//! `[[#%x,VAR:]]` / `[[#VAR+1]]`, and `[[@LINE+N]]`, compiled to one regex at match time.

use std::collections::HashMap;

use fancy_regex::Regex;

/// A number's textual form (`%u`, `%d`, `%x`, `%X`, with an optional `.precision`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumFormat {
    pub spec: char,
    pub precision: usize,
}

impl Default for NumFormat {
    fn default() -> Self {
        NumFormat { spec: 'u', precision: 0 }
    }
}

impl NumFormat {
    fn regex(self) -> String {
        let digits = match self.spec {
            'x' => "[0-9a-f]",
            'X' => "[0-9A-F]",
            _ => "[0-9]",
        };
        let sign = if self.spec == 'd' { "-?" } else { "" };
        if self.precision > 0 {
            format!("{sign}{digits}{{{},}}", self.precision)
        } else {
            format!("{sign}{digits}+")
        }
    }
    pub fn render(self, v: i128) -> String {
        let p = self.precision;
        match self.spec {
            'x' => format!("{v:0p$x}"),
            'X' => format!("{v:0p$X}"),
            _ if v < 0 => format!("-{:0p$}", -v),
            _ => format!("{v:0p$}"),
        }
    }
    pub fn parse(self, text: &str) -> Option<i128> {
        match self.spec {
            'x' | 'X' => i128::from_str_radix(text, 16).ok(),
            _ => text.parse().ok(),
        }
    }
}

/// A numeric expression: terms added or subtracted.
#[derive(Clone, Debug)]
pub struct NumExpr {
    pub terms: Vec<(i128, Term)>,
}

#[derive(Clone, Debug)]
pub enum Term {
    Var(String),
    Line,
    Literal(i128),
}

#[derive(Clone, Debug)]
pub enum Piece {
    Text(String),
    Regex(String),
    Def { name: String, regex: String },
    Use(String),
    NumDef { name: String, format: NumFormat },
    NumUse { expr: NumExpr, format: Option<NumFormat> },
}

/// A parsed pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub pieces: Vec<Piece>,
    /// The directive's line in the check file (for `@LINE`).
    pub line: usize,
    pub full_line: bool,
    pub empty_line: bool,
}

/// A syntax error at a byte offset within the pattern text.
#[derive(Debug, Clone)]
pub struct PatternError {
    pub offset: usize,
    pub message: String,
}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, PatternError> {
    Err(PatternError { offset, message: message.into() })
}

fn valid_name(name: &str) -> bool {
    let n = name.strip_prefix('$').unwrap_or(name);
    let mut chars = n.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// LLVM's `FindRegexVarEnd`: the `]]` that closes a `[[`, skipping brackets inside.
fn var_end(s: &str) -> Result<Option<usize>, String> {
    let b = s.as_bytes();
    let (mut i, mut depth) = (0usize, 0usize);
    while i < b.len() {
        if depth == 0 && b[i..].starts_with(b"]]") {
            return Ok(Some(i));
        }
        match b[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'[' => depth += 1,
            b']' => {
                if depth == 0 {
                    return Err("missing closing \"]\" for regex variable".into());
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(None)
}

/// POSIX classes negated in LLVM's newline-sensitive mode do not match a newline; Rust's do.
pub fn translate_regex(r: &str) -> String {
    let mut out = String::with_capacity(r.len() + 4);
    let b = r.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            out.push_str(&r[i..i + 2]);
            i += 2;
            continue;
        }
        if b[i..].starts_with(b"[^") {
            out.push_str("[^\\n");
            i += 2;
            continue;
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

fn check_regex(r: &str, at: usize) -> Result<(), PatternError> {
    match Regex::new(&translate_regex(r)) {
        Ok(_) => Ok(()),
        Err(e) => err(at, format!("invalid regex: {e}")),
    }
}

fn parse_num_block(body: &str, at: usize) -> Result<Piece, PatternError> {
    let mut rest = body.trim();
    let mut format = None;
    if let Some(f) = rest.strip_prefix('%') {
        let comma = f.find(',').ok_or(PatternError {
            offset: at,
            message: "invalid matching format specification in expression".into(),
        })?;
        let spec = f[..comma].trim();
        let (precision, letter) = match spec.strip_prefix('.') {
            Some(p) => {
                let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
                (digits.parse().unwrap_or(0), &p[digits.len()..])
            }
            None => (0, spec),
        };
        let c = match letter {
            "u" | "d" | "x" | "X" => letter.chars().next().unwrap(),
            _ => return err(at, format!("invalid format specifier in expression: {spec}")),
        };
        format = Some(NumFormat { spec: c, precision });
        rest = f[comma + 1..].trim();
    }
    if let Some(colon) = rest.find(':') {
        let name = rest[..colon].trim();
        if !valid_name(name) {
            return err(at, format!("invalid variable name '{name}'"));
        }
        if !rest[colon + 1..].trim().is_empty() {
            return err(at, "numeric variable definitions with a constraint are not supported");
        }
        return Ok(Piece::NumDef { name: name.to_string(), format: format.unwrap_or_default() });
    }
    let expr = parse_expr(rest, at)?;
    Ok(Piece::NumUse { expr, format })
}

fn parse_expr(text: &str, at: usize) -> Result<NumExpr, PatternError> {
    let mut terms = Vec::new();
    let mut sign = 1i128;
    let mut s = text.trim();
    if s.is_empty() {
        return err(at, "empty numeric expression should be followed by a matching constraint");
    }
    loop {
        let len = s.find(|c: char| c == '+' || c == '-' || c.is_whitespace()).unwrap_or(s.len());
        let len = if len == 0 { s.len() } else { len };
        let tok = &s[..len];
        let term = if tok == "@LINE" {
            Term::Line
        } else if let Ok(n) = tok.parse::<i128>() {
            Term::Literal(n)
        } else if valid_name(tok) {
            Term::Var(tok.to_string())
        } else {
            return err(at, format!("invalid operand format '{tok}'"));
        };
        terms.push((sign, term));
        s = s[len..].trim_start();
        match s.chars().next() {
            None => break,
            Some('+') => sign = 1,
            Some('-') => sign = -1,
            Some(c) => return err(at, format!("unsupported operation '{c}'")),
        }
        s = s[1..].trim_start();
        if s.is_empty() {
            return err(at, "missing operand in expression");
        }
    }
    Ok(NumExpr { terms })
}

impl Pattern {
    /// Parses pattern text (already trimmed). `literal` takes it as fixed text. `known_numeric`
    /// names the numeric variables defined by earlier directives (or `-D#`): as in LLVM, a use
    /// of one of those on the line that redefines it takes its earlier value, while a use of a
    /// variable first defined on this very line is an error.
    pub fn parse(
        text: &str,
        line: usize,
        literal: bool,
        full_line: bool,
        known_numeric: &std::collections::HashSet<String>,
    ) -> Result<Pattern, PatternError> {
        let mut pieces = Vec::new();
        if literal {
            // As LLVM: a literal pattern is fixed text, even under --match-full-lines.
            pieces.push(Piece::Text(text.to_string()));
            return Ok(Pattern { pieces, line, full_line: false, empty_line: false });
        }
        let mut i = 0;
        let mut defined_here: Vec<String> = Vec::new();
        while i < text.len() {
            let rest = &text[i..];
            if let Some(body) = rest.strip_prefix("{{") {
                let Some(end) = body.find("}}") else {
                    return err(i, "found start of regex string with no end '}}'");
                };
                let r = &body[..end];
                if r.is_empty() {
                    return err(i, "found empty regex string");
                }
                check_regex(r, i)?;
                pieces.push(Piece::Regex(r.to_string()));
                i += 2 + end + 2;
            } else if let Some(body) = rest.strip_prefix("[[") {
                let end = match var_end(body) {
                    Ok(Some(e)) => e,
                    Ok(None) => return err(i, "Invalid substitution block, no ]] found"),
                    Err(m) => return err(i, m),
                };
                let inner = &body[..end];
                if let Some(num) = inner.strip_prefix('#') {
                    let p = parse_num_block(num, i)?;
                    if let Piece::NumUse { expr, .. } = &p {
                        for (_, t) in &expr.terms {
                            if let Term::Var(n) = t {
                                if defined_here.contains(n) && !known_numeric.contains(n) {
                                    let at = i + 2 + inner.find(n.as_str()).unwrap_or(0);
                                    return err(
                                        at,
                                        format!("numeric variable '{n}' defined earlier in the same CHECK directive"),
                                    );
                                }
                            }
                        }
                    }
                    if let Piece::NumDef { name, .. } = &p {
                        defined_here.push(name.clone());
                    }
                    pieces.push(p);
                } else if let Some(l) = inner.strip_prefix("@LINE") {
                    let offset: i128 = match l.trim() {
                        "" => 0,
                        t => match (t.chars().next(), t[1..].trim().parse::<i128>()) {
                            (Some('+'), Ok(n)) => n,
                            (Some('-'), Ok(n)) => -n,
                            _ => return err(i, format!("invalid @LINE expression '{inner}'")),
                        },
                    };
                    pieces.push(Piece::Text((line as i128 + offset).to_string()));
                } else if let Some(colon) = inner.find(':') {
                    let name = &inner[..colon];
                    if !valid_name(name) {
                        return err(i, format!("invalid name in string variable definition '{name}'"));
                    }
                    let r = &inner[colon + 1..];
                    if r.is_empty() {
                        return err(i, format!("empty regex in definition of variable '{name}'"));
                    }
                    check_regex(r, i)?;
                    defined_here.push(name.to_string());
                    pieces.push(Piece::Def { name: name.to_string(), regex: r.to_string() });
                } else {
                    if !valid_name(inner) {
                        return err(i, format!("invalid name in string variable use '{inner}'"));
                    }
                    pieces.push(Piece::Use(inner.to_string()));
                }
                i += 2 + end + 2;
            } else {
                let next = [rest.find("{{"), rest.find("[[")].into_iter().flatten().min().unwrap_or(rest.len());
                let next = if next == 0 { 1 } else { next };
                match pieces.last_mut() {
                    Some(Piece::Text(t)) => t.push_str(&rest[..next]),
                    _ => pieces.push(Piece::Text(rest[..next].to_string())),
                }
                i += next;
            }
        }
        Ok(Pattern { pieces, line, full_line, empty_line: false })
    }

    /// The pattern of `CHECK-EMPTY`: a newline ending an empty line.
    pub fn empty(line: usize) -> Pattern {
        Pattern { pieces: Vec::new(), line, full_line: false, empty_line: true }
    }

    /// Names of the numeric variables this pattern defines.
    pub fn numeric_definitions(&self) -> Vec<String> {
        self.pieces
            .iter()
            .filter_map(|p| match p {
                Piece::NumDef { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn has_variables(&self) -> bool {
        self.pieces.iter().any(|p| !matches!(p, Piece::Text(_) | Piece::Regex(_)))
    }

    /// The fixed text of the pattern, if it has nothing else.
    pub fn fixed_text(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [Piece::Text(t)] if !self.full_line && !self.empty_line => Some(t),
            _ => None,
        }
    }

    /// A readable form for messages.
    pub fn describe(&self) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.clone(),
                Piece::Regex(r) => format!("{{{{{r}}}}}"),
                Piece::Def { name, regex } => format!("[[{name}:{regex}]]"),
                Piece::Use(n) => format!("[[{n}]]"),
                Piece::NumDef { name, .. } => format!("[[#{name}:]]"),
                Piece::NumUse { .. } => "[[#...]]".to_string(),
            })
            .collect()
    }
}

/// Variable values during a run.
#[derive(Default, Clone, Debug)]
pub struct Vars {
    pub strings: HashMap<String, String>,
    pub numbers: HashMap<String, (i128, NumFormat)>,
}

impl Vars {
    /// Drops variables without a `$` (for `--enable-var-scope` at each label).
    pub fn clear_local(&mut self) {
        self.strings.retain(|k, _| k.starts_with('$'));
        self.numbers.retain(|k, _| k.starts_with('$'));
    }
}

/// Why a pattern could not even be tried.
#[derive(Debug, Clone)]
pub enum MatchError {
    Undefined(Vec<String>),
    Overflow,
}

/// A match: where, how long, and the variables it defined.
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub strings: Vec<(String, String)>,
    pub numbers: Vec<(String, i128, NumFormat)>,
}

impl Pattern {
    fn eval(&self, expr: &NumExpr, vars: &Vars) -> Result<(i128, Option<NumFormat>), MatchError> {
        let mut total: i128 = 0;
        let mut format = None;
        let mut undefined = Vec::new();
        for (sign, term) in &expr.terms {
            let v = match term {
                Term::Line => self.line as i128,
                Term::Literal(n) => *n,
                Term::Var(n) => match vars.numbers.get(n) {
                    Some((v, f)) => {
                        format.get_or_insert(*f);
                        *v
                    }
                    None => {
                        undefined.push(n.clone());
                        0
                    }
                },
            };
            total = total.checked_add(sign * v).ok_or(MatchError::Overflow)?;
        }
        if !undefined.is_empty() {
            return Err(MatchError::Undefined(undefined));
        }
        Ok((total, format))
    }

    /// The regex this pattern is with the current variable values.
    fn regex(&self, vars: &Vars, ignore_case: bool, strict: bool) -> Result<String, MatchError> {
        let mut r = String::from("(?m)");
        if ignore_case {
            r.push_str("(?i)");
        }
        if self.empty_line {
            r.push_str("(\\n$)");
            return Ok(r);
        }
        if self.full_line {
            r.push('^');
            if !strict {
                r.push_str(" *");
            }
        }
        let mut local: Vec<&str> = Vec::new();
        let mut undefined = Vec::new();
        for (k, p) in self.pieces.iter().enumerate() {
            match p {
                Piece::Text(t) => r.push_str(&fancy_regex::escape(t)),
                Piece::Regex(x) => {
                    r.push('(');
                    r.push_str(&translate_regex(x));
                    r.push(')');
                }
                Piece::Def { name, regex } => {
                    r.push_str(&format!("(?P<v{k}>"));
                    r.push_str(&translate_regex(regex));
                    r.push(')');
                    local.push(name);
                }
                Piece::NumDef { format, .. } => {
                    r.push_str(&format!("(?P<v{k}>{})", format.regex()));
                }
                Piece::Use(name) => {
                    if let Some(j) =
                        self.pieces[..k].iter().rposition(|q| matches!(q, Piece::Def { name: n, .. } if n == name))
                    {
                        r.push_str(&format!("\\k<v{j}>"));
                    } else if let Some(v) = vars.strings.get(name) {
                        r.push_str(&fancy_regex::escape(v));
                    } else if let Some((v, f)) = vars.numbers.get(name) {
                        r.push_str(&fancy_regex::escape(&f.render(*v)));
                    } else {
                        undefined.push(name.clone());
                    }
                }
                Piece::NumUse { expr, format } => match self.eval(expr, vars) {
                    Ok((v, implied)) => {
                        let f = format.or(implied).unwrap_or_default();
                        // An unsigned format cannot show a negative value.
                        if v < 0 && f.spec != 'd' {
                            return Err(MatchError::Overflow);
                        }
                        r.push_str(&fancy_regex::escape(&f.render(v)));
                    }
                    Err(MatchError::Undefined(u)) => undefined.extend(u),
                    Err(e) => return Err(e),
                },
            }
        }
        if !undefined.is_empty() {
            return Err(MatchError::Undefined(undefined));
        }
        if self.full_line {
            if !strict {
                r.push_str(" *");
            }
            r.push('$');
        }
        Ok(r)
    }

    /// Finds the first match in `text`.
    pub fn find(&self, text: &str, vars: &Vars, ignore_case: bool, strict: bool) -> Result<Option<Found>, MatchError> {
        if let (Some(t), false) = (self.fixed_text(), ignore_case) {
            return Ok(text.find(t).map(|s| Found {
                start: s,
                end: s + t.len(),
                strings: Vec::new(),
                numbers: Vec::new(),
            }));
        }
        let source = self.regex(vars, ignore_case, strict)?;
        let Ok(re) = Regex::new(&source) else { return Ok(None) };
        let Ok(Some(caps)) = re.captures(text) else { return Ok(None) };
        let whole = caps.get(0).unwrap();
        let (mut start, end) = (whole.start(), whole.end());
        if self.empty_line {
            // As LLVM: the match starts after the newline that ends the previous line.
            start += 1;
        }
        let mut strings = Vec::new();
        let mut numbers = Vec::new();
        for (k, p) in self.pieces.iter().enumerate() {
            let value = || caps.name(&format!("v{k}")).map(|m| m.as_str().to_string()).unwrap_or_default();
            match p {
                Piece::Def { name, .. } => strings.push((name.clone(), value())),
                Piece::NumDef { name, format } => {
                    let v = format.parse(&value()).ok_or(MatchError::Overflow)?;
                    numbers.push((name.clone(), v, *format));
                }
                _ => {}
            }
        }
        Ok(Some(Found { start, end, strings, numbers }))
    }
}

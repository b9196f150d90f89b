//! # strata-filecheck
//!
//! LLVM's FileCheck, reimplemented: the same directives, pattern syntax, options, exit
//! statuses (0 match, 1 mismatch, 2 bad check file or usage) and messages, plus `--diff`.
//! Tested against LLVM's own FileCheck on generated cases (`tests/differential.rs`).
//!
//! ```
//! use strata_filecheck::{check, Options};
//! let outcome = check("// CHECK: a[[N:[0-9]+]]\n// CHECK-NEXT: b[[N]]\n", "t", "a7\nb7\n", "<stdin>", &Options::default());
//! assert_eq!(outcome.status, 0);
//! ```

mod checkfile;
pub mod cli;
mod options;
mod pattern;
mod report;
mod run;

pub use options::{DumpInput, Options};

use pattern::{NumFormat, Vars};

/// Exit status and what to print on standard error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: i32,
    pub stderr: String,
}

fn usage(message: String) -> Outcome {
    Outcome { status: 2, stderr: message }
}

/// LLVM's buffer canonicalization: `\r\n` to `\n`, and (unless strict) runs of spaces and
/// tabs to one space.
fn canonicalize(text: &str, strict: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        if strict || (c != ' ' && c != '\t') {
            out.push(c);
            continue;
        }
        out.push(' ');
        while matches!(chars.peek(), Some(' ' | '\t')) {
            chars.next();
        }
    }
    out
}

fn valid_prefix(p: &str) -> bool {
    let mut c = p.chars();
    matches!(c.next(), Some(x) if x.is_ascii_alphabetic())
        && c.all(|x| x.is_ascii_alphanumeric() || x == '-' || x == '_')
}

fn numeric_define(text: &str, vars: &mut Vars) -> Result<(), String> {
    let (lhs, value) = text.split_once('=').ok_or_else(|| format!("missing equal sign in '-D#{text}'"))?;
    let (format, name) = match lhs.strip_prefix('%') {
        Some(f) => {
            let (spec, name) = f.split_once(',').ok_or_else(|| format!("invalid format in '-D#{text}'"))?;
            let c = match spec.trim() {
                "u" => 'u',
                "d" => 'd',
                "x" => 'x',
                "X" => 'X',
                other => return Err(format!("invalid format specifier '{other}'")),
            };
            (NumFormat { spec: c, precision: 0 }, name.trim())
        }
        None => (NumFormat::default(), lhs.trim()),
    };
    let v: i128 = value.trim().parse().map_err(|_| format!("invalid value in '-D#{text}'"))?;
    vars.numbers.insert(name.to_string(), (v, format));
    Ok(())
}

/// Checks `input` against the directives in `check`.
pub fn check(check: &str, check_name: &str, input: &str, input_name: &str, opts: &Options) -> Outcome {
    let prefixes = opts.prefixes();
    let mut seen = std::collections::HashSet::new();
    for p in prefixes.iter().chain(opts.comments().iter()) {
        if !valid_prefix(p) {
            return usage(format!(
                "supplied check prefix must start with a letter and contain only alphanumeric characters, hyphens, and underscores: '{p}'\n"
            ));
        }
        if !seen.insert(p.clone()) {
            return usage(format!(
                "error: supplied check prefix must be unique among check and comment prefixes: '{p}'\n"
            ));
        }
    }
    let mut vars = Vars::default();
    for (name, value) in &opts.defines {
        vars.strings.insert(name.clone(), value.clone());
    }
    for d in &opts.numeric_defines {
        if let Err(e) = numeric_define(d, &mut vars) {
            return usage(format!("error: {e}\n"));
        }
    }
    let check_text = canonicalize(check, opts.strict_whitespace);
    let (strings, used) = match checkfile::read(&check_text, opts) {
        Ok(x) => x,
        Err(e) => {
            let line = check_text.lines().nth(e.line.saturating_sub(1)).unwrap_or("");
            return usage(format!(
                "{check_name}:{}:{}: error: {}\n{line}\n{}^\n",
                e.line,
                e.column,
                e.message,
                " ".repeat(e.column.saturating_sub(1))
            ));
        }
    };
    let unused: Vec<&String> = prefixes.iter().filter(|p| !used.contains(p)).collect();
    let none_found = unused.len() == prefixes.len();
    let explicit = !opts.check_prefixes.is_empty();
    if (none_found || (!opts.allow_unused_prefixes && !unused.is_empty()))
        && (opts.implicit_check_not.is_empty() || explicit)
    {
        let list: Vec<String> = unused.iter().map(|p| format!("'{p}:'")).collect();
        let plural = if unused.len() > 1 { "es" } else { "" };
        return usage(format!("error: no check strings found with prefix{plural} {}\n", list.join(", ")));
    }
    if input.is_empty() && !opts.allow_empty {
        return usage(format!("FileCheck error: '{input_name}' is empty.\n"));
    }
    let input_text = canonicalize(input, opts.strict_whitespace);
    let mut m = run::Matcher {
        input: &input_text,
        opts,
        vars,
        report: report::Report::new(check_name, &check_text, input_name, &input_text),
    };
    let ok = m.run(&strings);
    let mut stderr = std::mem::take(&mut m.report.out);
    if (!ok && opts.dump_input == DumpInput::Fail) || opts.dump_input == DumpInput::Always {
        stderr.push_str(&m.report.dump());
    }
    if !ok && opts.diff {
        stderr.push_str(&m.report.diff());
    }
    Outcome { status: if ok { 0 } else { 1 }, stderr }
}

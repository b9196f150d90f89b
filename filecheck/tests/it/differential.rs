//! Differential testing against LLVM's FileCheck: generated check files, inputs and options
//! (every directive, variables, numeric expressions, regexes, comments, the options), run
//! through both;
//! the exit statuses must agree on every case.
//!
//! `STRATA_FILECHECK_CASES` (default 1500) and `STRATA_FILECHECK_SEED` (default fixed) choose
//! the cases; a failure prints the seed and the case so it can be replayed.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use strata_filecheck::{check, Options};

const LLVM: &str = "/usr/lib/llvm-14/bin/FileCheck";

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const WORDS: &[&str] =
    &["foo", "bar", "baz", "Foo", "qux", "x1", "add", "%0", "=", "i32", "{{", "}}", "[[", "7", "42", "0x1f", "ff"];

struct Case {
    check: String,
    input: String,
    args: Vec<String>,
    opts: Options,
}

fn gen_input(rng: &mut Rng) -> Vec<String> {
    let n = rng.below(10) + 1;
    (0..n)
        .map(|i| {
            if rng.chance(12) {
                return String::new();
            }
            let k = rng.below(4) + 1;
            let mut words: Vec<String> = (0..k).map(|_| rng.pick(WORDS).to_string()).collect();
            if rng.chance(25) {
                words.push(format!("n{}", rng.below(20)));
            }
            if rng.chance(10) {
                words.push(format!("line{}", i + 1));
            }
            let sep = if rng.chance(15) { "  \t " } else { " " };
            let lead = if rng.chance(15) { "  " } else { "" };
            format!("{lead}{}", words.join(sep))
        })
        .collect()
}

/// A pattern for one input line: a piece of it, a regex, a variable, or something absent.
fn gen_pattern(
    rng: &mut Rng,
    line: &str,
    defined: &mut Vec<String>,
    numbers: &mut Vec<String>,
    case_fold: bool,
) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.is_empty() || rng.chance(10) {
        return rng.pick(&["nothere", "zzz", "foo bar", "{{[0-9]+}}", "{{f.o}}"]).to_string();
    }
    let start = rng.below(words.len());
    let len = rng.below(words.len() - start) + 1;
    let mut parts: Vec<String> = Vec::new();
    for w in &words[start..start + len] {
        let escaped = |w: &str| {
            if w.contains("{{") || w.contains("[[") {
                "{{.*}}".to_string()
            } else {
                w.to_string()
            }
        };
        let r = rng.below(100);
        let part = if r < 8 && w.chars().all(|c| c.is_ascii_lowercase()) {
            let name = format!("V{}", defined.len());
            defined.push(name.clone());
            format!("[[{name}:[a-z]+]]")
        } else if r < 12 && !defined.is_empty() {
            format!("[[{}]]", rng.pick(defined))
        } else if r < 17 && w.chars().all(|c| c.is_ascii_digit()) {
            let name = format!("N{}", numbers.len());
            numbers.push(name.clone());
            format!("[[#{name}:]]")
        } else if r < 21 && !numbers.is_empty() {
            let n = rng.pick(numbers).clone();
            match rng.below(3) {
                0 => format!("[[#{n}]]"),
                1 => format!("[[#{n}+1]]"),
                _ => format!("[[#{n}-1]]"),
            }
        } else if r < 24 && *w == "ff" {
            "[[#%x,H:]]".to_string()
        } else if r < 30 {
            rng.pick(&["{{[a-z0-9]+}}", "{{.*}}", "{{[^ ]+}}", "{{[[:alnum:]]+}}", "{{.}}"]).to_string()
        } else if case_fold && r < 40 {
            escaped(&w.to_uppercase())
        } else {
            escaped(w)
        };
        parts.push(part);
    }
    parts.join(" ")
}

fn gen_case(rng: &mut Rng) -> Case {
    let mut opts = Options::default();
    let mut args = Vec::new();
    let prefixes: Vec<&str> = if rng.chance(20) { vec!["CHECK", "ALT"] } else { vec!["CHECK"] };
    if prefixes.len() > 1 {
        args.push("--check-prefixes=CHECK,ALT".into());
        opts.check_prefixes = vec!["CHECK".into(), "ALT".into()];
        if rng.chance(50) {
            args.push("--allow-unused-prefixes".into());
            opts.allow_unused_prefixes = true;
        }
    }
    macro_rules! flag {
        ($p:expr, $name:expr, $field:ident) => {
            if rng.chance($p) {
                args.push($name.into());
                opts.$field = true;
            }
        };
    }
    flag!(10, "--match-full-lines", match_full_lines);
    flag!(8, "--strict-whitespace", strict_whitespace);
    flag!(10, "--ignore-case", ignore_case);
    flag!(10, "--enable-var-scope", enable_var_scope);
    let comment = if rng.chance(10) {
        args.push("--comment-prefixes=NOTE,COM".into());
        opts.comment_prefixes = vec!["NOTE".into(), "COM".into()];
        "NOTE"
    } else {
        "COM"
    };
    if rng.chance(8) {
        let w = rng.pick(&["qux", "baz", "nothere"]).to_string();
        args.push(format!("--implicit-check-not={w}"));
        opts.implicit_check_not.push(w);
    }
    let mut defined: Vec<String> = Vec::new();
    let mut numbers: Vec<String> = Vec::new();
    if rng.chance(10) {
        args.push("-DDEF=bar".into());
        opts.defines.push(("DEF".into(), "bar".into()));
        defined.push("DEF".into());
    }
    if rng.chance(8) {
        args.push("-D#NUM=41".into());
        opts.numeric_defines.push("NUM=41".into());
        numbers.push("NUM".into());
    }
    let mut lines = gen_input(rng);
    if rng.chance(3) {
        lines.clear();
        if rng.chance(50) {
            args.push("--allow-empty".into());
            opts.allow_empty = true;
        }
    }
    let input = if lines.is_empty() { String::new() } else { lines.join("\n") + "\n" };
    let mut check = String::new();
    let n = rng.below(6) + 1;
    let mut cursor = 0usize;
    let mut positive = false;
    for _ in 0..n {
        let prefix = *rng.pick(&prefixes);
        if rng.chance(6) {
            // A comment (or, with --comment-prefixes, a line that is no longer one).
            let c = if rng.chance(70) { comment } else { "COM" };
            let _ = writeln!(check, "// {c}: {prefix}: ignored {}", rng.below(9));
            continue;
        }
        let target =
            if lines.is_empty() { String::new() } else { lines[(cursor + rng.below(3)).min(lines.len() - 1)].clone() };
        let kinds = ["", "", "", "-NEXT", "-SAME", "-NOT", "-DAG", "-DAG", "-LABEL", "-EMPTY", "-COUNT-2"];
        let mut kind = *rng.pick(&kinds);
        if !positive && matches!(kind, "-NEXT" | "-SAME" | "-EMPTY") && rng.chance(80) {
            kind = "";
        }
        let literal = rng.chance(5);
        let modifier = if literal { "{LITERAL}" } else { "" };
        let body = if kind == "-EMPTY" {
            String::new()
        } else if literal {
            target.split_whitespace().next().unwrap_or("x").to_string()
        } else if kind == "-LABEL" {
            // Labels may not use variables.
            target.split_whitespace().find(|w| !w.contains("{{") && !w.contains("[[")).unwrap_or("foo").to_string()
        } else {
            let mut nd = defined.clone();
            let mut nn = numbers.clone();
            let p = gen_pattern(rng, &target, &mut nd, &mut nn, opts.ignore_case);
            if kind != "-NOT" {
                defined = nd;
                numbers = nn;
            }
            p
        };
        let line_ref = if rng.chance(3) { " [[@LINE]]" } else { "" };
        let body = if kind == "-LABEL" || kind == "-EMPTY" { body } else { format!("{body}{line_ref}") };
        let sep = if body.is_empty() { "" } else { " " };
        let _ = writeln!(check, "// {prefix}{kind}{modifier}:{sep}{body}");
        if !matches!(kind, "-NOT" | "-DAG") {
            positive = true;
        }
        cursor += rng.below(2);
    }
    Case { check, input, args, opts }
}

#[test]
fn exit_status_agrees_with_llvm_filecheck() {
    if !Path::new(LLVM).exists() {
        assert!(
            std::env::var("STRATA_REQUIRE_ALL").is_err(),
            "STRATA_REQUIRE_ALL is set but {LLVM} is missing (apt install llvm-14-tools)"
        );
        eprintln!("SKIPPED: LLVM's FileCheck not found at {LLVM} (apt install llvm-14-tools)");
        return;
    }
    let cases: usize = std::env::var("STRATA_FILECHECK_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1500);
    let seed: u64 = std::env::var("STRATA_FILECHECK_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed_f11e);
    let dir = std::env::temp_dir().join(format!("strata-filecheck-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(seed);
    let mut mismatches = Vec::new();
    let mut statuses = [0usize; 3];
    for n in 0..cases {
        let case = gen_case(&mut rng);
        let check_path = dir.join("check.txt");
        let input_path = dir.join("input.txt");
        std::fs::write(&check_path, &case.check).unwrap();
        std::fs::write(&input_path, &case.input).unwrap();
        let llvm = Command::new(LLVM)
            .arg(&check_path)
            .arg("--input-file")
            .arg(&input_path)
            .arg("--dump-input=never")
            .args(&case.args)
            .output()
            .unwrap();
        let theirs = llvm.status.code().unwrap_or(-1);
        let ours = check(&case.check, "check.txt", &case.input, "input.txt", &case.opts).status;
        if (0..3).contains(&theirs) {
            statuses[theirs as usize] += 1;
        }
        if ours != theirs {
            mismatches.push(format!(
                "case {n}: LLVM {theirs}, ours {ours}; args {:?}\n--- check\n{}--- input\n{}--- LLVM said\n{}",
                case.args,
                case.check,
                case.input,
                String::from_utf8_lossy(&llvm.stderr)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("{cases} cases (seed {seed}): LLVM exit 0/1/2 = {statuses:?}");
    // The generator must exercise matches, mismatches and bad check files alike.
    assert!(statuses.iter().all(|s| *s >= cases / 20), "unbalanced cases: {statuses:?}");
    assert!(
        mismatches.is_empty(),
        "{} of {cases} cases differ (seed {seed}):\n{}",
        mismatches.len(),
        mismatches.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
}

//! One or more hand-written cases per directive and option, with LLVM's exit statuses and
//! messages.

use strata_filecheck::{check, DumpInput, Options, Outcome};

fn fc(check_text: &str, input: &str, opts: &Options) -> Outcome {
    check(check_text, "check.txt", input, "<stdin>", opts)
}

fn status(check_text: &str, input: &str) -> i32 {
    fc(check_text, input, &Options::default()).status
}

fn with(f: impl FnOnce(&mut Options)) -> Options {
    let mut o = Options::default();
    f(&mut o);
    o
}

#[test]
fn check_finds_in_order() {
    assert_eq!(status("CHECK: a\nCHECK: c\n", "a\nb\nc\n"), 0);
    assert_eq!(status("CHECK: c\nCHECK: a\n", "a\nb\nc\n"), 1);
    let out = fc("; CHECK: zzz\n", "a\nb\n", &Options::default());
    assert!(
        out.stderr.starts_with(
            "check.txt:1:10: error: CHECK: expected string not found in input\n; CHECK: zzz\n         ^\n"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("<stdin>:1:1: note: scanning from here"));
}

#[test]
fn next_same_and_empty_check_placement() {
    assert_eq!(status("CHECK: a\nCHECK-NEXT: b\n", "a\nb\n"), 0);
    let out = fc("CHECK: a\nCHECK-NEXT: c\n", "a\nb\nc\n", &Options::default());
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("CHECK-NEXT: is not on the line after the previous match"));
    let out = fc("CHECK: a\nCHECK-NEXT: b\n", "a b\n", &Options::default());
    assert!(out.stderr.contains("CHECK-NEXT: is on the same line as previous match"));
    assert_eq!(status("CHECK: a\nCHECK-SAME: b\n", "a b\n"), 0);
    assert_eq!(status("CHECK: a\nCHECK-SAME: b\n", "a\nb\n"), 1);
    assert_eq!(status("CHECK: a\nCHECK-EMPTY:\nCHECK-NEXT: b\n", "a\n\nb\n"), 0);
    assert_eq!(status("CHECK: a\nCHECK-EMPTY:\n", "a\nb\n\n"), 1);
    // Placement directives need a check before them: a bad check file.
    assert_eq!(status("CHECK-NEXT: a\n", "a\n"), 2);
    assert_eq!(status("CHECK-EMPTY: x\n", "a\n"), 2);
}

#[test]
fn not_excludes_text_between_matches() {
    assert_eq!(status("CHECK: a\nCHECK-NOT: b\nCHECK: c\n", "a\nx\nc\nb\n"), 0);
    let out = fc("CHECK: a\nCHECK-NOT: b\nCHECK: c\n", "a\nb\nc\n", &Options::default());
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("CHECK-NOT: excluded string found in input"));
    // A trailing NOT covers the rest of the input.
    assert_eq!(status("CHECK: a\nCHECK-NOT: b\n", "a\nb\n"), 1);
}

#[test]
fn dag_matches_in_any_order_without_overlap() {
    assert_eq!(status("CHECK-DAG: b\nCHECK-DAG: a\nCHECK: c\n", "a\nb\nc\n"), 0);
    // Two DAGs cannot share one match.
    assert_eq!(status("CHECK-DAG: a\nCHECK-DAG: a\n", "a\n"), 1);
    assert_eq!(status("CHECK-DAG: a\nCHECK-DAG: a\n", "a\na\n"), 0);
    // A NOT between DAG groups applies between them.
    assert_eq!(status("CHECK-DAG: a\nCHECK-NOT: x\nCHECK-DAG: b\n", "a\nx\nb\n"), 1);
    assert_eq!(status("CHECK-DAG: a\nCHECK-NOT: x\nCHECK-DAG: b\n", "a\nb\nx\n"), 0);
}

#[test]
fn labels_split_the_input() {
    let checks = "CHECK-LABEL: f1\nCHECK: x\nCHECK-LABEL: f2\nCHECK: y\n";
    assert_eq!(status(checks, "f1\nx\nf2\ny\n"), 0);
    // `x` must be found before `f2`: it is only after it.
    assert_eq!(status(checks, "f1\nf2\nx\ny\n"), 1);
    assert_eq!(status("CHECK-LABEL: [[X:a]]\n", "a\n"), 2);
}

#[test]
fn count_matches_n_times() {
    assert_eq!(status("CHECK-COUNT-3: a\n", "a\na a\n"), 0);
    assert_eq!(status("CHECK-COUNT-3: a\n", "a\na\n"), 1);
    assert_eq!(status("CHECK-COUNT-0: a\n", "a\n"), 2);
}

#[test]
fn comments_and_literal() {
    assert_eq!(status("COM: CHECK: missing\nCHECK: a\n", "a\n"), 0);
    assert_eq!(status("RUN: foo | CHECK: missing\nCHECK: a\n", "a\n"), 0);
    assert_eq!(status("CHECK{LITERAL}: [[x]] {{y}}\n", "[[x]] {{y}}\n"), 0);
    assert_eq!(status("CHECK-NEXT{LITERAL}: x\n", "x\n"), 2);
    let o = with(|o| o.comment_prefixes = vec!["NOTE".into()]);
    assert_eq!(fc("NOTE: CHECK: missing\nCHECK: a\n", "a\n", &o).status, 0);
    assert_eq!(fc("COM: CHECK: missing\nCHECK: a\n", "a\n", &o).status, 1);
}

#[test]
fn regexes_and_string_variables() {
    assert_eq!(status("CHECK: a{{[0-9]+}}b\n", "a123b\n"), 0);
    assert_eq!(status("CHECK: a{{[0-9]+}}b\n", "ab\n"), 1);
    assert_eq!(status("CHECK: %[[V:[0-9]+]] = add\nCHECK: use %[[V]]\n", "%7 = add\nuse %7\n"), 0);
    assert_eq!(status("CHECK: %[[V:[0-9]+]] = add\nCHECK: use %[[V]]\n", "%7 = add\nuse %8\n"), 1);
    // Defined and used on one line: a backreference.
    assert_eq!(status("CHECK: [[V:[a-z]+]]-[[V]]\n", "ab-ab\n"), 0);
    assert_eq!(status("CHECK: [[V:[a-z]+]]-[[V]]\n", "ab-cd\n"), 1);
    // Undefined variables fail the match; bad syntax is a bad check file.
    let out = fc("CHECK: [[NOPE]]\n", "x\n", &Options::default());
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("uses undefined variable(s): \"NOPE\""));
    assert_eq!(status("CHECK: {{[a-\n", "x\n"), 2);
    assert_eq!(status("CHECK: {{a\n", "x\n"), 2);
    assert_eq!(status("CHECK: [[a b]]\n", "x\n"), 2);
    // Negated classes do not cross lines, as in LLVM's newline-sensitive regexes.
    assert_eq!(status("CHECK: a{{[^x]*}}b\n", "a\nb\n"), 1);
}

#[test]
fn numeric_variables_and_line() {
    assert_eq!(status("CHECK: [[#N:]] a\nCHECK: [[#N+1]] b\n", "41 a\n42 b\n"), 0);
    assert_eq!(status("CHECK: [[#N:]] a\nCHECK: [[#N+1]] b\n", "41 a\n41 b\n"), 1);
    assert_eq!(status("CHECK: [[#%x,H:]]\nCHECK: [[#H+1]]\n", "ff\n100\n"), 0);
    assert_eq!(status("CHECK: [[#N:]] [[#N]]\n", "1 1\n"), 2);
    // Redefined on a line that also uses it: the use takes the earlier value.
    assert_eq!(status("CHECK: [[#N:]] a\nCHECK: [[#N:]] [[#N+1]]\n", "1 a\n5 2\n"), 0);
    assert_eq!(status("CHECK: line [[@LINE]]\nCHECK: line [[#@LINE-1]]\n", "line 1\nline 1\n"), 0);
    let o = with(|o| o.numeric_defines.push("%x,N=10".into()));
    assert_eq!(fc("CHECK: [[#N]]\n", "a\n", &o).status, 0);
}

#[test]
fn variable_scope() {
    let checks = "CHECK-LABEL: f\nCHECK: [[L:[a-z]+]] [[$G:[0-9]+]]\nCHECK-LABEL: g\nCHECK: [[L]] [[$G]]\n";
    let input = "f\nab 1\ng\nab 1\n";
    assert_eq!(fc(checks, input, &Options::default()).status, 0);
    let scoped = with(|o| o.enable_var_scope = true);
    let out = fc(checks, input, &scoped);
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("\"L\""), "{}", out.stderr);
    assert_eq!(
        fc("CHECK-LABEL: f\nCHECK: [[$G:[0-9]+]]\nCHECK-LABEL: g\nCHECK: [[$G]]\n", "f\n1\ng\n1\n", &scoped).status,
        0
    );
}

#[test]
fn prefixes() {
    let o = with(|o| o.check_prefixes = vec!["A".into(), "B".into()]);
    assert_eq!(fc("A: x\nB: y\n", "x\ny\n", &o).status, 0);
    let out = fc("A: x\n", "x\n", &o);
    assert_eq!(out.status, 2);
    assert_eq!(out.stderr, "error: no check strings found with prefix 'B:'\n");
    let o = with(|o| {
        o.check_prefixes = vec!["A".into(), "B".into()];
        o.allow_unused_prefixes = true;
    });
    assert_eq!(fc("A: x\n", "x\n", &o).status, 0);
    // A prefix inside a word is not a directive.
    assert_eq!(status("XCHECK: zzz\nCHECK: x\n", "x\n"), 0);
    assert_eq!(fc("x\n", "x\n", &with(|o| o.check_prefixes = vec!["1A".into()])).status, 2);
    assert_eq!(fc("x\n", "x\n", &with(|o| o.check_prefixes = vec!["COM".into()])).status, 2);
}

#[test]
fn whitespace_case_and_full_lines() {
    assert_eq!(status("CHECK: a b\n", "a  \t b\n"), 0);
    let strict = with(|o| o.strict_whitespace = true);
    assert_eq!(fc("CHECK: a b\n", "a  b\n", &strict).status, 1);
    let full = with(|o| o.match_full_lines = true);
    assert_eq!(fc("CHECK: a b\n", "  a b \n", &full).status, 0);
    assert_eq!(fc("CHECK: a b\n", "a b c\n", &full).status, 1);
    let icase = with(|o| o.ignore_case = true);
    assert_eq!(fc("CHECK: HeLLo\n", "hello\n", &icase).status, 0);
    assert_eq!(status("CHECK: HeLLo\n", "hello\n"), 1);
}

#[test]
fn implicit_check_not_defines_and_empty_input() {
    let o = with(|o| o.implicit_check_not.push("warning".into()));
    assert_eq!(fc("CHECK: go\n", "go\nb\n", &o).status, 0);
    assert_eq!(fc("CHECK: go\n", "warning\ngo\n", &o).status, 1);
    assert_eq!(fc("CHECK: go\n", "go\nwarning\n", &o).status, 1);
    let o = with(|o| o.defines.push(("NAME".into(), "value".into())));
    assert_eq!(fc("CHECK: [[NAME]]\n", "a value\n", &o).status, 0);
    let out = fc("CHECK: a\n", "", &Options::default());
    assert_eq!((out.status, out.stderr.as_str()), (2, "FileCheck error: '<stdin>' is empty.\n"));
    assert_eq!(fc("CHECK-NOT: a\n", "", &with(|o| o.allow_empty = true)).status, 0);
}

#[test]
fn dump_input_and_diff() {
    let out = fc("CHECK: a\nCHECK: z\n", "a\nb\n", &Options::default());
    assert!(out.stderr.contains("Input was:\n<<<<<<\n"), "{}", out.stderr);
    assert!(out.stderr.contains("check:1 ^\n"), "{}", out.stderr);
    assert!(
        out.stderr.contains("X~~ error: no match found") || out.stderr.contains("X error: no match found"),
        "{}",
        out.stderr
    );
    let never = with(|o| o.dump_input = DumpInput::Never);
    assert!(!fc("CHECK: z\n", "a\n", &never).stderr.contains("Input was"));
    let always = with(|o| o.dump_input = DumpInput::Always);
    assert!(fc("CHECK: a\n", "a\n", &always).stderr.contains("Input was"));
    let diff = with(|o| {
        o.diff = true;
        o.dump_input = DumpInput::Never;
    });
    let out = fc("CHECK: a\nCHECK: zz\n", "a\nb\n", &diff);
    assert!(out.stderr.contains("--- expected\n+++ found\n"), "{}", out.stderr);
    assert!(out.stderr.contains("-zz\n+<not found>\n"), "{}", out.stderr);
}

/// `--version` answers with status 0, as `--help` does, and checks nothing.
#[test]
fn version_is_answered() {
    let binary = std::process::Command::new(env!("CARGO_BIN_EXE_filecheck")).arg("--version").output().unwrap();
    assert_eq!(binary.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&binary.stdout).trim(), format!("filecheck {}", env!("CARGO_PKG_VERSION")));
}

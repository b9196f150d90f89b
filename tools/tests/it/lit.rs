//! `strata-lit`: the whole `testdata/` suite, and the runner's own behaviour on fixtures.

use std::process::{Command, Output};

fn lit(args: &[&str], require_all: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata-lit"));
    cmd.args(args).current_dir(crate::common::repo_root()).env_remove("STRATA_REQUIRE_ALL");
    if require_all {
        cmd.env("STRATA_REQUIRE_ALL", "1");
    }
    cmd.output().unwrap()
}

#[test]
fn every_file_in_testdata_passes() {
    let out = lit(&["testdata", "-v"], crate::common::require_all());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let files = stdout.lines().filter(|l| l.starts_with("PASS: ")).count();
    assert!(files >= 23, "only {files} test files ran:\n{stdout}");
    assert!(stdout.contains(&format!("{files} passed, 0 failed")), "{stdout}");
}

fn verdict_of<'a>(stdout: &'a str, file: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.ends_with(&format!("lit-fixtures/{file}")))
        .and_then(|l| l.split(':').next())
        .unwrap_or_else(|| panic!("{file} missing from:\n{stdout}"))
}

#[test]
fn the_runner_reports_each_kind_of_result() {
    let out = lit(&["tools/tests/lit-fixtures", "-v"], false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // Continuation lines, %s %S %t %%, pipes and `not` all work.
    assert_eq!(verdict_of(&stdout, "passes.mlir"), "PASS");
    // A failing RUN line is shown with its output.
    assert_eq!(verdict_of(&stdout, "fails.mlir"), "FAIL");
    assert!(stdout.contains("RUN line 1 failed (exit 1)"));
    assert!(stdout.contains("error: CHECK: expected string not found in input"));
    // XFAIL that fails is expected; XFAIL that passes is a failure.
    assert_eq!(verdict_of(&stdout, "xfail.mlir"), "XFAIL");
    assert_eq!(verdict_of(&stdout, "xpass.mlir"), "XPASS");
    assert!(stdout.contains("expected to fail (XFAIL) but passed"));
    // UNSUPPORTED and missing REQUIRES are skipped.
    assert_eq!(verdict_of(&stdout, "unsupported.mlir"), "UNSUPPORTED");
    assert_eq!(verdict_of(&stdout, "requires.mlir"), "UNSUPPORTED");
    // A missing tool is named.
    assert_eq!(verdict_of(&stdout, "missing-tool.mlir"), "FAIL");
    assert!(stdout.contains("error: tool 'no-such-tool-anywhere' not found"), "{stdout}");
    assert!(stdout.contains("1 passed, 3 failed, 2 skipped (unsupported), 1 expected failures"), "{stdout}");
}

#[test]
fn require_all_turns_a_missing_feature_into_a_failure() {
    let out = lit(&["tools/tests/lit-fixtures/requires.mlir", "-v"], true);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("FAIL: tools/tests/lit-fixtures/requires.mlir"), "{stdout}");
    assert!(stdout.contains("STRATA_REQUIRE_ALL=1 forbids skipping"), "{stdout}");
    // A feature given on the command line counts as present.
    let out = lit(&["tools/tests/lit-fixtures/unsupported.mlir", "--feature", "no-such-feature"], true);
    assert_eq!(out.status.code(), Some(1), "with the feature the test runs `false` and fails");
}

#[test]
fn a_missing_test_path_is_an_error() {
    let out = lit(&["no/such/dir"], false);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: no/such/dir does not exist"));
}

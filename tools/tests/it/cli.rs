//! strata-opt as a user meets it: flags, exit statuses, diagnostics, bad input.

use std::path::PathBuf;

use crate::common::*;

#[test]
fn invalid_corpus_matches_expected_diagnostics() {
    for file in testdata("invalid") {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut args = vec!["--split-input-file", "--verify-diagnostics"];
        if text.contains("allow-unregistered-dialect") {
            args.push("--allow-unregistered-dialect");
        }
        let path = file.to_str().unwrap();
        args.push(path);
        let out = strata_opt(&args, None);
        assert!(out.status.success(), "{path}:\n{}", String::from_utf8_lossy(&out.stderr));
        // The same pieces without --verify-diagnostics fail cleanly.
        let plain =
            strata_opt(&args.iter().filter(|a| **a != "--verify-diagnostics").copied().collect::<Vec<_>>(), None);
        assert_clean_failure(&plain, path);
    }
}

#[test]
fn verify_diagnostics_reports_misses_and_surprises() {
    let src = "// expected-error@+1 {{this is not the message}}\n\"xt.op\"() : () -> %x\n";
    let out = strata_opt(&["--verify-diagnostics", "--allow-unregistered-dialect", "-"], Some(src.as_bytes()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("unexpected error: expected type, found '%x'"), "{stderr}");
    assert!(stderr.contains("expected error \"this is not the message\" was not produced"), "{stderr}");
}

#[test]
fn errors_are_located_with_the_source_line() {
    let src = "func.func @f(%a: i32) -> i32 {\n  %0 = arith.addi %a, %b : i32\n  return %0 : i32\n}\n";
    let out = strata_opt(&["-"], Some(src.as_bytes()));
    assert_clean_failure(&out, "undeclared value");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("<stdin>:2:23: error: use of undeclared SSA value name '%b'\n  %0 = arith.addi %a, %b : i32\n                      ^"), "{stderr}");
}

#[test]
fn unregistered_ops_need_the_flag() {
    let src = b"\"xt.op\"() : () -> ()\n";
    assert_clean_failure(&strata_opt(&["-"], Some(src)), "unregistered op");
    let ok = strata_opt(&["--allow-unregistered-dialect", "-"], Some(src));
    assert!(ok.status.success());
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "module {\n  \"xt.op\"() : () -> ()\n}\n");
}

#[test]
fn binary_garbage_is_an_error_not_a_crash() {
    let mut bytes: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    assert_clean_failure(&strata_opt(&["-"], Some(&bytes)), "random bytes");
    bytes.retain(|b| b.is_ascii());
    assert_clean_failure(&strata_opt(&["--allow-unregistered-dialect", "-"], Some(&bytes)), "random ASCII");
    assert_clean_failure(&strata_opt(&["-"], Some(b"\x00\x01\x02")), "control bytes");
    assert_clean_failure(&strata_opt(&["/nonexistent/file.mlir"], None), "missing file");
}

#[test]
fn ten_thousand_nested_regions_parse_verify_and_print() {
    let depth = 10_000;
    let mut src = String::new();
    for _ in 0..depth {
        src.push_str("\"xt.nest\"() ({\n");
    }
    src.push_str("\"xt.leaf\"() : () -> ()\n");
    for _ in 0..depth {
        src.push_str("}) : () -> ()\n");
    }
    let out = strata_opt(&["--allow-unregistered-dialect", "-"], Some(src.as_bytes()));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).matches("xt.nest").count(), depth);
    // Unbalanced at that depth: an error, not a stack overflow.
    let cut = &src[..src.len() / 2];
    assert_clean_failure(
        &strata_opt(&["--allow-unregistered-dialect", "-"], Some(cut.as_bytes())),
        "unbalanced deep nesting",
    );
    // Nesting past the limit is refused with a message.
    let deep: String = "[".repeat(60_000);
    assert_clean_failure(
        &strata_opt(
            &["--allow-unregistered-dialect", "-"],
            Some(format!("\"xt.a\"() {{a = {deep}}} : () -> ()").as_bytes()),
        ),
        "60k brackets",
    );
}

#[test]
fn split_input_file_keeps_pieces_apart() {
    let src = "\"xt.a\"() : () -> ()\n// -----\n\"xt.b\"() : () -> ()\n";
    let out = strata_opt(&["--allow-unregistered-dialect", "--split-input-file", "-"], Some(src.as_bytes()));
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "module {\n  \"xt.a\"() : () -> ()\n}\n// -----\nmodule {\n  \"xt.b\"() : () -> ()\n}\n"
    );
    // Line numbers stay those of the whole file.
    let bad = "\"xt.a\"() : () -> ()\n// -----\n\"xt.b\"() : () -> %x\n";
    let out = strata_opt(&["--allow-unregistered-dialect", "--split-input-file", "-"], Some(bad.as_bytes()));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("<stdin>:3:"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn output_file_generic_form_and_debuginfo() {
    let dir = std::env::temp_dir().join(format!("strata-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_path = dir.join("out.mlir");
    let src = b"func.func @f(%a: i32) -> i32 {\n  return %a : i32\n}\n";
    let out = strata_opt(&["--mlir-print-op-generic", "-o", out_path.to_str().unwrap(), "-"], Some(src));
    assert!(out.status.success());
    let generic = std::fs::read_to_string(&out_path).unwrap();
    assert!(generic.contains("\"func.return\"(%arg0) : (i32) -> ()"), "{generic}");
    let dbg = strata_opt(&["--mlir-print-debuginfo", "-"], Some(src));
    let text = String::from_utf8_lossy(&dbg.stdout);
    // As mlir-opt prints it: the op's location as an alias, defined after the module.
    assert!(text.contains("return %arg0 : i32 loc(#loc3)"), "{text}");
    assert!(text.contains("\n#loc3 = loc(\"<stdin>\":2:3)\n"), "{text}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn no_implicit_module_needs_a_single_top_level_op() {
    let two = b"\"xt.a\"() : () -> ()\n\"xt.b\"() : () -> ()\n";
    assert_clean_failure(
        &strata_opt(&["--no-implicit-module", "--allow-unregistered-dialect", "-"], Some(two)),
        "two top-level ops",
    );
    let one =
        strata_opt(&["--no-implicit-module", "--allow-unregistered-dialect", "-"], Some(b"\"xt.a\"() : () -> ()\n"));
    assert!(one.status.success());
    assert_eq!(String::from_utf8_lossy(&one.stdout), "\"xt.a\"() : () -> ()\n");
}

#[test]
fn bad_flags_exit_with_status_two_or_one_and_help_works() {
    let out = strata_opt(&["--no-such-flag"], None);
    assert_ne!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    let help = strata_opt(&["--help"], None);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--allow-unregistered-dialect"));
}

/// `--mlir-print-ir-before/after` name passes; a typo printed nothing and exited 0.
#[test]
fn print_ir_flags_refuse_unknown_pass_names() {
    let input = b"func.func @f() {\n  return\n}\n";
    let out = strata_opt(&["--cse", "--mlir-print-ir-after=cse,canonicalise"], Some(input));
    assert_clean_failure(&out, "typo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--mlir-print-ir-after: unknown pass 'canonicalise'; did you mean 'canonicalize'?"),
        "{stderr}"
    );
    let out = strata_opt(&["--cse", "--mlir-print-ir-before=zzzzzzzz"], Some(input));
    assert_clean_failure(&out, "unknown");
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown pass 'zzzzzzzz'; --list-passes shows them all"));
    let out = strata_opt(&["--cse", "--mlir-print-ir-after=cse"], Some(input));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("IR Dump After CSE (cse)"));
}

/// An IR dump that cannot be written fails the run (it exited 0): a directory that cannot be
/// made fails before any pass runs, a file that cannot be written (a name too long for the
/// file system) after the run.
#[test]
fn unwritable_ir_tree_dirs_fail_the_run() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("unwritable-tree-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a-file");
    std::fs::write(&file, "").unwrap();
    let under_file = format!("--mlir-print-ir-tree-dir={}", file.join("dumps").display());
    let out =
        strata_opt(&["--cse", "--mlir-print-ir-after-all", &under_file], Some(b"func.func @f() {\n  return\n}\n"));
    assert_clean_failure(&out, "tree dir under a file");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--mlir-print-ir-tree-dir: cannot create"));
    let long = "f".repeat(300);
    let input = format!("func.func @{long}() {{\n  return\n}}\n");
    let tree = format!("--mlir-print-ir-tree-dir={}", dir.join("dumps").display());
    let out = strata_opt(
        &["--pass-pipeline=builtin.module(func.func(cse))", "--mlir-print-ir-after-all", &tree],
        Some(input.as_bytes()),
    );
    assert_clean_failure(&out, "file name too long");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 IR dump(s) could not be written under --mlir-print-ir-tree-dir"), "{stderr}");
}

/// Option flags of a pass do nothing without the pass: an error, not silence; they are in
/// `--help`.
#[test]
fn egraph_flags_need_egraph_opt_and_are_documented() {
    let input = b"func.func @f() {\n  return\n}\n";
    for flag in ["--egraph-stats", "--egraph-dot=/tmp/never-written.dot"] {
        let out = strata_opt(&["--cse", flag], Some(input));
        assert_clean_failure(&out, flag);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("sets an option of 'egraph-opt', which is not in the pipeline"), "{stderr}");
    }
    let with_pipeline =
        strata_opt(&["--egraph-stats", "--pass-pipeline=builtin.module(func.func(egraph-opt))"], Some(input));
    assert!(with_pipeline.status.success(), "{}", String::from_utf8_lossy(&with_pipeline.stderr));
    let help = String::from_utf8_lossy(&strata_opt(&["--help"], None).stdout).into_owned();
    assert!(help.contains("--egraph-stats[=<bool>]") && help.contains("(sets egraph-opt{print-stats})"), "{help}");
    assert!(help.contains("--egraph-dot[=<string>]") && help.contains("(sets egraph-opt{dot-file})"), "{help}");
}

/// `egraph-opt` leaves functions it cannot model as they are; `--egraph-stats` says which and
/// why (it said nothing).
#[test]
fn egraph_stats_report_skipped_functions() {
    let input = b"func.func @scalar(%a: i32) -> i32 {\n  %0 = arith.addi %a, %a : i32\n  return %0 : i32\n}\n\
func.func @blocks(%x: tensor<4xf32>) -> tensor<4xf32> {\n  cf.br ^bb1\n^bb1:\n  return %x : tensor<4xf32>\n}\n";
    let out = strata_opt(&["--egraph-opt", "--egraph-stats"], Some(input));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("egraph-opt @scalar: skipped, left as written: argument #0 is not a ranked tensor"),
        "{stderr}"
    );
    assert!(stderr.contains("egraph-opt @blocks: skipped, left as written: its body has 2 blocks"), "{stderr}");
}

/// Issue 16's `R/huge2.mlir`: element counts past i64 were accepted (and planned as 64
/// bytes); the `nn` verifier rejects them where they are used.
#[test]
fn nn_shapes_whose_size_overflows_are_verifier_errors() {
    let t = "tensor<9223372036854775807x9223372036854775807xf32>";
    let src =
        format!("func.func @f(%x: {t}) -> {t} {{\n  %r = \"nn.relu\"(%x) : ({t}) -> {t}\n  return %r : {t}\n}}\n");
    let out = strata_opt(&[], Some(src.as_bytes()));
    assert_clean_failure(&out, "huge2");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("<stdin>:2:8: error: 'nn.relu' op operand #0: '{t}' has more than")), "{stderr}");
    // The element count fits, the bytes do not.
    let t = "tensor<4611686018427387904xf32>";
    let src = format!("func.func @f(%x: {t}) -> {t} {{\n  %r = \"nn.exp\"(%x) : ({t}) -> {t}\n  return %r : {t}\n}}\n");
    let out = strata_opt(&[], Some(src.as_bytes()));
    assert_clean_failure(&out, "bytes");
    assert!(String::from_utf8_lossy(&out.stderr).contains("the size overflows i64"));
    // A reshape whose target shape overflows is an error, not a panic.
    let src = "func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n  %r = \"nn.reshape\"(%x) {shape = [9223372036854775807, 9223372036854775807, -1]} : (tensor<4xf32>) -> tensor<4xf32>\n  return %r : tensor<4xf32>\n}\n";
    let out = strata_opt(&[], Some(src.as_bytes()));
    assert_clean_failure(&out, "reshape");
    assert!(String::from_utf8_lossy(&out.stderr).contains("overflows i64"));
}

/// Every tool answers `--version` (status 0, its name and version on standard output).
#[test]
fn every_tool_prints_its_version() {
    let tools = [
        ("strata-opt", env!("CARGO_BIN_EXE_strata-opt")),
        ("strata-run", env!("CARGO_BIN_EXE_strata-run")),
        ("strata-translate", env!("CARGO_BIN_EXE_strata-translate")),
        ("strata-import", env!("CARGO_BIN_EXE_strata-import")),
        ("strata-lit", env!("CARGO_BIN_EXE_strata-lit")),
        ("strata-fastrun", env!("CARGO_BIN_EXE_strata-fastrun")),
    ];
    for (name, path) in tools {
        let out = std::process::Command::new(path).arg("--version").output().unwrap();
        assert!(out.status.success(), "{name} --version: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.trim(), format!("{name} {}", env!("CARGO_PKG_VERSION")), "{name}");
    }
}

/// `--show-dialects` lists the registered dialects as mlir-opt does (sorted, comma-separated),
/// plugins' included; boolean flags take `=true` / `=false`, and a bad value is an error.
#[test]
fn show_dialects_and_boolean_values() {
    let out = strata_opt(&["--show-dialects"], None);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let listed = text.trim().strip_prefix("Available Dialects: ").unwrap_or_else(|| panic!("{text}"));
    let names: Vec<&str> = listed.split(',').collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    for d in ["arith", "builtin", "func", "gpu", "memref", "nn", "scf", "vector"] {
        assert!(names.contains(&d), "{d} missing from {listed}");
    }
    let src = "func.func @f() {\n  return\n}\n";
    let generic = strata_opt(&["--mlir-print-op-generic=true", "-"], Some(src.as_bytes()));
    assert!(String::from_utf8_lossy(&generic.stdout).contains("\"func.func\"()"));
    let custom = strata_opt(&["--mlir-print-op-generic=false", "-"], Some(src.as_bytes()));
    assert!(String::from_utf8_lossy(&custom.stdout).contains("func.func @f()"));
    assert_eq!(custom.stdout, strata_opt(&["-"], Some(src.as_bytes())).stdout);
    let bad = strata_opt(&["--mlir-print-op-generic=maybe", "-"], Some(src.as_bytes()));
    assert_eq!(bad.status.code(), Some(1), "{}", String::from_utf8_lossy(&bad.stderr));
}

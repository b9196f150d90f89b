//! The pass manager through strata-opt: threads, plugins, reproducers, errors.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use crate::common::{assert_clean_failure, require_all, strata_opt};

/// A module of `n` functions, each with several blocks, repeated values to CSE and constants
/// to fold.
fn many_functions(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let _ = write!(
            s,
            "func.func @f{i}(%c: i1, %a: i32) -> i32 {{\n  %k = arith.constant {i} : i32\n  %k2 = arith.constant 2 : i32\n  \
             %m = arith.muli %k, %k2 : i32\n  %x = arith.addi %a, %m : i32\n  %y = arith.addi %a, %m : i32\n  \
             cf.cond_br %c, ^bb1, ^bb2\n^bb1:\n  %p = arith.muli %x, %y : i32\n  cf.br ^bb3(%p : i32)\n^bb2:\n  \
             %q = arith.subi %x, %y : i32\n  cf.br ^bb3(%q : i32)\n^bb3(%r: i32):\n  return %r : i32\n}}\n"
        );
    }
    s
}

#[test]
fn threads_change_nothing_on_a_thousand_functions() {
    let input = many_functions(1000);
    let pipeline = "--pass-pipeline=builtin.module(func.func(canonicalize,cse),symbol-dce)";
    let threaded = strata_opt(&[pipeline, "--mlir-print-debuginfo"], Some(input.as_bytes()));
    let single = strata_opt(&[pipeline, "--mlir-print-debuginfo", "--mlir-disable-threading"], Some(input.as_bytes()));
    assert!(threaded.status.success(), "{}", String::from_utf8_lossy(&threaded.stderr));
    assert!(single.status.success(), "{}", String::from_utf8_lossy(&single.stderr));
    assert!(threaded.stdout == single.stdout, "output differs with and without threads");
    let text = String::from_utf8_lossy(&threaded.stdout);
    // The passes did their work: k * 2 folded, and x + m == y + m shared after CSE.
    assert_eq!(text.matches("func.func @f").count(), 1000);
    // (In @f0, m is 0 and the addition folds away.)
    assert_eq!(text.matches("arith.addi").count(), 999, "one addition per function after CSE");
    assert!(text.contains("arith.constant 1998 : i32"), "999 * 2 should have folded");
}

#[test]
fn pipeline_errors_are_clean_failures() {
    for (pipeline, expected) in [
        ("builtin.module(func.func(canonicalise))", "did you mean 'canonicalize'?"),
        ("builtin.module(func.func(cse)", "expected ')' to close"),
        ("builtin.module(cse))", "unexpected ')'"),
        ("builtin.module(canonicalize{max-iterations=ten})", "expected an integer, found 'ten'"),
        ("builtin.module(canonicalize{top-down=maybe})", "expected 'true' or 'false'"),
        ("builtin.module(cse{unknown=1})", "this pass takes no options"),
        ("builtin.module(,)", "expected a pass name"),
        ("builtin.module(inline{default-pipeline=nonsense})", "unknown pass or pipeline 'nonsense'"),
        ("", "expected"),
    ] {
        let out = strata_opt(&["--pass-pipeline", pipeline], Some(b"func.func @f() { return }"));
        if pipeline.is_empty() {
            // An empty pipeline runs nothing, as in mlir-opt.
            assert!(out.status.success());
            continue;
        }
        assert_clean_failure(&out, pipeline);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{pipeline}: {stderr}");
        assert!(stderr.contains(&format!("  {pipeline}\n")), "{pipeline}: the pipeline is not shown: {stderr}");
        assert!(stderr.lines().any(|l| l.trim() == "^"), "{pipeline}: no caret: {stderr}");
    }
}

fn plugin_path() -> PathBuf {
    // Build the example plugin with the cargo running these tests (cached after the first time).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", "strata-example-plugin"])
        .current_dir(crate::common::repo_root())
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building the example plugin failed");
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_strata-opt"));
    exe.parent().unwrap().join(format!(
        "{}strata_example_plugin{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ))
}

#[test]
fn the_example_plugin_adds_a_dialect_and_passes() {
    let lib = plugin_path();
    let lib = lib.to_str().unwrap();
    let input = b"func.func @f(%x: i32) -> i32 {\n  %y = plug.id %x : i32\n  return %y : i32\n}\n";
    let out = strata_opt(
        &[
            &format!("--load-dialect-plugin={lib}"),
            &format!("--load-pass-plugin={lib}"),
            "--pass-pipeline=builtin.module(func.func(plugin-erase-plug-ids,plugin-tag-ops{tag=seen}))",
        ],
        Some(input),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("return {seen} %arg0 : i32"), "{stdout}");
    // Plugin passes are flags too, and listed.
    let listed = strata_opt(&["--load-pass-plugin", lib, "--list-passes"], None);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("--plugin-tag-ops"));
    // Without the dialect plugin its op is unknown.
    let out = strata_opt(&[&format!("--load-pass-plugin={lib}")], Some(input));
    assert_clean_failure(&out, "plugin dialect not loaded");
}

#[test]
fn a_panicking_plugin_pass_is_reported_and_reproducible() {
    let lib = plugin_path();
    let lib = lib.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("strata-repro-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let repro = dir.join("repro.mlir");
    let out = strata_opt(
        &[
            "--load-pass-plugin",
            lib,
            "--pass-pipeline=builtin.module(func.func(cse),plugin-crash)",
            &format!("--mlir-pass-pipeline-crash-reproducer={}", repro.display()),
        ],
        Some(b"func.func @f(%x: i32) -> i32 {\n  return %x : i32\n}\n"),
    );
    assert_clean_failure(&out, "plugin-crash");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pass 'plugin-crash' crashed: plugin-crash was asked to crash"), "{stderr}");
    let text = std::fs::read_to_string(&repro).unwrap();
    assert!(text.contains("pipeline: \"builtin.module(func.func(cse), plugin-crash)\""), "{text}");
    let replay = strata_opt(&["--load-pass-plugin", lib, repro.to_str().unwrap(), "--run-reproducer"], None);
    assert_clean_failure(&replay, "replay");
    assert!(String::from_utf8_lossy(&replay.stderr).contains("plugin-crash was asked to crash"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_and_foreign_plugins_are_refused() {
    let out = strata_opt(&["--load-pass-plugin=/nonexistent/libnothing.so"], Some(b""));
    assert_clean_failure(&out, "missing plugin");
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not load plugin '/nonexistent/libnothing.so'"));

    // Shared libraries built from C: one without the entry point, one for another API
    // version, one claiming another toolchain, one whose shared types have other layouts.
    let Some(cc) = ["cc", "gcc"].into_iter().find(|c| Command::new(c).arg("--version").output().is_ok()) else {
        assert!(!require_all(), "STRATA_REQUIRE_ALL=1 but no C compiler was found");
        eprintln!("SKIPPED: no C compiler to build mismatched plugins");
        return;
    };
    let dir = std::env::temp_dir().join(format!("strata-plugins-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let build = |name: &str, body: &str| -> PathBuf {
        let src = dir.join(format!("{name}.c"));
        let lib = dir.join(format!("lib{name}.so"));
        std::fs::write(&src, body).unwrap();
        let ok = Command::new(cc).arg("-shared").arg("-fPIC").arg("-o").arg(&lib).arg(&src).status().unwrap();
        assert!(ok.success(), "cc failed on {name}");
        lib
    };
    let info = |api: u32, build_id: &str, layout: u64| {
        format!(
            "#include <stdint.h>\n#include <stdbool.h>\n\
             typedef struct {{ uint32_t api; const char* build; const char* name; const char* version; bool (*reg)(void*); uint64_t layout; }} Info;\n\
             static bool reg(void* r) {{ (void)r; return true; }}\n\
             Info strataGetPassPluginInfo(void) {{ Info i = {{ {api}, \"{build_id}\", \"foreign\", \"1\", reg, {layout}ull }}; return i; }}\n"
        )
    };
    use strata_ir::pass::plugin::{BUILD_ID, LAYOUT_FINGERPRINT, PLUGIN_API_VERSION};
    let no_entry = build("noentry", "int unrelated(void) { return 0; }\n");
    let wrong_api = build("wrongapi", &info(999, "whatever", 0));
    let wrong_build = build("wrongbuild", &info(PLUGIN_API_VERSION, "strata 0.0.0, rustc 1.0.0", LAYOUT_FINGERPRINT));
    let wrong_layout =
        build("wronglayout", &info(PLUGIN_API_VERSION, BUILD_ID.trim_end_matches('\0'), LAYOUT_FINGERPRINT ^ 1));
    for (lib, expected) in [
        (&no_entry, "is not a Strata pass plugin: it does not export 'strataGetPassPluginInfo'"),
        (&wrong_api, "was built for plugin API version 999, but this tool supports version"),
        (&wrong_build, "was built with strata 0.0.0, rustc 1.0.0, but this tool was built with strata"),
        (&wrong_layout, "shares strata's types with other layouts than this tool"),
    ] {
        let out = strata_opt(&[&format!("--load-pass-plugin={}", lib.display())], Some(b""));
        assert_clean_failure(&out, expected);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A scratch directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs strata-opt on `input` (a file) under an address-space limit, so a runaway pass fails
/// the test quickly instead of exhausting the machine.
fn strata_opt_limited(limit_kib: u64, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {limit_kib} && exec \"$@\""))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_strata-opt"))
        .args(args)
        .output()
        .unwrap()
}

/// Issue 16's `R/grow.rules` on `R/ar.mlir`: the rule matches its own output, and apply-rules
/// ate 5 GB in 20 s. It now stops at the greedy driver's growth budget (about 100,000 ops
/// here) with an error at the function naming the rule, well inside 2 GB of address space.
#[test]
fn runaway_rules_stop_at_the_greedy_budget_with_a_located_error() {
    let dir = scratch("runaway-rules");
    let rules = dir.join("grow.rules");
    std::fs::write(
        &rules,
        "rule grow: arith.addi($x, $y) => arith.addi(arith.addi($x, $y), arith.constant() {value = 0} : type($x));\n",
    )
    .unwrap();
    let input = dir.join("ar.mlir");
    std::fs::write(
        &input,
        "func.func @f(%a: i32, %b: i32) -> i32 {\n  %0 = arith.addi %a, %b : i32\n  return %0 : i32\n}\n",
    )
    .unwrap();
    let pipeline = format!("--pass-pipeline=builtin.module(func.func(apply-rules{{file={}}}))", rules.display());
    let started = std::time::Instant::now();
    let out = strata_opt_limited(2 << 20, &[input.to_str().unwrap(), &pipeline]);
    assert_clean_failure(&out, "runaway rule");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "ar.mlir:1:1: error: 'func.func' op apply-rules: the greedy rewriter did not converge: the IR grew by"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("the last rewrite was by pattern 'grow'"), "{stderr}");
    eprintln!("stopped after {:.1} s", started.elapsed().as_secs_f64());
}

/// Rules that undo each other do not grow the IR: they stop at the budget on changes.
#[test]
fn rules_that_undo_each_other_stop_at_the_change_budget() {
    let dir = scratch("cycling-rules");
    let rules = dir.join("swap.rules");
    std::fs::write(&rules, "rule swap: arith.addi($x, $y) => arith.addi($y, $x);\n").unwrap();
    let pipeline =
        format!("--pass-pipeline=builtin.module(func.func(apply-rules{{file={} max-iterations=-1}}))", rules.display());
    let out = strata_opt(
        &[&pipeline],
        Some(b"func.func @f(%a: i32, %b: i32) -> i32 {\n  %0 = arith.addi %a, %b : i32\n  return %0 : i32\n}\n"),
    );
    assert_clean_failure(&out, "cycling rules");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "<stdin>:1:1: error: 'func.func' op apply-rules: the greedy rewriter did not converge: it made more than"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("pattern 'swap'"), "{stderr}");
}

/// Errors in a rules file are at the line and column of what is wrong (an unbound variable
/// was reported at `0:0`).
#[test]
fn rules_file_errors_point_at_the_rule() {
    let dir = scratch("rules-errors");
    for (text, expected) in [
        (
            "// x * y, rewritten\nrule ok: arith.addi($x, $y) => $x;\nrule bad: arith.muli($x, $y)\n    => arith.addi($x, $z);\n",
            ":4:23: rule 'bad': value '$z' is not bound by the pattern",
        ),
        (
            "rule bad: arith.muli($x, arith.constant() {value = $c}) if $d == 1 => $x;\n",
            ":1:60: rule 'bad': attribute '$d' is not bound by the pattern",
        ),
        ("rule bad: arith.negf($x) if one_use($y) => $x;\n", ":1:37: rule 'bad': value '$y' is not bound by the pattern"),
        ("rule bad: arith.negf($x)\n  => arith.constant() {value = $v} : type($x);\n", ":2:32: rule 'bad': attribute '$v'"),
    ] {
        let rules = dir.join("unbound.rules");
        std::fs::write(&rules, text).unwrap();
        let pipeline = format!("--pass-pipeline=builtin.module(func.func(apply-rules{{file={}}}))", rules.display());
        let out = strata_opt(&[&pipeline], Some(b"func.func @f() {\n  return\n}\n"));
        assert_clean_failure(&out, text);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("unbound.rules{expected}")), "{text}: {stderr}");
    }
}

/// Sizes that pass the `nn` verifier one by one but not together, or not once aligned, are
/// errors of `plan-memory` at the op (it planned 64 bytes for issue 16's `R/huge2.mlir`).
#[test]
fn plan_memory_reports_sizes_it_cannot_address() {
    let pipeline = "--pass-pipeline=builtin.module(func.func(plan-memory))";
    let t = "tensor<2305843009213693951xf32>";
    let src =
        format!("func.func @f(%x: {t}) -> {t} {{\n  %r = \"nn.relu\"(%x) : ({t}) -> {t}\n  return %r : {t}\n}}\n");
    let out = strata_opt(&[pipeline], Some(src.as_bytes()));
    assert_clean_failure(&out, "aligned size");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("<stdin>:2:8: error: 'nn.relu' op plan-memory: result #0 cannot be placed in the arena"),
        "{stderr}"
    );
    let t = "tensor<1152921504606846976xf32>";
    let relu = |r: &str| format!("  %{r} = \"nn.relu\"(%x) : ({t}) -> {t}\n");
    let add = |r: &str, a: &str, b: &str| format!("  %{r} = \"nn.add\"(%{a}, %{b}) : ({t}, {t}) -> {t}\n");
    let body = [relu("a"), relu("b"), relu("c"), add("d", "a", "b"), add("e", "d", "c")].concat();
    let src = format!("func.func @f(%x: {t}) -> {t} {{\n{body}  return %e : {t}\n}}\n");
    let out = strata_opt(&[pipeline], Some(src.as_bytes()));
    assert_clean_failure(&out, "arena size");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("<stdin>:1:1: error: 'func.func' op plan-memory: the arena would take more than"),
        "{stderr}"
    );
}

/// A tensor no `nn` op checks (passed straight through) is checked by the lowering, which
/// made it a `memref` the code generator then overran.
#[test]
fn lowering_to_loops_checks_the_sizes_of_what_it_lowers() {
    let t = "tensor<9223372036854775807x9223372036854775807xf32>";
    let src = format!("func.func @f(%x: {t}) -> {t} {{\n  return %x : {t}\n}}\n");
    let out = strata_opt(&["--pass-pipeline=builtin.module(func.func(convert-nn-to-loops))"], Some(src.as_bytes()));
    assert_clean_failure(&out, "lowering");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("<stdin>:1:1: error: lower-to-loops: argument #0:"), "{stderr}");
    assert!(stderr.contains("the count overflows i64"), "{stderr}");
}

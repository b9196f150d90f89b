//! ONNX models through the tools, as a user meets them: `strata-import`, and `strata-opt`,
//! `strata-run`, `strata-translate` importing on the fly; bad models, bad `--input-shape`s,
//! and outputs that a failure leaves as they were. Uses the bundled encoder (no Python).

use std::process::{Command, Output};

use crate::common::*;

fn encoder() -> String {
    repo_root().join("examples/models/encoder.onnx").to_str().unwrap().to_string()
}

fn tool(exe: &str, args: &[&str]) -> Output {
    Command::new(exe).args(args).output().unwrap_or_else(|e| panic!("{exe}: {e}"))
}

fn import(args: &[&str]) -> Output {
    tool(env!("CARGO_BIN_EXE_strata-import"), args)
}

fn run(args: &[&str]) -> Output {
    tool(env!("CARGO_BIN_EXE_strata-run"), args)
}

#[test]
fn strata_import_writes_the_module() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("encoder.mlir");
    let out = import(&[&encoder(), "-o", out_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&out_path).unwrap();
    assert!(text.contains("func.func @bert(") && text.contains("dense_resource<"), "{}", &text[..300]);
    // The written module is an input like any other.
    let again = strata_opt(&[out_path.to_str().unwrap()], None);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
}

#[test]
fn a_bad_model_is_an_error_and_leaves_the_output_alone() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.onnx");
    let bytes = std::fs::read(encoder()).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let out_path = dir.path().join("out.mlir");
    std::fs::write(&out_path, "previous contents").unwrap();
    let out = import(&[bad.to_str().unwrap(), "-o", out_path.to_str().unwrap()]);
    assert_clean_failure(&out, "a truncated model");
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.onnx"), "names the file");
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), "previous contents");
    let missing = import(&[dir.path().join("none.onnx").to_str().unwrap()]);
    assert_clean_failure(&missing, "a missing model");
    for tool_out in [strata_opt(&[bad.to_str().unwrap()], None), run(&[bad.to_str().unwrap()])] {
        assert_clean_failure(&tool_out, "a truncated model on the fly");
    }
}

#[test]
fn input_shapes_are_checked() {
    for (flag, why) in [
        ("nope=1x16", "no input of that name"),
        ("input_ids=1x17", "dimension 1 is 16"),
        ("input_ids=1xq", "not a dimension"),
    ] {
        let out = import(&[&encoder(), "--input-shape", flag]);
        assert_clean_failure(&out, flag);
        assert!(String::from_utf8_lossy(&out.stderr).contains(why), "{flag}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let ok = import(&[&encoder(), "--input-shape", "input_ids=1x16", "-o", "/dev/null"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
}

/// The model runs straight from the `.onnx` file, the entry found by itself, on the
/// interpreter and compiled, with the same answers.
#[test]
fn strata_run_takes_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let (interp, host) = (dir.path().join("interp"), dir.path().join("host"));
    for (target, out_dir) in [("interp", &interp), ("host", &host)] {
        let out =
            run(&[&encoder(), "--target", target, "--random-inputs", "3", "--output-dir", out_dir.to_str().unwrap()]);
        assert!(out.status.success(), "{target}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let outputs: Vec<String> = ["output0.npy", "output1.npy"]
        .iter()
        .map(|name| {
            let path = interp.join(name);
            assert!(path.exists(), "{} was not written", path.display());
            path.to_str().unwrap().to_string()
        })
        .collect();
    let out = run(&[
        &encoder(),
        "--target",
        "host",
        "--random-inputs",
        "3",
        "--compare",
        &outputs[0],
        "--compare",
        &outputs[1],
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn strata_opt_and_translate_take_a_model() {
    let out = strata_opt(&[&encoder(), "--egraph-opt"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kernel."), "egraph-opt fused nothing");
    let dir = tempfile::tempdir().unwrap();
    let object = dir.path().join("encoder.o");
    let out = tool(
        env!("CARGO_BIN_EXE_strata-translate"),
        &[&encoder(), "--target", "x86-64", "-o", object.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::metadata(&object).unwrap().len() > 1000);
}

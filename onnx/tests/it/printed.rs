//! What an import writes, on the bundled encoder (`examples/models/encoder.onnx`, made by
//! `models.py bert --small --vocab 100 --hidden 32 --layers 2 --heads 2 --seq-len 16`): names
//! and locations kept, weights as blobs, shape sub-graphs folded away, and text that parses back
//! to the same text here and in `mlir-opt-22`.

use std::path::PathBuf;

use strata_ir::{parse_source, print_module, Context, ParseOptions, PrintOptions};

fn encoder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/models/encoder.onnx")
}

fn ctx() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

fn imported(ctx: &Context) -> String {
    let m = strata_onnx::import_file(ctx, &encoder(), &Default::default()).expect("the encoder imports");
    print_module(ctx, &m, &PrintOptions { generic: false, debug_info: true, ..Default::default() })
}

#[test]
fn names_locations_and_blobs_are_kept() {
    let ctx = ctx();
    let text = imported(&ctx);
    let head = text.lines().find(|l| l.contains("func.func @")).expect("a function");
    assert!(head.contains("func.func @bert("), "{head}");
    for name in ["input_ids", "attention_mask", "last_hidden_state"] {
        assert!(head.contains(&format!("{{onnx.name = \"{name}\"}}")), "{name} in {head}");
    }
    // Every op carries the node it came from, as PyTorch names nodes: an alias (as mlir-opt
    // prints locations) defined after the module as the node's name.
    let ops: Vec<&str> = text.lines().filter(|l| l.contains(" = \"nn.")).collect();
    assert!(ops.len() > 50, "{} ops", ops.len());
    let node_of = |line: &str| -> Option<String> {
        let alias = line.rsplit_once(" loc(#")?.1.strip_suffix(')')?;
        let def = text.lines().find(|l| l.starts_with(&format!("#{alias} = loc(")))?;
        Some(def.split_once(" = ")?.1.to_string())
    };
    assert!(ops.iter().all(|l| node_of(l).is_some_and(|n| n.starts_with("loc(\"/"))), "an op without its node");
    assert!(text.contains(" = loc(\"/encoder/layer.0/attention/self/Softmax\")"), "softmax's node");
    // Weights are blobs; nothing of the Shape -> Gather -> Concat -> Reshape sub-graphs is left.
    assert!(text.contains("dense_resource<embeddings.word_embeddings.weight>"), "embedding blob");
    assert!(text.contains("dialect_resources: {"), "the blob section");
    assert!(!text.contains("Shape") && !text.contains("nn.concat"), "shape sub-graphs folded");
    assert!(text.contains("\"nn.gather\"") && text.contains("\"nn.layer_norm\"") && text.contains("\"nn.erf\""));
}

#[test]
fn the_printed_module_parses_back_the_same() {
    let ctx = ctx();
    let text = imported(&ctx);
    let again = parse_source(&ctx, "encoder.mlir", &text, &ParseOptions::default()).expect("parses");
    strata_ir::verify(&ctx, &again.ir, again.root).expect("verifies");
    let reprinted =
        print_module(&ctx, &again, &PrintOptions { generic: false, debug_info: true, ..Default::default() });
    assert_eq!(text, reprinted);
}

/// Upstream MLIR reads what we print (the `nn` ops as unregistered ones) and prints it back
/// the same, blobs included.
#[test]
fn mlir_opt_reads_the_printed_module() {
    let Ok(out) = std::process::Command::new("mlir-opt-22").arg("--version").output() else {
        assert!(std::env::var("STRATA_REQUIRE_ALL").as_deref() != Ok("1"), "STRATA_REQUIRE_ALL=1 but no mlir-opt-22");
        eprintln!("SKIPPED: mlir-opt-22 not found");
        return;
    };
    assert!(out.status.success());
    let ctx = ctx();
    let text = imported(&ctx);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("encoder.mlir");
    std::fs::write(&path, &text).expect("write");
    let out = std::process::Command::new("mlir-opt-22")
        .args(["--allow-unregistered-dialect", "--mlir-print-debuginfo"])
        .arg(&path)
        .output()
        .expect("mlir-opt-22 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let upstream = String::from_utf8(out.stdout).expect("utf-8");
    let m =
        parse_source(&ctx, "upstream.mlir", &upstream, &ParseOptions::default()).expect("we parse mlir-opt's output");
    let ours = print_module(&ctx, &m, &PrintOptions { generic: false, debug_info: true, ..Default::default() });
    assert_eq!(ours, text, "a round trip through mlir-opt-22 changed the module");
}

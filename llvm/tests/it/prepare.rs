//! The Strata half of the backend, which runs everywhere (no LLVM linked): what it hands to
//! upstream parses, verifies and lowers to the `llvm` dialect in `mlir-opt-22`, with the
//! wrappers beside it, for the codegen programs of `testdata/`.

use std::process::Command;

use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::Context;
use strata_lowering::codegen::{default_pipeline, Target};

fn mlir_opt() -> bool {
    if Command::new("mlir-opt-22").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    assert!(std::env::var("STRATA_REQUIRE_ALL").as_deref() != Ok("1"), "STRATA_REQUIRE_ALL=1 but no mlir-opt-22");
    eprintln!("SKIPPED: mlir-opt-22 not found");
    false
}

/// Runs `mlir-opt-22 args file` on `text`; its stdout, or the test fails with its stderr.
fn upstream(text: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.mlir");
    std::fs::write(&path, text).unwrap();
    let out = Command::new("mlir-opt-22").args(args).arg(&path).output().unwrap();
    assert!(out.status.success(), "mlir-opt-22 {args:?}:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn prepared_programs_lower_in_mlir_opt() {
    if !mlir_opt() {
        return;
    }
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let mut registry = PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    for file in ["programs.mlir", "onnx-ops.mlir", "graphs-compiled.mlir"] {
        let path = format!("{}/../testdata/codegen/{file}", env!("CARGO_MANIFEST_DIR"));
        let src = std::fs::read_to_string(&path).unwrap();
        let mut m = strata_ir::parse_source(&ctx, &path, &src, &Default::default()).unwrap();
        // Functions neither backend takes (a 3-lane vector, vector integer division) are left out.
        let entries: Vec<String> = strata_lowering::codegen::object::public_entries(&ctx, &m.ir, m.root)
            .into_iter()
            .map(|f| f.0)
            .filter(|n| !matches!(n.as_str(), "odd_vector" | "vector_divide"))
            .collect();
        let pm = PassManager::new(registry.parse_pipeline(default_pipeline(Target::X86_64)).unwrap());
        pm.run(&ctx, &mut m.ir, m.root).unwrap_or_else(|f| panic!("{}", f.diagnostic.message));
        let only: Vec<&str> = entries.iter().map(String::as_str).collect();
        let prepared = strata_llvm::prepare::prepare(&ctx, &m.ir, m.root, Some(&only), "m", false, 8)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!prepared.entries.is_empty() && !prepared.nests.is_empty(), "{file}");
        // Upstream reads it, runs our pipeline to the llvm dialect, and takes the wrappers.
        let pipeline = format!("--pass-pipeline={}", strata_llvm::PIPELINE);
        let lowered = upstream(&prepared.text, &[&pipeline]);
        let wrappers = strata_llvm::wrappers::module(&ctx, &prepared.entries, &prepared.nests).unwrap();
        upstream(&wrappers, &[]);
        // Outlined bodies have internal linkage (else LLVM compiles them apart from their inlined copy).
        let outlined = "llvm.func internal @__strata_par_";
        assert!(lowered.contains(outlined) || !prepared.side.is_empty(), "{file}: outlined nests");
        assert!(!lowered.contains("memref.") && !lowered.contains("scf."), "{file}: not fully lowered");
        // The side modules too, each with its trampolines.
        for side in &prepared.side {
            let lowered = upstream(&side.text, &[&pipeline]);
            assert!(lowered.contains(outlined), "{file}: a side module's bodies");
            upstream(&strata_llvm::wrappers::side_module(&ctx, &side.nests).unwrap(), &[]);
        }
    }
}

/// Weights larger than a few vectors stay out of the text: external symbols, bound at load.
#[test]
fn weights_stay_out_of_the_text() {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let mut registry = PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    let rows: Vec<String> = (0..16)
        .map(|r| format!("[{}]", (0..16).map(|c| format!("{}.5", (r * 16 + c) % 17)).collect::<Vec<_>>().join(", ")))
        .collect();
    let src = format!(
        r#"func.func @f(%x: tensor<16x16xf32>) -> tensor<16x16xf32> {{
  %w = "nn.constant"() {{value = dense<[{}]> : tensor<16x16xf32>}} : () -> tensor<16x16xf32>
  %y = "nn.matmul"(%x, %w) : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return %y : tensor<16x16xf32>
}}"#,
        rows.join(", ")
    );
    let mut m = strata_ir::parse_source(&ctx, "w.mlir", &src, &Default::default()).unwrap();
    let pm = PassManager::new(registry.parse_pipeline(default_pipeline(Target::X86_64)).unwrap());
    pm.run(&ctx, &mut m.ir, m.root).unwrap_or_else(|f| panic!("{}", f.diagnostic.message));
    let prepared = strata_llvm::prepare::prepare(&ctx, &m.ir, m.root, None, "m", false, 1).unwrap();
    assert_eq!(prepared.weights.len(), 1);
    assert_eq!(prepared.weights[0].len(), 256 * 4);
    assert!(!prepared.text.contains("16.5") && !prepared.text.contains("dense_resource"), "{}", prepared.text);
}

/// The same kernel on other buffers is compiled once: two products of the same shape with
/// different weights make one outlined body that both nests launch.
#[test]
fn equal_nests_on_other_buffers_are_outlined_once() {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let mut registry = PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    let weights = |seed: usize| {
        let rows: Vec<String> = (0..32)
            .map(|r| {
                format!(
                    "[{}]",
                    (0..32).map(|c| format!("{}.25", (r * 7 + c * 3 + seed) % 11)).collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        format!("dense<[{}]> : tensor<32x32xf32>", rows.join(", "))
    };
    let src = format!(
        r#"func.func @f(%x: tensor<32x32xf32>) -> tensor<32x32xf32> {{
  %w1 = "nn.constant"() {{value = {}}} : () -> tensor<32x32xf32>
  %w2 = "nn.constant"() {{value = {}}} : () -> tensor<32x32xf32>
  %y = "nn.matmul"(%x, %w1) : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  %z = "nn.matmul"(%y, %w2) : (tensor<32x32xf32>, tensor<32x32xf32>) -> tensor<32x32xf32>
  return %z : tensor<32x32xf32>
}}"#,
        weights(1),
        weights(5)
    );
    let mut m = strata_ir::parse_source(&ctx, "w.mlir", &src, &Default::default()).unwrap();
    let pm = PassManager::new(registry.parse_pipeline(default_pipeline(Target::X86_64)).unwrap());
    pm.run(&ctx, &mut m.ir, m.root).unwrap_or_else(|f| panic!("{}", f.diagnostic.message));
    let prepared = strata_llvm::prepare::prepare(&ctx, &m.ir, m.root, None, "m", false, 1).unwrap();
    let launches: Vec<&str> = prepared
        .text
        .lines()
        .filter(|l| l.contains("call @__strata_par_"))
        .filter_map(|l| l.split('@').nth(1)?.split('(').next())
        .collect();
    let bodies = prepared.text.matches("func.func private @__strata_par_").count();
    assert_eq!(prepared.weights.len(), 2);
    assert!(!prepared.nests.is_empty());
    assert!(launches.len() > prepared.nests.len(), "{launches:?}\n{}", prepared.text);
    for nest in &prepared.nests {
        assert!(launches.contains(&nest.launcher.as_str()), "{} is launched", nest.launcher);
    }
    // Each nest: its body and its launcher's declaration; nothing merged is left behind.
    assert_eq!(bodies, 2 * prepared.nests.len(), "{}", prepared.text);
}

//! Whole networks through `egraph-opt`: ResNet-18 and a transformer encoder block, as checked
//! in under `testdata/models/`, with insta snapshots of the graphs before and after (in
//! `testdata/models/snapshots/`), and the optimized graphs run against the originals by the
//! interpreter on random inputs.
//!
//! The model files are generated (`strata_benches::models`); `STRATA_REGENERATE=1` rewrites
//! them, and the test fails when they drift from the generator.

use std::path::PathBuf;

use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{parse_source, print_module, Context, Module, OpId, ParseOptions};
use strata_runtime::{run_function, Elem, Tensor};

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/models")
}

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

/// The checked-in model `file`, which must equal what the generator writes.
fn model(file: &str, generated: String) -> String {
    let path = models_dir().join(file);
    if std::env::var_os("STRATA_REGENERATE").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(text, generated, "{file} differs from its generator; rerun with STRATA_REGENERATE=1");
    text
}

fn optimize(ctx: &Context, text: &str, name: &str, pipeline: &str) -> Module {
    let mut m = parse_source(ctx, name, text, &ParseOptions::default()).unwrap();
    let mut r = PassRegistry::new();
    strata_passes::register_all(&mut r);
    PassManager::new(r.parse_pipeline(pipeline).unwrap()).run(ctx, &mut m.ir, m.root).unwrap();
    m
}

fn first_func(m: &Module) -> OpId {
    m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap()
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => models_dir().join("snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Runs both graphs on the same random inputs; outputs agree within 1e-4 of their scale
/// (f32 rounding of folded weights and re-associated fused bodies; see egraph_equivalence.rs).
fn same_results(ctx: &Context, before: &Module, after: &Module, seed: u64) {
    let f = first_func(before);
    let args = before.ir.block(before.ir.region(before.ir.op(f).regions()[0]).blocks()[0]).args().to_vec();
    let mut state = seed;
    let inputs: Vec<Tensor> = args
        .iter()
        .map(|a| {
            let (shape, _) = strata_runtime::interp::tensor_type(ctx, before.ir.value_type(*a)).unwrap();
            Tensor::from_fn(&shape, Elem::F32, |_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
            })
        })
        .collect();
    let want = run_function(ctx, &before.ir, f, inputs.clone()).unwrap();
    let got = run_function(ctx, &after.ir, first_func(after), inputs).unwrap();
    for (w, g) in want.iter().zip(&got) {
        assert_eq!(w.shape, g.shape);
        let scale = 1.0 + w.data.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (i, (a, b)) in w.data.iter().zip(&g.data).enumerate() {
            assert!((a - b).abs() <= 1e-4 * scale, "element {i}: {a} before, {b} after");
        }
    }
}

#[test]
fn resnet18() {
    let ctx = context();
    let text = model("resnet18.mlir", strata_benches::models::resnet(18));
    let before = parse_source(&ctx, "resnet18.mlir", &text, &ParseOptions::default()).unwrap();
    snapshot("resnet18-before", &print_module(&ctx, &before, &Default::default()));
    let after = optimize(&ctx, &text, "resnet18.mlir", "builtin.module(func.func(egraph-opt))");
    let printed = print_module(&ctx, &after, &Default::default());
    // Every batch norm folded; main-path convolutions carry their relu (and residual add).
    assert!(!printed.contains("nn.batch_norm"));
    assert!(printed.matches("\"kernel.conv2d\"").count() >= 16);
    snapshot("resnet18-after", &printed);
}

#[test]
fn resnet18_optimized_runs_like_the_original() {
    // The same network on a 32x32 image, so the interpreter runs it quickly.
    let ctx = context();
    let text = strata_benches::models::resnet_at(18, 32);
    let before = parse_source(&ctx, "resnet18-32.mlir", &text, &ParseOptions::default()).unwrap();
    for target in ["x86-64", "aarch64", "gpu"] {
        let after = optimize(&ctx, &text, "resnet18-32.mlir", &format!("builtin.module(func.func(egraph-opt{{target={target}}}))"));
        same_results(&ctx, &before, &after, 7);
    }
}

#[test]
fn transformer_block() {
    let ctx = context();
    let text = model("transformer-block.mlir", strata_benches::models::transformer_block());
    let before = parse_source(&ctx, "transformer-block.mlir", &text, &ParseOptions::default()).unwrap();
    snapshot("transformer-block-before", &print_module(&ctx, &before, &Default::default()));
    let after = optimize(&ctx, &text, "transformer-block.mlir", "builtin.module(func.func(egraph-opt))");
    let printed = print_module(&ctx, &after, &Default::default());
    assert!(printed.contains("kernel.matmul"), "bias adds and gelu join the matmuls");
    snapshot("transformer-block-after", &printed);
    same_results(&ctx, &before, &after, 11);
}

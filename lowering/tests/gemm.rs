//! The packed GEMM behind `nn.matmul`, JIT-compiled on this machine (two threads, fresh buffers
//! poisoned with NaN), against the interpreter's graph-level matmul on random inputs in
//! [-1, 1), over the shapes where its blocking has edges: rows not a multiple of the 6-row
//! micro-tile (A is read in place and its last, partial row panel copied), columns not a
//! multiple of its 8, the smallest K it takes (4), K cut into several equal blocks of at most
//! 1024 with and without a remainder, a batch, and a batch that A broadcasts over (A packed
//! into panels).
//!
//! Bound: |jit - interpreter| <= 2e-7 · K per element (measured at most 5.7e-5 at K = 1100, 5e-8
//! · K). Both sum K products of numbers below 1 in f32, in other orders and the JIT with fused
//! multiply-adds, so roundings of up to 6e-8 of the partial sums add up over the K steps; a
//! product left out or counted twice is off by up to 1.

use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{parse_source, Context, ParseOptions};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::{default_pipeline, Target};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem};

fn ty(s: &[usize]) -> String {
    let d: Vec<String> = s.iter().map(|x| x.to_string()).collect();
    format!("tensor<{}xf32>", d.join("x"))
}

#[test]
fn packed_gemm_matches_the_interpreter_at_every_edge() {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let mut registry = PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    let pm = PassManager::new(registry.parse_pipeline(default_pipeline(Target::Host)).unwrap());
    let mut r = SplitMix(7);
    // (batch, M, K, N, whether A has the batch dimension)
    let shapes = [
        (1, 6, 512, 8, true),
        (1, 7, 4, 9, true),
        (1, 13, 1100, 21, true),
        (1, 25, 1024, 16, true),
        (1, 12, 2050, 8, true),
        (3, 11, 600, 5, true),
        (3, 11, 600, 5, false),
        (1, 2, 1025, 4, true),
    ];
    for (batch, m, k, n, a_batched) in shapes {
        let (a, b, c) = match (batch, a_batched) {
            (1, _) => (vec![m, k], vec![k, n], vec![m, n]),
            (_, true) => (vec![batch, m, k], vec![batch, k, n], vec![batch, m, n]),
            (_, false) => (vec![m, k], vec![batch, k, n], vec![batch, m, n]),
        };
        let src = format!(
            "func.func @mm(%a: {ta}, %b: {tb}) -> {tc} {{\n  %c = \"nn.matmul\"(%a, %b) : ({ta}, {tb}) -> {tc}\n  return %c : {tc}\n}}\n",
            ta = ty(&a),
            tb = ty(&b),
            tc = ty(&c)
        );
        let inputs = vec![r.tensor(&a, Elem::F32, -1.0, 1.0), r.tensor(&b, Elem::F32, -1.0, 1.0)];
        let graph = parse_source(&ctx, "mm.mlir", &src, &ParseOptions::default()).unwrap();
        let func = strata_runtime::functions(&ctx, &graph.ir, graph.root)[0].1;
        let want = run_function(&ctx, &graph.ir, func, inputs.clone()).unwrap();
        let mut lowered = parse_source(&ctx, "mm.mlir", &src, &ParseOptions::default()).unwrap();
        pm.run(&ctx, &mut lowered.ir, lowered.root).unwrap_or_else(|f| panic!("{}", f.diagnostic.message));
        let jit = Jit::compile(&ctx, &lowered.ir, lowered.root, JitOptions { threads: Some(2), poison: true })
            .unwrap_or_else(|e| panic!("{e}"));
        let got = jit.run("mm", &inputs).unwrap_or_else(|e| panic!("{e}"));
        let bound = 2e-7 * k as f64;
        let worst = got[0].data.iter().zip(&want[0].data).fold(0.0f64, |w, (x, y)| {
            assert!(!x.is_nan(), "{batch}x{m}x{k}x{n}: NaN, an output not written");
            w.max((x - y).abs())
        });
        eprintln!("{batch}x{m}x{k}x{n}: worst error {worst:.2e} (bound {bound:.1e})");
        assert!(worst <= bound, "{batch}x{m}x{k}x{n}: error {worst:e} above {bound:e}");
    }
}

//! Softmax and layer normalization along contiguous rows (elementwise passes along the row,
//! vectorized; sums in 16 interleaved partial sums when the row divides into them) and
//! reshapes (one flat copy), lowered and vectorized 16 lanes wide as the LLVM backend's pipeline does, against the
//! interpreter's graph-level ops: run by the interpreter (exact `exp`) and JIT-compiled by
//! Cranelift (its polynomial `exp`), fresh buffers poisoned.
//!
//! Inputs are uniform in [-30, 30), so rows have a dominant element and exponentials near the
//! bottom of f32's range. Bound: 1e-6 absolute on outputs in [0, 1] (measured at most 1.2e-7):
//! the lowered sums round in f32 in another order than the reference, which a quotient turns
//! into a relative error of the same size (a few ulp of a sum of up to 128 terms, whose
//! roundings of either sign grow as √n: ~1e-7 of 1), and the compiled `exp` is within a few
//! ulp. An element left out of a sum or a lane not written is off by far more. Layer norm's
//! outputs are within a few units (inputs in [-30, 30), unit scale, shift in [-1, 1)): 1e-5
//! absolute, the same sums' rounding times a normalized value of up to a few units.
//! Reshapes copy: exact.

use strata_ir::{parse_source, Context, ParseOptions};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_runtime::compare::{compare, Tolerance};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem};

fn ty(s: &[usize]) -> String {
    format!("tensor<{}xf32>", s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x"))
}

#[test]
fn row_kernels_and_reshapes_match_the_interpreter() {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let mut r = SplitMix(5);
    // (shape, axis, reshaped): rows of 128 (BERT's attention), 16 (one vector: no partial
    // sums), 37 (a tail), a softmax along the first axis (the general loops).
    for (shape, axis, reshaped) in [
        (vec![4, 8, 128], 2, vec![32, 128]),
        (vec![3, 16], 1, vec![48]),
        (vec![5, 37], 1, vec![37, 5]),
        (vec![6, 5, 32], 0, vec![2, 3, 160]),
    ] {
        let d = shape[shape.len() - 1];
        let src = format!(
            "func.func @f(%x: {t}, %g: {tg}, %b: {tg}) -> ({t}, {tr}, {t}) {{\n  %s = \"nn.softmax\"(%x) {{axis = {axis} : i64}} : ({t}) -> {t}\n  %r = \"nn.reshape\"(%s) : ({t}) -> {tr}\n  %n = \"nn.layer_norm\"(%x, %g, %b) {{axis = -1 : i64, epsilon = 1.0e-05 : f32}} : ({t}, {tg}, {tg}) -> {t}\n  return %s, %r, %n : {t}, {tr}, {t}\n}}\n",
            t = ty(&shape),
            tr = ty(&reshaped),
            tg = ty(&[d])
        );
        let graph = parse_source(&ctx, "rows.mlir", &src, &ParseOptions::default()).unwrap();
        let func = |m: &strata_ir::Module| strata_runtime::functions(&ctx, &m.ir, m.root)[0].1;
        let inputs = vec![
            r.tensor(&shape, Elem::F32, -30.0, 30.0),
            r.tensor(&[d], Elem::F32, -1.0, 1.0),
            r.tensor(&[d], Elem::F32, -1.0, 1.0),
        ];
        let want = run_function(&ctx, &graph.ir, func(&graph), inputs.clone()).unwrap();
        let lowered = crate::through(&ctx, &graph, "builtin.module(lower-to-loops, func.func(vectorize{width=16}))");
        let interpreted = run_function(&ctx, &lowered.ir, func(&lowered), inputs.clone()).unwrap();
        let jit = Jit::compile(&ctx, &lowered.ir, lowered.root, JitOptions { threads: Some(2), poison: true })
            .unwrap_or_else(|e| panic!("{e}"));
        let compiled = jit.run("f", &inputs).unwrap_or_else(|e| panic!("{e}"));
        for (what, got) in [("interpreted", &interpreted), ("compiled", &compiled)] {
            let worst =
                got[0].floats().iter().zip(want[0].floats().iter()).fold(0.0f64, |w, (a, b)| w.max((a - b).abs()));
            eprintln!("{what} softmax of {shape:?} along {axis}: worst error {worst:.1e}");
            compare(&got[0], &want[0], Tolerance { rtol: 0.0, atol: 1e-6 })
                .unwrap_or_else(|m| panic!("{what} softmax of {shape:?} along {axis}: {m}"));
            assert_eq!(got[1].floats(), got[0].floats(), "{what} reshape of {shape:?}: a copy in order");
            compare(&got[2], &want[2], Tolerance { rtol: 0.0, atol: 1e-5 })
                .unwrap_or_else(|m| panic!("{what} layer norm of {shape:?}: {m}"));
        }
    }
}

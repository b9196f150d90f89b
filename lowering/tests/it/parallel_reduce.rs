//! `scf.parallel` with reductions (`scf.reduce`), in upstream MLIR's form: run by the
//! interpreter and JIT-compiled, against the same reductions computed here on random inputs,
//! as written and after `vectorize` and `tile` (which leave nests with reductions whole).
//!
//! Both the interpreter and the compiled code start each reduction at its initial value and
//! combine the iterations' values in row-major iteration order (one of the orders upstream
//! allows), and the reduction regions below are single f32 or i64 operations with no product
//! to fuse, so the results are exact: they are compared bit for bit with the same operations
//! done here in that order. A value left out, counted twice or combined by the wrong region
//! changes them.

use crate::through;
use strata_ir::{parse_source, Context, ParseOptions};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem, Tensor};

/// The sum, maximum and count of positives of all of `m` (one nest of two dimensions with
/// three reductions), and each row's sum of squares (a reduction nest inside a nest without,
/// which the code generator hands to the thread pool).
const SRC: &str = r#"
func.func @stats(%m: memref<7x13xf32>) -> (f32, f32, i64, memref<7xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %c13 = arith.constant 13 : index
  %zero = arith.constant 0.0 : f32
  %low = arith.constant -1.0e30 : f32
  %n0 = arith.constant 0 : i64
  %one = arith.constant 1 : i64
  %r:3 = "scf.parallel"(%c0, %c0, %c7, %c13, %c1, %c1, %zero, %low, %n0) <{operandSegmentSizes = array<i32: 2, 2, 2, 3>}> ({
  ^bb0(%i: index, %j: index):
    %x = memref.load %m[%i, %j] : memref<7x13xf32>
    %pos = arith.cmpf ogt, %x, %zero : f32
    %count = arith.select %pos, %one, %n0 : i64
    "scf.reduce"(%x, %x, %count) ({
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }, {
    ^bb0(%a: f32, %b: f32):
      %s = arith.maximumf %a, %b : f32
      scf.reduce.return %s : f32
    }, {
    ^bb0(%a: i64, %b: i64):
      %s = arith.addi %a, %b : i64
      scf.reduce.return %s : i64
    }) : (f32, f32, i64) -> ()
  }) : (index, index, index, index, index, index, f32, f32, i64) -> (f32, f32, i64)
  %rows = memref.alloc() : memref<7xf32>
  "scf.parallel"(%c0, %c7, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    %s = "scf.parallel"(%c0, %c13, %c1, %zero) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> ({
    ^bb0(%j: index):
      %x = memref.load %m[%i, %j] : memref<7x13xf32>
      %sq = arith.mulf %x, %x : f32
      "scf.reduce"(%sq) ({
      ^bb0(%a: f32, %b: f32):
        %t = arith.addf %a, %b : f32
        scf.reduce.return %t : f32
      }) : (f32) -> ()
    }) : (index, index, index, f32) -> f32
    memref.store %s, %rows[%i] : memref<7xf32>
    "scf.reduce"() : () -> ()
  }) : (index, index, index) -> ()
  return %r#0, %r#1, %r#2, %rows : f32, f32, i64, memref<7xf32>
}
"#;

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

/// The four results of `@stats` on `m` (7x13), reduced in row-major order in f32.
fn reference(m: &Tensor) -> Vec<Tensor> {
    let x: Vec<f32> = m.floats().iter().map(|v| *v as f32).collect();
    let (mut sum, mut max, mut positives) = (0.0f32, -1.0e30f32, 0i64);
    for v in &x {
        sum += v;
        max = max.max(*v);
        positives += i64::from(*v > 0.0);
    }
    let rows: Vec<f64> = x.chunks(13).map(|r| f64::from(r.iter().fold(0.0f32, |s, v| s + v * v))).collect();
    vec![
        Tensor::from_floats(&[], Elem::F32, vec![f64::from(sum)]),
        Tensor::from_floats(&[], Elem::F32, vec![f64::from(max)]),
        Tensor::from_ints(&[], Elem::Int(64), vec![positives]),
        Tensor::from_floats(&[7], Elem::F32, rows),
    ]
}

fn assert_exact(got: &[Tensor], want: &[Tensor], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!((&g.shape, g.elem), (&w.shape, w.elem), "{what}: result {i}");
        assert_eq!(g.floats(), w.floats(), "{what}: result {i}");
    }
}

#[test]
fn reductions_combine_every_iteration_interpreted_and_compiled() {
    let ctx = context();
    let parsed = parse_source(&ctx, "stats.mlir", SRC, &ParseOptions::default()).unwrap();
    strata_ir::verify(&ctx, &parsed.ir, parsed.root).unwrap_or_else(|d| panic!("{}", d.message));
    let mut r = SplitMix(31);
    for pipeline in ["builtin.module()", "builtin.module(func.func(vectorize, tile{size=7}))"] {
        let m = through(&ctx, &parsed, pipeline);
        let func = strata_runtime::functions(&ctx, &m.ir, m.root)[0].1;
        let jit = Jit::compile(&ctx, &m.ir, m.root, JitOptions { threads: Some(2), poison: true })
            .unwrap_or_else(|e| panic!("{e}"));
        for call in 0..2 {
            let input = r.tensor(&[7, 13], Elem::F32, -1.0, 1.0);
            let want = reference(&input);
            let got = run_function(&ctx, &m.ir, func, vec![input.clone()]).unwrap_or_else(|e| panic!("{e}"));
            assert_exact(&got, &want, &format!("interpreted after {pipeline}, call {call}"));
            let got = jit.run("stats", &[input]).unwrap_or_else(|e| panic!("{e}"));
            assert_exact(&got, &want, &format!("JIT after {pipeline}, call {call}"));
        }
    }
}

/// An empty iteration space (lower bound = upper bound) leaves a reduction at its initial
/// value.
#[test]
fn an_empty_nest_yields_its_initial_value() {
    let ctx = context();
    let src = r#"
func.func @empty(%m: memref<4xf32>, %init: f32) -> f32 {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %r = "scf.parallel"(%c2, %c2, %c1, %init) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> ({
  ^bb0(%i: index):
    %x = memref.load %m[%i] : memref<4xf32>
    "scf.reduce"(%x) ({
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }) : (f32) -> ()
  }) : (index, index, index, f32) -> f32
  return %r : f32
}
"#;
    let m = parse_source(&ctx, "empty.mlir", src, &ParseOptions::default()).unwrap();
    let func = strata_runtime::functions(&ctx, &m.ir, m.root)[0].1;
    let mut r = SplitMix(32);
    let inputs = vec![r.tensor(&[4], Elem::F32, -1.0, 1.0), r.tensor(&[], Elem::F32, -1.0, 1.0)];
    let want = vec![inputs[1].clone()];
    let got = run_function(&ctx, &m.ir, func, inputs.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_exact(&got, &want, "interpreted");
    let jit = Jit::compile(&ctx, &m.ir, m.root, JitOptions { threads: Some(2), poison: true })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_exact(&jit.run("empty", &inputs).unwrap_or_else(|e| panic!("{e}")), &want, "JIT");
}

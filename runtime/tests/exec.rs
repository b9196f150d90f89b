//! The interpreter below the graph level: control flow, loops, buffers, calls, integers.

use strata_ir::{parse_source, Context, ParseOptions};
use strata_runtime::{run_function, Elem, RuntimeError, Tensor};

fn run(src: &str, entry: &str, inputs: Vec<Tensor>) -> Result<Vec<Tensor>, RuntimeError> {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let m = parse_source(&ctx, "t.mlir", src, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e:?}"));
    strata_ir::verify(&ctx, &m.ir, m.root).unwrap_or_else(|e| panic!("{}", e.message));
    let func =
        m.ir.collect_ops(m.root)
            .into_iter()
            .find(|op| m.ir.op(*op).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)) == Some(entry))
            .unwrap();
    run_function(&ctx, &m.ir, func, inputs)
}

fn scalar(elem: Elem, v: f64) -> Tensor {
    Tensor { shape: Vec::new(), elem, data: vec![v] }
}

#[test]
fn branches_with_block_arguments_and_integer_ops() {
    // n! by a cf loop; then n! mod 1000 and a comparison through select.
    let src = r#"
    func.func @fact(%n: i64) -> (i64, i64) {
      %one = arith.constant 1 : i64
      cf.br ^loop(%n, %one : i64, i64)
    ^loop(%k: i64, %acc: i64):
      %done = arith.cmpi sle, %k, %one : i64
      cf.cond_br %done, ^exit(%acc : i64), ^body
    ^body:
      %next = arith.muli %acc, %k : i64
      %km1 = arith.subi %k, %one : i64
      cf.br ^loop(%km1, %next : i64, i64)
    ^exit(%r: i64):
      %c1000 = arith.constant 1000 : i64
      %m = arith.remsi %r, %c1000 : i64
      return %r, %m : i64, i64
    }"#;
    let out = run(src, "fact", vec![scalar(Elem::Int(64), 10.0)]).unwrap();
    assert_eq!(out[0].data, vec![3628800.0]);
    assert_eq!(out[1].data, vec![800.0]);
}

#[test]
fn loops_conditionals_and_calls() {
    let src = r#"
    func.func @square(%x: f32) -> f32 {
      %y = arith.mulf %x, %x : f32
      return %y : f32
    }
    func.func @sum_of_squares(%m: memref<5xf32>) -> f32 {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c5 = arith.constant 5 : index
      %zero = arith.constant 0.0 : f32
      %s = "scf.for"(%c0, %c5, %c1, %zero) ({
      ^bb0(%i: index, %acc: f32):
        %x = memref.load %m[%i] : memref<5xf32>
        %pos = arith.cmpf ogt, %x, %zero : f32
        %t = "scf.if"(%pos) ({
          %q = func.call @square(%x) : (f32) -> f32
          scf.yield %q : f32
        }, {
          scf.yield %zero : f32
        }) : (i1) -> f32
        %n = arith.addf %acc, %t : f32
        scf.yield %n : f32
      }) : (index, index, index, f32) -> f32
      return %s : f32
    }"#;
    let m = Tensor::from_fn(&[5], Elem::F32, |i| i as f64 - 2.0);
    let out = run(src, "sum_of_squares", vec![m]).unwrap();
    // Positive elements: 1 and 2.
    assert_eq!(out[0].data, vec![5.0]);
}

#[test]
fn views_into_an_arena_alias_and_fresh_buffers_are_poisoned() {
    let src = r#"
    func.func @f(%v: f32) -> (f32, f32, memref<2x2xf32>) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      %arena = memref.alloc() : memref<64xi8>
      %a = memref.view %arena[%c0][] : memref<64xi8> to memref<4x4xf32>
      %b = memref.view %arena[%c16][] : memref<64xi8> to memref<4xf32>
      memref.store %v, %a[%c1, %c0] : f32, memref<4x4xf32>
      %x = memref.load %b[%c0] : memref<4xf32>
      %fresh = memref.alloc() : memref<2x2xf32>
      %y = memref.load %fresh[%c1, %c1] : memref<2x2xf32>
      memref.store %v, %fresh[%c0, %c0] : f32, memref<2x2xf32>
      return %x, %y, %fresh : f32, f32, memref<2x2xf32>
    }"#;
    let out = run(src, "f", vec![scalar(Elem::F32, 2.5)]).unwrap();
    // Row 1 of the 4x4 view starts at byte 16: where the second view starts.
    assert_eq!(out[0].data, vec![2.5]);
    assert!(out[1].data[0].is_nan(), "a fresh buffer reads as NaN until written");
    assert_eq!(out[2].data[0], 2.5);
    assert!(out[2].data[1..].iter().all(|v| v.is_nan()));
}

#[test]
fn bad_accesses_are_errors_not_crashes() {
    let src = r#"
    func.func @oob(%m: memref<4xf32>, %i: index) -> f32 {
      %x = memref.load %m[%i] : memref<4xf32>
      return %x : f32
    }
    func.func @overrun(%v: f32) -> f32 {
      %c0 = arith.constant 0 : index
      %c60 = arith.constant 60 : index
      %arena = memref.alloc() : memref<64xi8>
      %a = memref.view %arena[%c60][] : memref<64xi8> to memref<4xf32>
      %x = memref.load %a[%c0] : memref<4xf32>
      return %x : f32
    }"#;
    let m = Tensor::filled(&[4], Elem::F32, 1.0);
    let e = run(src, "oob", vec![m, scalar(Elem::Int(64), 4.0)]).unwrap_err();
    assert!(e.to_string().contains("index 4 is out of bounds in dimension 0 of size 4"), "{e}");
    let e = run(src, "overrun", vec![scalar(Elem::F32, 1.0)]).unwrap_err();
    assert!(e.to_string().contains("overruns the arena"), "{e}");
}

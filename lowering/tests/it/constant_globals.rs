//! Constants at the loop level are constant `memref.global`s, as upstream MLIR writes them:
//! `lower-to-loops` leaves no `nn.constant` (nor the `bufferization.to_buffer` of one), each
//! weight keeps its attribute (a `dense_resource` blob stays the same blob, never expanded into
//! text), and the interpreter and the JIT read the globals' `initial_value`; a store into a
//! constant global is a fault in the interpreter.

use crate::through as lower;
use strata_ir::{parse_source, print_module, AttrKind, Context, Module, ParseOptions};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::{default_pipeline, Target};
use strata_runtime::compare::{compare, Tolerance};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem, Tensor};

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

fn entry(ctx: &Context, m: &Module, name: &str) -> strata_ir::OpId {
    strata_runtime::functions(ctx, &m.ir, m.root).into_iter().find(|(n, _)| n == name).unwrap().1
}

/// A dense layer with random weights (a blob of 13x37) and bias (a blob of 37), and a scale
/// by four literal values (`dense<[...]>`).
fn graph(ctx: &Context, seed: u64) -> (Module, Vec<strata_ir::Attribute>) {
    let src = r#"
func.func @dense(%x: tensor<5x13xf32>) -> tensor<5x37xf32> {
  %w = "nn.constant"() {value = dense<0.0> : tensor<13x37xf32>} : () -> tensor<13x37xf32>
  %b = "nn.constant"() {value = dense<0.0> : tensor<37xf32>} : () -> tensor<37xf32>
  %m = "nn.matmul"(%x, %w) : (tensor<5x13xf32>, tensor<13x37xf32>) -> tensor<5x37xf32>
  %y = "nn.add"(%m, %b) : (tensor<5x37xf32>, tensor<37xf32>) -> tensor<5x37xf32>
  return %y : tensor<5x37xf32>
}
func.func @scale(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %s = "nn.constant"() {value = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "nn.mul"(%x, %s) : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}
"#;
    let mut m = parse_source(ctx, "constants.mlir", src, &ParseOptions::default()).unwrap();
    let mut r = SplitMix(seed);
    let mut weights = Vec::new();
    for op in m.ir.collect_ops(m.root) {
        if ctx.ident_str(m.ir.op(op).name()) != "nn.constant" {
            continue;
        }
        let ty = m.ir.value_type(m.ir.op(op).result(0));
        let shape: Vec<usize> = ctx.shape(ty).unwrap().iter().map(|d| *d as usize).collect();
        let value = strata_runtime::fold::constant_attr(ctx, &r.tensor(&shape, Elem::F32, -1.0, 1.0), ty, "weights");
        m.ir.set_attr(op, ctx.ident("value"), value);
        weights.push(value);
    }
    (m, weights)
}

#[test]
fn constants_become_constant_globals_that_keep_their_blobs() {
    let ctx = context();
    let (graph, weights) = graph(&ctx, 41);
    let kinds: Vec<bool> =
        weights.iter().map(|w| matches!(ctx.attr_kind(*w), AttrKind::DenseResource { .. })).collect();
    assert_eq!(kinds, [true, true, false], "two blobs and one literal");
    let lowered = lower(&ctx, &graph, default_pipeline(Target::Host));
    let mut constants = Vec::new();
    for op in lowered.ir.collect_ops(lowered.root) {
        let o = lowered.ir.op(op);
        let name = ctx.ident_str(o.name());
        assert!(!name.starts_with("nn.") && !name.starts_with("bufferization."), "{name} left at the loop level");
        if name == "memref.global" && o.attr(ctx.ident("constant")).is_some() {
            let symbol = o.attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap().to_string();
            assert!(symbol.contains("_constant_"), "{symbol}");
            assert_eq!(o.attr(ctx.ident("alignment")).and_then(|a| ctx.attr_as_int(a)), Some(64));
            constants.push(o.attr(ctx.ident("initial_value")).unwrap());
        }
    }
    // Each weight is one global whose contents are the weight's own attribute: the blobs are
    // the same blobs (by key), not their values written out.
    constants.sort();
    let mut want = weights.clone();
    want.sort();
    assert_eq!(constants, want);
    let printed = print_module(&ctx, &lowered, &Default::default());
    assert_eq!(printed.matches("dense_resource<weights").count(), 2, "{printed}");

    // The lowered code computes what the graph does, interpreted and compiled. Bound: the
    // products sum 13 terms below 1 in f32 in other orders (and with fused multiply-adds
    // when compiled), each rounding within 6e-8 of the partial sum: 2e-7 · 13 covers them; a
    // weight or bias read from the wrong place is off by a good fraction of 1.
    let jit = Jit::compile(&ctx, &lowered.ir, lowered.root, JitOptions { threads: Some(2), poison: true })
        .unwrap_or_else(|e| panic!("{e}"));
    let mut r = SplitMix(42);
    for (name, shape) in [("dense", [5, 13]), ("scale", [3, 4])] {
        for call in 0..2 {
            let input = r.tensor(&shape, Elem::F32, -1.0, 1.0);
            let want = run_function(&ctx, &graph.ir, entry(&ctx, &graph, name), vec![input.clone()]).unwrap();
            let tolerance = Tolerance { rtol: 0.0, atol: 2e-7 * 13.0 };
            let interpreted =
                run_function(&ctx, &lowered.ir, entry(&ctx, &lowered, name), vec![input.clone()]).unwrap();
            compare(&interpreted[0], &want[0], tolerance).unwrap_or_else(|m| panic!("@{name} interpreted: {m}"));
            let compiled = jit.run(name, &[input]).unwrap_or_else(|e| panic!("{e}"));
            compare(&compiled[0], &want[0], tolerance).unwrap_or_else(|m| panic!("@{name} JIT, call {call}: {m}"));
        }
    }
}

/// Globals written by hand: a constant one from a blob and a mutable one from literal values.
const GLOBALS: &str = r#"
"memref.global"() <{alignment = 64 : i64, constant, initial_value = dense_resource<table> : tensor<3xf32>, sym_name = "table", sym_visibility = "private", type = memref<3xf32>}> : () -> ()
"memref.global"() <{initial_value = dense<[5, -7]> : tensor<2xi32>, sym_name = "counts", sym_visibility = "private", type = memref<2xi32>}> : () -> ()
func.func @read(%i: index) -> (f32, i32) {
  %t = memref.get_global @table : memref<3xf32>
  %c = memref.get_global @counts : memref<2xi32>
  %x = memref.load %t[%i] : memref<3xf32>
  %c1 = arith.constant 1 : index
  %n = memref.load %c[%c1] : memref<2xi32>
  %n2 = arith.addi %n, %n : i32
  memref.store %n2, %c[%c1] : memref<2xi32>
  %back = memref.load %c[%c1] : memref<2xi32>
  return %x, %back : f32, i32
}
func.func @write(%v: f32) -> f32 {
  %t = memref.get_global @table : memref<3xf32>
  %c0 = arith.constant 0 : index
  memref.store %v, %t[%c0] : memref<3xf32>
  %x = memref.load %t[%c0] : memref<3xf32>
  return %x : f32
}
{-#
  dialect_resources: {
    builtin: {
      table: "0x040000000000C03F000020C10000803E"
    }
  }
#-}
"#;

#[test]
fn globals_start_with_their_initial_values_and_constant_ones_refuse_stores() {
    let ctx = context();
    let m = parse_source(&ctx, "globals.mlir", GLOBALS, &ParseOptions::default()).unwrap();
    strata_ir::verify(&ctx, &m.ir, m.root).unwrap_or_else(|d| panic!("{}", d.message));
    let jit = Jit::compile(&ctx, &m.ir, m.root, JitOptions { threads: Some(1), poison: true })
        .unwrap_or_else(|e| panic!("{e}"));
    // The blob holds 1.5, -10 and 0.25; counts[1] starts at -7 and each call doubles it.
    for (i, x) in [1.5, -10.0, 0.25].into_iter().enumerate() {
        let index = Tensor::from_ints(&[], Elem::Int(64), vec![i as i64]);
        let got = run_function(&ctx, &m.ir, entry(&ctx, &m, "read"), vec![index.clone()]).unwrap();
        assert_eq!((got[0].floats()[0], got[1].floats()[0]), (x, -14.0), "interpreted, table[{i}]");
        let got = jit.run("read", &[index]).unwrap_or_else(|e| panic!("{e}"));
        let doubled = -7.0 * f64::from(2 << i);
        assert_eq!((got[0].floats()[0], got[1].floats()[0]), (x, doubled), "JIT call {i}: the global persists");
    }
    let v = Tensor::from_floats(&[], Elem::F32, vec![2.0]);
    let err = run_function(&ctx, &m.ir, entry(&ctx, &m, "write"), vec![v]).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("'memref.store'") && message.contains("a store into a constant global"), "{message}");
}

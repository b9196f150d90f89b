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
    Tensor::from_fn(&[], elem, |_| v)
}

/// A result's values as floats (exact here: the tests' integers are small).
fn values(t: &Tensor) -> Vec<f64> {
    t.floats().into_owned()
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
    assert_eq!(values(&out[0]), vec![3628800.0]);
    assert_eq!(values(&out[1]), vec![800.0]);
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
    assert_eq!(values(&out[0]), vec![5.0]);
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
      memref.store %v, %a[%c1, %c0] : memref<4x4xf32>
      %x = memref.load %b[%c0] : memref<4xf32>
      %fresh = memref.alloc() : memref<2x2xf32>
      %y = memref.load %fresh[%c1, %c1] : memref<2x2xf32>
      memref.store %v, %fresh[%c0, %c0] : memref<2x2xf32>
      return %x, %y, %fresh : f32, f32, memref<2x2xf32>
    }"#;
    let out = run(src, "f", vec![scalar(Elem::F32, 2.5)]).unwrap();
    // Row 1 of the 4x4 view starts at byte 16: where the second view starts.
    assert_eq!(values(&out[0]), vec![2.5]);
    assert!(values(&out[1])[0].is_nan(), "a fresh buffer reads as NaN until written");
    assert_eq!(values(&out[2])[0], 2.5);
    assert!(values(&out[2])[1..].iter().all(|v| v.is_nan()));
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

#[test]
fn element_types_round_as_their_storage_does() {
    // f16 and bf16 sums round to 11 and 8 significant bits; f64 keeps everything; i8 wraps.
    let src = |t: &str| {
        format!(
            "func.func @f(%a: tensor<3x{t}>, %b: tensor<3x{t}>) -> tensor<3x{t}> {{\n  %c = \"nn.add\"(%a, %b) : (tensor<3x{t}>, tensor<3x{t}>) -> tensor<3x{t}>\n  return %c : tensor<3x{t}>\n}}"
        )
    };
    let a = [1.0, 1000.0, 0.1];
    let b = [1e-3, 0.3, 0.2];
    for (t, elem) in [("f16", Elem::F16), ("bf16", Elem::BF16), ("f64", Elem::F64), ("f32", Elem::F32)] {
        let x = Tensor::from_fn(&[3], elem, |i| a[i]);
        let y = Tensor::from_fn(&[3], elem, |i| b[i]);
        let out = run(&src(t), "f", vec![x.clone(), y.clone()]).unwrap();
        for i in 0..3 {
            assert_eq!(values(&out[0])[i], elem.round(values(&x)[i] + values(&y)[i]), "{t} element {i}");
        }
    }
    assert_eq!(Elem::F16.round(1.0 + 1e-4), 1.0);
    assert_eq!(Elem::BF16.round(1000.3), 1000.0);
    let ints = "func.func @f(%a: tensor<2xi8>) -> tensor<2xi8> {\n  %c = \"nn.add\"(%a, %a) : (tensor<2xi8>, tensor<2xi8>) -> tensor<2xi8>\n  return %c : tensor<2xi8>\n}";
    let out = run(ints, "f", vec![Tensor::from_fn(&[2], Elem::Int(8), |i| [100.0, -3.0][i])]).unwrap();
    assert_eq!(values(&out[0]), vec![-56.0, -6.0]);
}

#[test]
fn npy_files_keep_every_element_type() {
    let dir = std::env::temp_dir().join(format!("strata-npy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for elem in
        [Elem::F64, Elem::F32, Elem::F16, Elem::Int(64), Elem::Int(32), Elem::Int(16), Elem::Int(8), Elem::Int(1)]
    {
        let t = Tensor::from_fn(&[2, 3], elem, |i| i as f64 * 1.5 - 3.0);
        let path = dir.join(format!("{elem}.npy"));
        strata_runtime::npy::write(&path, &t).unwrap();
        assert_eq!(strata_runtime::npy::read(&path).unwrap(), t, "{elem}");
    }
    // bf16 has no NumPy type: it is written as 2-byte raw data (`|V2`), as ml_dtypes does.
    let bf16 = Tensor::from_fn(&[3], Elem::BF16, |i| [1.0, -2.5, 1e30][i]);
    strata_runtime::npy::write(&dir.join("bf16.npy"), &bf16).unwrap();
    assert_eq!(strata_runtime::npy::read(&dir.join("bf16.npy")).unwrap(), bf16);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tensors_built_and_read_element_by_element() {
    let src = r#"
    func.func @f(%t: tensor<2x2xf32>, %v: f32) -> (tensor<2x2xf32>, f32, tensor<3xf32>, tensor<2xf32>) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %u = "tensor.insert"(%v, %t, %c1, %c0) : (f32, tensor<2x2xf32>, index, index) -> tensor<2x2xf32>
      %x = tensor.extract %u[%c1, %c0] : tensor<2x2xf32>
      %f = "tensor.from_elements"(%x, %v, %x) : (f32, f32, f32) -> tensor<3xf32>
      %e = tensor.empty() : tensor<2xf32>
      return %u, %x, %f, %e : tensor<2x2xf32>, f32, tensor<3xf32>, tensor<2xf32>
    }"#;
    let t = Tensor::from_fn(&[2, 2], Elem::F32, |i| i as f64);
    let out = run(src, "f", vec![t, scalar(Elem::F32, 7.0)]).unwrap();
    assert_eq!(values(&out[0]), vec![0.0, 1.0, 7.0, 3.0]);
    assert_eq!(values(&out[1]), vec![7.0]);
    assert_eq!(values(&out[2]), vec![7.0, 7.0, 7.0]);
    assert!(values(&out[3]).iter().all(|v| v.is_nan()), "an empty tensor reads as poison");
}

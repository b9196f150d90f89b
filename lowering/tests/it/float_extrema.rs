//! `arith.maximumf`, `arith.minimumf` and `arith.negf` on vectors at the values where their
//! semantics are delicate (NaN, +0 against -0, infinities), JIT-compiled on this machine and
//! in the interpreter, against the definition: a NaN operand gives NaN, +0 is above -0,
//! otherwise the larger (smaller) operand. The code generator has three lowerings of these on
//! x86-64 (two operands; a constant operand, where a ReLU is `maxps` and an added +0; a -0
//! constant of the minimum, which takes the general one), and each is here. Exact: these
//! operations do not round, so every result must have the expected bits (any NaN for NaN).

use strata_ir::{parse_source, Context, ParseOptions};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_runtime::{run_function, Elem, Tensor};

const SPECIAL: [f32; 12] =
    [f32::NAN, 0.0, -0.0, 1.0, -1.0, 1.5, -2.5, f32::INFINITY, f32::NEG_INFINITY, 1e-40, -3e38, 0.25];

/// The operations, each an output: (name, the op's text on `%x`, `%y` and the constants).
const CASES: [(&str, &str); 9] = [
    ("max", "arith.maximumf %x, %y"),
    ("min", "arith.minimumf %x, %y"),
    ("relu", "arith.maximumf %x, %zero"),
    ("min_zero", "arith.minimumf %zero, %x"),
    ("max_negative_zero", "arith.maximumf %x, %nzero"),
    ("min_negative_zero", "arith.minimumf %x, %nzero"),
    ("max_constant", "arith.maximumf %x, %c15"),
    ("min_constant", "arith.minimumf %cm25, %x"),
    ("neg", "arith.negf %x"),
];

fn maximum(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else if a == b {
        if a.is_sign_positive() {
            a
        } else {
            b
        }
    } else {
        a.max(b)
    }
}

fn minimum(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else if a == b {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else {
        a.min(b)
    }
}

fn expected(case: &str, x: f32, y: f32) -> f32 {
    match case {
        "max" => maximum(x, y),
        "min" => minimum(x, y),
        "relu" => maximum(x, 0.0),
        "min_zero" => minimum(0.0, x),
        "max_negative_zero" => maximum(x, -0.0),
        "min_negative_zero" => minimum(x, -0.0),
        "max_constant" => maximum(x, 1.5),
        "min_constant" => minimum(-2.5, x),
        _ => -x,
    }
}

fn program(n: usize) -> String {
    let ty = format!("memref<{n}xf32>");
    let outs: Vec<String> = CASES.iter().map(|_| ty.clone()).collect();
    let mut body = String::new();
    for (i, (_, op)) in CASES.iter().enumerate() {
        body += &format!("    %r{i} = {op} : vector<4xf32>\n    vector.store %r{i}, %o{i}[%i] : {ty}, vector<4xf32>\n");
    }
    let allocs: String = (0..CASES.len()).map(|i| format!("  %o{i} = memref.alloc() : {ty}\n")).collect();
    let results: Vec<String> = (0..CASES.len()).map(|i| format!("%o{i}")).collect();
    format!(
        r#"func.func @f(%a: {ty}, %b: {ty}) -> ({outs}) {{
{allocs}  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %n = arith.constant {n} : index
  %zero = arith.constant dense<0.0> : vector<4xf32>
  %nzero = arith.constant dense<-0.0> : vector<4xf32>
  %c15 = arith.constant dense<1.5> : vector<4xf32>
  %cm25 = arith.constant dense<-2.5> : vector<4xf32>
  "scf.for"(%c0, %n, %c4) ({{
  ^bb0(%i: index):
    %x = vector.load %a[%i] : {ty}, vector<4xf32>
    %y = vector.load %b[%i] : {ty}, vector<4xf32>
{body}    scf.yield
  }}) : (index, index, index) -> ()
  return {results} : {outs}
}}"#,
        outs = outs.join(", "),
        results = results.join(", ")
    )
}

fn same(got: f64, want: f32) -> bool {
    if want.is_nan() {
        got.is_nan()
    } else {
        (got as f32).to_bits() == want.to_bits()
    }
}

#[test]
fn extrema_and_negation_follow_their_definition_at_nan_zeros_and_infinities() {
    let pairs: Vec<(f32, f32)> = SPECIAL.iter().flat_map(|&x| SPECIAL.iter().map(move |&y| (x, y))).collect();
    let n = pairs.len();
    assert_eq!(n % 4, 0);
    let tensor = |v: Vec<f64>| Tensor::from_floats(&[n], Elem::F32, v);
    let inputs = vec![
        tensor(pairs.iter().map(|p| f64::from(p.0)).collect()),
        tensor(pairs.iter().map(|p| f64::from(p.1)).collect()),
    ];
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let m = parse_source(&ctx, "extrema.mlir", &program(n), &ParseOptions::default()).unwrap();
    let jit = Jit::compile(&ctx, &m.ir, m.root, JitOptions { threads: Some(1), poison: true })
        .unwrap_or_else(|e| panic!("{e}"));
    let compiled = jit.run("f", &inputs).unwrap_or_else(|e| panic!("{e}"));
    let func = strata_runtime::functions(&ctx, &m.ir, m.root)[0].1;
    let interpreted = run_function(&ctx, &m.ir, func, inputs).unwrap();
    for (who, outputs) in [("JIT", &compiled), ("interpreter", &interpreted)] {
        for ((case, _), out) in CASES.iter().zip(outputs.iter()) {
            for (&(x, y), &got) in pairs.iter().zip(out.floats().iter()) {
                let want = expected(case, x, y);
                assert!(same(got, want), "{who}: {case}({x:?}, {y:?}) = {got:?}, expected {want:?}");
            }
        }
    }
}

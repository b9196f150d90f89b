//! `scf.forall` checked by execution on random shapes, tilings, bounds and steps: the
//! interpreter's result equals a reference this test computes itself (the same `f32`
//! operations, so exactly), and so do the results after `scf-forall-to-for` and, for the loop
//! over a buffer, `scf-forall-to-parallel`. Tiles that do not divide the tensor leave partial
//! tiles at the edges; the tiled output starts as `tensor.empty`, which the interpreter poisons,
//! so an element no iteration writes shows as NaN.

use proptest::prelude::*;
use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{parse_source, Context, ParseOptions};
use strata_runtime::{run_function, Elem, Tensor};

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

/// Runs the first function of `src`, after `pass` when given, on `inputs`.
fn run(ctx: &Context, src: &str, pass: Option<&str>, inputs: &[Tensor]) -> Vec<Tensor> {
    let mut m = parse_source(ctx, "forall.mlir", src, &ParseOptions::default())
        .unwrap_or_else(|d| panic!("{}\n{src}", d.message));
    strata_ir::verify(ctx, &m.ir, m.root).unwrap_or_else(|d| panic!("{}\n{src}", d.message));
    if let Some(p) = pass {
        let mut r = PassRegistry::new();
        strata_lowering::register_all(&mut r);
        let pm = PassManager::new(r.parse_pipeline(&format!("builtin.module({p})")).unwrap());
        pm.run(ctx, &mut m.ir, m.root).unwrap_or_else(|d| panic!("{p}: {}\n{src}", d.diagnostic.message));
        strata_ir::verify(ctx, &m.ir, m.root).unwrap_or_else(|d| panic!("after {p}: {}\n{src}", d.message));
    }
    let f = strata_runtime::functions(ctx, &m.ir, m.root)[0].1;
    run_function(ctx, &m.ir, f, inputs.to_vec()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

/// The value both programs compute for element (i, j) of input value `x`.
fn element(x: f32, i: usize, j: usize) -> f32 {
    x * 3.0 + (i as i32 - j as i32) as f32
}

/// A bound written as a constant or as a value (`%name`, defined by the caller).
fn bound(n: usize, dynamic: bool, name: &str) -> String {
    if dynamic {
        format!("%{name}")
    } else {
        n.to_string()
    }
}

/// `element` over an RxC tensor in TRxTC tiles, each written by one iteration.
fn tiled_program(r: usize, c: usize, tr: usize, tc: usize, dynamic: bool) -> String {
    let (nr, nc) = (r.div_ceil(tr), c.div_ceil(tc));
    format!(
        r#"func.func @tiled(%a: tensor<{r}x{c}xf32>) -> tensor<{r}x{c}xf32> {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %nr = arith.constant {nr} : index
  %nc = arith.constant {nc} : index
  %init = tensor.empty() : tensor<{r}x{c}xf32>
  %three = arith.constant 3.0 : f32
  %res = scf.forall (%ti, %tj) in ({ur}, {uc}) shared_outs(%o = %init) -> (tensor<{r}x{c}xf32>) {{
    %tr = arith.constant {tr} : index
    %tc = arith.constant {tc} : index
    %rows = arith.constant {r} : index
    %cols = arith.constant {c} : index
    %i0 = arith.muli %ti, %tr : index
    %j0 = arith.muli %tj, %tc : index
    %ri = arith.subi %rows, %i0 : index
    %rj = arith.subi %cols, %j0 : index
    %si = arith.minsi %ri, %tr : index
    %sj = arith.minsi %rj, %tc : index
    %tile0 = tensor.empty(%si, %sj) : tensor<?x?xf32>
    %tile = scf.for %i = %c0 to %si step %c1 iter_args(%t = %tile0) -> (tensor<?x?xf32>) {{
      %row = scf.for %j = %c0 to %sj step %c1 iter_args(%u = %t) -> (tensor<?x?xf32>) {{
        %gi = arith.addi %i0, %i : index
        %gj = arith.addi %j0, %j : index
        %x = tensor.extract %a[%gi, %gj] : tensor<{r}x{c}xf32>
        %x3 = arith.mulf %x, %three : f32
        %d = arith.subi %gi, %gj : index
        %di = arith.index_cast %d : index to i32
        %df = arith.sitofp %di : i32 to f32
        %z = arith.addf %x3, %df : f32
        %u2 = tensor.insert %z into %u[%i, %j] : tensor<?x?xf32>
        scf.yield %u2 : tensor<?x?xf32>
      }}
      scf.yield %row : tensor<?x?xf32>
    }}
    scf.forall.in_parallel {{
      tensor.parallel_insert_slice %tile into %o[%i0, %j0] [%si, %sj] [1, 1] : tensor<?x?xf32> into tensor<{r}x{c}xf32>
    }}
  }}
  return %res : tensor<{r}x{c}xf32>
}}
"#,
        ur = bound(nr, dynamic, "nr"),
        uc = bound(nc, dynamic, "nc"),
    )
}

/// `element` at (i, j) for i = l0, l0 + s0, ... < R and j likewise, one element an
/// iteration, over a tensor (shared output starting as the input) or in place in a buffer.
fn strided_program(r: usize, c: usize, lower: [usize; 2], steps: [usize; 2], dynamic: bool, buffer: bool) -> String {
    let head = format!(
        "  %l0 = arith.constant {} : index\n  %l1 = arith.constant {} : index\n  %s0 = arith.constant {} : index\n  \
         %s1 = arith.constant {} : index\n  %three = arith.constant 3.0 : f32\n",
        lower[0], lower[1], steps[0], steps[1]
    );
    let bounds = format!(
        "({}, {}) to ({r}, {c}) step ({}, {})",
        bound(lower[0], dynamic, "l0"),
        bound(lower[1], dynamic, "l1"),
        bound(steps[0], dynamic, "s0"),
        bound(steps[1], dynamic, "s1"),
    );
    let value = "    %x3 = arith.mulf %x, %three : f32\n    %d = arith.subi %i, %j : index\n    \
                 %di = arith.index_cast %d : index to i32\n    %df = arith.sitofp %di : i32 to f32\n    \
                 %z = arith.addf %x3, %df : f32\n";
    if buffer {
        let ty = format!("memref<{r}x{c}xf32>");
        format!(
            "func.func @strided(%m: {ty}) -> {ty} {{\n{head}  scf.forall (%i, %j) = {bounds} {{\n    \
             %x = memref.load %m[%i, %j] : {ty}\n{value}    memref.store %z, %m[%i, %j] : {ty}\n  }}\n  \
             return %m : {ty}\n}}\n"
        )
    } else {
        let ty = format!("tensor<{r}x{c}xf32>");
        format!(
            "func.func @strided(%a: {ty}) -> {ty} {{\n{head}  %res = scf.forall (%i, %j) = {bounds} shared_outs(%o = \
             %a) -> ({ty}) {{\n    %x = tensor.extract %a[%i, %j] : {ty}\n{value}    %cell = tensor.from_elements \
             %z : tensor<1x1xf32>\n    scf.forall.in_parallel {{\n      tensor.parallel_insert_slice %cell into \
             %o[%i, %j] [1, 1] [1, 1] : tensor<1x1xf32> into {ty}\n    }}\n  }}\n  return %res : {ty}\n}}\n"
        )
    }
}

fn input(r: usize, c: usize, seed: u64) -> (Vec<f32>, Tensor) {
    // A small LCG: values in [-1, 1) with no two alike in practice, never a splat.
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let values: Vec<f32> = (0..r * c)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    let t = Tensor::from_floats(&[r, c], Elem::F32, values.iter().map(|v| f64::from(*v)).collect());
    (values, t)
}

fn tensor(r: usize, c: usize, values: &[f32]) -> Tensor {
    Tensor::from_floats(&[r, c], Elem::F32, values.iter().map(|v| f64::from(*v)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn tiled_foralls_write_every_element_once(
        r in 1usize..10, c in 1usize..10, tr in 1usize..5, tc in 1usize..5, dynamic: bool, seed: u64,
    ) {
        let ctx = context();
        let (x, a) = input(r, c, seed);
        let want: Vec<f32> = (0..r * c).map(|k| element(x[k], k / c, k % c)).collect();
        let want = tensor(r, c, &want);
        let src = tiled_program(r, c, tr, tc, dynamic);
        for pass in [None, Some("scf-forall-to-for")] {
            let got = run(&ctx, &src, pass, std::slice::from_ref(&a));
            prop_assert!(got[0].same(&want), "{pass:?}:\n{:?}\nnot\n{:?}\n{src}", got[0], want);
        }
    }

    #[test]
    fn strided_foralls_write_their_elements_only(
        r in 1usize..9, c in 1usize..9, l0 in 0usize..4, l1 in 0usize..4, s0 in 1usize..4, s1 in 1usize..4,
        dynamic: bool, seed: u64,
    ) {
        let ctx = context();
        let (x, a) = input(r, c, seed);
        let mut want = x.clone();
        for i in (l0..r).step_by(s0) {
            for j in (l1..c).step_by(s1) {
                want[i * c + j] = element(x[i * c + j], i, j);
            }
        }
        let want = tensor(r, c, &want);
        let over_tensors = strided_program(r, c, [l0, l1], [s0, s1], dynamic, false);
        let over_buffer = strided_program(r, c, [l0, l1], [s0, s1], dynamic, true);
        for (src, passes) in [
            (&over_tensors, &[None, Some("scf-forall-to-for")][..]),
            (&over_buffer, &[None, Some("scf-forall-to-for"), Some("scf-forall-to-parallel")][..]),
        ] {
            for pass in passes {
                let got = run(&ctx, src, *pass, std::slice::from_ref(&a));
                prop_assert!(got[0].same(&want), "{pass:?}:\n{:?}\nnot\n{:?}\n{src}", got[0], want);
            }
        }
    }
}

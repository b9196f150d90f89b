//! Every convolution algorithm, lowered to loops (and, every other case, vectorized), against
//! direct convolution (the interpreter's graph-level `nn.conv2d`) on random configurations in
//! every layout, the GEMM-based ones through each of the packed GEMM's kernels in turn
//! ([`KERNELS`]).
//!
//! Bounds, as |lowered - direct| <= bound * (1 + max |direct|), with what one run measured:
//! - direct and im2col + GEMM: 2e-6 (measured 3.8e-7). The same products, summed in f32 in
//!   another order than the reference (which rounds once per op).
//! - Winograd F(2×2,3×3): 2e-6 (measured 2.1e-7). Its transforms use 0, ±1 and ±1/2, exact in
//!   binary.
//! - Winograd F(4×4,3×3): 2e-5 (measured 2.6e-6). The transforms have coefficients up to 8 and
//!   down to 1/24, so rounding errors grow before they cancel: about ten times direct
//!   convolution's here, within the one to two orders of magnitude that error analyses of
//!   Winograd convolution report for F(4,3) in f32.
//! - Winograd F(4×4,2×2) over the phases of a stride-2 input: 2e-5 (measured 1.5e-6). The same
//!   points as F(4,3) less one (0, ±1, 2), so coefficients up to 8 and down to 1/6.

use strata_dialects::nn::shape::{Conv2d, Layout};
use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{parse_source, Context, Module, OpId, ParseOptions};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem, Tensor};

fn tensor(r: &mut SplitMix, shape: &[i64]) -> Tensor {
    let dims: Vec<usize> = shape.iter().map(|d| *d as usize).collect();
    r.tensor(&dims, Elem::F32, -1.0, 1.0)
}

fn ty(s: &[i64]) -> String {
    let d: Vec<String> = s.iter().map(|x| x.to_string()).collect();
    format!("tensor<{}xf32>", d.join("x"))
}

fn first_func(ctx: &Context, m: &Module) -> OpId {
    strata_runtime::functions(ctx, &m.ir, m.root)[0].1
}

/// `convert-nn-to-loops` options, one per case in turn: the default (128-bit) kernel, and the
/// 256- and 512-bit ones with blocks small enough that these products have several blocks of k
/// (K = C · KH · KW up to 81) and of rows.
const KERNELS: [&str; 3] = ["", "vector-bits=256 kc=16 mc=12", "vector-bits=512 kc=24 mc=16"];

/// Which convolutions a run draws.
#[derive(Clone, Copy, PartialEq)]
enum Shapes {
    /// Any the algorithm takes: one group or two (unblocked layouts, not Winograd).
    General,
    /// Pointwise: 1×1, stride 1, no padding, one group; in NHWC the GEMM reads the input's
    /// pixels as its rows in place, and unpadded inputs are not copied.
    Pointwise,
    /// Depthwise: a group per channel, one output channel each (MobileNet's), kernels up to
    /// 5×5, which direct convolution lowers by its own path.
    Depthwise,
}

/// The largest error of `algorithm` against direct convolution over `cases` configurations,
/// relative to each output's scale.
fn worst_error(ctx: &Context, algorithm: &str, shapes: Shapes, cases: usize, seed: u64) -> f64 {
    let mut r = SplitMix(seed);
    let mut registry = PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    let winograd = algorithm.starts_with("winograd");
    let mut worst: f64 = 0.0;
    let mut done = 0;
    while done < cases {
        let layout = [Layout::Nchw, Layout::Nhwc, Layout::Nchw4c, Layout::Nchw8c][r.range(0, 3) as usize];
        let block = layout.block().unwrap_or(1);
        let groups = if winograd || layout.block().is_some() { 1 } else { [1, 1, 2][r.range(0, 2) as usize] };
        // The GEMM-based algorithms take their packed, channels-last paths from a few
        // channels on; up to 9 in unblocked layouts gives odd counts, vector tails and rows
        // short of a micro-tile.
        let most = if block == 1 { 9 } else { 2 };
        let (c, o, groups) = match shapes {
            Shapes::General => (block * groups * r.range(1, most), block * groups * r.range(1, most), groups),
            Shapes::Pointwise => (block * r.range(1, most), block * r.range(1, most), 1),
            Shapes::Depthwise => {
                let c = block * r.range(1, if block == 1 { 11 } else { 3 });
                (c, c, c)
            }
        };
        let (k, stride, dilation) = if winograd {
            (3, if algorithm.ends_with("_s2") { 2 } else { 1 }, 1)
        } else if shapes == Shapes::Pointwise {
            (1, 1, 1)
        } else if shapes == Shapes::Depthwise {
            (r.range(1, 5), r.range(1, 2), r.range(1, 2))
        } else {
            (r.range(1, 4), r.range(1, 2), r.range(1, 2))
        };
        let conv = Conv2d {
            strides: [stride; 2],
            padding: if shapes == Shapes::Pointwise {
                [0; 4]
            } else {
                [r.range(0, 2), r.range(0, 2), r.range(0, 2), r.range(0, 2)]
            },
            dilations: [dilation; 2],
            groups,
            layout,
        };
        let (h, w) = (r.range(3, 11), r.range(3, 11));
        let x = layout.shape(r.range(1, 2), c, h, w);
        let ws = vec![o, c / groups, k, k];
        let Ok(y) = conv.output(&x, &ws, Some(&[o])) else { continue };
        let src = format!(
            "func.func @f(%x: {tx}, %w: {tw}, %b: tensor<{o}xf32>) -> {ty} {{\n  %y = \"nn.conv2d\"(%x, %w, %b) {{strides = [{stride}, {stride}], padding = [{}, {}, {}, {}], dilations = [{dilation}, {dilation}], groups = {groups} : i64, layout = \"{layout}\", algorithm = \"{algorithm}\"}} : ({tx}, {tw}, tensor<{o}xf32>) -> {ty}\n  return %y : {ty}\n}}\n",
            conv.padding[0],
            conv.padding[1],
            conv.padding[2],
            conv.padding[3],
            tx = ty(&x),
            tw = ty(&ws),
            ty = ty(&y)
        );
        let inputs = vec![tensor(&mut r, &x), tensor(&mut r, &ws), tensor(&mut r, &[o])];
        let graph = parse_source(ctx, "c.mlir", &src, &ParseOptions::default()).unwrap();
        let want = run_function(ctx, &graph.ir, first_func(ctx, &graph), inputs.clone()).unwrap();
        let mut lowered = parse_source(ctx, "c.mlir", &src, &ParseOptions::default()).unwrap();
        // Every other case vectorized, as the code generator's pipeline does.
        let lower = strata_lowering::lower_to_loops_pipeline(KERNELS[done % KERNELS.len()]);
        let pipeline = if done % 2 == 0 {
            format!("builtin.module({lower})")
        } else {
            format!("builtin.module({lower}, func.func(vectorize{{width=8}}))")
        };
        let pm = PassManager::new(registry.parse_pipeline(&pipeline).unwrap());
        pm.run(ctx, &mut lowered.ir, lowered.root).unwrap_or_else(|f| panic!("{}\n{src}", f.diagnostic.message));
        let got = run_function(ctx, &lowered.ir, first_func(ctx, &lowered), inputs).unwrap();
        let scale = 1.0 + want[0].floats().iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (a, b) in got[0].floats().iter().zip(want[0].floats().iter()) {
            let err = (a - b).abs() / scale;
            assert!(!err.is_nan(), "{algorithm}: NaN (an output not written?)\n{src}");
            worst = worst.max(err);
        }
        done += 1;
    }
    worst
}

#[test]
fn every_algorithm_matches_direct_convolution() {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    for (algorithm, bound) in [
        ("direct", 2e-6),
        ("im2col_gemm", 2e-6),
        ("winograd_f2x3", 2e-6),
        ("winograd_f4x3", 2e-5),
        ("winograd_f4x2_s2", 2e-5),
    ] {
        let worst = worst_error(&ctx, algorithm, Shapes::General, 50, 42);
        eprintln!("{algorithm}: worst error {worst:.2e} of the output scale over 50 configurations (bound {bound:e})");
        assert!(worst <= bound, "{algorithm}: error {worst:e} above {bound:e}");
    }
    for algorithm in ["direct", "im2col_gemm"] {
        let worst = worst_error(&ctx, algorithm, Shapes::Pointwise, 30, 5);
        eprintln!("{algorithm}: worst error {worst:.2e} of the output scale over 30 pointwise configurations");
        assert!(worst <= 2e-6, "{algorithm}, pointwise: error {worst:e} above 2e-6");
    }
}

/// Depthwise convolution's own loops (channels innermost, or output columns in NCHW) in every
/// layout, vectorized every other case: 2e-6, as direct convolution (the same products of at
/// most 25 taps, summed in another order).
#[test]
fn depthwise_matches_direct_convolution() {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let worst = worst_error(&ctx, "direct", Shapes::Depthwise, 60, 7);
    eprintln!("depthwise: worst error {worst:.2e} of the output scale over 60 configurations");
    assert!(worst <= 2e-6, "depthwise: error {worst:e} above 2e-6");
}

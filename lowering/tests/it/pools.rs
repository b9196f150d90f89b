//! Max pooling lowered to loops against the interpreter's graph-level `nn.max_pool2d`, on
//! random configurations in every layout: kernels up to 4×4, strides up to 3, padding up to
//! the kernel (so windows that lie wholly in the padding occur, which take the general loops,
//! and windows that overhang the input, whose taps outside read the nearest edge instead),
//! `ceil_mode` on and off, vectorized every other case. A maximum is exact: the results must
//! be equal, and a NaN (an output not written: fresh buffers are not zero) fails.

use strata_dialects::nn::shape::{Layout, Pool2d, PoolMode};
use strata_ir::{parse_source, Context, ParseOptions};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem};

#[test]
fn max_pooling_matches_the_interpreter() {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let mut r = SplitMix(11);
    let mut done = 0;
    while done < 80 {
        let layout = [Layout::Nchw, Layout::Nhwc, Layout::Nchw4c, Layout::Nchw8c][r.range(0, 3) as usize];
        let block = layout.block().unwrap_or(1);
        let kernel = [r.range(1, 4), r.range(1, 4)];
        let p = Pool2d {
            kernel,
            strides: [r.range(1, 3), r.range(1, 3)],
            padding: [r.range(0, kernel[0]), r.range(0, kernel[1]), r.range(0, kernel[0]), r.range(0, kernel[1])],
            layout,
        };
        let ceil_mode = r.range(0, 1) == 1;
        let x = layout.shape(r.range(1, 2), block * r.range(1, 5), r.range(1, 9), r.range(1, 9));
        let Ok(y) = p.output_with(&x, PoolMode { ceil_mode, count_include_pad: false }) else { continue };
        if y.contains(&0) {
            continue;
        }
        let ty = |s: &[i64]| format!("tensor<{}xf32>", s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x"));
        let ints = |v: &[i64]| v.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
        let src = format!(
            "func.func @f(%x: {tx}) -> {ty} {{\n  %y = \"nn.max_pool2d\"(%x) {{kernel = [{}], strides = [{}], padding = [{}], ceil_mode = {ceil_mode}, layout = \"{layout}\"}} : ({tx}) -> {ty}\n  return %y : {ty}\n}}\n",
            ints(&p.kernel),
            ints(&p.strides),
            ints(&p.padding),
            tx = ty(&x),
            ty = ty(&y)
        );
        let graph = parse_source(&ctx, "pool.mlir", &src, &ParseOptions::default()).unwrap();
        let dims: Vec<usize> = x.iter().map(|d| *d as usize).collect();
        let input = vec![r.tensor(&dims, Elem::F32, -1.0, 1.0)];
        let func = |m: &strata_ir::Module| strata_runtime::functions(&ctx, &m.ir, m.root)[0].1;
        let want = run_function(&ctx, &graph.ir, func(&graph), input.clone()).unwrap();
        let pipeline = if done % 2 == 0 {
            "builtin.module(lower-to-loops)"
        } else {
            "builtin.module(lower-to-loops, func.func(vectorize{width=8}))"
        };
        let lowered = crate::through(&ctx, &graph, pipeline);
        let got = run_function(&ctx, &lowered.ir, func(&lowered), input).unwrap();
        assert_eq!(got[0].floats(), want[0].floats(), "{src}");
        done += 1;
    }
}

//! The packed GEMM behind `nn.matmul` and the im2col convolution, JIT-compiled on this machine
//! (two threads, fresh buffers poisoned with NaN), against the interpreter's graph-level ops on
//! random inputs in [-1, 1):
//!
//! - the shapes where its blocking has edges: rows not a multiple of the 6-row micro-tile (A
//!   is read in place and its last, partial row panel copied), columns not a multiple of its
//!   8, the smallest K it takes (4), K cut into several equal blocks of at most 1024 with and
//!   without a remainder, a batch, and a batch that A broadcasts over (A packed into panels);
//! - large products: M past one block of rows (252 = 42 micro-tiles of 6, `MC / MR`), so the
//!   row-block loop runs more than once, with K in several blocks, as SGEMM 1024³ and the
//!   stride-2 im2col layers of ResNet-18 take it;
//! - repeated calls: a constant operand (weights) is packed into a static buffer on the first
//!   call only, and later calls read those panels; each call has other random inputs, and
//!   results live in static buffers, so a stale panel or an element a later call leaves
//!   unwritten shows as a wrong value.
//!
//! Bound: |jit - interpreter| <= 2e-7 · K per element (measured at most 5.7e-5 at K = 1100, 5e-8
//! · K). Both sum K products of numbers below 1 in f32, in other orders and the JIT with fused
//! multiply-adds, so roundings of up to 6e-8 of the partial sums add up over the K steps; a
//! product left out or counted twice is off by up to 1.

use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{parse_source, print_module, Context, Module, ParseOptions};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::{default_pipeline, Target};
use strata_runtime::compare::{compare, Tolerance};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem, Tensor};

fn ty(s: &[usize]) -> String {
    let d: Vec<String> = s.iter().map(|x| x.to_string()).collect();
    format!("tensor<{}xf32>", d.join("x"))
}

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

/// A copy of `graph` through the host's default pipeline, JIT-compiled.
fn compile(ctx: &Context, graph: &Module) -> (Module, Jit) {
    compile_with(ctx, graph, "")
}

/// [`compile`] with the GEMM's kernel given by `convert-nn-to-loops` `options`.
fn compile_with(ctx: &Context, graph: &Module, options: &str) -> (Module, Jit) {
    let mut registry = PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    let lower = strata_lowering::lower_to_loops_pipeline(options);
    let pipeline = default_pipeline(Target::Host).replacen("lower-to-loops", &lower, 1);
    let pm = PassManager::new(registry.parse_pipeline(&pipeline).unwrap());
    let mut lowered = graph.clone();
    pm.run(ctx, &mut lowered.ir, lowered.root).unwrap_or_else(|f| panic!("{}", f.diagnostic.message));
    let jit = Jit::compile(ctx, &lowered.ir, lowered.root, JitOptions { threads: Some(2), poison: true })
        .unwrap_or_else(|e| panic!("{e}"));
    (lowered, jit)
}

/// The graph's one function run by the interpreter.
fn interpret(ctx: &Context, graph: &Module, inputs: &[Tensor]) -> Tensor {
    let func = strata_runtime::functions(ctx, &graph.ir, graph.root)[0].1;
    run_function(ctx, &graph.ir, func, inputs.to_vec()).unwrap().remove(0)
}

/// `got` against `want` within the bound above for sums of `k` products (a NaN, an element
/// not written, fails too).
fn check(got: &Tensor, want: &Tensor, k: usize, what: &str) {
    let bound = 2e-7 * k as f64;
    if let Err(m) = compare(got, want, Tolerance { rtol: 0.0, atol: bound }) {
        panic!("{what}: {m}");
    }
    let worst = got.floats().iter().zip(want.floats().iter()).fold(0.0f64, |w, (x, y)| w.max((x - y).abs()));
    eprintln!("{what}: worst error {worst:.2e} (bound {bound:.1e})");
}

fn matmul_source(a: &[usize], b: &[usize], c: &[usize]) -> String {
    format!(
        "func.func @mm(%a: {ta}, %b: {tb}) -> {tc} {{\n  %c = \"nn.matmul\"(%a, %b) : ({ta}, {tb}) -> {tc}\n  return %c : {tc}\n}}\n",
        ta = ty(a),
        tb = ty(b),
        tc = ty(c)
    )
}

/// Operand shapes of a batch of products: (batch, M, K, N, whether A has the batch dimension).
fn operands(batch: usize, m: usize, k: usize, n: usize, a_batched: bool) -> [Vec<usize>; 3] {
    match (batch, a_batched) {
        (1, _) => [vec![m, k], vec![k, n], vec![m, n]],
        (_, true) => [vec![batch, m, k], vec![batch, k, n], vec![batch, m, n]],
        (_, false) => [vec![m, k], vec![batch, k, n], vec![batch, m, n]],
    }
}

/// Each (batch, M, K, N, whether A has the batch dimension) with random operands.
fn matmuls_match(shapes: &[(usize, usize, usize, usize, bool)], seed: u64) {
    let ctx = context();
    let mut r = SplitMix(seed);
    for &(batch, m, k, n, a_batched) in shapes {
        let [a, b, c] = operands(batch, m, k, n, a_batched);
        let graph = parse_source(&ctx, "mm.mlir", &matmul_source(&a, &b, &c), &ParseOptions::default()).unwrap();
        let inputs = vec![r.tensor(&a, Elem::F32, -1.0, 1.0), r.tensor(&b, Elem::F32, -1.0, 1.0)];
        let want = interpret(&ctx, &graph, &inputs);
        let (_, jit) = compile(&ctx, &graph);
        let got = jit.run("mm", &inputs).unwrap_or_else(|e| panic!("{e}")).remove(0);
        check(&got, &want, k, &format!("{batch}x{m}x{k}x{n}"));
    }
}

#[test]
fn packed_gemm_matches_the_interpreter_at_every_edge() {
    matmuls_match(
        &[
            (1, 6, 512, 8, true),
            (1, 7, 4, 9, true),
            (1, 13, 1100, 21, true),
            (1, 25, 1024, 16, true),
            (1, 12, 2050, 8, true),
            (3, 11, 600, 5, true),
            (3, 11, 600, 5, false),
            (1, 2, 1025, 4, true),
        ],
        7,
    );
}

/// Products too thin for the packed kernel, which stream B's rows into blocks of the result
/// instead: a row of A against 1000 columns (a classifier's last layer: four blocks of 250,
/// split between the threads), a batch of rows broadcast against a batched B, 509 columns (prime: one
/// block of all of them, with a vector tail), and fewer than 4 columns or k.
#[test]
fn thin_products_match_the_interpreter() {
    matmuls_match(&[(1, 1, 1280, 1000, true), (3, 1, 70, 96, false), (1, 1, 33, 509, true), (2, 5, 3, 3, true)], 9);
}

/// Products with several blocks of rows and of k. 509 rows = two full blocks of 252 and five
/// rows (a partial micro-tile) in a third, K = 2100 in three blocks of 700, N = 75 in nine full
/// column panels and a partial one; then A packed (broadcast over a batch of 2) with 260 rows
/// in two blocks and K = 1030 in two. About 0.5 s in the interpreter.
#[test]
fn packed_gemm_with_several_row_and_k_blocks() {
    matmuls_match(&[(1, 509, 2100, 75, true), (2, 260, 1030, 20, false)], 8);
}

/// Each kernel shape (128, 256 and 512 bits: tiles of 6 × 8, 6 × 16 and 8 × 32) with blocks
/// small enough that odd sizes cross several: K = 150 in blocks of at most 40, 48 or 64, M = 37
/// in blocks of 16 to 24 rows with a partial micro-tile, N = 45 or 70 in partial column panels,
/// a batch, and A packed (broadcast over the batch). Compiled by Cranelift (which splits
/// vectors wider than 128 bits into 128-bit registers) and run, and the lowered loops run by
/// the interpreter too, both against the graph.
#[test]
fn every_kernel_matches_the_interpreter_on_odd_sizes() {
    let ctx = context();
    let mut r = SplitMix(21);
    // Each with the vectors its tile is made of.
    let kernels = [
        ("vector-bits=128 kc=64 mc=24", "vector<4xf32>"),
        ("vector-bits=256 kc=48 mc=18", "vector<8xf32>"),
        ("vector-bits=512 kc=40 mc=16", "vector<16xf32>"),
    ];
    for (options, vector) in kernels {
        for (batch, m, k, n, a_batched) in [(1, 37, 150, 45, true), (2, 19, 97, 70, false), (3, 9, 41, 33, true)] {
            let [a, b, c] = operands(batch, m, k, n, a_batched);
            let graph = parse_source(&ctx, "mm.mlir", &matmul_source(&a, &b, &c), &ParseOptions::default()).unwrap();
            let inputs = vec![r.tensor(&a, Elem::F32, -1.0, 1.0), r.tensor(&b, Elem::F32, -1.0, 1.0)];
            let want = interpret(&ctx, &graph, &inputs);
            let (lowered, jit) = compile_with(&ctx, &graph, options);
            let printed = print_module(&ctx, &lowered, &Default::default());
            assert!(printed.contains("vector.load") && printed.contains(vector), "{options}: no {vector}");
            let got = jit.run("mm", &inputs).unwrap_or_else(|e| panic!("{e}")).remove(0);
            check(&got, &want, k, &format!("{options}: {batch}x{m}x{k}x{n}, compiled"));
            let looped = interpret(&ctx, &lowered, &inputs);
            check(&looped, &want, k, &format!("{options}: {batch}x{m}x{k}x{n}, loops interpreted"));
        }
    }
}

/// `graph` with each `nn.constant` given random values in [-1, 1) (weights that the compiled
/// code packs once).
fn randomize_constants(ctx: &Context, graph: &mut Module, r: &mut SplitMix) {
    let value = ctx.ident("value");
    for op in graph.ir.collect_ops(graph.root) {
        if ctx.ident_str(graph.ir.op(op).name()) != "nn.constant" {
            continue;
        }
        let t = graph.ir.value_type(graph.ir.op(op).results()[0]);
        let shape: Vec<usize> = ctx.shape(t).unwrap().iter().map(|&d| d as usize).collect();
        let w = r.tensor(&shape, Elem::F32, -1.0, 1.0);
        graph.ir.set_attr(op, value, strata_runtime::fold::dense_attr(ctx, &w, t));
    }
}

/// Calls `entry` of a graph with constant weights three times on other random inputs each
/// time, against the interpreter. `cache` is the static buffer the packed weights must live in
/// (so the later calls do read cached panels).
fn repeated_calls_match(src: &str, entry: &str, k: usize, cache: &str, seed: u64) {
    let ctx = context();
    let mut r = SplitMix(seed);
    let mut graph = parse_source(&ctx, "weights.mlir", src, &ParseOptions::default()).unwrap();
    randomize_constants(&ctx, &mut graph, &mut r);
    let (lowered, jit) = compile(&ctx, &graph);
    let printed = print_module(&ctx, &lowered, &Default::default());
    assert!(printed.contains(cache), "no packed-weights buffer {cache} in the lowered code");
    let func = strata_runtime::functions(&ctx, &graph.ir, graph.root)[0].1;
    let block = graph.ir.region(graph.ir.op(func).regions()[0]).blocks()[0];
    let args = graph.ir.block(block).args().to_vec();
    for call in 0..3 {
        let inputs: Vec<Tensor> = args
            .iter()
            .map(|a| {
                let (shape, _) = strata_runtime::interp::tensor_type(&ctx, graph.ir.value_type(*a)).unwrap();
                r.tensor(&shape, Elem::F32, -1.0, 1.0)
            })
            .collect();
        let want = interpret(&ctx, &graph, &inputs);
        let got = jit.run(entry, &inputs).unwrap_or_else(|e| panic!("{e}")).remove(0);
        check(&got, &want, k, &format!("{entry}, call {}", call + 1));
    }
}

/// A dense layer: x (301 rows: two blocks, the last micro-tile partial, so its rows are copied
/// on every call) times constant weights (K = 1100 in two blocks, N = 40). B's panels are
/// cached; A is read in place.
#[test]
fn cached_weight_panels_serve_later_calls_of_a_matmul() {
    let (x, w, y) = ([301, 1100], [1100, 40], [301, 40]);
    let src = format!(
        "func.func @dense(%x: {tx}) -> {ty} {{\n  %w = \"nn.constant\"() {{value = dense<0.0> : {tw}}} : () -> {tw}\n  %y = \"nn.matmul\"(%x, %w) : ({tx}, {tw}) -> {ty}\n  return %y : {ty}\n}}\n",
        tx = ty(&x),
        tw = ty(&w),
        ty = ty(&y)
    );
    repeated_calls_match(&src, "dense", 1100, "@dense_rhs", 11);
}

/// Constant A broadcast over a batch (260 rows in two blocks, K = 600): A's panels are cached.
#[test]
fn cached_weight_panels_serve_later_calls_of_a_broadcast_matmul() {
    let (a, b, c) = ([260, 600], [2, 600, 12], [2, 260, 12]);
    let src = format!(
        "func.func @left(%b: {tb}) -> {tc} {{\n  %a = \"nn.constant\"() {{value = dense<0.0> : {ta}}} : () -> {ta}\n  %c = \"nn.matmul\"(%a, %b) : ({ta}, {tb}) -> {tc}\n  return %c : {tc}\n}}\n",
        ta = ty(&a),
        tb = ty(&b),
        tc = ty(&c)
    );
    repeated_calls_match(&src, "left", 600, "@left_lhs", 12);
}

/// A stride-2 3×3 convolution through im2col, as ResNet-18's downsampling layers take it: 17×17
/// = 289 output pixels (two blocks of rows), K = 128 · 9 = 1152 (two blocks), 36 output
/// channels; the weights' panels are cached.
#[test]
fn cached_weight_panels_serve_later_calls_of_a_strided_im2col_convolution() {
    let (x, w, y) = ([1, 128, 34, 34], [36, 128, 3, 3], [1, 36, 17, 17]);
    let src = format!(
        "func.func @conv(%x: {tx}) -> {ty} {{\n  %w = \"nn.constant\"() {{value = dense<0.0> : {tw}}} : () -> {tw}\n  %y = \"nn.conv2d\"(%x, %w) {{strides = [2, 2], padding = [1, 1, 1, 1], algorithm = \"im2col_gemm\"}} : ({tx}, {tw}) -> {ty}\n  return %y : {ty}\n}}\n",
        tx = ty(&x),
        tw = ty(&w),
        ty = ty(&y)
    );
    repeated_calls_match(&src, "conv", 1152, "@conv_weights", 13);
}

/// The 512-bit kernel where each work item's tiles prefetch the next item's B panel (few rows,
/// so few tiles a panel, and column panels enough for one item each): 20 rows (three tiles,
/// whose prefetch pointer moves 11 elements a step, so that it runs past a panel's 32 columns
/// and is clamped inside the last) by 500 columns (16 panels, the last partial) over K = 90
/// in three blocks (the rows are one block, so each item runs every block of k: each block's
/// tiles prefetch the next block's part of the panel, the last block's the next item's panel),
/// a batch of two over 260 columns (nine panels each), and K = 30 in one block (one parallel
/// loop whose items prefetch the next item's panel). The lowered loops run in the interpreter
/// too, which checks that every prefetch names an element of the panels.
#[test]
fn prefetching_the_next_b_panel_keeps_the_products() {
    let ctx = context();
    let mut r = SplitMix(23);
    let options = "vector-bits=512 kc=40 prefetch=true";
    for (batch, m, k, n) in [(1, 20, 90, 500), (2, 5, 70, 260), (1, 20, 30, 500)] {
        let [a, b, c] = operands(batch, m, k, n, true);
        let graph = parse_source(&ctx, "mm.mlir", &matmul_source(&a, &b, &c), &ParseOptions::default()).unwrap();
        let inputs = vec![r.tensor(&a, Elem::F32, -1.0, 1.0), r.tensor(&b, Elem::F32, -1.0, 1.0)];
        let want = interpret(&ctx, &graph, &inputs);
        let (lowered, jit) = compile_with(&ctx, &graph, options);
        let printed = print_module(&ctx, &lowered, &Default::default());
        assert!(printed.contains("locality<2>"), "{batch}x{m}x{k}x{n}: no prefetch of the next panel");
        let got = jit.run("mm", &inputs).unwrap_or_else(|e| panic!("{e}")).remove(0);
        check(&got, &want, k, &format!("{batch}x{m}x{k}x{n}, compiled"));
        let looped = interpret(&ctx, &lowered, &inputs);
        check(&looped, &want, k, &format!("{batch}x{m}x{k}x{n}, loops interpreted"));
    }
}

/// A product whose padded result outgrows L2 takes K in one block where its B panel still
/// fits (`GemmKernel::blocking`): 40 rows by 1700 columns (272 KB padded, with an L2 of 256 KiB)
/// over K = 120, which blocks of KC = 85 would cut in two.
#[test]
fn a_result_larger_than_l2_takes_k_whole() {
    let ctx = context();
    let mut r = SplitMix(29);
    let options = "vector-bits=512 l1-bytes=16384 l2-bytes=262144";
    let (m, k, n) = (40, 120, 1700);
    let [a, b, c] = operands(1, m, k, n, true);
    let graph = parse_source(&ctx, "mm.mlir", &matmul_source(&a, &b, &c), &ParseOptions::default()).unwrap();
    let inputs = vec![r.tensor(&a, Elem::F32, -1.0, 1.0), r.tensor(&b, Elem::F32, -1.0, 1.0)];
    let want = interpret(&ctx, &graph, &inputs);
    let (_, jit) = compile_with(&ctx, &graph, options);
    let got = jit.run("mm", &inputs).unwrap_or_else(|e| panic!("{e}")).remove(0);
    check(&got, &want, k, &format!("1x{m}x{k}x{n}, compiled"));
}

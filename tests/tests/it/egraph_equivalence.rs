//! `egraph-opt` keeps what a graph computes: random DAGs of `nn` ops with random shapes and
//! random constants, run by the reference interpreter before and after, on random inputs,
//! for every target (so every layout and fusion the rules can pick is exercised), extracted
//! greedily or by the ILP. The pass refuses to write a cyclic extraction, so this also checks
//! that every extraction is acyclic.
//!
//! Tolerance: |after - before| <= 1e-4 * (1 + max |before|) per output. Rewrites change f32
//! rounding only: batch norm folded into weights rounds `w * scale / sqrt(var + eps)` once
//! instead of after the convolution, and fused bodies are re-associated. Each changes a result
//! by a few ulps of the largest intermediate (sums of up to 400 products here), well inside
//! 1e-4 of the output's scale; a wrong rewrite is off by O(1).

use proptest::prelude::*;
use strata_dialects::nn::shape::{self, Conv2d, Pool2d};
use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{parse_source, Context, Ir, Module, OpId, ParseOptions};
use strata_lowering::codegen::driver::Program;
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::object::emit_object;
use strata_lowering::codegen::Target;
use strata_runtime::compare::{compare, max_abs, Tolerance};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem, Tensor};

/// Choices from the seed proptest draws (so a failure shrinks to a seed and replays).
struct Choices(SplitMix);

impl Choices {
    fn new(seed: u64) -> Self {
        Choices(SplitMix(seed))
    }
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        self.0.pick(xs)
    }
    fn unit(&mut self) -> f64 {
        self.0.uniform(-1.0, 1.0)
    }
}

fn ty(s: &[i64]) -> String {
    let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("tensor<{}xf32>", dims.join("x"))
}

/// `dense<...>` of random values in `lo ± scale`, nested as the shape says.
fn dense(c: &mut Choices, s: &[i64], lo: f64, scale: f64) -> String {
    fn nest(c: &mut Choices, s: &[i64], lo: f64, scale: f64) -> String {
        match s.split_first() {
            None => format!("{:.7e}", lo + scale * c.unit()),
            Some((d, rest)) => {
                let items: Vec<String> = (0..*d).map(|_| nest(c, rest, lo, scale)).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }
    format!("dense<{}> : {}", nest(c, s, lo, scale), ty(s))
}

/// A random function of 3 to 12 ops over NCHW tensors.
fn random_graph(c: &mut Choices) -> String {
    let n = 1;
    let ch = *c.pick(&[4i64, 8, 16]);
    let hw = 3 + c.below(6) as i64;
    let input = vec![n, ch, hw, hw];
    let mut body = String::new();
    let mut values: Vec<(String, Vec<i64>)> = vec![("%arg0".into(), input.clone()), ("%arg1".into(), input.clone())];
    let mut k = 0;
    let fresh = |k: &mut usize| {
        *k += 1;
        format!("%v{k}")
    };
    let ops = 3 + c.below(10);
    for _ in 0..ops {
        let (x, xs) = values[c.below(values.len())].clone();
        let four = xs.len() == 4;
        let choice = c.below(12);
        let v = fresh(&mut k);
        let out = match choice {
            0 | 1 => {
                let op =
                    c.pick(&["nn.relu", "nn.sigmoid", "nn.tanh", "nn.neg", "nn.abs", "nn.gelu", "nn.silu", "nn.relu6"]);
                body += &format!("  {v} = \"{op}\"({x}) : ({}) -> {}\n", ty(&xs), ty(&xs));
                xs
            }
            2 => {
                let (op, attrs) = *c.pick(&[
                    ("nn.leaky_relu", "{alpha = 0.1 : f32}"),
                    ("nn.clip", "{min = -0.5 : f32, max = 0.5 : f32}"),
                ]);
                body += &format!("  {v} = \"{op}\"({x}) {attrs} : ({}) -> {}\n", ty(&xs), ty(&xs));
                xs
            }
            3 | 4 => {
                let op = c.pick(&["nn.add", "nn.sub", "nn.mul", "nn.max", "nn.min"]);
                let same: Vec<(String, Vec<i64>)> = values.iter().filter(|(_, s)| *s == xs).cloned().collect();
                let (y, ys) = if four && c.below(3) == 0 {
                    let cs = vec![xs[1], 1, 1];
                    let cv = fresh(&mut k);
                    body += &format!(
                        "  {cv} = \"nn.constant\"() {{value = {}}} : () -> {}\n",
                        dense(c, &cs, 0.0, 1.0),
                        ty(&cs)
                    );
                    (cv, cs)
                } else {
                    same[c.below(same.len())].clone()
                };
                let os = shape::broadcast(&xs, &ys).unwrap();
                body += &format!("  {v} = \"{op}\"({x}, {y}) : ({}, {}) -> {}\n", ty(&xs), ty(&ys), ty(&os));
                os
            }
            5 | 6 if four => {
                let kernel = *c.pick(&[1i64, 3, 5]);
                let stride = *c.pick(&[1i64, 1, 2]);
                let pad = if c.below(2) == 0 { kernel / 2 } else { 0 };
                let depthwise = c.below(4) == 0;
                let o = if depthwise { xs[1] } else { *c.pick(&[4i64, 8, 16]) };
                let groups = if depthwise { xs[1] } else { 1 };
                let dilation = *c.pick(&[1i64, 1, 2]);
                let conv = Conv2d {
                    strides: [stride, stride],
                    padding: [pad; 4],
                    groups,
                    dilations: [dilation; 2],
                    ..Conv2d::default()
                };
                let ws = vec![o, xs[1] / groups, kernel, kernel];
                let Ok(os) = conv.output(&xs, &ws, None) else {
                    body += &format!("  {v} = \"nn.relu\"({x}) : ({}) -> {}\n", ty(&xs), ty(&xs));
                    values.push((v, xs));
                    continue;
                };
                let w = fresh(&mut k);
                let fan_in = (ws[1] * kernel * kernel) as f64;
                body += &format!(
                    "  {w} = \"nn.constant\"() {{value = {}}} : () -> {}\n",
                    dense(c, &ws, 0.0, 1.0 / fan_in.sqrt()),
                    ty(&ws)
                );
                let mut operands = format!("{x}, {w}");
                let mut types = format!("{}, {}", ty(&xs), ty(&ws));
                if c.below(2) == 0 {
                    let b = fresh(&mut k);
                    body += &format!(
                        "  {b} = \"nn.constant\"() {{value = {}}} : () -> {}\n",
                        dense(c, &[o], 0.0, 0.5),
                        ty(&[o])
                    );
                    operands += &format!(", {b}");
                    types += &format!(", {}", ty(&[o]));
                }
                body += &format!(
                    "  {v} = \"nn.conv2d\"({operands}) {{strides = [{stride}, {stride}], padding = [{pad}, {pad}, {pad}, {pad}], dilations = [{dilation}, {dilation}], groups = {groups} : i64}} : ({types}) -> {}\n",
                    ty(&os)
                );
                // Often followed by batch norm, which the optimizer folds into the weights.
                if c.below(2) == 0 {
                    let params: Vec<String> = (0..4)
                        .map(|i| {
                            let p = fresh(&mut k);
                            let (lo, scale) = if i == 3 { (1.0, 0.5) } else { (0.0, 1.0) };
                            body += &format!(
                                "  {p} = \"nn.constant\"() {{value = {}}} : () -> {}\n",
                                dense(c, &[o], lo, scale),
                                ty(&[o])
                            );
                            p
                        })
                        .collect();
                    let bn = fresh(&mut k);
                    let t = ty(&[o]);
                    body += &format!(
                        "  {bn} = \"nn.batch_norm\"({v}, {}) {{epsilon = 1.0e-5 : f32}} : ({}, {t}, {t}, {t}, {t}) -> {}\n",
                        params.join(", "),
                        ty(&os),
                        ty(&os)
                    );
                    values.push((v, os.clone()));
                    values.push((bn, os));
                    continue;
                }
                os
            }
            7 if four => {
                let op = c.pick(&["nn.max_pool2d", "nn.avg_pool2d"]);
                let pool = Pool2d { kernel: [2, 2], strides: [2, 2], padding: [0; 4], layout: shape::Layout::Nchw };
                match pool.output(&xs) {
                    Ok(os) => {
                        body += &format!(
                            "  {v} = \"{op}\"({x}) {{kernel = [2, 2], strides = [2, 2]}} : ({}) -> {}\n",
                            ty(&xs),
                            ty(&os)
                        );
                        os
                    }
                    Err(_) => {
                        body += &format!("  {v} = \"nn.exp\"({x}) : ({}) -> {}\n", ty(&xs), ty(&xs));
                        xs
                    }
                }
            }
            8 if four => {
                // A transpose pair that cancels, or a reshape round trip.
                let t = fresh(&mut k);
                let ts = vec![xs[0], xs[2], xs[3], xs[1]];
                body +=
                    &format!("  {t} = \"nn.transpose\"({x}) {{perm = [0, 2, 3, 1]}} : ({}) -> {}\n", ty(&xs), ty(&ts));
                body +=
                    &format!("  {v} = \"nn.transpose\"({t}) {{perm = [0, 3, 1, 2]}} : ({}) -> {}\n", ty(&ts), ty(&xs));
                xs
            }
            10 => {
                // A dense layer on the tensor seen as rows: matmul with a constant, a bias, and
                // sometimes softmax or layer norm on the rows.
                let cols = *xs.last().unwrap();
                let rows: i64 = xs.iter().product::<i64>() / cols;
                let flat = fresh(&mut k);
                let m = vec![rows, cols];
                body += &format!(
                    "  {flat} = \"nn.reshape\"({x}) {{shape = [{rows}, {cols}]}} : ({}) -> {}\n",
                    ty(&xs),
                    ty(&m)
                );
                let n = *c.pick(&[4i64, 8, 12]);
                let (w, b, mm) = (fresh(&mut k), fresh(&mut k), fresh(&mut k));
                let (ws, os) = (vec![cols, n], vec![rows, n]);
                body +=
                    &format!("  {w} = \"nn.constant\"() {{value = {}}} : () -> {}\n", dense(c, &ws, 0.0, 0.5), ty(&ws));
                body += &format!(
                    "  {b} = \"nn.constant\"() {{value = {}}} : () -> {}\n",
                    dense(c, &[n], 0.0, 0.5),
                    ty(&[n])
                );
                body += &format!("  {mm} = \"nn.matmul\"({flat}, {w}) : ({}, {}) -> {}\n", ty(&m), ty(&ws), ty(&os));
                let biased = fresh(&mut k);
                body += &format!("  {biased} = \"nn.add\"({mm}, {b}) : ({}, {}) -> {}\n", ty(&os), ty(&[n]), ty(&os));
                match c.below(3) {
                    0 => {
                        body += &format!(
                            "  {v} = \"nn.softmax\"({biased}) {{axis = -1 : i64}} : ({}) -> {}\n",
                            ty(&os),
                            ty(&os)
                        )
                    }
                    1 => {
                        let (g, h) = (fresh(&mut k), fresh(&mut k));
                        body += &format!(
                            "  {g} = \"nn.constant\"() {{value = {}}} : () -> {}\n",
                            dense(c, &[n], 1.0, 0.5),
                            ty(&[n])
                        );
                        body += &format!(
                            "  {h} = \"nn.constant\"() {{value = {}}} : () -> {}\n",
                            dense(c, &[n], 0.0, 0.5),
                            ty(&[n])
                        );
                        body += &format!(
                            "  {v} = \"nn.layer_norm\"({biased}, {g}, {h}) {{axis = -1 : i64, epsilon = 1.0e-05 : f32}} : ({}, {}, {}) -> {}\n",
                            ty(&os),
                            ty(&[n]),
                            ty(&[n]),
                            ty(&os)
                        );
                    }
                    _ => body += &format!("  {v} = \"nn.gelu\"({biased}) : ({}) -> {}\n", ty(&os), ty(&os)),
                }
                os
            }
            11 => {
                // Concatenate with itself along the last axis, split and join again, or pad.
                let last = xs.len() - 1;
                let how = c.below(3);
                if how == 2 && xs[last] >= 2 {
                    let first = 1 + c.below(xs[last] as usize - 1) as i64;
                    let (mut a, mut b) = (xs.clone(), xs.clone());
                    a[last] = first;
                    b[last] -= first;
                    let (pa, pb) = (fresh(&mut k), fresh(&mut k));
                    body += &format!(
                        "  {pa}, {pb} = \"nn.split\"({x}) {{axis = {last} : i64, sizes = [{first}, {}]}} : ({}) -> ({}, {})\n",
                        b[last],
                        ty(&xs),
                        ty(&a),
                        ty(&b)
                    );
                    let r = fresh(&mut k);
                    body += &format!("  {r} = \"nn.relu\"({pb}) : ({}) -> {}\n", ty(&b), ty(&b));
                    body += &format!(
                        "  {v} = \"nn.concat\"({pa}, {r}) {{axis = {last} : i64}} : ({}, {}) -> {}\n",
                        ty(&a),
                        ty(&b),
                        ty(&xs)
                    );
                    xs
                } else if how == 0 {
                    let mut os = xs.clone();
                    os[last] *= 2;
                    body += &format!(
                        "  {v} = \"nn.concat\"({x}, {x}) {{axis = {last} : i64}} : ({}, {}) -> {}\n",
                        ty(&xs),
                        ty(&xs),
                        ty(&os)
                    );
                    os
                } else {
                    let mut pads = vec![0i64; 2 * xs.len()];
                    pads[last] = 1;
                    pads[xs.len() + last] = 2;
                    let mut os = xs.clone();
                    os[last] += 3;
                    let list: Vec<String> = pads.iter().map(|p| p.to_string()).collect();
                    body += &format!(
                        "  {v} = \"nn.pad\"({x}) {{pads = [{}], value = 0.5 : f32}} : ({}) -> {}\n",
                        list.join(", "),
                        ty(&xs),
                        ty(&os)
                    );
                    os
                }
            }
            _ => {
                let flat = vec![xs.iter().product::<i64>()];
                let r = fresh(&mut k);
                body += &format!("  {r} = \"nn.reshape\"({x}) {{shape = [-1]}} : ({}) -> {}\n", ty(&xs), ty(&flat));
                body += &format!(
                    "  {v} = \"nn.reshape\"({r}) {{shape = [{}]}} : ({}) -> {}\n",
                    xs.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
                    ty(&flat),
                    ty(&xs)
                );
                xs
            }
        };
        values.push((v, out));
    }
    // Return the last value and, sometimes, an intermediate one (a shared value).
    let mut results = vec![values.last().unwrap().clone()];
    if c.below(2) == 0 && values.len() > 3 {
        results.push(values[2 + c.below(values.len() - 2)].clone());
    }
    let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
    let types: Vec<String> = results.iter().map(|(_, s)| ty(s)).collect();
    format!(
        "func.func @g(%arg0: {t}, %arg1: {t}) -> ({}) {{\n{body}  return {} : {}\n}}\n",
        types.join(", "),
        names.join(", "),
        types.join(", "),
        t = ty(&input)
    )
}

fn first_func(ctx: &Context, ir: &Ir, root: OpId) -> OpId {
    strata_runtime::functions(ctx, ir, root)[0].1
}

/// `src` parsed and put through `pipeline`, and its printed form.
fn transform(ctx: &Context, src: &str, pipeline: Option<&str>) -> (Module, String) {
    let mut m = parse_source(ctx, "g.mlir", src, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e:?}\n{src}"));
    if let Some(p) = pipeline {
        let mut r = PassRegistry::new();
        strata_passes::register_all(&mut r);
        strata_lowering::register_all(&mut r);
        let pm = PassManager::new(r.parse_pipeline(p).unwrap());
        pm.run(ctx, &mut m.ir, m.root).unwrap_or_else(|e| panic!("{e:?}\n{src}"));
    }
    let printed = strata_ir::print_module(ctx, &m, &Default::default());
    (m, printed)
}

fn run(ctx: &Context, src: &str, pipeline: Option<&str>, inputs: &[Tensor]) -> (Vec<Tensor>, String) {
    let (m, printed) = transform(ctx, src, pipeline);
    let out = run_function(ctx, &m.ir, first_func(ctx, &m.ir, m.root), inputs.to_vec())
        .unwrap_or_else(|e| panic!("{e}\n{printed}"));
    (out, printed)
}

/// Random inputs for the graph's two arguments.
fn inputs_for(ctx: &Context, src: &str, c: &mut Choices) -> Vec<Tensor> {
    let m = parse_source(ctx, "g.mlir", src, &ParseOptions::default()).unwrap();
    let f = first_func(ctx, &m.ir, m.root);
    let arg = m.ir.block(m.ir.region(m.ir.op(f).regions()[0]).blocks()[0]).args()[0];
    let shape = strata_runtime::interp::tensor_type(ctx, m.ir.value_type(arg)).unwrap().0;
    (0..2)
        .map(|_| {
            let values: Vec<f64> = (0..shape.iter().product::<usize>()).map(|_| c.unit()).collect();
            Tensor::from_fn(&shape, Elem::F32, |i| values[i])
        })
        .collect()
}

fn assert_close(before: &[Tensor], after: &[Tensor], src: &str, printed: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(after) {
        let tolerance = Tolerance { rtol: 0.0, atol: 1e-4 * (1.0 + max_abs(b)) };
        if let Err(m) = compare(a, b, tolerance) {
            return Err(TestCaseError::fail(format!("after against before: {m}\n{src}\n{printed}")));
        }
    }
    Ok(())
}

/// A context, the choices of `seed`, a random graph drawn with them, inputs for it, and what
/// the graph computes on them.
fn draw(seed: u64) -> (Context, Choices, String, Vec<Tensor>, Vec<Tensor>) {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let mut c = Choices::new(seed);
    let src = random_graph(&mut c);
    let inputs = inputs_for(&ctx, &src, &mut c);
    let (before, _) = run(&ctx, &src, None, &inputs);
    (ctx, c, src, inputs, before)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 240, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn optimized_graphs_compute_what_the_originals_do(seed in any::<u64>()) {
        let (ctx, mut c, src, inputs, before) = draw(seed);
        let target = *c.pick(&["x86-64", "aarch64", "gpu"]);
        // A third of the graphs are extracted by the ILP (exact, with a time limit).
        let extraction = if c.below(3) == 0 { "ilp ilp-time-limit-ms=300" } else { "greedy-dag" };
        let pipeline = format!("builtin.module(func.func(egraph-opt{{target={target} extraction={extraction}}}))");
        let (after, printed) = run(&ctx, &src, Some(&pipeline), &inputs);
        assert_close(&before, &after, &src, &printed)?;
    }

    /// The same random graphs lowered to loops (as written, and after egraph-opt so fused
    /// kernels are lowered too), run by the interpreter at the loop level.
    #[test]
    fn lowered_graphs_compute_what_the_originals_do(seed in any::<u64>()) {
        let (ctx, mut c, src, inputs, before) = draw(seed);
        // As written or after egraph-opt; with or without the static memory plan (an arena
        // with buffers reused and written in place: a wrong plan shows here); vectorized and
        // tiled or not.
        let pipeline = *c.pick(LOWERINGS);
        let (after, printed) = run(&ctx, &src, Some(pipeline), &inputs);
        prop_assert!(!printed.contains("\"nn.") || printed.contains("nn.constant"), "graph ops left:\n{}", printed);
        assert_close(&before, &after, &src, &printed)?;
    }

    /// The same random graphs lowered and compiled by Cranelift for this machine (JIT), run on
    /// one or two threads with fresh buffers poisoned. Shapes are random, so most vector loops
    /// have scalar tails; the tolerance is the same (FMA contraction and the inline math
    /// polynomials move results by ulps).
    #[test]
    fn compiled_graphs_compute_what_the_originals_do(seed in any::<u64>()) {
        let (ctx, mut c, src, inputs, before) = draw(seed);
        let pipeline = *c.pick(LOWERINGS);
        let (m, printed) = transform(&ctx, &src, Some(pipeline));
        let threads = *c.pick(&[1usize, 2]);
        let jit = Jit::compile(&ctx, &m.ir, m.root, JitOptions { threads: Some(threads), poison: true })
            .unwrap_or_else(|e| panic!("{e}\n{printed}"));
        let after = jit.run("g", &inputs).unwrap_or_else(|e| panic!("{e}\n{printed}"));
        assert_close(&before, &after, &src, &printed)?;
    }

    /// The same through upstream MLIR and LLVM (`strata-llvm`, with the `llvm` feature).
    #[cfg(feature = "llvm")]
    #[test]
    fn graphs_compiled_by_llvm_compute_what_the_originals_do(seed in any::<u64>()) {
        let (ctx, mut c, src, inputs, before) = draw(seed);
        let pipeline = *c.pick(LOWERINGS);
        let (m, printed) = transform(&ctx, &src, Some(pipeline));
        let threads = *c.pick(&[1usize, 2]);
        let options = JitOptions { threads: Some(threads), poison: true };
        let jit = strata_llvm::compile_jit(&ctx, &m.ir, m.root, None, options)
            .unwrap_or_else(|e| panic!("{e}\n{printed}"));
        let after = jit.run("g", &inputs).unwrap_or_else(|e| panic!("{e}\n{printed}"));
        assert_close(&before, &after, &src, &printed)?;
    }
}

/// Lowerings of the random graphs: as written or after egraph-opt; with or without the static
/// memory plan (an arena with buffers reused and written in place: a wrong plan shows); vectorized
/// and tiled or not.
const LOWERINGS: &[&str] = &[
    "builtin.module(lower-to-loops)",
    "builtin.module(func.func(egraph-opt), lower-to-loops)",
    "builtin.module(func.func(plan-memory), lower-to-loops)",
    "builtin.module(func.func(egraph-opt, plan-memory), lower-to-loops)",
    "builtin.module(func.func(egraph-opt), lower-to-loops, func.func(vectorize))",
    "builtin.module(func.func(egraph-opt, plan-memory), lower-to-loops, func.func(vectorize{width=8}))",
    "builtin.module(func.func(egraph-opt, plan-memory), lower-to-loops, func.func(vectorize, tile{size=4}))",
    "builtin.module(lower-to-loops, func.func(tile{size=3}))",
];

/// The same random graphs through the CUDA pipeline, run by the interpreter at the GPU level
/// (kernels and launches), and their PTX assembled by `ptxas` for sm_90 and sm_80.
#[test]
fn graphs_on_the_gpu_level_compute_what_the_originals_do() {
    let ptxas = crate::gpu::ptxas("random graphs' PTX");
    let mut launching = 0;
    for seed in 0..48u64 {
        let (ctx, _, src, inputs, before) = draw(seed.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let (m, printed) = transform(&ctx, &src, Some(strata_lowering::gpu::cuda_pipeline()));
        // (A graph may simplify to a copy of an argument, which launches nothing.)
        launching += usize::from(printed.contains("gpu.launch_func"));
        let after = run_function(&ctx, &m.ir, first_func(&ctx, &m.ir, m.root), inputs.clone())
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{printed}"));
        if let Err(e) = assert_close(&before, &after, &src, &printed) {
            panic!("seed {seed}: {e}");
        }
        if let Some(p) = &ptxas {
            crate::gpu::assemble(&ctx, &m, p, &format!("seed {seed}"));
        }
    }
    assert!(launching >= 40, "only {launching} of 48 graphs launched kernels");
}

/// Random graphs compiled for AArch64, linked with a generated driver and run under
/// qemu-aarch64 (each case links and starts a program, so fewer cases than the JIT's).
#[test]
fn compiled_for_aarch64_graphs_compute_what_the_originals_do() {
    let Some(tools) = crate::aarch64::toolchain("random graphs on AArch64") else { return };
    for seed in 0..32u64 {
        let (ctx, mut c, src, inputs, before) = draw(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let pipeline = *c.pick(LOWERINGS);
        let (m, printed) = transform(&ctx, &src, Some(pipeline));
        let artifacts = emit_object(&ctx, &m.ir, m.root, Target::Aarch64, "g", true, None)
            .unwrap_or_else(|e| panic!("{e}\n{printed}"));
        let program = Program::link(&artifacts, "g", &tools).unwrap_or_else(|e| panic!("{e}"));
        let (after, _) = program.run(&inputs, None, Some(2)).unwrap_or_else(|e| panic!("{e}\n{printed}"));
        if let Err(e) = assert_close(&before, &after, &src, &printed) {
            panic!("seed {seed}: {e}");
        }
    }
}

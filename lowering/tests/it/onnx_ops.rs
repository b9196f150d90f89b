//! The ops the ONNX importer added, each on random shapes, attributes and inputs: the graph in
//! the interpreter against the same graph through the host's default pipeline (egraph-opt,
//! plan-memory, lower-to-loops, vectorize), both interpreted at loop level and JIT-compiled
//! (two threads, fresh buffers poisoned with NaN, so an element left unwritten shows).
//!
//! Tolerances: reductions of floats accumulate in f64 in row-major order at every level and
//! round once, and the data-movement ops copy, so those compare exactly (0). Ops through the
//! code generator's f32 polynomials (`codegen/math.rs`: erf within 4e-7 absolute, exp and log
//! within a few ulp) compare within 2e-6 absolute plus 2e-6 relative: log-softmax's results
//! here are below 20 in magnitude, where a few ulp of f32 is under 1e-5 · 2^-3.

use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{parse_source, Context, Module, ParseOptions};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::{default_pipeline, Target};
use strata_runtime::compare::{compare, Tolerance};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem, Tensor};

pub(crate) fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

/// `tensor<2x3xf32>`, `tensor<i64>`.
pub(crate) fn ty(shape: &[usize], elem: Elem) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    if dims.is_empty() {
        format!("tensor<{elem}>")
    } else {
        format!("tensor<{}x{elem}>", dims.join("x"))
    }
}

pub(crate) fn list(v: &[i64]) -> String {
    let items: Vec<String> = v.iter().map(|d| d.to_string()).collect();
    format!("[{}]", items.join(", "))
}

/// One op in a function `@f`: its operands are the inputs' types.
pub(crate) struct Case {
    pub what: String,
    pub op: String,
    pub attrs: String,
    pub inputs: Vec<Tensor>,
    pub result: (Vec<usize>, Elem),
    pub tolerance: Tolerance,
}

impl Case {
    fn source(&self) -> String {
        let types: Vec<String> = self.inputs.iter().map(|t| ty(&t.shape, t.elem)).collect();
        let args: Vec<String> = types.iter().enumerate().map(|(i, t)| format!("%a{i}: {t}")).collect();
        let operands: Vec<String> = (0..types.len()).map(|i| format!("%a{i}")).collect();
        let result = ty(&self.result.0, self.result.1);
        format!(
            "func.func @f({}) -> {result} {{\n  %r = \"{}\"({}) {{{}}} : ({}) -> {result}\n  return %r : {result}\n}}\n",
            args.join(", "),
            self.op,
            operands.join(", "),
            self.attrs,
            types.join(", ")
        )
    }
}

/// A copy of `graph` through the host's default pipeline, and it JIT-compiled.
pub(crate) fn compile(ctx: &Context, graph: &Module) -> (Module, Jit) {
    let mut registry = PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    let pm = PassManager::new(registry.parse_pipeline(default_pipeline(Target::Host)).unwrap());
    let mut lowered = graph.clone();
    pm.run(ctx, &mut lowered.ir, lowered.root).unwrap_or_else(|f| panic!("{}", f.diagnostic.message));
    let jit = Jit::compile(ctx, &lowered.ir, lowered.root, JitOptions { threads: Some(2), poison: true })
        .unwrap_or_else(|e| panic!("{e}"));
    (lowered, jit)
}

fn interpret(ctx: &Context, m: &Module, inputs: &[Tensor]) -> Result<Tensor, String> {
    let func = strata_runtime::functions(ctx, &m.ir, m.root)[0].1;
    run_function(ctx, &m.ir, func, inputs.to_vec()).map(|mut r| r.remove(0)).map_err(|e| e.to_string())
}

/// The case's op in the interpreter, lowered and interpreted, and JIT-compiled: all three agree.
pub(crate) fn check(ctx: &Context, case: &Case) {
    let src = case.source();
    let graph = parse_source(ctx, "case.mlir", &src, &ParseOptions::default()).unwrap();
    strata_ir::verify(ctx, &graph.ir, graph.root).unwrap_or_else(|d| panic!("{}: {}\n{src}", case.what, d.message));
    let want = interpret(ctx, &graph, &case.inputs).unwrap_or_else(|e| panic!("{}: {e}\n{src}", case.what));
    let (lowered, jit) = compile(ctx, &graph);
    let loops = interpret(ctx, &lowered, &case.inputs).unwrap_or_else(|e| panic!("{} (loops): {e}\n{src}", case.what));
    let got = jit.run("f", &case.inputs).unwrap_or_else(|e| panic!("{} (jit): {e}\n{src}", case.what)).remove(0);
    for (level, t) in [("loops", &loops), ("jit", &got)] {
        if let Err(m) = compare(t, &want, case.tolerance) {
            panic!("{} ({level}) against the interpreter: {m}\n{src}", case.what);
        }
    }
}

const EXACT: Tolerance = Tolerance { rtol: 0.0, atol: 0.0 };
const POLYNOMIAL: Tolerance = Tolerance { rtol: 2e-6, atol: 2e-6 };

pub(crate) fn shape(r: &mut SplitMix, lo: i64, hi: i64, max: i64) -> Vec<usize> {
    let rank = r.range(lo, hi) as usize;
    (0..rank).map(|_| r.range(1, max) as usize).collect()
}

/// Random values of `elem`: floats in [-2, 2), integers in [-100, 100].
pub(crate) fn data(r: &mut SplitMix, shape: &[usize], elem: Elem) -> Tensor {
    if elem.is_float() {
        r.tensor(shape, elem, -2.0, 2.0)
    } else {
        r.tensor(shape, elem, -100.0, 100.0)
    }
}

#[test]
fn reductions_match_at_every_level() {
    let ctx = context();
    let mut r = SplitMix(31);
    let ops = ["nn.reduce_sum", "nn.reduce_mean", "nn.reduce_max", "nn.reduce_min", "nn.reduce_prod"];
    for k in 0..40 {
        let op = ops[k % ops.len()];
        let x = shape(&mut r, 1, 4, 6);
        let rank = x.len() as i64;
        let mut axes: Vec<i64> = (0..rank).filter(|_| r.below(2) == 0).collect();
        if axes.is_empty() {
            axes.push(r.range(0, rank - 1));
        }
        let axes: Vec<i64> = axes.into_iter().map(|a| if r.below(2) == 0 { a - rank } else { a }).collect();
        let keepdims = r.below(2) == 0;
        let elem = match (op, k % 4) {
            ("nn.reduce_mean", _) | (_, 0 | 1) => Elem::F32,
            (_, 2) => Elem::Int(32),
            _ => Elem::Int(64),
        };
        let dims: Vec<i64> = x.iter().map(|d| *d as i64).collect();
        let out = strata_dialects::nn::shape::reduce(&dims, &axes, keepdims).unwrap();
        let case = Case {
            what: format!("{op} {x:?} axes {axes:?} keepdims {keepdims} {elem}"),
            op: op.into(),
            attrs: format!("axes = {}, keepdims = {keepdims}", list(&axes)),
            inputs: vec![data(&mut r, &x, elem)],
            result: (out.iter().map(|d| *d as usize).collect(), elem),
            tolerance: EXACT,
        };
        check(&ctx, &case);
    }
}

#[test]
fn erf_and_log_softmax_match_within_the_polynomials_error() {
    let ctx = context();
    let mut r = SplitMix(32);
    for k in 0..8 {
        let x = shape(&mut r, 1, 3, 9);
        let (op, attrs) = if k % 2 == 0 {
            ("nn.erf", String::new())
        } else {
            ("nn.log_softmax", format!("axis = {} : i64", r.range(-(x.len() as i64), x.len() as i64 - 1)))
        };
        let case = Case {
            what: format!("{op} {x:?} {attrs}"),
            op: op.into(),
            attrs,
            inputs: vec![r.tensor(&x, Elem::F32, -4.0, 4.0)],
            result: (x.clone(), Elem::F32),
            tolerance: POLYNOMIAL,
        };
        check(&ctx, &case);
    }
}

const TYPES: [Elem; 3] = [Elem::F32, Elem::Int(64), Elem::Int(32)];

#[test]
fn slices_gathers_and_broadcasts_match_for_floats_and_integers() {
    let ctx = context();
    let mut r = SplitMix(33);
    for k in 0..12 {
        let elem = TYPES[k % 3];
        let x = shape(&mut r, 1, 4, 7);
        let (mut starts, mut sizes, mut steps) = (Vec::new(), Vec::new(), Vec::new());
        for &n in &x {
            let n = n as i64;
            let step = *r.pick(&[1i64, 1, 2, 3, -1, -2]);
            let start = r.range(0, n - 1);
            let room = if step > 0 { (n - 1 - start) / step + 1 } else { start / -step + 1 };
            starts.push(start);
            sizes.push(r.range(1, room));
            steps.push(step);
        }
        let case = Case {
            what: format!("slice {x:?} {elem}"),
            op: "nn.slice".into(),
            attrs: format!("starts = {}, sizes = {}, steps = {}", list(&starts), list(&sizes), list(&steps)),
            inputs: vec![data(&mut r, &x, elem)],
            result: (sizes.iter().map(|s| *s as usize).collect(), elem),
            tolerance: EXACT,
        };
        check(&ctx, &case);
    }
    for k in 0..12 {
        let elem = TYPES[k % 3];
        let index = if k % 2 == 0 { Elem::Int(64) } else { Elem::Int(32) };
        let x = shape(&mut r, 1, 3, 6);
        let axis = r.range(-(x.len() as i64), x.len() as i64 - 1);
        let a = strata_dialects::nn::shape::axis(axis, x.len()).unwrap();
        let n = x[a] as f64;
        let indices = shape(&mut r, 0, 2, 4);
        let mut out = x[..a].to_vec();
        out.extend(&indices);
        out.extend(&x[a + 1..]);
        let case = Case {
            what: format!("gather {x:?} axis {axis} indices {indices:?} {index} {elem}"),
            op: "nn.gather".into(),
            attrs: format!("axis = {axis} : i64"),
            inputs: vec![data(&mut r, &x, elem), r.tensor(&indices, index, -n, n - 1.0)],
            result: (out, elem),
            tolerance: EXACT,
        };
        check(&ctx, &case);
    }
    for k in 0..9 {
        let elem = TYPES[k % 3];
        let to = shape(&mut r, 1, 4, 4);
        let keep = r.range(0, to.len() as i64) as usize;
        let x: Vec<usize> = to[to.len() - keep..].iter().map(|d| if r.below(2) == 0 { 1 } else { *d }).collect();
        let dims: Vec<i64> = to.iter().map(|d| *d as i64).collect();
        let case = Case {
            what: format!("broadcast {x:?} to {to:?} {elem}"),
            op: "nn.broadcast".into(),
            attrs: format!("shape = {}", list(&dims)),
            inputs: vec![data(&mut r, &x, elem)],
            result: (to.clone(), elem),
            tolerance: EXACT,
        };
        check(&ctx, &case);
    }
}

/// An index outside [-n, n) stops every level at the gather: the interpreter names the index,
/// the loops and the compiled code stop at the bounds check the lowering put there.
#[test]
fn a_gather_index_out_of_range_stops_every_level() {
    let ctx = context();
    for bad in [4i64, -5, i64::MAX, i64::MIN] {
        let case = Case {
            what: format!("gather at {bad}"),
            op: "nn.gather".into(),
            attrs: "axis = 0 : i64".into(),
            inputs: vec![
                Tensor::from_fn(&[4, 3], Elem::F32, |i| i as f64 * 0.5 - 2.0),
                Tensor::from_ints(&[3], Elem::Int(64), vec![1, bad, -4]),
            ],
            result: (vec![3, 3], Elem::F32),
            tolerance: EXACT,
        };
        let graph = parse_source(&ctx, "oob.mlir", &case.source(), &ParseOptions::default()).unwrap();
        let e = interpret(&ctx, &graph, &case.inputs).unwrap_err();
        assert!(e.contains(&format!("index {bad} (element 1 of the indices) is outside [-4, 4)")), "{e}");
        let (lowered, jit) = compile(&ctx, &graph);
        let outside = "an index is outside [-4, 4): dimension 0 of the gathered data has size 4";
        let e = interpret(&ctx, &lowered, &case.inputs).unwrap_err();
        assert!(e.contains(outside), "{e}");
        let e = jit.run("f", &case.inputs).unwrap_err().to_string();
        assert!(e.contains(outside), "{e}");
    }
}

/// Pools with ONNX's `ceil_mode` and `count_include_pad` in every layout. Averages sum at most
/// 16 elements below 2 in magnitude in f32 when compiled (in f64 in the interpreter): within
/// 16 · 2 · 2^-24 ≈ 2e-6, so 4e-6 absolute; maxima are exact.
#[test]
fn pools_with_ceil_mode_and_count_include_pad_match_in_every_layout() {
    use strata_dialects::nn::shape::{Layout, Pool2d, PoolMode};
    let ctx = context();
    let mut r = SplitMix(34);
    let mut k = 0;
    while k < 32 {
        let layout = Layout::ALL[k % 4];
        let max = k % 3 == 0;
        let kernel = [r.range(1, 4), r.range(1, 4)];
        let p = Pool2d {
            kernel,
            strides: [r.range(1, 3), r.range(1, 3)],
            padding: [
                r.range(0, kernel[0] - 1),
                r.range(0, kernel[1] - 1),
                r.range(0, kernel[0] - 1),
                r.range(0, kernel[1] - 1),
            ],
            layout,
        };
        let mode = PoolMode { ceil_mode: r.below(3) != 0, count_include_pad: !max && r.below(2) == 0 };
        let (n, c, h, w) = (r.range(1, 2), 8, r.range(1, 9), r.range(1, 9));
        let x = layout.shape(n, c, h, w);
        let Ok(out) = p.output_with(&x, mode) else { continue };
        let op = if max { "nn.max_pool2d" } else { "nn.avg_pool2d" };
        let mut attrs = format!(
            "kernel = {}, strides = {}, padding = {}, layout = \"{layout}\", ceil_mode = {}",
            list(&p.kernel),
            list(&p.strides),
            list(&p.padding),
            mode.ceil_mode
        );
        if !max {
            attrs.push_str(&format!(", count_include_pad = {}", mode.count_include_pad));
        }
        let dims: Vec<usize> = x.iter().map(|d| *d as usize).collect();
        let case = Case {
            what: format!("{op} {attrs} on {x:?}"),
            op: op.into(),
            attrs,
            inputs: vec![r.tensor(&dims, Elem::F32, -2.0, 2.0)],
            result: (out.iter().map(|d| *d as usize).collect(), Elem::F32),
            tolerance: if max { EXACT } else { Tolerance { rtol: 0.0, atol: 4e-6 } },
        };
        check(&ctx, &case);
        k += 1;
    }
}

/// Transposed convolutions with random strides, padding, dilations, output padding, groups and
/// bias. Compiled code sums `C_in/groups · kH · kW` products of numbers below 1 in f32 (the
/// interpreter in f64): within 2e-7 per product summed, as the GEMM tests bound it.
#[test]
fn transposed_convolutions_match() {
    use strata_dialects::nn::shape::ConvTranspose2d;
    let ctx = context();
    let mut r = SplitMix(35);
    let mut k = 0;
    while k < 20 {
        let groups = *r.pick(&[1i64, 1, 2, 3]);
        let (cin, per_group) = (groups * r.range(1, 3), r.range(1, 3));
        let c = ConvTranspose2d {
            strides: [r.range(1, 3), r.range(1, 3)],
            padding: [r.range(0, 2), r.range(0, 2), r.range(0, 2), r.range(0, 2)],
            dilations: [r.range(1, 2), r.range(1, 2)],
            output_padding: [r.range(0, 1), r.range(0, 1)],
            groups,
        };
        let x = [r.range(1, 2), cin, r.range(1, 6), r.range(1, 6)];
        let w = [cin, per_group, r.range(1, 4), r.range(1, 4)];
        let bias = r.below(2) == 0;
        let o = per_group * groups;
        let Ok(out) = c.output(&x, &w, bias.then_some(&[o][..])) else { continue };
        let dims = |s: &[i64]| s.iter().map(|d| *d as usize).collect::<Vec<_>>();
        let mut inputs = vec![r.tensor(&dims(&x), Elem::F32, -1.0, 1.0), r.tensor(&dims(&w), Elem::F32, -1.0, 1.0)];
        if bias {
            inputs.push(r.tensor(&[o as usize], Elem::F32, -1.0, 1.0));
        }
        let attrs = format!(
            "strides = {}, padding = {}, dilations = {}, output_padding = {}, groups = {groups} : i64",
            list(&c.strides),
            list(&c.padding),
            list(&c.dilations),
            list(&c.output_padding)
        );
        let terms = (cin / groups * w[2] * w[3]) as f64;
        let case = Case {
            what: format!("conv_transpose2d {attrs} x {x:?} w {w:?} bias {bias}"),
            op: "nn.conv_transpose2d".into(),
            attrs,
            inputs,
            result: (dims(&out), Elem::F32),
            tolerance: Tolerance { rtol: 0.0, atol: 2e-7 * terms },
        };
        check(&ctx, &case);
        k += 1;
    }
}

/// Pads in every mode, growing and cropping (negative pads), on floats and integers: copies,
/// so exact.
#[test]
fn pads_in_every_mode_match() {
    use strata_dialects::nn::shape::{pad_with, PadMode};
    let ctx = context();
    let mut r = SplitMix(36);
    let mut k = 0;
    while k < 24 {
        let elem = TYPES[k % 3];
        let mode = PadMode::ALL[k % 3];
        let x = shape(&mut r, 1, 3, 5);
        let rank = x.len();
        let pads: Vec<i64> = (0..2 * rank).map(|i| r.range(-1, (x[i % rank] as i64 - 1).min(3))).collect();
        let dims: Vec<i64> = x.iter().map(|d| *d as i64).collect();
        let Ok(out) = pad_with(&dims, &pads, mode) else { continue };
        let value = r.range(-9, 9);
        let case = Case {
            what: format!("pad {x:?} {pads:?} {} {elem}", mode.name()),
            op: "nn.pad".into(),
            attrs: format!("pads = {}, value = {value}.0 : f32, mode = \"{}\"", list(&pads), mode.name()),
            inputs: vec![data(&mut r, &x, elem)],
            result: (out.iter().map(|d| *d as usize).collect(), elem),
            tolerance: EXACT,
        };
        check(&ctx, &case);
        k += 1;
    }
}

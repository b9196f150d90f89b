//! The interpreter's `nn` semantics against an outside oracle: every op, on random inputs and
//! random attributes (padding, strides, dilation, groups, broadcasting, axes, pooling's
//! `ceil_mode` and `count_include_pad`, pad modes), built as an ONNX model with the `onnx`
//! package's helpers and run by `onnxruntime` (`ort_oracle.py`). Data-movement ops, gathers and
//! reductions run on i64 and i32 too (token ids), compared exactly.
//!
//! Tolerance, per float element: |interp - ort| <= 1e-5 * |ort| + 1e-6 * max|ort|. The
//! relative part is the 1e-5 for f32. The absolute part, one millionth of the output's
//! largest magnitude, covers elements near zero produced by cancellation in sums (convolution,
//! matmul, normalization, reductions): there both sides are exact to about n * 2^-24 of the
//! summed terms' magnitude, not of the small result; the interpreter sums in f64, onnxruntime
//! in f32 in its own order.
//!
//! Needs `python3` with `onnxruntime`, `onnx` and `numpy`; without them the test says it was
//! skipped, unless `STRATA_REQUIRE_ALL=1`.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use strata_dialects::nn::shape::{self, Conv2d, ConvTranspose2d, Layout, PadMode, Pool2d, PoolMode};
use strata_ir::{parse_source, Context, ParseOptions};
use strata_runtime::compare::{compare, Tolerance};
use strata_runtime::random::SplitMix;
use strata_runtime::{npy, run_function, Elem, Tensor};

/// Random choices and tensors from a seed.
struct Rng(SplitMix);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.0.range(lo, hi)
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0.uniform(lo, hi)
    }
    fn tensor(&mut self, shape: &[i64], lo: f64, hi: f64) -> Tensor {
        self.typed(shape, Elem::F32, lo, hi)
    }
    /// Values uniform in `[lo, hi)`, or whole numbers in `lo..=hi` for an integer `elem`.
    fn typed(&mut self, shape: &[i64], elem: Elem, lo: f64, hi: f64) -> Tensor {
        let dims: Vec<usize> = shape.iter().map(|d| *d as usize).collect();
        self.0.tensor(&dims, elem, lo, hi)
    }
}

fn ty(s: &[i64], e: Elem) -> String {
    if s.is_empty() {
        return format!("tensor<{e}>");
    }
    let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("tensor<{}x{e}>", dims.join("x"))
}

/// numpy's name of an element type the cases use.
fn dtype(e: Elem) -> &'static str {
    match e {
        Elem::Int(64) => "int64",
        Elem::Int(32) => "int32",
        Elem::F32 => "float32",
        other => panic!("no ONNX case uses {other}"),
    }
}

fn list(v: &[i64]) -> String {
    let items: Vec<String> = v.iter().map(|d| d.to_string()).collect();
    format!("[{}]", items.join(", "))
}

/// One op to check: the `nn` function, its inputs, and the ONNX graph computing the same.
struct Case {
    name: String,
    /// Graph inputs, in argument order.
    inputs: Vec<(String, Tensor)>,
    /// The `nn` op: name, attribute text, result shapes.
    op: String,
    attrs: String,
    results: Vec<(Vec<i64>, Elem)>,
    /// ONNX nodes (JSON), constants (name, dtype, values, dims) and output names.
    nodes: Vec<Value>,
    consts: Vec<Value>,
    outputs: Vec<String>,
}

impl Case {
    fn new(name: String, op: &str) -> Case {
        Case {
            name,
            inputs: Vec::new(),
            op: op.into(),
            attrs: String::new(),
            results: Vec::new(),
            nodes: Vec::new(),
            consts: Vec::new(),
            outputs: Vec::new(),
        }
    }
    fn input(&mut self, name: &str, t: Tensor) -> &mut Self {
        self.inputs.push((name.into(), t));
        self
    }
    fn node(&mut self, op: &str, inputs: &[&str], outputs: &[&str], attrs: Value) -> &mut Self {
        self.nodes.push(json!({"op": op, "inputs": inputs, "outputs": outputs, "attrs": attrs}));
        self
    }
    fn ints(&mut self, name: &str, values: &[i64]) -> &mut Self {
        self.consts.push(json!({"name": name, "dtype": "int64", "values": values, "dims": [values.len()]}));
        self
    }
    /// A scalar constant of numpy type `dtype` (Pad's value must have the data's type).
    fn scalar(&mut self, name: &str, dtype: &str, value: f64) -> &mut Self {
        self.consts.push(json!({"name": name, "dtype": dtype, "values": [value], "dims": []}));
        self
    }
    fn floats(&mut self, name: &str, values: &[f64]) -> &mut Self {
        self.consts.push(json!({"name": name, "dtype": "float32", "values": values, "dims": []}));
        self
    }
    fn result(&mut self, shape: Vec<i64>) -> &mut Self {
        self.typed_result(shape, Elem::F32)
    }
    fn typed_result(&mut self, shape: Vec<i64>, elem: Elem) -> &mut Self {
        self.outputs.push(format!("out{}", self.results.len()));
        self.results.push((shape, elem));
        self
    }

    /// The `nn` function.
    fn ir(&self) -> String {
        let in_types: Vec<String> = self
            .inputs
            .iter()
            .map(|(_, t)| ty(&t.shape.iter().map(|d| *d as i64).collect::<Vec<_>>(), t.elem))
            .collect();
        let args: Vec<String> = in_types.iter().enumerate().map(|(i, t)| format!("%a{i}: {t}")).collect();
        let operands: Vec<String> = (0..in_types.len()).map(|i| format!("%a{i}")).collect();
        let out_types: Vec<String> = self.results.iter().map(|(s, e)| ty(s, *e)).collect();
        let results: Vec<String> = (0..self.results.len()).map(|i| format!("%r{i}")).collect();
        let attrs = if self.attrs.is_empty() { String::new() } else { format!(" {{{}}}", self.attrs) };
        let mut text = String::new();
        let _ = writeln!(text, "func.func @f({}) -> ({}) {{", args.join(", "), out_types.join(", "));
        let _ = writeln!(
            text,
            "  {} = \"{}\"({}){attrs} : ({}) -> ({})",
            results.join(", "),
            self.op,
            operands.join(", "),
            in_types.join(", "),
            out_types.join(", ")
        );
        let _ = writeln!(text, "  return {} : {}\n}}", results.join(", "), out_types.join(", "));
        text
    }
}

const BINARY: &[(&str, &str)] = &[
    ("nn.add", "Add"),
    ("nn.sub", "Sub"),
    ("nn.mul", "Mul"),
    ("nn.div", "Div"),
    ("nn.max", "Max"),
    ("nn.min", "Min"),
    ("nn.pow", "Pow"),
];

/// A shape and another that broadcasts with it (leading dimensions dropped, some set to 1).
fn broadcast_pair(r: &mut Rng) -> (Vec<i64>, Vec<i64>) {
    let rank = r.range(1, 4) as usize;
    let a: Vec<i64> = (0..rank).map(|_| r.range(1, 5)).collect();
    let keep = r.range(0, rank as i64) as usize;
    let mut b: Vec<i64> = a[rank - keep..].to_vec();
    for d in b.iter_mut() {
        if r.below(3) == 0 {
            *d = 1;
        }
    }
    if r.below(2) == 0 {
        (a, b)
    } else {
        (b, a)
    }
}

fn binary_cases(r: &mut Rng, out: &mut Vec<Case>) {
    for (op, onnx) in BINARY {
        for k in 0..6 {
            let (a, b) = broadcast_pair(r);
            let o = shape::broadcast(&a, &b).unwrap();
            let mut c = Case::new(format!("{}-{k}", &op[3..]), op);
            let (lo, hi) = if *op == "nn.pow" { (0.1, 2.0) } else { (-2.0, 2.0) };
            let x = r.tensor(&a, lo, hi);
            let y = if *op == "nn.div" {
                let t = r.tensor(&b, 0.5, 2.0);
                let signs: Vec<f64> = (0..t.len()).map(|_| if r.below(2) == 0 { -1.0 } else { 1.0 }).collect();
                Tensor::from_fn(&t.shape.clone(), Elem::F32, |i| t.floats()[i] * signs[i])
            } else {
                r.tensor(&b, -2.0, 2.0)
            };
            c.input("x", x).input("y", y).result(o).node(onnx, &["x", "y"], &["out0"], json!({}));
            out.push(c);
        }
    }
}

fn unary_cases(r: &mut Rng, out: &mut Vec<Case>) {
    let ops: &[&str] = &[
        "relu",
        "relu6",
        "leaky_relu",
        "sigmoid",
        "tanh",
        "gelu",
        "erf",
        "silu",
        "exp",
        "log",
        "sqrt",
        "rsqrt",
        "abs",
        "neg",
        "clip",
    ];
    for name in ops {
        for k in 0..4 {
            let rank = r.range(1, 4) as usize;
            let s: Vec<i64> = (0..rank).map(|_| r.range(1, 6)).collect();
            let (lo, hi) = match *name {
                "log" | "sqrt" | "rsqrt" => (0.05, 4.0),
                "relu6" | "clip" => (-8.0, 8.0),
                _ => (-4.0, 4.0),
            };
            let mut c = Case::new(format!("{name}-{k}"), &format!("nn.{name}"));
            c.input("x", r.tensor(&s, lo, hi)).result(s);
            match *name {
                "relu" => c.node("Relu", &["x"], &["out0"], json!({})),
                "relu6" => {
                    c.floats("lo", &[0.0]).floats("hi", &[6.0]).node("Clip", &["x", "lo", "hi"], &["out0"], json!({}))
                }
                "leaky_relu" => {
                    let alpha = (r.uniform(0.01, 0.5) as f32) as f64;
                    c.attrs = format!("alpha = {alpha:.8e} : f32");
                    c.node("LeakyRelu", &["x"], &["out0"], json!({"alpha": alpha}))
                }
                "sigmoid" => c.node("Sigmoid", &["x"], &["out0"], json!({})),
                "tanh" => c.node("Tanh", &["x"], &["out0"], json!({})),
                "gelu" => c.node("Gelu", &["x"], &["out0"], json!({})),
                "erf" => c.node("Erf", &["x"], &["out0"], json!({})),
                "silu" => c.node("Sigmoid", &["x"], &["s"], json!({})).node("Mul", &["x", "s"], &["out0"], json!({})),
                "exp" => c.node("Exp", &["x"], &["out0"], json!({})),
                "log" => c.node("Log", &["x"], &["out0"], json!({})),
                "sqrt" => c.node("Sqrt", &["x"], &["out0"], json!({})),
                "rsqrt" => c.node("Sqrt", &["x"], &["s"], json!({})).node("Reciprocal", &["s"], &["out0"], json!({})),
                "abs" => c.node("Abs", &["x"], &["out0"], json!({})),
                "neg" => c.node("Neg", &["x"], &["out0"], json!({})),
                _ => {
                    let lo = (r.uniform(-3.0, 0.0) as f32) as f64;
                    let hi = (r.uniform(0.0, 3.0) as f32) as f64;
                    c.attrs = format!("min = {lo:.8e} : f32, max = {hi:.8e} : f32");
                    c.floats("lo", &[lo]).floats("hi", &[hi]).node("Clip", &["x", "lo", "hi"], &["out0"], json!({}))
                }
            };
            out.push(c);
        }
    }
}

fn conv_cases(r: &mut Rng, out: &mut Vec<Case>) {
    let mut k = 0;
    while k < 60 {
        let groups = *[1i64, 1, 2, 4].get(r.below(4)).unwrap();
        let depthwise = r.below(5) == 0;
        let cin = if depthwise { r.range(1, 6) } else { groups * r.range(1, 3) };
        let groups = if depthwise { cin } else { groups };
        let o = groups * r.range(1, 3);
        let (kh, kw) = (r.range(1, 5), r.range(1, 5));
        let conv = Conv2d {
            strides: [r.range(1, 3), r.range(1, 3)],
            padding: [r.range(0, 2), r.range(0, 2), r.range(0, 2), r.range(0, 2)],
            dilations: [r.range(1, 2), r.range(1, 2)],
            groups,
            layout: Layout::Nchw,
        };
        let x = vec![r.range(1, 2), cin, r.range(3, 10), r.range(3, 10)];
        let w = vec![o, cin / groups, kh, kw];
        let bias = r.below(2) == 0;
        let Ok(y) = conv.output(&x, &w, bias.then_some(&[o][..])) else { continue };
        let mut c = Case::new(format!("conv2d-{k}"), "nn.conv2d");
        c.attrs = format!(
            "strides = {}, padding = {}, dilations = {}, groups = {groups} : i64",
            list(&conv.strides),
            list(&conv.padding),
            list(&conv.dilations)
        );
        c.input("x", r.tensor(&x, -1.0, 1.0)).input("w", r.tensor(&w, -1.0, 1.0));
        let mut names = vec!["x", "w"];
        if bias {
            c.input("b", r.tensor(&[o], -1.0, 1.0));
            names.push("b");
        }
        c.result(y).node(
            "Conv",
            &names,
            &["out0"],
            json!({"strides": conv.strides, "pads": conv.padding, "dilations": conv.dilations, "group": groups, "kernel_shape": [kh, kw]}),
        );
        out.push(c);
        k += 1;
    }
}

fn matmul_cases(r: &mut Rng, out: &mut Vec<Case>) {
    for k in 0..10 {
        let (m, kk, n) = (r.range(1, 9), r.range(1, 33), r.range(1, 9));
        let (mut a, mut b) = (vec![m, kk], vec![kk, n]);
        if k >= 4 {
            let batch = r.range(2, 3);
            a.insert(0, batch);
            if r.below(2) == 0 {
                b.insert(0, batch);
            } else if r.below(2) == 0 {
                b.insert(0, 1);
                a.insert(0, 2);
                b.insert(0, 1);
            }
        }
        let o = shape::matmul(&a, &b).unwrap();
        let mut c = Case::new(format!("matmul-{k}"), "nn.matmul");
        c.input("a", r.tensor(&a, -1.0, 1.0)).input("b", r.tensor(&b, -1.0, 1.0)).result(o);
        c.node("MatMul", &["a", "b"], &["out0"], json!({}));
        out.push(c);
    }
}

fn norm_cases(r: &mut Rng, out: &mut Vec<Case>) {
    for k in 0..6 {
        let x = vec![r.range(1, 3), r.range(1, 6), r.range(1, 5), r.range(1, 5)];
        let ch = x[1];
        let eps = [1e-5, 1e-3][k % 2];
        let mut c = Case::new(format!("batch_norm-{k}"), "nn.batch_norm");
        c.attrs = format!("epsilon = {eps:.8e} : f32");
        c.input("x", r.tensor(&x, -2.0, 2.0))
            .input("scale", r.tensor(&[ch], -2.0, 2.0))
            .input("bias", r.tensor(&[ch], -1.0, 1.0))
            .input("mean", r.tensor(&[ch], -1.0, 1.0))
            .input("var", r.tensor(&[ch], 0.1, 2.0))
            .result(x)
            .node("BatchNormalization", &["x", "scale", "bias", "mean", "var"], &["out0"], json!({"epsilon": eps}));
        out.push(c);
    }
    for k in 0..8 {
        let rank = r.range(2, 4) as usize;
        let x: Vec<i64> = (0..rank).map(|_| r.range(1, 7)).collect();
        let axis = r.range(1, rank as i64 - 1);
        let normalized = x[axis as usize..].to_vec();
        let mut c = Case::new(format!("layer_norm-{k}"), "nn.layer_norm");
        c.attrs = format!("axis = {axis} : i64, epsilon = 1.0e-05 : f32");
        c.input("x", r.tensor(&x, -2.0, 2.0))
            .input("scale", r.tensor(&normalized, -2.0, 2.0))
            .input("bias", r.tensor(&normalized, -1.0, 1.0))
            .result(x)
            .node("LayerNormalization", &["x", "scale", "bias"], &["out0"], json!({"axis": axis, "epsilon": 1e-5}));
        out.push(c);
    }
    for k in 0..8 {
        let rank = r.range(1, 4) as usize;
        let x: Vec<i64> = (0..rank).map(|_| r.range(1, 7)).collect();
        let axis = r.range(-(rank as i64), rank as i64 - 1);
        let mut c = Case::new(format!("softmax-{k}"), "nn.softmax");
        c.attrs = format!("axis = {axis} : i64");
        c.input("x", r.tensor(&x, -4.0, 4.0)).result(x).node("Softmax", &["x"], &["out0"], json!({"axis": axis}));
        out.push(c);
    }
}

fn pool_cases(r: &mut Rng, out: &mut Vec<Case>) {
    let mut k = 0;
    while k < 20 {
        let max = k % 2 == 0;
        let kernel = [r.range(1, 3), r.range(1, 3)];
        let pool = Pool2d {
            kernel,
            strides: [r.range(1, 3), r.range(1, 3)],
            // ONNX wants padding below the kernel size.
            padding: [
                r.range(0, kernel[0] - 1),
                r.range(0, kernel[1] - 1),
                r.range(0, kernel[0] - 1),
                r.range(0, kernel[1] - 1),
            ],
            layout: Layout::Nchw,
        };
        let x = vec![r.range(1, 2), r.range(1, 4), r.range(2, 8), r.range(2, 8)];
        let Ok(y) = pool.output(&x) else { continue };
        let op = if max { "nn.max_pool2d" } else { "nn.avg_pool2d" };
        let mut c = Case::new(format!("{}-{k}", &op[3..]), op);
        c.attrs = format!(
            "kernel = {}, strides = {}, padding = {}",
            list(&pool.kernel),
            list(&pool.strides),
            list(&pool.padding)
        );
        let attrs = json!({"kernel_shape": pool.kernel, "strides": pool.strides, "pads": pool.padding});
        c.input("x", r.tensor(&x, -2.0, 2.0)).result(y).node(
            if max { "MaxPool" } else { "AveragePool" },
            &["x"],
            &["out0"],
            attrs,
        );
        out.push(c);
        k += 1;
    }
    for k in 0..3 {
        let x = vec![r.range(1, 2), r.range(1, 5), r.range(1, 7), r.range(1, 7)];
        let mut c = Case::new(format!("global_avg_pool2d-{k}"), "nn.global_avg_pool2d");
        c.input("x", r.tensor(&x, -2.0, 2.0)).result(vec![x[0], x[1], 1, 1]).node(
            "GlobalAveragePool",
            &["x"],
            &["out0"],
            json!({}),
        );
        out.push(c);
    }
}

fn data_movement_cases(r: &mut Rng, out: &mut Vec<Case>) {
    for k in 0..6 {
        let x = vec![r.range(1, 4), r.range(1, 4), r.range(1, 4)];
        let total: i64 = x.iter().product();
        let to = if k % 2 == 0 { vec![total] } else { vec![x[0] * x[1], -1] };
        let shape = shape::reshape(&x, &to).unwrap();
        let mut c = Case::new(format!("reshape-{k}"), "nn.reshape");
        c.attrs = format!("shape = {}", list(&to));
        c.input("x", r.tensor(&x, -1.0, 1.0)).result(shape).ints("shape", &to).node(
            "Reshape",
            &["x", "shape"],
            &["out0"],
            json!({}),
        );
        out.push(c);
    }
    for k in 0..6 {
        let rank = r.range(2, 4) as usize;
        let x: Vec<i64> = (0..rank).map(|_| r.range(1, 5)).collect();
        let mut perm: Vec<i64> = (0..rank as i64).collect();
        for i in (1..rank).rev() {
            perm.swap(i, r.below(i + 1));
        }
        let mut c = Case::new(format!("transpose-{k}"), "nn.transpose");
        c.attrs = format!("perm = {}", list(&perm));
        c.input("x", r.tensor(&x, -1.0, 1.0)).result(shape::transpose(&x, &perm).unwrap()).node(
            "Transpose",
            &["x"],
            &["out0"],
            json!({"perm": perm}),
        );
        out.push(c);
    }
    for k in 0..6 {
        let rank = r.range(1, 4) as usize;
        let x: Vec<i64> = (0..rank).map(|_| r.range(1, 4)).collect();
        let axis = r.range(-(rank as i64), rank as i64 - 1);
        let a = shape::axis(axis, rank).unwrap();
        let mut y = x.clone();
        y[a] = r.range(1, 3);
        let o = shape::concat(&[&x, &y], axis).unwrap();
        let mut c = Case::new(format!("concat-{k}"), "nn.concat");
        c.attrs = format!("axis = {axis} : i64");
        c.input("x", r.tensor(&x, -1.0, 1.0)).input("y", r.tensor(&y, -1.0, 1.0)).result(o).node(
            "Concat",
            &["x", "y"],
            &["out0"],
            json!({"axis": axis}),
        );
        out.push(c);
    }
    for k in 0..6 {
        let rank = r.range(1, 3) as usize;
        let mut x: Vec<i64> = (0..rank).map(|_| r.range(1, 4)).collect();
        let a = r.below(rank);
        x[a] = r.range(2, 6);
        let first = r.range(1, x[a] - 1);
        let sizes = [first, x[a] - first];
        let parts = shape::split(&x, a as i64, &sizes).unwrap();
        let mut c = Case::new(format!("split-{k}"), "nn.split");
        c.attrs = format!("axis = {a} : i64, sizes = {}", list(&sizes));
        c.input("x", r.tensor(&x, -1.0, 1.0)).ints("sizes", &sizes);
        for p in parts {
            c.result(p);
        }
        c.node("Split", &["x", "sizes"], &["out0", "out1"], json!({"axis": a}));
        out.push(c);
    }
    for k in 0..6 {
        let rank = r.range(1, 4) as usize;
        let x: Vec<i64> = (0..rank).map(|_| r.range(1, 4)).collect();
        let pads: Vec<i64> = (0..2 * rank).map(|_| r.range(0, 2)).collect();
        let value = (r.uniform(-1.0, 1.0) as f32) as f64;
        let mut c = Case::new(format!("pad-{k}"), "nn.pad");
        c.attrs = format!("pads = {}, value = {value:.8e} : f32", list(&pads));
        c.input("x", r.tensor(&x, -1.0, 1.0))
            .result(shape::pad(&x, &pads).unwrap())
            .ints("pads", &pads)
            .floats("value", &[value]);
        c.node("Pad", &["x", "pads", "value"], &["out0"], json!({"mode": "constant"}));
        out.push(c);
    }
    // Relayouts, as the transposes and reshapes that define them.
    for (k, (from, to)) in [
        (Layout::Nchw, Layout::Nhwc),
        (Layout::Nhwc, Layout::Nchw),
        (Layout::Nchw, Layout::Nchw8c),
        (Layout::Nchw4c, Layout::Nchw),
    ]
    .into_iter()
    .enumerate()
    {
        let (n, ch, h, w) = (2, 8, r.range(1, 4), r.range(1, 4));
        let x = from.shape(n, ch, h, w);
        let y = to.shape(n, ch, h, w);
        let mut c = Case::new(format!("relayout-{k}"), "nn.relayout");
        c.attrs = format!("from = \"{from}\", to = \"{to}\"");
        c.input("x", r.tensor(&x, -1.0, 1.0)).result(y);
        match (from, to) {
            (Layout::Nchw, Layout::Nhwc) => c.node("Transpose", &["x"], &["out0"], json!({"perm": [0, 2, 3, 1]})),
            (Layout::Nhwc, Layout::Nchw) => c.node("Transpose", &["x"], &["out0"], json!({"perm": [0, 3, 1, 2]})),
            (Layout::Nchw, _) => c
                .ints("split", &[n, ch / 8, 8, h, w])
                .node("Reshape", &["x", "split"], &["s"], json!({}))
                .node("Transpose", &["s"], &["out0"], json!({"perm": [0, 1, 3, 4, 2]})),
            _ => c
                .node("Transpose", &["x"], &["t"], json!({"perm": [0, 1, 4, 2, 3]}))
                .ints("joined", &[n, ch, h, w])
                .node("Reshape", &["t", "joined"], &["out0"], json!({})),
        };
        out.push(c);
    }
}

/// A random shape of rank `lo..=hi` with dimensions in `1..=max`.
fn shape_of_rank(r: &mut Rng, lo: i64, hi: i64, max: i64) -> Vec<i64> {
    let rank = r.range(lo, hi) as usize;
    (0..rank).map(|_| r.range(1, max)).collect()
}

/// `k` distinct axes of a rank-`rank` tensor, each written positive or negative at random.
fn distinct_axes(r: &mut Rng, rank: usize, k: usize) -> Vec<i64> {
    let mut all: Vec<i64> = (0..rank as i64).collect();
    for i in (1..rank).rev() {
        all.swap(i, r.below(i + 1));
    }
    all[..k].iter().map(|a| if r.below(2) == 0 { *a } else { a - rank as i64 }).collect()
}

/// Element types of the data-movement cases: floats, and the integers token ids come in.
const DATA_TYPES: [Elem; 3] = [Elem::F32, Elem::Int(64), Elem::Int(32)];

/// Random data of `elem` (integers in [-100, 100], whole and exact).
fn data(r: &mut Rng, shape: &[i64], elem: Elem) -> Tensor {
    if elem.is_float() {
        r.typed(shape, elem, -2.0, 2.0)
    } else {
        r.typed(shape, elem, -100.0, 100.0)
    }
}

fn reduce_cases(r: &mut Rng, out: &mut Vec<Case>) {
    let ops = [
        ("nn.reduce_sum", "ReduceSum"),
        ("nn.reduce_mean", "ReduceMean"),
        ("nn.reduce_max", "ReduceMax"),
        ("nn.reduce_min", "ReduceMin"),
        ("nn.reduce_prod", "ReduceProd"),
    ];
    for (op, onnx) in ops {
        for k in 0..8 {
            let x = shape_of_rank(r, 1, 4, 5);
            let count = r.range(1, x.len() as i64) as usize;
            let axes = distinct_axes(r, x.len(), count);
            let keepdims = r.below(2) == 0;
            // Integers for all but the mean; products of small integers (no overflow in i32).
            let elem = if op != "nn.reduce_mean" && k % 3 == 2 { DATA_TYPES[1 + r.below(2)] } else { Elem::F32 };
            let input = match (op, elem.is_float()) {
                ("nn.reduce_prod", true) => r.typed(&x, elem, 0.5, 1.5),
                ("nn.reduce_prod", false) => r.typed(&x, elem, -2.0, 2.0),
                _ => data(r, &x, elem),
            };
            let mut c = Case::new(format!("{}-{k}", &op[3..]), op);
            c.attrs = format!("axes = {}, keepdims = {keepdims}", list(&axes));
            c.input("x", input)
                .typed_result(shape::reduce(&x, &axes, keepdims).unwrap(), elem)
                .ints("axes", &axes)
                .node(onnx, &["x", "axes"], &["out0"], json!({"keepdims": i64::from(keepdims)}));
            out.push(c);
        }
    }
}

fn log_softmax_cases(r: &mut Rng, out: &mut Vec<Case>) {
    for k in 0..6 {
        let x = shape_of_rank(r, 1, 3, 7);
        let axis = r.range(-(x.len() as i64), x.len() as i64 - 1);
        let mut c = Case::new(format!("log_softmax-{k}"), "nn.log_softmax");
        c.attrs = format!("axis = {axis} : i64");
        // Wide inputs: exp(x) alone would overflow f32 beyond 88.
        let spread = if k % 2 == 0 { 4.0 } else { 100.0 };
        c.input("x", r.tensor(&x, -spread, spread)).result(x).node(
            "LogSoftmax",
            &["x"],
            &["out0"],
            json!({"axis": axis}),
        );
        out.push(c);
    }
}

fn slice_cases(r: &mut Rng, out: &mut Vec<Case>) {
    for k in 0..12 {
        let elem = DATA_TYPES[k % 3];
        let x = shape_of_rank(r, 1, 4, 7);
        let (mut starts, mut sizes, mut steps) = (Vec::new(), Vec::new(), Vec::new());
        for &n in &x {
            let step = *[1i64, 1, 2, 3, -1, -2].get(r.below(6)).unwrap();
            let start = r.range(0, n - 1);
            // The most elements that fit from `start` in the step's direction.
            let room = if step > 0 { (n - 1 - start) / step + 1 } else { start / -step + 1 };
            starts.push(start);
            sizes.push(r.range(1, room));
            steps.push(step);
        }
        // ONNX's end is exclusive; past the front with a negative step is i64::MIN (clamped to
        // "before 0"), as -1 would mean the last element.
        let ends: Vec<i64> = (0..x.len())
            .map(|d| {
                let end = starts[d] + sizes[d] * steps[d];
                if end < 0 {
                    i64::MIN
                } else {
                    end
                }
            })
            .collect();
        let axes: Vec<i64> = (0..x.len() as i64).collect();
        let mut c = Case::new(format!("slice-{k}"), "nn.slice");
        c.attrs = format!("starts = {}, sizes = {}, steps = {}", list(&starts), list(&sizes), list(&steps));
        c.input("x", data(r, &x, elem))
            .typed_result(shape::slice(&x, &starts, &sizes, &steps).unwrap(), elem)
            .ints("starts", &starts)
            .ints("ends", &ends)
            .ints("axes", &axes)
            .ints("steps", &steps)
            .node("Slice", &["x", "starts", "ends", "axes", "steps"], &["out0"], json!({}));
        out.push(c);
    }
}

fn gather_cases(r: &mut Rng, out: &mut Vec<Case>) {
    for k in 0..12 {
        let elem = DATA_TYPES[k % 3];
        let index = if r.below(2) == 0 { Elem::Int(64) } else { Elem::Int(32) };
        let x = shape_of_rank(r, 1, 3, 5);
        let axis = r.range(-(x.len() as i64), x.len() as i64 - 1);
        let n = x[shape::axis(axis, x.len()).unwrap()];
        // Indices of rank 0 to 2, negatives too: anywhere in [-n, n).
        let indices = shape_of_rank(r, 0, 2, 4);
        let mut c = Case::new(format!("gather-{k}"), "nn.gather");
        c.attrs = format!("axis = {axis} : i64");
        c.input("x", data(r, &x, elem))
            .input("i", r.typed(&indices, index, -(n as f64), (n - 1) as f64))
            .typed_result(shape::gather(&x, &indices, axis).unwrap(), elem)
            .node("Gather", &["x", "i"], &["out0"], json!({"axis": axis}));
        out.push(c);
    }
}

fn broadcast_cases(r: &mut Rng, out: &mut Vec<Case>) {
    for k in 0..9 {
        let elem = DATA_TYPES[k % 3];
        let to = shape_of_rank(r, 1, 4, 4);
        let keep = r.range(0, to.len() as i64) as usize;
        let x: Vec<i64> = to[to.len() - keep..].iter().map(|d| if r.below(2) == 0 { 1 } else { *d }).collect();
        let mut c = Case::new(format!("broadcast-{k}"), "nn.broadcast");
        c.attrs = format!("shape = {}", list(&to));
        c.input("x", data(r, &x, elem)).typed_result(to.clone(), elem).ints("shape", &to).node(
            "Expand",
            &["x", "shape"],
            &["out0"],
            json!({}),
        );
        out.push(c);
    }
}

/// The data-movement ops that were there before on i64 and i32 data (token ids).
fn integer_data_movement_cases(r: &mut Rng, out: &mut Vec<Case>) {
    for (k, elem) in [Elem::Int(64), Elem::Int(32)].into_iter().enumerate() {
        let dtype = dtype(elem);
        let x = vec![r.range(1, 4), r.range(2, 4), r.range(1, 4)];
        let to = vec![x[0], -1];
        let mut c = Case::new(format!("reshape-{dtype}"), "nn.reshape");
        c.attrs = format!("shape = {}", list(&to));
        c.input("x", data(r, &x, elem)).typed_result(shape::reshape(&x, &to).unwrap(), elem).ints("shape", &to).node(
            "Reshape",
            &["x", "shape"],
            &["out0"],
            json!({}),
        );
        out.push(c);

        let perm = [[2, 0, 1], [1, 2, 0]][k];
        let mut c = Case::new(format!("transpose-{dtype}"), "nn.transpose");
        c.attrs = format!("perm = {}", list(&perm));
        c.input("x", data(r, &x, elem)).typed_result(shape::transpose(&x, &perm).unwrap(), elem).node(
            "Transpose",
            &["x"],
            &["out0"],
            json!({"perm": perm}),
        );
        out.push(c);

        let mut y = x.clone();
        y[1] = r.range(1, 3);
        let mut c = Case::new(format!("concat-{dtype}"), "nn.concat");
        c.attrs = "axis = 1 : i64".into();
        c.input("x", data(r, &x, elem))
            .input("y", data(r, &y, elem))
            .typed_result(shape::concat(&[&x, &y], 1).unwrap(), elem)
            .node("Concat", &["x", "y"], &["out0"], json!({"axis": 1}));
        out.push(c);

        let sizes = [1, x[1] - 1];
        let mut c = Case::new(format!("split-{dtype}"), "nn.split");
        c.attrs = format!("axis = 1 : i64, sizes = {}", list(&sizes));
        c.input("x", data(r, &x, elem)).ints("sizes", &sizes);
        for p in shape::split(&x, 1, &sizes).unwrap() {
            c.typed_result(p, elem);
        }
        c.node("Split", &["x", "sizes"], &["out0", "out1"], json!({"axis": 1}));
        out.push(c);

        let pads: Vec<i64> = (0..6).map(|_| r.range(0, 2)).collect();
        let value = r.range(-9, 9) as f64;
        let mut c = Case::new(format!("pad-{dtype}"), "nn.pad");
        c.attrs = format!("pads = {}, value = {value:.1} : f32", list(&pads));
        c.input("x", data(r, &x, elem))
            .typed_result(shape::pad(&x, &pads).unwrap(), elem)
            .ints("pads", &pads)
            .scalar("value", dtype, value)
            .node("Pad", &["x", "pads", "value"], &["out0"], json!({"mode": "constant"}));
        out.push(c);
    }
}

/// Pools with `ceil_mode` (which windows exist: onnxruntime drops one that would start in the
/// trailing padding) and `count_include_pad` (what an average divides by where its window
/// hangs over the end).
fn pool_mode_cases(r: &mut Rng, out: &mut Vec<Case>) {
    let mut k = 0;
    while k < 40 {
        let max = k % 3 == 0;
        let kernel = [r.range(1, 4), r.range(1, 4)];
        let pool = Pool2d {
            kernel,
            strides: [r.range(1, 3), r.range(1, 3)],
            padding: [
                r.range(0, kernel[0] - 1),
                r.range(0, kernel[1] - 1),
                r.range(0, kernel[0] - 1),
                r.range(0, kernel[1] - 1),
            ],
            layout: Layout::Nchw,
        };
        let mode = PoolMode { ceil_mode: r.below(4) != 0, count_include_pad: !max && r.below(2) == 0 };
        let x = vec![r.range(1, 2), r.range(1, 3), r.range(1, 9), r.range(1, 9)];
        let Ok(y) = pool.output_with(&x, mode) else { continue };
        let op = if max { "nn.max_pool2d" } else { "nn.avg_pool2d" };
        let mut c = Case::new(format!("{}-mode-{k}", &op[3..]), op);
        c.attrs = format!(
            "kernel = {}, strides = {}, padding = {}, ceil_mode = {}",
            list(&pool.kernel),
            list(&pool.strides),
            list(&pool.padding),
            mode.ceil_mode
        );
        let mut attrs = json!({"kernel_shape": pool.kernel, "strides": pool.strides, "pads": pool.padding,
            "ceil_mode": i64::from(mode.ceil_mode)});
        if !max {
            c.attrs.push_str(&format!(", count_include_pad = {}", mode.count_include_pad));
            attrs["count_include_pad"] = json!(i64::from(mode.count_include_pad));
        }
        c.input("x", r.tensor(&x, -2.0, 2.0)).result(y).node(
            if max { "MaxPool" } else { "AveragePool" },
            &["x"],
            &["out0"],
            attrs,
        );
        out.push(c);
        k += 1;
    }
}

fn conv_transpose_cases(r: &mut Rng, out: &mut Vec<Case>) {
    let mut k = 0;
    while k < 30 {
        let groups = *[1i64, 1, 2, 3].get(r.below(4)).unwrap();
        let (cin, per_group) = (groups * r.range(1, 3), r.range(1, 3));
        let c = ConvTranspose2d {
            strides: [r.range(1, 3), r.range(1, 3)],
            padding: [r.range(0, 2), r.range(0, 2), r.range(0, 2), r.range(0, 2)],
            dilations: [r.range(1, 2), r.range(1, 2)],
            output_padding: [r.range(0, 1), r.range(0, 1)],
            groups,
        };
        let (kh, kw) = (r.range(1, 4), r.range(1, 4));
        let x = vec![r.range(1, 2), cin, r.range(1, 6), r.range(1, 6)];
        let w = vec![cin, per_group, kh, kw];
        let o = per_group * groups;
        let bias = r.below(2) == 0;
        let Ok(y) = c.output(&x, &w, bias.then_some(&[o][..])) else { continue };
        let mut case = Case::new(format!("conv_transpose2d-{k}"), "nn.conv_transpose2d");
        case.attrs = format!(
            "strides = {}, padding = {}, dilations = {}, output_padding = {}, groups = {groups} : i64",
            list(&c.strides),
            list(&c.padding),
            list(&c.dilations),
            list(&c.output_padding)
        );
        case.input("x", r.tensor(&x, -1.0, 1.0)).input("w", r.tensor(&w, -1.0, 1.0));
        let mut names = vec!["x", "w"];
        if bias {
            case.input("b", r.tensor(&[o], -1.0, 1.0));
            names.push("b");
        }
        case.result(y).node(
            "ConvTranspose",
            &names,
            &["out0"],
            json!({"strides": c.strides, "pads": c.padding, "dilations": c.dilations,
                "output_padding": c.output_padding, "group": groups, "kernel_shape": [kh, kw]}),
        );
        out.push(case);
        k += 1;
    }
}

/// Pad in every mode (negative pads crop), on floats and integers.
fn pad_mode_cases(r: &mut Rng, out: &mut Vec<Case>) {
    let mut k = 0;
    while k < 18 {
        let elem = DATA_TYPES[k % 3];
        let mode = PadMode::ALL[k % 3];
        let x = shape_of_rank(r, 1, 3, 5);
        let rank = x.len();
        // Reflection mirrors at most the size less one.
        let pads: Vec<i64> = (0..2 * rank).map(|i| r.range(-1, (x[i % rank] - 1).min(3))).collect();
        let Ok(y) = shape::pad_with(&x, &pads, mode) else { continue };
        let value = r.range(-9, 9) as f64;
        let mut c = Case::new(format!("pad-{}-{k}", mode.name()), "nn.pad");
        c.attrs = format!("pads = {}, value = {value:.1} : f32, mode = \"{}\"", list(&pads), mode.name());
        c.input("x", data(r, &x, elem))
            .typed_result(y, elem)
            .ints("pads", &pads)
            .scalar("value", dtype(elem), value)
            .node("Pad", &["x", "pads", "value"], &["out0"], json!({"mode": mode.name()}));
        out.push(c);
        k += 1;
    }
}

fn have_onnxruntime() -> bool {
    Command::new("python3").args(["-c", "import onnxruntime, onnx, numpy"]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn every_nn_op_matches_onnxruntime() {
    if !have_onnxruntime() {
        assert!(
            std::env::var("STRATA_REQUIRE_ALL").as_deref() != Ok("1"),
            "STRATA_REQUIRE_ALL=1 but python3 cannot import onnxruntime, onnx and numpy"
        );
        eprintln!("SKIPPED: python3 with onnxruntime, onnx and numpy not found (pip install onnxruntime onnx numpy)");
        return;
    }
    let mut r = Rng(SplitMix(20261125));
    let mut cases = Vec::new();
    binary_cases(&mut r, &mut cases);
    unary_cases(&mut r, &mut cases);
    conv_cases(&mut r, &mut cases);
    matmul_cases(&mut r, &mut cases);
    norm_cases(&mut r, &mut cases);
    pool_cases(&mut r, &mut cases);
    data_movement_cases(&mut r, &mut cases);
    reduce_cases(&mut r, &mut cases);
    log_softmax_cases(&mut r, &mut cases);
    slice_cases(&mut r, &mut cases);
    gather_cases(&mut r, &mut cases);
    broadcast_cases(&mut r, &mut cases);
    integer_data_movement_cases(&mut r, &mut cases);
    pool_mode_cases(&mut r, &mut cases);
    conv_transpose_cases(&mut r, &mut cases);
    pad_mode_cases(&mut r, &mut cases);

    let root: PathBuf = std::env::temp_dir().join(format!("strata-ort-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let mut specs = Vec::new();
    for c in &cases {
        let dir = root.join(&c.name);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, t) in &c.inputs {
            npy::write(&dir.join(format!("{name}.npy")), t).unwrap();
        }
        let names: Vec<&str> = c.inputs.iter().map(|(n, _)| n.as_str()).collect();
        specs.push(json!({
            "name": c.name, "inputs": names, "consts": c.consts, "nodes": c.nodes,
            "outputs": c.outputs,
            "output_shapes": c.results.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>(),
            "output_types": c.results.iter().map(|(_, e)| dtype(*e)).collect::<Vec<_>>(),
        }));
    }
    std::fs::write(root.join("cases.json"), serde_json::to_string(&specs).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/ort_oracle.py");
    let run = Command::new("python3").arg(&script).arg(&root).output().unwrap();
    assert!(run.status.success(), "ort_oracle.py failed:\n{}", String::from_utf8_lossy(&run.stderr));

    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let mut failures = Vec::new();
    for c in &cases {
        let text = c.ir();
        let m = parse_source(&ctx, &c.name, &text, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e:?}\n{text}", c.name));
        strata_ir::verify(&ctx, &m.ir, m.root).unwrap_or_else(|e| panic!("{}: {}\n{text}", c.name, e.message));
        let func = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap();
        let inputs: Vec<Tensor> = c.inputs.iter().map(|(_, t)| t.clone()).collect();
        let got = run_function(&ctx, &m.ir, func, inputs).unwrap_or_else(|e| panic!("{}: {e}\n{text}", c.name));
        for (i, name) in c.outputs.iter().enumerate() {
            let want = npy::read(&root.join(&c.name).join(format!("ort_{name}.npy"))).unwrap();
            // NaN and infinities must match exactly (the shared comparison's rules).
            let scale = want.floats().iter().filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
            let tolerance = Tolerance { rtol: 1e-5, atol: 1e-6 * scale };
            if let Err(m) = compare(&got[i], &want, tolerance) {
                failures.push(format!("{} output #{i}: interpreter against onnxruntime: {m}\n{text}", c.name));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
    eprintln!("{} cases matched onnxruntime", cases.len());
}

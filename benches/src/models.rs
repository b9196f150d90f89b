//! Reference networks as `nn` graphs in generic form: ResNet-18/50 (inference, batch norm
//! unfolded, as exported from a framework) and BERT-style transformer encoders.
//!
//! The text carries splat constants (a value per layer), so it stays small (ResNet-18 has 11.7 M
//! weights) and the graphs are the real ones in structure and shape: enough to benchmark and
//! to read. It is not enough to check results: with splat weights every channel of ResNet
//! carries the same value (its 1,000 logits are equal) and a transformer layer computes a
//! scaled `layer_norm(x)` whatever its attention does, so a permuted channel or a softmax over
//! the wrong axis gives the same output. Tests that run a network therefore draw random
//! weights into the parsed graph ([`Network::randomize`]), each constant from a range that
//! suits its role (signed weights scaled by fan-in, positive variances), at test time, so no
//! megabytes of literals are checked in.
//!
//! ```
//! let text = strata_benches::models::resnet(18);
//! assert!(text.contains("nn.batch_norm") && text.contains("nn.global_avg_pool2d"));
//! ```

use std::fmt::Write;

use strata_dialects::nn::shape::{self, Conv2d, Pool2d};
use strata_ir::{Context, Ir, OpId};
use strata_runtime::random::SplitMix;
use strata_runtime::{Elem, Tensor};

/// The range that one constant's random values are drawn from, uniformly: `[lo, hi)`. A
/// constant with `lo == hi` keeps its written value (the attention scale `1/sqrt(d)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Init {
    pub lo: f64,
    pub hi: f64,
}

impl Init {
    /// Signed weights of variance `gain / fan_in` (He's initialization with `gain` 2 keeps
    /// activations at one scale through ReLUs), so no layer's output explodes or vanishes.
    fn fan_in(fan_in: i64, gain: f64) -> Init {
        let a = (3.0 * gain / fan_in as f64).sqrt();
        Init { lo: -a, hi: a }
    }
}

/// A generated network: its text (splat weights) and, for each `nn.constant` in the order
/// written, where its random weights come from.
#[derive(Clone, Debug)]
pub struct Network {
    pub text: String,
    pub inits: Vec<Init>,
}

impl Network {
    /// Replaces the values of the `nn.constant`s in `func` (this network's function, parsed
    /// from [`Network::text`] or from a file holding the same graph) with random ones from
    /// `seed`, in order, each from its [`Init`] range. Panics if `func` has another number of
    /// constants: it is not this network.
    pub fn randomize(&self, ctx: &Context, ir: &mut Ir, func: OpId, seed: u64) {
        let constants: Vec<OpId> =
            ir.collect_ops(func).into_iter().filter(|&op| ctx.ident_str(ir.op(op).name()) == "nn.constant").collect();
        assert_eq!(constants.len(), self.inits.len(), "not this network: another number of constants");
        let mut rng = SplitMix(seed);
        let value = ctx.ident("value");
        for (op, init) in constants.into_iter().zip(&self.inits) {
            if init.lo == init.hi {
                continue;
            }
            let ty = ir.value_type(ir.op(op).results()[0]);
            let dims = ctx.shape(ty).expect("a constant of a ranked tensor type");
            let shape: Vec<usize> = dims.iter().map(|&d| d as usize).collect();
            let t = Tensor::from_fn(&shape, Elem::F32, |_| rng.uniform(init.lo, init.hi));
            ir.set_attr(op, value, strata_runtime::fold::dense_attr(ctx, &t, ty));
        }
    }
}

/// Builds one function's body, tracking each value's shape.
struct Graph {
    body: String,
    next: usize,
    constants: usize,
    inits: Vec<Init>,
}

type V = (String, Vec<i64>);

fn ty(s: &[i64]) -> String {
    let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("tensor<{}xf32>", dims.join("x"))
}

fn list(v: &[i64]) -> String {
    let items: Vec<String> = v.iter().map(|d| d.to_string()).collect();
    format!("[{}]", items.join(", "))
}

impl Graph {
    fn new() -> Self {
        Graph { body: String::new(), next: 0, constants: 0, inits: Vec::new() }
    }

    fn op(&mut self, name: &str, operands: &[&V], attrs: &str, out: Vec<i64>) -> V {
        let v = format!("%{}", self.next);
        self.next += 1;
        let names: Vec<&str> = operands.iter().map(|o| o.0.as_str()).collect();
        let types: Vec<String> = operands.iter().map(|o| ty(&o.1)).collect();
        let attrs = if attrs.is_empty() { String::new() } else { format!(" {{{attrs}}}") };
        let _ = writeln!(
            self.body,
            "  {v} = \"{name}\"({}){attrs} : ({}) -> {}",
            names.join(", "),
            types.join(", "),
            ty(&out)
        );
        (v, out)
    }

    /// A splat constant (values cycle so layers differ) whose random values come from `init`.
    fn constant(&mut self, shape: Vec<i64>, around: f64, init: Init) -> V {
        self.constants += 1;
        self.inits.push(init);
        let value = around * (1.0 + (self.constants % 7) as f64 / 8.0);
        let attrs = format!("value = dense<{value:.6e}> : {}", ty(&shape));
        self.op("nn.constant", &[], &attrs, shape)
    }

    fn conv(&mut self, x: &V, out_channels: i64, kernel: i64, stride: i64, pad: i64) -> V {
        let fan_in = x.1[1] * kernel * kernel;
        let w = self.constant(
            vec![out_channels, x.1[1], kernel, kernel],
            1.0 / (fan_in as f64).sqrt(),
            Init::fan_in(fan_in, 2.0),
        );
        let conv = Conv2d { strides: [stride, stride], padding: [pad; 4], ..Conv2d::default() };
        let out = conv.output(&x.1, &w.1, None).expect("a well-formed network");
        let attrs = format!("strides = {}, padding = {}", list(&[stride; 2]), list(&[pad; 4]));
        self.op("nn.conv2d", &[x, &w], &attrs, out)
    }

    fn batch_norm(&mut self, x: &V) -> V {
        let c = x.1[1];
        // Random statistics as a trained network has them: the variance positive, so the
        // folded scale s / sqrt(v + eps) stays near 1.
        let s = self.constant(vec![c], 1.0, Init { lo: 0.5, hi: 1.5 });
        let b = self.constant(vec![c], 0.1, Init { lo: -0.2, hi: 0.2 });
        let m = self.constant(vec![c], 0.05, Init { lo: -0.2, hi: 0.2 });
        let v = self.constant(vec![c], 1.0, Init { lo: 0.5, hi: 1.5 });
        self.op("nn.batch_norm", &[x, &s, &b, &m, &v], "epsilon = 1.0e-05 : f32", x.1.clone())
    }

    fn unary(&mut self, name: &str, x: &V) -> V {
        self.op(name, &[x], "", x.1.clone())
    }

    fn binary(&mut self, name: &str, a: &V, b: &V) -> V {
        let out = shape::broadcast(&a.1, &b.1).expect("broadcastable");
        self.op(name, &[a, b], "", out)
    }

    fn matmul(&mut self, a: &V, b: &V) -> V {
        let out = shape::matmul(&a.1, &b.1).expect("matching inner dimensions");
        self.op("nn.matmul", &[a, b], "", out)
    }

    fn reshape(&mut self, x: &V, to: &[i64]) -> V {
        self.op("nn.reshape", &[x], &format!("shape = {}", list(to)), to.to_vec())
    }

    fn transpose(&mut self, x: &V, perm: &[i64]) -> V {
        let out = shape::transpose(&x.1, perm).expect("a permutation");
        self.op("nn.transpose", &[x], &format!("perm = {}", list(perm)), out)
    }

    /// x @ W + b with constant W and b; W's random values have variance `gain / fan_in`.
    fn dense(&mut self, x: &V, out: i64, gain: f64) -> V {
        let fan_in = *x.1.last().unwrap();
        let w = self.constant(vec![fan_in, out], 1.0 / (fan_in as f64).sqrt(), Init::fan_in(fan_in, gain));
        let b = self.constant(vec![out], 0.01, Init { lo: -0.1, hi: 0.1 });
        let m = self.matmul(x, &w);
        self.binary("nn.add", &m, &b)
    }

    fn layer_norm(&mut self, x: &V) -> V {
        let d = *x.1.last().unwrap();
        let s = self.constant(vec![d], 1.0, Init { lo: 0.5, hi: 1.5 });
        let b = self.constant(vec![d], 0.0, Init { lo: -0.2, hi: 0.2 });
        self.op("nn.layer_norm", &[x, &s, &b], "axis = -1 : i64, epsilon = 1.0e-05 : f32", x.1.clone())
    }

    fn finish(self, name: &str, inputs: &[&V], outputs: &[&V]) -> Network {
        let args: Vec<String> = inputs.iter().map(|i| format!("{}: {}", i.0, ty(&i.1))).collect();
        let results: Vec<String> = outputs.iter().map(|o| ty(&o.1)).collect();
        let names: Vec<&str> = outputs.iter().map(|o| o.0.as_str()).collect();
        let text = format!(
            "func.func @{name}({}) -> ({}) {{\n{}  return {} : {}\n}}\n",
            args.join(", "),
            results.join(", "),
            self.body,
            names.join(", "),
            results.join(", ")
        );
        Network { text, inits: self.inits }
    }
}

/// ResNet-18 (`depth` 18, basic blocks) or ResNet-50 (`depth` 50, bottlenecks) on one
/// 224×224 image, to 1000 logits.
pub fn resnet(depth: usize) -> String {
    resnet_at(depth, 224)
}

/// ResNet on an `image`×`image` input (tests run smaller images through the interpreter).
pub fn resnet_at(depth: usize, image: i64) -> String {
    resnet_network(depth, image).text
}

/// [`resnet_at`] with the ranges of its random weights.
pub fn resnet_network(depth: usize, image: i64) -> Network {
    let mut g = Graph::new();
    let x: V = ("%input".into(), vec![1, 3, image, image]);
    let c = g.conv(&x, 64, 7, 2, 3);
    let c = g.batch_norm(&c);
    let c = g.unary("nn.relu", &c);
    let pool = Pool2d { kernel: [3, 3], strides: [2, 2], padding: [1; 4], layout: shape::Layout::Nchw };
    let out = pool.output(&c.1).unwrap();
    let mut h = g.op("nn.max_pool2d", &[&c], "kernel = [3, 3], strides = [2, 2], padding = [1, 1, 1, 1]", out);
    let (blocks, bottleneck): (&[usize], bool) = match depth {
        50 => (&[3, 4, 6, 3], true),
        _ => (&[2, 2, 2, 2], false),
    };
    for (stage, &n) in blocks.iter().enumerate() {
        let width = 64 << stage;
        for b in 0..n {
            let stride = if stage > 0 && b == 0 { 2 } else { 1 };
            let out_channels = if bottleneck { width * 4 } else { width };
            let y = if bottleneck {
                let y = g.conv(&h, width, 1, 1, 0);
                let y = g.batch_norm(&y);
                let y = g.unary("nn.relu", &y);
                let y = g.conv(&y, width, 3, stride, 1);
                let y = g.batch_norm(&y);
                let y = g.unary("nn.relu", &y);
                let y = g.conv(&y, out_channels, 1, 1, 0);
                g.batch_norm(&y)
            } else {
                let y = g.conv(&h, width, 3, stride, 1);
                let y = g.batch_norm(&y);
                let y = g.unary("nn.relu", &y);
                let y = g.conv(&y, width, 3, 1, 1);
                g.batch_norm(&y)
            };
            let shortcut = if stride != 1 || h.1[1] != out_channels {
                let s = g.conv(&h, out_channels, 1, stride, 0);
                g.batch_norm(&s)
            } else {
                h.clone()
            };
            let sum = g.binary("nn.add", &y, &shortcut);
            h = g.unary("nn.relu", &sum);
        }
    }
    let p = g.op("nn.global_avg_pool2d", &[&h], "", vec![1, h.1[1], 1, 1]);
    let flat = g.reshape(&p, &[1, h.1[1]]);
    let logits = g.dense(&flat, 1000, 1.0);
    g.finish(&format!("resnet{depth}"), &[&x], &[&logits])
}

/// A transformer encoder (BERT's post-norm layers): `layers` of multi-head self-attention
/// and a GELU feed-forward, on `seq` tokens of width `hidden`.
pub fn transformer(name: &str, layers: usize, seq: i64, hidden: i64, heads: i64, ffn: i64) -> String {
    transformer_network(name, layers, seq, hidden, heads, ffn).text
}

/// [`transformer`] with the ranges of its random weights.
pub fn transformer_network(name: &str, layers: usize, seq: i64, hidden: i64, heads: i64, ffn: i64) -> Network {
    let mut g = Graph::new();
    let x: V = ("%tokens".into(), vec![seq, hidden]);
    let mut h = x.clone();
    let d = hidden / heads;
    for _ in 0..layers {
        // Queries and keys at twice the variance, so scores spread by about one unit and
        // softmax weighs tokens unevenly (attention that matters to the output).
        let q = g.dense(&h, hidden, 2.0);
        let k = g.dense(&h, hidden, 2.0);
        let v = g.dense(&h, hidden, 1.0);
        let q = g.reshape(&q, &[seq, heads, d]);
        let q = g.transpose(&q, &[1, 0, 2]);
        let k = g.reshape(&k, &[seq, heads, d]);
        let k = g.transpose(&k, &[1, 2, 0]);
        let v = g.reshape(&v, &[seq, heads, d]);
        let v = g.transpose(&v, &[1, 0, 2]);
        let scores = g.matmul(&q, &k);
        let scale = 1.0 / (d as f64).sqrt();
        let scale = g.constant(vec![1], scale, Init { lo: scale, hi: scale });
        let scores = g.binary("nn.mul", &scores, &scale);
        let probs = g.op("nn.softmax", &[&scores], "axis = -1 : i64", scores.1.clone());
        let context = g.matmul(&probs, &v);
        let context = g.transpose(&context, &[1, 0, 2]);
        let context = g.reshape(&context, &[seq, hidden]);
        let attn = g.dense(&context, hidden, 1.0);
        let res = g.binary("nn.add", &attn, &h);
        let h1 = g.layer_norm(&res);
        let up = g.dense(&h1, ffn, 2.0);
        let act = g.unary("nn.gelu", &up);
        let down = g.dense(&act, hidden, 2.0);
        let res = g.binary("nn.add", &down, &h1);
        h = g.layer_norm(&res);
    }
    g.finish(name, &[&x], &[&h])
}

/// BERT-base's encoder: 12 layers, 128 tokens, width 768, 12 heads, feed-forward 3072.
pub fn bert_base() -> String {
    transformer("bert_base", 12, 128, 768, 12, 3072)
}

/// One small encoder layer (64 tokens, width 256, 4 heads), for tests.
pub fn transformer_block() -> String {
    transformer_block_network().text
}

/// [`transformer_block`] with the ranges of its random weights.
pub fn transformer_block_network() -> Network {
    transformer_network("transformer_block", 1, 64, 256, 4, 1024)
}

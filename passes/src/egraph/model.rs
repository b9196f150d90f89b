//! The cost of each e-node: the [`Work`] it stands for, priced by a [`CostProvider`].
//!
//! Leaves, attributes, scalar bodies and reshapes (views) are free; so is any op computed from
//! constants alone, since it is folded at compile time. A node over an ill-shaped class costs
//! infinity and is never extracted.

use egg::{Id, Language};
use strata_dialects::nn::shape::{Conv2d, ConvAlgorithm, Layout};

use super::analysis::{Data, NnGraph};
use super::cost::{ConvProblem, CostProvider, Work};
use super::language::{elementwise, Node};

/// Prices nodes of one e-graph.
pub struct NodeCost<'a> {
    pub egraph: &'a NnGraph,
    pub provider: &'a dyn CostProvider,
}

impl NodeCost<'_> {
    /// Seconds the node's own kernel takes (not its operands').
    pub fn cost(&self, class: Id, node: &Node) -> f64 {
        let seconds = match self.kernel(class, node) {
            Kernel::Free => return 0.0,
            Kernel::Invalid => return f64::INFINITY,
            Kernel::Runs(w) => self.provider.seconds(&w),
        };
        // At equal cost, a convolution whose algorithm is chosen ranks before one left `any`.
        let g = self.egraph;
        let undecided = node.op_name().is_some_and(|n| n.ends_with("conv2d"))
            && matches!(&g[node.children()[5]].data, Data::Word(w) if w.as_str() == "any");
        if undecided {
            seconds * (1.0 + 1e-9)
        } else {
            seconds
        }
    }

    /// The work of every node of the e-graph that runs a kernel, each distinct one once in
    /// the order met: the candidates extraction chooses among, for a measuring provider.
    pub fn candidates(&self) -> Vec<Work> {
        let mut seen = rustc_hash::FxHashSet::default();
        let mut out = Vec::new();
        for class in self.egraph.classes() {
            for node in &class.nodes {
                if let Kernel::Runs(w) = self.kernel(class.id, node) {
                    if seen.insert(format!("{w:?}")) {
                        out.push(w);
                    }
                }
            }
        }
        out
    }

    /// The work of the node's kernel; `None` for what is free or invalid.
    pub fn work_of(&self, class: Id, node: &Node) -> Option<Work> {
        match self.kernel(class, node) {
            Kernel::Runs(w) => Some(w),
            _ => None,
        }
    }

    /// What the node costs: nothing, a kernel's work, or infinity.
    fn kernel(&self, class: Id, node: &Node) -> Kernel {
        let g = self.egraph;
        let Some(name) = node.op_name() else { return Kernel::Free };
        if matches!(name, "input" | "const" | "fill" | "arg") || name.starts_with("s.") {
            return Kernel::Free;
        }
        let data = &g[class].data;
        let children: Vec<&Data> = node.children().iter().map(|c| &g[*c].data).collect();
        if matches!(data, Data::Invalid(_)) || children.iter().any(|d| matches!(d, Data::Invalid(_))) {
            return Kernel::Invalid;
        }
        if children.iter().all(|d| !matches!(d, Data::Tensor { constant: false, .. })) {
            return Kernel::Free;
        }
        match self.work(name, node.children(), data) {
            Some(w) => Kernel::Runs(w),
            None => Kernel::Free,
        }
    }

    fn work(&self, name: &str, c: &[Id], out: &Data) -> Option<Work> {
        let g = self.egraph;
        let bytes = |k: &[Id]| k.iter().map(|i| g[*i].data.bytes() as f64).sum::<f64>();
        let body_flops = |b: Id| match g[b].data {
            Data::Body { flops, .. } => flops,
            _ => 0.0,
        };
        Some(match name {
            "nn.reshape" => return None,
            "nn.conv2d" => Work::Conv(self.conv(c, &c[6..8], 0.0, 0.0, out)?),
            "kernel.conv2d" => {
                let nbias = int(g, c[6])? as usize;
                let extras = &c[10 + nbias..];
                Work::Conv(self.conv(c, &c[8..10], body_flops(c[7]), bytes(extras), out)?)
            }
            "nn.matmul" | "kernel.matmul" => {
                let (lhs, rhs, epilogue, extras) = if name == "nn.matmul" {
                    (c[0], c[1], 0.0, 0.0)
                } else {
                    (c[1], c[2], body_flops(c[0]), bytes(&c[3..]))
                };
                let constant_rhs = matches!(g[rhs].data, Data::Tensor { constant: true, .. });
                let s = out.shape()?;
                let k = *g[lhs].data.shape()?.last()? as f64;
                let (m, n) = (s[s.len() - 2] as f64, s[s.len() - 1] as f64);
                let batch = s[..s.len() - 2].iter().product::<i64>() as f64;
                Work::Matmul { batch, m, n, k, epilogue_flops: epilogue, extra_bytes: extras, constant_rhs }
            }
            // A part of a split reads only its own share of the input.
            "nn.split.part" => {
                let part = out.bytes() as f64;
                Work::Streaming { bytes_read: part, bytes_written: part, flops: 0.0 }
            }
            // Direct loops: a multiply-add per input element, tap (kH·kW) and output channel of
            // its group (the weight's dimension 1).
            "nn.conv_transpose2d" => {
                let (x, w) = (&g[c[5]].data, g[c[6]].data.shape()?);
                let per_input = w[1..].iter().product::<i64>() as f64;
                Work::Streaming {
                    bytes_read: bytes(&c[5..]),
                    bytes_written: out.bytes() as f64,
                    flops: 2.0 * x.elements() * per_input,
                }
            }
            // Reductions read every input element once and combine it.
            "nn.reduce_sum" | "nn.reduce_mean" | "nn.reduce_max" | "nn.reduce_min" | "nn.reduce_prod" => {
                let x = &g[*c.last()?].data;
                Work::Streaming { bytes_read: x.bytes() as f64, bytes_written: out.bytes() as f64, flops: x.elements() }
            }
            // A slice reads only what it writes; a gather that and its indices.
            "nn.slice" => {
                let moved = out.bytes() as f64;
                Work::Streaming { bytes_read: moved, bytes_written: moved, flops: 0.0 }
            }
            "nn.gather" => {
                let moved = out.bytes() as f64;
                Work::Streaming { bytes_read: moved + bytes(&c[2..]), bytes_written: moved, flops: 0.0 }
            }
            "nn.relayout" => {
                // A strided gather: about half the bandwidth of a copy.
                let moved = 2.0 * out.bytes() as f64;
                Work::Streaming { bytes_read: moved, bytes_written: moved, flops: 0.0 }
            }
            _ => {
                let per_element = match name {
                    "kernel.elementwise" => body_flops(c[0]),
                    "nn.softmax" | "nn.log_softmax" => 20.0,
                    "nn.layer_norm" => 10.0,
                    "nn.batch_norm" => 2.0,
                    "nn.max_pool2d" | "nn.avg_pool2d" => {
                        let taps = match &g[c[0]].data {
                            Data::Ints(k) => k.iter().product::<i64>() as f64,
                            _ => 1.0,
                        };
                        // Max pooling runs in vectors along channels in channels-last and
                        // blocked layouts; in NCHW it is scalar, each tap with its own index
                        // arithmetic (measured through LLVM on ResNet-18's 3×3 stride-2 pool:
                        // 1.5 ms in NCHW, some 20 times the vectorized form's time).
                        let nchw = matches!(&g[c[3]].data, Data::Word(w) if w.as_str() == "NCHW");
                        if name == "nn.max_pool2d" && nchw {
                            taps * SCALAR_INDEXED
                        } else {
                            taps
                        }
                    }
                    _ => elementwise(name).map_or(0.0, |e| e.3),
                };
                let tensors: Vec<Id> = c.iter().copied().filter(|i| g[*i].data.shape().is_some()).collect();
                Work::Streaming {
                    bytes_read: bytes(&tensors),
                    bytes_written: out.bytes() as f64,
                    flops: per_element * out.elements(),
                }
            }
        })
    }

    /// A convolution node's problem; `c` holds its leading attributes, `xw` its input and weight.
    fn conv(&self, c: &[Id], xw: &[Id], epilogue_flops: f64, extra_bytes: f64, out: &Data) -> Option<ConvProblem> {
        let g = self.egraph;
        let layout = match &g[c[4]].data {
            Data::Word(w) => Layout::parse(w.as_str())?,
            _ => return None,
        };
        // `any` is left to the lowering, which takes direct convolution.
        let algorithm = match &g[c[5]].data {
            Data::Word(w) => ConvAlgorithm::parse(w.as_str()).unwrap_or(ConvAlgorithm::Direct),
            _ => ConvAlgorithm::Direct,
        };
        let list = |i: usize| match &g[c[i]].data {
            Data::Ints(v) => Some(v.clone()),
            _ => None,
        };
        let (st, pd, dl) = (list(0)?, list(1)?, list(2)?);
        let conv = Conv2d {
            strides: [st[0], st[1]],
            padding: [pd[0], pd[1], pd[2], pd[3]],
            dilations: [dl[0], dl[1]],
            groups: int(g, c[3])?,
            layout,
        };
        let (n, ch, h, w) = layout.nchw(g[xw[0]].data.shape()?);
        let ws = g[xw[1]].data.shape()?;
        let (on, oc, oh, ow) = layout.nchw(out.shape()?);
        Some(ConvProblem {
            conv,
            algorithm,
            input: [n, ch, h, w],
            weight: [ws[0], ws[1], ws[2], ws[3]],
            output: [on, oc, oh, ow],
            epilogue_flops,
            extra_bytes,
        })
    }
}

/// What an e-node costs.
enum Kernel {
    /// Leaves, views, and what folds at compile time.
    Free,
    /// Over an ill-shaped class: never extracted.
    Invalid,
    Runs(Work),
}

/// How much more a scalar loop whose every element computes its own indices costs than the
/// vectorized form of the same work (per flop of the latter).
const SCALAR_INDEXED: f64 = 16.0;

fn int(g: &NnGraph, id: Id) -> Option<i64> {
    match g[id].data {
        Data::Int(i) => Some(i),
        _ => None,
    }
}

//! What each e-class is: a tensor (shape, element type) computed with the `nn` dialect's own
//! shape functions, or an attribute value. Classes whose ops do not fit their operands are
//! `Invalid`, so rules that would build ill-shaped graphs are visible and never extracted.

use egg::{merge_option, Analysis, DidMerge, EGraph, Id, Symbol};
use strata_dialects::nn::shape::{self, Conv2d, ConvTranspose2d, Layout, Pool2d, PoolMode};

use super::language::{IntList, Node};

/// The analysis data of an e-class.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    /// A tensor; `constant` when it depends on constants only (and can be computed at
    /// compile time); `depth` the fewest ops between it and the graph's leaves, over all its
    /// nodes. Fusion only builds kernels whose operands are shallower than their class, so a
    /// cyclic e-graph (`x = neg(neg(x))`) cannot be unrolled into ever larger kernels.
    ///
    /// `layout` is what the tensor's 4-D (or blocked 5-D) dimensions mean where an op fixes
    /// it: a convolution or pool's `layout`, a relayout's `to`, carried through elementwise
    /// ops; `None` where nothing says (graph inputs are NCHW by convention).
    Tensor {
        shape: Vec<i64>,
        elem: Symbol,
        constant: bool,
        depth: u32,
        layout: Option<Layout>,
    },
    /// A kernel's scalar body: how many inputs it reads (highest `arg` + 1), its operation
    /// count, and floating-point operations per element.
    Body {
        arity: usize,
        ops: usize,
        flops: f64,
    },
    Int(i64),
    Ints(Vec<i64>),
    Word(Symbol),
    Invalid(String),
}

impl Data {
    pub fn layout(&self) -> Option<Layout> {
        match self {
            Data::Tensor { layout, .. } => *layout,
            _ => None,
        }
    }
    pub fn depth(&self) -> u32 {
        match self {
            Data::Tensor { depth, .. } => *depth,
            _ => 0,
        }
    }
    pub fn is_constant(&self) -> bool {
        matches!(self, Data::Tensor { constant: true, .. })
    }
    pub fn elements(&self) -> f64 {
        self.shape().map_or(0.0, |s| s.iter().product::<i64>() as f64)
    }
    pub fn shape(&self) -> Option<&[i64]> {
        match self {
            Data::Tensor { shape, .. } => Some(shape),
            _ => None,
        }
    }
    /// Bytes of the tensor (4 per element unless the element type says otherwise).
    pub fn bytes(&self) -> u64 {
        match self {
            Data::Tensor { shape, elem, .. } => {
                let per = match elem.as_str() {
                    "f64" | "i64" => 8,
                    "f16" | "bf16" | "i16" => 2,
                    "i8" | "i1" => 1,
                    _ => 4,
                };
                shape.iter().product::<i64>().max(0) as u64 * per
            }
            _ => 0,
        }
    }
}

/// The graph's inputs and constants by index, as (shape, element type).
#[derive(Default, Clone, Debug)]
pub struct NnAnalysis {
    pub inputs: Vec<(Vec<i64>, Symbol)>,
    pub consts: Vec<(Vec<i64>, Symbol)>,
}

pub type NnGraph = EGraph<Node, NnAnalysis>;

fn ints(g: &NnGraph, id: Id) -> Result<Vec<i64>, String> {
    match &g[id].data {
        Data::Ints(v) => Ok(v.clone()),
        other => Err(format!("expected an integer list, found {other:?}")),
    }
}
fn int(g: &NnGraph, id: Id) -> Result<i64, String> {
    match &g[id].data {
        Data::Int(v) => Ok(*v),
        other => Err(format!("expected an integer, found {other:?}")),
    }
}
/// The convolution described by the first five children of a conv node.
fn conv2d(g: &NnGraph, c: &[Id]) -> Result<Conv2d, String> {
    let (st, pd, dl) = (ints(g, c[0])?, ints(g, c[1])?, ints(g, c[2])?);
    if st.len() != 2 || pd.len() != 4 || dl.len() != 2 {
        return Err("bad conv attributes".into());
    }
    Ok(Conv2d {
        strides: [st[0], st[1]],
        padding: [pd[0], pd[1], pd[2], pd[3]],
        dilations: [dl[0], dl[1]],
        groups: int(g, c[3])?,
        layout: layout(g, c[4])?,
    })
}

/// Checks an epilogue: its body reads at most the result and the extras, which broadcast to
/// the result.
fn epilogue(g: &NnGraph, body: Id, extras: &[Id], result: &[i64]) -> Result<(), String> {
    match g[body].data {
        Data::Body { arity, .. } if arity <= extras.len() + 1 => {}
        _ => return Err("an epilogue reads the result and the extras".into()),
    }
    for e in extras {
        let (x, _) = tensor(g, *e)?;
        if shape::broadcast(&x, result).ok().as_deref() != Some(result) {
            return Err(format!("an extra of shape {x:?} does not broadcast to the result {result:?}"));
        }
    }
    Ok(())
}

/// The data of a scalar node: its arity and cost summed over its children.
fn scalar(g: &NnGraph, name: &str, c: &[Id]) -> Data {
    if name == "arg" {
        return match g[c[0]].data {
            Data::Int(i) if i >= 0 => Data::Body { arity: i as usize + 1, ops: 0, flops: 0.0 },
            _ => Data::Invalid("(arg i) takes an index".into()),
        };
    }
    let Some(&(_, attrs, operands, flops)) = super::language::elementwise(name) else {
        return Data::Invalid(format!("unknown scalar op {name}"));
    };
    if c.len() != attrs + operands {
        return Data::Invalid(format!("{name} takes {} children", attrs + operands));
    }
    let (mut arity, mut ops, mut total) = (0, 1, flops);
    for k in &c[attrs..] {
        match g[*k].data {
            Data::Body { arity: a, ops: o, flops: f } => {
                arity = arity.max(a);
                ops += o;
                total += f;
            }
            _ => return Data::Invalid(format!("{name} takes scalar operands")),
        }
    }
    Data::Body { arity, ops, flops: total }
}

/// The layout an op's result is in: fixed by convolutions, pools and relayouts; carried by
/// elementwise ops from a same-shaped operand.
fn produced_layout(g: &NnGraph, name: &str, c: &[Id]) -> Option<Layout> {
    let word = |i: usize| match c.get(i).map(|k| &g[*k].data) {
        Some(Data::Word(w)) => Layout::parse(w.as_str()),
        _ => None,
    };
    match name {
        "nn.conv2d" | "kernel.conv2d" => word(4),
        "nn.max_pool2d" | "nn.avg_pool2d" => word(3),
        "nn.relayout" => word(1),
        "kernel.elementwise" => c[1..].iter().find_map(|k| g[*k].data.layout()),
        _ if super::language::elementwise(name).is_some() => c.iter().find_map(|k| g[*k].data.layout()),
        _ => None,
    }
}

/// A flag attribute: the word `true` or `false`.
fn flag(g: &NnGraph, id: Id) -> Result<bool, String> {
    match &g[id].data {
        Data::Word(w) if matches!(w.as_str(), "true" | "false") => Ok(w.as_str() == "true"),
        other => Err(format!("expected true or false, found {other:?}")),
    }
}

fn layout(g: &NnGraph, id: Id) -> Result<Layout, String> {
    match &g[id].data {
        Data::Word(w) => Layout::parse(w.as_str()).ok_or_else(|| format!("unknown layout {w}")),
        other => Err(format!("expected a layout, found {other:?}")),
    }
}
fn tensor(g: &NnGraph, id: Id) -> Result<(Vec<i64>, Symbol), String> {
    match &g[id].data {
        Data::Tensor { shape, elem, .. } => Ok((shape.clone(), *elem)),
        other => Err(format!("expected a tensor, found {other:?}")),
    }
}

/// The result of op `name` on `children` (attributes first, then operands).
fn infer(g: &NnGraph, name: &str, c: &[Id]) -> Result<Data, String> {
    let s = |e: shape::ShapeError| e.to_string();
    let operand = |i: usize| tensor(g, c[i]);
    let constant = c.iter().all(|k| !matches!(g[*k].data, Data::Tensor { constant: false, .. }));
    // Constants are computed at compile time: leaves, as far as run time goes.
    let depth = if constant { 0 } else { 1 + c.iter().map(|k| g[*k].data.depth()).max().unwrap_or(0) };
    let produced = produced_layout(g, name, c);
    let out = |shape: Vec<i64>, elem: Symbol| Ok(Data::Tensor { shape, elem, constant, depth, layout: produced });
    match name {
        "nn.add" | "nn.sub" | "nn.mul" | "nn.div" | "nn.max" | "nn.min" | "nn.pow" => {
            let ((a, e), (b, _)) = (operand(0)?, operand(1)?);
            out(shape::broadcast(&a, &b).map_err(s)?, e)
        }
        "nn.relu" | "nn.relu6" | "nn.sigmoid" | "nn.tanh" | "nn.gelu" | "nn.erf" | "nn.silu" | "nn.exp" | "nn.log"
        | "nn.sqrt" | "nn.rsqrt" | "nn.abs" | "nn.neg" => {
            let (a, e) = operand(0)?;
            out(a, e)
        }
        "nn.leaky_relu" | "nn.clip" | "nn.batch_norm" | "nn.softmax" | "nn.log_softmax" | "nn.layer_norm" => {
            let first = super::language::signature(name).map_or(0, |s| s.len());
            let (a, e) = operand(first)?;
            out(a, e)
        }
        "nn.conv2d" => {
            let conv = conv2d(g, c)?;
            let (x, e) = operand(6)?;
            let (w, _) = operand(7)?;
            let b = if c.len() > 8 { Some(operand(8)?.0) } else { None };
            out(conv.output(&x, &w, b.as_deref()).map_err(s)?, e)
        }
        "nn.conv_transpose2d" => {
            let (st, pd, dl, op) = (ints(g, c[0])?, ints(g, c[1])?, ints(g, c[2])?, ints(g, c[3])?);
            if st.len() != 2 || pd.len() != 4 || dl.len() != 2 || op.len() != 2 {
                return Err("bad transposed convolution attributes".into());
            }
            let conv = ConvTranspose2d {
                strides: [st[0], st[1]],
                padding: [pd[0], pd[1], pd[2], pd[3]],
                dilations: [dl[0], dl[1]],
                output_padding: [op[0], op[1]],
                groups: int(g, c[4])?,
            };
            let ((x, e), (w, _)) = (operand(5)?, operand(6)?);
            let b = if c.len() > 7 { Some(operand(7)?.0) } else { None };
            out(conv.output(&x, &w, b.as_deref()).map_err(s)?, e)
        }
        "kernel.conv2d" => {
            let conv = conv2d(g, c)?;
            let nbias = int(g, c[6])? as usize;
            let (x, e) = operand(8)?;
            let (w, _) = operand(9)?;
            let b = if nbias == 1 { Some(operand(10)?.0) } else { None };
            let shape = conv.output(&x, &w, b.as_deref()).map_err(s)?;
            epilogue(g, c[7], &c[10 + nbias..], &shape)?;
            out(shape, e)
        }
        "kernel.matmul" => {
            let ((a, e), (b, _)) = (operand(1)?, operand(2)?);
            let shape = shape::matmul(&a, &b).map_err(s)?;
            epilogue(g, c[0], &c[3..], &shape)?;
            out(shape, e)
        }
        "kernel.elementwise" => {
            let mut shape = Vec::new();
            for k in &c[1..] {
                shape = shape::broadcast(&shape, &tensor(g, *k)?.0).map_err(s)?;
            }
            let arity = match g[c[0]].data {
                Data::Body { arity, .. } => arity,
                _ => return Err("a kernel's first child is its body".into()),
            };
            if arity > c.len() - 1 {
                return Err(format!("the body reads {arity} inputs, the kernel has {}", c.len() - 1));
            }
            out(shape, tensor(g, c[1])?.1)
        }
        "nn.max_pool2d" | "nn.avg_pool2d" => {
            let (k, st, pd) = (ints(g, c[0])?, ints(g, c[1])?, ints(g, c[2])?);
            if k.len() != 2 || st.len() != 2 || pd.len() != 4 {
                return Err("bad pool attributes".into());
            }
            let pool = Pool2d {
                kernel: [k[0], k[1]],
                strides: [st[0], st[1]],
                padding: [pd[0], pd[1], pd[2], pd[3]],
                layout: layout(g, c[3])?,
            };
            // Attributes: the window, the layout, `ceil_mode` (and the average's
            // `count_include_pad`, which does not change the shape); then the input.
            let mode = PoolMode { ceil_mode: flag(g, c[4])?, count_include_pad: false };
            let (x, e) = operand(c.len() - 1)?;
            out(pool.output_with(&x, mode).map_err(s)?, e)
        }
        "nn.global_avg_pool2d" => {
            let (x, e) = operand(0)?;
            if x.len() != 4 {
                return Err("global_avg_pool2d needs NCHW".into());
            }
            out(vec![x[0], x[1], 1, 1], e)
        }
        "nn.matmul" => {
            let ((a, e), (b, _)) = (operand(0)?, operand(1)?);
            out(shape::matmul(&a, &b).map_err(s)?, e)
        }
        "nn.reshape" => {
            let (x, e) = operand(1)?;
            out(shape::reshape(&x, &ints(g, c[0])?).map_err(s)?, e)
        }
        "nn.transpose" => {
            let (x, e) = operand(1)?;
            out(shape::transpose(&x, &ints(g, c[0])?).map_err(s)?, e)
        }
        "nn.concat" => {
            let shapes: Vec<(Vec<i64>, Symbol)> = (1..c.len()).map(operand).collect::<Result<_, _>>()?;
            let refs: Vec<&[i64]> = shapes.iter().map(|(x, _)| x.as_slice()).collect();
            out(shape::concat(&refs, int(g, c[0])?).map_err(s)?, shapes[0].1)
        }
        "nn.split.part" => {
            let (x, e) = operand(3)?;
            let k = int(g, c[0])? as usize;
            let parts = shape::split(&x, int(g, c[1])?, &ints(g, c[2])?).map_err(s)?;
            out(parts.get(k).cloned().ok_or("no such part")?, e)
        }
        "nn.pad" => {
            let (x, e) = operand(3)?;
            let mode = match &g[c[2]].data {
                Data::Word(w) => shape::PadMode::parse(w.as_str()).ok_or_else(|| format!("unknown pad mode {w}"))?,
                other => return Err(format!("expected a pad mode, found {other:?}")),
            };
            out(shape::pad_with(&x, &ints(g, c[0])?, mode).map_err(s)?, e)
        }
        "nn.reduce_sum" | "nn.reduce_mean" | "nn.reduce_max" | "nn.reduce_min" | "nn.reduce_prod" => {
            let (x, e) = operand(2)?;
            out(shape::reduce(&x, &ints(g, c[0])?, flag(g, c[1])?).map_err(s)?, e)
        }
        "nn.slice" => {
            let (x, e) = operand(3)?;
            out(shape::slice(&x, &ints(g, c[0])?, &ints(g, c[1])?, &ints(g, c[2])?).map_err(s)?, e)
        }
        "nn.gather" => {
            let ((x, e), (i, index)) = (operand(1)?, operand(2)?);
            if !matches!(index.as_str(), "i32" | "i64") {
                return Err(format!("indices are i32 or i64, not {index}"));
            }
            out(shape::gather(&x, &i, int(g, c[0])?).map_err(s)?, e)
        }
        "nn.broadcast" => {
            let (x, e) = operand(1)?;
            out(shape::broadcast_to(&x, &ints(g, c[0])?).map_err(s)?, e)
        }
        "nn.relayout" => {
            let (x, e) = operand(2)?;
            out(shape::relayout(&x, layout(g, c[0])?, layout(g, c[1])?).map_err(s)?, e)
        }
        "nn.cast" => {
            let (x, _) = operand(1)?;
            match &g[c[0]].data {
                Data::Word(to) => out(x, *to),
                other => Err(format!("a cast's type is a word, not {other:?}")),
            }
        }
        "nn.compare" => {
            let ((a, _), (b, _)) = (operand(1)?, operand(2)?);
            out(shape::broadcast(&a, &b).map_err(s)?, Symbol::from("i1"))
        }
        "nn.select" => {
            let ((cs, _), (x, e), (y, _)) = (operand(0)?, operand(1)?, operand(2)?);
            out(shape::broadcast(&shape::broadcast(&cs, &x).map_err(s)?, &y).map_err(s)?, e)
        }
        other => Err(format!("the e-graph does not know '{other}'")),
    }
}

impl Analysis<Node> for NnAnalysis {
    type Data = Data;

    fn make(egraph: &mut NnGraph, enode: &Node, _id: Id) -> Data {
        match enode {
            Node::Int(i) => Data::Int(*i),
            Node::Ints(IntList(v)) => Data::Ints(v.clone()),
            Node::Op(s, c) if c.is_empty() => Data::Word(*s),
            Node::Op(s, c) if s.as_str() == "input" || s.as_str() == "const" => {
                let table = if s.as_str() == "input" { &egraph.analysis.inputs } else { &egraph.analysis.consts };
                match egraph[c[0]].data {
                    Data::Int(i) if (i as usize) < table.len() => {
                        let (shape, elem) = table[i as usize].clone();
                        Data::Tensor { shape, elem, constant: s.as_str() == "const", depth: 0, layout: None }
                    }
                    _ => Data::Invalid(format!("no {s} with that index")),
                }
            }
            Node::Op(s, c) if s.as_str() == "fill" => match (&egraph[c[1]].data, &egraph[c[0]].data) {
                (Data::Ints(shape), Data::Word(value)) => {
                    // `1.0 : f16` names its type; a bare number is f32.
                    let elem = value.as_str().split_once(':').map_or("f32", |(_, t)| t.trim());
                    Data::Tensor {
                        shape: shape.clone(),
                        elem: Symbol::from(elem),
                        constant: true,
                        depth: 0,
                        layout: None,
                    }
                }
                _ => Data::Invalid("(fill value [shape])".into()),
            },
            Node::Op(s, c) if s.as_str() == "arg" || s.as_str().starts_with("s.") => scalar(egraph, s.as_str(), c),
            Node::Op(s, c) => infer(egraph, s.as_str(), c).unwrap_or_else(Data::Invalid),
        }
    }

    fn merge(&mut self, to: &mut Data, from: Data) -> DidMerge {
        // Equal classes compute the same value: a valid datum wins over an invalid one.
        let (mut a, b) = (Some(to.clone()), Some(from));
        let r = merge_option(&mut a, b, |x, y| match (&*x, &y) {
            (Data::Invalid(_), Data::Invalid(_)) => DidMerge(false, false),
            (Data::Invalid(_), _) => {
                *x = y;
                DidMerge(true, false)
            }
            (_, Data::Invalid(_)) => DidMerge(false, true),
            // A class is constant if any of its nodes computes it from constants alone, as
            // shallow as its shallowest node, and in the layout any node knows.
            (
                Data::Tensor { constant: a, depth: da, layout: la, .. },
                Data::Tensor { constant: b, depth: db, layout: lb, .. },
            ) if a != b || da != db || la != lb => {
                let constant = *a || *b;
                let depth = if constant { 0 } else { (*da).min(*db) };
                let layout = la.or(*lb);
                let to_changed = constant != *a || depth != *da || layout != *la;
                let from_changed = constant != *b || depth != *db || layout != *lb;
                if let Data::Tensor { constant: c, depth: d, layout: l, .. } = x {
                    *c = constant;
                    *d = depth;
                    *l = layout;
                }
                DidMerge(to_changed, from_changed)
            }
            _ => DidMerge(false, false),
        });
        *to = a.unwrap();
        r
    }
}

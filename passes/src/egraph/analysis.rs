//! What each e-class is: a tensor (shape, element type) computed with the `nn` dialect's own
//! shape functions, or an attribute value. Classes whose ops do not fit their operands are
//! `Invalid`, so rules that would build ill-shaped graphs are visible and never extracted.

use egg::{merge_option, Analysis, DidMerge, EGraph, Id, Symbol};
use strata_dialects::nn::shape::{self, Conv2d, Layout, Pool2d};

use super::language::{IntList, Node};

/// The analysis data of an e-class.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Tensor { shape: Vec<i64>, elem: Symbol },
    Int(i64),
    Ints(Vec<i64>),
    Word(Symbol),
    Invalid(String),
}

impl Data {
    pub fn shape(&self) -> Option<&[i64]> {
        match self {
            Data::Tensor { shape, .. } => Some(shape),
            _ => None,
        }
    }
    /// Bytes of the tensor (4 per element unless the element type says otherwise).
    pub fn bytes(&self) -> u64 {
        match self {
            Data::Tensor { shape, elem } => {
                let per = match elem.as_str() {
                    "f64" | "i64" => 8,
                    "f16" | "bf16" | "i16" => 2,
                    "i8" => 1,
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
fn layout(g: &NnGraph, id: Id) -> Result<Layout, String> {
    match &g[id].data {
        Data::Word(w) => Layout::parse(w.as_str()).ok_or_else(|| format!("unknown layout {w}")),
        other => Err(format!("expected a layout, found {other:?}")),
    }
}
fn tensor(g: &NnGraph, id: Id) -> Result<(Vec<i64>, Symbol), String> {
    match &g[id].data {
        Data::Tensor { shape, elem } => Ok((shape.clone(), *elem)),
        other => Err(format!("expected a tensor, found {other:?}")),
    }
}

/// The result of op `name` on `children` (attributes first, then operands).
fn infer(g: &NnGraph, name: &str, c: &[Id]) -> Result<Data, String> {
    let s = |e: shape::ShapeError| e.to_string();
    let operand = |i: usize| tensor(g, c[i]);
    let out = |shape: Vec<i64>, elem: Symbol| Ok(Data::Tensor { shape, elem });
    match name {
        "nn.add" | "nn.sub" | "nn.mul" | "nn.div" | "nn.max" | "nn.min" | "nn.pow" => {
            let ((a, e), (b, _)) = (operand(0)?, operand(1)?);
            out(shape::broadcast(&a, &b).map_err(s)?, e)
        }
        "nn.relu" | "nn.relu6" | "nn.sigmoid" | "nn.tanh" | "nn.gelu" | "nn.silu" | "nn.exp" | "nn.log" | "nn.sqrt"
        | "nn.rsqrt" | "nn.abs" | "nn.neg" => {
            let (a, e) = operand(0)?;
            out(a, e)
        }
        "nn.leaky_relu" | "nn.clip" | "nn.batch_norm" | "nn.softmax" | "nn.layer_norm" => {
            let first = super::language::signature(name).map_or(0, |s| s.len());
            let (a, e) = operand(first)?;
            out(a, e)
        }
        "nn.conv2d" => {
            let (st, pd, dl) = (ints(g, c[0])?, ints(g, c[1])?, ints(g, c[2])?);
            if st.len() != 2 || pd.len() != 4 || dl.len() != 2 {
                return Err("bad conv attributes".into());
            }
            let conv = Conv2d {
                strides: [st[0], st[1]],
                padding: [pd[0], pd[1], pd[2], pd[3]],
                dilations: [dl[0], dl[1]],
                groups: int(g, c[3])?,
                layout: layout(g, c[4])?,
            };
            let (x, e) = operand(6)?;
            let (w, _) = operand(7)?;
            let b = if c.len() > 8 { Some(operand(8)?.0) } else { None };
            out(conv.output(&x, &w, b.as_deref()).map_err(s)?, e)
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
            let (x, e) = operand(4)?;
            out(pool.output(&x).map_err(s)?, e)
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
        "nn.pad" => {
            let (x, e) = operand(2)?;
            out(shape::pad(&x, &ints(g, c[0])?).map_err(s)?, e)
        }
        "nn.relayout" => {
            let (x, e) = operand(2)?;
            out(shape::relayout(&x, layout(g, c[0])?, layout(g, c[1])?).map_err(s)?, e)
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
                        Data::Tensor { shape, elem }
                    }
                    _ => Data::Invalid(format!("no {s} with that index")),
                }
            }
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
            _ => DidMerge(false, false),
        });
        *to = a.unwrap();
        r
    }
}

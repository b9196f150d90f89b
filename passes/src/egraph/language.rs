//! The e-graph language of `nn` graphs.
//!
//! An op is `(nn.name attr... operand...)`: its attributes come first, in the fixed order of
//! [`signature`], as leaf nodes (so rules can match and bind them), then its tensor operands.
//! Leaves: integers, integer lists `[1,2]`, words (`NCHW`, `direct`, float texts), and
//! `(input i)` / `(const i)` for the graph's arguments and constants.

use std::fmt;
use std::str::FromStr;

use egg::{define_language, Id, Symbol};

/// A list of integers written `[1,2,3]` (no spaces: one token in patterns).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IntList(pub Vec<i64>);

impl fmt::Display for IntList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self.0.iter().map(|i| i.to_string()).collect();
        write!(f, "[{}]", items.join(","))
    }
}

impl FromStr for IntList {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let inner = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).ok_or("not a list")?;
        if inner.is_empty() {
            return Ok(IntList(Vec::new()));
        }
        inner
            .split(',')
            .map(|x| x.trim().parse::<i64>().map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()
            .map(IntList)
    }
}

define_language! {
    /// A node of an `nn` e-graph: an integer, an integer list, or a symbol with children (an
    /// op, `input`, `const`) or without (a word attribute).
    pub enum Node {
        Int(i64),
        Ints(IntList),
        Op(Symbol, Vec<Id>),
    }
}

impl Node {
    pub fn op(name: &str, children: Vec<Id>) -> Node {
        Node::Op(Symbol::from(name), children)
    }
    pub fn word(w: &str) -> Node {
        Node::Op(Symbol::from(w), Vec::new())
    }
    /// The op name of an op node with children.
    pub fn op_name(&self) -> Option<&str> {
        match self {
            Node::Op(s, c) if !c.is_empty() => Some(s.as_str()),
            _ => None,
        }
    }
}

/// The attributes of each `nn` op, in the order they lead its children, with the text of the
/// default an absent attribute takes.
pub fn signature(op: &str) -> Option<&'static [(&'static str, &'static str)]> {
    Some(match op {
        "nn.conv2d" => &[
            ("strides", "[1,1]"),
            ("padding", "[0,0,0,0]"),
            ("dilations", "[1,1]"),
            ("groups", "1"),
            ("layout", "NCHW"),
            ("algorithm", "any"),
        ],
        "nn.max_pool2d" | "nn.avg_pool2d" => {
            &[("kernel", "[1,1]"), ("strides", "[1,1]"), ("padding", "[0,0,0,0]"), ("layout", "NCHW")]
        }
        "nn.reshape" => &[("shape", "[]")],
        "nn.transpose" => &[("perm", "[]")],
        "nn.concat" => &[("axis", "0")],
        "nn.softmax" => &[("axis", "-1")],
        "nn.layer_norm" => &[("axis", "-1"), ("epsilon", "1.000000e-05 : f32")],
        "nn.batch_norm" => &[("epsilon", "1.000000e-05 : f32")],
        "nn.leaky_relu" => &[("alpha", "1.000000e-02 : f32")],
        "nn.clip" => &[("min", "0.000000e+00 : f32"), ("max", "6.000000e+00 : f32")],
        "nn.pad" => &[("pads", "[]"), ("value", "0.000000e+00 : f32")],
        "nn.relayout" => &[("from", "NCHW"), ("to", "NCHW")],
        "nn.add"
        | "nn.sub"
        | "nn.mul"
        | "nn.div"
        | "nn.max"
        | "nn.min"
        | "nn.pow"
        | "nn.relu"
        | "nn.relu6"
        | "nn.sigmoid"
        | "nn.tanh"
        | "nn.gelu"
        | "nn.silu"
        | "nn.exp"
        | "nn.log"
        | "nn.sqrt"
        | "nn.rsqrt"
        | "nn.abs"
        | "nn.neg"
        | "nn.matmul"
        | "nn.global_avg_pool2d" => &[],
        _ => return None,
    })
}

//! The e-graph language of `nn` graphs.
//!
//! An op is `(nn.name attr... operand...)`: its attributes come first, in the fixed order of
//! [`signature`], as leaf nodes (so rules can match and bind them), then its tensor operands.
//! Leaves: integers, integer lists `[1,2]`, words (`NCHW`, `direct`, float texts, `true` and
//! `false`), and
//! `(input i)` / `(const i)` for the graph's arguments and constants, `(fill value [shape])` for
//! a splat constant a rule made.
//!
//! Kernels (the `kernel` dialect) carry their scalar body as a child class built of scalar
//! nodes: `(s.add (arg 0) (s.relu (arg 1)))`, where `s.NAME` is the scalar form of `nn.NAME`
//! (same attributes first) and `(arg i)` the kernel's i-th input:
//!
//! - `(kernel.elementwise BODY in...)`
//! - `(kernel.conv2d strides padding dilations groups layout algorithm NBIAS EPILOGUE x w [b] extra...)`
//! - `(kernel.matmul EPILOGUE a b extra...)`
//!
//! In an epilogue, `(arg 0)` is the convolution's or matmul's element and `(arg k)` extra k-1.

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
        "nn.max_pool2d" => &[
            ("kernel", "[1,1]"),
            ("strides", "[1,1]"),
            ("padding", "[0,0,0,0]"),
            ("layout", "NCHW"),
            ("ceil_mode", "false"),
        ],
        "nn.avg_pool2d" => &[
            ("kernel", "[1,1]"),
            ("strides", "[1,1]"),
            ("padding", "[0,0,0,0]"),
            ("layout", "NCHW"),
            ("ceil_mode", "false"),
            ("count_include_pad", "false"),
        ],
        "nn.conv_transpose2d" => &[
            ("strides", "[1,1]"),
            ("padding", "[0,0,0,0]"),
            ("dilations", "[1,1]"),
            ("output_padding", "[0,0]"),
            ("groups", "1"),
        ],
        "nn.reshape" => &[("shape", "[]")],
        "nn.reduce_sum" | "nn.reduce_mean" | "nn.reduce_max" | "nn.reduce_min" | "nn.reduce_prod" => {
            &[("axes", "[]"), ("keepdims", "false")]
        }
        "nn.log_softmax" => &[("axis", "-1")],
        "nn.slice" => &[("starts", "[]"), ("sizes", "[]"), ("steps", "[]")],
        "nn.gather" => &[("axis", "0")],
        "nn.broadcast" => &[("shape", "[]")],
        "nn.transpose" => &[("perm", "[]")],
        "nn.concat" => &[("axis", "0")],
        "nn.softmax" => &[("axis", "-1")],
        "nn.layer_norm" => &[("axis", "-1"), ("epsilon", "1.000000e-05 : f32")],
        "nn.batch_norm" => &[("epsilon", "1.000000e-05 : f32")],
        "nn.leaky_relu" => &[("alpha", "1.000000e-02 : f32")],
        "nn.clip" => &[("min", "0.000000e+00 : f32"), ("max", "6.000000e+00 : f32")],
        "nn.pad" => &[("pads", "[]"), ("value", "0.000000e+00 : f32"), ("mode", "constant")],
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
        | "nn.erf"
        | "nn.silu"
        | "nn.exp"
        | "nn.log"
        | "nn.sqrt"
        | "nn.rsqrt"
        | "nn.abs"
        | "nn.neg"
        | "nn.matmul"
        | "nn.select"
        | "nn.global_avg_pool2d" => &[],
        // Type-changing elementwise ops: kept as ops of their own (a fused body has one
        // element type), priced as streaming.
        "nn.cast" => &[("to", "f32")],
        "nn.compare" => &[("predicate", "eq")],
        _ => return None,
    })
}

/// The elementwise `nn` ops: name, number of attributes, number of tensor operands, and
/// floating-point operations per element (transcendentals count as their usual polynomial).
pub const ELEMENTWISE: &[(&str, usize, usize, f64)] = &[
    ("nn.add", 0, 2, 1.0),
    ("nn.sub", 0, 2, 1.0),
    ("nn.mul", 0, 2, 1.0),
    ("nn.div", 0, 2, 4.0),
    ("nn.max", 0, 2, 1.0),
    ("nn.min", 0, 2, 1.0),
    ("nn.pow", 0, 2, 30.0),
    ("nn.relu", 0, 1, 1.0),
    ("nn.relu6", 0, 1, 2.0),
    ("nn.leaky_relu", 1, 1, 2.0),
    ("nn.sigmoid", 0, 1, 16.0),
    ("nn.tanh", 0, 1, 16.0),
    ("nn.gelu", 0, 1, 24.0),
    // x·P(x²)/Q(x²) on a clamped x (`codegen/math.rs`): about 20 operations.
    ("nn.erf", 0, 1, 20.0),
    ("nn.silu", 0, 1, 18.0),
    ("nn.exp", 0, 1, 14.0),
    ("nn.log", 0, 1, 14.0),
    ("nn.sqrt", 0, 1, 4.0),
    ("nn.rsqrt", 0, 1, 5.0),
    ("nn.abs", 0, 1, 1.0),
    ("nn.neg", 0, 1, 1.0),
    ("nn.clip", 2, 1, 2.0),
];

/// The `ELEMENTWISE` entry of an op (`nn.relu`) or of its scalar form (`s.relu`).
pub fn elementwise(name: &str) -> Option<&'static (&'static str, usize, usize, f64)> {
    let base = name.strip_prefix("s.").map_or(name.to_string(), |b| format!("nn.{b}"));
    ELEMENTWISE.iter().find(|e| e.0 == base)
}

/// The scalar form of an elementwise op: `nn.relu` -> `s.relu`.
pub fn scalar_name(op: &str) -> String {
    format!("s.{}", op.trim_start_matches("nn."))
}

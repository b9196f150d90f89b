//! The conversion rules: one function per ONNX op type, grouped by family, each turning a
//! node into `nn` ops (or constants) through [`Cx`]. [`rule`] is the table; an op type
//! missing from it is reported before any node is converted.
//!
//! A rule reads the node's attributes with their ONNX defaults (and the opset where an op
//! moved an attribute to an input), checks what it does not handle, and returns one value per
//! ONNX output it defines. It never guesses: an attribute value that would change the
//! computation and is not handled is an error naming it.

mod conv;
mod elementwise;
mod norm;
mod pool;
mod shape;

use std::rc::Rc;

use strata_ir::Attribute;
use strata_runtime::{Elem, Tensor};

use crate::constant::Constant;
use crate::graph::{Graph, Val};
use crate::node::Node;
use crate::ImportError;

/// A conversion rule.
pub type Rule = fn(&mut Cx) -> Result<Vec<Val>, ImportError>;

/// What a rule works with: the graph, the node, and the node's inputs (`None` for omitted
/// optional inputs).
pub struct Cx<'g, 'c, 'n> {
    pub g: &'g mut Graph<'c>,
    pub node: &'n Node<'n>,
    pub inputs: Vec<Option<Val>>,
}

impl Cx<'_, '_, '_> {
    pub fn err(&self, message: impl Into<String>) -> ImportError {
        self.node.error(message)
    }

    /// Required input `i`.
    pub fn x(&self, i: usize) -> Result<Val, ImportError> {
        self.opt(i).ok_or_else(|| self.err(format!("input #{i} is required")))
    }

    /// Optional input `i`.
    pub fn opt(&self, i: usize) -> Option<Val> {
        self.inputs.get(i).cloned().flatten()
    }

    /// Input `i`, which must be known at import time (a shape, axes, a pad amount).
    pub fn konst(&self, i: usize) -> Result<Rc<Constant>, ImportError> {
        match self.x(i)? {
            Val::Const(c) => Ok(c),
            Val::Ir(_) => Err(self.err(format!(
                "input #{i} ('{}') must be a constant or computable from static shapes",
                self.node.input(i).unwrap_or("")
            ))),
        }
    }

    /// Optional input `i` as integers; it must be a constant when present.
    pub fn opt_ints(&self, i: usize) -> Result<Option<Vec<i64>>, ImportError> {
        if self.opt(i).is_none() {
            return Ok(None);
        }
        let c = self.konst(i)?;
        c.as_ints().map(Some).ok_or_else(|| self.err(format!("input #{i} must hold integers")))
    }

    /// Optional input `i` as one float; it must be a constant scalar when present.
    pub fn opt_scalar(&self, i: usize) -> Result<Option<f64>, ImportError> {
        if self.opt(i).is_none() {
            return Ok(None);
        }
        let c = self.konst(i)?;
        c.scalar_f64().map(Some).ok_or_else(|| self.err(format!("input #{i} must hold one value")))
    }

    pub fn emit(&mut self, op: &str, operands: &[Val], attrs: &[(&str, Attribute)]) -> Result<Val, ImportError> {
        let node = self.node;
        self.g.emit1(op, operands, attrs).map_err(|m| node.error(m))
    }

    pub fn emit_n(&mut self, op: &str, operands: &[Val], attrs: &[(&str, Attribute)]) -> Result<Vec<Val>, ImportError> {
        let node = self.node;
        self.g.emit(op, operands, attrs).map_err(|m| node.error(m))
    }

    pub fn shape(&self, v: &Val) -> Vec<i64> {
        self.g.shape(v)
    }

    pub fn elem(&self, v: &Val) -> Elem {
        self.g.elem(v)
    }

    /// A scalar of `like`'s element type.
    pub fn scalar_like(&self, like: &Val, x: f64) -> Val {
        self.g.scalar(self.elem(like), x)
    }

    /// `v` reshaped to `shape` (no op when it already has it).
    pub fn reshape(&mut self, v: Val, shape: &[i64]) -> Result<Val, ImportError> {
        if self.shape(&v) == shape {
            return Ok(v);
        }
        let a = self.g.ints_attr(shape);
        self.emit("nn.reshape", &[v], &[("shape", a)])
    }

    /// An axis in `[-rank, rank)` made non-negative.
    pub fn axis(&self, axis: i64, rank: usize) -> Result<usize, ImportError> {
        let r = rank as i64;
        if !(-r..r).contains(&axis) {
            return Err(self.err(format!("axis {axis} is out of range for rank {rank}")));
        }
        Ok(if axis < 0 { (axis + r) as usize } else { axis as usize })
    }

    /// A float attribute that only applies to float tensors.
    pub fn require_float(&self, v: &Val) -> Result<(), ImportError> {
        if self.elem(v).is_float() {
            Ok(())
        } else {
            Err(self.err(format!("{} tensors are not supported here", crate::constant::elem_name(self.elem(v)))))
        }
    }

    /// A constant tensor of `elem` with these values.
    pub fn constant(&self, shape: &[usize], elem: Elem, values: Vec<f64>) -> Val {
        self.g.constant(Tensor::from_floats(shape, elem, values))
    }

    /// A 1-D `i64` constant.
    pub fn ints_const(&self, values: &[i64]) -> Val {
        Val::Const(Rc::new(Constant::ints(values)))
    }
}

/// The rule for an op type of the default domain, if there is one.
pub fn rule(op_type: &str) -> Option<Rule> {
    Some(match op_type {
        // elementwise.rs
        "Add" | "Sub" | "Mul" | "Div" | "Pow" => elementwise::binary,
        "Max" | "Min" | "Sum" | "Mean" => elementwise::variadic,
        "Equal" | "Less" | "LessOrEqual" | "Greater" | "GreaterOrEqual" => elementwise::compare,
        "Not" | "And" | "Or" | "Xor" => elementwise::logic,
        "Where" => elementwise::where_,
        "Relu" | "Sigmoid" | "Tanh" | "Exp" | "Log" | "Sqrt" | "Abs" | "Neg" | "Erf" | "Reciprocal" => {
            elementwise::unary
        }
        "LeakyRelu" => elementwise::leaky_relu,
        "PRelu" => elementwise::prelu,
        "Clip" => elementwise::clip,
        "HardSigmoid" | "HardSwish" => elementwise::hard,
        "Gelu" => elementwise::gelu,
        "Cast" => elementwise::cast_node,
        "CastLike" => elementwise::cast_like,
        "Identity" => elementwise::identity,
        "Dropout" => elementwise::dropout,
        // conv.rs
        "Conv" => conv::conv,
        "ConvTranspose" => conv::conv_transpose,
        "Gemm" => conv::gemm,
        "MatMul" => conv::matmul,
        // pool.rs
        "MaxPool" | "AveragePool" => pool::pool,
        "GlobalAveragePool" | "GlobalMaxPool" => pool::global,
        // norm.rs
        "BatchNormalization" => norm::batch_norm,
        "LayerNormalization" => norm::layer_norm,
        "Softmax" | "LogSoftmax" => norm::softmax,
        "ReduceMean" | "ReduceSum" | "ReduceMax" | "ReduceMin" | "ReduceProd" => norm::reduce,
        // shape.rs
        "Reshape" => shape::reshape,
        "Flatten" => shape::flatten,
        "Squeeze" | "Unsqueeze" => shape::squeeze,
        "Transpose" => shape::transpose,
        "Concat" => shape::concat,
        "Split" => shape::split,
        "Slice" => shape::slice,
        "Pad" => shape::pad,
        "Gather" => shape::gather,
        "Expand" => shape::expand,
        "Shape" => shape::shape,
        "Size" => shape::size,
        "ConstantOfShape" => shape::constant_of_shape,
        "Range" => shape::range,
        "Constant" => shape::constant,
        _ => return None,
    })
}

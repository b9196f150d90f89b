//! Elementwise ops: arithmetic with numpy broadcasting, comparisons and logic, activations.
//! Activations `nn` has no op for are written as the few `nn` ops they are defined by in the
//! ONNX specification (HardSigmoid, HardSwish, PRelu, tanh-approximated Gelu), which
//! `egraph-opt` fuses back into one kernel.

use strata_runtime::Elem;

use super::Cx;
use crate::graph::Val;
use crate::ImportError;

pub fn binary(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let (a, mut b) = (cx.x(0)?, cx.x(1)?);
    let op = match cx.node.op_type() {
        "Add" => "nn.add",
        "Sub" => "nn.sub",
        "Mul" => "nn.mul",
        "Div" => "nn.div",
        _ => {
            // Pow's exponent may have another type than its base; the result has the base's.
            cx.require_float(&a)?;
            if cx.elem(&b) != cx.elem(&a) {
                b = cast(cx, b, cx.elem(&a))?;
            }
            "nn.pow"
        }
    };
    Ok(vec![cx.emit(op, &[a, b], &[])?])
}

/// Max, Min, Sum and Mean of one or more inputs, folded left to right.
pub fn variadic(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let op = match cx.node.op_type() {
        "Max" => "nn.max",
        "Min" => "nn.min",
        _ => "nn.add",
    };
    let n = cx.node.inputs();
    let mut acc = cx.x(0)?;
    for i in 1..n {
        let next = cx.x(i)?;
        acc = cx.emit(op, &[acc, next], &[])?;
    }
    if cx.node.op_type() == "Mean" {
        cx.require_float(&acc)?;
        let count = cx.scalar_like(&acc, n as f64);
        acc = cx.emit("nn.div", &[acc, count], &[])?;
    }
    Ok(vec![acc])
}

pub fn compare(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let predicate = match cx.node.op_type() {
        "Equal" => "eq",
        "Less" => "lt",
        "LessOrEqual" => "le",
        "Greater" => "gt",
        _ => "ge",
    };
    let (a, b) = (cx.x(0)?, cx.x(1)?);
    let p = cx.g.str_attr(predicate);
    Ok(vec![cx.emit("nn.compare", &[a, b], &[("predicate", p)])?])
}

/// Not, And, Or and Xor on booleans, as comparisons and choices (exact on `i1`).
pub fn logic(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let a = cx.x(0)?;
    if cx.elem(&a) != Elem::Int(1) {
        return Err(cx.err("logical ops take bool tensors"));
    }
    let (t, f) = (cx.g.scalar(Elem::Int(1), 1.0), cx.g.scalar(Elem::Int(1), 0.0));
    let out = match cx.node.op_type() {
        "Not" => {
            let eq = cx.g.str_attr("eq");
            cx.emit("nn.compare", &[a, f], &[("predicate", eq)])?
        }
        "And" => {
            let b = cx.x(1)?;
            cx.emit("nn.select", &[a, b, f], &[])?
        }
        "Or" => {
            let b = cx.x(1)?;
            cx.emit("nn.select", &[a, t, b], &[])?
        }
        _ => {
            let b = cx.x(1)?;
            let ne = cx.g.str_attr("ne");
            cx.emit("nn.compare", &[a, b], &[("predicate", ne)])?
        }
    };
    Ok(vec![out])
}

pub fn where_(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let (c, x, y) = (cx.x(0)?, cx.x(1)?, cx.x(2)?);
    Ok(vec![cx.emit("nn.select", &[c, x, y], &[])?])
}

pub fn unary(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let op = match cx.node.op_type() {
        "Relu" => "nn.relu",
        "Sigmoid" => "nn.sigmoid",
        "Tanh" => "nn.tanh",
        "Exp" => "nn.exp",
        "Log" => "nn.log",
        "Sqrt" => "nn.sqrt",
        "Abs" => "nn.abs",
        "Neg" => "nn.neg",
        "Erf" => "nn.erf",
        _ => {
            // Reciprocal: 1 / x.
            cx.require_float(&x)?;
            let one = cx.scalar_like(&x, 1.0);
            return Ok(vec![cx.emit("nn.div", &[one, x], &[])?]);
        }
    };
    Ok(vec![cx.emit(op, &[x], &[])?])
}

pub fn leaky_relu(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let alpha = cx.g.f32_attr(cx.node.float("alpha", 0.01)? as f64);
    Ok(vec![cx.emit("nn.leaky_relu", &[x], &[("alpha", alpha)])?])
}

/// `x if x > 0 else slope * x`, slope broadcast to x, as a choice: exact.
pub fn prelu(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let (x, slope) = (cx.x(0)?, cx.x(1)?);
    let zero = cx.scalar_like(&x, 0.0);
    let gt = cx.g.str_attr("gt");
    let positive = cx.emit("nn.compare", &[x.clone(), zero], &[("predicate", gt)])?;
    let scaled = cx.emit("nn.mul", &[x.clone(), slope], &[])?;
    Ok(vec![cx.emit("nn.select", &[positive, x, scaled], &[])?])
}

/// Clip with optional `min` and `max` inputs (opset 11 on): `nn.clip` when both are constant
/// floats, else `nn.max`/`nn.min` with what is given.
pub fn clip(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let (lo, hi) = (cx.opt(1), cx.opt(2));
    let constant = |v: &Option<Val>| v.as_ref().and_then(|v| v.constant()).and_then(|c| c.scalar_f64());
    if cx.elem(&x).is_float() {
        if let (Some(lo), Some(hi)) = (constant(&lo), constant(&hi)) {
            let (lo, hi) = (cx.g.f32_attr(lo), cx.g.f32_attr(hi));
            return Ok(vec![cx.emit("nn.clip", &[x], &[("min", lo), ("max", hi)])?]);
        }
    }
    let mut y = x;
    if let Some(lo) = lo {
        y = cx.emit("nn.max", &[y, lo], &[])?;
    }
    if let Some(hi) = hi {
        y = cx.emit("nn.min", &[y, hi], &[])?;
    }
    Ok(vec![y])
}

/// HardSigmoid: max(0, min(1, alpha x + beta)); HardSwish: x times HardSigmoid with
/// alpha = 1/6, beta = 1/2.
pub fn hard(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    cx.require_float(&x)?;
    let swish = cx.node.op_type() == "HardSwish";
    let (alpha, beta) = if swish {
        (1.0 / 6.0, 0.5)
    } else {
        (cx.node.float("alpha", 0.2)? as f64, cx.node.float("beta", 0.5)? as f64)
    };
    let (a, b) = (cx.scalar_like(&x, alpha), cx.scalar_like(&x, beta));
    let scaled = cx.emit("nn.mul", &[x.clone(), a], &[])?;
    let shifted = cx.emit("nn.add", &[scaled, b], &[])?;
    let (lo, hi) = (cx.g.f32_attr(0.0), cx.g.f32_attr(1.0));
    let sigmoid = cx.emit("nn.clip", &[shifted], &[("min", lo), ("max", hi)])?;
    if swish {
        return Ok(vec![cx.emit("nn.mul", &[x, sigmoid], &[])?]);
    }
    Ok(vec![sigmoid])
}

/// Gelu (opset 20): `nn.gelu` (the erf form), or the tanh approximation written out as
/// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
pub fn gelu(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    match cx.node.string("approximate", "none")?.as_str() {
        "none" => Ok(vec![cx.emit("nn.gelu", &[x], &[])?]),
        "tanh" => {
            let c = |cx: &Cx, v: f64| cx.scalar_like(&x, v);
            let (k3, k, half, one) =
                (c(cx, 0.044715), c(cx, (2.0 / std::f64::consts::PI).sqrt()), c(cx, 0.5), c(cx, 1.0));
            let x2 = cx.emit("nn.mul", &[x.clone(), x.clone()], &[])?;
            let x3 = cx.emit("nn.mul", &[x2, x.clone()], &[])?;
            let t = cx.emit("nn.mul", &[x3, k3], &[])?;
            let inner = cx.emit("nn.add", &[x.clone(), t], &[])?;
            let scaled = cx.emit("nn.mul", &[inner, k], &[])?;
            let th = cx.emit("nn.tanh", &[scaled], &[])?;
            let sum = cx.emit("nn.add", &[th, one], &[])?;
            let hx = cx.emit("nn.mul", &[x, half], &[])?;
            Ok(vec![cx.emit("nn.mul", &[hx, sum], &[])?])
        }
        other => Err(cx.err(format!("approximate = '{other}' is not one of 'none', 'tanh'"))),
    }
}

pub fn cast(cx: &mut Cx, v: Val, to: Elem) -> Result<Val, ImportError> {
    if cx.elem(&v) == to {
        return Ok(v);
    }
    let t = cx.g.ctx.type_attr(cx.g.elem_type(to));
    cx.emit("nn.cast", &[v], &[("to", t)])
}

pub fn cast_node(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let to = cx.node.int("to", 0)?;
    let to = crate::constant::elem_of(to as i32).map_err(|m| cx.err(format!("'to': {m}")))?;
    Ok(vec![cast(cx, x, to)?])
}

/// CastLike: a cast to the element type of input #1.
pub fn cast_like(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let (x, like) = (cx.x(0)?, cx.x(1)?);
    let to = cx.elem(&like);
    Ok(vec![cast(cx, x, to)?])
}

pub fn identity(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    Ok(vec![cx.x(0)?])
}

/// Dropout at inference (or in training with a ratio of 0, which drops nothing): the input,
/// and a mask of all true if it is asked for.
pub fn dropout(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let training = cx.opt_scalar(2)?.is_some_and(|t| t != 0.0);
    if training && cx.opt_scalar(1)?.unwrap_or(0.5) != 0.0 {
        return Err(cx.err("training_mode = true with a non-zero ratio: only inference is imported"));
    }
    let shape: Vec<usize> = cx.shape(&x).iter().map(|d| *d as usize).collect();
    let n = shape.iter().product();
    let mask = cx.constant(&shape, Elem::Int(1), vec![1.0; n]);
    Ok(vec![x, mask])
}

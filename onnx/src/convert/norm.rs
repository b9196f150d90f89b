//! Normalizations and reductions: BatchNormalization (inference), LayerNormalization,
//! Softmax and LogSoftmax (with opset 11's 2-D coercion), ReduceMean/Sum/Max/Min/Prod.

use super::Cx;
use crate::graph::Val;
use crate::ImportError;

/// Outputs past the first are training-time statistics; asking for them is an error.
fn only_first_output(cx: &Cx) -> Result<(), ImportError> {
    if cx.node.proto.output.iter().skip(1).any(|o| !o.is_empty()) {
        return Err(cx.err("only the first output is imported (the others are training statistics)"));
    }
    Ok(())
}

pub fn batch_norm(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    only_first_output(cx)?;
    if cx.node.int("training_mode", 0)? != 0 {
        return Err(cx.err("training_mode = 1: only inference is imported"));
    }
    let operands = (0..5).map(|i| cx.x(i)).collect::<Result<Vec<_>, _>>()?;
    let eps = cx.g.f32_attr(cx.node.float("epsilon", 1e-5)? as f64);
    Ok(vec![cx.emit("nn.batch_norm", &operands, &[("epsilon", eps)])?])
}

pub fn layer_norm(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    cx.require_float(&x)?;
    let xs = cx.shape(&x);
    let axis = cx.axis(cx.node.int("axis", -1)?, xs.len())?;
    let normalized = xs[axis..].to_vec();
    // nn.layer_norm takes scale and bias of the normalized shape; ONNX lets them broadcast.
    let mut params = Vec::new();
    for (i, default) in [(1, None), (2, Some(0.0))] {
        let v = match (cx.opt(i), default) {
            (Some(v), _) => v,
            (None, Some(d)) => {
                let n = normalized.iter().product::<i64>() as usize;
                let shape: Vec<usize> = normalized.iter().map(|d| *d as usize).collect();
                cx.constant(&shape, cx.elem(&x), vec![d; n])
            }
            (None, None) => return Err(cx.err("input #1 (Scale) is required")),
        };
        let v = if cx.shape(&v) == normalized {
            v
        } else {
            let shape = cx.g.ints_attr(&normalized);
            cx.emit("nn.broadcast", &[v], &[("shape", shape)])?
        };
        params.push(v);
    }
    let epsilon = cx.node.float("epsilon", 1e-5)? as f64;
    let attrs = [("axis", cx.g.i64_attr(axis as i64)), ("epsilon", cx.g.f32_attr(epsilon))];
    let y = cx.emit("nn.layer_norm", &[x.clone(), params[0].clone(), params[1].clone()], &attrs)?;
    if cx.node.proto.output.iter().skip(1).all(String::is_empty) {
        return Ok(vec![y]);
    }
    // The statistics outputs, asked for: Mean and 1 / sqrt(variance + epsilon), over the
    // normalized dimensions, kept as size 1.
    let axes: Vec<i64> = (axis as i64..xs.len() as i64).collect();
    let keep = [("axes", cx.g.ints_attr(&axes)), ("keepdims", cx.g.bool_attr(true))];
    let mean = cx.emit("nn.reduce_mean", std::slice::from_ref(&x), &keep)?;
    let centered = cx.emit("nn.sub", &[x, mean.clone()], &[])?;
    let squared = cx.emit("nn.mul", &[centered.clone(), centered], &[])?;
    let variance = cx.emit("nn.reduce_mean", &[squared], &keep)?;
    let eps = cx.scalar_like(&variance, epsilon);
    let shifted = cx.emit("nn.add", &[variance, eps], &[])?;
    let inv_std = cx.emit("nn.rsqrt", &[shifted], &[])?;
    Ok(vec![y, mean, inv_std])
}

pub fn softmax(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    cx.require_float(&x)?;
    let op = if cx.node.op_type() == "Softmax" { "nn.softmax" } else { "nn.log_softmax" };
    let xs = cx.shape(&x);
    if cx.node.opset >= 13 {
        let axis = cx.axis(cx.node.int("axis", -1)?, xs.len())?;
        let a = cx.g.i64_attr(axis as i64);
        return Ok(vec![cx.emit(op, &[x], &[("axis", a)])?]);
    }
    // Before opset 13 the input is seen as 2-D: dimensions before `axis` and from it on.
    let axis = cx.axis(cx.node.int("axis", 1)?, xs.len())?;
    let rows: i64 = xs[..axis].iter().product();
    let cols: i64 = xs[axis..].iter().product();
    let flat = cx.reshape(x, &[rows, cols])?;
    let a = cx.g.i64_attr(1);
    let y = cx.emit(op, &[flat], &[("axis", a)])?;
    Ok(vec![cx.reshape(y, &xs)?])
}

pub fn reduce(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let op = match cx.node.op_type() {
        "ReduceMean" => "nn.reduce_mean",
        "ReduceSum" => "nn.reduce_sum",
        "ReduceMax" => "nn.reduce_max",
        "ReduceMin" => "nn.reduce_min",
        _ => "nn.reduce_prod",
    };
    // ReduceSum took its axes as an input from opset 13, the others from opset 18.
    let axes_input = cx.node.opset >= if op == "nn.reduce_sum" { 13 } else { 18 };
    let axes = if axes_input { cx.opt_ints(1)? } else { cx.node.ints("axes")? };
    let rank = cx.shape(&x).len();
    let axes: Vec<i64> = match axes {
        Some(a) if !a.is_empty() => a.iter().map(|a| cx.axis(*a, rank).map(|a| a as i64)).collect::<Result<_, _>>()?,
        _ if cx.node.int("noop_with_empty_axes", 0)? != 0 => return Ok(vec![x]),
        _ => (0..rank as i64).collect(),
    };
    if axes.is_empty() {
        // A scalar reduced over no axes is itself.
        return Ok(vec![x]);
    }
    let keep = cx.node.int("keepdims", 1)? != 0;
    let attrs = [("axes", cx.g.ints_attr(&axes)), ("keepdims", cx.g.bool_attr(keep))];
    Ok(vec![cx.emit(op, &[x], &attrs)?])
}

//! Shapes and data movement: Reshape, Flatten, Squeeze/Unsqueeze, Transpose, Concat, Split,
//! Slice, Pad, Gather, Expand, and the ops of shape sub-graphs (Shape, Size,
//! ConstantOfShape, Range, Constant), which are constants at import when shapes are static.

use strata_runtime::{Elem, Tensor};

use super::Cx;
use crate::graph::Val;
use crate::ImportError;

pub fn reshape(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let spec = cx.opt_ints(1)?.ok_or_else(|| cx.err("input #1 (shape) is required"))?;
    let xs = cx.shape(&x);
    let allow_zero = cx.node.int("allowzero", 0)? != 0;
    let mut out: Vec<i64> = spec
        .iter()
        .enumerate()
        .map(|(i, d)| match *d {
            0 if !allow_zero => {
                xs.get(i).copied().ok_or_else(|| cx.err(format!("shape entry {i} copies a dimension the input lacks")))
            }
            d => Ok(d),
        })
        .collect::<Result<_, _>>()?;
    let total: i64 = xs.iter().product();
    let unknown: Vec<usize> = out.iter().enumerate().filter(|(_, d)| **d == -1).map(|(i, _)| i).collect();
    if unknown.len() > 1 || out.iter().any(|d| *d < -1) {
        return Err(cx.err(format!("shape {spec:?}: at most one -1 and no other negative entry")));
    }
    if let Some(&i) = unknown.first() {
        let known: i64 = out.iter().filter(|d| **d != -1).product();
        if known == 0 || total % known != 0 {
            return Err(cx.err(format!("shape {spec:?} does not fit {total} elements")));
        }
        out[i] = total / known;
    }
    if out.iter().product::<i64>() != total {
        return Err(cx.err(format!("shape {out:?} does not hold the input's {total} elements")));
    }
    Ok(vec![cx.reshape(x, &out)?])
}

pub fn flatten(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let xs = cx.shape(&x);
    let r = xs.len() as i64;
    let axis = cx.node.int("axis", 1)?;
    if !(-r..=r).contains(&axis) {
        return Err(cx.err(format!("axis {axis} is out of range for rank {r}")));
    }
    let axis = if axis < 0 { axis + r } else { axis } as usize;
    let out = [xs[..axis].iter().product(), xs[axis..].iter().product()];
    Ok(vec![cx.reshape(x, &out)?])
}

/// Squeeze and Unsqueeze, both reshapes; their axes moved from an attribute to an input in
/// opset 13.
pub fn squeeze(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let xs = cx.shape(&x);
    let axes = if cx.node.opset >= 13 { cx.opt_ints(1)? } else { cx.node.ints("axes")? };
    if cx.node.op_type() == "Squeeze" {
        let axes: Vec<usize> = match axes {
            Some(a) => a.iter().map(|a| cx.axis(*a, xs.len())).collect::<Result<_, _>>()?,
            None => (0..xs.len()).filter(|i| xs[*i] == 1).collect(),
        };
        if let Some(a) = axes.iter().find(|a| xs[**a] != 1) {
            return Err(cx.err(format!("dimension {a} is {}, not 1", xs[*a])));
        }
        let out: Vec<i64> = xs.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, d)| *d).collect();
        return Ok(vec![cx.reshape(x, &out)?]);
    }
    let axes = axes.ok_or_else(|| cx.err("axes are required"))?;
    let rank = xs.len() + axes.len();
    let mut axes: Vec<usize> = axes.iter().map(|a| cx.axis(*a, rank)).collect::<Result<_, _>>()?;
    axes.sort_unstable();
    if axes.windows(2).any(|w| w[0] == w[1]) {
        return Err(cx.err("axes repeat"));
    }
    let mut rest = xs.iter();
    let out: Vec<i64> = (0..rank).map(|i| if axes.contains(&i) { 1 } else { *rest.next().unwrap_or(&1) }).collect();
    Ok(vec![cx.reshape(x, &out)?])
}

pub fn transpose(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let rank = cx.shape(&x).len() as i64;
    let perm = cx.node.ints("perm")?.unwrap_or_else(|| (0..rank).rev().collect());
    if perm.iter().enumerate().all(|(i, p)| *p == i as i64) {
        return Ok(vec![x]);
    }
    let p = cx.g.ints_attr(&perm);
    Ok(vec![cx.emit("nn.transpose", &[x], &[("perm", p)])?])
}

pub fn concat(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let mut inputs: Vec<Val> = (0..cx.node.inputs()).map(|i| cx.x(i)).collect::<Result<_, _>>()?;
    let first = inputs.first().ok_or_else(|| cx.err("no inputs"))?;
    let axis = cx.axis(cx.node.int("axis", i64::MIN)?, cx.shape(first).len())?;
    // Inputs empty along the axis add nothing (shape sub-graphs concatenate empty prefixes).
    if inputs.iter().any(|v| cx.shape(v)[axis] != 0) {
        inputs.retain(|v| cx.shape(v)[axis] != 0);
    }
    if inputs.len() == 1 {
        return Ok(inputs);
    }
    let a = cx.g.i64_attr(axis as i64);
    Ok(vec![cx.emit("nn.concat", &inputs, &[("axis", a)])?])
}

pub fn split(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let xs = cx.shape(&x);
    let axis = cx.axis(cx.node.int("axis", 0)?, xs.len())?;
    let dim = xs[axis];
    let outputs = cx.node.proto.output.len() as i64;
    let given = if cx.node.opset >= 13 { cx.opt_ints(1)? } else { cx.node.ints("split")? };
    let sizes = match given {
        Some(s) => s,
        None => {
            let n = if cx.node.opset >= 18 { cx.node.int("num_outputs", outputs)? } else { outputs };
            if n < 1 {
                return Err(cx.err("nothing to split into"));
            }
            // Opset 18 allows an uneven split: chunks of ceil(dim / n), the last smaller.
            let chunk = (dim + n - 1) / n;
            if cx.node.opset < 18 && dim % n != 0 {
                return Err(cx.err(format!("dimension {dim} does not split evenly into {n}")));
            }
            (0..n).map(|i| chunk.min(dim - i * chunk)).collect()
        }
    };
    if sizes.iter().sum::<i64>() != dim || sizes.iter().any(|s| *s < 1) || sizes.len() as i64 != outputs {
        return Err(cx.err(format!("sizes {sizes:?} do not split dimension {dim} into {outputs} parts")));
    }
    if sizes.len() == 1 {
        return Ok(vec![x]);
    }
    let attrs = [("axis", cx.g.i64_attr(axis as i64)), ("sizes", cx.g.ints_attr(&sizes))];
    cx.emit_n("nn.split", &[x], &attrs)
}

pub fn slice(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let xs = cx.shape(&x);
    let need = |cx: &Cx, i: usize, what: &str| {
        cx.opt_ints(i)?.ok_or_else(|| cx.err(format!("input #{i} ({what}) is required")))
    };
    let (starts, ends) = (need(cx, 1, "starts")?, need(cx, 2, "ends")?);
    let axes = cx.opt_ints(3)?.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = cx.opt_ints(4)?.unwrap_or_else(|| vec![1; starts.len()]);
    if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
        return Err(cx.err("starts, ends, axes and steps must have the same length"));
    }
    let mut begin = vec![0i64; xs.len()];
    let mut size = xs.clone();
    let mut stride = vec![1i64; xs.len()];
    for k in 0..starts.len() {
        let a = cx.axis(axes[k], xs.len())?;
        let (dim, step) = (xs[a], steps[k]);
        if step == 0 {
            return Err(cx.err("a step of 0"));
        }
        // ONNX: negative indices count from the end, then clamp to the axis (for a negative
        // step the end may go one before the start of the axis).
        let norm = |v: i64| if v < 0 { v.saturating_add(dim) } else { v };
        let (s, e) = if step > 0 {
            (norm(starts[k]).clamp(0, dim), norm(ends[k]).clamp(0, dim))
        } else {
            (norm(starts[k]).clamp(0, dim - 1), norm(ends[k]).clamp(-1, dim - 1))
        };
        let n = if step > 0 { (e - s + step - 1) / step } else { (s - e + (-step) - 1) / (-step) }.max(0);
        begin[a] = s;
        size[a] = n;
        stride[a] = step;
    }
    if size == xs && stride.iter().all(|s| *s == 1) {
        return Ok(vec![x]);
    }
    if size.contains(&0) {
        // An empty slice: a constant (shape computations take empty prefixes of shapes); an
        // empty tensor at run time is not something the lowering supports.
        if x.constant().is_none() {
            return Err(cx.err("the slice is empty (zero-size tensors are not supported at run time)"));
        }
        let shape: Vec<usize> = size.iter().map(|d| *d as usize).collect();
        return Ok(vec![cx.g.constant(Tensor::from_scalars(&shape, cx.elem(&x), []))]);
    }
    let g = &cx.g;
    let attrs = [("starts", g.ints_attr(&begin)), ("sizes", g.ints_attr(&size)), ("steps", g.ints_attr(&stride))];
    Ok(vec![cx.emit("nn.slice", &[x], &attrs)?])
}

pub fn pad(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let mut x = cx.x(0)?;
    let xs = cx.shape(&x);
    let rank = xs.len();
    let mode = cx.node.string("mode", "constant")?;
    if !["constant", "reflect", "edge"].contains(&mode.as_str()) {
        return Err(cx.err(format!("mode = '{mode}' is not supported (constant, reflect and edge are)")));
    }
    let given = cx.opt_ints(1)?.ok_or_else(|| cx.err("input #1 (pads) is required"))?;
    let value = cx.opt_scalar(2)?.unwrap_or(0.0);
    let axes: Vec<usize> = match cx.opt_ints(3)? {
        Some(a) => a.iter().map(|a| cx.axis(*a, rank)).collect::<Result<_, _>>()?,
        None => (0..rank).collect(),
    };
    if given.len() != 2 * axes.len() {
        return Err(cx.err(format!("{} pads for {} axes", given.len(), axes.len())));
    }
    let mut pads = vec![0i64; 2 * rank];
    for (k, a) in axes.iter().enumerate() {
        pads[*a] = given[k];
        pads[rank + *a] = given[axes.len() + k];
    }
    // Negative pads crop: a slice first, then the positive pads.
    if pads.iter().any(|p| *p < 0) {
        let begin: Vec<i64> = (0..rank).map(|a| (-pads[a]).max(0)).collect();
        let size: Vec<i64> = (0..rank).map(|a| xs[a] - begin[a] - (-pads[rank + a]).max(0)).collect();
        if size.iter().any(|s| *s < 1) {
            return Err(cx.err("pads crop an axis to nothing"));
        }
        let g = &cx.g;
        let attrs =
            [("starts", g.ints_attr(&begin)), ("sizes", g.ints_attr(&size)), ("steps", g.ints_attr(&vec![1; rank]))];
        x = cx.emit("nn.slice", &[x], &attrs)?;
        pads.iter_mut().for_each(|p| *p = (*p).max(0));
    }
    if pads.iter().all(|p| *p == 0) {
        return Ok(vec![x]);
    }
    let mut attrs = vec![("pads", cx.g.ints_attr(&pads)), ("value", cx.g.f32_attr(value))];
    if mode != "constant" {
        attrs.push(("mode", cx.g.str_attr(&mode)));
    }
    Ok(vec![cx.emit("nn.pad", &[x], &attrs)?])
}

pub fn gather(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let (data, indices) = (cx.x(0)?, cx.x(1)?);
    let axis = cx.axis(cx.node.int("axis", 0)?, cx.shape(&data).len())?;
    let a = cx.g.i64_attr(axis as i64);
    Ok(vec![cx.emit("nn.gather", &[data, indices], &[("axis", a)])?])
}

pub fn expand(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let shape = cx.opt_ints(1)?.ok_or_else(|| cx.err("input #1 (shape) is required"))?;
    let xs = cx.shape(&x);
    let out = strata_dialects::nn::shape::broadcast(&xs, &shape).map_err(|e| cx.err(e.to_string()))?;
    if out == xs {
        return Ok(vec![x]);
    }
    let s = cx.g.ints_attr(&out);
    Ok(vec![cx.emit("nn.broadcast", &[x], &[("shape", s)])?])
}

pub fn shape(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let xs = cx.shape(&cx.x(0)?);
    let r = xs.len() as i64;
    let clamp = |v: i64| if v < 0 { (v + r).max(0) } else { v.min(r) } as usize;
    let (start, end) = (clamp(cx.node.int("start", 0)?), clamp(cx.node.int("end", r)?));
    Ok(vec![cx.ints_const(if start < end { &xs[start..end] } else { &[] })])
}

pub fn size(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let n: i64 = cx.shape(&cx.x(0)?).iter().product();
    Ok(vec![cx.g.constant(Tensor::from_ints(&[], Elem::Int(64), vec![n]))])
}

pub fn constant_of_shape(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let dims = cx.opt_ints(0)?.ok_or_else(|| cx.err("input #0 (shape) is required"))?;
    let shape: Vec<usize> = dims
        .iter()
        .map(|d| usize::try_from(*d).map_err(|_| cx.err(format!("negative dimension {d}"))))
        .collect::<Result<_, _>>()?;
    let n: usize = shape.iter().product();
    let (elem, value) = match cx.node.tensor("value")? {
        Some(t) => {
            let c = crate::constant::decode(t, None).map_err(|m| cx.err(format!("'value': {m}")))?;
            if c.len() != 1 {
                return Err(cx.err("'value' must hold one element"));
            }
            (c.elem, c.tensor().get(0))
        }
        None => (Elem::F32, Elem::F32.from_f64(0.0)),
    };
    Ok(vec![cx.g.constant(Tensor::from_scalars(&shape, elem, std::iter::repeat_n(value, n)))])
}

pub fn range(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let (start, limit, delta) = (cx.konst(0)?, cx.konst(1)?, cx.konst(2)?);
    let elem = start.elem;
    let get = |c: &crate::constant::Constant| c.scalar_f64().ok_or_else(|| cx.err("Range takes scalars"));
    let (s, l, d) = (get(&start)?, get(&limit)?, get(&delta)?);
    if d == 0.0 {
        return Err(cx.err("a delta of 0"));
    }
    let n = ((l - s) / d).ceil().max(0.0) as usize;
    let t = if elem.is_float() {
        Tensor::from_floats(&[n], elem, (0..n).map(|i| s + i as f64 * d).collect())
    } else {
        Tensor::from_ints(&[n], elem, (0..n as i64).map(|i| s as i64 + i * d as i64).collect())
    };
    Ok(vec![cx.g.constant(t)])
}

pub fn constant(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let node = cx.node;
    if let Some(t) = node.tensor("value")? {
        let c = crate::constant::decode(t, None).map_err(|m| cx.err(format!("'value': {m}")))?;
        return Ok(vec![Val::Const(std::rc::Rc::new(c))]);
    }
    let f32 = Elem::F32;
    let t = if node.has("value_float") {
        Tensor::from_floats(&[], f32, vec![node.float("value_float", 0.0)? as f64])
    } else if let Some(v) = node.floats("value_floats")? {
        Tensor::from_floats(&[v.len()], f32, v.iter().map(|x| *x as f64).collect())
    } else if node.has("value_int") {
        Tensor::from_ints(&[], Elem::Int(64), vec![node.int("value_int", 0)?])
    } else if let Some(v) = node.ints("value_ints")? {
        Tensor::from_ints(&[v.len()], Elem::Int(64), v)
    } else {
        return Err(cx.err("only value, value_float(s) and value_int(s) constants are supported"));
    };
    Ok(vec![cx.g.constant(t)])
}

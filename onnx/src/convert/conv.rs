//! Convolutions and matrix products: Conv (1-D and 2-D, groups, dilations, `auto_pad`),
//! ConvTranspose, Gemm and MatMul.

use super::Cx;
use crate::graph::Val;
use crate::ImportError;

/// Spatial attributes of a 1-D or 2-D window op, resolved to 2-D (a 1-D op is a 2-D one over
/// a height of 1).
pub struct Window {
    pub kernel: [i64; 2],
    pub strides: [i64; 2],
    pub dilations: [i64; 2],
    /// top, left, bottom, right (ONNX's begin..., end... for two axes).
    pub pads: [i64; 4],
}

/// Reads `strides`, `dilations`, `pads` and `auto_pad` for `spatial` dims of `input`
/// (its shape's last `spatial` entries) with a kernel of `kernel`, as ONNX defines them.
pub fn window(cx: &Cx, input: &[i64], kernel: &[i64]) -> Result<Window, ImportError> {
    let n = kernel.len();
    if !(1..=2).contains(&n) {
        return Err(cx.err(format!("{n}-D windows are not supported (1-D and 2-D are)")));
    }
    let list = |name: &str, default: i64, len: usize| -> Result<Vec<i64>, ImportError> {
        let v = cx.node.ints(name)?.unwrap_or_else(|| vec![default; len]);
        if v.len() != len {
            return Err(cx.err(format!("attribute '{name}' has {} entries, expected {len}", v.len())));
        }
        Ok(v)
    };
    let strides = list("strides", 1, n)?;
    let dilations = list("dilations", 1, n)?;
    let spatial = &input[input.len() - n..];
    let pads = match cx.node.string("auto_pad", "NOTSET")?.as_str() {
        "NOTSET" => list("pads", 0, 2 * n)?,
        "VALID" => vec![0; 2 * n],
        mode @ ("SAME_UPPER" | "SAME_LOWER") => {
            let mut p = vec![0; 2 * n];
            for i in 0..n {
                let out = (spatial[i] + strides[i] - 1) / strides[i];
                let total = ((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i]).max(0);
                let (begin, end) = split_padding(total, mode == "SAME_UPPER");
                p[i] = begin;
                p[n + i] = end;
            }
            p
        }
        other => {
            return Err(cx.err(format!("auto_pad = '{other}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER")))
        }
    };
    if pads.iter().any(|p| *p < 0) || strides.iter().chain(&dilations).any(|s| *s < 1) {
        return Err(cx.err("pads must be non-negative, strides and dilations positive"));
    }
    Ok(if n == 1 {
        Window {
            kernel: [1, kernel[0]],
            strides: [1, strides[0]],
            dilations: [1, dilations[0]],
            pads: [0, pads[0], 0, pads[1]],
        }
    } else {
        Window {
            kernel: [kernel[0], kernel[1]],
            strides: [strides[0], strides[1]],
            dilations: [dilations[0], dilations[1]],
            pads: [pads[0], pads[1], pads[2], pads[3]],
        }
    })
}

/// `total` padding split into (begin, end) as `auto_pad` says: SAME_UPPER puts the odd one at
/// the end, SAME_LOWER (and an explicit `output_shape`) at the beginning.
fn split_padding(total: i64, upper: bool) -> (i64, i64) {
    if upper {
        (total / 2, total - total / 2)
    } else {
        (total - total / 2, total / 2)
    }
}

/// `v` (N, C, W) as (N, C, 1, W).
pub fn to_2d(cx: &mut Cx, v: Val) -> Result<Val, ImportError> {
    let mut s = cx.shape(&v);
    s.insert(2, 1);
    cx.reshape(v, &s)
}

/// A 2-D result of a 1-D op back to (N, C, W).
pub fn from_2d(cx: &mut Cx, v: Val) -> Result<Val, ImportError> {
    let mut s = cx.shape(&v);
    s.remove(2);
    cx.reshape(v, &s)
}

fn kernel_of(cx: &Cx, w: &[i64]) -> Result<Vec<i64>, ImportError> {
    let kernel = w[2..].to_vec();
    if let Some(k) = cx.node.ints("kernel_shape")? {
        if k != kernel {
            return Err(cx.err(format!("kernel_shape {k:?} disagrees with the weight's {kernel:?}")));
        }
    }
    Ok(kernel)
}

pub fn conv(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let (mut x, mut w, b) = (cx.x(0)?, cx.x(1)?, cx.opt(2));
    let ws = cx.shape(&w);
    if ws.len() < 3 || cx.shape(&x).len() != ws.len() {
        return Err(cx.err(format!("input of rank {} and weight of rank {}", cx.shape(&x).len(), ws.len())));
    }
    let kernel = kernel_of(cx, &ws)?;
    let win = window(cx, &cx.shape(&x), &kernel)?;
    let one_d = kernel.len() == 1;
    if one_d {
        x = to_2d(cx, x)?;
        w = to_2d(cx, w)?;
    }
    let g = &cx.g;
    let attrs = [
        ("strides", g.ints_attr(&win.strides)),
        ("padding", g.ints_attr(&win.pads)),
        ("dilations", g.ints_attr(&win.dilations)),
        ("groups", g.i64_attr(cx.node.int("group", 1)?)),
    ];
    let mut operands = vec![x, w];
    operands.extend(b);
    let y = cx.emit("nn.conv2d", &operands, &attrs)?;
    Ok(vec![if one_d { from_2d(cx, y)? } else { y }])
}

pub fn conv_transpose(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let (x, w, b) = (cx.x(0)?, cx.x(1)?, cx.opt(2));
    let (xs, ws) = (cx.shape(&x), cx.shape(&w));
    if ws.len() != 4 || xs.len() != 4 {
        return Err(cx.err("only 2-D ConvTranspose (rank-4 input and weight) is supported"));
    }
    let kernel = kernel_of(cx, &ws)?;
    let strides = cx.node.ints("strides")?.unwrap_or(vec![1, 1]);
    let dilations = cx.node.ints("dilations")?.unwrap_or(vec![1, 1]);
    let mut output_padding = cx.node.ints("output_padding")?.unwrap_or(vec![0, 0]);
    if strides.len() != 2 || dilations.len() != 2 || output_padding.len() != 2 {
        return Err(cx.err("strides, dilations and output_padding need two entries each"));
    }
    let auto_pad = cx.node.string("auto_pad", "NOTSET")?;
    // The full output size before padding is taken off, per axis.
    let full: Vec<i64> =
        (0..2).map(|i| strides[i] * (xs[2 + i] - 1) + output_padding[i] + (kernel[i] - 1) * dilations[i] + 1).collect();
    let output_shape = cx.node.ints("output_shape")?;
    let pads = if let Some(out) = output_shape.as_ref().map(|o| o[o.len().saturating_sub(2)..].to_vec()) {
        // ONNX: total padding from the requested output; SAME_UPPER puts the odd one at the end.
        let mut p = [0i64; 4];
        for i in 0..2 {
            let total = full[i] - out[i];
            if total < 0 {
                // A larger output than the padding-free one: the rest is output padding.
                output_padding[i] -= total;
                continue;
            }
            let (begin, end) = split_padding(total, auto_pad == "SAME_UPPER");
            p[i] = begin;
            p[2 + i] = end;
        }
        p
    } else {
        match auto_pad.as_str() {
            "NOTSET" => {
                let p = cx.node.ints("pads")?.unwrap_or(vec![0; 4]);
                if p.len() != 4 {
                    return Err(cx.err("attribute 'pads' needs four entries"));
                }
                [p[0], p[1], p[2], p[3]]
            }
            "VALID" => [0; 4],
            mode => {
                // SAME: the output is input * stride.
                let mut p = [0i64; 4];
                for i in 0..2 {
                    let total = (full[i] - xs[2 + i] * strides[i]).max(0);
                    let (begin, end) = split_padding(total, mode == "SAME_UPPER");
                    p[i] = begin;
                    p[2 + i] = end;
                }
                p
            }
        }
    };
    let g = &cx.g;
    let attrs = [
        ("strides", g.ints_attr(&strides)),
        ("padding", g.ints_attr(&pads)),
        ("dilations", g.ints_attr(&dilations)),
        ("output_padding", g.ints_attr(&output_padding)),
        ("groups", g.i64_attr(cx.node.int("group", 1)?)),
    ];
    let mut operands = vec![x, w];
    operands.extend(b);
    Ok(vec![cx.emit("nn.conv_transpose2d", &operands, &attrs)?])
}

/// alpha * A' B' + beta * C, with A' and B' transposed as asked (a constant B is transposed
/// at import).
pub fn gemm(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let (mut a, mut b, c) = (cx.x(0)?, cx.x(1)?, cx.opt(2));
    for (v, attr) in [(&mut a, "transA"), (&mut b, "transB")] {
        if cx.shape(v).len() != 2 {
            return Err(cx.err("Gemm takes matrices"));
        }
        if cx.node.int(attr, 0)? != 0 {
            let perm = cx.g.ints_attr(&[1, 0]);
            *v = cx.emit("nn.transpose", std::slice::from_ref(v), &[("perm", perm)])?;
        }
    }
    let (alpha, beta) = (cx.node.float("alpha", 1.0)? as f64, cx.node.float("beta", 1.0)? as f64);
    let mut y = cx.emit("nn.matmul", &[a, b], &[])?;
    if alpha != 1.0 {
        let k = cx.scalar_like(&y, alpha);
        y = cx.emit("nn.mul", &[y, k], &[])?;
    }
    if let Some(mut c) = c {
        if beta != 1.0 {
            let k = cx.scalar_like(&c, beta);
            c = cx.emit("nn.mul", &[c, k], &[])?;
        }
        y = cx.emit("nn.add", &[y, c], &[])?;
    }
    Ok(vec![y])
}

/// numpy's matmul: a 1-D operand is a row (lhs) or a column (rhs), dropped from the result.
pub fn matmul(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let (mut a, mut b) = (cx.x(0)?, cx.x(1)?);
    let (sa, sb) = (cx.shape(&a), cx.shape(&b));
    if sa.is_empty() || sb.is_empty() {
        return Err(cx.err("MatMul operands must have rank 1 or more"));
    }
    if sa.len() == 1 {
        a = cx.reshape(a, &[1, sa[0]])?;
    }
    if sb.len() == 1 {
        b = cx.reshape(b, &[sb[0], 1])?;
    }
    let y = cx.emit("nn.matmul", &[a, b], &[])?;
    let mut shape = cx.shape(&y);
    if sb.len() == 1 {
        shape.pop();
    }
    if sa.len() == 1 {
        shape.remove(shape.len() - if sb.len() == 1 { 1 } else { 2 });
    }
    Ok(vec![cx.reshape(y, &shape)?])
}

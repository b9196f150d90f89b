//! The `nn` ops on tensors: the documented semantics (ONNX's where ONNX defines the op).
//! Convolutions and pools work in NCHW; other layouts are converted on the way in and out.

use strata_dialects::nn::shape::{Conv2d, ConvTranspose2d, Layout, PadMode, Pool2d, PoolMode};

use crate::scalar::Op;
use crate::tensor::{broadcast_offsets, broadcast_strides, Data, Elem, Scalar, Tensor};

/// The scalar function of an elementwise op, with its float parameters (`alpha`, `min`, `max`).
pub fn unary(name: &str, p: &[f64]) -> Option<Box<dyn Fn(f64) -> f64>> {
    Some(match name {
        "nn.relu" => Box::new(|x: f64| if x.is_nan() { x } else { x.max(0.0) }),
        "nn.relu6" => Box::new(|x: f64| if x.is_nan() { x } else { x.clamp(0.0, 6.0) }),
        "nn.leaky_relu" => {
            let a = p[0];
            Box::new(move |x: f64| if x > 0.0 { x } else { a * x })
        }
        "nn.clip" => {
            let (lo, hi) = (p[0], p[1]);
            Box::new(move |x: f64| if x.is_nan() { x } else { x.max(lo).min(hi) })
        }
        "nn.sigmoid" => Box::new(|x: f64| 1.0 / (1.0 + (-x).exp())),
        "nn.tanh" => Box::new(f64::tanh),
        "nn.gelu" => Box::new(|x: f64| 0.5 * x * (1.0 + libm::erf(x * std::f64::consts::FRAC_1_SQRT_2))),
        "nn.erf" => Box::new(libm::erf),
        "nn.silu" => Box::new(|x: f64| x / (1.0 + (-x).exp())),
        "nn.exp" => Box::new(f64::exp),
        "nn.log" => Box::new(f64::ln),
        "nn.sqrt" => Box::new(f64::sqrt),
        "nn.rsqrt" => Box::new(|x: f64| 1.0 / x.sqrt()),
        "nn.abs" => Box::new(f64::abs),
        "nn.neg" => Box::new(|x: f64| -x),
        _ => return None,
    })
}

/// The scalar op of a binary elementwise `nn` op on elements of type `elem`: float
/// arithmetic, or MLIR's integer semantics (wrapping; signed division, maximum and minimum;
/// division by zero faults). `nn.pow` takes floats only.
pub fn binary(name: &str, elem: Elem) -> Option<Op> {
    let int = |n: &str| Some(Op::Int(crate::scalar::IntOp::of(n), strata_dialects::arith::int_semantics(n)?));
    if !elem.is_float() {
        return match name {
            "nn.add" => int("arith.addi"),
            "nn.sub" => int("arith.subi"),
            "nn.mul" => int("arith.muli"),
            "nn.div" => int("arith.divsi"),
            "nn.max" => int("arith.maxsi"),
            "nn.min" => int("arith.minsi"),
            _ => None,
        };
    }
    Some(match name {
        "nn.add" => Op::AddF,
        "nn.sub" => Op::SubF,
        "nn.mul" => Op::MulF,
        "nn.div" => Op::DivF,
        "nn.max" => Op::MaximumF,
        "nn.min" => Op::MinimumF,
        "nn.pow" => Op::Pow,
        _ => return None,
    })
}

/// `nn.compare`'s scalar op for elements of type `elem` (the arith predicate the lowering
/// uses too: integers signed, floats ordered but `ne`).
pub fn compare(predicate: &str, elem: Elem) -> Option<Op> {
    let p = strata_dialects::nn::scalar::compare_predicate(predicate, elem.is_float())?;
    Some(if elem.is_float() { Op::CmpF(p) } else { Op::CmpI(p) })
}

/// `nn.cast`: each element converted to `to` (see the op's documentation: floats rounded,
/// floats to integers truncated and saturated with NaN to 0, integers sign-extended or
/// wrapped, anything to i1 as x != 0, i1 to a number as 0 or 1).
pub fn cast(x: &Tensor, to: Elem) -> Tensor {
    let from = x.elem;
    let convert = |s: Scalar| -> Scalar {
        match (s, to) {
            (Scalar::Float(v), Elem::Int(1)) => Scalar::Int(i64::from(v != 0.0)),
            (Scalar::Int(i), Elem::Int(1)) => Scalar::Int(i64::from(i != 0)),
            (Scalar::Int(i), _) if from == Elem::Int(1) => to.from_int(i128::from(i & 1)),
            (Scalar::Int(i), _) => to.from_int(i128::from(from.signed(i))),
            (Scalar::Float(v), Elem::Int(_)) => {
                let (lo, hi) = to.signed_range();
                Scalar::Int(to.wrap((v as i128).clamp(i128::from(lo), i128::from(hi))))
            }
            (Scalar::Float(v), _) => to.from_f64(v),
        }
    };
    Tensor::from_scalars(&x.shape, to, x.scalars().map(convert))
}

/// `f` over inputs broadcast to `out`, its values converted to `elem`.
pub fn map_broadcast<E>(
    inputs: &[&Tensor],
    out: &[usize],
    elem: Elem,
    f: &mut dyn FnMut(&[Scalar]) -> Result<Scalar, E>,
) -> Result<Tensor, E> {
    let offsets: Vec<Vec<usize>> = inputs.iter().map(|t| broadcast_offsets(&t.shape, out)).collect();
    let n: usize = out.iter().product();
    let mut args = vec![Scalar::Int(0); inputs.len()];
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        for ((arg, t), off) in args.iter_mut().zip(inputs).zip(&offsets) {
            *arg = t.get(off[i]);
        }
        values.push(f(&args)?);
    }
    Ok(Tensor::from_scalars(out, elem, values))
}

/// `a op b` broadcast to `out`, for float tensors and the four operations that cannot fault
/// (`addf`, `subf`, `mulf`, `divf`): what [`map_broadcast`] with `scalar::apply` computes,
/// the same f64 operation rounded once to `elem`, without a `Scalar` and an offset table per
/// element. Constant folding multiplies every convolution's weights by its batch norm's
/// scales: ResNet-18's 11 M elements took 0.49 s through [`map_broadcast`]. `None` when
/// another operation or element kind asks for the general path.
pub fn float_binary(op: Op, a: &Tensor, b: &Tensor, out: &[usize], elem: Elem) -> Option<Tensor> {
    let f: fn(f64, f64) -> f64 = match op {
        Op::AddF => |x, y| x + y,
        Op::SubF => |x, y| x - y,
        Op::MulF => |x, y| x * y,
        Op::DivF => |x, y| x / y,
        _ => return None,
    };
    let (Data::Float(x), Data::Float(y)) = (&a.data, &b.data) else { return None };
    if !elem.is_float() || out.is_empty() {
        return None;
    }
    let (sa, sb) = (broadcast_strides(&a.shape, out), broadcast_strides(&b.shape, out));
    let n: usize = out.iter().product();
    let (last, inner) = (out.len() - 1, out[out.len() - 1]);
    let mut values = Vec::with_capacity(n);
    let mut index = vec![0usize; out.len()];
    let (mut oa, mut ob) = (0usize, 0usize);
    // Rows of the innermost dimension, then the index carried over the outer ones.
    for _ in 0..n.checked_div(inner).unwrap_or(0) {
        for i in 0..inner {
            values.push(elem.round(f(x[oa + i * sa[last]], y[ob + i * sb[last]])));
        }
        for d in (0..last).rev() {
            index[d] += 1;
            oa += sa[d];
            ob += sb[d];
            if index[d] < out[d] {
                break;
            }
            oa -= sa[d] * index[d];
            ob -= sb[d] * index[d];
            index[d] = 0;
        }
    }
    Some(Tensor { shape: out.to_vec(), elem, data: Data::Float(values) })
}

/// `f` on the floats of `x`, rounded to `x`'s type.
pub fn map_floats(x: &Tensor, f: &dyn Fn(f64) -> f64) -> Tensor {
    Tensor::from_floats(&x.shape, x.elem, x.floats().iter().map(|v| x.elem.round(f(*v))).collect())
}

/// Permutes dimensions: output dimension i is input dimension `perm[i]`.
pub fn transpose(x: &Tensor, perm: &[usize]) -> Tensor {
    let out: Vec<usize> = perm.iter().map(|p| x.shape[*p]).collect();
    let in_strides = Tensor::strides(&x.shape);
    let strides: Vec<usize> = perm.iter().map(|p| in_strides[*p]).collect();
    let n = x.len();
    let mut offsets = Vec::with_capacity(n);
    let mut index = vec![0usize; out.len()];
    for _ in 0..n {
        offsets.push(index.iter().zip(&strides).map(|(i, s)| i * s).sum::<usize>());
        for d in (0..out.len()).rev() {
            index[d] += 1;
            if index[d] < out[d] {
                break;
            }
            index[d] = 0;
        }
    }
    x.gather(&out, offsets)
}

/// A tensor in `from` layout as NCHW.
pub fn to_nchw(x: &Tensor, from: Layout) -> Tensor {
    match from {
        Layout::Nchw => x.clone(),
        Layout::Nhwc => transpose(x, &[0, 3, 1, 2]),
        Layout::Nchw4c | Layout::Nchw8c => {
            // [N, C/b, H, W, b] -> [N, C/b, b, H, W] -> [N, C, H, W]
            let t = transpose(x, &[0, 1, 4, 2, 3]);
            let s = &x.shape;
            t.reshaped(&[s[0], s[1] * s[4], s[2], s[3]])
        }
    }
}

/// An NCHW tensor in layout `to`.
pub fn from_nchw(x: &Tensor, to: Layout) -> Tensor {
    match to {
        Layout::Nchw => x.clone(),
        Layout::Nhwc => transpose(x, &[0, 2, 3, 1]),
        Layout::Nchw4c | Layout::Nchw8c => {
            let b = to.block().unwrap_or(1) as usize;
            let s = &x.shape;
            let split = x.clone().reshaped(&[s[0], s[1] / b, b, s[2], s[3]]);
            transpose(&split, &[0, 1, 3, 4, 2])
        }
    }
}

/// Direct convolution in NCHW with OIHW weights, accumulating in f64.
pub fn conv2d(x: &Tensor, w: &Tensor, bias: Option<&Tensor>, c: &Conv2d) -> Tensor {
    let xt = to_nchw(x, c.layout);
    let (x, wv) = (xt.floats(), w.floats());
    let bias = bias.map(|b| b.floats());
    let (n, ch, h, wd) = (xt.shape[0], xt.shape[1], xt.shape[2], xt.shape[3]);
    let (o, i, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3]);
    let [sh, sw] = c.strides.map(|v| v as usize);
    let [dh, dw] = c.dilations.map(|v| v as usize);
    let [pt, pl, pb, pr] = c.padding.map(|v| v as usize);
    let oh = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1;
    let ow = (wd + pl + pr - dw * (kw - 1) - 1) / sw + 1;
    let per_group = o / c.groups as usize;
    let mut out = vec![0.0; n * o * oh * ow];
    for b in 0..n {
        for oc in 0..o {
            let g = oc / per_group;
            let base = bias.as_ref().map_or(0.0, |t| t[oc]);
            for y in 0..oh {
                for xo in 0..ow {
                    let mut acc = base;
                    for ic in 0..i {
                        let cin = g * i + ic;
                        debug_assert!(cin < ch);
                        for ky in 0..kh {
                            let iy = (y * sh + ky * dh) as isize - pt as isize;
                            if iy < 0 || iy >= h as isize {
                                continue;
                            }
                            for kx in 0..kw {
                                let ix = (xo * sw + kx * dw) as isize - pl as isize;
                                if ix < 0 || ix >= wd as isize {
                                    continue;
                                }
                                let xv = x[((b * ch + cin) * h + iy as usize) * wd + ix as usize];
                                acc += xv * wv[((oc * i + ic) * kh + ky) * kw + kx];
                            }
                        }
                    }
                    out[((b * o + oc) * oh + y) * ow + xo] = xt.elem.round(acc);
                }
            }
        }
    }
    from_nchw(&Tensor::from_floats(&[n, o, oh, ow], xt.elem, out), c.layout)
}

/// Transposed convolution in NCHW, weights `[C_in, C_out / groups, kH, kW]`, accumulating in
/// f64: each input element times each tap lands on output `(iy·s - pad_top + ky·d, ...)`.
pub fn conv_transpose2d(x: &Tensor, w: &Tensor, bias: Option<&Tensor>, c: &ConvTranspose2d, out: &[usize]) -> Tensor {
    let (xv, wv) = (x.floats(), w.floats());
    let (n, ci, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    let (per_group, kh, kw) = (w.shape[1], w.shape[2], w.shape[3]);
    let (o, oh, ow) = (out[1], out[2], out[3]);
    let in_group = ci / c.groups as usize;
    let [sh, sw] = c.strides.map(|v| v as isize);
    let [dh, dw] = c.dilations.map(|v| v as isize);
    let [pt, pl] = [c.padding[0], c.padding[1]].map(|v| v as isize);
    let bias = bias.map(|b| b.floats());
    let mut acc: Vec<f64> =
        (0..n * o * oh * ow).map(|i| bias.as_ref().map_or(0.0, |b| b[(i / (oh * ow)) % o])).collect();
    for b in 0..n {
        for ic in 0..ci {
            let g = ic / in_group;
            for iy in 0..h {
                for ix in 0..wd {
                    let v = xv[((b * ci + ic) * h + iy) * wd + ix];
                    for j in 0..per_group {
                        let oc = g * per_group + j;
                        for ky in 0..kh {
                            let y = iy as isize * sh - pt + ky as isize * dh;
                            if y < 0 || y >= oh as isize {
                                continue;
                            }
                            for kx in 0..kw {
                                let xo = ix as isize * sw - pl + kx as isize * dw;
                                if xo < 0 || xo >= ow as isize {
                                    continue;
                                }
                                acc[((b * o + oc) * oh + y as usize) * ow + xo as usize] +=
                                    v * wv[((ic * per_group + j) * kh + ky) * kw + kx];
                            }
                        }
                    }
                }
            }
        }
    }
    Tensor::from_floats(out, x.elem, acc)
}

/// Max or average pooling into `out` (the result's shape, in the pool's layout: which windows
/// exist under `ceil_mode`). Averages divide by the input elements a window covers (ONNX's
/// `count_include_pad = 0`), or with `count_include_pad` by the window clipped to the padded
/// input.
pub fn pool2d(x: &Tensor, p: &Pool2d, mode: PoolMode, max: bool, out: &[usize]) -> Tensor {
    let xt = to_nchw(x, p.layout);
    let x = xt.floats();
    let (n, c, h, w) = (xt.shape[0], xt.shape[1], xt.shape[2], xt.shape[3]);
    let [kh, kw] = p.kernel.map(|v| v as usize);
    let [sh, sw] = p.strides.map(|v| v as usize);
    let [pt, pl, pb, pr] = p.padding.map(|v| v as usize);
    let dims: Vec<i64> = out.iter().map(|d| *d as i64).collect();
    let (_, _, oh, ow) = p.layout.nchw(&dims);
    let (oh, ow) = (oh as usize, ow as usize);
    // The rows (or columns) from `start` that a window of `k` covers in the padded input.
    let padded = |start: isize, k: usize, size: usize, end_pad: usize| {
        ((start + k as isize).min((size + end_pad) as isize) - start) as f64
    };
    let mut out = Vec::with_capacity(n * c * oh * ow);
    for plane in 0..n * c {
        for y in 0..oh {
            for xo in 0..ow {
                let (mut acc, mut count) = (if max { f64::NEG_INFINITY } else { 0.0 }, 0usize);
                for ky in 0..kh {
                    let iy = (y * sh + ky) as isize - pt as isize;
                    for kx in 0..kw {
                        let ix = (xo * sw + kx) as isize - pl as isize;
                        if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                            continue;
                        }
                        let v = x[(plane * h + iy as usize) * w + ix as usize];
                        acc = if max { crate::scalar::maximum(acc, v) } else { acc + v };
                        count += 1;
                    }
                }
                let divisor = if mode.count_include_pad {
                    let (y0, x0) = ((y * sh) as isize - pt as isize, (xo * sw) as isize - pl as isize);
                    padded(y0, kh, h, pb) * padded(x0, kw, w, pr)
                } else {
                    count.max(1) as f64
                };
                out.push(xt.elem.round(if max { acc } else { acc / divisor }));
            }
        }
    }
    from_nchw(&Tensor::from_floats(&[n, c, oh, ow], xt.elem, out), p.layout)
}

/// Matrix product over the last two dimensions, batch dimensions broadcast. Floats accumulate
/// in f64 and round once; integers wrap at their width (as MLIR's `muli`/`addi` chain does).
pub fn matmul(a: &Tensor, b: &Tensor, out_shape: &[usize]) -> Tensor {
    let (ra, rb) = (a.shape.len(), b.shape.len());
    let (m, k, n) = (a.shape[ra - 2], a.shape[ra - 1], b.shape[rb - 1]);
    let batch = &out_shape[..out_shape.len() - 2];
    let ba = broadcast_offsets(&a.shape[..ra - 2], batch);
    let bb = broadcast_offsets(&b.shape[..rb - 2], batch);
    let pairs = ba
        .iter()
        .zip(&bb)
        .flat_map(|(oa, ob)| (0..m).flat_map(move |i| (0..n).map(move |j| (oa * m * k + i * k, ob * k * n + j))));
    match (&a.data, &b.data) {
        (Data::Int(x), Data::Int(y)) => {
            let e = a.elem;
            let values = pairs
                .map(|(pa, pb)| {
                    let acc = (0..k).fold(0i64, |acc, l| {
                        acc.wrapping_add(e.signed(x[pa + l]).wrapping_mul(e.signed(y[pb + l * n])))
                    });
                    e.wrap(acc as i128)
                })
                .collect();
            Tensor::from_ints(out_shape, e, values)
        }
        _ => {
            let (x, y) = (a.floats(), b.floats());
            let values = pairs
                .map(|(pa, pb)| a.elem.round((0..k).fold(0.0, |acc, l| acc + x[pa + l] * y[pb + l * n])))
                .collect();
            Tensor::from_floats(out_shape, a.elem, values)
        }
    }
}

/// Inference batch norm over channel dimension 1.
pub fn batch_norm(x: &Tensor, p: [&Tensor; 4], eps: f64) -> Tensor {
    let [scale, bias, mean, var] = p.map(|t| t.floats());
    let c = x.shape[1];
    let inner: usize = x.shape[2..].iter().product();
    let data = x
        .floats()
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let ch = (i / inner) % c;
            x.elem.round((v - mean[ch]) / (var[ch] + eps).sqrt() * scale[ch] + bias[ch])
        })
        .collect();
    Tensor::from_floats(&x.shape, x.elem, data)
}

/// Normalizes over the dimensions from `axis` on; `scale` and `bias` broadcast to them.
pub fn layer_norm(x: &Tensor, scale: &Tensor, bias: &Tensor, axis: usize, eps: f64) -> Tensor {
    let inner_shape = &x.shape[axis..];
    let inner: usize = inner_shape.iter().product();
    let (so, bo) = (broadcast_offsets(&scale.shape, inner_shape), broadcast_offsets(&bias.shape, inner_shape));
    let (sv, bv) = (scale.floats(), bias.floats());
    let mut data = Vec::with_capacity(x.len());
    for row in x.floats().chunks(inner.max(1)) {
        let mean = row.iter().sum::<f64>() / inner as f64;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / inner as f64;
        let r = 1.0 / (var + eps).sqrt();
        for (j, v) in row.iter().enumerate() {
            data.push(x.elem.round((v - mean) * r * sv[so[j]] + bv[bo[j]]));
        }
    }
    Tensor::from_floats(&x.shape, x.elem, data)
}

pub fn softmax(x: &Tensor, axis: usize) -> Tensor {
    along_axis(x, axis, |v, max, sum| (v - max).exp() / sum)
}

pub fn global_avg_pool2d(x: &Tensor) -> Tensor {
    let (n, c) = (x.shape[0], x.shape[1]);
    let hw: usize = x.shape[2..].iter().product();
    let data = x.floats().chunks(hw.max(1)).map(|p| x.elem.round(p.iter().sum::<f64>() / hw as f64)).collect();
    Tensor::from_floats(&[n, c, 1, 1], x.elem, data)
}

/// `x` padded to `out`: output index `i` reads `x` at `i - before` (negative pads crop), or
/// where that is outside, what `mode` says: `value` (converted to the element type), the
/// mirror image, or the edge (the verifier checked the pads fit the mode).
pub fn pad(x: &Tensor, before: &[i64], mode: PadMode, value: f64, out: &[usize]) -> Tensor {
    let fill = x.elem.from_f64(value);
    let strides = Tensor::strides(&x.shape);
    let n: usize = out.iter().product();
    let mut values = Vec::with_capacity(n);
    let mut index = vec![0usize; out.len()];
    for _ in 0..n {
        let mut offset = Some(0usize);
        for (d, i) in index.iter().enumerate() {
            let source = mode.source(*i as i64 - before[d], x.shape[d] as i64);
            offset = offset.zip(source).map(|(o, j)| o + j as usize * strides[d]);
        }
        values.push(offset.map_or(fill, |o| x.get(o)));
        for d in (0..out.len()).rev() {
            index[d] += 1;
            if index[d] < out[d] {
                break;
            }
            index[d] = 0;
        }
    }
    Tensor::from_scalars(out, x.elem, values)
}

/// Joins tensors along `axis`.
pub fn concat(xs: &[&Tensor], axis: usize, out: &[usize]) -> Tensor {
    let outer: usize = out[..axis].iter().product();
    let mut values = Vec::with_capacity(out.iter().product());
    for o in 0..outer {
        for x in xs {
            let chunk: usize = x.shape[axis..].iter().product();
            values.extend((o * chunk..(o + 1) * chunk).map(|i| x.get(i)));
        }
    }
    Tensor::from_scalars(out, xs[0].elem, values)
}

/// Cuts `x` along `axis` into pieces of the given shapes.
pub fn split(x: &Tensor, axis: usize, outs: &[Vec<usize>]) -> Vec<Tensor> {
    let outer: usize = x.shape[..axis].iter().product();
    let row: usize = x.shape[axis..].iter().product();
    let mut start = 0;
    outs.iter()
        .map(|shape| {
            let chunk: usize = shape[axis..].iter().product();
            let offsets = (0..outer).flat_map(|o| o * row + start..o * row + start + chunk);
            let piece = x.gather(shape, offsets.collect::<Vec<_>>());
            start += chunk;
            piece
        })
        .collect()
}

/// What a reduction combines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    Sum,
    Mean,
    Max,
    Min,
    Prod,
}

impl Reduction {
    /// The reduction of `nn.reduce_sum` … `nn.reduce_prod`.
    pub fn of(name: &str) -> Option<Reduction> {
        Some(match name {
            "nn.reduce_sum" => Reduction::Sum,
            "nn.reduce_mean" => Reduction::Mean,
            "nn.reduce_max" => Reduction::Max,
            "nn.reduce_min" => Reduction::Min,
            "nn.reduce_prod" => Reduction::Prod,
            _ => return None,
        })
    }
}

/// For each element of a tensor of `shape` (row-major), its offset in the tensor with the
/// dimensions `axes` collapsed to 1: where a reduction over `axes` puts it.
fn reduced_offsets(shape: &[usize], axes: &[usize]) -> Vec<usize> {
    let kept: Vec<usize> = (0..shape.len()).map(|d| if axes.contains(&d) { 1 } else { shape[d] }).collect();
    broadcast_offsets(&kept, shape)
}

/// Reduces `x` over `axes` (distinct, in range) into a tensor of shape `out` (the kept
/// dimensions, with or without the reduced ones as 1: the same row-major order). Floats
/// accumulate in f64 in row-major order and round once (sums, means, products: within half an
/// ulp of the result, plus the f64 sum's own error of about n · 2^-53 of the terms' sum of
/// magnitudes); integers wrap at their width (`addi`/`muli`) or compare signed.
/// A NaN wins a maximum or minimum; an empty reduction gives the operation's identity (a mean,
/// NaN).
pub fn reduce(x: &Tensor, axes: &[usize], kind: Reduction, out: &[usize]) -> Tensor {
    let n: usize = out.iter().product();
    let count: usize = axes.iter().map(|a| x.shape[*a]).product();
    let to = reduced_offsets(&x.shape, axes);
    match &x.data {
        Data::Int(values) => {
            let e = x.elem;
            let (lo, hi) = e.signed_range();
            let init = match kind {
                Reduction::Sum | Reduction::Mean => 0,
                Reduction::Prod => 1,
                Reduction::Max => lo,
                Reduction::Min => hi,
            };
            let mut acc = vec![init; n];
            for (v, o) in values.iter().zip(&to) {
                let (a, v) = (acc[*o], e.signed(*v));
                acc[*o] = match kind {
                    Reduction::Sum | Reduction::Mean => a.wrapping_add(v),
                    Reduction::Prod => a.wrapping_mul(v),
                    Reduction::Max => a.max(v),
                    Reduction::Min => a.min(v),
                };
            }
            Tensor::from_ints(out, e, acc.into_iter().map(|a| e.wrap(i128::from(a))).collect())
        }
        Data::Float(values) => {
            let init = match kind {
                Reduction::Sum | Reduction::Mean => 0.0,
                Reduction::Prod => 1.0,
                Reduction::Max => f64::NEG_INFINITY,
                Reduction::Min => f64::INFINITY,
            };
            let mut acc = vec![init; n];
            for (v, o) in values.iter().zip(&to) {
                let a = acc[*o];
                acc[*o] = match kind {
                    Reduction::Sum | Reduction::Mean => a + v,
                    Reduction::Prod => a * v,
                    Reduction::Max => crate::scalar::maximum(a, *v),
                    Reduction::Min => -crate::scalar::maximum(-a, -v),
                };
            }
            if kind == Reduction::Mean {
                acc.iter_mut().for_each(|a| *a /= count as f64);
            }
            Tensor::from_floats(out, x.elem, acc)
        }
    }
}

/// `log(softmax(x))` along `axis`, as `x - max - log(sum(exp(x - max)))` (no overflow for large
/// inputs, no `log(0)` for very negative ones), in f64.
pub fn log_softmax(x: &Tensor, axis: usize) -> Tensor {
    along_axis(x, axis, |v, max, sum| v - max - sum.ln())
}

/// Softmax's frame, in f64: for every line along `axis`, its maximum and the sum of
/// `exp(x - max)`, then `f(x, max, sum)` for each element, rounded to the element type.
fn along_axis(x: &Tensor, axis: usize, f: impl Fn(f64, f64, f64) -> f64) -> Tensor {
    let xs = x.floats();
    let d = x.shape[axis];
    let inner: usize = x.shape[axis + 1..].iter().product();
    let outer: usize = x.shape[..axis].iter().product();
    let mut data = vec![0.0; x.len()];
    for o in 0..outer {
        for i in 0..inner {
            let at = |k: usize| (o * d + k) * inner + i;
            let max = (0..d).map(|k| xs[at(k)]).fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = (0..d).map(|k| (xs[at(k)] - max).exp()).sum();
            for k in 0..d {
                data[at(k)] = x.elem.round(f(xs[at(k)], max, sum));
            }
        }
    }
    Tensor::from_floats(&x.shape, x.elem, data)
}

/// `x[starts + i * steps]` at every index `i` of `out` (the verifier checked that every index
/// read is inside `x`).
pub fn slice(x: &Tensor, starts: &[i64], steps: &[i64], out: &[usize]) -> Tensor {
    let strides = Tensor::strides(&x.shape);
    let n: usize = out.iter().product();
    let mut offsets = Vec::with_capacity(n);
    let mut index = vec![0usize; out.len()];
    for _ in 0..n {
        let off: i64 = (0..out.len()).map(|d| (starts[d] + index[d] as i64 * steps[d]) * strides[d] as i64).sum();
        offsets.push(off as usize);
        for d in (0..out.len()).rev() {
            index[d] += 1;
            if index[d] < out[d] {
                break;
            }
            index[d] = 0;
        }
    }
    x.gather(out, offsets)
}

/// ONNX Gather along `axis`: `out[a.., j.., b..] = data[a.., indices[j..], b..]`, an index in
/// `[-n, n)` counting from the end when negative; any other index is an error (naming it).
pub fn gather(data: &Tensor, indices: &Tensor, axis: usize, out: &[usize]) -> Result<Tensor, String> {
    let n = data.shape[axis];
    let outer: usize = data.shape[..axis].iter().product();
    let inner: usize = data.shape[axis + 1..].iter().product();
    let mut rows = Vec::with_capacity(indices.len());
    for (k, i) in indices.scalars().enumerate() {
        let Scalar::Int(i) = i else { return Err("indices must be integers".into()) };
        let row = if i < 0 { i + n as i64 } else { i };
        if row < 0 || row >= n as i64 {
            return Err(format!(
                "index {i} (element {k} of the indices) is outside [-{n}, {n}): dimension {axis} of the data has size {n}"
            ));
        }
        rows.push(row as usize);
    }
    let mut offsets = Vec::with_capacity(out.iter().product());
    for o in 0..outer {
        for r in &rows {
            offsets.extend((0..inner).map(|i| (o * n + r) * inner + i));
        }
    }
    Ok(data.gather(out, offsets))
}

/// `x` broadcast (numpy's rules) to `out`.
pub fn broadcast(x: &Tensor, out: &[usize]) -> Tensor {
    x.gather(out, broadcast_offsets(&x.shape, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(shape: &[usize]) -> Tensor {
        Tensor::from_fn(shape, Elem::F32, |i| (i as f64 * 0.37).sin())
    }

    /// The float fast path computes bit for bit what the general one does, broadcasting
    /// either side, with NaN, infinities, signed zeros and values that round in f16/bf16.
    #[test]
    fn float_binary_is_map_broadcast_with_apply() {
        let special = [f64::NAN, f64::INFINITY, -f64::INFINITY, 0.0, -0.0, 1e-40, 65519.0, 1.0 / 3.0];
        let value = |i: usize| {
            if i.is_multiple_of(5) {
                special[(i / 5) % special.len()]
            } else {
                (i as f64 * 0.731).sin() * 7.0
            }
        };
        let shapes: [(&[usize], &[usize]); 4] =
            [(&[4, 3, 5], &[4, 3, 5]), (&[4, 3, 5], &[3, 1]), (&[1, 5], &[4, 3, 5]), (&[6], &[2, 1, 6])];
        for elem in [Elem::F32, Elem::F16, Elem::BF16, Elem::F64] {
            for (sa, sb) in shapes {
                let a = Tensor::from_fn(sa, elem, value);
                let b = Tensor::from_fn(sb, elem, |i| value(i + 3));
                let out = crate::tensor::broadcast_shapes(sa, sb).unwrap();
                for op in [Op::AddF, Op::SubF, Op::MulF, Op::DivF] {
                    let fast = float_binary(op, &a, &b, &out, elem).unwrap();
                    let types = crate::scalar::Types { result: elem, operand: elem };
                    let general =
                        map_broadcast(&[&a, &b], &out, elem, &mut |x| crate::scalar::apply(op, types, x)).unwrap();
                    let bits = |t: &Tensor| t.floats().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                    assert_eq!(fast.shape, general.shape);
                    assert_eq!(bits(&fast), bits(&general), "{op:?} {elem:?} {sa:?} {sb:?}");
                }
            }
        }
        let ints = Tensor::from_fn(&[3], Elem::Int(32), |i| i as f64);
        assert!(float_binary(Op::AddF, &ints, &ints, &[3], Elem::Int(32)).is_none());
        assert!(float_binary(Op::MaximumF, &ramp(&[3]), &ramp(&[3]), &[3], Elem::F32).is_none());
    }

    #[test]
    fn relayouts_round_trip() {
        let x = ramp(&[2, 8, 3, 5]);
        for l in Layout::ALL {
            let there = from_nchw(&x, l);
            assert_eq!(to_nchw(&there, l), x, "{l}");
        }
        // NCHW8c keeps channel c at block c / 8, lane c % 8.
        let b = from_nchw(&x, Layout::Nchw8c);
        assert_eq!(b.shape, vec![2, 1, 3, 5, 8]);
        assert_eq!(b.at(&[1, 0, 2, 4, 5]), x.at(&[1, 5, 2, 4]));
    }

    #[test]
    fn convolution_in_every_layout_agrees() {
        let x = ramp(&[1, 8, 6, 7]);
        let w = Tensor::from_fn(&[8, 4, 3, 3], Elem::F32, |i| (i as f64 * 0.11).cos());
        let b = ramp(&[8]);
        let base = Conv2d { strides: [2, 1], padding: [1, 0, 1, 2], dilations: [1, 2], groups: 2, ..Conv2d::default() };
        let want = conv2d(&x, &w, Some(&b), &base);
        for l in Layout::ALL {
            let c = Conv2d { layout: l, ..base.clone() };
            let got = to_nchw(&conv2d(&from_nchw(&x, l), &w, Some(&b), &c), l);
            assert_eq!(got, want, "{l}");
        }
        // One output element by hand: group 0, output (0, 0), channel 1.
        let mut acc = b.floats()[1];
        for ic in 0..4 {
            for ky in 0..3 {
                for kx in 0..3 {
                    let (iy, ix) = (ky as isize - 1, (kx * 2) as isize);
                    if (0..6).contains(&iy) && ix < 7 {
                        acc += x.at(&[0, ic, iy as usize, ix as usize]).as_f64() * w.at(&[1, ic, ky, kx]).as_f64();
                    }
                }
            }
        }
        assert!((want.at(&[0, 1, 0, 0]).as_f64() - acc).abs() < 1e-6);
    }

    #[test]
    fn average_pool_counts_only_the_input() {
        let x = Tensor::filled(&[1, 1, 2, 2], Elem::F32, 1.0);
        let p = Pool2d { kernel: [2, 2], strides: [1, 1], padding: [1, 1, 1, 1], layout: Layout::Nchw };
        let mode = PoolMode::default();
        assert!(pool2d(&x, &p, mode, false, &[1, 1, 3, 3]).floats().iter().all(|v| *v == 1.0));
        assert_eq!(pool2d(&x, &p, mode, true, &[1, 1, 3, 3]).len(), 9);
        // Padding counted: the corner windows hold one input element of four.
        let with_pad = pool2d(&x, &p, PoolMode { count_include_pad: true, ..mode }, false, &[1, 1, 3, 3]);
        assert_eq!(with_pad.at(&[0, 0, 0, 0]).as_f64(), 0.25);
        assert_eq!(with_pad.at(&[0, 0, 1, 1]).as_f64(), 1.0);
    }

    #[test]
    fn softmax_rows_sum_to_one_and_matmul_broadcasts_batches() {
        let s = softmax(&ramp(&[3, 4]), 1);
        for row in s.floats().chunks(4) {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-6);
        }
        let a = ramp(&[2, 1, 3, 4]);
        let b = ramp(&[5, 4, 2]);
        let c = matmul(&a, &b, &[2, 5, 3, 2]);
        let want: f64 = (0..4).map(|k| a.at(&[1, 0, 2, k]).as_f64() * b.at(&[3, k, 1]).as_f64()).sum();
        assert!((c.at(&[1, 3, 2, 1]).as_f64() - want).abs() < 1e-6);
    }
}

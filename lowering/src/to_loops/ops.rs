//! Loop nests for each graph op.

use strata_dialects::nn::shape::{ConvAlgorithm, Layout, PadMode, Pool2d};
use strata_dialects::nn::{self, scalar};
use strata_ir::{IrMapping, OpId, Type, Value};

use super::conv::ConvLowering;
use super::emit::{physical, physical_blocked, Emit};
use super::gemm::{constant_cache_name, packed_gemm, GemmShape, PackCache};
use super::{conv_transpose, data, reduce};

type Lowered = Result<Vec<Value>, String>;

pub(super) fn shape_elem(e: &Emit, v: Value) -> (Vec<i64>, Type) {
    let t = e.ir.value_type(v);
    (e.ctx.shape(t).map(<[i64]>::to_vec).unwrap_or_default(), e.ctx.element_type_or_self(t))
}

fn attr(e: &Emit, op: OpId, name: &str) -> Option<strata_ir::Attribute> {
    e.ir.op(op).attr(e.ctx.ident(name))
}

fn float(e: &Emit, op: OpId, name: &str, default: f64) -> f64 {
    attr(e, op, name).and_then(|a| e.ctx.attr_as_f64(a)).unwrap_or(default)
}

fn int(e: &Emit, op: OpId, name: &str, default: i64) -> i64 {
    attr(e, op, name).and_then(|a| e.ctx.attr_as_int(a)).map_or(default, |v| v as i64)
}

fn ints(e: &Emit, op: OpId, name: &str) -> Vec<i64> {
    attr(e, op, name).and_then(|a| nn::ints(e.ctx, a)).unwrap_or_default()
}

/// A `true`/`false` attribute (absent: false).
fn flag(e: &Emit, op: OpId, name: &str) -> bool {
    attr(e, op, name).and_then(|a| e.ctx.attr_as_int(a)) == Some(1)
}

fn layout(e: &Emit, op: OpId, name: &str) -> Layout {
    attr(e, op, name).and_then(|a| e.ctx.attr_as_str(a)).and_then(Layout::parse).unwrap_or(Layout::Nchw)
}

fn axis(a: i64, rank: usize) -> usize {
    if a < 0 {
        (a + rank as i64) as usize
    } else {
        a as usize
    }
}

/// The index of `input` (of shape `shape`) that numpy broadcasting reads at output index `ivs`.
pub(super) fn broadcast_index(e: &mut Emit, shape: &[i64], out: &[i64], ivs: &[Value]) -> Vec<Value> {
    let lead = out.len() - shape.len();
    (0..shape.len()).map(|d| if shape[d] == 1 && out[d + lead] != 1 { e.index(0) } else { ivs[d + lead] }).collect()
}

/// Inlines the single-block region of `op` with `args` for its block arguments; returns the
/// yielded value.
pub(super) fn inline_body(e: &mut Emit, op: OpId, args: &[Value]) -> Value {
    let region = e.ir.op(op).regions()[0];
    let block = e.ir.region(region).blocks()[0];
    let mut mapping = IrMapping::default();
    for (a, v) in e.ir.block(block).args().to_vec().into_iter().zip(args) {
        mapping.values.insert(a, *v);
    }
    let body: Vec<OpId> = e.ir.block_ops(block).collect();
    let mut result = args[0];
    for inner in body {
        if e.ctx.ident_str(e.ir.op(inner).name()) == "kernel.yield" {
            result = mapping.lookup(e.ir.op(inner).operands()[0]);
            break;
        }
        let copy = e.ir.clone_op(inner, &mut mapping);
        e.ir.insert_op(copy, e.at);
    }
    result
}

/// Zero of type `t`.
pub(super) fn zero(e: &mut Emit, t: Type) -> Value {
    scalar::constant(&mut e.b(), t, 0.0)
}

pub fn lower(e: &mut Emit, op: OpId, inputs: &[Value]) -> Lowered {
    let name = e.ctx.ident_str(e.ir.op(op).name()).to_string();
    let results: Vec<Value> = e.ir.op(op).results().to_vec();
    let (out, elem) = shape_elem(e, results[0]);
    let in_shapes: Vec<Vec<i64>> = inputs.iter().map(|v| shape_elem(e, *v).0).collect();
    let typed = matches!(name.as_str(), "nn.cast" | "nn.compare" | "nn.select");
    if scalar::ELEMENTWISE.contains(&name.as_str()) || name == "kernel.elementwise" || typed {
        let params = if name == "nn.clip" {
            vec![float(e, op, "min", 0.0), float(e, op, "max", 6.0)]
        } else {
            vec![float(e, op, "alpha", 0.01)]
        };
        let predicate = attr(e, op, "predicate").and_then(|a| e.ctx.attr_as_str(a)).unwrap_or("").to_string();
        let in_elem = shape_elem(e, inputs[0]).1;
        if !typed && name != "kernel.elementwise" && !scalar::has_form(e.ctx, &name, elem) {
            return Err(format!("no form for {}", e.ctx.type_to_string(elem)));
        }
        let buf = e.alloc(&out, elem);
        e.parallel(&out, |e, ivs| {
            let xs: Vec<Value> = inputs
                .iter()
                .zip(&in_shapes)
                .map(|(m, s)| {
                    let idx = broadcast_index(e, s, &out, ivs);
                    e.load(*m, &idx)
                })
                .collect();
            let mut b = e.b();
            let y = match name.as_str() {
                "kernel.elementwise" => inline_body(e, op, &xs),
                "nn.cast" => scalar::emit_cast(&mut b, xs[0], in_elem, elem),
                "nn.compare" => scalar::emit_compare(&mut b, &predicate, xs[0], xs[1], in_elem)
                    .expect("the verifier checked the predicate"),
                "nn.select" => b.value("arith.select", &[xs[0], xs[1], xs[2]], elem, &[]),
                _ => scalar::emit(&mut b, &name, &params, &xs, elem).expect("checked above"),
            };
            e.store(y, buf, ivs);
        });
        return Ok(vec![buf]);
    }
    match name.as_str() {
        "nn.matmul" | "kernel.matmul" => {
            Ok(vec![matmul(e, op, inputs, &in_shapes, &out, elem, name == "kernel.matmul")])
        }
        "nn.conv2d" | "kernel.conv2d" => {
            let conv = nn::conv_attrs(e.ctx, &|n| attr(e, op, n)).map_err(|m| m.to_string())?;
            let (bias, extras) = if name == "nn.conv2d" {
                (inputs.get(2).copied(), Vec::new())
            } else {
                let def = e.ctx.op_def_by_name(&name).ok_or("unregistered")?;
                let groups = def.operand_group_ranges(e.ctx, e.ir, op);
                (groups[2].clone().next().map(|i| inputs[i]), inputs[groups[3].clone()].to_vec())
            };
            let algorithm = attr(e, op, "algorithm").and_then(|a| e.ctx.attr_as_str(a)).and_then(ConvAlgorithm::parse);
            let extra_shapes = extras.iter().map(|m| shape_elem(e, *m).0).collect();
            let c = ConvLowering {
                op,
                conv,
                x: inputs[0],
                w: inputs[1],
                bias,
                extras,
                extra_shapes,
                out: out.clone(),
                elem,
                epilogue: name == "kernel.conv2d",
            };
            let buf = match (algorithm, algorithm.and_then(ConvAlgorithm::winograd)) {
                (Some(ConvAlgorithm::Im2colGemm), _) => c.im2col_gemm(e),
                (_, Some(form)) => c.winograd(e, form)?,
                // FFT is not lowered yet and implicit GEMM is the GPU's: both compute what
                // direct convolution computes.
                _ => c.direct(e),
            };
            Ok(vec![buf])
        }
        "nn.conv_transpose2d" => {
            let c = nn::conv_transpose_attrs(e.ctx, &|n| attr(e, op, n)).map_err(|m| m.to_string())?;
            Ok(vec![conv_transpose::conv_transpose2d(e, &c, inputs[0], inputs[1], inputs.get(2).copied(), &out, elem)])
        }
        "nn.max_pool2d" | "nn.avg_pool2d" => {
            let (k, s, p) = (ints(e, op, "kernel"), ints(e, op, "strides"), ints(e, op, "padding"));
            let pool = Pool2d {
                kernel: [k[0], k[1]],
                strides: if s.len() == 2 { [s[0], s[1]] } else { [1, 1] },
                padding: if p.len() == 4 { [p[0], p[1], p[2], p[3]] } else { [0; 4] },
                layout: layout(e, op, "layout"),
            };
            // Which windows exist (`ceil_mode`) is in the result's shape.
            let count_include_pad = flag(e, op, "count_include_pad");
            Ok(vec![pool2d(e, &pool, inputs[0], &out, elem, name == "nn.max_pool2d", count_include_pad)])
        }
        "nn.global_avg_pool2d" => {
            let s = &in_shapes[0];
            let buf = e.alloc(&out, elem);
            let count = (s[2] * s[3]) as f64;
            e.parallel(&out[..2], |e, ivs| {
                let z = zero(e, elem);
                let sum = e.for_acc(s[2], z, |e, h, acc| {
                    e.for_acc(s[3], acc, |e, w, acc| {
                        let x = e.load(inputs[0], &[ivs[0], ivs[1], h, w]);
                        e.value("arith.addf", &[acc, x], elem)
                    })
                });
                let n = scalar::constant(&mut e.b(), elem, count);
                let mean = e.value("arith.divf", &[sum, n], elem);
                let z0 = e.index(0);
                e.store(mean, buf, &[ivs[0], ivs[1], z0, z0]);
            });
            Ok(vec![buf])
        }
        "nn.softmax" => Ok(vec![softmax(e, inputs[0], &out, elem, axis(int(e, op, "axis", -1), out.len()))]),
        "nn.log_softmax" => {
            Ok(vec![reduce::log_softmax(e, inputs[0], &out, elem, axis(int(e, op, "axis", -1), out.len()))])
        }
        "nn.reduce_sum" | "nn.reduce_mean" | "nn.reduce_max" | "nn.reduce_min" | "nn.reduce_prod" => {
            let kind = reduce::Kind::of(&name).ok_or("an unknown reduction")?;
            let axes = nn::shape::reduce_axes(in_shapes[0].len(), &ints(e, op, "axes")).map_err(|m| m.to_string())?;
            Ok(vec![reduce::reduce(e, kind, inputs[0], &in_shapes[0], &axes, &out, elem)])
        }
        "nn.slice" => Ok(vec![data::slice(e, inputs[0], &ints(e, op, "starts"), &ints(e, op, "steps"), &out, elem)]),
        "nn.broadcast" => Ok(vec![data::broadcast(e, inputs[0], &in_shapes[0], &out, elem)]),
        "nn.gather" => {
            let a = axis(int(e, op, "axis", 0), in_shapes[0].len());
            Ok(vec![data::gather(e, inputs[0], &in_shapes[0], inputs[1], a, &out, elem)])
        }
        "nn.batch_norm" => {
            let eps = float(e, op, "epsilon", 1e-5);
            let buf = e.alloc(&out, elem);
            e.parallel(&out, |e, ivs| {
                let c = [ivs[1]];
                let x = e.load(inputs[0], ivs);
                let (scale, bias, mean, var) =
                    (e.load(inputs[1], &c), e.load(inputs[2], &c), e.load(inputs[3], &c), e.load(inputs[4], &c));
                let eps = scalar::constant(&mut e.b(), elem, eps);
                let d = e.value("arith.subf", &[x, mean], elem);
                let v = e.value("arith.addf", &[var, eps], elem);
                let r = e.value("math.rsqrt", &[v], elem);
                let n = e.value("arith.mulf", &[d, r], elem);
                let s = e.value("arith.mulf", &[n, scale], elem);
                let y = e.value("arith.addf", &[s, bias], elem);
                e.store(y, buf, ivs);
            });
            Ok(vec![buf])
        }
        "nn.layer_norm" => {
            let a = axis(int(e, op, "axis", -1), out.len());
            Ok(vec![layer_norm(e, inputs, &in_shapes, &out, elem, a, float(e, op, "epsilon", 1e-5))])
        }
        "nn.reshape" => {
            // Row-major order is kept: the flat index of each input element is its output index.
            let buf = e.alloc(&out, elem);
            let s = in_shapes[0].clone();
            if !s.is_empty() && !out.is_empty() {
                // Both contiguous: one flat copy, which vectorizes.
                let (from, to) = (e.flat(inputs[0]), e.flat(buf));
                e.parallel(&[s.iter().product()], |e, ivs| {
                    let x = e.load(from, ivs);
                    e.store(x, to, ivs);
                });
                return Ok(vec![buf]);
            }
            e.parallel(&s, |e, ivs| {
                let x = e.load(inputs[0], ivs);
                let flat = e.linearize(ivs, &s);
                let idx = delinearize(e, flat, &out);
                e.store(x, buf, &idx);
            });
            Ok(vec![buf])
        }
        "nn.transpose" => {
            let perm: Vec<usize> = ints(e, op, "perm").iter().map(|p| *p as usize).collect();
            let buf = e.alloc(&out, elem);
            e.parallel(&out, |e, ivs| {
                let mut src = vec![ivs[0]; perm.len()];
                for (i, p) in perm.iter().enumerate() {
                    src[*p] = ivs[i];
                }
                let x = e.load(inputs[0], &src);
                e.store(x, buf, ivs);
            });
            Ok(vec![buf])
        }
        "nn.relayout" => {
            let (from, to) = (layout(e, op, "from"), layout(e, op, "to"));
            let (n, c, h, w) = from.nchw(&in_shapes[0]);
            let buf = e.alloc(&out, elem);
            let block = match (from.block(), to.block()) {
                (Some(a), Some(b)) if a != b => None,
                (a, b) => a.or(b).filter(|b| c % b == 0),
            };
            if let Some(block) = block {
                // Channels as (block, lane) and the loops in the target's order: no division
                // per element, stores in sequence, and whole vectors where both sides keep
                // the lane innermost.
                let dims = |order: &[usize]| -> Vec<i64> {
                    let sizes = [n, c / block, block, h, w];
                    order.iter().map(|d| sizes[*d]).collect()
                };
                let order: &[usize] = match to {
                    Layout::Nchw => &[0, 1, 2, 3, 4],
                    Layout::Nhwc => &[0, 3, 4, 1, 2],
                    Layout::Nchw4c | Layout::Nchw8c => &[0, 1, 3, 4, 2],
                };
                e.parallel(&dims(order), |e, ivs| {
                    let mut split = [ivs[0]; 5];
                    for (d, iv) in order.iter().zip(ivs) {
                        split[*d] = *iv;
                    }
                    let src = physical_blocked(e, from, block, split);
                    let dst = physical_blocked(e, to, block, split);
                    let x = e.load(inputs[0], &src);
                    e.store(x, buf, &dst);
                });
                return Ok(vec![buf]);
            }
            e.parallel(&[n, c, h, w], |e, ivs| {
                let logical = [ivs[0], ivs[1], ivs[2], ivs[3]];
                let src = physical(e, from, logical);
                let dst = physical(e, to, logical);
                let x = e.load(inputs[0], &src);
                e.store(x, buf, &dst);
            });
            Ok(vec![buf])
        }
        "nn.concat" => {
            let a = axis(int(e, op, "axis", 0), out.len());
            let buf = e.alloc(&out, elem);
            let mut start = 0;
            for (m, s) in inputs.iter().zip(&in_shapes) {
                e.parallel(s, |e, ivs| {
                    let x = e.load(*m, ivs);
                    let mut dst = ivs.to_vec();
                    dst[a] = e.affine(ivs[a], 1, start);
                    e.store(x, buf, &dst);
                });
                start += s[a];
            }
            Ok(vec![buf])
        }
        "nn.split" => {
            let a = axis(int(e, op, "axis", 0), in_shapes[0].len());
            let mut start = 0;
            let mut bufs = Vec::new();
            for r in &results {
                let (s, _) = shape_elem(e, *r);
                let buf = e.alloc(&s, elem);
                e.parallel(&s, |e, ivs| {
                    let mut src = ivs.to_vec();
                    src[a] = e.affine(ivs[a], 1, start);
                    let x = e.load(inputs[0], &src);
                    e.store(x, buf, ivs);
                });
                start += s[a];
                bufs.push(buf);
            }
            Ok(bufs)
        }
        "nn.pad" => {
            let pads = ints(e, op, "pads");
            let value = float(e, op, "value", 0.0);
            let mode =
                attr(e, op, "mode").and_then(|a| e.ctx.attr_as_str(a)).and_then(PadMode::parse).unwrap_or_default();
            if mode != PadMode::Constant || pads.iter().any(|p| *p < 0) {
                return Ok(vec![data::pad(e, inputs[0], &pads, mode, value, &out)]);
            }
            // Constant padding that only grows: the fill, then the input copied in (two nests
            // that `vectorize` takes whole).
            let buf = e.alloc(&out, elem);
            e.parallel(&out, |e, ivs| {
                let v = scalar::constant(&mut e.b(), elem, value);
                e.store(v, buf, ivs);
            });
            let s = in_shapes[0].clone();
            e.parallel(&s, |e, ivs| {
                let x = e.load(inputs[0], ivs);
                let dst: Vec<Value> = ivs.iter().enumerate().map(|(d, iv)| e.affine(*iv, 1, pads[d])).collect();
                e.store(x, buf, &dst);
            });
            Ok(vec![buf])
        }
        other => Err(format!("'{other}' is not lowered to loops yet")),
    }
}

fn delinearize(e: &mut Emit, flat: Value, shape: &[i64]) -> Vec<Value> {
    let mut idx = vec![flat; shape.len()];
    let mut rest = flat;
    for d in (0..shape.len()).rev() {
        let size = e.index(shape[d]);
        idx[d] = e.rem(rest, size);
        rest = e.div(rest, size);
    }
    idx
}

fn matmul(
    e: &mut Emit,
    op: OpId,
    inputs: &[Value],
    shapes: &[Vec<i64>],
    out: &[i64],
    elem: Type,
    epilogue: bool,
) -> Value {
    let (a, b) = (&shapes[0], &shapes[1]);
    let k = a[a.len() - 1];
    let buf = e.alloc(out, elem);
    let batch = out.len() - 2;
    let g = GemmShape { batch: out[..batch].iter().product(), m: out[batch], n: out[batch + 1], k };
    if g.worth_packing(e, elem) {
        // Batch dimensions are flattened into one; each operand reads its broadcast index.
        let batch_shape = out[..batch].to_vec();
        let operand = |e: &mut Emit, m: Value, shape: &[i64], flat: Value, rows: Value, cols: Value| {
            let ivs = delinearize(e, flat, &batch_shape);
            let mut idx = broadcast_index(e, &shape[..shape.len() - 2], &batch_shape, &ivs);
            idx.extend([rows, cols]);
            e.load(m, &idx)
        };
        // A without broadcast batch dimensions is read in place; constant operands packed
        // otherwise (weights) are packed once and kept. The 512-bit kernel's eight rows of A
        // read in place sit a row apart (4 KiB at K = 1024, one L1 set): packed, SGEMM 1024³
        // went from about 110 to 132 GFLOP/s through LLVM on one thread.
        let a_rows = (e.gemm.lanes < 16 && a[..a.len() - 2] == out[..batch]).then(|| e.flat(inputs[0]));
        let cache = PackCache {
            a: if a_rows.is_none() { constant_cache_name(e, inputs[0], op, "lhs") } else { None },
            b: constant_cache_name(e, inputs[1], op, "rhs"),
        };
        packed_gemm(
            e,
            g,
            elem,
            cache,
            a_rows,
            |e, [bi, i, kk]| operand(e, inputs[0], a, bi, i, kk),
            |e, [bi, kk, j]| operand(e, inputs[1], b, bi, kk, j),
            |e, acc, [bi, i, j]| {
                let mut ivs = delinearize(e, bi, &batch_shape);
                ivs.extend([i, j]);
                let y = if epilogue { epilogue_value(e, op, acc, &inputs[2..], &shapes[2..], out, &ivs) } else { acc };
                e.store(y, buf, &ivs);
            },
        );
        return buf;
    }
    if !e.gemm.packed {
        // Without the packed kernel (a GPU): one parallel nest over the result, each element's
        // sum over k in a register from zero, in order, then its epilogue and one store. The
        // result is written once, so it may share memory with an operand that dies here.
        e.parallel(out, |e, ivs| {
            let (outer, j) = (&ivs[..batch], ivs[batch + 1]);
            let z = zero(e, elem);
            let sum = e.for_acc(k, z, |e, kk, acc| {
                let mut ai = broadcast_index(e, &a[..a.len() - 2], &out[..batch], outer);
                ai.extend([ivs[batch], kk]);
                let mut bi = broadcast_index(e, &b[..b.len() - 2], &out[..batch], outer);
                bi.extend([kk, j]);
                let (x, y) = (e.load(inputs[0], &ai), e.load(inputs[1], &bi));
                let mut b = e.b();
                let p = scalar::emit(&mut b, "nn.mul", &[], &[x, y], elem).expect("mul has every numeric form");
                scalar::emit(&mut b, "nn.add", &[], &[acc, p], elem).expect("add has every numeric form")
            });
            let y = if epilogue { epilogue_value(e, op, sum, &inputs[2..], &shapes[2..], out, ivs) } else { sum };
            e.store(y, buf, ivs);
        });
        return buf;
    }
    // Products too thin for the packed kernel (a row of A: matrix-vector, as a classifier's
    // last layer), or not f32: each (batch, row, block of columns) accumulates into its block
    // of the sums, streaming B's rows once along the columns, so the inner loops are
    // contiguous and vectorize. The sum runs over k in order from zero, as a dot product would.
    // With an epilogue the sums go to scratch, not to the result: the memory plan may give the
    // result an epilogue operand's buffer (a residual that dies here), which zeroing the
    // result would destroy before the epilogue reads it.
    let sums = if epilogue { e.scratch(out, elem) } else { buf };
    let block = column_block(g.n);
    e.parallel(&[&out[..batch + 1], &[g.n / block][..]].concat(), |e, ivs| {
        let (outer, jb) = ivs.split_at(batch + 1);
        let j0 = e.affine(jb[0], block, 0);
        let at = |e: &mut Emit, jj: Value| {
            let j = e.add(j0, jj);
            [outer, &[j][..]].concat()
        };
        e.parallel(&[block], |e, jj| {
            let z = zero(e, elem);
            let idx = at(e, jj[0]);
            e.store(z, sums, &idx);
        });
        e.for_each(k, |e, kk| {
            let mut ai = broadcast_index(e, &a[..a.len() - 2], &out[..batch], &outer[..batch]);
            ai.extend([outer[batch], kk]);
            let x = e.load(inputs[0], &ai);
            e.parallel(&[block], |e, jj| {
                let idx = at(e, jj[0]);
                let mut bi = broadcast_index(e, &b[..b.len() - 2], &out[..batch], &outer[..batch]);
                bi.extend([kk, idx[batch + 1]]);
                let (y, acc) = (e.load(inputs[1], &bi), e.load(sums, &idx));
                // Floats or (wrapping) integers: the scalar forms of `nn.mul` and `nn.add`.
                let mut b = e.b();
                let p = scalar::emit(&mut b, "nn.mul", &[], &[x, y], elem).expect("mul has every numeric form");
                let sum = scalar::emit(&mut b, "nn.add", &[], &[acc, p], elem).expect("add has every numeric form");
                e.store(sum, sums, &idx);
            });
        });
        if epilogue {
            e.parallel(&[block], |e, jj| {
                let idx = at(e, jj[0]);
                let acc = e.load(sums, &idx);
                let y = epilogue_value(e, op, acc, &inputs[2..], &shapes[2..], out, &idx);
                e.store(y, buf, &idx);
            });
        }
    });
    buf
}

/// The most window elements a max pooling is unrolled for (7×7 and below).
const MAX_UNROLLED_WINDOW: i64 = 49;

/// Whether every pooling window along both axes has at least one element inside the input:
/// then a tap outside it can read the nearest element inside instead (the edge row or
/// column), which the window contains too, so a maximum is unchanged.
fn windows_overlap_input(p: &Pool2d, [h, w]: [i64; 2], [oh, ow]: [i64; 2]) -> bool {
    [(h, oh, 0), (w, ow, 1)].into_iter().all(|(extent, outs, axis)| {
        let (k, s, pad) = (p.kernel[axis], p.strides[axis], p.padding[axis]);
        // The first window ends inside, the last one starts inside.
        outs == 0 || (pad < k && (outs - 1) * s - pad < extent)
    })
}

/// Max pooling with each tap's row and column clamped into the input (see
/// [`windows_overlap_input`]), so the window needs no bounds checks: its taps unrolled, the
/// nest in the layout's memory order, so that channels (NHWC, blocked) are innermost and
/// vectorize.
fn max_pool_clamped(e: &mut Emit, p: &Pool2d, x: Value, out: &[i64], elem: Type, [h, w]: [i64; 2]) -> Value {
    let l = p.layout;
    let buf = e.alloc(out, elem);
    // The logical (n, c, y, x) of each dimension of the layout, in memory order.
    e.parallel(out, |e, ivs| {
        let (b, ch, y, xo) = match l {
            Layout::Nhwc => (ivs[0], ivs[3], ivs[1], ivs[2]),
            // Blocked layouts: `ch` is the channel block, the lane comes last.
            Layout::Nchw | Layout::Nchw4c | Layout::Nchw8c => (ivs[0], ivs[1], ivs[2], ivs[3]),
        };
        let clamped = |e: &mut Emit, axis: usize, o: Value, k: i64| {
            let extent = [h, w][axis];
            let i = e.affine(o, p.strides[axis], k - p.padding[axis]);
            let (lo, hi) = (e.index(0), e.index(extent - 1));
            let i = e.value("arith.maxsi", &[i, lo], e.ctx.index_type());
            e.min(i, hi)
        };
        let mut acc: Option<Value> = None;
        for ky in 0..p.kernel[0] {
            let iy = clamped(e, 0, y, ky);
            for kx in 0..p.kernel[1] {
                let ix = clamped(e, 1, xo, kx);
                let at = match l {
                    Layout::Nchw => vec![b, ch, iy, ix],
                    Layout::Nhwc => vec![b, iy, ix, ch],
                    Layout::Nchw4c | Layout::Nchw8c => vec![b, ch, iy, ix, ivs[4]],
                };
                let v = e.load(x, &at);
                acc = Some(match acc {
                    None => v,
                    Some(a) => e.value("arith.maximumf", &[a, v], elem),
                });
            }
        }
        let v = acc.expect("a window has elements");
        e.store(v, buf, ivs);
    });
    buf
}

/// The columns a thin product's inner loops take at a time: the largest divisor of `n` up to
/// 256 (a block of the result stays in L1 while B's rows stream past), or all of them when
/// that would leave blocks too narrow for vectors.
fn column_block(n: i64) -> i64 {
    let block = (1..=n.min(256)).rev().find(|d| n % d == 0).unwrap_or(1);
    if block < 16 {
        n.max(1)
    } else {
        block
    }
}

/// The epilogue of `op` on `acc`, with each extra read at its broadcast index.
pub(super) fn epilogue_value(
    e: &mut Emit,
    op: OpId,
    acc: Value,
    extras: &[Value],
    shapes: &[Vec<i64>],
    out: &[i64],
    ivs: &[Value],
) -> Value {
    let mut args = vec![acc];
    for (m, s) in extras.iter().zip(shapes) {
        let idx = broadcast_index(e, s, out, ivs);
        args.push(e.load(*m, &idx));
    }
    inline_body(e, op, &args)
}

/// Max or average pooling; an average divides by the input elements its window covers (at
/// least one), or with `count_include_pad` by the window clipped to the padded input.
fn pool2d(e: &mut Emit, p: &Pool2d, x: Value, out: &[i64], elem: Type, max: bool, count_include_pad: bool) -> Value {
    let l = p.layout;
    let (_, _, h, w) = l.nchw(&shape_elem(e, x).0);
    let (n, c, oh, ow) = l.nchw(out);
    if max && windows_overlap_input(p, [h, w], [oh, ow]) && p.kernel[0] * p.kernel[1] <= MAX_UNROLLED_WINDOW {
        return max_pool_clamped(e, p, x, out, elem, [h, w]);
    }
    let buf = e.alloc(out, elem);
    let index_t = e.ctx.index_type();
    e.parallel(&[n, c, oh, ow], |e, ivs| {
        let start = if max { scalar::constant(&mut e.b(), elem, f64::NEG_INFINITY) } else { zero(e, elem) };
        let z = e.index(0);
        let acc = e.for_acc(p.kernel[0], start, |e, ky, acc| {
            e.for_acc(p.kernel[1], acc, |e, kx, acc| {
                let iy = {
                    let a = e.affine(ivs[2], p.strides[0], 0);
                    let b = e.affine(ky, 1, -p.padding[0]);
                    e.add(a, b)
                };
                let ix = {
                    let a = e.affine(ivs[3], p.strides[1], 0);
                    let b = e.affine(kx, 1, -p.padding[1]);
                    e.add(a, b)
                };
                let (in_y, in_x) = (e.in_range(iy, h), e.in_range(ix, w));
                let inside = e.value("arith.andi", &[in_y, in_x], e.ctx.integer_type(1));
                e.select_if(
                    inside,
                    elem,
                    |e| {
                        let idx = physical(e, l, [ivs[0], ivs[1], iy, ix]);
                        let v = e.load(x, &idx);
                        e.value(if max { "arith.maximumf" } else { "arith.addf" }, &[acc, v], elem)
                    },
                    |_| acc,
                )
            })
        });
        let v = if max {
            acc
        } else {
            let count = if count_include_pad {
                // The window from its first row (column) to its end or the padded input's.
                let covered = |e: &mut Emit, axis: usize, extent: i64| {
                    let start = e.affine(ivs[2 + axis], p.strides[axis], -p.padding[axis]);
                    let end = e.affine(start, 1, p.kernel[axis]);
                    let limit = e.index(extent + p.padding[axis + 2]);
                    let end = e.min(end, limit);
                    e.sub(end, start)
                };
                let rows = covered(e, 0, h);
                let cols = covered(e, 1, w);
                e.mul(rows, cols)
            } else {
                // Elements inside the input along each axis, counted with index arithmetic.
                let inside = |e: &mut Emit, axis: usize, extent: i64| {
                    e.for_acc(p.kernel[axis], z, |e, k, n| {
                        let a = e.affine(ivs[2 + axis], p.strides[axis], 0);
                        let b = e.affine(k, 1, -p.padding[axis]);
                        let i = e.add(a, b);
                        let ok = e.in_range(i, extent);
                        let one = e.index(1);
                        let inc = e.value("arith.select", &[ok, one, z], index_t);
                        e.add(n, inc)
                    })
                };
                let inside_rows = inside(e, 0, h);
                let inside_cols = inside(e, 1, w);
                let count = e.mul(inside_rows, inside_cols);
                // A window wholly in the padding (padding as large as the kernel) averages to 0.
                let one = e.index(1);
                e.value("arith.maxsi", &[count, one], index_t)
            };
            let i64t = e.ctx.integer_type(64);
            let ci = e.value("arith.index_cast", &[count], i64t);
            let cf = e.value("arith.sitofp", &[ci], elem);
            e.value("arith.divf", &[acc, cf], elem)
        };
        let dst = physical(e, l, [ivs[0], ivs[1], ivs[2], ivs[3]]);
        e.store(v, buf, &dst);
    });
    buf
}

/// The index `ivs` (over all dimensions but `axis`) with `k` inserted at `axis`.
fn with_axis(ivs: &[Value], axis: usize, k: Value) -> Vec<Value> {
    let mut idx = ivs.to_vec();
    idx.insert(axis, k);
    idx
}

fn softmax(e: &mut Emit, x: Value, out: &[i64], elem: Type, a: usize) -> Value {
    let buf = e.alloc(out, elem);
    let mut outer = out.to_vec();
    let d = outer.remove(a);
    if a + 1 == out.len() {
        softmax_rows(e, x, buf, &outer, d, elem);
        return buf;
    }
    e.parallel(&outer, |e, ivs| {
        let lowest = scalar::constant(&mut e.b(), elem, f64::NEG_INFINITY);
        let max = e.for_acc(d, lowest, |e, k, m| {
            let v = e.load(x, &with_axis(ivs, a, k));
            e.value("arith.maximumf", &[m, v], elem)
        });
        let z = zero(e, elem);
        let sum = e.for_acc(d, z, |e, k, s| {
            let v = e.load(x, &with_axis(ivs, a, k));
            let c = e.value("arith.subf", &[v, max], elem);
            let ex = e.value("math.exp", &[c], elem);
            e.store(ex, buf, &with_axis(ivs, a, k));
            e.value("arith.addf", &[s, ex], elem)
        });
        let z0 = zero(e, elem);
        e.for_acc(d, z0, |e, k, unused| {
            let idx = with_axis(ivs, a, k);
            let v = e.load(buf, &idx);
            let y = e.value("arith.divf", &[v, sum], elem);
            e.store(y, buf, &idx);
            unused
        });
    });
    buf
}

/// Softmax along contiguous rows of `d` elements: the maximum, then the exponentials and
/// the quotients as elementwise nests along the row (which vectorize), the sum in `SUM_LANES`
/// interleaved partial sums when the row divides into them (a sum of one accumulator waits a
/// full addition's latency per element: most of the time of BERT's attention softmax).
fn softmax_rows(e: &mut Emit, x: Value, buf: Value, outer: &[i64], d: i64, elem: Type) {
    let partials = partial_sums(e, outer, d, elem);
    e.parallel(outer, |e, ivs| {
        let at = |k: Value| [ivs, &[k][..]].concat();
        let lowest = scalar::constant(&mut e.b(), elem, f64::NEG_INFINITY);
        let max = e.for_acc(d, lowest, |e, k, m| {
            let v = e.load(x, &at(k));
            e.value("arith.maximumf", &[m, v], elem)
        });
        e.parallel(&[d], |e, k| {
            let v = e.load(x, &at(k[0]));
            let c = e.value("arith.subf", &[v, max], elem);
            let ex = e.value("math.exp", &[c], elem);
            e.store(ex, buf, &at(k[0]));
        });
        let sum = row_sum(e, elem, d, partials.map(|p| (p, ivs)), |e, k| e.load(buf, &at(k)));
        e.parallel(&[d], |e, k| {
            let v = e.load(buf, &at(k[0]));
            let y = e.value("arith.divf", &[v, sum], elem);
            e.store(y, buf, &at(k[0]));
        });
    });
}

/// Layer normalization over the last dimension, rows of `d`: both sums by [`row_sum`], the
/// normalization (scale and shift read at their broadcast index) an elementwise nest along
/// the row, so all three passes vectorize.
fn layer_norm_rows(e: &mut Emit, inputs: &[Value], shapes: &[Vec<i64>], buf: Value, out: &[i64], elem: Type, eps: f64) {
    let (outer, d) = (&out[..out.len() - 1], out[out.len() - 1]);
    let partials = partial_sums(e, outer, d, elem);
    e.parallel(outer, |e, ivs| {
        let at = |k: Value| [ivs, &[k][..]].concat();
        let x = inputs[0];
        let (mean, r) = mean_and_rstd(e, elem, d, eps, partials.map(|p| (p, ivs)), |e, k| e.load(x, &at(k)));
        e.parallel(&[d], |e, k| {
            let idx = at(k[0]);
            let v = e.load(x, &idx);
            let dev = e.value("arith.subf", &[v, mean], elem);
            let nrm = e.value("arith.mulf", &[dev, r], elem);
            let si = broadcast_index(e, &shapes[1], &[d], &[k[0]]);
            let bi = broadcast_index(e, &shapes[2], &[d], &[k[0]]);
            let (s, b) = (e.load(inputs[1], &si), e.load(inputs[2], &bi));
            let m = e.value("arith.mulf", &[nrm, s], elem);
            let y = e.value("arith.addf", &[m, b], elem);
            e.store(y, buf, &idx);
        });
    });
}

/// The mean of a row of `count` elements `element(k)` and the reciprocal of its standard
/// deviation (`eps` added to the variance), both sums by [`row_sum`] with `partials`.
fn mean_and_rstd(
    e: &mut Emit,
    elem: Type,
    count: i64,
    eps: f64,
    partials: Option<(Value, &[Value])>,
    element: impl Fn(&mut Emit, Value) -> Value,
) -> (Value, Value) {
    let sum = row_sum(e, elem, count, partials, &element);
    let n = scalar::constant(&mut e.b(), elem, count as f64);
    let mean = e.value("arith.divf", &[sum, n], elem);
    let sq = row_sum(e, elem, count, partials, |e, k| {
        let v = element(e, k);
        let dev = e.value("arith.subf", &[v, mean], elem);
        e.value("arith.mulf", &[dev, dev], elem)
    });
    let var = e.value("arith.divf", &[sq, n], elem);
    let epsv = scalar::constant(&mut e.b(), elem, eps);
    let ve = e.value("arith.addf", &[var, epsv], elem);
    (mean, e.value("math.rsqrt", &[ve], elem))
}

/// Partial sums of a row: one vector of 16 f32 lanes (AVX-512), two of 8, four of 4.
const SUM_LANES: i64 = 16;

/// Scratch for each row's [`SUM_LANES`] partial sums (`[outer…, SUM_LANES]`, beside the result
/// rather than a stack buffer per row), when rows of `d` divide into them.
fn partial_sums(e: &mut Emit, outer: &[i64], d: i64, elem: Type) -> Option<Value> {
    (e.gemm.packed && d % SUM_LANES == 0 && d > SUM_LANES).then(|| e.scratch(&[outer, &[SUM_LANES][..]].concat(), elem))
}

/// `Σ term(k)` for `k` in `0..d`, one row's: with `partials` (the scratch of
/// [`partial_sums`] and the row's index in it), `SUM_LANES` interleaved sums built by an
/// elementwise nest along the row (which vectorizes), then added up; else one accumulator,
/// which waits a full addition's latency per element.
fn row_sum(
    e: &mut Emit,
    elem: Type,
    d: i64,
    partials: Option<(Value, &[Value])>,
    term: impl Fn(&mut Emit, Value) -> Value,
) -> Value {
    let z = zero(e, elem);
    let Some((partials, row)) = partials else {
        return e.for_acc(d, z, |e, k, s| {
            let v = term(e, k);
            e.value("arith.addf", &[s, v], elem)
        });
    };
    let at = |j: Value| [row, &[j][..]].concat();
    e.parallel(&[SUM_LANES], |e, j| e.store(z, partials, &at(j[0])));
    e.for_each(d / SUM_LANES, |e, i| {
        e.parallel(&[SUM_LANES], |e, j| {
            let start = e.affine(i, SUM_LANES, 0);
            let k = e.add(start, j[0]);
            let (v, p) = (term(e, k), e.load(partials, &at(j[0])));
            let s = e.value("arith.addf", &[p, v], elem);
            e.store(s, partials, &at(j[0]));
        });
    });
    e.for_acc(SUM_LANES, z, |e, j, s| {
        let p = e.load(partials, &at(j));
        e.value("arith.addf", &[s, p], elem)
    })
}

fn layer_norm(
    e: &mut Emit,
    inputs: &[Value],
    shapes: &[Vec<i64>],
    out: &[i64],
    elem: Type,
    a: usize,
    eps: f64,
) -> Value {
    let buf = e.alloc(out, elem);
    let inner = &out[a..];
    let count: i64 = inner.iter().product();
    if inner.len() == 1 {
        layer_norm_rows(e, inputs, shapes, buf, out, elem, eps);
        return buf;
    }
    e.parallel(&out[..a], |e, ivs| {
        // Sum and sum of squared deviations over the flattened inner dimensions.
        let point = |e: &mut Emit, flat: Value| -> Vec<Value> {
            let mut idx = ivs.to_vec();
            idx.extend(delinearize(e, flat, inner));
            idx
        };
        let x = inputs[0];
        let (mean, r) = mean_and_rstd(e, elem, count, eps, None, |e, f| {
            let idx = point(e, f);
            e.load(x, &idx)
        });
        let z3 = zero(e, elem);
        e.for_acc(count, z3, |e, f, unused| {
            let idx = point(e, f);
            let inner_idx = &idx[a..];
            let v = e.load(inputs[0], &idx);
            let d = e.value("arith.subf", &[v, mean], elem);
            let nrm = e.value("arith.mulf", &[d, r], elem);
            let si = broadcast_index(e, &shapes[1], inner, inner_idx);
            let bi = broadcast_index(e, &shapes[2], inner, inner_idx);
            let (s, b) = (e.load(inputs[1], &si), e.load(inputs[2], &bi));
            let m = e.value("arith.mulf", &[nrm, s], elem);
            let y = e.value("arith.addf", &[m, b], elem);
            e.store(y, buf, &idx);
            unused
        });
    });
    buf
}

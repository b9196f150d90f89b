//! Convolution as loops, one way per algorithm. All read the input through its layout
//! (`physical`), add the bias, and run a `kernel.conv2d` epilogue on each result before it is
//! stored.
//!
//! - direct: a parallel nest over the output, a reduction over (channel, ky, kx), padding as
//!   a bounds check;
//! - im2col + GEMM: the receptive fields are copied into a column matrix
//!   `[N, G, C/G·KH·KW, OH·OW]` (zeros for padding), then a GEMM per group against the weight
//!   seen as `[O, C/G·KH·KW]`, tiled (up to 4 channels × 8 pixels) with each tile's operands
//!   packed k-major into stack scratch;
//! - Winograd F(m×m, 3×3), m = 2 or 4 (Lavin & Gray): weights transformed `U = G g Gᵀ`, input
//!   tiles `V = Bᵀ d B`, products summed over channels `M = Σ U ⊙ V`, outputs `Y = Aᵀ M A`.
//!   Transforms are unrolled with the matrices' non-zero coefficients. Only for 3×3 kernels,
//!   stride 1, dilation 1, one group.

use strata_dialects::nn::scalar;
use strata_dialects::nn::shape::Conv2d;
use strata_ir::{OpId, Type, Value};

use super::emit::{physical, Emit};
use super::gemm::{constant_cache_name, GemmShape, PackCache, PackedGemm};
use super::ops::{epilogue_value, zero};

/// One convolution to lower.
pub struct ConvLowering {
    pub op: OpId,
    pub conv: Conv2d,
    pub x: Value,
    pub w: Value,
    pub bias: Option<Value>,
    pub extras: Vec<Value>,
    pub extra_shapes: Vec<Vec<i64>>,
    pub out: Vec<i64>,
    pub elem: Type,
    /// A `kernel.conv2d`, whose epilogue runs on each result.
    pub epilogue: bool,
}

/// F(2×2, 3×3): Bᵀ (4×4), G (4×3), Aᵀ (2×4).
const BT2: [&[f64]; 4] = [&[1., 0., -1., 0.], &[0., 1., 1., 0.], &[0., -1., 1., 0.], &[0., 1., 0., -1.]];
const G2: [&[f64]; 4] = [&[1., 0., 0.], &[0.5, 0.5, 0.5], &[0.5, -0.5, 0.5], &[0., 0., 1.]];
const AT2: [&[f64]; 2] = [&[1., 1., 1., 0.], &[0., 1., -1., -1.]];
/// F(4×4, 3×3): Bᵀ (6×6), G (6×3), Aᵀ (4×6).
const BT4: [&[f64]; 6] = [
    &[4., 0., -5., 0., 1., 0.],
    &[0., -4., -4., 1., 1., 0.],
    &[0., 4., -4., -1., 1., 0.],
    &[0., -2., -1., 2., 1., 0.],
    &[0., 2., -1., -2., 1., 0.],
    &[0., 4., 0., -5., 0., 1.],
];
const G4: [&[f64]; 6] = [
    &[1. / 4., 0., 0.],
    &[-1. / 6., -1. / 6., -1. / 6.],
    &[-1. / 6., 1. / 6., -1. / 6.],
    &[1. / 24., 1. / 12., 1. / 6.],
    &[1. / 24., -1. / 12., 1. / 6.],
    &[0., 0., 1.],
];
const AT4: [&[f64]; 4] =
    [&[1., 1., 1., 1., 1., 0.], &[0., 1., -1., 2., -2., 0.], &[0., 1., 1., 4., 4., 0.], &[0., 1., -1., 8., -8., 1.]];

/// A transform matrix, by rows.
type Matrix = &'static [&'static [f64]];

/// `Σ_k m[i][k] · v[k]` for each row `i`, as unrolled scalar code (zero coefficients skipped,
/// ±1 without a multiplication).
fn mat_vec(e: &mut Emit, elem: Type, m: &[&[f64]], v: &[Value]) -> Vec<Value> {
    m.iter()
        .map(|row| {
            let mut sum: Option<Value> = None;
            for (c, x) in row.iter().zip(v) {
                if *c == 0.0 {
                    continue;
                }
                let term = if *c == 1.0 {
                    *x
                } else if *c == -1.0 {
                    e.value("arith.negf", &[*x], elem)
                } else {
                    let k = scalar::constant(&mut e.b(), elem, *c);
                    e.value("arith.mulf", &[*x, k], elem)
                };
                sum = Some(match sum {
                    None => term,
                    Some(s) => e.value("arith.addf", &[s, term], elem),
                });
            }
            sum.unwrap_or_else(|| zero(e, elem))
        })
        .collect()
}

/// `L · X · Rᵀ` for a small matrix `X` (rows of values), unrolled.
fn sandwich(e: &mut Emit, elem: Type, l: &[&[f64]], x: &[Vec<Value>], r: &[&[f64]]) -> Vec<Vec<Value>> {
    // Columns of X through L, then rows through R.
    let cols = x[0].len();
    let left: Vec<Vec<Value>> = (0..cols)
        .map(|j| {
            let col: Vec<Value> = x.iter().map(|row| row[j]).collect();
            mat_vec(e, elem, l, &col)
        })
        .collect();
    (0..l.len())
        .map(|i| {
            let row: Vec<Value> = left.iter().map(|col| col[i]).collect();
            mat_vec(e, elem, r, &row)
        })
        .collect()
}

/// Where element (i, j) of the transformed product of tile (ty, tx), output channel oc, image b
/// is: a buffer and the index into it.
type ProductAt = Box<dyn Fn(&mut Emit, [Value; 4], i64, i64) -> (Value, Vec<Value>)>;

impl ConvLowering {
    fn shapes(&self, e: &Emit) -> ([i64; 4], [i64; 4], [i64; 4]) {
        let l = self.conv.layout;
        let xs = e.ctx.shape(e.ir.value_type(self.x)).unwrap_or(&[]).to_vec();
        let ws = e.ctx.shape(e.ir.value_type(self.w)).unwrap_or(&[]).to_vec();
        let (n, c, h, w) = l.nchw(&xs);
        let (_, o, oh, ow) = l.nchw(&self.out);
        ([n, c, h, w], [ws[0], ws[1], ws[2], ws[3]], [n, o, oh, ow])
    }

    /// Bias, epilogue, and the store of output element (b, oc, y, x).
    fn finish(&self, e: &mut Emit, buf: Value, acc: Value, [b, oc, y, x]: [Value; 4]) {
        let acc = match self.bias {
            Some(bm) => {
                let bv = e.load(bm, &[oc]);
                e.value("arith.addf", &[acc, bv], self.elem)
            }
            None => acc,
        };
        let dst = physical(e, self.conv.layout, [b, oc, y, x]);
        let v = if self.epilogue {
            epilogue_value(e, self.op, acc, &self.extras, &self.extra_shapes, &self.out, &dst)
        } else {
            acc
        };
        e.store(v, buf, &dst);
    }

    /// Input element (b, channel, iy, ix) with zero outside the image.
    fn input_or_zero(&self, e: &mut Emit, h: i64, w: i64, [b, c, iy, ix]: [Value; 4]) -> Value {
        let (in_y, in_x) = (e.in_range(iy, h), e.in_range(ix, w));
        let inside = e.value("arith.andi", &[in_y, in_x], e.ctx.integer_type(1));
        let (x, layout, elem) = (self.x, self.conv.layout, self.elem);
        e.select_if(
            inside,
            elem,
            |e| {
                let idx = physical(e, layout, [b, c, iy, ix]);
                e.load(x, &idx)
            },
            |e| zero(e, elem),
        )
    }

    /// The input with its padding made real: a zero border of the convolution's padding (and
    /// `extra` more rows and columns at the bottom and right, for tiles that overhang), in
    /// logical NCHW order whatever the layout, so packing and tile transforms read without
    /// bounds checks.
    fn padded_input(&self, e: &mut Emit, extra: [i64; 2]) -> Value {
        let ([n, c, h, w], _, _) = self.shapes(e);
        let p = self.conv.padding;
        let shape = [n, c, h + p[0] + p[2] + extra[0], w + p[1] + p[3] + extra[1]];
        let buf = e.scratch(&shape, self.elem);
        e.parallel(&shape, |e, ivs| {
            let iy = e.affine(ivs[2], 1, -p[0]);
            let ix = e.affine(ivs[3], 1, -p[1]);
            let v = self.input_or_zero(e, h, w, [ivs[0], ivs[1], iy, ix]);
            e.store(v, buf, ivs);
        });
        buf
    }

    pub fn direct(&self, e: &mut Emit) -> Value {
        let c = &self.conv;
        let ([_, _, h, wd], [_, icg, kh, kw], [n, o, oh, ow]) = self.shapes(e);
        let per_group = o / c.groups;
        let elem = self.elem;
        let buf = e.alloc(&self.out, elem);
        e.parallel(&[n, o, oh, ow], |e, ivs| {
            let (b, oc, y, xo) = (ivs[0], ivs[1], ivs[2], ivs[3]);
            let pg = e.index(per_group);
            let g = e.div(oc, pg);
            let init = zero(e, elem);
            let acc = e.for_acc(icg, init, |e, ic, acc| {
                let gbase = e.affine(g, icg, 0);
                let cin = e.add(gbase, ic);
                e.for_acc(kh, acc, |e, ky, acc| {
                    let ys = e.affine(y, c.strides[0], 0);
                    let kys = e.affine(ky, c.dilations[0], -c.padding[0]);
                    let iy = e.add(ys, kys);
                    e.for_acc(kw, acc, |e, kx, acc| {
                        let xs = e.affine(xo, c.strides[1], 0);
                        let kxs = e.affine(kx, c.dilations[1], -c.padding[1]);
                        let ix = e.add(xs, kxs);
                        let xv = self.input_or_zero(e, h, wd, [b, cin, iy, ix]);
                        let wv = e.load(self.w, &[oc, ic, ky, kx]);
                        let p = e.value("arith.mulf", &[xv, wv], elem);
                        e.value("arith.addf", &[acc, p], elem)
                    })
                })
            });
            self.finish(e, buf, acc, [b, oc, y, xo]);
        });
        buf
    }

    pub fn im2col_gemm(&self, e: &mut Emit) -> Value {
        let c = &self.conv;
        let ([_, _, h, wd], [_, icg, kh, kw], [n, o, oh, ow]) = self.shapes(e);
        let (groups, k, p) = (c.groups, icg * kh * kw, oh * ow);
        let elem = self.elem;
        let per_group = o / groups;
        let g = GemmShape { batch: n * groups, m: per_group, n: p, k };
        if g.worth_packing(e, elem) {
            return self.implicit_gemm(e, g);
        }
        // The column matrix: one row per (channel, ky, kx), one column per output pixel.
        let cols = e.scratch(&[n, groups, k, p], elem);
        e.parallel(&[n, groups, icg, kh, kw, oh, ow], |e, ivs| {
            let (b, g, ic, ky, kx, y, xo) = (ivs[0], ivs[1], ivs[2], ivs[3], ivs[4], ivs[5], ivs[6]);
            let gbase = e.affine(g, icg, 0);
            let cin = e.add(gbase, ic);
            let ys = e.affine(y, c.strides[0], 0);
            let kys = e.affine(ky, c.dilations[0], -c.padding[0]);
            let iy = e.add(ys, kys);
            let xs = e.affine(xo, c.strides[1], 0);
            let kxs = e.affine(kx, c.dilations[1], -c.padding[1]);
            let ix = e.add(xs, kxs);
            let v = self.input_or_zero(e, h, wd, [b, cin, iy, ix]);
            let row = {
                let a = e.affine(ic, kh * kw, 0);
                let bb = e.affine(ky, kw, 0);
                let s = e.add(a, bb);
                e.add(s, kx)
            };
            let col = {
                let a = e.affine(y, ow, 0);
                e.add(a, xo)
            };
            e.store(v, cols, &[b, g, row, col]);
        });
        // The GEMM, out[b, oc, pixel] = Σ_k w[oc, k] · cols[b, g(oc), k, pixel], in tiles of
        // TM output channels × TN pixels: each tile packs its weight rows and column panel
        // into contiguous scratch (k-major, as a register-blocked micro-kernel reads them),
        // then accumulates TM × TN dot products over k.
        let tm = (1..=4).rev().find(|t| per_group % t == 0).unwrap_or(1);
        let tn = (1..=8).rev().find(|t| p % t == 0).unwrap_or(1);
        let buf = e.alloc(&self.out, elem);
        e.parallel(&[n, o / tm, p / tn], |e, ivs| {
            let (b, ot, pt) = (ivs[0], ivs[1], ivs[2]);
            let oc0 = e.affine(ot, tm, 0);
            let pix0 = e.affine(pt, tn, 0);
            let pg = e.index(per_group);
            let g = e.div(oc0, pg);
            let a_pack = e.alloca(&[k, tm], elem);
            let b_pack = e.alloca(&[k, tn], elem);
            e.for_each(k, |e, kk| {
                // The OIHW weight row, flattened: (ic, ky, kx) from kk.
                let kwv = e.index(kw);
                let khkw = e.index(kh * kw);
                let ic = e.div(kk, khkw);
                let rest = e.rem(kk, khkw);
                let ky = e.div(rest, kwv);
                let kx = e.rem(rest, kwv);
                e.for_each(tm, |e, i| {
                    let oc = e.add(oc0, i);
                    let wv = e.load(self.w, &[oc, ic, ky, kx]);
                    e.store(wv, a_pack, &[kk, i]);
                });
                e.for_each(tn, |e, j| {
                    let pix = e.add(pix0, j);
                    let cv = e.load(cols, &[b, g, kk, pix]);
                    e.store(cv, b_pack, &[kk, j]);
                });
            });
            e.for_each(tm, |e, i| {
                e.for_each(tn, |e, j| {
                    let init = zero(e, elem);
                    let acc = e.for_acc(k, init, |e, kk, acc| {
                        let av = e.load(a_pack, &[kk, i]);
                        let bv = e.load(b_pack, &[kk, j]);
                        let prod = e.value("arith.mulf", &[av, bv], elem);
                        e.value("arith.addf", &[acc, prod], elem)
                    });
                    let oc = e.add(oc0, i);
                    let pix = e.add(pix0, j);
                    let owv = e.index(ow);
                    let y = e.div(pix, owv);
                    let xo = e.rem(pix, owv);
                    self.finish(e, buf, acc, [b, oc, y, xo]);
                });
            });
        });
        buf
    }

    /// im2col + GEMM through the packed GEMM, with the column matrix never built: packing B
    /// reads each column element straight from the image (zero in the padding), and the
    /// weights are A. Batches are (image, group).
    fn implicit_gemm(&self, e: &mut Emit, g: GemmShape) -> Value {
        let c = self.conv.clone();
        let ([n, _, _, _], [_, icg, kh, kw], [_, o, oh, ow]) = self.shapes(e);
        let (groups, per_group) = (c.groups, g.m);
        let elem = self.elem;
        let padded = self.padded_input(e, [0, 0]);
        let buf = e.alloc(&self.out, elem);
        let pg =
            PackedGemm::new(e, g, elem, &PackCache { a: constant_cache_name(e, self.w, self.op, "weights"), b: None });
        // A: the weights of each group, row oc, column (ic, ky, kx).
        pg.pack_a(
            e,
            |_| {},
            |e, [bg, i, kk]| {
                let gv = e.index(groups);
                let grp = e.rem(bg, gv);
                let base = e.affine(grp, per_group, 0);
                let oc = e.add(base, i);
                let (kwv, khkw) = (e.index(kw), e.index(kh * kw));
                let ic = e.div(kk, khkw);
                let rest = e.rem(kk, khkw);
                let (ky, kx) = (e.div(rest, kwv), e.rem(rest, kwv));
                e.load(self.w, &[oc, ic, ky, kx])
            },
        );
        // B: the column matrix, written into its panels straight from the padded image in the
        // image's own order (row (ic, ky, kx), column (y, x)), so no index is divided.
        pg.clear_b_padding(e);
        e.parallel(&[n * groups, icg, kh, kw, oh], |e, ivs| {
            let (bg, ic, ky, kx, y) = (ivs[0], ivs[1], ivs[2], ivs[3], ivs[4]);
            let gv = e.index(groups);
            let (b, grp) = (e.div(bg, gv), e.rem(bg, gv));
            let gbase = e.affine(grp, icg, 0);
            let cin = e.add(gbase, ic);
            let kk = {
                let a = e.affine(ic, kh * kw, 0);
                let bb = e.affine(ky, kw, 0);
                let s = e.add(a, bb);
                e.add(s, kx)
            };
            let ys = e.affine(y, c.strides[0], 0);
            let kys = e.affine(ky, c.dilations[0], 0);
            let iy = e.add(ys, kys);
            let row = e.affine(y, ow, 0);
            e.for_each(ow, |e, xo| {
                let xs = e.affine(xo, c.strides[1], 0);
                let kxs = e.affine(kx, c.dilations[1], 0);
                let ix = e.add(xs, kxs);
                let v = e.load(padded, &[b, cin, iy, ix]);
                let j = e.add(row, xo);
                pg.store_b(e, v, [bg, kk, j]);
            });
        });
        pg.compute(e);
        // The result, in output order: bias, epilogue, layout.
        let c_pad = pg.c_pad;
        e.parallel(&[n, o, oh, ow], |e, ivs| {
            let (b, oc, y, xo) = (ivs[0], ivs[1], ivs[2], ivs[3]);
            let pgv = e.index(per_group);
            let (grp, i) = (e.div(oc, pgv), e.rem(oc, pgv));
            let bg = {
                let base = e.affine(b, groups, 0);
                e.add(base, grp)
            };
            let row = e.affine(y, ow, 0);
            let j = e.add(row, xo);
            let acc = e.load(c_pad, &[bg, i, j]);
            self.finish(e, buf, acc, [b, oc, y, xo]);
        });
        buf
    }

    pub fn winograd(&self, e: &mut Emit, m: i64) -> Result<Value, String> {
        let c = &self.conv;
        let ([_, ch, h, wd], [_, _, kh, kw], [n, o, oh, ow]) = self.shapes(e);
        if (kh, kw) != (3, 3) || c.strides != [1, 1] || c.dilations != [1, 1] || c.groups != 1 {
            return Err("Winograd needs a 3x3 kernel, stride 1, dilation 1 and one group".into());
        }
        let (bt, g_mat, at): (Matrix, Matrix, Matrix) = if m == 2 { (&BT2, &G2, &AT2) } else { (&BT4, &G4, &AT4) };
        let t = m + 2;
        let (th, tw) = ((oh + m - 1) / m, (ow + m - 1) / m);
        let elem = self.elem;
        let tu = t as usize;
        // U[o, c] = G g Gᵀ, made before A (U) is packed for the batched GEMM below; with
        // constant weights the packed U is kept across calls and this runs on the first only.
        let u = e.scratch(&[o, ch, t, t], elem);
        let transform = |e: &mut Emit| {
            e.parallel(&[o, ch], |e, ivs| {
                let g: Vec<Vec<Value>> = (0..3)
                    .map(|r| {
                        (0..3)
                            .map(|s| {
                                let (ri, si) = (e.index(r), e.index(s));
                                e.load(self.w, &[ivs[0], ivs[1], ri, si])
                            })
                            .collect()
                    })
                    .collect();
                let ut = sandwich(e, elem, g_mat, &g, g_mat);
                for (i, row) in ut.iter().enumerate() {
                    for (j, v) in row.iter().enumerate() {
                        let (ii, jj) = (e.index(i as i64), e.index(j as i64));
                        e.store(*v, u, &[ivs[0], ivs[1], ii, jj]);
                    }
                }
            })
        };
        // V[b, c, ty, tx] = Bᵀ d B, d the (t×t) input tile at (ty·m - pt, tx·m - pl).
        // Tiles overhang the padded image by up to t - m rows and columns.
        let extra = [
            (th * m + 2 - (h + c.padding[0] + c.padding[2])).max(0),
            (tw * m + 2 - (wd + c.padding[1] + c.padding[3])).max(0),
        ];
        let padded = self.padded_input(e, extra);
        // M[b, o, ty, tx, i, j] = Σ_c U[o, c, i, j] · V[b, c, ty, tx, i, j]: one GEMM per
        // (image, i, j), o × ch by ch × tiles. Packed, the input transform writes its tiles
        // straight into B's panels and the output transform reads the padded result, so neither
        // side needs a copy of its own.
        let g = GemmShape { batch: n * t * t, m: o, n: th * tw, k: ch };
        let packed = g.worth_packing(e, elem).then(|| {
            PackedGemm::new(
                e,
                g,
                elem,
                &PackCache { a: constant_cache_name(e, self.w, self.op, "winograd_u"), b: None },
            )
        });
        let v = match &packed {
            Some(pg) => {
                pg.clear_b_padding(e);
                None
            }
            None => Some(e.scratch(&[n, ch, th, tw, t, t], elem)),
        };
        e.parallel(&[n, ch, th, tw], |e, ivs| {
            let d: Vec<Vec<Value>> = (0..t)
                .map(|a| {
                    (0..t)
                        .map(|bb| {
                            let iy = e.affine(ivs[2], m, a);
                            let ix = e.affine(ivs[3], m, bb);
                            e.load(padded, &[ivs[0], ivs[1], iy, ix])
                        })
                        .collect()
                })
                .collect();
            let vt = sandwich(e, elem, bt, &d, bt);
            let tile = {
                let row = e.affine(ivs[2], tw, 0);
                e.add(row, ivs[3])
            };
            for (i, row) in vt.iter().enumerate().take(tu) {
                for (j, val) in row.iter().enumerate().take(tu) {
                    match (&packed, v) {
                        (Some(pg), _) => {
                            let bb = e.affine(ivs[0], t * t, i as i64 * t + j as i64);
                            pg.store_b(e, *val, [bb, ivs[1], tile]);
                        }
                        (None, Some(v)) => {
                            let (ii, jj) = (e.index(i as i64), e.index(j as i64));
                            e.store(*val, v, &[ivs[0], ivs[1], ivs[2], ivs[3], ii, jj]);
                        }
                        (None, None) => unreachable!("a V buffer when not packed"),
                    }
                }
            }
        });
        let product: ProductAt = match (&packed, v) {
            (Some(pg), _) => {
                pg.pack_a(e, transform, |e, [bb, oi, cc]| {
                    let tv = e.index(t);
                    let j = e.rem(bb, tv);
                    let rest = e.div(bb, tv);
                    let i = e.rem(rest, tv);
                    e.load(u, &[oi, cc, i, j])
                });
                pg.compute(e);
                let c_pad = pg.c_pad;
                Box::new(move |e: &mut Emit, [b, oc, ty, tx]: [Value; 4], i: i64, j: i64| {
                    let bb = e.affine(b, t * t, i * t + j);
                    let row = e.affine(ty, tw, 0);
                    let p = e.add(row, tx);
                    (c_pad, vec![bb, oc, p])
                })
            }
            (None, Some(v)) => {
                transform(e);
                let mm = e.scratch(&[n, o, th, tw, t, t], elem);
                e.parallel(&[n, o, th, tw, t, t], |e, ivs| {
                    let init = zero(e, elem);
                    let acc = e.for_acc(ch, init, |e, cc, acc| {
                        let uv = e.load(u, &[ivs[1], cc, ivs[4], ivs[5]]);
                        let vv = e.load(v, &[ivs[0], cc, ivs[2], ivs[3], ivs[4], ivs[5]]);
                        let p = e.value("arith.mulf", &[uv, vv], elem);
                        e.value("arith.addf", &[acc, p], elem)
                    });
                    e.store(acc, mm, ivs);
                });
                Box::new(move |e: &mut Emit, [b, oc, ty, tx]: [Value; 4], i: i64, j: i64| {
                    let (ii, jj) = (e.index(i), e.index(j));
                    (mm, vec![b, oc, ty, tx, ii, jj])
                })
            }
            (None, None) => unreachable!("a V buffer when not packed"),
        };
        // Y = Aᵀ M A, the (m×m) outputs of each tile that fall inside the image.
        let buf = e.alloc(&self.out, elem);
        e.parallel(&[n, o, th, tw], |e, ivs| {
            let tile: Vec<Vec<Value>> = (0..t)
                .map(|i| {
                    (0..t)
                        .map(|j| {
                            let (buffer, idx) = product(e, [ivs[0], ivs[1], ivs[2], ivs[3]], i, j);
                            e.load(buffer, &idx)
                        })
                        .collect()
                })
                .collect();
            let y = sandwich(e, elem, at, &tile, at);
            for (r, row) in y.iter().enumerate() {
                for (s, val) in row.iter().enumerate() {
                    let oy = e.affine(ivs[2], m, r as i64);
                    let ox = e.affine(ivs[3], m, s as i64);
                    let (ohv, owv) = (e.index(oh), e.index(ow));
                    let (in_y, in_x) = (e.less(oy, ohv), e.less(ox, owv));
                    let inside = e.value("arith.andi", &[in_y, in_x], e.ctx.integer_type(1));
                    let val = *val;
                    e.if_then(inside, |e| self.finish(e, buf, val, [ivs[0], ivs[1], oy, ox]));
                }
            }
        });
        Ok(buf)
    }
}

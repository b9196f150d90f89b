//! Convolution as loops, one way per algorithm. All read the input through its layout
//! (`physical`), add the bias, and run a `kernel.conv2d` epilogue on each result before it is
//! stored.
//!
//! - direct: a parallel nest over the output, a reduction over (channel, ky, kx), padding as
//!   a bounds check;
//! - im2col + GEMM: with the packed GEMM (f32, big enough), one group is pixels × weights
//!   (`pixel_gemm`): the input copied channels-last with its padding, A's rows the receptive
//!   fields in (ky, kx, channel) order, B the weights, the result pixel × output channel;
//!   several groups go weights × columns (`implicit_gemm`). Small or non-f32 cases build a
//!   column matrix `[N, G, C/G·KH·KW, OH·OW]` and run a GEMM tiled up to 4 channels × 8
//!   pixels with each tile's operands packed into stack scratch;
//! - Winograd F(m×m, 3×3), m = 2 or 4 (Lavin & Gray): weights transformed `U = G g Gᵀ`, input
//!   tiles `V = Bᵀ d B`, products summed over channels `M = Σ U ⊙ V`, outputs `Y = Aᵀ M A`,
//!   the matrices built from interpolation points ([`super::toom_cook`]). Transforms are
//!   unrolled with the matrices' non-zero coefficients. With the packed GEMM
//!   (`winograd_gemm`) each (i, j) of the tile is a GEMM of tiles × channels by channels ×
//!   output channels, and the transforms run along channels. At stride 2, F(4×4, 2×2) over the
//!   four phases of the input (see [`ConvLowering::winograd`]). Only for 3×3 kernels,
//!   dilation 1, one group.
//!
//! The channels-last paths make every copy and transform an `scf.parallel` nest whose
//! innermost loop walks channels with unit stride (blocked layouts address the channel as
//! `block · 8 + lane`), which `vectorize` turns into vector code; NCHW stays scalar at its
//! two ends (a transpose).

use strata_dialects::nn::scalar;
use strata_dialects::nn::shape::{Conv2d, Layout, WinogradForm};
use strata_ir::{OpId, Type, Value};

use super::emit::{physical, physical_blocked, Emit};
use super::gemm::{constant_cache_name, GemmShape, PackCache, PackedGemm};
use super::ops::{epilogue_value, zero};
use super::toom_cook::Transforms;

/// The most taps a depthwise kernel is unrolled for (7×7 and below); larger kernels take the
/// general direct loops.
const MAX_UNROLLED_TAPS: i64 = 49;

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

/// `Σ_k m[i][k] · v[k]` for each row `i`, as unrolled scalar code (zero coefficients skipped,
/// ±1 without a multiplication).
fn mat_vec(e: &mut Emit, elem: Type, m: &[Vec<f64>], v: &[Value]) -> Vec<Value> {
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

/// `Σ term(ky, kx)` over the taps in `ky` × `kx`, unrolled; zero without any.
fn sum_of_taps(
    e: &mut Emit,
    elem: Type,
    [ky, kx]: [std::ops::Range<i64>; 2],
    mut term: impl FnMut(&mut Emit, Value, Value) -> Value,
) -> Value {
    let mut acc: Option<Value> = None;
    for ky in ky {
        for kx in kx.clone() {
            let (ky, kx) = (e.index(ky), e.index(kx));
            let p = term(e, ky, kx);
            acc = Some(match acc {
                None => p,
                Some(a) => e.value("arith.addf", &[a, p], elem),
            });
        }
    }
    acc.unwrap_or_else(|| zero(e, elem))
}

/// Output positions `start..end` along one axis whose taps inside the input are `taps`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct TapBand {
    start: i64,
    end: i64,
    taps: std::ops::Range<i64>,
}

/// The output positions along an axis (`out` of them; input `extent`, kernel `k`, `stride`,
/// `dilation`, padding `pad` before) in runs that read the same taps inside the input:
/// position `p`'s tap `t` reads input `p·stride + t·dilation - pad`. Consecutive positions
/// with equal taps share a run, so there is one for the interior and one for each border
/// position the padding reaches (a few).
fn tap_bands(out: i64, extent: i64, k: i64, stride: i64, dilation: i64, pad: i64) -> Vec<TapBand> {
    let mut bands: Vec<TapBand> = Vec::new();
    let mut p = 0;
    while p < out {
        let first = p * stride - pad;
        // The first tap at or after input 0, and the first past the last input.
        let lo = if first >= 0 { 0 } else { ((-first + dilation - 1) / dilation).min(k) };
        let hi = if first >= extent { 0 } else { ((extent - 1 - first) / dilation + 1).min(k) };
        let taps = lo..hi.max(lo);
        // An interior position's run goes on to the last position whose last tap is inside.
        let end = if taps == (0..k) { ((extent - 1 - (k - 1) * dilation + pad) / stride + 1).min(out) } else { p + 1 };
        match bands.last_mut() {
            Some(b) if b.taps == taps => b.end = end,
            _ => bands.push(TapBand { start: p, end, taps }),
        }
        p = end;
    }
    bands
}

/// `L · X · Rᵀ` for a small matrix `X` (rows of values), unrolled.
fn sandwich(e: &mut Emit, elem: Type, l: &[Vec<f64>], x: &[Vec<Value>], r: &[Vec<f64>]) -> Vec<Vec<Value>> {
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
        let dst = physical(e, self.conv.layout, [b, oc, y, x]);
        self.finish_at(e, buf, acc, oc, &dst);
    }

    /// [`Self::finish`] for output channel `oc` at physical index `dst`.
    fn finish_at(&self, e: &mut Emit, buf: Value, acc: Value, oc: Value, dst: &[Value]) {
        let acc = match self.bias {
            Some(bm) => {
                let bv = e.load(bm, &[oc]);
                e.value("arith.addf", &[acc, bv], self.elem)
            }
            None => acc,
        };
        let v = if self.epilogue {
            epilogue_value(e, self.op, acc, &self.extras, &self.extra_shapes, &self.out, dst)
        } else {
            acc
        };
        e.store(v, buf, dst);
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
        let ([_, ch, h, wd], [_, icg, kh, kw], [n, o, oh, ow]) = self.shapes(e);
        if c.groups == ch && o == ch && icg == 1 && kh * kw <= MAX_UNROLLED_TAPS {
            return self.depthwise(e);
        }
        let per_group = o / c.groups;
        let elem = self.elem;
        let buf = e.alloc(&self.out, elem);
        e.parallel(&[n, o, oh, ow], |e, ivs| {
            let (b, oc, y, xo) = (ivs[0], ivs[1], ivs[2], ivs[3]);
            // One group: its index is 0, not a function of the output channel (which would
            // tie the input's reads to it and hide the product from the GPU's tiling).
            let g = if c.groups == 1 {
                e.index(0)
            } else {
                let pg = e.index(per_group);
                e.div(oc, pg)
            };
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

    /// Depthwise convolution (one input channel per output channel, as MobileNet's): each
    /// output element as its kh·kw taps, unrolled, with the innermost loop along a unit-stride
    /// dimension so that `vectorize` runs it in vectors, and no bounds checks in the loop,
    /// unlike [`Self::direct`]'s general nest.
    ///
    /// - NHWC and blocked layouts: channels innermost (the weights copied tap-major so they
    ///   too are read along channels). The output is cut into regions whose elements read the
    ///   same taps inside the image ([`tap_bands`]: the interior reads all of them, each border
    ///   row or column its own subset), one nest per region with only those taps, so the
    ///   input is read where it is: no padded copy (which moved the input twice more, most of
    ///   a stride-2 layer's time). Taps in the padding are skipped, as the reference does.
    /// - NCHW: output columns innermost (contiguous at stride 1; strided ones stay scalar),
    ///   from a copy of the input with its padding made real.
    fn depthwise(&self, e: &mut Emit) -> Value {
        let ([_, ch, h, w], [_, _, kh, kw], [n, o, oh, ow]) = self.shapes(e);
        let elem = self.elem;
        if self.conv.layout == Layout::Nchw {
            let padded = self.padded_input(e, [0, 0]);
            let buf = e.alloc(&self.out, elem);
            e.parallel(&[n, o, oh, ow], |e, ivs| {
                let (b, c, y, x) = (ivs[0], ivs[1], ivs[2], ivs[3]);
                let zero_index = e.index(0);
                let acc = sum_of_taps(e, elem, [0..kh, 0..kw], |e, ky, kx| {
                    let (iy, ix) = (self.tap(e, 0, y, ky), self.tap(e, 1, x, kx));
                    let xv = e.load(padded, &[b, c, iy, ix]);
                    let wv = e.load(self.w, &[c, zero_index, ky, kx]);
                    e.value("arith.mulf", &[xv, wv], elem)
                });
                self.finish(e, buf, acc, [b, c, y, x]);
            });
            return buf;
        }
        // The weights [C, 1, kh, kw] as [kh, kw, C].
        let weights = e.scratch(&[kh, kw, ch], elem);
        e.parallel(&[kh, kw, ch], |e, ivs| {
            let zero_index = e.index(0);
            let v = e.load(self.w, &[ivs[2], zero_index, ivs[0], ivs[1]]);
            e.store(v, weights, ivs);
        });
        let c = &self.conv;
        let rows = tap_bands(oh, h, kh, c.strides[0], c.dilations[0], c.padding[0]);
        let cols = tap_bands(ow, w, kw, c.strides[1], c.dilations[1], c.padding[1]);
        let buf = e.alloc(&self.out, elem);
        let layout = c.layout;
        // NHWC: one block of all the channels; blocked layouts: their own blocks.
        let block = layout.block().unwrap_or(ch);
        for rb in &rows {
            for cb in &cols {
                let dims = [n, rb.end - rb.start, cb.end - cb.start, ch / block, block];
                let dims = if layout == Layout::Nhwc { &[dims[0], dims[1], dims[2], ch][..] } else { &dims[..] };
                e.parallel(dims, |e, ivs| {
                    let (b, y, x) = (ivs[0], e.affine(ivs[1], 1, rb.start), e.affine(ivs[2], 1, cb.start));
                    let (cblk, lane) = if layout == Layout::Nhwc { (e.index(0), ivs[3]) } else { (ivs[3], ivs[4]) };
                    let channel = {
                        let start = e.affine(cblk, block, 0);
                        e.add(start, lane)
                    };
                    let acc = sum_of_taps(e, elem, [rb.taps.clone(), cb.taps.clone()], |e, ky, kx| {
                        let iy = {
                            let t = self.tap(e, 0, y, ky);
                            e.affine(t, 1, -c.padding[0])
                        };
                        let ix = {
                            let t = self.tap(e, 1, x, kx);
                            e.affine(t, 1, -c.padding[1])
                        };
                        let at = physical_blocked(e, layout, block, [b, cblk, lane, iy, ix]);
                        let xv = e.load(self.x, &at);
                        let wv = e.load(weights, &[ky, kx, channel]);
                        e.value("arith.mulf", &[xv, wv], elem)
                    });
                    let dst = physical_blocked(e, layout, block, [b, cblk, lane, y, x]);
                    self.finish_at(e, buf, acc, channel, &dst);
                });
            }
        }
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
            return if groups == 1 { self.pixel_gemm(e) } else { self.implicit_gemm(e, g) };
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

    /// im2col + GEMM for one group, pixels × weights: A's rows are the receptive fields,
    /// (ky, kx, channel) each, copied channels innermost from a channels-last padded input;
    /// B is the weights (packed once when constant); the padded result is pixel × output
    /// channel. Every copy vectorizes along channels.
    fn pixel_gemm(&self, e: &mut Emit) -> Value {
        let ([n, ch, _, _], [_, _, kh, kw], [_, o, oh, ow]) = self.shapes(e);
        let elem = self.elem;
        let g = GemmShape { batch: n, m: oh * ow, n: o, k: kh * kw * ch };
        let c = &self.conv;
        let cache = constant_cache_name(e, self.w, self.op, "weights");
        let unpadded = c.padding == [0; 4];
        // A, pixels × receptive fields: the input itself, or copied (im2col) from the input
        // made channels-last with its padding, either one block of rows at a time just before
        // the GEMM reads them (when k is one block) or all of it first.
        let pointwise = c.layout == Layout::Nhwc && unpadded && (kh, kw) == (1, 1) && c.strides == [1, 1];
        let (pg, rows_by_block) = if pointwise {
            // A pointwise convolution of an NHWC input: its pixels are A's rows already.
            let rows = e.flat(self.x);
            let pg = PackedGemm::with_a_in_place(e, g, elem, rows, cache.clone());
            pg.pack_a(e, |_| {}, |_, _| unreachable!("A is read in place"));
            (pg, None)
        } else {
            let source = self.padded_channels_last(e, [0, 0]);
            match PackedGemm::with_a_by_blocks(e, g, elem, cache.clone()) {
                Some(pg) => (pg, Some(source)),
                None => {
                    let pg = PackedGemm::with_a_rows(e, g, elem, cache);
                    pg.clear_a_padding(e);
                    let (first, all) = (e.index(0), e.index(oh * ow));
                    self.im2col_rows(e, &pg, source, [first, all], false);
                    (pg, None)
                }
            }
        };
        pg.pack_b(
            e,
            |_| {},
            |e, [_, kk, oc]| {
                let (chv, kwv) = (e.index(ch), e.index(kw));
                let (tap, cc) = (e.div(kk, chv), e.rem(kk, chv));
                let (ky, kx) = (e.div(tap, kwv), e.rem(tap, kwv));
                e.load(self.w, &[oc, cc, ky, kx])
            },
        );
        let buf = e.alloc(&self.out, elem);
        let layout = self.conv.layout;
        if layout == Layout::Nhwc {
            // Channels-last: each tile goes to the output as soon as it is done, its rows
            // pixels and its columns channels, contiguous in both.
            let finish = |e: &mut Emit, v: Value, [b, pixel, oc]: [Value; 3]| {
                let owv = e.index(ow);
                let (y, x) = (e.div(pixel, owv), e.rem(pixel, owv));
                self.finish(e, buf, v, [b, oc, y, x]);
            };
            match rows_by_block {
                Some(source) => {
                    pg.compute_by_blocks_into(e, |e, rows| self.im2col_rows(e, &pg, source, rows, true), &finish)
                }
                None => pg.compute_into(e, &finish),
            }
            return buf;
        }
        // NCHW and blocked layouts: each block of rows (pixels) goes to the output as soon as
        // it is done, while it is in L2: channels innermost for blocked layouts; for NCHW,
        // pixels innermost (a transpose, its stores contiguous).
        let write_rows = |e: &mut Emit, [r0, r1]: [Value; 2]| {
            let c_pad = pg.c_pad();
            let (zero, batch) = (e.index(0), e.index(n));
            let from_pixel = |e: &mut Emit, pixel: Value| {
                let owv = e.index(ow);
                (e.div(pixel, owv), e.rem(pixel, owv))
            };
            match layout.block() {
                None => {
                    let channels = e.index(o);
                    e.parallel_between(&[zero, zero, r0], &[batch, channels, r1], |e, ivs| {
                        let (b, oc, pixel) = (ivs[0], ivs[1], ivs[2]);
                        let (y, x) = from_pixel(e, pixel);
                        let v = e.load(c_pad, &[b, pixel, oc]);
                        self.finish(e, buf, v, [b, oc, y, x]);
                    })
                }
                // Blocked layouts hold whole blocks of channels.
                Some(block) => {
                    let (blocks, lanes) = (e.index(o / block), e.index(block));
                    e.parallel_between(&[r0, zero, zero, zero], &[r1, batch, blocks, lanes], |e, ivs| {
                        let (pixel, b, cb, lane) = (ivs[0], ivs[1], ivs[2], ivs[3]);
                        let (y, x) = from_pixel(e, pixel);
                        let oc = physical_blocked(e, Layout::Nhwc, block, [b, cb, lane, y, x])[3];
                        let v = e.load(c_pad, &[b, pixel, oc]);
                        self.finish_at(e, buf, v, oc, &[b, cb, y, x, lane]);
                    })
                }
            }
        };
        match rows_by_block {
            Some(source) => pg.compute_by_blocks(e, |e, rows| self.im2col_rows(e, &pg, source, rows, true), write_rows),
            None => pg.compute_then(e, write_rows),
        }
        buf
    }

    /// Rows `[lo, hi)` of im2col's A (pixels; with `local`, stored from row 0 of A's
    /// buffer, a block's) from `source`, the input channels-last with its padding made real.
    fn im2col_rows(&self, e: &mut Emit, pg: &PackedGemm, source: Value, [lo, hi]: [Value; 2], local: bool) {
        let ([n, ch, _, _], [_, _, kh, kw], [_, _, _, ow]) = self.shapes(e);
        let c = &self.conv;
        let zero = e.index(0);
        let (batch, owv) = (e.index(n), e.index(ow));
        let at_pixel = |e: &mut Emit, pixel: Value| {
            let (y, x) = (e.div(pixel, owv), e.rem(pixel, owv));
            let row = if local { e.sub(pixel, lo) } else { pixel };
            (y, x, row)
        };
        if c.dilations[1] == 1 {
            // A row of the receptive field, (kx, channel) for one ky, is kw · C consecutive
            // elements of the source's row and of A's: copied as one run, so the copy
            // vectorizes even with few channels (a 7×7 convolution of RGB: runs of 21).
            let shape = e.ctx.shape(e.ir.value_type(source)).expect("a ranked source").to_vec();
            let (rows, run) = (shape[1], shape[2] * ch);
            let flat = e.flat(source);
            // The widest vector of at most the target's lanes, a power of two from 4, that the
            // run holds.
            let lanes = std::iter::successors(Some(e.gemm.lanes), |l| Some(l / 2))
                .take_while(|&l| l >= 4)
                .find(|&l| l <= kw * ch);
            if let (true, Some(lanes)) = (e.gemm.packed, lanes) {
                // Whole vectors along the run, and its tail as one more vector ending where
                // the run ends (overlapping the last whole one, with the same values): a
                // short run (ResNet-18's stem, 7 × 3 = 21 elements; MobileNetV2's, 3 × 3 = 9)
                // would otherwise copy its tail element by element, most of its time.
                let vt = e.ctx.vector_type(vec![lanes], self.elem);
                let taps_y = e.index(kh);
                let whole = kw * ch / lanes * lanes;
                e.parallel_between(&[lo, zero, zero], &[hi, batch, taps_y], |e, ivs| {
                    let (pixel, b, ky) = (ivs[0], ivs[1], ivs[2]);
                    let (y, x, row) = at_pixel(e, pixel);
                    let iy = self.tap(e, 0, y, ky);
                    let start = e.affine(x, c.strides[1] * ch, 0);
                    let from = e.linearize(&[b, iy, start], &[n, rows, run]);
                    let row_start = e.affine(ky, kw * ch, 0);
                    let (buffer, to) = pg.a_element(e, [b, row, row_start]);
                    let copy = |e: &mut Emit, offset: Value| {
                        let (src, dst) = (e.add(from, offset), e.add(to, offset));
                        let v = e.value("vector.load", &[flat, src], vt);
                        e.b().op("vector.store", &[v, buffer, dst], &[], &[]);
                    };
                    let end = e.index(whole);
                    e.for_range_by(zero, end, lanes, &[], |e, offset, _| {
                        copy(e, offset);
                        Vec::new()
                    });
                    if whole < kw * ch {
                        let tail = e.index(kw * ch - lanes);
                        copy(e, tail);
                    }
                });
                return;
            }
            let (taps_y, run_len) = (e.index(kh), e.index(kw * ch));
            e.parallel_between(&[lo, zero, zero, zero], &[hi, batch, taps_y, run_len], |e, ivs| {
                let (pixel, b, ky, j) = (ivs[0], ivs[1], ivs[2], ivs[3]);
                let (y, x, row) = at_pixel(e, pixel);
                let iy = self.tap(e, 0, y, ky);
                let start = e.affine(x, c.strides[1] * ch, 0);
                let column = e.add(start, j);
                let at = e.linearize(&[b, iy, column], &[n, rows, run]);
                let v = e.load(flat, &[at]);
                let row_start = e.affine(ky, kw * ch, 0);
                let kk = e.add(row_start, j);
                pg.store_a(e, v, [b, row, kk]);
            });
        } else {
            let (taps_y, taps_x, channels) = (e.index(kh), e.index(kw), e.index(ch));
            e.parallel_between(&[lo, zero, zero, zero, zero], &[hi, batch, taps_y, taps_x, channels], |e, ivs| {
                let (pixel, b, ky, kx, cc) = (ivs[0], ivs[1], ivs[2], ivs[3], ivs[4]);
                let (y, x, row) = at_pixel(e, pixel);
                let (iy, ix) = (self.tap(e, 0, y, ky), self.tap(e, 1, x, kx));
                let v = e.load(source, &[b, iy, ix, cc]);
                let kk = e.linearize(&[ky, kx, cc], &[kh, kw, ch]);
                pg.store_a(e, v, [b, row, kk]);
            });
        }
    }

    /// The row (`axis` 0) or column of the padded input that output position `out` reads
    /// through kernel tap `k`: `out · stride + k · dilation`.
    fn tap(&self, e: &mut Emit, axis: usize, out: Value, k: Value) -> Value {
        let c = &self.conv;
        let base = e.affine(out, c.strides[axis], 0);
        let offset = e.affine(k, c.dilations[axis], 0);
        e.add(base, offset)
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
            let iy = self.tap(e, 0, y, ky);
            let row = e.affine(y, ow, 0);
            e.for_each(ow, |e, xo| {
                let ix = self.tap(e, 1, xo, kx);
                let v = e.load(padded, &[b, cin, iy, ix]);
                let j = e.add(row, xo);
                pg.store_b(e, v, [bg, kk, j]);
            });
        });
        pg.compute(e);
        // The result, in output order: bias, epilogue, layout.
        let c_pad = pg.c_pad();
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

    /// Winograd with m × m output tiles for a 3×3 convolution of `stride` 1 or 2.
    ///
    /// At stride 1, F(m×m, 3×3). At stride 2 the input splits into its four phases (even and
    /// odd rows by even and odd columns): the convolution is then a 2×2 convolution of stride 1
    /// over the phases stacked as 4·C channels (the kernel padded with zeros to 4×4 and split
    /// the same way), which runs as F(m×m, 2×2).
    pub fn winograd(&self, e: &mut Emit, form: WinogradForm) -> Result<Value, String> {
        let (m, stride, r) = (form.tile, form.stride, form.taps());
        let c = &self.conv;
        let ([_, ch, h, wd], [_, _, kh, kw], [n, o, oh, ow]) = self.shapes(e);
        if (kh, kw) != (3, 3) || c.strides != [stride, stride] || c.dilations != [1, 1] || c.groups != 1 {
            return Err(format!(
                "this Winograd algorithm needs a 3x3 kernel, stride {stride}, dilation 1 and one group"
            ));
        }
        let tiles = WinogradTiles {
            f: Transforms::new(m as usize, r as usize),
            stride,
            th: (oh + m - 1) / m,
            tw: (ow + m - 1) / m,
        };
        let (t, phases, elem) = (tiles.f.t() as i64, form.phases(), self.elem);
        // U[o, (phase, c)] = G g Gᵀ, made before it is packed for the batched GEMM; with
        // constant weights the packed U is kept across calls and this runs on the first only.
        let u = e.scratch(&[o, phases * ch, t, t], elem);
        let transform = |e: &mut Emit| {
            e.parallel(&[o, ch], |e, ivs| {
                for phase in 0..phases {
                    let (py, px) = (phase / stride, phase % stride);
                    let g: Vec<Vec<Value>> = (0..r)
                        .map(|a| {
                            (0..r)
                                .map(|b| {
                                    let (ky, kx) = (stride * a + py, stride * b + px);
                                    if ky >= kh || kx >= kw {
                                        return zero(e, elem);
                                    }
                                    let (ky, kx) = (e.index(ky), e.index(kx));
                                    e.load(self.w, &[ivs[0], ivs[1], ky, kx])
                                })
                                .collect()
                        })
                        .collect();
                    let ut = sandwich(e, elem, &tiles.f.g, &g, &tiles.f.g);
                    let k = e.affine(ivs[1], 1, phase * ch);
                    for (i, row) in ut.iter().enumerate() {
                        for (j, v) in row.iter().enumerate() {
                            let (ii, jj) = (e.index(i as i64), e.index(j as i64));
                            e.store(*v, u, &[ivs[0], k, ii, jj]);
                        }
                    }
                }
            })
        };
        // Tiles overhang the padded image by up to t - m rows and columns (of each phase).
        let rows = |tiles_along: i64| stride * (tiles_along * m + r - 1);
        let extra = [
            (rows(tiles.th) - (h + c.padding[0] + c.padding[2])).max(0),
            (rows(tiles.tw) - (wd + c.padding[1] + c.padding[3])).max(0),
        ];
        // M[b, i, j] = V[b, i, j] · U[i, j]: one GEMM per (image, i, j), tiles × channels by
        // channels × o.
        let g = GemmShape { batch: n * t * t, m: tiles.th * tiles.tw, n: o, k: phases * ch };
        if g.worth_packing(e, elem) {
            return Ok(self.winograd_gemm(e, &tiles, g, (u, transform), extra));
        }
        if stride != 1 {
            // Only the packed path takes the phases; what is too small or not f32 for it goes
            // through the column matrix.
            return Ok(self.im2col_gemm(e));
        }
        let (th, tw, f) = (tiles.th, tiles.tw, &tiles.f);
        let padded = self.padded_input(e, extra);
        // V[b, c, ty, tx] = Bᵀ d B, d the (t×t) input tile at (ty·m - pt, tx·m - pl).
        let v = e.scratch(&[n, ch, th, tw, t, t], elem);
        e.parallel(&[n, ch, th, tw], |e, ivs| {
            let d = tile_of(e, t, |e, a, bb| {
                let iy = e.affine(ivs[2], m, a);
                let ix = e.affine(ivs[3], m, bb);
                e.load(padded, &[ivs[0], ivs[1], iy, ix])
            });
            let vt = sandwich(e, elem, &f.bt, &d, &f.bt);
            for (i, row) in vt.iter().enumerate() {
                for (j, val) in row.iter().enumerate() {
                    let (ii, jj) = (e.index(i as i64), e.index(j as i64));
                    e.store(*val, v, &[ivs[0], ivs[1], ivs[2], ivs[3], ii, jj]);
                }
            }
        });
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
        // Y = Aᵀ M A, the (m×m) outputs of each tile that fall inside the image.
        let buf = e.alloc(&self.out, elem);
        e.parallel(&[n, o, th, tw], |e, ivs| {
            let tile = tile_of(e, t, |e, i, j| {
                let (ii, jj) = (e.index(i), e.index(j));
                e.load(mm, &[ivs[0], ivs[1], ivs[2], ivs[3], ii, jj])
            });
            let y = sandwich(e, elem, &f.at, &tile, &f.at);
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

    /// Winograd through the packed GEMM, every stage a nest whose innermost loop runs over
    /// channels through channels-last buffers, so `vectorize` turns the tile transforms into
    /// vector code: the input transform writes the GEMM's A as rows (tile × (phase, channel)),
    /// U is B (packed once for constant weights), and the output transform reads the padded
    /// result (tile × output channel).
    fn winograd_gemm(
        &self,
        e: &mut Emit,
        tiles: &WinogradTiles,
        g: GemmShape,
        (u, transform): (Value, impl FnOnce(&mut Emit)),
        extra: [i64; 2],
    ) -> Value {
        let ([n, ch, _, _], _, [_, o, _, _]) = self.shapes(e);
        let WinogradTiles { f, stride, th, tw } = tiles;
        let (th, tw, stride) = (*th, *tw, *stride);
        let (elem, m, t) = (self.elem, f.m() as i64, f.t() as i64);
        let pg = PackedGemm::with_a_rows(e, g, elem, constant_cache_name(e, self.w, self.op, "winograd_u"));
        pg.clear_a_padding(e);
        let padded = self.padded_channels_last(e, extra);
        // V = Bᵀ d B for each tile, phase and channel, d the (t×t) tile at (ty·m, tx·m) of
        // the phase (py, px): rows stride·(ty·m + a) + py of the padded input.
        let phases = stride * stride;
        let dims = if phases > 1 { vec![n, th, tw, phases, ch] } else { vec![n, th, tw, ch] };
        e.parallel(&dims, |e, ivs| {
            let c = ivs[ivs.len() - 1];
            // The phase's row and column, and where its channels start in K.
            let phase = (phases > 1).then(|| {
                let s = e.index(stride);
                (e.div(ivs[3], s), e.rem(ivs[3], s), e.affine(ivs[3], ch, 0))
            });
            let d = tile_of(e, t, |e, a, b| {
                let iy = e.affine(ivs[1], stride * m, stride * a);
                let ix = e.affine(ivs[2], stride * m, stride * b);
                let (iy, ix) = match phase {
                    Some((py, px, _)) => (e.add(iy, py), e.add(ix, px)),
                    None => (iy, ix),
                };
                e.load(padded, &[ivs[0], iy, ix, c])
            });
            let v = sandwich(e, elem, &f.bt, &d, &f.bt);
            let tile = e.linearize(&[ivs[1], ivs[2]], &[th, tw]);
            let k = match phase {
                Some((_, _, first)) => e.add(first, c),
                None => c,
            };
            for (i, row) in v.iter().enumerate() {
                for (j, val) in row.iter().enumerate() {
                    let batch = e.affine(ivs[0], t * t, i as i64 * t + j as i64);
                    pg.store_a(e, *val, [batch, tile, k]);
                }
            }
        });
        pg.pack_b(e, transform, |e, [batch, cc, oc]| {
            let tv = e.index(t);
            let j = e.rem(batch, tv);
            let rest = e.div(batch, tv);
            let i = e.rem(rest, tv);
            e.load(u, &[oc, cc, i, j])
        });
        pg.compute(e);
        // Y = Aᵀ M A for each tile and output channel, into whole tiles of a channels-last
        // buffer.
        let c_pad = pg.c_pad();
        let ys = e.scratch(&[n, th * m, tw * m, o], elem);
        e.parallel(&[n, th, tw, o], |e, ivs| {
            let tile = e.linearize(&[ivs[1], ivs[2]], &[th, tw]);
            let mt = tile_of(e, t, |e, i, j| {
                let batch = e.affine(ivs[0], t * t, i * t + j);
                e.load(c_pad, &[batch, tile, ivs[3]])
            });
            let y = sandwich(e, elem, &f.at, &mt, &f.at);
            for (r, row) in y.iter().enumerate() {
                for (s, val) in row.iter().enumerate() {
                    let oy = e.affine(ivs[1], m, r as i64);
                    let ox = e.affine(ivs[2], m, s as i64);
                    e.store(*val, ys, &[ivs[0], oy, ox, ivs[3]]);
                }
            }
        });
        self.output_from_channels_last(e, |e, at| e.load(ys, &at))
    }

    /// The input in channels-last order, `[N, pt + H + pb + extra, pl + W + pr + extra, C]`,
    /// its border zero (the input itself when it is NHWC and nothing is padded: read, never
    /// written). Channels are innermost wherever the layout allows it on both sides, so
    /// the copy vectorizes for NHWC and blocked layouts.
    fn padded_channels_last(&self, e: &mut Emit, extra: [i64; 2]) -> Value {
        let ([n, ch, h, w], _, _) = self.shapes(e);
        let (p, layout, x) = (self.conv.padding, self.conv.layout, self.x);
        // Without padding, an NHWC input is its own channels-last copy.
        if layout == Layout::Nhwc && p == [0; 4] && extra == [0, 0] {
            return x;
        }
        let shape = [n, h + p[0] + p[2] + extra[0], w + p[1] + p[3] + extra[1], ch];
        let buf = e.scratch(&shape, self.elem);
        // The border, in four bands (rows above and below, then columns left and right).
        let z = zero(e, self.elem);
        let (rows, cols) = (shape[1], shape[2]);
        let inside = ((p[0], p[0] + h), (p[1], p[1] + w));
        for (ys, xs) in [
            ((0, p[0]), (0, cols)),
            ((inside.0 .1, rows), (0, cols)),
            (inside.0, (0, p[1])),
            (inside.0, (inside.1 .1, cols)),
        ] {
            if ys.0 < ys.1 && xs.0 < xs.1 {
                e.parallel(&[n, ys.1 - ys.0, xs.1 - xs.0, ch], |e, ivs| {
                    let (y, xx) = (e.affine(ivs[1], 1, ys.0), e.affine(ivs[2], 1, xs.0));
                    e.store(z, buf, &[ivs[0], y, xx, ivs[3]]);
                });
            }
        }
        match layout.block() {
            // Pixel-major, so that threads split rows of the destination: split by channel
            // blocks, two threads would write the halves of the same cache lines.
            Some(block) if ch % block == 0 => e.parallel(&[n, h, w, ch / block, block], |e, ivs| {
                let v = e.load(x, &[ivs[0], ivs[3], ivs[1], ivs[2], ivs[4]]);
                let (y, xx) = (e.affine(ivs[1], 1, p[0]), e.affine(ivs[2], 1, p[1]));
                let dst = physical_blocked(e, Layout::Nhwc, block, [ivs[0], ivs[3], ivs[4], y, xx]);
                e.store(v, buf, &dst);
            }),
            _ => e.parallel(&[n, h, w, ch], |e, ivs| {
                let src = physical(e, layout, [ivs[0], ivs[3], ivs[1], ivs[2]]);
                let v = e.load(x, &src);
                let (y, xx) = (e.affine(ivs[1], 1, p[0]), e.affine(ivs[2], 1, p[1]));
                e.store(v, buf, &[ivs[0], y, xx, ivs[3]]);
            }),
        }
        buf
    }

    /// The output from `load([b, y, x, oc])` of a channels-last result, through bias and
    /// epilogue; channels innermost where the layout allows it.
    fn output_from_channels_last(&self, e: &mut Emit, load: impl Fn(&mut Emit, [Value; 4]) -> Value) -> Value {
        let (_, _, [n, o, oh, ow]) = self.shapes(e);
        let (layout, elem) = (self.conv.layout, self.elem);
        let buf = e.alloc(&self.out, elem);
        match (layout, layout.block()) {
            // Pixel-major, as the source is: threads split rows of both.
            (_, Some(block)) if o % block == 0 => e.parallel(&[n, oh, ow, o / block, block], |e, ivs| {
                let at = physical_blocked(e, Layout::Nhwc, block, [ivs[0], ivs[3], ivs[4], ivs[1], ivs[2]]);
                let v = load(e, [at[0], at[1], at[2], at[3]]);
                self.finish_at(e, buf, v, at[3], &[ivs[0], ivs[3], ivs[1], ivs[2], ivs[4]]);
            }),
            (Layout::Nhwc, _) => e.parallel(&[n, oh, ow, o], |e, ivs| {
                let v = load(e, [ivs[0], ivs[1], ivs[2], ivs[3]]);
                self.finish(e, buf, v, [ivs[0], ivs[3], ivs[1], ivs[2]]);
            }),
            _ => e.parallel(&[n, o, oh, ow], |e, ivs| {
                let v = load(e, [ivs[0], ivs[2], ivs[3], ivs[1]]);
                self.finish(e, buf, v, [ivs[0], ivs[1], ivs[2], ivs[3]]);
            }),
        }
        buf
    }
}

/// A Winograd convolution's tiling: F(m×m, r×r) on the `stride²` phases of the input, `th` ×
/// `tw` tiles of m × m outputs.
struct WinogradTiles {
    f: Transforms,
    stride: i64,
    th: i64,
    tw: i64,
}

/// A (t×t) tile of `load(row, column)`.
fn tile_of(e: &mut Emit, t: i64, mut load: impl FnMut(&mut Emit, i64, i64) -> Value) -> Vec<Vec<Value>> {
    (0..t).map(|a| (0..t).map(|b| load(e, a, b)).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::{tap_bands, TapBand};

    /// Every position's run holds exactly the taps that read inside the input, counted one
    /// by one, and the runs cover the positions in order.
    #[test]
    fn tap_bands_hold_exactly_the_taps_inside_the_input() {
        for extent in 1..9 {
            for k in 1..6 {
                for stride in 1..4 {
                    for dilation in 1..3 {
                        for pad in 0..5 {
                            let span = extent + 2 * pad - dilation * (k - 1) - 1;
                            if span < 0 {
                                continue;
                            }
                            let out = span / stride + 1;
                            let bands = tap_bands(out, extent, k, stride, dilation, pad);
                            let mut next = 0;
                            for b in &bands {
                                assert_eq!(b.start, next);
                                assert!(b.end > b.start);
                                for p in b.start..b.end {
                                    let inside: Vec<i64> = (0..k)
                                        .filter(|t| (0..extent).contains(&(p * stride + t * dilation - pad)))
                                        .collect();
                                    assert_eq!(b.taps.clone().collect::<Vec<_>>(), inside, "{p} of {b:?}");
                                }
                                next = b.end;
                            }
                            assert_eq!(next, out);
                        }
                    }
                }
            }
        }
        // A 3×3 kernel with padding 1 on 112 rows: a border row, the interior, a border row.
        assert_eq!(
            tap_bands(112, 112, 3, 1, 1, 1),
            vec![
                TapBand { start: 0, end: 1, taps: 1..3 },
                TapBand { start: 1, end: 111, taps: 0..3 },
                TapBand { start: 111, end: 112, taps: 0..2 },
            ]
        );
    }
}

//! `nn.conv_transpose2d` as loops: each output element gathers the input elements and taps
//! that land on it. Output row `oy` receives input row `iy` through tap `ky` where
//! `iy·s = oy + pad_top - ky·d`: for each tap, the row is that when the right side is a
//! non-negative multiple of the stride below `H_in · s` (and so for columns).

use strata_dialects::nn::shape::ConvTranspose2d;
use strata_ir::{Type, Value};

use super::emit::Emit;
use super::ops::{shape_elem, zero};

/// The input index along one axis that tap `k` brings to output index `o`, and whether there
/// is one: `(o + pad - k·d) / s` when that divides exactly and is inside `0..size`.
fn source(e: &mut Emit, o: Value, k: Value, pad: i64, dilation: i64, stride: i64, size: i64) -> (Value, Value) {
    let shifted = e.affine(o, 1, pad);
    let tap = e.affine(k, dilation, 0);
    let t = e.sub(shifted, tap);
    let inside = e.in_range(t, size * stride);
    if stride == 1 {
        return (t, inside);
    }
    let s = e.index(stride);
    let (i, r) = (e.div(t, s), e.rem(t, s));
    let z = e.index(0);
    let i1 = e.ctx.integer_type(1);
    let eq = e.ctx.integer_attr(0, e.ctx.integer_type(64));
    let exact = e.b().value("arith.cmpi", &[r, z], i1, &[("predicate", eq)]);
    (i, e.value("arith.andi", &[inside, exact], i1))
}

/// The transposed convolution of `x` by `w` (plus `bias`) into a result of shape `out`.
pub(super) fn conv_transpose2d(
    e: &mut Emit,
    c: &ConvTranspose2d,
    x: Value,
    w: Value,
    bias: Option<Value>,
    out: &[i64],
    elem: Type,
) -> Value {
    let (xs, ws) = (shape_elem(e, x).0, shape_elem(e, w).0);
    let (h, wd) = (xs[2], xs[3]);
    let (per_group, kh, kw) = (ws[1], ws[2], ws[3]);
    let in_group = xs[1] / c.groups;
    let buf = e.alloc(out, elem);
    let i1 = e.ctx.integer_type(1);
    e.parallel(out, |e, ivs| {
        let [n, oc, oy, ox] = [ivs[0], ivs[1], ivs[2], ivs[3]];
        let start = match bias {
            Some(b) => e.load(b, &[oc]),
            None => zero(e, elem),
        };
        // Output channel oc is channel oc % per_group of group oc / per_group.
        let pg = e.index(per_group);
        let (g, j) = (e.div(oc, pg), e.rem(oc, pg));
        let first = e.affine(g, in_group, 0);
        let acc = e.for_acc(in_group, start, |e, k, acc| {
            let ic = e.add(first, k);
            e.for_acc(kh, acc, |e, ky, acc| {
                let (iy, row) = source(e, oy, ky, c.padding[0], c.dilations[0], c.strides[0], h);
                e.for_acc(kw, acc, |e, kx, acc| {
                    let (ix, col) = source(e, ox, kx, c.padding[1], c.dilations[1], c.strides[1], wd);
                    let hit = e.value("arith.andi", &[row, col], i1);
                    e.select_if(
                        hit,
                        elem,
                        |e| {
                            let v = e.load(x, &[n, ic, iy, ix]);
                            let t = e.load(w, &[ic, j, ky, kx]);
                            let p = e.value("arith.mulf", &[v, t], elem);
                            e.value("arith.addf", &[acc, p], elem)
                        },
                        |_| acc,
                    )
                })
            })
        });
        e.store(acc, buf, ivs);
    });
    buf
}

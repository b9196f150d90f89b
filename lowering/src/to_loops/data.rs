//! The data-movement ops the ONNX importer added, as loops for any element type: `nn.slice`
//! (strided windows), `nn.gather` (ONNX Gather, its indices checked at run time) and
//! `nn.broadcast`.

use strata_dialects::nn::scalar;
use strata_dialects::nn::shape::PadMode;
use strata_ir::{Type, Value};

use super::emit::Emit;
use super::ops::{broadcast_index, shape_elem};

/// `out[i] = x[starts + i * steps]` (the verifier checked every index read is inside `x`).
pub(super) fn slice(e: &mut Emit, x: Value, starts: &[i64], steps: &[i64], out: &[i64], elem: Type) -> Value {
    let buf = e.alloc(out, elem);
    e.parallel(out, |e, ivs| {
        let src: Vec<Value> = ivs.iter().enumerate().map(|(d, iv)| e.affine(*iv, steps[d], starts[d])).collect();
        let v = e.load(x, &src);
        e.store(v, buf, ivs);
    });
    buf
}

/// `x` (shape `shape`) padded in `mode` to `out`: output index `i` reads `i - before` where
/// that is inside (negative pads crop), else the constant `value`, the mirror image
/// (`-j`, or `2(n-1) - j` past the end) or the clamped edge.
pub(super) fn pad(e: &mut Emit, x: Value, pads: &[i64], mode: PadMode, value: f64, out: &[i64]) -> Value {
    let (shape, elem) = shape_elem(e, x);
    let buf = e.alloc(out, elem);
    let index_t = e.ctx.index_type();
    let i1 = e.ctx.integer_type(1);
    e.parallel(out, |e, ivs| {
        let mut src = Vec::with_capacity(shape.len());
        let mut inside = None;
        for (d, &n) in shape.iter().enumerate() {
            let j = e.affine(ivs[d], 1, -pads[d]);
            let j = match mode {
                PadMode::Constant => {
                    let ok = e.in_range(j, n);
                    inside = Some(match inside {
                        Some(all) => e.value("arith.andi", &[all, ok], i1),
                        None => ok,
                    });
                    j
                }
                PadMode::Reflect => {
                    // |j| mirrors the front; 2(n-1) - |j| the back (pads are below n).
                    let zero = e.index(0);
                    let minus = e.sub(zero, j);
                    let front = e.value("arith.maxsi", &[j, minus], index_t);
                    let far = e.index(2 * (n - 1));
                    let back = e.sub(far, front);
                    e.value("arith.minsi", &[front, back], index_t)
                }
                PadMode::Edge => {
                    let (zero, last) = (e.index(0), e.index(n - 1));
                    let low = e.value("arith.maxsi", &[j, zero], index_t);
                    e.value("arith.minsi", &[low, last], index_t)
                }
            };
            src.push(j);
        }
        let v = match inside {
            // Only constant padding reads outside; the load is skipped there.
            Some(ok) => e.select_if(ok, elem, |e| e.load(x, &src), |e| scalar::constant(&mut e.b(), elem, value)),
            None => e.load(x, &src),
        };
        e.store(v, buf, ivs);
    });
    buf
}

/// `x` broadcast (numpy's rules) to `out`.
pub(super) fn broadcast(e: &mut Emit, x: Value, shape: &[i64], out: &[i64], elem: Type) -> Value {
    let buf = e.alloc(out, elem);
    e.parallel(out, |e, ivs| {
        let idx = broadcast_index(e, shape, out, ivs);
        let v = e.load(x, &idx);
        e.store(v, buf, ivs);
    });
    buf
}

/// ONNX Gather along `axis`: `out[a.., j.., b..] = data[a.., indices[j..], b..]`. An index
/// counts from the end when negative; one outside `[-n, n)` stops the run at a `cf.assert`
/// (the interpreter's error, a trap in compiled code) before anything reads out of bounds.
pub(super) fn gather(
    e: &mut Emit,
    data: Value,
    data_shape: &[i64],
    indices: Value,
    axis: usize,
    out: &[i64],
    elem: Type,
) -> Value {
    let n = data_shape[axis];
    let index_rank = out.len() + 1 - data_shape.len();
    let buf = e.alloc(out, elem);
    let index_t = e.ctx.index_type();
    let message = e
        .ctx
        .string_attr(&format!("an index is outside [-{n}, {n}): dimension {axis} of the gathered data has size {n}"));
    e.parallel(out, |e, ivs| {
        let raw = e.load(indices, &ivs[axis..axis + index_rank]);
        let i = e.value("arith.index_cast", &[raw], index_t);
        let zero = e.index(0);
        let negative = e.less(i, zero);
        let wrapped = e.affine(i, 1, n);
        let row = e.b().value("arith.select", &[negative, wrapped, i], index_t, &[]);
        let inside = e.in_range(row, n);
        e.b().op("cf.assert", &[inside], &[], &[("msg", message)]);
        // Backends that record a failed assertion and go on (the LLVM one) must not load out
        // of bounds meanwhile: past the assertion the row is clamped to 0.
        let zero = e.index(0);
        let row = e.b().value("arith.select", &[inside, row, zero], index_t, &[]);
        let mut src = ivs[..axis].to_vec();
        src.push(row);
        src.extend_from_slice(&ivs[axis + index_rank..]);
        let v = e.load(data, &src);
        e.store(v, buf, ivs);
    });
    buf
}

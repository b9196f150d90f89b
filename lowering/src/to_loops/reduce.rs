//! Reductions (`nn.reduce_sum` … `nn.reduce_prod`) and `nn.log_softmax` as loops.
//!
//! A reduction is a parallel nest over the kept dimensions with a sequential nest over the
//! reduced ones inside, carrying the accumulator. Sums, means and products of f32, f16 and
//! bf16 accumulate in f64 and round once, visiting the elements in row-major order: the
//! interpreter's order and precision, so compiled results equal its results exactly.

use strata_dialects::nn::scalar;
use strata_ir::{Type, Value};

use super::emit::Emit;
use super::ops::zero;

/// What a reduction combines (the interpreter's `strata_runtime::nn::Reduction`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Sum,
    Mean,
    Max,
    Min,
    Prod,
}

impl Kind {
    pub(super) fn of(name: &str) -> Option<Kind> {
        Some(match name {
            "nn.reduce_sum" => Kind::Sum,
            "nn.reduce_mean" => Kind::Mean,
            "nn.reduce_max" => Kind::Max,
            "nn.reduce_min" => Kind::Min,
            "nn.reduce_prod" => Kind::Prod,
            _ => return None,
        })
    }

    /// The elementwise op that combines two values (its scalar form has every numeric type).
    fn combine(self) -> &'static str {
        match self {
            Kind::Sum | Kind::Mean => "nn.add",
            Kind::Prod => "nn.mul",
            Kind::Max => "nn.max",
            Kind::Min => "nn.min",
        }
    }
}

/// Loops over `dims` (sequential, nested, outermost first) carrying `acc`; `body` gets the
/// induction variables and the carried value and returns the next one.
fn nest(
    e: &mut Emit,
    dims: &[i64],
    acc: Value,
    ivs: &mut Vec<Value>,
    body: &mut dyn FnMut(&mut Emit, &[Value], Value) -> Value,
) -> Value {
    match dims.split_first() {
        None => body(e, ivs, acc),
        Some((d, rest)) => e.for_acc(*d, acc, |e, iv, acc| {
            ivs.push(iv);
            let next = nest(e, rest, acc, ivs, body);
            ivs.pop();
            next
        }),
    }
}

/// The reduction `kind` of `x` (shape `shape`) over `axes` (increasing, distinct) into a result
/// of shape `out` (with the reduced dimensions as 1 when `keepdims`).
pub(super) fn reduce(
    e: &mut Emit,
    kind: Kind,
    x: Value,
    shape: &[i64],
    axes: &[usize],
    out: &[i64],
    elem: Type,
) -> Value {
    let ctx = e.ctx;
    let float = ctx.is_float(elem);
    let keepdims = out.len() == shape.len();
    // The accumulator: f64 for sums and products of narrower floats.
    let wide = float && kind != Kind::Max && kind != Kind::Min && ctx.int_or_float_width(elem).is_some_and(|w| w < 64);
    let acc_t = if wide { ctx.f64_type() } else { elem };
    let kept: Vec<usize> = (0..shape.len()).filter(|d| !axes.contains(d)).collect();
    let kept_sizes: Vec<i64> = kept.iter().map(|d| shape[*d]).collect();
    let reduced_sizes: Vec<i64> = axes.iter().map(|d| shape[*d]).collect();
    let count: i64 = reduced_sizes.iter().product();
    let buf = e.alloc(out, elem);
    e.parallel(&kept_sizes, |e, ivs| {
        let start = match (kind, float) {
            (Kind::Sum | Kind::Mean, _) => scalar::constant(&mut e.b(), acc_t, 0.0),
            (Kind::Prod, _) => scalar::constant(&mut e.b(), acc_t, 1.0),
            (Kind::Max, true) => scalar::constant(&mut e.b(), acc_t, f64::NEG_INFINITY),
            (Kind::Min, true) => scalar::constant(&mut e.b(), acc_t, f64::INFINITY),
            // The smallest and largest value of the width, as exact integers.
            (Kind::Max | Kind::Min, false) => {
                let half = 1i128 << (ctx.int_or_float_width(elem).unwrap_or(64) - 1);
                let v = if kind == Kind::Max { -half } else { half - 1 };
                let value = ctx.integer_attr(v, elem);
                e.b().value("arith.constant", &[], elem, &[("value", value)])
            }
        };
        let mut reduced_ivs = Vec::new();
        let acc = nest(e, &reduced_sizes, start, &mut reduced_ivs, &mut |e, rivs, acc| {
            let (mut kept_ivs, mut reduced_ivs) = (ivs.iter(), rivs.iter());
            let idx: Vec<Value> = (0..shape.len())
                .filter_map(|d| if axes.contains(&d) { reduced_ivs.next() } else { kept_ivs.next() }.copied())
                .collect();
            let v = e.load(x, &idx);
            let v = if wide { e.value("arith.extf", &[v], acc_t) } else { v };
            scalar::emit(&mut e.b(), kind.combine(), &[], &[acc, v], acc_t).expect("a form for every numeric type")
        });
        let acc = if kind == Kind::Mean {
            let n = scalar::constant(&mut e.b(), acc_t, count as f64);
            e.value("arith.divf", &[acc, n], acc_t)
        } else {
            acc
        };
        let y = if wide { e.value("arith.truncf", &[acc], elem) } else { acc };
        let dst: Vec<Value> = if keepdims {
            let z = e.index(0);
            let mut dst = vec![z; shape.len()];
            for (d, iv) in kept.iter().zip(ivs) {
                dst[*d] = *iv;
            }
            dst
        } else {
            ivs.to_vec()
        };
        e.store(y, buf, &dst);
    });
    buf
}

/// The index `ivs` (over all dimensions but `axis`) with `k` inserted at `axis`.
fn with_axis(ivs: &[Value], axis: usize, k: Value) -> Vec<Value> {
    let mut idx = ivs.to_vec();
    idx.insert(axis, k);
    idx
}

/// `x - max - log(sum(exp(x - max)))` along `axis` (as `nn.softmax`'s loops: the maximum,
/// then the sum, then each result).
pub(super) fn log_softmax(e: &mut Emit, x: Value, out: &[i64], elem: Type, axis: usize) -> Value {
    let buf = e.alloc(out, elem);
    let mut outer = out.to_vec();
    let d = outer.remove(axis);
    e.parallel(&outer, |e, ivs| {
        let lowest = scalar::constant(&mut e.b(), elem, f64::NEG_INFINITY);
        let max = e.for_acc(d, lowest, |e, k, m| {
            let v = e.load(x, &with_axis(ivs, axis, k));
            e.value("arith.maximumf", &[m, v], elem)
        });
        let z = zero(e, elem);
        let sum = e.for_acc(d, z, |e, k, s| {
            let v = e.load(x, &with_axis(ivs, axis, k));
            let c = e.value("arith.subf", &[v, max], elem);
            let ex = e.value("math.exp", &[c], elem);
            e.value("arith.addf", &[s, ex], elem)
        });
        let log_sum = e.value("math.log", &[sum], elem);
        e.for_each(d, |e, k| {
            let idx = with_axis(ivs, axis, k);
            let v = e.load(x, &idx);
            let c = e.value("arith.subf", &[v, max], elem);
            let y = e.value("arith.subf", &[c, log_sum], elem);
            e.store(y, buf, &idx);
        });
    });
    buf
}

//! `powf` on `f32` lanes, which the code generator leaves to the C library's `powf`.
//!
//! |x|^y is exp(y·log|x|) computed in `f64` and rounded once to `f32`: log by the series
//! log m = 2·atanh(s) = 2(s + s³/3 + … + s¹³/13), s = (m-1)/(m+1), on a mantissa m in [√½, √2)
//! (|s| ≤ 0.1716: truncation below 1.3e-12 relative); exp by Taylor's series to degree 10
//! after reduction by ln 2 (|r| ≤ 0.35: below 6e-13 relative). The `f64` result is within
//! about 2e-10 of |x|^y relative even where |y·log|x|| reaches 110, far under the 6e-8 of
//! half an `f32` ulp, so rounding it gives |x|^y correctly rounded except where |x|^y lies
//! that close to a midpoint between two `f32`s: ≤ 1 ulp (correctly rounded on every point of
//! `lowering/tests/it/expand_math.rs`; the C library's `powf` is 1 ulp off on some). The
//! polynomials' multiply-adds follow the pass's `fma` option like the `f32` ones.
//!
//! The C library's special cases follow (C99 F.9.4.4): pow(x, ±0) = 1 and pow(1, y) = 1, even
//! for NaN; pow(-1, ±inf) = 1; a negative base (-0 and -inf included) and an odd integer
//! exponent negate the result; a finite negative base and a finite non-integer exponent give
//! NaN. Zeros and infinities of |x| and y need nothing more: log 0 = -inf and log inf = inf
//! make y·log|x| ±inf (or 0·±inf = NaN, which the first rule replaces), and exp(±inf) is inf
//! or 0.

use strata_ir::Value;

use super::emit::{cmpf, cmpi, Emit};

/// fdlibm's split of ln 2 (6.93147180369123816490e-01 and 1.90821492927058770002e-10):
/// `LN2_HI` has 32 significant bits, so k·`LN2_HI` is exact.
const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
/// 1.5·2⁵²: `(t + M) - M` rounds |t| < 2⁵¹ to an integer, which the sum's low bits hold.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
const ROUND_MAGIC_BITS: i64 = 0x4338_0000_0000_0000;
/// y·log|x| is clamped to this range: exp beyond it is 0 or inf in `f32` (exp(-110) is below
/// half the smallest subnormal, exp(90) above the largest finite value).
const W_LO: f64 = -110.0;
const W_HI: f64 = 90.0;

/// log of a positive, finite `f64` `x` (from an `f32`: normal in `f64`).
fn log_f64(e: &mut Emit, x: Value) -> Value {
    let i64t = e.i64();
    let xb = e.cast("arith.bitcast", x, i64t);
    let shift = e.l(52);
    let ei = e.op("arith.shrui", &[xb, shift]);
    let bias = e.l(1022);
    let ei = e.op("arith.subi", &[ei, bias]);
    let (mant_mask, half_bits) = (e.l(0x000F_FFFF_FFFF_FFFF), e.l(0x3FE0_0000_0000_0000));
    let m = e.op("arith.andi", &[xb, mant_mask]);
    let m = e.op("arith.ori", &[m, half_bits]);
    let f64t = e.f64();
    let m = e.cast("arith.bitcast", m, f64t);
    let ef = e.cast("arith.sitofp", ei, f64t);
    let sqrthf = e.d(std::f64::consts::FRAC_1_SQRT_2);
    let small = e.cmpf(cmpf::OLT, m, sqrthf);
    let (one, zero) = (e.d(1.0), e.d(0.0));
    let adjust = e.select(small, one, zero);
    let ef = e.op("arith.subf", &[ef, adjust]);
    let m2 = e.op("arith.addf", &[m, m]);
    let m = e.select(small, m2, m);
    let num = e.op("arith.subf", &[m, one]);
    let den = e.op("arith.addf", &[m, one]);
    let s = e.op("arith.divf", &[num, den]);
    let z = e.op("arith.mulf", &[s, s]);
    let p = e.horner_f64(z, &[1.0 / 13.0, 1.0 / 11.0, 1.0 / 9.0, 1.0 / 7.0, 1.0 / 5.0, 1.0 / 3.0]);
    let s2 = e.op("arith.addf", &[s, s]);
    let s2z = e.op("arith.mulf", &[s2, z]);
    let lm = e.mul_add(s2z, p, s2);
    let ln2 = e.d(std::f64::consts::LN_2);
    e.mul_add(ef, ln2, lm)
}

/// exp of an `f64` `w`, for a result rounded to `f32` (`w` clamped to [`W_LO`, `W_HI`]).
fn exp_f64(e: &mut Emit, w: Value) -> Value {
    let (hi, lo) = (e.d(W_HI), e.d(W_LO));
    let wc = e.op("arith.minimumf", &[w, hi]);
    let wc = e.op("arith.maximumf", &[wc, lo]);
    let log2e = e.d(std::f64::consts::LOG2_E);
    let t = e.op("arith.mulf", &[wc, log2e]);
    let magic = e.d(ROUND_MAGIC);
    let sum = e.op("arith.addf", &[t, magic]);
    let k = e.op("arith.subf", &[sum, magic]);
    let (c1, c2) = (e.d(-LN2_HI), e.d(-LN2_LO));
    let r = e.mul_add(k, c1, wc);
    let r = e.mul_add(k, c2, r);
    // 1 + r + r²/2! + … + r¹⁰/10!
    let taylor: Vec<f64> = (0..=10).rev().map(|n| 1.0 / (1..=n).map(f64::from).product::<f64>()).collect();
    let p = e.horner_f64(r, &taylor);
    // 2^k for k in [-159, 130], whose exponent field 1023 + k is a normal one.
    let i64t = e.i64();
    let kb = e.cast("arith.bitcast", sum, i64t);
    let magic_bits = e.l(ROUND_MAGIC_BITS);
    let ki = e.op("arith.subi", &[kb, magic_bits]);
    let bias = e.l(1023);
    let ki = e.op("arith.addi", &[ki, bias]);
    let shift = e.l(52);
    let ki = e.op("arith.shli", &[ki, shift]);
    let f64t = e.f64();
    let pow2 = e.cast("arith.bitcast", ki, f64t);
    e.op("arith.mulf", &[p, pow2])
}

pub fn powf(e: &mut Emit, x: Value, y: Value) -> Value {
    let (f32t, f64t, i32t) = (e.f32(), e.f64(), e.i32());
    let ax = e.op("math.absf", &[x]);
    let ay = e.op("math.absf", &[y]);
    let xd = e.cast("arith.extf", ax, f64t);
    let yd = e.cast("arith.extf", y, f64t);
    // log|x|, where |x| is 0, inf or NaN too: (|x| - 1)·inf is -inf, inf and NaN for them.
    let lx = log_f64(e, xd);
    let (zero_d, inf_d, one_d) = (e.d(0.0), e.d(f64::INFINITY), e.d(1.0));
    let positive = e.cmpf(cmpf::OGT, xd, zero_d);
    let finite = e.cmpf(cmpf::OLT, xd, inf_d);
    let regular = e.op("arith.andi", &[positive, finite]);
    let xm1 = e.op("arith.subf", &[xd, one_d]);
    let special = e.op("arith.mulf", &[xm1, inf_d]);
    let lx = e.select(regular, lx, special);
    let w = e.op("arith.mulf", &[yd, lx]);
    let magnitude = exp_f64(e, w);
    let magnitude = e.cast("arith.truncf", magnitude, f32t);
    // y is an integer when |y| ≥ 2²³ (every such f32 is, ±inf counted) or |y| rounded to an
    // integer (by adding and subtracting 2²³) is |y|. An odd one is below 2²⁴, and its last
    // bit is that of |y| + 2²³ (exact, with a spacing of 1) below 2²³, of |y| above.
    let two23 = e.f(8_388_608.0);
    let big = e.cmpf(cmpf::OGE, ay, two23);
    let shifted = e.op("arith.addf", &[ay, two23]);
    let rounded = e.op("arith.subf", &[shifted, two23]);
    let exact = e.cmpf(cmpf::OEQ, rounded, ay);
    let is_int = e.op("arith.ori", &[big, exact]);
    let units = e.select(big, ay, shifted);
    let units = e.cast("arith.bitcast", units, i32t);
    let one_i = e.i(1);
    let last = e.op("arith.andi", &[units, one_i]);
    let zero_i = e.i(0);
    let last = e.cmpi(cmpi::NE, last, zero_i);
    let two24 = e.f(16_777_216.0);
    let below24 = e.cmpf(cmpf::OLT, ay, two24);
    let odd = e.op("arith.andi", &[is_int, below24]);
    let odd = e.op("arith.andi", &[odd, last]);
    // The sign: negative for a base whose sign bit is set and an odd integer exponent.
    let xb = e.cast("arith.bitcast", x, i32t);
    let negative_base = e.cmpi(cmpi::SLT, xb, zero_i);
    let flip = e.op("arith.andi", &[negative_base, odd]);
    let negated = e.op("arith.negf", &[magnitude]);
    let r = e.select(flip, negated, magnitude);
    // NaN: a finite negative base, a non-integer exponent (NaN's result is NaN already).
    let (zero, ninf, nan) = (e.f(0.0), e.f(f32::NEG_INFINITY), e.f(f32::NAN));
    let below_zero = e.cmpf(cmpf::OLT, x, zero);
    let above_ninf = e.cmpf(cmpf::OGT, x, ninf);
    let finite_negative = e.op("arith.andi", &[below_zero, above_ninf]);
    let yes = e.bool(true);
    let fraction = e.op("arith.xori", &[is_int, yes]);
    let undefined = e.op("arith.andi", &[finite_negative, fraction]);
    let r = e.select(undefined, nan, r);
    // 1: pow(x, ±0), pow(1, y), pow(-1, ±inf).
    let (one, inf) = (e.f(1.0), e.f(f32::INFINITY));
    let y_zero = e.cmpf(cmpf::OEQ, y, zero);
    let x_one = e.cmpf(cmpf::OEQ, x, one);
    let unit_base = e.cmpf(cmpf::OEQ, ax, one);
    let infinite_y = e.cmpf(cmpf::OEQ, ay, inf);
    let unit_inf = e.op("arith.andi", &[unit_base, infinite_y]);
    let ones = e.op("arith.ori", &[y_zero, x_one]);
    let ones = e.op("arith.ori", &[ones, unit_inf]);
    e.select(ones, one, r)
}

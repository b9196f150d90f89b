//! exp, log, tanh and erf on `f32` lanes: the code generator's algorithms
//! (`crate::codegen::math`, where their errors are stated) op for op, with its constants, so
//! that both backends compute the same bits. Cranelift's instructions become:
//! `fmin`/`fmax` → `arith.minimumf`/`maximumf` (both propagate NaN and order -0 below +0),
//! `fma` → `math.fma`, `bitselect` on a mask → `arith.select`, `fabs` → `math.absf`.

use strata_ir::Value;

use super::emit::{cmpf, Emit};
use crate::codegen::math::{
    ERF_CLAMP, ERF_P, ERF_Q, EXP_HI, EXP_LO, EXP_P, LN2_HI, LN2_LO, LOG_P, ROUND_MAGIC, ROUND_MAGIC_BITS, TANH_CUT,
    TANH_P,
};

fn bits(e: &mut Emit, x: Value) -> Value {
    let t = e.i32();
    e.cast("arith.bitcast", x, t)
}

fn float_of_bits(e: &mut Emit, x: Value) -> Value {
    let t = e.f32();
    e.cast("arith.bitcast", x, t)
}

/// `y`·2^`n` for an integer `n` in [-126, 127]: its exponent field built directly.
fn scale(e: &mut Emit, y: Value, n: Value) -> Value {
    let bias = e.i(127);
    let n = e.op("arith.addi", &[n, bias]);
    let shift = e.i(23);
    let n = e.op("arith.shli", &[n, shift]);
    let pow2 = float_of_bits(e, n);
    e.op("arith.mulf", &[y, pow2])
}

pub fn exp(e: &mut Emit, x: Value) -> Value {
    let (hi, lo) = (e.f(EXP_HI), e.f(EXP_LO));
    let xc = e.op("arith.minimumf", &[x, hi]);
    let xc = e.op("arith.maximumf", &[xc, lo]);
    let log2e = e.f(std::f32::consts::LOG2_E);
    let t = e.op("arith.mulf", &[xc, log2e]);
    // n = t rounded to the nearest integer, and, in the sum's low bits, as an integer: no
    // `fptosi`, whose NaN is poison.
    let magic = e.f(ROUND_MAGIC);
    let s = e.op("arith.addf", &[t, magic]);
    let n = e.op("arith.subf", &[s, magic]);
    let (c1, c2) = (e.f(-LN2_HI), e.f(-LN2_LO));
    let r = e.mul_add(n, c1, xc);
    let r = e.mul_add(n, c2, r);
    let z = e.op("arith.mulf", &[r, r]);
    let p = e.horner(r, &EXP_P);
    let p = e.mul_add(p, z, r);
    let one = e.f(1.0);
    let y = e.op("arith.addf", &[p, one]);
    // 2^n as 2^(n>>1)·2^(n - (n>>1)): n is in [-126, 128], one more than a normal exponent.
    let sb = bits(e, s);
    let magic_bits = e.i(ROUND_MAGIC_BITS);
    let ni = e.op("arith.subi", &[sb, magic_bits]);
    let one_i = e.i(1);
    let n1 = e.op("arith.shrsi", &[ni, one_i]);
    let n2 = e.op("arith.subi", &[ni, n1]);
    let y = scale(e, y, n1);
    let y = scale(e, y, n2);
    let inf = e.f(f32::INFINITY);
    let over = e.cmpf(cmpf::OGT, x, hi);
    let y = e.select(over, inf, y);
    let zero = e.f(0.0);
    let under = e.cmpf(cmpf::OLT, x, lo);
    e.select(under, zero, y)
}

pub fn log(e: &mut Emit, x: Value) -> Value {
    let xb = bits(e, x);
    let shift = e.i(23);
    let ei = e.op("arith.shrui", &[xb, shift]);
    let bias = e.i(126);
    let ei = e.op("arith.subi", &[ei, bias]);
    // The mantissa with the exponent of 0.5: m in [0.5, 1).
    let (mant_mask, half_bits) = (e.i(0x807F_FFFF_u32 as i32), e.i(0x3F00_0000));
    let m = e.op("arith.andi", &[xb, mant_mask]);
    let m = e.op("arith.ori", &[m, half_bits]);
    let m = float_of_bits(e, m);
    let t = e.f32();
    let ef = e.cast("arith.sitofp", ei, t);
    // Mantissa in [√½, √2): below √½ take 2m and one less in the exponent.
    let sqrthf = e.f(std::f32::consts::FRAC_1_SQRT_2);
    let small = e.cmpf(cmpf::OLT, m, sqrthf);
    let (one, zero) = (e.f(1.0), e.f(0.0));
    let adjust = e.select(small, one, zero);
    let ef = e.op("arith.subf", &[ef, adjust]);
    let m2 = e.op("arith.addf", &[m, m]);
    let m = e.select(small, m2, m);
    let xr = e.op("arith.subf", &[m, one]);
    let z = e.op("arith.mulf", &[xr, xr]);
    let p = e.horner(xr, &LOG_P);
    let p = e.op("arith.mulf", &[p, xr]);
    let y = e.op("arith.mulf", &[p, z]);
    let c2 = e.f(LN2_LO);
    let y = e.mul_add(ef, c2, y);
    let mhalf = e.f(-0.5);
    let y = e.mul_add(z, mhalf, y);
    let r = e.op("arith.addf", &[xr, y]);
    let c1 = e.f(LN2_HI);
    let r = e.mul_add(ef, c1, r);
    // Special values: 0 → -inf, negative or NaN → NaN, +inf → +inf.
    let (ninf, inf, nan) = (e.f(f32::NEG_INFINITY), e.f(f32::INFINITY), e.f(f32::NAN));
    let is_zero = e.cmpf(cmpf::OEQ, x, zero);
    let r = e.select(is_zero, ninf, r);
    let is_inf = e.cmpf(cmpf::OEQ, x, inf);
    let r = e.select(is_inf, inf, r);
    let bad = e.cmpf(cmpf::ULT, x, zero);
    e.select(bad, nan, r)
}

pub fn tanh(e: &mut Emit, x: Value) -> Value {
    let ax = e.op("math.absf", &[x]);
    let z = e.op("arith.mulf", &[x, x]);
    let p = e.horner(z, &TANH_P);
    let p = e.op("arith.mulf", &[p, z]);
    let small = e.mul_add(p, x, x);
    let (two, one) = (e.f(2.0), e.f(1.0));
    let ax2 = e.op("arith.mulf", &[ax, two]);
    let ex = exp(e, ax2);
    let d = e.op("arith.addf", &[ex, one]);
    let q = e.op("arith.divf", &[two, d]);
    let large = e.op("arith.subf", &[one, q]);
    // |large| with the sign of x, on the bits (as the code generator does).
    let (magnitude, sign) = (e.i(0x7FFF_FFFF), e.i(i32::MIN));
    let lb = bits(e, large);
    let lb = e.op("arith.andi", &[lb, magnitude]);
    let xb = bits(e, x);
    let xs = e.op("arith.andi", &[xb, sign]);
    let large = e.op("arith.ori", &[lb, xs]);
    let large = float_of_bits(e, large);
    let cut = e.f(TANH_CUT);
    let is_small = e.cmpf(cmpf::OLT, ax, cut);
    // NaN stays NaN (the comparison is false for it, and 1 - 2/(NaN+1) is NaN).
    e.select(is_small, small, large)
}

pub fn erf(e: &mut Emit, x: Value) -> Value {
    let (hi, lo) = (e.f(ERF_CLAMP), e.f(-ERF_CLAMP));
    let xc = e.op("arith.minimumf", &[x, hi]);
    let xc = e.op("arith.maximumf", &[xc, lo]);
    let z = e.op("arith.mulf", &[xc, xc]);
    let p = e.horner(z, &ERF_P);
    let p = e.op("arith.mulf", &[p, xc]);
    let q = e.horner(z, &ERF_Q);
    e.op("arith.divf", &[p, q])
}

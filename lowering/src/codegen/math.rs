//! `math` functions on `f32` as inline polynomial approximations: the same instructions serve a
//! scalar and an `f32x4`, so vectorized loops never leave their registers for a libcall. The
//! pass `expand-math` (`crate::expand_math`) writes the same algorithms, with these constants,
//! as `arith` ops for backends that would otherwise call the C library.
//!
//! Errors against `f64`, on 2²⁰ points per range (`lowering/tests/it/math_accuracy.rs` checks
//! them; measured values in parentheses):
//! - `exp`: Cephes' degree-6 polynomial after reduction by ln 2 (Cody–Waite split): ≤ 1.5 ulp
//!   on the whole normal range, [ln(FLT_MIN), 88.72] = [-87.3365, 88.72] (0.99); below
//!   ln(FLT_MIN) (-inf included) it returns +0 (absolute error under FLT_MIN = 1.18e-38),
//!   above 88.72 +inf. Returning 0 there, not a subnormal, matters: a masked attention's
//!   `exp(-1e9)` would otherwise feed subnormals to the following matrix products, and
//!   arithmetic on subnormals takes a slow microcode path on x86-64.
//! - `log`: Cephes' degree-9 polynomial on a mantissa in [√½, √2): ≤ 1 ulp for normal inputs
//!   (0.80); 0 gives -inf, negatives and NaN give NaN, +inf gives +inf. Subnormal inputs are
//!   out of range.
//! - `tanh`: an odd degree-9 polynomial for |x| < 0.625, else 1 - 2/(exp(2|x|) + 1): ≤ 2 ulp
//!   (1.27).
//! - `erf`: x·P(x²)/Q(x²) of degrees 9 and 12 (Eigen's fast erf) on x clamped to ±3.83, where
//!   erf rounds to ±1: ≤ 6.5 ulp and 4e-7 absolute on [-4, 4] (5.9 ulp, 3.5e-7); ≤ 4 ulp on
//!   [-0.5, 0.5] (3.6).
//!
//! `f64` math calls the C library (`exp`, `log`, …) lane by lane: nothing in our models
//! computes in `f64`, and a polynomial of `f64` accuracy is a different piece of work.

use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{types, Endianness, InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;

/// The largest `f32` whose `exp` is finite (ln(FLT_MAX) = 88.7228391… rounded down).
pub const EXP_HI: f32 = 88.722_83;
/// The smallest `f32` whose `exp` is normal: ln(FLT_MIN) = -126·ln 2 = -87.3365448… rounded
/// toward zero (exp of it is FLT_MIN·(1 + 4.5e-6)); `exp` is +0 below it.
pub const EXP_LO: f32 = f32::from_bits(0xC2AE_AC4F);
/// 1.5·2²³: for |t| < 2²², `(t + M) - M` is t rounded to the nearest integer, ties to even
/// (the sum lies in [2²³, 2²⁴), where the spacing of `f32`s is 1), and the sum's bits are
/// `ROUND_MAGIC_BITS + n`: the integer comes without a float-to-int conversion.
pub const ROUND_MAGIC: f32 = 12_582_912.0;
pub const ROUND_MAGIC_BITS: i32 = 0x4B40_0000;
/// ln 2 = `LN2_HI + LN2_LO` (Cody–Waite): `LN2_HI` = 355/512 has 9 significant bits, so
/// n·`LN2_HI` is exact for the integers n of the range reductions (|n| ≤ 150).
pub const LN2_HI: f32 = 0.693_359_4;
pub const LN2_LO: f32 = -2.121_944_4e-4;
/// exp(r) ≈ 1 + r + r²·P(r) on |r| ≤ ln 2 / 2 (Cephes' `expf`), highest degree first.
pub const EXP_P: [f32; 6] = [1.987_569_1e-4, 1.398_2e-3, 8.333_452e-3, 4.166_579_6e-2, 0.166_666_65, 0.5];
/// log(1 + x) ≈ x - x²/2 + x³·P(x) on a mantissa m = 1 + x in [√½, √2) (Cephes' `logf`).
pub const LOG_P: [f32; 9] = [
    7.037_683_6e-2,
    -1.151_461e-1,
    1.167_699_9e-1,
    -1.242_014_1e-1,
    1.424_932_3e-1,
    -1.666_805_8e-1,
    2.000_071_4e-1,
    -2.499_999_4e-1,
    3.333_333e-1,
];
/// tanh(x) ≈ x + x·x²·P(x²) below `TANH_CUT` (Cephes' `tanhf`).
pub const TANH_P: [f32; 5] = [-5.704_988_7e-3, 2.063_909e-2, -5.373_971_6e-2, 1.333_144_2e-1, -3.333_328e-1];
pub const TANH_CUT: f32 = 0.625;
/// `erf`'s argument is clamped to ±`ERF_CLAMP`, where erf is 1 in `f32` (3.9e-8 from erf in
/// exact arithmetic).
pub const ERF_CLAMP: f32 = 3.832_507;
/// erf(x) ≈ x·P(x²)/Q(x²) (Eigen's fast erf), highest degree first.
pub const ERF_P: [f32; 5] = [2.290_506_6e-4, 3.408_291e-3, 5.095_569_5e-2, 0.185_208_32, ERF_P0];
pub const ERF_Q: [f32; 7] =
    [-1.179_160_3e-7, 2.354_796_6e-5, 1.017_962_5e-3, 1.407_047e-2, 0.110_985_05, 0.497_469_25, 1.0];
/// The leading numerator coefficient of `erf`'s rational approximation: fitted, one ulp below
/// 2/√π in f32, and measurably better near 0 than the exact constant.
const ERF_P0: f32 = f32::from_bits(0x3F90_6EBA);

/// Emits approximations for one value type (`f32` or `f32x4`).
pub struct F32Math<'a, 'b> {
    pub b: &'a mut FunctionBuilder<'b>,
    pub ty: Type,
    /// Whether to use fused multiply-add in polynomials.
    pub fma: bool,
}

impl F32Math<'_, '_> {
    fn k(&mut self, v: f32) -> Value {
        let c = self.b.ins().f32const(v);
        if self.ty.is_vector() {
            self.b.ins().splat(self.ty, c)
        } else {
            c
        }
    }

    fn int_ty(&self) -> Type {
        if self.ty.is_vector() {
            types::I32X4
        } else {
            types::I32
        }
    }

    fn ki(&mut self, v: i32) -> Value {
        let c = self.b.ins().iconst(types::I32, i64::from(v));
        if self.ty.is_vector() {
            self.b.ins().splat(types::I32X4, c)
        } else {
            c
        }
    }

    fn int_bits(&mut self, x: Value) -> Value {
        let t = self.int_ty();
        let f = MemFlagsData::new().with_endianness(Endianness::Little);
        self.b.ins().bitcast(t, f, x)
    }

    fn float_of_bits(&mut self, x: Value) -> Value {
        let f = MemFlagsData::new().with_endianness(Endianness::Little);
        self.b.ins().bitcast(self.ty, f, x)
    }

    /// `a * b + c`.
    fn mul_add(&mut self, a: Value, b: Value, c: Value) -> Value {
        if self.fma {
            self.b.ins().fma(a, b, c)
        } else {
            let m = self.b.ins().fmul(a, b);
            self.b.ins().fadd(m, c)
        }
    }

    /// The polynomial with `coefficients` (highest degree first) at `x`, by Horner's rule.
    fn horner(&mut self, x: Value, coefficients: &[f32]) -> Value {
        let mut acc = self.k(coefficients[0]);
        for c in &coefficients[1..] {
            let c = self.k(*c);
            acc = self.mul_add(acc, x, c);
        }
        acc
    }

    /// `cond ? a : b` lane by lane, for a condition from `fcmp` on this type.
    fn choose(&mut self, cond: Value, a: Value, b: Value) -> Value {
        if self.ty.is_vector() {
            let mask = self.float_of_bits(cond);
            self.b.ins().bitselect(mask, a, b)
        } else {
            self.b.ins().select(cond, a, b)
        }
    }

    /// |a| with the sign of `b` (x86-64 has no vector `fcopysign`).
    fn copysign(&mut self, a: Value, b: Value) -> Value {
        let (magnitude, sign) = (self.ki(0x7FFF_FFFF), self.ki(i32::MIN));
        let a = self.int_bits(a);
        let b = self.int_bits(b);
        let a = self.b.ins().band(a, magnitude);
        let b = self.b.ins().band(b, sign);
        let r = self.b.ins().bor(a, b);
        self.float_of_bits(r)
    }

    fn cmp(&mut self, cc: FloatCC, a: Value, b: Value) -> Value {
        super::translate::fcmp(self.b, cc, a, b)
    }

    pub fn exp(&mut self, x: Value) -> Value {
        let (hi, lo) = (self.k(EXP_HI), self.k(EXP_LO));
        let xc = self.b.ins().fmin(x, hi);
        let xc = self.b.ins().fmax(xc, lo);
        let log2e = self.k(std::f32::consts::LOG2_E);
        let t = self.b.ins().fmul(xc, log2e);
        // n = t rounded to the nearest integer (|t| ≤ 128.1), as the sum's low bits too.
        let magic = self.k(ROUND_MAGIC);
        let s = self.b.ins().fadd(t, magic);
        let n = self.b.ins().fsub(s, magic);
        let c1 = self.k(-LN2_HI);
        let c2 = self.k(-LN2_LO);
        let r = self.mul_add(n, c1, xc);
        let r = self.mul_add(n, c2, r);
        let z = self.b.ins().fmul(r, r);
        let p = self.horner(r, &EXP_P);
        let p = self.mul_add(p, z, r);
        let one = self.k(1.0);
        let y = self.b.ins().fadd(p, one);
        // 2^n as 2^(n>>1)·2^(n - (n>>1)): n runs over [-126, 128], one value more than the
        // exponent field of a normal f32 holds.
        let sb = self.int_bits(s);
        let magic_bits = self.ki(ROUND_MAGIC_BITS);
        let ni = self.b.ins().isub(sb, magic_bits);
        let n1 = self.b.ins().sshr_imm_u(ni, 1);
        let n2 = self.b.ins().isub(ni, n1);
        let y = self.scale(y, n1);
        let y = self.scale(y, n2);
        let inf = self.k(f32::INFINITY);
        let over = self.cmp(FloatCC::GreaterThan, x, hi);
        let y = self.choose(over, inf, y);
        let zero = self.k(0.0);
        let under = self.cmp(FloatCC::LessThan, x, lo);
        self.choose(under, zero, y)
    }

    /// `y`·2^`e` for an integer `e` in [-126, 127].
    fn scale(&mut self, y: Value, e: Value) -> Value {
        let bias = self.ki(127);
        let e = self.b.ins().iadd(e, bias);
        let e = self.b.ins().ishl_imm_u(e, 23);
        let pow2 = self.float_of_bits(e);
        self.b.ins().fmul(y, pow2)
    }

    pub fn log(&mut self, x: Value) -> Value {
        let bits = self.int_bits(x);
        let e = self.b.ins().ushr_imm_u(bits, 23);
        let bias = self.ki(126);
        let e = self.b.ins().isub(e, bias);
        let (mant_mask, half_bits) = (self.ki(0x807F_FFFF_u32 as i32), self.ki(0x3F00_0000));
        let m = self.b.ins().band(bits, mant_mask);
        let m = self.b.ins().bor(m, half_bits);
        let m = self.float_of_bits(m);
        let ef = self.b.ins().fcvt_from_sint(self.ty, e);
        // Mantissa in [√½, √2): below √½ take 2m and one less in the exponent.
        let sqrthf = self.k(std::f32::consts::FRAC_1_SQRT_2);
        let small = self.cmp(FloatCC::LessThan, m, sqrthf);
        let one = self.k(1.0);
        let zero = self.k(0.0);
        let adjust = self.choose(small, one, zero);
        let ef = self.b.ins().fsub(ef, adjust);
        let m2 = self.b.ins().fadd(m, m);
        let m = self.choose(small, m2, m);
        let xr = self.b.ins().fsub(m, one);
        let z = self.b.ins().fmul(xr, xr);
        let p = self.horner(xr, &LOG_P);
        let p = self.b.ins().fmul(p, xr);
        let y = self.b.ins().fmul(p, z);
        let c2 = self.k(LN2_LO);
        let y = self.mul_add(ef, c2, y);
        let mhalf = self.k(-0.5);
        let y = self.mul_add(z, mhalf, y);
        let r = self.b.ins().fadd(xr, y);
        let c1 = self.k(LN2_HI);
        let r = self.mul_add(ef, c1, r);
        // Special values: 0 → -inf, negative or NaN → NaN, +inf → +inf.
        let (ninf, inf, nan) = (self.k(f32::NEG_INFINITY), self.k(f32::INFINITY), self.k(f32::NAN));
        let is_zero = self.cmp(FloatCC::Equal, x, zero);
        let r = self.choose(is_zero, ninf, r);
        let is_inf = self.cmp(FloatCC::Equal, x, inf);
        let r = self.choose(is_inf, inf, r);
        let bad = self.cmp(FloatCC::UnorderedOrLessThan, x, zero);
        self.choose(bad, nan, r)
    }

    pub fn tanh(&mut self, x: Value) -> Value {
        let ax = self.b.ins().fabs(x);
        let z = self.b.ins().fmul(x, x);
        let p = self.horner(z, &TANH_P);
        let p = self.b.ins().fmul(p, z);
        let small = self.mul_add(p, x, x);
        let two = self.k(2.0);
        let one = self.k(1.0);
        let ax2 = self.b.ins().fmul(ax, two);
        let e = self.exp(ax2);
        let d = self.b.ins().fadd(e, one);
        let q = self.b.ins().fdiv(two, d);
        let large = self.b.ins().fsub(one, q);
        let large = self.copysign(large, x);
        let cut = self.k(TANH_CUT);
        let is_small = self.cmp(FloatCC::LessThan, ax, cut);
        let r = self.choose(is_small, small, large);
        // NaN stays NaN (the comparison above is false for it, and 1 - 2/(NaN+1) is NaN).
        r
    }

    pub fn erf(&mut self, x: Value) -> Value {
        let (hi, lo) = (self.k(ERF_CLAMP), self.k(-ERF_CLAMP));
        let xc = self.b.ins().fmin(x, hi);
        let xc = self.b.ins().fmax(xc, lo);
        let z = self.b.ins().fmul(xc, xc);
        let p = self.horner(z, &ERF_P);
        let p = self.b.ins().fmul(p, xc);
        let q = self.horner(z, &ERF_Q);
        self.b.ins().fdiv(p, q)
    }
}

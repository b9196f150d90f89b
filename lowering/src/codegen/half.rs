//! `f16` and `bf16` in registers as `f32`: neither target has 16-bit float arithmetic that
//! Cranelift 0.135 selects, so a half-precision value is loaded into an `f32` register
//! (exactly), each operation computes in `f32`, and the result is rounded back to the half
//! type (and stored as its 16 bits). For `+ - × ÷ √` that is the correctly rounded half
//! result: `f32` has at least 2p + 2 bits for p = 11 (f16) and p = 8 (bf16), so rounding
//! twice never differs from rounding once. Conversions from `f64` round to odd in `f32` first,
//! for the same reason. All of it is integer and float arithmetic on scalars; no library call.
//!
//! The bit manipulations follow the well-known branch-free conversions (F. Giesen, "Half to
//! float done quic", 2012), written with selects.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::FunctionBuilder;

/// A 16-bit float format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Half {
    F16,
    BF16,
}

fn bitcast_f32(b: &mut FunctionBuilder, v: Value) -> Value {
    b.ins().bitcast(types::F32, MemFlagsData::new(), v)
}

fn bitcast_i32(b: &mut FunctionBuilder, v: Value) -> Value {
    b.ins().bitcast(types::I32, MemFlagsData::new(), v)
}

/// The `f32` of half bits `bits` (an `i16`): exact.
pub fn to_f32(b: &mut FunctionBuilder, kind: Half, bits: Value) -> Value {
    let h = b.ins().uextend(types::I32, bits);
    if kind == Half::BF16 {
        let w = b.ins().ishl_imm_u(h, 16);
        return bitcast_f32(b, w);
    }
    // Exponent and mantissa moved into f32's places, the exponent rebased; infinities and NaN
    // rebased further, subnormals renormalized by a float subtraction.
    let magnitude = b.ins().band_imm_u(h, 0x7fff);
    let o = b.ins().ishl_imm_u(magnitude, 13);
    let exp = b.ins().band_imm_u(o, 0x0f80_0000);
    let normal = b.ins().iadd_imm_s(o, 112 << 23);
    let special = b.ins().iadd_imm_s(normal, 112 << 23);
    let shifted = b.ins().iadd_imm_s(normal, 1 << 23);
    let shifted = bitcast_f32(b, shifted);
    let magic = b.ins().f32const(f32::from_bits(113 << 23));
    let sub = b.ins().fsub(shifted, magic);
    let sub = bitcast_i32(b, sub);
    let is_special = b.ins().icmp_imm_u(IntCC::Equal, exp, 0x0f80_0000);
    let is_small = b.ins().icmp_imm_u(IntCC::Equal, exp, 0);
    let finite = b.ins().select(is_small, sub, normal);
    let o = b.ins().select(is_special, special, finite);
    let sign = b.ins().band_imm_u(h, 0x8000);
    let sign = b.ins().ishl_imm_u(sign, 16);
    let o = b.ins().bor(o, sign);
    bitcast_f32(b, o)
}

/// The half bits (an `i16`) of `f32` value `x`, rounded to nearest, ties to even; NaN stays
/// a (quiet) NaN, overflow is infinity.
pub fn from_f32(b: &mut FunctionBuilder, kind: Half, x: Value) -> Value {
    let f = bitcast_i32(b, x);
    let sign = b.ins().band_imm_u(f, 0x8000_0000u32 as i64);
    let abs = b.ins().bxor(f, sign);
    let sign16 = b.ins().ushr_imm_u(sign, 16);
    let is_nan = b.ins().icmp_imm_u(IntCC::UnsignedGreaterThan, abs, 0x7f80_0000);
    let o = match kind {
        Half::BF16 => {
            // Round the low 16 bits away, ties to even; a NaN keeps its top bits, made quiet.
            let lsb = b.ins().ushr_imm_u(abs, 16);
            let lsb = b.ins().band_imm_u(lsb, 1);
            let biased = b.ins().iadd_imm_s(abs, 0x7fff);
            let biased = b.ins().iadd(biased, lsb);
            let rounded = b.ins().ushr_imm_u(biased, 16);
            let quiet = b.ins().ushr_imm_u(abs, 16);
            let quiet = b.ins().bor_imm_u(quiet, 0x40);
            b.ins().select(is_nan, quiet, rounded)
        }
        Half::F16 => {
            // Too large (or infinite, or NaN): infinity or a quiet NaN.
            let big = b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, abs, (127 + 16) << 23);
            let inf = b.ins().iconst(types::I32, 0x7c00);
            let nan = b.ins().iconst(types::I32, 0x7e00);
            let over = b.ins().select(is_nan, nan, inf);
            // Below the smallest normal: added to a magic float, the mantissa lands rounded.
            let small = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, abs, 113 << 23);
            let denorm_magic: i64 = ((127 - 15) + (23 - 10) + 1) << 23;
            let af = bitcast_f32(b, abs);
            let magic = b.ins().f32const(f32::from_bits(denorm_magic as u32));
            let sum = b.ins().fadd(af, magic);
            let sum = bitcast_i32(b, sum);
            let sub = b.ins().iadd_imm_s(sum, -denorm_magic);
            // Normal: rebias, round to nearest even on bit 13.
            let odd = b.ins().ushr_imm_u(abs, 13);
            let odd = b.ins().band_imm_u(odd, 1);
            let n = b.ins().iadd_imm_s(abs, ((15 - 127) << 23) + 0xfff);
            let n = b.ins().iadd(n, odd);
            let normal = b.ins().ushr_imm_u(n, 13);
            let finite = b.ins().select(small, sub, normal);
            b.ins().select(big, over, finite)
        }
    };
    let o = b.ins().bor(o, sign16);
    b.ins().ireduce(types::I16, o)
}

/// `x` (an `f32`) rounded to the half type, as an `f32`.
pub fn round(b: &mut FunctionBuilder, kind: Half, x: Value) -> Value {
    let bits = from_f32(b, kind, x);
    to_f32(b, kind, bits)
}

/// `x` (an `f64`) rounded to the half type, as an `f32`: first to `f32` rounding to odd (the
/// last bit set when inexact), so the second rounding is the only one that counts.
pub fn round_f64(b: &mut FunctionBuilder, kind: Half, x: Value) -> Value {
    let narrow = b.ins().fdemote(types::F32, x);
    let back = b.ins().fpromote(types::F64, narrow);
    let inexact = b.ins().fcmp(FloatCC::NotEqual, back, x);
    let inexact = b.ins().uextend(types::I32, inexact);
    let bits = bitcast_i32(b, narrow);
    // An infinity (overflow) stays one: the odd bit would make it a NaN.
    let magnitude = b.ins().band_imm_u(bits, 0x7fff_ffff);
    let finite = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, magnitude, 0x7f80_0000);
    let finite = b.ins().uextend(types::I32, finite);
    let inexact = b.ins().band(inexact, finite);
    let odd = b.ins().bor(bits, inexact);
    let odd = bitcast_f32(b, odd);
    round(b, kind, odd)
}

//! Rounding, bit patterns and text forms of floating-point values for every builtin float type.
//!
//! Values are held as `f64`, which holds every value of the formats up to 64 bits exactly.
//! A NaN keeps its payload, shifted into f64's fraction, so a signalling NaN prints back as
//! written (`0x7C01 : f16`, not the quiet `0x7E01`). `f80` and `f128` values beyond f64's
//! precision are held as their bit patterns; [`format_bits`] prints those.

use crate::types::FloatKind;

/// What a format does with its largest exponent, as LLVM's `fltNonfiniteBehavior`.
#[derive(Copy, Clone, PartialEq, Eq)]
enum NonFinite {
    /// Infinities and NaNs where the exponent is all ones (IEEE 754).
    Ieee,
    /// No infinities; NaN only where exponent and fraction are all ones (`FN`); out-of-range
    /// values become NaN.
    NanOnly,
    /// No infinities and no negative zero: NaN is negative zero's pattern (`FNUZ`).
    NegativeZeroNan,
    /// Finite values only; out-of-range values saturate (the OCP MX formats).
    FiniteOnly,
}

/// A binary format with an implicit leading bit: sign, `exp` exponent bits, `man` fraction bits.
#[derive(Copy, Clone)]
struct Format {
    exp: u32,
    man: u32,
    bias: i32,
    nonfinite: NonFinite,
}

impl Format {
    const fn new(exp: u32, man: u32, bias: i32, nonfinite: NonFinite) -> Self {
        Format { exp, man, bias, nonfinite }
    }

    fn of(kind: FloatKind) -> Option<Format> {
        use NonFinite::*;
        Some(match kind {
            FloatKind::F4E2M1FN => Format::new(2, 1, 1, FiniteOnly),
            FloatKind::F6E2M3FN => Format::new(2, 3, 1, FiniteOnly),
            FloatKind::F6E3M2FN => Format::new(3, 2, 3, FiniteOnly),
            FloatKind::F8E5M2 => Format::new(5, 2, 15, Ieee),
            FloatKind::F8E4M3 => Format::new(4, 3, 7, Ieee),
            FloatKind::F8E3M4 => Format::new(3, 4, 3, Ieee),
            FloatKind::F8E4M3FN => Format::new(4, 3, 7, NanOnly),
            FloatKind::F8E5M2FNUZ => Format::new(5, 2, 16, NegativeZeroNan),
            FloatKind::F8E4M3FNUZ => Format::new(4, 3, 8, NegativeZeroNan),
            FloatKind::F8E4M3B11FNUZ => Format::new(4, 3, 11, NegativeZeroNan),
            FloatKind::BF16 => Format::new(8, 7, 127, Ieee),
            FloatKind::F16 => Format::new(5, 10, 15, Ieee),
            FloatKind::TF32 => Format::new(8, 10, 127, Ieee),
            FloatKind::F32 => Format::new(8, 23, 127, Ieee),
            FloatKind::F64 => Format::new(11, 52, 1023, Ieee),
            FloatKind::F128 => Format::new(15, 112, 16383, Ieee),
            // No implicit bit (f80) or no sign, zero and fraction (f8E8M0FNU): below.
            FloatKind::F80 | FloatKind::F8E8M0FNU => return None,
        })
    }

    fn exp_ones(self) -> u128 {
        (1 << self.exp) - 1
    }

    fn man_ones(self) -> u128 {
        (1 << self.man) - 1
    }

    fn sign_bit(self) -> u128 {
        1 << (self.exp + self.man)
    }

    /// The largest finite magnitude's bits.
    fn max_finite(self) -> u128 {
        match self.nonfinite {
            NonFinite::Ieee => ((self.exp_ones() - 1) << self.man) | self.man_ones(),
            NonFinite::NanOnly => (self.exp_ones() << self.man) | (self.man_ones() - 1),
            NonFinite::NegativeZeroNan | NonFinite::FiniteOnly => (self.exp_ones() << self.man) | self.man_ones(),
        }
    }

    fn decode(self, bits: u128) -> f64 {
        let negative = bits & self.sign_bit() != 0;
        let (e, m) = ((bits >> self.man) & self.exp_ones(), bits & self.man_ones());
        match self.nonfinite {
            NonFinite::Ieee if e == self.exp_ones() && m == 0 => {
                return if negative { f64::NEG_INFINITY } else { f64::INFINITY }
            }
            NonFinite::Ieee if e == self.exp_ones() => return nan_with_payload(negative, m, self.man),
            NonFinite::NanOnly if e == self.exp_ones() && m == self.man_ones() => {
                return nan_with_payload(negative, m, self.man)
            }
            NonFinite::NegativeZeroNan if negative && e == 0 && m == 0 => return f64::NAN,
            _ => {}
        }
        let magnitude = if e == 0 {
            m as f64 * pow2(1 - self.bias - self.man as i32)
        } else {
            (m | (1 << self.man)) as f64 * pow2(e as i32 - self.bias - self.man as i32)
        };
        if negative {
            -magnitude
        } else {
            magnitude
        }
    }

    /// `value` rounded to nearest, ties to even; `None` for a NaN where the format has none.
    fn encode(self, value: f64) -> Option<u128> {
        let sign = if value.is_sign_negative() { self.sign_bit() } else { 0 };
        let nan = match self.nonfinite {
            NonFinite::Ieee => {
                let fraction = fraction_of(value) as u128;
                let payload = if self.man <= 52 { fraction >> (52 - self.man) } else { fraction << (self.man - 52) };
                // A payload below the format's precision would read as infinity: keep it a NaN.
                let payload = if payload == 0 { 1 << (self.man - 1) } else { payload };
                (self.exp_ones() << self.man) | payload
            }
            NonFinite::NanOnly => (self.exp_ones() << self.man) | self.man_ones(),
            NonFinite::NegativeZeroNan => self.sign_bit(),
            NonFinite::FiniteOnly if value.is_nan() => return None,
            NonFinite::FiniteOnly => self.max_finite(),
        };
        if value.is_nan() {
            // NanOnly and Ieee NaNs keep their sign; the FNUZ NaN is the sign alone.
            return Some(if self.nonfinite == NonFinite::NegativeZeroNan { nan } else { sign | nan });
        }
        let overflow = match self.nonfinite {
            NonFinite::Ieee => sign | (self.exp_ones() << self.man),
            NonFinite::NegativeZeroNan => nan,
            _ => sign | nan,
        };
        let a = value.abs();
        if a.is_infinite() {
            return Some(overflow);
        }
        let min_exp = 1 - self.bias;
        let magnitude = if a == 0.0 {
            0
        } else if exponent_of(a) < min_exp {
            // Subnormal: a multiple of the smallest step; a count of 2^man is the smallest normal.
            round_even(a * pow2(self.bias - 1 + self.man as i32))
        } else {
            let e = exponent_of(a);
            let n = round_even(a * pow2(self.man as i32 - e));
            let (field, n) = if n == 1 << (self.man + 1) { (e + 1, n >> 1) } else { (e, n) };
            let field = (field + self.bias) as u128;
            if field > self.exp_ones() {
                return Some(overflow);
            }
            (field << self.man) | (n - (1 << self.man))
        };
        if magnitude > self.max_finite() {
            return Some(overflow);
        }
        // FNUZ has no negative zero: a negative value that rounds to zero is zero.
        if magnitude == 0 && self.nonfinite == NonFinite::NegativeZeroNan {
            return Some(0);
        }
        Some(sign | magnitude)
    }
}

/// f64's NaN with `m`, a `man`-bit fraction, in its fraction's top bits.
fn nan_with_payload(negative: bool, m: u128, man: u32) -> f64 {
    let fraction = if man <= 52 { (m << (52 - man)) as u64 } else { (m >> (man - 52)) as u64 };
    let fraction = if fraction == 0 { 1 << 51 } else { fraction };
    f64::from_bits(((negative as u64) << 63) | (0x7FF << 52) | fraction)
}

/// The unbiased exponent of a positive finite `a`: `2^e <= a < 2^(e+1)`.
fn exponent_of(a: f64) -> i32 {
    debug_assert!(a > 0.0 && a.is_finite());
    let (m, e) = integer_and_exponent(a);
    (e + 63 - m.leading_zeros() as i64) as i32
}

/// f64's fraction bits: a NaN's payload.
fn fraction_of(value: f64) -> u64 {
    value.to_bits() & ((1 << 52) - 1)
}

/// A finite value's magnitude as an integer and a power of two: `|value| = m * 2^e`.
fn integer_and_exponent(value: f64) -> (u64, i64) {
    let field = ((value.to_bits() >> 52) & 0x7FF) as i64;
    let fraction = fraction_of(value);
    if field == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1 << 52, field - 1075)
    }
}

fn pow2(k: i32) -> f64 {
    2f64.powi(k)
}

/// `x`, a non-negative value below 2^113, rounded to the nearest integer, ties to even.
fn round_even(x: f64) -> u128 {
    x.round_ties_even() as u128
}

/// x87's 80-bit format's NaNs, infinities and zeros (sign, 15 exponent bits, an explicit
/// integer bit and 63 fraction bits); [`Wide`] reads and writes its finite values.
mod f80 {
    const EXP_ONES: u128 = 0x7FFF;
    const INTEGER_BIT: u128 = 1 << 63;

    /// The value of a pattern that is not a finite number: an infinity, or a NaN (as LLVM
    /// reads them, the pseudo-infinities and unnormals, whose integer bit is wrongly clear).
    pub(super) fn decode_special(bits: u128) -> f64 {
        let negative = bits >> 79 & 1 == 1;
        let infinity = (bits >> 64) & EXP_ONES == EXP_ONES && bits & ((1 << 64) - 1) == INTEGER_BIT;
        match (infinity, negative) {
            (true, true) => f64::NEG_INFINITY,
            (true, false) => f64::INFINITY,
            _ => super::nan_with_payload(negative, bits & (INTEGER_BIT - 1), 63),
        }
    }

    /// The pattern of a NaN, an infinity or a zero.
    pub(super) fn encode_special(value: f64) -> u128 {
        let sign = (value.is_sign_negative() as u128) << 79;
        if value.is_nan() {
            let fraction = (super::fraction_of(value) as u128) << 11;
            return sign | (EXP_ONES << 64) | INTEGER_BIT | fraction;
        }
        if value.is_infinite() {
            return sign | (EXP_ONES << 64) | INTEGER_BIT;
        }
        sign
    }
}

/// `f8E8M0FNU`: a biased power of two (bias 127), no sign, no zero; `0xFF` is NaN.
mod e8m0 {
    pub(super) fn decode(bits: u128) -> f64 {
        if bits == 0xFF {
            return f64::NAN;
        }
        super::pow2(bits as i32 - 127)
    }

    pub(super) fn encode(value: f64) -> Option<u128> {
        if value.is_nan() || value.is_infinite() {
            return Some(0xFF);
        }
        if value <= 0.0 {
            return None;
        }
        let e = super::exponent_of(value);
        // Between 2^e and 2^(e+1) the midpoint is 1.5 * 2^e. With no mantissa bits to be
        // even, a tie rounds up, as APFloat and ml_dtypes round it (3 → 4, 0.75 → 1).
        let q = value * super::pow2(-e);
        let up = q >= 1.5;
        let field = e + 127 + up as i32;
        Some(field.clamp(0, 0xFF) as u128)
    }
}

fn encode(value: f64, kind: FloatKind) -> Option<u128> {
    if let Some(wide) = Wide::of(kind).filter(|_| value.is_finite() && value != 0.0) {
        return Some(wide.bits_of_f64(value));
    }
    match kind {
        FloatKind::F80 => Some(f80::encode_special(value)),
        FloatKind::F8E8M0FNU => e8m0::encode(value),
        _ => Format::of(kind)?.encode(value),
    }
}

fn decode(bits: u128, kind: FloatKind) -> f64 {
    if let Some((negative, m, e2)) = Wide::of(kind).and_then(|w| w.finite_parts(bits)) {
        let magnitude = scale(m as f64, e2);
        return if negative { -magnitude } else { magnitude };
    }
    match kind {
        FloatKind::F80 => f80::decode_special(bits),
        FloatKind::F8E8M0FNU => e8m0::decode(bits),
        _ => Format::of(kind).map_or(f64::NAN, |f| f.decode(bits)),
    }
}

/// `x * 2^e` for any `e` a wide format has: exact while the result is a normal f64 (the
/// factor is applied in steps that neither overflow nor underflow on their own).
fn scale(mut x: f64, mut e: i64) -> f64 {
    while e != 0 && x != 0.0 && x.is_finite() {
        let step = e.clamp(-1000, 1000);
        x *= pow2(step as i32);
        e -= step;
    }
    x
}

/// The value of any bit pattern of `kind` (the low `kind.width()` bits of `bits`): NaN for
/// every NaN pattern, payload dropped; what memory holding such an element reads as.
pub fn value_of(bits: u128, kind: FloatKind) -> f64 {
    let bits = if kind.width() < 128 { bits & ((1u128 << kind.width()) - 1) } else { bits };
    match kind {
        FloatKind::F64 => f64::from_bits(bits as u64),
        FloatKind::F32 => f32::from_bits(bits as u32) as f64,
        FloatKind::F16 => half::f16::from_bits(bits as u16).to_f64(),
        FloatKind::BF16 => half::bf16::from_bits(bits as u16).to_f64(),
        _ => decode(bits, kind),
    }
}

/// Rounds `value` to the nearest value representable in `kind` (ties to even; out of range as
/// the format says: infinity, NaN or the largest finite value). A NaN stays as it is.
pub fn round_to(value: f64, kind: FloatKind) -> f64 {
    if value.is_nan() {
        return value;
    }
    match kind {
        FloatKind::F32 => value as f32 as f64,
        FloatKind::F16 => half::f16::from_f64(value).to_f64(),
        FloatKind::BF16 => half::bf16::from_f64(value).to_f64(),
        FloatKind::F64 | FloatKind::F80 | FloatKind::F128 => value,
        _ => encode(value, kind).map_or(f64::NAN, |bits| decode(bits, kind)),
    }
}

/// The bit pattern of `value` in `kind`, for the hexadecimal form (`0x7FC00000 : f32`); `None`
/// where `kind` cannot hold it (a NaN in a format without NaNs, zero in `f8E8M0FNU`).
pub fn to_bits(value: f64, kind: FloatKind) -> Option<u128> {
    if !value.is_nan() {
        match kind {
            FloatKind::F32 => return Some((value as f32).to_bits() as u128),
            FloatKind::F16 => return Some(half::f16::from_f64(value).to_bits() as u128),
            FloatKind::BF16 => return Some(half::bf16::from_f64(value).to_bits() as u128),
            FloatKind::F64 => return Some(value.to_bits() as u128),
            _ => {}
        }
    }
    encode(value, kind)
}

/// The value of a hexadecimal bit pattern in `kind`; `None` when the pattern is wider than the
/// type or its value (or NaN payload) is not exactly an `f64`.
pub fn from_bits(bits: u128, kind: FloatKind) -> Option<f64> {
    if kind.width() < 128 && bits >> kind.width() != 0 {
        return None;
    }
    let value = match kind {
        FloatKind::F64 => return Some(f64::from_bits(bits as u64)),
        FloatKind::F32 if !f32::from_bits(bits as u32).is_nan() => return Some(f32::from_bits(bits as u32) as f64),
        FloatKind::F16 if !half::f16::from_bits(bits as u16).is_nan() => {
            return Some(half::f16::from_bits(bits as u16).to_f64())
        }
        FloatKind::BF16 if !half::bf16::from_bits(bits as u16).is_nan() => {
            return Some(half::bf16::from_bits(bits as u16).to_f64())
        }
        _ => decode(bits, kind),
    };
    (encode(value, kind) == Some(bits)).then_some(value)
}

/// MLIR's text for a float, as `printFloatValue` writes it: six digits after the point when
/// they read back to the same value, else APFloat's shortest exact form, and the bit pattern
/// for NaN, infinities and values neither form holds.
pub fn format(value: f64, kind: FloatKind) -> String {
    if matches!(kind, FloatKind::F80 | FloatKind::F128) {
        if let Some(bits) = to_bits(value, kind) {
            return format_bits(bits, kind);
        }
    }
    let hex = || {
        let digits = (kind.width() as usize).div_ceil(4);
        match to_bits(value, kind) {
            Some(bits) => format!("0x{bits:0digits$X}"),
            None => format!("{value}"),
        }
    };
    if !value.is_finite() {
        return hex();
    }
    let (m, e2) = integer_and_exponent(value);
    let negative = value.is_sign_negative();
    let six = llvm_to_string(negative, m.into(), e2, 6, 0, false);
    if round_to(six.parse::<f64>().unwrap_or(f64::NAN), kind) == value {
        return six;
    }
    let shortest = llvm_to_string(negative, m.into(), e2, natural_precision(kind), 3, true);
    if shortest.contains('.') {
        shortest
    } else {
        hex()
    }
}

/// The text of an `f80` or `f128` bit pattern, as [`format`]'s for the value it holds: what
/// MLIR prints (its decimal checked by reading it back exactly in the type), except where a
/// decimal read as MLIR reads one, through an `f64`, would not give the value back: then the
/// bit pattern, so the text always reads back to it. MLIR prints `1.00000000000000000011 :
/// f80` for `0x3FFF8000000000000001` and reads that text back as `1.0`.
pub fn format_bits(bits: u128, kind: FloatKind) -> String {
    let hex = || format!("0x{bits:0digits$X}", digits = (kind.width() as usize).div_ceil(4));
    let Some(wide) = Wide::of(kind) else { return format(value_of(bits, kind), kind) };
    let Some((negative, m, e2)) = wide.finite_parts(bits) else { return hex() };
    let six = llvm_to_string(negative, m, e2, 6, 0, false);
    let text = if wide.bits_of_decimal(&six) == Some(bits) {
        six
    } else {
        let shortest = llvm_to_string(negative, m, e2, natural_precision(kind), 3, true);
        if !shortest.contains('.') {
            return hex();
        }
        shortest
    };
    let read_back = text.parse::<f64>().ok().and_then(|v| to_bits(v, kind));
    if read_back == Some(bits) {
        text
    } else {
        hex()
    }
}

/// The digits APFloat prints when asked for a value's natural precision.
fn natural_precision(kind: FloatKind) -> usize {
    (2 + significand_bits(kind) * 59 / 196) as usize
}

/// The formats wider than f64, both with 15 exponent bits: `f80` (an explicit integer bit and
/// 63 fraction bits) and `f128` (112 fraction bits).
#[derive(Copy, Clone)]
struct Wide {
    /// Significand bits, the leading one included.
    precision: u32,
    explicit_integer_bit: bool,
}

impl Wide {
    const BIAS: i64 = 16383;
    const EXP_ONES: u128 = 0x7FFF;

    fn of(kind: FloatKind) -> Option<Wide> {
        match kind {
            FloatKind::F80 => Some(Wide { precision: 64, explicit_integer_bit: true }),
            FloatKind::F128 => Some(Wide { precision: 113, explicit_integer_bit: false }),
            _ => None,
        }
    }

    /// Bits below the exponent field.
    fn fraction_width(self) -> u32 {
        if self.explicit_integer_bit {
            self.precision
        } else {
            self.precision - 1
        }
    }

    /// The exponent of a significand's last bit in the smallest binade (subnormals).
    fn min_e2(self) -> i64 {
        1 - Self::BIAS - (self.precision as i64 - 1)
    }

    /// A finite value as its sign, significand and power of two (`m * 2^e2`); `None` for
    /// infinities and NaNs, and for x87's unnormals, which LLVM reads as NaN too.
    fn finite_parts(self, bits: u128) -> Option<(bool, u128, i64)> {
        let width = self.fraction_width();
        let negative = bits >> (width + 15) & 1 == 1;
        let field = (bits >> width) & Self::EXP_ONES;
        let fraction = bits & ((1 << width) - 1);
        let leading = 1u128 << (self.precision - 1);
        if field == Self::EXP_ONES || (self.explicit_integer_bit && field != 0 && fraction & leading == 0) {
            return None;
        }
        let m = if self.explicit_integer_bit || field == 0 { fraction } else { fraction | leading };
        Some((negative, m, field.max(1) as i64 - Self::BIAS - (self.precision as i64 - 1)))
    }

    /// The bits nearest a decimal literal (`-1.5e+03`, `0.25`), ties to even: APFloat's
    /// exact reading of a string, which MLIR's printer checks its text against. `None` when
    /// `text` is not a decimal number.
    fn bits_of_decimal(self, text: &str) -> Option<u128> {
        use num_bigint::BigUint;
        let (negative, text) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exp10) = match text.split_once(['e', 'E']) {
            Some((m, e)) => (m, e.parse::<i64>().ok()?),
            None => (text, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let literal: BigUint = format!("{whole}{fraction}").parse().ok()?;
        let exp10 = exp10.checked_sub(fraction.len() as i64)?;
        let sign = (negative as u128) << (self.fraction_width() + 15);
        // log2 of the value, to within a few units.
        let magnitude = literal.bits() as i64 + (exp10 as f64 * std::f64::consts::LOG2_10) as i64;
        let infinity = sign | (Self::EXP_ONES << self.fraction_width()) | self.integer_bit();
        // Beyond both ends of the format (2^16384 and 2^-16446) by far: no arithmetic needed.
        if literal.bits() == 0 || magnitude < -16_600 {
            return Some(sign);
        }
        if magnitude > 16_600 {
            return Some(infinity);
        }
        let (num, den) = if exp10 >= 0 {
            (literal * BigUint::from(10u32).pow(exp10 as u32), BigUint::from(1u32))
        } else {
            (literal, BigUint::from(10u32).pow((-exp10) as u32))
        };
        // q = num / (den * 2^e2) in [2^(p-1), 2^p), or e2 at its least for subnormals.
        let p = self.precision as i64;
        let divide = |e2: i64| {
            let (n, d) =
                if e2 >= 0 { (num.clone(), &den << e2 as usize) } else { (&num << (-e2) as usize, den.clone()) };
            let q = &n / &d;
            let twice_r = (&n - &q * &d) << 1usize;
            (q, twice_r, d)
        };
        let mut e2 = (num.bits() as i64 - den.bits() as i64 - p).max(self.min_e2());
        let mut parts = divide(e2);
        if parts.0.bits() as i64 > p {
            e2 += 1;
            parts = divide(e2);
        }
        let (q, twice_r, d) = parts;
        let mut q: u128 = q.try_into().ok()?;
        if twice_r > d || (twice_r == d && q & 1 == 1) {
            q += 1;
            if q == 1 << p {
                q >>= 1;
                e2 += 1;
            }
        }
        if e2 + p - 1 > Self::BIAS {
            return Some(infinity);
        }
        let leading = 1u128 << (p - 1);
        if q < leading {
            return Some(sign | q);
        }
        let field = (e2 + p - 1 + Self::BIAS) as u128;
        let stored = if self.explicit_integer_bit { q } else { q - leading };
        Some(sign | (field << self.fraction_width()) | stored)
    }

    /// The bits of a finite, non-zero f64, which every wide format holds as a normal value.
    fn bits_of_f64(self, value: f64) -> u128 {
        let sign = (value.is_sign_negative() as u128) << (self.fraction_width() + 15);
        let (m, e2) = integer_and_exponent(value);
        let shift = self.precision - (64 - m.leading_zeros());
        let q = (m as u128) << shift;
        let field = (e2 - shift as i64 + self.precision as i64 - 1 + Self::BIAS) as u128;
        let stored = if self.explicit_integer_bit { q } else { q & ((1 << (self.precision - 1)) - 1) };
        sign | (field << self.fraction_width()) | stored
    }

    /// The integer bit x87's infinity carries.
    fn integer_bit(self) -> u128 {
        if self.explicit_integer_bit {
            1 << (self.precision - 1)
        } else {
            0
        }
    }
}

/// Bits of precision of `kind`'s significand, its leading bit included (LLVM's
/// `fltSemantics::precision`).
fn significand_bits(kind: FloatKind) -> u32 {
    match kind {
        FloatKind::F80 => 64,
        FloatKind::F8E8M0FNU => 1,
        _ => Format::of(kind).map_or(53, |f| f.man + 1),
    }
}

/// LLVM's `APFloat::toString(str, precision, max_padding, truncate_zero)` for the finite value
/// `m * 2^e2` (negated when `negative`):
/// the exact decimal expansion cut to `precision` significant digits in LLVM's two steps
/// (whole tens dropped from the expansion first, then half up on what is left), so values of
/// few bits print as upstream prints them (`9.997550e-02 : f16` where the correctly rounded
/// digits are `9.997559e-02`), laid out as LLVM lays it out.
fn llvm_to_string(
    negative: bool,
    m: u128,
    e2: i64,
    precision: usize,
    max_padding: usize,
    truncate_zero: bool,
) -> String {
    if negative {
        return format!("-{}", llvm_to_string(false, m, e2, precision, max_padding, truncate_zero));
    }
    // The digits, most significant first; `exp` is the power of ten of the last one.
    let (mut digits, mut exp) = if m == 0 { (vec![b'0'], 0) } else { exact_digits(m, e2, precision) };
    // LLVM's AdjustToPrecision on the digits: half up, trailing zeros dropped.
    if digits.len() > precision {
        let dropped = digits.len() - precision;
        let round_up = digits[precision] >= b'5';
        digits.truncate(precision);
        exp += dropped as i64;
        if round_up {
            while digits.last() == Some(&b'9') {
                digits.pop();
                exp += 1;
            }
            match digits.last_mut() {
                Some(d) => *d += 1,
                None => digits.push(b'1'),
            }
        }
    }
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
        exp += 1;
    }
    let n = digits.len() as i64;
    let text = |d: &[u8]| String::from_utf8(d.to_vec()).expect("decimal digits");
    let scientific = if max_padding == 0 {
        true
    } else if exp >= 0 {
        exp > max_padding as i64 || n + exp > precision as i64
    } else {
        let most_significant = exp + n - 1;
        most_significant < 0 && -most_significant > max_padding as i64
    };
    if scientific {
        let lead = exp + n - 1;
        let mut fraction = text(&digits[1..]);
        if fraction.is_empty() && truncate_zero {
            fraction.push('0');
        }
        if !truncate_zero && precision > fraction.len() {
            fraction.push_str(&"0".repeat(precision - fraction.len()));
        }
        let (e, sign) = (if truncate_zero { 'E' } else { 'e' }, if lead < 0 { '-' } else { '+' });
        let width = if truncate_zero { 1 } else { 2 };
        return format!("{}.{fraction}{e}{sign}{:0width$}", digits[0] as char, lead.abs());
    }
    if exp >= 0 {
        return format!("{}{}", text(&digits), "0".repeat(exp as usize));
    }
    let whole = exp + n;
    if whole > 0 {
        format!("{}.{}", text(&digits[..whole as usize]), text(&digits[whole as usize..]))
    } else {
        format!("0.{}{}", "0".repeat((-whole) as usize), text(&digits))
    }
}

/// The exact decimal digits of `m * 2^e2`, `m` positive (most significant first), and the
/// power of ten of the last, after LLVM drops the whole tens that `precision` digits do not
/// need (its AdjustToPrecision on the integer: 196/59 over-estimates log2(10)).
fn exact_digits(mut m: u128, mut e2: i64, precision: usize) -> (Vec<u8>, i64) {
    use num_bigint::BigUint;
    let zeros = m.trailing_zeros();
    m >>= zeros;
    e2 += zeros as i64;
    let (mut n, mut exp) = if e2 >= 0 {
        (BigUint::from(m) << e2 as usize, 0)
    } else {
        (BigUint::from(m) * BigUint::from(5u32).pow((-e2) as u32), e2)
    };
    // Whatever the exponent's sign: `99999999.0 : f64` keeps six digits, so it is printed in hex.
    let required = (precision as u64 * 196).div_ceil(59);
    if n.bits() > required {
        let tens = (n.bits() - required) * 59 / 196;
        if tens > 0 {
            n /= BigUint::from(10u32).pow(tens as u32);
            exp += tens as i64;
        }
    }
    let mut digits = n.to_string().into_bytes();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
        exp += 1;
    }
    (digits, exp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_mlir() {
        assert_eq!(format(1.0, FloatKind::F32), "1.000000e+00");
        assert_eq!(format(-0.5, FloatKind::F64), "-5.000000e-01");
        assert_eq!(format(0.1, FloatKind::F64), "1.000000e-01");
        assert_eq!(format(0.30000000000000004, FloatKind::F64), "0.30000000000000004");
        assert_eq!(format(round_to(1e-5, FloatKind::F32), FloatKind::F32), "9.99999974E-6");
        assert_eq!(format(f64::NAN, FloatKind::F32), "0x7FC00000");
        assert_eq!(format(f64::INFINITY, FloatKind::F16), "0x7C00");
        let third = round_to(1.0 / 3.0, FloatKind::F32);
        assert_eq!(format(third, FloatKind::F32).parse::<f32>().unwrap() as f64, third);
    }

    /// The values mlir-opt-22 prints for these literals (testdata/ir/floats.mlir has them all).
    #[test]
    fn small_formats_round_as_mlir_opt() {
        assert_eq!(to_bits(1000.0, FloatKind::F8E4M3FN), Some(0x7F));
        assert_eq!(round_to(1000.0, FloatKind::F4E2M1FN), 6.0);
        assert_eq!(to_bits(100000.0, FloatKind::F8E5M2), Some(0x7C));
        assert_eq!(round_to(0.3, FloatKind::F8E8M0FNU), 0.25);
        assert_eq!(from_bits(0x3F, FloatKind::F6E3M2FN), Some(-28.0));
        assert_eq!(from_bits(0xF, FloatKind::F4E2M1FN), Some(-6.0));
        assert_eq!(format(round_to(0.1, FloatKind::TF32), FloatKind::TF32), "9.997550e-02");
        assert_eq!(to_bits(-0.0, FloatKind::F8E5M2FNUZ), Some(0));
        assert_eq!(format(round_to(0.1, FloatKind::F8E3M4), FloatKind::F8E3M4), "9.375000e-02");
        assert_eq!(to_bits(448.0, FloatKind::F8E4M3FN), Some(0x7E));
        assert_eq!(to_bits(464.0, FloatKind::F8E4M3FN), Some(0x7E), "ties to even stay finite");
        assert_eq!(format(round_to(0.1, FloatKind::F16), FloatKind::F16), "9.997550e-02");
        assert_eq!(format(round_to(0.1, FloatKind::BF16), FloatKind::BF16), "1.000980e-01");
        assert_eq!(format(round_to(3.3, FloatKind::F16), FloatKind::F16), "3.300780e+00");
    }

    #[test]
    fn every_pattern_of_the_small_formats_round_trips() {
        for kind in [
            FloatKind::F4E2M1FN,
            FloatKind::F6E2M3FN,
            FloatKind::F6E3M2FN,
            FloatKind::F8E5M2,
            FloatKind::F8E4M3,
            FloatKind::F8E3M4,
            FloatKind::F8E4M3FN,
            FloatKind::F8E5M2FNUZ,
            FloatKind::F8E4M3FNUZ,
            FloatKind::F8E4M3B11FNUZ,
            FloatKind::F8E8M0FNU,
        ] {
            for bits in 0..1u128 << kind.width() {
                let value = from_bits(bits, kind).unwrap_or_else(|| panic!("{kind:?} {bits:#x}"));
                assert_eq!(to_bits(value, kind), Some(bits), "{kind:?} {bits:#x} = {value}");
            }
        }
    }

    #[test]
    fn signalling_nans_keep_their_payload() {
        let snan = from_bits(0x7C01, FloatKind::F16).unwrap();
        assert_eq!(format(snan, FloatKind::F16), "0x7C01");
        let snan = from_bits(0x7F800001, FloatKind::F32).unwrap();
        assert_eq!(format(round_to(snan, FloatKind::F32), FloatKind::F32), "0x7F800001");
        assert_eq!(format(from_bits(0xFFC00001, FloatKind::F32).unwrap(), FloatKind::F32), "0xFFC00001");
        let f80_nan = from_bits(0x7FFF_C000_0000_0000_0800, FloatKind::F80).unwrap();
        assert_eq!(to_bits(f80_nan, FloatKind::F80), Some(0x7FFF_C000_0000_0000_0800));
    }

    /// The texts mlir-opt-22 prints for these f64 values in the wide formats: APFloat checks
    /// six digits by reading them back in the format itself, so 0.1 needs its 21 or 36 digits.
    #[test]
    fn wide_formats_print_as_mlir_opt() {
        assert_eq!(format(0.1, FloatKind::F80), "0.100000000000000005551");
        assert_eq!(format(0.1, FloatKind::F128), "0.100000000000000005551115123125782702");
        assert_eq!(format(1.0e-300, FloatKind::F128), "1.00000000000000002505909183520875969E-300");
        assert_eq!(format(2.5e-310, FloatKind::F80), "2.50000000000001706561E-310");
        assert_eq!(format(-f64::MAX, FloatKind::F128), "-1.79769313486231570814527423731704357E+308");
        assert_eq!(format(1.5, FloatKind::F80), "1.500000e+00");
        assert_eq!(format(-0.0, FloatKind::F128), "-0.000000e+00");
        assert_eq!(format(f64::INFINITY, FloatKind::F80), "0x7FFF8000000000000000");
    }

    /// Values an f64 does not hold print as their bits: mlir-opt's decimal for them
    /// (`1.00000000000000000011`) reads back, as MLIR reads decimals, through an f64.
    #[test]
    fn wide_values_beyond_f64_print_as_their_bits() {
        for (bits, kind) in [
            (0x3FFF_8000_0000_0000_0001, FloatKind::F80),
            (0x0000_0000_0000_0000_0001, FloatKind::F80),
            (0x7FFF_C000_0000_0000_0001, FloatKind::F80),
            (0x3FFF_0000_0000_0000_0000, FloatKind::F80),
            (0x3FFB_9999_9999_9999_999A, FloatKind::F80),
            (0x3FFF_0000_0000_0000_0000_0000_0000_0001, FloatKind::F128),
            (0x8000_0000_0000_0000_0000_0000_0000_0003, FloatKind::F128),
        ] {
            assert_eq!(from_bits(bits, kind), None, "{bits:#X}");
            let digits = (kind.width() as usize).div_ceil(4);
            assert_eq!(format_bits(bits, kind), format!("0x{bits:0digits$X}"));
        }
        assert!(value_of(0x3FFF_0000_0000_0000_0000, FloatKind::F80).is_nan(), "an unnormal is NaN");
        assert_eq!(format_bits(0x3FFF_8000_0000_0000_0000, FloatKind::F80), "1.000000e+00");
    }

    /// The smallest values' exact expansions are long (11,500 digits) and far below 2^-16000.
    #[test]
    fn smallest_wide_values_read_back_exactly() {
        for kind in [FloatKind::F80, FloatKind::F128] {
            let wide = Wide::of(kind).unwrap();
            for m in [1, 3] {
                let exact = llvm_to_string(false, m, wide.min_e2(), 12_000, 0, true);
                assert_eq!(wide.bits_of_decimal(&exact), Some(m), "{kind:?}");
            }
        }
    }

    fn wide_bits(kind: FloatKind) -> impl proptest::strategy::Strategy<Value = u128> {
        use proptest::prelude::*;
        let wide = Wide::of(kind).unwrap();
        let width = wide.fraction_width() + 16;
        // Every exponent but the all-ones one; f80's integer bit as its exponent says.
        let field = prop_oneof![0u128..0x7FFF, 0u128..4, 0x7FFBu128..0x7FFF];
        (any::<bool>(), field, any::<u128>()).prop_map(move |(negative, field, fraction)| {
            let fraction = fraction & ((1 << wide.fraction_width()) - 1);
            let fraction = match (wide.explicit_integer_bit, field) {
                (true, 0) => fraction & !(1 << 63),
                (true, _) => fraction | 1 << 63,
                (false, _) => fraction,
            };
            ((negative as u128) << (width - 1)) | (field << wide.fraction_width()) | fraction
        })
    }

    proptest::proptest! {
        /// APFloat's natural precision reads back to the same bits, and so does the exact
        /// expansion; a midpoint between two neighbours rounds to the even one.
        #[test]
        fn wide_decimals_read_back_exactly(f80 in wide_bits(FloatKind::F80), f128 in wide_bits(FloatKind::F128)) {
            for (bits, kind) in [(f80, FloatKind::F80), (f128, FloatKind::F128)] {
                let wide = Wide::of(kind).unwrap();
                let (negative, m, e2) = wide.finite_parts(bits).unwrap();
                let natural = llvm_to_string(negative, m, e2, natural_precision(kind), 3, true);
                proptest::prop_assert_eq!(wide.bits_of_decimal(&natural), Some(bits), "{}", natural);
                let exact = llvm_to_string(negative, m, e2, 12_000, 0, true);
                proptest::prop_assert_eq!(wide.bits_of_decimal(&exact), Some(bits), "{}", exact);
                // m + 1/2 in the last place: away from zero when m is odd.
                let midpoint = llvm_to_string(negative, 2 * m + 1, e2 - 1, 12_000, 0, true);
                let up = wide.bits_of_decimal(&midpoint).unwrap();
                // Where the next value up is in the same binade, it is the next pattern.
                if (m + 1).leading_zeros() == m.leading_zeros() {
                    let expected = if m & 1 == 1 { bits + 1 } else { bits };
                    proptest::prop_assert_eq!(up, expected, "{}", midpoint);
                }
            }
        }

        /// Every f64 is the same value in both wide formats, whatever its size.
        #[test]
        fn f64_values_widen_exactly(bits in proptest::prelude::any::<u64>()) {
            let value = f64::from_bits(bits);
            proptest::prop_assume!(value.is_finite());
            for kind in [FloatKind::F80, FloatKind::F128] {
                let wide = to_bits(value, kind).unwrap();
                proptest::prop_assert_eq!(from_bits(wide, kind).map(f64::to_bits), Some(bits));
                let (m, e2) = integer_and_exponent(value);
                let exact = llvm_to_string(value.is_sign_negative(), m.into(), e2, 12_000, 0, true);
                proptest::prop_assert_eq!(Wide::of(kind).unwrap().bits_of_decimal(&exact), Some(wide), "{}", exact);
            }
        }
    }

    #[test]
    fn wide_patterns_beyond_f64_are_refused() {
        assert_eq!(from_bits(0x7FFF8000000000000001, FloatKind::F80), None);
        assert_eq!(from_bits(0x1_0000, FloatKind::F16), None);
        assert_eq!(from_bits(0x3FFF_8000_0000_0000_0000, FloatKind::F80), Some(1.0));
        assert_eq!(from_bits(0x3FFF_0000_0000_0000_0000_0000_0000_0000, FloatKind::F128), Some(1.0));
    }
}

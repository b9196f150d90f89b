//! Rounding, bit patterns and text forms of floating-point values for every builtin float type.
//!
//! Values are held as `f64`, which holds every value of the formats up to 32 bits exactly.
//! A NaN keeps its payload, shifted into f64's fraction, so a signalling NaN prints back as
//! written (`0x7C01 : f16`, not the quiet `0x7E01`). `f80` and `f128` values beyond f64's
//! precision cannot be held: their hexadecimal forms are refused rather than rounded.

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

/// x87's 80-bit format: sign, 15 exponent bits, an explicit integer bit and 63 fraction bits.
mod f80 {
    const BIAS: i32 = 16383;
    const EXP_ONES: u128 = 0x7FFF;
    const INTEGER_BIT: u128 = 1 << 63;

    pub(super) fn decode(bits: u128) -> f64 {
        let negative = bits >> 79 & 1 == 1;
        let (e, m) = ((bits >> 64) & EXP_ONES, bits & ((1 << 64) - 1));
        let fraction = m & (INTEGER_BIT - 1);
        if e == EXP_ONES {
            return match fraction {
                0 if negative => f64::NEG_INFINITY,
                0 => f64::INFINITY,
                _ => super::nan_with_payload(negative, fraction, 63),
            };
        }
        let magnitude = m as f64 * super::pow2(e.max(1) as i32 - BIAS - 63);
        if negative {
            -magnitude
        } else {
            magnitude
        }
    }

    pub(super) fn encode(value: f64) -> u128 {
        let sign = (value.is_sign_negative() as u128) << 79;
        if value.is_nan() {
            let fraction = (super::fraction_of(value) as u128) << 11;
            return sign | (EXP_ONES << 64) | INTEGER_BIT | fraction;
        }
        let a = value.abs();
        if a.is_infinite() {
            return sign | (EXP_ONES << 64) | INTEGER_BIT;
        }
        if a == 0.0 {
            return sign;
        }
        // Every f64 is a normal f80, its 53 bits exact in the 64-bit significand.
        let e = super::exponent_of(a);
        let significand = (a * super::pow2(63 - e)) as u128;
        sign | (((e + BIAS) as u128) << 64) | significand
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
    match kind {
        FloatKind::F80 => Some(f80::encode(value)),
        FloatKind::F8E8M0FNU => e8m0::encode(value),
        _ => Format::of(kind)?.encode(value),
    }
}

fn decode(bits: u128, kind: FloatKind) -> f64 {
    match kind {
        FloatKind::F80 => f80::decode(bits),
        FloatKind::F8E8M0FNU => e8m0::decode(bits),
        _ => Format::of(kind).map_or(f64::NAN, |f| f.decode(bits)),
    }
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

/// Whether the decimal literal `text` (unsigned: `84.25`, `1.5e-3`) is exactly `value`, a
/// finite f64 it was read as: what wider formats than f64 need to be held here.
pub fn decimal_is_exact(text: &str, value: f64) -> bool {
    use num_bigint::BigUint;
    let (mantissa, exp10) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let Ok(mut literal) = format!("{whole}{fraction}").parse::<BigUint>() else { return false };
    let exp10 = exp10 - fraction.len() as i64;
    if !value.is_finite() || exp10.unsigned_abs() > 5000 {
        return false;
    }
    // literal * 10^exp10 == m * 2^e2, compared as integers with both sides' negative powers moved across.
    let (m, e2) = integer_and_exponent(value);
    let mut exact = BigUint::from(m);
    if exp10 >= 0 {
        literal *= BigUint::from(10u32).pow(exp10 as u32);
    } else {
        exact *= BigUint::from(10u32).pow((-exp10) as u32);
    }
    if e2 >= 0 {
        exact <<= e2 as usize;
    } else {
        literal <<= (-e2) as usize;
    }
    literal == exact
}

/// MLIR's text for a float, as `printFloatValue` writes it: six digits after the point when
/// they read back to the same value, else APFloat's shortest exact form, and the bit pattern
/// for NaN, infinities and values neither form holds.
pub fn format(value: f64, kind: FloatKind) -> String {
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
    let six = llvm_to_string(value, 6, 0, false);
    if round_to(six.parse::<f64>().unwrap_or(f64::NAN), kind) == value {
        return six;
    }
    let precision = 2 + significand_bits(kind) * 59 / 196;
    let shortest = llvm_to_string(value, precision as usize, 3, true);
    if shortest.contains('.') {
        shortest
    } else {
        hex()
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

/// LLVM's `APFloat::toString(str, precision, max_padding, truncate_zero)` for a finite value:
/// the exact decimal expansion cut to `precision` significant digits in LLVM's two steps
/// (whole tens dropped from the expansion first, then half up on what is left), so values of
/// few bits print as upstream prints them (`9.997550e-02 : f16` where the correctly rounded
/// digits are `9.997559e-02`), laid out as LLVM lays it out.
fn llvm_to_string(value: f64, precision: usize, max_padding: usize, truncate_zero: bool) -> String {
    if value < 0.0 || (value == 0.0 && value.is_sign_negative()) {
        return format!("-{}", llvm_to_string(-value, precision, max_padding, truncate_zero));
    }
    // The digits, most significant first; `exp` is the power of ten of the last one.
    let (mut digits, mut exp) = if value == 0.0 { (vec![b'0'], 0) } else { exact_digits(value, precision) };
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

/// The exact decimal digits of a positive finite `value` (most significant first) and the
/// power of ten of the last, after LLVM drops the whole tens that `precision` digits do not
/// need (its AdjustToPrecision on the integer: 196/59 over-estimates log2(10)).
fn exact_digits(value: f64, precision: usize) -> (Vec<u8>, i64) {
    use num_bigint::BigUint;
    let (mut m, mut e2) = integer_and_exponent(value);
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

    #[test]
    fn wide_patterns_beyond_f64_are_refused() {
        assert_eq!(from_bits(0x7FFF8000000000000001, FloatKind::F80), None);
        assert_eq!(from_bits(0x1_0000, FloatKind::F16), None);
        assert_eq!(from_bits(0x3FFF_8000_0000_0000_0000, FloatKind::F80), Some(1.0));
        assert_eq!(from_bits(0x3FFF_0000_0000_0000_0000_0000_0000_0000, FloatKind::F128), Some(1.0));
    }
}

//! Rounding and text forms of floating-point values for every builtin float type.

use crate::types::FloatKind;

/// Rounds `value` to the nearest value representable in `kind` (ties to even).
pub fn round_to(value: f64, kind: FloatKind) -> f64 {
    match kind {
        FloatKind::F32 | FloatKind::TF32 => value as f32 as f64,
        FloatKind::F16 => half::f16::from_f64(value).to_f64(),
        FloatKind::BF16 => half::bf16::from_f64(value).to_f64(),
        FloatKind::F64 | FloatKind::F80 | FloatKind::F128 => value,
    }
}

/// The bit pattern of `value` in `kind`, for the hexadecimal form (`0x7FC00000 : f32`).
pub fn to_bits(value: f64, kind: FloatKind) -> u128 {
    match kind {
        FloatKind::F32 | FloatKind::TF32 => (value as f32).to_bits() as u128,
        FloatKind::F16 => half::f16::from_f64(value).to_bits() as u128,
        FloatKind::BF16 => half::bf16::from_f64(value).to_bits() as u128,
        _ => value.to_bits() as u128,
    }
}

/// The value of a hexadecimal bit pattern in `kind`.
pub fn from_bits(bits: u128, kind: FloatKind) -> Option<f64> {
    Some(match kind {
        FloatKind::F32 | FloatKind::TF32 => f32::from_bits(u32::try_from(bits).ok()?) as f64,
        FloatKind::F16 => half::f16::from_bits(u16::try_from(bits).ok()?).to_f64(),
        FloatKind::BF16 => half::bf16::from_bits(u16::try_from(bits).ok()?).to_f64(),
        FloatKind::F64 => f64::from_bits(u64::try_from(bits).ok()?),
        FloatKind::F80 | FloatKind::F128 => return None,
    })
}

/// MLIR's text for a float: `1.000000e+00` when six digits round-trip, the shortest exact
/// decimal otherwise, and the bit pattern for NaN and infinities.
pub fn format(value: f64, kind: FloatKind) -> String {
    if !value.is_finite() {
        let digits = (kind.width() as usize).div_ceil(4);
        return format!("0x{:0digits$X}", to_bits(value, kind));
    }
    let six = scientific(&format!("{value:.6e}"));
    if round_to(six.parse::<f64>().unwrap_or(f64::NAN), kind) == value {
        return six;
    }
    let shortest = match kind {
        FloatKind::F32 | FloatKind::TF32 => format!("{:e}", value as f32),
        _ => format!("{value:e}"),
    };
    scientific(&shortest)
}

/// Rust's `1.5e0` as MLIR's `1.500000e+00`: a mantissa with a dot and a signed two-digit exponent.
fn scientific(rust: &str) -> String {
    let (mantissa, exponent) = rust.split_once('e').unwrap_or((rust, "0"));
    let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
    let exp: i32 = exponent.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_mlir() {
        assert_eq!(format(1.0, FloatKind::F32), "1.000000e+00");
        assert_eq!(format(-0.5, FloatKind::F64), "-5.000000e-01");
        assert_eq!(format(0.1, FloatKind::F64), "1.000000e-01");
        assert_eq!(format(0.30000000000000004, FloatKind::F64), "3.0000000000000004e-01");
        assert_eq!(format(f64::NAN, FloatKind::F32), "0x7FC00000");
        assert_eq!(format(f64::INFINITY, FloatKind::F16), "0x7C00");
        let third = round_to(1.0 / 3.0, FloatKind::F32);
        assert_eq!(format(third, FloatKind::F32).parse::<f32>().unwrap() as f64, third);
    }
}

//! `dense<"0x...">`: elements as MLIR's raw little-endian storage in hexadecimal.
//!
//! MLIR prints an integer, index, float or complex `dense` attribute of more than 100 elements
//! that is not a splat this way (`--mlir-print-elementsattrs-with-hex-if-larger`), and reads
//! the form back. The layout is MLIR's `DenseIntOrFPElementsAttr` storage: each scalar takes its
//! width rounded up to whole bytes (`index` takes 8), a complex number its real then imaginary
//! part, and `i1` elements are packed eight to a byte, first element in the lowest bit. One
//! element's worth of data (for `i1`, one byte of all zeros or all ones) is a splat.

use crate::attributes::{wrap_signed, DenseElements, DenseValue};
use crate::types::{FloatKind, Type, TypeKind};
use crate::Context;

/// How one scalar is stored.
#[derive(Clone, Copy)]
enum Scalar {
    Int { width: u32 },
    Index,
    Float(FloatKind),
}

impl Scalar {
    fn of(ctx: &Context, t: Type) -> Option<Scalar> {
        match ctx.type_kind(t) {
            TypeKind::Integer { width, .. } => Some(Scalar::Int { width: *width }),
            TypeKind::Index => Some(Scalar::Index),
            TypeKind::Float(k) => Some(Scalar::Float(*k)),
            _ => None,
        }
    }

    fn bytes(self) -> usize {
        match self {
            Scalar::Int { width } => width.div_ceil(8) as usize,
            Scalar::Index => 8,
            Scalar::Float(k) => k.width().div_ceil(8) as usize,
        }
    }

    fn encode(self, v: &DenseValue, out: &mut Vec<u8>) -> Option<()> {
        let (raw, sign) = match (self, v) {
            // A width short of whole bytes is stored zero-extended, as APInt's raw data; one
            // wider than the 128 bits held here, sign-extended from them.
            (Scalar::Int { width }, DenseValue::Int(i)) => (crate::attributes::as_unsigned(*i, width), (*i < 0) as u8),
            (Scalar::Index, DenseValue::Int(i)) => (*i as u128, 0),
            (Scalar::Float(k), DenseValue::Float(bits)) => (crate::float::to_bits(f64::from_bits(*bits), k)?, 0),
            _ => return None,
        };
        let size = self.bytes();
        let held = size.min(16);
        out.extend_from_slice(&raw.to_le_bytes()[..held]);
        out.resize(out.len() + (size - held), sign.wrapping_neg());
        Some(())
    }

    fn decode(self, bytes: &[u8]) -> Result<DenseValue, String> {
        let (low, high) = bytes.split_at(bytes.len().min(16));
        let raw = low.iter().rev().fold(0u128, |acc, b| acc << 8 | u128::from(*b));
        Ok(match self {
            // i1 is 0 or 1, as its literals (`Context::integer_attr`).
            Scalar::Int { width: 1 } => DenseValue::Int((raw & 1) as i128),
            Scalar::Int { width } => {
                let value = wrap_signed(raw as i128, width);
                let sign = if value < 0 { 0xFF } else { 0 };
                if high.iter().any(|b| *b != sign) {
                    return Err(format!("hex data holds an i{width} value wider than the 128 bits Strata holds"));
                }
                DenseValue::Int(value)
            }
            Scalar::Index => DenseValue::Int(wrap_signed(raw as i128, 64)),
            // Bits above a sub-byte float's width are not part of it (MLIR reads the low bits).
            Scalar::Float(k) => {
                let raw = if k.width() < 128 { raw & ((1 << k.width()) - 1) } else { raw };
                DenseValue::Float(crate::float::from_bits(raw, k).unwrap_or(f64::NAN).to_bits())
            }
        })
    }
}

/// The element layout of a type: a scalar, or a complex pair of them.
#[derive(Clone, Copy)]
struct Layout {
    scalar: Scalar,
    complex: bool,
}

impl Layout {
    fn of(ctx: &Context, element: Type) -> Option<Layout> {
        match ctx.type_kind(element) {
            TypeKind::Complex(part) => Some(Layout { scalar: Scalar::of(ctx, *part)?, complex: true }),
            _ => Some(Layout { scalar: Scalar::of(ctx, element)?, complex: false }),
        }
    }

    fn packed_bits(self) -> bool {
        matches!(self.scalar, Scalar::Int { width: 1 }) && !self.complex
    }

    fn bytes(self) -> usize {
        self.scalar.bytes() * if self.complex { 2 } else { 1 }
    }

    fn encode(self, v: &DenseValue, out: &mut Vec<u8>) -> Option<()> {
        match (self.complex, v) {
            (false, _) => self.scalar.encode(v, out),
            (true, DenseValue::Complex(parts)) => {
                self.scalar.encode(&parts.0, out)?;
                self.scalar.encode(&parts.1, out)
            }
            (true, _) => None,
        }
    }

    fn decode(self, bytes: &[u8]) -> Result<DenseValue, String> {
        if !self.complex {
            return self.scalar.decode(bytes);
        }
        let (re, im) = bytes.split_at(self.scalar.bytes());
        Ok(DenseValue::Complex(Box::new((self.scalar.decode(re)?, self.scalar.decode(im)?))))
    }
}

/// `0x...` for `values` of `element` type; `None` for elements without a raw form (strings).
pub(crate) fn encode(ctx: &Context, element: Type, values: &[DenseValue]) -> Option<String> {
    let layout = Layout::of(ctx, element)?;
    let mut bytes = Vec::with_capacity(values.len() * layout.bytes());
    if layout.packed_bits() {
        bytes.resize(values.len().div_ceil(8), 0);
        for (i, v) in values.iter().enumerate() {
            let DenseValue::Int(bit) = v else { return None };
            bytes[i / 8] |= ((bit & 1) as u8) << (i % 8);
        }
    } else {
        for v in values {
            layout.encode(v, &mut bytes)?;
        }
    }
    let mut text = String::with_capacity(2 + 2 * bytes.len());
    text.push_str("0x");
    crate::hex::encode_into(&bytes, &mut text);
    Some(text)
}

/// The `count` elements of `element` type that raw `bytes` hold, or why they cannot.
pub(crate) fn decode(ctx: &Context, element: Type, bytes: &[u8], count: usize) -> Result<DenseElements, String> {
    let Some(layout) = Layout::of(ctx, element) else {
        return Err("hex dense literals need an integer, index, float or complex element type".into());
    };
    if layout.packed_bits() {
        if let [b @ (0 | 0xFF)] = bytes {
            return Ok(DenseElements::Splat(DenseValue::Int(i128::from(*b & 1))));
        }
        if bytes.len() != count.div_ceil(8) {
            return Err(format!(
                "elements hex data size is invalid for provided type: {} bytes for {count} packed i1 elements",
                bytes.len()
            ));
        }
        let bit = |i: usize| DenseValue::Int(i128::from(bytes[i / 8] >> (i % 8) & 1));
        return Ok(DenseElements::Values((0..count).map(bit).collect()));
    }
    let size = layout.bytes();
    if bytes.len() == size {
        return Ok(DenseElements::Splat(layout.decode(bytes)?));
    }
    if bytes.len() != size * count {
        return Err(format!(
            "elements hex data size is invalid for provided type: {} bytes for {count} elements of {size} bytes",
            bytes.len()
        ));
    }
    Ok(DenseElements::Values(bytes.chunks(size).map(|c| layout.decode(c)).collect::<Result<_, _>>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(ctx: &Context, element: Type, text: &str, count: usize) -> Result<DenseElements, String> {
        let bytes: Vec<u8> = crate::hex::decode(text.strip_prefix("0x").unwrap().as_bytes()).unwrap();
        decode(ctx, element, &bytes, count)
    }

    #[test]
    fn i1_elements_pack_eight_to_a_byte_as_mlir_opt_prints_them() {
        let ctx = Context::new();
        let i1 = ctx.parse_type("i1").unwrap();
        // mlir-opt-22's text for `[i % 3 != 0 for i in 0..101]`.
        let values: Vec<DenseValue> = (0..101).map(|i| DenseValue::Int(i128::from(i % 3 != 0))).collect();
        let text = encode(&ctx, i1, &values).unwrap();
        assert_eq!(text, "0xB66DDBB66DDBB66DDBB66DDB16");
        assert_eq!(decoded(&ctx, i1, &text, 101), Ok(DenseElements::Values(values)));
        assert_eq!(decoded(&ctx, i1, "0xFF", 200), Ok(DenseElements::Splat(DenseValue::Int(1))));
        assert!(decoded(&ctx, i1, "0xB66D", 101).unwrap_err().contains("2 bytes for 101 packed i1 elements"));
    }

    #[test]
    fn every_scalar_layout_reads_back_what_it_writes() {
        let ctx = Context::new();
        let ints = [-128i128, -1, 0, 1, 7, 127, 99, -77];
        for (ty, values) in [
            ("i8", ints.iter().map(|v| DenseValue::Int(*v)).collect::<Vec<_>>()),
            ("i4", ints.iter().map(|v| DenseValue::Int(wrap_signed(*v, 4))).collect()),
            ("si64", ints.iter().map(|v| DenseValue::Int(*v * 1_000_000_000_000)).collect()),
            ("index", ints.iter().map(|v| DenseValue::Int(*v)).collect()),
            ("f16", ints.iter().map(|v| DenseValue::Float((*v as f64 / 4.0).to_bits())).collect()),
            (
                "f8E4M3FN",
                ints.iter()
                    .map(|v| DenseValue::Float(crate::float::round_to(*v as f64 / 64.0, FloatKind::F8E4M3FN).to_bits()))
                    .collect(),
            ),
            ("f64", ints.iter().map(|v| DenseValue::Float((*v as f64 * 0.1).to_bits())).collect()),
            (
                "complex<f32>",
                ints.iter()
                    .map(|v| {
                        DenseValue::Complex(Box::new((
                            DenseValue::Float((*v as f64).to_bits()),
                            DenseValue::Float(0.5f64.to_bits()),
                        )))
                    })
                    .collect(),
            ),
        ] {
            let t = ctx.parse_type(ty).unwrap();
            let text = encode(&ctx, t, &values).unwrap();
            assert_eq!(
                decoded(&ctx, t, &text, values.len()),
                Ok(DenseElements::Values(values.clone())),
                "{ty}: {text}"
            );
        }
        // Stored zero-extended: -1 as i4 is one byte 0x0F.
        let i4 = ctx.parse_type("i4").unwrap();
        assert_eq!(encode(&ctx, i4, &[DenseValue::Int(-1), DenseValue::Int(1)]).unwrap(), "0x0F01");
        // Wider than 128 bits: sign-extended on writing, refused on reading when it does not fit.
        let i256 = ctx.parse_type("i256").unwrap();
        let text = encode(&ctx, i256, &[DenseValue::Int(-2), DenseValue::Int(3)]).unwrap();
        assert_eq!(text.len(), 2 + 2 * 64);
        assert!(text.starts_with("0xFEFFFF") && text.contains("FF03000000"), "{text}");
        assert_eq!(
            decoded(&ctx, i256, &text, 2),
            Ok(DenseElements::Values(vec![DenseValue::Int(-2), DenseValue::Int(3)]))
        );
        let too_wide = format!("0x{}40{}", "00".repeat(31), "00".repeat(32));
        assert!(decoded(&ctx, i256, &too_wide, 2).unwrap_err().contains("wider than the 128 bits"));
        // complex<i1> parts are 0 or 1, as `true`/`false` literals make them.
        let ci1 = ctx.parse_type("complex<i1>").unwrap();
        let one = DenseValue::Complex(Box::new((DenseValue::Int(1), DenseValue::Int(0))));
        assert_eq!(decoded(&ctx, ci1, "0x0100", 1), Ok(DenseElements::Splat(one)));
        // Bits above a sub-byte float are not read (mlir-opt reads 0xF1 as f4E2M1FN 0.5).
        let f4 = ctx.parse_type("f4E2M1FN").unwrap();
        let low = |v: f64| DenseValue::Float(v.to_bits());
        assert_eq!(decoded(&ctx, f4, "0xF1F2", 2), Ok(DenseElements::Values(vec![low(0.5), low(1.0)])));
        let f32 = ctx.parse_type("f32").unwrap();
        assert!(decoded(&ctx, f32, "0x0000803F00", 2).unwrap_err().contains("5 bytes for 2 elements of 4 bytes"));
    }
}

//! Dense elements in MLIR's raw storage ([`RawElements`]): the layout, the canonical form that
//! interning gives `dense<...>` attributes, and `dense<"0x...">`, the same bytes in hexadecimal.
//!
//! MLIR prints an integer, index, float or complex `dense` attribute of more than 100 elements
//! that is not a splat in hex (`--mlir-print-elementsattrs-with-hex-if-larger`), and reads the
//! form back. Holding the elements as those bytes, rather than as a 32-byte [`DenseValue`]
//! each, makes a large constant as small as its data, its hex one pass over the bytes, and a
//! compiled model's weights a copy ([`RawElements`] documents the layout).

use std::borrow::Cow;

use crate::attributes::{as_unsigned, wrap_signed, DenseElements, DenseValue, RawElements};
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
            // `i0` has no bytes to hold: its elements stay listed.
            TypeKind::Integer { width: 0, .. } => None,
            TypeKind::Integer { width, .. } => Some(Scalar::Int { width: *width }),
            TypeKind::Index => Some(Scalar::Index),
            TypeKind::Float(k) => Some(Scalar::Float(*k)),
            _ => None,
        }
    }

    fn width(self) -> u32 {
        match self {
            Scalar::Int { width } => width,
            Scalar::Index => 64,
            Scalar::Float(k) => k.width(),
        }
    }

    fn bytes(self) -> usize {
        self.width().div_ceil(8) as usize
    }

    /// The bits of the last byte that belong to the value.
    fn top_byte_mask(self) -> u8 {
        match self.width() % 8 {
            0 => 0xFF,
            bits => (1u8 << bits) - 1,
        }
    }

    /// Whether every byte pattern of the scalar's size holds a value: all but integers wider
    /// than the 128 bits held.
    fn fits_any(self) -> bool {
        !matches!(self, Scalar::Int { width } if width > 128)
    }

    fn encode(self, v: &DenseValue, out: &mut Vec<u8>) -> Option<()> {
        let (raw, negative) = match (self, v) {
            // Below 128 bits, stored zero-extended (as APInt's raw data); above, sign-extended
            // from the 128 bits held, up to the type's width.
            (Scalar::Int { width }, DenseValue::Int(i)) => (as_unsigned(*i, width), *i < 0),
            (Scalar::Index, DenseValue::Int(i)) => (*i as u128, false),
            (Scalar::Float(k), DenseValue::Float(bits)) => (crate::float::to_bits(f64::from_bits(*bits), k)?, false),
            (Scalar::Float(k), DenseValue::WideFloat(bits)) if k.width() == 128 || bits >> k.width() == 0 => {
                (*bits, false)
            }
            _ => return None,
        };
        let size = self.bytes();
        let held = size.min(16);
        out.extend_from_slice(&raw.to_le_bytes()[..held]);
        if size > held {
            out.resize(out.len() + (size - held), if negative { 0xFF } else { 0 });
            *out.last_mut().expect("a byte was written") &= self.top_byte_mask();
        }
        Some(())
    }

    /// The value stored in `bytes` (its size). Bits above the width are not read, as MLIR
    /// reads them; an integer wider than 128 bits is read from its low 128 ([`Scalar::fits`]).
    fn decode(self, bytes: &[u8]) -> DenseValue {
        let low = &bytes[..bytes.len().min(16)];
        let raw = low.iter().rev().fold(0u128, |acc, b| acc << 8 | u128::from(*b));
        match self {
            // i1 is 0 or 1, as its literals (`Context::integer_attr`).
            Scalar::Int { width: 1 } => DenseValue::Int((raw & 1) as i128),
            Scalar::Int { width } => DenseValue::Int(wrap_signed(raw as i128, width.min(128))),
            Scalar::Index => DenseValue::Int(wrap_signed(raw as i128, 64)),
            Scalar::Float(k) => {
                let raw = if k.width() < 128 { raw & ((1 << k.width()) - 1) } else { raw };
                DenseValue::of_float_bits(raw, k)
            }
        }
    }

    /// Whether an integer wider than 128 bits in `bytes` is the sign extension of its low 128.
    fn fits(self, bytes: &[u8]) -> bool {
        let Scalar::Int { width } = self else { return true };
        if width <= 128 {
            return true;
        }
        let sign = if bytes[15] & 0x80 != 0 { 0xFF } else { 0 };
        let (last, middle) = bytes[16..].split_last().expect("wider than 16 bytes");
        middle.iter().all(|b| *b == sign) && *last & self.top_byte_mask() == sign & self.top_byte_mask()
    }
}

/// The element layout of a type: a scalar, or a complex pair of them.
#[derive(Clone, Copy)]
pub(crate) struct Layout {
    scalar: Scalar,
    complex: bool,
}

impl Layout {
    /// The layout of `element`; `None` for elements without a raw form (strings).
    pub(crate) fn of(ctx: &Context, element: Type) -> Option<Layout> {
        match ctx.type_kind(element) {
            TypeKind::Complex(part) => Some(Layout { scalar: Scalar::of(ctx, *part)?, complex: true }),
            _ => Some(Layout { scalar: Scalar::of(ctx, element)?, complex: false }),
        }
    }

    fn packed_bits(self) -> bool {
        matches!(self.scalar, Scalar::Int { width: 1 }) && !self.complex
    }

    /// Bytes per element (packed `i1` aside).
    fn bytes(self) -> usize {
        self.scalar.bytes() * if self.complex { 2 } else { 1 }
    }

    /// Bytes that `count` elements take; `None` beyond what memory addresses.
    fn size_of(self, count: usize) -> Option<usize> {
        if self.packed_bits() {
            Some(count.div_ceil(8))
        } else {
            count.checked_mul(self.bytes())
        }
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

    fn decode(self, bytes: &[u8]) -> DenseValue {
        if !self.complex {
            return self.scalar.decode(bytes);
        }
        let (re, im) = bytes.split_at(self.scalar.bytes());
        DenseValue::Complex(Box::new((self.scalar.decode(re), self.scalar.decode(im))))
    }

    /// Element `i` of `count` in `bytes`.
    fn element(self, bytes: &[u8], i: usize) -> DenseValue {
        if self.packed_bits() {
            return DenseValue::Int(i128::from(bytes[i / 8] >> (i % 8) & 1));
        }
        let size = self.bytes();
        self.decode(&bytes[i * size..(i + 1) * size])
    }

    fn decode_all(self, bytes: &[u8], count: usize) -> Vec<DenseValue> {
        (0..count).map(|i| self.element(bytes, i)).collect()
    }

    fn encode_all(self, values: &[DenseValue]) -> Option<Vec<u8>> {
        let mut writer = RawWriter::new(self, values.len());
        for v in values {
            writer.push(v)?;
        }
        Some(writer.bytes)
    }

    fn is_splat(self, bytes: &[u8], count: usize) -> bool {
        if self.packed_bits() {
            let first = bytes.first().map_or(0, |b| b & 1);
            return (0..count).all(|i| bytes[i / 8] >> (i % 8) & 1 == first);
        }
        let size = self.bytes();
        bytes.chunks_exact(size).all(|c| c == &bytes[..size])
    }

    /// Why `bytes` cannot be held: an integer wider than the 128 bits held here. Bits above
    /// an element's width are kept as written (MLIR keeps them, and prints them in hex) and
    /// not read.
    fn check(self, bytes: &[u8]) -> Result<(), String> {
        let size = self.scalar.bytes();
        if self.packed_bits() || self.scalar.fits_any() {
            return Ok(());
        }
        match bytes.chunks_exact(size).position(|c| !self.scalar.fits(c)) {
            None => Ok(()),
            Some(i) => Err(format!(
                "hex data holds an i{} value wider than the 128 bits Strata holds (element {})",
                self.scalar.width(),
                i / if self.complex { 2 } else { 1 }
            )),
        }
    }

    /// The canonical form of `count` elements held in `bytes`.
    fn elements(self, bytes: Vec<u8>, count: usize) -> DenseElements {
        if count == 0 {
            return DenseElements::Values(Vec::new());
        }
        if self.is_splat(&bytes, count) {
            return DenseElements::Splat(self.element(&bytes, 0));
        }
        DenseElements::Raw(RawElements(bytes.into_boxed_slice()))
    }
}

/// Builds raw elements one value at a time (a parsed literal list).
pub(crate) struct RawWriter {
    layout: Layout,
    bytes: Vec<u8>,
    count: usize,
}

impl RawWriter {
    /// A writer for `capacity` elements of `element`; `None` when it has no raw form.
    pub(crate) fn for_element(ctx: &Context, element: Type, capacity: usize) -> Option<RawWriter> {
        Some(RawWriter::new(Layout::of(ctx, element)?, capacity))
    }

    fn new(layout: Layout, capacity: usize) -> RawWriter {
        RawWriter { layout, bytes: Vec::with_capacity(layout.size_of(capacity).unwrap_or(0)), count: 0 }
    }

    /// Appends `v`; `None` when it is not a value of the element type.
    pub(crate) fn push(&mut self, v: &DenseValue) -> Option<()> {
        if self.layout.packed_bits() {
            let DenseValue::Int(bit) = v else { return None };
            if self.count.is_multiple_of(8) {
                self.bytes.push(0);
            }
            *self.bytes.last_mut().expect("pushed") |= ((bit & 1) as u8) << (self.count % 8);
        } else {
            self.layout.encode(v, &mut self.bytes)?;
        }
        self.count += 1;
        Some(())
    }

    /// The elements written, in canonical form.
    pub(crate) fn finish(self) -> DenseElements {
        self.layout.elements(self.bytes, self.count)
    }
}

/// The canonical form of `elements` of shaped type `ty` ([`DenseElements`]): what interning
/// stores. Elements that do not match the type are kept as they are, for the verifier.
pub(crate) fn canonical(ctx: &Context, ty: Type, elements: DenseElements) -> DenseElements {
    let count = ctx.shape(ty).and_then(|s| s.iter().try_fold(1usize, |n, d| n.checked_mul(usize::try_from(*d).ok()?)));
    let layout = Layout::of(ctx, ctx.element_type_or_self(ty));
    match elements {
        DenseElements::Values(values) if values.is_empty() || count != Some(values.len()) => {
            DenseElements::Values(values)
        }
        DenseElements::Values(values) => match layout.and_then(|l| Some((l, l.encode_all(&values)?))) {
            Some((layout, bytes)) => layout.elements(bytes, values.len()),
            None if values.windows(2).all(|w| w[0] == w[1]) => {
                DenseElements::Splat(values.into_iter().next().expect("not empty"))
            }
            None => DenseElements::Values(values),
        },
        DenseElements::Raw(raw) => match (layout, count) {
            (Some(layout), Some(count)) if layout.size_of(count) == Some(raw.0.len()) => {
                layout.elements(raw.0.into_vec(), count)
            }
            _ => DenseElements::Raw(raw),
        },
        // Written and read back: a value the type cannot hold as given (an `i8` of 255, an
        // `f16` rounded only to `f32`) becomes the one it holds, as a listed one would.
        DenseElements::Splat(v) => match layout.and_then(|l| Some((l, l.encode_all(std::slice::from_ref(&v))?))) {
            Some((layout, bytes)) => DenseElements::Splat(layout.element(&bytes, 0)),
            None => DenseElements::Splat(v),
        },
    }
}

/// `0x...`: raw elements in hexadecimal.
pub(crate) fn hex(raw: &RawElements) -> String {
    let mut text = String::with_capacity(2 + 2 * raw.0.len());
    text.push_str("0x");
    crate::hex::encode_into(&raw.0, &mut text);
    text
}

/// The `count` elements of `element` type that raw `bytes` hold, or why they cannot.
pub(crate) fn decode(ctx: &Context, element: Type, bytes: Vec<u8>, count: usize) -> Result<DenseElements, String> {
    let Some(layout) = Layout::of(ctx, element) else {
        return Err("hex dense literals need an integer, index, float or complex element type".into());
    };
    if layout.packed_bits() {
        // One byte of all zeros or all ones is MLIR's splat of `i1`.
        if let [b @ (0 | 0xFF)] = bytes[..] {
            return Ok(DenseElements::Splat(DenseValue::Int(i128::from(b & 1))));
        }
        if Some(bytes.len()) != layout.size_of(count) {
            return Err(format!(
                "elements hex data size is invalid for provided type: {} bytes for {count} packed i1 elements",
                bytes.len()
            ));
        }
        return Ok(layout.elements(bytes, count));
    }
    let size = layout.bytes();
    if bytes.len() == size {
        layout.check(&bytes)?;
        return Ok(DenseElements::Splat(layout.decode(&bytes)));
    }
    if Some(bytes.len()) != layout.size_of(count) {
        return Err(format!(
            "elements hex data size is invalid for provided type: {} bytes for {count} elements of {size} bytes",
            bytes.len()
        ));
    }
    layout.check(&bytes)?;
    Ok(layout.elements(bytes, count))
}

impl Context {
    /// The elements of a non-splat `dense` attribute of type `ty`, decoded from raw storage
    /// where they are held so; `None` for a splat (and for raw elements that are not of `ty`).
    ///
    /// ```
    /// use strata_ir::{AttrKind, Context, DenseValue};
    /// let ctx = Context::new();
    /// let a = ctx.parse_attribute("dense<[1.5, -2.0]> : tensor<2xf32>").unwrap();
    /// let AttrKind::DenseElements { ty, elements } = ctx.attr_kind(a) else { unreachable!() };
    /// let values = ctx.dense_values(*ty, elements).unwrap();
    /// assert_eq!(values[1], DenseValue::Float((-2.0f64).to_bits()));
    /// ```
    pub fn dense_values<'a>(&self, ty: Type, elements: &'a DenseElements) -> Option<Cow<'a, [DenseValue]>> {
        match elements {
            DenseElements::Splat(_) => None,
            DenseElements::Values(values) => Some(Cow::Borrowed(values)),
            // Raw elements interned with another type than theirs (only API misuse makes one)
            // read as none.
            DenseElements::Raw(raw) => {
                let layout = Layout::of(self, self.element_type_or_self(ty))?;
                let count = self.shape(ty)?.iter().try_fold(1usize, |n, d| n.checked_mul(usize::try_from(*d).ok()?))?;
                (layout.size_of(count) == Some(raw.0.len())).then(|| Cow::Owned(layout.decode_all(&raw.0, count)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::AttrKind;

    /// `0x...` for listed `values` of `element` type.
    fn encode(ctx: &Context, element: Type, values: &[DenseValue]) -> Option<String> {
        let bytes = Layout::of(ctx, element)?.encode_all(values)?;
        Some(hex(&RawElements(bytes.into_boxed_slice())))
    }

    /// The values that hex `text` holds, listed (a splat repeated `count` times).
    fn decoded(ctx: &Context, element: Type, text: &str, count: usize) -> Result<Vec<DenseValue>, String> {
        let bytes: Vec<u8> = crate::hex::decode(text.strip_prefix("0x").unwrap().as_bytes()).unwrap();
        Ok(match decode(ctx, element, bytes, count)? {
            DenseElements::Splat(v) => vec![v; count],
            DenseElements::Values(v) => v,
            DenseElements::Raw(raw) => Layout::of(ctx, element).unwrap().decode_all(&raw.0, count),
        })
    }

    #[test]
    fn i1_elements_pack_eight_to_a_byte_as_mlir_opt_prints_them() {
        let ctx = Context::new();
        let i1 = ctx.parse_type("i1").unwrap();
        // mlir-opt-22's text for `[i % 3 != 0 for i in 0..101]`.
        let values: Vec<DenseValue> = (0..101).map(|i| DenseValue::Int(i128::from(i % 3 != 0))).collect();
        let text = encode(&ctx, i1, &values).unwrap();
        assert_eq!(text, "0xB66DDBB66DDBB66DDBB66DDB16");
        assert_eq!(decoded(&ctx, i1, &text, 101), Ok(values));
        assert_eq!(decoded(&ctx, i1, "0xFF", 200), Ok(vec![DenseValue::Int(1); 200]));
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
            assert_eq!(decoded(&ctx, t, &text, values.len()), Ok(values.clone()), "{ty}: {text}");
        }
        // Stored zero-extended: -1 as i4 is one byte 0x0F.
        let i4 = ctx.parse_type("i4").unwrap();
        assert_eq!(encode(&ctx, i4, &[DenseValue::Int(-1), DenseValue::Int(1)]).unwrap(), "0x0F01");
        // Wider than 128 bits: sign-extended on writing, refused on reading when it does not fit.
        let i256 = ctx.parse_type("i256").unwrap();
        let text = encode(&ctx, i256, &[DenseValue::Int(-2), DenseValue::Int(3)]).unwrap();
        assert_eq!(text.len(), 2 + 2 * 64);
        assert!(text.starts_with("0xFEFFFF") && text.contains("FF03000000"), "{text}");
        assert_eq!(decoded(&ctx, i256, &text, 2), Ok(vec![DenseValue::Int(-2), DenseValue::Int(3)]));
        let too_wide = format!("0x{}40{}", "00".repeat(31), "00".repeat(32));
        assert!(decoded(&ctx, i256, &too_wide, 2).unwrap_err().contains("wider than the 128 bits"));
        // complex<i1> parts are 0 or 1, as `true`/`false` literals make them.
        let ci1 = ctx.parse_type("complex<i1>").unwrap();
        let one = DenseValue::Complex(Box::new((DenseValue::Int(1), DenseValue::Int(0))));
        assert_eq!(decoded(&ctx, ci1, "0x0100", 1), Ok(vec![one]));
        // Bits above a sub-byte float are not read (mlir-opt reads 0xF1 as f4E2M1FN 0.5).
        let f4 = ctx.parse_type("f4E2M1FN").unwrap();
        let low = |v: f64| DenseValue::Float(v.to_bits());
        assert_eq!(decoded(&ctx, f4, "0xF1F2", 2), Ok(vec![low(0.5), low(1.0)]));
        let f32 = ctx.parse_type("f32").unwrap();
        assert!(decoded(&ctx, f32, "0x0000803F00", 2).unwrap_err().contains("5 bytes for 2 elements of 4 bytes"));
    }

    #[test]
    fn interning_makes_one_form_of_equal_elements() {
        let ctx = Context::new();
        let ty = ctx.parse_type("tensor<3xi32>").unwrap();
        let built = |values: &[i128]| {
            let values = values.iter().map(|v| DenseValue::Int(*v)).collect();
            ctx.intern_attr(AttrKind::DenseElements { ty, elements: DenseElements::Values(values) })
        };
        let sevens = built(&[7, 7, 7]);
        for text in [
            "dense<7> : tensor<3xi32>",
            "dense<[7, 7, 7]> : tensor<3xi32>",
            "dense<\"0x070000000700000007000000\"> : tensor<3xi32>",
        ] {
            assert_eq!(ctx.parse_attribute(text).unwrap(), sevens, "{text}");
        }
        assert!(matches!(ctx.attr_kind(sevens), AttrKind::DenseElements { elements: DenseElements::Splat(_), .. }));
        let listed = built(&[1, -2, 3]);
        assert_eq!(ctx.parse_attribute("dense<[1, -2, 3]> : tensor<3xi32>").unwrap(), listed);
        let AttrKind::DenseElements { elements, .. } = ctx.attr_kind(listed) else { unreachable!() };
        let DenseElements::Raw(raw) = elements else { panic!("{elements:?}") };
        assert_eq!(raw.bytes(), [1, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 3, 0, 0, 0]);
        assert_eq!(ctx.dense_values(ty, elements).unwrap()[1], DenseValue::Int(-2));
        // Values that do not make the type's count are kept for the verifier to report.
        let short = built(&[1, 2]);
        assert!(
            matches!(ctx.attr_kind(short), AttrKind::DenseElements { elements: DenseElements::Values(v), .. } if v.len() == 2)
        );
    }

    #[test]
    fn zero_widths_huge_types_and_unrounded_splats_are_handled() {
        let ctx = Context::new();
        // `i0` has no raw form: its elements stay listed.
        let a = ctx.parse_attribute("dense<[0, 0]> : tensor<2xi0>").unwrap();
        assert_eq!(ctx.attr_to_string(a), "dense<0> : tensor<2xi0>");
        // A type of more bytes than memory addresses: an error, not a wrapped size.
        let huge = ctx.parse_attribute("dense<\"0x\"> : tensor<4611686018427387904xi32>");
        assert!(huge.unwrap_err().message.contains("hex data size is invalid"));
        // A splat is rounded to the type as a listed value is.
        let ty = ctx.parse_type("tensor<2xi8>").unwrap();
        let splat =
            ctx.intern_attr(AttrKind::DenseElements { ty, elements: DenseElements::Splat(DenseValue::Int(255)) });
        assert_eq!(splat, ctx.parse_attribute("dense<-1> : tensor<2xi8>").unwrap());
    }
}

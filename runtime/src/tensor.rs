//! [`Tensor`]: a shape, an element type and row-major values. Floats are kept as `f64`,
//! rounded to the element type whenever an op writes them, so an f32 result is exactly what f32
//! storage would hold. Integers are kept as `i64` in their type's canonical form (the low `w`
//! bits sign-extended; `i1` as 0 or 1), so every integer up to 64 bits is exact end to end.

use std::borrow::Cow;
use std::fmt;

use strata_ir::FloatKind;

/// Element types the interpreter computes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Elem {
    F64,
    F32,
    F16,
    BF16,
    /// A float format narrower than `f16` (`f8E4M3FN`, `f6E2M3FN`, `f4E2M1FN`, …) or `tf32`:
    /// values are `f64`s rounded to it; in memory, its bit pattern in one byte (four for
    /// `tf32`).
    Narrow(FloatKind),
    /// Signless integers of a width from 1 to 64 (`index` is 64).
    Int(u32),
}

/// One element: a float, or an integer in its type's canonical form ([`Elem::wrap`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Float(f64),
    Int(i64),
}

impl Scalar {
    /// The value as a float: exact for floats, rounded for integers beyond 2^53 (for display,
    /// statistics and float arithmetic on values that verified IR types as floats).
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Float(x) => x,
            Scalar::Int(i) => i as f64,
        }
    }

    /// Whether two scalars are the same value: integers equal, floats with the same bits, or
    /// both NaN (of any payload).
    pub fn same(self, other: Scalar) -> bool {
        match (self, other) {
            (Scalar::Int(a), Scalar::Int(b)) => a == b,
            (Scalar::Float(a), Scalar::Float(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            _ => false,
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Int(i) => write!(f, "{i}"),
        }
    }
}

impl Elem {
    /// `f64`, `f32`, `f16`, `bf16`, the narrower formats and `tf32`, `i1` … `i64`; `None` for
    /// anything else (`f80` and `f128`, whose values an `f64` does not hold).
    pub fn parse(text: &str) -> Option<Elem> {
        Some(match text {
            "f64" => Elem::F64,
            "f32" => Elem::F32,
            "f16" => Elem::F16,
            "bf16" => Elem::BF16,
            "f80" | "f128" => return None,
            _ if text.starts_with('f') || text == "tf32" => Elem::Narrow(FloatKind::from_keyword(text)?),
            _ => match text.strip_prefix('i')?.parse::<u32>().ok()? {
                w @ 1..=64 => Elem::Int(w),
                _ => return None,
            },
        })
    }

    pub fn is_float(self) -> bool {
        !matches!(self, Elem::Int(_))
    }

    /// The integer width (`None` for floats).
    pub fn width(self) -> Option<u32> {
        match self {
            Elem::Int(w) => Some(w),
            _ => None,
        }
    }

    /// `v` as this integer type stores it: the low `w` bits, sign-extended (`i1`: 0 or 1).
    pub fn wrap(self, v: i128) -> i64 {
        let w = self.width().unwrap_or(64);
        if w == 1 {
            return (v & 1) as i64;
        }
        let shift = 128 - w;
        ((v << shift) >> shift) as i64
    }

    /// A canonical value of this integer type read as signed (`i1`'s true is -1).
    pub fn signed(self, v: i64) -> i64 {
        if self == Elem::Int(1) {
            -(v & 1)
        } else {
            v
        }
    }

    /// A canonical value of this integer type read as unsigned.
    pub fn unsigned(self, v: i64) -> u64 {
        match self.width().unwrap_or(64) {
            64 => v as u64,
            w => (v as u64) & ((1u64 << w) - 1),
        }
    }

    /// The smallest and largest value of this integer type, signed.
    pub fn signed_range(self) -> (i64, i64) {
        let max = (i64::MAX as u64 >> (64 - self.width().unwrap_or(64))) as i64;
        (-max - 1, max)
    }

    /// `x` as this type would store it (floats); integers are truncated toward zero and
    /// wrapped. For values given as floats: constants, random draws.
    pub fn round(self, x: f64) -> f64 {
        match self {
            Elem::F64 => x,
            Elem::F32 => x as f32 as f64,
            Elem::F16 => half::f16::from_f64(x).to_f64(),
            Elem::BF16 => half::bf16::from_f64(x).to_f64(),
            // A NaN becomes +0 in the formats without one (f4E2M1FN, f6E2M3FN, f6E3M2FN), as
            // APFloat converts it and mlir-opt folds it.
            Elem::Narrow(kind) if x.is_nan() && strata_ir::float::to_bits(x, kind).is_none() => 0.0,
            Elem::Narrow(kind) => strata_ir::float::round_to(x, kind),
            Elem::Int(_) => self.wrap(x.trunc() as i128) as f64,
        }
    }

    /// `x` (given as a float) as an element of this type: floats rounded, integers truncated
    /// toward zero and wrapped.
    pub fn from_f64(self, x: f64) -> Scalar {
        match self {
            Elem::Int(_) => Scalar::Int(self.wrap(x.trunc() as i128)),
            _ => Scalar::Float(self.round(x)),
        }
    }

    /// `v` (an integer) as an element of this type: integers wrapped, floats rounded.
    pub fn from_int(self, v: i128) -> Scalar {
        match self {
            Elem::Int(_) => Scalar::Int(self.wrap(v)),
            Elem::F32 => Scalar::Float(v as f32 as f64),
            _ => Scalar::Float(self.round(v as f64)),
        }
    }

    /// `s` made an element of this type: a float rounded to it, an integer wrapped to it; a
    /// value of the other kind is converted as [`Elem::from_f64`] / [`Elem::from_int`] do.
    pub fn normalize(self, s: Scalar) -> Scalar {
        match s {
            Scalar::Float(x) => self.from_f64(x),
            Scalar::Int(i) => self.from_int(i as i128),
        }
    }

    pub fn zero(self) -> Scalar {
        self.from_int(0)
    }

    /// What an element never written holds, as fresh buffers do: all bits set (NaN for
    /// floats, -1 for integers), so it shows wherever it ends up; in the narrow formats
    /// without a NaN, their most negative value (-6 in f4E2M1FN).
    pub fn poison(self) -> Scalar {
        self.read(&[0xFF; 8][..self.bytes()])
    }

    /// Writes `v` in this type's little-endian encoding into `out` (`self.bytes()` long; `i1`
    /// is one byte, 0 or 1): the layout of buffers in the interpreter, in compiled code and in
    /// raw files.
    pub fn write(self, v: Scalar, out: &mut [u8]) {
        match (self, v) {
            (Elem::Int(_), Scalar::Int(i)) => out.copy_from_slice(&self.wrap(i as i128).to_le_bytes()[..out.len()]),
            (Elem::Int(_), Scalar::Float(x)) => self.write(self.from_f64(x), out),
            (_, v) => {
                let x = v.as_f64();
                match self {
                    Elem::F64 => out.copy_from_slice(&x.to_le_bytes()),
                    Elem::F32 => out.copy_from_slice(&(x as f32).to_le_bytes()),
                    Elem::F16 => out.copy_from_slice(&half::f16::from_f64(x).to_le_bytes()),
                    // A value the format has no pattern for (a NaN where it has none) is
                    // stored with all bits set, as poison is.
                    Elem::Narrow(kind) => {
                        let bits = strata_ir::float::to_bits(self.round(x), kind).unwrap_or(u128::MAX);
                        out.copy_from_slice(&bits.to_le_bytes()[..out.len()]);
                    }
                    _ => out.copy_from_slice(&half::bf16::from_f64(x).to_le_bytes()),
                }
            }
        }
    }

    /// The value [`Elem::write`] stored in `b` (`self.bytes()` long).
    pub fn read(self, b: &[u8]) -> Scalar {
        let mut full = [0u8; 8];
        full[..b.len()].copy_from_slice(b);
        match self {
            Elem::F64 => Scalar::Float(f64::from_le_bytes(full)),
            Elem::F32 => Scalar::Float(f32::from_le_bytes([full[0], full[1], full[2], full[3]]) as f64),
            Elem::F16 => Scalar::Float(half::f16::from_le_bytes([full[0], full[1]]).to_f64()),
            Elem::BF16 => Scalar::Float(half::bf16::from_le_bytes([full[0], full[1]]).to_f64()),
            Elem::Narrow(kind) => Scalar::Float(strata_ir::float::value_of(u64::from_le_bytes(full) as u128, kind)),
            Elem::Int(_) => Scalar::Int(self.wrap(i64::from_le_bytes(full) as i128)),
        }
    }

    /// Bytes per element: 1, 2, 4 or 8 (an `iN` takes the smallest power of two bytes that
    /// holds it, as LLVM stores it).
    pub fn bytes(self) -> usize {
        match self {
            Elem::F64 => 8,
            Elem::F32 => 4,
            Elem::F16 | Elem::BF16 => 2,
            Elem::Narrow(kind) => (kind.width().div_ceil(8) as usize).next_power_of_two(),
            Elem::Int(w) => (w.div_ceil(8) as usize).next_power_of_two(),
        }
    }
}

impl fmt::Display for Elem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Elem::F64 => write!(f, "f64"),
            Elem::F32 => write!(f, "f32"),
            Elem::F16 => write!(f, "f16"),
            Elem::BF16 => write!(f, "bf16"),
            Elem::Narrow(kind) => write!(f, "{}", kind.keyword()),
            Elem::Int(w) => write!(f, "i{w}"),
        }
    }
}

/// A tensor's values: floats for float element types, canonical integers for integer ones.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Float(Vec<f64>),
    Int(Vec<i64>),
}

impl Data {
    pub fn len(&self) -> usize {
        match self {
            Data::Float(v) => v.len(),
            Data::Int(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Room for `n` values of `elem`'s kind.
    fn with_capacity(elem: Elem, n: usize) -> Data {
        if elem.is_float() {
            Data::Float(Vec::with_capacity(n))
        } else {
            Data::Int(Vec::with_capacity(n))
        }
    }

    /// Appends `s`, converted to `elem` (whose kind this data has).
    fn push(&mut self, elem: Elem, s: Scalar) {
        match (self, elem.normalize(s)) {
            (Data::Float(v), Scalar::Float(x)) => v.push(x),
            (Data::Int(v), Scalar::Int(i)) => v.push(i),
            (Data::Float(v), Scalar::Int(i)) => v.push(i as f64),
            (Data::Int(v), Scalar::Float(x)) => v.push(x as i64),
        }
    }
}

/// A dense row-major tensor.
///
/// ```
/// use strata_runtime::{Elem, Scalar, Tensor};
/// let t = Tensor::from_fn(&[2, 3], Elem::F32, |i| i as f64 * 0.1);
/// assert_eq!(t.at(&[1, 2]), Scalar::Float((0.5f32) as f64));
/// let big = Tensor::from_ints(&[1], Elem::Int(64), vec![(1 << 53) + 1]);
/// assert_eq!(big.get(0), Scalar::Int(9007199254740993));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub elem: Elem,
    pub data: Data,
}

impl Tensor {
    /// A tensor whose i-th element (row-major) is `f(i)`, converted to `elem`
    /// ([`Elem::from_f64`]).
    pub fn from_fn(shape: &[usize], elem: Elem, mut f: impl FnMut(usize) -> f64) -> Tensor {
        let n = shape.iter().product();
        Tensor::from_scalars(shape, elem, (0..n).map(|i| elem.from_f64(f(i))))
    }

    /// A tensor of `values`, converted to `elem` ([`Elem::normalize`]).
    pub fn from_scalars(shape: &[usize], elem: Elem, values: impl IntoIterator<Item = Scalar>) -> Tensor {
        let values = values.into_iter();
        let mut data = Data::with_capacity(elem, values.size_hint().0);
        for v in values {
            data.push(elem, v);
        }
        Tensor { shape: shape.to_vec(), elem, data }
    }

    /// A float tensor of `values` (rounded to `elem`; an integer `elem` truncates them).
    pub fn from_floats(shape: &[usize], elem: Elem, values: Vec<f64>) -> Tensor {
        match elem {
            Elem::F64 => Tensor { shape: shape.to_vec(), elem, data: Data::Float(values) },
            _ => Tensor::from_scalars(shape, elem, values.into_iter().map(Scalar::Float)),
        }
    }

    /// An integer tensor of `values` (wrapped to `elem`; a float `elem` rounds them).
    pub fn from_ints(shape: &[usize], elem: Elem, values: Vec<i64>) -> Tensor {
        Tensor::from_scalars(shape, elem, values.into_iter().map(Scalar::Int))
    }

    pub fn filled(shape: &[usize], elem: Elem, value: f64) -> Tensor {
        Tensor::from_fn(shape, elem, |_| value)
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Row-major strides. A shape with no elements may have dimensions whose product no
    /// `usize` holds (`0x2^62x2^62`): such strides saturate, as nothing is ever at them.
    pub fn strides(shape: &[usize]) -> Vec<usize> {
        let mut s = vec![1usize; shape.len()];
        for i in (0..shape.len().saturating_sub(1)).rev() {
            s[i] = s[i + 1].saturating_mul(shape[i + 1]);
        }
        s
    }

    /// Every index of `shape` in row-major order (none when a dimension is 0, one empty
    /// index at rank 0).
    pub fn indices(shape: &[usize]) -> impl Iterator<Item = Vec<usize>> + '_ {
        let mut next = (!shape.contains(&0)).then(|| vec![0; shape.len()]);
        std::iter::from_fn(move || {
            let current = next.take()?;
            let mut i = current.clone();
            for d in (0..shape.len()).rev() {
                i[d] += 1;
                if i[d] < shape[d] {
                    next = Some(i);
                    break;
                }
                i[d] = 0;
            }
            Some(current)
        })
    }

    /// Element `i` (row-major).
    pub fn get(&self, i: usize) -> Scalar {
        match &self.data {
            Data::Float(v) => Scalar::Float(v[i]),
            Data::Int(v) => Scalar::Int(v[i]),
        }
    }

    /// Sets element `i` to `s`, converted to the element type.
    pub fn set(&mut self, i: usize, s: Scalar) {
        match (&mut self.data, self.elem.normalize(s)) {
            (Data::Float(v), Scalar::Float(x)) => v[i] = x,
            (Data::Int(v), Scalar::Int(x)) => v[i] = x,
            (Data::Float(v), Scalar::Int(x)) => v[i] = x as f64,
            (Data::Int(v), Scalar::Float(x)) => v[i] = x as i64,
        }
    }

    /// The element at a multi-dimensional index.
    pub fn at(&self, index: &[usize]) -> Scalar {
        let off: usize = index.iter().zip(Tensor::strides(&self.shape)).map(|(i, s)| i * s).sum();
        self.get(off)
    }

    /// The values as floats: borrowed for float tensors, converted for integer ones (for the
    /// float-only ops, which verified IR never hands integers).
    pub fn floats(&self) -> Cow<'_, [f64]> {
        match &self.data {
            Data::Float(v) => Cow::Borrowed(v),
            Data::Int(v) => Cow::Owned(v.iter().map(|i| *i as f64).collect()),
        }
    }

    /// The elements, in order.
    pub fn scalars(&self) -> impl Iterator<Item = Scalar> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// A tensor of `shape` whose i-th element is this tensor's element `offsets[i]`: every
    /// data-movement op (transpose, broadcast, concat, slices) on any element type.
    pub fn gather(&self, shape: &[usize], offsets: impl IntoIterator<Item = usize>) -> Tensor {
        let data = match &self.data {
            Data::Float(v) => Data::Float(offsets.into_iter().map(|o| v[o]).collect()),
            Data::Int(v) => Data::Int(offsets.into_iter().map(|o| v[o]).collect()),
        };
        Tensor { shape: shape.to_vec(), elem: self.elem, data }
    }

    /// The same values under another shape of as many elements.
    pub fn reshaped(mut self, shape: &[usize]) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), self.len());
        self.shape = shape.to_vec();
        self
    }

    /// The elements in the element type's encoding, one after another.
    pub fn to_bytes(&self) -> Vec<u8> {
        let w = self.elem.bytes();
        let mut out = vec![0u8; self.len() * w];
        for (i, slot) in out.chunks_exact_mut(w).enumerate() {
            self.elem.write(self.get(i), slot);
        }
        out
    }

    /// The tensor whose elements [`Tensor::to_bytes`] wrote in `bytes`.
    pub fn from_bytes(shape: &[usize], elem: Elem, bytes: &[u8]) -> Tensor {
        Tensor::from_scalars(shape, elem, bytes.chunks_exact(elem.bytes()).map(|b| elem.read(b)))
    }

    /// Whether every element is the same value as `other`'s ([`Scalar::same`]), shapes and
    /// types equal.
    pub fn same(&self, other: &Tensor) -> bool {
        self.shape == other.shape
            && self.elem == other.elem
            && self.len() == other.len()
            && self.scalars().zip(other.scalars()).all(|(a, b)| a.same(b))
    }
}

/// The strides of a tensor of `shape` read as broadcast to `out`: a broadcast dimension (size
/// 1 against a larger one, or missing) has stride 0.
pub fn broadcast_strides(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let strides = Tensor::strides(shape);
    let lead = out.len() - shape.len();
    (0..out.len()).map(|d| if d < lead || shape[d - lead] == 1 { 0 } else { strides[d - lead] }).collect()
}

/// For each element of `out` (row-major), the offset of the element of a tensor of `shape`
/// that numpy broadcasting reads.
pub fn broadcast_offsets(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let eff = broadcast_strides(shape, out);
    let n: usize = out.iter().product();
    let mut offsets = Vec::with_capacity(n);
    let mut index = vec![0usize; out.len()];
    let mut off = 0usize;
    for _ in 0..n {
        offsets.push(off);
        for d in (0..out.len()).rev() {
            index[d] += 1;
            off += eff[d];
            if index[d] < out[d] {
                break;
            }
            off -= eff[d] * index[d];
            index[d] = 0;
        }
    }
    offsets
}

/// The numpy broadcast of two shapes.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            let x = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
            let y = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
            match (x, y) {
                (x, y) if x == y => Some(x),
                (1, y) => Some(y),
                (x, 1) => Some(x),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every bit pattern of every narrow format reads as a value that writes back to the same
    /// pattern (NaNs, whose payload is dropped, to a NaN), in one byte (four for tf32).
    #[test]
    fn narrow_floats_keep_every_bit_pattern() {
        for name in [
            "f4E2M1FN",
            "f6E2M3FN",
            "f6E3M2FN",
            "f8E5M2",
            "f8E4M3",
            "f8E4M3FN",
            "f8E5M2FNUZ",
            "f8E4M3FNUZ",
            "f8E4M3B11FNUZ",
            "f8E3M4",
            "f8E8M0FNU",
        ] {
            let elem = Elem::parse(name).unwrap();
            assert_eq!(elem.bytes(), 1, "{name}");
            assert_eq!(elem.to_string(), name);
            let width = FloatKind::from_keyword(name).unwrap().width();
            for bits in 0u8..=((1u16 << width) - 1) as u8 {
                let v = elem.read(&[bits]);
                let mut out = [0u8];
                elem.write(v, &mut out);
                let back = elem.read(&out);
                if v.as_f64().is_nan() {
                    assert!(back.as_f64().is_nan(), "{name} {bits:#x}");
                } else {
                    assert_eq!(out[0], bits, "{name} {bits:#x} reads as {v}");
                }
            }
        }
        let tf32 = Elem::parse("tf32").unwrap();
        assert_eq!(tf32.bytes(), 4);
        assert_eq!(tf32.round(1.0 + 2f64.powi(-11)), 1.0, "ties to even at 10 mantissa bits");
        assert_eq!(tf32.round(1.0 + 3.0 * 2f64.powi(-11)), 1.0 + 2f64.powi(-9));
        assert_eq!(Elem::parse("f80"), None);
        assert_eq!(Elem::parse("f128"), None);
    }

    #[test]
    fn offsets_follow_numpy() {
        assert_eq!(broadcast_offsets(&[3, 1], &[2, 3, 2]), vec![0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
        assert_eq!(broadcast_offsets(&[2], &[2, 2]), vec![0, 1, 0, 1]);
        assert_eq!(broadcast_shapes(&[4, 1, 3], &[5, 1]), Some(vec![4, 5, 3]));
    }

    #[test]
    fn rounding_and_wrapping() {
        assert_eq!(Elem::Int(8).from_f64(130.0), Scalar::Int(-126));
        assert_eq!(Elem::F16.round(1.0 + 1e-4), 1.0);
        assert_eq!(Elem::Int(1).from_int(3), Scalar::Int(1));
        assert_eq!(Elem::Int(1).signed(1), -1);
        assert_eq!(Elem::Int(32).wrap(i64::from(i32::MAX) as i128 + 1), i64::from(i32::MIN));
        assert_eq!(Elem::Int(16).unsigned(-1), 0xFFFF);
        assert_eq!(Elem::Int(64).unsigned(-1), u64::MAX);
        assert_eq!(Elem::Int(64).signed_range(), (i64::MIN, i64::MAX));
        assert_eq!(Elem::Int(8).signed_range(), (-128, 127));
        assert_eq!(Elem::Int(1).signed_range(), (-1, 0));
    }

    #[test]
    fn integers_round_trip_their_encoding_exactly() {
        for (elem, v) in [(Elem::Int(64), i64::MAX - 1), (Elem::Int(64), (1 << 53) + 1), (Elem::Int(32), -7)] {
            let t = Tensor::from_ints(&[1], elem, vec![v]);
            assert_eq!(Tensor::from_bytes(&[1], elem, &t.to_bytes()).get(0), Scalar::Int(v));
        }
        assert_eq!(Elem::parse("i128"), None);
        assert_eq!(Elem::Int(24).bytes(), 4);
    }
}

//! [`Tensor`]: a shape, an element type and row-major values. Values are kept as `f64` and
//! rounded to the element type whenever an op writes them, so an f32 result is exactly what
//! f32 storage would hold.

use std::fmt;

/// Element types the interpreter computes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Elem {
    F64,
    F32,
    F16,
    BF16,
    /// Signed integers of a width (1 for `i1`).
    Int(u32),
}

impl Elem {
    pub fn parse(text: &str) -> Option<Elem> {
        Some(match text {
            "f64" => Elem::F64,
            "f32" => Elem::F32,
            "f16" => Elem::F16,
            "bf16" => Elem::BF16,
            _ => Elem::Int(text.strip_prefix('i')?.parse().ok()?),
        })
    }

    /// `x` as this type would store it.
    pub fn round(self, x: f64) -> f64 {
        match self {
            Elem::F64 => x,
            Elem::F32 => x as f32 as f64,
            Elem::F16 => half::f16::from_f64(x).to_f64(),
            Elem::BF16 => half::bf16::from_f64(x).to_f64(),
            Elem::Int(1) => f64::from(x != 0.0),
            Elem::Int(w) => {
                let v = x.trunc() as i128;
                let bits = w.min(64);
                let m = 1i128 << bits;
                let wrapped = v.rem_euclid(m);
                (if wrapped >= m / 2 { wrapped - m } else { wrapped }) as f64
            }
        }
    }

    /// Writes `v` in this type's little-endian encoding into `out` (`self.bytes()` long; `i1`
    /// is one byte, 0 or 1): the layout of buffers in the interpreter, in compiled code and in
    /// raw files.
    pub fn write(self, v: f64, out: &mut [u8]) {
        match self {
            Elem::F64 => out.copy_from_slice(&v.to_le_bytes()),
            Elem::F32 => out.copy_from_slice(&(v as f32).to_le_bytes()),
            Elem::F16 => out.copy_from_slice(&half::f16::from_f64(v).to_le_bytes()),
            Elem::BF16 => out.copy_from_slice(&half::bf16::from_f64(v).to_le_bytes()),
            Elem::Int(_) => {
                let i = v as i64;
                out.copy_from_slice(&i.to_le_bytes()[..out.len()]);
            }
        }
    }

    /// The value [`Elem::write`] stored in `b`.
    pub fn read(self, b: &[u8]) -> f64 {
        match self {
            Elem::F64 => f64::from_le_bytes(b.try_into().expect("8 bytes")),
            Elem::F32 => f32::from_le_bytes(b.try_into().expect("4 bytes")) as f64,
            Elem::F16 => half::f16::from_le_bytes(b.try_into().expect("2 bytes")).to_f64(),
            Elem::BF16 => half::bf16::from_le_bytes(b.try_into().expect("2 bytes")).to_f64(),
            Elem::Int(w) => {
                let mut full = [0u8; 8];
                full[..b.len()].copy_from_slice(b);
                let shift = 64 - 8 * b.len() as u32;
                // Sign-extend from the stored width (i1 is stored as one byte: 0 or 1).
                if w == 1 {
                    f64::from(b[0] & 1)
                } else {
                    ((i64::from_le_bytes(full) << shift) >> shift) as f64
                }
            }
        }
    }

    /// `values` written one after another.
    pub fn encode(self, values: &[f64]) -> Vec<u8> {
        let w = self.bytes();
        let mut out = vec![0u8; values.len() * w];
        for (v, slot) in values.iter().zip(out.chunks_exact_mut(w)) {
            self.write(*v, slot);
        }
        out
    }

    /// The values of `bytes`, written by [`Elem::encode`].
    pub fn decode(self, bytes: &[u8]) -> Vec<f64> {
        bytes.chunks_exact(self.bytes()).map(|b| self.read(b)).collect()
    }

    pub fn bytes(self) -> usize {
        match self {
            Elem::F64 | Elem::Int(64) => 8,
            Elem::F32 | Elem::Int(32) => 4,
            Elem::F16 | Elem::BF16 | Elem::Int(16) => 2,
            _ => 1,
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
            Elem::Int(w) => write!(f, "i{w}"),
        }
    }
}

/// A dense row-major tensor.
///
/// ```
/// use strata_runtime::{Elem, Tensor};
/// let t = Tensor::from_fn(&[2, 3], Elem::F32, |i| i as f64 * 0.1);
/// assert_eq!(t.at(&[1, 2]), (0.5f32) as f64);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub elem: Elem,
    pub data: Vec<f64>,
}

impl Tensor {
    /// A tensor whose i-th element (row-major) is `f(i)`, rounded to `elem`.
    pub fn from_fn(shape: &[usize], elem: Elem, mut f: impl FnMut(usize) -> f64) -> Tensor {
        let n = shape.iter().product();
        Tensor { shape: shape.to_vec(), elem, data: (0..n).map(|i| elem.round(f(i))).collect() }
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

    /// Row-major strides.
    pub fn strides(shape: &[usize]) -> Vec<usize> {
        let mut s = vec![1; shape.len()];
        for i in (0..shape.len().saturating_sub(1)).rev() {
            s[i] = s[i + 1] * shape[i + 1];
        }
        s
    }

    pub fn at(&self, index: &[usize]) -> f64 {
        let off: usize = index.iter().zip(Tensor::strides(&self.shape)).map(|(i, s)| i * s).sum();
        self.data[off]
    }

    /// The same values under another shape of as many elements.
    pub fn reshaped(mut self, shape: &[usize]) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), self.data.len());
        self.shape = shape.to_vec();
        self
    }
}

/// For each element of `out` (row-major), the offset of the element of a tensor of `shape`
/// that numpy broadcasting reads.
pub fn broadcast_offsets(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let strides = Tensor::strides(shape);
    let lead = out.len() - shape.len();
    // A broadcast dimension (size 1 against a larger one) has stride 0.
    let eff: Vec<usize> =
        (0..out.len()).map(|d| if d < lead || shape[d - lead] == 1 { 0 } else { strides[d - lead] }).collect();
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

    #[test]
    fn offsets_follow_numpy() {
        assert_eq!(broadcast_offsets(&[3, 1], &[2, 3, 2]), vec![0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
        assert_eq!(broadcast_offsets(&[2], &[2, 2]), vec![0, 1, 0, 1]);
        assert_eq!(broadcast_shapes(&[4, 1, 3], &[5, 1]), Some(vec![4, 5, 3]));
    }

    #[test]
    fn rounding() {
        assert_eq!(Elem::Int(8).round(130.0), -126.0);
        assert_eq!(Elem::F16.round(1.0 + 1e-4), 1.0);
        assert_eq!(Elem::Int(1).round(3.0), 1.0);
    }
}

//! Reproducible random values (splitmix64), for `--random-inputs` and the tests that draw
//! graphs, shapes and inputs from a seed.

use crate::tensor::{Elem, Tensor};

/// A seeded stream of numbers.
///
/// ```
/// let mut r = strata_runtime::random::SplitMix(7);
/// let t = r.tensor(&[2, 3], strata_runtime::Elem::F32, -1.0, 1.0);
/// assert!(t.floats().iter().all(|v| (-1.0..1.0).contains(v)));
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }
    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// A tensor of `shape` with values uniform in `[lo, hi)` (integers: whole numbers in that
    /// range; `i1`: 0 or 1).
    pub fn tensor(&mut self, shape: &[usize], elem: Elem, lo: f64, hi: f64) -> Tensor {
        let n: usize = shape.iter().product();
        let values: Vec<f64> = (0..n)
            .map(|_| match elem {
                Elem::Int(1) => f64::from(self.below(2) as u8),
                Elem::Int(_) => self.uniform(lo, hi + 1.0).floor().min(hi),
                _ => self.uniform(lo, hi),
            })
            .collect();
        Tensor::from_fn(shape, elem, |i| values[i])
    }
}

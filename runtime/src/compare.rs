//! Comparing results with references: the one check behind `strata-run --compare`,
//! `--verify-each-pass` and the tests that run IR against an oracle.
//!
//! - Integers compare exactly (any width against any width, by value).
//! - Floats agree within `atol + rtol * |expected|`; an infinity agrees only with an infinity
//!   of the same sign, NaN only with NaN (a tolerance never makes a finite value match an
//!   infinite one, and `|a - b| > tol` alone would let NaN through).
//! - A float never matches an integer: the types must be of one kind.
//!
//! A mismatch names how many elements differ and the worst one (non-finite disagreements
//! first, then the largest error relative to the tolerance), with its index.

use std::fmt;

use crate::tensor::{Scalar, Tensor};

/// How close floats must be: `|got - want| <= atol + rtol * |want|`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
}

impl Tolerance {
    /// Bit-exact for floats too (NaN still matches NaN).
    pub const EXACT: Tolerance = Tolerance { rtol: 0.0, atol: 0.0 };
}

/// Why two tensors disagree.
#[derive(Clone, Debug, PartialEq)]
pub enum Mismatch {
    Shape { got: Vec<usize>, want: Vec<usize> },
    Kind { got: String, want: String },
    Values { differing: usize, total: usize, worst: Worst, tolerance: Tolerance },
}

/// The element that disagrees most.
#[derive(Clone, Debug, PartialEq)]
pub struct Worst {
    pub index: Vec<usize>,
    pub got: Scalar,
    pub want: Scalar,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Shape { got, want } => write!(f, "shape {got:?} instead of {want:?}"),
            Mismatch::Kind { got, want } => write!(f, "element type {got} against a reference of {want}"),
            Mismatch::Values { differing, total, worst, tolerance } => {
                let index: Vec<String> = worst.index.iter().map(|i| i.to_string()).collect();
                let within = match (worst.got, worst.want) {
                    (Scalar::Int(_), Scalar::Int(_)) => "exactly (integers)".to_string(),
                    _ => format!("beyond rtol={:e} atol={:e}", tolerance.rtol, tolerance.atol),
                };
                write!(
                    f,
                    "{differing} of {total} elements differ {within}; worst at [{}]: {} instead of {}",
                    index.join(", "),
                    worst.got,
                    worst.want
                )
            }
        }
    }
}

/// The largest magnitude among `t`'s finite elements (0 for none): the scale that tolerances
/// relative to a whole output use.
pub fn max_abs(t: &Tensor) -> f64 {
    t.scalars().map(|s| s.as_f64().abs()).filter(|v| v.is_finite()).fold(0.0, f64::max)
}

/// How far `got` is from `want`, as a multiple of the tolerance (0 when equal); `None` when
/// they agree.
fn excess(got: Scalar, want: Scalar, tol: Tolerance) -> Option<f64> {
    match (got, want) {
        (Scalar::Int(g), Scalar::Int(w)) => (g != w).then(|| (g as f64 - w as f64).abs()),
        (g, w) => {
            let (g, w) = (g.as_f64(), w.as_f64());
            if g.is_nan() || w.is_nan() {
                return (g.is_nan() != w.is_nan()).then_some(f64::INFINITY);
            }
            if g.is_infinite() || w.is_infinite() {
                return (g != w).then_some(f64::INFINITY);
            }
            let err = (g - w).abs();
            let bound = tol.atol + tol.rtol * w.abs();
            (err > bound).then(|| if bound > 0.0 { err / bound } else { f64::MAX })
        }
    }
}

/// Whether `got` matches `want` within `tol`, and if not, how.
///
/// ```
/// use strata_runtime::compare::{compare, Tolerance};
/// use strata_runtime::{Elem, Tensor};
/// let want = Tensor::from_floats(&[2], Elem::F32, vec![1.0, f64::INFINITY]);
/// let got = Tensor::from_floats(&[2], Elem::F32, vec![1.0, 3.0e38]);
/// let loose = Tolerance { rtol: 1.0, atol: 1e39 };
/// assert!(compare(&got, &want, loose).is_err(), "finite never matches infinite");
/// ```
pub fn compare(got: &Tensor, want: &Tensor, tol: Tolerance) -> Result<(), Mismatch> {
    if got.shape != want.shape {
        return Err(Mismatch::Shape { got: got.shape.clone(), want: want.shape.clone() });
    }
    if got.elem.is_float() != want.elem.is_float() {
        return Err(Mismatch::Kind { got: got.elem.to_string(), want: want.elem.to_string() });
    }
    let mut differing = 0;
    let mut worst: Option<(usize, f64)> = None;
    for i in 0..got.len() {
        if let Some(e) = excess(got.get(i), want.get(i), tol) {
            differing += 1;
            if worst.is_none_or(|(_, w)| e > w) {
                worst = Some((i, e));
            }
        }
    }
    let Some((i, _)) = worst else { return Ok(()) };
    let strides = Tensor::strides(&got.shape);
    let index = strides.iter().zip(&got.shape).map(|(s, d)| (i / s) % d).collect();
    Err(Mismatch::Values {
        differing,
        total: got.len(),
        worst: Worst { index, got: got.get(i), want: want.get(i) },
        tolerance: tol,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::Elem;

    fn floats(v: &[f64]) -> Tensor {
        Tensor::from_floats(&[v.len()], Elem::F64, v.to_vec())
    }

    #[test]
    fn non_finite_values_match_only_themselves() {
        let loose = Tolerance { rtol: 1e9, atol: 1e300 };
        let inf = f64::INFINITY;
        assert!(compare(&floats(&[inf, -inf, f64::NAN]), &floats(&[inf, -inf, f64::NAN]), Tolerance::EXACT).is_ok());
        for (g, w) in [(1.0, inf), (-inf, inf), (f64::NAN, 1.0), (1.0, f64::NAN), (f64::NAN, inf)] {
            assert!(compare(&floats(&[g]), &floats(&[w]), loose).is_err(), "{g} against {w}");
        }
    }

    #[test]
    fn integers_are_exact_and_the_worst_element_is_named() {
        let big = (1i64 << 53) + 1;
        let want = Tensor::from_ints(&[2, 2], Elem::Int(64), vec![0, 1, 2, big]);
        let got = Tensor::from_ints(&[2, 2], Elem::Int(64), vec![0, 1, 3, big - 1]);
        let e = compare(&got, &want, Tolerance { rtol: 1.0, atol: 1.0 }).unwrap_err();
        assert_eq!(e.to_string(), "2 of 4 elements differ exactly (integers); worst at [1, 0]: 3 instead of 2");
        let e = compare(&floats(&[0.0, 1.0, 5.0]), &floats(&[0.0, 1.5, 5.0]), Tolerance::EXACT).unwrap_err();
        assert!(e.to_string().starts_with("1 of 3 elements differ beyond rtol=0e0 atol=0e0; worst at [1]"), "{e}");
        let ints = Tensor::from_ints(&[1], Elem::Int(32), vec![1]);
        assert!(matches!(compare(&ints, &floats(&[1.0]), Tolerance::EXACT), Err(Mismatch::Kind { .. })));
    }
}

//! Winograd's minimal filtering algorithms F(m, r) built by Toom-Cook from interpolation
//! points, so each tile size is a choice of points rather than three hand-copied matrices.
//!
//! F(m, r) computes `y_i = Σ_k d_{i+k} g_k` (i < m, k < r) from `t = m + r - 1` inputs with `t`
//! multiplications: `y = Aᵀ [(G g) ⊙ (Bᵀ d)]`. It is the transpose of the linear convolution
//! `s = h * g` of a polynomial `h` of degree m - 1 evaluated at `t - 1` finite points `a_j` and
//! at infinity, multiplied pointwise, and interpolated back:
//!
//! - `Aᵀ[i][j] = a_j^i` (evaluating `h`), with the point at infinity picking its leading
//!   coefficient;
//! - `G[j][k] = a_j^k / f_j` with `f_j = Π_{l≠j} (a_j - a_l)` (evaluating `g`, scaled by the
//!   Lagrange denominators so that `Bᵀ` keeps small coefficients);
//! - `Bᵀ[j]` the coefficients of `Π_{l≠j} (x - a_l)` (the Lagrange basis, unscaled), and for
//!   the point at infinity those of `Π_l (x - a_l)`.
//!
//! With the points 0, 1, -1 this gives Lavin and Gray's F(2, 3); with 0, ±1, ±2 their F(4, 3).
//! Larger tiles take ±1/2 next: the points every Winograd implementation settles on, because
//! their powers stay near 1 and the rounding errors of the transforms stay small.

/// The finite points, in the order they are taken.
const POINTS: [f64; 7] = [0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5];

/// The transforms of F(m, r), as rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Transforms {
    /// `Aᵀ`, m × t: from the products to the outputs.
    pub at: Vec<Vec<f64>>,
    /// `G`, t × r: from the filter to its transform.
    pub g: Vec<Vec<f64>>,
    /// `Bᵀ`, t × t: from the input tile to its transform.
    pub bt: Vec<Vec<f64>>,
}

impl Transforms {
    /// F(m, r) from the first `m + r - 2` finite points of [`POINTS`] (at most 7).
    pub fn new(m: usize, r: usize) -> Transforms {
        let t = m + r - 1;
        assert!(m >= 1 && r >= 1 && t - 1 <= POINTS.len(), "F({m}, {r}) needs more interpolation points");
        let points = &POINTS[..t - 1];
        let infinity = |i: usize, last: usize| if i == last { 1.0 } else { 0.0 };
        let at = (0..m)
            .map(|i| (0..t).map(|j| points.get(j).map_or(infinity(i, m - 1), |a| a.powi(i as i32))).collect())
            .collect();
        let g = (0..t)
            .map(|j| match points.get(j) {
                Some(&a) => {
                    let f: f64 = points.iter().enumerate().filter(|(l, _)| *l != j).map(|(_, b)| a - b).product();
                    (0..r).map(|k| a.powi(k as i32) / f).collect()
                }
                None => (0..r).map(|k| infinity(k, r - 1)).collect(),
            })
            .collect();
        let bt = (0..t)
            .map(|j| {
                let roots = points.iter().enumerate().filter(|(l, _)| *l != j).map(|(_, a)| *a);
                let mut coefficients = polynomial_from_roots(roots);
                coefficients.resize(t, 0.0);
                coefficients
            })
            .collect();
        Transforms { at, g, bt }
    }

    /// Outputs per tile.
    pub fn m(&self) -> usize {
        self.at.len()
    }

    /// Inputs per tile.
    pub fn t(&self) -> usize {
        self.bt.len()
    }
}

/// The coefficients of `Π (x - root)`, lowest degree first.
fn polynomial_from_roots(roots: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut p = vec![1.0];
    for root in roots {
        // p · (x - root)
        let mut next = vec![0.0; p.len() + 1];
        for (i, c) in p.iter().enumerate() {
            next[i + 1] += c;
            next[i] -= root * c;
        }
        p = next;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(m: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
        m.iter().map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum()).collect()
    }

    /// F(m, r) against the correlation it stands for, on inputs with no special structure.
    fn check(m: usize, r: usize) {
        let f = Transforms::new(m, r);
        let t = m + r - 1;
        let d: Vec<f64> = (0..t).map(|i| ((i * 7 + 3) % 11) as f64 / 5.0 - 1.0).collect();
        let g: Vec<f64> = (0..r).map(|k| ((k * 5 + 2) % 7) as f64 / 3.0 - 0.9).collect();
        let products: Vec<f64> = apply(&f.g, &g).iter().zip(apply(&f.bt, &d)).map(|(a, b)| a * b).collect();
        let y = apply(&f.at, &products);
        for (i, yi) in y.iter().enumerate() {
            let want: f64 = (0..r).map(|k| d[i + k] * g[k]).sum();
            assert!((yi - want).abs() < 1e-9, "F({m}, {r}) output {i}: {yi} against {want}");
        }
    }

    #[test]
    fn every_tile_computes_the_correlation() {
        for r in 1..=4 {
            for m in 1..=(9 - r) {
                check(m, r);
            }
        }
    }

    #[test]
    fn the_first_points_give_lavin_and_grays_f2x3_and_f4x3() {
        let f2 = Transforms::new(2, 3);
        // Up to the sign of the rows for the points 0 and infinity, which Lavin and Gray flip
        // in both Bᵀ and G (or Aᵀ) so their products do not change.
        assert_eq!(
            f2.bt,
            vec![vec![-1., 0., 1., 0.], vec![0., 1., 1., 0.], vec![0., -1., 1., 0.], vec![0., -1., 0., 1.]]
        );
        assert_eq!(f2.g, vec![vec![-1., 0., 0.], vec![0.5, 0.5, 0.5], vec![0.5, -0.5, 0.5], vec![0., 0., 1.]]);
        assert_eq!(f2.at, vec![vec![1., 1., 1., 0.], vec![0., 1., -1., 1.]]);
        let f4 = Transforms::new(4, 3);
        assert_eq!(f4.bt[0], vec![4., 0., -5., 0., 1., 0.]);
        assert_eq!(f4.bt[5], vec![0., 4., 0., -5., 0., 1.]);
        assert_eq!(f4.g[0], vec![0.25, 0., 0.]);
        assert_eq!(f4.g[3], vec![1. / 24., 1. / 12., 1. / 6.]);
        assert_eq!(f4.at[3], vec![0., 1., -1., 8., -8., 1.]);
    }
}

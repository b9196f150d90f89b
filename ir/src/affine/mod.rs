//! Affine maps (`affine_map<(d0, d1)[s0] -> (d0 + s0, d1 floordiv 2)>`) and integer sets
//! (`affine_set<...>`, [`set`]).
//!
//! Expressions are built through the simplifying constructors of `simplify` (`AffineExpr::add`,
//! `mul`, `floor_div`, `ceil_div`, `modulo`, `neg`, `sub`), which apply the rules of upstream MLIR
//! 22's `AffineExpr.cpp` at construction, and printed by `print` the way MLIR's `AsmPrinter`
//! prints them. Together they make a map we print equal to the one `mlir-opt-22` prints for the
//! same source text.

use std::fmt;

mod print;
mod set;
mod simplify;

pub use set::IntegerSet;

#[cfg(test)]
mod mlir_diff;
#[cfg(test)]
mod test_parser;
#[cfg(test)]
mod tests;

/// An affine expression over dimensions `d_i`, symbols `s_i` and constants.
/// Subtraction is stored as MLIR stores it: `a - b` is `a + b * -1`.
///
/// Build expressions with the simplifying constructors (`AffineExpr::add` and friends) so that
/// they take MLIR's canonical form; the variants are public for matching.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum AffineExpr {
    Dim(u32),
    Symbol(u32),
    Const(i64),
    Add(Box<AffineExpr>, Box<AffineExpr>),
    Mul(Box<AffineExpr>, Box<AffineExpr>),
    Mod(Box<AffineExpr>, Box<AffineExpr>),
    FloorDiv(Box<AffineExpr>, Box<AffineExpr>),
    CeilDiv(Box<AffineExpr>, Box<AffineExpr>),
}

/// A map from `num_dims` dimensions and `num_symbols` symbols to result expressions.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct AffineMap {
    pub num_dims: u32,
    pub num_symbols: u32,
    pub results: Vec<AffineExpr>,
}

impl AffineMap {
    /// The identity map of `rank` dimensions.
    pub fn identity(rank: u32) -> Self {
        AffineMap { num_dims: rank, num_symbols: 0, results: (0..rank).map(AffineExpr::Dim).collect() }
    }

    /// Evaluates the map on concrete dimension and symbol values.
    pub fn eval(&self, dims: &[i64], syms: &[i64]) -> Option<Vec<i64>> {
        self.results.iter().map(|e| e.eval(dims, syms)).collect()
    }
}

impl AffineExpr {
    /// Evaluates the expression; `None` when an operand is missing, a division is by zero or an
    /// intermediate result leaves `i64`. `floordiv` rounds towards negative infinity and `ceildiv`
    /// towards positive infinity for either sign of divisor (the semantics MLIR folds constants
    /// with); `mod` is the non-negative remainder (MLIR defines it for positive divisors only).
    pub fn eval(&self, dims: &[i64], syms: &[i64]) -> Option<i64> {
        use AffineExpr::*;
        Some(match self {
            Dim(i) => *dims.get(*i as usize)?,
            Symbol(i) => *syms.get(*i as usize)?,
            Const(c) => *c,
            Add(a, b) => a.eval(dims, syms)?.checked_add(b.eval(dims, syms)?)?,
            Mul(a, b) => a.eval(dims, syms)?.checked_mul(b.eval(dims, syms)?)?,
            Mod(a, b) => a.eval(dims, syms)?.checked_rem_euclid(b.eval(dims, syms)?)?,
            FloorDiv(a, b) => simplify::floor_div_i64(a.eval(dims, syms)?, b.eval(dims, syms)?)?,
            CeilDiv(a, b) => simplify::ceil_div_i64(a.eval(dims, syms)?, b.eval(dims, syms)?)?,
        })
    }

    /// True when the expression has no dimension in it (only symbols and constants). MLIR's
    /// parser requires this of one operand of `*` and of the right operand of `floordiv`,
    /// `ceildiv` and `mod`; anything else is not affine.
    pub fn is_symbolic_or_constant(&self) -> bool {
        match self {
            AffineExpr::Dim(_) => false,
            AffineExpr::Symbol(_) | AffineExpr::Const(_) => true,
            AffineExpr::Add(a, b)
            | AffineExpr::Mul(a, b)
            | AffineExpr::Mod(a, b)
            | AffineExpr::FloorDiv(a, b)
            | AffineExpr::CeilDiv(a, b) => a.is_symbolic_or_constant() && b.is_symbolic_or_constant(),
        }
    }

    /// The value of a constant expression.
    fn as_const(&self) -> Option<i64> {
        match self {
            AffineExpr::Const(c) => Some(*c),
            _ => None,
        }
    }

    /// `Some((x, c))` for `x * c` with a constant `c` (the shape of scaled terms, of `-x` as
    /// `x * -1`, and of subtractions).
    fn as_mul_by_const(&self) -> Option<(&AffineExpr, i64)> {
        match self {
            AffineExpr::Mul(x, c) => Some((x, c.as_const()?)),
            _ => None,
        }
    }
}

/// `(d0, d1)[s0]`: the dimensions and symbols a map or set is over (no `[]` without symbols).
fn write_dims_and_symbols(f: &mut fmt::Formatter<'_>, num_dims: u32, num_symbols: u32) -> fmt::Result {
    let dims: Vec<String> = (0..num_dims).map(|i| format!("d{i}")).collect();
    write!(f, "({})", dims.join(", "))?;
    if num_symbols > 0 {
        let syms: Vec<String> = (0..num_symbols).map(|i| format!("s{i}")).collect();
        write!(f, "[{}]", syms.join(", "))?;
    }
    Ok(())
}

impl fmt::Display for AffineMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_dims_and_symbols(f, self.num_dims, self.num_symbols)?;
        let results: Vec<String> = self.results.iter().map(|r| r.to_string()).collect();
        write!(f, " -> ({})", results.join(", "))
    }
}

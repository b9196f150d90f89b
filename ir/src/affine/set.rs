//! Integer sets (`affine_set<(d0)[s0] : (d0 - 10 >= 0, s0 - d0 == 0)>`): the points where every
//! constraint holds, each an affine expression that is `>= 0` or `== 0` (MLIR's `IntegerSet`).

use std::fmt;

use super::AffineExpr;

/// Affine constraints over `num_dims` dimensions and `num_symbols` symbols.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct IntegerSet {
    pub num_dims: u32,
    pub num_symbols: u32,
    /// Each constraint's expression and whether it must be zero (else non-negative). Never
    /// empty: a set written without constraints is `0 == 0`, as MLIR makes it.
    pub constraints: Vec<(AffineExpr, bool)>,
}

impl IntegerSet {
    /// The set of `constraints`; none is the whole space (`0 == 0`).
    pub fn new(num_dims: u32, num_symbols: u32, mut constraints: Vec<(AffineExpr, bool)>) -> IntegerSet {
        if constraints.is_empty() {
            constraints.push((AffineExpr::Const(0), true));
        }
        IntegerSet { num_dims, num_symbols, constraints }
    }

    /// Whether the point `dims`, `syms` is in the set; `None` when a constraint cannot be
    /// evaluated there (overflow, division by zero).
    pub fn contains(&self, dims: &[i64], syms: &[i64]) -> Option<bool> {
        self.constraints.iter().try_fold(true, |all, (e, eq)| {
            let v = e.eval(dims, syms)?;
            Some(all && if *eq { v == 0 } else { v >= 0 })
        })
    }
}

impl fmt::Display for IntegerSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::write_dims_and_symbols(f, self.num_dims, self.num_symbols)?;
        let constraints: Vec<String> =
            self.constraints.iter().map(|(e, eq)| format!("{e} {} 0", if *eq { "==" } else { ">=" })).collect();
        write!(f, " : ({})", constraints.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_as_mlir_and_holds_where_its_constraints_do() {
        let d0 = AffineExpr::Dim(0);
        let s0 = AffineExpr::Symbol(0);
        let set = IntegerSet::new(
            1,
            1,
            vec![
                (AffineExpr::sub(d0.clone(), AffineExpr::Const(10)), false),
                (AffineExpr::sub(s0.clone(), d0.clone()), true),
            ],
        );
        assert_eq!(set.to_string(), "(d0)[s0] : (d0 - 10 >= 0, -d0 + s0 == 0)");
        assert_eq!(set.contains(&[12], &[12]), Some(true));
        assert_eq!(set.contains(&[9], &[9]), Some(false));
        assert_eq!(set.contains(&[12], &[13]), Some(false));
        assert_eq!(IntegerSet::new(2, 0, vec![]).to_string(), "(d0, d1) : (0 == 0)");
    }
}

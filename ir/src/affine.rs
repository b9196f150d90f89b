//! Affine maps (`affine_map<(d0, d1)[s0] -> (d0 + s0, d1 floordiv 2)>`).

use std::fmt;

/// An affine expression over dimensions `d_i`, symbols `s_i` and constants.
/// Subtraction is stored as MLIR stores it: `a - b` is `a + b * -1`.
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
    pub fn eval(&self, dims: &[i64], syms: &[i64]) -> Option<i64> {
        use AffineExpr::*;
        Some(match self {
            Dim(i) => *dims.get(*i as usize)?,
            Symbol(i) => *syms.get(*i as usize)?,
            Const(c) => *c,
            Add(a, b) => a.eval(dims, syms)?.checked_add(b.eval(dims, syms)?)?,
            Mul(a, b) => a.eval(dims, syms)?.checked_mul(b.eval(dims, syms)?)?,
            Mod(a, b) => a.eval(dims, syms)?.checked_rem_euclid(b.eval(dims, syms)?)?,
            FloorDiv(a, b) => a.eval(dims, syms)?.checked_div_euclid(b.eval(dims, syms)?)?,
            CeilDiv(a, b) => {
                let (x, y) = (a.eval(dims, syms)?, b.eval(dims, syms)?);
                -(-x).checked_div_euclid(y)?
            }
        })
    }

    fn precedence(&self) -> u8 {
        match self {
            AffineExpr::Add(..) => 1,
            AffineExpr::Mul(..) | AffineExpr::Mod(..) | AffineExpr::FloorDiv(..) | AffineExpr::CeilDiv(..) => 2,
            _ => 3,
        }
    }

    /// `Some(x)` when the expression is `x * -1`, which prints as a subtraction.
    fn negated(&self) -> Option<&AffineExpr> {
        match self {
            AffineExpr::Mul(x, c) if **c == AffineExpr::Const(-1) => Some(x),
            _ => None,
        }
    }

    fn write_operand(&self, f: &mut fmt::Formatter<'_>, min_prec: u8) -> fmt::Result {
        if self.precedence() < min_prec {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }
}

impl fmt::Display for AffineExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use AffineExpr::*;
        match self {
            Dim(i) => write!(f, "d{i}"),
            Symbol(i) => write!(f, "s{i}"),
            Const(c) => write!(f, "{c}"),
            Add(a, b) => {
                a.write_operand(f, 1)?;
                match (b.negated(), &**b) {
                    (Some(x), _) => {
                        f.write_str(" - ")?;
                        x.write_operand(f, 2)
                    }
                    (None, Const(c)) if *c < 0 => write!(f, " - {}", -(*c as i128)),
                    _ => {
                        f.write_str(" + ")?;
                        b.write_operand(f, 2)
                    }
                }
            }
            Mul(a, b) | Mod(a, b) | FloorDiv(a, b) | CeilDiv(a, b) => {
                let op = match self {
                    Mul(..) => "*",
                    Mod(..) => "mod",
                    FloorDiv(..) => "floordiv",
                    _ => "ceildiv",
                };
                a.write_operand(f, 2)?;
                write!(f, " {op} ")?;
                b.write_operand(f, 3)
            }
        }
    }
}

impl fmt::Display for AffineMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = (0..self.num_dims).map(|i| format!("d{i}")).collect();
        write!(f, "({})", dims.join(", "))?;
        if self.num_symbols > 0 {
            let syms: Vec<String> = (0..self.num_symbols).map(|i| format!("s{i}")).collect();
            write!(f, "[{}]", syms.join(", "))?;
        }
        let results: Vec<String> = self.results.iter().map(|r| r.to_string()).collect();
        write!(f, " -> ({})", results.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::AffineExpr::*;

    #[test]
    fn prints_with_minimal_parentheses() {
        let e = Mul(Box::new(Add(Box::new(Dim(0)), Box::new(Symbol(0)))), Box::new(Const(2)));
        assert_eq!(e.to_string(), "(d0 + s0) * 2");
        let sub = Add(Box::new(Dim(0)), Box::new(Mul(Box::new(Dim(1)), Box::new(Const(-1)))));
        assert_eq!(sub.to_string(), "d0 - d1");
        assert_eq!(sub.eval(&[5, 3], &[]), Some(2));
        assert_eq!(CeilDiv(Box::new(Dim(0)), Box::new(Const(4))).eval(&[9], &[]), Some(3));
    }
}

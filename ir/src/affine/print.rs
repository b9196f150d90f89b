//! Printing affine expressions exactly as MLIR's `AsmPrinter::printAffineExprInternal` does.
//!
//! MLIR parenthesizes by binding strength, not by precedence: every operand of `*`, `floordiv`,
//! `ceildiv` and `mod` that is itself a binary expression is parenthesized (`(d0 * s0) * 3`), an
//! operand of `+` is not (but for the sum in `a - (b + c)`), and a few shapes print as
//! subtractions or negations.

use std::fmt::{self, Write};

use super::AffineExpr::{self, Add, CeilDiv, Const, Dim, FloorDiv, Mod, Mul, Symbol};

/// How tightly the enclosing expression binds: a binary expression printed `Strong` is
/// parenthesized.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Binding {
    Weak,
    Strong,
}

impl fmt::Display for AffineExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(f, self, Binding::Weak)
    }
}

fn write_expr(f: &mut fmt::Formatter<'_>, e: &AffineExpr, binding: Binding) -> fmt::Result {
    match e {
        Dim(i) => write!(f, "d{i}"),
        Symbol(i) => write!(f, "s{i}"),
        Const(c) => write!(f, "{c}"),
        Add(lhs, rhs) => parenthesized(f, binding, |f| write_add(f, lhs, rhs)),
        // `x * -1` prints as a negation.
        Mul(x, c) if **c == Const(-1) => parenthesized(f, binding, |f| {
            f.write_char('-')?;
            write_expr(f, x, Binding::Strong)
        }),
        Mul(lhs, rhs) => parenthesized(f, binding, |f| write_tight(f, lhs, " * ", rhs)),
        Mod(lhs, rhs) => parenthesized(f, binding, |f| write_tight(f, lhs, " mod ", rhs)),
        FloorDiv(lhs, rhs) => parenthesized(f, binding, |f| write_tight(f, lhs, " floordiv ", rhs)),
        CeilDiv(lhs, rhs) => parenthesized(f, binding, |f| write_tight(f, lhs, " ceildiv ", rhs)),
    }
}

/// Runs `body`, inside parentheses when the enclosing expression binds strongly.
fn parenthesized(
    f: &mut fmt::Formatter<'_>,
    binding: Binding,
    body: impl FnOnce(&mut fmt::Formatter<'_>) -> fmt::Result,
) -> fmt::Result {
    if binding == Binding::Strong {
        f.write_char('(')?;
    }
    body(f)?;
    if binding == Binding::Strong {
        f.write_char(')')?;
    }
    Ok(())
}

/// `*`, `floordiv`, `ceildiv`, `mod`: both operands bind strongly.
fn write_tight(f: &mut fmt::Formatter<'_>, lhs: &AffineExpr, op: &str, rhs: &AffineExpr) -> fmt::Result {
    write_expr(f, lhs, Binding::Strong)?;
    f.write_str(op)?;
    write_expr(f, rhs, Binding::Strong)
}

/// `+`, with MLIR's subtraction forms: `a + b * -1` is `a - b`, `a + b * -c` is `a - b * c`,
/// `a + -c` is `a - c`. Negating `i64::MIN` wraps, as it does in MLIR (`d0 - -9223372036854775808`).
fn write_add(f: &mut fmt::Formatter<'_>, lhs: &AffineExpr, rhs: &AffineExpr) -> fmt::Result {
    write_expr(f, lhs, Binding::Weak)?;
    match (rhs, rhs.as_mul_by_const()) {
        (_, Some((x, -1))) => {
            f.write_str(" - ")?;
            // Only a sum needs parentheses after the minus; `d0 - d1 floordiv 2` reads back right.
            let binding = if matches!(x, Add(..)) { Binding::Strong } else { Binding::Weak };
            write_expr(f, x, binding)
        }
        (_, Some((x, c))) if c < -1 => {
            f.write_str(" - ")?;
            write_expr(f, x, Binding::Strong)?;
            write!(f, " * {}", c.wrapping_neg())
        }
        (Const(c), _) if *c < 0 => write!(f, " - {}", c.wrapping_neg()),
        _ => {
            f.write_str(" + ")?;
            write_expr(f, rhs, Binding::Weak)
        }
    }
}

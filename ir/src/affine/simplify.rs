//! The simplifying constructors of affine expressions, after upstream MLIR 22's
//! `mlir/lib/IR/AffineExpr.cpp` (`simplifyAdd`, `simplifyMul`, `simplifyFloorDiv`,
//! `simplifyCeilDiv`, `simplifyMod` and the operand ordering of commutative nodes).
//!
//! MLIR simplifies every expression as it is built, so the parser's left-to-right calls decide
//! the final shape: `2 * 3 + d0` is `d0 + 6`, `(d0 + 1) * 2` stays as written. Matching
//! `mlir-opt` byte for byte means matching those rules exactly, including where they stop short
//! (nothing is reassociated beyond what a rule says) and their arithmetic at the edges of `i64`:
//!
//! - folding two constants (`c1 + c2`, `c1 * c2`, `c1 floordiv c2`, `c1 ceildiv c2`) is checked;
//!   where the result would overflow MLIR keeps the node as written (`9223372036854775807 + 1`);
//! - the coefficient arithmetic inside the rules (`(x + c1) + c2`, `(x * c1) * c2`,
//!   `x * c1 + x * c2`, largest known divisors) is plain `int64_t` arithmetic in MLIR, which wraps
//!   on the machines it runs on: `d0 * 4611686018427387904 * 2` prints `d0 * -9223372036854775808`.
//!   We wrap the same way (deterministically, never panicking);
//! - where MLIR would trap (`i64::MIN / -1` inside a rule) we leave the expression unfolded;
//! - division and `mod` by zero are never folded; `mod` by a negative constant is never folded,
//!   while `floordiv`/`ceildiv` by a negative constant are (MLIR 22 folds them, upstream PR 97031).

use std::ops;

use super::AffineExpr::{self, Add, CeilDiv, Const, Dim, FloorDiv, Mod, Mul, Symbol};

// The constructors are associated functions named after MLIR's operators; `a + b`, `a * b`,
// `a - b` and `-a` work too, through the `std::ops` implementations below.
#[allow(clippy::should_implement_trait)]
impl AffineExpr {
    /// `lhs + rhs`, simplified as MLIR's `AffineExpr::operator+` does.
    pub fn add(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr {
        match simplify_add(&lhs, &rhs) {
            Some(e) => e,
            None => {
                let (lhs, rhs) = order_leaves(lhs, rhs);
                Add(Box::new(lhs), Box::new(rhs))
            }
        }
    }

    /// `lhs * rhs`, simplified as MLIR's `AffineExpr::operator*` does. A product of two
    /// expressions with dimensions is not affine; it is kept as written, as MLIR keeps it.
    pub fn mul(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr {
        match simplify_mul(&lhs, &rhs) {
            Some(e) => e,
            None => {
                let (lhs, rhs) = order_leaves(lhs, rhs);
                Mul(Box::new(lhs), Box::new(rhs))
            }
        }
    }

    /// `lhs floordiv rhs`, simplified as MLIR's `AffineExpr::floorDiv` does.
    pub fn floor_div(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr {
        simplify_floor_div(&lhs, &rhs).unwrap_or_else(|| FloorDiv(Box::new(lhs), Box::new(rhs)))
    }

    /// `lhs ceildiv rhs`, simplified as MLIR's `AffineExpr::ceilDiv` does.
    pub fn ceil_div(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr {
        simplify_ceil_div(&lhs, &rhs).unwrap_or_else(|| CeilDiv(Box::new(lhs), Box::new(rhs)))
    }

    /// `lhs mod rhs`, simplified as MLIR's `AffineExpr::operator%` does.
    pub fn modulo(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr {
        simplify_mod(&lhs, &rhs).unwrap_or_else(|| Mod(Box::new(lhs), Box::new(rhs)))
    }

    /// `-e`, which MLIR builds as `e * -1` (its unary `operator-` and the parser's `-x`).
    pub fn neg(e: AffineExpr) -> AffineExpr {
        AffineExpr::mul(e, Const(-1))
    }

    /// `lhs - rhs`, which MLIR builds as `lhs + rhs * -1` (its binary `operator-`).
    pub fn sub(lhs: AffineExpr, rhs: AffineExpr) -> AffineExpr {
        AffineExpr::add(lhs, AffineExpr::neg(rhs))
    }

    /// The largest integer this expression is known to be a multiple of, as MLIR's
    /// `getLargestKnownDivisor` computes it, with its wrapping `int64_t` arithmetic (so a product
    /// of large divisors can come out negative, and `gcd` then sees it as a huge `uint64_t`).
    fn largest_known_divisor(&self) -> i64 {
        match self {
            Dim(_) | Symbol(_) => 1,
            Const(c) => c.wrapping_abs(),
            Mul(a, b) => a.largest_known_divisor().wrapping_mul(b.largest_known_divisor()),
            Add(a, b) | Mod(a, b) => gcd(a.largest_known_divisor() as u64, b.largest_known_divisor() as u64) as i64,
            FloorDiv(a, b) | CeilDiv(a, b) => divided_divisor(a, b).unwrap_or(1),
        }
    }

    /// `Some((x, c))` for `x + c` with a constant `c`.
    fn as_add_const(&self) -> Option<(&AffineExpr, i64)> {
        match self {
            Add(x, c) => Some((x, c.as_const()?)),
            _ => None,
        }
    }

    /// `Some((e, q))` for `e floordiv q`.
    fn as_floor_div(&self) -> Option<(&AffineExpr, &AffineExpr)> {
        match self {
            FloorDiv(e, q) => Some((e, q)),
            _ => None,
        }
    }
}

impl ops::Add for AffineExpr {
    type Output = AffineExpr;

    fn add(self, rhs: AffineExpr) -> AffineExpr {
        // A path call picks the inherent constructor over this method.
        AffineExpr::add(self, rhs)
    }
}

impl ops::Sub for AffineExpr {
    type Output = AffineExpr;

    fn sub(self, rhs: AffineExpr) -> AffineExpr {
        AffineExpr::sub(self, rhs)
    }
}

impl ops::Mul for AffineExpr {
    type Output = AffineExpr;

    fn mul(self, rhs: AffineExpr) -> AffineExpr {
        AffineExpr::mul(self, rhs)
    }
}

impl ops::Neg for AffineExpr {
    type Output = AffineExpr;

    fn neg(self) -> AffineExpr {
        AffineExpr::neg(self)
    }
}

/// Floor division of constants as MLIR folds it; `None` for a zero divisor or a quotient that
/// leaves `i64` (`i64::MIN floordiv -1`).
pub(super) fn floor_div_i64(lhs: i64, rhs: i64) -> Option<i64> {
    let (q, r) = (lhs.checked_div(rhs)?, lhs.checked_rem(rhs)?);
    // Truncation rounded towards zero; step down when the exact quotient was negative.
    Some(if r != 0 && ((r < 0) != (rhs < 0)) { q - 1 } else { q })
}

/// Ceiling division of constants as MLIR folds it; `None` as for [`floor_div_i64`].
pub(super) fn ceil_div_i64(lhs: i64, rhs: i64) -> Option<i64> {
    let (q, r) = (lhs.checked_div(rhs)?, lhs.checked_rem(rhs)?);
    // Truncation rounded towards zero; step up when the exact quotient was positive.
    Some(if r != 0 && ((r < 0) == (rhs < 0)) { q + 1 } else { q })
}

/// `gcd` of the divisors as unsigned 64-bit numbers, as MLIR's `std::gcd((uint64_t)a, (uint64_t)b)`.
fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `a % b == 0` as MLIR tests it, except that the one case where its `int64_t` remainder traps
/// (`i64::MIN % -1`) answers "no", so that the rule relying on it does not fire.
fn divides(b: i64, a: i64) -> bool {
    a.checked_rem(b) == Some(0)
}

/// The known divisor of `lhs floordiv rhs` (or `ceildiv`): the magnitude of the divisor of
/// `lhs` divided by a constant `rhs` that divides it exactly, as MLIR 22 computes it (the
/// magnitude since upstream PR 100081).
fn divided_divisor(lhs: &AffineExpr, rhs: &AffineExpr) -> Option<i64> {
    let c = rhs.as_const().filter(|&c| c != 0)?;
    let known = lhs.largest_known_divisor();
    if divides(c, known) {
        known.checked_div(c).map(i64::wrapping_abs)
    } else {
        None
    }
}

/// MLIR 22 orders the operands of a new `+` or `*` node when both are dimensions or symbols:
/// dimensions before symbols, each by position (`d1 + d0` is `d0 + d1`, `s1 * s0` is `s0 * s1`).
/// Other operands keep their order.
fn order_leaves(lhs: AffineExpr, rhs: AffineExpr) -> (AffineExpr, AffineExpr) {
    match (leaf_rank(&lhs), leaf_rank(&rhs)) {
        (Some(l), Some(r)) if l > r => (rhs, lhs),
        _ => (lhs, rhs),
    }
}

/// The ordering key of a dimension or symbol.
fn leaf_rank(e: &AffineExpr) -> Option<(u8, u32)> {
    match e {
        Dim(i) => Some((0, *i)),
        Symbol(i) => Some((1, *i)),
        _ => None,
    }
}

/// MLIR's `simplifyAdd`; `None` when `lhs + rhs` stays a node as written.
fn simplify_add(lhs: &AffineExpr, rhs: &AffineExpr) -> Option<AffineExpr> {
    if let (Some(a), Some(b)) = (lhs.as_const(), rhs.as_const()) {
        // MLIR folds only a sum that fits; otherwise `a + b` stays as written.
        return a.checked_add(b).map(Const);
    }
    // Canonical order: a constant, else the only symbolic operand, goes on the right.
    if lhs.as_const().is_some() || (lhs.is_symbolic_or_constant() && !rhs.is_symbolic_or_constant()) {
        return Some(AffineExpr::add(rhs.clone(), lhs.clone()));
    }
    if rhs.as_const() == Some(0) {
        return Some(lhs.clone());
    }
    // `(x + c1) + c2` is `x + (c1 + c2)`.
    if let (Some((x, c1)), Some(c2)) = (lhs.as_add_const(), rhs.as_const()) {
        return Some(AffineExpr::add(x.clone(), Const(c1.wrapping_add(c2))));
    }
    // `x * c1 + x * c2` is `x * (c1 + c2)`, a bare `x` counting as `x * 1`.
    let (first, c1) = lhs.as_mul_by_const().unwrap_or((lhs, 1));
    let (second, c2) = rhs.as_mul_by_const().unwrap_or((rhs, 1));
    if first == second {
        return Some(AffineExpr::mul(first.clone(), Const(c1.wrapping_add(c2))));
    }
    // `(x + c) + y` is `(x + y) + c`: constants travel to the outermost right.
    if let Some((x, c)) = lhs.as_add_const() {
        return Some(AffineExpr::add(AffineExpr::add(x.clone(), rhs.clone()), Const(c)));
    }
    simplify_add_of_quotient(lhs, rhs)
}

/// The last rules of `simplifyAdd`, for a right operand `(e floordiv q) * k`:
///
/// - `e - (e floordiv q) * q` is `e mod q`, spelled `e + ((e floordiv q) * q) * -1` for a
///   symbolic `q`, or `e + (e floordiv q) * -q` for a positive constant `q` (MLIR 22 leaves
///   `d0 + (d0 floordiv -4) * 4` and `d0 + (d0 floordiv s0) * (-s0)` alone);
/// - otherwise `(a + b) + (e floordiv q) * k` is `a + (b + (e floordiv q) * k)` when the inner
///   sum simplifies (upstream PR 146492: `(s0 + s1) - (s1 floordiv 4) * 4` is `s0 + s1 mod 4`;
///   it also moves a symbolic `b` after the product, `(d1 + s0) + p` being `d1 + (p + s0)`).
fn simplify_add_of_quotient(lhs: &AffineExpr, rhs: &AffineExpr) -> Option<AffineExpr> {
    let Mul(product, k) = rhs else { return None };
    if **k == Const(-1) {
        if let Mul(quotient, q) = &**product {
            let (e, divisor) = quotient.as_floor_div()?;
            return (divisor == &**q && e == lhs).then(|| AffineExpr::modulo(lhs.clone(), (**q).clone()));
        }
    }
    let (e, q) = product.as_floor_div()?;
    let positive_q = q.as_const().filter(|&q| q >= 1);
    if e == lhs && positive_q.is_some_and(|q| Some(q) == k.as_const().and_then(i64::checked_neg)) {
        return Some(AffineExpr::modulo(e.clone(), q.clone()));
    }
    let Add(a, b) = lhs else { return None };
    let inner = simplify_add(b, rhs)?;
    Some(AffineExpr::add((**a).clone(), inner))
}

/// MLIR's `simplifyMul`; `None` when `lhs * rhs` stays a node as written.
fn simplify_mul(lhs: &AffineExpr, rhs: &AffineExpr) -> Option<AffineExpr> {
    if let (Some(a), Some(b)) = (lhs.as_const(), rhs.as_const()) {
        // MLIR folds only a product that fits; otherwise `a * b` stays as written.
        return a.checked_mul(b).map(Const);
    }
    if !lhs.is_symbolic_or_constant() && !rhs.is_symbolic_or_constant() {
        // Not affine (the parser rejects it); MLIR builds it unsimplified.
        return None;
    }
    // Canonical order: the symbolic (or constant) operand goes on the right, a constant most of all.
    if !rhs.is_symbolic_or_constant() || lhs.as_const().is_some() {
        return Some(AffineExpr::mul(rhs.clone(), lhs.clone()));
    }
    match rhs.as_const() {
        Some(1) => return Some(lhs.clone()),
        Some(0) => return Some(Const(0)),
        _ => {}
    }
    let (x, c1) = lhs.as_mul_by_const()?;
    Some(match rhs.as_const() {
        // `(x * c1) * c2` is `x * (c1 * c2)`.
        Some(c2) => AffineExpr::mul(x.clone(), Const(c1.wrapping_mul(c2))),
        // `(x * c) * y` is `(x * y) * c`: constants travel to the outermost right.
        None => AffineExpr::mul(AffineExpr::mul(x.clone(), rhs.clone()), Const(c1)),
    })
}

/// MLIR's `simplifyFloorDiv`; `None` when the node stays as written.
fn simplify_floor_div(lhs: &AffineExpr, rhs: &AffineExpr) -> Option<AffineExpr> {
    let c = rhs.as_const().filter(|&c| c != 0)?;
    if let Some(l) = lhs.as_const() {
        return floor_div_i64(l, c).map(Const);
    }
    if c == 1 {
        return Some(lhs.clone());
    }
    match lhs {
        // `(x * k) floordiv c` is `x * (k / c)` when `c` divides `k`.
        Mul(..) => divide_scaled(lhs, c),
        // `(a + b) floordiv c` distributes when `c` divides either term.
        Add(a, b) if divides(c, a.largest_known_divisor()) || divides(c, b.largest_known_divisor()) => {
            Some(AffineExpr::add(
                AffineExpr::floor_div((**a).clone(), Const(c)),
                AffineExpr::floor_div((**b).clone(), Const(c)),
            ))
        }
        _ => None,
    }
}

/// MLIR's `simplifyCeilDiv`; `None` when the node stays as written.
fn simplify_ceil_div(lhs: &AffineExpr, rhs: &AffineExpr) -> Option<AffineExpr> {
    let c = rhs.as_const().filter(|&c| c != 0)?;
    if let Some(l) = lhs.as_const() {
        return ceil_div_i64(l, c).map(Const);
    }
    if c == 1 {
        return Some(lhs.clone());
    }
    divide_scaled(lhs, c)
}

/// `(x * k) / c` as `x * (k / c)` when the constant `c` divides the constant `k` (the same for
/// `floordiv` and `ceildiv`, the division being exact).
fn divide_scaled(lhs: &AffineExpr, c: i64) -> Option<AffineExpr> {
    let (x, k) = lhs.as_mul_by_const()?;
    if !divides(c, k) {
        return None;
    }
    Some(AffineExpr::mul(x.clone(), Const(k.checked_div(c)?)))
}

/// MLIR's `simplifyMod`; `None` when the node stays as written.
fn simplify_mod(lhs: &AffineExpr, rhs: &AffineExpr) -> Option<AffineExpr> {
    // `mod` by zero or a negative number is undefined: MLIR preserves it as is.
    let c = rhs.as_const().filter(|&c| c >= 1)?;
    if let Some(l) = lhs.as_const() {
        return l.checked_rem_euclid(c).map(Const);
    }
    // A multiple of `c` (`(d0 * 128) mod 64`) is 0.
    if divides(c, lhs.largest_known_divisor()) {
        return Some(Const(0));
    }
    match lhs {
        // `(a + b) mod c` drops a term that `c` divides.
        Add(a, b) if divides(c, a.largest_known_divisor()) => Some(AffineExpr::modulo((**b).clone(), Const(c))),
        Add(a, b) if divides(c, b.largest_known_divisor()) => Some(AffineExpr::modulo((**a).clone(), Const(c))),
        // `(e mod k) mod c` is `e mod c` when `c` divides `k`.
        Mod(e, k) if k.as_const().is_some_and(|k| k >= 1 && k % c == 0) => {
            Some(AffineExpr::modulo((**e).clone(), Const(c)))
        }
        _ => None,
    }
}

//! Unit tests of the simplifying constructors and the printer. Every expected string in the
//! `check` tables is what `mlir-opt-22 --allow-unregistered-dialect` printed for the same source
//! text in `affine_map<(d0, d1, d2)[s0, s1] -> (TEXT)>`.

use proptest::prelude::*;

use super::test_parser::parse_expr;
use super::AffineExpr::{self, Add, CeilDiv, Const, Dim, FloorDiv, Mod, Mul, Symbol};
use super::AffineMap;

/// Parses each source text the way MLIR does and compares the printed result.
fn check(cases: &[(&str, &str)]) {
    for (source, expected) in cases {
        let printed = parse_expr(source, 3, 2).map(|e| e.to_string());
        assert_eq!(printed.as_deref(), Ok(*expected), "for `{source}`");
    }
}

/// The example of the task: one map of ten results, as mlir-opt-22 prints it.
#[test]
fn prints_a_map_as_mlir_opt() {
    let source = [
        "s0 - d0 - 9",
        "d0 * 2 + 3 * d0",
        "(d0 + 1) * 2",
        "4 + d0",
        "d0 floordiv 1",
        "d0 mod 1",
        "2 * 3 + d0",
        "d0 + d0",
        "s0 + d0",
        "d0 - d0",
    ];
    let results = source.iter().map(|s| parse_expr(s, 1, 1)).collect::<Result<Vec<_>, _>>();
    let map = AffineMap { num_dims: 1, num_symbols: 1, results: results.expect("affine") };
    assert_eq!(
        map.to_string(),
        "(d0)[s0] -> (-d0 + s0 - 9, d0 * 5, (d0 + 1) * 2, d0 + 4, d0, 0, d0 + 6, d0 * 2, d0 + s0, 0)"
    );
}

/// `operator+`: constants folded and moved right, symbolic operands moved right, like terms merged, constants carried
/// to the outermost right.
#[test]
fn add_rules() {
    check(&[
        ("4 + d0", "d0 + 4"),
        ("2 * 3 + d0", "d0 + 6"),
        ("s0 + d0", "d0 + s0"),
        ("s0 - d0 - 9", "-d0 + s0 - 9"),
        ("d0 + d0", "d0 * 2"),
        ("d0 - d0", "0"),
        ("d0 * 2 + 3 * d0", "d0 * 5"),
        ("d0 * 3 - d0 * 3 + d1", "d1"),
        ("d0 + 0", "d0"),
        ("0 + d0", "d0"),
        ("(d0 + 2) + 3", "d0 + 5"),
        ("(d0 + 1) + d1", "d0 + d1 + 1"),
        ("d0 + (d1 + 1)", "d0 + d1 + 1"),
        ("(d0 + 1) + (d1 + 2)", "d0 + d1 + 2 + 1"),
        ("d0 + (d1 + d0)", "d0 + d0 + d1"),
        ("(d0 + d1) + d0", "d0 + d1 + d0"),
        ("(d0 floordiv 2) + (d0 floordiv 2) * 3", "(d0 floordiv 2) * 4"),
        ("s0 * 2 + d0", "d0 + s0 * 2"),
        ("d0 + s0 * 2", "d0 + s0 * 2"),
        ("s0 + 1 + d0", "d0 + s0 + 1"),
        ("3 + s0", "s0 + 3"),
    ]);
}

/// `operator*` and negation (`x * -1`): constants folded and moved right, symbolic factors moved right, scaled products
/// folded.
#[test]
fn mul_rules_and_negation() {
    check(&[
        ("(d0 + 1) * 2", "(d0 + 1) * 2"),
        ("2 * d0", "d0 * 2"),
        ("s0 * d0", "d0 * s0"),
        ("d0 * s0", "d0 * s0"),
        ("(d0 * 2) * 3", "d0 * 6"),
        ("(d0 * 2) * s0", "(d0 * s0) * 2"),
        ("d0 * (s0 * 2)", "d0 * (s0 * 2)"),
        ("(d0 * 2) * (s0 * 3)", "(d0 * (s0 * 3)) * 2"),
        ("s0 * 2 * d0", "d0 * (s0 * 2)"),
        ("s0 * s1 * d0", "d0 * (s0 * s1)"),
        ("s1 * (s0 * d0)", "(d0 * s0) * s1"),
        ("d0 * 1", "d0"),
        ("d0 * 0", "0"),
        ("0 * s0", "0"),
        ("s0 * (d0 + 1)", "(d0 + 1) * s0"),
        ("(d0 floordiv 2) * (s0 floordiv 3)", "(d0 floordiv 2) * (s0 floordiv 3)"),
        ("d0 * (s0 mod 3)", "d0 * (s0 mod 3)"),
        ("(d0 mod 3) * s0", "(d0 mod 3) * s0"),
        ("-d0 * 3", "d0 * -3"),
        ("-(d0 * 2)", "d0 * -2"),
        ("-(d0 + s0) * 3", "(d0 + s0) * -3"),
        ("-(-d0)", "d0"),
        ("- - d0", "d0"),
        ("-(s0 * s1)", "-(s0 * s1)"),
    ]);
}

/// `floorDiv` and `ceilDiv`: constant folding with floor/ceil rounding (negative divisors too, as MLIR 22 does), exact
/// divisions of scaled terms, distribution of `floordiv` over a sum with a divisible term.
#[test]
fn floordiv_and_ceildiv_rules() {
    check(&[
        ("d0 floordiv 1", "d0"),
        ("7 floordiv 2", "3"),
        ("-7 floordiv 2", "-4"),
        ("7 floordiv -2", "-4"),
        ("(d0 * 128) floordiv 64", "d0 * 2"),
        ("(d0 * 4) floordiv -2", "d0 * -2"),
        ("(d0 * 8) floordiv 3", "(d0 * 8) floordiv 3"),
        ("(d0 * 4 + d1) floordiv 2", "d0 * 2 + d1 floordiv 2"),
        ("(d0 * 4 + d1) floordiv -2", "d0 * -2 + d1 floordiv -2"),
        ("(d0 * 3 + d1 * 6) floordiv 3", "d0 + d1 * 2"),
        ("(d0 + d1 * 3) floordiv 3", "d0 floordiv 3 + d1"),
        ("(d0 * 4 + 2) floordiv -2", "d0 * -2 - 1"),
        ("(d0 + d1 * 2) floordiv -1", "d0 floordiv -1 - d1 * 2"),
        ("d0 floordiv -1", "d0 floordiv -1"),
        ("(d0 * 3) floordiv -1", "d0 * -3"),
        ("d0 floordiv s0", "d0 floordiv s0"),
        ("(d0 * s0) floordiv s0", "(d0 * s0) floordiv s0"),
        ("s0 floordiv s0", "s0 floordiv s0"),
        ("(((d0 * 4) mod 8) floordiv 2) floordiv 2", "(((d0 * 4) mod 8) floordiv 2) floordiv 2"),
        ("(-d0) floordiv 2", "(-d0) floordiv 2"),
        ("-d0 floordiv 2", "(-d0) floordiv 2"),
        ("-(d0 floordiv 2)", "-(d0 floordiv 2)"),
        ("d0 ceildiv 1", "d0"),
        ("7 ceildiv 2", "4"),
        ("-7 ceildiv 2", "-3"),
        ("7 ceildiv -2", "-3"),
        ("(d0 * 6) ceildiv -3", "d0 * -2"),
        ("(d0 * 6) ceildiv 4", "(d0 * 6) ceildiv 4"),
        ("(d0 * 8) ceildiv -4", "d0 * -2"),
        ("(d0 * 4 + d1) ceildiv 2", "(d0 * 4 + d1) ceildiv 2"),
        ("d0 ceildiv -1", "d0 ceildiv -1"),
        ("d0 ceildiv s0", "d0 ceildiv s0"),
    ]);
}

/// `operator%`: constant folding, known divisors, dropping divisible terms, nested `mod`; and `simplifyAdd`'s `e - (e
/// floordiv q) * q` forms, with the shapes MLIR 22 leaves alone.
#[test]
fn mod_rules_and_mod_patterns_in_add() {
    check(&[
        ("d0 mod 1", "0"),
        ("-7 mod 3", "2"),
        ("7 mod 3", "1"),
        ("(d0 * 128) mod 64", "0"),
        ("(d0 * -9) mod 3", "0"),
        ("(d0 * 4 + d1) mod 2", "d1 mod 2"),
        ("(d0 * 4 + d1 * 6) mod 2", "0"),
        ("(d0 + d1 * 3) mod 3", "d0 mod 3"),
        ("(d0 * 3 + d1) mod 3", "d1 mod 3"),
        ("(d0 * 6 + 3) mod 3", "0"),
        ("(d0 mod 6) mod 3", "d0 mod 3"),
        ("(d0 mod 6) mod 4", "(d0 mod 6) mod 4"),
        ("(d0 mod 4) mod 8", "(d0 mod 4) mod 8"),
        ("((d0 * 4) mod 8) mod 4", "0"),
        ("(((d0 * 4) mod 8) floordiv 2) mod 2", "0"),
        ("(((d0 * 4) mod 8) ceildiv 2) mod 2", "0"),
        ("(((d0 * 4) mod 8) floordiv -2) mod 2", "0"),
        ("d0 mod s0", "d0 mod s0"),
        ("(d0 * s0) mod s0", "(d0 * s0) mod s0"),
        ("s0 mod s0", "s0 mod s0"),
        ("d0 - (d0 floordiv 4) * 4", "d0 mod 4"),
        ("d0 - 4 * (d0 floordiv 4)", "d0 mod 4"),
        ("d0 + (d0 floordiv 4) * -4", "d0 mod 4"),
        ("d0 - (d0 floordiv s0) * s0", "d0 mod s0"),
        ("s0 - (s0 floordiv s1) * s1", "s0 mod s1"),
        ("(d0 + d1) - ((d0 + d1) floordiv 4) * 4", "(d0 + d1) mod 4"),
        ("d0 + d1 - (d1 floordiv 4) * 4", "d0 + d1 mod 4"),
        ("d0 + d1 + d2 - (d2 floordiv 4) * 4", "d0 + d1 + d2 mod 4"),
        ("d0 * 2 + d1 - (d1 floordiv 4) * 4", "d0 * 2 + d1 mod 4"),
        ("d0 + d1 * 2 - ((d1 * 2) floordiv 4) * 4", "d0 + (d1 * 2) mod 4"),
        ("d0 + 3 + d1 - (d1 floordiv 4) * 4", "d0 + d1 mod 4 + 3"),
        ("(d0 + 1) + (d0 floordiv 4) * -4", "d0 mod 4 + 1"),
        ("d0 + d1 mod 4 - ((d1 mod 4) floordiv 2) * 2", "d0 + d1 mod 2"),
        ("d0 - (d0 + 1)", "d0 - (d0 + 1)"),
        ("d0 + d1 - (d0 floordiv 4) * 4", "d0 + d1 - (d0 floordiv 4) * 4"),
        ("d0 + d1 - (d1 floordiv s0) * s0", "d0 + d1 - (d1 floordiv s0) * s0"),
        ("d0 + (d0 floordiv s0) * (-s0)", "d0 + (d0 floordiv s0) * (-s0)"),
        ("d0 + (d0 floordiv -4) * 4", "d0 + (d0 floordiv -4) * 4"),
        ("d0 - (d0 floordiv -4) * -4", "d0 + (d0 floordiv -4) * 4"),
        ("d0 + (d0 floordiv 4) floordiv -4", "d0 + (d0 floordiv 4) floordiv -4"),
        ("d0 + (d0 floordiv 4) mod -4", "d0 + (d0 floordiv 4) mod -4"),
        ("d0 + (d0 ceildiv 4) * -4", "d0 - (d0 ceildiv 4) * 4"),
        ("d0 + (d0 mod 4) * -4", "d0 - (d0 mod 4) * 4"),
        ("d0 + d1 + (d1 floordiv 4) * -8", "d0 + d1 - (d1 floordiv 4) * 8"),
        ("(d0 floordiv 4) * -4 + d0", "(d0 floordiv 4) * -4 + d0"),
    ]);
}

/// `simplifyAdd` on a sum and a right operand `(e floordiv q) * k`: MLIR 22 tries the sum's
/// last term with it (upstream PR 146492), which also moves a symbolic last term to the right.
#[test]
fn sum_with_a_quotient_term() {
    check(&[
        ("(d0 + s0) + (d1 floordiv -4) * 4", "d0 + (d1 floordiv -4) * 4 + s0"),
        ("(d0 + s0) + (d1 floordiv s1) * 4", "d0 + (d1 floordiv s1) * 4 + s0"),
        ("(d0 + s0) + (d1 floordiv 4) * 3", "d0 + (d1 floordiv 4) * 3 + s0"),
        ("(d0 + s0) + (d1 floordiv 4) * -4", "d0 + (d1 floordiv 4) * -4 + s0"),
        ("(d0 + s0) + (d1 floordiv 4) * s1", "d0 + (d1 floordiv 4) * s1 + s0"),
        ("(d0 + s0) - (d1 floordiv s1) * s1", "d0 + s0 - (d1 floordiv s1) * s1"),
        ("(d0 + s0) + ((d0 + s0) floordiv 4) * -4", "(d0 + s0) mod 4"),
        ("(d0 + s0) + ((d0 + s0) floordiv s1) * (-s1)", "d0 + ((d0 + s0) floordiv s1) * (-s1) + s0"),
        ("(d0 + s0) + (d1 ceildiv 4) * -4", "d0 + s0 - (d1 ceildiv 4) * 4"),
        ("(d0 + s0) + (d1 mod 4) * -4", "d0 + s0 - (d1 mod 4) * 4"),
        ("(d0 + (d1 floordiv 2) * 3) + (d1 floordiv 2) * -3", "d0"),
        ("(d0 + (d1 floordiv 2) * 3) + (d1 floordiv 2) * -2", "d0 + d1 floordiv 2"),
        ("(d0 + d1 * 3) + (d1 floordiv 2) * -2", "d0 + d1 * 3 - (d1 floordiv 2) * 2"),
        ("(d0 + 5) + (d1 floordiv 2) * -2", "d0 - (d1 floordiv 2) * 2 + 5"),
        ("(d0 + s0 + 5) + (d1 floordiv 2) * -2", "d0 + (d1 floordiv 2) * -2 + s0 + 5"),
        ("((d0 + s0) + s1) + (d1 floordiv 2) * -2", "d0 + s0 + (d1 floordiv 2) * -2 + s1"),
        ("(d0 + (d1 floordiv 2)) + (d1 floordiv 2) * -1", "d0"),
        ("(d0 + (d1 floordiv 2)) + (d1 floordiv 2) * 3", "d0 + (d1 floordiv 2) * 4"),
        ("d0 + (d0 floordiv 2) * 3", "d0 + (d0 floordiv 2) * 3"),
        ("(s0 + s1) + (s1 floordiv 2) * -2", "s0 + s1 mod 2"),
        ("(s0 + d1) + (d1 floordiv 2) * -2", "d1 + (d1 floordiv 2) * -2 + s0"),
    ]);
}

/// MLIR 22 orders two dimension/symbol operands of a new `+`/`*` node (dims first, by position); nothing else is
/// reordered.
#[test]
fn commutative_operand_order() {
    check(&[
        ("d1 + d0", "d0 + d1"),
        ("s1 + s0", "s0 + s1"),
        ("d2 + d1 + d0", "d1 + d2 + d0"),
        ("d1 + 1 + d0", "d0 + d1 + 1"),
        ("s1 + d1 + s0 + d0", "d1 + s1 + s0 + d0"),
        ("(d2 + d1) + (d1 + d0)", "d1 + d2 + d0 + d1"),
        ("d0 * 2 + d1", "d0 * 2 + d1"),
        ("d1 + d0 * 2", "d1 + d0 * 2"),
        ("d1 + s0", "d1 + s0"),
        ("s1 + d2", "d2 + s1"),
        ("s1 * s0", "s0 * s1"),
        ("s0 * s1", "s0 * s1"),
        ("d1 * s1 + d0", "d1 * s1 + d0"),
    ]);
}

/// Folding two constants is checked (an overflowing one stays as written), the coefficient arithmetic inside rules
/// wraps as MLIR's `int64_t` does, division and `mod` by zero are never folded, `mod` by a negative constant neither.
#[test]
fn overflow_zero_and_negative_divisors() {
    check(&[
        ("9223372036854775807 + 1", "9223372036854775807 + 1"),
        ("1 + 9223372036854775807", "1 + 9223372036854775807"),
        ("9223372036854775807 + 1 + d0", "d0 + 9223372036854775807 + 1"),
        ("d0 + 9223372036854775807 + 1", "d0 - -9223372036854775808"),
        ("(d0 + 9223372036854775807) + 9223372036854775807", "d0 - 2"),
        ("-9223372036854775807 - 1", "-9223372036854775808"),
        ("-9223372036854775807 - 2", "-9223372036854775807 - 2"),
        ("d0 + (-9223372036854775807 - 1)", "d0 - -9223372036854775808"),
        ("4611686018427387904 * 2", "4611686018427387904 * 2"),
        ("d0 * 4611686018427387904 * 2", "d0 * -9223372036854775808"),
        ("d0 * 9223372036854775807 * 2", "d0 * -2"),
        ("d0 * 9223372036854775807 + d0 * 2", "d0 * -9223372036854775807"),
        ("d0 + d1 * (-9223372036854775807 - 1)", "d0 - d1 * -9223372036854775808"),
        ("-(-9223372036854775807 - 1)", "--9223372036854775808"),
        ("-1 * (-9223372036854775807 - 1)", "-1 * -9223372036854775808"),
        ("(-9223372036854775807 - 1) floordiv -1", "-9223372036854775808 floordiv -1"),
        ("(-9223372036854775807 - 1) floordiv 2", "-4611686018427387904"),
        ("(-9223372036854775807 - 1) ceildiv -1", "-9223372036854775808 ceildiv -1"),
        ("(-9223372036854775807 - 1) ceildiv 2", "-4611686018427387904"),
        ("(-9223372036854775807 - 1) mod 3", "1"),
        ("(d0 * 4611686018427387904) floordiv 2", "d0 * 2305843009213693952"),
        ("d0 floordiv 0", "d0 floordiv 0"),
        ("d0 ceildiv 0", "d0 ceildiv 0"),
        ("d0 mod 0", "d0 mod 0"),
        ("5 floordiv 0", "5 floordiv 0"),
        ("5 ceildiv 0", "5 ceildiv 0"),
        ("7 mod 0", "7 mod 0"),
        ("5 mod -3", "5 mod -3"),
        ("d0 mod -4", "d0 mod -4"),
        ("d0 floordiv -2", "d0 floordiv -2"),
        ("d0 ceildiv -2", "d0 ceildiv -2"),
        ("(d0 * 3) mod -3", "(d0 * 3) mod -3"),
        ("(d0 mod -4) mod 2", "(d0 mod -4) mod 2"),
        // Known divisors: a quotient's is a magnitude (upstream PR 100081); a product's wraps and
        // `gcd` reads it as an unsigned number.
        ("((s0 floordiv -1 + d0 * 6) * 3) mod 9", "((d0 * 6 + s0 floordiv -1) * 3) mod 9"),
        ("((d0 * 6 + 128 * -9223372036854775806) * 3) mod 9", "0"),
        ("(((d0 * 4) mod 8) floordiv -2) mod 2", "0"),
        ("(d0 floordiv 0) * 0", "0"),
        ("d0 + (d0 floordiv 0) * 0", "d0"),
        ("d0 - (d0 floordiv 9223372036854775807) * 9223372036854775807", "d0 mod 9223372036854775807"),
        (
            "d0 + (d0 floordiv (-9223372036854775807 - 1)) * (-9223372036854775807 - 1)",
            "d0 - (d0 floordiv -9223372036854775808) * -9223372036854775808",
        ),
    ]);
}

/// AsmPrinter's forms: subtractions, negations, parentheses by binding strength.
#[test]
fn printing_forms() {
    check(&[
        ("d0 - d1 * 2", "d0 - d1 * 2"),
        ("d0 - (d1 + s0)", "d0 - (d1 + s0)"),
        ("d0 - (d1 + s0) * 2", "d0 - (d1 + s0) * 2"),
        ("d0 - d1 * s0", "d0 - d1 * s0"),
        ("d0 - (d1 floordiv 2)", "d0 - d1 floordiv 2"),
        ("d0 - (d1 mod 2) * 3", "d0 - (d1 mod 2) * 3"),
        ("(d0 + d1) * -1 + s0", "-(d0 + d1) + s0"),
        ("s0 - (d0 + d1)", "-(d0 + d1) + s0"),
        ("(d0 - d1) * 3", "(d0 - d1) * 3"),
        ("-(d0 - d1)", "-(d0 - d1)"),
        ("-(d0 + 1)", "-(d0 + 1)"),
        ("-(s0 * d0)", "-(d0 * s0)"),
        ("s0 - s1 * s0", "s0 - s0 * s1"),
        ("(d0 * s0) * 3", "(d0 * s0) * 3"),
        ("d0 * s0 * 3", "(d0 * s0) * 3"),
        ("((d0 + 1) * 2) floordiv 3", "((d0 + 1) * 2) floordiv 3"),
        ("(d0 floordiv 2) mod (s0 + 1)", "(d0 floordiv 2) mod (s0 + 1)"),
        ("d0 - -3", "d0 + 3"),
        ("d0 + -3", "d0 - 3"),
        ("-d0 - -d1", "-d0 + d1"),
        ("d0 - (-d1)", "d0 + d1"),
        ("d0 - (d1 * -1)", "d0 + d1"),
        ("d0 - (d1 * -2)", "d0 + d1 * 2"),
        ("(s0 + 1) * (s1 + 2)", "(s0 + 1) * (s1 + 2)"),
        ("d0 + (d0 floordiv s0) * (s0 * -1)", "d0 + (d0 floordiv s0) * (-s0)"),
    ]);
}

/// The parser of the tests rejects what MLIR rejects, with MLIR's messages.
#[test]
fn rejects_what_mlir_rejects() {
    for source in ["d0 * d1", "d0 floordiv d1", "s0 ceildiv d0", "d0 mod (d1 + 1)", "9223372036854775808", "d3", "s2"] {
        assert!(parse_expr(source, 3, 2).is_err(), "`{source}` should be rejected");
    }
}

/// The constructors used directly (as the main parser and passes will), including the
/// non-affine product MLIR builds unsimplified rather than failing.
#[test]
fn constructors_build_canonical_forms() {
    let (d0, d1, s0) = (Dim(0), Dim(1), Symbol(0));
    assert_eq!(
        AffineExpr::sub(d0.clone(), d1.clone()),
        Add(Box::new(d0.clone()), Box::new(Mul(Box::new(d1.clone()), Box::new(Const(-1)))))
    );
    assert_eq!(AffineExpr::neg(Const(5)), Const(-5));
    assert_eq!(AffineExpr::neg(Const(i64::MIN)), Mul(Box::new(Const(i64::MIN)), Box::new(Const(-1))));
    assert_eq!(AffineExpr::mul(Const(3), s0.clone()), Mul(Box::new(s0.clone()), Box::new(Const(3))));
    assert_eq!(AffineExpr::mul(d1.clone(), d0.clone()).to_string(), "d0 * d1");
    assert_eq!(AffineExpr::floor_div(d0.clone(), s0.clone()), FloorDiv(Box::new(d0.clone()), Box::new(s0.clone())));
    assert_eq!(AffineExpr::ceil_div(Const(7), Const(2)), Const(4));
    assert_eq!(AffineExpr::modulo(Const(-7), Const(3)), Const(2));
    assert_eq!(AffineExpr::modulo(d0.clone(), Const(0)), Mod(Box::new(d0.clone()), Box::new(Const(0))));
    assert_eq!(AffineExpr::ceil_div(d0.clone(), Const(0)), CeilDiv(Box::new(d0.clone()), Box::new(Const(0))));
    // The operators are the same constructors.
    assert_eq!((Const(4) + d1.clone() - d0.clone() * Const(2)).to_string(), "d1 - d0 * 2 + 4");
    assert_eq!((-(s0.clone() * d0)).to_string(), "-(d0 * s0)");
}

#[test]
fn evaluates_with_floor_and_ceil_rounding() {
    let e = |s: &str| parse_expr(s, 3, 2).expect("affine");
    assert_eq!(e("d0 - d1").eval(&[5, 3, 0], &[]), Some(2));
    assert_eq!(e("d0 ceildiv 4").eval(&[9, 0, 0], &[]), Some(3));
    assert_eq!(e("d0 floordiv -2").eval(&[7, 0, 0], &[]), Some(-4));
    assert_eq!(e("d0 ceildiv -2").eval(&[7, 0, 0], &[]), Some(-3));
    assert_eq!(e("d0 ceildiv s0").eval(&[i64::MIN, 0, 0], &[2, 0]), Some(i64::MIN / 2));
    assert_eq!(e("d0 floordiv s0").eval(&[i64::MIN, 0, 0], &[-1, 0]), None);
    assert_eq!(e("d0 mod s0").eval(&[-7, 0, 0], &[3, 0]), Some(2));
    assert_eq!(e("d0 floordiv 0").eval(&[1, 0, 0], &[]), None);
    assert_eq!(e("d0 + s1").eval(&[1, 0, 0], &[]), None);
}

/// A random expression tree over small constants, built without simplification.
fn raw_expr() -> impl Strategy<Value = AffineExpr> {
    let leaf = prop_oneof![(0u32..3).prop_map(Dim), (0u32..2).prop_map(Symbol), (-6i64..7).prop_map(Const)];
    leaf.prop_recursive(5, 32, 2, |inner| {
        (0u8..5, inner.clone(), inner).prop_map(|(op, a, b)| {
            let (a, b) = (Box::new(a), Box::new(b));
            match op {
                0 => Add(a, b),
                1 => Mul(a, b),
                2 => FloorDiv(a, b),
                3 => CeilDiv(a, b),
                _ => Mod(a, b),
            }
        })
    })
}

/// The same tree rebuilt bottom-up through the simplifying constructors.
fn rebuild(e: &AffineExpr) -> AffineExpr {
    match e {
        Dim(_) | Symbol(_) | Const(_) => e.clone(),
        Add(a, b) => AffineExpr::add(rebuild(a), rebuild(b)),
        Mul(a, b) => AffineExpr::mul(rebuild(a), rebuild(b)),
        FloorDiv(a, b) => AffineExpr::floor_div(rebuild(a), rebuild(b)),
        CeilDiv(a, b) => AffineExpr::ceil_div(rebuild(a), rebuild(b)),
        Mod(a, b) => AffineExpr::modulo(rebuild(a), rebuild(b)),
    }
}

/// `mod` is only defined for a positive divisor, so the value of one with another is not
/// something simplification keeps (nor is `e - (e floordiv s0) * s0`, which MLIR turns into
/// `e mod s0`, for a negative `s0`).
fn mods_by_positive(e: &AffineExpr, dims: &[i64], syms: &[i64]) -> bool {
    match e {
        Dim(_) | Symbol(_) | Const(_) => true,
        Mod(a, b) => b.eval(dims, syms).is_some_and(|v| v >= 1) && mods_by_positive(a, dims, syms),
        Add(a, b) | Mul(a, b) | FloorDiv(a, b) | CeilDiv(a, b) => {
            mods_by_positive(a, dims, syms) && mods_by_positive(b, dims, syms)
        }
    }
}

proptest! {
    /// Simplification keeps the value wherever the original is defined (small numbers: the
    /// wrapping of MLIR's coefficient arithmetic is not reached).
    #[test]
    fn simplification_keeps_values(
        e in raw_expr(),
        dims in prop::array::uniform3(-20i64..20),
        syms in prop::array::uniform2(-20i64..20),
    ) {
        let (original, simplified) = (e.eval(&dims, &syms), rebuild(&e));
        if original.is_some() && mods_by_positive(&e, &dims, &syms) && mods_by_positive(&simplified, &dims, &syms) {
            prop_assert_eq!(simplified.eval(&dims, &syms), original, "{} became {}", e, simplified);
        }
    }

    /// No input makes a constructor or the printer panic, extreme constants included.
    #[test]
    fn never_panics(e in raw_expr(), big in prop::sample::select(vec![i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX])) {
        let with_big = AffineExpr::add(AffineExpr::mul(rebuild(&e), Const(big)), Const(big));
        for op in 0..5 {
            let e2 = match op {
                0 => AffineExpr::floor_div(with_big.clone(), Const(big)),
                1 => AffineExpr::ceil_div(with_big.clone(), Const(big)),
                2 => AffineExpr::modulo(with_big.clone(), Const(big)),
                3 => AffineExpr::sub(with_big.clone(), Const(big)),
                _ => AffineExpr::neg(with_big.clone()),
            };
            let _ = e2.to_string();
        }
    }
}

//! The interpreter's integer arithmetic against Rust's: every `arith` integer op at i1, i8,
//! i16, i32 and i64, run as IR on random operands (edge values included) and compared with
//! the same op on Rust's integer types (`wrapping_*`, `checked_*`); ops MLIR leaves undefined
//! (division by zero, signed division overflow, shifts by the width or more) must be faults,
//! never values.

use std::collections::HashMap;

use proptest::prelude::*;
use strata_ir::{parse_source, Context, Module, ParseOptions};
use strata_runtime::{run_function, Elem, Scalar, Tensor};

const OPS: &[&str] = &[
    "addi", "subi", "muli", "divsi", "divui", "remsi", "remui", "andi", "ori", "xori", "shli", "shrsi", "shrui",
    "maxsi", "minsi", "maxui", "minui",
];
const WIDTHS: &[u32] = &[1, 8, 16, 32, 64];

/// What Rust computes for `op` on `a` and `b` (signed values of width `w`); `None` where MLIR
/// has no defined result.
fn expected(op: &str, a: i64, b: i64, w: u32) -> Option<i64> {
    macro_rules! at {
        ($s:ty, $u:ty) => {{
            let (x, y) = (a as $s, b as $s);
            let (ux, uy) = (x as $u, y as $u);
            let bits = <$s>::BITS;
            Some(match op {
                "addi" => x.wrapping_add(y) as i64,
                "subi" => x.wrapping_sub(y) as i64,
                "muli" => x.wrapping_mul(y) as i64,
                "divsi" => x.checked_div(y)? as i64,
                "divui" => ux.checked_div(uy)? as $s as i64,
                "remsi" if y == 0 => return None,
                "remsi" => x.wrapping_rem(y) as i64,
                "remui" => ux.checked_rem(uy)? as $s as i64,
                "andi" => (x & y) as i64,
                "ori" => (x | y) as i64,
                "xori" => (x ^ y) as i64,
                "shli" if uy >= bits as $u => return None,
                "shli" => x.wrapping_shl(uy as u32) as i64,
                "shrsi" if uy >= bits as $u => return None,
                "shrsi" => (x >> uy) as i64,
                "shrui" if uy >= bits as $u => return None,
                "shrui" => (ux >> uy) as $s as i64,
                "maxsi" => x.max(y) as i64,
                "minsi" => x.min(y) as i64,
                "maxui" => ux.max(uy) as $s as i64,
                "minui" => ux.min(uy) as $s as i64,
                other => panic!("no reference for {other}"),
            })
        }};
    }
    match w {
        1 => {
            // i1 by its truth tables: true is -1 signed, 1 unsigned.
            let (x, y) = (a & 1 == 1, b & 1 == 1);
            let r = match op {
                "addi" | "subi" | "xori" => x ^ y,
                "muli" | "andi" => x && y,
                "ori" => x || y,
                // Dividing by true (-1 signed, 1 unsigned); true / -1 = 1 overflows.
                "divsi" if !y || x => return None,
                "divsi" => false,
                "divui" if !y => return None,
                "divui" => x,
                "remsi" | "remui" if !y => return None,
                "remsi" | "remui" => false,
                "shli" | "shrsi" | "shrui" if y => return None,
                "shli" | "shrsi" | "shrui" => x,
                // Signed, true < false; unsigned, false < true.
                "maxsi" | "minui" => x && y,
                "minsi" | "maxui" => x || y,
                other => panic!("no reference for {other}"),
            };
            Some(i64::from(r))
        }
        8 => at!(i8, u8),
        16 => at!(i16, u16),
        32 => at!(i32, u32),
        _ => at!(i64, u64),
    }
}

fn module(ctx: &Context, op: &str, w: u32) -> Module {
    let src =
        format!("func.func @f(%a: i{w}, %b: i{w}) -> i{w} {{\n  %r = arith.{op} %a, %b : i{w}\n  return %r : i{w}\n}}");
    let m = parse_source(ctx, "f.mlir", &src, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e:?}"));
    strata_ir::verify(ctx, &m.ir, m.root).unwrap_or_else(|e| panic!("{}", e.message));
    m
}

fn scalar(w: u32, v: i64) -> Tensor {
    Tensor::from_ints(&[], Elem::Int(w), vec![v])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn integer_ops_wrap_and_fault_as_rust_says(
        w in prop::sample::select(WIDTHS.to_vec()),
        pairs in prop::collection::vec((any::<i64>(), any::<i64>(), 0usize..6), 64),
    ) {
        let mut ctx = Context::new();
        strata_dialects::register_all(&mut ctx);
        let mut modules = HashMap::new();
        let e = Elem::Int(w);
        let (lo, hi) = e.signed_range();
        let edges = [0, 1, -1, lo, hi, lo + 1];
        for (k, op) in OPS.iter().enumerate() {
            let m = modules.entry(*op).or_insert_with(|| module(&ctx, op, w));
            let f = strata_runtime::functions(&ctx, &m.ir, m.root)[0].1;
            for (i, &(x, y, edge)) in pairs.iter().enumerate() {
                // Every few pairs, an edge value in place of one operand.
                let a = if (i + k) % 4 == 0 { edges[edge] } else { e.wrap(x as i128) };
                let b = if (i + k) % 5 == 0 { edges[(edge + i) % 6] } else { e.wrap(y as i128) };
                let got = run_function(&ctx, &m.ir, f, vec![scalar(w, a), scalar(w, b)]);
                // Rust's value, back in the canonical form (i1: 0 or 1).
                let want = expected(op, e.signed(a), e.signed(b), w).map(|v| e.wrap(v as i128));
                match (got, want) {
                    (Ok(t), Some(v)) => prop_assert_eq!(t[0].get(0), Scalar::Int(v), "{} i{}: {} {}", op, w, a, b),
                    (Err(_), None) => {}
                    (Ok(t), None) => prop_assert!(false, "{} i{}: {} {} gave {:?}, MLIR defines none", op, w, a, b, t[0].get(0)),
                    (Err(err), Some(v)) => prop_assert!(false, "{} i{}: {} {} failed ({}), expected {}", op, w, a, b, err, v),
                }
            }
        }
    }
}

#[test]
fn the_reported_cases() {
    // 2147483647^2 is 1 at 32 bits (the interpreter used to compute it in f64 and say 0).
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    let m = module(&ctx, "muli", 32);
    let f = strata_runtime::functions(&ctx, &m.ir, m.root)[0].1;
    let big = i64::from(i32::MAX);
    let got = run_function(&ctx, &m.ir, f, vec![scalar(32, big), scalar(32, big)]).unwrap();
    assert_eq!(got[0].get(0), Scalar::Int(1));
    assert_eq!(expected("muli", big, big, 32), Some(1));
}

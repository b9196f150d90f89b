//! Signed division by a constant as Cranelift instructions: a multiply-high and shifts, with
//! the multipliers of [`crate::magic`].

use cranelift_codegen::ir::{InstBuilder, Value};
use cranelift_frontend::FunctionBuilder;

use crate::magic::signed_magic;

/// `x / d` rounded toward zero, for a constant `d` with |d| ≥ 2, as Cranelift instructions.
pub fn sdiv_by_constant(b: &mut FunctionBuilder, x: Value, d: i64) -> Value {
    let ty = b.func.dfg.value_type(x);
    if d > 0 && (d as u64).is_power_of_two() {
        // Shift, rounding toward zero: add d - 1 to negative dividends first.
        let k = i64::from(d.trailing_zeros());
        let sign = b.ins().sshr_imm_u(x, i64::from(ty.bits() - 1));
        let bias = b.ins().ushr_imm_u(sign, i64::from(ty.bits()) - k);
        let biased = b.ins().iadd(x, bias);
        return b.ins().sshr_imm_u(biased, k);
    }
    let (m, s) = signed_magic(d, ty.bits());
    let mv = b.ins().iconst(ty, m);
    let mut q = b.ins().smulhi(x, mv);
    if d > 0 && m < 0 {
        q = b.ins().iadd(q, x);
    } else if d < 0 && m > 0 {
        q = b.ins().isub(q, x);
    }
    if s > 0 {
        q = b.ins().sshr_imm_u(q, i64::from(s));
    }
    let sign = b.ins().ushr_imm_u(q, i64::from(ty.bits() - 1));
    b.ins().iadd(q, sign)
}

#[cfg(test)]
mod tests {
    use crate::magic::signed_magic;

    /// The shift path for powers of two, as emitted, against Rust's division.
    #[test]
    fn shifts_divide_by_powers_of_two() {
        for k in 1..20u32 {
            let d = 1i64 << k;
            for x in
                [0i64, 1, -1, d - 1, -(d - 1), d, -d, d + 1, -d - 1, 123_456_789, -987_654_321, i64::MAX, i64::MIN + 1]
            {
                let bias = ((x >> 63) as u64 >> (64 - k)) as i64;
                assert_eq!((x.wrapping_add(bias)) >> k, x / d, "{x} / {d}");
            }
        }
    }

    /// The same steps on i128, against Rust's division.
    fn divide(x: i64, d: i64) -> i64 {
        let (m, s) = signed_magic(d, 64);
        let mut q = ((i128::from(x) * i128::from(m)) >> 64) as i64;
        if d > 0 && m < 0 {
            q = q.wrapping_add(x);
        } else if d < 0 && m > 0 {
            q = q.wrapping_sub(x);
        }
        q >>= s;
        q + ((q as u64) >> 63) as i64
    }

    #[test]
    fn magic_division_matches_division() {
        let divisors = [2i64, 3, 5, 6, 7, 9, 10, 28, 56, 58, 98, 100, 641, 1 << 20, 1_000_003, -3, -7, -64];
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for d in divisors {
            for v in [0i64, 1, -1, d - 1, d, d + 1, -d, i64::MAX, i64::MIN + 1, 123_456_789, -987_654_321] {
                assert_eq!(divide(v, d), v / d, "{v} / {d}");
            }
            for _ in 0..10_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = x as i64 >> (x % 40);
                assert_eq!(divide(v, d), v / d, "{v} / {d}");
            }
        }
    }
}

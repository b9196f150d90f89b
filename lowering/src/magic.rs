//! Division by a constant as a multiply-high and shifts, for every backend: lowered index
//! arithmetic divides by shapes all the time (a thread's indices recovered from its flat
//! index, a convolution's reduction index split into channel and tap), and neither
//! Cranelift's `sdiv` (slow, and never hoisted since it may trap) nor `ptxas` does it (a
//! `div.u32` by an immediate 9 is a reciprocal through the float unit and a correction, about
//! 15 instructions; a `div.u64` a call of about 60).
//!
//! The multipliers are Granlund and Montgomery's ("Division by invariant integers using
//! multiplication", 1994): for unsigned dividends, figure 4.1, which needs no case for a
//! multiplier wider than the word; for signed ones, Warren's search for the smallest shift
//! (Hacker's Delight, 10-1). The `apply` functions are the instruction sequences the
//! emitters write, in Rust, so the tests below check the very steps.

/// `x / d` for unsigned `width`-bit `x` and a constant `d ≥ 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum UnsignedDivision {
    /// `x >> k`.
    Shift(u32),
    /// `t = mulhi(x, multiplier); q = (t + ((x - t) >> 1)) >> shift`.
    Multiply { multiplier: u64, shift: u32 },
}

impl UnsignedDivision {
    pub(super) fn new(d: u64, width: u32) -> Option<UnsignedDivision> {
        if d == 0 || (width < 64 && d >> width != 0) {
            return None;
        }
        if d.is_power_of_two() {
            return Some(UnsignedDivision::Shift(d.trailing_zeros()));
        }
        // l = ceil(log2 d); m = floor(2^N (2^l - d) / d) + 1, below 2^N.
        let l = 64 - (d - 1).leading_zeros();
        let m = ((1u128 << width) * ((1u128 << l) - u128::from(d))) / u128::from(d) + 1;
        Some(UnsignedDivision::Multiply { multiplier: m as u64, shift: l - 1 })
    }

    /// The quotient as the emitted instructions compute it (`width`-bit registers).
    #[cfg(test)]
    fn apply(self, x: u64, width: u32) -> u64 {
        let mask = mask(width);
        match self {
            UnsignedDivision::Shift(k) => x >> k,
            UnsignedDivision::Multiply { multiplier, shift } => {
                let t = ((u128::from(x) * u128::from(multiplier)) >> width) as u64;
                let half = (x.wrapping_sub(t) & mask) >> 1;
                (t.wrapping_add(half) & mask) >> shift
            }
        }
    }
}

/// `x / d` truncated, for signed `width`-bit `x` and a constant `d ≥ 2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SignedDivision {
    /// `(x + ((x >> (N-1)) >>u (N - k))) >> k`: rounds toward zero.
    Shift(u32),
    /// `q = mulhi.s(x, multiplier)`, plus `x` when `add`; `q >> shift`; plus 1 when `x < 0`.
    Multiply { multiplier: u64, add: bool, shift: u32 },
}

impl SignedDivision {
    pub(super) fn new(d: i64, width: u32) -> Option<SignedDivision> {
        if d < 2 || (width < 64 && d >= 1i64 << (width - 1)) {
            return None;
        }
        if (d as u64).is_power_of_two() {
            return Some(SignedDivision::Shift(d.trailing_zeros()));
        }
        let (m, shift) = signed_magic(d, width);
        Some(SignedDivision::Multiply { multiplier: m as u64 & mask(width), add: m < 0, shift })
    }

    #[cfg(test)]
    fn apply(self, x: i64, width: u32) -> i64 {
        let w = width;
        let sx = |v: i128| -> i64 { ((v << (128 - w)) >> (128 - w)) as i64 };
        match self {
            SignedDivision::Shift(k) => {
                let sign = u64::try_from(i128::from(x >> (w - 1)) & i128::from(mask(w))).unwrap();
                let bias = sign >> (w - k);
                sx(i128::from(x) + i128::from(bias)) >> k
            }
            SignedDivision::Multiply { multiplier, add, shift } => {
                let m = i128::from(sx(i128::from(multiplier)));
                let mut q = sx((i128::from(x) * m) >> w);
                if add {
                    q = sx(i128::from(q) + i128::from(x));
                }
                q >>= shift;
                q + i64::from(x < 0)
            }
        }
    }
}

/// The multiplier (sign-extended from `bits`) and shift for signed division by `d`
/// (|d| ≥ 2) in `bits`-bit arithmetic.
pub(crate) fn signed_magic(d: i64, bits: u32) -> (i64, u32) {
    let two = 1u128 << (bits - 1);
    let ad = u128::from(d.unsigned_abs());
    let t = two + if d < 0 { 1 } else { 0 };
    let anc = t - 1 - t % ad;
    let mut p = bits - 1;
    let (mut q1, mut r1) = (two / anc, two - (two / anc) * anc);
    let (mut q2, mut r2) = (two / ad, two - (two / ad) * ad);
    loop {
        p += 1;
        q1 *= 2;
        r1 *= 2;
        if r1 >= anc {
            q1 += 1;
            r1 -= anc;
        }
        q2 *= 2;
        r2 *= 2;
        if r2 >= ad {
            q2 += 1;
            r2 -= ad;
        }
        let delta = ad - r2;
        if !(q1 < delta || (q1 == delta && r1 == 0)) {
            break;
        }
    }
    let m = ((q2 + 1) & u128::from(mask(bits))) as u64;
    let m = ((m << (64 - bits)) as i64) >> (64 - bits);
    (if d < 0 { m.wrapping_neg() } else { m }, p - bits)
}

fn mask(width: u32) -> u64 {
    if width == 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Divisors and dividends near the edges (powers of two, the word's ends) and drawn at
    /// random, in both widths.
    fn samples(width: u32) -> Vec<u64> {
        let mut v: Vec<u64> = (0..300).collect();
        for k in 1..width {
            let p = 1u64 << k;
            v.extend([p - 1, p, p + 1]);
        }
        let m = mask(width);
        v.extend([m, m - 1, m - 2, m / 2, m / 2 + 1, m / 3, m / 7]);
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..3000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            v.push(s >> (s % u64::from(width)));
        }
        v.into_iter().map(|x| x & m).collect()
    }

    #[test]
    fn unsigned_quotients_are_exact() {
        for width in [32, 64] {
            let xs = samples(width);
            for &d in xs.iter().filter(|d| **d > 0).take(700) {
                let div = UnsignedDivision::new(d, width).unwrap();
                for &x in &xs {
                    assert_eq!(div.apply(x, width), x / d, "{x} / {d} in {width} bits with {div:?}");
                }
            }
        }
    }

    #[test]
    fn signed_quotients_truncate_exactly() {
        for width in [32, 64] {
            let xs = samples(width);
            let sx = |v: u64| ((i128::from(v) << (128 - width)) >> (128 - width)) as i64;
            let limit = (1i64 << (width - 2)).saturating_mul(2) - 1;
            let divisors: Vec<i64> = xs.iter().map(|v| sx(*v)).filter(|d| (2..=limit).contains(d)).take(700).collect();
            for &d in &divisors {
                let div = SignedDivision::new(d, width).unwrap();
                for &x in &xs {
                    let x = sx(x);
                    let want = (i128::from(x) / i128::from(d)) as i64;
                    assert_eq!(div.apply(x, width), want, "{x} / {d} in {width} bits with {div:?}");
                }
            }
        }
    }

    #[test]
    fn divisors_outside_the_word_are_refused() {
        assert_eq!(UnsignedDivision::new(0, 32), None);
        assert_eq!(UnsignedDivision::new(1 << 32, 32), None);
        assert_eq!(SignedDivision::new(1, 32), None);
        assert_eq!(SignedDivision::new(-3, 64), None);
        assert_eq!(SignedDivision::new(1 << 31, 32), None);
    }
}

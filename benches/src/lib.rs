//! Shared pieces of Strata's benchmarks: generated inputs and timing.

pub mod backend;
pub mod idle;
pub mod models;

use std::fmt::Write;
use std::time::{Duration, Instant};

/// A deterministic pseudo-random sequence (xorshift), so generated files are reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A module of `n_ops` arith ops in functions of `ops_per_fn`, in custom or generic form.
pub fn arith_module(n_ops: usize, ops_per_fn: usize, generic: bool) -> String {
    let mut rng = Rng::new(42);
    let ops = ["addi", "muli", "subi", "andi", "xori", "maxsi"];
    let mut s = String::with_capacity(n_ops * 48);
    s.push_str("module {\n");
    for f in 0..n_ops.div_ceil(ops_per_fn) {
        let _ = writeln!(s, "  func.func @f{f}(%arg0: i32, %arg1: i32) -> i32 {{");
        let mut vals: Vec<String> = vec!["%arg0".into(), "%arg1".into()];
        for i in 0..ops_per_fn - 1 {
            let window = vals.len().min(8);
            let a = vals[vals.len() - 1 - rng.below(window)].clone();
            let b = vals[vals.len() - 1 - rng.below(window)].clone();
            let op = ops[rng.below(ops.len())];
            if generic {
                let _ = writeln!(s, "    %{i} = \"arith.{op}\"({a}, {b}) : (i32, i32) -> i32");
            } else {
                let _ = writeln!(s, "    %{i} = arith.{op} {a}, {b} : i32");
            }
            vals.push(format!("%{i}"));
        }
        let last = vals.last().unwrap();
        if generic {
            let _ = writeln!(s, "    \"func.return\"({last}) : (i32) -> ()");
        } else {
            let _ = writeln!(s, "    return {last} : i32");
        }
        s.push_str("  }\n");
    }
    s.push_str("}\n");
    s
}

/// Median, min and max of `runs` timings of `f`.
pub fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[0], times[times.len() - 1])
}

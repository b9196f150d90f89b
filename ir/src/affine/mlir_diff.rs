//! Differential test against upstream: random affine expression texts are parsed by the test
//! parser (through our simplifying constructors) and by `mlir-opt-22`, and the printed maps must
//! be equal, byte for byte.
//!
//! Skipped, with `SKIPPED: mlir-opt-22 not found`, where `mlir-opt-22` is not on `PATH`, unless
//! `STRATA_REQUIRE_ALL=1`, where that is a failure. `STRATA_AFFINE_DIFF_COUNT` and
//! `STRATA_AFFINE_DIFF_SEED` change how many expressions are drawn and from which seed (for a
//! longer hunt; the defaults are what CI runs).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::test_parser::parse_expr;
use super::AffineMap;

const MLIR_OPT: &str = "mlir-opt-22";
/// How many random expressions to compare, and the seed they are drawn from, unless the
/// environment says otherwise.
const COUNT: usize = 600;
const SEED: u64 = 0x5EED_AFF1_4E00_0022;
const NUM_DIMS: u32 = 3;
const NUM_SYMS: u32 = 2;
/// The map every expression is the one result of.
const MAP_HEAD: &str = "(d0, d1, d2)[s0, s1] -> ";

/// A small deterministic generator (SplitMix64), so that a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Constants the generator draws from: small ones (where the rules fire), powers of two, and
/// the edges of `i64` (where folding overflows or wraps).
const SMALL: &[&str] = &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "12", "16"];
const LARGE: &[&str] = &[
    "64",
    "128",
    "1000",
    "3037000499",
    "3037000500",
    "4611686018427387903",
    "4611686018427387904",
    "9223372036854775806",
    "9223372036854775807",
];
const LEAVES: &[&str] = &["d0", "d1", "d2", "s0", "s1"];
const SYMBOLS: &[&str] = &["s0", "s1"];

fn constant(rng: &mut Rng) -> String {
    let c = if rng.chance(85) { rng.pick(SMALL) } else { rng.pick(LARGE) };
    if rng.chance(25) {
        format!("-{c}")
    } else {
        c.to_string()
    }
}

/// An operand: a leaf as is, anything longer in parentheses most of the time (dropping them
/// changes how the text parses, which is fine: both sides parse the same text).
fn operand(text: String, rng: &mut Rng) -> String {
    let leaf = text.chars().all(|c| c.is_ascii_alphanumeric());
    if leaf || rng.chance(15) {
        text
    } else {
        format!("({text})")
    }
}

/// A right operand of `*`, `floordiv`, `ceildiv`, `mod` that keeps the expression affine.
fn symbolic(rng: &mut Rng, depth: usize) -> String {
    match rng.below(10) {
        0..=5 => constant(rng),
        6 | 7 => rng.pick(SYMBOLS).to_string(),
        _ if depth > 0 => {
            let (a, b) = (symbolic(rng, depth - 1), symbolic(rng, depth - 1));
            format!("({a} {} {b})", rng.pick(&["+", "-", "*", "floordiv", "mod"]))
        }
        _ => rng.pick(SYMBOLS).to_string(),
    }
}

/// A random expression text of nesting at most `depth`, with the shapes MLIR's rules look for
/// (`e - (e floordiv q) * q`, like terms) generated on purpose.
fn expr(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 || rng.chance(20) {
        return if rng.chance(55) { rng.pick(LEAVES).to_string() } else { constant(rng) };
    }
    let d = depth - 1;
    match rng.below(12) {
        0..=2 => {
            let (a, b) = (expr(rng, d), expr(rng, d));
            format!("{a} {} {}", rng.pick(&["+", "-"]), operand(b, rng))
        }
        3 | 4 => {
            let (a, q) = (expr(rng, d), symbolic(rng, 1));
            let a = operand(a, rng);
            if rng.chance(25) {
                format!("{q} * {a}")
            } else {
                format!("{a} * {q}")
            }
        }
        5 | 6 => {
            let (a, q) = (expr(rng, d), symbolic(rng, 1));
            format!("{} {} {q}", operand(a, rng), rng.pick(&["floordiv", "ceildiv", "mod"]))
        }
        7 => format!("-{}", operand(expr(rng, d), rng)),
        8 | 9 => mod_pattern(rng, d),
        _ => like_terms(rng, d),
    }
}

/// `[a +] e - (e floordiv q) * q` and its spellings, which `simplifyAdd` may turn into `mod`.
fn mod_pattern(rng: &mut Rng, depth: usize) -> String {
    let e = operand(expr(rng, depth), rng);
    let q = if rng.chance(75) { rng.pick(&["2", "3", "4", "8", "-4", "1"]).to_string() } else { symbolic(rng, 0) };
    let body = match rng.below(3) {
        0 => format!("{e} - ({e} floordiv {q}) * {q}"),
        1 => format!("{e} + ({e} floordiv {q}) * -{q}"),
        _ => format!("{e} - {q} * ({e} floordiv {q})"),
    };
    if rng.chance(50) {
        format!("{} + {body}", expr(rng, depth))
    } else {
        body
    }
}

/// `e * c1 + e * c2` and `e + e`, which `simplifyAdd` merges.
fn like_terms(rng: &mut Rng, depth: usize) -> String {
    let e = operand(expr(rng, depth), rng);
    match rng.below(3) {
        0 => format!("{e} + {e}"),
        1 => format!("{e} * {} + {e} * {}", constant(rng), constant(rng)),
        _ => format!("{e} - {e} * {}", constant(rng)),
    }
}

/// One case: the source text and the map we print for it.
struct Case {
    source: String,
    ours: String,
}

/// A number from the environment, or `default`.
fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `count` random texts the test parser accepts as affine (what mlir-opt accepts too), each
/// with the map we build and print for it.
fn random_cases(count: usize, seed: u64) -> Vec<Case> {
    let mut rng = Rng(seed);
    let mut cases = Vec::with_capacity(count);
    while cases.len() < count {
        let source = expr(&mut rng, 4);
        if source.len() > 300 {
            continue;
        }
        if let Ok(e) = parse_expr(&source, NUM_DIMS, NUM_SYMS) {
            let map = AffineMap { num_dims: NUM_DIMS, num_symbols: NUM_SYMS, results: vec![e] };
            cases.push(Case { source, ours: map.to_string() });
        }
    }
    cases
}

/// What mlir-opt made of one case.
enum Upstream {
    Printed(String),
    /// mlir-opt reported an error (it should not: the test parser accepted the text).
    Rejected(String),
    /// mlir-opt died on a signal (it traps on `i64::MIN / -1` inside its rules); not compared.
    Crashed,
}

/// The source of one `"test.use"` op per case, attribute `e<i>` holding case `i`'s map.
fn mlir_source(cases: &[(usize, &Case)]) -> String {
    let mut src = String::new();
    for (i, case) in cases {
        let _ = writeln!(src, "\"test.use\"() {{e{i} = affine_map<{MAP_HEAD}({})>}} : () -> ()", case.source);
    }
    src
}

fn run_mlir_opt(path: &Path) -> std::io::Result<Output> {
    Command::new(MLIR_OPT).args(["--allow-unregistered-dialect", "--mlir-print-local-scope"]).arg(path).output()
}

/// The maps mlir-opt printed, by case index (`--mlir-print-local-scope` keeps them inline).
fn printed_maps(stdout: &str) -> Vec<(usize, String)> {
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.split_once("{e")?.1;
            let (index, rest) = rest.split_once(" = affine_map<")?;
            let map = rest.rsplit_once(">}")?.0;
            Some((index.parse().ok()?, map.to_string()))
        })
        .collect()
}

/// Runs mlir-opt once on all cases; where a run fails (an error or a crash hides the other
/// results), on each half of its cases, down to the failing ones.
fn upstream(cases: &[Case], dir: &Path) -> Vec<Upstream> {
    let all: Vec<(usize, &Case)> = cases.iter().enumerate().collect();
    let mut results: Vec<Upstream> = cases.iter().map(|_| Upstream::Rejected("no output".into())).collect();
    upstream_batch(&all, dir, &mut results);
    results
}

fn upstream_batch(batch: &[(usize, &Case)], dir: &Path, results: &mut [Upstream]) {
    let Some(&(first, _)) = batch.first() else { return };
    let path = dir.join(format!("batch{first}.mlir"));
    std::fs::write(&path, mlir_source(batch)).expect("write the mlir-opt input");
    let out = run_mlir_opt(&path).expect("run mlir-opt-22");
    if out.status.success() {
        for (i, map) in printed_maps(&String::from_utf8_lossy(&out.stdout)) {
            results[i] = Upstream::Printed(map);
        }
    } else if let [(i, _)] = batch {
        results[*i] = match out.status.code() {
            None => Upstream::Crashed,
            Some(_) => Upstream::Rejected(String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("").into()),
        };
    } else {
        let (left, right) = batch.split_at(batch.len() / 2);
        upstream_batch(left, dir, results);
        upstream_batch(right, dir, results);
    }
}

/// A scratch directory for the mlir-opt inputs, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether `mlir-opt-22` is on `PATH` (any other failure to run it fails the test later).
fn mlir_opt_found() -> bool {
    !matches!(Command::new(MLIR_OPT).arg("--version").output(), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
}

#[test]
fn matches_mlir_opt_on_random_expressions() {
    if !mlir_opt_found() {
        assert!(
            std::env::var("STRATA_REQUIRE_ALL").as_deref() != Ok("1"),
            "{MLIR_OPT} not found and STRATA_REQUIRE_ALL=1"
        );
        println!("SKIPPED: {MLIR_OPT} not found");
        return;
    }
    let scratch = Scratch(std::env::temp_dir().join(format!("strata-affine-diff-{}", std::process::id())));
    std::fs::create_dir_all(&scratch.0).expect("create a scratch directory");
    let cases =
        random_cases(env_number("STRATA_AFFINE_DIFF_COUNT", COUNT), env_number("STRATA_AFFINE_DIFF_SEED", SEED));
    let (mut matched, mut crashed, mut failures) = (0, Vec::new(), Vec::new());
    for (case, theirs) in cases.iter().zip(upstream(&cases, &scratch.0)) {
        match theirs {
            Upstream::Printed(map) if map == case.ours => matched += 1,
            Upstream::Printed(map) => {
                failures.push(format!("`{}`\n  ours:     {}\n  mlir-opt: {map}", case.source, case.ours))
            }
            Upstream::Rejected(why) => failures.push(format!("`{}`\n  mlir-opt rejected it: {why}", case.source)),
            Upstream::Crashed => crashed.push(format!("`{}` (ours: {})", case.source, case.ours)),
        }
    }
    println!(
        "differential vs {MLIR_OPT}: {} random expressions, {matched} matched, {} differed, {} not compared \
         (mlir-opt crashed)",
        cases.len(),
        failures.len(),
        crashed.len()
    );
    for c in &crashed {
        println!("  mlir-opt crashed on {c}");
    }
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

//! Timing one candidate: warm-up, several runs, outliers rejected, the median kept; a budget
//! per candidate, and an early cut for candidates far slower than the best of their problem.
//!
//! Time comes from a [`Clock`], so the rules are tested with a fake one that advances by
//! whatever the fake kernel says it took.

use std::time::{Duration, Instant};

/// Where time comes from.
pub trait Clock: Send + Sync {
    /// Time since some fixed start.
    fn now(&self) -> Duration;
}

/// The machine's monotonic clock.
pub struct SystemClock(Instant);

impl SystemClock {
    pub fn new() -> Self {
        SystemClock(Instant::now())
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// How long and how often a candidate is run.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Runs timed after the warm-up (fewer when the budget runs out, never fewer than
    /// `min_runs`).
    pub runs: usize,
    pub min_runs: usize,
    /// Time one candidate's timed runs may take (not counting what runs between them).
    pub per_candidate: Duration,
    /// A candidate whose first two timed runs each take longer than this many times the
    /// fastest median of its problem so far is not run again: the faster of them is its time.
    pub cut_factor: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { runs: 9, min_runs: 3, per_candidate: Duration::from_millis(250), cut_factor: 3.0 }
    }
}

/// One candidate's measured time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Median of the runs kept, in seconds.
    pub seconds: f64,
    /// Timed runs (outliers included).
    pub runs: u32,
    /// (max − min) / median of the runs kept: how noisy the figure is.
    pub spread: f64,
    /// Cut after two timed runs, `seconds` the faster (an estimate from two runs, not a median).
    pub cut: bool,
}

/// One call of a candidate: `Ok(None)` to be timed by the clock, or `Ok(Some(t))` when the
/// backend timed it itself (a GPU's events: the host's clock would add the launch and wait).
pub type Run<'a> = &'a mut dyn FnMut() -> Result<Option<Duration>, String>;

/// Times `run`: one warm-up (the first call also packs constant weights and touches fresh
/// memory), then up to `limits.runs` timed calls while the budget lasts, `between` (untimed)
/// before each. `best` is the fastest median among the problem's candidates so far: two first
/// timed calls `cut_factor` times slower end the candidate there.
pub fn time(
    clock: &dyn Clock,
    limits: &Limits,
    best: Option<f64>,
    between: &mut dyn FnMut(),
    run: Run<'_>,
) -> Result<Sample, String> {
    run()?;
    let mut spent = Duration::ZERO;
    let mut times = Vec::with_capacity(limits.runs);
    while times.len() < limits.runs.max(1) {
        between();
        let t = clock.now();
        let own = run()?;
        let took = own.unwrap_or_else(|| clock.now() - t).as_secs_f64();
        // Two slow calls in a row cut it: one could be an interrupt.
        let slow = |t: f64| best.is_some_and(|b| t > limits.cut_factor * b);
        if times.len() == 1 && slow(times[0]) && slow(took) {
            return Ok(Sample { seconds: took.min(times[0]), runs: 2, spread: 0.0, cut: true });
        }
        times.push(took);
        spent += Duration::from_secs_f64(took);
        if times.len() >= limits.min_runs.max(1) && spent >= limits.per_candidate {
            break;
        }
    }
    let runs = times.len() as u32;
    let kept = without_outliers(times);
    // A clock or event coarser than the kernel can read 0: a nanosecond stands for it.
    let median = median(&kept).max(1e-9);
    let spread = (kept[kept.len() - 1] - kept[0]) / median;
    Ok(Sample { seconds: median, runs, spread, cut: false })
}

/// `times` sorted, without those outside Tukey's fences (1.5 interquartile ranges beyond the
/// quartiles): a run that an interrupt or another process stretched.
fn without_outliers(mut times: Vec<f64>) -> Vec<f64> {
    times.sort_by(f64::total_cmp);
    if times.len() < 4 {
        return times;
    }
    let q = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    let (q1, q3) = (q(0.25), q(0.75));
    let (lo, hi) = (q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1));
    times.iter().copied().filter(|t| (lo..=hi).contains(t)).collect()
}

/// The median of sorted, non-empty `v`.
fn median(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A clock that moves only when told to.
    #[derive(Default)]
    pub struct FakeClock(pub Mutex<Duration>);

    impl FakeClock {
        pub fn advance(&self, by: Duration) {
            *self.0.lock().unwrap() += by;
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Duration {
            *self.0.lock().unwrap()
        }
    }

    /// A kernel whose calls take the given milliseconds in turn (the last repeated).
    fn kernel<'a>(clock: &'a FakeClock, ms: &'a [f64]) -> impl FnMut() -> Result<Option<Duration>, String> + 'a {
        let mut i = 0;
        move || {
            clock.advance(Duration::from_secs_f64(ms[i.min(ms.len() - 1)] / 1e3));
            i += 1;
            Ok(None)
        }
    }

    #[test]
    fn the_median_of_the_timed_runs_without_the_warm_up_or_outliers() {
        let clock = FakeClock::default();
        // Warm-up 50 ms, then 2, 3, 2, 40 (an interrupt), 3, 2, 2, 3, 2 ms.
        let ms = [50.0, 2.0, 3.0, 2.0, 40.0, 3.0, 2.0, 2.0, 3.0, 2.0];
        let s = time(&clock, &Limits::default(), None, &mut || {}, &mut kernel(&clock, &ms)).unwrap();
        assert_eq!(s.runs, 9);
        assert!((s.seconds - 2e-3).abs() < 1e-9, "{s:?}");
        assert!((s.spread - 0.5).abs() < 1e-9, "{s:?}");
        assert!(!s.cut);
    }

    #[test]
    fn the_budget_stops_runs_but_not_before_the_minimum() {
        let clock = FakeClock::default();
        let limits = Limits { per_candidate: Duration::from_millis(250), ..Limits::default() };
        let s = time(&clock, &limits, None, &mut || {}, &mut kernel(&clock, &[100.0])).unwrap();
        assert_eq!(s.runs, 3, "3 runs of 100 ms pass the 250 ms budget");
        let s = time(&clock, &limits, None, &mut || {}, &mut kernel(&clock, &[1000.0])).unwrap();
        assert_eq!(s.runs, 3, "the minimum holds even past the budget");
        let s = time(&clock, &limits, None, &mut || {}, &mut kernel(&clock, &[1.0])).unwrap();
        assert_eq!(s.runs, 9);
    }

    #[test]
    fn a_candidate_far_slower_than_the_best_is_cut_after_two_timed_runs() {
        let clock = FakeClock::default();
        let mut calls = 0;
        let mut run = || {
            calls += 1;
            clock.advance(Duration::from_millis(10));
            Ok(None)
        };
        let s = time(&clock, &Limits::default(), Some(2e-3), &mut || {}, &mut run).unwrap();
        assert_eq!((s.cut, s.runs, calls), (true, 2, 3), "the warm-up and two timed runs");
        assert!((s.seconds - 10e-3).abs() < 1e-9);
        // One slow call (an interrupt) is not enough.
        let s =
            time(&clock, &Limits::default(), Some(2e-3), &mut || {}, &mut kernel(&clock, &[1.0, 10.0, 1.0])).unwrap();
        assert!(!s.cut && s.runs == 9 && (s.seconds - 1e-3).abs() < 1e-9, "{s:?}");
        // A slow warm-up (packing weights) is not held against it; within the factor, it is
        // timed in full.
        let s = time(&clock, &Limits::default(), Some(2e-3), &mut || {}, &mut kernel(&clock, &[100.0, 2.0])).unwrap();
        assert!(!s.cut && s.runs == 9);
        let s = time(&clock, &Limits::default(), Some(4e-3), &mut || {}, &mut kernel(&clock, &[10.0])).unwrap();
        assert!(!s.cut && s.runs == 9);
    }

    #[test]
    fn what_runs_between_calls_is_neither_timed_nor_counted_in_the_budget() {
        let clock = FakeClock::default();
        let mut betweens = 0;
        let mut evict = || {
            betweens += 1;
            clock.advance(Duration::from_secs(1));
        };
        let s = time(&clock, &Limits::default(), None, &mut evict, &mut kernel(&clock, &[2.0])).unwrap();
        assert_eq!((s.runs, betweens), (9, 9));
        assert!((s.seconds - 2e-3).abs() < 1e-9);
    }

    #[test]
    fn a_failing_run_is_an_error() {
        let clock = FakeClock::default();
        let mut run = || Err("trap".to_string());
        assert_eq!(time(&clock, &Limits::default(), None, &mut || {}, &mut run).unwrap_err(), "trap");
        // A backend's own time is taken over the clock's.
        let mut timed = || {
            clock.advance(Duration::from_secs(1));
            Ok(Some(Duration::from_micros(5)))
        };
        let s = time(&clock, &Limits::default(), None, &mut || {}, &mut timed).unwrap();
        assert_eq!((s.seconds, s.runs), (5e-6, 9));
        assert_eq!(time(&clock, &Limits::default(), None, &mut || {}, &mut run).unwrap_err(), "trap");
    }
}

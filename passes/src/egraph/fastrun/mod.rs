//! Fast-Run (after MegEngine): kernels priced by timing them on the machine, remembered in a
//! persistent cache.
//!
//! Before extraction, [`Measured`] gets every kernel the e-graph may choose
//! ([`CostProvider::prepare`]). Convolutions (each algorithm and layout) and matrix products
//! become [`Candidate`]s; those the cache does not know are compiled alone by a [`Measurer`]
//! (the real backend, the real shapes, random inputs and weights) and timed ([`timing`]),
//! grouped by problem so that the candidates of one convolution are compared as they are
//! measured:
//!
//! - the model prunes: a candidate it prices at more than `prune_factor` times the best of its
//!   problem is not compiled;
//! - the rest run fastest-by-the-model first; after a warm-up (which packs the weights), one
//!   whose first two timed runs are `cut_factor` times slower than the best median so far is
//!   cut there; between timed calls the measurer reads twice the graph's weights, as the rest
//!   of a network would (part of the key);
//! - a budget per candidate and one for the whole compile bound the time; what is left when
//!   it runs out is priced by the model, scaled by how the problem's measured candidates
//!   compare with it.
//!
//! Extraction then prices a candidate at its measured time plus the model's price of its
//! epilogue; a candidate other than the model's favourite of its problem pays a `margin`
//! (10%) on top, measured or not, so measurement overrides the model only for a clear gain; a
//! candidate that failed alone is never chosen where others of its problem ran. Streaming
//! kernels (elementwise, pools, relayouts) stay with the model. The
//! [`Mode`] says whether unknown candidates are measured or left to the model, and
//! [`CostProvider::summary`] tells what was measured and where the model and the
//! measurements disagree.
//!
//! ```text
//! strata-run model.onnx --target host --fast-run --egraph-stats
//! strata-opt model.mlir --pass-pipeline='builtin.module(func.func(egraph-opt{cost=measured}))'
//! ```

pub mod cache;
pub mod candidate;
pub mod changes;
pub mod timing;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustc_hash::FxHashMap;

pub use cache::{CacheError, CacheFile, Entry, Scope};
pub use candidate::Candidate;
pub use timing::{Clock, Limits, Run, Sample, SystemClock};

use super::cost::{CostProvider, Graph, Target, Work};

/// Whether candidates the cache does not know are measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Known candidates at their measured times, the rest priced by the model.
    CacheOnly,
    /// Unknown candidates compiled and timed, and the cache updated.
    Profile,
}

/// Times one candidate on a backend.
pub trait Measurer: Send + Sync {
    /// The device, backend and version the times are of (part of every cache key).
    fn scope(&self) -> Scope;

    /// Compiles `candidate` alone on its real shapes, with random inputs and weights, and
    /// hands a call of it to `time`; `time`'s sample, or why the candidate could not run.
    fn measure(
        &self,
        candidate: &Candidate,
        time: &mut dyn FnMut(Run<'_>) -> Result<Sample, String>,
    ) -> Result<Sample, String>;

    /// Touches `bytes` of other memory, as the rest of a graph does between two calls of one
    /// of its kernels: run between timed calls, so a kernel whose weights stay in cache when
    /// it runs alone is not favoured over what it would find in the whole graph.
    fn between_runs(&self, _bytes: usize) {}

    /// `done` of `total` candidates are timed and `what` is next (a tool draws a bar).
    fn progress(&self, _done: usize, _total: usize, _what: &str) {}

    /// Measuring is over (a tool removes its bar).
    fn finished(&self) {}
}

/// What a tool is asked for when a pipeline wants measured costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeasurerRequest {
    pub target: Target,
    /// Vector width of the code generator (512: LLVM on AVX-512).
    pub vector_bits: u32,
    /// Threads the compiled code runs on (`None`: one per core).
    pub threads: Option<usize>,
    /// Whether candidates will be compiled and run (`cost=measured`), or only the scope
    /// is needed to read the cache (`cost=cached`, which works where the backend is absent).
    pub profile: bool,
    /// The CPU code generator the graph will be compiled with: `auto` is LLVM for vectors
    /// wider than 128 bits, else Cranelift.
    pub backend: &'static str,
}

/// The values of `egraph-opt{fast-run-backend}`.
pub const BACKENDS: &[&str] = &["auto", "cranelift", "llvm"];

/// How a tool makes [`Measurer`]s: `egraph-opt{cost=measured}` is built with one where the
/// tool can run code (`strata_tools::pass_registry`).
pub type MeasurerFactory = Arc<dyn Fn(&MeasurerRequest) -> Result<Arc<dyn Measurer>, String> + Send + Sync>;

/// How [`Measured`] measures.
#[derive(Clone, Debug)]
pub struct Settings {
    pub mode: Mode,
    /// Where times persist; `None` keeps them for this compile only.
    pub cache: Option<CacheFile>,
    pub limits: Limits,
    /// Time all measurements of one compile may take.
    pub budget: Duration,
    /// Candidates the model prices at more than this times the best of their problem are not
    /// measured.
    pub prune_factor: f64,
    /// How much faster than the model's favourite of its problem a candidate must measure to
    /// replace it: the others are priced this much above their times. A choice then moves only
    /// for a gain larger than what separates a kernel alone from the same kernel inside a
    /// graph (caches, threads, neighbours).
    pub margin: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: Mode::Profile,
            cache: CacheFile::default_path().map(CacheFile::at),
            limits: Limits::default(),
            budget: Duration::from_secs(300),
            prune_factor: 8.0,
            margin: 0.1,
        }
    }
}

/// What happened to the candidates of the last compile.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Timed in this compile.
    pub measured: usize,
    /// Of those, cut after two timed runs.
    pub cut: usize,
    /// Known before this compile: from the cache, or measured by an earlier function.
    pub cached: usize,
    /// Left to the model: pruned by it (not measured for being far slower by its prices) ...
    pub pruned: usize,
    /// ... not measured for the budget having run out ...
    pub over_budget: usize,
    /// ... and, in cache-only mode, not in the cache.
    pub unknown: usize,
    /// Candidates that did not compile or run, and why (priced by the model).
    pub failed: Vec<(String, String)>,
    /// Time spent measuring.
    pub spent: Duration,
    /// Problems where the model's favourite is not the fastest measured.
    pub disagreements: Vec<String>,
    /// What happened to the cache file (read or written, damaged, foreign).
    pub cache_notes: Vec<String>,
}

impl Report {
    fn render(&self) -> String {
        let mut out = format!(
            "fast-run: {} candidates timed ({} cut early) in {:.1} s, {} known before, {} left to the model ({} pruned by it, {} past the budget, {} unknown in cache-only mode, {} failed)",
            self.measured,
            self.cut,
            self.spent.as_secs_f64(),
            self.cached,
            self.pruned + self.over_budget + self.unknown + self.failed.len(),
            self.pruned,
            self.over_budget,
            self.unknown,
            self.failed.len(),
        );
        for note in &self.cache_notes {
            out.push_str(&format!("\n  cache: {note}"));
        }
        for (candidate, why) in &self.failed {
            out.push_str(&format!("\n  failed: {candidate}: {why}"));
        }
        for d in &self.disagreements {
            out.push_str(&format!("\n  model and measurement disagree: {d}"));
        }
        out
    }
}

/// What is known of candidates: measured times by key ([`Known::key`]), and per problem how measured
/// times compare with the model's (the factor unmeasured candidates of the problem are
/// scaled by).
#[derive(Default)]
struct Known {
    times: FxHashMap<String, Sample>,
    scale: FxHashMap<String, f64>,
    /// Per problem, the signature of the model's favourite among its measured candidates.
    favourite: FxHashMap<String, String>,
    /// Whether the cache file has been read.
    loaded: bool,
    /// MiB read between timed calls for the current graph (part of every key).
    between_mib: usize,
    /// Candidates that did not compile or run.
    failed: rustc_hash::FxHashSet<String>,
    report: Report,
}

/// A [`CostProvider`] that measures (see the module's documentation).
pub struct Measured {
    model: Box<dyn CostProvider>,
    scope: Scope,
    measurer: Option<Arc<dyn Measurer>>,
    clock: Arc<dyn Clock>,
    settings: Settings,
    known: Mutex<Known>,
    /// Held while measuring: functions optimized in parallel must not time at once.
    measuring: Mutex<()>,
}

impl Measured {
    /// Prices with `measurer`'s times (and its scope's cached ones), `model` for the rest.
    pub fn new(model: Box<dyn CostProvider>, measurer: Arc<dyn Measurer>, settings: Settings) -> Measured {
        Measured {
            model,
            scope: measurer.scope(),
            measurer: Some(measurer),
            clock: Arc::new(SystemClock::new()),
            settings,
            known: Mutex::new(Known::default()),
            measuring: Mutex::new(()),
        }
    }

    /// The same provider reading time from `clock` (tests use a fake one).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Measured {
        self.clock = clock;
        self
    }

    /// The measured time of `candidate`'s core, if known.
    pub fn measured(&self, candidate: &Candidate) -> Option<Sample> {
        let known = self.known.lock().unwrap();
        known.time(candidate)
    }

    /// The last compile's report.
    pub fn report(&self) -> Report {
        self.known.lock().unwrap().report.clone()
    }

    fn load_cache(&self, known: &mut Known) {
        if known.loaded {
            return;
        }
        known.loaded = true;
        let Some(cache) = &self.settings.cache else { return };
        match cache.load() {
            Ok(entries) => {
                let before = known.times.len();
                for e in entries.into_iter().filter(|e| e.scope == self.scope) {
                    let sample = Sample { seconds: e.seconds, runs: e.runs, spread: e.spread, cut: e.cut };
                    known.times.insert(e.candidate, sample);
                }
                known.report.cache_notes.push(format!(
                    "{}: {} entries for this device and backend",
                    cache.path().display(),
                    known.times.len() - before
                ));
            }
            Err(e) => {
                // Reported where it is seen and in the summary, then ignored.
                eprintln!("warning: {e}");
                known.report.cache_notes.push(e.to_string());
            }
        }
    }

    /// Measures what `candidates` holds that is not known, problem by problem.
    fn measure_all(&self, groups: &BTreeMap<String, Vec<Candidate>>, known: &mut Known) -> Vec<Entry> {
        let mut new = Vec::new();
        let Some(measurer) = self.measurer.as_ref().filter(|_| self.settings.mode == Mode::Profile) else {
            known.report.unknown += groups.values().flatten().filter(|c| known.time(c).is_none()).count();
            return new;
        };
        // What will be measured, problem by problem, fastest by the model first.
        let mut plan: Vec<Vec<(Candidate, f64)>> = Vec::new();
        for group in groups.values() {
            let priced: Vec<(Candidate, f64)> =
                group.iter().map(|c| (c.clone(), self.model.seconds(&c.work()))).collect();
            let best = priced.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            let mut todo: Vec<(Candidate, f64)> = Vec::new();
            for (c, model) in priced {
                if known.time(&c).is_some() {
                    continue;
                }
                if model > self.settings.prune_factor * best {
                    known.report.pruned += 1;
                } else {
                    todo.push((c, model));
                }
            }
            todo.sort_by(|a, b| a.1.total_cmp(&b.1));
            if !todo.is_empty() {
                plan.push(todo);
            }
        }
        let total: usize = plan.iter().map(Vec::len).sum();
        let start = self.clock.now();
        let mut done = 0;
        for todo in plan {
            let group = &groups[&todo[0].0.problem()];
            let mut best =
                group.iter().filter_map(|c| known.time(c)).filter(|t| !t.cut).map(|t| t.seconds).reduce(f64::min);
            for (c, _) in todo {
                if self.clock.now() - start >= self.settings.budget {
                    known.report.over_budget += 1;
                    done += 1;
                    continue;
                }
                measurer.progress(done, total, &c.signature());
                let limits = self.settings.limits;
                let clock = self.clock.as_ref();
                let bytes = known.between_mib << 20;
                let mut between = || measurer.between_runs(bytes);
                let mut time = |run: Run<'_>| timing::time(clock, &limits, best, &mut between, run);
                match measurer.measure(&c, &mut time) {
                    Ok(sample) => {
                        known.report.measured += 1;
                        known.report.cut += usize::from(sample.cut);
                        if !sample.cut {
                            best = Some(best.map_or(sample.seconds, |b| b.min(sample.seconds)));
                        }
                        let key = known.key(&c);
                        known.times.insert(key.clone(), sample);
                        new.push(Entry {
                            scope: self.scope.clone(),
                            candidate: key,
                            seconds: sample.seconds,
                            runs: sample.runs,
                            spread: sample.spread,
                            cut: sample.cut,
                            measured_at: cache::now_unix(),
                        });
                    }
                    Err(why) => {
                        known.failed.insert(c.signature());
                        known.report.failed.push((c.signature(), why));
                    }
                }
                done += 1;
            }
        }
        measurer.progress(total, total, "");
        measurer.finished();
        known.report.spent = self.clock.now() - start;
        new
    }

    /// Per problem, how measured times compare with the model's, the model's favourite (which
    /// pays no margin), and where the two rank candidates differently (cut candidates, timed
    /// twice only, are left out of the comparisons).
    fn compare_with_model(&self, groups: &BTreeMap<String, Vec<Candidate>>, known: &mut Known) {
        for (problem, group) in groups {
            let favourite =
                group.iter().min_by(|a, b| self.model.seconds(&a.work()).total_cmp(&self.model.seconds(&b.work())));
            if let Some(f) = favourite {
                known.favourite.insert(problem.clone(), f.signature());
            }
            let pairs: Vec<(&Candidate, f64, Sample)> = group
                .iter()
                .filter_map(|c| known.time(c).filter(|s| !s.cut).map(|s| (c, self.model.seconds(&c.work()), s)))
                .collect();
            let mut ratios: Vec<f64> = pairs.iter().map(|p| p.2.seconds / p.1).collect();
            if ratios.is_empty() {
                continue;
            }
            ratios.sort_by(f64::total_cmp);
            known.scale.insert(problem.clone(), ratios[ratios.len() / 2]);
            let by_model = pairs.iter().min_by(|a, b| a.1.total_cmp(&b.1));
            let by_time = pairs.iter().min_by(|a, b| a.2.seconds.total_cmp(&b.2.seconds));
            if let (Some(m), Some(t)) = (by_model, by_time) {
                if m.0 != t.0 {
                    known.report.disagreements.push(format!(
                        "{problem}: the model ranks {} first ({:.3} ms, measured {:.3} ms), measured fastest is {} ({:.3} ms, model {:.3} ms)",
                        m.0.choice(),
                        m.1 * 1e3,
                        m.2.seconds * 1e3,
                        t.0.choice(),
                        t.2.seconds * 1e3,
                        t.1 * 1e3
                    ));
                }
            }
        }
    }
}

impl Known {
    /// The cache key of `c`: its signature and the memory read between its timed calls, which
    /// its time depends on (a kernel measured beside a small graph's weights is not one
    /// measured beside a large graph's).
    fn key(&self, c: &Candidate) -> String {
        self.key_of(&c.signature())
    }

    /// [`Known::key`] of a candidate's signature.
    fn key_of(&self, signature: &str) -> String {
        format!("{signature} between={}MiB", self.between_mib)
    }

    fn time(&self, c: &Candidate) -> Option<Sample> {
        self.times.get(&self.key(c)).copied()
    }
}

/// MiB read between timed calls for a graph of `constant_bytes` of weights: twice them (the
/// weights and the packed copies a network keeps: GEMM panels, Winograd's transformed
/// weights), rounded up to 16 MiB so graphs of similar size share keys, at most 1 GiB.
fn between_mib(constant_bytes: usize) -> usize {
    (2 * constant_bytes).div_ceil(16 << 20).max(1).saturating_mul(16).min(1024)
}

impl CostProvider for Measured {
    fn target(&self) -> Target {
        self.model.target()
    }

    fn seconds(&self, work: &Work) -> f64 {
        let model = self.model.seconds(work);
        let Some(c) = Candidate::of(work) else { return model };
        let core_model = self.model.seconds(&c.work());
        // The epilogue's share, as the model prices it.
        let epilogue = (model - core_model).max(0.0);
        // Extraction asks for every node's price: each string is made once.
        let (problem, signature) = (c.problem(), c.signature());
        let known = self.known.lock().unwrap();
        let favourite = known.favourite.get(&problem) == Some(&signature);
        let margin = if favourite { 1.0 } else { 1.0 + self.settings.margin };
        if let Some(s) = known.times.get(&known.key_of(&signature)) {
            return s.seconds * margin + epilogue;
        }
        match known.scale.get(&problem) {
            // What failed alone would fail in the graph; others of its problem ran.
            Some(_) if known.failed.contains(&signature) => f64::INFINITY,
            Some(scale) => core_model * scale * margin + epilogue,
            None => model,
        }
    }

    fn prepare(&self, works: &[Work], graph: &Graph) -> Result<(), String> {
        let _one_at_a_time = self.measuring.lock().unwrap();
        let mut known = self.known.lock().unwrap();
        known.report = Report::default();
        known.between_mib = between_mib(graph.constant_bytes);
        self.load_cache(&mut known);
        let mut groups: BTreeMap<String, Vec<Candidate>> = BTreeMap::new();
        for c in works.iter().filter_map(Candidate::of) {
            let group = groups.entry(c.problem()).or_default();
            if !group.contains(&c) {
                group.push(c);
            }
        }
        known.report.cached = groups.values().flatten().filter(|c| known.time(c).is_some()).count();
        let new = self.measure_all(&groups, &mut known);
        self.compare_with_model(&groups, &mut known);
        if let (Some(cache), false) = (&self.settings.cache, new.is_empty()) {
            match cache.merge(&new) {
                Ok(w) => {
                    if let Some(why) = w.replaced_corrupt {
                        known.report.cache_notes.push(format!("replaced a corrupt cache ({why})"));
                    }
                    known.report.cache_notes.push(format!(
                        "{} new entries written, {} in the file",
                        new.len(),
                        w.entries
                    ));
                }
                Err(e) => {
                    eprintln!("warning: {e}; the times measured are used in this compile only");
                    known.report.cache_notes.push(e.to_string());
                }
            }
        }
        Ok(())
    }

    fn model(&self) -> Option<&dyn CostProvider> {
        Some(self.model.as_ref())
    }

    fn summary(&self) -> Option<String> {
        Some(self.known.lock().unwrap().report.render())
    }
}

#[cfg(test)]
mod tests;

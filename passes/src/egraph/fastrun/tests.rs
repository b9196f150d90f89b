//! [`Measured`] with a fake backend and a fake clock: the modes, cache keys and their
//! invalidation, pruning, cuts, the budget, and the choice extraction makes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use strata_dialects::nn::shape::{Conv2d, ConvAlgorithm, Layout};

use super::timing::tests::FakeClock;
use super::*;
use crate::egraph::cost::{Analytical, ConvProblem, Graph};

/// A backend whose kernels take `ms(candidate)` milliseconds on the fake clock.
struct FakeBackend {
    scope: Scope,
    clock: Arc<FakeClock>,
    ms: fn(&Candidate) -> f64,
    /// Candidates compiled.
    compiled: AtomicUsize,
    /// Calls run (warm-ups included).
    calls: AtomicUsize,
    /// Bytes touched between calls, in all.
    touched: AtomicUsize,
}

impl Measurer for FakeBackend {
    fn scope(&self) -> Scope {
        self.scope.clone()
    }

    fn measure(
        &self,
        candidate: &Candidate,
        time: &mut dyn FnMut(Run<'_>) -> Result<Sample, String>,
    ) -> Result<Sample, String> {
        self.compiled.fetch_add(1, Ordering::SeqCst);
        if candidate.algorithm() == Some(ConvAlgorithm::Fft) {
            return Err("no FFT here".into());
        }
        let ms = (self.ms)(candidate);
        time(&mut || {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.clock.advance(Duration::from_secs_f64(ms / 1e3));
            Ok(None)
        })
    }

    fn between_runs(&self, bytes: usize) {
        self.touched.fetch_add(bytes, Ordering::SeqCst);
    }
}

fn scope(device: &str, strata: &str) -> Scope {
    Scope { device: device.into(), backend: "fake threads=1".into(), strata: strata.into() }
}

fn backend(scope: Scope, ms: fn(&Candidate) -> f64) -> Arc<FakeBackend> {
    Arc::new(FakeBackend {
        scope,
        clock: Arc::new(FakeClock::default()),
        ms,
        compiled: AtomicUsize::new(0),
        calls: AtomicUsize::new(0),
        touched: AtomicUsize::new(0),
    })
}

fn provider(b: &Arc<FakeBackend>, settings: Settings) -> Measured {
    let model = Box::new(Analytical::new(Target::X86_64));
    Measured::new(model, b.clone(), settings).with_clock(b.clock.clone())
}

fn settings(mode: Mode, cache: Option<&std::path::Path>) -> Settings {
    // Nothing pruned and no margin unless a test says so.
    Settings { mode, cache: cache.map(CacheFile::at), prune_factor: 1e9, margin: 0.0, ..Settings::default() }
}

/// A 3×3 convolution of 64 channels over 56², by `algorithm` in `layout`, with an epilogue.
fn conv(layout: Layout, algorithm: ConvAlgorithm) -> Work {
    Work::Conv(ConvProblem {
        conv: Conv2d { padding: [1; 4], layout, ..Conv2d::default() },
        algorithm,
        input: [1, 64, 56, 56],
        weight: [64, 64, 3, 3],
        output: [1, 64, 56, 56],
        epilogue_flops: 2.0,
        extra_bytes: 0.0,
    })
}

fn candidates() -> Vec<Work> {
    use ConvAlgorithm::*;
    vec![
        conv(Layout::Nchw, Direct),
        conv(Layout::Nchw, Im2colGemm),
        conv(Layout::Nchw8c, Winograd4x3),
        conv(Layout::Nhwc, Im2colGemm),
        Work::Streaming { bytes_read: 1e6, bytes_written: 1e6, flops: 0.0 },
    ]
}

/// Direct 40 ms, Winograd 2 ms, im2col 1 ms in NHWC and 3 ms otherwise.
fn ms(c: &Candidate) -> f64 {
    match (c.algorithm(), c.layout()) {
        (Some(ConvAlgorithm::Direct), _) => 40.0,
        (Some(ConvAlgorithm::Winograd4x3), _) => 2.0,
        (Some(ConvAlgorithm::Im2colGemm), Some(Layout::Nhwc)) => 1.0,
        _ => 3.0,
    }
}

#[test]
fn profile_measures_each_candidate_once_and_adds_the_model_epilogue() {
    let b = backend(scope("cpu", "1"), ms);
    let p = provider(&b, settings(Mode::Profile, None));
    let works = candidates();
    p.prepare(&works, &Graph { constant_bytes: 1000 }).unwrap();
    let r = p.report();
    assert_eq!((r.measured, r.cached, b.compiled.load(Ordering::SeqCst)), (4, 0, 4), "{r:?}");
    // Twice the graph's weights (weights and packed copies), rounded up to 16 MiB, are
    // touched before every timed call, not before warm-ups; the amount is in the key.
    let timed = b.calls.load(Ordering::SeqCst) - 4;
    assert_eq!(b.touched.load(Ordering::SeqCst), (16 << 20) * timed);
    let entry = p.measured(&Candidate::of(&works[0]).unwrap());
    assert!(entry.is_some());
    assert_eq!(super::between_mib(1000), 16);
    assert_eq!(super::between_mib(46_800_000), 96);
    assert_eq!(super::between_mib(usize::MAX / 4), 1024);
    // The epilogue, priced by the model, comes on top of the measured core.
    let model = Analytical::new(Target::X86_64);
    let w = &works[3];
    let core = Candidate::of(w).unwrap();
    let epilogue = model.seconds(w) - model.seconds(&core.work());
    assert!(epilogue > 0.0);
    assert!((p.seconds(w) - (1e-3 + epilogue)).abs() < 1e-12);
    // Streaming work stays with the model.
    assert_eq!(p.seconds(&works[4]), model.seconds(&works[4]));
    // A second prepare of the same candidates measures nothing.
    p.prepare(&works, &Graph::default()).unwrap();
    assert_eq!(b.compiled.load(Ordering::SeqCst), 4);
    assert_eq!(p.report().cached, 4);
}

/// A measured gain smaller than the margin leaves the model's favourite in front.
#[test]
fn other_candidates_than_the_models_favourite_pay_the_margin() {
    // Winograd (the model's favourite) 1 ms, NHWC im2col 0.95 ms: 5% faster.
    let b = backend(scope("cpu", "1"), |c| if c.layout() == Some(Layout::Nhwc) { 0.95 } else { 1.0 });
    let p = provider(&b, Settings { margin: 0.1, ..settings(Mode::Profile, None) });
    p.prepare(&candidates(), &Graph::default()).unwrap();
    let core = |l, a| p.seconds(&Candidate::of(&conv(l, a)).unwrap().work());
    let winograd = core(Layout::Nchw8c, ConvAlgorithm::Winograd4x3);
    let im2col = core(Layout::Nhwc, ConvAlgorithm::Im2colGemm);
    assert!((winograd - 1e-3).abs() < 1e-12, "the favourite at its time: {winograd}");
    assert!((im2col - 0.95e-3 * 1.1).abs() < 1e-12 && im2col > winograd, "{im2col}");
}

#[test]
fn a_candidate_far_slower_than_the_best_is_cut_and_one_the_model_rules_out_is_not_compiled() {
    let b = backend(scope("cpu", "1"), ms);
    // The model prices direct NCHW at 13 times Winograd, the rest within 3: a factor of 5
    // prunes it alone.
    let p = provider(&b, Settings { prune_factor: 5.0, ..settings(Mode::Profile, None) });
    p.prepare(&candidates(), &Graph::default()).unwrap();
    let r = p.report();
    assert_eq!(r.pruned, 1, "{r:?}");
    assert_eq!(r.measured, 3);
    let direct = Candidate::of(&conv(Layout::Nchw, ConvAlgorithm::Direct)).unwrap();
    assert!(p.measured(&direct).is_none());

    // Without pruning the direct one is measured last and cut after two timed runs (40 ms
    // against a best of 1 ms).
    let b = backend(scope("cpu", "1"), ms);
    let p = provider(&b, settings(Mode::Profile, None));
    p.prepare(&candidates(), &Graph::default()).unwrap();
    let s = p.measured(&direct).unwrap();
    assert!(s.cut && s.runs == 2 && (s.seconds - 0.04).abs() < 1e-9, "{s:?}");
    assert_eq!(p.report().cut, 1);
    let r = p.report();
    assert_eq!(r.disagreements.len(), 1, "the model ranks Winograd first: {r:?}");
    assert!(r.disagreements[0].contains("measured fastest is NHWC im2col_gemm"), "{}", r.disagreements[0]);
}

#[test]
fn past_the_budget_the_model_prices_scaled_by_the_problem_measured() {
    let b = backend(scope("cpu", "1"), |_| 30.0);
    // Each candidate takes a warm-up and 3 runs of 30 ms: the budget ends after the first.
    let limits = Limits { per_candidate: Duration::from_millis(1), ..Limits::default() };
    let p = provider(&b, Settings { limits, budget: Duration::from_millis(100), ..settings(Mode::Profile, None) });
    let works = candidates();
    p.prepare(&works, &Graph::default()).unwrap();
    let r = p.report();
    assert_eq!((r.measured, r.over_budget), (1, 3), "{r:?}");
    // The first measured was the model's favourite; the others keep the model's ratios to it.
    let model = Analytical::new(Target::X86_64);
    let (first, other) = if p.measured(&Candidate::of(&works[2]).unwrap()).is_some() {
        (&works[2], &works[1])
    } else {
        (&works[3], &works[1])
    };
    let scale = 0.03 / model.seconds(&Candidate::of(first).unwrap().work());
    let core = Candidate::of(other).unwrap().work();
    let want = model.seconds(&core) * scale + (model.seconds(other) - model.seconds(&core));
    assert!((p.seconds(other) - want).abs() < 1e-12 * want.max(1.0), "{} vs {want}", p.seconds(other));
}

#[test]
fn the_cache_serves_the_same_device_backend_and_version_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fastrun.json");
    let b = backend(scope("cpu", "1"), ms);
    provider(&b, settings(Mode::Profile, Some(&path))).prepare(&candidates(), &Graph::default()).unwrap();
    assert_eq!(CacheFile::at(&path).load().unwrap().len(), 4);

    // The same scope, cache only: everything known, nothing compiled.
    let again = backend(scope("cpu", "1"), |_| unreachable!("nothing is measured"));
    let p = provider(&again, settings(Mode::CacheOnly, Some(&path)));
    p.prepare(&candidates(), &Graph::default()).unwrap();
    assert_eq!((p.report().cached, p.report().unknown), (4, 0));
    let im2col = conv(Layout::Nhwc, ConvAlgorithm::Im2colGemm);
    assert_eq!(p.measured(&Candidate::of(&im2col).unwrap()).map(|s| s.seconds), Some(1e-3));

    // Another device or another version: nothing known; cache only leaves it to the model.
    let model = Analytical::new(Target::X86_64);
    for other in [scope("gpu", "1"), scope("cpu", "2")] {
        let b = backend(other, ms);
        let p = provider(&b, settings(Mode::CacheOnly, Some(&path)));
        p.prepare(&candidates(), &Graph::default()).unwrap();
        assert_eq!((p.report().cached, p.report().unknown), (0, 4));
        assert_eq!(p.seconds(&im2col), model.seconds(&im2col));
        assert_eq!(b.compiled.load(Ordering::SeqCst), 0);
    }
    // Profiling on another device adds its own entries and keeps the first device's.
    let b = backend(scope("cpu", "2"), ms);
    provider(&b, settings(Mode::Profile, Some(&path))).prepare(&candidates(), &Graph::default()).unwrap();
    assert_eq!(b.compiled.load(Ordering::SeqCst), 4);
    assert_eq!(CacheFile::at(&path).load().unwrap().len(), 8);
}

#[test]
fn a_damaged_cache_is_reported_and_replaced_and_a_foreign_file_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fastrun.json");
    std::fs::write(&path, "{\"format\": \"strata-fastrun\", \"version\": 1, \"entr").unwrap();
    let b = backend(scope("cpu", "1"), ms);
    let p = provider(&b, settings(Mode::Profile, Some(&path)));
    p.prepare(&candidates(), &Graph::default()).unwrap();
    let notes = p.report().cache_notes.join("\n");
    assert!(notes.contains("corrupt") && notes.contains("replaced"), "{notes}");
    assert_eq!(CacheFile::at(&path).load().unwrap().len(), 4);

    std::fs::write(&path, "my own notes").unwrap();
    let b = backend(scope("cpu", "1"), ms);
    let p = provider(&b, settings(Mode::Profile, Some(&path)));
    p.prepare(&candidates(), &Graph::default()).unwrap();
    assert_eq!(p.report().measured, 4, "measured, used in this compile");
    assert!(p.report().cache_notes.join("\n").contains("not a cache"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "my own notes");
}

#[test]
fn failures_are_reported_and_priced_by_the_model() {
    let b = backend(scope("cpu", "1"), ms);
    let p = provider(&b, settings(Mode::Profile, None));
    let fft = Work::Conv(ConvProblem {
        conv: Conv2d { layout: Layout::Nchw, ..Conv2d::default() },
        algorithm: ConvAlgorithm::Fft,
        input: [1, 8, 16, 16],
        weight: [8, 8, 5, 5],
        output: [1, 8, 12, 12],
        epilogue_flops: 0.0,
        extra_bytes: 0.0,
    });
    p.prepare(std::slice::from_ref(&fft), &Graph::default()).unwrap();
    let r = p.report();
    assert_eq!(r.failed.len(), 1);
    assert!(r.render().contains("no FFT here"));
    // Alone in its problem, it keeps the model's price (something must be chosen) ...
    assert_eq!(p.seconds(&fft), Analytical::new(Target::X86_64).seconds(&fft));
    // ... beside candidates that ran, it is never chosen.
    let direct = match &fft {
        Work::Conv(c) => Work::Conv(ConvProblem { algorithm: ConvAlgorithm::Direct, ..c.clone() }),
        _ => unreachable!(),
    };
    p.prepare(&[fft.clone(), direct.clone()], &Graph::default()).unwrap();
    assert!(p.seconds(&direct).is_finite());
    assert_eq!(p.seconds(&fft), f64::INFINITY);
}

/// Measured prices change what extraction picks: the model's Winograd gives way to the
/// measured-fastest NHWC im2col, and `--egraph-stats` lists the change with both times.
#[test]
fn measured_costs_change_the_chosen_graph() {
    let mut ctx = strata_ir::Context::new();
    strata_dialects::register_all(&mut ctx);
    let src = r#"func.func @f(%x: tensor<1x64x56x56xf32>, %w: tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32> {
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1]} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  return %c : tensor<1x64x56x56xf32>
}"#;
    let optimized = |opt: crate::egraph::EGraphOpt| {
        let mut m = strata_ir::parse_source(&ctx, "f.mlir", src, &Default::default()).unwrap();
        let func = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap();
        let report = opt.optimize(&ctx, &mut m.ir, func).unwrap().unwrap();
        (strata_ir::print_module(&ctx, &m, &Default::default()), report)
    };
    let (by_model, _) = optimized(crate::egraph::EGraphOpt::new(Target::X86_64));
    assert!(by_model.contains("winograd"), "{by_model}");
    // Im2col 0.1 ms in every layout, everything else 50 ms.
    let b = backend(scope("cpu", "1"), |c| if c.algorithm() == Some(ConvAlgorithm::Im2colGemm) { 0.1 } else { 50.0 });
    let measured = Arc::new(provider(&b, settings(Mode::Profile, None)));
    let mut opt = crate::egraph::EGraphOpt::new(Target::X86_64).with_cost_provider(measured);
    opt.print_stats = true;
    let (text, report) = optimized(opt);
    assert!(text.contains("im2col_gemm") && !text.contains("winograd"), "{text}");
    let stats = report.fast_run.unwrap();
    assert!(stats.contains("measured costs changed 1 kernel"), "{stats}");
    assert!(stats.contains("winograd_f4x3") && stats.contains("-> NCHW im2col_gemm 0.100 ms"), "{stats}");
}

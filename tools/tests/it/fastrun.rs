//! Fast-Run through the tools: `strata-run --fast-run` measures a real graph's candidates on
//! this machine (Cranelift), fills the cache, computes what the interpreter computes, and a
//! second run takes every time from the cache; `strata-fastrun` lists, exports, imports and
//! clears entries; bad caches and requests fail cleanly or are reported and ignored.
//! No test asserts a time beyond its being positive.

use std::path::Path;
use std::process::{Command, Output};

use strata_passes::egraph::fastrun::CacheFile;

use crate::common::assert_clean_failure;

/// Two 3×3 convolutions (the second of stride 2) with an activation between: each has
/// several algorithms and layouts to measure.
const GRAPH: &str = r#"func.func @main(%x: tensor<1x16x20x20xf32>) -> tensor<1x32x10x10xf32> {
  %w = "nn.constant"() {value = dense<0.5> : tensor<16x16x3x3xf32>} : () -> tensor<16x16x3x3xf32>
  %w2 = "nn.constant"() {value = dense<0.25> : tensor<32x16x3x3xf32>} : () -> tensor<32x16x3x3xf32>
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1]} : (tensor<1x16x20x20xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x20x20xf32>
  %r = "nn.relu"(%c) : (tensor<1x16x20x20xf32>) -> tensor<1x16x20x20xf32>
  %d = "nn.conv2d"(%r, %w2) {padding = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x16x20x20xf32>, tensor<32x16x3x3xf32>) -> tensor<1x32x10x10xf32>
  return %d : tensor<1x32x10x10xf32>
}
"#;

fn run(file: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata-run")).arg(file).args(extra).output().unwrap()
}

fn fastrun(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata-fastrun")).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn measured_graphs_compute_what_the_interpreter_does_and_the_cache_serves_the_second_compile() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("g.mlir");
    std::fs::write(&file, GRAPH).unwrap();
    let cache = dir.path().join("fastrun.json");
    let reference = dir.path().join("ref");
    let o = run(&file, &["--random-inputs", "3", "--output-dir", reference.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let flags = |mode: &str| {
        vec![
            "--target".to_string(),
            "host".into(),
            "--threads".into(),
            "1".into(),
            format!("--fast-run={mode}"),
            "--fast-run-cache".into(),
            cache.display().to_string(),
            "--egraph-stats".into(),
            "--input".into(),
            reference.join("input0.npy").display().to_string(),
            "--compare".into(),
            reference.join("output0.npy").display().to_string(),
            // Which algorithm wins depends on the machine's timings, so any may run. Outputs
            // reach about 50 (0.25 times 144 ReLU'd sums of up to 72); Winograd F(4×4,3×3)
            // differs from the interpreter's direct sums by up to ~1e-5 of the operands' scale
            // in each layer, so an output the reference makes exactly 0 (all its window
            // clipped) can come out at 2e-4: atol 1e-3 is 2e-5 of the output's scale.
            "--rtol".into(),
            "1e-4".into(),
            "--atol".into(),
            "1e-3".into(),
        ]
    };
    let args = flags("measured");
    let o = run(&file, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("compare: all 1 outputs match"), "{out}");
    assert!(out.contains("fast-run: ") && out.contains("0 known before"), "{out}");
    let entries = CacheFile::at(&cache).load().unwrap();
    assert!(entries.len() >= 4, "both convolutions, several candidates each: {entries:?}");
    assert!(entries.iter().all(|e| e.seconds > 0.0 && e.scope.backend == "cranelift threads=1"));
    assert!(entries.iter().any(|e| e.candidate.contains("strides=2,2")));

    // The second compile measures nothing.
    let args = flags("cached");
    let o = run(&file, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("fast-run: 0 candidates timed"), "{out}");
    assert!(out.contains(&format!("{} known before", entries.len())), "{out}");
    assert_eq!(CacheFile::at(&cache).load().unwrap(), entries, "a cached compile writes nothing");

    // cost=model (Fast-Run off) neither reads nor writes a cache.
    let untouched = dir.path().join("untouched.json");
    let o = run(
        &file,
        &[
            "--target",
            "host",
            "--random-inputs",
            "1",
            "--fast-run=model",
            "--fast-run-cache",
            untouched.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("fast-run"), "{}", text(&o));
    assert!(!untouched.exists());

    // strata-fastrun: list, export this machine's, clear, import back.
    let c = cache.to_str().unwrap();
    let o = fastrun(&["list", "--cache", c, "--here"]);
    let listed = text(&o);
    assert!(o.status.success(), "{listed}");
    assert!(listed.contains(&format!("{} entries in", entries.len())), "{listed}");
    assert!(listed.contains("cranelift threads=1") && listed.contains("algorithm="), "{listed}");
    let shipped = dir.path().join("shipped.json");
    let o = fastrun(&["export", shipped.to_str().unwrap(), "--cache", c, "--here"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = fastrun(&["clear", "--cache", c]);
    assert!(o.status.success() && text(&o).contains(&format!("{} entries removed, 0 left", entries.len())));
    assert!(CacheFile::at(&cache).load().unwrap().is_empty());
    let o = fastrun(&["import", shipped.to_str().unwrap(), "--cache", c]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(CacheFile::at(&cache).load().unwrap(), entries);
}

#[test]
fn bad_caches_and_requests() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("g.mlir");
    std::fs::write(&file, GRAPH).unwrap();
    // A file that is not a cache: reported, ignored, left as it is; the run goes on.
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes").unwrap();
    let o = run(
        &file,
        &["--target", "host", "--random-inputs", "1", "--fast-run", "--fast-run-cache", notes.to_str().unwrap()],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("warning: fast-run cache") && out.contains("not a cache"), "{out}");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");
    for args in [&["list", "--cache", notes.to_str().unwrap()][..], &["import", notes.to_str().unwrap()][..]] {
        let o = fastrun(args);
        assert_clean_failure(&o, "strata-fastrun on a foreign file");
        assert!(text(&o).contains("not a cache"), "{}", text(&o));
    }
    // Exporting over a foreign file is refused.
    let cache = dir.path().join("c.json");
    let o = fastrun(&["export", notes.to_str().unwrap(), "--cache", cache.to_str().unwrap()]);
    assert_clean_failure(&o, "export over a foreign file");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");
    // Measuring for a CPU that is not this machine's is a clean error.
    let other = if cfg!(target_arch = "aarch64") { "x86-64" } else { "aarch64" };
    let o = Command::new(env!("CARGO_BIN_EXE_strata-opt"))
        .arg(&file)
        .arg(format!("--pass-pipeline=builtin.module(func.func(egraph-opt{{cost=measured target={other}}}))"))
        .output()
        .unwrap();
    assert_clean_failure(&o, "fast-run for another CPU");
    assert!(text(&o).contains("Fast-Run measures on this machine"), "{}", text(&o));
    // Without a GPU (CI has none), measuring for one says why; with one, it measures.
    let o = Command::new(env!("CARGO_BIN_EXE_strata-opt"))
        .arg(&file)
        .arg("--pass-pipeline=builtin.module(func.func(egraph-opt{cost=measured target=gpu fast-run-cache=none}))")
        .output()
        .unwrap();
    if !o.status.success() {
        assert_clean_failure(&o, "fast-run without a GPU");
        assert!(text(&o).contains("Fast-Run on the GPU"), "{}", text(&o));
    }
}

//! `strata-run --profile`: the table lists every kernel of the compiled graph with one call per
//! run, shares that add up to the whole, and a trace with one event per kernel call; bad
//! requests fail cleanly; and profiling costs the uninstrumented code nothing: without it, the
//! code of a graph whose ops carry kernel tags is the code of the untagged graph. No test here
//! asserts a time beyond its being positive.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use strata_ir::pass::PassManager;
use strata_lowering::codegen::profile::kernel_of;
use strata_lowering::codegen::{default_pipeline, profile_pipeline, Target};

use crate::common::assert_clean_failure;

/// Several kinds of kernel, each large enough to take microseconds (see the file).
const GRAPH: &str = include_str!("../../../testdata/codegen/Inputs/profile-graph.mlir");

fn strata_run(file: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata-run"))
        .arg(file)
        .args(["--entry", "main", "--random-inputs", "1", "--target", "host", "--threads", "2"])
        .args(extra)
        .output()
        .unwrap()
}

/// The kernels the profiled pipeline tags in `GRAPH`, by index: `(name, location)`.
fn expected_kernels(file: &Path) -> BTreeMap<u32, (String, String)> {
    let mut ctx = strata_ir::Context::new();
    strata_dialects::register_all(&mut ctx);
    let src = std::fs::read_to_string(file).unwrap();
    let mut m = strata_ir::parse_source(&ctx, &file.display().to_string(), &src, &Default::default()).unwrap();
    let pipeline = profile_pipeline(Target::Host);
    let root = strata_tools::pass_registry().parse_pipeline(&pipeline).unwrap();
    PassManager::new(root).run(&ctx, &mut m.ir, m.root).unwrap();
    m.ir.collect_ops(m.root)
        .into_iter()
        .filter_map(|op| kernel_of(&ctx, m.ir.op(op).loc()))
        .map(|(_, k)| (k.index, (k.name(), k.location)))
        .collect()
}

/// A kernel's line of the table: name, location, calls, total ms, share %.
#[derive(Debug)]
struct Line {
    name: String,
    location: String,
    calls: u64,
    total_ms: f64,
    share: f64,
}

/// The kernel lines and the shares of the "outside kernels" and "total" lines.
fn parse_table(stdout: &str) -> (Vec<Line>, f64, f64) {
    let columns = |l: &str| -> Vec<String> {
        l.trim().split("  ").map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect()
    };
    let lines: Vec<&str> = stdout.lines().collect();
    let header = lines.iter().position(|l| l.trim_start().starts_with("id  kernel")).expect("a table header");
    let (mut kernels, mut outside, mut total) = (Vec::new(), None, None);
    for l in &lines[header + 1..] {
        let c = columns(l);
        match c[0].as_str() {
            "outside kernels" => outside = Some(c[2].parse().unwrap()),
            "total" => total = Some(c[2].parse().unwrap()),
            _ if c.len() == 11 => kernels.push(Line {
                name: c[1].clone(),
                location: c[2].clone(),
                calls: c[3].parse().unwrap(),
                total_ms: c[4].parse().unwrap(),
                share: c[6].parse().unwrap(),
            }),
            _ => {}
        }
    }
    (kernels, outside.expect("an outside line"), total.expect("a total line"))
}

#[test]
fn the_table_and_trace_cover_every_kernel_call() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graph.mlir");
    std::fs::write(&file, GRAPH).unwrap();
    let expected = expected_kernels(&file);
    assert!(expected.len() >= 5, "the graph keeps several kernels after egraph-opt: {expected:?}");
    for (runs, benchmark) in [(1u64, None), (3, Some("3"))] {
        let trace_path = dir.path().join(format!("trace{runs}.json"));
        let mut extra = vec!["--profile-trace".to_string(), trace_path.display().to_string()];
        if let Some(n) = benchmark {
            extra.extend(["--benchmark".to_string(), n.to_string()]);
        }
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let out = strata_run(&file, &extra);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{runs} runs: {}", String::from_utf8_lossy(&out.stderr));

        let (lines, outside, total) = parse_table(&stdout);
        let mut listed: Vec<(String, String)> = lines.iter().map(|l| (l.name.clone(), l.location.clone())).collect();
        let mut want: Vec<(String, String)> = expected.values().cloned().collect();
        listed.sort();
        want.sort();
        assert_eq!(listed, want, "every kernel once:\n{stdout}");
        for l in &lines {
            assert_eq!(l.calls, runs, "{l:?}:\n{stdout}");
        }
        // Ops egraph-opt writes anew (relayouts, an op moved to another layout) have no
        // location; the others keep their line in the file.
        let located = lines.iter().filter(|l| l.location.starts_with("graph.mlir:")).count();
        assert!(located >= 3, "{stdout}");
        // Each printed share is rounded to 0.1: the sum may be off by 0.05 a line.
        let shares: f64 = lines.iter().map(|l| l.share).sum::<f64>() + outside;
        assert!((shares - 100.0).abs() <= 0.05 * (lines.len() + 1) as f64, "shares add up to {shares}:\n{stdout}");
        assert_eq!(total, 100.0);
        assert!(lines.iter().map(|l| l.total_ms).sum::<f64>() > 0.0, "{stdout}");

        let trace: serde_json::Value = serde_json::from_slice(&std::fs::read(&trace_path).unwrap()).unwrap();
        let events = trace["traceEvents"].as_array().unwrap();
        let of = |cat: &str| events.iter().filter(|e| e["cat"] == cat).collect::<Vec<_>>();
        let (entries, kernels, chunks) = (of("entry"), of("kernel"), of("chunk"));
        assert_eq!(entries.len() as u64, runs);
        assert_eq!(kernels.len() as u64, runs * expected.len() as u64, "one event per kernel call");
        let mut per_kernel: BTreeMap<u64, u64> = BTreeMap::new();
        for k in &kernels {
            *per_kernel.entry(k["args"]["id"].as_u64().unwrap()).or_default() += 1;
        }
        assert!(per_kernel.values().all(|n| *n == runs), "{per_kernel:?}");
        assert!(!chunks.is_empty(), "parallel loops record their chunks");
        for e in entries.iter().chain(&kernels).chain(&chunks) {
            assert_eq!(e["ph"], "X");
            assert!(e["dur"].as_f64().unwrap() > 0.0 && e["ts"].as_f64().unwrap() >= 0.0, "{e}");
        }
        // Kernel calls happen inside a call of the entry, on its thread.
        for k in &kernels {
            let (ts, end) = (k["ts"].as_f64().unwrap(), k["ts"].as_f64().unwrap() + k["dur"].as_f64().unwrap());
            assert!(
                entries.iter().any(|e| {
                    let start = e["ts"].as_f64().unwrap();
                    e["tid"] == k["tid"] && start <= ts && end <= start + e["dur"].as_f64().unwrap() + 1e-3
                }),
                "{k} is in no entry call"
            );
        }
    }
}

#[test]
fn bad_requests_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graph.mlir");
    std::fs::write(&file, GRAPH).unwrap();
    let missing = dir.path().join("no/such/dir/trace.json");
    let out = strata_run(&file, &["--profile-trace", missing.to_str().unwrap()]);
    assert_clean_failure(&out, "a trace in a missing folder");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--profile-trace"), "{out:?}");
    assert!(out.stdout.is_empty(), "it fails before running: {}", String::from_utf8_lossy(&out.stdout));

    let out = Command::new(env!("CARGO_BIN_EXE_strata-run"))
        .arg(&file)
        .args(["--entry", "main", "--random-inputs", "1", "--target", "x86-64", "--profile"])
        .output()
        .unwrap();
    assert_clean_failure(&out, "profiling an object");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--profile needs --target host"), "{out:?}");
}

/// The machine-code listing of `GRAPH` for `target` through `pipeline`.
fn listing(dir: &Path, target: &str, pipeline: &str) -> String {
    let (file, object, text) = (dir.join("graph.mlir"), dir.join("graph.o"), dir.join("graph.txt"));
    std::fs::write(&file, GRAPH).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_strata-translate"))
        .arg(&file)
        .args(["--target", target, "--pass-pipeline", pipeline, "-o"])
        .arg(&object)
        .arg("--listing")
        .arg(&text)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(&text).unwrap()
}

#[test]
fn kernel_tags_leave_uninstrumented_code_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    for (name, target) in [("x86-64", Target::X86_64), ("aarch64", Target::Aarch64)] {
        let plain = listing(dir.path(), name, default_pipeline(target));
        let tagged = listing(dir.path(), name, &profile_pipeline(target));
        assert!(plain.len() > 1000, "{plain}");
        assert!(plain == tagged, "{name}: profile-kernels' tags changed the code of an uninstrumented compile");
    }
}

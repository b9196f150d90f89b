//! `strata-run --profile`: the per-kernel table of a profiled JIT run, and its trace
//! (`--profile-trace`). What a kernel is and how its calls are timed is in
//! `strata_lowering::codegen::profile`; the peaks the rates are compared with are measured by
//! [`peak`]; the trace format is in [`trace`].

pub mod peak;
pub mod trace;

use std::path::Path;

use strata_ir::Context;
use strata_lowering::codegen::profile::record::{Event, Profile, Span};
use strata_lowering::codegen::profile::Kernel;

/// What one kernel's calls add up to.
struct Row<'a> {
    id: usize,
    kernel: &'a Kernel,
    calls: usize,
    total_ns: u64,
    median_ns: u64,
}

/// The kernels' rows, longest total first (kernels that never ran last, by id).
fn rows<'a>(kernels: &'a [Kernel], events: &[Event]) -> Vec<Row<'a>> {
    let mut times: Vec<Vec<u64>> = vec![Vec::new(); kernels.len()];
    for e in events {
        if let Span::Kernel(k) = e.span {
            times[k as usize].push(e.dur_ns);
        }
    }
    let mut rows: Vec<Row> = times
        .into_iter()
        .enumerate()
        .map(|(id, mut t)| {
            t.sort_unstable();
            Row {
                id,
                kernel: &kernels[id],
                calls: t.len(),
                total_ns: t.iter().sum(),
                median_ns: t.get(t.len() / 2).copied().unwrap_or(0),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then(a.id.cmp(&b.id)));
    rows
}

/// `text` cut to `width` characters (the cut marked with `…`).
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width - 1).collect();
    s.push('…');
    s
}

/// A rate and its share of the peak, or dashes when the work is unknown or nothing ran.
fn rate(amount: Option<u64>, seconds: f64, unit: f64, peak: f64) -> (String, String) {
    match amount {
        Some(a) if a > 0 && seconds > 0.0 => {
            let r = a as f64 / seconds;
            (format!("{:.2}", r / unit), format!("{:.1}", 100.0 * r / peak))
        }
        _ => ("-".into(), "-".into()),
    }
}

/// The table of a profile: a header with the runs and the peaks, a line per kernel (sorted by
/// total time), a line for the time outside kernels and the total.
pub fn table(entry: &str, kernels: &[Kernel], events: &[Event], peaks: &peak::Peaks) -> String {
    let mut runs: Vec<u64> = events.iter().filter(|e| e.span == Span::Entry).map(|e| e.dur_ns).collect();
    runs.sort_unstable();
    let whole: u64 = runs.iter().sum();
    let rows = rows(kernels, events);
    let inside: u64 = rows.iter().map(|r| r.total_ns).sum();
    let ms = |ns: u64| ns as f64 / 1e6;
    let share = |ns: u64| if whole == 0 { 0.0 } else { 100.0 * ns as f64 / whole as f64 };
    let names: Vec<String> = rows.iter().map(|r| fit(&r.kernel.name(), 48)).collect();
    let locations: Vec<String> = rows.iter().map(|r| fit(&r.kernel.location, 40)).collect();
    let nw = names.iter().map(|n| n.chars().count()).max().unwrap_or(0).max("outside kernels".len());
    let lw = locations.iter().map(|n| n.chars().count()).max().unwrap_or(0).max("location".len());
    let mut out = format!(
        "profile of @{entry}: {} run{}, {:.3} ms in all, median {:.3} ms a run; {} thread{}\n",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" },
        ms(whole),
        ms(runs.get(runs.len() / 2).copied().unwrap_or(0)),
        peaks.threads,
        if peaks.threads == 1 { "" } else { "s" },
    );
    out.push_str(&format!(
        "peaks (measured on {} thread{}): {:.1} GFLOP/s (f32x{} fused multiply-adds), {:.1} GB/s (a 64 MiB copy)\n",
        peaks.threads,
        if peaks.threads == 1 { "" } else { "s" },
        peaks.flops / 1e9,
        peaks.lanes,
        peaks.bytes / 1e9
    ));
    out.push_str(&format!(
        "{:>4}  {:nw$}  {:lw$}  {:>6}  {:>10}  {:>10}  {:>7}  {:>8}  {:>6}  {:>8}  {:>6}\n",
        "id", "kernel", "location", "calls", "total ms", "median µs", "share %", "GFLOP/s", "%peak", "GB/s", "%peak"
    ));
    for ((r, name), location) in rows.iter().zip(&names).zip(&locations) {
        let seconds = r.total_ns as f64 / 1e9;
        let calls = r.calls as u64;
        let (gflops, fpeak) = rate(r.kernel.work.flops.map(|f| f * calls), seconds, 1e9, peaks.flops);
        let (gbytes, bpeak) = rate(Some(r.kernel.work.bytes * calls), seconds, 1e9, peaks.bytes);
        out.push_str(&format!(
            "{:>4}  {name:nw$}  {location:lw$}  {:>6}  {:>10.3}  {:>10.1}  {:>7.1}  {gflops:>8}  {fpeak:>6}  {gbytes:>8}  {bpeak:>6}\n",
            r.id,
            r.calls,
            ms(r.total_ns),
            r.median_ns as f64 / 1e3,
            share(r.total_ns),
        ));
    }
    let outside = whole.saturating_sub(inside);
    for (label, ns) in [("outside kernels", outside), ("total", whole)] {
        out.push_str(&format!(
            "{:>4}  {label:nw$}  {:lw$}  {:>6}  {:>10.3}  {:>10}  {:>7.1}\n",
            "",
            "",
            "",
            ms(ns),
            "",
            share(ns)
        ));
    }
    if kernels.is_empty() {
        out.push_str(
            "no kernels: the pipeline did not run profile-kernels on a graph before lower-to-loops \
             (strata-run's default pipeline does)\n",
        );
    }
    out
}

/// Fails early when a trace could not be written to `path`: its folder must exist.
pub fn check_trace_path(path: &Path) -> Result<(), String> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(format!("error: --profile-trace: {}: no such directory", folder.display()));
    }
    Ok(())
}

/// After the profiled runs: measures the peaks, writes the trace (whole or not at all) when
/// asked, and returns the table. `events` are the runs to report (warm-up runs left out).
pub fn report(
    ctx: &Context,
    profile: &Profile,
    events: &[Event],
    file: &str,
    entry: &str,
    calibration: peak::Calibration,
    trace_path: Option<&Path>,
) -> Result<String, String> {
    if let Some(path) = trace_path {
        let json = trace::trace(&format!("strata-run {file} @{entry}"), entry, profile.kernels(), events);
        crate::output::write_atomic_with(path, |w| serde_json::to_writer(w, &json))
            .map_err(|e| format!("error: --profile-trace: {e}"))?;
    }
    let peaks = peak::measure(ctx, calibration)?;
    Ok(table(entry, profile.kernels(), events, &peaks))
}

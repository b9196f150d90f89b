//! Reports a pass manager writes after a run: timing (tree, list, JSON), statistics, and
//! crash reproducers.

use std::any::Any;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use super::manager::{Entry, OpPassManager, PassManager};

/// A statistic: name, value, description.
type StatRow = (&'static str, u64, &'static str);
/// A pass's display name and its statistics.
type PassStats = (String, Vec<StatRow>);

/// How `--mlir-timing` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimingFormat {
    /// Nested as the pipeline is (`--mlir-timing-display=tree`).
    Tree,
    /// One line per pass name, summed, slowest first (`--mlir-timing-display=list`).
    List,
    /// The tree as JSON (`--mlir-output-format=json`).
    Json,
}

/// One line of a timing report.
struct TimingRow {
    name: String,
    /// Seconds across all threads.
    user: f64,
    /// Seconds of elapsed time.
    wall: f64,
    children: Vec<TimingRow>,
}

fn secs(ns: u64) -> f64 {
    ns as f64 * 1e-9
}

/// Rows for the entries of `pm`. Only managers directly under the root have a measured wall
/// time; below that, passes may have run on threads, and get the enclosing manager's wall time
/// split in proportion to their user time (`scale`: wall per user second; `None` at the top).
fn rows(pm: &OpPassManager, scale: Option<f64>) -> Vec<TimingRow> {
    pm.entries
        .iter()
        .map(|e| match e {
            Entry::Pass(slot) => {
                let user = secs(slot.time_ns.load(Ordering::Relaxed));
                TimingRow {
                    name: slot.info.display.to_string(),
                    user,
                    wall: user * scale.unwrap_or(1.0),
                    children: Vec::new(),
                }
            }
            Entry::Nested(n) => {
                let user = secs(n.user_ns.load(Ordering::Relaxed));
                let wall = match scale {
                    None => secs(n.wall_ns.load(Ordering::Relaxed)),
                    Some(s) => user * s,
                };
                let inner = if user > 0.0 { wall / user } else { 0.0 };
                TimingRow {
                    name: format!("'{}' Pipeline", n.anchor.name()),
                    user,
                    wall,
                    children: rows(n, Some(inner)),
                }
            }
        })
        .collect()
}

impl PassManager {
    /// The timing report of the runs so far. `extra` rows (parsing, output) come first and
    /// last as mlir-opt shows them; `total` is the whole tool's elapsed time in seconds.
    pub fn timing_report(
        &self,
        format: TimingFormat,
        before: &[(&str, f64)],
        after: &[(&str, f64)],
        total: f64,
    ) -> String {
        let mut all: Vec<TimingRow> = before
            .iter()
            .map(|(n, t)| TimingRow { name: n.to_string(), user: *t, wall: *t, children: Vec::new() })
            .collect();
        all.extend(rows(&self.root, None));
        all.extend(after.iter().map(|(n, t)| TimingRow {
            name: n.to_string(),
            user: *t,
            wall: *t,
            children: Vec::new(),
        }));
        let accounted: f64 = all.iter().map(|r| r.wall).sum();
        all.push(TimingRow {
            name: "Rest".into(),
            user: (total - accounted).max(0.0),
            wall: (total - accounted).max(0.0),
            children: Vec::new(),
        });
        let threads = self.threading;
        match format {
            TimingFormat::Tree => text_report(&all, total, threads, false),
            TimingFormat::List => {
                let mut flat: Vec<TimingRow> = Vec::new();
                fn collect(rows: &[TimingRow], flat: &mut Vec<TimingRow>) {
                    for r in rows {
                        if r.children.is_empty() {
                            match flat.iter_mut().find(|f| f.name == r.name) {
                                Some(f) => {
                                    f.user += r.user;
                                    f.wall += r.wall;
                                }
                                None => flat.push(TimingRow {
                                    name: r.name.clone(),
                                    user: r.user,
                                    wall: r.wall,
                                    children: Vec::new(),
                                }),
                            }
                        } else {
                            collect(&r.children, flat);
                        }
                    }
                }
                collect(&all, &mut flat);
                flat.sort_by(|a, b| b.wall.total_cmp(&a.wall));
                text_report(&flat, total, threads, true)
            }
            TimingFormat::Json => {
                let mut out = String::from("[\n");
                json_rows(&mut out, &all, total, 1);
                let _ = write!(
                    out,
                    ",\n  {{\"name\": \"Total\", \"wall\": {{\"duration\": {total:.6}, \"percentage\": 100.0}}}}\n]\n"
                );
                out
            }
        }
    }

    /// The statistics report (`--mlir-pass-statistics`): per pass, each statistic, in
    /// pipeline form or (`list`) summed by pass name.
    pub fn statistics_report(&self) -> String {
        self.statistics_report_as(false)
    }

    pub fn statistics_report_as(&self, list: bool) -> String {
        let mut out = banner("Pass statistics report");
        if list {
            let mut merged: Vec<PassStats> = Vec::new();
            fn collect(pm: &OpPassManager, merged: &mut Vec<PassStats>) {
                for e in &pm.entries {
                    match e {
                        Entry::Pass(slot) => {
                            let stats = slot.stats.lock().unwrap();
                            let idx = match merged.iter().position(|(n, _)| n == slot.info.display) {
                                Some(i) => i,
                                None => {
                                    merged.push((slot.info.display.to_string(), Vec::new()));
                                    merged.len() - 1
                                }
                            };
                            for (name, v) in stats.iter() {
                                let desc = slot.info.statistics.iter().find(|(n, _)| n == name).map_or("", |(_, d)| *d);
                                match merged[idx].1.iter_mut().find(|(n, _, _)| n == name) {
                                    Some(e) => e.1 += v,
                                    None => merged[idx].1.push((name, *v, desc)),
                                }
                            }
                        }
                        Entry::Nested(n) => collect(n, merged),
                    }
                }
            }
            collect(&self.root, &mut merged);
            for (name, stats) in merged {
                let _ = writeln!(out, "{name}");
                write_stats(&mut out, &stats, 1);
            }
        } else {
            fn tree(pm: &OpPassManager, out: &mut String, depth: usize) {
                for e in &pm.entries {
                    match e {
                        Entry::Pass(slot) => {
                            let _ = writeln!(out, "{}{}", "  ".repeat(depth), slot.info.display);
                            let stats = slot.stats.lock().unwrap();
                            let rows: Vec<_> = stats
                                .iter()
                                .map(|(name, v)| {
                                    let desc =
                                        slot.info.statistics.iter().find(|(n, _)| n == name).map_or("", |(_, d)| *d);
                                    (*name, *v, desc)
                                })
                                .collect();
                            write_stats(out, &rows, depth + 1);
                        }
                        Entry::Nested(n) => {
                            let _ = writeln!(out, "{}'{}' Pipeline", "  ".repeat(depth), n.anchor.name());
                            tree(n, out, depth + 1);
                        }
                    }
                }
            }
            tree(&self.root, &mut out, 0);
        }
        out
    }
}

fn write_stats(out: &mut String, stats: &[StatRow], depth: usize) {
    let width = stats.iter().map(|(_, v, _)| v.to_string().len()).max().unwrap_or(0);
    for (name, v, desc) in stats {
        let _ = writeln!(out, "{}(S) {v:>width$} {name} - {desc}", "  ".repeat(depth));
    }
}

fn banner(title: &str) -> String {
    let rule = "===-------------------------------------------------------------------------===";
    let title = format!("... {title} ...");
    format!("{rule}\n{}{title}\n{rule}\n", " ".repeat((rule.len() - title.len()) / 2))
}

fn text_report(rows: &[TimingRow], total: f64, threads: bool, flat: bool) -> String {
    let mut out = banner("Execution time report");
    let _ = writeln!(out, "  Total Execution Time: {total:.4} seconds\n");
    if threads {
        let _ = writeln!(out, "  ----User Time----  ----Wall Time----  ----Name----");
    } else {
        let _ = writeln!(out, "  ----Wall Time----  ----Name----");
    }
    let pct = |t: f64| if total > 0.0 { 100.0 * t / total } else { 0.0 };
    fn walk(
        out: &mut String,
        rows: &[TimingRow],
        depth: usize,
        threads: bool,
        pct: &dyn Fn(f64) -> f64,
        user_total: f64,
        flat: bool,
    ) {
        for r in rows {
            if threads {
                let up = if user_total > 0.0 { 100.0 * r.user / user_total } else { 0.0 };
                let _ = write!(out, "  {:>8.4} ({up:>5.1}%)", r.user);
            }
            let _ = writeln!(out, "  {:>8.4} ({:>5.1}%)  {}{}", r.wall, pct(r.wall), "  ".repeat(depth), r.name);
            if !flat {
                walk(out, &r.children, depth + 1, threads, pct, user_total, flat);
            }
        }
    }
    let user_total: f64 = rows.iter().map(|r| r.user).sum();
    walk(&mut out, rows, 0, threads, &pct, user_total, flat);
    if threads {
        let _ = write!(out, "  {user_total:>8.4} (100.0%)");
    }
    let _ = writeln!(out, "  {total:>8.4} (100.0%)  Total");
    out
}

fn json_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn json_rows(out: &mut String, rows: &[TimingRow], total: f64, depth: usize) {
    let pad = "  ".repeat(depth);
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        let pct = if total > 0.0 { 100.0 * r.wall / total } else { 0.0 };
        let _ = write!(
            out,
            "{pad}{{\"name\": \"{}\", \"wall\": {{\"duration\": {:.6}, \"percentage\": {pct:.1}}}, \"user\": {{\"duration\": {:.6}}}",
            json_escape(&r.name),
            r.wall,
            r.user
        );
        if !r.children.is_empty() {
            out.push_str(", \"passes\": [\n");
            json_rows(out, &r.children, total, depth + 1);
            let _ = write!(out, "\n{pad}]");
        }
        out.push('}');
    }
}

/// A reproducer: the IR as it was before the pipeline, and the pipeline in a resource that
/// `--run-reproducer` reads back (the layout mlir-opt uses).
pub(super) fn reproducer(ir_text: &str, pipeline: &str, pm: &PassManager) -> String {
    let escaped = pipeline.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "{ir_text}\n\n{{-#\n  external_resources: {{\n    mlir_reproducer: {{\n      pipeline: \"{escaped}\",\n      \
         disable_threading: {},\n      verify_each: {}\n    }}\n  }}\n#-}}\n",
        !pm.threading, pm.verify_each
    )
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the panic hook with one that records the message and location instead of
/// printing them, so a crashing pass is reported once, as a diagnostic.
pub fn install_quiet_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = payload_text(info.payload());
        let at = info.location().map(|l| format!(" (at {}:{})", l.file(), l.line())).unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message}{at}")));
    }));
}

/// The text of a panic: what the quiet hook recorded, else the payload's message.
pub(super) fn panic_message(payload: &(dyn Any + Send)) -> String {
    LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| payload_text(payload))
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

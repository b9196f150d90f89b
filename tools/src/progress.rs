//! Progress of long work (importing, compiling, benchmarking a model): a bar on stderr when it
//! is a terminal and the work has taken more than a second; nothing otherwise, so scripts,
//! tests and logs see only the tool's output.

use std::cell::{Cell, OnceCell};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Work shorter than this shows no bar.
const QUIET_FOR: Duration = Duration::from_secs(1);

/// One piece of work's progress.
pub struct Progress {
    what: String,
    started: Instant,
    terminal: bool,
    bar: OnceCell<ProgressBar>,
    last: Cell<(u64, u64)>,
}

impl Progress {
    /// `verb` and `object` label the bar (`importing model.onnx`).
    pub fn new(verb: &str, object: &str) -> Progress {
        Progress {
            what: format!("{verb} {object}").trim_end().to_string(),
            started: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
            bar: OnceCell::new(),
            last: Cell::new((0, 0)),
        }
    }

    /// `done` of `total` steps are done.
    pub fn set(&self, done: usize, total: usize) {
        let (done, total) = (done as u64, total as u64);
        self.last.set((done, total));
        if !self.terminal || self.started.elapsed() < QUIET_FOR {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed}, {eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message(self.what.clone());
            bar
        });
        bar.set_length(total);
        bar.set_position(done);
    }

    /// As [`Progress::set`], with the bar's message saying what is being done now.
    pub fn set_with(&self, done: usize, total: usize, now: &str) {
        self.set(done, total);
        if let Some(bar) = self.bar.get() {
            bar.set_message(format!("{}: {now}", self.what));
        }
    }

    /// Removes the bar (the tool's own output follows).
    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

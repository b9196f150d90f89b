//! Pass instrumentation: hooks around every pass, and the IR printer built on them
//! (`--mlir-print-ir-before/after...`, `--mlir-print-ir-tree-dir`).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread::ThreadId;

use super::options::PassOptions;
use super::registry::PassInfo;
use crate::entities::OpId;
use crate::printer::{print_op, print_top_level, PrintOptions};
use crate::store::Ir;
use crate::Context;

/// What an instrumentation hook sees: the pass, the op it runs on and where that op sits.
pub struct PassEvent<'a> {
    pub ctx: &'a Context,
    pub ir: &'a Ir,
    pub op: OpId,
    pub pass: &'a PassInfo,
    pub options: &'a PassOptions,
    /// Path of ops from the root to `op`, as `builtin_module_no-symbol-name`, `func_func_main`.
    pub scope: &'a [String],
}

/// Hooks run around each pass. Text appended to `log` goes to the pass manager's output
/// (standard error) in op order, whether or not passes ran on threads.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use strata_ir::pass::{PassEvent, PassInstrumentation};
/// #[derive(Default)]
/// struct CountRuns(AtomicUsize);
/// impl PassInstrumentation for CountRuns {
///     fn after_pass(&self, _: &PassEvent, _: &mut String) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// ```
pub trait PassInstrumentation: Send + Sync {
    fn before_pass(&self, _event: &PassEvent<'_>, _log: &mut String) {}
    fn after_pass(&self, _event: &PassEvent<'_>, _log: &mut String) {}
    /// After a pass returned an error or broke the IR (not after a crash: the IR may be unusable).
    fn after_pass_failed(&self, _event: &PassEvent<'_>, _log: &mut String) {}
}

/// Which passes an IR dump applies to.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum PassFilter {
    #[default]
    None,
    All,
    /// Passes with these names.
    Names(Vec<String>),
}

impl PassFilter {
    fn matches(&self, name: &str) -> bool {
        match self {
            PassFilter::None => false,
            PassFilter::All => true,
            PassFilter::Names(names) => names.iter().any(|n| n == name),
        }
    }
}

/// Prints the IR the pass runs on before and/or after it.
#[derive(Default)]
pub struct IrPrinting {
    pub before: PassFilter,
    pub after: PassFilter,
    /// With `after`: print only when the pass changed the IR.
    pub only_on_change: bool,
    /// Print after a pass that failed.
    pub after_failure: bool,
    /// Write each dump to its own file under this directory instead of the log.
    pub tree_dir: Option<PathBuf>,
    pub print: PrintOptions,
    /// Bookkeeping between hooks; start it at `Default::default()`.
    pub state: DumpState,
}

/// What [`IrPrinting`] remembers between hooks.
#[derive(Default)]
pub struct DumpState {
    /// Fingerprint before the pass, per thread (a thread runs one pass at a time).
    fingerprints: Mutex<HashMap<ThreadId, u64>>,
    /// Dumps written per op path, to number the files.
    counters: Mutex<HashMap<Vec<String>, usize>>,
    /// Dumps that could not be written (each also reported in the log).
    failed_writes: AtomicUsize,
}

impl IrPrinting {
    fn dump(&self, event: &PassEvent<'_>, text: &str, when: &str, log: &mut String) {
        let (when, failed) = when.split_once(' ').unwrap_or((when, ""));
        let failed = if failed.is_empty() { String::new() } else { format!(" {failed}") };
        let header =
            format!("// -----// IR Dump {when} {}{failed} ({}) //----- //\n", event.pass.display, event.pass.name);
        match &self.tree_dir {
            None => {
                log.push_str(&header);
                log.push_str(text);
                log.push_str("\n\n");
            }
            Some(dir) => {
                let n = {
                    let mut counters = self.state.counters.lock().unwrap();
                    let c = counters.entry(event.scope.to_vec()).or_insert(0);
                    *c += 1;
                    *c - 1
                };
                let mut path = dir.clone();
                path.extend(event.scope.iter().map(|s| sanitize(s)));
                let file = path.join(format!("{n}_{}.mlir", event.pass.name));
                let written =
                    std::fs::create_dir_all(&path).and_then(|_| std::fs::write(&file, format!("{header}{text}\n\n")));
                if let Err(e) = written {
                    self.state.failed_writes.fetch_add(1, Ordering::Relaxed);
                    log.push_str(&format!("error: could not write IR dump {}: {e}\n", file.display()));
                }
            }
        }
    }

    /// How many dumps could not be written to `tree_dir`: a tool should fail when any did,
    /// since the user asked for files that are not there.
    pub fn failed_writes(&self) -> usize {
        self.state.failed_writes.load(Ordering::Relaxed)
    }

    /// The op as mlir-opt dumps it: a top-level op whole, with its aliases; a nested one in
    /// local scope (MLIR's `printIR`). A function lent to a thread has no parent either, so
    /// the scope tells: only the outermost manager's op can be top-level.
    fn text(&self, event: &PassEvent<'_>) -> String {
        if event.scope.len() == 1 && event.ir.op(event.op).parent_block().is_none() {
            print_top_level(event.ctx, event.ir, event.op, &[], &self.print)
        } else {
            print_op(event.ctx, event.ir, event.op, &self.print)
        }
    }
}

/// Symbol names may hold characters a file name cannot.
fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c == '/' || c == '\\' || c == '\0' { '_' } else { c }).collect()
}

fn fingerprint(text: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

impl PassInstrumentation for IrPrinting {
    fn before_pass(&self, event: &PassEvent<'_>, log: &mut String) {
        let name = event.pass.name;
        if self.before.matches(name) {
            let text = self.text(event);
            self.dump(event, &text, "Before", log);
        }
        if self.only_on_change && self.after.matches(name) {
            let f = fingerprint(&self.text(event));
            self.state.fingerprints.lock().unwrap().insert(std::thread::current().id(), f);
        }
    }

    fn after_pass(&self, event: &PassEvent<'_>, log: &mut String) {
        if !self.after.matches(event.pass.name) {
            return;
        }
        let text = self.text(event);
        if self.only_on_change {
            let before = self.state.fingerprints.lock().unwrap().remove(&std::thread::current().id());
            if before == Some(fingerprint(&text)) {
                return;
            }
        }
        self.dump(event, &text, "After", log);
    }

    fn after_pass_failed(&self, event: &PassEvent<'_>, log: &mut String) {
        if self.after_failure {
            let text = self.text(event);
            self.dump(event, &text, "After Failed", log);
        }
    }
}

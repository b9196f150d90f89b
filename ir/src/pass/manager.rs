//! The pass manager tree and the top-level [`PassManager`].

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use super::executor::Executor;
use super::instrument::PassInstrumentation;
use super::options::{write_options, PassOptions};
use super::registry::PassInfo;
use super::Pass;
use crate::entities::OpId;
use crate::printer::{print_op_with_blobs, PrintOptions};
use crate::store::Ir;
use crate::{Context, Diagnostic};

/// The ops a nested pass manager runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Ops with this name (`func.func`).
    Op(String),
    /// Any op isolated from above (`any(...)`).
    Any,
}

impl Anchor {
    pub fn parse(name: &str) -> Self {
        if name == "any" {
            Anchor::Any
        } else {
            Anchor::Op(name.to_string())
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Anchor::Op(n) => n,
            Anchor::Any => "any",
        }
    }
}

/// A pass instance in a pipeline, with the time it took and the statistics it kept.
pub struct PassSlot {
    pub(super) info: PassInfo,
    pub(super) options: PassOptions,
    pub(super) pass: Box<dyn Pass>,
    pub(super) stats: Mutex<Vec<(&'static str, u64)>>,
    /// Summed over every op and thread, in nanoseconds.
    pub(super) time_ns: AtomicU64,
}

impl PassSlot {
    pub(super) fn new(info: PassInfo, options: PassOptions, pass: Box<dyn Pass>) -> Self {
        let stats = Mutex::new(info.statistics.iter().map(|(n, _)| (*n, 0)).collect());
        PassSlot { info, options, pass, stats, time_ns: AtomicU64::new(0) }
    }
    pub(super) fn merge_stats(&self, local: &[(&'static str, u64)]) {
        let mut stats = self.stats.lock().unwrap();
        for (name, n) in local {
            match stats.iter_mut().find(|(k, _)| k == name) {
                Some((_, v)) => *v += n,
                None => stats.push((name, *n)),
            }
        }
    }
}

pub(super) enum Entry {
    Pass(Box<PassSlot>),
    Nested(OpPassManager),
}

/// A list of passes and nested managers anchored on one kind of op.
pub struct OpPassManager {
    pub(super) anchor: Anchor,
    pub(super) entries: Vec<Entry>,
    /// Wall time of this manager's runs (for nested ones, across all matching ops).
    pub(super) wall_ns: AtomicU64,
    /// Summed time of this manager's runs on every op and thread.
    pub(super) user_ns: AtomicU64,
}

impl OpPassManager {
    pub fn new(anchor: Anchor) -> Self {
        OpPassManager { anchor, entries: Vec::new(), wall_ns: AtomicU64::new(0), user_ns: AtomicU64::new(0) }
    }

    pub fn anchor(&self) -> &Anchor {
        &self.anchor
    }

    /// The number of passes at every depth.
    pub fn num_passes(&self) -> usize {
        self.entries
            .iter()
            .map(|e| match e {
                Entry::Pass(_) => 1,
                Entry::Nested(n) => n.num_passes(),
            })
            .sum()
    }

    /// Whether the manager holds no passes at any depth.
    pub fn is_empty(&self) -> bool {
        self.entries.iter().all(|e| matches!(e, Entry::Nested(n) if n.is_empty()))
    }

    /// Adds a nested manager for ops named by `anchor` and returns it.
    pub fn nest_new(&mut self, anchor: Anchor) -> &mut OpPassManager {
        self.entries.push(Entry::Nested(OpPassManager::new(anchor)));
        match self.entries.last_mut() {
            Some(Entry::Nested(n)) => n,
            _ => unreachable!(),
        }
    }

    /// Adds a pass built from `info` with default options.
    pub fn add_pass(
        &mut self,
        info: &PassInfo,
        registry: &super::PassRegistry,
        implicit_nesting: bool,
    ) -> Result<(), String> {
        let options = PassOptions::defaults(&info.options);
        let pass = info.create(&options, registry)?;
        self.add_slot(PassSlot::new(info.clone(), options, pass), implicit_nesting)
    }

    pub(super) fn add_slot(&mut self, slot: PassSlot, implicit_nesting: bool) -> Result<(), String> {
        if let Some(restricted) = slot.info.anchor {
            if self.anchor.name() != restricted && self.anchor != Anchor::Any {
                if !implicit_nesting {
                    return Err(format!(
                        "pass '{}' runs on '{restricted}' ops, not on '{}'; nest it: {}({restricted}({}))",
                        slot.info.name,
                        self.anchor.name(),
                        self.anchor.name(),
                        slot.info.name
                    ));
                }
                let reuse = matches!(self.entries.last(), Some(Entry::Nested(n)) if n.anchor.name() == restricted);
                if !reuse {
                    self.nest_new(Anchor::Op(restricted.to_string()));
                }
                let Some(Entry::Nested(n)) = self.entries.last_mut() else { unreachable!() };
                return n.add_slot(slot, implicit_nesting);
            }
        }
        self.entries.push(Entry::Pass(Box::new(slot)));
        Ok(())
    }

    /// Writes the pipeline as text: `anchor(pass{opts},nested(...))`. With `all_options`,
    /// every option is written, defaults included (as `--dump-pass-pipeline` does).
    pub fn to_text(&self, all_options: bool) -> String {
        let mut out = String::new();
        self.write(&mut out, all_options);
        out
    }

    fn write(&self, out: &mut String, all_options: bool) {
        let _ = write!(out, "{}(", self.anchor.name());
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match e {
                Entry::Pass(slot) => {
                    out.push_str(slot.info.name);
                    let defaults = PassOptions::defaults(&slot.info.options);
                    let mut shown = PassOptions::default();
                    for (k, v) in slot.options.iter() {
                        if all_options || defaults.get(k) != Some(v) {
                            shown.insert(k, v.clone());
                        }
                    }
                    if shown.iter().next().is_some() {
                        out.push('{');
                        write_options(out, &shown);
                        out.push('}');
                    }
                }
                Entry::Nested(n) => n.write(out, all_options),
            }
        }
        out.push(')');
    }
}

/// Why a pipeline stopped: the diagnostic, the pass, and whether the pass crashed.
#[derive(Debug, Clone)]
pub struct PassFailure {
    pub diagnostic: Diagnostic,
    /// Name of the pass that failed (empty when the pipeline failed outside a pass).
    pub pass: String,
    pub crashed: bool,
}

/// A pipeline ready to run, with its run settings.
pub struct PassManager {
    pub(super) root: OpPassManager,
    pub verify_each: bool,
    pub threading: bool,
    pub(super) instrumentations: Vec<Arc<dyn PassInstrumentation>>,
    /// Where a failing run writes its reproducer (input IR plus pipeline).
    pub crash_reproducer: Option<PathBuf>,
    /// Where instrumentation text goes (standard error unless replaced).
    pub(super) sink: Mutex<Box<dyn std::io::Write + Send>>,
}

impl PassManager {
    pub fn new(root: OpPassManager) -> Self {
        PassManager {
            root,
            verify_each: true,
            threading: true,
            instrumentations: Vec::new(),
            crash_reproducer: None,
            sink: Mutex::new(Box::new(std::io::stderr())),
        }
    }

    pub fn root(&self) -> &OpPassManager {
        &self.root
    }

    pub fn add_instrumentation(&mut self, instrumentation: Arc<dyn PassInstrumentation>) {
        self.instrumentations.push(instrumentation);
    }

    /// Sends instrumentation text (IR dumps) to `sink` instead of standard error.
    pub fn set_output(&mut self, sink: Box<dyn std::io::Write + Send>) {
        self.sink = Mutex::new(sink);
    }

    /// Runs the pipeline on `op` (usually the module). On failure with a reproducer path
    /// set, writes the input IR and the pipeline there.
    pub fn run(&self, ctx: &Context, ir: &mut Ir, op: OpId) -> Result<(), PassFailure> {
        if let Anchor::Op(name) = &self.root.anchor {
            let actual = ctx.ident_str(ir.op(op).name());
            if actual != name {
                return Err(PassFailure {
                    diagnostic: Diagnostic::error(
                        ir.op(op).loc(),
                        format!("can't run '{name}' pass manager on '{actual}' op"),
                    ),
                    pass: String::new(),
                    crashed: false,
                });
            }
        }
        let snapshot = self.crash_reproducer.as_ref().map(|_| {
            print_op_with_blobs(ctx, ir, op, &PrintOptions { generic: true, debug_info: true, ..Default::default() })
        });
        let executor = Executor {
            ctx,
            verify_each: self.verify_each,
            threading: self.threading,
            instrumentations: &self.instrumentations,
            sink: &self.sink,
        };
        let mut analyses = super::AnalysisManager::default();
        let mut log = String::new();
        let scope = vec![Executor::scope_name(ctx, ir, op)];
        let result = executor.run_manager(&self.root, ir, op, &scope, &mut analyses, &mut log);
        executor.flush(&mut log);
        if let (Err(_), Some(path), Some(text)) = (&result, &self.crash_reproducer, snapshot) {
            let reproducer = super::report::reproducer(&text, &self.root.to_text(false), self);
            if let Err(e) = std::fs::write(path, reproducer) {
                eprintln!("error: could not write crash reproducer to {}: {e}", path.display());
            }
        }
        result
    }
}

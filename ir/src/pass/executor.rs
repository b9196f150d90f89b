//! Running a pass manager tree: passes in order, nested managers on matching child ops
//! (in parallel when they are isolated from above and threading is on), verification after
//! each pass, instrumentation, and panics caught and reported.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use super::analysis::{AnalysisManager, Preserved};
use super::context::PassContext;
use super::instrument::{PassEvent, PassInstrumentation};
use super::manager::{Anchor, Entry, OpPassManager, PassFailure, PassSlot};
use crate::dialect::Trait;
use crate::entities::OpId;
use crate::store::lend::{IsolatedEntities, Piece};
use crate::store::Ir;
use crate::{verify, verify_symbol_uses, Context, Diagnostic};

pub(crate) struct Executor<'a> {
    pub ctx: &'a Context,
    pub verify_each: bool,
    pub threading: bool,
    pub instrumentations: &'a [std::sync::Arc<dyn PassInstrumentation>],
    pub sink: &'a Mutex<Box<dyn std::io::Write + Send>>,
}

impl Executor<'_> {
    /// A path segment naming `op` for IR dumps: `func_func_main`, `builtin_module_no-symbol-name`.
    pub fn scope_name(ctx: &Context, ir: &Ir, op: OpId) -> String {
        let name = ctx.ident_str(ir.op(op).name()).replace('.', "_");
        let symbol = ir.op(op).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a));
        match symbol {
            Some(s) => format!("{name}_{s}"),
            None => format!("{name}_no-symbol-name"),
        }
    }

    pub fn flush(&self, log: &mut String) {
        if !log.is_empty() {
            let mut sink = self.sink.lock().unwrap();
            let _ = sink.write_all(log.as_bytes());
            let _ = sink.flush();
            log.clear();
        }
    }

    pub fn run_manager(
        &self,
        pm: &OpPassManager,
        ir: &mut Ir,
        op: OpId,
        scope: &[String],
        analyses: &mut AnalysisManager,
        log: &mut String,
    ) -> Result<(), PassFailure> {
        let start = Instant::now();
        let mut result = Ok(());
        for entry in &pm.entries {
            result = match entry {
                Entry::Pass(slot) => self.run_pass(slot, ir, op, scope, analyses, log),
                Entry::Nested(nested) => {
                    let r = self.run_nested(nested, ir, op, scope, log);
                    analyses.clear();
                    r
                }
            };
            // Top-level text goes out as it comes; nested text is ordered by the caller.
            if scope.len() == 1 {
                self.flush(log);
            }
            if result.is_err() {
                break;
            }
        }
        pm.user_ns.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        if scope.len() == 1 {
            pm.wall_ns.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
        result
    }

    fn matching_children(&self, pm: &OpPassManager, ir: &Ir, op: OpId) -> Result<Vec<OpId>, PassFailure> {
        let ctx = self.ctx;
        let mut out = Vec::new();
        for &r in ir.op(op).regions() {
            for &b in ir.region(r).blocks() {
                for child in ir.block_ops(b) {
                    let name = ctx.ident_str(ir.op(child).name());
                    let isolated =
                        ctx.op_def(ir.op(child).name()).is_some_and(|d| d.has_trait(Trait::IsolatedFromAbove));
                    match &pm.anchor {
                        Anchor::Any if isolated => out.push(child),
                        Anchor::Op(anchor) if anchor == name => {
                            if !isolated {
                                return Err(PassFailure {
                                    diagnostic: Diagnostic::error(
                                        ir.op(child).loc(),
                                        format!(
                                            "cannot run a nested pass pipeline on '{name}': \
                                             the op is not isolated from above"
                                        ),
                                    ),
                                    pass: String::new(),
                                    crashed: false,
                                });
                            }
                            out.push(child);
                        }
                        _ => {}
                    }
                }
            }
        }
        Ok(out)
    }

    fn run_nested(
        &self,
        pm: &OpPassManager,
        ir: &mut Ir,
        op: OpId,
        scope: &[String],
        log: &mut String,
    ) -> Result<(), PassFailure> {
        let start = Instant::now();
        let children = self.matching_children(pm, ir, op)?;
        let child_scope = |ir: &Ir, c: OpId| {
            let mut s = scope.to_vec();
            s.push(Self::scope_name(self.ctx, ir, c));
            s
        };
        // Each function is lent, in place, to an `Ir` of its own (`store::lend`) when its ids
        // lie together, as the parser and every earlier pipeline leave them.
        let lendable = |ir: &Ir| -> Option<Vec<IsolatedEntities>> {
            if !self.threading || children.len() < 2 {
                return None;
            }
            let entities: Vec<IsolatedEntities> = children.par_iter().map(|c| ir.isolated_entities(*c)).collect();
            entities.iter().all(IsolatedEntities::is_compact).then_some(entities)
        };
        let result = if let Some(entities) = lendable(ir) {
            let scopes: Vec<Vec<String>> = children.iter().map(|c| child_scope(ir, *c)).collect();
            let pieces: Vec<Piece> = ir.lend(entities);
            let done: Vec<(Piece, String, Result<(), PassFailure>)> = pieces
                .into_par_iter()
                .zip(scopes.into_par_iter())
                .map(|(mut piece, s)| {
                    let mut analyses = AnalysisManager::default();
                    let mut piece_log = String::new();
                    let r = self.run_manager(pm, &mut piece.ir, piece.root, &s, &mut analyses, &mut piece_log);
                    (piece, piece_log, r)
                })
                .collect();
            let mut first = Ok(());
            let mut pieces = Vec::with_capacity(done.len());
            for (piece, piece_log, r) in done {
                pieces.push(piece);
                log.push_str(&piece_log);
                if first.is_ok() {
                    first = r;
                }
            }
            ir.take_back(pieces);
            // Each function was verified on its own; references between them are checked now
            // that the module is whole again, as MLIR's symbol table checks its users.
            if first.is_ok() && self.verify_each {
                if let Err(d) = verify_symbol_uses(self.ctx, ir, op) {
                    first = Err(PassFailure {
                        diagnostic: d.with_note(
                            ir.op(op).loc(),
                            format!("the IR failed to verify after the '{}' pipeline", pm.anchor().name()),
                        ),
                        pass: String::new(),
                        crashed: false,
                    });
                }
            }
            first
        } else {
            let mut result = Ok(());
            for c in children {
                let s = child_scope(ir, c);
                let mut analyses = AnalysisManager::default();
                result = self.run_manager(pm, ir, c, &s, &mut analyses, log);
                if result.is_err() {
                    break;
                }
            }
            result
        };
        pm.wall_ns.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        result
    }

    fn run_pass(
        &self,
        slot: &PassSlot,
        ir: &mut Ir,
        op: OpId,
        scope: &[String],
        analyses: &mut AnalysisManager,
        log: &mut String,
    ) -> Result<(), PassFailure> {
        let ctx = self.ctx;
        fn event<'e>(ctx: &'e Context, ir: &'e Ir, op: OpId, slot: &'e PassSlot, scope: &'e [String]) -> PassEvent<'e> {
            PassEvent { ctx, ir, op, pass: &slot.info, options: &slot.options, scope }
        }
        for inst in self.instrumentations {
            inst.before_pass(&event(ctx, ir, op, slot, scope), log);
        }
        let start = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut cx = PassContext {
                ctx,
                ir: &mut *ir,
                op,
                analyses: &mut *analyses,
                preserved: Preserved::none(),
                stats: Vec::new(),
                executor: self,
                scope,
                log: &mut *log,
            };
            let r = slot.pass.run(&mut cx);
            (r, cx.preserved, cx.stats)
        }));
        slot.time_ns.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        let failure = match outcome {
            Ok((Ok(()), preserved, stats)) => {
                slot.merge_stats(&stats);
                analyses.invalidate(&preserved);
                match self.verify_each.then(|| verify(ctx, ir, op)) {
                    Some(Err(d)) => PassFailure {
                        diagnostic: d.with_note(
                            ir.op(op).loc(),
                            format!("the IR failed to verify after pass '{}'", slot.info.name),
                        ),
                        pass: slot.info.name.to_string(),
                        crashed: false,
                    },
                    _ => {
                        for inst in self.instrumentations {
                            inst.after_pass(&event(ctx, ir, op, slot, scope), log);
                        }
                        return Ok(());
                    }
                }
            }
            Ok((Err(d), _, stats)) => {
                slot.merge_stats(&stats);
                PassFailure { diagnostic: d, pass: slot.info.name.to_string(), crashed: false }
            }
            Err(payload) => {
                let message = super::report::panic_message(payload.as_ref());
                PassFailure {
                    diagnostic: Diagnostic::error(
                        ir.op(op).loc(),
                        format!("pass '{}' crashed: {message}", slot.info.name),
                    ),
                    pass: slot.info.name.to_string(),
                    crashed: true,
                }
            }
        };
        if !failure.crashed {
            for inst in self.instrumentations {
                inst.after_pass_failed(&event(ctx, ir, op, slot, scope), log);
            }
        }
        Err(failure)
    }
}

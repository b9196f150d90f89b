//! The greedy pattern driver: a worklist of ops, each folded, erased when dead, or
//! rewritten by the best matching pattern, until nothing changes.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::pattern::{FrozenPatterns, RewritePattern};
use super::rewriter::{PatternRewriter, RewriteListener};
use crate::attributes::Attribute;
use crate::diagnostic::Diagnostic;
use crate::dialect::{FoldResult, Trait};
use crate::dominance::DominanceInfo;
use crate::entities::{BlockId, OpId, RegionId, Value};
use crate::fold::try_fold;
use crate::store::{InsertPoint, Ir};
use crate::types::Type;
use crate::walk::{WalkControl, WalkOrder};
use crate::Context;

/// How much control-flow cleanup the driver does between sweeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionSimplify {
    Disabled,
    /// Erase blocks unreachable from their region's entry.
    Normal,
    /// As `Normal` (identical-block merging is not implemented yet).
    Aggressive,
}

/// A budget that grows with the input: `per_op` for each op under the scope when the run
/// starts, plus `base` (so small inputs still get room).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub per_op: u64,
    pub base: u64,
}

impl Budget {
    /// The limit for an input of `input_ops` ops.
    pub fn limit(&self, input_ops: usize) -> u64 {
        self.per_op.saturating_mul(input_ops as u64).saturating_add(self.base)
    }
}

/// Settings of [`apply_patterns_greedily`], as MLIR's `GreedyRewriteConfig`.
#[derive(Clone, Debug)]
pub struct GreedyConfig {
    /// Visit ops parents-first, in textual order (else post-order).
    pub top_down: bool,
    /// Sweeps before giving up; negative is unlimited.
    pub max_iterations: i64,
    /// Rewrites before giving up; negative is unlimited.
    pub max_rewrites: i64,
    /// Changes (rewrites, folds, dead ops erased) in the whole run; `None` is unlimited.
    /// Patterns that undo each other stop here, however the sweeps are counted.
    pub max_changes: Option<Budget>,
    /// Ops the run may add (ops in the IR minus ops at the start); `None` is unlimited. A
    /// pattern whose output it matches again, growing the IR each time, stops here long
    /// before memory runs out.
    pub max_growth: Option<Budget>,
    pub fold: bool,
    pub region_simplify: RegionSimplify,
}

/// The default budgets. Canonicalization changes each op a few times at most and rarely
/// grows the IR (measured on ResNet-18 and a transformer block lowered to loops: see
/// `ARCHITECTURE.md`), so these stay far from real pipelines while bounding a runaway
/// pattern to seconds and megabytes.
pub const DEFAULT_MAX_CHANGES: Budget = Budget { per_op: 64, base: 100_000 };
pub const DEFAULT_MAX_GROWTH: Budget = Budget { per_op: 8, base: 100_000 };

impl Default for GreedyConfig {
    fn default() -> Self {
        GreedyConfig {
            top_down: true,
            max_iterations: 10,
            max_rewrites: -1,
            max_changes: Some(DEFAULT_MAX_CHANGES),
            max_growth: Some(DEFAULT_MAX_GROWTH),
            fold: true,
            region_simplify: RegionSimplify::Normal,
        }
    }
}

/// The limit a run stopped at before converging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GreedyLimit {
    /// `max_iterations` sweeps, each of which changed something.
    Iterations(u32),
    /// `max_rewrites` pattern rewrites.
    Rewrites(u64),
    /// The `max_changes` budget was spent.
    Changes { budget: u64, input_ops: usize, last_pattern: Option<String> },
    /// The IR grew past the `max_growth` budget.
    Growth { grown: u64, budget: u64, input_ops: usize, last_pattern: Option<String> },
}

impl GreedyLimit {
    /// A budget on work or memory ran out (as opposed to a limit on sweeps or rewrites a
    /// caller chose): patterns that never converge.
    pub fn is_budget(&self) -> bool {
        matches!(self, GreedyLimit::Changes { .. } | GreedyLimit::Growth { .. })
    }
}

impl std::fmt::Display for GreedyLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let by = |p: &Option<String>| match p.as_deref() {
            Some(name) if !name.is_empty() => format!("; the last rewrite was by pattern '{name}'"),
            _ => String::new(),
        };
        match self {
            GreedyLimit::Iterations(n) => write!(f, "the greedy rewriter did not converge after {n} iterations"),
            GreedyLimit::Rewrites(n) => write!(f, "the greedy rewriter did not converge after {n} rewrites"),
            GreedyLimit::Changes { budget, input_ops, last_pattern } => write!(
                f,
                "the greedy rewriter did not converge: it made more than {budget} changes, its budget for {input_ops} ops{}",
                by(last_pattern)
            ),
            GreedyLimit::Growth { grown, budget, input_ops, last_pattern } => write!(
                f,
                "the greedy rewriter did not converge: the IR grew by {grown} ops, past its budget of {budget} for {input_ops} ops{}",
                by(last_pattern)
            ),
        }
    }
}

/// What a greedy run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GreedyOutcome {
    pub changed: bool,
    /// A final sweep found nothing to do.
    pub converged: bool,
    pub iterations: u32,
    pub rewrites: u64,
    pub folds: u64,
    pub erased: u64,
    /// The limit the run stopped at, if it did not converge.
    pub stopped: Option<GreedyLimit>,
}

impl GreedyOutcome {
    /// Rewrites, folds and erasures.
    pub fn changes(&self) -> u64 {
        self.rewrites + self.folds + self.erased
    }

    /// The error a pass reports when the run ran out of a budget: at `scope`, naming `pass`.
    /// `None` when the run converged or stopped at a limit the caller chose.
    pub fn budget_error(&self, ctx: &Context, ir: &Ir, scope: OpId, pass: &str) -> Option<Diagnostic> {
        let limit = self.stopped.as_ref().filter(|l| l.is_budget())?;
        Some(limit_error(ctx, ir, scope, pass, limit))
    }
}

/// `'func.func' op PASS: the greedy rewriter did not converge ...`, at `scope`.
pub fn limit_error(ctx: &Context, ir: &Ir, scope: OpId, pass: &str, limit: &GreedyLimit) -> Diagnostic {
    let name = ctx.ident_str(ir.op(scope).name());
    Diagnostic::error(ir.op(scope).loc(), format!("'{name}' op {pass}: {limit}"))
}

/// Whether `op` can be erased, as MLIR's `isOpTriviallyDead` decides: no result is used, it
/// is no terminator, and it has no side effects (a registered `Pure`, `NoMemoryEffect` or
/// constant-like op) or only allocates its results.
pub fn is_trivially_dead(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    let o = ir.op(op);
    if o.results().iter().any(|r| !ir.value(*r).uses().is_empty()) {
        return false;
    }
    ctx.op_def(o.name()).is_some_and(|d| {
        !d.has_trait(Trait::Terminator)
            && [Trait::Pure, Trait::ConstantLike, Trait::NoMemoryEffect, Trait::AllocatesResults]
                .iter()
                .any(|t| d.has_trait(*t))
    })
}

/// A constant by what it is: value, type and the op that makes it.
type ConstKey = (Attribute, Type, crate::Ident);

/// Constants created or hoisted by folding, by (block, key), and the way back from the op, so
/// an erased constant is forgotten without a search.
#[derive(Default)]
struct HoistedConstants {
    by_key: FxHashMap<(BlockId, ConstKey), OpId>,
    by_op: FxHashMap<OpId, (BlockId, ConstKey)>,
}

impl HoistedConstants {
    fn get(&self, block: BlockId, key: ConstKey) -> Option<OpId> {
        self.by_key.get(&(block, key)).copied()
    }
    fn insert(&mut self, block: BlockId, key: ConstKey, op: OpId) {
        self.by_key.insert((block, key), op);
        self.by_op.insert(op, (block, key));
    }
    fn forget(&mut self, op: OpId) {
        if let Some(k) = self.by_op.remove(&op) {
            self.by_key.remove(&k);
        }
    }
    fn contains(&self, op: OpId) -> bool {
        self.by_op.contains_key(&op)
    }
}

struct Worklist {
    list: Vec<OpId>,
    queued: FxHashSet<OpId>,
    constants: HoistedConstants,
}

impl Worklist {
    fn push(&mut self, op: OpId) {
        if self.queued.insert(op) {
            self.list.push(op);
        }
    }
}

impl RewriteListener for Worklist {
    fn op_inserted(&mut self, op: OpId) {
        self.push(op);
    }
    fn op_modified(&mut self, op: OpId) {
        self.push(op);
    }
    fn op_erased(&mut self, op: OpId) {
        self.queued.remove(&op);
        self.constants.forget(op);
    }
}

/// Applies `patterns` and folding to the ops in the regions of `scope` until nothing changes
/// or a limit is hit ([`GreedyOutcome::stopped`] says which).
pub fn apply_patterns_greedily(
    ctx: &Context,
    ir: &mut Ir,
    scope: OpId,
    patterns: &FrozenPatterns,
    config: &GreedyConfig,
) -> GreedyOutcome {
    let mut outcome = GreedyOutcome::default();
    let mut wl = Worklist { list: Vec::new(), queued: FxHashSet::default(), constants: HoistedConstants::default() };
    // Growth is counted on the whole IR: nothing else changes it during the run.
    let start_ops = ir.num_ops();
    let mut budgets: Option<(usize, Option<u64>, Option<u64>)> = None;
    let mut last_pattern: Option<&Arc<dyn RewritePattern>> = None;
    let last_name = |p: Option<&Arc<dyn RewritePattern>>| p.map(|p| p.name().to_string());
    loop {
        if config.max_iterations >= 0 && outcome.iterations as i64 >= config.max_iterations {
            outcome.stopped = Some(GreedyLimit::Iterations(outcome.iterations));
            break;
        }
        outcome.iterations += 1;
        let mut ops = Vec::new();
        for &r in ir.op(scope).regions() {
            for &b in ir.region(r).blocks() {
                for o in ir.block_ops(b) {
                    ir.walk(o, if config.top_down { WalkOrder::PreOrder } else { WalkOrder::PostOrder }, &mut |x| {
                        ops.push(x);
                        WalkControl::Advance
                    });
                }
            }
        }
        // The budgets scale with the input: the ops of the first sweep.
        let (input_ops, max_changes, max_growth) = *budgets.get_or_insert_with(|| {
            (ops.len(), config.max_changes.map(|b| b.limit(ops.len())), config.max_growth.map(|b| b.limit(ops.len())))
        });
        // Patterns that keep rewriting each other's output would never empty the worklist;
        // a generous budget per sweep ends such a sweep (the next sweep starts afresh).
        let budget = 64 * ops.len() as u64 + 1024;
        let rewrites_before = outcome.changes();
        // The list pops from the back: reverse so the first op is visited first.
        wl.list.clear();
        wl.queued.clear();
        for o in ops.into_iter().rev() {
            wl.push(o);
        }
        let mut changed = false;
        while let Some(op) = wl.list.pop() {
            wl.queued.remove(&op);
            if !ir.contains_op(op) || ir.op(op).parent_block().is_none() {
                continue;
            }
            if config.max_rewrites >= 0 && outcome.rewrites as i64 >= config.max_rewrites {
                outcome.stopped = Some(GreedyLimit::Rewrites(outcome.rewrites));
                break;
            }
            if outcome.changes() - rewrites_before > budget {
                break;
            }
            match process(ctx, ir, op, patterns, config, &mut wl, &mut outcome) {
                Progress::None => continue,
                Progress::Changed => {}
                Progress::Rewritten(p) => last_pattern = Some(p),
            }
            changed = true;
            if let Some(b) = max_changes.filter(|b| outcome.changes() > *b) {
                let last_pattern = last_name(last_pattern);
                outcome.stopped = Some(GreedyLimit::Changes { budget: b, input_ops, last_pattern });
                break;
            }
            let grown = ir.num_ops().saturating_sub(start_ops) as u64;
            if let Some(b) = max_growth.filter(|b| grown > *b) {
                let last_pattern = last_name(last_pattern);
                outcome.stopped = Some(GreedyLimit::Growth { grown, budget: b, input_ops, last_pattern });
                break;
            }
        }
        if config.region_simplify != RegionSimplify::Disabled && erase_unreachable_blocks(ir, scope) {
            changed = true;
        }
        outcome.changed |= changed;
        if outcome.stopped.is_some() {
            break;
        }
        if !changed {
            outcome.converged = true;
            break;
        }
    }
    outcome
}

/// What processing one op did.
enum Progress<'p> {
    None,
    /// Folded, erased or a constant moved.
    Changed,
    /// Rewritten by this pattern.
    Rewritten(&'p Arc<dyn RewritePattern>),
}

fn process<'p>(
    ctx: &Context,
    ir: &mut Ir,
    op: OpId,
    patterns: &'p FrozenPatterns,
    config: &GreedyConfig,
    wl: &mut Worklist,
    outcome: &mut GreedyOutcome,
) -> Progress<'p> {
    if is_trivially_dead(ctx, ir, op) {
        PatternRewriter::new(ctx, ir, wl).erase_op(op);
        outcome.erased += 1;
        return Progress::Changed;
    }
    let constant_like = ctx.op_def(ir.op(op).name()).is_some_and(|d| d.has_trait(Trait::ConstantLike));
    if config.fold && constant_like {
        return if unique_constant(ctx, ir, op, wl) { Progress::Changed } else { Progress::None };
    }
    if config.fold && fold_op(ctx, ir, op, wl) {
        outcome.folds += 1;
        return Progress::Changed;
    }
    let name = ir.op(op).name();
    for pattern in patterns.for_op(name) {
        let mut rw = PatternRewriter::new(ctx, ir, wl);
        if pattern.match_and_rewrite(op, &mut rw) {
            outcome.rewrites += 1;
            return Progress::Rewritten(pattern);
        }
    }
    Progress::None
}

/// The block constants are hoisted to: the entry of the region of the closest enclosing op
/// that is isolated from above.
fn constant_block(ctx: &Context, ir: &Ir, op: OpId) -> Option<BlockId> {
    let mut region: Option<RegionId> = ir.op(op).parent_block().and_then(|b| ir.block(b).parent_region());
    while let Some(r) = region {
        let parent = ir.region(r).parent_op()?;
        let isolated = ctx.op_def(ir.op(parent).name()).is_some_and(|d| d.has_trait(Trait::IsolatedFromAbove));
        if isolated || ir.op(parent).parent_block().is_none() {
            return ir.region(r).entry();
        }
        region = ir.op(parent).parent_block().and_then(|b| ir.block(b).parent_region());
    }
    None
}

/// Where the next hoisted constant of `block` goes: after the constants hoisted so far.
fn hoist_point(ir: &Ir, block: BlockId, known: &HoistedConstants) -> InsertPoint {
    let mut last = None;
    for o in ir.block_ops(block) {
        if known.contains(o) {
            last = Some(o);
        } else {
            break;
        }
    }
    match last {
        Some(l) => InsertPoint::After(l),
        None => InsertPoint::BlockStart(block),
    }
}

/// A constant op: replaced by an equal hoisted constant, or hoisted itself.
fn unique_constant(ctx: &Context, ir: &mut Ir, op: OpId, wl: &mut Worklist) -> bool {
    let Some(block) = constant_block(ctx, ir, op) else { return false };
    let Some(value) = ir.op(op).attr(ctx.ident("value")) else { return false };
    if ir.op(op).results().len() != 1 || !ir.op(op).regions().is_empty() {
        return false;
    }
    let key = (value, ir.value_type(ir.op(op).result(0)), ir.op(op).name());
    if let Some(existing) = wl.constants.get(block, key) {
        if existing == op {
            return false;
        }
        let v = ir.op(existing).result(0);
        PatternRewriter::new(ctx, ir, wl).replace_op(op, &[v]);
        return true;
    }
    let at = hoist_point(ir, block, &wl.constants);
    wl.constants.insert(block, key, op);
    let already_there = match at {
        InsertPoint::After(l) => ir.op(l).next() == Some(op),
        _ => ir.block(block).first_op() == Some(op),
    };
    if already_there {
        return false;
    }
    ir.move_op(op, at);
    true
}

/// Folds `op`: constant results become (hoisted, shared) constants, value results replace
/// the op's uses.
fn fold_op(ctx: &Context, ir: &mut Ir, op: OpId, wl: &mut Worklist) -> bool {
    if move_constants_right(ctx, ir, op) {
        wl.push(op);
        return true;
    }
    let Some(results) = try_fold(ctx, ir, op) else { return false };
    if results.is_empty() && ir.op(op).results().is_empty() {
        // An op without results folded to nothing is a no-op (`cf.assert` on `true`).
        PatternRewriter::new(ctx, ir, wl).erase_op(op);
        return true;
    }
    if results.len() != ir.op(op).results().len() {
        return false;
    }
    let own = ir.op(op).results().to_vec();
    if results.iter().zip(&own).all(|(r, o)| matches!(r, FoldResult::Value(v) if v == o)) {
        return false;
    }
    let Some(block) = constant_block(ctx, ir, op) else { return false };
    let name = ctx.ident_str(ir.op(op).name());
    let dialect = name.split('.').next().unwrap_or("");
    let mut values: Vec<Value> = Vec::new();
    for (r, o) in results.iter().zip(&own) {
        match r {
            FoldResult::Value(v) => values.push(*v),
            FoldResult::Attr(a) => {
                let ty = ir.value_type(*o);
                let Some(state) =
                    ctx.dialect(dialect).and_then(|d| d.materialize_constant(ctx, *a, ty, ir.op(op).loc()))
                else {
                    return false;
                };
                let key = (*a, ty, state.name);
                if let Some(c) = wl.constants.get(block, key) {
                    values.push(ir.op(c).result(0));
                    continue;
                }
                let at = hoist_point(ir, block, &wl.constants);
                let c = ir.create_op(state);
                ir.insert_op(c, at);
                wl.constants.insert(block, key, c);
                values.push(ir.op(c).result(0));
            }
        }
    }
    PatternRewriter::new(ctx, ir, wl).replace_op(op, &values);
    true
}

/// Puts the constant operands of a commutative op last (stable), so folders and patterns
/// need only look there.
fn move_constants_right(ctx: &Context, ir: &mut Ir, op: OpId) -> bool {
    if !ctx.op_def(ir.op(op).name()).is_some_and(|d| d.has_trait(Trait::Commutative)) {
        return false;
    }
    let operands = ir.op(op).operands().to_vec();
    let is_const = |v: &Value| super::rewriter::constant_value(ctx, ir, *v).is_some();
    let (mut vars, consts): (Vec<Value>, Vec<Value>) = operands.iter().partition(|v| !is_const(v));
    vars.extend(consts);
    if vars == operands {
        return false;
    }
    ir.set_operands(op, &vars);
    true
}

/// Erases blocks no path from the entry reaches, in every region under `scope`.
fn erase_unreachable_blocks(ir: &mut Ir, scope: OpId) -> bool {
    let mut regions = Vec::new();
    ir.walk(scope, WalkOrder::PreOrder, &mut |o| {
        regions.extend(ir.op(o).regions().iter().copied());
        WalkControl::Advance
    });
    let mut changed = false;
    for r in regions {
        if !ir.contains_region(r) || ir.region(r).blocks().len() < 2 {
            continue;
        }
        let dom = DominanceInfo::compute(ir, r);
        let dead: Vec<BlockId> = ir.region(r).blocks().iter().copied().filter(|b| !dom.is_reachable(*b)).collect();
        if dead.is_empty() {
            continue;
        }
        for &b in &dead {
            ir.drop_block_uses(b);
        }
        for b in dead {
            ir.erase_block(b);
        }
        changed = true;
    }
    changed
}

//! The greedy pattern driver: a worklist of ops, each folded, erased when dead, or
//! rewritten by the best matching pattern, until nothing changes.

use rustc_hash::{FxHashMap, FxHashSet};

use super::pattern::FrozenPatterns;
use super::rewriter::{PatternRewriter, RewriteListener};
use crate::attributes::Attribute;
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

/// Settings of [`apply_patterns_greedily`], as MLIR's `GreedyRewriteConfig`.
#[derive(Clone, Debug)]
pub struct GreedyConfig {
    /// Visit ops parents-first, in textual order (else post-order).
    pub top_down: bool,
    /// Sweeps before giving up; negative is unlimited.
    pub max_iterations: i64,
    /// Rewrites before giving up; negative is unlimited.
    pub max_rewrites: i64,
    pub fold: bool,
    pub region_simplify: RegionSimplify,
}

impl Default for GreedyConfig {
    fn default() -> Self {
        GreedyConfig {
            top_down: true,
            max_iterations: 10,
            max_rewrites: -1,
            fold: true,
            region_simplify: RegionSimplify::Normal,
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
}

/// Whether `op` can be erased: no result is used and it has no side effects (a registered
/// `Pure` or constant-like op).
pub fn is_trivially_dead(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    let o = ir.op(op);
    if o.results().iter().any(|r| !ir.value(*r).uses().is_empty()) {
        return false;
    }
    ctx.op_def(o.name()).is_some_and(|d| {
        (d.has_trait(Trait::Pure) || d.has_trait(Trait::ConstantLike)) && !d.has_trait(Trait::Terminator)
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
/// or a limit is hit.
pub fn apply_patterns_greedily(
    ctx: &Context,
    ir: &mut Ir,
    scope: OpId,
    patterns: &FrozenPatterns,
    config: &GreedyConfig,
) -> GreedyOutcome {
    let mut outcome = GreedyOutcome::default();
    let mut wl = Worklist { list: Vec::new(), queued: FxHashSet::default(), constants: HoistedConstants::default() };
    loop {
        if config.max_iterations >= 0 && outcome.iterations as i64 >= config.max_iterations {
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
        // Patterns that keep rewriting each other's output would never empty the worklist;
        // a generous budget per sweep ends such a sweep (the run then does not converge).
        let budget = 64 * ops.len() as u64 + 1024;
        let rewrites_before = outcome.rewrites + outcome.folds + outcome.erased;
        // The list pops from the back: reverse so the first op is visited first.
        wl.list.clear();
        wl.queued.clear();
        for o in ops.into_iter().rev() {
            wl.push(o);
        }
        let mut changed = false;
        let mut limit_hit = false;
        while let Some(op) = wl.list.pop() {
            wl.queued.remove(&op);
            if !ir.contains_op(op) || ir.op(op).parent_block().is_none() {
                continue;
            }
            if config.max_rewrites >= 0 && outcome.rewrites as i64 >= config.max_rewrites {
                limit_hit = true;
                break;
            }
            if outcome.rewrites + outcome.folds + outcome.erased - rewrites_before > budget {
                break;
            }
            if process(ctx, ir, op, patterns, config, &mut wl, &mut outcome) {
                changed = true;
            }
        }
        if config.region_simplify != RegionSimplify::Disabled && erase_unreachable_blocks(ir, scope) {
            changed = true;
        }
        if limit_hit {
            outcome.changed |= changed;
            break;
        }
        if changed {
            outcome.changed = true;
        } else {
            outcome.converged = true;
            break;
        }
    }
    outcome
}

fn process(
    ctx: &Context,
    ir: &mut Ir,
    op: OpId,
    patterns: &FrozenPatterns,
    config: &GreedyConfig,
    wl: &mut Worklist,
    outcome: &mut GreedyOutcome,
) -> bool {
    if is_trivially_dead(ctx, ir, op) {
        PatternRewriter::new(ctx, ir, wl).erase_op(op);
        outcome.erased += 1;
        return true;
    }
    let constant_like = ctx.op_def(ir.op(op).name()).is_some_and(|d| d.has_trait(Trait::ConstantLike));
    if config.fold && constant_like {
        return unique_constant(ctx, ir, op, wl);
    }
    if config.fold && fold_op(ctx, ir, op, wl) {
        outcome.folds += 1;
        return true;
    }
    let name = ir.op(op).name();
    for pattern in patterns.for_op(name) {
        let mut rw = PatternRewriter::new(ctx, ir, wl);
        if pattern.match_and_rewrite(op, &mut rw) {
            outcome.rewrites += 1;
            return true;
        }
    }
    false
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

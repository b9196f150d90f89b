//! The verifier: structural rules (dominance, terminators, successors, symbols) and each
//! registered op's declared constraints, traits and own verifier.

use rustc_hash::FxHashMap;

use crate::attributes::AttrKind;
use crate::diagnostic::Diagnostic;
use crate::dialect::{Arity, OpDef, OpView, Trait};
use crate::dominance::DominanceInfo;
use crate::entities::{OpId, RegionId, Value, ValueDef};
use crate::store::Ir;
use crate::walk::{WalkControl, WalkOrder};
use crate::Context;

/// Runs the own verifier of every op under `root` that refers to a symbol (`func.call`,
/// `func.constant`, `gpu.launch_func`): what MLIR's symbol table checks of its symbol users
/// when it is verified. A function pipeline run on threads verifies each function on its own,
/// where other functions are out of reach; this checks their references afterwards.
pub fn verify_symbol_uses(ctx: &Context, ir: &Ir, root: OpId) -> Result<(), Diagnostic> {
    let _symbols = crate::symbol_table::VerifyScope::enter(ir);
    let mut result = Ok(());
    ir.walk(root, WalkOrder::PreOrder, &mut |op| {
        let o = ir.op(op);
        let refers = o.attrs().iter().any(|a| matches!(ctx.attr_kind(a.value), AttrKind::SymbolRef { .. }));
        if let (true, Some(def)) = (refers && op != root, ctx.op_def(o.name())) {
            if let Some(f) = def.verify {
                if let Err(d) = f(&OpView { ctx, ir, op, def }) {
                    result = Err(d);
                    return WalkControl::Interrupt;
                }
            }
        }
        WalkControl::Advance
    });
    result
}

/// Verifies `root` and everything nested in it; returns the first failure.
///
/// ```
/// # use strata_ir::*;
/// let ctx = Context::new();
/// // A use before its definition, in the region of an op no dialect registered: that region
/// // may be a graph region, so MLIR and Strata accept it (registered ops' regions are checked
/// // for dominance unless they declare `Trait::GraphRegions`).
/// let src = "\"t.wrap\"() ({\n\"t.use\"(%x) : (i32) -> ()\n%x = \"t.def\"() : () -> i32\n}) : () -> ()";
/// let m = parse_source(&ctx, "t.mlir", src, &ParseOptions { allow_unregistered: true, ..Default::default() }).unwrap();
/// assert!(verify(&ctx, &m.ir, m.root).is_ok());
/// ```
pub fn verify(ctx: &Context, ir: &Ir, root: OpId) -> Result<(), Diagnostic> {
    // Symbol tables are indexed once per run (see `symbol_table`): op verifiers resolve
    // symbols through them, in constant time per use.
    let _symbols = crate::symbol_table::VerifyScope::enter(ir);
    let mut v = Verifier {
        ctx,
        ir,
        first: 0,
        positions: Vec::new(),
        doms: FxHashMap::default(),
        isolated: Vec::new(),
        depth: Vec::new(),
        path: Vec::new(),
        deepest_isolated: Vec::new(),
        missing_terminator: None,
    };
    v.number_ops(root);
    let mut result = Ok(());
    ir.walk(root, WalkOrder::PreOrder, &mut |op| {
        // A missing terminator is reported once the block's ops are verified, as MLIR reports
        // it on leaving the block: an op's own error inside comes first.
        if let Some((depth, _)) = &v.missing_terminator {
            if v.depth[ir.op_index(op) - v.first] <= *depth {
                result = Err(v.missing_terminator.take().unwrap().1);
                return WalkControl::Interrupt;
            }
        }
        v.enter(op);
        match v.verify_op(op) {
            Ok(()) => WalkControl::Advance,
            Err(d) => {
                result = Err(d);
                WalkControl::Interrupt
            }
        }
    });
    match (result, v.missing_terminator) {
        (Ok(()), Some((_, d))) => Err(d),
        (result, _) => result,
    }
}

struct Verifier<'a> {
    ctx: &'a Context,
    ir: &'a Ir,
    /// The lowest op index in the verified tree: the tables below are indexed by op index
    /// less this (`slot`), so that verifying one function costs its size, not its ids'.
    first: usize,
    /// By slot: an op's position in its block (`u32::MAX` for the root, which is not walked
    /// as part of a block).
    positions: Vec<u32>,
    doms: FxHashMap<RegionId, DominanceInfo>,
    /// By slot: whether the op is isolated from above, and how many ops enclose it.
    isolated: Vec<bool>,
    depth: Vec<u32>,
    /// The ops enclosing the op being verified, outermost first, the op last; and for each,
    /// the depth of the deepest isolated op among them so far. Dominance finds a use's
    /// ancestor in the definition's region by depth, in constant time: walking up from each
    /// use made verifying a nest n deep cost n^2.
    path: Vec<OpId>,
    deepest_isolated: Vec<Option<usize>>,
    /// The first block found without a terminator, with the depth of the op holding it:
    /// reported when the walk leaves that op.
    missing_terminator: Option<(u32, Diagnostic)>,
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl<'a> Verifier<'a> {
    fn number_ops(&mut self, root: OpId) {
        let (ctx, ir) = (self.ctx, self.ir);
        let ops = ir.collect_ops(root);
        let indices = ops.iter().map(|o| ir.op_index(*o));
        let (first, last) = (indices.clone().min().unwrap_or(0), indices.max().unwrap_or(0));
        self.first = first;
        self.isolated = vec![false; last + 1 - first];
        self.depth = vec![0; last + 1 - first];
        self.positions = vec![u32::MAX; last + 1 - first];
        // Pre-order: parents come first.
        for op in ops {
            let slot = ir.op_index(op) - first;
            self.isolated[slot] = ctx.op_def(ir.op(op).name()).is_some_and(|d| d.has_trait(Trait::IsolatedFromAbove));
            self.depth[slot] = match ir.parent_op(op) {
                Some(p) if op != root => self.depth[ir.op_index(p) - first] + 1,
                _ => 0,
            };
            for &r in ir.op(op).regions() {
                for &b in ir.region(r).blocks() {
                    for (i, o) in ir.block_ops(b).enumerate() {
                        self.positions[ir.op_index(o) - first] = i as u32;
                    }
                }
            }
        }
    }

    /// The index of `op` in the tables, if it is in the verified tree's range.
    fn slot(&self, op: OpId) -> Option<usize> {
        self.ir.op_index(op).checked_sub(self.first).filter(|s| *s < self.depth.len())
    }

    /// The position of `op` in its block, if it is in the verified tree.
    fn position(&self, op: OpId) -> Option<u32> {
        self.slot(op).map(|s| self.positions[s]).filter(|p| *p != u32::MAX)
    }

    /// Makes `op` (visited in pre-order) the end of the path.
    fn enter(&mut self, op: OpId) {
        let slot = self.ir.op_index(op) - self.first;
        let d = self.depth[slot] as usize;
        self.path.truncate(d);
        self.deepest_isolated.truncate(d);
        let below = d.checked_sub(1).and_then(|p| self.deepest_isolated[p]);
        self.path.push(op);
        self.deepest_isolated.push(if self.isolated[slot] { Some(d) } else { below });
    }

    fn op_error(&self, op: OpId, message: impl std::fmt::Display) -> Diagnostic {
        let name = self.ctx.ident_str(self.ir.op(op).name());
        Diagnostic::error(self.ir.op(op).loc(), format!("'{name}' op {message}"))
    }

    fn verify_op(&mut self, op: OpId) -> Result<(), Diagnostic> {
        let ctx = self.ctx;
        let ir = self.ir;
        let o = ir.op(op);
        for (i, &v) in o.operands().iter().enumerate() {
            if ir.value(v).def().is_placeholder() {
                return Err(self.op_error(op, format!("operand #{i} is an unresolved forward reference")));
            }
        }
        let def = ctx.op_def(o.name()).cloned();
        if let Some(def) = &def {
            self.verify_declared(op, def)?;
        }
        let graph = def.as_ref().is_some_and(|d| d.has_trait(Trait::GraphRegions));
        let needs_terminator = def.as_ref().is_some_and(|d| !d.has_trait(Trait::NoTerminator) && !graph);
        for &r in o.regions() {
            self.verify_region(op, r, needs_terminator, graph, def.as_deref())?;
        }
        if !self.in_graph_region(op) {
            self.verify_dominance(op)?;
        }
        if let Some(def) = &def {
            if let Some(f) = def.verify {
                f(&OpView { ctx, ir, op, def })?;
            }
        }
        Ok(())
    }

    fn in_graph_region(&self, op: OpId) -> bool {
        self.ir.parent_op(op).is_some_and(|p| without_dominance(self.ctx, self.ir, p))
    }

    fn verify_declared(&mut self, op: OpId, def: &OpDef) -> Result<(), Diagnostic> {
        let ctx = self.ctx;
        let ir = self.ir;
        let o = ir.op(op);
        // Counts.
        let count_check = |specs: &[crate::dialect::ArgSpec], n: usize, what: &str| -> Result<(), Diagnostic> {
            let fixed = specs.iter().filter(|s| s.arity == Arity::One).count();
            let variadic = specs.iter().any(|s| s.arity == Arity::Variadic);
            let optional = specs.iter().filter(|s| s.arity == Arity::Optional).count();
            // Optional groups take at most one each.
            let most = if variadic { usize::MAX } else { fixed + optional };
            if n < fixed || n > most {
                let expect = match (variadic, optional) {
                    (true, _) => format!("at least {}", plural(fixed, what)),
                    (false, 0) => plural(fixed, what),
                    (false, _) => format!("{fixed} to {}", plural(most, what)),
                };
                return Err(self.op_error(op, format!("expected {expect}, but found {n}")));
            }
            Ok(())
        };
        if !def.has_trait(Trait::AttrSizedOperandSegments) {
            count_check(&def.operands, o.operands().len(), "operand")?;
        } else {
            let segments = o.attr(ctx.ident("operandSegmentSizes")).map(|a| ctx.attr_kind(a));
            if !matches!(segments, Some(AttrKind::DenseArray { element, .. }) if *element == ctx.integer_type(32)) {
                return Err(self.op_error(op, "requires 'operandSegmentSizes', an array<i32: ...> of group sizes"));
            }
            let ranges = def.operand_group_ranges(ctx, ir, op);
            let total: usize = ranges.iter().map(|r| r.len()).sum();
            if ranges.len() != def.operands.len() {
                let groups: Vec<&str> = def.operands.iter().map(|s| s.name).collect();
                return Err(self.op_error(
                    op,
                    format!(
                        "'operandSegmentSizes' has {} segments, but the op has {} operand groups ({})",
                        ranges.len(),
                        groups.len(),
                        groups.join(", ")
                    ),
                ));
            }
            if total != o.operands().len() {
                return Err(self.op_error(op, "operand count does not match the 'operandSegmentSizes' property"));
            }
            // A single operand's segment is 1, an optional one's at most 1.
            for (spec, r) in def.operands.iter().zip(&ranges) {
                if !spec.arity.admits(r.len()) {
                    return Err(self.op_error(
                        op,
                        format!("'operandSegmentSizes' gives operand group '{}' {} operands", spec.name, r.len()),
                    ));
                }
            }
        }
        count_check(&def.results, o.results().len(), "result")?;
        let fixed_regions = def.regions.iter().filter(|r| r.arity == Arity::One).count();
        if def.regions.iter().any(|r| r.arity != Arity::One) {
            if o.regions().len() < fixed_regions {
                return Err(self.op_error(op, format!("requires at least {}", plural(fixed_regions, "region"))));
            }
        } else if o.regions().len() != fixed_regions {
            return Err(self.op_error(op, format!("requires {}", plural(fixed_regions, "region"))));
        }
        let fixed_succ = def.successors.iter().filter(|s| s.arity == Arity::One).count();
        let var_succ = def.successors.iter().any(|s| s.arity != Arity::One);
        if (!var_succ && o.successors().len() != fixed_succ) || o.successors().len() < fixed_succ {
            return Err(self.op_error(op, format!("requires {}", plural(fixed_succ, "successor"))));
        }
        // Type constraints.
        for (spec, range) in def.operands.iter().zip(def.operand_group_ranges(ctx, ir, op)) {
            for i in range {
                let t = ir.value_type(o.operands()[i]);
                if !(spec.constraint.check)(ctx, t) {
                    return Err(self.op_error(
                        op,
                        format!(
                            "operand #{i} must be {}, but got '{}'",
                            spec.constraint.description,
                            ctx.type_to_string(t)
                        ),
                    ));
                }
            }
        }
        for (spec, range) in def.results.iter().zip(def.result_group_ranges(o.results().len())) {
            for i in range {
                let t = ir.value_type(o.results()[i]);
                if !(spec.constraint.check)(ctx, t) {
                    return Err(self.op_error(
                        op,
                        format!(
                            "result #{i} must be {}, but got '{}'",
                            spec.constraint.description,
                            ctx.type_to_string(t)
                        ),
                    ));
                }
            }
        }
        // Attributes.
        for spec in &def.attributes {
            match o.attr(ctx.ident(spec.name)) {
                None if !spec.optional => return Err(self.op_error(op, format!("requires attribute '{}'", spec.name))),
                Some(a) if !(spec.constraint.check)(ctx, a) => {
                    return Err(self.op_error(
                        op,
                        format!(
                            "attribute '{}' failed to satisfy constraint: {}",
                            spec.name, spec.constraint.description
                        ),
                    ));
                }
                _ => {}
            }
        }
        // Traits.
        let operand_types: Vec<_> = o.operands().iter().map(|v| ir.value_type(*v)).collect();
        let result_types: Vec<_> = o.results().iter().map(|v| ir.value_type(*v)).collect();
        if def.has_trait(Trait::SameOperandsAndResultType) {
            let all: Vec<_> = operand_types.iter().chain(&result_types).collect();
            if all.windows(2).any(|w| w[0] != w[1]) {
                return Err(self.op_error(op, "requires the same type for all operands and results"));
            }
        }
        if def.has_trait(Trait::SameTypeOperands) && operand_types.windows(2).any(|w| w[0] != w[1]) {
            return Err(self.op_error(op, "requires all operands to have the same type"));
        }
        if def.has_trait(Trait::SameOperandsAndResultShape) {
            let all: Vec<_> = operand_types.iter().chain(&result_types).collect();
            if all.windows(2).any(|w| !ctx.same_shape(*w[0], *w[1])) {
                return Err(self.op_error(op, "requires the same shape for all operands and results"));
            }
        }
        for names in &def.type_equalities {
            let view = OpView { ctx, ir, op, def };
            let types: Vec<_> = names
                .iter()
                .filter_map(|n| {
                    if def.operands.iter().any(|s| s.name == *n) {
                        view.operand_group(n).first().map(|v| ir.value_type(*v))
                    } else {
                        let i = def.results.iter().position(|s| s.name == *n)?;
                        let r = def.result_group_ranges(o.results().len())[i].clone();
                        o.results()[r].first().map(|v| ir.value_type(*v))
                    }
                })
                .collect();
            if types.windows(2).any(|w| w[0] != w[1]) {
                return Err(
                    self.op_error(op, format!("failed to verify that all of {{{}}} have same type", names.join(", ")))
                );
            }
        }
        if def.has_trait(Trait::Terminator) {
            if let Some(b) = o.parent_block() {
                if ir.block(b).last_op() != Some(op) {
                    return Err(self.op_error(op, "must be the last operation in the parent block"));
                }
            }
        }
        if !def.parents.is_empty() {
            let parent = ir.parent_op(op).map(|p| ctx.ident_str(ir.op(p).name()));
            if !parent.is_some_and(|p| def.parents.contains(&p)) {
                let list: Vec<String> = def.parents.iter().map(|p| format!("'{p}'")).collect();
                return Err(self.op_error(
                    op,
                    format!(
                        "expects parent op {}",
                        if list.len() == 1 { list[0].clone() } else { format!("to be one of {}", list.join(", ")) }
                    ),
                ));
            }
        }
        if def.has_trait(Trait::SymbolTable) {
            self.verify_symbol_table(op)?;
        }
        for (i, &s) in o.successors().iter().enumerate() {
            if ir.block(s).parent_region() != o.parent_block().and_then(|b| ir.block(b).parent_region()) {
                return Err(self.op_error(op, format!("reference to block defined in another region (successor #{i})")));
            }
            if let Some(f) = def.successor_operands {
                let range = f(ctx, ir, op, i);
                let passed = &o.operands()[range];
                let args = ir.block(s).args();
                if passed.len() != args.len() {
                    return Err(self.op_error(
                        op,
                        format!(
                            "branch has {} operands for successor #{i}, but target block has {}",
                            passed.len(),
                            args.len()
                        ),
                    ));
                }
                for (j, (v, a)) in passed.iter().zip(args).enumerate() {
                    if ir.value_type(*v) != ir.value_type(*a) {
                        return Err(self.op_error(
                            op,
                            format!(
                                "type mismatch for bb argument #{j} of successor #{i}: '{}' vs '{}'",
                                ctx.type_to_string(ir.value_type(*v)),
                                ctx.type_to_string(ir.value_type(*a))
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn verify_symbol_table(&self, op: OpId) -> Result<(), Diagnostic> {
        let ctx = self.ctx;
        let ir = self.ir;
        let sym_name = ctx.ident("sym_name");
        let mut seen: FxHashMap<&str, OpId> = FxHashMap::default();
        for &r in ir.op(op).regions() {
            for &b in ir.region(r).blocks() {
                for child in ir.block_ops(b) {
                    let Some(name) = ir.op(child).attr(sym_name).and_then(|a| ctx.attr_as_str(a)) else { continue };
                    if let Some(prev) = seen.insert(name, child) {
                        return Err(Diagnostic::error(
                            ir.op(child).loc(),
                            format!("redefinition of symbol named '{name}'"),
                        )
                        .with_note(ir.op(prev).loc(), "see existing symbol definition here"));
                    }
                }
            }
        }
        Ok(())
    }

    fn verify_region(
        &mut self,
        op: OpId,
        r: RegionId,
        needs_terminator: bool,
        graph: bool,
        def: Option<&OpDef>,
    ) -> Result<(), Diagnostic> {
        let ctx = self.ctx;
        let ir = self.ir;
        let blocks = ir.region(r).blocks();
        let index = ir.op(op).regions().iter().position(|x| *x == r).unwrap_or(0);
        // Regions past the declared ones belong to the trailing variadic group.
        if let Some(spec) = def.and_then(|d| d.regions.get(index.min(d.regions.len().saturating_sub(1)))) {
            if (spec.single_block || def.unwrap().has_trait(Trait::SingleBlock)) && blocks.len() > 1 {
                return Err(self.op_error(op, format!("expects region #{index} to have 0 or 1 blocks")));
            }
        }
        if graph && blocks.len() > 1 {
            return Err(self.op_error(op, format!("expects graph region #{index} to have 0 or 1 blocks")));
        }
        for &b in blocks {
            if needs_terminator {
                match ir.block(b).last_op() {
                    None => {
                        let loc = ir.op(op).loc();
                        let name = ctx.ident_str(ir.op(op).name());
                        return Err(Diagnostic::error(
                            loc,
                            format!("'{name}' op empty block: expect at least a terminator"),
                        ));
                    }
                    Some(last) => {
                        let last_def = ctx.op_def(ir.op(last).name());
                        if last_def.is_some_and(|d| !d.has_trait(Trait::Terminator))
                            && self.missing_terminator.is_none()
                        {
                            // Located at the last op, as MLIR locates it.
                            let last_name = ctx.ident_str(ir.op(last).name());
                            let d = Diagnostic::error(
                                ir.op(last).loc(),
                                format!("block with no terminator, has '{last_name}'"),
                            );
                            self.missing_terminator = Some((self.depth[ir.op_index(op) - self.first], d));
                        }
                    }
                }
            }
        }
        if let Some(&entry) = blocks.first() {
            for &b in blocks {
                for o in ir.block_ops(b) {
                    if ir.op(o).successors().contains(&entry) {
                        return Err(self.op_error(o, "entry block of region may not have predecessors"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Every operand's definition must dominate this use.
    fn verify_dominance(&mut self, op: OpId) -> Result<(), Diagnostic> {
        let ir = self.ir;
        let operands = ir.op(op).operands().to_vec();
        for (i, v) in operands.into_iter().enumerate() {
            if let Err(why) = self.dominates(v, op) {
                let def_loc = match ir.value(v).def() {
                    ValueDef::Result { op: d, .. } => ir.op(d).loc(),
                    ValueDef::BlockArg { block, .. } => {
                        ir.block_parent_op(block).map_or(ir.op(op).loc(), |p| ir.op(p).loc())
                    }
                    ValueDef::Placeholder => ir.op(op).loc(),
                };
                return Err(match why {
                    DomFailure::Isolated(iso) => self
                        .op_error(iso, "using value defined outside the region")
                        .with_note(ir.op(op).loc(), format!("operand #{i} of this op is defined outside")),
                    DomFailure::NotDominating => self
                        .op_error(op, format!("operand #{i} does not dominate this use"))
                        .with_note(def_loc, "operand defined here"),
                });
            }
        }
        Ok(())
    }

    fn dominates(&mut self, v: Value, user: OpId) -> Result<(), DomFailure> {
        let ir = self.ir;
        let ctx = self.ctx;
        let Some(def_block) = ir.value_block(v) else { return Err(DomFailure::NotDominating) };
        let def_region = ir.block(def_block).parent_region();
        // The user's ancestor in the definition's region (the user itself, or the op at the
        // region's depth on the path); isolated ops between them hide the definition.
        let d = self.path.len() - 1;
        debug_assert_eq!(self.path[d], user);
        let within = ir.block_parent_op(def_block).and_then(|p| self.slot(p)).map(|s| self.depth[s] as usize + 1);
        let at = within.filter(|k| *k <= d).map(|k| self.path[k]).filter(|a| {
            let region = ir.op(*a).parent_block().and_then(|b| ir.block(b).parent_region());
            region.is_some() && region == def_region
        });
        let isolated_above = |lowest: usize| {
            d.checked_sub(1)
                .and_then(|p| self.deepest_isolated[p])
                .filter(|i| *i >= lowest)
                .map(|i| DomFailure::Isolated(self.path[i]))
        };
        let at = match at {
            Some(at) => {
                if let Some(failure) = isolated_above(within.unwrap_or(0)) {
                    return Err(failure);
                }
                at
            }
            // Not on the path (an error, or a definition outside the verified op): walk up.
            None => self.ancestor_in(user, def_region)?,
        };
        let parent = ir.block_parent_op(def_block);
        if parent.is_some_and(|p| without_dominance(ctx, ir, p)) {
            return Ok(());
        }
        let use_block = ir.op(at).parent_block().unwrap();
        match ir.value(v).def() {
            ValueDef::BlockArg { .. } if use_block == def_block => Ok(()),
            ValueDef::Result { op: d, .. } if use_block == def_block => {
                if d != at && self.position(d) < self.position(at) {
                    Ok(())
                } else {
                    Err(DomFailure::NotDominating)
                }
            }
            _ => {
                let region = def_region.unwrap();
                let tree = self.doms.entry(region).or_insert_with(|| DominanceInfo::compute(ir, region));
                if tree.dominates(def_block, use_block) {
                    Ok(())
                } else {
                    Err(DomFailure::NotDominating)
                }
            }
        }
    }
}

impl Verifier<'_> {
    /// The ancestor of `user` (or `user`) in `region`, walking up the parents: an isolated
    /// op on the way, or no such ancestor, is a failure.
    fn ancestor_in(&self, user: OpId, region: Option<RegionId>) -> Result<OpId, DomFailure> {
        let ir = self.ir;
        let mut at = user;
        loop {
            let here = ir.op(at).parent_block().and_then(|b| ir.block(b).parent_region());
            if here.is_some() && here == region {
                return Ok(at);
            }
            let Some(parent) = ir.parent_op(at) else { return Err(DomFailure::NotDominating) };
            let isolated = self.ctx.op_def(ir.op(parent).name()).is_some_and(|d| d.has_trait(Trait::IsolatedFromAbove));
            if isolated {
                return Err(DomFailure::Isolated(parent));
            }
            at = parent;
        }
    }
}

enum DomFailure {
    NotDominating,
    /// The use is inside this isolated-from-above op and the definition outside it.
    Isolated(OpId),
}

/// Whether `op`'s regions are free of SSA dominance: graph regions, and the regions of an
/// unregistered op, which may be graph regions for all the verifier knows (as in MLIR).
fn without_dominance(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    ctx.op_def(ir.op(op).name()).is_none_or(|d| d.has_trait(Trait::GraphRegions))
}

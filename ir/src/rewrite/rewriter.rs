//! The rewriter patterns change the IR through: every change is reported to a listener, so
//! a driver knows which ops to revisit.

use crate::attributes::{Attribute, Location};
use crate::dialect::Trait;
use crate::entities::{BlockId, OpId, Value, ValueDef};
use crate::store::{InsertPoint, Ir, OpState};
use crate::types::Type;
use crate::Context;

/// Told about each change a rewriter makes.
pub trait RewriteListener {
    fn op_inserted(&mut self, _op: OpId) {}
    /// The op's operands, attributes or position changed.
    fn op_modified(&mut self, _op: OpId) {}
    /// The op (and what it holds) is about to be erased.
    fn op_erased(&mut self, _op: OpId) {}
}

/// Creates, replaces and erases ops, telling its listener.
pub struct PatternRewriter<'a> {
    pub ctx: &'a Context,
    ir: &'a mut Ir,
    at: Option<InsertPoint>,
    listener: &'a mut dyn RewriteListener,
}

impl<'a> PatternRewriter<'a> {
    pub fn new(ctx: &'a Context, ir: &'a mut Ir, listener: &'a mut dyn RewriteListener) -> Self {
        PatternRewriter { ctx, ir, at: None, listener }
    }

    pub fn ir(&self) -> &Ir {
        self.ir
    }

    /// The IR without notifications: call [`Self::notify_modified`] for ops changed this way.
    pub fn ir_mut(&mut self) -> &mut Ir {
        self.ir
    }

    pub fn notify_modified(&mut self, op: OpId) {
        self.listener.op_modified(op);
    }

    pub fn set_insertion_point(&mut self, at: InsertPoint) {
        self.at = Some(at);
    }
    pub fn set_insertion_point_before(&mut self, op: OpId) {
        self.at = Some(InsertPoint::Before(op));
    }
    pub fn set_insertion_point_to_end(&mut self, block: BlockId) {
        self.at = Some(InsertPoint::BlockEnd(block));
    }

    /// Creates an op at the insertion point.
    pub fn create(&mut self, state: OpState) -> OpId {
        let op = self.ir.create_op(state);
        let at = self.at.expect("rewriter has no insertion point");
        self.ir.insert_op(op, at);
        self.notify_tree_inserted(op);
        op
    }

    /// Creates `name(operands) {attrs} : result_types` at the insertion point, located at
    /// the insertion point's op.
    pub fn op(&mut self, name: &str, operands: &[Value], result_types: &[Type], attrs: &[(&str, Attribute)]) -> OpId {
        let loc = match self.at {
            Some(InsertPoint::Before(o)) => self.ir.op(o).loc(),
            _ => self.ctx.unknown_loc(),
        };
        let mut state = OpState::new(self.ctx, name, loc).operands(operands).results(result_types);
        for (k, v) in attrs {
            state = state.attr(self.ctx, k, *v);
        }
        self.create(state)
    }

    fn notify_tree_inserted(&mut self, op: OpId) {
        for o in self.ir.collect_ops(op) {
            self.listener.op_inserted(o);
        }
    }

    /// Replaces every use of `op`'s results with `values`, then erases `op`.
    pub fn replace_op(&mut self, op: OpId, values: &[Value]) {
        let results = self.ir.op(op).results().to_vec();
        assert_eq!(results.len(), values.len(), "replace_op: result count mismatch");
        for (r, v) in results.into_iter().zip(values) {
            self.replace_all_uses(r, *v);
        }
        self.erase_op(op);
    }

    /// Replaces every use of `from` with `to`, telling the listener about each user.
    pub fn replace_all_uses(&mut self, from: Value, to: Value) {
        if from == to {
            return;
        }
        let users: Vec<OpId> = self.ir.value(from).uses().iter().map(|u| u.op).collect();
        self.ir.replace_all_uses(from, to);
        for u in users {
            self.listener.op_modified(u);
        }
    }

    /// Erases `op` and everything nested in it; its results must be unused.
    pub fn erase_op(&mut self, op: OpId) {
        for o in self.ir.collect_ops(op) {
            self.listener.op_erased(o);
        }
        // Ops feeding this one may become dead.
        let feeders: Vec<OpId> = self
            .ir
            .op(op)
            .operands()
            .iter()
            .filter_map(|v| match self.ir.value(*v).def() {
                ValueDef::Result { op: d, .. } => Some(d),
                _ => None,
            })
            .collect();
        self.ir.erase_op(op);
        for f in feeders {
            if self.ir.contains_op(f) {
                self.listener.op_modified(f);
            }
        }
    }

    /// Changes an op in place through `f`, then tells the listener.
    pub fn modify(&mut self, op: OpId, f: impl FnOnce(&mut Ir)) {
        f(self.ir);
        self.listener.op_modified(op);
    }

    /// Moves the ops of `block` before `before`, replacing the block's arguments with
    /// `args`, and erases the block.
    pub fn inline_block_before(&mut self, block: BlockId, before: OpId, args: &[Value]) {
        self.inline_block(block, InsertPoint::Before(before), args);
    }

    /// Moves the ops of `src` to the end of `dest`, replacing `src`'s arguments with `args`,
    /// and erases `src`.
    pub fn merge_blocks(&mut self, src: BlockId, dest: BlockId, args: &[Value]) {
        self.inline_block(src, InsertPoint::BlockEnd(dest), args);
    }

    fn inline_block(&mut self, block: BlockId, at: InsertPoint, args: &[Value]) {
        let users: Vec<OpId> =
            self.ir.block(block).args().iter().flat_map(|p| self.ir.value(*p).uses().iter().map(|u| u.op)).collect();
        for o in self.ir.inline_block(block, at, args).into_iter().chain(users) {
            self.listener.op_modified(o);
        }
    }

    /// The integer value of `v` if a constant-like op defines it.
    pub fn constant_int(&self, v: Value) -> Option<i128> {
        self.constant_attr(v).and_then(|a| self.ctx.attr_as_int(a))
    }

    /// The `value` attribute of `v`'s defining op if that op is constant-like.
    pub fn constant_attr(&self, v: Value) -> Option<Attribute> {
        constant_value(self.ctx, self.ir, v)
    }

    pub fn loc(&self, op: OpId) -> Location {
        self.ir.op(op).loc()
    }
}

/// The `value` attribute of `v`'s defining op if that op is constant-like.
pub(crate) fn constant_value(ctx: &Context, ir: &Ir, v: Value) -> Option<Attribute> {
    match ir.value(v).def() {
        ValueDef::Result { op, .. }
            if ctx.op_def(ir.op(op).name()).is_some_and(|d| d.has_trait(Trait::ConstantLike)) =>
        {
            ir.op(op).attr(ctx.ident("value"))
        }
        _ => None,
    }
}

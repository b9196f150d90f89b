//! [`Builder`]: creates operations at an insertion point.

use crate::attributes::{Attribute, Location};
use crate::entities::{BlockId, OpId, Value};
use crate::store::{InsertPoint, Ir, OpState};
use crate::types::Type;
use crate::Context;

/// Creates ops and inserts them where it points, moving past each one.
///
/// ```
/// use strata_ir::*;
/// let ctx = Context::new();
/// let mut ir = Ir::new();
/// let block = ir.create_block(&[ctx.integer_type(32)]);
/// let arg = ir.block(block).args()[0];
/// let mut b = Builder::at_end(&ctx, &mut ir, block);
/// let sum = b.op("test.add", &[arg, arg], &[ctx.integer_type(32)], &[]);
/// assert_eq!(b.ir.op(sum).operands(), &[arg, arg]);
/// ```
pub struct Builder<'c, 'i> {
    pub ctx: &'c Context,
    pub ir: &'i mut Ir,
    at: InsertPoint,
    pub loc: Location,
}

impl<'c, 'i> Builder<'c, 'i> {
    pub fn new(ctx: &'c Context, ir: &'i mut Ir, at: InsertPoint) -> Self {
        Builder { ctx, ir, at, loc: ctx.unknown_loc() }
    }
    pub fn at_end(ctx: &'c Context, ir: &'i mut Ir, block: BlockId) -> Self {
        Self::new(ctx, ir, InsertPoint::BlockEnd(block))
    }
    pub fn before(ctx: &'c Context, ir: &'i mut Ir, op: OpId) -> Self {
        Self::new(ctx, ir, InsertPoint::Before(op))
    }
    pub fn set_insertion_point(&mut self, at: InsertPoint) {
        self.at = at;
    }

    /// Inserts a fully described op.
    pub fn insert(&mut self, mut state: OpState) -> OpId {
        if state.loc == self.ctx.unknown_loc() {
            state.loc = self.loc;
        }
        let op = self.ir.create_op(state);
        self.ir.insert_op(op, self.at);
        if let InsertPoint::BlockStart(_) | InsertPoint::After(_) = self.at {
            self.at = InsertPoint::After(op);
        }
        op
    }

    /// Creates `name(operands) {attrs} : result_types` and returns it.
    pub fn op(&mut self, name: &str, operands: &[Value], result_types: &[Type], attrs: &[(&str, Attribute)]) -> OpId {
        let mut state = OpState::new(self.ctx, name, self.loc).operands(operands).results(result_types);
        for (n, a) in attrs {
            state = state.attr(self.ctx, n, *a);
        }
        self.insert(state)
    }

    /// Like [`Builder::op`] for an op with one result, returning the result.
    pub fn value(&mut self, name: &str, operands: &[Value], result_type: Type, attrs: &[(&str, Attribute)]) -> Value {
        let op = self.op(name, operands, &[result_type], attrs);
        self.ir.op(op).result(0)
    }
}

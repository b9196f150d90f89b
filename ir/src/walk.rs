//! Walkers over nested operations. They iterate with an explicit stack, so IR nested
//! thousands of regions deep walks without recursion.

use crate::entities::OpId;
use crate::store::Ir;

/// Whether a walk visits a parent before or after the ops nested in it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WalkOrder {
    PreOrder,
    PostOrder,
}

/// What a walk callback asks for next.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WalkControl {
    Advance,
    /// Do not visit the ops nested in this one (pre-order only).
    Skip,
    Interrupt,
}

impl Ir {
    /// Visits `root` and every op nested in it, in textual order.
    ///
    /// ```
    /// # use strata_ir::*;
    /// let ctx = Context::new();
    /// let m = parse_source(&ctx, "t", "\"a.b\"() ({ \"a.c\"() : () -> () }) : () -> ()", &ParseOptions { allow_unregistered: true, ..Default::default() }).unwrap();
    /// let mut names = Vec::new();
    /// m.ir.walk(m.root, WalkOrder::PreOrder, &mut |op| { names.push(ctx.ident_str(m.ir.op(op).name()).to_string()); WalkControl::Advance });
    /// assert_eq!(names, ["builtin.module", "a.b", "a.c"]);
    /// ```
    pub fn walk(&self, root: OpId, order: WalkOrder, f: &mut dyn FnMut(OpId) -> WalkControl) -> WalkControl {
        // (op, children already pushed)
        let mut stack = vec![(root, false)];
        while let Some((op, expanded)) = stack.pop() {
            if expanded {
                if f(op) == WalkControl::Interrupt {
                    return WalkControl::Interrupt;
                }
                continue;
            }
            if order == WalkOrder::PreOrder {
                match f(op) {
                    WalkControl::Interrupt => return WalkControl::Interrupt,
                    WalkControl::Skip => continue,
                    WalkControl::Advance => {}
                }
            } else {
                stack.push((op, true));
            }
            let mut children = Vec::new();
            for &r in self.op(op).regions() {
                for &b in self.region(r).blocks() {
                    children.extend(self.block_ops(b));
                }
            }
            stack.extend(children.into_iter().rev().map(|c| (c, false)));
        }
        WalkControl::Advance
    }

    /// `root` and all ops nested in it, pre-order.
    pub fn collect_ops(&self, root: OpId) -> Vec<OpId> {
        let mut out = Vec::new();
        self.walk(root, WalkOrder::PreOrder, &mut |op| {
            out.push(op);
            WalkControl::Advance
        });
        out
    }

    /// Every live op of the arena, in id order (including detached ones).
    pub fn all_ops(&self) -> Vec<OpId> {
        self.op_ids().collect()
    }
}

//! `scf.forall` in the interpreter: its iterations run one after another in row-major order
//! (one valid order of upstream's unspecified one). The body's block arguments for the shared
//! outputs hold the outputs as the iterations before have left them, and each iteration's
//! `scf.forall.in_parallel` writes its `tensor.parallel_insert_slice`s into them, in order: as
//! upstream's `scf-forall-to-for` makes the loop sequential, so that a program whose
//! iterations write disjoint slices (the only kind upstream defines) gets its one result.

use std::rc::Rc;

use strata_dialects::scf::{Bound, ForallLoops, PARALLEL_INSERT_SLICE};
use strata_dialects::slicing::Window;
use strata_ir::OpId;

use super::{Machine, RtValue};
use crate::tensor::Scalar;
use crate::RuntimeError;

impl Machine<'_> {
    /// Runs the `scf.forall` `op` and returns its results: the shared outputs after every
    /// iteration has written its slices.
    pub(super) fn forall(&mut self, op: OpId, loops: &ForallLoops) -> Result<Vec<RtValue>, RuntimeError> {
        let read = |m: &Self, bounds: &[Bound]| -> Result<Vec<i64>, RuntimeError> {
            bounds
                .iter()
                .map(|b| match b {
                    Bound::Static(n) => Ok(*n),
                    Bound::Dynamic(v) => m.int(op, *v),
                })
                .collect()
        };
        let (lb, ub, st) = (read(self, &loops.lower)?, read(self, &loops.upper)?, read(self, &loops.steps)?);
        let mut outs = self.values(op, &loops.outputs)?;
        if let Some(s) = st.iter().find(|s| **s <= 0) {
            return Err(self.err(op, format!("steps must be positive, not {s}")));
        }
        if lb.iter().zip(&ub).any(|(l, u)| l >= u) {
            return Ok(outs);
        }
        let region = self.ir.op(op).regions()[0];
        let mut iv = lb.clone();
        'nest: loop {
            let mut args: Vec<RtValue> = iv.iter().map(|x| RtValue::Scalar(Scalar::Int(*x))).collect();
            args.extend(outs);
            outs = self.run_region(op, region, args)?;
            for d in (0..iv.len()).rev() {
                // A step past the largest index ends that loop instead of wrapping around.
                iv[d] = iv[d].saturating_add(st[d]);
                if iv[d] < ub[d] {
                    continue 'nest;
                }
                iv[d] = lb[d];
            }
            return Ok(outs);
        }
    }

    /// Runs the terminator `op` of an `scf.forall` body: each `tensor.parallel_insert_slice`
    /// writes its source into the shared output it names; returns the outputs.
    pub(super) fn in_parallel(&mut self, op: OpId) -> Result<Vec<RtValue>, RuntimeError> {
        let (ctx, ir) = (self.ctx, self.ir);
        let forall = ir.parent_op(op).ok_or_else(|| self.err(op, "outside an scf.forall"))?;
        let body = ir.region(ir.op(forall).regions()[0]).blocks()[0];
        let args = ir.block(body).args();
        let outputs = strata_dialects::scf::forall_loops(ctx, ir, forall).map_err(|m| self.err(forall, m))?.outputs;
        let shared = &args[args.len().saturating_sub(outputs.len())..];
        let mut outs = self.values(op, shared)?;
        let Some(&block) = ir.region(ir.op(op).regions()[0]).blocks().first() else { return Ok(outs) };
        for insert in ir.block_ops(block) {
            let o = ir.op(insert);
            if ctx.ident_str(o.name()) != PARALLEL_INSERT_SLICE {
                return Err(self.err(insert, "scf.forall.in_parallel holds only tensor.parallel_insert_slice"));
            }
            let k = shared
                .iter()
                .position(|a| o.operands().get(1) == Some(a))
                .ok_or_else(|| self.err(insert, "may only insert into an output block argument"))?;
            let RtValue::Tensor(dest) = &outs[k] else {
                return Err(self.err(insert, "a shared output that is not a tensor"));
            };
            let window = Window::of(ctx, ir, insert);
            outs[k] = RtValue::Tensor(Rc::new(self.inserted(insert, &window, dest)?));
        }
        Ok(outs)
    }
}

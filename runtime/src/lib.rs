//! `strata-runtime`: the reference interpreter. It runs `nn` and `kernel` graphs (and the
//! `arith`/`math` bodies of kernels) on [`Tensor`]s with the documented semantics, and every
//! optimization and lowering is checked against it. [`fold`] uses it to fold constant
//! sub-graphs at compile time.

pub mod compare;
pub mod exec;
pub mod fold;
pub mod interp;
pub mod limits;
pub mod nn;
pub mod npy;
pub mod random;
pub mod scalar;
pub mod tensor;

pub use interp::{eval_op, functions, run_function};
pub use scalar::Fault;
pub use tensor::{Data, Elem, Scalar, Tensor};

use strata_ir::{Context, Diagnostic, Ir, Location, OpId};

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// An op that does not run here, or that had no defined result (a [`Fault`]: division by
    /// zero, an index out of bounds …), at the op's location.
    #[error("'{op}': {message}")]
    Op { op: String, loc: Option<Location>, message: String },
    #[error("input #{index}: {message}")]
    BadInput { index: usize, message: String },
}

impl RuntimeError {
    /// An error at `op`.
    pub fn at(ctx: &Context, ir: &Ir, op: OpId, message: impl Into<String>) -> RuntimeError {
        let o = ir.op(op);
        RuntimeError::Op { op: ctx.ident_str(o.name()).to_string(), loc: Some(o.loc()), message: message.into() }
    }

    /// The error as a located diagnostic (`'op' op message` at the op), when it has a place.
    pub fn diagnostic(&self) -> Option<Diagnostic> {
        match self {
            RuntimeError::Op { op, loc: Some(loc), message } => {
                Some(Diagnostic::error(*loc, format!("'{op}' op {message}")))
            }
            _ => None,
        }
    }
}

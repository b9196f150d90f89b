//! `strata-runtime`: the reference interpreter. It runs `nn` and `kernel` graphs (and the
//! `arith`/`math` bodies of kernels) on [`Tensor`]s with the documented semantics, and every
//! optimization and lowering is checked against it. [`fold`] uses it to fold constant
//! sub-graphs at compile time.

pub mod exec;
pub mod fold;
pub mod interp;
pub mod nn;
pub mod npy;
pub mod random;
pub mod scalar;
pub mod tensor;

pub use interp::{eval_op, functions, run_function};
pub use tensor::{Elem, Tensor};

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("'{op}': {message}")]
    Unsupported { op: String, message: String },
    #[error("input #{index}: {message}")]
    BadInput { index: usize, message: String },
}

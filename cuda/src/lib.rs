//! Strata on NVIDIA GPUs: the PTX of a module's kernels ([`strata_lowering::ptx`]) loaded
//! through the CUDA driver API ([cudarc], loaded at run time: binaries build and start where
//! no CUDA is installed), and its host functions run against it.
//!
//! A [`Program`] is an entry function after the GPU pipeline
//! ([`strata_lowering::gpu::cuda_pipeline`]): host code around `gpu.launch_func`s. Its memory
//! is planned once, as MegEngine's "Record" plans it: the inputs, every `memref.global` (the
//! arena, constant weights, packed panels and their flags) in one device allocation made when
//! the program is loaded, so a call allocates nothing (a host `memref.alloc` outside loops gets
//! a planned place too, the same each call). Constant globals are uploaded then;
//! every other byte starts poisoned (0xFF: NaN, or -1), so an element no kernel writes shows.
//!
//! A call runs the host function on the CPU: index arithmetic, loops and conditionals around
//! launches, one-element reads and writes of flags (a constant panel packed on the first call
//! only). After a first call, [`Program::record`] captures the launch sequence of a call as a
//! CUDA graph, replayed by each later call with one driver call, so a batch-1 model is not
//! bound by launch overhead. The graph assumes that what the host read from the device (the
//! flags) keeps the value it had when it was recorded, which holds for first-call flags; a
//! host write during recording refuses the graph, and calls stay eager.
//!
//! Undefined behaviour a kernel meets (an integer division by zero, a failed `cf.assert`) is
//! recorded in the module's trap word; a call reads it and reports the op
//! ([`CudaError::Trap`]).

mod driver;
mod program;

pub use driver::Device;
pub use program::Program;

use strata_ir::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CudaError {
    #[error("{0}")]
    NoDriver(String),
    #[error("no CUDA device {ordinal}: the driver sees {count}")]
    NoDevice { ordinal: usize, count: usize },
    #[error("CUDA driver error while {what}: {message}")]
    Driver { what: &'static str, message: String },
    #[error("out of device memory: {bytes} bytes could not be allocated ({message})")]
    OutOfMemory { bytes: usize, message: String },
    #[error("loading the PTX module: {0}")]
    Load(String),
    #[error("a kernel launch failed: {0}")]
    Launch(String),
    /// A kernel met undefined behaviour at this op.
    #[error("{}", .0.message)]
    Trap(Diagnostic),
    /// Host code the runtime does not run, at its op.
    #[error("{}", .0.message)]
    Unsupported(Diagnostic),
    #[error("input #{index}: {message}")]
    BadInput { index: usize, message: String },
    #[error(transparent)]
    Ptx(#[from] strata_lowering::ptx::PtxError),
}

impl CudaError {
    /// The error as a located diagnostic, when it has a place.
    pub fn diagnostic(&self) -> Option<Diagnostic> {
        match self {
            CudaError::Trap(d) | CudaError::Unsupported(d) => Some(d.clone()),
            CudaError::Ptx(e) => e.diagnostic(),
            _ => None,
        }
    }
}

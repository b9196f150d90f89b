//! The integration tests of `strata-lowering`, in one binary: each file under `tests/` used to be its own
//! binary linking the whole workspace, and linking them dominated `cargo test`'s time.

mod constant_globals;
mod conv_algorithms;
mod expand_math;
mod float_extrema;
mod gemm;
mod math_accuracy;
mod onnx_ops;
mod parallel_reduce;

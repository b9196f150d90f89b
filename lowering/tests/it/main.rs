//! The integration tests of `strata-lowering`, in one binary: each file under `tests/` used to be its own
//! binary linking the whole workspace, and linking them dominated `cargo test`'s time.

mod conv_algorithms;
mod float_extrema;
mod gemm;
mod math_accuracy;
mod onnx_ops;

//! The integration tests of `strata-tools`, in one binary: each file under `tests/` used to be its own
//! binary linking the whole workspace, and linking them dominated `cargo test`'s time.

mod cli;
mod common;
mod compat;
mod fastrun;
mod limits;
mod lit;
mod onnx;
mod outputs;
mod passes;
mod profile;
mod signals;

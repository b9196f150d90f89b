//! The integration tests of `strata-runtime`, in one binary: each file under `tests/` used to be its own
//! binary linking the whole workspace, and linking them dominated `cargo test`'s time.

mod exec;
mod integers;
mod npy_fuzz;
mod onnxruntime;

//! The integration tests of `strata-tests`, in one binary: each file under `tests/` used to be its own
//! binary linking the whole workspace, and linking them dominated `cargo test`'s time.

mod aarch64;
mod egraph_equivalence;
mod external_dialect;
mod forall;
mod fuzz;
mod gpu;
mod integer_graphs;
mod ir_api;
mod memory_plan;
mod models;
mod onnx_models;
mod pass_manager;
mod resources;
mod roundtrip;
mod sparse;
mod view_op_graph;

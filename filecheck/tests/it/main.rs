//! The integration tests of `strata-filecheck`, in one binary: each file under `tests/` used to be its own
//! binary linking the whole workspace, and linking them dominated `cargo test`'s time.

mod differential;
mod directives;

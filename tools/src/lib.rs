//! Strata's tools as a library, so that another crate can build its own `my-opt` on the same
//! driver with its own dialects registered.

pub mod expectations;
pub mod opt;

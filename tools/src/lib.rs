//! Strata's tools as a library, so that another crate can build its own `my-opt` on the same
//! driver with its own dialects and passes registered.

pub mod expectations;
pub mod lit;
pub mod opt;
pub mod plugins;
pub mod run;
pub mod translate;

//! Fast-Run in the tools: measuring candidates on this machine ([`measure`]) and
//! `strata-fastrun`, which lists, exports, imports and clears the cache ([`cli`]).

pub mod cli;
pub mod measure;

pub use measure::{cpu_description, factory, CpuMeasurer};

//! The importer's tests, one module per concern.

mod bad_input;
mod conformance;
mod printed;
mod python;

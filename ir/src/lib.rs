//! # strata-ir
//!
//! The core of Strata: an MLIR-compatible IR in Rust.
//!
//! - [`Context`]: interned types, attributes and identifiers, and the dialect registry;
//!   shared by reference across threads.
//! - [`Ir`]: the arena of operations, blocks, regions and values (ids, use lists, insertion,
//!   erasure, cloning, replace-all-uses); [`Builder`] creates ops at an insertion point.
//! - [`parse_source`] reads MLIR text (pest grammar in `mlir.pest`), [`print_module`] writes it
//!   in custom or generic form, [`verify`] checks it.
//! - [`resources`]: blobs of raw element data behind `dense_resource` attributes (weights),
//!   owned by the context ([`Context::add_blob`]), read and written in MLIR's `{-# ... #-}` form.
//! - [`dialect`]: how a dialect declares ops, with constraints, traits, verifiers, folders and
//!   declarative assembly formats ([`format`]).
//!
//! See the `tutorial` module of the `strata-dialects` crate for writing a dialect.

mod affine;
mod arena;
mod attributes;
mod builder;
mod context;
mod dense_raw;
mod diagnostic;
pub mod dialect;
pub mod dominance;
mod entities;
mod equivalence;
pub mod float;
pub mod fold;
pub mod format;
mod hex;
pub mod parser;
pub mod pass;
pub mod printer;
pub mod resources;
pub mod rewrite;
pub mod sizes;
mod store;
pub mod symbol_table;
mod types;
mod verifier;
mod walk;

pub use affine::{AffineExpr, AffineMap, IntegerSet};
pub use attributes::{
    as_unsigned, wrap_signed, AttrKind, Attribute, DenseArrayValues, DenseElements, DenseValue, LocKind, Location,
    NamedAttr, RawElements,
};
pub use builder::Builder;
pub use context::{Context, Ident};
pub use diagnostic::{DiagResult, Diagnostic, DiagnosticRenderer, Severity};
pub use dialect::{attr_constraints, constraints, Dialect, FoldResult, OpDef, OpView, Trait};
pub use dominance::DominanceInfo;
pub use entities::{Block, BlockId, OpId, Operation, Region, RegionId, Use, Value, ValueData, ValueDef};
pub use equivalence::StructuralKey;
pub use parser::{parse_source, Module, ParseError, ParseOptions};
pub use printer::{print_module, print_op, print_op_with_blobs, print_top_level, PrintOptions};
pub use resources::{Blob, ResourceElements, ResourceError};
pub use sizes::SizeError;
pub use store::lend::{IsolatedEntities, Piece};
pub use store::{InsertPoint, Ir, IrMapping, OpState};
pub use types::{FloatKind, Signedness, Type, TypeKind, DYNAMIC};
pub use verifier::{verify, verify_symbol_uses};
pub use walk::{WalkControl, WalkOrder};

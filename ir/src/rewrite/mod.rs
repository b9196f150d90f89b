//! Rewriting: patterns, the rewriter they change the IR through, the greedy driver that
//! applies them to a fixpoint (with folding), and the dialect conversion framework.
//!
//! A pattern that rewrites `arith.muli(x, 2)` into `arith.addi(x, x)`:
//!
//! ```
//! use strata_ir::rewrite::{PatternRewriter, RewritePattern};
//! use strata_ir::OpId;
//!
//! struct MulByTwo;
//! impl RewritePattern for MulByTwo {
//!     fn root(&self) -> Option<&str> { Some("arith.muli") }
//!     fn match_and_rewrite(&self, op: OpId, rw: &mut PatternRewriter<'_>) -> bool {
//!         let (x, c) = (rw.ir().op(op).operand(0), rw.ir().op(op).operand(1));
//!         if rw.constant_int(c) != Some(2) {
//!             return false; // no match: the IR must be left as it was
//!         }
//!         let ty = rw.ir().value_type(x);
//!         rw.set_insertion_point_before(op);
//!         let sum = rw.op("arith.addi", &[x, x], &[ty], &[]);
//!         let v = rw.ir().op(sum).result(0);
//!         rw.replace_op(op, &[v]);
//!         true
//!     }
//! }
//! ```

mod conversion;
mod greedy;
mod pattern;
mod rewriter;

pub use conversion::{
    apply_full_conversion, apply_partial_conversion, ConversionPattern, ConversionRewriter, ConversionTarget, Legality,
    TypeConverter,
};
pub use greedy::{
    apply_patterns_greedily, is_trivially_dead, limit_error, Budget, GreedyConfig, GreedyLimit, GreedyOutcome,
    RegionSimplify, DEFAULT_MAX_CHANGES, DEFAULT_MAX_GROWTH,
};
pub use pattern::{FrozenPatterns, RewritePattern};
pub use rewriter::{PatternRewriter, RewriteListener};

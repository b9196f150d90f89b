//! # Tutorial: writing a pass
//!
//! A pass is a type implementing [`Pass`](strata_ir::pass::Pass), described by a
//! [`PassInfo`](strata_ir::pass::PassInfo) (name, options, statistics) and registered in a
//! [`PassRegistry`](strata_ir::pass::PassRegistry). Inside, change the IR directly, or through
//! rewrite patterns and the greedy driver, or through dialect conversion. Nothing here is
//! private to this crate: `examples/my-opt` does the same from outside.
//!
//! ## A pass with a pattern, an option and a statistic
//!
//! `strength-reduce` turns `x * 2^k` into `x << k` on integers, as often as the `max` option
//! allows:
//!
//! ```
//! use std::sync::Arc;
//! use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo, PassManager, PassRegistry};
//! use strata_ir::rewrite::{apply_patterns_greedily, FrozenPatterns, GreedyConfig, PatternRewriter, RewritePattern};
//! use strata_ir::*;
//!
//! /// `arith.muli %x, 2^k` → `arith.shli %x, k`.
//! struct MulToShift;
//!
//! impl RewritePattern for MulToShift {
//!     fn root(&self) -> Option<&str> { Some("arith.muli") }
//!     fn match_and_rewrite(&self, op: OpId, rw: &mut PatternRewriter<'_>) -> bool {
//!         let (x, c) = (rw.ir().op(op).operand(0), rw.ir().op(op).operand(1));
//!         let Some(n) = rw.constant_int(c) else { return false };
//!         if n <= 0 || n & (n - 1) != 0 {
//!             return false; // not a match: leave the IR untouched
//!         }
//!         let ty = rw.ir().value_type(x);
//!         rw.set_insertion_point_before(op);
//!         let k = rw.op("arith.constant", &[], &[ty], &[("value", rw.ctx.integer_attr(n.trailing_zeros() as i128, ty))]);
//!         let k = rw.ir().op(k).result(0);
//!         let shl = rw.op("arith.shli", &[x, k], &[ty], &[]);
//!         let v = rw.ir().op(shl).result(0);
//!         rw.replace_op(op, &[v]);
//!         true
//!     }
//! }
//!
//! struct StrengthReduce { max: i64 }
//!
//! impl Pass for StrengthReduce {
//!     fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
//!         let patterns = FrozenPatterns::new(cx.ctx, vec![Arc::new(MulToShift)]);
//!         let config = GreedyConfig { max_rewrites: self.max, ..GreedyConfig::default() };
//!         let outcome = apply_patterns_greedily(cx.ctx, cx.ir, cx.op, &patterns, &config);
//!         cx.add_stat("reduced", outcome.rewrites);
//!         if !outcome.changed {
//!             cx.preserve_all(); // nothing changed: cached analyses stay valid
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let mut registry = PassRegistry::new();
//! strata_passes::register_all(&mut registry);
//! registry.register(
//!     PassInfo::new("strength-reduce", "StrengthReduce", "Multiplications by powers of two become shifts",
//!         |o, _| Ok(Box::new(StrengthReduce { max: o.int("max") })))
//!         .anchor("func.func") // runs on functions, in parallel when there are several
//!         .option(OptionSpec::int("max", -1, "Most rewrites per function (-1: no limit)"))
//!         .statistic("reduced", "Multiplications rewritten"),
//! ).unwrap();
//!
//! // Run it, then clean up with the standard passes, on a module.
//! let mut ctx = Context::new();
//! strata_dialects::register_all(&mut ctx);
//! let src = "func.func @f(%x: i32) -> i32 {\n  %c8 = arith.constant 8 : i32\n  %y = arith.muli %x, %c8 : i32\n  return %y : i32\n}";
//! let mut m = parse_source(&ctx, "f.mlir", src, &ParseOptions::default()).unwrap();
//! let pm = PassManager::new(registry.parse_pipeline("builtin.module(func.func(strength-reduce,canonicalize))").unwrap());
//! pm.run(&ctx, &mut m.ir, m.root).unwrap();
//! let out = print_module(&ctx, &m, &PrintOptions::default());
//! assert!(out.contains("arith.shli %arg0, %c3_i32 : i32"), "{out}");
//! assert!(pm.statistics_report().contains("(S) 1 reduced"));
//! ```
//!
//! ## What else a pass can use
//!
//! - [`PassContext::analysis`](strata_ir::pass::PassContext::analysis): cached analyses;
//!   invalidated after the pass unless it calls `preserve::<A>()` or `preserve_all()`.
//! - [`PassContext::run_pipeline`](strata_ir::pass::PassContext::run_pipeline): a nested
//!   pipeline on an op (the inliner runs `canonicalize` this way).
//! - [`apply_partial_conversion`](strata_ir::rewrite::apply_partial_conversion) /
//!   [`apply_full_conversion`](strata_ir::rewrite::apply_full_conversion): lowering with a
//!   target, a type converter and conversion patterns (`examples/my-opt/src/main.rs`).
//! - `OpDef::canonicalization(pattern)`: a pattern `canonicalize` picks up for every user.
//! - Rules instead of code: `apply-rules{file=...}` (see [`crate::rules`]).
//! - Shipping a pass without rebuilding the tool: a runtime plugin (`examples/plugin`).
//!
//! A pass returns an error as a [`Diagnostic`](strata_ir::Diagnostic) at the op it concerns;
//! the pass manager names the pass, verifies the IR after it (`--verify-each`), and writes a
//! reproducer when asked. A panic inside a pass is caught and reported the same way.

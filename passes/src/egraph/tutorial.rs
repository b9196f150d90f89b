//! # Tutorial: extending the graph optimizer
//!
//! `egraph-opt` is meant to be extended from outside: rules in a text file or in Rust, and the
//! cost of kernels from your own measurements. Each step below is a tested example.
//!
//! ## 1. Run it from Rust
//!
//! [`EGraphOpt::optimize`](super::EGraphOpt::optimize) works on one function and reports what
//! it did (the same figures `--egraph-stats` prints):
//!
//! ```
//! use strata_passes::egraph::{cost::Target, EGraphOpt};
//!
//! let mut ctx = strata_ir::Context::new();
//! strata_dialects::register_all(&mut ctx);
//! let src = r#"func.func @f(%x: tensor<64x64xf32>, %w: tensor<64x64xf32>) -> tensor<64x64xf32> {
//!   %m = "nn.matmul"(%x, %w) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
//!   %r = "nn.relu"(%m) : (tensor<64x64xf32>) -> tensor<64x64xf32>
//!   return %r : tensor<64x64xf32>
//! }"#;
//! let mut m = strata_ir::parse_source(&ctx, "f.mlir", src, &Default::default()).unwrap();
//! let func = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap();
//! let report = EGraphOpt::new(Target::X86_64).optimize(&ctx, &mut m.ir, func).unwrap().unwrap();
//! assert_eq!(report.stop_reason, "saturated");
//! // relu became the matmul's epilogue.
//! let printed = strata_ir::print_module(&ctx, &m, &Default::default());
//! assert!(printed.contains("kernel.matmul") && !printed.contains("nn.relu"));
//! ```
//!
//! ## 2. Add rules as text
//!
//! A rule is `name: (pattern) => (pattern)`, in the e-graph's own syntax: an op's attributes
//! come first as leaves in the order of [`signature`](super::language::signature), then its
//! operands; `?x` binds anything. The same text works as `egraph-opt{rules-file=FILE}`.
//!
//! ```
//! use strata_passes::egraph::{cost::Target, rules::parse_rules, EGraphOpt};
//!
//! # let mut ctx = strata_ir::Context::new();
//! # strata_dialects::register_all(&mut ctx);
//! let src = r#"func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
//!   %l = "nn.log"(%x) : (tensor<8xf32>) -> tensor<8xf32>
//!   %e = "nn.exp"(%l) : (tensor<8xf32>) -> tensor<8xf32>
//!   return %e : tensor<8xf32>
//! }"#;
//! let mut m = strata_ir::parse_source(&ctx, "f.mlir", src, &Default::default()).unwrap();
//! let func = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap();
//! // exp(log x) = x holds for the positive inputs this graph gets.
//! let mine = parse_rules("exp-log: (nn.exp (nn.log ?x)) => ?x").unwrap();
//! EGraphOpt::new(Target::X86_64).with_rules(mine).optimize(&ctx, &mut m.ir, func).unwrap();
//! let printed = strata_ir::print_module(&ctx, &m, &Default::default());
//! assert!(printed.contains("return %arg0"));
//! ```
//!
//! ## 3. Write a rule in Rust, with a condition
//!
//! Conditions read the [`analysis`](super::analysis) of the matched classes: shape, element
//! type, layout, whether a value is a compile-time constant. Division by a constant can be a
//! multiplication by its reciprocal, which is folded at compile time; the rule only adds the
//! alternative, and the extractor takes it where the cost model says it pays.
//!
//! ```
//! use egg::{rewrite as rw, Id, Subst, Var};
//! use strata_passes::egraph::analysis::NnGraph;
//! use strata_passes::egraph::{cost::Target, EGraphOpt};
//!
//! fn divisor_is_constant(g: &mut NnGraph, _: Id, s: &Subst) -> bool {
//!     let y: Var = "?y".parse().unwrap();
//!     g[s[y]].data.is_constant()
//! }
//! let rule = rw!("div-by-constant"; "(nn.div ?x ?y)" => "(nn.mul ?x (nn.div (fill 1.0 [1]) ?y))" if divisor_is_constant);
//!
//! # let mut ctx = strata_ir::Context::new();
//! # strata_dialects::register_all(&mut ctx);
//! let applied = |src: &str| {
//!     let mut m = strata_ir::parse_source(&ctx, "f.mlir", src, &Default::default()).unwrap();
//!     let func = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap();
//!     let opt = EGraphOpt::new(Target::X86_64).with_rules(vec![rule.clone()]);
//!     let report = opt.optimize(&ctx, &mut m.ir, func).unwrap().unwrap();
//!     report.top_rules.iter().any(|(name, _)| name == "div-by-constant")
//! };
//! let by_constant = r#"func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
//!   %c = "nn.constant"() {value = dense<4.0> : tensor<8xf32>} : () -> tensor<8xf32>
//!   %y = "nn.div"(%x, %c) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
//!   return %y : tensor<8xf32>
//! }"#;
//! let by_input = r#"func.func @f(%x: tensor<8xf32>, %c: tensor<8xf32>) -> tensor<8xf32> {
//!   %y = "nn.div"(%x, %c) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
//!   return %y : tensor<8xf32>
//! }"#;
//! assert!(applied(by_constant));
//! assert!(!applied(by_input));
//! ```
//!
//! ## 4. Price kernels yourself ("Fast-Run")
//!
//! Extraction minimizes the sum of each kernel's cost from a
//! [`CostProvider`](super::cost::CostProvider). A provider built from measurements on the
//! target answers from its table and defers to the analytical model for the rest: that is
//! what [`fastrun::Measured`](super::fastrun::Measured) does, timing the candidates itself
//! through a [`Measurer`](super::fastrun::Measurer) (`egraph-opt{cost=measured}`). Here one
//! that has measured Winograd to be slow on this machine (infinitely, for the example):
//!
//! ```
//! use std::sync::Arc;
//! use strata_dialects::nn::shape::ConvAlgorithm;
//! use strata_passes::egraph::cost::{Analytical, CostProvider, Target, Work};
//! use strata_passes::egraph::EGraphOpt;
//!
//! struct Measured {
//!     fallback: Analytical,
//! }
//! impl CostProvider for Measured {
//!     fn target(&self) -> Target {
//!         Target::X86_64
//!     }
//!     fn seconds(&self, work: &Work) -> f64 {
//!         match work {
//!             Work::Conv(p) if matches!(p.algorithm, ConvAlgorithm::Winograd2x3 | ConvAlgorithm::Winograd4x3) => f64::INFINITY,
//!             other => self.fallback.seconds(other),
//!         }
//!     }
//! }
//!
//! # let mut ctx = strata_ir::Context::new();
//! # strata_dialects::register_all(&mut ctx);
//! let src = r#"func.func @f(%x: tensor<1x64x56x56xf32>, %w: tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32> {
//!   %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1]} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
//!   return %c : tensor<1x64x56x56xf32>
//! }"#;
//! let optimized = |opt: EGraphOpt| {
//!     let mut m = strata_ir::parse_source(&ctx, "f.mlir", src, &Default::default()).unwrap();
//!     let func = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap();
//!     opt.optimize(&ctx, &mut m.ir, func).unwrap();
//!     strata_ir::print_module(&ctx, &m, &Default::default())
//! };
//! assert!(optimized(EGraphOpt::new(Target::X86_64)).contains("winograd"));
//! let measured = Arc::new(Measured { fallback: Analytical::new(Target::X86_64) });
//! assert!(!optimized(EGraphOpt::new(Target::X86_64).with_cost_provider(measured)).contains("winograd"));
//! ```

//! # Tutorial: writing a dialect
//!
//! A dialect is a type implementing [`strata_ir::Dialect`]; each op is an
//! [`OpDef`](strata_ir::OpDef) built from declarations. Nothing in this workspace uses anything
//! more privileged, so the dialect can live in any crate.
//!
//! ```
//! use strata_ir::dialect::{constraints, Dialect, OpDef, OpView, Trait};
//! use strata_ir::*;
//!
//! struct Poly;
//!
//! impl Dialect for Poly {
//!     fn name(&self) -> &'static str { "poly" }
//!     fn operations(&self) -> Vec<OpDef> {
//!         vec![
//!             // `%r = poly.eval %p, %x : f32` — operands, result, traits, a format.
//!             OpDef::new("poly.eval")
//!                 .summary("evaluates a polynomial at a point")
//!                 .traits(&[Trait::Pure, Trait::SameOperandsAndResultType])
//!                 .operand("poly", constraints::FLOAT)
//!                 .operand("x", constraints::FLOAT)
//!                 .result("result", constraints::FLOAT)
//!                 .format("$poly `,` $x attr-dict `:` type($result)")
//!                 // A verifier sees the op through an `OpView`.
//!                 .verifier(|v: &OpView| {
//!                     if v.operands()[0] == v.operands()[1] {
//!                         return Err(v.error("evaluating a polynomial at itself is not supported"));
//!                     }
//!                     Ok(())
//!                 }),
//!         ]
//!     }
//! }
//!
//! let mut ctx = Context::new();
//! strata_dialects::register_all(&mut ctx);
//! ctx.register_dialect(Poly).unwrap();
//! let src = "func.func @f(%p: f32, %x: f32) -> f32 {\n  %0 = poly.eval %p, %x : f32\n  return %0 : f32\n}\n";
//! let module = parse_source(&ctx, "poly.mlir", src, &ParseOptions::default()).unwrap();
//! verify(&ctx, &module.ir, module.root).unwrap();
//! let printed = print_module(&ctx, &module, &PrintOptions::default());
//! assert!(printed.contains("%0 = poly.eval %arg0, %arg1 : f32"));
//! // The generic form is always available too.
//! let generic = print_module(&ctx, &module, &PrintOptions { generic: true, ..Default::default() });
//! assert!(generic.contains("\"poly.eval\"(%arg0, %arg1) : (f32, f32) -> f32"));
//! ```
//!
//! What the format leaves out comes from the declarations: `type($result)` alone is enough here
//! because `SameOperandsAndResultType` gives the operands the same type. Ops whose syntax a
//! format cannot express (a function signature) use `custom_syntax(parse, print)` with the
//! public [`OpParser`](strata_ir::parser::OpParser) and
//! [`OpPrinter`](strata_ir::printer::OpPrinter); see `func.func` in this crate.

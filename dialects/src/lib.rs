//! Strata's dialects. Each module defines one dialect with the public API of `strata-ir`
//! only; nothing here is privileged, so a dialect in another crate is written the same way
//! (see [`tutorial`]).
//!
//! ```
//! let mut ctx = strata_ir::Context::new();
//! strata_dialects::register_all(&mut ctx);
//! assert!(ctx.op_def_by_name("arith.addi").is_some());
//! ```

pub mod arith;
pub mod bufferization;
pub mod builtin;
pub mod cf;
mod fold_util;
pub mod func;
mod function_like;
pub mod gpu;
mod indexing;
pub mod kernel;
pub mod math;
pub mod memref;
pub mod nn;
pub mod scf;
pub mod shaped;
pub mod slicing;
mod syntax_util;
pub mod tensor;
pub mod tutorial;
pub mod vector;

use strata_ir::Context;

/// Registers builtin, func, arith, math, cf, scf, memref, bufferization, vector, tensor, nn,
/// kernel and gpu.
pub fn register_all(ctx: &mut Context) {
    // Our own definitions are tested; failing here would be a bug in this crate.
    ctx.register_dialect(builtin::Builtin).expect("builtin dialect definition");
    ctx.register_dialect(func::Func).expect("func dialect definition");
    ctx.register_dialect(arith::Arith).expect("arith dialect definition");
    ctx.register_dialect(math::Math).expect("math dialect definition");
    ctx.register_dialect(cf::ControlFlow).expect("cf dialect definition");
    ctx.register_dialect(scf::Scf).expect("scf dialect definition");
    ctx.register_dialect(memref::MemRef).expect("memref dialect definition");
    ctx.register_dialect(bufferization::Bufferization).expect("bufferization dialect definition");
    ctx.register_dialect(vector::Vector).expect("vector dialect definition");
    ctx.register_dialect(tensor::Tensor).expect("tensor dialect definition");
    ctx.register_dialect(nn::Nn).expect("nn dialect definition");
    ctx.register_dialect(kernel::Kernel).expect("kernel dialect definition");
    ctx.register_dialect(gpu::Gpu).expect("gpu dialect definition");
}

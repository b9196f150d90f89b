//! What can go wrong on the way through upstream MLIR and LLVM.

use strata_ir::{Context, Diagnostic, Ir, Location, OpId};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum LlvmError {
    /// Built without the `llvm` feature.
    #[error("this build has no LLVM backend: rebuild with `--features llvm` (MLIR/LLVM 22 installed, see README.md)")]
    NotBuilt,
    /// Something in the input this backend does not take, at its op.
    #[error("'{op}': {message}")]
    Unsupported { op: String, loc: Location, message: String },
    /// A Strata pass run on the way (`expand-math`) failed.
    #[error("{}", .0.message)]
    Diagnostic(Diagnostic),
    /// Upstream MLIR rejected the module at `stage` (parsing, a pass, translation), with its
    /// diagnostics (locations are the input's, as we print them).
    #[error("MLIR {stage} failed:\n{}", diagnostics.join("\n"))]
    Mlir {
        stage: String,
        diagnostics: Vec<String>,
        /// The first diagnostic whose location is in a file, as ours (`file:line:col: error:`
        /// with the source line when the tool has the file).
        located: Option<Box<Diagnostic>>,
    },
    /// LLVM's JIT could not be created or a symbol was missing.
    #[error("LLVM JIT: {0}")]
    Engine(String),
    /// An entry asked for by name that the module does not export, as the Cranelift backend
    /// reports it.
    #[error(transparent)]
    Entry(#[from] strata_lowering::codegen::CodegenError),
    /// A bug on our side (text we generate that upstream rejects, a pipeline that does not parse).
    #[error("internal error: {0}")]
    Internal(String),
}

impl LlvmError {
    pub fn unsupported(ctx: &Context, ir: &Ir, op: OpId, message: &str) -> LlvmError {
        LlvmError::Unsupported {
            op: ctx.ident_str(ir.op(op).name()).to_string(),
            loc: ir.op(op).loc(),
            message: message.to_string(),
        }
    }

    /// The error as a located diagnostic, when it has a place.
    pub fn diagnostic(&self) -> Option<Diagnostic> {
        match self {
            LlvmError::Unsupported { op, loc, message } => {
                Some(Diagnostic::error(*loc, format!("'{op}' op the LLVM backend: {message}")))
            }
            LlvmError::Diagnostic(d) => Some(d.clone()),
            LlvmError::Mlir { located, .. } => located.as_deref().cloned(),
            _ => None,
        }
    }
}

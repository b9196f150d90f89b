//! Native code through Cranelift: loops over buffers (`scf`, `cf`, `memref`, `arith`, `math`,
//! `vector`, `func`) become machine code for the host (a JIT, [`jit`]) or an object file for
//! x86-64 or AArch64 ([`object`]), with a C header and a listing of the machine code.
//!
//! Input is what `lower-to-loops` (and optionally `vectorize`, `tile`) produce: functions over
//! statically shaped, contiguous memrefs. Graph-level ops must be lowered first.
//!
//! # How values become machine values
//! - `index` is a 64-bit integer; `i1` a byte holding 0 or 1 (in memory too, as the interpreter
//!   stores it); floats and other integers are themselves.
//! - A memref is one pointer to its first element: shapes are static and layouts the identity,
//!   so strides are constants folded into each address.
//! - A vector is one or more 128-bit registers (`vector<8xf32>` is two `f32x4`), the widest
//!   Cranelift offers on both targets; a vector of `i1` is a lane mask.
//! - `arith.addf` of a single-use `arith.mulf` becomes one fused multiply-add where the target
//!   has it (rounding once, so results differ from the interpreter in the last bit).
//! - `math` functions on `f32` (scalars and vectors) are polynomial approximations inline
//!   ([`math`], errors stated there); on `f64` they call the C library.
//! - The outermost `scf.parallel` of a nest is outlined into a function of `(captures, lo, hi)`
//!   and handed to `__strata_parallel_for`, which splits the iterations across a thread pool
//!   ([`parallel`]). Inner `scf.parallel` ops run as sequential loops.
//! - Profiled code (`CompileOptions::profile`, the JIT only) calls `__strata_profile_begin(id)`
//!   and `__strata_profile_end(id)` around each kernel's nests ([`profile`]); other code never
//!   does, and is the same machine code whether or not its ops carry kernel tags.
//!
//! # The C ABI of an entry point
//! Every public `func.func @f` of a module `m` gets an exported symbol `m_f`
//! ([`abi::c_symbol`]: scoped by module, so any entry name works, `main` included, and modules
//! link together; the body itself is the local `__strata_f`):
//!
//! ```c
//! int32_t m_f(const strata_memref_2d_f32 *arg0, ..., strata_memref_2d_f32 *result0, ...);
//! ```
//!
//! - A memref argument is a pointer to MLIR's strided descriptor: `{T *allocated; T *aligned;
//!   int64_t offset; int64_t sizes[R]; int64_t strides[R];}`. Its sizes must be the compiled
//!   shape and its strides contiguous; otherwise nothing runs and the call returns `k + 1` for
//!   the first mismatching argument `k`. Scalar arguments are passed by value.
//! - Each result is a descriptor the callee fills. Results live in the module's static arena
//!   or in memory allocated by the call; `allocated` is non-null exactly when the caller owns
//!   the buffer and must `free` it. A result in the arena (`allocated` null) is valid only until
//!   the next call of any entry point of the same module. A scalar result is written through a
//!   pointer to it.
//! - 0 means success.
//! - A negative status `-k` means the call stopped at trap site `k`: an op with no defined
//!   result (integer division by zero or overflow, a shift by the width or more, an allocation
//!   that failed), checked where it happens. The code leaves every function at once and writes
//!   no results; the header's `m_traps[k - 1]` names the op and its location, as the
//!   interpreter reports the same fault ([`TrapSite`]).
//! - Entry points are not reentrant: the entries of a module share its static memory (the
//!   result arena, constant panels packed on the first call), so calls of one module must not
//!   overlap. Two threads calling at once corrupt each other's results; callers serialize.
//!
//! [`header::c_header`] writes these declarations for a module, these rules in a comment.

pub mod abi;
mod divide;
pub mod driver;
mod half;
pub mod header;
pub mod jit;
pub mod math;
pub mod object;
pub mod parallel;
pub mod profile;
pub mod team;
mod translate;

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use thiserror::Error;

pub use translate::{compile_module, CompileOptions, Compiled, Entry, TrapSite};

/// A target for code generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The machine this runs on, with every feature it has (AVX, FMA …).
    Host,
    /// x86-64 Linux, position independent; with this machine's features when it is one.
    X86_64,
    /// AArch64 Linux with NEON.
    Aarch64,
}

impl Target {
    /// `host`, `x86-64` (or `x86_64`), `aarch64` (or `arm64`).
    pub fn parse(name: &str) -> Option<Target> {
        Some(match name {
            "host" => Target::Host,
            "x86-64" | "x86_64" => Target::X86_64,
            "aarch64" | "arm64" => Target::Aarch64,
            _ => return None,
        })
    }

    /// The Cranelift ISA for this target. `pic` asks for position-independent code (objects
    /// linked into a PIE need it; the JIT must not have it).
    pub fn isa(self, pic: bool) -> Result<OwnedTargetIsa, CodegenError> {
        let mut flags = settings::builder();
        let set = |f: &mut settings::Builder, k: &str, v: &str| {
            f.set(k, v).map_err(|e| CodegenError::Target(format!("flag {k}={v}: {e}")))
        };
        set(&mut flags, "opt_level", if std::env::var_os("STRATA_XOPT").is_some() { "none" } else { "speed" })?;
        set(&mut flags, "is_pic", if pic { "true" } else { "false" })?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        set(&mut flags, "enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" })?;
        // Bodies returning more values than there are return registers (three memrefs) get a
        // hidden return area. Only our own wrappers and calls reach them; the C entries
        // return through out-parameters.
        set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
        let shared = settings::Flags::new(flags);
        let native = || cranelift_native::builder().map_err(|e| CodegenError::Target(e.to_string()));
        let builder = match self {
            Target::Host => native()?,
            Target::X86_64 if cfg!(target_arch = "x86_64") => native()?,
            Target::X86_64 => {
                let mut b = cranelift_codegen::isa::lookup_by_name("x86_64-unknown-linux-gnu")
                    .map_err(|e| CodegenError::Target(e.to_string()))?;
                for f in ["has_sse3", "has_ssse3", "has_sse41", "has_sse42"] {
                    b.enable(f).map_err(|e| CodegenError::Target(format!("{f}: {e}")))?;
                }
                b
            }
            Target::Aarch64 => cranelift_codegen::isa::lookup_by_name("aarch64-unknown-linux-gnu")
                .map_err(|e| CodegenError::Target(e.to_string()))?,
        };
        builder.finish(shared).map_err(|e| CodegenError::Target(e.to_string()))
    }
}

/// The pipeline that takes `nn` graphs to what this code generator compiles, for `target`:
/// calls between functions inlined (a graph that calls a graph is one graph, optimized and
/// planned whole; a callee's results would otherwise share its static arena between calls),
/// e-graph optimization with that target's costs, a static memory plan, loops, vectors.
pub fn default_pipeline(target: Target) -> &'static str {
    let arm = target == Target::Aarch64 || (target == Target::Host && cfg!(target_arch = "aarch64"));
    if arm {
        "builtin.module(inline, func.func(egraph-opt{target=aarch64}, plan-memory), lower-to-loops, func.func(vectorize{width=8}))"
    } else {
        "builtin.module(inline, func.func(egraph-opt{target=x86-64}, plan-memory), lower-to-loops, func.func(vectorize{width=8}))"
    }
}

/// [`default_pipeline`] with `profile-kernels` run on the optimized graph before
/// `lower-to-loops`, so compiled code can be profiled per kernel ([`profile`]).
pub fn profile_pipeline(target: Target) -> String {
    default_pipeline(target).replacen(", lower-to-loops", ", func.func(profile-kernels), lower-to-loops", 1)
}

impl CodegenError {
    /// The error as a located diagnostic (`'op' op message` at the op), when it has a place:
    /// a trap reads as the interpreter's report of the same fault.
    pub fn diagnostic(&self) -> Option<strata_ir::Diagnostic> {
        match self {
            CodegenError::Trap { op, loc, message, .. } => {
                Some(strata_ir::Diagnostic::error(*loc, format!("'{op}' op {message}")))
            }
            _ => None,
        }
    }
}

/// Whether the ISA fuses multiply-add in hardware (else `fma` would become a libcall).
pub(crate) fn has_fma(isa: &dyn cranelift_codegen::isa::TargetIsa) -> bool {
    isa.name() == "aarch64" || isa.isa_flags().iter().any(|f| f.name == "has_fma" && f.as_bool() == Some(true))
}

/// What can go wrong turning loops into machine code.
#[derive(Debug, Error)]
pub enum CodegenError {
    /// An op, type or construct this code generator does not handle.
    #[error("in function @{function}: '{op}': {message}")]
    Unsupported { function: String, op: String, message: String },
    /// Cranelift rejected (or panicked on) a function we built: a bug on our side, reported
    /// with the function's name rather than a crash.
    #[error("in function @{function}: Cranelift failed: {message}")]
    Cranelift { function: String, message: String },
    #[error("target: {0}")]
    Target(String),
    #[error("module: {0}")]
    Module(String),
    #[error("running @{function}: {message}")]
    Run { function: String, message: String },
    /// The compiled code stopped at an op with no defined result (integer division by zero,
    /// a shift by the width or more, an allocation that failed): the same fault the
    /// interpreter reports, at the op's location.
    #[error("running @{function}: '{op}' {message}")]
    Trap { function: String, op: String, loc: strata_ir::Location, message: String },
    /// An entry point asked for by name that the module does not export.
    #[error("no public function @{name}; the module defines {}", list_functions(.known))]
    NoSuchEntry { name: String, known: Vec<String> },
}

/// `@a, @b`, or `none`.
fn list_functions(names: &[String]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    names.iter().map(|n| format!("@{n}")).collect::<Vec<_>>().join(", ")
}

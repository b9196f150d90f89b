//! The LLVM backend: loop-level Strata IR compiled by upstream MLIR 22 and LLVM 22 through
//! melior, for full-width vectors (AVX-512) where Cranelift stops at 128 bits.
//!
//! The flow, one concept per module:
//! 1. [`prepare`]: on a copy of the IR, math as our polynomials, fused multiply-adds, faults
//!    recorded in a flag, parallel nests outlined for the thread pool, weights out of the text;
//!    the module printed with locations.
//! 2. Upstream (feature `llvm`, [`mlir`]): the text parsed by MLIR, lowered to the `llvm` dialect
//!    by upstream's passes ([`PIPELINE`]), the [`wrappers`] added (entries with the same C ABI
//!    as the Cranelift backend's, parallel launchers), then LLVM's JIT (`ExecutionEngine`) at
//!    `-O2` for the host CPU, with `__strata_parallel_for` and the weights bound as symbols.
//! 3. [`compile_jit`]: a `strata_lowering::codegen::jit::Jit`, called exactly as Cranelift's
//!    (same packed contract, thread pool, traps as located errors).
//!
//! Without the feature the crate still prepares modules (that part is plain Strata and tested
//! everywhere) and [`compile_jit`] returns [`LlvmError::NotBuilt`].

mod error;
pub mod prepare;
pub mod wrappers;

#[cfg(feature = "llvm")]
mod builtins;
#[cfg(feature = "llvm")]
pub mod mlir;
#[cfg(feature = "llvm")]
pub mod object;

pub use error::LlvmError;

use strata_ir::{Context, Ir, OpId};
use strata_lowering::codegen::jit::{Jit, JitOptions};

/// Whether this build has the backend.
pub const AVAILABLE: bool = cfg!(feature = "llvm");

/// Bits in the widest vector register this machine's code may use: 512 with AVX-512, 256 with
/// AVX2, else 128 (what Cranelift has everywhere).
pub fn host_vector_bits() -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return 512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            return 256;
        }
    }
    128
}

/// Vector bits of a CPU named as clang's `-march` takes it: `x86-64-v4` 512, `x86-64-v3` 256,
/// `native` this machine's, anything else 128.
pub fn cpu_vector_bits(cpu: &str) -> u32 {
    match cpu {
        "native" => host_vector_bits(),
        "x86-64-v4" => 512,
        "x86-64-v3" => 256,
        _ => 128,
    }
}

/// Bytes of L1 data cache and of L2 per core of this machine (Linux's
/// `/sys/devices/system/cpu/cpu0/cache`), or `None` where they cannot be read.
pub fn host_cache_bytes() -> Option<(u64, u64)> {
    let dir = std::path::Path::new("/sys/devices/system/cpu/cpu0/cache");
    let (mut l1, mut l2) = (None, None);
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let read = |name: &str| std::fs::read_to_string(entry.path().join(name)).ok();
        let (Some(level), Some(kind), Some(size)) = (read("level"), read("type"), read("size")) else { continue };
        let Some(bytes) = parse_cache_size(&size) else { continue };
        match (level.trim(), kind.trim()) {
            ("1", "Data" | "Unified") => l1 = Some(bytes),
            ("2", "Data" | "Unified") => l2 = Some(bytes),
            _ => {}
        }
    }
    l1.zip(l2)
}

/// A size as sysfs writes it: `48K`, `2048K`, `1M`, or bytes.
fn parse_cache_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let scale = match unit {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

/// The pipeline that takes `nn` graphs to what this backend compiles for a machine with
/// `vector_bits`-bit registers: the Cranelift backend's
/// (`strata_lowering::codegen::default_pipeline`) with vectors that wide, and the GEMM's
/// micro-kernel and blockings made for those registers and this machine's caches
/// (`convert-nn-to-loops{vector-bits l1-bytes l2-bytes}`; the lowering's defaults where the
/// caches cannot be read), which `egraph-opt` prices its algorithms by.
pub fn pipeline(vector_bits: u32) -> String {
    pipeline_for(vector_bits, host_cache_bytes())
}

/// [`pipeline`] for caches of `caches` bytes (L1d, L2), or the lowering's defaults.
pub fn pipeline_for(vector_bits: u32, caches: Option<(u64, u64)>) -> String {
    let base = strata_lowering::codegen::default_pipeline(strata_lowering::codegen::Target::Host);
    widen(base, vector_bits, caches)
}

/// [`default_pipeline`] with `profile-kernels` run on the optimized graph before the lowering,
/// for [`compile_jit_profiled`].
pub fn profile_pipeline() -> String {
    let base = strata_lowering::codegen::profile_pipeline(strata_lowering::codegen::Target::Host);
    widen(&base, host_vector_bits(), host_cache_bytes())
}

/// The Cranelift backend's pipeline `base` made for `vector_bits`-bit registers and caches of
/// `caches` bytes.
fn widen(base: &str, vector_bits: u32, caches: Option<(u64, u64)>) -> String {
    let lanes = (vector_bits / 32).max(8);
    let caches = caches.map(|(l1, l2)| format!(" l1-bytes={l1} l2-bytes={l2}")).unwrap_or_default();
    let lower = strata_lowering::lower_to_loops_pipeline(&format!("vector-bits={vector_bits}{caches} prefetch=true"));
    base.replace("vectorize{width=8}", &format!("vectorize{{width={lanes}}}"))
        .replacen("lower-to-loops", &lower, 1)
        .replace("egraph-opt{target=", &format!("egraph-opt{{vector-bits={vector_bits} target="))
}

/// [`pipeline`] for this machine.
pub fn default_pipeline() -> String {
    pipeline(host_vector_bits())
}

/// Upstream's lowering from our loop level to the `llvm` dialect.
pub const PIPELINE: &str =
    "builtin.module(func.func(lower-vector-mask), convert-vector-to-scf, lower-affine, expand-realloc, convert-scf-to-cf, \
     expand-strided-metadata, finalize-memref-to-llvm, \
     convert-vector-to-llvm, convert-to-llvm, reconcile-unrealized-casts, canonicalize, cse)";

/// Compiles the public functions under `root` (a `builtin.module` at the loop level) that
/// `entries` names (all with `None`), and what they call, for this machine through MLIR and LLVM.
pub fn compile_jit(
    ctx: &Context,
    ir: &Ir,
    root: OpId,
    entries: Option<&[&str]>,
    options: JitOptions,
) -> Result<Jit, LlvmError> {
    compile(ctx, ir, root, entries, options, false)
}

/// As [`compile_jit`], with each kernel timed on every call, as
/// `strata_lowering::codegen::jit::Jit::compile_profiled` does (the graph must have been through
/// `profile-kernels` before `lower-to-loops`); read the events with `Jit::profile`.
pub fn compile_jit_profiled(
    ctx: &Context,
    ir: &Ir,
    root: OpId,
    entries: Option<&[&str]>,
    options: JitOptions,
) -> Result<Jit, LlvmError> {
    compile(ctx, ir, root, entries, options, true)
}

fn compile(
    ctx: &Context,
    ir: &Ir,
    root: OpId,
    entries: Option<&[&str]>,
    options: JitOptions,
    profiled: bool,
) -> Result<Jit, LlvmError> {
    #[cfg(feature = "llvm")]
    {
        mlir::compile_jit(ctx, ir, root, entries, options, profiled)
    }
    #[cfg(not(feature = "llvm"))]
    {
        let _ = (ctx, ir, root, entries, options, profiled);
        Err(LlvmError::NotBuilt)
    }
}

/// An x86-64 object of the public functions under `root` that `entries` names (all with
/// `None`), exporting `<name>_<function>` with the C ABI of the Cranelift backend's objects,
/// compiled for `cpu` (`native`, `x86-64-v3`, `x86-64-v4`, …): see [`object`].
pub fn emit_object(
    ctx: &Context,
    ir: &Ir,
    root: OpId,
    name: &str,
    cpu: &str,
    entries: Option<&[&str]>,
) -> Result<strata_lowering::codegen::object::ObjectArtifacts, LlvmError> {
    #[cfg(feature = "llvm")]
    {
        object::emit_object(ctx, ir, root, name, cpu, entries)
    }
    #[cfg(not(feature = "llvm"))]
    {
        let _ = (ctx, ir, root, name, cpu, entries);
        Err(LlvmError::NotBuilt)
    }
}

/// Runs a pipeline of upstream MLIR's passes on `m` and reads the result back (see
/// [`mlir::run_upstream_pipeline`]).
pub fn run_upstream_pipeline(
    ctx: &Context,
    m: &strata_ir::Module,
    pipeline: &str,
) -> Result<strata_ir::Module, LlvmError> {
    #[cfg(feature = "llvm")]
    {
        mlir::run_upstream_pipeline(ctx, m, pipeline)
    }
    #[cfg(not(feature = "llvm"))]
    {
        let _ = (ctx, m, pipeline);
        Err(LlvmError::NotBuilt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_sizes_read_as_sysfs_writes_them() {
        assert_eq!(parse_cache_size("48K\n"), Some(48 << 10));
        assert_eq!(parse_cache_size("2048K"), Some(2 << 20));
        assert_eq!(parse_cache_size("1M"), Some(1 << 20));
        assert_eq!(parse_cache_size("32768"), Some(32768));
        assert_eq!(parse_cache_size("12Q"), None);
        assert_eq!(parse_cache_size("K"), None);
    }

    /// The pipeline is valid, and gives the lowering and the cost model the vector width and
    /// the caches.
    #[test]
    fn the_pipeline_carries_the_kernel_options() {
        let text = pipeline_for(512, Some((32 << 10, 1 << 20)));
        let mut registry = strata_ir::pass::PassRegistry::new();
        strata_passes::register_all(&mut registry);
        strata_lowering::register_all(&mut registry);
        let pm = registry.parse_pipeline(&text).unwrap_or_else(|e| panic!("{text}: {}", e.message));
        let all = pm.to_text(false);
        for want in ["vector-bits=512 l1-bytes=32768 l2-bytes=1048576", "vectorize{width=16}"] {
            assert!(all.contains(want), "{want} not in {all}");
        }
        assert!(all.matches("vector-bits=512").count() == 2, "{all}");
        let plain = pipeline_for(128, None);
        assert!(registry.parse_pipeline(&plain).is_ok(), "{plain}");
    }
}

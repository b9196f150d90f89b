//! x86-64 objects through LLVM, linked by the same C drivers and callable through the same C
//! header as the Cranelift backend's (`strata_lowering::codegen::object`).
//!
//! The lowered module is translated to LLVM IR by MLIR and compiled by `clang-22` (LLVM 22,
//! the version MLIR's output is written for) at `-O2` (as the JIT: see `mlir::OPT_LEVEL`) for a chosen CPU (`-march`: `native`,
//! `x86-64-v3` for AVX2, `x86-64-v4` for AVX-512). Weights stay out of the IR: they are
//! assembled from a binary file with `.incbin` into a second object, and the two are joined
//! into one relocatable object (`clang -r`).

use std::path::Path;
use std::process::Command;

use strata_ir::{Context, Ir, OpId};
use strata_lowering::codegen::header::c_header;
use strata_lowering::codegen::object::ObjectArtifacts;

use crate::mlir::{lower, Session};
use crate::prepare::{self, weights::Weight};
use crate::LlvmError;

/// The compiler that takes MLIR's LLVM IR to machine code.
pub const CLANG: &str = "clang-22";

/// Compiles the public functions under `root` that `entries` names (all with `None`) into an
/// object exporting `<name>_<function>` for `cpu` (`-march=` of clang: `native`, `x86-64-v3`,
/// `x86-64-v4`, …).
pub fn emit_object(
    ctx: &Context,
    ir: &Ir,
    root: OpId,
    name: &str,
    cpu: &str,
    entries: Option<&[&str]>,
) -> Result<ObjectArtifacts, LlvmError> {
    let prepared = prepare::prepare(ctx, ir, root, entries, name, false, 1)?;
    let session = Session::new();
    let llvm_ir = {
        let module = lower(&session, ctx, &prepared)?;
        crate::mlir::to_llvm_ir(&session, ctx, &module)?
    };
    let dir = tempfile::tempdir().map_err(|e| LlvmError::Engine(format!("a temporary directory: {e}")))?;
    let at = |f: &str| dir.path().join(f);
    std::fs::write(at("module.ll"), &llvm_ir).map_err(|e| LlvmError::Engine(format!("module.ll: {e}")))?;
    clang(&["-c", "-O2", &format!("-march={cpu}"), "-fPIC", "module.ll", "-o", "code.o"], dir.path())?;
    let mut objects = vec!["code.o".to_string()];
    if !prepared.weights.is_empty() {
        write_weights(&prepared.weights, dir.path())?;
        clang(&["-c", "weights.s", "-o", "weights.o"], dir.path())?;
        clang(&["-r", "code.o", "weights.o", "-o", "module.o"], dir.path())?;
        objects = vec!["module.o".to_string()];
    }
    let object = std::fs::read(at(&objects[0])).map_err(|e| LlvmError::Engine(format!("the object: {e}")))?;
    let traps: Vec<String> = prepared.trap_sites.iter().map(|t| t.describe(ctx)).collect();
    let listing = format!(
        "; '{name}' was compiled by LLVM (clang -O2 -march={cpu}); disassemble the object for its \
         machine code: objdump -d --no-show-raw-insn {name}.o\n"
    );
    Ok(ObjectArtifacts {
        object,
        header: c_header(&prepared.entries, name, &traps),
        listing,
        entries: prepared.entries,
        trap_sites: prepared.trap_sites,
    })
}

/// Runs clang in `dir`; its diagnostics become the error.
fn clang(args: &[&str], dir: &Path) -> Result<(), LlvmError> {
    let out = Command::new(CLANG)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| LlvmError::Engine(format!("{CLANG}: {e} (Debian: apt install clang-22)")))?;
    if !out.status.success() {
        return Err(LlvmError::Engine(format!(
            "{CLANG} {}:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}

/// `weights.bin` with every weight at a 64-byte boundary, and `weights.s` defining each symbol
/// over its bytes (read-only data).
fn write_weights(weights: &[Weight], dir: &Path) -> Result<(), LlvmError> {
    let mut bin = Vec::new();
    let mut asm = String::from("  .section .rodata\n");
    for w in weights {
        while bin.len() % 64 != 0 {
            bin.push(0);
        }
        asm.push_str(&format!(
            "  .globl {s}\n  .p2align 6\n  .type {s},@object\n  .size {s},{n}\n{s}:\n  .incbin \"weights.bin\",{off},{n}\n",
            s = w.symbol,
            n = w.len(),
            off = bin.len()
        ));
        bin.extend_from_slice(w.bytes());
    }
    asm.push_str("  .section .note.GNU-stack,\"\",@progbits\n");
    let write = |f: &str, b: &[u8]| std::fs::write(dir.join(f), b).map_err(|e| LlvmError::Engine(format!("{f}: {e}")));
    write("weights.bin", &bin)?;
    write("weights.s", asm.as_bytes())
}

//! `strata-translate`: compile a module to an object file for x86-64 or AArch64, with its C
//! header and a listing of the machine code.
//!
//! ```text
//! strata-translate FILE --target x86-64|aarch64 -o OUT.o [--header OUT.h] [--listing OUT.txt]
//!                  [--backend cranelift|llvm [--cpu native|x86-64-v3|x86-64-v4]]
//!                  [--pass-pipeline P] [--entry NAME]...
//! ```
//!
//! The listing is Cranelift's, for reading; no assembler accepts it (`--asm` is an old name of
//! `--listing`). Outputs are written whole or not at all: each goes to a temporary file beside
//! it, and all are renamed into place once every one is complete, so a failure or an interrupt
//! leaves the old files as they were (`crate::output`).
//!
//! Graph-level modules are lowered first with the target's default pipeline (see
//! `strata_lowering::codegen::default_pipeline`) unless `--pass-pipeline` is given. The ABI of
//! the exported functions is described in `strata_lowering::codegen`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use strata_ir::pass::PassManager;
use strata_ir::Context;
use strata_lowering::codegen::object::emit_object;
use strata_lowering::codegen::{default_pipeline, Target};

use crate::output::Staged;

#[derive(Parser, Debug)]
#[command(
    name = "strata-translate",
    version,
    about = "Compile a module to an object file, a C header and a machine-code listing"
)]
pub struct TranslateArgs {
    /// The IR file.
    pub file: String,
    /// x86-64 or aarch64.
    #[arg(long)]
    pub target: String,
    /// The code generator: cranelift (the default) or llvm (x86-64 only, through upstream MLIR
    /// and clang-22; builds with the `llvm` feature).
    #[arg(long, default_value = "cranelift", value_parser = ["cranelift", "llvm"])]
    pub backend: String,
    /// The CPU the llvm backend compiles for, as clang's -march takes it: native, x86-64-v3
    /// (AVX2), x86-64-v4 (AVX-512), ...
    #[arg(long, default_value = "native")]
    pub cpu: String,
    /// The object file to write.
    #[arg(short = 'o', value_name = "OUT.o")]
    pub output: PathBuf,
    /// Where to write the C header declaring the entry points.
    #[arg(long, value_name = "OUT.h")]
    pub header: Option<PathBuf>,
    /// Where to write a listing of the machine code, for reading (Cranelift's notation: not
    /// assembler input).
    #[arg(long, alias = "asm", value_name = "OUT.txt")]
    pub listing: Option<PathBuf>,
    /// The pass pipeline that lowers the module (default: the target's, for graph modules).
    #[arg(long = "pass-pipeline", value_name = "PIPELINE")]
    pub pass_pipeline: Option<String>,
    /// Compile only these public functions and what they call (default: every function); a
    /// name the module does not export is an error.
    #[arg(long)]
    pub entry: Vec<String>,
    #[command(flatten)]
    pub import: crate::import::ImportArgs,
}

/// Runs `strata-translate` with `args` (the first is the program name).
pub fn main(args: impl IntoIterator<Item = String>) -> ExitCode {
    crate::run_cli(args, translate)
}

fn translate(ctx: &Context, args: &TranslateArgs) -> Result<(), String> {
    if args.target == "cuda" {
        return translate_cuda(ctx, args);
    }
    let target = match Target::parse(&args.target) {
        Some(Target::Host) | None => {
            return Err(format!("error: unknown target '{}'; targets are x86-64, aarch64, cuda", args.target))
        }
        Some(t) => t,
    };
    let llvm = args.backend == "llvm";
    if llvm && target != Target::X86_64 {
        return Err("error: --backend llvm writes x86-64 objects only".into());
    }
    if llvm && !strata_llvm::AVAILABLE {
        return Err(format!("error: {}", strata_llvm::LlvmError::NotBuilt));
    }
    let (mut m, renderer) = crate::load_module(ctx, &args.file, &args.import)?;
    if args.pass_pipeline.is_none() && !args.entry.is_empty() {
        let entries: Vec<&str> = args.entry.iter().map(String::as_str).collect();
        // An unknown entry is reported by the object writer, which names the known ones.
        if entries.iter().all(|e| strata_runtime::functions(ctx, &m.ir, m.root).iter().any(|(n, _)| n == e)) {
            strata_lowering::keep_reachable(ctx, &mut m.ir, m.root, &entries);
        }
    }
    let llvm_pipeline = llvm.then(|| strata_llvm::pipeline(strata_llvm::cpu_vector_bits(&args.cpu)));
    let pipeline = args.pass_pipeline.as_deref().or(llvm_pipeline.as_deref()).unwrap_or(default_pipeline(target));
    let registry = crate::pass_registry();
    let root = registry.parse_pipeline(pipeline).map_err(|e| e.render(pipeline))?;
    PassManager::new(root).run(ctx, &mut m.ir, m.root).map_err(|f| renderer.render(ctx, &f.diagnostic))?;
    let name = args.output.file_stem().and_then(|s| s.to_str()).unwrap_or("module").to_string();
    let entries: Vec<&str> = args.entry.iter().map(String::as_str).collect();
    let only = (!entries.is_empty()).then_some(entries.as_slice());
    let artifacts = if llvm {
        strata_llvm::emit_object(ctx, &m.ir, m.root, &name, &args.cpu, only)
            .map_err(|e| crate::render_llvm_error(ctx, &renderer, &e))?
    } else {
        emit_object(ctx, &m.ir, m.root, target, &name, false, only).map_err(|e| format!("error: {e}"))?
    };
    let outputs = [
        Some((&args.output, artifacts.object.as_slice())),
        args.header.as_ref().map(|h| (h, artifacts.header.as_bytes())),
        args.listing.as_ref().map(|l| (l, artifacts.listing.as_bytes())),
    ];
    write_all(outputs.into_iter().flatten())
}

/// `--target cuda`: the PTX of every kernel (`-o`) and, with `--listing`, the kernels and
/// their launches.
fn translate_cuda(ctx: &Context, args: &TranslateArgs) -> Result<(), String> {
    if args.backend != "cranelift" || args.header.is_some() {
        return Err("error: --target cuda writes PTX (-o) and a listing; it takes no --backend or --header".into());
    }
    let sm = match args.cpu.as_str() {
        "native" | "sm_90" => 90,
        "sm_80" => 80,
        other => return Err(format!("error: --cpu {other}: PTX is written for sm_80 or sm_90")),
    };
    let (mut m, renderer) = crate::load_module(ctx, &args.file, &args.import)?;
    let pipeline = args.pass_pipeline.as_deref().unwrap_or(strata_lowering::gpu::cuda_pipeline());
    let registry = crate::pass_registry();
    let root = registry.parse_pipeline(pipeline).map_err(|e| e.render(pipeline))?;
    PassManager::new(root).run(ctx, &mut m.ir, m.root).map_err(|f| renderer.render(ctx, &f.diagnostic))?;
    let ptx =
        strata_lowering::ptx::emit(ctx, &m.ir, m.root, strata_lowering::ptx::PtxTarget { sm }).map_err(|e| match e
            .diagnostic()
        {
            Some(d) => renderer.render(ctx, &d),
            None => format!("error: {e}"),
        })?;
    let listing = strata_lowering::ptx::listing(ctx, &m.ir, m.root, &ptx);
    let outputs = [Some((&args.output, ptx.text.as_bytes())), args.listing.as_ref().map(|l| (l, listing.as_bytes()))];
    write_all(outputs.into_iter().flatten())
}

/// Writes every file complete before any replaces its old version: they describe one build.
fn write_all<'p>(outputs: impl Iterator<Item = (&'p PathBuf, &'p [u8])>) -> Result<(), String> {
    let mut staged = Vec::new();
    for (path, bytes) in outputs {
        let mut file = Staged::create(path).map_err(|e| format!("error: {e}"))?;
        file.write_all(bytes).map_err(|e| format!("error: {}: {e}", path.display()))?;
        staged.push(file);
    }
    for file in staged {
        file.commit().map_err(|e| format!("error: {e}"))?;
    }
    Ok(())
}

//! `strata-translate`: compile a module to an object file for x86-64 or AArch64, with its C
//! header and an assembly listing.
//!
//! ```text
//! strata-translate FILE --target x86-64|aarch64 -o OUT.o [--header OUT.h] [--asm OUT.s]
//!                  [--pass-pipeline P] [--entry NAME]...
//! ```
//!
//! Graph-level modules are lowered first with the target's default pipeline (see
//! `strata_lowering::codegen::default_pipeline`) unless `--pass-pipeline` is given. The ABI of
//! the exported functions is described in `strata_lowering::codegen`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use strata_ir::pass::PassManager;
use strata_ir::Context;
use strata_lowering::codegen::object::emit_object;
use strata_lowering::codegen::{default_pipeline, Target};

#[derive(Parser, Debug)]
#[command(name = "strata-translate", about = "Compile a module to an object file, a C header and assembly")]
pub struct TranslateArgs {
    /// The IR file.
    pub file: String,
    /// x86-64 or aarch64.
    #[arg(long)]
    pub target: String,
    /// The object file to write.
    #[arg(short = 'o', value_name = "OUT.o")]
    pub output: PathBuf,
    /// Where to write the C header declaring the entry points.
    #[arg(long, value_name = "OUT.h")]
    pub header: Option<PathBuf>,
    /// Where to write the assembly listing.
    #[arg(long, value_name = "OUT.s")]
    pub asm: Option<PathBuf>,
    /// The pass pipeline that lowers the module (default: the target's, for graph modules).
    #[arg(long = "pass-pipeline", value_name = "PIPELINE")]
    pub pass_pipeline: Option<String>,
    /// Compile only these functions and what they call (default: every function).
    #[arg(long)]
    pub entry: Vec<String>,
}

/// Runs `strata-translate` with `args` (the first is the program name).
pub fn main(args: impl IntoIterator<Item = String>) -> ExitCode {
    crate::run_cli(args, translate)
}

fn translate(ctx: &Context, args: &TranslateArgs) -> Result<(), String> {
    let target = match Target::parse(&args.target) {
        Some(Target::Host) | None => {
            return Err(format!("error: unknown target '{}'; targets are x86-64, aarch64", args.target))
        }
        Some(t) => t,
    };
    let (mut m, renderer) = crate::load_module(ctx, &args.file)?;
    let pipeline = args.pass_pipeline.as_deref().unwrap_or(default_pipeline(target));
    let registry = crate::pass_registry();
    let root = registry.parse_pipeline(pipeline).map_err(|e| e.render(pipeline))?;
    PassManager::new(root).run(ctx, &mut m.ir, m.root).map_err(|f| renderer.render(ctx, &f.diagnostic))?;
    let name = args.output.file_stem().and_then(|s| s.to_str()).unwrap_or("module").to_string();
    let entries: Vec<&str> = args.entry.iter().map(String::as_str).collect();
    let only = (!entries.is_empty()).then_some(entries.as_slice());
    let artifacts = emit_object(ctx, &m.ir, m.root, target, &name, false, only).map_err(|e| format!("error: {e}"))?;
    let write = |path: &PathBuf, bytes: &[u8]| {
        std::fs::write(path, bytes).map_err(|e| format!("error: {}: {e}", path.display()))
    };
    write(&args.output, &artifacts.object)?;
    if let Some(h) = &args.header {
        write(h, artifacts.header.as_bytes())?;
    }
    if let Some(a) = &args.asm {
        write(a, artifacts.asm.as_bytes())?;
    }
    Ok(())
}

//! Strata's tools as a library, so that another crate can build its own `my-opt` on the same
//! driver with its own dialects and passes registered.

pub mod expectations;
pub mod lit;
pub mod opt;
pub mod plugins;
pub mod run;
pub mod translate;

/// The common frame of a command-line tool: parse `args` (clap prints help and usage errors),
/// register the dialects, run `body`, and turn its error into a message on stderr and exit
/// status 1.
pub fn run_cli<A: clap::Parser>(
    args: impl IntoIterator<Item = String>,
    body: impl FnOnce(&strata_ir::Context, &A) -> Result<(), String>,
) -> std::process::ExitCode {
    let args = match A::try_parse_from(args) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { std::process::ExitCode::FAILURE } else { std::process::ExitCode::SUCCESS };
        }
    };
    let mut ctx = strata_ir::Context::new();
    strata_dialects::register_all(&mut ctx);
    match body(&ctx, &args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{}", message.trim_end());
            std::process::ExitCode::FAILURE
        }
    }
}

/// `file` read, parsed and verified, with a renderer for diagnostics on it; errors rendered.
pub fn load_module(
    ctx: &strata_ir::Context,
    file: &str,
) -> Result<(strata_ir::Module, strata_ir::DiagnosticRenderer), String> {
    let src = std::fs::read_to_string(file).map_err(|e| format!("error: {file}: {e}"))?;
    let mut renderer = strata_ir::DiagnosticRenderer::new();
    renderer.add_source(file, &src);
    let m = strata_ir::parse_source(ctx, file, &src, &strata_ir::ParseOptions::default())
        .and_then(|m| strata_ir::verify(ctx, &m.ir, m.root).map(|_| m))
        .map_err(|d| renderer.render(ctx, &d))?;
    Ok((m, renderer))
}

/// Every pass of the project: the standard ones and the lowerings.
pub fn pass_registry() -> strata_ir::pass::PassRegistry {
    let mut registry = strata_ir::pass::PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    registry
}

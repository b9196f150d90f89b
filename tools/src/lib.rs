//! Strata's tools as a library, so that another crate can build its own `my-opt` on the same
//! driver with its own dialects and passes registered.

pub mod expectations;
pub mod fastrun;
pub mod import;
pub mod lit;
pub mod opt;
pub mod output;
pub mod plugins;
pub mod profile;
pub mod progress;
pub mod run;
pub mod translate;

/// The common frame of a command-line tool: parse `args` (clap prints help and usage errors),
/// install the signal handler, register the dialects, run `body`, and turn its error into a
/// message on stderr and exit status 1.
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
    install_signal_handler();
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

/// Makes SIGINT, SIGTERM and SIGHUP end the tool cleanly: children it started are ended and
/// its temporary files and directories deleted before it exits with 128 + the signal (130 for
/// Ctrl-C). See `strata_lowering::codegen::driver::cleanup`. If the handler cannot be
/// installed, the tool goes on with the default behaviour and says so.
pub fn install_signal_handler() {
    if let Err(e) = strata_lowering::codegen::driver::cleanup::install() {
        eprintln!("warning: cannot handle signals ({e}); an interrupt may leave temporary files behind");
    }
}

/// `file` read, parsed and verified (or, for a `.onnx` model, imported), with a renderer for
/// diagnostics on it; errors rendered.
pub fn load_module(
    ctx: &strata_ir::Context,
    file: &str,
    import: &import::ImportArgs,
) -> Result<(strata_ir::Module, strata_ir::DiagnosticRenderer), String> {
    if import::is_onnx(file) {
        return Ok((import::import(ctx, file, import)?, strata_ir::DiagnosticRenderer::new()));
    }
    let src: std::sync::Arc<str> = std::fs::read_to_string(file).map_err(|e| format!("error: {file}: {e}"))?.into();
    let mut renderer = strata_ir::DiagnosticRenderer::new();
    renderer.add_source(file, src.clone());
    let m = strata_ir::parse_source(ctx, file, &src, &strata_ir::ParseOptions::default())
        .and_then(|m| strata_ir::verify(ctx, &m.ir, m.root).map(|_| m))
        .map_err(|d| renderer.render(ctx, &d))?;
    Ok((m, renderer))
}

/// An error of the LLVM backend as the tools print it: at its place in the user's file with the
/// source line when it has one, else one `error:` line.
pub fn render_llvm_error(
    ctx: &strata_ir::Context,
    renderer: &strata_ir::DiagnosticRenderer,
    e: &strata_llvm::LlvmError,
) -> String {
    match e.diagnostic() {
        Some(d) => renderer.render(ctx, &d),
        None => format!("error: {e}"),
    }
}

/// Every pass of the project: the standard ones and the lowerings, `egraph-opt` able to
/// measure on this machine (Fast-Run).
pub fn pass_registry() -> strata_ir::pass::PassRegistry {
    let mut registry = strata_ir::pass::PassRegistry::new();
    register_passes(&mut registry);
    registry
}

/// Adds [`pass_registry`]'s passes to `registry` (a tool's `main` with passes of its own).
pub fn register_passes(registry: &mut strata_ir::pass::PassRegistry) {
    // Before the standard passes, whose registration keeps the first of a name.
    let _ = registry.register(strata_passes::egraph::info_with(Some(fastrun::factory())));
    strata_passes::register_all(registry);
    strata_lowering::register_all(registry);
}

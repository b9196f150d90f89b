//! Strata's tools as a library, so that another crate can build its own `my-opt` on the same
//! driver with its own dialects and passes registered.

pub mod expectations;
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

/// Erases the functions that none of `entries` reaches through calls: what is compiled for
/// them, so another function of the file that the code generator cannot take does not stop
/// them.
pub fn keep_reachable(ctx: &strata_ir::Context, m: &mut strata_ir::Module, entries: &[&str]) {
    let funcs: std::collections::HashMap<String, strata_ir::OpId> =
        strata_runtime::functions(ctx, &m.ir, m.root).into_iter().collect();
    let mut seen = std::collections::HashSet::new();
    let mut work: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
    while let Some(name) = work.pop() {
        let Some(&f) = funcs.get(&name).filter(|_| seen.insert(name.clone())) else { continue };
        for op in m.ir.collect_ops(f) {
            if let Some(callee) = m.ir.op(op).attr(ctx.ident("callee")).and_then(|a| ctx.attr_as_symbol(a)) {
                work.push(callee.to_string());
            }
        }
    }
    for (name, f) in funcs {
        if !seen.contains(&name) {
            m.ir.erase_op(f);
        }
    }
}

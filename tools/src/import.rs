//! ONNX models as input to every tool: `strata-import` writes the imported module, and
//! `strata-opt`, `strata-run` and `strata-translate` import a `.onnx` file on the fly, with the
//! same `--input-shape` flags.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use strata_ir::{Context, Module, PrintOptions};

/// The flags of an import, shared by the tools that take models.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ImportArgs {
    /// The shape of a graph input, fixing its symbolic dimensions (a dynamic batch):
    /// `NAME=1x3x224x224`. Repeat for several inputs.
    #[arg(long = "input-shape", value_name = "NAME=SHAPE")]
    pub input_shapes: Vec<String>,
}

/// Whether `file` is an ONNX model (by its extension, as onnxruntime and the exporters name them).
pub fn is_onnx(file: &str) -> bool {
    std::path::Path::new(file).extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx"))
}

/// The model in `file` imported, or the error as the tools print it.
pub fn import(ctx: &Context, file: &str, args: &ImportArgs) -> Result<Module, String> {
    let input_shapes = args
        .input_shapes
        .iter()
        .map(|s| strata_onnx::parse_input_shape(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("error: --input-shape {e}"))?;
    let progress = crate::progress::Progress::new("importing", file);
    let set = |done, total| progress.set(done, total);
    let opts = strata_onnx::ImportOptions { input_shapes, input_values: Vec::new(), progress: Some(&set) };
    let result = strata_onnx::import_file(ctx, file.as_ref(), &opts);
    progress.finish();
    result.map_err(|e| format!("error: {file}: {e}"))
}

#[derive(Parser, Debug, Clone)]
#[command(name = "strata-import", version, about = "Import an ONNX model as a function of nn ops")]
pub struct ImportCli {
    /// The model (`.onnx`).
    pub model: String,
    /// Where the module goes (`-`: standard output). Replaced whole, and only on success.
    #[arg(short = 'o', default_value = "-")]
    pub output: PathBuf,
    #[command(flatten)]
    pub import: ImportArgs,
    /// Print locations (each op's ONNX node name).
    #[arg(long = "mlir-print-debuginfo")]
    pub debug_info: bool,
}

/// Runs `strata-import` with `args` (the first is the program name).
pub fn main(args: impl IntoIterator<Item = String>) -> ExitCode {
    crate::run_cli(args, |ctx, args: &ImportCli| {
        let m = import(ctx, &args.model, &args.import)?;
        let text = strata_ir::print_module(
            ctx,
            &m,
            &PrintOptions { generic: false, debug_info: args.debug_info, ..Default::default() },
        );
        if args.output.as_os_str() == "-" {
            print!("{text}");
            return Ok(());
        }
        crate::output::write_atomic(&args.output, text.as_bytes()).map_err(|e| format!("error: {e}"))
    })
}

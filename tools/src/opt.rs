//! The `strata-opt` driver: read, verify and print MLIR, with mlir-opt's flag names.
//!
//! A tool with extra dialects calls [`run`] with its own registration function:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     strata_tools::opt::run(std::env::args_os(), |ctx| strata_dialects::register_all(ctx))
//! }
//! ```

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::ExitCode;

use clap::Parser;
use strata_ir::{
    parse_source, print_module, verify, Context, Diagnostic, DiagnosticRenderer, ParseOptions, PrintOptions,
};

use crate::expectations::{check, parse_expectations};

/// Command line of `strata-opt` (mlir-opt's flag names).
#[derive(Parser, Debug)]
#[command(name = "strata-opt", version, about = "Reads, verifies and prints MLIR: Strata's mlir-opt")]
pub struct OptArgs {
    /// Input file (`-` for standard input).
    #[arg(default_value = "-")]
    pub input: String,
    /// Output file (`-` for standard output).
    #[arg(short = 'o', default_value = "-")]
    pub output: String,
    /// Accept operations of dialects that are not registered.
    #[arg(long = "allow-unregistered-dialect")]
    pub allow_unregistered_dialect: bool,
    /// Print every operation in the generic form.
    #[arg(long = "mlir-print-op-generic")]
    pub print_op_generic: bool,
    /// Print locations.
    #[arg(long = "mlir-print-debuginfo")]
    pub print_debuginfo: bool,
    /// Treat each `// -----` separated piece of the input as its own file.
    #[arg(long = "split-input-file")]
    pub split_input_file: bool,
    /// Check diagnostics against `expected-*` comments instead of reporting them.
    #[arg(long = "verify-diagnostics")]
    pub verify_diagnostics: bool,
    /// Do not wrap the input in an implicit `builtin.module`.
    #[arg(long = "no-implicit-module")]
    pub no_implicit_module: bool,
}

/// A piece of the input and the line it starts on.
struct Chunk<'a> {
    text: &'a str,
    first_line: u32,
}

fn split(src: &str, enabled: bool) -> Vec<Chunk<'_>> {
    if !enabled {
        return vec![Chunk { text: src, first_line: 1 }];
    }
    let mut chunks = Vec::new();
    let (mut start, mut first_line, mut line) = (0usize, 1u32, 1u32);
    let mut offset = 0usize;
    for l in src.split_inclusive('\n') {
        if l.trim_end() == "// -----" {
            chunks.push(Chunk { text: &src[start..offset], first_line });
            start = offset + l.len();
            first_line = line + 1;
        }
        offset += l.len();
        line += 1;
    }
    chunks.push(Chunk { text: &src[start..], first_line });
    chunks
}

/// Parses the arguments and runs; `register` adds the dialects the tool knows.
pub fn run(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    register: impl FnOnce(&mut Context),
) -> ExitCode {
    let args = match OptArgs::try_parse_from(args) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::FAILURE } else { ExitCode::SUCCESS };
        }
    };
    let mut ctx = Context::new();
    register(&mut ctx);
    // Deeply nested input recurses; a large stack keeps that inside our nesting limits.
    let worker = std::thread::Builder::new().stack_size(256 << 20).spawn(move || process(&ctx, &args));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("strata-opt: internal error");
            ExitCode::FAILURE
        }
    }
}

fn read_input(path: &str) -> Result<Vec<u8>, String> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map_err(|e| format!("<stdin>: {e}"))?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(|e| format!("{path}: could not open input file: {e}"))
    }
}

fn process(ctx: &Context, args: &OptArgs) -> ExitCode {
    let bytes = match read_input(&args.input) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let file = if args.input == "-" { "<stdin>" } else { args.input.as_str() };
    let src = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
            let col = upto.len() - upto.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
            eprintln!("{file}:{line}:{col}: error: input is not valid UTF-8");
            return ExitCode::FAILURE;
        }
    };
    let mut renderer = DiagnosticRenderer::new();
    renderer.add_source(file, &src);
    let parse_opts = |first_line| ParseOptions {
        allow_unregistered: args.allow_unregistered_dialect,
        implicit_module: !args.no_implicit_module,
        first_line,
    };
    let print_opts = PrintOptions { generic: args.print_op_generic, debug_info: args.print_debuginfo };
    let mut outputs = Vec::new();
    let mut failed = false;
    for chunk in split(&src, args.split_input_file) {
        let result = parse_source(ctx, file, chunk.text, &parse_opts(chunk.first_line))
            .and_then(|m| verify(ctx, &m.ir, m.root).map(|_| m));
        let diags: Vec<Diagnostic> = match &result {
            Ok(m) => {
                outputs.push(print_module(ctx, m, &print_opts));
                Vec::new()
            }
            Err(d) => vec![d.clone()],
        };
        if args.verify_diagnostics {
            let mut expected = match parse_expectations(chunk.text, chunk.first_line) {
                Ok(e) => e,
                Err(msg) => {
                    eprintln!("{file}: error: {msg}");
                    failed = true;
                    continue;
                }
            };
            for problem in check(ctx, file, &diags, &mut expected) {
                eprintln!("{problem}");
                failed = true;
            }
        } else if let Some(d) = diags.first() {
            eprint!("{}", renderer.render(ctx, d));
            failed = true;
        }
    }
    let text = outputs.join("// -----\n");
    let written = if args.output == "-" {
        std::io::stdout().write_all(text.as_bytes())
    } else {
        std::fs::write(&args.output, text.as_bytes())
    };
    if let Err(e) = written {
        eprintln!("error: {}: {e}", args.output);
        return ExitCode::FAILURE;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

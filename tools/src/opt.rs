//! The `strata-opt` driver: read, verify, transform and print MLIR, with mlir-opt's flag names.
//!
//! A tool with its own dialects and passes calls [`run`] with a registration function:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     strata_tools::opt::run(std::env::args_os(), |ctx, passes| {
//!         strata_dialects::register_all(ctx);
//!         strata_passes::register_all(passes);
//!     })
//! }
//! ```
//!
//! Passes are given as `--pass-pipeline='builtin.module(func.func(cse))'` or as flags of their
//! own (`--canonicalize --cse='...'`), which nest implicitly where a pass is restricted to an op.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{CommandFactory, FromArgMatches, Parser};
use strata_ir::pass::pipeline::{self, Element};
use strata_ir::pass::{
    install_quiet_panic_hook, nearest, Anchor, IrPrinting, OpPassManager, PassFilter, PassManager, PassRegistry,
    TimingFormat,
};
use strata_ir::{
    parse_source, print_module, verify, Context, Diagnostic, DiagnosticRenderer, ParseOptions, PrintOptions,
};

use crate::expectations::{check, parse_expectations};
use crate::plugins::{load_dialect_plugin, load_pass_plugin};

/// Command line of `strata-opt` (mlir-opt's flag names).
#[derive(Parser, Debug)]
#[command(name = "strata-opt", version, about = "Reads, verifies, transforms and prints MLIR: Strata's mlir-opt")]
pub struct OptArgs {
    /// Input file (`-` for standard input).
    #[arg(default_value = "-")]
    pub input: String,
    /// Output file (`-` for standard output).
    #[arg(short = 'o', default_value = "-")]
    pub output: String,
    #[command(flatten)]
    pub import: crate::import::ImportArgs,
    /// Accept operations of dialects that are not registered.
    #[arg(long = "allow-unregistered-dialect", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub allow_unregistered_dialect: bool,
    /// Print every operation in the generic form.
    #[arg(long = "mlir-print-op-generic", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub print_op_generic: bool,
    /// Print attributes and types where they are used, without alias definitions.
    #[arg(long = "mlir-print-local-scope", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub print_local_scope: bool,
    /// Print `dense` attributes of more than N elements (not splats) as `dense_resource<__elided__>`.
    #[arg(long = "mlir-elide-elementsattrs-if-larger", value_name = "N")]
    pub elide_elements_if_larger: Option<u64>,
    /// Print integer, index, float and complex `dense` attributes of more than N elements (not
    /// splats) as their raw data in hexadecimal, as mlir-opt does; -1 never does, and other
    /// negative limits always do (as in mlir-opt).
    #[arg(long = "mlir-print-elementsattrs-with-hex-if-larger", value_name = "N", default_value_t = strata_ir::printer::HEX_ELEMENTS_IF_LARGER as i64, allow_negative_numbers = true)]
    pub hex_elements_if_larger: i64,
    /// List the registered dialects and stop.
    #[arg(long = "show-dialects", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub show_dialects: bool,
    /// Print locations.
    #[arg(long = "mlir-print-debuginfo", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub print_debuginfo: bool,
    /// Treat each `// -----` separated piece of the input as its own file.
    #[arg(long = "split-input-file", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub split_input_file: bool,
    /// Check diagnostics against `expected-*` comments instead of reporting them.
    #[arg(long = "verify-diagnostics", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub verify_diagnostics: bool,
    /// Do not wrap the input in an implicit `builtin.module`.
    #[arg(long = "no-implicit-module", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub no_implicit_module: bool,
    /// The pass pipeline to run, e.g. `builtin.module(func.func(canonicalize,cse))`.
    #[arg(long = "pass-pipeline", short = 'p', value_name = "PIPELINE")]
    pub pass_pipeline: Option<String>,
    /// After --pass-pipeline, run this pipeline of upstream MLIR's passes (builds with the `llvm`
    /// feature): the module is handed to MLIR 22 and read back, e.g.
    /// `builtin.module(func.func(canonicalize), convert-scf-to-cf)`.
    #[arg(long = "upstream-pass-pipeline", value_name = "PIPELINE")]
    pub upstream_pass_pipeline: Option<String>,
    /// Print the pipeline that would run (every option written out) and stop before reading input.
    #[arg(long = "dump-pass-pipeline", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub dump_pass_pipeline: bool,
    /// List every registered pass and pipeline with its options.
    #[arg(long = "list-passes", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub list_passes: bool,
    /// Verify the IR after each pass.
    #[arg(long = "verify-each", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub verify_each: bool,
    /// Run nested pipelines on one thread.
    #[arg(long = "mlir-disable-threading", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub disable_threading: bool,
    /// Report how long each pass took.
    #[arg(long = "mlir-timing", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub timing: bool,
    /// `tree` (nested as the pipeline) or `list` (per pass, slowest first).
    #[arg(long = "mlir-timing-display", default_value = "tree", value_parser = ["tree", "list"])]
    pub timing_display: String,
    /// Format of reports: `text` or `json`.
    #[arg(long = "mlir-output-format", default_value = "text", value_parser = ["text", "json"])]
    pub output_format: String,
    /// Report the statistics each pass kept.
    #[arg(long = "mlir-pass-statistics", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub statistics: bool,
    /// `pipeline` (nested) or `list` (summed by pass).
    #[arg(long = "mlir-pass-statistics-display", default_value = "pipeline", value_parser = ["pipeline", "list"])]
    pub statistics_display: String,
    /// Print the IR before these passes (comma-separated names).
    #[arg(long = "mlir-print-ir-before", value_delimiter = ',', value_name = "PASSES")]
    pub print_ir_before: Vec<String>,
    /// Print the IR after these passes (comma-separated names).
    #[arg(long = "mlir-print-ir-after", value_delimiter = ',', value_name = "PASSES")]
    pub print_ir_after: Vec<String>,
    /// Print the IR before every pass.
    #[arg(long = "mlir-print-ir-before-all", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub print_ir_before_all: bool,
    /// Print the IR after every pass.
    #[arg(long = "mlir-print-ir-after-all", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub print_ir_after_all: bool,
    /// With the -after flags: print only when the pass changed the IR.
    #[arg(long = "mlir-print-ir-after-change", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub print_ir_after_change: bool,
    /// Print the IR after a pass that failed.
    #[arg(long = "mlir-print-ir-after-failure", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub print_ir_after_failure: bool,
    /// Write each IR dump to its own file under DIR (one folder per op, numbered files).
    #[arg(long = "mlir-print-ir-tree-dir", value_name = "DIR")]
    pub print_ir_tree_dir: Option<String>,
    /// On a failing or crashing pass, write the input IR and the pipeline to FILE.
    #[arg(long = "mlir-pass-pipeline-crash-reproducer", value_name = "FILE")]
    pub crash_reproducer: Option<String>,
    /// Run the pipeline recorded in the input (a crash reproducer).
    #[arg(long = "run-reproducer", action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_value_t = false, default_missing_value = "true", value_name = "BOOL")]
    pub run_reproducer: bool,
    /// Load a pass plugin (a shared library exporting `strataGetPassPluginInfo`).
    #[arg(long = "load-pass-plugin", value_name = "PATH")]
    pub pass_plugins: Vec<String>,
    /// Load a dialect plugin (a shared library exporting `strataGetDialectPluginInfo`).
    #[arg(long = "load-dialect-plugin", value_name = "PATH")]
    pub dialect_plugins: Vec<String>,
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

/// Values of `--flag=value` or `--flag value` for `flag`, scanned before the full parse
/// (plugins must be loaded before pass flags can be recognised).
fn scan_values(args: &[OsString], flag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let long = format!("--{flag}");
    let mut it = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(a) = it.next() {
        if let Some(v) = a.strip_prefix(&format!("{long}=")) {
            out.push(v.to_string());
        } else if a == long {
            if let Some(v) = it.next() {
                out.push(v);
            }
        }
    }
    out
}

/// An option flag given on the command line (`--egraph-stats`) and the pass whose option it
/// sets.
struct OptionFlag {
    flag: String,
    pass: &'static str,
}

/// What [`take_pass_flags`] found: the other arguments, pass flags as pipeline text, and the
/// option flags that were applied.
type TakenFlags = (Vec<OsString>, Vec<String>, Vec<OptionFlag>);

/// Takes pass flags (`--cse`, `--canonicalize=max-iterations=3`) out of `args`, in order, as
/// pipeline text, and applies option flags (`--egraph-stats`) to the registry's defaults.
fn take_pass_flags(args: Vec<OsString>, registry: &mut PassRegistry) -> Result<TakenFlags, String> {
    let mut rest = Vec::new();
    let mut passes = Vec::new();
    let mut option_flags = Vec::new();
    for (i, a) in args.into_iter().enumerate() {
        let s = a.to_string_lossy();
        if i > 0 {
            if let Some(flag) = s.strip_prefix("--") {
                let (name, opts) = match flag.split_once('=') {
                    Some((n, o)) => (n, Some(o)),
                    None => (flag, None),
                };
                if registry.contains(name) {
                    passes.push(match opts {
                        Some(o) => format!("{name}{{{o}}}"),
                        None => name.to_string(),
                    });
                    continue;
                }
                if let Some((pass, option)) = registry.flag(name) {
                    registry.set_option_default(pass, option, opts).map_err(|e| format!("--{name}: {e}"))?;
                    option_flags.push(OptionFlag { flag: name.to_string(), pass });
                    continue;
                }
            }
        }
        rest.push(a);
    }
    Ok((rest, passes, option_flags))
}

/// The names of the passes in `pm`, at every depth (read back from its pipeline text, which
/// names each pass once per instance).
fn pass_names(pm: &OpPassManager) -> Vec<String> {
    fn collect(elements: &[Element<'_>], out: &mut Vec<String>) {
        for e in elements {
            match e {
                Element::Pass { name, .. } => out.push(name.to_string()),
                Element::Nested { elements, .. } => collect(elements, out),
            }
        }
    }
    let text = pm.to_text(false);
    let mut out = Vec::new();
    if let Ok(elements) = pipeline::parse(&text) {
        collect(&elements, &mut out);
    }
    out
}

/// An option flag whose pass is not in the pipeline would do nothing: say so rather than
/// ignore it.
fn check_option_flags(flags: &[OptionFlag], pm: &OpPassManager) -> Result<(), String> {
    let names = pass_names(pm);
    match flags.iter().find(|f| !names.iter().any(|n| n == f.pass)) {
        Some(f) => Err(format!(
            "error: --{} sets an option of '{}', which is not in the pipeline: add --{} or put {} in --pass-pipeline\n",
            f.flag, f.pass, f.pass, f.pass
        )),
        None => Ok(()),
    }
}

/// `--mlir-print-ir-before/after=NAMES` name passes; an unknown name (a typo) would print
/// nothing, silently.
fn check_print_ir_names(args: &OptArgs, registry: &PassRegistry) -> Result<(), String> {
    let known: Vec<&str> = registry.passes().map(|p| p.name).collect();
    for (flag, names) in
        [("mlir-print-ir-before", &args.print_ir_before), ("mlir-print-ir-after", &args.print_ir_after)]
    {
        if let Some(bad) = names.iter().find(|n| !known.contains(&n.as_str())) {
            let hint = match nearest(bad, &known) {
                Some(n) => format!("; did you mean '{n}'?"),
                None => "; --list-passes shows them all".to_string(),
            };
            return Err(format!("error: --{flag}: unknown pass '{bad}'{hint}\n"));
        }
    }
    Ok(())
}

/// `--show-dialects`, as mlir-opt writes it: the registered dialects (plugins' included),
/// sorted, comma-separated.
fn show_dialects(ctx: &Context) -> String {
    let mut names: Vec<&str> = ctx.dialects().map(|d| d.name()).collect();
    names.sort_unstable();
    format!("Available Dialects: {}", names.join(","))
}

fn list_passes(registry: &PassRegistry) -> String {
    let mut out = String::from("Passes:\n");
    for p in registry.passes() {
        let anchor = p.anchor.map(|a| format!(" (on '{a}')")).unwrap_or_default();
        out.push_str(&format!("  --{:<28} - {}{anchor}\n", p.name, p.summary));
        for o in &p.options {
            out.push_str(&format!(
                "      {:<26} - {} [{}]\n",
                format!("{}=<{}>", o.name, o.kind),
                o.description,
                o.kind
            ));
        }
    }
    out.push_str("Pass pipelines:\n");
    for p in registry.pipelines() {
        out.push_str(&format!("  --{:<28} - {} ({})\n", p.name, p.summary, p.text));
    }
    let flags: Vec<String> = registry
        .passes()
        .flat_map(|p| {
            p.flags.iter().map(move |(flag, option)| {
                let spec = p.options.iter().find(|o| o.name == *option);
                let value = spec.map_or(String::new(), |s| format!("[=<{}>]", s.kind));
                let description = spec.map_or("", |s| s.description);
                format!("  --{:<28} - {description} (sets {}{{{option}}})\n", format!("{flag}{value}"), p.name)
            })
        })
        .collect();
    if !flags.is_empty() {
        out.push_str(
            "Pass option flags (set the option in every instance of the pass; the pass must be in the pipeline):\n",
        );
        out.extend(flags);
    }
    out
}

/// Parses the arguments and runs; `register` adds the dialects and passes the tool knows.
pub fn run(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    register: impl FnOnce(&mut Context, &mut PassRegistry),
) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let mut ctx = Context::new();
    let mut registry = PassRegistry::new();
    register(&mut ctx, &mut registry);
    for path in scan_values(&args, "load-dialect-plugin") {
        if let Err(e) = load_dialect_plugin(&path, &mut ctx) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    for path in scan_values(&args, "load-pass-plugin") {
        if let Err(e) = load_pass_plugin(&path, &mut registry) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    let (args, pass_flags, option_flags) = match take_pass_flags(args, &mut registry) {
        Ok(taken) => taken,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let command = OptArgs::command().after_help(list_passes(&registry));
    let args = match command.try_get_matches_from(args).and_then(|m| OptArgs::from_arg_matches(&m)) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::FAILURE } else { ExitCode::SUCCESS };
        }
    };
    if args.list_passes {
        print!("{}", list_passes(&registry));
        return ExitCode::SUCCESS;
    }
    if args.show_dialects {
        println!("{}", show_dialects(&ctx));
        return ExitCode::SUCCESS;
    }
    let pm = match build_pipeline(&args, &pass_flags, &registry) {
        Ok(pm) => pm,
        Err(message) => {
            eprint!("{message}");
            return ExitCode::FAILURE;
        }
    };
    // A reproducer brings its own pipeline, read later; every other pipeline is known here.
    let checked = check_print_ir_names(&args, &registry)
        .and_then(|_| if args.run_reproducer { Ok(()) } else { check_option_flags(&option_flags, &pm) })
        .and_then(|_| prepare_tree_dir(&args));
    if let Err(message) = checked {
        eprint!("{message}");
        return ExitCode::FAILURE;
    }
    if args.dump_pass_pipeline {
        eprintln!("Pass Manager with {} passes:", pm.num_passes());
        eprintln!("{}", pm.to_text(true));
        if args.input == "-" {
            return ExitCode::SUCCESS;
        }
    }
    install_quiet_panic_hook();
    // Deeply nested input recurses; a large stack keeps that inside our nesting limits.
    let worker = std::thread::Builder::new().stack_size(256 << 20).spawn(move || process(&ctx, &args, &registry, pm));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("strata-opt: internal error");
            ExitCode::FAILURE
        }
    }
}

fn build_pipeline(args: &OptArgs, pass_flags: &[String], registry: &PassRegistry) -> Result<OpPassManager, String> {
    let root_anchor = if args.no_implicit_module { Anchor::Any } else { Anchor::Op("builtin.module".into()) };
    match (&args.pass_pipeline, pass_flags.is_empty()) {
        (Some(_), false) => Err("error: give passes either as --pass-pipeline or as pass flags, not both\n".into()),
        (Some(text), true) => registry.parse_pipeline(text).map_err(|e| e.render(text)),
        (None, _) => {
            let mut pm = OpPassManager::new(root_anchor);
            let text = pass_flags.join(",");
            registry.add_to(&mut pm, &text, true).map_err(|e| e.render(&text))?;
            Ok(pm)
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

/// The pipeline a reproducer recorded (`external_resources: { mlir_reproducer: { pipeline } }`).
fn reproducer_pipeline(resources: &[[String; 4]]) -> Option<String> {
    let entry = resources.iter().find(|[group, owner, key, _]| {
        group == "external_resources" && owner == "mlir_reproducer" && key == "pipeline"
    })?;
    let v = entry[3].trim();
    let v = v.strip_prefix('"')?.strip_suffix('"')?;
    Some(v.replace("\\\"", "\"").replace("\\\\", "\\"))
}

/// Creates `--mlir-print-ir-tree-dir` up front, so a directory that cannot be made fails
/// before any pass runs.
fn prepare_tree_dir(args: &OptArgs) -> Result<(), String> {
    match &args.print_ir_tree_dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .map_err(|e| format!("error: --mlir-print-ir-tree-dir: cannot create '{dir}': {e}\n")),
        None => Ok(()),
    }
}

/// The pass manager and the IR printer it reports to, if any (asked after the run whether
/// every dump could be written).
fn make_pass_manager(args: &OptArgs, root: OpPassManager) -> (PassManager, Option<Arc<IrPrinting>>) {
    let mut pm = PassManager::new(root);
    pm.verify_each = args.verify_each;
    pm.threading = !args.disable_threading;
    pm.crash_reproducer = args.crash_reproducer.as_ref().map(Into::into);
    let filter = |all: bool, names: &[String]| {
        if all {
            PassFilter::All
        } else if names.is_empty() {
            PassFilter::None
        } else {
            PassFilter::Names(names.to_vec())
        }
    };
    let printing = IrPrinting {
        before: filter(args.print_ir_before_all, &args.print_ir_before),
        after: filter(
            args.print_ir_after_all || (args.print_ir_after_change && args.print_ir_after.is_empty()),
            &args.print_ir_after,
        ),
        only_on_change: args.print_ir_after_change,
        after_failure: args.print_ir_after_failure,
        tree_dir: args.print_ir_tree_dir.as_ref().map(Into::into),
        print: PrintOptions {
            generic: args.print_op_generic,
            debug_info: args.print_debuginfo,
            local_scope: args.print_local_scope,
            elide_elements_if_larger: args.elide_elements_if_larger,
            hex_elements_if_larger: hex_limit(args.hex_elements_if_larger),
        },
        ..IrPrinting::default()
    };
    let mut printer = None;
    if printing.before != PassFilter::None || printing.after != PassFilter::None || printing.after_failure {
        let printing = Arc::new(printing);
        pm.add_instrumentation(printing.clone());
        printer = Some(printing);
    }
    (pm, printer)
}

/// Writes the printed modules to `output` (`-` for standard output). A file is replaced whole
/// and only on success (as mlir-opt keeps its output file only then): after a failure, or if
/// the process is interrupted, the old file is as it was (`crate::output`). Standard output
/// gets what was printed either way, as it always has.
fn write_output(output: &str, modules: &[String], failed: bool) -> Result<(), String> {
    let text = modules.join("// -----\n");
    if output == "-" {
        return std::io::stdout().write_all(text.as_bytes()).map_err(|e| format!("<stdout>: {e}"));
    }
    if failed {
        return Ok(());
    }
    // A handler deletes the temporary file if a signal lands while it is written.
    crate::install_signal_handler();
    crate::output::write_atomic(output, text.as_bytes()).map_err(|e| e.to_string())
}

fn process(ctx: &Context, args: &OptArgs, registry: &PassRegistry, root: OpPassManager) -> ExitCode {
    let started = Instant::now();
    // A model is imported and handed on as the text of its module, with each op's location
    // (its ONNX node), so every later stage treats it as any other input.
    let read = if crate::import::is_onnx(&args.input) {
        crate::import::import(ctx, &args.input, &args.import).map(|m| {
            print_module(ctx, &m, &PrintOptions { generic: false, debug_info: true, ..Default::default() }).into_bytes()
        })
    } else {
        read_input(&args.input).map_err(|e| format!("error: {e}"))
    };
    let bytes = match read {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let file = if args.input == "-" { "<stdin>" } else { args.input.as_str() };
    let src: std::sync::Arc<str> = match String::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(e) => {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
            let col = upto.len() - upto.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
            eprintln!("{file}:{line}:{col}: error: input is not valid UTF-8");
            return ExitCode::FAILURE;
        }
    };
    let mut renderer = DiagnosticRenderer::new();
    renderer.add_source(file, src.clone());
    let parse_opts = |first_line| ParseOptions {
        allow_unregistered: args.allow_unregistered_dialect,
        implicit_module: !args.no_implicit_module,
        first_line,
    };
    let print_opts = PrintOptions {
        generic: args.print_op_generic,
        debug_info: args.print_debuginfo,
        local_scope: args.print_local_scope,
        elide_elements_if_larger: args.elide_elements_if_larger,
        hex_elements_if_larger: hex_limit(args.hex_elements_if_larger),
    };
    let (mut pm, mut printer) = make_pass_manager(args, root);
    let (mut parse_time, mut output_time) = (0.0, 0.0);
    let mut outputs = Vec::new();
    let mut failed = false;
    for chunk in split(&src, args.split_input_file) {
        let t = Instant::now();
        let parsed = parse_source(ctx, file, chunk.text, &parse_opts(chunk.first_line))
            .and_then(|m| verify(ctx, &m.ir, m.root).map(|_| m));
        parse_time += t.elapsed().as_secs_f64();
        let mut diags: Vec<Diagnostic> = Vec::new();
        match parsed {
            Ok(mut m) => {
                if args.run_reproducer {
                    match reproducer_pipeline(&m.resources) {
                        Some(text) => match registry.parse_pipeline(&text) {
                            Ok(root) => (pm, printer) = make_pass_manager(args, root),
                            Err(e) => {
                                eprint!("{}", e.render(&text));
                                return ExitCode::FAILURE;
                            }
                        },
                        None => {
                            eprintln!("{file}: error: --run-reproducer: the input holds no reproducer pipeline");
                            return ExitCode::FAILURE;
                        }
                    }
                    m.resources.retain(|[group, ..]| group != "external_resources");
                }
                let upstream = |m: &mut strata_ir::Module| -> Result<(), Diagnostic> {
                    let Some(pipeline) = &args.upstream_pass_pipeline else { return Ok(()) };
                    *m = strata_llvm::run_upstream_pipeline(ctx, m, pipeline).map_err(|e| {
                        e.diagnostic().unwrap_or_else(|| Diagnostic::error(ctx.unknown_loc(), e.to_string()))
                    })?;
                    Ok(())
                };
                match pm.run(ctx, &mut m.ir, m.root).map_err(|f| f.diagnostic).and_then(|()| upstream(&mut m)) {
                    Ok(()) => {
                        let t = Instant::now();
                        outputs.push(print_module(ctx, &m, &print_opts));
                        output_time += t.elapsed().as_secs_f64();
                    }
                    Err(d) => {
                        if let Some(path) = &args.crash_reproducer {
                            eprintln!("note: pipeline crash reproducer written to {path}");
                        }
                        diags.push(d);
                    }
                }
            }
            Err(d) => diags.push(d),
        }
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
    // A dump that could not be written was reported where it happened; the run failed.
    if let Some(p) = &printer {
        if p.failed_writes() > 0 {
            eprintln!("error: {} IR dump(s) could not be written under --mlir-print-ir-tree-dir", p.failed_writes());
            failed = true;
        }
    }
    let t = Instant::now();
    let written = write_output(&args.output, &outputs, failed);
    output_time += t.elapsed().as_secs_f64();
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    if args.timing {
        let format = match (args.output_format.as_str(), args.timing_display.as_str()) {
            ("json", _) => TimingFormat::Json,
            (_, "list") => TimingFormat::List,
            _ => TimingFormat::Tree,
        };
        let total = started.elapsed().as_secs_f64();
        eprint!("{}", pm.timing_report(format, &[("Parser", parse_time)], &[("Output", output_time)], total));
    }
    if args.statistics {
        eprint!("{}", pm.statistics_report_as(args.statistics_display == "list"));
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `--mlir-print-elementsattrs-with-hex-if-larger` as mlir-opt reads it: -1 turns hex off, and
/// a limit below that is below every element count.
fn hex_limit(n: i64) -> Option<u64> {
    match n {
        -1 => None,
        n => Some(u64::try_from(n).unwrap_or(0)),
    }
}

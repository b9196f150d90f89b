//! `strata-lit [PATHS...] [-v] [--suffixes .mlir] [--tool NAME=PATH] [--timeout SECS]`: runs
//! lit-style tests (see `strata_tools::lit`). Without paths it runs `testdata/`. Interrupted
//! (SIGINT, SIGTERM), it ends the running tests and deletes its temporary folder.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use strata_lowering::codegen::driver::cleanup;
use strata_tools::lit::{detect_features, discover, run_all, summary, DEFAULT_TIMEOUT};

#[derive(Parser)]
#[command(name = "strata-lit", version, about = "Runs lit-style tests: RUN lines, REQUIRES/UNSUPPORTED/XFAIL")]
struct Args {
    /// Test files or folders (default: testdata).
    paths: Vec<PathBuf>,
    /// Show each failing test's command and output.
    #[arg(short, long)]
    verbose: bool,
    /// File suffixes that are tests.
    #[arg(long, value_delimiter = ',', default_value = ".mlir")]
    suffixes: Vec<String>,
    /// A tool for RUN lines: NAME=COMMAND (defaults: strata-opt, FileCheck and filecheck next to
    /// this binary).
    #[arg(long = "tool", value_name = "NAME=PATH")]
    tools: Vec<String>,
    /// Pretend these features are present (comma-separated).
    #[arg(long = "feature", value_delimiter = ',')]
    features: Vec<String>,
    /// The longest one test may run, in seconds (0: no limit); a test that takes longer is
    /// reported as TIMEOUT and everything it started is ended.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT.as_secs_f64())]
    timeout: f64,
}

fn main() -> ExitCode {
    // RUN lines say `FileCheck`; this binary serves it, so no other tool is needed.
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--as-filecheck") {
        return ExitCode::from(strata_filecheck::cli::main(argv[2..].to_vec()) as u8);
    }
    let args = Args::parse();
    let me = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("strata-lit"));
    let dir = me.parent().map(PathBuf::from).unwrap_or_default();
    let filecheck = format!("{} --as-filecheck", me.display());
    let mut tools: BTreeMap<String, String> = BTreeMap::new();
    tools.insert("FileCheck".into(), filecheck.clone());
    tools.insert("filecheck".into(), filecheck);
    for name in ["strata-opt", "strata-run", "strata-translate", "my-opt"] {
        let p = dir.join(name);
        if p.exists() {
            tools.insert(name.into(), p.display().to_string());
        }
    }
    for t in &args.tools {
        let Some((name, path)) = t.split_once('=') else {
            eprintln!("error: --tool takes NAME=PATH, not '{t}'");
            return ExitCode::FAILURE;
        };
        tools.insert(name.into(), path.into());
    }
    let mut features = detect_features();
    features.extend(args.features.iter().cloned());
    let paths = if args.paths.is_empty() { vec![PathBuf::from("testdata")] } else { args.paths.clone() };
    for p in &paths {
        if !p.exists() {
            eprintln!("error: {} does not exist", p.display());
            return ExitCode::FAILURE;
        }
    }
    let timeout = if args.timeout == 0.0 {
        None
    } else {
        match Duration::try_from_secs_f64(args.timeout) {
            Ok(d) => Some(d),
            Err(_) => {
                eprintln!("error: --timeout takes a number of seconds (0 for no limit), not {}", args.timeout);
                return ExitCode::FAILURE;
            }
        }
    };
    let files = discover(&paths, &args.suffixes);
    let config = strata_tools::lit::Config {
        tools,
        features,
        temp_dir: std::env::temp_dir().join(format!("strata-lit-{}", std::process::id())),
        require_all: std::env::var("STRATA_REQUIRE_ALL").is_ok_and(|v| v == "1"),
        timeout,
    };
    // Interrupted, the runner ends the running tests (each in its own process group) and deletes
    // the tests' temporary folder.
    strata_tools::install_signal_handler();
    let registration = cleanup::register_path(&config.temp_dir);
    let results = run_all(&files, &config);
    let _ = std::fs::remove_dir_all(&config.temp_dir);
    drop(registration);
    for r in &results {
        println!("{}: {}", r.verdict.name(), r.path.display());
        if args.verbose && (r.verdict.is_failure() || r.verdict == strata_tools::lit::Verdict::Unsupported) {
            for line in r.detail.lines() {
                println!("    {line}");
            }
        }
    }
    println!("\n{}", summary(&results));
    if results.iter().any(|r| r.verdict.is_failure()) {
        if !args.verbose {
            println!("(run with -v to see the failing commands and their output)");
        }
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

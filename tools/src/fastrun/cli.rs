//! `strata-fastrun`: the Fast-Run cache by hand.
//!
//! ```text
//! strata-fastrun list   [--cache FILE] [--here]          the entries, by device and backend
//! strata-fastrun export OUT [--cache FILE] [--here]      a cache to ship with a model
//! strata-fastrun import FILE [--cache FILE]              another cache's entries added
//! strata-fastrun clear  [--cache FILE] [--here]          entries removed
//! strata-fastrun path                                     where the default cache is
//! ```
//!
//! `--here` keeps to entries of this machine's processor. Every write goes through the cache's
//! lock and replaces the file by a rename; a file that is not a cache is never written over.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use strata_passes::egraph::fastrun::{CacheFile, Entry, Scope};

#[derive(Parser, Debug)]
#[command(name = "strata-fastrun", version, about = "List, export, import and clear the Fast-Run cache")]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The entries, grouped by device, backend and version.
    List(Select),
    /// Writes the entries (with --here, this processor's) to OUT, a new cache file (not one
    /// that holds entries).
    Export {
        out: PathBuf,
        #[command(flatten)]
        select: Select,
    },
    /// Adds FILE's entries to the cache (a later measurement of a candidate wins).
    Import {
        file: PathBuf,
        #[arg(long, value_name = "FILE")]
        cache: Option<PathBuf>,
    },
    /// Removes the entries (with --here, this processor's only).
    Clear(Select),
    /// Prints the default cache file's path.
    Path,
}

#[derive(clap::Args, Debug)]
pub struct Select {
    /// The cache file (default: strata/fastrun.json in the user's cache directory).
    #[arg(long, value_name = "FILE")]
    pub cache: Option<PathBuf>,
    /// Only entries measured on this machine's processor.
    #[arg(long)]
    pub here: bool,
}

/// Runs `strata-fastrun` with `args` (the first is the program name).
pub fn main(args: impl IntoIterator<Item = String>) -> ExitCode {
    crate::run_cli(args, |_, a: &Args| run(a))
}

fn cache_at(path: &Option<PathBuf>) -> Result<CacheFile, String> {
    match path {
        Some(p) => Ok(CacheFile::at(p)),
        None => CacheFile::default_path()
            .map(CacheFile::at)
            .ok_or_else(|| "error: this system has no cache directory; give --cache FILE".to_string()),
    }
}

fn selected(select: &Select, e: &Entry) -> bool {
    !select.here || e.scope.device == super::cpu_description()
}

fn run(args: &Args) -> Result<(), String> {
    let err = |e: strata_passes::egraph::fastrun::CacheError| format!("error: {e}");
    match &args.command {
        Command::Path => {
            let cache = cache_at(&None)?;
            println!("{}", cache.path().display());
        }
        Command::List(select) => {
            let cache = cache_at(&select.cache)?;
            let entries: Vec<Entry> = cache.load().map_err(err)?.into_iter().filter(|e| selected(select, e)).collect();
            print!("{}", list(&entries));
            println!("{} entries in {}", entries.len(), cache.path().display());
        }
        Command::Export { out, select } => {
            let cache = cache_at(&select.cache)?;
            let entries: Vec<Entry> = cache.load().map_err(err)?.into_iter().filter(|e| selected(select, e)).collect();
            let n = entries.len();
            // Another cache's entries are not thrown away: export to a new file, or import.
            if CacheFile::at(out).load().is_ok_and(|old| !old.is_empty()) {
                return Err(format!(
                    "error: {} already holds a cache; export to a new file, or add to it with `strata-fastrun import`",
                    out.display()
                ));
            }
            CacheFile::at(out).update(|_| entries).map_err(err)?;
            println!("{n} entries written to {}", out.display());
        }
        Command::Import { file, cache } => {
            let entries = CacheFile::at(file).load().map_err(err)?;
            let cache = cache_at(cache)?;
            let written = cache.merge(&entries).map_err(err)?;
            if let Some(why) = written.replaced_corrupt {
                eprintln!("warning: replaced a corrupt cache ({why})");
            }
            println!("{} entries read, {} in {}", entries.len(), written.entries, cache.path().display());
        }
        Command::Clear(select) => {
            let cache = cache_at(&select.cache)?;
            let mut removed = 0;
            let written = cache
                .update(|old| {
                    let before = old.len();
                    let kept: Vec<Entry> = old.into_iter().filter(|e| !selected(select, e)).collect();
                    removed = before - kept.len();
                    kept
                })
                .map_err(err)?;
            println!("{removed} entries removed, {} left in {}", written.entries, cache.path().display());
        }
    }
    Ok(())
}

/// The entries as a table under a heading per scope.
fn list(entries: &[Entry]) -> String {
    let mut by_scope: BTreeMap<&Scope, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        by_scope.entry(&e.scope).or_default().push(e);
    }
    let mut out = String::new();
    for (scope, mut entries) in by_scope {
        out.push_str(&format!("{} | {} | strata {}\n", scope.device, scope.backend, scope.strata));
        out.push_str(&format!("{:>10} {:>5} {:>7}  candidate\n", "ms", "runs", "spread"));
        entries.sort_by(|a, b| a.candidate.cmp(&b.candidate));
        for e in entries {
            out.push_str(&format!(
                "{:>10.4} {:>5} {:>6.0}%  {}{}\n",
                e.seconds * 1e3,
                e.runs,
                e.spread * 100.0,
                e.candidate,
                if e.cut { " (cut early)" } else { "" }
            ));
        }
    }
    out
}

//! `strata-opt`: reads, verifies and prints MLIR (see `strata_tools::opt`).

fn main() -> std::process::ExitCode {
    strata_tools::opt::run(std::env::args_os(), strata_dialects::register_all)
}

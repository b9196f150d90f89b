//! `strata-run`: compiles and executes a function on real inputs (see `strata_tools::run`).

fn main() -> std::process::ExitCode {
    strata_tools::run::main(std::env::args())
}

//! `strata-fastrun`: list, export, import and clear the Fast-Run cache (see
//! `strata_tools::fastrun::cli`).

fn main() -> std::process::ExitCode {
    strata_tools::fastrun::cli::main(std::env::args())
}

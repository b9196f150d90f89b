//! `strata-translate`: compiles a module to an object file, a C header and a machine-code listing
//! (see `strata_tools::translate`).

fn main() -> std::process::ExitCode {
    strata_tools::translate::main(std::env::args())
}

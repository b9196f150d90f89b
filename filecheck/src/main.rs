//! `filecheck`: LLVM's FileCheck command line (see `strata_filecheck::cli`).

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(strata_filecheck::cli::main(std::env::args().skip(1).collect()) as u8)
}

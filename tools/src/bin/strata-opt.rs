//! `strata-opt`: reads, verifies, transforms and prints MLIR (see `strata_tools::opt`).

fn main() -> std::process::ExitCode {
    strata_tools::opt::run(std::env::args_os(), |ctx, passes| {
        strata_dialects::register_all(ctx);
        strata_tools::register_passes(passes);
    })
}

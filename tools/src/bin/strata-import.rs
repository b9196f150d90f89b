//! `strata-import`: an ONNX model to a module of `nn` ops (see `strata_tools::import`).

fn main() -> std::process::ExitCode {
    strata_tools::import::main(std::env::args())
}

//! The LLVM backend against the interpreter. Everything that needs MLIR and LLVM is compiled
//! only with the `llvm` feature (`.ci/run` builds and runs it so, with nothing skipped); without
//! it, the backend must say so.

#[cfg(feature = "llvm")]
mod differential;
mod prepare;

#[cfg(not(feature = "llvm"))]
#[test]
fn without_the_feature_the_backend_says_so() {
    let mut ctx = strata_ir::Context::new();
    strata_dialects::register_all(&mut ctx);
    let m = strata_ir::parse_source(&ctx, "t.mlir", "func.func @f() { return }", &Default::default()).unwrap();
    let err = strata_llvm::compile_jit(&ctx, &m.ir, m.root, None, Default::default()).err().expect("no backend");
    assert!(err.to_string().contains("--features llvm"), "{err}");
}

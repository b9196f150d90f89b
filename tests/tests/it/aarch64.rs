//! The AArch64 toolchain (cross linker and qemu) the tests that run objects under emulation
//! need: found, or the test says it skipped, unless `STRATA_REQUIRE_ALL=1` makes its absence a
//! failure.

use strata_lowering::codegen::driver::Toolchain;
use strata_lowering::codegen::Target;

/// The toolchain, or `None` after printing `SKIPPED: {what}: why`.
pub fn toolchain(what: &str) -> Option<Toolchain> {
    match Toolchain::find(Target::Aarch64) {
        Ok(t) => Some(t),
        Err(e) => {
            let required = std::env::var("STRATA_REQUIRE_ALL").is_ok_and(|v| v == "1");
            assert!(!required, "STRATA_REQUIRE_ALL=1 but the AArch64 toolchain is missing: {e}");
            eprintln!("SKIPPED: {what}: {e}");
            None
        }
    }
}

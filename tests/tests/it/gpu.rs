//! The GPU path without a GPU: random graphs and the ONNX models through the CUDA pipeline
//! (`strata_lowering::gpu::cuda_pipeline`: kernels outlined, launches on the host), run by the
//! interpreter at the GPU level (every thread of every block) against the graphs as written,
//! and every module's PTX assembled by `ptxas` for sm_90 and sm_80 with no spills. On the GPU
//! itself, `benches/cuda/device.sh` runs the same pipeline through `strata-run --target cuda`.

use strata_ir::Context;
use strata_lowering::ptx::ptxas::Ptxas;
use strata_lowering::ptx::{self, PtxTarget};

/// `ptxas`, or `None` after printing `SKIPPED: {what}: why` (a failure under
/// `STRATA_REQUIRE_ALL=1`).
pub fn ptxas(what: &str) -> Option<Ptxas> {
    match Ptxas::find() {
        Ok(p) => Some(p),
        Err(e) => {
            let required = std::env::var("STRATA_REQUIRE_ALL").is_ok_and(|v| v == "1");
            assert!(!required, "STRATA_REQUIRE_ALL=1 but ptxas is missing: {e}");
            eprintln!("SKIPPED: {what}: {e}");
            None
        }
    }
}

/// The module's PTX for both targets, assembled: every kernel there, none spilling.
pub fn assemble(ctx: &Context, m: &strata_ir::Module, ptxas: &Ptxas, what: &str) {
    for sm in [90, 80] {
        let module = ptx::emit(ctx, &m.ir, m.root, PtxTarget { sm }).unwrap_or_else(|e| panic!("{what}: {e}"));
        let report = ptxas.assemble(&module.text, PtxTarget { sm }).unwrap_or_else(|e| panic!("{what} sm_{sm}: {e}"));
        assert_eq!(report.len(), module.kernels.len(), "{what} sm_{sm}: kernels assembled");
        for k in report {
            assert_eq!((k.spill_stores, k.spill_loads), (0, 0), "{what} sm_{sm}: {} spills", k.name);
        }
    }
}

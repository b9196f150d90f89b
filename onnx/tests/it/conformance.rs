//! The ONNX backend node tests of the ops the importer converts, generated at test time from
//! the `onnx` package's own case generators (`tests/py/node_tests.py`), imported and run in
//! the interpreter and JIT-compiled for this machine (the host's default pipeline: egraph-opt,
//! memory plan, loops, vectors, Cranelift) against the generator's expected outputs, at the
//! generator's tolerances (rtol 1e-3, atol 1e-7 unless a case says otherwise: the upstream
//! suite's own bar).
//!
//! Every case passes on both or is listed in [`XFAIL`] (fails to import or run anywhere) or
//! [`XFAIL_HOST`] (compiled only) with why; a listed case that passes fails the test (so the
//! lists stay true), and so does any unlisted failure. The pass rate per op is printed
//! (`cargo test -p strata-onnx --test it conformance -- --nocapture`).

use std::collections::BTreeMap;

use strata_ir::pass::PassManager;
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::{default_pipeline, Target as CodegenTarget};
use strata_runtime::compare::{compare, Tolerance};
use strata_runtime::{npy, run_function};

use crate::python::{node_cases, python_available, NodeCase};

/// Cases expected to fail, with the reason. Keep in step with the importer.
const XFAIL: &[(&str, &str)] = &[
    ("test_averagepool_3d_default", THREE_D),
    ("test_averagepool_3d_dilations_small", THREE_D),
    ("test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_True", THREE_D),
    ("test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_False", THREE_D),
    ("test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_True", THREE_D),
    ("test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_False", THREE_D),
    ("test_maxpool_3d_default", THREE_D),
    ("test_maxpool_3d_dilations", THREE_D),
    ("test_maxpool_3d_dilations_use_ref_impl", THREE_D),
    ("test_maxpool_3d_dilations_use_ref_impl_large", THREE_D),
    ("test_convtranspose_3d", THREE_D),
    ("test_convtranspose_1d", "1-D ConvTranspose is not converted (2-D is)"),
    ("test_averagepool_2d_dilations", DILATED_POOL),
    ("test_maxpool_2d_dilations", DILATED_POOL),
    ("test_maxpool_with_argmax_2d_precomputed_pads", "MaxPool's Indices output (argmax) is not converted"),
    ("test_maxpool_with_argmax_2d_precomputed_strides", "MaxPool's Indices output (argmax) is not converted"),
    ("test_batchnorm_example_training_mode", TRAINING),
    ("test_batchnorm_epsilon_training_mode", TRAINING),
    (
        "test_range_float_type_positive_delta_expanded",
        "Range's expanded form uses Loop and Ceil, which are not converted",
    ),
    ("test_reshape_allowzero_reordered", ZERO_SIZE),
    ("test_slice_start_out_of_bounds", ZERO_SIZE),
    ("test_split_zero_size_splits_opset13", ZERO_SIZE),
    ("test_split_zero_size_splits_opset18", ZERO_SIZE),
];

/// Cases that run in the interpreter but not compiled, with the reason.
const XFAIL_HOST: &[(&str, &str)] = &[];

const THREE_D: &str = "3-D convolutions and pools are not converted (nn has 2-D ones; 1-D ones run as 2-D)";
const DILATED_POOL: &str = "nn's pools have no dilations";
const TRAINING: &str = "training-mode BatchNormalization (batch statistics as outputs) is not imported";
const ZERO_SIZE: &str = "tensors with a dimension of 0 are not supported at run time";

/// Where a case runs.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Target {
    Interp,
    Host,
}

/// Runs one case on `target`: import, run, compare. `Err` says what went wrong.
fn run_case(case: &NodeCase, target: Target) -> Result<(), String> {
    let mut ctx = strata_ir::Context::new();
    strata_dialects::register_all(&mut ctx);
    let values = case
        .inputs
        .iter()
        .map(|t| npy::read(&t.path).map(|v| (t.name.clone(), v)).map_err(|e| format!("{}: {e}", t.path.display())))
        .collect::<Result<Vec<_>, _>>()?;
    // The cases feed shape operands (Reshape's shape, Slice's starts, axes, pads) as graph
    // inputs: integer inputs (and the scalar value of Pad, the bounds of Range, the ratio of
    // Dropout) are given to the importer as known values, as a user would freeze them; every
    // input's shape is the one of its data.
    let parameter = |v: &strata_runtime::Tensor| {
        !v.elem.is_float() || (matches!(case.op_type.as_str(), "Pad" | "Range" | "Dropout") && v.shape.is_empty())
    };
    let (frozen, inputs): (Vec<_>, Vec<_>) = values.into_iter().partition(|(_, v)| parameter(v));
    let opts = strata_onnx::ImportOptions {
        input_shapes: inputs.iter().map(|(n, v)| (n.clone(), v.shape.iter().map(|d| *d as i64).collect())).collect(),
        input_values: frozen,
        progress: None,
    };
    let mut module = strata_onnx::import_file(&ctx, &case.model, &opts).map_err(|e| format!("import: {e}"))?;
    let (name, func) =
        strata_runtime::functions(&ctx, &module.ir, module.root).first().cloned().ok_or("no function")?;
    let inputs: Vec<strata_runtime::Tensor> = inputs.into_iter().map(|(_, v)| v).collect();
    let got = match target {
        Target::Interp => run_function(&ctx, &module.ir, func, inputs).map_err(|e| format!("run: {e}"))?,
        Target::Host => {
            let mut registry = strata_ir::pass::PassRegistry::new();
            strata_passes::register_all(&mut registry);
            strata_lowering::register_all(&mut registry);
            let pipeline = registry.parse_pipeline(default_pipeline(CodegenTarget::Host)).map_err(|e| e.to_string())?;
            PassManager::new(pipeline)
                .run(&ctx, &mut module.ir, module.root)
                .map_err(|f| format!("compile: {}", f.diagnostic.message))?;
            let jit = Jit::compile(&ctx, &module.ir, module.root, JitOptions { threads: Some(1), poison: true })
                .map_err(|e| format!("compile: {e}"))?;
            jit.run(&name, &inputs).map_err(|e| format!("run: {e}"))?
        }
    };
    if got.len() != case.outputs.len() {
        return Err(format!("{} outputs, expected {}", got.len(), case.outputs.len()));
    }
    let tol = Tolerance { rtol: case.rtol, atol: case.atol };
    for (i, (g, want)) in got.iter().zip(&case.outputs).enumerate() {
        let want = npy::read(&want.path).map_err(|e| e.to_string())?;
        compare(g, &want, tol).map_err(|m| format!("output #{i}: {m}"))?;
    }
    Ok(())
}

#[test]
fn node_tests_pass_or_are_listed() {
    if python_available().is_err() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = node_cases(&[], dir.path());
    assert!(cases.len() > 300, "only {} node cases were generated", cases.len());
    let mut table: BTreeMap<String, [(usize, usize); 2]> = BTreeMap::new();
    let mut problems = Vec::new();
    for case in &cases {
        for (k, target) in [Target::Interp, Target::Host].into_iter().enumerate() {
            let result = run_case(case, target);
            let entry = &mut table.entry(case.op_type.clone()).or_default()[k];
            entry.1 += 1;
            let host_only = if target == Target::Host { XFAIL_HOST } else { &[] };
            let listed = XFAIL.iter().chain(host_only).find(|(name, _)| *name == case.name);
            match (result, listed) {
                (Ok(()), None) => entry.0 += 1,
                (Ok(()), Some(_)) => {
                    problems.push(format!("XPASS {} on {target:?}: remove it from the list", case.name))
                }
                (Err(e), None) => problems.push(format!("FAIL {} on {target:?}: {e}", case.name)),
                (Err(_), Some((_, why))) => eprintln!("XFAIL {} on {target:?}: {why}", case.name),
            }
        }
    }
    for (k, target) in ["interp", "host"].iter().enumerate() {
        let (passed, total) = table.values().fold((0, 0), |(p, t), r| (p + r[k].0, t + r[k].1));
        eprintln!("ONNX node tests through import + {target}: {passed}/{total}");
    }
    eprintln!("  {:<20} {:>7} {:>7}", "op", "interp", "host");
    for (op, [i, h]) in &table {
        eprintln!("  {op:<20} {:>3}/{:<3} {:>3}/{:<3}", i.0, i.1, h.0, h.1);
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

//! Programs compiled through upstream MLIR and LLVM must compute what the interpreter computes
//! on the graph as written: every graph-level function of the codegen programs in `testdata/`
//! that the Cranelift backend compiles, on seeded random inputs, poisoned buffers, each entry
//! called twice (weights packed on the first call, results in a static arena).
//!
//! Tolerance: rtol 1e-4, atol 1e-5, as `testdata/codegen/programs.mlir` states for Cranelift:
//! reductions (softmax, layer norm, matmul, convolution) sum in another order and with fused
//! multiply-adds, and the math polynomials are within a few ulp.

use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{Context, Module};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::Target;
use strata_runtime::compare::{compare, Tolerance};
use strata_runtime::random::SplitMix;
use strata_runtime::tensor::{Elem, Tensor};

const TOLERANCE: Tolerance = Tolerance { rtol: 1e-4, atol: 1e-5 };

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

fn lowered(ctx: &Context, m: &Module) -> Module {
    let mut registry = PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    let pm = PassManager::new(registry.parse_pipeline(&strata_llvm::default_pipeline()).unwrap());
    let mut out = m.clone();
    pm.run(ctx, &mut out.ir, out.root).unwrap_or_else(|f| panic!("{}", f.diagnostic.message));
    out
}

/// Random inputs for a function of static tensors (integers in [-8, 8], floats in [-1, 1)).
fn inputs(ctx: &Context, m: &Module, func: strata_ir::OpId, seed: u64) -> Option<Vec<Tensor>> {
    let block = m.ir.region(m.ir.op(func).regions()[0]).blocks()[0];
    let mut draw = SplitMix(seed);
    let mut out = Vec::new();
    for a in m.ir.block(block).args() {
        let t = m.ir.value_type(*a);
        let shape: Vec<usize> = ctx.shape(t)?.iter().map(|d| usize::try_from(*d).ok()).collect::<Option<_>>()?;
        let elem = strata_lowering::codegen::abi::elem_of(ctx, t)?;
        let (lo, hi) = if matches!(elem, Elem::Int(_)) { (-8.0, 8.0) } else { (-1.0, 1.0) };
        out.push(draw.tensor(&shape, elem, lo, hi));
    }
    Some(out)
}

/// Every function of `file` that Cranelift compiles, through LLVM, against the interpreter.
fn check_file(file: &str) -> usize {
    let ctx = context();
    let path = format!("{}/../testdata/codegen/{file}", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).unwrap();
    let m = strata_ir::parse_source(&ctx, &path, &src, &Default::default()).unwrap();
    let graph_low = lowered(&ctx, &m);
    let mut checked = 0;
    for (name, func) in strata_runtime::functions(&ctx, &m.ir, m.root) {
        if m.ir.op(func).attr(ctx.ident("sym_visibility")).is_some() {
            continue;
        }
        let Some(first) = inputs(&ctx, &m, func, 7) else { continue };
        // Graph-level functions go through the default pipeline; loop-level ones are compiled
        // as written.
        let graph =
            m.ir.block(m.ir.region(m.ir.op(func).regions()[0]).blocks()[0])
                .args()
                .iter()
                .any(|a| matches!(ctx.type_kind(m.ir.value_type(*a)), strata_ir::TypeKind::RankedTensor { .. }));
        let Ok(want) = strata_runtime::run_function(&ctx, &m.ir, func, first.clone()) else { continue };
        let low = if graph { &graph_low } else { &m };
        let only = [name.as_str()];
        let options = JitOptions { threads: Some(2), poison: true };
        if let Err(e) = Jit::compile_entries(&ctx, &low.ir, low.root, Some(&only), options) {
            eprintln!("{file} @{name}: not compiled by Cranelift either: {e}");
            continue;
        }
        let jit = strata_llvm::compile_jit(&ctx, &low.ir, low.root, Some(&only), options)
            .unwrap_or_else(|e| panic!("{file} @{name}: {e}"));
        for (round, ins) in [first, inputs(&ctx, &m, func, 8).unwrap()].into_iter().enumerate() {
            let want = if round == 0 {
                want.clone()
            } else {
                strata_runtime::run_function(&ctx, &m.ir, func, ins.clone()).unwrap()
            };
            let got = jit.run(&name, &ins).unwrap_or_else(|e| panic!("{file} @{name}: {e}"));
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                compare(g, w, TOLERANCE).unwrap_or_else(|e| panic!("{file} @{name} call {round}: {e}"));
            }
        }
        eprintln!("{file} @{name}: matches");
        checked += 1;
    }
    checked
}

/// A module large enough to be compiled in parts ([`strata_llvm::prepare::split`]: bodies in
/// side modules, compiled on other threads, launched through slots) computes what its
/// functions do: every graph-level function of two files, compiled together, against the
/// interpreter.
#[test]
fn a_module_compiled_in_parts_computes_what_it_does_whole() {
    let ctx = context();
    for file in ["programs.mlir", "onnx-ops.mlir"] {
        let path = format!("{}/../testdata/codegen/{file}", env!("CARGO_MANIFEST_DIR"));
        let src = std::fs::read_to_string(&path).unwrap();
        let m = strata_ir::parse_source(&ctx, &path, &src, &Default::default()).unwrap();
        let low = lowered(&ctx, &m);
        let options = JitOptions { threads: Some(2), poison: true };
        let mut entries = Vec::new();
        for (name, func) in strata_runtime::functions(&ctx, &m.ir, m.root) {
            let public = m.ir.op(func).attr(ctx.ident("sym_visibility")).is_none();
            let graph =
                m.ir.block(m.ir.region(m.ir.op(func).regions()[0]).blocks()[0])
                    .args()
                    .iter()
                    .any(|a| matches!(ctx.type_kind(m.ir.value_type(*a)), strata_ir::TypeKind::RankedTensor { .. }));
            if public && graph && Jit::compile_entries(&ctx, &low.ir, low.root, Some(&[name.as_str()]), options).is_ok()
            {
                entries.push((name, func));
            }
        }
        let only: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
        let prepared = strata_llvm::prepare::prepare(&ctx, &low.ir, low.root, Some(&only), "jit", false, 8).unwrap();
        assert!(!prepared.side.is_empty(), "{file}: large enough to be split");
        let jit = strata_llvm::compile_jit(&ctx, &low.ir, low.root, Some(&only), options)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        for (name, func) in &entries {
            let ins = inputs(&ctx, &m, *func, 9).unwrap();
            let Ok(want) = strata_runtime::run_function(&ctx, &m.ir, *func, ins.clone()) else { continue };
            let got = jit.run(name, &ins).unwrap_or_else(|e| panic!("{file} @{name}: {e}"));
            for (g, w) in got.iter().zip(&want) {
                compare(g, w, TOLERANCE).unwrap_or_else(|e| panic!("{file} @{name}: {e}"));
            }
        }
    }
}

#[test]
fn codegen_programs() {
    assert!(check_file("programs.mlir") >= 4);
}

#[test]
fn onnx_ops() {
    assert!(check_file("onnx-ops.mlir") >= 5);
}

#[test]
fn compiled_graphs() {
    assert!(check_file("graphs-compiled.mlir") >= 3);
}

/// What MLIR leaves undefined stops the run with the interpreter's report of the same fault,
/// at the op: a division by zero, the smallest i32 divided by -1.
#[test]
fn faults_are_reported_at_their_op() {
    let ctx = context();
    let dir = format!("{}/../testdata/run", env!("CARGO_MANIFEST_DIR"));
    let path = format!("{dir}/integers.mlir");
    let src = std::fs::read_to_string(&path).unwrap();
    let m = strata_ir::parse_source(&ctx, &path, &src, &Default::default()).unwrap();
    let func = strata_runtime::functions(&ctx, &m.ir, m.root).into_iter().find(|(n, _)| n == "ops32").unwrap().1;
    let jit = strata_llvm::compile_jit(&ctx, &m.ir, m.root, Some(&["ops32"]), JitOptions::default()).unwrap();
    for input in ["i32_div0.npy", "i32_min_neg1.npy"] {
        let x = strata_runtime::npy::read(std::path::Path::new(&format!("{dir}/Inputs/{input}"))).unwrap();
        let want = strata_runtime::run_function(&ctx, &m.ir, func, vec![x.clone()]).unwrap_err();
        let want = want.diagnostic().expect("a located fault");
        let got = jit.run("ops32", &[x]).unwrap_err();
        let got = got.diagnostic().expect("a located trap");
        assert_eq!((got.message.as_str(), got.loc), (want.message.as_str(), want.loc), "{input}");
    }
    // Valid inputs still run after a trap (the flag is cleared on each call).
    let x = strata_runtime::npy::read(std::path::Path::new(&format!("{dir}/Inputs/i32_ovf.npy"))).unwrap();
    let want = strata_runtime::run_function(&ctx, &m.ir, func, vec![x.clone()]).unwrap();
    assert_eq!(jit.run("ops32", &[x]).unwrap(), want);
}

/// An index out of range in a gather is the interpreter's fault, and no load outside the table
/// happens on the way.
#[test]
fn gather_out_of_range_is_reported() {
    let ctx = context();
    let src = r#"func.func @g(%t: tensor<4x3xf32>, %i: tensor<5xi64>) -> tensor<5x3xf32> {
  %r = "nn.gather"(%t, %i) {axis = 0 : i64} : (tensor<4x3xf32>, tensor<5xi64>) -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}"#;
    let m = strata_ir::parse_source(&ctx, "g.mlir", src, &Default::default()).unwrap();
    let low = lowered(&ctx, &m);
    let jit = strata_llvm::compile_jit(&ctx, &low.ir, low.root, None, JitOptions::default()).unwrap();
    let table = SplitMix(3).tensor(&[4, 3], Elem::F32, -1.0, 1.0);
    let good = Tensor::from_ints(&[5], Elem::Int(64), vec![0, 3, -1, 2, -4]);
    let func = strata_runtime::functions(&ctx, &m.ir, m.root)[0].1;
    let want = strata_runtime::run_function(&ctx, &m.ir, func, vec![table.clone(), good.clone()]).unwrap();
    compare(&jit.run("g", &[table.clone(), good]).unwrap()[0], &want[0], Tolerance::EXACT).unwrap();
    let bad = Tensor::from_ints(&[5], Elem::Int(64), vec![0, 1, 1 << 40, 2, 3]);
    let want = strata_runtime::run_function(&ctx, &m.ir, func, vec![table.clone(), bad.clone()]).unwrap_err();
    let got = jit.run("g", &[table, bad]).unwrap_err();
    let (got, want) = (got.diagnostic().unwrap(), want.diagnostic().unwrap());
    assert_eq!(got.loc, want.loc);
    assert!(
        got.message.contains("out of range") || got.message.contains("index"),
        "{} vs {}",
        got.message,
        want.message
    );
}

/// Objects compiled by clang from MLIR's LLVM IR, for AVX2 and for AVX-512 when the machine
/// has it, linked with the Cranelift backend's C driver and run as programs: weights from
/// their own section, parallel loops on the driver's pthreads, results through the header.
#[test]
fn objects_run_under_the_c_driver() {
    use strata_lowering::codegen::driver::{Program, Toolchain};
    let ctx = context();
    let path = format!("{}/../testdata/codegen/programs.mlir", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).unwrap();
    let m = strata_ir::parse_source(&ctx, &path, &src, &Default::default()).unwrap();
    let low = lowered(&ctx, &m);
    let tools = Toolchain::find(Target::X86_64).expect("a C compiler");
    let mut cpus = vec!["x86-64-v3"];
    if strata_llvm::host_vector_bits() >= 512 {
        cpus.push("x86-64-v4");
    }
    for cpu in cpus {
        for name in ["layers", "conv", "math"] {
            let func = strata_runtime::functions(&ctx, &m.ir, m.root).into_iter().find(|f| f.0 == name).unwrap().1;
            let ins = inputs(&ctx, &m, func, 9).unwrap();
            let want = strata_runtime::run_function(&ctx, &m.ir, func, ins.clone()).unwrap();
            let artifacts = strata_llvm::emit_object(&ctx, &low.ir, low.root, "module", cpu, Some(&[name]))
                .unwrap_or_else(|e| panic!("{name} {cpu}: {e}"));
            let program = Program::link(&artifacts, name, &tools).unwrap_or_else(|e| panic!("{name} {cpu}: {e}"));
            let (got, _) = program.run(&ins, None, Some(2)).unwrap_or_else(|e| panic!("{name} {cpu}: {e}"));
            for (g, w) in got.iter().zip(&want) {
                compare(g, w, TOLERANCE).unwrap_or_else(|e| panic!("{name} {cpu}: {e}"));
            }
        }
    }
}

/// The bridge to upstream's passes: loop-level programs (scf, memref, arith, math, vector, func)
/// through upstream pipelines and read back compute what they computed before, in the
/// interpreter.
#[test]
fn upstream_pipelines_on_strata_ir_keep_its_meaning() {
    let ctx = context();
    let path = format!("{}/../testdata/codegen/programs.mlir", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).unwrap();
    let m = strata_ir::parse_source(&ctx, &path, &src, &Default::default()).unwrap();
    let low = lowered(&ctx, &m);
    for pipeline in [
        "builtin.module(func.func(canonicalize, cse))",
        "builtin.module(convert-scf-to-cf, func.func(canonicalize))",
        "builtin.module(func.func(loop-invariant-code-motion), canonicalize)",
    ] {
        let back =
            strata_llvm::run_upstream_pipeline(&ctx, &low, pipeline).unwrap_or_else(|e| panic!("{pipeline}: {e}"));
        strata_ir::verify(&ctx, &back.ir, back.root).unwrap_or_else(|d| panic!("{pipeline}: {}", d.message));
        for name in ["math", "layers", "row_max", "collatz"] {
            let find = |m: &Module| {
                strata_runtime::functions(&ctx, &m.ir, m.root).into_iter().find(|f| f.0 == name).unwrap().1
            };
            let ins = inputs(&ctx, &low, find(&low), 5).unwrap();
            let want = strata_runtime::run_function(&ctx, &low.ir, find(&low), ins.clone()).unwrap();
            let got = strata_runtime::run_function(&ctx, &back.ir, find(&back), ins)
                .unwrap_or_else(|e| panic!("{pipeline} @{name}: {e}"));
            for (g, w) in got.iter().zip(&want) {
                compare(g, w, Tolerance::EXACT).unwrap_or_else(|e| panic!("{pipeline} @{name}: {e}"));
            }
        }
    }
    let bad = strata_llvm::run_upstream_pipeline(&ctx, &low, "builtin.module(no-such-pass)").unwrap_err();
    assert!(bad.to_string().contains("no-such-pass"), "{bad}");
}

/// What upstream rejects is an error at the op in the user's file, not a crash: here a
/// `memref.get_global` of a global that does not exist (our verifier leaves symbol checks of
/// globals to the end of the pipeline; upstream's verifier finds it).
#[test]
fn upstream_errors_are_located_diagnostics() {
    let ctx = context();
    let src = "func.func @f() -> memref<4xf32> {\n  %g = memref.get_global @missing : memref<4xf32>\n  return %g : memref<4xf32>\n}\n";
    let m = strata_ir::parse_source(&ctx, "missing.mlir", src, &Default::default()).unwrap();
    let err = match strata_llvm::compile_jit(&ctx, &m.ir, m.root, None, JitOptions::default()) {
        Err(e) => e,
        Ok(_) => panic!("upstream accepted a missing global"),
    };
    let d = err.diagnostic().unwrap_or_else(|| panic!("not located: {err}"));
    assert_eq!(ctx.loc_file_line_col(d.loc), Some(("missing.mlir", 2, 8)), "{err}");
    assert!(d.message.contains("missing"), "{}", d.message);
}

/// `--profile` through LLVM: the graph lowered by `strata_llvm::profile_pipeline()` and compiled
/// with the hooks computes what the unprofiled code computes, and each call records one span
/// per kernel the pipeline tagged (the same kernels Cranelift's profile lists), chunks of the
/// parallel loops on the pool's threads, and the entry's own span around them all.
#[test]
fn profiled_code_times_every_kernel() {
    use strata_lowering::codegen::profile::record::Span;
    const GRAPH: &str = include_str!("../../../testdata/codegen/Inputs/profile-graph.mlir");
    let ctx = context();
    let m = strata_ir::parse_source(&ctx, "profile.mlir", GRAPH, &Default::default()).unwrap();
    let mut registry = PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    let mut tagged = m.clone();
    let pm = PassManager::new(registry.parse_pipeline(&strata_llvm::profile_pipeline()).unwrap());
    pm.run(&ctx, &mut tagged.ir, tagged.root).unwrap_or_else(|f| panic!("{}", f.diagnostic.message));
    let tags: std::collections::BTreeSet<u32> = tagged
        .ir
        .collect_ops(tagged.root)
        .into_iter()
        .filter_map(|op| strata_lowering::codegen::profile::kernel_of(&ctx, tagged.ir.op(op).loc()))
        .map(|(_, k)| k.index)
        .collect();
    assert!(tags.len() >= 4, "the pipeline tagged {tags:?}");
    let options = JitOptions { threads: Some(2), poison: true };
    let plain = strata_llvm::compile_jit(&ctx, &tagged.ir, tagged.root, None, options).unwrap();
    let profiled = strata_llvm::compile_jit_profiled(&ctx, &tagged.ir, tagged.root, None, options).unwrap();
    let profile = profiled.profile().expect("a profiled compile records");
    let indices: std::collections::BTreeSet<u32> = profile.kernels().iter().map(|k| k.index).collect();
    assert_eq!(indices, tags, "every tagged kernel is timed, and nothing else");
    let ins = inputs(&ctx, &m, strata_runtime::functions(&ctx, &m.ir, m.root)[0].1, 3).unwrap();
    let want = plain.run("main", &ins).unwrap();
    for call in 0..2 {
        let got = profiled.run("main", &ins).unwrap();
        for (g, w) in got.iter().zip(&want) {
            compare(g, w, Tolerance { rtol: 0.0, atol: 0.0 }).unwrap_or_else(|e| panic!("call {call}: {e}"));
        }
        let events = profile.take_events();
        let entries = events.iter().filter(|e| e.span == Span::Entry).count();
        assert_eq!(entries, 1, "call {call}: one entry span");
        for id in 0..profile.kernels().len() as u32 {
            let spans: Vec<_> = events.iter().filter(|e| e.span == Span::Kernel(id)).collect();
            assert_eq!(spans.len(), 1, "call {call}: kernel {} timed once", profile.kernels()[id as usize].name());
        }
        assert!(
            events.iter().any(|e| matches!(e.span, Span::Chunk { .. })),
            "call {call}: the parallel loops' chunks are recorded"
        );
    }
}

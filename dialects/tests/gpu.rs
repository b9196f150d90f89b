//! The `gpu` dialect: the custom forms exactly as mlir-opt-22 prints them (its double spaces
//! included), and the helpers and builder the lowering uses.

use std::process::Command;

use strata_dialects::gpu;
use strata_ir::*;

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

fn parse(ctx: &Context, src: &str) -> Module {
    let opts = ParseOptions { allow_unregistered: true, ..Default::default() };
    let m = parse_source(ctx, "gpu.mlir", src, &opts).unwrap_or_else(|d| panic!("{}", d.message));
    if let Err(d) = verify(ctx, &m.ir, m.root) {
        panic!("{}", d.message);
    }
    m
}

fn print(ctx: &Context, m: &Module, generic: bool) -> String {
    print_module(ctx, m, &PrintOptions { generic, ..Default::default() })
}

/// Every op and form of the dialect as `mlir-opt-22` prints it (the file is its output, checked
/// against it below when it is installed); the shuffle, whose two results upstream names
/// separately, is left out.
const UPSTREAM: &str = r#"module attributes {gpu.container_module} {
  gpu.module @kernels<#gpu.select_object<1 : i64>> [#nvvm.target, #nvvm.target<chip = "sm_90">] attributes {x.y} {
    gpu.func @k(%arg0: memref<4xf32> {x.a = 1 : i64}, %arg1: index) workgroup(%arg2 : memref<32xf32, 3> {x.w}, %arg3 : memref<8xi32, #gpu.address_space<workgroup>>) private(%arg4 : memref<4xf32, 5> {x.p = 2 : i64}) kernel attributes {known_block_size = array<i32: 32, 1, 1>, sym_visibility = "public"} {
      %thread_id_x = gpu.thread_id  x
      %thread_id_y = gpu.thread_id  y upper_bound 64
      %block_id_z = gpu.block_id  z {x.z}
      %block_dim_x = gpu.block_dim  x
      %grid_dim_y = gpu.grid_dim  y
      %global_id_z = gpu.global_id  z
      %cluster_id_x = gpu.cluster_id  x
      %cluster_dim_x = gpu.cluster_dim  x
      %cluster_block_id_x = gpu.cluster_block_id  x
      %cluster_dim_blocks_x = gpu.cluster_dim_blocks  x
      %thread_id_x_0 = gpu.thread_id  x
      %0 = gpu.lane_id
      %1 = gpu.lane_id upper_bound 32
      gpu.barrier
      gpu.barrier {x.b}
      gpu.return
    }
    gpu.func @r(%arg0: f32) -> (f32 {x.r}, i32) {
      %c0_i32 = arith.constant 0 : i32
      gpu.return %arg0, %c0_i32 : f32, i32
    }
    gpu.func @one(%arg0: f32) -> f32 attributes {x.q} {
      gpu.return %arg0 : f32
    }
    gpu.func @noargs() kernel {
      gpu.return
    }
  }
  gpu.module @empty {
  }
  func.func @host(%arg0: memref<4xf32>, %arg1: index, %arg2: i32, %arg3: !gpu.async.token, %arg4: i64) {
    %c1 = arith.constant 1 : index
    %c1_i64 = arith.constant 1 : i64
    gpu.launch_func  @kernels::@k blocks in (%c1, %c1, %c1) threads in (%arg1, %c1, %c1)  dynamic_shared_memory_size %arg2 args(%arg0 : memref<4xf32>, %arg1 : index)
    gpu.launch_func  @kernels::@k clusters in (%c1, %c1, %c1) blocks in (%c1, %c1, %c1) threads in (%arg1, %c1, %c1)  args(%arg0 : memref<4xf32>, %arg1 : index) {x.l}
    gpu.launch_func  @kernels::@noargs blocks in (%c1_i64, %c1_i64, %c1_i64) threads in (%arg4, %c1_i64, %c1_i64) : i64 dynamic_shared_memory_size %arg2 
    %0 = gpu.launch_func async [%arg3] @kernels::@k blocks in (%c1, %c1, %c1) threads in (%arg1, %c1, %c1)  args(%arg0 : memref<4xf32>, %arg1 : index)
    %1 = gpu.launch_func async @kernels::@noargs blocks in (%c1, %c1, %c1) threads in (%arg1, %c1, %c1)  
    gpu.launch_func [%arg3, %1] @kernels::@noargs blocks in (%c1, %c1, %c1) threads in (%arg1, %c1, %c1)   {foo = 1 : i64}
    gpu.launch_func <%arg4 : i64> @kernels::@noargs blocks in (%c1, %c1, %c1) threads in (%arg1, %c1, %c1)  
    return
  }
  func.func @launch(%arg0: index, %arg1: i32) {
    %c1 = arith.constant 1 : index
    gpu.launch blocks(%arg2, %arg3, %arg4) in (%arg8 = %c1, %arg9 = %c1, %arg10 = %c1) threads(%arg5, %arg6, %arg7) in (%arg11 = %arg0, %arg12 = %c1, %arg13 = %c1) dynamic_shared_memory_size %arg1 workgroup(%arg14 : memref<32xf32, 3>, %arg15 : memref<4xf32, #gpu.address_space<workgroup>>) {
      %0 = arith.addi %arg2, %arg5 : index
      gpu.terminator
    }
    return
  }
  func.func @launch_async(%arg0: index, %arg1: !gpu.async.token) {
    %c1 = arith.constant 1 : index
    %0 = gpu.launch async [%arg1] clusters(%arg14, %arg15, %arg16) in (%arg17 = %c1, %arg18 = %c1, %arg19 = %c1) blocks(%arg2, %arg3, %arg4) in (%arg8 = %c1, %arg9 = %c1, %arg10 = %c1) threads(%arg5, %arg6, %arg7) in (%arg11 = %arg0, %arg12 = %c1, %arg13 = %c1) module(@mm) function(@ff) private(%arg20 : memref<4xf32, 5>) {
      gpu.terminator
    } {x.y = 3 : i64}
    return
  }
}
"#;

#[test]
fn custom_forms_print_as_mlir_opt_22_prints_them() {
    let ctx = context();
    let m = parse(&ctx, UPSTREAM);
    assert_eq!(print(&ctx, &m, false), UPSTREAM);
    // The generic form reads back to the same custom text.
    let generic = print(&ctx, &m, true);
    assert_eq!(print(&ctx, &parse(&ctx, &generic), false), UPSTREAM);
}

#[test]
fn upstream_prints_the_fixture_unchanged() {
    let Ok(out) = Command::new("mlir-opt-22").arg("--allow-unregistered-dialect").arg("-").output_with(UPSTREAM) else {
        eprintln!("SKIPPED: mlir-opt-22 not found");
        return;
    };
    assert_eq!(out.trim_end(), UPSTREAM.trim_end());
}

trait OutputWith {
    fn output_with(&mut self, stdin: &str) -> std::io::Result<String>;
}

impl OutputWith for Command {
    fn output_with(&mut self, stdin: &str) -> std::io::Result<String> {
        use std::io::Write;
        use std::process::Stdio;
        let mut child = self.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        child.stdin.take().unwrap().write_all(stdin.as_bytes())?;
        let out = child.wait_with_output()?;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Ok(String::from_utf8(out.stdout).unwrap())
    }
}

/// `testdata/ir/gpu.mlir`: kernels, a device function, launches and a launch region.
const CORPUS: &str = include_str!("../../testdata/ir/gpu.mlir");

fn ops_named(ctx: &Context, ir: &Ir, root: OpId, name: &str) -> Vec<OpId> {
    let mut found = Vec::new();
    ir.walk(root, WalkOrder::PreOrder, &mut |o| {
        if ctx.ident_str(ir.op(o).name()) == name {
            found.push(o);
        }
        WalkControl::Advance
    });
    found
}

fn value_name(ctx: &Context, m: &Module, v: Value) -> Option<String> {
    // The argument's position tells which host argument it is.
    match m.ir.value(v).def() {
        ValueDef::BlockArg { index, .. } => Some(format!("arg{index}")),
        ValueDef::Result { op, .. } => {
            let o = m.ir.op(op);
            let value = o.attr(ctx.ident("value")).map(|a| ctx.attr_to_string(a))?;
            Some(value)
        }
        ValueDef::Placeholder => None,
    }
}

#[test]
fn launch_func_operands_read_the_segments() {
    let ctx = context();
    let m = parse(&ctx, CORPUS);
    let launches = ops_named(&ctx, &m.ir, m.root, "gpu.launch_func");
    assert_eq!(launches.len(), 3);
    let l = gpu::launch_func_operands(&ctx, &m.ir, launches[0]).unwrap();
    assert_eq!((l.module.as_str(), l.function.as_str()), ("kernels", "saxpy"));
    let names = |vs: &[Value]| vs.iter().map(|v| value_name(&ctx, &m, *v).unwrap()).collect::<Vec<_>>();
    assert_eq!(names(&l.grid), ["4 : index", "1 : index", "1 : index"]);
    assert_eq!(names(&l.block), ["256 : index", "1 : index", "1 : index"]);
    assert_eq!(names(&l.kernel_operands), ["arg0", "arg1", "arg2", "1024 : index"]);
    assert!(l.dynamic_shared_memory.is_none() && l.cluster.is_none() && l.async_dependencies.is_empty());
    let l = gpu::launch_func_operands(&ctx, &m.ir, launches[1]).unwrap();
    assert_eq!(names(&l.grid), ["4 : i32", "1 : i32", "1 : i32"]);
    let l = gpu::launch_func_operands(&ctx, &m.ir, launches[2]).unwrap();
    assert_eq!(l.function, "block_sum");
    assert_eq!(names(&[l.dynamic_shared_memory.unwrap()]), ["0 : i32"]);
    assert_eq!(names(&l.kernel_operands), ["arg1", "arg3"]);
    // Not a launch, or malformed segments: an error, not a panic.
    assert!(gpu::launch_func_operands(&ctx, &m.ir, m.root).is_err());
    let mut ir = m.ir.clone();
    ir.remove_attr(launches[0], ctx.ident("operandSegmentSizes"));
    assert!(gpu::launch_func_operands(&ctx, &ir, launches[0]).is_err());
}

#[test]
fn dimensions_and_attributions() {
    let ctx = context();
    let m = parse(&ctx, CORPUS);
    let dims: Vec<(String, usize)> =
        ["gpu.thread_id", "gpu.block_id", "gpu.grid_dim", "gpu.block_dim", "gpu.global_id"]
            .iter()
            .flat_map(|n| ops_named(&ctx, &m.ir, m.root, n))
            .map(|o| (ctx.ident_str(m.ir.op(o).name()).to_string(), gpu::dimension(&ctx, &m.ir, o).unwrap()))
            .collect();
    let count = |n: &str, d: usize| dims.iter().filter(|(o, x)| o == n && *x == d).count();
    assert_eq!((count("gpu.thread_id", 0), count("gpu.thread_id", 1), count("gpu.thread_id", 2)), (2, 1, 1));
    assert_eq!((count("gpu.block_id", 0), count("gpu.grid_dim", 1), count("gpu.block_dim", 2)), (2, 1, 1));
    assert_eq!(count("gpu.global_id", 0), 1);
    let lane = ops_named(&ctx, &m.ir, m.root, "gpu.lane_id")[0];
    assert_eq!(gpu::dimension(&ctx, &m.ir, lane), None);
    let modes: Vec<_> =
        ops_named(&ctx, &m.ir, m.root, "gpu.shuffle").iter().map(|o| gpu::shuffle_mode(&ctx, &m.ir, *o)).collect();
    assert_eq!(modes, [Some("xor"), Some("down"), Some("up"), Some("idx")]);

    let funcs = ops_named(&ctx, &m.ir, m.root, "gpu.func");
    let kernels: Vec<bool> = funcs.iter().map(|f| gpu::is_kernel(&ctx, &m.ir, *f)).collect();
    assert_eq!(kernels, [true, true, false]);
    let a = gpu::attributions(&ctx, &m.ir, funcs[1]).unwrap();
    let types = |vs: &[Value]| vs.iter().map(|v| ctx.type_to_string(m.ir.value_type(*v))).collect::<Vec<_>>();
    assert_eq!(types(&a.workgroup), ["memref<8xf32, #gpu.address_space<workgroup>>"]);
    assert_eq!(types(&a.private), ["memref<1xf32, #gpu.address_space<private>>"]);
    let none = gpu::attributions(&ctx, &m.ir, funcs[0]).unwrap();
    assert!(none.workgroup.is_empty() && none.private.is_empty());
    let launch = ops_named(&ctx, &m.ir, m.root, "gpu.launch")[0];
    let a = gpu::attributions(&ctx, &m.ir, launch).unwrap();
    assert_eq!(
        (types(&a.workgroup), types(&a.private)),
        (vec!["memref<256xf32, 3>".to_string()], vec!["memref<1xf32, 5>".to_string()])
    );
}

#[test]
fn built_launches_verify_and_print_as_upstream() {
    let ctx = context();
    let src = "module attributes {gpu.container_module} {\n  gpu.module @m {\n    gpu.func @k(%arg0: memref<4xf32>, %arg1: index) kernel {\n      gpu.return\n    }\n  }\n  func.func @host(%arg0: memref<4xf32>, %arg1: index, %arg2: i32) {\n    return\n  }\n}\n";
    let mut m = parse(&ctx, src);
    let host = ops_named(&ctx, &m.ir, m.root, "func.func")[0];
    let ret = ops_named(&ctx, &m.ir, host, "func.return")[0];
    let entry = m.ir.region(m.ir.op(host).regions()[0]).entry().unwrap();
    let args = m.ir.block(entry).args().to_vec();
    let mut b = Builder::before(&ctx, &mut m.ir, ret);
    let x = gpu::build_id(&mut b, "gpu.block_dim", 0);
    assert_eq!(ctx.type_to_string(b.ir.value_type(x)), "index");
    b.ir.erase_op(match b.ir.value(x).def() {
        ValueDef::Result { op, .. } => op,
        _ => unreachable!(),
    });
    let n = args[1];
    let one = [n, n, n];
    gpu::build_launch_func(&mut b, "m", "k", one, one, Some(args[2]), &args[..2]);
    gpu::build_launch_func(&mut b, "m", "k", one, one, None, &args[..2]);
    verify(&ctx, &m.ir, m.root).unwrap_or_else(|d| panic!("{}", d.message));
    let text = print(&ctx, &m, false);
    assert!(text.contains("    gpu.launch_func  @m::@k blocks in (%arg1, %arg1, %arg1) threads in (%arg1, %arg1, %arg1)  dynamic_shared_memory_size %arg2 args(%arg0 : memref<4xf32>, %arg1 : index)\n"), "{text}");
    assert!(text.contains("    gpu.launch_func  @m::@k blocks in (%arg1, %arg1, %arg1) threads in (%arg1, %arg1, %arg1)  args(%arg0 : memref<4xf32>, %arg1 : index)\n"), "{text}");
    let generic = print(&ctx, &m, true);
    assert!(generic.contains("operandSegmentSizes = array<i32: 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 2, 0>"), "{generic}");
    assert!(generic.contains("operandSegmentSizes = array<i32: 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 0>"), "{generic}");
    let launches = ops_named(&ctx, &m.ir, m.root, "gpu.launch_func");
    let l = gpu::launch_func_operands(&ctx, &m.ir, launches[0]).unwrap();
    assert_eq!((l.grid, l.block, l.dynamic_shared_memory), (one, one, Some(args[2])));
    assert_eq!(l.kernel_operands, &args[..2]);
}

#[test]
fn shuffles_read_upstreams_names_and_print_one_name() {
    let ctx = context();
    let src = "func.func @f(%arg0: f32, %arg1: i32) -> (f32, i1) {\n  %shuffleResult, %valid = gpu.shuffle  xor %arg0, %arg1, %arg1 : f32\n  %0 = arith.addf %shuffleResult, %shuffleResult : f32\n  return %0, %valid : f32, i1\n}\n";
    let m = parse(&ctx, src);
    let text = print(&ctx, &m, false);
    assert!(text.contains("%shuffleResult:2 = gpu.shuffle  xor %arg0, %arg1, %arg1 : f32\n"), "{text}");
    assert!(text.contains("return %0, %shuffleResult#1 : f32, i1"), "{text}");
    let back = parse(&ctx, &text);
    assert_eq!(print(&ctx, &back, false), text);
}

#[test]
fn a_barrier_before_a_barrier_is_erased() {
    use strata_ir::rewrite::{apply_patterns_greedily, FrozenPatterns, GreedyConfig};
    let ctx = context();
    let src = "gpu.module @m {\n  gpu.func @k() kernel {\n    gpu.barrier\n    gpu.barrier\n    gpu.barrier\n    gpu.return\n  }\n}\n";
    let mut m = parse(&ctx, src);
    let patterns = ctx.op_def_by_name("gpu.barrier").unwrap().canonicalization.clone();
    let frozen = FrozenPatterns::new(&ctx, patterns);
    apply_patterns_greedily(&ctx, &mut m.ir, m.root, &frozen, &GreedyConfig::default());
    assert_eq!(ops_named(&ctx, &m.ir, m.root, "gpu.barrier").len(), 1);
}

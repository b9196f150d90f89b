// --view-op-graph writes one digraph per function to stderr (or, with output=FILE, to a file,
// whole): ops with their result types, layout and algorithm, the ops a kernel fuses and the
// location's name; edges labelled with types; nested regions as clusters.
// RUN: strata-opt %s --view-op-graph -o /dev/null 2>&1 | FileCheck %s
// RUN: strata-opt %s --view-op-graph='print-constants=false print-attrs=true max-label-len=12 print-locations=all' -o /dev/null 2>&1 | FileCheck %s --check-prefix=OPTS
// RUN: strata-opt %s --view-op-graph='print-control-flow-edges=true print-data-flow-edges=false' -o /dev/null 2>&1 | FileCheck %s --check-prefix=CF
// RUN: strata-opt %s --view-op-graph=output=%t.dot | FileCheck %s --check-prefix=IR
// RUN: FileCheck %s --input-file=%t.dot
// RUN: not strata-opt %s --view-op-graph=output=%t.missing/dir/x.dot 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: strata-opt %s --mlir-disable-threading --pass-pipeline='builtin.module(func.func(view-op-graph{print-locations=none}))' -o /dev/null 2>&1 | FileCheck %s --check-prefix=NESTED

// The IR is unchanged.
// IR: func.func @kernels

// ERR: error: view-op-graph: cannot write '{{.*}}x.dot'

// CHECK-LABEL: digraph "@kernels" {
// CHECK: n0 [label="%arg0\n2x8xf32", shape=ellipse, style=filled];
// CHECK: n1 [label="%arg1\n8xf32", shape=ellipse, style=filled];
// CHECK: n2 [label="arith.constant\nf32\nloc: scale", shape=plaintext, fontsize=8];
// The body of a kernel is listed, not drawn: constants and the yield compute nothing of its own.
// CHECK: n3 [label="kernel.elementwise\n2x8xf32\nfuses: addf, mulf, maximumf\nloc: node \"a\" <b> {c} | \\N"];
// CHECK-NOT: kernel.yield
// CHECK: n4 [label="func.return"];
// CHECK: n0 -> n3 [label="2x8xf32"];
// CHECK: n1 -> n3 [label="8xf32"];
// CHECK: n3 -> n4 [label="2x8xf32"];
// CHECK: label="@kernels";
// CHECK-NEXT: }
func.func @kernels(%a: tensor<2x8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  %s = arith.constant 2.0 : f32 loc("scale")
  %y = "kernel.elementwise"(%a, %b) ({
  ^bb0(%x: f32, %z: f32):
    %t = arith.addf %x, %z : f32
    %two = arith.constant 2.0 : f32
    %m = arith.mulf %t, %two : f32
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %m, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32> loc("node \"a\" <b> {c} | \\N")
  return %y : tensor<2x8xf32>
}

// CHECK-LABEL: digraph "@conv" {
// CHECK: n3 [label="nn.constant\n8xf32", shape=plaintext, fontsize=8];
// CHECK: n4 [label="kernel.conv2d\n1x1x8x8x8xf32\nlayout=NCHW8c algorithm=winograd_f2x3\nfuses: addf, maximumf\nloc: conv1"];
// CHECK: n5 [label="nn.relayout\n1x8x8x8xf32\nfrom=NCHW8c to=NCHW"];
// CHECK: n6 [label="nn.conv2d\n1x8x8x8xf32\nlayout=NCHW algorithm=im2col_gemm\nloc: conv2"];
// CHECK: n3 -> n4 [label="8xf32"];
// CHECK: n2 -> n4 [label="1x1x8x8x8xf32"];
// CHECK: n4 -> n5 [label="1x1x8x8x8xf32"];

// Without constants, the bias and its edge are gone and the title counts them; every
// attribute is shown, each text cut to 12 characters (types too); locations in full.
// OPTS-LABEL: digraph "@conv" {
// OPTS-NOT: nn.constant
// OPTS: kernel.conv2d\n1x1x8x8x8...\nlayout=NCHW8c algorithm=winograd_...\ndilations=[1, 1]\ngroups=1 : i64\npadding=[1, 1, 1, 1]\nstrides=[1, 1]\nfuses: addf,\n  maximumf\nloc: \"conv1\""];
// OPTS: nn.conv2d\n1x8x8x8xf32\nlayout=NCHW algorithm=im2col_gemm\npadding=[1, 1, 1, 1]\nloc: \"conv2\"(\"..."];
// OPTS-NOT: -> n4 [label="8xf32"]
// OPTS: label="@conv\n1 constants not drawn";
func.func @conv(%x: tensor<1x1x8x8x8xf32>, %w: tensor<8x8x3x3xf32>, %res: tensor<1x1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %b = "nn.constant"() {value = dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>} : () -> tensor<8xf32>
  %y = "kernel.conv2d"(%x, %w, %b, %res) <{layout = "NCHW8c", algorithm = "winograd_f2x3", padding = [1, 1, 1, 1], strides = [1, 1], dilations = [1, 1], groups = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1>}> ({
  ^bb0(%acc: f32, %r: f32):
    %s = arith.addf %acc, %r : f32
    %zero = arith.constant 0.0 : f32
    %m = arith.maximumf %s, %zero : f32
    "kernel.yield"(%m) : (f32) -> ()
  }) : (tensor<1x1x8x8x8xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>, tensor<1x1x8x8x8xf32>) -> tensor<1x1x8x8x8xf32> loc("conv1")
  %r = "nn.relayout"(%y) {from = "NCHW8c", to = "NCHW"} : (tensor<1x1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %z = "nn.conv2d"(%r, %w) {padding = [1, 1, 1, 1], layout = "NCHW", algorithm = "im2col_gemm"} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32> loc("conv2"("f.onnx":3:1))
  return %z : tensor<1x8x8x8xf32>
}

// Nested regions are clusters; the loop's body uses values from outside it.
// CHECK-LABEL: digraph "@loop" {
// CHECK: subgraph cluster_0 {
// CHECK-NEXT: label="scf.for"; style="rounded,dashed"; color=gray50;
// CHECK-NEXT: n4 [label="scf.for\nf32"];
// CHECK-NEXT: n5 [label="arg #0\nindex", shape=ellipse, style=filled];
// CHECK-NEXT: n6 [label="arg #1\nf32", shape=ellipse, style=filled];
// CHECK-NEXT: n7 [label="arith.addf\nf32"];
// CHECK-NEXT: n8 [label="scf.yield"];
// CHECK-NEXT: }
// CHECK: n6 -> n7 [label="f32"];
// CHECK: n0 -> n7 [label="f32"];

// Control flow: consecutive ops and branches, dashed; no data-flow edges.
// CF-LABEL: digraph "@branches" {
// CF: subgraph cluster_0 {
// CF-NEXT: label="^bb0"
// CF: subgraph cluster_1 {
// CF-NEXT: label="^bb1"
// CF: subgraph cluster_2 {
// CF-NEXT: label="^bb2"
// CF-NOT: label="i1"
// CF: n2 -> n3 [style=dashed, color=gray60];
// CF-NEXT: n4 -> n5 [style=dashed, color=gray60];
// CF-NEXT: n1 -> n2 [style=dashed, color=gray60];
// CF-NEXT: n1 -> n4 [style=dashed, color=gray60];
func.func @loop(%x: f32, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = "scf.for"(%c0, %n, %c1, %x) ({
  ^bb0(%i: index, %acc: f32):
    %s = arith.addf %acc, %x : f32
    scf.yield %s : f32
  }) : (index, index, index, f32) -> f32
  return %r : f32
}

func.func @branches(%c: i1) -> i32 {
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  %one = arith.constant 1 : i32
  return %one : i32
^bb2:
  %two = arith.constant 2 : i32
  return %two : i32
}

// Nested under func.func, the pass runs once per function (in order, without threads), and
// print-locations=none drops the locations.
// NESTED: digraph "@kernels" {
// NESTED-NOT: loc:
// NESTED: digraph "@conv" {

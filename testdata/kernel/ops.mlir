// The kernel dialect round-trips, and the interpreter-facing verifier accepts what egraph-opt
// writes: elementwise bodies of any arity, conv and matmul epilogues with extras.
// RUN: strata-opt %s | strata-opt | FileCheck %s
// RUN: strata-opt %s --mlir-print-op-generic | strata-opt | FileCheck %s

// CHECK-LABEL: func.func @elementwise
// CHECK:         "kernel.elementwise"(%arg0, %arg1, %arg2) ({
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32):
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK-NEXT:      %[[M:.*]] = arith.mulf %[[S]], %[[C]] : f32
// CHECK-NEXT:      "kernel.yield"(%[[M]]) : (f32) -> ()
// CHECK-NEXT:    }) : (tensor<2x8xf32>, tensor<8xf32>, tensor<1x1xf32>) -> tensor<2x8xf32>
func.func @elementwise(%a: tensor<2x8xf32>, %b: tensor<8xf32>, %c: tensor<1x1xf32>) -> tensor<2x8xf32> {
  %y = "kernel.elementwise"(%a, %b, %c) ({
  ^bb0(%x: f32, %z: f32, %w: f32):
    %s = arith.addf %x, %z : f32
    %m = arith.mulf %s, %w : f32
    "kernel.yield"(%m) : (f32) -> ()
  }) : (tensor<2x8xf32>, tensor<8xf32>, tensor<1x1xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// CHECK-LABEL: func.func @conv
// CHECK:         "kernel.conv2d"(%arg0, %arg1, %arg2, %arg3) <{layout = "NCHW8c", operandSegmentSizes = array<i32: 1, 1, 1, 1>, padding = [1, 1, 1, 1]}> ({
// CHECK:         }) : (tensor<1x2x6x6x8xf32>, tensor<16x16x3x3xf32>, tensor<16xf32>, tensor<1x2x6x6x8xf32>) -> tensor<1x2x6x6x8xf32>
func.func @conv(%x: tensor<1x2x6x6x8xf32>, %w: tensor<16x16x3x3xf32>, %b: tensor<16xf32>, %r: tensor<1x2x6x6x8xf32>) -> tensor<1x2x6x6x8xf32> {
  %y = "kernel.conv2d"(%x, %w, %b, %r) <{layout = "NCHW8c", padding = [1, 1, 1, 1], operandSegmentSizes = array<i32: 1, 1, 1, 1>}> ({
  ^bb0(%acc: f32, %res: f32):
    %s = arith.addf %acc, %res : f32
    %zero = arith.constant 0.0 : f32
    %m = arith.maximumf %s, %zero : f32
    "kernel.yield"(%m) : (f32) -> ()
  }) : (tensor<1x2x6x6x8xf32>, tensor<16x16x3x3xf32>, tensor<16xf32>, tensor<1x2x6x6x8xf32>) -> tensor<1x2x6x6x8xf32>
  return %y : tensor<1x2x6x6x8xf32>
}

// CHECK-LABEL: func.func @matmul
// CHECK:         "kernel.matmul"(%arg0, %arg1) ({
func.func @matmul(%a: tensor<4x3x5xf32>, %b: tensor<5x7xf32>) -> tensor<4x3x7xf32> {
  %y = "kernel.matmul"(%a, %b) ({
  ^bb0(%acc: f32):
    %t = math.tanh %acc : f32
    "kernel.yield"(%t) : (f32) -> ()
  }) : (tensor<4x3x5xf32>, tensor<5x7xf32>) -> tensor<4x3x7xf32>
  return %y : tensor<4x3x7xf32>
}

// Relayouts between blocked and unblocked layouts lower without a division per element: the
// channel is split into (block, lane) and the loops follow the target's order, so NHWC <->
// NCHW8c copies vectorize along the lane. Every pair of layouts, on an odd spatial size, at
// the loop level and compiled, against the interpreter's graph-level relayout.
// RUN: strata-opt %s --pass-pipeline='builtin.module(lower-to-loops, func.func(vectorize{width=8}))' | FileCheck %s
// RUN: rm -rf %t && strata-run %s --entry f --random-inputs 9 --output-dir %t > /dev/null
// RUN: strata-run %s --entry f --input %t/input0.npy --pass-pipeline='builtin.module(lower-to-loops, func.func(vectorize{width=8}))' --verify-each-pass --compare %t/output0.npy --compare %t/output1.npy --compare %t/output2.npy --compare %t/output3.npy 2>&1 | FileCheck %s --check-prefix=EXEC
// RUN: strata-run %s --entry f --input %t/input0.npy --target host --pass-pipeline='builtin.module(lower-to-loops, func.func(vectorize{width=8}))' --compare %t/output0.npy --compare %t/output1.npy --compare %t/output2.npy --compare %t/output3.npy 2>&1 | FileCheck %s --check-prefix=EXEC
// EXEC: compare: all 4 outputs match

func.func @f(%x: tensor<1x16x3x5xf32>) -> (tensor<1x3x5x16xf32>, tensor<1x16x3x5xf32>, tensor<1x4x3x5x4xf32>, tensor<1x16x3x5xf32>) {
  %b8 = "nn.relayout"(%x) {from = "NCHW", to = "NCHW8c"} : (tensor<1x16x3x5xf32>) -> tensor<1x2x3x5x8xf32>
  %hwc = "nn.relayout"(%b8) {from = "NCHW8c", to = "NHWC"} : (tensor<1x2x3x5x8xf32>) -> tensor<1x3x5x16xf32>
  %b8b = "nn.relayout"(%hwc) {from = "NHWC", to = "NCHW8c"} : (tensor<1x3x5x16xf32>) -> tensor<1x2x3x5x8xf32>
  %back = "nn.relayout"(%b8b) {from = "NCHW8c", to = "NCHW"} : (tensor<1x2x3x5x8xf32>) -> tensor<1x16x3x5xf32>
  %b4 = "nn.relayout"(%hwc) {from = "NHWC", to = "NCHW4c"} : (tensor<1x3x5x16xf32>) -> tensor<1x4x3x5x4xf32>
  %b4back = "nn.relayout"(%b4) {from = "NCHW4c", to = "NCHW"} : (tensor<1x4x3x5x4xf32>) -> tensor<1x16x3x5xf32>
  return %hwc, %back, %b4, %b4back : tensor<1x3x5x16xf32>, tensor<1x16x3x5xf32>, tensor<1x4x3x5x4xf32>, tensor<1x16x3x5xf32>
}

// NCHW -> NCHW8c stays scalar (a transpose); no division or remainder anywhere.
// CHECK-LABEL: func.func @f
// CHECK-NOT:     arith.divsi
// CHECK-NOT:     arith.remsi
// NCHW8c -> NHWC: whole vectors of the lane.
// CHECK:         vector.load %{{.*}} : memref<1x2x3x5x8xf32>, vector<8xf32>
// CHECK:         vector.store %{{.*}} : memref<1x3x5x16xf32>, vector<8xf32>
// NHWC -> NCHW8c.
// CHECK:         vector.load %{{.*}} : memref<1x3x5x16xf32>, vector<8xf32>
// CHECK:         vector.store %{{.*}} : memref<1x2x3x5x8xf32>, vector<8xf32>
// NHWC -> NCHW4c, four lanes.
// CHECK:         vector.load %{{.*}} : memref<1x3x5x16xf32>, vector<4xf32>
// CHECK:         vector.store %{{.*}} : memref<1x4x3x5x4xf32>, vector<4xf32>
// CHECK:         return

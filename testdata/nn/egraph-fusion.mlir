// Fusion: elementwise chains and trees become one kernel; elementwise consumers become the
// epilogue of a matmul or convolution; a cheap shared value is recomputed in each consumer, an
// expensive one (a convolution) is computed once.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{rules=simplify,fusion}))' | FileCheck %s

// CHECK-LABEL: func.func @tree
// CHECK-NEXT:    %[[K:.*]] = "kernel.elementwise"(%arg1, %arg0) ({
// CHECK-NEXT:    ^bb0(%[[B:.*]]: f32, %[[X:.*]]: f32):
// CHECK:           arith.negf %[[X]]
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK:           arith.mulf %{{.*}}, %[[X]]
// CHECK:           arith.addf %{{.*}}, %[[B]]
// CHECK:           arith.maximumf
// CHECK:           "kernel.yield"
// CHECK-NEXT:    }) : (tensor<64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
// CHECK-NEXT:    return %[[K]]
func.func @tree(%x: tensor<64x64xf32>, %b: tensor<64xf32>) -> tensor<64x64xf32> {
  %s = "nn.sigmoid"(%x) : (tensor<64x64xf32>) -> tensor<64x64xf32>
  %m = "nn.mul"(%s, %x) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %a = "nn.add"(%m, %b) : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xf32>
  %r = "nn.relu"(%a) : (tensor<64x64xf32>) -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// CHECK-LABEL: func.func @matmul_epilogue
// CHECK-NEXT:    %[[K:.*]] = "kernel.matmul"(%arg0, %arg1, %arg2) ({
// CHECK-NEXT:    ^bb0(%[[ACC:.*]]: f32, %[[BIAS:.*]]: f32):
// CHECK-NEXT:      arith.addf %[[ACC]], %[[BIAS]]
// CHECK:           math.erf
// CHECK:           "kernel.yield"
// CHECK-NEXT:    }) : (tensor<128x256xf32>, tensor<256x512xf32>, tensor<512xf32>) -> tensor<128x512xf32>
// CHECK-NEXT:    return %[[K]]
func.func @matmul_epilogue(%x: tensor<128x256xf32>, %w: tensor<256x512xf32>, %b: tensor<512xf32>) -> tensor<128x512xf32> {
  %m = "nn.matmul"(%x, %w) : (tensor<128x256xf32>, tensor<256x512xf32>) -> tensor<128x512xf32>
  %a = "nn.add"(%m, %b) : (tensor<128x512xf32>, tensor<512xf32>) -> tensor<128x512xf32>
  %g = "nn.gelu"(%a) : (tensor<128x512xf32>) -> tensor<128x512xf32>
  return %g : tensor<128x512xf32>
}

// A convolution whose result is also returned: fusing relu into its epilogue would compute
// it twice, so it stays one convolution and relu is its own op.
// CHECK-LABEL: func.func @shared_conv
// CHECK-NEXT:    %[[C:.*]] = "nn.conv2d"(%arg0, %arg1)
// CHECK-NEXT:    %[[R:.*]] = "nn.relu"(%[[C]])
// CHECK-NEXT:    return %[[C]], %[[R]]
func.func @shared_conv(%x: tensor<1x32x28x28xf32>, %w: tensor<32x32x3x3xf32>) -> (tensor<1x32x28x28xf32>, tensor<1x32x28x28xf32>) {
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1]} : (tensor<1x32x28x28xf32>, tensor<32x32x3x3xf32>) -> tensor<1x32x28x28xf32>
  %r = "nn.relu"(%c) : (tensor<1x32x28x28xf32>) -> tensor<1x32x28x28xf32>
  return %c, %r : tensor<1x32x28x28xf32>, tensor<1x32x28x28xf32>
}

// A cheap shared value (neg) is recomputed inside both consumers instead of written once.
// CHECK-LABEL: func.func @shared_cheap
// CHECK-NOT:     "nn.neg"
// CHECK:         "kernel.elementwise"(%arg0)
// CHECK:           arith.negf
// CHECK:           arith.maximumf
// CHECK:         "kernel.elementwise"(%arg0)
// CHECK:           arith.negf
// CHECK:           math.tanh
func.func @shared_cheap(%x: tensor<1024xf32>) -> (tensor<1024xf32>, tensor<1024xf32>) {
  %n = "nn.neg"(%x) : (tensor<1024xf32>) -> tensor<1024xf32>
  %r = "nn.relu"(%n) : (tensor<1024xf32>) -> tensor<1024xf32>
  %a = "nn.tanh"(%n) : (tensor<1024xf32>) -> tensor<1024xf32>
  return %r, %a : tensor<1024xf32>, tensor<1024xf32>
}

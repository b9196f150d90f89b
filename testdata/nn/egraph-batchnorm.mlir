// Batch norm after a convolution is folded into its weights and bias (computed at compile time
// by the interpreter); batch norm on a graph input becomes a scale and shift that fuses with
// what follows; any op on constants alone is folded.
// RUN: strata-opt %s --egraph-opt --mlir-pass-statistics 2>%t.stats | FileCheck %s
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.stats

// w' = w * scale / sqrt(var + eps) = 0.5 * 1.5 / sqrt(2.00001); b' = bias - mean * scale / sqrt(var + eps)
// CHECK-LABEL: func.func @conv_bn
// CHECK-NEXT:    %[[W:.*]] = "nn.constant"() <{value = dense<0.530328751> : tensor<16x16x3x3xf32>}>
// CHECK-NEXT:    %[[B:.*]] = "nn.constant"() <{value = dense<0.14393425> : tensor<16xf32>}>
// CHECK-NEXT:    "kernel.conv2d"(%arg0, %[[W]], %[[B]])
// CHECK-NOT:     batch_norm
// CHECK:         return
func.func @conv_bn(%x: tensor<1x16x14x14xf32>) -> tensor<1x16x14x14xf32> {
  %w = "nn.constant"() {value = dense<0.5> : tensor<16x16x3x3xf32>} : () -> tensor<16x16x3x3xf32>
  %s = "nn.constant"() {value = dense<1.5> : tensor<16xf32>} : () -> tensor<16xf32>
  %b = "nn.constant"() {value = dense<0.25> : tensor<16xf32>} : () -> tensor<16xf32>
  %m = "nn.constant"() {value = dense<0.1> : tensor<16xf32>} : () -> tensor<16xf32>
  %v = "nn.constant"() {value = dense<2.0> : tensor<16xf32>} : () -> tensor<16xf32>
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1]} : (tensor<1x16x14x14xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x14x14xf32>
  %n = "nn.batch_norm"(%c, %s, %b, %m, %v) {epsilon = 1.0e-5 : f32} : (tensor<1x16x14x14xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x14x14xf32>
  %r = "nn.relu"(%n) : (tensor<1x16x14x14xf32>) -> tensor<1x16x14x14xf32>
  return %r : tensor<1x16x14x14xf32>
}

// Per-channel values that differ: the folded constants list them.
// CHECK-LABEL: func.func @input_bn
// CHECK-DAG:     "nn.constant"() <{value = dense<{{\[\[\[}}2.000000e+00]], {{\[\[}}5.000000e-01]]]> : tensor<2x1x1xf32>}>
// CHECK-DAG:     "nn.constant"() <{value = dense<{{\[\[\[}}1.000000e+00]], {{\[\[}}-1.000000e+00]]]> : tensor<2x1x1xf32>}>
// CHECK:         "kernel.elementwise"({{.*}}%arg0
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:           math.tanh
// CHECK-NOT:     batch_norm
func.func @input_bn(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %s = "nn.constant"() {value = dense<[4.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %b = "nn.constant"() {value = dense<[1.0, -1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = "nn.constant"() {value = dense<0.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %v = "nn.constant"() {value = dense<[4.0, 4.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %n = "nn.batch_norm"(%x, %s, %b, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %t = "nn.tanh"(%n) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %t : tensor<1x2x4x4xf32>
}

// CHECK-LABEL: func.func @constants
// CHECK-NEXT:    %[[C:.*]] = "nn.constant"() <{value = dense<[3.000000e+00, 4.000000e+00]> : tensor<2xf32>}>
// CHECK-NEXT:    "nn.add"(%arg0, %[[C]])
func.func @constants(%x: tensor<2xf32>) -> tensor<2xf32> {
  %a = "nn.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %b = "nn.constant"() {value = dense<2.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "nn.add"(%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %y = "nn.add"(%x, %c) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// STATS: EGraphOpt
// STATS: (S) {{[1-9][0-9]*}} folded

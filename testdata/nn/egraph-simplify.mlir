// egraph-opt's simplification rules alone: idempotent activations, involutions, transpose and
// reshape pairs cancel; shared values stay shared; the estimated cost goes down.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{rules=simplify}))' --mlir-pass-statistics 2>%t.stats | FileCheck %s
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.stats
// With every family, what is left of @chain is one fused kernel plus the shared relu.
// RUN: strata-opt %s --egraph-opt | FileCheck %s --check-prefix=ALL

// STATS: (S) {{[0-9]+}} e-nodes
// STATS: (S) 27069 cost-before-ns
// STATS: (S) 12031 cost-after-ns

// ALL-LABEL: func.func @chain
// ALL:         "kernel.elementwise"(%{{.*}}, %arg0)
// ALL:           arith.maximumf
// ALL:           arith.addf
// ALL:         "nn.relu"(%arg0)
// ALL-NOT:     nn.neg
// ALL-NOT:     nn.transpose
// ALL-LABEL: func.func @kept

// CHECK-LABEL: func.func @chain
// CHECK-NEXT:    %[[C:.*]] = "nn.constant"
// CHECK-NEXT:    %[[R:.*]] = "nn.relu"(%arg0)
// CHECK-NEXT:    %[[A:.*]] = "nn.add"(%[[R]], %[[C]])
// CHECK-NEXT:    return %[[A]], %[[R]]
func.func @chain(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %a = "nn.relu"(%x) : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %b = "nn.relu"(%a) : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %t = "nn.transpose"(%b) {perm = [2, 0, 1]} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %u = "nn.transpose"(%t) {perm = [1, 2, 0]} : (tensor<4x2x3xf32>) -> tensor<2x3x4xf32>
  %n = "nn.neg"(%u) : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %m = "nn.neg"(%n) : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %r = "nn.reshape"(%m) {shape = [6, 4]} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %s = "nn.reshape"(%r) {shape = [2, 3, 4]} : (tensor<6x4xf32>) -> tensor<2x3x4xf32>
  %c = "nn.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %d = "nn.add"(%s, %c) : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %d, %b : tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// A transpose pair that does not cancel stays.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-2: "nn.transpose"
func.func @kept(%x: tensor<2x3x4xf32>) -> tensor<3x4x2xf32> {
  %t = "nn.transpose"(%x) {perm = [2, 0, 1]} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %u = "nn.transpose"(%t) {perm = [2, 0, 1]} : (tensor<4x2x3xf32>) -> tensor<3x4x2xf32>
  return %u : tensor<3x4x2xf32>
}

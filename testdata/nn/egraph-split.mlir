// nn.split takes part in the e-graph (one node per result) and is written back as one op;
// concatenating all its parts in order gives back its input, a cycle extraction leaves out.
// RUN: strata-opt %s --egraph-opt | FileCheck %s

// CHECK-LABEL: func.func @roundtrip
// CHECK-NEXT:    "nn.relu"(%arg0)
// CHECK-NOT:     nn.split
// CHECK-NOT:     nn.concat
func.func @roundtrip(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %a, %b = "nn.split"(%x) {axis = 1 : i64, sizes = [4, 6]} : (tensor<2x10xf32>) -> (tensor<2x4xf32>, tensor<2x6xf32>)
  %c = "nn.concat"(%a, %b) {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x6xf32>) -> tensor<2x10xf32>
  %r = "nn.relu"(%c) : (tensor<2x10xf32>) -> tensor<2x10xf32>
  return %r : tensor<2x10xf32>
}

// Parts used separately stay one split; each consumer is optimized.
// CHECK-LABEL: func.func @parts
// CHECK:         %[[S:.*]]:2 = "nn.split"(%arg0) <{axis = 0 : i64, sizes = [1, 3]}>
// CHECK-NOT:     nn.split
// CHECK:         "nn.tanh"(%[[S]]#1)
// CHECK:         return %[[S]]#0
func.func @parts(%x: tensor<4x5xf32>) -> (tensor<1x5xf32>, tensor<3x5xf32>) {
  %a, %b = "nn.split"(%x) {axis = 0 : i64, sizes = [1, 3]} : (tensor<4x5xf32>) -> (tensor<1x5xf32>, tensor<3x5xf32>)
  %n = "nn.neg"(%b) : (tensor<3x5xf32>) -> tensor<3x5xf32>
  %m = "nn.neg"(%n) : (tensor<3x5xf32>) -> tensor<3x5xf32>
  %t = "nn.tanh"(%m) : (tensor<3x5xf32>) -> tensor<3x5xf32>
  return %a, %t : tensor<1x5xf32>, tensor<3x5xf32>
}

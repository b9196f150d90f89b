// Malformed or invalid IR is a located diagnostic and exit status 1.
// RUN: not strata-run %s --entry f --random-inputs 1 2>&1 | FileCheck %s
// CHECK: bad-input.mlir:[[@LINE+3]]:{{[0-9]+}}: error: 'nn.relu' op result #0 has type tensor<5xf32>, but its operands and attributes give tensor<4xf32>
// CHECK-NOT: panicked
func.func @f(%x: tensor<4xf32>) -> tensor<5xf32> {
  %r = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<5xf32>
  return %r : tensor<5xf32>
}

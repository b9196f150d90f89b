// Malformed or invalid IR is a located diagnostic and exit status 1.
// RUN: not strata-run %s --entry f --random-inputs 1 2>&1 | FileCheck %s
// CHECK: bad-input.mlir:[[@LINE+3]]:8: error: 'nn.relu' op requires the same type for all operands and results
// CHECK-NOT: panicked
func.func @f(%x: tensor<4xf32>) -> tensor<5xf32> {
  %r = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<5xf32>
  return %r : tensor<5xf32>
}

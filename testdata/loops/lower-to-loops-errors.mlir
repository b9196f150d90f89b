// What lower-to-loops cannot lower is a located error, exit status 1.
// RUN: not strata-opt %s --pass-pipeline='builtin.module(lower-to-loops)' 2>&1 | FileCheck %s
// CHECK: lower-to-loops-errors.mlir:[[@LINE+4]]:8: error: lower-to-loops: a call between graph functions that was not inlined (recursive, or to a declaration); run `inline` first

func.func private @g(tensor<4xf32>) -> tensor<4xf32>
func.func @calls(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = func.call @g(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

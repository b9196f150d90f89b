// Rules loaded at run time, in the built-in syntax.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{rules-file=%S/exp-log.rules}))' | FileCheck %s
// RUN: strata-opt %s --egraph-opt | FileCheck %s --check-prefix=BUILTIN
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{rules-file=%S/missing.rules}))' 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK-LABEL: func.func @f
// CHECK-NEXT:    return %arg0
// BUILTIN:       math.exp
// MISSING:       cannot read rules file
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %l = "nn.log"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %e = "nn.exp"(%l) : (tensor<4xf32>) -> tensor<4xf32>
  return %e : tensor<4xf32>
}

// RUN: strata-opt %s \
// RUN:   --canonicalize > %t
// RUN: FileCheck %s --input-file=%t
// RUN: not strata-opt %S/does-not-exist.mlir
// RUN: echo 50%% | FileCheck %s --check-prefix=PCT
// CHECK: return
// PCT: 50%
func.func @f() {
  return
}

// XFAIL: *
// RUN: strata-opt %s | FileCheck %s
// CHECK: func.func @f
func.func @f() {
  return
}

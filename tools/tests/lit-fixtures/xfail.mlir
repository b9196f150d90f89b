// XFAIL: *
// RUN: strata-opt %s | FileCheck %s
// CHECK: @nope
func.func @f() {
  return
}

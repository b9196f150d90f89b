// RUN: strata-opt %s | FileCheck %s
// CHECK: func.func @wrong
func.func @f() {
  return
}

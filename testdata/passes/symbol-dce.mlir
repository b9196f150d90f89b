// RUN: strata-opt %s --symbol-dce | FileCheck %s
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(symbol-dce))' 2>&1 | FileCheck %s --check-prefix=ERR

// ERR: error: symbol-dce must run on an op that is a symbol table

// CHECK-DAG:  func.func @public
// CHECK-DAG:  func.func private @used
// CHECK-DAG:  func.func private @used_by_used
// CHECK-NOT:  @dead
func.func @public() {
  call @used() : () -> ()
  return
}
func.func private @used() {
  call @used_by_used() : () -> ()
  return
}
func.func private @used_by_used() {
  return
}
func.func private @dead() {
  call @dead_too() : () -> ()
  return
}
func.func private @dead_too() {
  return
}

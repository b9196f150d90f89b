// A callee of several blocks is inlined into a function body, but not into a structured op's
// region (scf.for takes one block): that call stays, and the IR verifies.
// RUN: strata-opt %s --inline | FileCheck %s

// CHECK-LABEL: func.func @in_loop
// CHECK:         scf.for
// CHECK:           call @abs_branchy
// CHECK-LABEL: func.func @at_top
// CHECK-NOT:     call @
// CHECK:         cf.cond_br
func.func @abs_branchy(%x: i64) -> i64 {
  %c0 = arith.constant 0 : i64
  %neg = arith.cmpi slt, %x, %c0 : i64
  cf.cond_br %neg, ^flip, ^keep
^flip:
  %y = arith.subi %c0, %x : i64
  return %y : i64
^keep:
  return %x : i64
}
func.func @in_loop(%m: memref<4xi64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  "scf.for"(%c0, %c4, %c1) ({
  ^bb0(%i: index):
    %v = memref.load %m[%i] : memref<4xi64>
    %a = func.call @abs_branchy(%v) : (i64) -> i64
    memref.store %a, %m[%i] : memref<4xi64>
    scf.yield
  }) : (index, index, index) -> ()
  return
}
func.func @at_top(%x: i64) -> i64 {
  %a = func.call @abs_branchy(%x) : (i64) -> i64
  return %a : i64
}

// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(apply-rules{file=%S/arith.rules}))' | FileCheck %s
// RUN: not strata-opt %s --pass-pipeline='builtin.module(apply-rules{file=%S/bad.rules})' 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not strata-opt %s --pass-pipeline='builtin.module(apply-rules{file=%S/missing.rules})' 2>&1 | FileCheck %s --check-prefix=MISSING

// BAD: bad.rules:1:29: expected
// MISSING: cannot read rules file

// CHECK-LABEL: func.func @rules
// CHECK-NEXT:    %[[C2:.*]] = arith.constant 2 : i16
// CHECK-NEXT:    %[[D:.*]] = arith.addi %arg0, %arg0 : i32
// CHECK-NEXT:    %[[C:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %[[M:.*]] = arith.muli %arg2, %[[C2]] : i16
// CHECK-NEXT:    return %[[D]], %[[C]], %arg1, %[[M]], %arg0
func.func @rules(%a: i32, %f: f32, %h: i16) -> (i32, i32, f32, i16, i32) {
  %c0 = arith.constant 0 : i32
  %c2 = arith.constant 2 : i32
  %c2h = arith.constant 2 : i16
  %x = arith.addi %a, %c0 : i32
  %y = arith.muli %x, %c2 : i32
  %z = arith.subi %a, %a : i32
  %n = arith.negf %f : f32
  %nn = arith.negf %n : f32
  %m = arith.muli %h, %c2h : i16
  %c1 = arith.constant 1 : i32
  %one = arith.muli %a, %c1 : i32
  return %y, %z, %nn, %m, %one : i32, i32, f32, i16, i32
}

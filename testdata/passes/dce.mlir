// RUN: strata-opt %s --dce | FileCheck %s

// A dead chain goes entirely; ops with effects (calls) and what they use stay.
// CHECK-LABEL: func.func @chain
// CHECK-NEXT:    %[[K:.*]] = arith.constant 5 : i32
// CHECK-NEXT:    call @sink(%[[K]]) : (i32) -> ()
// CHECK-NEXT:    return %arg0 : i32
func.func @chain(%a: i32) -> i32 {
  %k = arith.constant 5 : i32
  %x = arith.addi %a, %a : i32
  %y = arith.muli %x, %x : i32
  %z = arith.subi %y, %a : i32
  call @sink(%k) : (i32) -> ()
  return %a : i32
}
func.func private @sink(i32)

// CHECK-LABEL: func.func @unreachable
// CHECK-NOT:   ^bb1
func.func @unreachable(%a: i32) -> i32 {
  return %a : i32
^bb1:
  %x = arith.addi %a, %a : i32
  return %x : i32
}

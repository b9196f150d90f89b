// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(cse))' --mlir-pass-statistics 2>%t.stats | FileCheck %s
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.stats

// STATS:      CSE
// STATS-NEXT:   (S) 2 num-cse'd - Number of operations CSE'd
// STATS-NEXT:   (S) 1 num-dce'd - Number of operations DCE'd

// CHECK-LABEL: func.func @straight
// CHECK-NEXT:    %[[A:.*]] = arith.addi %arg0, %arg1 : i32
// CHECK-NEXT:    %[[M:.*]] = arith.muli %[[A]], %[[A]] : i32
// CHECK-NEXT:    return %[[M]] : i32
func.func @straight(%a: i32, %b: i32) -> i32 {
  %x = arith.addi %a, %b : i32
  %y = arith.addi %a, %b : i32
  %unused = arith.subi %a, %b : i32
  %m = arith.muli %x, %y : i32
  return %m : i32
}

// A value is reused in the blocks it dominates; siblings do not share.
// CHECK-LABEL: func.func @dominance
// CHECK-NEXT:    %[[X:.*]] = arith.addi %arg1, %arg1 : i32
// CHECK:       ^bb1:
// CHECK-NEXT:    %[[T:.*]] = arith.muli %[[X]], %[[X]] : i32
// CHECK-NEXT:    cf.br ^bb3(%[[T]] : i32)
// CHECK:       ^bb2:
// CHECK-NEXT:    %[[E:.*]] = arith.muli %[[X]], %[[X]] : i32
// CHECK-NEXT:    cf.br ^bb3(%[[E]] : i32)
func.func @dominance(%c: i1, %a: i32) -> i32 {
  %x = arith.addi %a, %a : i32
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  %y = arith.addi %a, %a : i32
  %t = arith.muli %y, %y : i32
  cf.br ^bb3(%t : i32)
^bb2:
  %e = arith.muli %x, %x : i32
  cf.br ^bb3(%e : i32)
^bb3(%r: i32):
  %s = arith.addi %r, %x : i32
  return %s : i32
}

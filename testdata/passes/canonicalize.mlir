// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(canonicalize))' --split-input-file | FileCheck %s

// Constants fold, are hoisted to the entry and shared; x + 0 folds away; constants go right.
// CHECK-LABEL: func.func @fold
// CHECK-NEXT:    %[[C6:.*]] = arith.constant 6 : i32
// CHECK-NEXT:    %[[S:.*]] = arith.addi %arg0, %[[C6]] : i32
// CHECK-NEXT:    %[[M:.*]] = arith.muli %[[S]], %[[C6]] : i32
// CHECK-NEXT:    return %[[M]] : i32
func.func @fold(%a: i32) -> i32 {
  %c0 = arith.constant 0 : i32
  %c2 = arith.constant 2 : i32
  %c3 = arith.constant 3 : i32
  %x = arith.addi %a, %c0 : i32
  %y = arith.muli %c2, %c3 : i32
  %z = arith.addi %y, %x : i32
  %w = arith.muli %y, %z : i32
  %dead = arith.subi %w, %a : i32
  return %w : i32
}

// -----

// A branch on a constant becomes a jump; the block it reaches alone merges in; the block
// nothing reaches goes.
// CHECK-LABEL: func.func @branches
// CHECK-NEXT:    %[[C:.*]] = arith.constant 7 : i32
// CHECK-NEXT:    return %[[C]] : i32
// CHECK-NOT:   ^bb
func.func @branches() -> i32 {
  %true = arith.constant true
  %c7 = arith.constant 7 : i32
  %c9 = arith.constant 9 : i32
  cf.cond_br %true, ^bb1(%c7 : i32), ^bb2(%c9 : i32)
^bb1(%x: i32):
  return %x : i32
^bb2(%y: i32):
  return %y : i32
}

// -----

// Both successors equal: an unconditional branch, then merged.
// CHECK-LABEL: func.func @same_successors
// CHECK-NEXT:    return %arg1 : i32
func.func @same_successors(%c: i1, %a: i32) -> i32 {
  cf.cond_br %c, ^bb1(%a : i32), ^bb1(%a : i32)
^bb1(%x: i32):
  return %x : i32
}

// -----

// An assertion on a constant true goes; one on an unknown value stays.
// CHECK-LABEL: func.func @asserts
// CHECK-NOT:     cf.assert %true
// CHECK:         cf.assert %arg0, "kept"
func.func @asserts(%c: i1) {
  %t = arith.constant true
  cf.assert %t, "dropped"
  cf.assert %c, "kept"
  return
}

// -----

// Folds compute in f64, so f80 and f128 results stay unfolded: 1 + 2^-60 is exact in both,
// and f64 would round it to 1. Comparisons of the same constants are exact and fold.
// CHECK-LABEL: func.func @wide_floats
// CHECK:         %[[S80:.*]] = arith.addf %{{.*}}, %{{.*}} : f80
// CHECK:         %[[S128:.*]] = arith.addf %{{.*}}, %{{.*}} : f128
// CHECK-NOT:     arith.cmpf
// CHECK:         return %[[S80]], %[[S128]], %true
func.func @wide_floats() -> (f80, f128, i1) {
  %one = arith.constant 1.0 : f80
  %tiny = arith.constant 8.673617379884035e-19 : f80
  %s80 = arith.addf %one, %tiny : f80
  %one128 = arith.constant 1.0 : f128
  %tiny128 = arith.constant 8.673617379884035e-19 : f128
  %s128 = arith.addf %one128, %tiny128 : f128
  %lt = arith.cmpf olt, %one, %tiny : f80
  %gt = arith.cmpf ogt, %one, %tiny : f80
  return %s80, %s128, %gt : f80, f128, i1
}

// RUN: strata-opt %s --inline --mlir-pass-statistics 2>%t.stats | FileCheck %s
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.stats
// No cleanup pipeline: the inlined body is left as it is.
// RUN: strata-opt %s --pass-pipeline="builtin.module(inline{default-pipeline=''})" | FileCheck %s --check-prefix=RAW

// STATS: (S) 3 num-inlined-calls
// STATS: (S) 2 num-erased-callables

// The private callees are inlined and erased; the caller is canonicalized afterwards.
// CHECK-NOT:   func.func private @add_one
// CHECK-LABEL: func.func @caller
// CHECK-NEXT:    %[[C:.*]] = arith.constant 2 : i32
// CHECK-NEXT:    %[[R:.*]] = arith.addi %arg0, %[[C]] : i32
// CHECK-NEXT:    return %[[R]] : i32
// RAW-LABEL:   func.func @caller
// RAW:           arith.constant 1 : i32
// RAW:           arith.constant 1 : i32
func.func private @add_one(%x: i32) -> i32 {
  %c1 = arith.constant 1 : i32
  %r = arith.addi %x, %c1 : i32
  return %r : i32
}
func.func @caller(%a: i32) -> i32 {
  %b = call @add_one(%a) : (i32) -> i32
  %c = call @add_one(%b) : (i32) -> i32
  return %c : i32
}

// A callee with several blocks: the caller's block splits, returns become branches.
// CHECK-LABEL: func.func @multi_caller
// CHECK:         cf.cond_br %arg0
// CHECK-NOT:     call @pick
func.func private @pick(%c: i1, %a: i32, %b: i32) -> i32 {
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  return %a : i32
^bb2:
  return %b : i32
}
func.func @multi_caller(%c: i1, %a: i32, %b: i32) -> i32 {
  %r = call @pick(%c, %a, %b) : (i1, i32, i32) -> i32
  %s = arith.muli %r, %r : i32
  return %s : i32
}

// Recursion is left alone.
// CHECK-LABEL: func.func @recursive
// CHECK:         call @recursive
func.func @recursive(%a: i32) -> i32 {
  %r = call @recursive(%a) : (i32) -> i32
  return %r : i32
}

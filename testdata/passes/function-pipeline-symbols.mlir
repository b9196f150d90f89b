// A function pipeline runs on each function lent to a thread of its own, where the module
// around it is out of reach: references to other functions (`func.call`, `func.constant`) are
// checked whenever the module is verified. Before, `func.constant` was reported as referring
// to an undefined function after every pass, with threads on and not without.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(cse))' | FileCheck %s
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(cse))' --mlir-disable-threading | FileCheck %s

// CHECK-LABEL: func.func @id
// CHECK-LABEL: func.func @returns_fn
// CHECK-NEXT:    %[[F:.*]] = constant @id : (i32) -> i32
// CHECK-NEXT:    return %[[F]]
// CHECK-LABEL: func.func @calls
// CHECK-NEXT:    %[[R:.*]] = call @id(%arg0) : (i32) -> i32
// CHECK-NEXT:    return %[[R]]
func.func @id(%a: i32) -> i32 {
  return %a : i32
}
func.func @returns_fn() -> ((i32) -> i32) {
  %f = func.constant @id : (i32) -> i32
  %g = func.constant @id : (i32) -> i32
  return %f : (i32) -> i32
}
func.func @calls(%a: i32) -> i32 {
  %r = func.call @id(%a) : (i32) -> i32
  return %r : i32
}

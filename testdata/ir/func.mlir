// func: signatures with attributes, visibility, declarations, calls, returns.
// RUN: strata-opt %s | strata-opt
func.func private @decl(i32, f32 {xt.attr}) -> (i32 {xt.res}, f32)
func.func nested @nested_vis(%arg0: i32) -> i32 attributes {xt.fattr = "x"} {
  return %arg0 : i32
}
func.func @multi(%a: i32 {xt.arg = 1 : i32}, %b: f32) -> (f32, i32) {
  return %b, %a : f32, i32
}
func.func @no_result() {
  return
}
func.func @returns_fn() -> ((i32) -> i32) {
  %f = func.constant @id : (i32) -> i32
  return %f : (i32) -> i32
}
func.func @id(%x: i32) -> i32 {
  return %x : i32
}
func.func @calls(%x: i32, %y: f32) -> i32 {
  %0 = func.call @id(%x) : (i32) -> i32
  %1:2 = func.call @multi(%0, %y) : (i32, f32) -> (f32, i32)
  func.call @no_result() : () -> ()
  %f = func.constant @id : (i32) -> i32
  %2 = func.call_indirect %f(%1#1) : (i32) -> i32
  return %2 : i32
}

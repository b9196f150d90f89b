// builtin: named and nested modules with attributes, unrealized casts.
// RUN: strata-opt %s | strata-opt
module @outer attributes {xt.flag, xt.level = 1 : i32} {
  module @inner {
    func.func @cast(%arg0: i32) -> i64 {
      %0 = builtin.unrealized_conversion_cast %arg0 : i32 to i64
      %1:2 = builtin.unrealized_conversion_cast %0 : i64 to f32, f64
      %2 = builtin.unrealized_conversion_cast to i64
      return %2 : i64
    }
  }
  module {
  }
}

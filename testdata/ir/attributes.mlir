// Every builtin attribute, including a resource blob.
// RUN: strata-opt --allow-unregistered-dialect %s | strata-opt --allow-unregistered-dialect
"xt.ints"() {i = 42 : i32, neg = -7 : i64, big = 18446744073709551615 : ui64, sgn = -128 : si8, idx = 3 : index, b = true, f_ = false, hex = 0xFF : i32, untyped = 12} : () -> ()
"xt.floats"() {f = 1.5 : f32, nan = 0x7FC00000 : f32, inf = 0x7FF0000000000000 : f64, d = -2.5e-3 : f64, half = 0.5 : f16, bh = 1.0 : bf16, third = 0.333333343 : f32, untyped = 2.0} : () -> ()
"xt.strings"() {s = "esc\"aped\n\t\\ \01 end", st = "typed" : i32, empty = ""} : () -> ()
"xt.composite"() {u, arr = [1, "two", [3.0 : f32], []], dict = {a = 1 : i8, "quoted key" = unit, nested = {b = [true]}}, empty_dict = {}} : () -> ()
"xt.refs"() {ty = tensor<2xf32>, fn = (i32) -> i1, sym = @foo, nested = @a::@b::@c, qsym = @"with space"} : () -> ()
"xt.dense"() {splat = dense<1.0> : tensor<2x2xf32>, list = dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>, bools = dense<[true, false]> : vector<2xi1>, hex = dense<"0x0000803F00000040"> : tensor<2xf32>, cplx = dense<(1.0, 2.0)> : tensor<2xcomplex<f32>>, none = dense<> : tensor<0xi32>, neg = dense<[-1, 2]> : tensor<2xi8>, scalar = dense<7> : tensor<i64>} : () -> ()
"xt.arrays"() {i64s = array<i64: 1, -2, 3>, f32s = array<f32: 1.0, 2.5>, empty = array<i32>, bools = array<i1: true, false>, i8s = array<i8: 127>} : () -> ()
"xt.maps"() {map = affine_map<(d0, d1)[s0] -> (d0 * 2 + s0, d1 mod 3, d0 ceildiv 4, d0 floordiv 2, d0 - d1, -d1)>, empty = affine_map<() -> ()>, strided = strided<[?, 1], offset: 4>, strided0 = strided<[2]>} : () -> ()
"xt.dialect"() {opaque = #xt.something<{x = [1, 2]}>, plain = #xt.flag, pretty = #xt<"raw text">} : () -> ()
"xt.resource"() {res = dense_resource<blob1> : tensor<2xi32>} : () -> ()

{-#
  dialect_resources: {
    builtin: {
      blob1: "0x040000000100000002000000"
    }
  }
#-}

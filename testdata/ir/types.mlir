// Every builtin type, as results of unregistered ops.
// RUN: strata-opt --allow-unregistered-dialect %s | strata-opt --allow-unregistered-dialect
"xt.scalars"() : () -> (i1, i8, i32, i64, i128, si8, ui16, index, f16, bf16, f32, f64, none)
"xt.composites"() : () -> (complex<f32>, complex<i8>, tuple<i32, f32>, tuple<>, tuple<tuple<i1>>)
"xt.functions"() : () -> ((i32) -> f32, () -> (), (i32, f32) -> (i1, i1), (i32) -> ((f32) -> i8))
"xt.tensors"() : () -> (tensor<4x?xf32>, tensor<*xf32>, tensor<f32>, tensor<0x4xi8>, tensor<4xf32, #xt.enc<"x">>, tensor<2xcomplex<f64>>)
"xt.memrefs"() : () -> (memref<4x?xf32>, memref<*xf32>, memref<4x4xf32, strided<[4, 1], offset: ?>>, memref<4xf32, affine_map<(d0) -> (d0 + 1)>>, memref<4xf32, 1>, memref<8xi8, strided<[1]>, 3>, memref<*xf32, 2>, memref<f32>)
"xt.vectors"() : () -> (vector<4xf32>, vector<[4]xf32>, vector<2x[8]xi8>, vector<f32>, vector<4x4xindex>)
"xt.opaque"() : () -> (!xt.ptr, !xt.struct<i32, f32>, !xt<"bar baz">, !xt.nested<<1>, [2], (3) -> {4}>)

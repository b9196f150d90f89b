// memref views and tensor slices in their custom forms: subview (dynamic and static entries,
// rank-reducing, strided sources, memory spaces), reinterpret_cast (also of an unranked
// memref), expand_shape and collapse_shape (static, dynamic, strided), extract_strided_metadata,
// realloc; tensor extract_slice, insert_slice, pad (nofold), generate, reshape, expand_shape,
// collapse_shape.

func.func @memref_views(%m: memref<8x16xf32>, %d: memref<?x32xf32>, %s: memref<8x16xf32, strided<[32, 2], offset: 4>>, %w: memref<4x4xi8, 3>, %u: memref<*xf32>, %o: index, %n: index) {
  %0 = memref.subview %m[%o, 2][4, %n][1, 2] : memref<8x16xf32> to memref<4x?xf32, strided<[16, 2], offset: ?>>
  %1 = memref.subview %m[0, 0][1, 16][1, 1] : memref<8x16xf32> to memref<16xf32>
  %2 = memref.subview %m[3, 0][1, 16][1, 1] : memref<8x16xf32> to memref<16xf32, strided<[1], offset: 48>>
  %3 = memref.subview %m[0, 5][8, 1][1, 1] : memref<8x16xf32> to memref<8xf32, strided<[16], offset: 5>>
  %4 = memref.subview %s[1, 2][4, 4][2, 1] : memref<8x16xf32, strided<[32, 2], offset: 4>> to memref<4x4xf32, strided<[64, 2], offset: 40>>
  %5 = memref.subview %w[1, 1][2, 2][1, 1] : memref<4x4xi8, 3> to memref<2x2xi8, strided<[4, 1], offset: 5>, 3>
  %6 = memref.subview %d[%o, 0][%n, 32][1, 1] : memref<?x32xf32> to memref<?x32xf32, strided<[32, 1], offset: ?>>
  %7 = memref.subview %m[0, 0][1, 1][1, 1] : memref<8x16xf32> to memref<f32>
  %8 = memref.reinterpret_cast %m to offset: [%o], sizes: [10, %n], strides: [%n, 1] : memref<8x16xf32> to memref<10x?xf32, strided<[?, 1], offset: ?>>
  %9 = memref.reinterpret_cast %u to offset: [0], sizes: [4, 4], strides: [4, 1] : memref<*xf32> to memref<4x4xf32>
  %10 = memref.reinterpret_cast %m to offset: [2], sizes: [], strides: [] : memref<8x16xf32> to memref<f32, strided<[], offset: 2>>
  %11 = memref.expand_shape %d [[0, 1], [2]] output_shape [%n, 4, 32] : memref<?x32xf32> into memref<?x4x32xf32>
  %12 = memref.collapse_shape %11 [[0, 1], [2]] : memref<?x4x32xf32> into memref<?x32xf32>
  %13 = memref.expand_shape %s [[0], [1, 2]] output_shape [8, 4, 4] : memref<8x16xf32, strided<[32, 2], offset: 4>> into memref<8x4x4xf32, strided<[32, 8, 2], offset: 4>>
  %14 = memref.collapse_shape %13 [[0], [1, 2]] : memref<8x4x4xf32, strided<[32, 8, 2], offset: 4>> into memref<8x16xf32, strided<[32, 2], offset: 4>>
  %15 = memref.collapse_shape %m [[0, 1]] : memref<8x16xf32> into memref<128xf32>
  %16 = memref.expand_shape %15 [[0, 1, 2]] output_shape [2, 4, 16] : memref<128xf32> into memref<2x4x16xf32>
  %base, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %0 : memref<4x?xf32, strided<[16, 2], offset: ?>> -> memref<f32>, index, index, index, index, index
  %b2, %o2 = memref.extract_strided_metadata %7 : memref<f32> -> memref<f32>, index
  %a = memref.alloc() : memref<2xf32>
  %17 = memref.realloc %a : memref<2xf32> to memref<4xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  %18 = memref.realloc %b(%o) {alignment = 8 : i64} : memref<?xf32> to memref<?xf32>
  %19 = memref.subview %0[0, 0][2, 2][1, 1] {hint = "nested"} : memref<4x?xf32, strided<[16, 2], offset: ?>> to memref<2x2xf32, strided<[16, 2], offset: ?>>
  return
}

func.func @tensor_slices(%t: tensor<8x16xf32>, %dt: tensor<?x?xf32>, %sh: tensor<2xindex>, %o: index, %n: index, %x: f32) -> tensor<8x16xf32> {
  %0 = tensor.extract_slice %t[%o, 0][4, 4][1, 1] : tensor<8x16xf32> to tensor<4x4xf32>
  %1 = tensor.extract_slice %t[0, 0][1, 4][1, 1] : tensor<8x16xf32> to tensor<4xf32>
  %2 = tensor.extract_slice %dt[0, %o][%n, 1][1, 1] : tensor<?x?xf32> to tensor<?xf32>
  %3 = tensor.insert_slice %0 into %t[0, %o][4, 4][1, 2] : tensor<4x4xf32> into tensor<8x16xf32>
  %4 = tensor.insert_slice %1 into %3[2, 0][1, 4][1, 1] : tensor<4xf32> into tensor<8x16xf32>
  %5 = tensor.pad %dt low[0, 1] high[%n, 2] {
  ^bb0(%i: index, %j: index):
    tensor.yield %x : f32
  } : tensor<?x?xf32> to tensor<?x?xf32>
  %6 = tensor.pad %t nofold low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %x : f32
  } : tensor<8x16xf32> to tensor<10x18xf32>
  %7 = tensor.generate %n {
  ^bb0(%i: index, %j: index):
    %v = arith.index_cast %i : index to i32
    %f = arith.sitofp %v : i32 to f32
    tensor.yield %f : f32
  } : tensor<?x3xf32>
  %8 = tensor.reshape %dt(%sh) : (tensor<?x?xf32>, tensor<2xindex>) -> tensor<?x?xf32>
  %9 = tensor.collapse_shape %t [[0, 1]] : tensor<8x16xf32> into tensor<128xf32>
  %10 = tensor.expand_shape %9 [[0, 1, 2]] output_shape [2, 4, 16] : tensor<128xf32> into tensor<2x4x16xf32>
  %11 = tensor.expand_shape %dt [[0, 1], [2]] output_shape [%n, 2, %o] : tensor<?x?xf32> into tensor<?x2x?xf32>
  %12 = tensor.collapse_shape %11 [[0, 1, 2]] : tensor<?x2x?xf32> into tensor<?xf32>
  %13 = tensor.extract_slice %t[0, 0][1, 1][1, 1] : tensor<8x16xf32> to tensor<1x1xf32>
  %14 = tensor.collapse_shape %13 [] : tensor<1x1xf32> into tensor<f32>
  %15 = tensor.expand_shape %14 [] output_shape [1, 1] : tensor<f32> into tensor<1x1xf32>
  return %4 : tensor<8x16xf32>
}

// memref views and tensor slices upstream rejects, rejected here too with upstream's messages
// (mlir-opt-22 rejects every piece as well: the compatibility suite checks it).
// RUN: strata-opt --split-input-file --verify-diagnostics %s

func.func @a(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.subview' op expected mixed offsets rank to match mixed sizes rank (1 vs 2) so the rank of the result type is well-formed.}}
  %0 = memref.subview %m[0][4, 4][1, 1] : memref<8x16xf32> to memref<4x4xf32, strided<[16, 1]>>
  return
}

// -----

func.func @b(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.subview' op expected result type to be 'memref<4x4xf32, strided<[16, 1]>>' or a rank-reduced version. (mismatch of result layout), but got 'memref<4x4xf32>'}}
  %0 = memref.subview %m[0, 0][4, 4][1, 1] : memref<8x16xf32> to memref<4x4xf32>
  return
}

// -----

func.func @c(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.subview' op slice along dimension 0 runs out-of-bounds: 9 >= 8}}
  %0 = memref.subview %m[6, 0][4, 4][1, 1] : memref<8x16xf32> to memref<4x4xf32, strided<[16, 1], offset: 96>>
  return
}

// -----

func.func @d(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.subview' op expected result type to be 'memref<4x4xf32, strided<[16, 1]>>' or a rank-reduced version. (mismatch of result sizes), but got 'memref<4x5xf32, strided<[16, 1]>>'}}
  %0 = memref.subview %m[0, 0][4, 4][1, 1] : memref<8x16xf32> to memref<4x5xf32, strided<[16, 1]>>
  return
}

// -----

func.func @e(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.subview' op expected result element type to be 'f32', but got 'memref<4x4xi32, strided<[16, 1]>>'}}
  %0 = memref.subview %m[0, 0][4, 4][1, 1] : memref<8x16xf32> to memref<4x4xi32, strided<[16, 1]>>
  return
}

// -----

func.func @f(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.reinterpret_cast' op expected result type with stride = 4 instead of 5 in dim = 0}}
  %0 = memref.reinterpret_cast %m to offset: [0], sizes: [10, 4], strides: [4, 1] : memref<8x16xf32> to memref<10x4xf32, strided<[5, 1]>>
  return
}

// -----

func.func @g(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.expand_shape' op collapsed dim size (8) must equal reassociation group size (6)}}
  %0 = memref.expand_shape %m [[0, 1], [2]] output_shape [2, 3, 16] : memref<8x16xf32> into memref<2x3x16xf32>
  return
}

// -----

func.func @h(%t: tensor<8x16xf32>) {
  // expected-error@+1 {{'tensor.extract_slice' op expected type to be 'tensor<4x4xf32>' or a rank-reduced version. (size mismatch) }}
  %0 = tensor.extract_slice %t[0, 0][4, 4][1, 1] : tensor<8x16xf32> to tensor<4x5xf32>
  return
}

// -----

func.func @i(%t: tensor<8x16xf32>) {
  // expected-error@+1 {{'tensor.extract_slice' op slice along dimension 1 runs out-of-bounds: 17 >= 16}}
  %0 = tensor.extract_slice %t[0, 14][4, 4][1, 1] : tensor<8x16xf32> to tensor<4x4xf32>
  return
}

// -----

func.func @j(%t: tensor<8x16xf32>, %s: tensor<4x4xf32>) {
  // expected-error@+1 {{'tensor.insert_slice' op expected type to be 'tensor<4x5xf32>' or a rank-reduced version. (size mismatch) }}
  %0 = tensor.insert_slice %s into %t[0, 0][4, 5][1, 1] : tensor<4x4xf32> into tensor<8x16xf32>
  return
}

// -----

func.func @k(%t: tensor<8x16xf32>) {
  %c = arith.constant 0.0 : f32
  // expected-error@+1 {{'tensor.pad' op specified type 'tensor<10x19xf32>' does not match the inferred type 'tensor<10x18xf32>'}}
  %0 = tensor.pad %t low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %c : f32
  } : tensor<8x16xf32> to tensor<10x19xf32>
  return
}

// -----

func.func @l(%n: index) {
  // expected-error@+1 {{'tensor.generate' op must have one body argument per input dimension}}
  %0 = tensor.generate %n {
  ^bb0(%i: index):
    %c = arith.constant 0.0 : f32
    tensor.yield %c : f32
  } : tensor<?x3xf32>
  return
}

// -----

func.func @m(%t: tensor<?xf32>, %s: tensor<3xindex>) {
  // expected-error@+1 {{'tensor.reshape' op length of shape operand differs from the result's tensor rank}}
  %0 = tensor.reshape %t(%s) : (tensor<?xf32>, tensor<3xindex>) -> tensor<?x?xf32>
  return
}

// -----

func.func @n(%t: tensor<8x16xf32>) {
  // expected-error@+1 {{'tensor.collapse_shape' op expected dimension 0 of collapsed type to be static value of 128}}
  %0 = tensor.collapse_shape %t [[0, 1]] : tensor<8x16xf32> into tensor<127xf32>
  return
}

// -----

func.func @o(%m: memref<8x16xf32>) {
  %0 = memref.subview %m[0, 0][4, 4][1, 1] : memref<8x16xf32> to memref<4x4xf32, strided<[16, 1]>>
  // expected-error@+1 {{operation defines 5 results but was provided 6 to bind}}
  %base, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %0 : memref<4x4xf32, strided<[16, 1]>> -> memref<f32>, index, index, index, index
  return
}

// -----

func.func @p(%m: memref<2x2xf32>) {
  // expected-error@+1 {{'memref.realloc' op operand #0 must be 1D memref of any type values, but got 'memref<2x2xf32>'}}
  %0 = memref.realloc %m : memref<2x2xf32> to memref<4xf32>
  return
}

// -----

func.func @q(%m: memref<8x16xf32>, %o: index) {
  // expected-error@+1 {{'memref.subview' op expected result type to be 'memref<4x4xf32, strided<[16, 1], offset: ?>>' or a rank-reduced version. (mismatch of result layout), but got 'memref<4x4xf32, strided<[16, 1]>>'}}
  %0 = memref.subview %m[%o, 0][4, 4][1, 1] : memref<8x16xf32> to memref<4x4xf32, strided<[16, 1]>>
  return
}

// -----

func.func @r(%m: memref<8x16xf32>) {
  %0 = memref.subview %m[0, 0][1, 4][1, 1] : memref<8x16xf32> to memref<4xf32, strided<[1]>>
  %1 = memref.subview %m[0, 0][1, 4][1, 1] : memref<8x16xf32> to memref<4xf32>
  // expected-error@+1 {{'memref.subview' op expected result type to be 'memref<1x4xf32, strided<[16, 1]>>' or a rank-reduced version. (mismatch of result layout), but got 'memref<1x4xf32>'}}
  %2 = memref.subview %m[0, 0][1, 4][1, 1] : memref<8x16xf32> to memref<1x4xf32>
  return
}

// -----

func.func @s(%m: memref<?x16xf32>) {
  // expected-error@+1 {{'memref.collapse_shape' op collapsed dim (0) must be dynamic if and only if reassociation group is dynamic}}
  %0 = memref.collapse_shape %m [[0, 1]] : memref<?x16xf32> into memref<32xf32>
  return
}

// -----

func.func @t(%m: memref<8x16xf32, strided<[32, 1]>>) {
  // expected-error@+1 {{'memref.collapse_shape' op invalid source layout map or collapsing non-contiguous dims}}
  %0 = memref.collapse_shape %m [[0, 1]] : memref<8x16xf32, strided<[32, 1]>> into memref<128xf32>
  return
}

// -----

func.func @a(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.subview' op expected 2 offset values, got 3}}
  %0 = memref.subview %m[0, 0, 0][4, 4, 1][1, 1, 1] : memref<8x16xf32> to memref<4x4xf32, strided<[16, 1]>>
  return
}

// -----

func.func @b(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.subview' op expected sizes to be non-negative, but got -1}}
  %0 = memref.subview %m[0, 0][4, -1][1, 1] : memref<8x16xf32> to memref<4x4xf32, strided<[16, 1]>>
  return
}

// -----

func.func @c(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.subview' op expected the number of 'offsets' to match the number of dynamic entries in 'static_offsets' (0 vs 1)}}
  %0 = "memref.subview"(%m) <{operandSegmentSizes = array<i32: 1, 0, 0, 0>, static_offsets = array<i64: -9223372036854775808, 2>, static_sizes = array<i64: 4, 4>, static_strides = array<i64: 1, 2>}> : (memref<8x16xf32>) -> memref<4x4xf32, strided<[16, 2], offset: ?>>
  return
}

// -----

func.func @d(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.reinterpret_cast' op expected result type with size = 4 instead of 5 in dim = 1}}
  %0 = memref.reinterpret_cast %m to offset: [0], sizes: [10, 4], strides: [4, 1] : memref<8x16xf32> to memref<10x5xf32, strided<[4, 1]>>
  return
}

// -----

func.func @e(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.reinterpret_cast' op expected result type with offset = 0 instead of 3}}
  %0 = memref.reinterpret_cast %m to offset: [0], sizes: [10, 4], strides: [4, 1] : memref<8x16xf32> to memref<10x4xf32, strided<[4, 1], offset: 3>>
  return
}

// -----

func.func @f(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.reinterpret_cast' op expected 2 size values, got 1}}
  %0 = memref.reinterpret_cast %m to offset: [0], sizes: [10], strides: [4] : memref<8x16xf32> to memref<10x4xf32, strided<[4, 1]>>
  return
}

// -----

func.func @g(%m: memref<8x16xf32>) {
  // expected-error@+1 {{'memref.reinterpret_cast' op different element types specified for source type 'memref<8x16xf32>' and result memref type 'memref<10x4xi32, strided<[4, 1]>>'}}
  %0 = memref.reinterpret_cast %m to offset: [0], sizes: [10, 4], strides: [4, 1] : memref<8x16xf32> to memref<10x4xi32, strided<[4, 1]>>
  return
}

// -----

func.func @h(%t: tensor<8x16xf32>) {
  // expected-error@+1 {{'tensor.extract_slice' op expected element type to be 'f32'}}
  %0 = tensor.extract_slice %t[0, 0][4, 4][1, 1] : tensor<8x16xf32> to tensor<4x4xi32>
  return
}

// -----

func.func @i(%t: tensor<8x16xf32>) {
  // expected-error@+1 {{'tensor.extract_slice' op expected rank to be smaller or equal to the other rank. }}
  %0 = tensor.extract_slice %t[0, 0][1, 4][1, 1] : tensor<8x16xf32> to tensor<1x1x4xf32>
  return
}

// -----

func.func @l(%t: tensor<8x16xf32>) {
  // expected-error@+1 {{'tensor.expand_shape' op expected number of static shape dims to be equal to the output rank (3) but found 2 inputs instead}}
  %0 = tensor.expand_shape %t [[0, 1], [2]] output_shape [2, 4] : tensor<8x16xf32> into tensor<2x4x16xf32>
  return
}

// -----

func.func @m(%m: memref<4xf32>) {
  // expected-error@+1 {{'memref.realloc' op different element types specified for source memref type 'memref<4xf32>' and result memref type 'memref<4xi32>'}}
  %0 = memref.realloc %m : memref<4xf32> to memref<4xi32>
  return
}

// -----

func.func @n(%m: memref<?xf32>) {
  // expected-error@+1 {{'memref.realloc' op missing dimension operand for result type 'memref<?xf32>'}}
  %0 = memref.realloc %m : memref<?xf32> to memref<?xf32>
  return
}

// -----

func.func @o(%t: tensor<8x16xf32>, %s: tensor<4x4xf32>) {
  // expected-error@+1 {{'tensor.insert_slice' op slice along dimension 1 runs out-of-bounds: 17 >= 16}}
  %0 = tensor.insert_slice %s into %t[0, 14][4, 4][1, 1] : tensor<4x4xf32> into tensor<8x16xf32>
  return
}

// -----

func.func @p(%n: index) {
  // expected-error@+1 {{'tensor.generate' op body must be terminated with a `yield` operation of the tensor element type}}
  %0 = tensor.generate %n {
  ^bb0(%i: index, %j: index):
    %c = arith.constant 0 : i32
    tensor.yield %c : i32
  } : tensor<?x3xf32>
  return
}

// -----

func.func @q(%t: tensor<8x16xf32>) {
  %c = arith.constant 0.0 : f32
  // expected-error@+1 {{'tensor.pad' op expected 2 low amounts, got 1}}
  %0 = tensor.pad %t low[1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %c : f32
  } : tensor<8x16xf32> to tensor<10x18xf32>
  return
}

// -----

func.func @r(%t: tensor<8x16xf32>) {
  %c = arith.constant 0 : i32
  // expected-error@+1 {{'tensor.pad' op expected yield type to match shape element type}}
  %0 = tensor.pad %t low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %c : i32
  } : tensor<8x16xf32> to tensor<10x18xf32>
  return
}

// -----

func.func @s(%t: tensor<6xf32>, %s: tensor<2xindex>) {
  // expected-error@+1 {{'tensor.reshape' op source and destination tensor should have the same number of elements}}
  %0 = tensor.reshape %t(%s) : (tensor<6xf32>, tensor<2xindex>) -> tensor<2x4xf32>
  return
}

// memref: sizes and casts upstream rejects, rejected here too (mlir-opt-22 rejects every piece
// as well: the compatibility suite checks it).
// RUN: strata-opt --split-input-file --verify-diagnostics %s

func.func @alloc_sizes(%n: index) {
  // expected-error@+1 {{'memref.alloc' op incorrect number of dynamic sizes, has 1, expected 2}}
  %a = memref.alloc(%n) : memref<?x?xf32>
  return
}

// -----

func.func @alloca_symbols(%n: index) {
  // expected-error@+1 {{'memref.alloca' op symbol operand count does not equal memref symbol count: expected 0, got 1}}
  %a = memref.alloca()[%n] : memref<4xf32>
  return
}

// -----

func.func @cast_shapes(%m: memref<3x4xf32>) {
  // expected-error@+1 {{'memref.cast' op operand type 'memref<3x4xf32>' and result type 'memref<4x?xf32>' are cast incompatible}}
  %c = memref.cast %m : memref<3x4xf32> to memref<4x?xf32>
  return
}

// -----

func.func @cast_elements(%m: memref<3x4xf32>) {
  // expected-error@+1 {{'memref.cast' op operand type 'memref<3x4xf32>' and result type 'memref<?x?xi32>' are cast incompatible}}
  %c = memref.cast %m : memref<3x4xf32> to memref<?x?xi32>
  return
}

// -----

// expected-error@+1 {{'memref.global' op initial value expected to be of type tensor<2xf32>, but was of type tensor<3xf32>}}
memref.global "private" @g : memref<2xf32> = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>

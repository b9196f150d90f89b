// memref views and tensor slices in the interpreter, against references computed in numpy
// (Inputs/views_*_expected.npy). `memref_views` writes through a strided window with a
// dynamic offset and size, a rank-reduced row split by expand_shape, and a reinterpret_cast
// of the collapsed buffer; it records what extract_strided_metadata reports of the window
// and reads elements back through a realloc. `tensor_slices` reads strided and rank-reduced
// slices, inserts one, pads with values the region computes from their indices, generates a
// tensor, and reshapes. CI runs `memref_views` through upstream MLIR/LLVM too (`--backend
// llvm`, lowered by expand-strided-metadata) against the same file (`.ci/run`).
// RUN: strata-run %s --entry memref_views --input %S/Inputs/views_in.npy --compare %S/Inputs/views_memref_expected.npy --rtol 0 --atol 0 | FileCheck %s
// RUN: strata-run %s --entry tensor_slices --input %S/Inputs/views_tensor_in.npy --compare %S/Inputs/views_slices_expected.npy --compare %S/Inputs/views_pad_expected.npy --compare %S/Inputs/views_generate_expected.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=TENSOR
// CHECK: compare: all 1 outputs match
// TENSOR: compare: all 3 outputs match
// A window past its source, with sizes known only at run time, is an error at the subview.
// RUN: not strata-run %s --entry past_the_end --input %S/Inputs/views_in.npy 2>&1 | FileCheck %s --check-prefix=PAST
// PAST: error: 'memref.subview' op the window (offset 4, size 3, stride 1) runs past dimension 0 of size 6
// A reshape to a shape of another element count is an error at the reshape.
// RUN: not strata-run %s --entry bad_reshape --input %S/Inputs/views_tensor_in.npy 2>&1 | FileCheck %s --check-prefix=RESHAPE
// RESHAPE: error: 'tensor.reshape' op a tensor of 24 elements reshaped to [5, 5]
// The text reads back to itself.
// RUN: strata-opt %s | strata-opt | FileCheck %s --check-prefix=ROUND
// ROUND: %subview = memref.subview %arg0[%c1, 2] [3, %c3] [2, 1] : memref<6x8xf32> to memref<3x?xf32, strided<[16, 1], offset: ?>>
// ROUND: %base_buffer, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %subview

func.func @memref_views(%m: memref<6x8xf32>) -> memref<6x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  // m[1 + 2i, 2 + j] for i, j < 3: writes m[3, 3].
  %v = memref.subview %m[%c1, 2] [3, %c3] [2, 1] : memref<6x8xf32> to memref<3x?xf32, strided<[16, 1], offset: ?>>
  %x100 = arith.constant 100.0 : f32
  memref.store %x100, %v[%c1, %c1] : memref<3x?xf32, strided<[16, 1], offset: ?>>
  // Row 2, as 2x4: writes m[2, 7].
  %row = memref.subview %m[%c2, 0] [1, 8] [1, 1] : memref<6x8xf32> to memref<8xf32, strided<[1], offset: ?>>
  %split = memref.expand_shape %row [[0, 1]] output_shape [2, 4] : memref<8xf32, strided<[1], offset: ?>> into memref<2x4xf32, strided<[4, 1], offset: ?>>
  %x200 = arith.constant 200.0 : f32
  memref.store %x200, %split[%c1, %c3] : memref<2x4xf32, strided<[4, 1], offset: ?>>
  // Element 4 + 10 * 3 + 1 = 35 of the flat buffer: writes m[4, 3].
  %flat = memref.collapse_shape %m [[0, 1]] : memref<6x8xf32> into memref<48xf32>
  %r = memref.reinterpret_cast %flat to offset: [%c4], sizes: [4, 2], strides: [10, 1] : memref<48xf32> to memref<4x2xf32, strided<[10, 1], offset: ?>>
  %x300 = arith.constant 300.0 : f32
  memref.store %x300, %r[%c3, %c1] : memref<4x2xf32, strided<[10, 1], offset: ?>>
  // The window's offset 10, sizes 3 and 3, strides 16 and 1: their sum, 33, into m[0, 0].
  %base, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %v : memref<3x?xf32, strided<[16, 1], offset: ?>> -> memref<f32>, index, index, index, index, index
  %s0 = arith.addi %offset, %sizes#0 : index
  %s1 = arith.addi %s0, %sizes#1 : index
  %s2 = arith.addi %s1, %strides#0 : index
  %s3 = arith.addi %s2, %strides#1 : index
  %si = arith.index_cast %s3 : index to i32
  %sf = arith.sitofp %si : i32 to f32
  memref.store %sf, %m[%c0, %c0] : memref<6x8xf32>
  // The base buffer is the whole allocation: its element is m[0, 0], just written.
  %b = memref.load %base[] : memref<f32>
  memref.store %b, %m[%c0, %c1] : memref<6x8xf32>
  // A 4-element buffer grown to 6 keeps its elements: m[5, 0] = m[5, 1] + 7.
  %a = memref.alloc() : memref<4xf32>
  %m51 = memref.load %m[%c5, %c1] : memref<6x8xf32>
  memref.store %m51, %a[%c1] : memref<4xf32>
  %grown = memref.realloc %a : memref<4xf32> to memref<6xf32>
  %x7 = arith.constant 7.0 : f32
  memref.store %x7, %grown[%c5] : memref<6xf32>
  %g1 = memref.load %grown[%c1] : memref<6xf32>
  %g5 = memref.load %grown[%c5] : memref<6xf32>
  %gs = arith.addf %g1, %g5 : f32
  memref.store %gs, %m[%c5, %c0] : memref<6x8xf32>
  memref.dealloc %grown : memref<6xf32>
  return %m : memref<6x8xf32>
}

func.func @tensor_slices(%t: tensor<4x6xf32>) -> (tensor<6x4xf32>, tensor<3x5xf32>, tensor<2x3xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  // t[1 + i, 1 + 2j].
  %s = tensor.extract_slice %t[1, %c1] [2, 3] [1, 2] : tensor<4x6xf32> to tensor<2x3xf32>
  // Row 3, split into 2x3, written over t[2i, j].
  %row = tensor.extract_slice %t[%c3, 0] [1, 6] [1, 1] : tensor<4x6xf32> to tensor<6xf32>
  %e = tensor.expand_shape %row [[0, 1]] output_shape [2, 3] : tensor<6xf32> into tensor<2x3xf32>
  %i = tensor.insert_slice %e into %t[0, 0] [2, 3] [2, 1] : tensor<2x3xf32> into tensor<4x6xf32>
  %flat = tensor.collapse_shape %i [[0, 1]] : tensor<4x6xf32> into tensor<24xf32>
  %shape = tensor.from_elements %c6, %c4 : tensor<2xindex>
  %reshaped = tensor.reshape %flat(%shape) : (tensor<24xf32>, tensor<2xindex>) -> tensor<6x4xf32>
  // The slice with a row before and two columns after, each 10 * row + column.
  %p = tensor.pad %s low[1, 0] high[0, %c2] {
  ^bb0(%a: index, %b: index):
    %ten = arith.constant 10 : index
    %a10 = arith.muli %a, %ten : index
    %v = arith.addi %a10, %b : index
    %vi = arith.index_cast %v : index to i32
    %vf = arith.sitofp %vi : i32 to f32
    tensor.yield %vf : f32
  } : tensor<2x3xf32> to tensor<3x?xf32>
  %padded = tensor.cast %p : tensor<3x?xf32> to tensor<3x5xf32>
  // 100 * row - column.
  %g = tensor.generate %c2 {
  ^bb0(%a: index, %b: index):
    %hundred = arith.constant 100 : index
    %a100 = arith.muli %a, %hundred : index
    %v = arith.subi %a100, %b : index
    %vi = arith.index_cast %v : index to i32
    %vf = arith.sitofp %vi : i32 to f32
    tensor.yield %vf : f32
  } : tensor<?x3xf32>
  %generated = tensor.cast %g : tensor<?x3xf32> to tensor<2x3xf32>
  return %reshaped, %padded, %generated : tensor<6x4xf32>, tensor<3x5xf32>, tensor<2x3xf32>
}

func.func @past_the_end(%m: memref<6x8xf32>) -> memref<?x2xf32, strided<[8, 1], offset: ?>> {
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %v = memref.subview %m[%c4, 0] [%c3, 2] [1, 1] : memref<6x8xf32> to memref<?x2xf32, strided<[8, 1], offset: ?>>
  return %v : memref<?x2xf32, strided<[8, 1], offset: ?>>
}

func.func @bad_reshape(%t: tensor<4x6xf32>) -> tensor<?x?xf32> {
  %c5 = arith.constant 5 : index
  %shape = tensor.from_elements %c5, %c5 : tensor<2xindex>
  %r = tensor.reshape %t(%shape) : (tensor<4x6xf32>, tensor<2xindex>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

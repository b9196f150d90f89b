// Buffers of vectors (`memref<3x2xvector<2x2xf32>>`) in the interpreter: a vector stored into
// a fresh buffer and loaded back, added to one loaded from the argument, and stored into it;
// `memref.rank` and `memref.dim` count the buffer's dimensions, not the vectors', also through
// a `memref.cast` to a dynamic size. The buffer
// crosses `.npy` files as 3x2x2x2 floats, the vectors' dimensions last, as MLIR lays it out;
// the reference is numpy's (Inputs/vector_buffers_*.npy).
// RUN: strata-run %s --entry update --input %S/Inputs/vector_buffers_m.npy --input %S/Inputs/vector_buffers_x.npy --compare %S/Inputs/vector_buffers_expected.npy --compare %S/Inputs/vector_buffers_rank.npy --compare %S/Inputs/vector_buffers_dim.npy --rtol 0 --atol 0 | FileCheck %s
// CHECK: output #0: tensor<3x2x2x2xf32>
// CHECK: compare: all 3 outputs match
// A dimension past the buffer's own is an error, and so is a view of it (views read a
// buffer's dimensions as its scalars'), each at its op.
// RUN: not strata-run %s --entry past_rank --input %S/Inputs/vector_buffers_m.npy 2>&1 | FileCheck %s --check-prefix=RANK
// RANK: vector-buffers.mlir:[[@LINE+25]]:8: error: 'memref.dim' op dimension 2 of a value of rank 2
// RUN: not strata-run %s --entry view --input %S/Inputs/vector_buffers_m.npy 2>&1 | FileCheck %s --check-prefix=VIEW
// VIEW: error: 'memref.subview' op buffers of vectors run through memref.load, store, alloc, dim, rank, cast and copy only
// Tensors of vectors are not held at all: an error at the first op that makes one.
// RUN: not strata-run %s --entry as_tensor --input %S/Inputs/vector_buffers_m.npy 2>&1 | FileCheck %s --check-prefix=TENSOR
// TENSOR: error: 'bufferization.to_tensor' op tensors of vectors do not run in the interpreter (buffers of vectors do)

func.func @update(%m: memref<3x2xvector<2x2xf32>>, %x: vector<2x2xf32>) -> (memref<3x2xvector<2x2xf32>>, index, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %t = memref.alloc() : memref<2xvector<2x2xf32>>
  memref.store %x, %t[%c1] : memref<2xvector<2x2xf32>>
  %v = memref.load %t[%c1] : memref<2xvector<2x2xf32>>
  %w = memref.load %m[%c2, %c0] : memref<3x2xvector<2x2xf32>>
  %s = arith.addf %v, %w : vector<2x2xf32>
  memref.store %s, %m[%c0, %c1] : memref<3x2xvector<2x2xf32>>
  %any = memref.cast %m : memref<3x2xvector<2x2xf32>> to memref<?x2xvector<2x2xf32>>
  %r = memref.rank %any : memref<?x2xvector<2x2xf32>>
  %d = memref.dim %any, %c1 : memref<?x2xvector<2x2xf32>>
  return %m, %r, %d : memref<3x2xvector<2x2xf32>>, index, index
}

func.func @past_rank(%m: memref<3x2xvector<2x2xf32>>) -> index {
  %c2 = arith.constant 2 : index
  %d = memref.dim %m, %c2 : memref<3x2xvector<2x2xf32>>
  return %d : index
}

func.func @view(%m: memref<3x2xvector<2x2xf32>>) -> memref<3x2xvector<2x2xf32>> {
  %v = memref.subview %m[0, 0] [1, 1] [1, 1] : memref<3x2xvector<2x2xf32>> to memref<1x1xvector<2x2xf32>, strided<[2, 1]>>
  return %m : memref<3x2xvector<2x2xf32>>
}

func.func @as_tensor(%m: memref<3x2xvector<2x2xf32>>) -> index {
  %t = bufferization.to_tensor %m : memref<3x2xvector<2x2xf32>> to tensor<3x2xvector<2x2xf32>>
  %r = tensor.rank %t : tensor<3x2xvector<2x2xf32>>
  return %r : index
}

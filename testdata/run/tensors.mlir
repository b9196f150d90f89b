// tensor's sizes, casts, splats and element-wise building in the interpreter, against a
// reference computed in Python (Inputs/tensors_expected.npy): a 2x3 input seen with dynamic
// sizes, a splat of one of its elements at those sizes, the rank, the sum of the sizes and a
// sum through from_elements inserted, and the result cast back to static sizes.
// RUN: strata-run %s --entry tensors --input %S/Inputs/tensors_in.npy --compare %S/Inputs/tensors_expected.npy --rtol 0 --atol 0 | FileCheck %s
// CHECK: compare: all 1 outputs match
// A cast to sizes the tensor does not have is an error at the cast.
// RUN: not strata-run %s --entry bad_cast --input %S/Inputs/tensors_in.npy 2>&1 | FileCheck %s --check-prefix=CAST
// CAST: error: 'tensor.cast' op a value of shape [2, 3] cast to [3, 2]

func.func @tensors(%t: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %d = tensor.cast %t : tensor<2x3xf32> to tensor<?x?xf32>
  %rows = tensor.dim %d, %c0 : tensor<?x?xf32>
  %cols = tensor.dim %d, %c1 : tensor<?x?xf32>
  %rank = tensor.rank %d : tensor<?x?xf32>
  %x = tensor.extract %d[%c1, %c2] : tensor<?x?xf32>
  %s = tensor.splat %x[%rows, %cols] : tensor<?x?xf32>
  %rank_i = arith.index_cast %rank : index to i32
  %rank_f = arith.sitofp %rank_i : i32 to f32
  %u = tensor.insert %rank_f into %s[%c0, %c0] : tensor<?x?xf32>
  %n = arith.addi %rows, %cols : index
  %n_i = arith.index_cast %n : index to i32
  %n_f = arith.sitofp %n_i : i32 to f32
  %v = tensor.insert %n_f into %u[%c0, %c1] : tensor<?x?xf32>
  %y = tensor.extract %t[%c0, %c1] : tensor<2x3xf32>
  %pair = tensor.from_elements %y, %x : tensor<2xf32>
  %p0 = tensor.extract %pair[%c0] : tensor<2xf32>
  %p1 = tensor.extract %pair[%c1] : tensor<2xf32>
  %sum = arith.addf %p0, %p1 : f32
  %w = tensor.insert %sum into %v[%c1, %c0] : tensor<?x?xf32>
  %out = tensor.cast %w : tensor<?x?xf32> to tensor<2x3xf32>
  return %out : tensor<2x3xf32>
}

func.func @bad_cast(%t: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %d = tensor.cast %t : tensor<2x3xf32> to tensor<?x?xf32>
  %s = tensor.cast %d : tensor<?x?xf32> to tensor<3x2xf32>
  return %s : tensor<3x2xf32>
}

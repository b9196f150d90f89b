// arith and math ops on tensors in the interpreter, element by element, against numpy
// (ml_dtypes 0.7 for bf16; Inputs/tensor_arith_*.npy): a * b + a, a select by a comparison,
// i32 additions that wrap, a bf16 exp, and a dynamically sized tensor; all exact.
// RUN: strata-run %s --entry arith --input %S/Inputs/tensor_arith_a.npy --input %S/Inputs/tensor_arith_b.npy --input %S/Inputs/tensor_arith_i.npy --input %S/Inputs/tensor_arith_n.npy --compare %S/Inputs/tensor_arith_s.npy --compare %S/Inputs/tensor_arith_x.npy --compare %S/Inputs/tensor_arith_w.npy --compare %S/Inputs/tensor_arith_f.npy --compare %S/Inputs/tensor_arith_dd.npy --rtol 0 --atol 0 | FileCheck %s
// CHECK: compare: all 5 outputs match within rtol=0e0 atol=0e0
// Operands whose sizes differ at run time are an error at the op.
// RUN: not strata-run %s --entry mismatch --input %S/Inputs/tensor_arith_n.npy 2>&1 | FileCheck %s --check-prefix=SHAPES
// SHAPES: error: 'arith.addf' op tensor operands of shapes [4] and [3]

func.func @arith(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>, %i: tensor<4xi32>, %n: index) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xi32>, tensor<2x3xf32>, tensor<?xf32>) {
  %m = arith.mulf %a, %b : tensor<2x3xf32>
  %s = arith.addf %m, %a : tensor<2x3xf32>
  %c = arith.cmpf olt, %a, %b : tensor<2x3xf32>
  %x = arith.select %c, %a, %b : tensor<2x3xi1>, tensor<2x3xf32>
  %k = arith.constant dense<2147483647> : tensor<4xi32>
  %w = arith.addi %i, %k : tensor<4xi32>
  %h = arith.truncf %s : tensor<2x3xf32> to tensor<2x3xbf16>
  %e = math.exp %h : tensor<2x3xbf16>
  %f = arith.extf %e : tensor<2x3xbf16> to tensor<2x3xf32>
  %one = arith.constant 1.0 : f32
  %d = tensor.splat %one[%n] : tensor<?xf32>
  %dd = arith.addf %d, %d : tensor<?xf32>
  return %s, %x, %w, %f, %dd : tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xi32>, tensor<2x3xf32>, tensor<?xf32>
}

func.func @mismatch(%n: index) -> tensor<?xf32> {
  %one = arith.constant 1.0 : f32
  %c1 = arith.constant 1 : index
  %m = arith.addi %n, %c1 : index
  %a = tensor.splat %one[%n] : tensor<?xf32>
  %b = tensor.splat %one[%m] : tensor<?xf32>
  %s = arith.addf %a, %b : tensor<?xf32>
  return %s : tensor<?xf32>
}

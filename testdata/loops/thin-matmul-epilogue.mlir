// A product too thin for the packed kernel (one row of A, or not f32) with a fused epilogue
// whose operand dies there: the memory plan gives the result that operand's buffer (both at
// offset 0 below), so the lowering must not write the result before the epilogue reads it.
// The sums go to scratch; the epilogue alone writes the result.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt, plan-memory))' | FileCheck %s --check-prefix=PLAN
// PLAN-LABEL: func.func @row
// PLAN: "nn.softmax"{{.*}}plan.offset = 0
// PLAN: "kernel.matmul"
// PLAN: }) {plan.offset = 0 : i64}
// PLAN-LABEL: func.func @ints
// PLAN: "nn.transpose"{{.*}}plan.offset = 0
// PLAN: "kernel.matmul"
// PLAN: }) {plan.offset = 0 : i64}

// RUN: rm -rf %t && strata-run %s --entry row --random-inputs 3 --output-dir %t/row > /dev/null
// RUN: strata-run %s --entry row --input %t/row/input0.npy --input %t/row/input1.npy --input %t/row/input2.npy --pass-pipeline='builtin.module(func.func(egraph-opt, plan-memory), lower-to-loops)' --compare %t/row/output0.npy | FileCheck %s
// RUN: strata-run %s --entry row --input %t/row/input0.npy --input %t/row/input1.npy --input %t/row/input2.npy --pass-pipeline='builtin.module(func.func(egraph-opt, plan-memory), lower-to-loops, func.func(vectorize))' --target host --compare %t/row/output0.npy | FileCheck %s
// RUN: strata-run %s --entry ints --random-inputs 3 --output-dir %t/ints > /dev/null
// RUN: strata-run %s --entry ints --input %t/ints/input0.npy --input %t/ints/input1.npy --input %t/ints/input2.npy --pass-pipeline='builtin.module(func.func(egraph-opt, plan-memory), lower-to-loops)' --compare %t/ints/output0.npy | FileCheck %s
// RUN: strata-run %s --entry ints --input %t/ints/input0.npy --input %t/ints/input1.npy --input %t/ints/input2.npy --pass-pipeline='builtin.module(func.func(egraph-opt, plan-memory), lower-to-loops, func.func(vectorize))' --target host --compare %t/ints/output0.npy | FileCheck %s
// CHECK: compare: all 1 outputs match

func.func @row(%x: tensor<1x64xf32>, %w: tensor<64x48xf32>, %r0: tensor<1x48xf32>) -> tensor<1x48xf32> {
  %r = "nn.softmax"(%r0) {axis = 1 : i64} : (tensor<1x48xf32>) -> tensor<1x48xf32>
  %m = "nn.matmul"(%x, %w) : (tensor<1x64xf32>, tensor<64x48xf32>) -> tensor<1x48xf32>
  %y = "nn.add"(%m, %r) : (tensor<1x48xf32>, tensor<1x48xf32>) -> tensor<1x48xf32>
  return %y : tensor<1x48xf32>
}

func.func @ints(%x: tensor<8x16xi32>, %w: tensor<16x32xi32>, %r0: tensor<32x8xi32>) -> tensor<8x32xi32> {
  %r = "nn.transpose"(%r0) {perm = [1, 0]} : (tensor<32x8xi32>) -> tensor<8x32xi32>
  %m = "nn.matmul"(%x, %w) : (tensor<8x16xi32>, tensor<16x32xi32>) -> tensor<8x32xi32>
  %y = "nn.sub"(%m, %r) : (tensor<8x32xi32>, tensor<8x32xi32>) -> tensor<8x32xi32>
  return %y : tensor<8x32xi32>
}

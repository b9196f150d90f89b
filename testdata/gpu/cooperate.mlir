// Nests of few iterations over long rows take a block per iteration whose threads share the
// row: inner nests strided over the threads between barriers, four iterations a step (loads
// first) while whole groups of 4 × 256 are left and then one, reductions strided the same way
// and then combined by warp shuffles and workgroup memory, a sum over what a nest stores made
// as the nest stores it (softmax's exponentials), stores of the result by thread 0. Rows of
// 2500 and 1300 take groups and a remainder. Checked
// against the graphs in the interpreter (each thread of a block on an OS thread of its own);
// sums are added in another order, so within a tolerance.
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(convert-parallel-loops-to-gpu))' --mlir-pass-statistics -o %t/mapped.mlir 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: FileCheck %s --input-file %t/mapped.mlir
// STATS: 3 cooperative - of them, nests mapped a block per iteration
// CHECK-LABEL: func.func @softmax
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c6{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256, {{.*}}) workgroup(%[[MAX:.*]] : memref<8xf32, #gpu.address_space<workgroup>>, %[[SUM:.*]] : memref<8xf32, #gpu.address_space<workgroup>>)
// The maximum: four loads, then their maxima, a step; the rest one at a time.
// CHECK: scf.for
// CHECK-COUNT-4: memref.load %arg0
// CHECK-COUNT-4: arith.maximumf
// CHECK: scf.yield
// CHECK: scf.for
// CHECK: memref.load %arg0
// CHECK: gpu.shuffle xor
// CHECK: gpu.barrier
// The exponentials, stored and summed as they are stored: their stores are not read back.
// CHECK: scf.for
// CHECK-COUNT-4: memref.load %arg0
// CHECK-COUNT-4: memref.store
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: scf.yield
// CHECK: gpu.barrier
// CHECK: gpu.shuffle xor
// CHECK: memref.store {{.*}}, %[[SUM]]
// CHECK-NOT: gpu.shuffle
// CHECK: arith.divf
// CHECK-LABEL: func.func @conv
// CHECK: gpu.shuffle xor
// CHECK: scf.if
// CHECK: memref.store
// RUN: strata-run %s --entry softmax --random-inputs 3 --output-dir %t/s > /dev/null
// RUN: strata-run %s --entry softmax --input %t/s/input0.npy --rtol 1e-5 --atol 1e-6 --compare %t/s/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry layer_norm --random-inputs 4 --output-dir %t/l > /dev/null
// RUN: strata-run %s --entry layer_norm --input %t/l/input0.npy --input %t/l/input1.npy --input %t/l/input2.npy --rtol 1e-5 --atol 1e-5 --compare %t/l/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry conv --random-inputs 5 --output-dir %t/c > /dev/null
// RUN: strata-run %s --entry conv --input %t/c/input0.npy --input %t/c/input1.npy --rtol 1e-4 --atol 1e-4 --compare %t/c/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// SAME: compare: all 1 outputs match

func.func @softmax(%x: tensor<6x2500xf32>) -> tensor<6x2500xf32> {
  %y = "nn.softmax"(%x) {axis = 1 : i64} : (tensor<6x2500xf32>) -> tensor<6x2500xf32>
  return %y : tensor<6x2500xf32>
}
func.func @layer_norm(%x: tensor<5x1300xf32>, %g: tensor<1300xf32>, %b: tensor<1300xf32>) -> tensor<5x1300xf32> {
  %y = "nn.layer_norm"(%x, %g, %b) {axis = -1 : i64, epsilon = 1.0e-05 : f32} : (tensor<5x1300xf32>, tensor<1300xf32>, tensor<1300xf32>) -> tensor<5x1300xf32>
  return %y : tensor<5x1300xf32>
}
// 4 × 2 × 2 outputs, each a sum over 256 channels × 3 × 3 taps shared by a block.
func.func @conv(%x: tensor<1x256x2x2xf32>, %w: tensor<4x256x3x3xf32>) -> tensor<1x4x2x2xf32> {
  %y = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1], strides = [1, 1]} : (tensor<1x256x2x2xf32>, tensor<4x256x3x3xf32>) -> tensor<1x4x2x2xf32>
  return %y : tensor<1x4x2x2xf32>
}

// Sums of products as tiled kernels: a block per tile of outputs, both factors staged in
// workgroup memory (the next step's elements read before this step's products), a register
// tile of sums per thread. The tiles are checked against the
// graphs in the interpreter (each thread of a block on an OS thread of its own), with every
// tile size forced on one product whose sizes are no multiple of any tile (37 × 45 × 29: the
// guards along M, N and K all run). Each sum is added in the loop's order, so the results equal
// those of one thread per output exactly (the reference below: the same pipeline with
// `tile-contractions=false`); against the graph (summed its own way) they are within rounding.
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(convert-parallel-loops-to-gpu))' --mlir-pass-statistics -o %t/mapped.mlir 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: FileCheck %s --input-file %t/mapped.mlir
// STATS: 4 tiled - of them, sums of products mapped a tile of outputs per block
// CHECK-LABEL: func.func @odd
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c6{{.*}}) threads({{.*}}) in ({{.*}} = %c256, {{.*}}) workgroup(%[[A:.*]] : memref<16x20xf32, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<16x20xf32, #gpu.address_space<workgroup>>)
// CHECK: memref.store {{.*}}, %[[A]]
// CHECK: memref.store {{.*}}, %[[B]]
// CHECK: gpu.barrier
// CHECK: "scf.for"
// CHECK: memref.load %arg0
// CHECK: memref.load %[[A]]
// CHECK: gpu.barrier
// CHECK: memref.store {{.*}}, %[[A]]
// CHECK: gpu.barrier
// CHECK: arith.maximumf
// CHECK-LABEL: func.func @grouped
// CHECK-NOT: workgroup
// CHECK-LABEL: func.func @batched
// RUN: strata-run %s --entry odd --random-inputs 3 --output-dir %t/o --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu{tile-contractions=false}), gpu-kernel-outlining)' > /dev/null
// RUN: strata-run %s --entry odd --input %t/o/input0.npy --input %t/o/input1.npy --rtol 0 --atol 0 --compare %t/o/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu{contraction-tile=128x128}), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry odd --input %t/o/input0.npy --input %t/o/input1.npy --rtol 0 --atol 0 --compare %t/o/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu{contraction-tile=64x128}), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry odd --input %t/o/input0.npy --input %t/o/input1.npy --rtol 0 --atol 0 --compare %t/o/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu{contraction-tile=128x64}), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry odd --input %t/o/input0.npy --input %t/o/input1.npy --rtol 0 --atol 0 --compare %t/o/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry odd --input %t/o/input0.npy --input %t/o/input1.npy --output-dir %t/g > /dev/null
// RUN: strata-run %s --entry odd --input %t/o/input0.npy --input %t/o/input1.npy --rtol 1e-5 --atol 1e-6 --compare %t/g/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// K split in parts, added by a second launch (in another order than the loop: within rounding),
// with a last part left empty (strided: 9 steps of K in 4 parts of 3), and more parts than steps.
// RUN: strata-run %s --entry odd --input %t/o/input0.npy --input %t/o/input1.npy --rtol 1e-5 --atol 1e-6 --compare %t/g/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu{contraction-split=4}), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry odd --input %t/o/input0.npy --input %t/o/input1.npy --rtol 1e-5 --atol 1e-6 --compare %t/g/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu{contraction-split=16 contraction-tile=32x32}), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry conv --random-inputs 4 --output-dir %t/c --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu{tile-contractions=false}), gpu-kernel-outlining)' > /dev/null
// RUN: strata-run %s --entry conv --input %t/c/input0.npy --input %t/c/input1.npy --input %t/c/input2.npy --rtol 0 --atol 0 --compare %t/c/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry strided --random-inputs 5 --output-dir %t/s --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu{tile-contractions=false}), gpu-kernel-outlining)' > /dev/null
// RUN: strata-run %s --entry strided --input %t/s/input0.npy --input %t/s/input1.npy --rtol 0 --atol 0 --compare %t/s/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu{contraction-tile=128x64}), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry strided --input %t/s/input0.npy --input %t/s/input1.npy --rtol 1e-5 --atol 1e-6 --compare %t/s/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu{contraction-split=4}), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry batched --random-inputs 6 --output-dir %t/b --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu{tile-contractions=false}), gpu-kernel-outlining)' > /dev/null
// RUN: strata-run %s --entry batched --input %t/b/input0.npy --input %t/b/input1.npy --rtol 0 --atol 0 --compare %t/b/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// SAME: compare: all 1 outputs match
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(convert-parallel-loops-to-gpu{contraction-tile=48x48}))' 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(convert-parallel-loops-to-gpu{contraction-split=65}))' 2>&1 | FileCheck %s --check-prefix=BAD-SPLIT
// BAD-SPLIT: contraction-split=65: 1 to 64 parts
// BAD: contraction-tile=48x48: the tiles are 128x128, 128x64, 64x128, 64x64, 32x32, 16x16

func.func @odd(%a: tensor<37x45xf32>, %b: tensor<45x29xf32>) -> tensor<37x29xf32> {
  %c = "nn.matmul"(%a, %b) : (tensor<37x45xf32>, tensor<45x29xf32>) -> tensor<37x29xf32>
  %r = "nn.relu"(%c) : (tensor<37x29xf32>) -> tensor<37x29xf32>
  return %r : tensor<37x29xf32>
}
func.func @conv(%x: tensor<2x16x9x9xf32>, %w: tensor<24x16x3x3xf32>, %bias: tensor<24xf32>) -> tensor<2x24x9x9xf32> {
  %c = "nn.conv2d"(%x, %w, %bias) {padding = [1, 1, 1, 1]} : (tensor<2x16x9x9xf32>, tensor<24x16x3x3xf32>, tensor<24xf32>) -> tensor<2x24x9x9xf32>
  %r = "nn.relu"(%c) : (tensor<2x24x9x9xf32>) -> tensor<2x24x9x9xf32>
  return %r : tensor<2x24x9x9xf32>
}
func.func @strided(%x: tensor<1x8x15x15xf32>, %w: tensor<20x8x3x3xf32>) -> tensor<1x20x7x7xf32> {
  %c = "nn.conv2d"(%x, %w) {strides = [2, 2]} : (tensor<1x8x15x15xf32>, tensor<20x8x3x3xf32>) -> tensor<1x20x7x7xf32>
  return %c : tensor<1x20x7x7xf32>
}
func.func @grouped(%x: tensor<1x8x6x6xf32>, %w: tensor<16x4x3x3xf32>) -> tensor<1x16x6x6xf32> {
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1], groups = 2 : i64} : (tensor<1x8x6x6xf32>, tensor<16x4x3x3xf32>) -> tensor<1x16x6x6xf32>
  return %c : tensor<1x16x6x6xf32>
}
func.func @batched(%a: tensor<3x20x24xf32>, %b: tensor<3x24x18xf32>) -> tensor<3x20x18xf32> {
  %c = "nn.matmul"(%a, %b) : (tensor<3x20x24xf32>, tensor<3x24x18xf32>) -> tensor<3x20x18xf32>
  return %c : tensor<3x20x18xf32>
}

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
// STATS: 6 tiled - of them, sums of products mapped a tile of outputs per block
// CHECK-LABEL: func.func @odd
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c6{{.*}}) threads({{.*}}) in ({{.*}} = %c256, {{.*}}) workgroup(%[[A:.*]] : memref<16x20xf32, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<16x20xf32, #gpu.address_space<workgroup>>)
// CHECK: memref.store {{.*}}, %[[A]]
// CHECK: memref.store {{.*}}, %[[B]]
// CHECK: gpu.barrier
// CHECK: scf.for
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
// Sums that start from what the output held (a load per output: only inside the iteration
// space, not for a partial tile's padding), exactly; K split inside a host loop (the workspace
// allocated once, at the function's start); f16 products keep one thread per output.
// RUN: strata-run %s --entry accumulate --random-inputs 7 --output-dir %t/acc --pass-pipeline='builtin.module(func.func(convert-parallel-loops-to-gpu{tile-contractions=false}), gpu-kernel-outlining)' > /dev/null
// RUN: strata-run %s --entry accumulate --input %t/acc/input0.npy --input %t/acc/input1.npy --input %t/acc/input2.npy --rtol 0 --atol 0 --compare %t/acc/output0.npy --pass-pipeline='builtin.module(func.func(convert-parallel-loops-to-gpu{contraction-tile=16x16}), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(convert-parallel-loops-to-gpu{contraction-split=4}))' | FileCheck %s --check-prefix=LOOP
// LOOP-LABEL: func.func @repeated
// LOOP-NEXT: memref.alloc() : memref<4096xf32>
// LOOP: scf.for
// LOOP-NOT: memref.alloc
// RUN: strata-run %s --entry repeated --random-inputs 8 --output-dir %t/rep --pass-pipeline='builtin.module(func.func(convert-parallel-loops-to-gpu{tile-contractions=false}), gpu-kernel-outlining)' > /dev/null
// RUN: strata-run %s --entry repeated --input %t/rep/input0.npy --input %t/rep/input1.npy --rtol 1e-5 --atol 1e-5 --compare %t/rep/output0.npy --pass-pipeline='builtin.module(func.func(convert-parallel-loops-to-gpu{contraction-split=4}), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(convert-parallel-loops-to-gpu))' --mlir-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: strata-run %s --entry halves --random-inputs 9 --output-dir %t/h > /dev/null
// RUN: strata-run %s --entry halves --input %t/h/input0.npy --input %t/h/input1.npy --rtol 2e-2 --atol 2e-2 --compare %t/h/output0.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}, plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
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
func.func @halves(%a: tensor<24x40xf16>, %b: tensor<40x20xf16>) -> tensor<24x20xf16> {
  %c = "nn.matmul"(%a, %b) : (tensor<24x40xf16>, tensor<40x20xf16>) -> tensor<24x20xf16>
  return %c : tensor<24x20xf16>
}
func.func @accumulate(%a: memref<37x32xf32>, %b: memref<32x40xf32>, %c: memref<37x40xf32>) -> memref<37x40xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c37 = arith.constant 37 : index
  %c40 = arith.constant 40 : index
  %out = memref.alloc() : memref<37x40xf32>
  "scf.parallel"(%c0, %c0, %c37, %c40, %c1, %c1) <{operandSegmentSizes = array<i32: 2, 2, 2, 0>}> ({
  ^bb0(%i: index, %j: index):
    %init = memref.load %c[%i, %j] : memref<37x40xf32>
    %sum = "scf.for"(%c0, %c32, %c1, %init) ({
    ^bb0(%k: index, %acc: f32):
      %x = memref.load %a[%i, %k] : memref<37x32xf32>
      %y = memref.load %b[%k, %j] : memref<32x40xf32>
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      scf.yield %s : f32
    }) : (index, index, index, f32) -> f32
    memref.store %sum, %out[%i, %j] : memref<37x40xf32>
    "scf.reduce"() : () -> ()
  }) : (index, index, index, index, index, index) -> ()
  return %out : memref<37x40xf32>
}
func.func @repeated(%a: memref<32x1024xf32>, %b: memref<1024x32xf32>) -> memref<32x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  %c1024 = arith.constant 1024 : index
  %zero = arith.constant 0.000000e+00 : f32
  %out = memref.alloc() : memref<32x32xf32>
  "scf.for"(%c0, %c2, %c1) ({
  ^bb0(%t: index):
    "scf.parallel"(%c0, %c0, %c32, %c32, %c1, %c1) <{operandSegmentSizes = array<i32: 2, 2, 2, 0>}> ({
    ^bb0(%i: index, %j: index):
      %sum = "scf.for"(%c0, %c1024, %c1, %zero) ({
      ^bb0(%k: index, %acc: f32):
        %x = memref.load %a[%i, %k] : memref<32x1024xf32>
        %y = memref.load %b[%k, %j] : memref<1024x32xf32>
        %p = arith.mulf %x, %y : f32
        %s = arith.addf %acc, %p : f32
        scf.yield %s : f32
      }) : (index, index, index, f32) -> f32
      memref.store %sum, %out[%i, %j] : memref<32x32xf32>
      "scf.reduce"() : () -> ()
    }) : (index, index, index, index, index, index) -> ()
    scf.yield
  }) : (index, index, index) -> ()
  return %out : memref<32x32xf32>
}

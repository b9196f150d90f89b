// The loop level onto the GPU, one pass at a time, each checked by running the result in the
// interpreter (every thread of every block) against the loops.
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-opt %s --convert-parallel-loops-to-gpu | FileCheck %s --check-prefix=MAP
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(convert-parallel-loops-to-gpu), gpu-kernel-outlining)' | FileCheck %s --check-prefix=OUTLINE
// RUN: strata-run %s --entry scale --random-inputs 3 --output-dir %t/scale > /dev/null
// RUN: strata-run %s --entry scale --input %t/scale/input0.npy --input %t/scale/input1.npy --rtol 0 --atol 0 --compare %t/scale/output0.npy --pass-pipeline='builtin.module(func.func(convert-parallel-loops-to-gpu), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry rows --random-inputs 4 --output-dir %t/rows > /dev/null
// RUN: strata-run %s --entry rows --input %t/rows/input0.npy --rtol 0 --atol 0 --compare %t/rows/output0.npy --pass-pipeline='builtin.module(func.func(convert-parallel-loops-to-gpu), gpu-kernel-outlining)' | FileCheck %s --check-prefix=SAME
// SAME: compare: all 1 outputs match within rtol=0e0 atol=0e0

// A 2-d nest: one thread per iteration (300 of them: two blocks of 256), the last block
// guarded, the indices recovered from the flat thread index.
// MAP-LABEL: func.func @scale
// MAP: %[[N:.*]] = arith.constant 300 : index
// MAP: %[[G:.*]] = arith.constant 2 : index
// MAP: %[[T:.*]] = arith.constant 256 : index
// MAP: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[G]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[T]],
// MAP: %[[FLAT:.*]] = arith.addi %{{.*}}, %[[TX]] : index
// MAP: arith.cmpi slt, %[[FLAT]], %[[N]] : index
// MAP: arith.remui %[[FLAT]]
// MAP: arith.divui %[[FLAT]]
// MAP: gpu.terminator
// MAP-NOT: scf.parallel
// MAP-LABEL: func.func @rows

// OUTLINE: module attributes {gpu.container_module}
// OUTLINE-LABEL: func.func @scale
// OUTLINE: gpu.launch_func @scale_kernels::@scale_kernel_0 blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}}) args(%arg0 : memref<3x100xf32>, %arg1 : memref<100xf32>, %{{.*}} : memref<3x100xf32>)
// OUTLINE: gpu.module @scale_kernels
// OUTLINE: gpu.func @scale_kernel_0(%arg0: memref<3x100xf32> {llvm.align = 256 : i64}, %arg1: memref<100xf32> {llvm.align = 256 : i64}, %arg2: memref<3x100xf32> {llvm.align = 256 : i64}) kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// OUTLINE-DAG: gpu.block_id x
// OUTLINE-DAG: gpu.thread_id x
// OUTLINE-DAG: gpu.block_dim x
// OUTLINE: gpu.return
// A host loop around a nest: the loop stays on the host and launches each step; the
// sequential nest after it (no parallel loop) runs as a launch of one thread.
// OUTLINE-LABEL: func.func @rows
// OUTLINE: scf.for
// OUTLINE: gpu.launch_func @rows_kernels::@rows_kernel_0 blocks in ({{.*}}) threads in ({{.*}}) args(%arg0 : memref<4x8xf32>, %arg1 : index, %alloc : memref<4x8xf32>)
// OUTLINE-NEXT: }
// OUTLINE: gpu.launch_func @rows_kernels::@rows_kernel_1 blocks in ({{.*}}) threads in ({{.*}}) args(%alloc : memref<4x8xf32>)
// OUTLINE: gpu.func @rows_kernel_0(%arg0: memref<4x8xf32> {llvm.align = 256 : i64}, %arg1: index, %arg2: memref<4x8xf32> {llvm.align = 256 : i64}) kernel attributes {known_block_size = array<i32: 8, 1, 1>}
// OUTLINE: gpu.func @rows_kernel_1(%arg0: memref<4x8xf32> {llvm.align = 256 : i64}) kernel attributes {known_block_size = array<i32: 1, 1, 1>}
// OUTLINE: scf.for
// OUTLINE: memref.store

func.func @scale(%x: memref<3x100xf32>, %y: memref<100xf32>) -> memref<3x100xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c100 = arith.constant 100 : index
  %out = memref.alloc() : memref<3x100xf32>
  "scf.parallel"(%c0, %c0, %c3, %c100, %c1, %c1) <{operandSegmentSizes = array<i32: 2, 2, 2, 0>}> ({
  ^bb0(%i: index, %j: index):
    %a = memref.load %x[%i, %j] : memref<3x100xf32>
    %b = memref.load %y[%j] : memref<100xf32>
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %p, %a : f32
    memref.store %s, %out[%i, %j] : memref<3x100xf32>
    "scf.reduce"() : () -> ()
  }) : (index, index, index, index, index, index) -> ()
  return %out : memref<3x100xf32>
}

// Row i of the result is row i of x plus the result's row i - 1 (so rows run in order), then
// every element of row 0 is summed into element 0.
func.func @rows(%x: memref<4x8xf32>) -> memref<4x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %out = memref.alloc() : memref<4x8xf32>
  "scf.for"(%c0, %c4, %c1) ({
  ^bb0(%i: index):
    "scf.parallel"(%c0, %c8, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
    ^bb0(%j: index):
      %a = memref.load %x[%i, %j] : memref<4x8xf32>
      %first = arith.cmpi eq, %i, %c0 : index
      %prev = arith.subi %i, %c1 : index
      %p = arith.select %first, %c0, %prev : index
      %b = memref.load %out[%p, %j] : memref<4x8xf32>
      %bb = arith.select %first, %zero, %b : f32
      %s = arith.addf %a, %bb : f32
      memref.store %s, %out[%i, %j] : memref<4x8xf32>
      "scf.reduce"() : () -> ()
    }) : (index, index, index) -> ()
    scf.yield
  }) : (index, index, index) -> ()
  %sum = "scf.for"(%c1, %c8, %c1, %zero) ({
  ^bb0(%j: index, %acc: f32):
    %v = memref.load %out[%c0, %j] : memref<4x8xf32>
    %n = arith.addf %acc, %v : f32
    scf.yield %n : f32
  }) : (index, index, index, f32) -> f32
  %e = memref.load %out[%c0, %c0] : memref<4x8xf32>
  %t = arith.addf %e, %sum : f32
  memref.store %t, %out[%c0, %c0] : memref<4x8xf32>
  return %out : memref<4x8xf32>
}

// Side effects as MLIR's CSE sees them (mlir-opt-22 gives the same output and statistics):
// an op with no memory effects (`tensor.dim`, `memref.dim`) is erased when unused and shared
// when repeated, though it is not speculatable; one that only allocates its result
// (`memref.alloc`, `memref.alloca`) is erased when unused and never shared; `tensor.pad` is
// pure.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(cse))' --mlir-pass-statistics 2>%t.stats | FileCheck %s
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.stats
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(canonicalize))' | FileCheck %s --check-prefix=CANON

// STATS:      CSE
// STATS-NEXT:   (S) 1 num-cse'd - Number of operations CSE'd
// STATS-NEXT:   (S) 6 num-dce'd - Number of operations DCE'd

// CHECK-LABEL: func.func @effects
// CHECK-NEXT:    %[[D:.*]] = tensor.dim %arg0, %arg1 : tensor<?xf32>
// CHECK-NEXT:    %[[M:.*]] = memref.dim %arg2, %arg1 : memref<?xf32>
// CHECK-NEXT:    %[[A:.*]] = memref.alloc(%[[D]]) : memref<?xf32>
// CHECK-NEXT:    %[[B:.*]] = memref.alloc(%[[D]]) : memref<?xf32>
// CHECK-NEXT:    %[[S:.*]] = arith.addi %[[D]], %[[M]] : index
// CHECK-NEXT:    %[[T:.*]] = arith.addi %[[S]], %[[D]] : index
// CHECK-NEXT:    return %[[A]], %[[B]], %[[T]] : memref<?xf32>, memref<?xf32>, index
// CANON-LABEL: func.func @effects
// CANON-NOT:     memref.alloca
// CANON-NOT:     tensor.pad
func.func @effects(%t: tensor<?xf32>, %i: index, %m: memref<?xf32>, %f: f32)
    -> (memref<?xf32>, memref<?xf32>, index) {
  %d0 = tensor.dim %t, %i : tensor<?xf32>
  %d1 = tensor.dim %t, %i : tensor<?xf32>
  %unused_dim = tensor.dim %t, %i : tensor<?xf32>
  %md0 = memref.dim %m, %i : memref<?xf32>
  %md1 = memref.dim %m, %i : memref<?xf32>
  %a = memref.alloc(%d0) : memref<?xf32>
  %b = memref.alloc(%d1) : memref<?xf32>
  %dead = memref.alloc(%d0) : memref<?xf32>
  %stack = memref.alloca(%d1) : memref<?xf32>
  %padded = tensor.pad %t low[1] high[2] {
  ^bb0(%j: index):
    tensor.yield %f : f32
  } : tensor<?xf32> to tensor<?xf32>
  %s = arith.addi %d0, %md0 : index
  %u = arith.addi %s, %d1 : index
  %unused_m = memref.dim %m, %i : memref<?xf32>
  return %a, %b, %u : memref<?xf32>, memref<?xf32>, index
}

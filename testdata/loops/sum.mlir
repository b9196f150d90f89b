// scf and memref: a row sum, in MLIR's forms for memref and scf.yield, generic for the loops.
// RUN: strata-opt %s | strata-opt | FileCheck %s
// RUN: strata-opt %s --mlir-print-op-generic | strata-opt | FileCheck %s

// CHECK-LABEL: func.func @row_sums
// CHECK: %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f32) {
// CHECK: memref.load %arg0[%{{.*}}, %{{.*}}] : memref<4x8xf32>
// CHECK: scf.yield %{{.*}} : f32
// CHECK: memref.store %{{.*}}, %[[A]][%{{.*}}] : memref<4xf32>
func.func @row_sums(%m: memref<4x8xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %out = memref.alloc() : memref<4xf32>
  "scf.parallel"(%c0, %c4, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    %s = "scf.for"(%c0, %c8, %c1, %zero) ({
    ^bb0(%j: index, %acc: f32):
      %x = memref.load %m[%i, %j] : memref<4x8xf32>
      %n = arith.addf %acc, %x : f32
      scf.yield %n : f32
    }) : (index, index, index, f32) -> f32
    memref.store %s, %out[%i] : memref<4xf32>
    "scf.reduce"() : () -> ()
  }) : (index, index, index) -> ()
  return %out : memref<4xf32>
}

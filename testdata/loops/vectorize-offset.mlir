// vectorize takes a last index that is the lane variable plus a lane-uniform offset
// (`arith.addi %base, %j`) as contiguous, as blocked layouts and flattened buffers index
// channels; a stride other than one, or the lane variable used as data, keeps the nest scalar.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(vectorize))' | FileCheck %s
// RUN: rm -rf %t && strata-run %s --entry f --random-inputs 5 --output-dir %t > /dev/null
// RUN: strata-run %s --entry f --input %t/input0.npy --pass-pipeline='builtin.module(func.func(vectorize))' --verify-each-pass --compare %t/output0.npy --compare %t/output1.npy --compare %t/output2.npy 2>&1 | FileCheck %s --check-prefix=EXEC
// RUN: strata-run %s --entry f --input %t/input0.npy --target host --pass-pipeline='builtin.module(func.func(vectorize))' --compare %t/output0.npy --compare %t/output1.npy --compare %t/output2.npy 2>&1 | FileCheck %s --check-prefix=EXEC
// EXEC: compare: all 3 outputs match

func.func @f(%src: memref<3x10xf32>) -> (memref<30xf32>, memref<3x5xf32>, memref<3x10xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c10 = arith.constant 10 : index
  %two = arith.constant 2.0 : f32
  %flat = memref.alloc() : memref<30xf32>
  %strided = memref.alloc() : memref<3x5xf32>
  %iota = memref.alloc() : memref<3x10xf32>
  // flat[i * 10 + j] = src[i, j] * 2: contiguous through the offset.
  "scf.parallel"(%c0, %c0, %c3, %c10, %c1, %c1) <{operandSegmentSizes = array<i32: 2, 2, 2, 0>}> ({
  ^bb0(%i: index, %j: index):
    %x = memref.load %src[%i, %j] : memref<3x10xf32>
    %y = arith.mulf %x, %two : f32
    %row = arith.muli %i, %c10 : index
    %at = arith.addi %row, %j : index
    memref.store %y, %flat[%at] : memref<30xf32>
    "scf.reduce"() : () -> ()
  }) : (index, index, index, index, index, index) -> ()
  // strided[i, j] = src[i, 2 j]: a stride of two is not contiguous.
  "scf.parallel"(%c0, %c0, %c3, %c5, %c1, %c1) <{operandSegmentSizes = array<i32: 2, 2, 2, 0>}> ({
  ^bb0(%i: index, %j: index):
    %j2 = arith.muli %j, %c2 : index
    %x = memref.load %src[%i, %j2] : memref<3x10xf32>
    memref.store %x, %strided[%i, %j] : memref<3x5xf32>
    "scf.reduce"() : () -> ()
  }) : (index, index, index, index, index, index) -> ()
  // iota[i, j] = src[i, j] + (i + j): the lane variable as data differs per lane.
  "scf.parallel"(%c0, %c0, %c3, %c10, %c1, %c1) <{operandSegmentSizes = array<i32: 2, 2, 2, 0>}> ({
  ^bb0(%i: index, %j: index):
    %x = memref.load %src[%i, %j] : memref<3x10xf32>
    %k = arith.addi %i, %j : index
    %ki = arith.index_cast %k : index to i64
    %kf = arith.sitofp %ki : i64 to f32
    %y = arith.addf %x, %kf : f32
    memref.store %y, %iota[%i, %j] : memref<3x10xf32>
    "scf.reduce"() : () -> ()
  }) : (index, index, index, index, index, index) -> ()
  return %flat, %strided, %iota : memref<30xf32>, memref<3x5xf32>, memref<3x10xf32>
}

// CHECK-LABEL: func.func @f
// CHECK:         vector.load %arg0[%{{.*}}, %{{.*}}] : memref<3x10xf32>, vector<4xf32>
// CHECK:         arith.mulf %{{.*}}, %{{.*}} : vector<4xf32>
// CHECK:         %[[AT:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK:         vector.store %{{.*}}, %{{.*}}[%[[AT]]] : memref<30xf32>, vector<4xf32>
// The leftover two columns of each row, scalar.
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<30xf32>
// CHECK-NOT:     vector.
// CHECK:         return

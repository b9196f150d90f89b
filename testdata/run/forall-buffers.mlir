// scf.forall over a buffer: `strided` doubles the odd columns of a buffer from row 1 on,
// adding the row index, with a lower bound and a step in each dimension. It runs in the
// interpreter, after either lowering (--verify-each-pass runs the entry before and after
// and fails on any change), and JIT-compiled after scf-forall-to-parallel (an scf.parallel
// nest, split over threads), against numpy's result (Inputs/forall_strided_expected.npy);
// every result is exact.
// RUN: strata-run %s --entry strided --input %S/Inputs/forall_a.npy --compare %S/Inputs/forall_strided_expected.npy --rtol 0 --atol 0 | FileCheck %s
// RUN: strata-run %s --entry strided --input %S/Inputs/forall_a.npy --pass-pipeline 'builtin.module(scf-forall-to-for)' --verify-each-pass --rtol 0 --atol 0 2>&1 | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry strided --input %S/Inputs/forall_a.npy --pass-pipeline 'builtin.module(scf-forall-to-parallel)' --verify-each-pass --rtol 0 --atol 0 2>&1 | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry strided --input %S/Inputs/forall_a.npy --pass-pipeline 'builtin.module(scf-forall-to-parallel)' --target host --compare %S/Inputs/forall_strided_expected.npy --rtol 0 --atol 0 | FileCheck %s
// CHECK: compare: all 1 outputs match
// SAME: verify-each-pass: every pass kept the results within rtol=0e0 atol=0e0
// The lowerings print as mlir-opt-22's do (the scf.parallel keeps the device mapping).
// RUN: strata-opt %s --scf-forall-to-parallel | FileCheck %s --check-prefix=PARALLEL
// PARALLEL: %c1 = arith.constant 1 : index
// PARALLEL-NEXT: %c1_0 = arith.constant 1 : index
// PARALLEL-NEXT: %c10 = arith.constant 10 : index
// PARALLEL-NEXT: %c7 = arith.constant 7 : index
// PARALLEL-NEXT: %c1_1 = arith.constant 1 : index
// PARALLEL-NEXT: %c2 = arith.constant 2 : index
// PARALLEL-NEXT: scf.parallel (%arg1, %arg2) = (%c1, %c1_0) to (%c10, %c7) step (%c1_1, %c2) {
// PARALLEL: } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// RUN: strata-opt %s --scf-forall-to-for | FileCheck %s --check-prefix=FOR
// FOR: scf.for %arg1 = %c1 to %c10 step %c1_1 {
// FOR-NEXT: scf.for %arg2 = %c1_0 to %c7 step %c2 {
// FOR-NEXT: memref.load %arg0[%arg1, %arg2]

func.func @strided(%m: memref<10x7xf32>) -> memref<10x7xf32> {
  %two = arith.constant 2.0 : f32
  scf.forall (%i, %j) = (1, 1) to (10, 7) step (1, 2) {
    %x = memref.load %m[%i, %j] : memref<10x7xf32>
    %ii = arith.index_cast %i : index to i32
    %fi = arith.sitofp %ii : i32 to f32
    %x2 = arith.mulf %x, %two : f32
    %y = arith.addf %x2, %fi : f32
    memref.store %y, %m[%i, %j] : memref<10x7xf32>
  } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
  return %m : memref<10x7xf32>
}

// scf.forall in the interpreter and through both of its lowerings, against references
// computed in numpy (Inputs/forall_*.npy). `tiles` computes a * b + a over a 10x7 tensor in
// 4x3 tiles (the last row and column of tiles are partial: sizes from arith.minsi), each
// iteration writing its tile and the tile's sum into two shared outputs. forall-buffers.mlir
// has the loop over memrefs.
// --verify-each-pass runs the entry before and after scf-forall-to-for (a nest of scf.for
// carrying the outputs) and fails on any change; the sums are added in another order than
// numpy's, hence the tolerance (1e-5 of a sum of 12 products of numbers below 1 in size).
// RUN: strata-run %s --entry tiles --input %S/Inputs/forall_a.npy --input %S/Inputs/forall_b.npy --compare %S/Inputs/forall_tiles_expected.npy --compare %S/Inputs/forall_sums_expected.npy --rtol 1e-5 --atol 1e-6 | FileCheck %s --check-prefix=TILES
// RUN: strata-run %s --entry tiles --input %S/Inputs/forall_a.npy --input %S/Inputs/forall_b.npy --pass-pipeline 'builtin.module(scf-forall-to-for)' --verify-each-pass --rtol 0 --atol 0 2>&1 | FileCheck %s --check-prefix=SAME
// SAME: verify-each-pass: every pass kept the results within rtol=0e0 atol=0e0
// TILES: compare: all 2 outputs match
// A forall with shared outputs has no scf.parallel form: an error at the loop.
// RUN: not strata-opt %s --scf-forall-to-parallel 2>&1 | FileCheck %s --check-prefix=BUFFERIZED
// BUFFERIZED: forall.mlir:[[@LINE+11]]:10: error: only fully bufferized scf.forall ops (without shared_outs) can be lowered to scf.parallel
// The text reads back to itself.
// RUN: strata-opt %s | strata-opt | FileCheck %s --check-prefix=ROUND
// ROUND: scf.forall (%arg2, %arg3) in (3, 3) shared_outs(%arg4 = %0, %arg5 = %1) -> (tensor<10x7xf32>, tensor<3x3xf32>) {

func.func @tiles(%a: tensor<10x7xf32>, %b: tensor<10x7xf32>) -> (tensor<10x7xf32>, tensor<3x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<10x7xf32>
  %sums = tensor.empty() : tensor<3x3xf32>
  %r:2 = scf.forall (%ti, %tj) in (3, 3) shared_outs(%o = %init, %p = %sums) -> (tensor<10x7xf32>, tensor<3x3xf32>) {
    %c4 = arith.constant 4 : index
    %c3 = arith.constant 3 : index
    %c10 = arith.constant 10 : index
    %c7 = arith.constant 7 : index
    %i0 = arith.muli %ti, %c4 : index
    %j0 = arith.muli %tj, %c3 : index
    %ri = arith.subi %c10, %i0 : index
    %rj = arith.subi %c7, %j0 : index
    %si = arith.minsi %ri, %c4 : index
    %sj = arith.minsi %rj, %c3 : index
    %tile0 = tensor.empty(%si, %sj) : tensor<?x?xf32>
    %tile, %sum = scf.for %i = %c0 to %si step %c1 iter_args(%t = %tile0, %s = %zero) -> (tensor<?x?xf32>, f32) {
      %row, %rs = scf.for %j = %c0 to %sj step %c1 iter_args(%u = %t, %acc = %s) -> (tensor<?x?xf32>, f32) {
        %gi = arith.addi %i0, %i : index
        %gj = arith.addi %j0, %j : index
        %x = tensor.extract %a[%gi, %gj] : tensor<10x7xf32>
        %y = tensor.extract %b[%gi, %gj] : tensor<10x7xf32>
        %xy = arith.mulf %x, %y : f32
        %z = arith.addf %xy, %x : f32
        %u2 = tensor.insert %z into %u[%i, %j] : tensor<?x?xf32>
        %acc2 = arith.addf %acc, %z : f32
        scf.yield %u2, %acc2 : tensor<?x?xf32>, f32
      }
      scf.yield %row, %rs : tensor<?x?xf32>, f32
    }
    %cell = tensor.from_elements %sum : tensor<1x1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %tile into %o[%i0, %j0] [%si, %sj] [1, 1] : tensor<?x?xf32> into tensor<10x7xf32>
      tensor.parallel_insert_slice %cell into %p[%ti, %tj] [1, 1] [1, 1] : tensor<1x1xf32> into tensor<3x3xf32>
    }
  }
  return %r#0, %r#1 : tensor<10x7xf32>, tensor<3x3xf32>
}

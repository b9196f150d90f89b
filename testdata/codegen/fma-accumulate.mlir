// Which operand an x86-64 FMA overwrites (vendor/README.md): an accumulation overwrites its
// addend (vfmadd231ps, one factor taken from memory, no register copies in the loop), Horner's
// rule with constant coefficients overwrites the running value (vfmadd213ps, the constant from
// memory). Both run on the JIT against the interpreter on random inputs; the sums are of 16
// products of numbers in [-1, 1), so a relative error of 1e-5 allows for the FMA's single
// rounding against the interpreter's two.
// A broadcast used by several FMAs (a GEMM's row of A times a row of B) is one vbroadcastss
// from memory, not a scalar load and a shuffle (the patch's splat rule, vendor/README.md).
// (AArch64's fmla always overwrites its accumulator; its FMAs are checked by aarch64.mlir.)
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-translate %s --target x86-64 -o %t/fma.o --listing %t/fma.txt
// RUN: FileCheck %s < %t/fma.txt
// RUN: strata-run %s --entry dot --random-inputs 31 --output-dir %t/dot > /dev/null
// RUN: strata-run %s --entry dot --input %t/dot/input0.npy --input %t/dot/input1.npy --target host --rtol 1e-5 --atol 1e-6 --compare %t/dot/output0.npy | FileCheck %s --check-prefix=MATCH
// RUN: strata-run %s --entry horner --random-inputs 32 --output-dir %t/horner > /dev/null
// RUN: strata-run %s --entry horner --input %t/horner/input0.npy --target host --rtol 1e-5 --atol 1e-6 --compare %t/horner/output0.npy | FileCheck %s --check-prefix=MATCH
// RUN: strata-run %s --entry outer --random-inputs 33 --output-dir %t/outer > /dev/null
// RUN: strata-run %s --entry outer --input %t/outer/input0.npy --input %t/outer/input1.npy --target host --rtol 1e-5 --atol 1e-6 --compare %t/outer/output0.npy | FileCheck %s --check-prefix=MATCH
// MATCH: compare: all 1 outputs match

// CHECK-LABEL: dot (
// CHECK:       block2:
// CHECK-NOT:   movdqa
// CHECK-NOT:   movaps
// CHECK-NOT:   vfmadd213ps
// CHECK:       vfmadd231ps (%{{[a-z0-9]+}}, %{{[a-z0-9]+}}, 4), %xmm{{[0-9]+}}, %xmm{{[0-9]+}}
// CHECK-NOT:   movdqa
// CHECK:       jmp
func.func @dot(%a: memref<64xf32>, %b: memref<64xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant dense<0.0> : vector<4xf32>
  %sum = "scf.for"(%c0, %c64, %c4, %zero) ({
  ^bb0(%i: index, %acc: vector<4xf32>):
    %x = vector.load %a[%i] : memref<64xf32>, vector<4xf32>
    %y = vector.load %b[%i] : memref<64xf32>, vector<4xf32>
    %p = arith.mulf %x, %y : vector<4xf32>
    %s = arith.addf %acc, %p : vector<4xf32>
    scf.yield %s : vector<4xf32>
  }) : (index, index, index, vector<4xf32>) -> vector<4xf32>
  %out = memref.alloc() : memref<4xf32>
  vector.store %sum, %out[%c0] : memref<4xf32>, vector<4xf32>
  return %out : memref<4xf32>
}

// CHECK-LABEL: horner (
// CHECK-NOT:   vfmadd231ps
// CHECK:       vfmadd213ps
// CHECK-NOT:   vfmadd231ps
// CHECK:       vfmadd213ps
// CHECK-NOT:   vfmadd231ps
// CHECK-LABEL: __strata_packed_fma_horner
func.func @horner(%x: memref<64xf32>) -> memref<64xf32> {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %k3 = arith.constant dense<0.25> : vector<4xf32>
  %k2 = arith.constant dense<-0.5> : vector<4xf32>
  %k1 = arith.constant dense<1.5> : vector<4xf32>
  %out = memref.alloc() : memref<64xf32>
  "scf.for"(%c0, %c64, %c4) ({
  ^bb0(%i: index):
    %v = vector.load %x[%i] : memref<64xf32>, vector<4xf32>
    %m1 = arith.mulf %k3, %v : vector<4xf32>
    %p1 = arith.addf %m1, %k2 : vector<4xf32>
    %m2 = arith.mulf %p1, %v : vector<4xf32>
    %p2 = arith.addf %m2, %k1 : vector<4xf32>
    vector.store %p2, %out[%i] : memref<64xf32>, vector<4xf32>
    scf.yield
  }) : (index, index, index) -> ()
  return %out : memref<64xf32>
}

// CHECK-LABEL: outer (
// CHECK:       block2:
// CHECK-NOT:   vmovss
// CHECK:       vbroadcastss (%{{[a-z0-9]+}}, %{{[a-z0-9]+}}, 4), %xmm{{[0-9]+}}
// CHECK-NOT:   vmovss
// CHECK:       vfmadd231ps
// CHECK-NOT:   vmovss
// CHECK:       vfmadd231ps
// CHECK:       jmp
func.func @outer(%a: memref<16xf32>, %b: memref<16x8xf32>) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant dense<0.0> : vector<4xf32>
  %sums:2 = "scf.for"(%c0, %c16, %c1, %zero, %zero) ({
  ^bb0(%k: index, %acc0: vector<4xf32>, %acc1: vector<4xf32>):
    %x = memref.load %a[%k] : memref<16xf32>
    %xs = vector.broadcast %x : f32 to vector<4xf32>
    %y0 = vector.load %b[%k, %c0] : memref<16x8xf32>, vector<4xf32>
    %y1 = vector.load %b[%k, %c4] : memref<16x8xf32>, vector<4xf32>
    %p0 = arith.mulf %xs, %y0 : vector<4xf32>
    %p1 = arith.mulf %xs, %y1 : vector<4xf32>
    %s0 = arith.addf %acc0, %p0 : vector<4xf32>
    %s1 = arith.addf %acc1, %p1 : vector<4xf32>
    scf.yield %s0, %s1 : vector<4xf32>, vector<4xf32>
  }) : (index, index, index, vector<4xf32>, vector<4xf32>) -> (vector<4xf32>, vector<4xf32>)
  %out = memref.alloc() : memref<8xf32>
  vector.store %sums#0, %out[%c0] : memref<8xf32>, vector<4xf32>
  vector.store %sums#1, %out[%c4] : memref<8xf32>, vector<4xf32>
  return %out : memref<8xf32>
}

// strata-translate: an object file, its C header and a listing of its machine code; a C program
// (Inputs/c_abi_main.c) includes the header, links the object and calls both entry points.
// testdata/codegen/aarch64.mlir does the same for AArch64 under qemu.
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-translate %s --target x86-64 -o %t/c_abi.o --header %t/c_abi.h --listing %t/c_abi.txt
// RUN: FileCheck %s --check-prefix=HEADER < %t/c_abi.h
// RUN: FileCheck %s --check-prefix=ASM < %t/c_abi.txt
// RUN: cc -O2 -I%t %S/Inputs/c_abi_main.c %t/c_abi.o -o %t/main -lm
// RUN: %t/main | FileCheck %s --check-prefix=MAIN
// RUN: not strata-translate %s --target sparc -o %t/x.o 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not strata-translate %s --target x86-64 -o %t/x.o --pass-pipeline='builtin.module(canonicalize)' 2>&1 | FileCheck %s --check-prefix=UNLOWERED

// The calling rules a C caller cannot guess: calls must not overlap; arena results' lifetime.
// HEADER: /* Calls are not reentrant.
// HEADER: stays valid only until the next call of any entry point of this module
// HEADER: typedef struct { float *allocated; float *aligned; int64_t offset; int64_t sizes[2]; int64_t strides[2]; } strata_memref_2d_f32;
// HEADER: void __strata_parallel_for(void (*body)(const void *ctx, int64_t lo, int64_t hi), const void *ctx, int64_t n);
// HEADER: static const char *const c_abi_traps[] = {
// HEADER: /* (5x7xf32, 7xf32) -> (5x7xf32); returns 0, k + 1 when argument k has the wrong shape, or a trap's -k. */
// HEADER: int32_t c_abi_add_relu_tanh(const strata_memref_2d_f32 *arg0, const strata_memref_1d_f32 *arg1, strata_memref_2d_f32 *result0);
// HEADER: int32_t c_abi_row_sums(const strata_memref_2d_f32 *arg0, strata_memref_1d_f32 *result0);

// The vectorized body: four-lane loads and fused multiply-adds in tanh's polynomial.
// ASM: movups
// ASM: vfmadd

// MAIN: add_relu_tanh: worst error <= 1e-6, result in the arena
// MAIN: row_sums: worst error <= 1e-5, result owned
// MAIN: wrong shape: status 1
// MAIN: wrong strides: status 1

// TARGET: error: unknown target 'sparc'; targets are x86-64, aarch64
// UNLOWERED: error: in function @add_relu_tanh: 'func.func': tensor<5x7xf32> cannot cross the C ABI (lower tensors to memrefs first)

func.func @add_relu_tanh(%x: tensor<5x7xf32>, %b: tensor<7xf32>) -> tensor<5x7xf32> {
  %a = "nn.add"(%x, %b) : (tensor<5x7xf32>, tensor<7xf32>) -> tensor<5x7xf32>
  %r = "nn.relu"(%a) : (tensor<5x7xf32>) -> tensor<5x7xf32>
  %t = "nn.tanh"(%r) : (tensor<5x7xf32>) -> tensor<5x7xf32>
  return %t : tensor<5x7xf32>
}

func.func @row_sums(%m: memref<5x7xf32>) -> memref<5xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %zero = arith.constant 0.0 : f32
  %out = memref.alloc() : memref<5xf32>
  "scf.parallel"(%c0, %c5, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    %s = "scf.for"(%c0, %c7, %c1, %zero) ({
    ^bb0(%j: index, %acc: f32):
      %v = memref.load %m[%i, %j] : memref<5x7xf32>
      %n = arith.addf %acc, %v : f32
      scf.yield %n : f32
    }) : (index, index, index, f32) -> f32
    memref.store %s, %out[%i] : memref<5xf32>
    "scf.reduce"() : () -> ()
  }) : (index, index, index) -> ()
  return %out : memref<5xf32>
}

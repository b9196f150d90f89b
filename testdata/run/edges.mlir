// strata-run at the edges a user meets: comparisons against infinities and NaN, indices out of
// bounds on either side, scalar arguments, flags out of range, and clean errors for each.
// RUN: rm -rf %t && mkdir -p %t

// An infinity matches only itself: -inf against +inf is the worst element; NaN only NaN.
// RUN: not strata-run %s --entry ret_arg --input %S/Inputs/with_inf.npy --compare %S/Inputs/ref_posinf.npy --rtol 1 --atol 1e30 2>&1 | FileCheck %s --check-prefix=INF
// INF: error: output #0 differs from {{.*}}ref_posinf.npy: 1 of 8 elements differ beyond rtol=1e0 atol=1e30; worst at [0, 0]: -inf instead of inf
// RUN: not strata-run %s --entry ret_arg --input %S/Inputs/with_inf.npy --compare %S/Inputs/ref_no_nan.npy --rtol 1 --atol 1e30 2>&1 | FileCheck %s --check-prefix=NAN
// NAN: worst at [1, 1]: NaN instead of 1
// RUN: strata-run %s --entry ret_arg --input %S/Inputs/with_inf.npy --compare %S/Inputs/with_inf.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=SAME
// SAME: compare: all 1 outputs match within rtol=0e0 atol=0e0
// RUN: strata-run --help | FileCheck %s --check-prefix=HELP
// HELP: infinity matches only an infinity of the same sign and NaN only NaN

// Indices out of bounds, below or above, are errors at the op (never clamped).
// RUN: not strata-run %s --entry below --input %S/Inputs/m4.npy 2>&1 | FileCheck %s --check-prefix=BELOW
// BELOW: edges.mlir:{{[0-9]+}}:8: error: 'memref.load' op index -1 is out of bounds in dimension 0 of size 4
// RUN: not strata-run %s --entry above --input %S/Inputs/m4.npy 2>&1 | FileCheck %s --check-prefix=ABOVE
// ABOVE: error: 'memref.load' op index 4 is out of bounds in dimension 0 of size 4

// `@f` names the entry as MLIR writes it; a 0-d array is a scalar argument.
// RUN: strata-run %s --entry @scale --input %S/Inputs/m4.npy --input %S/Inputs/scalar_f32.npy | FileCheck %s --check-prefix=SCALAR
// RUN: strata-run %s --entry scale_loop --input %S/Inputs/m4.npy --input %S/Inputs/scalar_f32.npy --target host | FileCheck %s --check-prefix=SCALAR
// SCALAR: output #0: tensor<4xf32>
// A tensor-typed arith.constant runs in the interpreter.
// RUN: strata-run %s --entry tensor_constant | FileCheck %s --check-prefix=CONST
// CONST: output #0: tensor<3xi32>

// Flags out of range are refused up front.
// RUN: not strata-run %s --entry ret_arg --random-inputs 1 --benchmark 0 2>&1 | FileCheck %s --check-prefix=BENCH0
// BENCH0: error: invalid value '0' for '--benchmark <N>'
// RUN: not strata-run %s --entry ret_arg --random-inputs 1 --target host --threads 100000 2>&1 | FileCheck %s --check-prefix=THREADS
// THREADS: error: invalid value '100000' for '--threads <N>': 100000 is not in 1..=256
// A truncated .npy says so.
// RUN: not strata-run %s --entry scale --input %S/Inputs/truncated.npy --input %S/Inputs/scalar_f32.npy 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: error: input #0: {{.*}}truncated.npy: the file holds fewer values than its header says ([8] of <f4)

// Sizes beyond the machine are errors before anything is allocated.
// RUN: not strata-run %s --entry huge --random-inputs 1 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not strata-run %s --entry huge --random-inputs 1 --target host 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: error: argument #0 (tensor<4096x4096x4096xf32>): random inputs of this size: needs 550 GB, more than this machine's memory
// A constant of 10^10 elements (40 GB) is an error in the interpreter and the code generator.
// RUN: not strata-run %s --entry huge_constant --random-inputs 1 2>&1 | FileCheck %s --check-prefix=HUGECONST
// HUGECONST: error: 'nn.constant' op a result of [100000, 100000]: needs 80.0 GB, more than this machine's memory
// RUN: not strata-translate %s --entry huge_constant --target x86-64 -o %t/huge.o 2>&1 | FileCheck %s --check-prefix=HUGEOBJ
// HUGEOBJ: error: {{.*}}needs 40.0 GB, more than this machine's memory

func.func @ret_arg(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  return %x : tensor<2x4xf32>
}
func.func @below(%m: memref<4xf32>) -> memref<1xf32> {
  %cm1 = arith.constant -1 : index
  %c0 = arith.constant 0 : index
  %v = memref.load %m[%cm1] : memref<4xf32>
  %o = memref.alloc() : memref<1xf32>
  memref.store %v, %o[%c0] : memref<1xf32>
  return %o : memref<1xf32>
}
func.func @above(%m: memref<4xf32>) -> memref<1xf32> {
  %c4 = arith.constant 4 : index
  %c0 = arith.constant 0 : index
  %v = memref.load %m[%c4] : memref<4xf32>
  %o = memref.alloc() : memref<1xf32>
  memref.store %v, %o[%c0] : memref<1xf32>
  return %o : memref<1xf32>
}
func.func @scale(%x: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  %t = "tensor.from_elements"(%s) : (f32) -> tensor<1xf32>
  %y = "nn.mul"(%x, %t) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
func.func @scale_loop(%m: memref<4xf32>, %s: f32) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %o = memref.alloc() : memref<4xf32>
  "scf.for"(%c0, %c4, %c1) ({
  ^bb0(%i: index):
    %v = memref.load %m[%i] : memref<4xf32>
    %y = arith.mulf %v, %s : f32
    memref.store %y, %o[%i] : memref<4xf32>
    scf.yield
  }) : (index, index, index) -> ()
  return %o : memref<4xf32>
}
func.func @tensor_constant() -> tensor<3xi32> {
  %c = arith.constant dense<[1, -2, 3]> : tensor<3xi32>
  return %c : tensor<3xi32>
}
func.func @huge(%x: tensor<4096x4096x4096xf32>) -> tensor<4096x4096x4096xf32> {
  %r = "nn.relu"(%x) : (tensor<4096x4096x4096xf32>) -> tensor<4096x4096x4096xf32>
  return %r : tensor<4096x4096x4096xf32>
}
func.func @huge_constant(%x: tensor<1xf32>) -> tensor<100000x100000xf32> {
  %c = "nn.constant"() {value = dense<1.5> : tensor<100000x100000xf32>} : () -> tensor<100000x100000xf32>
  %e = "nn.add"(%c, %x) : (tensor<100000x100000xf32>, tensor<1xf32>) -> tensor<100000x100000xf32>
  return %e : tensor<100000x100000xf32>
}

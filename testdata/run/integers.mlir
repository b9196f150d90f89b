// Integers stay integers end to end (.npy in and out, the interpreter, compiled code, and
// --compare, which compares them exactly), wrap as MLIR defines, and a division with no
// defined result is the same located error on every target.
// RUN: rm -rf %t && mkdir -p %t

// 2^53 + 1 and its neighbours survive an identity; --compare is exact on integers.
// RUN: strata-run %s --entry id --input %S/Inputs/big64.npy --output-dir %t/id --compare %S/Inputs/big64.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=EXACT
// RUN: strata-run %s --entry id --input %S/Inputs/big64.npy --target host --compare %S/Inputs/big64.npy | FileCheck %s --check-prefix=EXACT
// RUN: strata-run %s --entry id --input %S/Inputs/big64.npy --target x86-64 --compare %S/Inputs/big64.npy | FileCheck %s --check-prefix=EXACT
// EXACT: compare: all 1 outputs match
// An integer one off from the reference is a mismatch, whatever the tolerance.
// RUN: not strata-run %s --entry plus_one --input %S/Inputs/big64.npy --compare %S/Inputs/big64.npy --rtol 1 --atol 1 2>&1 | FileCheck %s --check-prefix=OFF
// OFF: error: output #0 differs from {{.*}}big64.npy: 3 of 3 elements differ exactly (integers); worst at [0]: 9007199254740994 instead of 9007199254740993

// i64 arithmetic wraps at 64 bits on every target: the interpreter's result is the reference.
// RUN: strata-run %s --entry sums --input %S/Inputs/pair_i64.npy --output-dir %t/sums | FileCheck %s --check-prefix=SUMS
// SUMS: output #0: tensor<3xi64>
// RUN: strata-run %s --entry sums --input %S/Inputs/pair_i64.npy --target host --compare %t/sums/output0.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=EXACT
// RUN: strata-run %s --entry sums --input %S/Inputs/pair_i64.npy --target x86-64 --compare %t/sums/output0.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=EXACT

// 2147483647^2 wraps to 1 at 32 bits (the interpreter used to say 0), 2147483647 << 31 to the
// smallest i32: the values numpy's int32 arithmetic gives (Inputs/ovf_expected.npy).
// RUN: strata-run %s --entry ops32 --input %S/Inputs/i32_ovf.npy --compare %S/Inputs/ovf_expected.npy | FileCheck %s --check-prefix=EXACT
// RUN: strata-run %s --entry ops32 --input %S/Inputs/i32_ovf.npy --target host --compare %S/Inputs/ovf_expected.npy | FileCheck %s --check-prefix=EXACT
// RUN: strata-run %s --entry ops32 --input %S/Inputs/i32_ovf.npy --target x86-64 --compare %S/Inputs/ovf_expected.npy | FileCheck %s --check-prefix=EXACT

// Division by zero: undefined in MLIR, an error at the op on every target.
// RUN: not strata-run %s --entry ops32 --input %S/Inputs/i32_div0.npy 2>&1 | FileCheck %s --check-prefix=DIV0
// RUN: not strata-run %s --entry ops32 --input %S/Inputs/i32_div0.npy --target host 2>&1 | FileCheck %s --check-prefix=DIV0
// RUN: not strata-run %s --entry ops32 --input %S/Inputs/i32_div0.npy --target x86-64 2>&1 | FileCheck %s --check-prefix=DIV0
// DIV0: integers.mlir:[[@LINE+25]]:8: error: 'arith.divsi' op integer division by zero
// DIV0-NEXT: %q = arith.divsi %a, %b : i32
// The smallest i32 divided by -1 overflows: also undefined, also an error.
// RUN: not strata-run %s --entry ops32 --input %S/Inputs/i32_min_neg1.npy 2>&1 | FileCheck %s --check-prefix=OVERFLOW
// RUN: not strata-run %s --entry ops32 --input %S/Inputs/i32_min_neg1.npy --target host 2>&1 | FileCheck %s --check-prefix=OVERFLOW
// RUN: not strata-run %s --entry ops32 --input %S/Inputs/i32_min_neg1.npy --target x86-64 2>&1 | FileCheck %s --check-prefix=OVERFLOW
// OVERFLOW: error: 'arith.divsi' op signed division overflow (the smallest i32 divided by -1)

func.func @id(%x: tensor<3xi64>) -> tensor<3xi64> {
  return %x : tensor<3xi64>
}
func.func @plus_one(%x: tensor<3xi64>) -> tensor<3xi64> {
  %one = "nn.constant"() {value = dense<1> : tensor<3xi64>} : () -> tensor<3xi64>
  %y = "nn.add"(%x, %one) : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  return %y : tensor<3xi64>
}
func.func @ops32(%m: memref<2xi32>) -> memref<6xi32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %a = memref.load %m[%c0] : memref<2xi32>
  %b = memref.load %m[%c1] : memref<2xi32>
  %q = arith.divsi %a, %b : i32
  %r = arith.remsi %a, %b : i32
  %s = arith.shli %a, %b : i32
  %t = arith.addi %a, %a : i32
  %u = arith.muli %a, %a : i32
  %v = arith.shrsi %a, %b : i32
  %o = memref.alloc() : memref<6xi32>
  memref.store %q, %o[%c0] : memref<6xi32>
  memref.store %r, %o[%c1] : memref<6xi32>
  memref.store %s, %o[%c2] : memref<6xi32>
  memref.store %t, %o[%c3] : memref<6xi32>
  memref.store %u, %o[%c4] : memref<6xi32>
  memref.store %v, %o[%c5] : memref<6xi32>
  return %o : memref<6xi32>
}
func.func @sums(%m: memref<2xi64>) -> memref<3xi64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %a = memref.load %m[%c0] : memref<2xi64>
  %b = memref.load %m[%c1] : memref<2xi64>
  %s = arith.addi %a, %b : i64
  %d = arith.subi %s, %a : i64
  %p = arith.muli %a, %b : i64
  %o = memref.alloc() : memref<3xi64>
  memref.store %s, %o[%c0] : memref<3xi64>
  memref.store %d, %o[%c1] : memref<3xi64>
  memref.store %p, %o[%c2] : memref<3xi64>
  return %o : memref<3xi64>
}

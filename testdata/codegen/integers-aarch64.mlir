// testdata/run/integers.mlir on AArch64 under qemu: exact 64-bit integers, wrapping, and the
// division faults reported at the op, as on the other targets.
// REQUIRES: qemu-aarch64
// RUN: strata-run %S/../run/integers.mlir --entry id --input %S/../run/Inputs/big64.npy --target aarch64 --compare %S/../run/Inputs/big64.npy | FileCheck %s --check-prefix=EXACT
// RUN: strata-run %S/../run/integers.mlir --entry ops32 --input %S/../run/Inputs/i32_ovf.npy --target aarch64 --compare %S/../run/Inputs/ovf_expected.npy | FileCheck %s --check-prefix=EXACT
// EXACT: compare: all 1 outputs match
// RUN: not strata-run %S/../run/integers.mlir --entry ops32 --input %S/../run/Inputs/i32_div0.npy --target aarch64 2>&1 | FileCheck %s --check-prefix=DIV0
// DIV0: integers.mlir:56:8: error: 'arith.divsi' op integer division by zero
// RUN: not strata-run %S/../run/integers.mlir --entry ops32 --input %S/../run/Inputs/i32_min_neg1.npy --target aarch64 2>&1 | FileCheck %s --check-prefix=OVERFLOW
// OVERFLOW: error: 'arith.divsi' op signed division overflow (the smallest i32 divided by -1)

// An entry named `main` links with the driver's own `main` (its symbol is `module_main`).
// RUN: rm -rf %t && strata-run %s --entry main --random-inputs 5 --output-dir %t > /dev/null
// RUN: strata-run %s --entry main --input %t/input0.npy --target aarch64 --compare %t/output0.npy | FileCheck %s --check-prefix=EXACT
// f16 and bf16 compute in f32 and round per op, as on x86-64: exactly the interpreter's values.
// RUN: strata-run %S/graphs-compiled.mlir --entry halves --random-inputs 3 --output-dir %t/halves > /dev/null
// RUN: strata-run %S/graphs-compiled.mlir --entry halves --input %t/halves/input0.npy --input %t/halves/input1.npy --target aarch64 --rtol 0 --atol 0 --compare %t/halves/output0.npy --compare %t/halves/output1.npy | FileCheck %s --check-prefix=EXACT2
// EXACT2: compare: all 2 outputs match within rtol=0e0 atol=0e0
func.func @main(%x: tensor<4x8xi32>) -> tensor<4x8xi32> {
  %s = "nn.mul"(%x, %x) : (tensor<4x8xi32>, tensor<4x8xi32>) -> tensor<4x8xi32>
  %m = "nn.max"(%s, %x) : (tensor<4x8xi32>, tensor<4x8xi32>) -> tensor<4x8xi32>
  return %m : tensor<4x8xi32>
}

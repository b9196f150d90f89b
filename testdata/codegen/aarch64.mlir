// The end-to-end programs of testdata/ compiled for AArch64 (NEON), linked with a generated C
// driver by aarch64-linux-gnu-gcc and run under qemu-aarch64, against the interpreter on the
// same random inputs. Tolerances as in programs.mlir (reductions: rtol 1e-4, atol 1e-5).
// REQUIRES: qemu-aarch64
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-run %S/programs.mlir --entry math --random-inputs 21 --output-dir %t/math > /dev/null
// RUN: strata-run %S/programs.mlir --entry math --input %t/math/input0.npy --target aarch64 --compare %t/math/output0.npy | FileCheck %s
// RUN: strata-run %S/programs.mlir --entry layers --random-inputs 22 --output-dir %t/layers > /dev/null
// RUN: strata-run %S/programs.mlir --entry layers --input %t/layers/input0.npy --input %t/layers/input1.npy --target aarch64 --rtol 1e-4 --atol 1e-5 --compare %t/layers/output0.npy | FileCheck %s
// RUN: strata-run %S/programs.mlir --entry conv --random-inputs 23 --output-dir %t/conv > /dev/null
// RUN: strata-run %S/programs.mlir --entry conv --input %t/conv/input0.npy --target aarch64 --rtol 1e-4 --atol 1e-5 --compare %t/conv/output0.npy | FileCheck %s
// RUN: strata-run %S/programs.mlir --entry row_max --random-inputs 24 --output-dir %t/row_max > /dev/null
// RUN: strata-run %S/programs.mlir --entry row_max --input %t/row_max/input0.npy --target aarch64 --compare %t/row_max/output0.npy | FileCheck %s
// RUN: strata-run %S/programs.mlir --entry collatz --random-inputs 25 --output-dir %t/collatz > /dev/null
// RUN: strata-run %S/programs.mlir --entry collatz --input %t/collatz/input0.npy --target aarch64 --compare %t/collatz/output0.npy --compare %t/collatz/output1.npy | FileCheck %s --check-prefix=TWO
// RUN: strata-run %S/../run/strata-run.mlir --entry f --random-inputs 26 --output-dir %t/f > /dev/null
// RUN: strata-run %S/../run/strata-run.mlir --entry f --input %t/f/input0.npy --input %t/f/input1.npy --target aarch64 --compare %t/f/output0.npy | FileCheck %s
// RUN: strata-run %S/../loops/lower-to-loops.mlir --entry f --random-inputs 27 --output-dir %t/l > /dev/null
// RUN: strata-run %S/../loops/lower-to-loops.mlir --entry f --input %t/l/input0.npy --input %t/l/input1.npy --target aarch64 --threads 1 --compare %t/l/output0.npy | FileCheck %s
// RUN: strata-run %S/../loops/sum.mlir --entry row_sums --random-inputs 28 --output-dir %t/s > /dev/null
// RUN: strata-run %S/../loops/sum.mlir --entry row_sums --input %t/s/input0.npy --target aarch64 --compare %t/s/output0.npy | FileCheck %s
// RUN: not strata-run %S/programs.mlir --entry odd_vector --random-inputs 1 --target aarch64 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not strata-run %S/programs.mlir --entry vector_divide --random-inputs 1 --target aarch64 2>&1 | FileCheck %s --check-prefix=CRANELIFT
// CRANELIFT: error: in function @vector_divide: Cranelift failed: {{.*}}sdiv.i32x4
// The C program of c-abi.mlir, linked with an AArch64 object: NEON in the listing.
// RUN: mkdir -p %t/c && strata-translate %S/c-abi.mlir --target aarch64 -o %t/c/c_abi.o --header %t/c/c_abi.h --listing %t/c/c_abi.txt
// RUN: FileCheck %s --check-prefix=NEON < %t/c/c_abi.txt
// RUN: aarch64-linux-gnu-gcc -O2 -static -I%t/c %S/Inputs/c_abi_main.c %t/c/c_abi.o -o %t/c/main -lm
// RUN: qemu-aarch64 %t/c/main | FileCheck %S/c-abi.mlir --check-prefix=MAIN
// NEON: ldr q
// NEON: fmla v{{[0-9]+}}.4s
// CHECK: compare: all 1 outputs match
// TWO: compare: all 2 outputs match
// BAD: error: in function @odd_vector: 'vector.load': vector<3xf32>: vectors must fill 128-bit registers

// strata-run: random inputs written for replay, outputs as .npy, comparison, pipelines with
// translation validation, timings, and clean errors.
// RUN: rm -rf %t && strata-run %s --entry f --random-inputs 7 --output-dir %t | FileCheck %s --check-prefix=DRAW
// DRAW: output #0: tensor<4x8xf32> -> {{.*}}output0.npy
// RUN: strata-run %s --entry f --input %t/input0.npy --input %t/input1.npy --compare %t/output0.npy | FileCheck %s --check-prefix=REPLAY
// REPLAY: compare: all 1 outputs match within rtol=1e-5 atol=1e-6
// RUN: strata-run %s --entry f --input %t/input0.npy --input %t/input1.npy --pass-pipeline='builtin.module(func.func(egraph-opt))' --verify-each-pass --compare %t/output0.npy 2>&1 | FileCheck %s --check-prefix=OPT
// OPT: verify-each-pass: every pass kept the results
// OPT: compare: all 1 outputs match
// RUN: strata-run %s --entry f --random-inputs 1 --benchmark 3 | FileCheck %s --check-prefix=BENCH
// BENCH: benchmark: median {{[0-9.]+}} ms, min {{[0-9.]+}} ms, max {{[0-9.]+}} ms over 3 runs

// A wrong rule (exp(log x) = x does not hold for x <= 0) is caught and named.
// RUN: not strata-run %s --entry g --random-inputs 3 --pass-pipeline='builtin.module(func.func(egraph-opt{rules-file=%S/../nn/exp-log.rules}))' --verify-each-pass 2>&1 | FileCheck %s --check-prefix=WRONG
// WRONG: error: pass 'egraph-opt' changed output #0: {{[0-9]+}} of 32 elements differ

// RUN: not strata-run %s --entry nope 2>&1 | FileCheck %s --check-prefix=ENTRY
// ENTRY: error: no function @nope; the file defines @f, @g
// RUN: not strata-run %s --entry f --input %t/input0.npy 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: error: @f takes 2 inputs, but 1 --input was given
// RUN: not strata-run %s --entry f --input %t/input1.npy --input %t/input1.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: error: input #0 ({{.*}}input1.npy): @f expects tensor<4x8xf32>, the file holds tensor<8xf32>
// RUN: not strata-run %s --entry f --input %t/input0.npy --input %t/input1.npy --compare %t/input0.npy 2>&1 | FileCheck %s --check-prefix=DIFF
// DIFF: error: output #0 differs from {{.*}}input0.npy: {{[0-9]+}} of 32 elements differ beyond rtol=1e-5 atol=1e-6; worst at [{{[0-9]+}}, {{[0-9]+}}]
// Compiled: JIT for the host and an x86-64 object, against the interpreter's outputs.
// RUN: strata-run %s --entry f --input %t/input0.npy --input %t/input1.npy --target host --compare %t/output0.npy | FileCheck %s --check-prefix=REPLAY
// RUN: strata-run %s --entry f --input %t/input0.npy --input %t/input1.npy --target x86-64 --compare %t/output0.npy | FileCheck %s --check-prefix=REPLAY
// RUN: strata-run %s --entry f --random-inputs 1 --target host --benchmark 3 | FileCheck %s --check-prefix=JITBENCH
// JITBENCH: benchmark (host): median {{[0-9.]+}} ms, min {{[0-9.]+}} ms, max {{[0-9.]+}} ms over 3 runs
// RUN: not strata-run %s --entry f --random-inputs 1 --target sparc 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: error: unknown target 'sparc'; targets are interp, host, x86-64, aarch64
// RUN: not strata-run %s --entry f --input %t/missing.npy --input %t/input1.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: input #0: {{.*}}missing.npy: No such file or directory

func.func @f(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %a = "nn.add"(%x, %b) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %r = "nn.relu"(%a) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %t = "nn.tanh"(%r) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %t : tensor<4x8xf32>
}

func.func @g(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %l = "nn.log"(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %e = "nn.exp"(%l) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %e : tensor<4x8xf32>
}

// A failing pipeline writes the input and the pipeline; --run-reproducer replays the failure.
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(cse,apply-rules{file=%S/invalid-result.rules}))' --mlir-pass-pipeline-crash-reproducer=%t.repro.mlir 2>&1 | FileCheck %s --check-prefix=FAIL
// RUN: FileCheck %s --check-prefix=REPRO --input-file=%t.repro.mlir
// RUN: not strata-opt %t.repro.mlir --run-reproducer 2>&1 | FileCheck %s --check-prefix=FAIL
// FAIL: note: the IR failed to verify after pass 'apply-rules'
// REPRO: "func.func"
// REPRO: mlir_reproducer: {
// REPRO-NEXT: pipeline: "builtin.module(func.func(cse, apply-rules{file={{.*}}invalid-result.rules}))",

func.func @f(%x: i32) -> i32 {
  %0 = arith.muli %x, %x : i32
  return %0 : i32
}

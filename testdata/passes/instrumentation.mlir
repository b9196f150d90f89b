// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(cse,canonicalize))' --mlir-print-ir-before=cse --mlir-print-ir-after=canonicalize -o /dev/null 2>&1 | FileCheck %s --check-prefix=BEFORE-AFTER
// Each function runs the whole nested pipeline; dumps come out in function order.
// BEFORE-AFTER:      // -----// IR Dump Before CSE (cse) //----- //
// BEFORE-AFTER-NEXT: func.func @a
// BEFORE-AFTER:      // -----// IR Dump After Canonicalizer (canonicalize) //----- //
// BEFORE-AFTER-NEXT: func.func @a
// BEFORE-AFTER:      // -----// IR Dump Before CSE (cse) //----- //
// BEFORE-AFTER-NEXT: func.func @b
// BEFORE-AFTER:      // -----// IR Dump After Canonicalizer (canonicalize) //----- //
// BEFORE-AFTER-NEXT: func.func @b
// BEFORE-AFTER-NOT:  IR Dump Before Canonicalizer

// Only passes that changed something print with -after-change: cse changes @a only.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(cse))' --mlir-print-ir-after-all --mlir-print-ir-after-change -o /dev/null 2>&1 | FileCheck %s --check-prefix=CHANGE
// CHANGE:     IR Dump After CSE (cse)
// CHANGE-NEXT: func.func @a
// CHANGE-NOT: IR Dump

// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(cse),symbol-dce)' --mlir-print-ir-before-all -o /dev/null 2>&1 | FileCheck %s --check-prefix=ALL
// ALL-COUNT-2: IR Dump Before CSE (cse)
// ALL:         IR Dump Before SymbolDCE (symbol-dce)
// ALL-NEXT:    module {

// A pass that breaks the IR fails verification (on by default) and is named; -after-failure dumps it.
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(apply-rules{file=%S/invalid-result.rules}))' --mlir-print-ir-after-failure 2>&1 | FileCheck %s --check-prefix=VERIFY
// VERIFY: IR Dump After ApplyRules Failed (apply-rules)
// VERIFY: error: 'arith.addi' op
// VERIFY: note: the IR failed to verify after pass 'apply-rules'
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(apply-rules{file=%S/invalid-result.rules}))' --verify-each=false -o /dev/null

// One file per dump, in a folder per op, numbered in order.
// RUN: rm -rf %t.dir && strata-opt %s --pass-pipeline='builtin.module(func.func(cse,canonicalize))' --mlir-print-ir-after-all --mlir-print-ir-tree-dir=%t.dir -o /dev/null
// RUN: FileCheck %s --check-prefix=TREE --input-file=%t.dir/builtin_module_no-symbol-name/func_func_a/1_canonicalize.mlir
// RUN: ls %t.dir/builtin_module_no-symbol-name/func_func_b | FileCheck %s --check-prefix=FILES
// TREE:  IR Dump After Canonicalizer (canonicalize)
// TREE-NEXT: func.func @a
// FILES:      0_cse.mlir
// FILES-NEXT: 1_canonicalize.mlir

// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(cse,canonicalize))' --mlir-timing -o /dev/null 2>&1 | FileCheck %s --check-prefix=TIMING
// TIMING:      ... Execution time report ...
// TIMING:      Total Execution Time:
// TIMING:      Parser
// TIMING-NEXT: 'func.func' Pipeline
// TIMING-NEXT:   CSE
// TIMING-NEXT:   Canonicalizer
// TIMING-NEXT: Output
// TIMING-NEXT: Rest
// TIMING-NEXT: Total

// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(cse,canonicalize))' --mlir-timing --mlir-timing-display=list --mlir-disable-threading -o /dev/null 2>&1 | FileCheck %s --check-prefix=LIST
// LIST: ----Wall Time----  ----Name----
// LIST-DAG: CSE
// LIST-DAG: Canonicalizer

// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(cse))' --mlir-timing --mlir-output-format=json -o /dev/null 2>&1 | FileCheck %s --check-prefix=JSON
// JSON:      [
// JSON-NEXT:   {"name": "Parser", "wall": {"duration": {{[0-9.]+}}, "percentage": {{[0-9.]+}}}
// JSON:        {"name": "'func.func' Pipeline", {{.*}} "passes": [
// JSON-NEXT:     {"name": "CSE"
// JSON:        {"name": "Total", "wall"
// JSON-NEXT: ]

// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(cse),func.func(cse))' --mlir-pass-statistics --mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// STATS:      ... Pass statistics report ...
// STATS:      CSE
// STATS-NEXT:   (S) 1 num-cse'd - Number of operations CSE'd

func.func @a(%x: i32) -> i32 {
  %0 = arith.addi %x, %x : i32
  %1 = arith.addi %x, %x : i32
  %2 = arith.muli %0, %1 : i32
  return %2 : i32
}
func.func @b(%x: i32) -> i32 {
  return %x : i32
}

// With max-iterations=1 and test-convergence the chain below needs a second sweep to prove
// convergence, so the pass fails and says so.
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(canonicalize{max-iterations=1 test-convergence=true}))' 2>&1 | FileCheck %s --check-prefix=NOCONV
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(canonicalize{max-iterations=10 test-convergence=true}))' | FileCheck %s
// region-simplify=disabled keeps the unreachable block (numbered ^bb1 once ^bb1 merged).
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(canonicalize{region-simplify=disabled}))' | FileCheck %s --check-prefix=KEEP
// disable-patterns turns off a named pattern.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(canonicalize{disable-patterns=SimplifyBrToBlockWithSinglePred}))' | FileCheck %s --check-prefix=NOMERGE

// NOCONV: error: canonicalizer failed to converge within 1 iterations
// CHECK-LABEL: func.func @f
// CHECK-NOT:   ^bb
// CHECK:       return
// KEEP:        ^bb1:
// KEEP-NEXT:     return %arg0
// NOMERGE:     cf.br ^bb1
func.func @f(%a: i32) -> i32 {
  %c1 = arith.constant 1 : i32
  %x = arith.addi %a, %c1 : i32
  cf.br ^bb1
^bb1:
  return %x : i32
^bb2:
  return %a : i32
}

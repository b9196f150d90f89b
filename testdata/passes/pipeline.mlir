// The pipeline prints back with every option, and what it prints parses to the same thing.
// RUN: strata-opt %s --dump-pass-pipeline --pass-pipeline='builtin.module(func.func(canonicalize{max-iterations=3 disable-patterns=a,b}, cse), symbol-dce)' 2>&1 >/dev/null | FileCheck %s --check-prefix=DUMP
// DUMP:      Pass Manager with 3 passes:
// DUMP-NEXT: builtin.module(func.func(canonicalize{top-down=true region-simplify=normal max-iterations=3 max-num-rewrites=-1 test-convergence=false disable-patterns=a,b enable-patterns=}, cse), symbol-dce)

// Pass flags nest implicitly where a pass is restricted to an op; named pipelines expand.
// RUN: strata-opt %s --cse --symbol-dce --simplify --dump-pass-pipeline 2>&1 >/dev/null | FileCheck %s --check-prefix=FLAGS
// FLAGS: builtin.module(cse, symbol-dce, canonicalize{{.*}}, cse)

// Readable errors, with a caret under the column, and exit status 1.
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(canonicalise))' 2>&1 | FileCheck %s --check-prefix=UNKNOWN --strict-whitespace
// UNKNOWN:      error: unknown pass or pipeline 'canonicalise'; did you mean 'canonicalize'?
// UNKNOWN-NEXT:   builtin.module(func.func(canonicalise))
// UNKNOWN-NEXT: {{^}}                           ^

// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(cse)' 2>&1 | FileCheck %s --check-prefix=UNBALANCED
// UNBALANCED: error: expected ')' to close 'builtin.module(' opened at column 15, found the end of the pipeline

// RUN: not strata-opt %s --pass-pipeline='builtin.module(cse))' 2>&1 | FileCheck %s --check-prefix=EXTRA
// EXTRA: error: unexpected ')': no nested pipeline is open here

// RUN: not strata-opt %s --pass-pipeline='builtin.module(canonicalize{max-iterations=ten})' 2>&1 | FileCheck %s --check-prefix=BADVALUE
// BADVALUE:      error: bad value for option 'max-iterations': expected an integer, found 'ten' (pass 'canonicalize')
// BADVALUE-NEXT:   builtin.module(canonicalize{max-iterations=ten})
// BADVALUE-NEXT:                               ^

// RUN: not strata-opt %s --pass-pipeline='builtin.module(canonicalize{region-simplify=sometimes})' 2>&1 | FileCheck %s --check-prefix=BADENUM
// BADENUM: error: bad value for option 'region-simplify': expected one of disabled, normal, aggressive, found 'sometimes'

// RUN: not strata-opt %s --pass-pipeline='builtin.module(canonicalize{max-iteration=3})' 2>&1 | FileCheck %s --check-prefix=BADKEY
// BADKEY: error: unknown option 'max-iteration'; did you mean 'max-iterations'? (pass 'canonicalize')

// RUN: not strata-opt %s --pass-pipeline='builtin.module(cse{x=1)' 2>&1 | FileCheck %s --check-prefix=BRACE
// BRACE: error: options of 'cse' are missing their closing '}'

// RUN: not strata-opt %s --pass-pipeline='func.func(cse)' 2>&1 | FileCheck %s --check-prefix=ANCHOR
// ANCHOR: error: can't run 'func.func' pass manager on 'builtin.module' op

// RUN: not strata-opt %s --pass-pipeline='builtin.module(cse)' --canonicalize 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: error: give passes either as --pass-pipeline or as pass flags, not both

// RUN: strata-opt --list-passes | FileCheck %s --check-prefix=LIST
// LIST: --canonicalize
// LIST: max-iterations=<int>
// LIST: --cse
// LIST: --simplify

func.func @f() {
  return
}

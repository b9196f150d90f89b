// scf: what upstream rejects, rejected here too, each at the op (mlir-opt-22 rejects every
// piece as well: the compatibility suite checks it).
// RUN: strata-opt --split-input-file --verify-diagnostics %s

func.func @for_mixed_bounds(%lb: index, %ub: i32) {
  // expected-error@+1 {{'scf.for' op failed to verify that all of {lowerBound, upperBound, step} have same type}}
  "scf.for"(%lb, %ub, %lb) ({
  ^bb0(%i: index):
    "scf.yield"() : () -> ()
  }) : (index, i32, index) -> ()
  return
}

// -----

func.func @for_yields_wrong(%lb: index, %x: f32, %n: i32) {
  // expected-error@+1 {{'scf.for' op the body must yield (f32), not (i32)}}
  %r = scf.for %i = %lb to %lb step %lb iter_args(%a = %x) -> (f32) {
    scf.yield %n : i32
  }
  return
}

// -----

func.func @for_syntax(%lb: index) {
  // expected-error@+1 {{expected 'to', found 'step'}}
  scf.for %i = %lb step %lb {
  }
  return
}

// -----

func.func @if_results_without_else(%c: i1, %x: f32) {
  // expected-error@+1 {{'scf.if' op must have an else block if defining values}}
  %r = scf.if %c -> (f32) {
    scf.yield %x : f32
  }
  return
}

// -----

func.func @while_condition_types(%c: i1, %x: f32, %n: i32) {
  // expected-error@+1 {{'scf.while' op scf.condition must pass on the results' types (f32), not (i32)}}
  %r = scf.while (%a = %x) : (f32) -> f32 {
    scf.condition(%c) %n : i32
  } do {
  ^bb0(%b: f32):
    scf.yield %b : f32
  }
  return
}

// -----

func.func @while_before_terminator(%c: i1) {
  // expected-error@+1 {{'scf.while' op expects the 'before' region to terminate with 'scf.condition'}}
  scf.while : () -> () {
    scf.yield
  } do {
    scf.yield
  }
  return
}

// -----

func.func @while_after_yields_wrong(%c: i1, %x: f32, %n: i32) {
  // expected-error@+1 {{'scf.while' op the body must yield (f32), not (i32)}}
  %r = scf.while (%a = %x) : (f32) -> f32 {
    scf.condition(%c) %a : f32
  } do {
  ^bb0(%b: f32):
    scf.yield %n : i32
  }
  return
}

// -----

func.func @condition_outside_while(%c: i1) {
  scf.execute_region {
    // expected-error@+1 {{'scf.condition' op expects parent op 'scf.while'}}
    scf.condition(%c)
  }
  return
}

// -----

func.func @switch_duplicate_case(%k: index) {
  // expected-error@+1 {{'scf.index_switch' op has duplicate case value: 2}}
  scf.index_switch %k
  case 2 {
    scf.yield
  }
  case 2 {
    scf.yield
  }
  default {
  }
  return
}

// -----

func.func @switch_case_yields_wrong(%k: index, %x: f32, %n: i32) {
  // expected-error@+1 {{'scf.index_switch' op the body must yield (f32), not (i32)}}
  %r = scf.index_switch %k -> f32
  case 2 {
    scf.yield %n : i32
  }
  default {
    scf.yield %x : f32
  }
  return
}

// -----

func.func @execute_region_arguments() {
  // expected-error@+1 {{'scf.execute_region' op region cannot have any arguments}}
  "scf.execute_region"() ({
  ^bb0(%a: i32):
    "scf.yield"() : () -> ()
  }) : () -> ()
  return
}

// -----

func.func @parallel_bounds(%lb: index) {
  // expected-error@+1 {{expected 2 lower bounds, upper bounds and steps (one per induction variable), found 1, 2 and 2}}
  scf.parallel (%i, %j) = (%lb) to (%lb, %lb) step (%lb, %lb) {
  }
  return
}

// -----

func.func @reduce_regions(%lb: index, %x: f32) {
  %r = scf.parallel (%i) = (%lb) to (%lb) step (%lb) init (%x) -> f32 {
    // expected-error@+1 {{'scf.reduce' op needs one reduction region per operand: 1 operands, 0 regions}}
    scf.reduce(%x : f32)
  }
  return
}

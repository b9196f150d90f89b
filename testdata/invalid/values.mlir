// Undefined, redefined and mistyped values; dominance; result counts.
// RUN: strata-opt --split-input-file --verify-diagnostics %s

func.func @undefined() {
  // expected-error@+1 {{use of undeclared SSA value name '%nope'}}
  %0 = arith.addi %nope, %nope : i32
  return
}

// -----

func.func @redefined(%a: i32) {
  // expected-note@+1 {{previously defined here}}
  %0 = arith.addi %a, %a : i32
  // expected-error@+1 {{redefinition of SSA value '%0'}}
  %0 = arith.addi %a, %a : i32
  return
}

// -----

func.func @mismatch(%a: i32) {
  // expected-error@+1 {{use of value '%a' expects different type than prior uses: 'i64' vs 'i32'}}
  %0 = arith.addi %a, %a : i64
  return
}

// -----

func.func @not_dominating(%c: i1) -> i32 {
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  // expected-note@+1 {{operand defined here}}
  %x = arith.constant 1 : i32
  cf.br ^bb2
^bb2:
  // expected-error@+1 {{operand #0 does not dominate this use}}
  return %x : i32
}

// -----

func.func @result_count() {
  // expected-error@+1 {{operation defines 1 results but was provided 2 to bind}}
  %a, %b = arith.constant 1 : i32
  return
}

// -----

func.func @isolated(%a: i32) {
  func.func @inner() {
    // Names do not cross an isolated-from-above op, so this reads as undeclared, as in MLIR.
    // expected-error@+1 {{use of undeclared SSA value name '%a'}}
    %0 = arith.addi %a, %a : i32
    return
  }
  return
}

// -----

func.func @bad_result_number() {
  %0:2 = "arith.addui_extended"(%0#0, %0#0) : (i32, i32) -> (i32, i1)
  // expected-error@+1 {{reference to invalid result number: %0#5}}
  %1 = arith.addi %0#5, %0#5 : i32
  return
}

// -----

// `distinct[N]` names one attribute per file: a second use must refer to the same attribute.
// expected-error@+1 {{referenced attribute does not match previous definition: unit}}
func.func @distinct_mismatch() attributes {a = distinct[7]<>, b = distinct[7]<43 : i32>} {
  return
}

// -----

// expected-error@+1 {{expected distinct ID}}
func.func @distinct_without_id() attributes {a = distinct[x]<>} {
  return
}

// -----

// `sparse<indices, values>` is checked against its type as upstream checks it.
// expected-error@+1 {{sparse index #0 is not contained within the value shape, with index=[0, 5], and type='tensor<3x4xi32>'}}
func.func @sparse_index_outside() attributes {a = sparse<[[0, 5]], [1]> : tensor<3x4xi32>} {
  return
}

// -----

// expected-error@+1 {{expected shape ([3, 4]); inferred shape of indices literal ([1, 2]); inferred shape of values literal ([2])}}
func.func @sparse_values_count() attributes {a = sparse<[[0, 1]], [1, 2]> : tensor<3x4xi32>} {
  return
}

// -----

// expected-error@+1 {{expected 1-d tensor for sparse element values}}
func.func @sparse_values_rank() attributes {a = sparse<[[0, 1]], [[1]]> : tensor<3x4xi32>} {
  return
}

// -----

// expected-error@+1 {{expected ':'}}
func.func @sparse_untyped() attributes {a = sparse<[[0, 1]], [1]>} {
  return
}

// -----

// A scalar beside a list in one literal is ragged, whichever comes first.
// expected-error@+1 {{tensor literal is invalid; ranks are not consistent between elements}}
func.func @ragged_scalar_first() attributes {a = dense<[1, [2]]> : tensor<2x1xi32>} {
  return
}

// -----

// A product of two dimensions is not affine.
// expected-error@+1 {{non-affine expression: at least one of the multiply operands has to be either a constant or symbolic}}
func.func @non_affine_product() attributes {a = affine_map<(d0, d1) -> (d0 * d1)>} {
  return
}

// -----

// An integer set's constraints compare with `>=`, `<=` or `==`.
// expected-error@+1 {{expected}}
func.func @strict_set_constraint() attributes {a = affine_set<(d0) : (d0 > 0)>} {
  return
}

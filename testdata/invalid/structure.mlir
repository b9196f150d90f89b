// Terminators, successors, blocks, symbols and op constraints.
// RUN: strata-opt --split-input-file --verify-diagnostics %s

// expected-error@+1 {{'func.func' op empty block: expect at least a terminator}}
func.func @empty() {
^bb0:
}

// -----

func.func @no_terminator(%a: i32) {
  // expected-error@+1 {{block with no terminator, has 'arith.addi'}}
  %0 = arith.addi %a, %a : i32
}

// -----

// An op's own error comes before the missing terminator of its block, as upstream orders them.
func.func @error_before_missing_terminator(%a: i32) {
  // expected-error@+1 {{'arith.addf' op operand #0 must be floating-point-like}}
  %0 = arith.addf %a, %a : i32
}

// -----

func.func @terminator_not_last(%a: i32) {
  // expected-error@+1 {{'cf.br' op must be the last operation in the parent block}}
  cf.br ^bb1
  return
^bb1:
  return
}

// -----

func.func @branch_arity(%a: i32) {
  // expected-error@+1 {{branch has 0 operands for successor #0, but target block has 1}}
  cf.br ^bb1
^bb1(%x: i32):
  return
}

// -----

func.func @branch_types(%a: i32) {
  // expected-error@+1 {{type mismatch for bb argument #0 of successor #0: 'i32' vs 'f32'}}
  cf.br ^bb1(%a : i32)
^bb1(%x: f32):
  return
}

// -----

func.func @undefined_block() {
  // expected-error@+1 {{reference to an undefined block}}
  cf.br ^nowhere
}

// -----

// expected-note@+1 {{see existing symbol definition here}}
func.func @dup() {
  return
}
// expected-error@+1 {{redefinition of symbol named 'dup'}}
func.func @dup() {
  return
}

// -----

func.func @bad_operand_type(%a: f32) {
  // expected-error@+1 {{'arith.addi' op operand #0 must be signless-integer-like}}
  %0 = "arith.addi"(%a, %a) : (f32, f32) -> f32
  return
}

// -----

func.func @same_type(%a: i32, %b: i64) {
  // expected-error@+1 {{'arith.addi' op requires the same type for all operands and results}}
  %0 = "arith.addi"(%a, %b) : (i32, i64) -> i32
  return
}

// -----

func.func @missing_attr() {
  // expected-error@+1 {{'arith.constant' op requires attribute 'value'}}
  %0 = "arith.constant"() : () -> i32
  return
}

// -----

func.func @constant_type() {
  // expected-error@+1 {{'arith.constant' op value type 'i64' must match return type: 'i32'}}
  %0 = "arith.constant"() {value = 1 : i64} : () -> i32
  return
}

// -----

func.func @return_types(%a: i64) -> i32 {
  // expected-error@+1 {{type of return operand 0 ('i64') doesn't match function result type ('i32') in function @return_types}}
  return %a : i64
}

// -----

func.func @call_unknown() {
  // expected-error@+1 {{'nope' does not reference a valid function}}
  func.call @nope() : () -> ()
  return
}

// -----

// expected-error@+1 {{'func.return' op expects parent op 'func.func'}}
"func.return"() : () -> ()

// -----

func.func @cast_widths(%a: i64) {
  // expected-error@+1 {{'arith.extsi' op operand type 'i64' and result type 'i32' are cast incompatible}}
  %0 = arith.extsi %a : i64 to i32
  return
}

// -----

func.func @predicate() {
  %a = arith.constant 1 : i32
  // expected-error@+1 {{expected one of [eq, ne, slt, sle, sgt, sge, ult, ule, ugt, uge], found 'less'}}
  %0 = arith.cmpi less, %a, %a : i32
  return
}

// -----

// expected-error@+1 {{operation being parsed with an unregistered dialect 'xt'}}
"xt.op"() : () -> ()

// -----

func.func @entry_pred() {
^bb0:
  // expected-error@+1 {{entry block of region may not have predecessors}}
  cf.br ^bb0
}

// -----

// expected-error@+1 {{empty operation name is invalid}}
%0 = ""() : () -> i32

// -----

func.func @weights_count(%c: i1) {
  // expected-error@+1 {{'cf.cond_br' op expects number of branch weights to match number of successors: 1 vs 2}}
  cf.cond_br %c weights([10]), ^bb1, ^bb1
^bb1:
  return
}

// -----

func.func @weights_zero(%c: i1) {
  // expected-error@+1 {{'cf.cond_br' op branch weights cannot all be zero}}
  cf.cond_br %c weights([0, 0]), ^bb1, ^bb1
^bb1:
  return
}

// -----

func.func @entry_mismatch(i32) {
// expected-error@-1 {{'func.func' op type of entry block argument #0('f32') must match the type of the corresponding argument in function signature('i32')}}
^bb0(%a: f32):
  return
}

// -----

func.func @select_shape(%c: vector<2xi1>, %a: vector<4xf32>, %b: vector<4xf32>) -> vector<4xf32> {
  // expected-error@+1 {{'arith.select' op failed to verify that condition is signless i1 or has matching shape}}
  %0 = arith.select %c, %a, %b : vector<2xi1>, vector<4xf32>
  return %0 : vector<4xf32>
}

// -----

func.func private @callee(i32) -> i32
func.func @constant_type() {
  // expected-error@+1 {{'func.constant' op reference to function with mismatched type}}
  %f = func.constant @callee : (f32) -> i32
  return
}

// -----

func.func @constant_undefined() {
  // expected-error@+1 {{'func.constant' op reference to undefined function 'nothere'}}
  %f = func.constant @nothere : (f32) -> i32
  return
}

// -----

// expected-error@+1 {{'func.func' op expects argument attribute array to have the same number of elements as the number of function arguments, got 2, but expected 1}}
func.func @arg_attrs(%a: i32) attributes {arg_attrs = [{}, {}]} {
  return
}

// -----

// expected-error@+1 {{'func.func' op expects result attribute array to have the same number of elements as the number of function results, got 1, but expected 0}}
func.func @res_attrs() attributes {res_attrs = [{}]} {
  return
}

// -----

// expected-error@+1 {{custom op 'func.func' 'sym_visibility' is an inferred attribute and should not be specified in the explicit attribute dictionary}}
func.func @visibility() attributes {sym_visibility = "private"} {
  return
}

// -----

func.func @cast_without_results(%a: i32) {
  // expected-error@+1 {{'builtin.unrealized_conversion_cast' op expected at least one result for cast operation}}
  "builtin.unrealized_conversion_cast"(%a) : (i32) -> ()
  return
}

// -----

func.func @float_tensor_from_integers() {
  // expected-error@+1 {{unexpected decimal integer literal for a floating point value}}
  %0 = arith.constant dense<[1, 2]> : tensor<2xf32>
  return
}

// -----

// Directives as upstream also writes them: a regex, a space before the offset.
func.func @regex_directive(%a: i32) {
  // expected-error-re @+1 {{'arith.addf' op operand #{{[0-9]+}} must be {{.*}}, but got 'i32'}}
  %0 = arith.addf %a, %a : i32
  return
}

// Syntax errors, one per piece.
// RUN: strata-opt --split-input-file --verify-diagnostics --allow-unregistered-dialect %s

// expected-error@+1 {{expected type, found '%x'}}
"t.op"() : () -> %x

// -----

// expected-error@+1 {{expected ')'}}
"t.op"(%a : () -> ()

// -----

// expected-error@+1 {{expected operation name in quotes, found '42'}}
42

// -----

"t.op"() ({
// expected-error@-1 {{expected '}' to close this region}}
  "t.inner"() : () -> ()

// -----

// expected-error@+1 {{malformed attribute}}
"t.op"() {a = [1, 2} : () -> ()

// -----

// expected-error@+1 {{expected dimension or type}}
"t.op"() : () -> tensor<4x?x>

// -----

// expected-error@+1 {{integer constant out of range for attribute}}
"t.op"() {a = 256 : i8} : () -> ()

// -----

// expected-error@+1 {{unexpected decimal integer literal for a floating point value}}
"t.op"() {a = 1 : f32} : () -> ()

// -----

// expected-error@+1 {{undefined symbol alias id 'nope'}}
"t.op"() {a = #nope} : () -> ()

// -----

// expected-error@+1 {{undefined symbol alias id 'nope'}}
"t.op"() : () -> !nope

// -----

#a = 1 : i32
// expected-error@+1 {{redefinition of symbol alias id 'a'}}
#a = 2 : i32

// -----

// expected-error@+1 {{inferred shape of elements literal ([3]) does not match type ([2])}}
"t.op"() {a = dense<[1, 2, 3]> : tensor<2xi32>} : () -> ()

// -----

// expected-error@+1 {{duplicate key 'a' in dictionary attribute}}
"t.op"() {a = 1, a = 2} : () -> ()

// -----

// expected-error@+1 {{vector types must have positive constant sizes}}
"t.op"() : () -> vector<0xf32>

// -----

// expected-error@+1 {{memref layout mismatch between rank and layout: 1 != 2}}
"t.op"() : () -> memref<4xf32, affine_map<(d0, d1) -> (d0)>>

// -----

// expected-error@+1 {{use of undeclared identifier 'd2' in affine expression}}
"t.op"() {m = affine_map<(d0) -> (d2)>} : () -> ()

// -----

// expected-error@+1 {{custom op 'arith.frobnicate' is unknown}}
%0 = arith.frobnicate

// -----

// expected-error@+1 {{unregistered operation 'arith.frobnicate' found in dialect ('arith')}}
"arith.frobnicate"() : () -> ()

// -----

// A literal's type may count more elements than 64 bits hold: an error, not an overflow.
func.func @dense_overflow() {
  // expected-error@+1 {{elements literal type 'tensor<9223372036854775807x4xf32>' has too many elements}}
  %c = "nn.constant"() {value = dense<1.0> : tensor<9223372036854775807x4xf32>} : () -> tensor<9223372036854775807x4xf32>
  return
}

// RUN: strata-opt %s --split-input-file --verify-diagnostics

func.func @indices(%m: memref<4x8xf32>, %i: index) -> f32 {
  // expected-error@+1 {{needs 2 indices for a rank-2 memref, not 1}}
  %x = memref.load %m[%i] : memref<4x8xf32>
  return %x : f32
}

// -----

func.func @yield_type(%lb: index, %init: f32) -> f32 {
  // expected-error@+1 {{the body must yield (f32), not (index)}}
  %r = "scf.for"(%lb, %lb, %lb, %init) ({
  ^bb0(%i: index, %a: f32):
    "scf.yield"(%i) : (index) -> ()
  }) : (index, index, index, f32) -> f32
  return %r : f32
}

// -----

func.func @store(%m: memref<4xf32>, %i: index, %v: f64) {
  // expected-error@+1 {{stores a f64 into a memref of f32}}
  memref.store %v, %m[%i] : memref<4xf32>
  return
}

// -----

func.func @view(%m: memref<64xf32>, %o: index) {
  // expected-error@+1 {{the source must be a 1-D memref of i8 (an arena)}}
  %v = memref.view %m[%o][] : memref<64xf32> to memref<4x4xf32>
  return
}

// -----

func.func @collapse_groups(%m: memref<4x8x2xf32>) {
  // expected-error@+1 {{reassociation indices must be contiguous}}
  %v = memref.collapse_shape %m [[0, 2], [1]] : memref<4x8x2xf32> into memref<8x8xf32>
  return
}

// -----

func.func @collapse_shape(%m: memref<4x8x2xf32>) {
  // expected-error@+1 {{expected dimension 0 of collapsed type to be static value of 32}}
  %v = memref.collapse_shape %m [[0, 1], [2]] : memref<4x8x2xf32> into memref<4x16xf32>
  return
}

// -----

// The three-segment scf.parallel of earlier Strata (no initVals segment) is refused.
func.func @parallel_three_segments(%m: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error@+1 {{'operandSegmentSizes' has 3 segments, but the op has 4 operand groups (lowerBound, upperBound, step, initVals)}}
  "scf.parallel"(%c0, %c4, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1>}> ({
  ^bb0(%i: index):
    "scf.reduce"() : () -> ()
  }) : (index, index, index) -> ()
  return
}

// -----

func.func @parallel_yield(%m: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error@+1 {{the body must end with scf.reduce}}
  "scf.parallel"(%c0, %c4, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    scf.yield
  }) : (index, index, index) -> ()
  return
}

// -----

func.func @parallel_step(%m: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  // expected-error@+1 {{constant step operand must be positive}}
  "scf.parallel"(%c0, %c4, %c0) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    "scf.reduce"() : () -> ()
  }) : (index, index, index) -> ()
  return
}

// -----

func.func @parallel_results(%init: f32) -> i32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error@+1 {{the results must have the types of the initial values: (f32), not (i32)}}
  %r = "scf.parallel"(%c0, %c1, %c1, %init) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> ({
  ^bb0(%i: index):
    "scf.reduce"(%init) ({
    ^bb0(%a: f32, %b: f32):
      scf.reduce.return %a : f32
    }) : (f32) -> ()
  }) : (index, index, index, f32) -> i32
  return %r : i32
}

// -----

func.func @reduce_count(%init: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error@+1 {{the body must reduce (f32), not ()}}
  %r = "scf.parallel"(%c0, %c1, %c1, %init) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> ({
  ^bb0(%i: index):
    "scf.reduce"() : () -> ()
  }) : (index, index, index, f32) -> f32
  return %r : f32
}

// -----

func.func @reduce_regions(%init: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = "scf.parallel"(%c0, %c1, %c1, %init) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> ({
  ^bb0(%i: index):
    // expected-error@+1 {{needs one reduction region per operand: 1 operands, 0 regions}}
    "scf.reduce"(%init) : (f32) -> ()
  }) : (index, index, index, f32) -> f32
  return %r : f32
}

// -----

func.func @reduce_region_type(%init: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = "scf.parallel"(%c0, %c1, %c1, %init) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> ({
  ^bb0(%i: index):
    // expected-error@+1 {{the body must take (f32, f32), not (f64, f64)}}
    "scf.reduce"(%init) ({
    ^bb0(%a: f64, %b: f64):
      scf.reduce.return %a : f64
    }) : (f32) -> ()
  }) : (index, index, index, f32) -> f32
  return %r : f32
}

// -----

func.func @reduce_outside(%x: f32) {
  // expected-error@+1 {{'scf.reduce' op expects parent op 'scf.parallel'}}
  "scf.reduce"() : () -> ()
}

// -----

// expected-error@+1 {{initial value expected to be of type tensor<2xf32>, but was of type tensor<3xf32>}}
"memref.global"() <{initial_value = dense<1.0> : tensor<3xf32>, sym_name = "g", type = memref<2xf32>}> : () -> ()

// -----

// expected-error@+1 {{a constant global needs an initial value (dense<...> or dense_resource<...>)}}
"memref.global"() <{constant, initial_value, sym_name = "g", type = memref<2xf32>}> : () -> ()

// -----

// expected-error@+1 {{alignment 48 is not a power of two}}
"memref.global"() <{alignment = 48 : i64, initial_value, sym_name = "g", type = memref<2xf32>}> : () -> ()

// -----

// expected-error@+1 {{initial value should be a unit or elements attribute, but got 1.000000e+00 : f32}}
"memref.global"() <{initial_value = 1.0 : f32, sym_name = "g", type = memref<2xf32>}> : () -> ()

// -----

func.func @prefetch_indices(%m: memref<4x8xf32>, %i: index) {
  // expected-error@+1 {{needs 2 indices for a rank-2 memref, not 1}}
  "memref.prefetch"(%m, %i) <{isDataCache = true, isWrite = false, localityHint = 3 : i32}> : (memref<4x8xf32>, index) -> ()
  return
}

// -----

func.func @prefetch_locality(%m: memref<4x8xf32>, %i: index) {
  // expected-error@+1 {{'localityHint' must be 0 to 3}}
  "memref.prefetch"(%m, %i, %i) <{isDataCache = true, isWrite = false, localityHint = 4 : i32}> : (memref<4x8xf32>, index, index) -> ()
  return
}

// -----

func.func @prefetch_flag(%m: memref<4x8xf32>, %i: index) {
  // expected-error@+1 {{bool attribute}}
  "memref.prefetch"(%m, %i, %i) <{isDataCache = 1 : i32, isWrite = false, localityHint = 3 : i32}> : (memref<4x8xf32>, index, index) -> ()
  return
}

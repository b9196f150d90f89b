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
  // expected-error@+1 {{reassociation must list consecutive groups of the source's dimensions, in order}}
  %v = memref.collapse_shape %m [[0, 2], [1]] : memref<4x8x2xf32> into memref<8x8xf32>
  return
}

// -----

func.func @collapse_shape(%m: memref<4x8x2xf32>) {
  // expected-error@+1 {{the groups give shape [32, 2], not the result's [4, 16]}}
  %v = memref.collapse_shape %m [[0, 1], [2]] : memref<4x8x2xf32> into memref<4x16xf32>
  return
}

// vector ops upstream rejects, rejected here too with upstream's messages (mlir-opt-22
// rejects every piece as well: the compatibility suite checks it).
// RUN: strata-opt --split-input-file --verify-diagnostics %s

func.func @a(%a: vector<4xf32>, %b: vector<4xf32>) {
  // expected-error@+1 {{'vector.shuffle' op mask index #2 out of range}}
  %0 = vector.shuffle %a, %b [0, 8] : vector<4xf32>, vector<4xf32>
  return
}

// -----

func.func @b(%m: vector<2x4xf32>) {
  // expected-error@+1 {{'vector.extract' op expected position attribute #1 to be a non-negative integer smaller than the corresponding vector dimension or poison (-1)}}
  %1 = vector.extract %m[2] : vector<4xf32> from vector<2x4xf32>
  return
}

// -----

func.func @c(%m: vector<2x4xf32>) {
  // expected-error@+1 {{'vector.extract' op inferred type(s) 'vector<4xf32>' are incompatible with return type(s) of operation 'vector<2xf32>'}}
  %1 = vector.extract %m[1] : vector<2xf32> from vector<2x4xf32>
  return
}

// -----

func.func @d(%m: vector<2x4xf32>) {
  // expected-error@+1 {{'vector.extract_strided_slice' op expected sum(offsets, sizes) dimension 1 to be confined to [1, 5)}}
  %5 = vector.extract_strided_slice %m {offsets = [0, 3], sizes = [2, 2], strides = [1, 1]} : vector<2x4xf32> to vector<2x2xf32>
  return
}

// -----

func.func @e(%a: vector<4xf32>) {
  // expected-error@+1 {{'vector.reduction' op unsupported reduction type 'f32' for kind 'xor'}}
  %6 = vector.reduction <xor>, %a : vector<4xf32> into f32
  return
}

// -----

func.func @f(%m: vector<2x4xf32>) {
  // expected-error@+1 {{'vector.transpose' op duplicate position index: 1}}
  %8 = vector.transpose %m, [1, 1] : vector<2x4xf32> to vector<4x2xf32>
  return
}

// -----

func.func @g(%a: vector<4xf32>) {
  // expected-error@+1 {{'vector.broadcast' op dimension mismatch (4 vs. 5)}}
  %11 = vector.broadcast %a : vector<4xf32> to vector<3x5xf32>
  return
}

// -----

func.func @h(%a: vector<4xf32>) {
  // expected-error@+1 {{'vector.bitcast' op source/result bitwidth of the minor 1-D vectors must be equal}}
  %13 = vector.bitcast %a : vector<4xf32> to vector<3xi32>
  return
}

// -----

func.func @i(%m: vector<2x4xf32>) {
  // expected-error@+1 {{'vector.shape_cast' op has different number of elements at source (8) and result (7)}}
  %14 = vector.shape_cast %m : vector<2x4xf32> to vector<7xf32>
  return
}

// -----

func.func @j(%mem: memref<8x8xf32>, %i: index, %s: f32) {
  // expected-error@+1 {{'vector.transfer_read' op requires 2 indices}}
  %15 = vector.transfer_read %mem[%i], %s : memref<8x8xf32>, vector<4xf32>
  return
}

// -----

func.func @k(%a: vector<4xf32>, %b: vector<3xf32>) {
  // expected-error@+1 {{use of value '%b' expects different type than prior uses: 'vector<4xf32>' vs 'vector<3xf32>'}}
  %10 = vector.interleave %a, %b : vector<4xf32> -> vector<8xf32>
  return
}

// -----

func.func @l(%a: vector<2x4xf32>, %b: vector<4x2xf32>, %c: vector<2x2xf32>) {
  // expected-error@+1 {{'vector.contract' op expected at least one contracting dimension pair}}
  %17 = vector.contract {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "parallel"], kind = #vector.kind<add>} %a, %b, %c : vector<2x4xf32>, vector<4x2xf32> into vector<2x2xf32>
  return
}

// -----

func.func @m(%a: vector<4xf32>) {
  %0 = vector.shuffle %a, %a [0, 1] : vector<4xf32>, vector<4xf32>
  // expected-error@+1 {{use of value '%0' expects different type than prior uses: 'vector<4xf32>' vs 'vector<2xf32>'}}
  %1 = vector.fma %a, %a, %0 : vector<4xf32>
  return
}

// -----

func.func @n(%mem: memref<8x8xf32>, %i: index) {
  // expected-error@+1 {{'vector.load' op base and result element types should match}}
  %0 = vector.load %mem[%i, %i] : memref<8x8xf32>, vector<2x4xi32>
  return
}

// -----

func.func @o(%a: vector<5xf32>) {
  // expected-error@+1 {{'vector.deinterleave' op failed to verify that the trailing dimension of the source vector has an even number of elements}}
  %r1, %r2 = vector.deinterleave %a : vector<5xf32> -> vector<2xf32>
  return
}

// -----

func.func @p(%a: vector<4xf32>, %s: f32) {
  // expected-error@+1 {{'vector.insert' op expected position attribute #1 to be a non-negative integer smaller than the corresponding dest vector dimension}}
  %r = vector.insert %s, %a[4] : f32 into vector<4xf32>
  return
}

// -----

func.func @q(%mem: memref<8x8xf32>, %i: index, %s: f32) {
  // expected-error@+1 {{'vector.transfer_read' op requires a projected permutation_map (at most one dim or the zero constant can appear in each result)}}
  %15 = vector.transfer_read %mem[%i, %i], %s {permutation_map = affine_map<(d0, d1) -> (d0 + d1)>} : memref<8x8xf32>, vector<4xf32>
  return
}

// -----

// expected-error@+1 {{'vector.mask' op expects a maskable operation, not 'arith.addf'}}
func.func @f(%a: vector<4xf32>, %m: memref<8x8xf32>, %t: tensor<8x8xf32>, %i: index, %s: f32, %k: vector<4xi1>, %b: vector<2x4xf32>, %k8: vector<8xi1>) { %r = vector.mask %k { %x = arith.addf %s, %s : f32 } : vector<4xi1> -> f32
 return }

// -----

// expected-error@+1 {{'vector.mask' op expects a vector<4xi1> mask for the maskable operation}}
func.func @f(%a: vector<4xf32>, %m: memref<8x8xf32>, %t: tensor<8x8xf32>, %i: index, %s: f32, %k: vector<4xi1>, %b: vector<2x4xf32>, %k8: vector<8xi1>) { %r = vector.mask %k8 { vector.reduction <add>, %a : vector<4xf32> into f32 } : vector<8xi1> -> f32
 return }

// -----

// expected-error@+1 {{'vector.mask' op a passthru is not supported for 'vector.reduction'}}
func.func @f(%a: vector<4xf32>, %m: memref<8x8xf32>, %t: tensor<8x8xf32>, %i: index, %s: f32, %k: vector<4xi1>, %b: vector<2x4xf32>, %k8: vector<8xi1>) { %r = vector.mask %k, %s { vector.reduction <add>, %a : vector<4xf32> into f32 } : vector<4xi1> -> f32
 return }

// -----

// expected-error@+1 {{'vector.mask' op expects the terminator to yield the masked operation's results}}
func.func @f(%a: vector<4xf32>, %m: memref<8x8xf32>, %t: tensor<8x8xf32>, %i: index, %s: f32, %k: vector<4xi1>, %b: vector<2x4xf32>, %k8: vector<8xi1>) { %r = vector.mask %k { %x = vector.reduction <add>, %a : vector<4xf32> into f32
 vector.yield %s : f32 } : vector<4xi1> -> f32
 return }

// -----

// expected-error@+1 {{'vector.mask' op expects a vector<2x4xi1> mask for the maskable operation}}
func.func @f(%a: vector<4xf32>, %m: memref<8x8xf32>, %t: tensor<8x8xf32>, %i: index, %s: f32, %k: vector<4xi1>, %b: vector<2x4xf32>, %k8: vector<8xi1>) { %r = vector.mask %k { vector.transfer_read %m[%i, %i], %s : memref<8x8xf32>, vector<2x4xf32> } : vector<4xi1> -> vector<2x4xf32>
 return }

// -----

// expected-error@+1 {{'vector.mask' op expects a region of one block without arguments}}
func.func @f(%a: vector<4xf32>, %m: memref<8x8xf32>, %t: tensor<8x8xf32>, %i: index, %s: f32, %k: vector<4xi1>, %b: vector<2x4xf32>, %k8: vector<8xi1>) { %r = "vector.mask"(%k) ({ ^bb0(%z: f32): vector.yield %z : f32 }) : (vector<4xi1>) -> f32
 return }

// -----

// expected-error@+1 {{'vector.mask' op expects a maskable operation, not 'vector.mask'}}
func.func @f(%a: vector<4xf32>, %m: memref<8x8xf32>, %t: tensor<8x8xf32>, %i: index, %s: f32, %k: vector<4xi1>, %b: vector<2x4xf32>, %k8: vector<8xi1>) { %r = vector.mask %k { vector.mask %k { vector.reduction <add>, %a : vector<4xf32> into f32 } : vector<4xi1> -> f32 } : vector<4xi1> -> f32
 return }

// -----

// expected-error@+1 {{'vector.shuffle' op invalid mask length}}
func.func @f(%a: vector<4xf32>, %z: vector<f32>, %i: index, %s: f32, %b: vector<2x4xf32>, %mem: memref<1x8xf32>, %t: tensor<1x8xf32>, %k: vector<4xi1>) { %r = vector.shuffle %a, %a [] : vector<4xf32>, vector<4xf32>
 return }

// -----

// expected-error@+1 {{'vector.broadcast' op the source must be a scalar or a vector}}
func.func @f(%a: vector<4xf32>, %z: vector<f32>, %i: index, %s: f32, %b: vector<2x4xf32>, %mem: memref<1x8xf32>, %t: tensor<1x8xf32>, %k: vector<4xi1>) { %r = vector.broadcast %mem : memref<1x8xf32> to vector<1x8xf32>
 return }

// -----

func.func @f(%memref : memref<200x100xf32, affine_map<(d0, d1) -> (200*d0 + 2*d1)>>, %i : index, %j : index, %value : vector<8xf32>) {
  // expected-error@+1 {{'vector.store' op most minor memref dim must have unit stride}}
  vector.store %value, %memref[%i, %j] : memref<200x100xf32, affine_map<(d0, d1) -> (200*d0 + 2*d1)>>, vector<8xf32>
  return }

// -----

func.func @f(%memref : memref<200x100xf32, strided<[1, 200]>>, %i : index, %j : index) {
  // expected-error@+1 {{'vector.load' op most minor memref dim must have unit stride}}
  %v = vector.load %memref[%i, %j] : memref<200x100xf32, strided<[1, 200]>>, vector<8xf32>
  return }

// -----

func.func @f(%arg0 : vector<2xi32>, %arg1 : vector<2xi32>, %arg2 : vector<3x2xi32>) -> vector<3x2xi32> {
  // expected-error@+1 {{'vector.contract' op expected all dimensions to be either a LHS or a RHS dimension}}
  %result = vector.contract {indexing_maps = [affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %arg0, %arg1, %arg2 : vector<2xi32>, vector<2xi32> into vector<3x2xi32>
  return  %result : vector<3x2xi32> }

// -----

func.func @f(%a: vector<4xf32>, %b: vector<4xf32>, %c: vector<f32>) {
  // expected-error@+1 {{'vector.contract' op expected a scalar accumulator for an indexing map without results}}
  %r = vector.contract {indexing_maps = [affine_map<(k) -> (k)>, affine_map<(k) -> (k)>, affine_map<(k) -> ()>], iterator_types = ["reduction"]} %a, %b, %c : vector<4xf32>, vector<4xf32> into vector<f32>
 return }

// -----

// expected-error@+1 {{'vector.reduction' op the accumulator must be of the result's type}}
func.func @f(%a: vector<4xf32>, %i: index, %s: f32, %k: vector<4xi1>, %v: vector<4xf32>) { %r = "vector.reduction"(%a, %i) {kind = #vector.kind<add>} : (vector<4xf32>, index) -> f32
 return }

// -----

// expected-error@+1 {{'vector.transfer_read' op 'in_bounds' must be an array of booleans}}
func.func @f(%a: vector<4xf32>, %m: memref<8x8xf32>, %t: tensor<8x8xf32>, %i: index, %s: f32, %k: vector<4xi1>, %b: vector<2x4xf32>) { %r = "vector.transfer_read"(%m, %i, %i, %s) {permutation_map = affine_map<(d0, d1) -> (d1)>, in_bounds = [1], operandSegmentSizes = array<i32: 1, 2, 1, 0>} : (memref<8x8xf32>, index, index, f32) -> vector<4xf32>
 return }

// -----

// expected-error@+1 {{'vector.extract_strided_slice' op operand #0 must be a vector of rank 1 or more}}
func.func @f(%a: vector<4xf32>, %z: vector<f32>, %i: index, %s: f32, %b: vector<2x4xf32>, %iv: vector<4xindex>, %k: vector<4xi1>) { %r = vector.extract_strided_slice %z {offsets = [], sizes = [], strides = []} : vector<f32> to vector<f32>
 return }

// -----

// expected-error@+1 {{'vector.reduction' op 'fastmath' must be fastmath flags (#arith.fastmath<...>)}}
func.func @f(%a: vector<4xf32>, %z: vector<f32>, %i: index, %s: f32, %b: vector<2x4xf32>, %iv: vector<4xindex>, %k: vector<4xi1>) { %r = vector.reduction <add>, %a fastmath<bogus> : vector<4xf32> into f32
 return }

// -----

func.func @f(%m: memref<f32>, %s: f32, %k1: vector<i1>) {
 // expected-error@+1 {{use of value '%k1' expects different type than prior uses: 'vector<1xi1>' vs 'vector<i1>'}}
 %q = vector.transfer_read %m[], %s, %k1 : memref<f32>, vector<f32>
 return }

// -----

func.func @f(%m: memref<8xf32>) -> memref<2x4xf32> {
  %c0 = arith.constant 0 : index
  // expected-error@+1 {{'vector.load' op destination memref has lower rank than the result vector}}
  %v = vector.load %m[%c0] : memref<8xf32>, vector<2x4xf32>
  %out = memref.alloc() : memref<2x4xf32>
  vector.store %v, %out[%c0, %c0] : memref<2x4xf32>, vector<2x4xf32>
  return %out : memref<2x4xf32>
}
func.func @g(%m: memref<8xf32>) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c7 = arith.constant 7 : index
  %v = vector.load %m[%c0] : memref<8xf32>, vector<2x4xf32>
  %out = memref.alloc() : memref<8xf32>
  vector.store %v, %out[%c7] : memref<8xf32>, vector<2x4xf32>
  return %out : memref<8xf32>
}

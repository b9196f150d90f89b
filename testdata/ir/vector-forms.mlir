// More vector forms upstream accepts: contractions through an attribute alias and of mixed
// precision, masks with parenthesised results or only a yield, poison positions, 0-d
// reductions, transfers that read no dimension, masked reads with a passthru.

#contraction_accesses = [
 affine_map<(i, j, k) -> (i, k)>,
 affine_map<(i, j, k) -> (k, j)>,
 affine_map<(i, j, k) -> (i, j)>
]
#contraction_trait = {
  indexing_maps = #contraction_accesses,
  iterator_types = ["parallel", "parallel", "reduction"]
}

func.func @contract_alias_c(%a: vector<4x3xf32>, %b: vector<3x7xf32>, %c: vector<4x7xf32>, %h: vector<4x3xf16>, %hb: vector<3x7xf16>, %ia: vector<4x3xi8>, %ib: vector<3x7xi8>, %ic: vector<4x7xi32>, %m: vector<4x7x3xi1>) {
  %0 = vector.contract #contraction_trait %a, %b, %c : vector<4x3xf32>, vector<3x7xf32> into vector<4x7xf32>
  %1 = vector.contract #contraction_trait %h, %hb, %c : vector<4x3xf16>, vector<3x7xf16> into vector<4x7xf32>
  %2 = vector.contract #contraction_trait %ia, %ib, %ic : vector<4x3xi8>, vector<3x7xi8> into vector<4x7xi32>
  %3 = vector.mask %m { vector.contract #contraction_trait %a, %b, %c : vector<4x3xf32>, vector<3x7xf32> into vector<4x7xf32> } : vector<4x7x3xi1> -> vector<4x7xf32>
  return
}

func.func @contract_mixed_f(%a: vector<4x3xi8>, %b: vector<3x7xi8>, %c: vector<4x7xi32>) -> vector<4x7xi32> {
  %0 = vector.contract {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} %a, %b, %c : vector<4x3xi8>, vector<3x7xi8> into vector<4x7xi32>
  return %0 : vector<4x7xi32>
}

func.func @n1_f(%a: vector<4xf32>, %k: vector<4xi1>) {
 %r = vector.mask %k { vector.reduction <add>, %a : vector<4xf32> into f32 } : vector<4xi1> -> (f32)
 return }

func.func @p1_f(%a: vector<4xf32>, %z: vector<f32>, %i: index, %s: f32, %b: vector<2x4xf32>, %iv: vector<4xindex>, %k: vector<4xi1>) { %r = vector.insert %s, %a[-1] : f32 into vector<4xf32>
 return }

func.func @p4_f(%a: vector<4xf32>, %z: vector<f32>, %i: index, %s: f32, %b: vector<2x4xf32>, %iv: vector<4xindex>, %k: vector<4xi1>) { %r = vector.reduction <add>, %z : vector<f32> into f32
 return }

func.func @y25_f(%m: memref<8x8xf32>, %i: index, %s: f32, %k1: vector<1xi1>) {
 %r = vector.transfer_read %m[%i, %i], %s, %k1 {permutation_map = affine_map<(d0, d1) -> (0, 0)>} : memref<8x8xf32>, vector<4x4xf32>
 %q = vector.transfer_read %m[%i, %i], %s, %k1 {permutation_map = affine_map<(d0, d1) -> (0)>} : memref<8x8xf32>, vector<4xf32>
 return }

func.func @y27_f(%m: memref<f32>, %s: f32, %k1: vector<1xi1>) {
 %q = vector.transfer_read %m[], %s, %k1 : memref<f32>, vector<f32>
 return }

func.func @empty_mask_yield_f(%x: memref<4xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %s = arith.constant 2.0 : f32
  %k = arith.constant dense<[true, false, true, true]> : vector<4xi1>
  %r = vector.mask %k { vector.yield %s : f32 } : vector<4xi1> -> f32
  %out = memref.alloc() : memref<4xf32>
  memref.store %r, %out[%c0] : memref<4xf32>
  return %out : memref<4xf32>
}

func.func @mask_passthru_pt_perm(%m: memref<4x6xf32>) -> memref<2x3xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant -1.0 : f32
  %pt = arith.constant dense<[[50.0, 51.0, 52.0], [53.0, 54.0, 55.0]]> : vector<2x3xf32>
  %k = arith.constant dense<[[true, false], [true, true], [false, true]]> : vector<3x2xi1>
  %v = vector.mask %k, %pt { vector.transfer_read %m[%c0, %c0], %pad {permutation_map = affine_map<(d0, d1) -> (d1, d0)>} : memref<4x6xf32>, vector<2x3xf32> } : vector<3x2xi1> -> vector<2x3xf32>
  %out = memref.alloc() : memref<2x3xf32>
  vector.store %v, %out[%c0, %c0] : memref<2x3xf32>, vector<2x3xf32>
  return %out : memref<2x3xf32>
}
func.func @mask_passthru_pt_bcast(%m: memref<4x6xf32>) -> memref<3x4xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant -1.0 : f32
  %pt = arith.constant dense<7.0> : vector<3x4xf32>
  %k = arith.constant dense<[true, false, true, false]> : vector<4xi1>
  %v = vector.mask %k, %pt { vector.transfer_read %m[%c0, %c0], %pad {permutation_map = affine_map<(d0, d1) -> (0, d1)>} : memref<4x6xf32>, vector<3x4xf32> } : vector<4xi1> -> vector<3x4xf32>
  %out = memref.alloc() : memref<3x4xf32>
  vector.store %v, %out[%c0, %c0] : memref<3x4xf32>, vector<3x4xf32>
  return %out : memref<3x4xf32>
}

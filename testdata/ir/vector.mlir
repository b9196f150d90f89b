// vector in its custom forms: 0-d, 1-d and n-d vectors; shuffle, extract and insert (static,
// dynamic and empty positions), extract_strided_slice, reduction (with accumulator and
// fastmath), transpose, fma, interleave and deinterleave, broadcast of any rank, bitcast,
// shape_cast, from_elements, step, n-d load and store, transfer_read and transfer_write
// (default and explicit maps, in_bounds, masks, tensors), mask (with passthru), contract.

func.func @vectors(%a: vector<4xf32>, %b: vector<4xf32>, %m: vector<2x4xf32>, %s: f32, %i: index, %z: vector<f32>, %mask: vector<4xi1>, %mem: memref<8x8xf32>, %iv: vector<4xi32>, %t: tensor<8x8xf32>, %m2: vector<2x4xi1>, %v2: vector<2xf32>) -> tensor<8x8xf32> {
  %0 = vector.shuffle %a, %b [0, 4, 1, 5] : vector<4xf32>, vector<4xf32>
  %1 = vector.shuffle %m, %m [3, 0, -1] : vector<2x4xf32>, vector<2x4xf32>
  %2 = vector.shuffle %z, %z [0, 1] : vector<f32>, vector<f32>
  %3 = vector.extract %m[1, %i] : f32 from vector<2x4xf32>
  %4 = vector.extract %m[1] : vector<4xf32> from vector<2x4xf32>
  %5 = vector.extract %z[] : f32 from vector<f32>
  %6 = vector.extract %m[] : vector<2x4xf32> from vector<2x4xf32>
  %7 = vector.insert %s, %m[0, 2] : f32 into vector<2x4xf32>
  %8 = vector.insert %a, %m[%i] : vector<4xf32> into vector<2x4xf32>
  %9 = vector.insert %s, %z[] : f32 into vector<f32>
  %10 = vector.extract_strided_slice %m {offsets = [0, 1], sizes = [2, 2], strides = [1, 1]} : vector<2x4xf32> to vector<2x2xf32>
  %11 = vector.extract_strided_slice %m {offsets = [1], sizes = [1], strides = [1]} : vector<2x4xf32> to vector<1x4xf32>
  %12 = vector.reduction <add>, %a : vector<4xf32> into f32
  %13 = vector.reduction <maxnumf>, %a, %s : vector<4xf32> into f32
  %14 = vector.reduction <mul>, %a fastmath<reassoc,contract> : vector<4xf32> into f32
  %15 = vector.reduction <xor>, %iv : vector<4xi32> into i32
  %16 = vector.transpose %m, [1, 0] : vector<2x4xf32> to vector<4x2xf32>
  %17 = vector.fma %a, %b, %a : vector<4xf32>
  %18 = vector.fma %m, %m, %m : vector<2x4xf32>
  %19 = vector.interleave %a, %b : vector<4xf32> -> vector<8xf32>
  %20 = vector.interleave %z, %z : vector<f32> -> vector<2xf32>
  %21, %22 = vector.deinterleave %19 : vector<8xf32> -> vector<4xf32>
  %23 = vector.broadcast %a : vector<4xf32> to vector<3x4xf32>
  %24 = vector.broadcast %z : vector<f32> to vector<4xf32>
  %25 = vector.broadcast %s : f32 to vector<2x3x4xf32>
  %26 = vector.broadcast %s : f32 to vector<f32>
  %27 = vector.bitcast %a : vector<4xf32> to vector<4xi32>
  %28 = vector.bitcast %m : vector<2x4xf32> to vector<2x8xi16>
  %29 = vector.shape_cast %m : vector<2x4xf32> to vector<8xf32>
  %30 = vector.shape_cast %z : vector<f32> to vector<1xf32>
  %31 = vector.from_elements %s, %s, %s, %s : vector<4xf32>
  %32 = vector.from_elements %s : vector<f32>
  %33 = vector.step : vector<4xindex>
  %34 = vector.load %mem[%i, %i] : memref<8x8xf32>, vector<2x4xf32>
  vector.store %34, %mem[%i, %i] {nontemporal = true} : memref<8x8xf32>, vector<2x4xf32>
  %35 = vector.transfer_read %mem[%i, %i], %s {in_bounds = [true]} : memref<8x8xf32>, vector<4xf32>
  %36 = vector.transfer_read %mem[%i, %i], %s {permutation_map = affine_map<(d0, d1) -> (d1, d0)>} : memref<8x8xf32>, vector<2x4xf32>
  %37 = vector.transfer_read %mem[%i, %i], %s {permutation_map = affine_map<(d0, d1) -> (0, d1)>} : memref<8x8xf32>, vector<3x4xf32>
  %38 = vector.transfer_read %mem[%i, %i], %s, %mask : memref<8x8xf32>, vector<4xf32>
  %39 = vector.transfer_read %t[%i, %i], %s : tensor<8x8xf32>, vector<2x4xf32>
  vector.transfer_write %a, %mem[%i, %i] : vector<4xf32>, memref<8x8xf32>
  vector.transfer_write %m, %mem[%i, %i], %m2 {in_bounds = [false, true]} : vector<2x4xf32>, memref<8x8xf32>
  %40 = vector.transfer_write %m, %t[%i, %i] : vector<2x4xf32>, tensor<8x8xf32>
  %41 = vector.mask %mask { vector.reduction <add>, %a : vector<4xf32> into f32 } : vector<4xi1> -> f32
  %42 = vector.mask %mask, %b { vector.transfer_read %mem[%i, %i], %s : memref<8x8xf32>, vector<4xf32> } : vector<4xi1> -> vector<4xf32>
  vector.mask %mask { vector.transfer_write %a, %mem[%i, %i] : vector<4xf32>, memref<8x8xf32> } : vector<4xi1>
  %43 = vector.contract {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %m, %16, %10 : vector<2x4xf32>, vector<4x2xf32> into vector<2x2xf32>
  %44 = vector.contract {indexing_maps = [affine_map<(k) -> (k)>, affine_map<(k) -> (k)>, affine_map<(k) -> ()>], iterator_types = ["reduction"], kind = #vector.kind<maxnumf>} %a, %b, %s : vector<4xf32>, vector<4xf32> into f32
  %45 = vector.contract {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} %m, %a, %v2 {note = "matvec"} : vector<2x4xf32>, vector<4xf32> into vector<2xf32>
  return %40 : tensor<8x8xf32>
}

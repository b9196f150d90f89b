// vector ops in the interpreter, against references computed in numpy
// (Inputs/vector_*expected.npy). In `vectors`, each row of the result is what one group of
// ops gives (loads, shuffles, interleave and deinterleave, transpose, broadcast of a slice, fma,
// reductions and contractions, transfers that pad past the buffer or through a transposing
// map, masked transfers and reductions, bitcasts, inserts). A masked-off lane of a write
// keeps what the row held. The inputs are multiples of 1/4, so every
// result is exact and compared with no tolerance. CI runs `vectors` through upstream MLIR/LLVM
// too (`--backend llvm`) against the same file (`.ci/run`). `beyond_llvm` has what upstream's
// LLVM lowering leaves alone (a 2-D load, a contraction by maxnumf, a mask with a passthru)
// or, for a masked reduction, computes otherwise in this function (the unmasked sum; in a
// function of its own it gives the masked one).
// RUN: strata-run %s --entry vectors --input %S/Inputs/vector_in.npy --compare %S/Inputs/vector_expected.npy --rtol 0 --atol 0 | FileCheck %s
// RUN: strata-run %s --entry beyond_llvm --input %S/Inputs/vector_in.npy --compare %S/Inputs/vector_nd_expected.npy --rtol 0 --atol 0 | FileCheck %s
// CHECK: compare: all 1 outputs match
// Bitcasts to and from lanes narrower than a byte take the bits in order, least significant
// first: -115 (0x8D) as eight i1; 0x21, 0x43, 0x65, 0xF7 as one i32 and as eight i4.
// RUN: strata-run %s --entry narrow_bitcasts --compare %S/Inputs/vector_bits_i1.npy --compare %S/Inputs/vector_bits_i32.npy --compare %S/Inputs/vector_bits_i4.npy | FileCheck %s --check-prefix=BITS
// BITS: compare: all 3 outputs match
// A dynamic position past the vector is an error at the extract.
// RUN: not strata-run %s --entry bad_position --input %S/Inputs/vector_in.npy 2>&1 | FileCheck %s --check-prefix=POS
// POS: error: 'vector.extract' op position 4 is out of bounds in dimension 1 of size 4
// The text reads back to itself.
// RUN: strata-opt %s | strata-opt | FileCheck %s --check-prefix=ROUND
// ROUND: %res1, %res2 = vector.deinterleave
// ROUND: vector.mask %{{.*}} { vector.reduction <add>, %{{.*}} : vector<4xf32> into f32 } : vector<4xi1> -> f32

func.func @vectors(%mem: memref<4x8xf32>) -> memref<12x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %c9 = arith.constant 9 : index
  %c10 = arith.constant 10 : index
  %c11 = arith.constant 11 : index
  %out = memref.alloc() : memref<12x8xf32>
  // Row 0: mem[1:3, 2:6], flattened (two rows loaded, one broadcast, the other inserted).
  %l0 = vector.load %mem[%c1, %c2] : memref<4x8xf32>, vector<4xf32>
  %l1 = vector.load %mem[%c2, %c2] : memref<4x8xf32>, vector<4xf32>
  %l00 = vector.broadcast %l0 : vector<4xf32> to vector<2x4xf32>
  %ld = vector.insert %l1, %l00[1] : vector<4xf32> into vector<2x4xf32>
  %flat = vector.shape_cast %ld : vector<2x4xf32> to vector<8xf32>
  vector.store %flat, %out[%c0, %c0] : memref<12x8xf32>, vector<8xf32>
  // Row 1: the two rows shuffled.
  %a = vector.extract %ld[0] : vector<4xf32> from vector<2x4xf32>
  %b = vector.extract %ld[1] : vector<4xf32> from vector<2x4xf32>
  %sh = vector.shuffle %a, %b [7, 0, 6, 1, 5, 2, 4, 3] : vector<4xf32>, vector<4xf32>
  vector.store %sh, %out[%c1, %c0] : memref<12x8xf32>, vector<8xf32>
  // Row 2: interleaved.
  %il = vector.interleave %a, %b : vector<4xf32> -> vector<8xf32>
  vector.store %il, %out[%c2, %c0] : memref<12x8xf32>, vector<8xf32>
  // Row 3: transposed, flattened.
  %tr = vector.transpose %ld, [1, 0] : vector<2x4xf32> to vector<4x2xf32>
  %trf = vector.shape_cast %tr : vector<4x2xf32> to vector<8xf32>
  vector.store %trf, %out[%c3, %c0] : memref<12x8xf32>, vector<8xf32>
  // Row 4: ld[1, 1:3] broadcast to 4x2.
  %sl = vector.extract_strided_slice %ld {offsets = [1, 1], sizes = [1, 2], strides = [1, 1]} : vector<2x4xf32> to vector<1x2xf32>
  %bc = vector.broadcast %sl : vector<1x2xf32> to vector<4x2xf32>
  %bcf = vector.shape_cast %bc : vector<4x2xf32> to vector<8xf32>
  vector.store %bcf, %out[%c4, %c0] : memref<12x8xf32>, vector<8xf32>
  // Row 5: a * b + a, then the even lanes of the interleaving (a again).
  %fma = vector.fma %a, %b, %a : vector<4xf32>
  %even, %odd = vector.deinterleave %il : vector<8xf32> -> vector<4xf32>
  %r5 = vector.shuffle %fma, %even [0, 1, 2, 3, 4, 5, 6, 7] : vector<4xf32>, vector<4xf32>
  vector.store %r5, %out[%c5, %c0] : memref<12x8xf32>, vector<8xf32>
  // Row 6: sum(a), max(b, -100), minimum(a), ld[1, 3], a0 + a2, dot(a, b),
  // max(a * b), odd[3].
  %sum = vector.reduction <add>, %a : vector<4xf32> into f32
  %m100 = arith.constant -100.0 : f32
  %max = vector.reduction <maxnumf>, %b, %m100 : vector<4xf32> into f32
  %min = vector.reduction <minimumf>, %a : vector<4xf32> into f32
  %x13 = vector.extract %ld[1, %c3] : f32 from vector<2x4xf32>
  %a0 = vector.extract %a[0] : f32 from vector<4xf32>
  %a2 = vector.extract %a[2] : f32 from vector<4xf32>
  %msum = arith.addf %a0, %a2 : f32
  %zero = arith.constant 0.0 : f32
  %dot = vector.contract {indexing_maps = [affine_map<(k) -> (k)>, affine_map<(k) -> (k)>, affine_map<(k) -> ()>], iterator_types = ["reduction"], kind = #vector.kind<add>} %a, %b, %zero : vector<4xf32>, vector<4xf32> into f32
  %ab = arith.mulf %a, %b : vector<4xf32>
  %pmax = vector.reduction <maxnumf>, %ab, %m100 : vector<4xf32> into f32
  %o3 = vector.extract %odd[3] : f32 from vector<4xf32>
  %r6 = vector.from_elements %sum, %max, %min, %x13, %msum, %dot, %pmax, %o3 : vector<8xf32>
  vector.store %r6, %out[%c6, %c0] : memref<12x8xf32>, vector<8xf32>
  // Row 7: mem[2, 6:10] padded with -1 past the row's end, then mem[3 + j, i] for a 2x2
  // window through a transposing map (row 4 is past the buffer: padded).
  %m1 = arith.constant -1.0 : f32
  %t1 = vector.transfer_read %mem[%c2, %c6], %m1 : memref<4x8xf32>, vector<4xf32>
  %t2 = vector.transfer_read %mem[%c3, %c0], %m1 {permutation_map = affine_map<(d0, d1) -> (d1, d0)>} : memref<4x8xf32>, vector<2x2xf32>
  %t2f = vector.shape_cast %t2 : vector<2x2xf32> to vector<4xf32>
  %r7 = vector.shuffle %t1, %t2f [0, 1, 2, 3, 4, 5, 6, 7] : vector<4xf32>, vector<4xf32>
  vector.store %r7, %out[%c7, %c0] : memref<12x8xf32>, vector<8xf32>
  // Row 8, first all 42: a through mask [1, 1, 0, 1] at columns 0..3 (column 2 keeps its 42),
  // b at columns
  // 6..9 (8 and 9 are past the row: skipped), columns 4 and 5 from a masked read of
  // mem[0, 0:4] with 9 for masked-off lanes and then b for them (passthru).
  %f42 = arith.constant 42.0 : f32
  %v42 = vector.broadcast %f42 : f32 to vector<8xf32>
  vector.store %v42, %out[%c8, %c0] : memref<12x8xf32>, vector<8xf32>
  %wmask = arith.constant dense<[true, true, false, true]> : vector<4xi1>
  vector.transfer_write %a, %out[%c8, %c0], %wmask : vector<4xf32>, memref<12x8xf32>
  vector.transfer_write %b, %out[%c8, %c6] : vector<4xf32>, memref<12x8xf32>
  %nine = arith.constant 9.0 : f32
  %rmask = arith.constant dense<[true, false, true, true]> : vector<4xi1>
  %mr9 = vector.mask %rmask { vector.transfer_read %mem[%c0, %c0], %nine : memref<4x8xf32>, vector<4xf32> } : vector<4xi1> -> vector<4xf32>
  %mr = arith.select %rmask, %mr9, %b : vector<4xi1>, vector<4xf32>
  %mr01 = vector.extract_strided_slice %mr {offsets = [0], sizes = [2], strides = [1]} : vector<4xf32> to vector<2xf32>
  vector.transfer_write %mr01, %out[%c8, %c4] {in_bounds = [true]} : vector<2xf32>, memref<12x8xf32>
  // Row 9: ld times its transpose (2x2), then a bitcast to i32 and back (a again).
  %acc = arith.constant dense<1.0> : vector<2x2xf32>
  %mm = vector.contract {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %ld, %tr, %acc : vector<2x4xf32>, vector<4x2xf32> into vector<2x2xf32>
  %mmf = vector.shape_cast %mm : vector<2x2xf32> to vector<4xf32>
  %bits = vector.bitcast %a : vector<4xf32> to vector<4xi32>
  %back = vector.bitcast %bits : vector<4xi32> to vector<4xf32>
  %r9 = vector.shuffle %mmf, %back [0, 1, 2, 3, 4, 5, 6, 7] : vector<4xf32>, vector<4xf32>
  vector.store %r9, %out[%c9, %c0] : memref<12x8xf32>, vector<8xf32>
  // Row 10: ld with 50 inserted at [0, 1] and row 1 replaced by the fma.
  %fifty = arith.constant 50.0 : f32
  %ins = vector.insert %fifty, %ld[0, %c1] : f32 into vector<2x4xf32>
  %ins2 = vector.insert %fma, %ins[1] : vector<4xf32> into vector<2x4xf32>
  %insf = vector.shape_cast %ins2 : vector<2x4xf32> to vector<8xf32>
  vector.store %insf, %out[%c10, %c0] : memref<12x8xf32>, vector<8xf32>
  // Row 11: 0..7 (vector.step) as floats, plus a broadcast 0-d vector's value.
  %st = vector.step : vector<8xindex>
  %sti = arith.index_cast %st : vector<8xindex> to vector<8xi32>
  %stf = arith.sitofp %sti : vector<8xi32> to vector<8xf32>
  %z = vector.broadcast %x13 : f32 to vector<f32>
  %zb = vector.broadcast %z : vector<f32> to vector<8xf32>
  %r11 = arith.addf %stf, %zb : vector<8xf32>
  vector.store %r11, %out[%c11, %c0] : memref<12x8xf32>, vector<8xf32>
  return %out : memref<12x8xf32>
}

func.func @beyond_llvm(%mem: memref<4x8xf32>) -> memref<2x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %out = memref.alloc() : memref<2x8xf32>
  // Row 0: mem[1:3, 2:6].
  %ld = vector.load %mem[%c1, %c2] : memref<4x8xf32>, vector<2x4xf32>
  %flat = vector.shape_cast %ld : vector<2x4xf32> to vector<8xf32>
  vector.store %flat, %out[%c0, %c0] : memref<2x8xf32>, vector<8xf32>
  // Row 1: max(a * b) over the rows of ld, a0 + a2 by a masked reduction, mem[0, 0:4]
  // masked by [1, 0, 1, 1] with the second row of ld for the masked-off lane, two lanes of -7.
  %a = vector.extract %ld[0] : vector<4xf32> from vector<2x4xf32>
  %b = vector.extract %ld[1] : vector<4xf32> from vector<2x4xf32>
  %m100 = arith.constant -100.0 : f32
  %pmax = vector.contract {indexing_maps = [affine_map<(k) -> (k)>, affine_map<(k) -> (k)>, affine_map<(k) -> ()>], iterator_types = ["reduction"], kind = #vector.kind<maxnumf>} %a, %b, %m100 : vector<4xf32>, vector<4xf32> into f32
  %nine = arith.constant 9.0 : f32
  %rmask = arith.constant dense<[true, false, true, true]> : vector<4xi1>
  %mr = vector.mask %rmask, %b { vector.transfer_read %mem[%c0, %c0], %nine : memref<4x8xf32>, vector<4xf32> } : vector<4xi1> -> vector<4xf32>
  %mask = arith.constant dense<[true, false, true, false]> : vector<4xi1>
  %msum = vector.mask %mask { vector.reduction <add>, %a : vector<4xf32> into f32 } : vector<4xi1> -> f32
  %m7 = arith.constant -7.0 : f32
  %p = vector.from_elements %pmax, %msum : vector<2xf32>
  %s7 = vector.broadcast %m7 : f32 to vector<2xf32>
  %p4 = vector.shuffle %p, %s7 [0, 1, 2, 3] : vector<2xf32>, vector<2xf32>
  %row = vector.shuffle %p4, %mr [0, 1, 4, 5, 6, 7, 2, 3] : vector<4xf32>, vector<4xf32>
  vector.store %row, %out[%c1, %c0] : memref<2x8xf32>, vector<8xf32>
  return %out : memref<2x8xf32>
}

func.func @narrow_bitcasts() -> (vector<8xi32>, vector<1xi32>, vector<8xi32>) {
  %byte = arith.constant dense<[-115]> : vector<1xi8>
  %flags = vector.bitcast %byte : vector<1xi8> to vector<8xi1>
  %flags32 = arith.extui %flags : vector<8xi1> to vector<8xi32>
  %bytes = arith.constant dense<[33, 67, 101, -9]> : vector<4xi8>
  %word = vector.bitcast %bytes : vector<4xi8> to vector<1xi32>
  %nibbles = vector.bitcast %bytes : vector<4xi8> to vector<8xi4>
  %nibbles32 = arith.extsi %nibbles : vector<8xi4> to vector<8xi32>
  return %flags32, %word, %nibbles32 : vector<8xi32>, vector<1xi32>, vector<8xi32>
}

func.func @bad_position(%mem: memref<4x8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %v = vector.load %mem[%c0, %c0] : memref<4x8xf32>, vector<2x4xf32>
  %x = vector.extract %v[1, %c4] : f32 from vector<2x4xf32>
  return %x : f32
}

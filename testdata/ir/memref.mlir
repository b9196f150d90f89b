// memref: allocation, element access, a merged-dimensions view, copies.
// RUN: strata-opt %s | strata-opt
func.func @buffers(%a: memref<2x3x4xf32>, %i: index, %j: index) -> f32 {
  %flat = memref.collapse_shape %a [[0, 1, 2]] : memref<2x3x4xf32> into memref<24xf32>
  %rows = memref.collapse_shape %a [[0, 1], [2]] : memref<2x3x4xf32> into memref<6x4xf32>
  %x = memref.load %flat[%i] : memref<24xf32>
  %y = memref.load %rows[%i, %j] : memref<6x4xf32>
  %b = memref.alloc() : memref<6x4xf32>
  memref.copy %rows, %b : memref<6x4xf32> to memref<6x4xf32>
  memref.store %x, %b[%i, %j] : memref<6x4xf32>
  %z = memref.load %b[%j, %i] : memref<6x4xf32>
  memref.dealloc %b : memref<6x4xf32>
  %s = arith.addf %y, %z : f32
  return %s : f32
}

// Globals in their custom form: contents without their type, uninitialized, declarations.
memref.global "private" constant @weights : memref<2xf32> = dense<[1.0, 2.0]> {alignment = 64 : i64}
memref.global "private" @arena : memref<128xi8> = uninitialized {alignment = 64 : i64}
memref.global @external : memref<4xf32>
memref.global constant @splat : memref<2x2xi32> = dense<3> {tag}

func.func @prefetches(%a: memref<4x8xf32>, %i: index) {
  memref.prefetch %a[%i, %i], read, locality<3>, data : memref<4x8xf32>
  memref.prefetch %a[%i, %i], write, locality<0>, instr : memref<4x8xf32>
  return
}

// Dynamic sizes: allocations with size and symbol operands, dim, rank, casts both ways.
func.func @dynamic(%m: memref<3x4xf32>, %n: index) -> index {
  %c0 = arith.constant 0 : index
  %d = memref.cast %m : memref<3x4xf32> to memref<?x?xf32>
  %r = memref.dim %d, %c0 : memref<?x?xf32>
  %k = memref.rank %d : memref<?x?xf32>
  %b = memref.alloc(%r, %n) : memref<?x?xf32>
  %b2 = memref.alloca(%n) {alignment = 64 : i64} : memref<?xf32>
  %b3 = memref.alloc(%n)[%r] : memref<?xf32, affine_map<(d0)[s0] -> (d0 + s0)>>
  %s = memref.cast %b : memref<?x?xf32> to memref<3x?xf32>
  memref.dealloc %b3 : memref<?xf32, affine_map<(d0)[s0] -> (d0 + s0)>>
  return %k : index
}

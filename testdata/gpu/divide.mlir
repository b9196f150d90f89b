// Integer division by constants: a multiply-high and shifts in PTX (`ptxas` itself divides
// by an immediate through the float unit, and calls a routine for 64 bits), for unsigned and
// signed (truncated, floored, ceiled) quotients and remainders of i64 and i32. The steps are
// checked in Rust on edge values (`lowering/src/magic.rs`); here the emitted text, and on the
// GPU (`benches/cuda/graphs.sh`, inputs drawn over the whole range) every element against the
// interpreter. A negative signed divisor keeps PTX's division.
// RUN: strata-translate %s --target cuda -o %t.ptx
// RUN: FileCheck %s --input-file %t.ptx
// CHECK: mul.hi.u64 {{.*}}, 0x2492492492492493U
// CHECK: mul.hi.s64
// CHECK: div.s64
// CHECK: mul.hi.u32 {{.*}}, 0x
// CHECK: mul.hi.s32
// CHECK-NOT: div.u32
// CHECK-NOT: rem.
func.func @divide(%x: memref<1024xi64>, %y: memref<1024xi32>) -> (memref<9x1024xi64>, memref<8x1024xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 1024 : index
  %o = memref.alloc() : memref<9x1024xi64>
  %p = memref.alloc() : memref<8x1024xi32>
  "scf.parallel"(%c0, %n, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    %a = memref.load %x[%i] : memref<1024xi64>
    %b = memref.load %y[%i] : memref<1024xi32>
    %d64_0 = arith.constant 7 : i64
    %q64_0 = arith.divui %a, %d64_0 : i64
    %r64_0 = arith.constant 0 : index
    memref.store %q64_0, %o[%r64_0, %i] : memref<9x1024xi64>
    %d64_1 = arith.constant 1000003 : i64
    %q64_1 = arith.remui %a, %d64_1 : i64
    %r64_1 = arith.constant 1 : index
    memref.store %q64_1, %o[%r64_1, %i] : memref<9x1024xi64>
    %d64_2 = arith.constant 7 : i64
    %q64_2 = arith.divsi %a, %d64_2 : i64
    %r64_2 = arith.constant 2 : index
    memref.store %q64_2, %o[%r64_2, %i] : memref<9x1024xi64>
    %d64_3 = arith.constant 10 : i64
    %q64_3 = arith.remsi %a, %d64_3 : i64
    %r64_3 = arith.constant 3 : index
    memref.store %q64_3, %o[%r64_3, %i] : memref<9x1024xi64>
    %d64_4 = arith.constant 8 : i64
    %q64_4 = arith.floordivsi %a, %d64_4 : i64
    %r64_4 = arith.constant 4 : index
    memref.store %q64_4, %o[%r64_4, %i] : memref<9x1024xi64>
    %d64_5 = arith.constant 7 : i64
    %q64_5 = arith.floordivsi %a, %d64_5 : i64
    %r64_5 = arith.constant 5 : index
    memref.store %q64_5, %o[%r64_5, %i] : memref<9x1024xi64>
    %d64_6 = arith.constant 7 : i64
    %q64_6 = arith.ceildivsi %a, %d64_6 : i64
    %r64_6 = arith.constant 6 : index
    memref.store %q64_6, %o[%r64_6, %i] : memref<9x1024xi64>
    %d64_7 = arith.constant 1099511627776 : i64
    %q64_7 = arith.ceildivui %a, %d64_7 : i64
    %r64_7 = arith.constant 7 : index
    memref.store %q64_7, %o[%r64_7, %i] : memref<9x1024xi64>
    %d64_8 = arith.constant -3 : i64
    %q64_8 = arith.divsi %a, %d64_8 : i64
    %r64_8 = arith.constant 8 : index
    memref.store %q64_8, %o[%r64_8, %i] : memref<9x1024xi64>
    %d32_0 = arith.constant -3 : i32
    %q32_0 = arith.divui %b, %d32_0 : i32
    %r32_0 = arith.constant 0 : index
    memref.store %q32_0, %p[%r32_0, %i] : memref<8x1024xi32>
    %d32_1 = arith.constant 9 : i32
    %q32_1 = arith.remui %b, %d32_1 : i32
    %r32_1 = arith.constant 1 : index
    memref.store %q32_1, %p[%r32_1, %i] : memref<8x1024xi32>
    %d32_2 = arith.constant 9 : i32
    %q32_2 = arith.divsi %b, %d32_2 : i32
    %r32_2 = arith.constant 2 : index
    memref.store %q32_2, %p[%r32_2, %i] : memref<8x1024xi32>
    %d32_3 = arith.constant 9 : i32
    %q32_3 = arith.ceildivui %b, %d32_3 : i32
    %r32_3 = arith.constant 3 : index
    memref.store %q32_3, %p[%r32_3, %i] : memref<8x1024xi32>
    %d32_4 = arith.constant 6 : i32
    %q32_4 = arith.floordivsi %b, %d32_4 : i32
    %r32_4 = arith.constant 4 : index
    memref.store %q32_4, %p[%r32_4, %i] : memref<8x1024xi32>
    %d32_5 = arith.constant 16 : i32
    %q32_5 = arith.remsi %b, %d32_5 : i32
    %r32_5 = arith.constant 5 : index
    memref.store %q32_5, %p[%r32_5, %i] : memref<8x1024xi32>
    %d32_6 = arith.constant 641 : i32
    %q32_6 = arith.divsi %b, %d32_6 : i32
    %r32_6 = arith.constant 6 : index
    memref.store %q32_6, %p[%r32_6, %i] : memref<8x1024xi32>
    %d32_7 = arith.constant 1 : i32
    %q32_7 = arith.divui %b, %d32_7 : i32
    %r32_7 = arith.constant 7 : index
    memref.store %q32_7, %p[%r32_7, %i] : memref<8x1024xi32>
    "scf.reduce"() : () -> ()
  }) : (index, index, index) -> ()
  return %o, %p : memref<9x1024xi64>, memref<8x1024xi32>
}

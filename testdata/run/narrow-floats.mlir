// The narrow float formats in the interpreter: for each of MLIR's f8, f6 and f4 types and
// tf32, x and y rounded to it (arith.truncf), x * y + x with each operation rounded to it, and
// the result widened back (arith.extf); f8E5M2 also through a buffer of one byte an element.
// The references are independent: ml_dtypes 0.7 (float8_*, float6_*, float4_e2m1fn) for the
// f8, f6 and f4 types, and a bit-level round-to-nearest-even to 10 mantissa bits for tf32;
// exact, overflow included (the last two lanes: NaN for the types without infinities, the
// largest value for the finite-only ones).
// RUN: strata-run %s --entry narrow --input %S/Inputs/narrow_x.npy --input %S/Inputs/narrow_y.npy --compare %S/Inputs/narrow_f8E4M3FN.npy --compare %S/Inputs/narrow_f8E5M2.npy --compare %S/Inputs/narrow_f8E4M3FNUZ.npy --compare %S/Inputs/narrow_f8E5M2FNUZ.npy --compare %S/Inputs/narrow_f8E4M3B11FNUZ.npy --compare %S/Inputs/narrow_f8E3M4.npy --compare %S/Inputs/narrow_f8E4M3.npy --compare %S/Inputs/narrow_f6E2M3FN.npy --compare %S/Inputs/narrow_f6E3M2FN.npy --compare %S/Inputs/narrow_f4E2M1FN.npy --compare %S/Inputs/narrow_tf32.npy --compare %S/Inputs/narrow_f8E5M2.npy --rtol 0 --atol 0 | FileCheck %s
// CHECK: compare: all 12 outputs match within rtol=0e0 atol=0e0
// A narrow-typed argument reads an f32 .npy file whose values it holds exactly (NumPy has no
// such types), and a narrow-typed result is written as f32.
// RUN: strata-run %s --entry pass_through --input %S/Inputs/narrow_exact.npy --compare %S/Inputs/narrow_exact.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=EXACT
// EXACT: output #0: tensor<4xf8E4M3FN>
// EXACT: compare: all 1 outputs match
// RUN: not strata-run %s --entry pass_through --input %S/Inputs/narrow_inexact.npy 2>&1 | FileCheck %s --check-prefix=INEXACT
// INEXACT: error: input #0 ({{.*}}narrow_inexact.npy): 0.30000001192092896 is not a value of memref<4xf8E4M3FN>'s elements
// Edge cases: f8E8M0FNU has no mantissa, so a tie rounds up (3 → 4, 0.75 → 1, 6 → 8) and
// 1.5 · 2^127 overflows to NaN (ml_dtypes' values); a NaN has no pattern in f4E2M1FN and
// becomes +0, in registers and through a buffer alike (APFloat's conversion: mlir-opt folds
// `arith.truncf` of NaN to `0x0`).
// RUN: strata-run %s --entry edges --input %S/Inputs/narrow_edges_x.npy --compare %S/Inputs/narrow_edges_e8m0.npy --compare %S/Inputs/narrow_edges_f4.npy --compare %S/Inputs/narrow_edges_f4.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=EDGES
// EDGES: compare: all 3 outputs match within rtol=0e0 atol=0e0
// f80 and f128 do not fit the interpreter's f64: an error at the first op that makes one.
// RUN: not strata-run %s --entry wide --input %S/Inputs/narrow_exact.npy 2>&1 | FileCheck %s --check-prefix=WIDE
// WIDE: narrow-floats.mlir:{{[0-9]+}}:8: error: 'arith.extf' op f80: the interpreter holds floats as f64, which f80 and f128 exceed

func.func @narrow(%x: vector<32xf32>, %y: vector<32xf32>) -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>) {
  %a0 = arith.truncf %x : vector<32xf32> to vector<32xf8E4M3FN>
  %b0 = arith.truncf %y : vector<32xf32> to vector<32xf8E4M3FN>
  %p0 = arith.mulf %a0, %b0 : vector<32xf8E4M3FN>
  %s0 = arith.addf %p0, %a0 : vector<32xf8E4M3FN>
  %r0 = arith.extf %s0 : vector<32xf8E4M3FN> to vector<32xf32>
  %a1 = arith.truncf %x : vector<32xf32> to vector<32xf8E5M2>
  %b1 = arith.truncf %y : vector<32xf32> to vector<32xf8E5M2>
  %p1 = arith.mulf %a1, %b1 : vector<32xf8E5M2>
  %s1 = arith.addf %p1, %a1 : vector<32xf8E5M2>
  %r1 = arith.extf %s1 : vector<32xf8E5M2> to vector<32xf32>
  %a2 = arith.truncf %x : vector<32xf32> to vector<32xf8E4M3FNUZ>
  %b2 = arith.truncf %y : vector<32xf32> to vector<32xf8E4M3FNUZ>
  %p2 = arith.mulf %a2, %b2 : vector<32xf8E4M3FNUZ>
  %s2 = arith.addf %p2, %a2 : vector<32xf8E4M3FNUZ>
  %r2 = arith.extf %s2 : vector<32xf8E4M3FNUZ> to vector<32xf32>
  %a3 = arith.truncf %x : vector<32xf32> to vector<32xf8E5M2FNUZ>
  %b3 = arith.truncf %y : vector<32xf32> to vector<32xf8E5M2FNUZ>
  %p3 = arith.mulf %a3, %b3 : vector<32xf8E5M2FNUZ>
  %s3 = arith.addf %p3, %a3 : vector<32xf8E5M2FNUZ>
  %r3 = arith.extf %s3 : vector<32xf8E5M2FNUZ> to vector<32xf32>
  %a4 = arith.truncf %x : vector<32xf32> to vector<32xf8E4M3B11FNUZ>
  %b4 = arith.truncf %y : vector<32xf32> to vector<32xf8E4M3B11FNUZ>
  %p4 = arith.mulf %a4, %b4 : vector<32xf8E4M3B11FNUZ>
  %s4 = arith.addf %p4, %a4 : vector<32xf8E4M3B11FNUZ>
  %r4 = arith.extf %s4 : vector<32xf8E4M3B11FNUZ> to vector<32xf32>
  %a5 = arith.truncf %x : vector<32xf32> to vector<32xf8E3M4>
  %b5 = arith.truncf %y : vector<32xf32> to vector<32xf8E3M4>
  %p5 = arith.mulf %a5, %b5 : vector<32xf8E3M4>
  %s5 = arith.addf %p5, %a5 : vector<32xf8E3M4>
  %r5 = arith.extf %s5 : vector<32xf8E3M4> to vector<32xf32>
  %a6 = arith.truncf %x : vector<32xf32> to vector<32xf8E4M3>
  %b6 = arith.truncf %y : vector<32xf32> to vector<32xf8E4M3>
  %p6 = arith.mulf %a6, %b6 : vector<32xf8E4M3>
  %s6 = arith.addf %p6, %a6 : vector<32xf8E4M3>
  %r6 = arith.extf %s6 : vector<32xf8E4M3> to vector<32xf32>
  %a7 = arith.truncf %x : vector<32xf32> to vector<32xf6E2M3FN>
  %b7 = arith.truncf %y : vector<32xf32> to vector<32xf6E2M3FN>
  %p7 = arith.mulf %a7, %b7 : vector<32xf6E2M3FN>
  %s7 = arith.addf %p7, %a7 : vector<32xf6E2M3FN>
  %r7 = arith.extf %s7 : vector<32xf6E2M3FN> to vector<32xf32>
  %a8 = arith.truncf %x : vector<32xf32> to vector<32xf6E3M2FN>
  %b8 = arith.truncf %y : vector<32xf32> to vector<32xf6E3M2FN>
  %p8 = arith.mulf %a8, %b8 : vector<32xf6E3M2FN>
  %s8 = arith.addf %p8, %a8 : vector<32xf6E3M2FN>
  %r8 = arith.extf %s8 : vector<32xf6E3M2FN> to vector<32xf32>
  %a9 = arith.truncf %x : vector<32xf32> to vector<32xf4E2M1FN>
  %b9 = arith.truncf %y : vector<32xf32> to vector<32xf4E2M1FN>
  %p9 = arith.mulf %a9, %b9 : vector<32xf4E2M1FN>
  %s9 = arith.addf %p9, %a9 : vector<32xf4E2M1FN>
  %r9 = arith.extf %s9 : vector<32xf4E2M1FN> to vector<32xf32>
  %a10 = arith.truncf %x : vector<32xf32> to vector<32xtf32>
  %b10 = arith.truncf %y : vector<32xf32> to vector<32xtf32>
  %p10 = arith.mulf %a10, %b10 : vector<32xtf32>
  %s10 = arith.addf %p10, %a10 : vector<32xtf32>
  %r10 = arith.extf %s10 : vector<32xtf32> to vector<32xf32>
  // f8E5M2 through a buffer: one byte an element, read back as written.
  %c0 = arith.constant 0 : index
  %m = memref.alloc() : memref<32xf8E5M2>
  vector.store %s1, %m[%c0] : memref<32xf8E5M2>, vector<32xf8E5M2>
  %l = vector.load %m[%c0] : memref<32xf8E5M2>, vector<32xf8E5M2>
  %rl = arith.extf %l : vector<32xf8E5M2> to vector<32xf32>
  return %r0, %r1, %r2, %r3, %r4, %r5, %r6, %r7, %r8, %r9, %r10, %rl : vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>
}

func.func @pass_through(%m: memref<4xf8E4M3FN>) -> memref<4xf8E4M3FN> {
  return %m : memref<4xf8E4M3FN>
}

func.func @wide(%m: memref<4xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %a = memref.load %m[%c0] : memref<4xf32>
  %x = arith.extf %a : f32 to f80
  %y = arith.truncf %x : f80 to f32
  memref.store %y, %m[%c0] : memref<4xf32>
  return %m : memref<4xf32>
}

func.func @edges(%x: vector<8xf32>) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>) {
  %e = arith.truncf %x : vector<8xf32> to vector<8xf8E8M0FNU>
  %ee = arith.extf %e : vector<8xf8E8M0FNU> to vector<8xf32>
  %f = arith.truncf %x : vector<8xf32> to vector<8xf4E2M1FN>
  %ff = arith.extf %f : vector<8xf4E2M1FN> to vector<8xf32>
  %c0 = arith.constant 0 : index
  %m = memref.alloc() : memref<8xf4E2M1FN>
  vector.store %f, %m[%c0] : memref<8xf4E2M1FN>, vector<8xf4E2M1FN>
  %l = vector.load %m[%c0] : memref<8xf4E2M1FN>, vector<8xf4E2M1FN>
  %lf = arith.extf %l : vector<8xf4E2M1FN> to vector<8xf32>
  return %ee, %ff, %lf : vector<8xf32>, vector<8xf32>, vector<8xf32>
}

// Core syntax as upstream MLIR 22 writes it, each piece once (issue 22's core gaps).
// RUN: strata-opt --allow-unregistered-dialect %s | strata-opt --allow-unregistered-dialect

// Branch weights on cf.cond_br.
func.func @weights(%c: i1, %a: i32, %b: i32) -> i32 {
  cf.cond_br %c weights([10, 20]), ^bb1(%a : i32), ^bb1(%b : i32)
^bb1(%x: i32):
  return %x : i32
}

// A body whose entry block declares the arguments the signature lists as bare types.
func.func @entry_declares(i32, f32) -> i32 {
^bb0(%a: i32, %b: f32):
  return %a : i32
}

// Spaces between dimensions and `x`.
func.func @spaced(%v: vector<1 x [4] x f32>, %m: memref<256 x ? x f32>, %t: tensor<2 x 3 x i8>) {
  return
}

// Every float type of MLIR 22, decimal literals rounded as APFloat rounds them (saturating,
// to NaN, to infinity), hexadecimal ones including NaN patterns and signalling NaNs.
func.func @floats() {
  %0 = arith.constant 1.0 : f8E4M3FN
  %1 = arith.constant 1000.0 : f8E4M3FN
  %2 = arith.constant 1000.0 : f4E2M1FN
  %3 = arith.constant 100000.0 : f8E5M2
  %4 = arith.constant 0x7D : f8E5M2
  %5 = arith.constant 0x80 : f8E4M3FNUZ
  %6 = arith.constant -0.0 : f8E5M2FNUZ
  %7 = arith.constant 0.3 : f8E8M0FNU
  %8 = arith.constant 0x3F : f6E3M2FN
  %9 = arith.constant 0.5 : f6E2M3FN
  %10 = arith.constant 0xF : f4E2M1FN
  %11 = arith.constant 0.1 : f8E3M4
  %12 = arith.constant 0.1 : f8E4M3
  %13 = arith.constant 0.1 : f8E4M3B11FNUZ
  %14 = arith.constant 0.1 : tf32
  %15 = arith.constant 0.1 : f16
  %16 = arith.constant 0.1 : bf16
  %17 = arith.constant 1.5 : f80
  %18 = arith.constant 0x3FFF8000000000000000 : f80
  %19 = arith.constant 2.5 : f128
  %20 = arith.constant 0x7C01 : f16
  %21 = arith.constant 0x7F800001 : f32
  %22 = arith.constant 0xFFC00001 : f32
  %23 = arith.constant 0x7FF0000000000001 : f64
  %24 = arith.constant dense<[1.0, 0x7F, 2.5, -448.0]> : tensor<4xf8E4M3FN>
  %25 = arith.constant 3.3 : f16
  return
}

// Location ranges, a location on an argument.
func.func @ranges(%a: i32 loc("x.c":1:2), %b: i32) -> i32 {
  %0 = arith.addi %a, %b : i32 loc("f":1:2 to :3)
  %1 = arith.addi %0, %b : i32 loc("f":1:2 to 3:4)
  %2 = arith.addi %1, %b : i32 loc("f":7)
  return %2 : i32 loc("f":1:2 to 1:2)
}

// A dialect attribute with a type, alone and inside an array.
func.func @typed_dialect_attr() attributes {u = #foo.attr : i32, v = [#foo.b<1> : i64, #foo.c]} {
  return
}

// The regions of an unregistered op may be graph regions: a use before its definition.
func.func @unregistered_region() {
  "foo.op"() ({
    "foo.use"(%x) : (i32) -> ()
    %x = "foo.def"() : () -> i32
  }) : () -> ()
  return
}

// arith: every op in its custom form.
// RUN: strata-opt %s | strata-opt
func.func @integers(%a: i32, %b: i32, %v: vector<4xi32>, %t: tensor<?xi64>, %i: index) -> i32 {
  %0 = arith.addi %a, %b : i32
  %1 = arith.addi %a, %b overflow<nsw, nuw> : i32
  %2 = arith.subi %a, %b overflow<nuw> : i32
  %3 = arith.muli %v, %v : vector<4xi32>
  %4 = arith.shli %a, %b : i32
  %5 = arith.divsi %a, %b : i32
  %6 = arith.divui %a, %b : i32
  %7 = arith.ceildivsi %a, %b : i32
  %8 = arith.ceildivui %a, %b : i32
  %9 = arith.floordivsi %a, %b : i32
  %10 = arith.remsi %a, %b : i32
  %11 = arith.remui %a, %b : i32
  %12 = arith.andi %a, %b : i32
  %13 = arith.ori %a, %b : i32
  %14 = arith.xori %t, %t : tensor<?xi64>
  %15 = arith.shrsi %a, %b : i32
  %16 = arith.shrui %a, %b : i32
  %17 = arith.maxsi %a, %b : i32
  %18 = arith.maxui %a, %b : i32
  %19 = arith.minsi %i, %i : index
  %20 = arith.minui %a, %b : i32
  %21 = arith.cmpi ne, %a, %b : i32
  %22 = arith.cmpi uge, %v, %v : vector<4xi32>
  %23 = arith.select %21, %a, %b : i32
  %24 = arith.select %22, %v, %v : vector<4xi1>, vector<4xi32>
  %sum, %overflow = arith.addui_extended %a, %b : i32, i1
  %low, %high = arith.mulsi_extended %a, %b : i32
  %low2, %high2 = arith.mului_extended %v, %v : vector<4xi32>
  return %23 : i32
}
func.func @floats(%x: f32, %y: f32, %h: f16, %t: tensor<2xf64>) -> f32 {
  %0 = arith.addf %x, %y : f32
  %1 = arith.subf %x, %y fastmath<nnan,ninf> : f32
  %2 = arith.mulf %x, %y fastmath<fast> : f32
  %3 = arith.divf %t, %t : tensor<2xf64>
  %4 = arith.remf %x, %y : f32
  %5 = arith.maximumf %x, %y : f32
  %6 = arith.minimumf %h, %h : f16
  %7 = arith.maxnumf %x, %y : f32
  %8 = arith.minnumf %x, %y : f32
  %9 = arith.negf %x : f32
  %10 = arith.cmpf olt, %x, %y : f32
  %11 = arith.cmpf uno, %t, %t fastmath<fast> : tensor<2xf64>
  return %9 : f32
}
func.func @casts(%a: i32, %x: f32, %i: index, %v: vector<4xi8>) {
  %0 = arith.extsi %a : i32 to i64
  %1 = arith.extui %v : vector<4xi8> to vector<4xi32>
  %2 = arith.trunci %a : i32 to i8
  %3 = arith.extf %x : f32 to f64
  %4 = arith.truncf %x : f32 to f16
  %5 = arith.sitofp %a : i32 to f32
  %6 = arith.uitofp %a : i32 to f64
  %7 = arith.fptosi %x : f32 to i32
  %8 = arith.fptoui %x : f32 to i16
  %9 = arith.index_cast %i : index to i32
  %10 = arith.index_castui %a : i32 to index
  %11 = arith.bitcast %x : f32 to i32
  return
}
func.func @constants() {
  %c0 = arith.constant 0 : index
  %c1_i32 = arith.constant 1 : i32
  %true = arith.constant true
  %cst = arith.constant 1.500000e+00 : f32
  %cst_0 = arith.constant dense<[1, 2, 3]> : tensor<3xi32>
  %cst_1 = arith.constant dense<0.0> : vector<4xf16>
  %c-1_i8 = arith.constant -1 : i8
  return
}

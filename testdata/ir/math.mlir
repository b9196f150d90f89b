// math: unary, binary and ternary float ops, integer ops, classification.
// RUN: strata-opt %s | strata-opt
func.func @math(%x: f32, %y: f32, %v: vector<4xf32>, %n: i32, %t: tensor<2xf64>) {
  %0 = math.absf %x : f32
  %1 = math.exp %v : vector<4xf32>
  %2 = math.log %x fastmath<fast> : f32
  %3 = math.sqrt %t : tensor<2xf64>
  %4 = math.rsqrt %x : f32
  %5 = math.tanh %x : f32
  %6 = math.erf %x : f32
  %7 = math.sin %x : f32
  %8 = math.cos %x : f32
  %9 = math.floor %x : f32
  %10 = math.ceil %x : f32
  %11 = math.round %x : f32
  %12 = math.roundeven %x : f32
  %13 = math.trunc %x : f32
  %14 = math.atan2 %x, %y : f32
  %15 = math.powf %x, %y fastmath<afn> : f32
  %16 = math.copysign %x, %y : f32
  %17 = math.fma %x, %y, %x : f32
  %18 = math.absi %n : i32
  %19 = math.ctlz %n : i32
  %20 = math.cttz %n : i32
  %21 = math.ctpop %n : i32
  %22 = math.ipowi %n, %n : i32
  %23 = math.fpowi %x, %n : f32, i32
  %24 = math.isnan %x : f32
  %25 = math.isinf %v : vector<4xf32>
  %26 = math.isfinite %x : f32
  %27 = math.exp2 %x : f32
  %28 = math.expm1 %x : f32
  %29 = math.log1p %x : f32
  %30 = math.log2 %x : f32
  %31 = math.log10 %x : f32
  %32 = math.cbrt %x : f32
  %33 = math.tan %x : f32
  %34 = math.atan %x : f32
  %35 = math.erfc %x : f32
  return
}

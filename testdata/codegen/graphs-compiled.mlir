// Graphs the interpreter runs, compiled: integer graphs (egraph-opt fuses them with integer
// bodies), calls between graph functions (inlined first), f16 and bf16 (computed in f32,
// rounded per op), casts, comparisons and selects; each against the interpreter, exactly.
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-opt %s --egraph-opt | FileCheck %s --check-prefix=FUSED
// FUSED-LABEL: func.func @ints
// FUSED: kernel.elementwise
// FUSED: arith.addi
// FUSED: arith.muli
// FUSED: arith.maxsi
// FUSED-NOT: arith.addf

// RUN: strata-run %s --entry ints --random-inputs 1 --output-dir %t/ints > /dev/null
// RUN: strata-run %s --entry ints --input %t/ints/input0.npy --input %t/ints/input1.npy --target host --rtol 0 --atol 0 --compare %t/ints/output0.npy | FileCheck %s
// RUN: strata-run %s --entry ints --input %t/ints/input0.npy --input %t/ints/input1.npy --target x86-64 --rtol 0 --atol 0 --compare %t/ints/output0.npy | FileCheck %s
// RUN: strata-run %s --entry calls --random-inputs 2 --output-dir %t/calls > /dev/null
// RUN: strata-run %s --entry calls --input %t/calls/input0.npy --target host --rtol 0 --atol 0 --compare %t/calls/output0.npy --compare %t/calls/output1.npy | FileCheck %s
// RUN: strata-run %s --entry halves --random-inputs 3 --output-dir %t/halves > /dev/null
// RUN: strata-run %s --entry halves --input %t/halves/input0.npy --input %t/halves/input1.npy --target host --rtol 0 --atol 0 --compare %t/halves/output0.npy --compare %t/halves/output1.npy | FileCheck %s
// RUN: strata-run %s --entry typed --random-inputs 4 --output-dir %t/typed > /dev/null
// RUN: strata-run %s --entry typed --input %t/typed/input0.npy --input %t/typed/input1.npy --target host --rtol 0 --atol 0 --compare %t/typed/output0.npy --compare %t/typed/output1.npy | FileCheck %s
// RUN: strata-run %s --entry typed --input %t/typed/input0.npy --input %t/typed/input1.npy --target x86-64 --rtol 0 --atol 0 --compare %t/typed/output0.npy --compare %t/typed/output1.npy | FileCheck %s
// f64 comparisons and selects (their masks do not fit the vector form; scalar loops).
// RUN: strata-run %s --entry wide_select --random-inputs 6 --output-dir %t/wide > /dev/null
// RUN: strata-run %s --entry wide_select --input %t/wide/input0.npy --input %t/wide/input1.npy --target host --rtol 0 --atol 0 --compare %t/wide/output0.npy | FileCheck %s
// An entry named `main`: its symbol is `module_main`, apart from the driver's `main`.
// RUN: strata-run %S/integers-aarch64.mlir --entry main --random-inputs 5 --output-dir %t/main > /dev/null
// RUN: strata-run %S/integers-aarch64.mlir --entry main --input %t/main/input0.npy --target x86-64 --rtol 0 --atol 0 --compare %t/main/output0.npy | FileCheck %s
// CHECK: compare: all {{[12]}} outputs match within rtol=0e0 atol=0e0

// Options that would make IR the code generator refuses are refused with the pipeline.
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(vectorize{width=3}))' 2>&1 | FileCheck %s --check-prefix=WIDTH
// WIDTH: width=3: the width must be a power of two from 4 to 64
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(tile{size=0}))' 2>&1 | FileCheck %s --check-prefix=TILE
// TILE: size=0: a tile spans at least 2 iterations

func.func @ints(%x: tensor<4x8xi32>, %y: tensor<4x8xi32>) -> tensor<4x8xi32> {
  %a = "nn.add"(%x, %y) : (tensor<4x8xi32>, tensor<4x8xi32>) -> tensor<4x8xi32>
  %b = "nn.mul"(%a, %x) : (tensor<4x8xi32>, tensor<4x8xi32>) -> tensor<4x8xi32>
  %c = "nn.max"(%b, %y) : (tensor<4x8xi32>, tensor<4x8xi32>) -> tensor<4x8xi32>
  return %c : tensor<4x8xi32>
}
func.func private @sub(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = "nn.relu"(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
// Two calls of one function: each result is its own (a callee's results must not share memory).
func.func @calls(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %a = func.call @sub(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %n = "nn.neg"(%a) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %b = func.call @sub(%n) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %c = "nn.exp"(%b) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %c, %a : tensor<4x8xf32>, tensor<4x8xf32>
}
func.func @halves(%x: tensor<6x9xf16>, %y: tensor<9xbf16>) -> (tensor<6x9xf16>, tensor<6x9xbf16>) {
  %a = "nn.mul"(%x, %x) : (tensor<6x9xf16>, tensor<6x9xf16>) -> tensor<6x9xf16>
  %b = "nn.sub"(%a, %x) : (tensor<6x9xf16>, tensor<6x9xf16>) -> tensor<6x9xf16>
  %w = "nn.cast"(%x) {to = bf16} : (tensor<6x9xf16>) -> tensor<6x9xbf16>
  %d = "nn.div"(%w, %y) : (tensor<6x9xbf16>, tensor<9xbf16>) -> tensor<6x9xbf16>
  return %b, %d : tensor<6x9xf16>, tensor<6x9xbf16>
}
func.func @typed(%x: tensor<5x7xf32>, %k: tensor<7xi32>) -> (tensor<5x7xi8>, tensor<5x7xf32>) {
  %i = "nn.cast"(%x) {to = i32} : (tensor<5x7xf32>) -> tensor<5x7xi32>
  %lt = "nn.compare"(%i, %k) {predicate = "lt"} : (tensor<5x7xi32>, tensor<7xi32>) -> tensor<5x7xi1>
  %s = "nn.select"(%lt, %i, %k) : (tensor<5x7xi1>, tensor<5x7xi32>, tensor<7xi32>) -> tensor<5x7xi32>
  %n = "nn.cast"(%s) {to = i8} : (tensor<5x7xi32>) -> tensor<5x7xi8>
  %ge = "nn.compare"(%x, %x) {predicate = "ge"} : (tensor<5x7xf32>, tensor<5x7xf32>) -> tensor<5x7xi1>
  %f = "nn.cast"(%ge) {to = f32} : (tensor<5x7xi1>) -> tensor<5x7xf32>
  %g = "nn.add"(%f, %x) : (tensor<5x7xf32>, tensor<5x7xf32>) -> tensor<5x7xf32>
  return %n, %g : tensor<5x7xi8>, tensor<5x7xf32>
}
func.func @wide_select(%x: tensor<4x16xf64>, %y: tensor<4x16xf64>) -> tensor<4x16xf64> {
  %c = "nn.compare"(%x, %y) {predicate = "lt"} : (tensor<4x16xf64>, tensor<4x16xf64>) -> tensor<4x16xi1>
  %s = "nn.select"(%c, %x, %y) : (tensor<4x16xi1>, tensor<4x16xf64>, tensor<4x16xf64>) -> tensor<4x16xf64>
  %l = "nn.leaky_relu"(%s) {alpha = 0.5 : f64} : (tensor<4x16xf64>) -> tensor<4x16xf64>
  return %l : tensor<4x16xf64>
}

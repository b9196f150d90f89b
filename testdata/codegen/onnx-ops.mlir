// The ops the ONNX importer added, compiled against the interpreter on random inputs
// (floats uniform in [-1, 1), integers in [-8, 8]): reductions, erf, log-softmax, slices with
// negative steps, gathers (negative indices; i32, i64 and rank-0 indices), broadcasts, and the
// data-movement ops on i64 and i32 (token ids).
//
// Reductions of floats accumulate in f64 in row-major order at both levels and round once, and
// the data-movement ops copy: exact (rtol = atol = 0). erf and log-softmax go through the code
// generator's f32 polynomials (`codegen/math.rs`: erf within 4e-7 absolute; exp and log within a
// few ulp), so they are compared within 2e-6 absolute: a result of log-softmax here is at most
// about 4 in magnitude (log of a 9-way sum of values within 2 of each other), a few ulp of which
// is under 2e-6.
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-run %s --entry reduce --random-inputs 11 --output-dir %t/reduce > /dev/null
// RUN: strata-run %s --entry reduce --input %t/reduce/input0.npy --target host --rtol 0 --atol 0 --compare %t/reduce/output0.npy --compare %t/reduce/output1.npy --compare %t/reduce/output2.npy --compare %t/reduce/output3.npy --compare %t/reduce/output4.npy | FileCheck %s
// RUN: strata-run %s --entry reduce --input %t/reduce/input0.npy --target x86-64 --rtol 0 --atol 0 --compare %t/reduce/output0.npy --compare %t/reduce/output1.npy --compare %t/reduce/output2.npy --compare %t/reduce/output3.npy --compare %t/reduce/output4.npy | FileCheck %s
// RUN: strata-run %s --entry reduce_ints --random-inputs 12 --output-dir %t/ri > /dev/null
// RUN: strata-run %s --entry reduce_ints --input %t/ri/input0.npy --input %t/ri/input1.npy --target host --rtol 0 --atol 0 --compare %t/ri/output0.npy --compare %t/ri/output1.npy --compare %t/ri/output2.npy --compare %t/ri/output3.npy | FileCheck %s
// f16 and bf16 reductions accumulate in f64 too: exact.
// RUN: strata-run %s --entry halves --random-inputs 19 --output-dir %t/halves > /dev/null
// RUN: strata-run %s --entry halves --input %t/halves/input0.npy --input %t/halves/input1.npy --target host --rtol 0 --atol 0 --compare %t/halves/output0.npy --compare %t/halves/output1.npy --compare %t/halves/output2.npy | FileCheck %s
// RUN: strata-run %s --entry smooth --random-inputs 13 --output-dir %t/smooth > /dev/null
// RUN: strata-run %s --entry smooth --input %t/smooth/input0.npy --target host --rtol 0 --atol 2e-6 --compare %t/smooth/output0.npy --compare %t/smooth/output1.npy | FileCheck %s
// RUN: strata-run %s --entry tokens --random-inputs 14 --output-dir %t/tokens > /dev/null
// RUN: strata-run %s --entry tokens --input %t/tokens/input0.npy --input %t/tokens/input1.npy --input %t/tokens/input2.npy --input %t/tokens/input3.npy --target host --rtol 0 --atol 0 --compare %t/tokens/output0.npy --compare %t/tokens/output1.npy --compare %t/tokens/output2.npy --compare %t/tokens/output3.npy | FileCheck %s
// RUN: strata-run %s --entry tokens --input %t/tokens/input0.npy --input %t/tokens/input1.npy --input %t/tokens/input2.npy --input %t/tokens/input3.npy --target x86-64 --rtol 0 --atol 0 --compare %t/tokens/output0.npy --compare %t/tokens/output1.npy --compare %t/tokens/output2.npy --compare %t/tokens/output3.npy | FileCheck %s
// Broadcasts that kernels read through (egraph-opt drops the copy where the kernel's shape
// stays) and one they cannot (it gives the kernel its shape).
// RUN: strata-run %s --entry expand --random-inputs 20 --output-dir %t/expand > /dev/null
// RUN: strata-run %s --entry expand --input %t/expand/input0.npy --input %t/expand/input1.npy --input %t/expand/input2.npy --target host --rtol 0 --atol 0 --compare %t/expand/output0.npy --compare %t/expand/output1.npy | FileCheck %s
// RUN: strata-run %s --entry moves --random-inputs 15 --output-dir %t/moves > /dev/null
// RUN: strata-run %s --entry moves --input %t/moves/input0.npy --input %t/moves/input1.npy --target host --rtol 0 --atol 0 --compare %t/moves/output0.npy --compare %t/moves/output1.npy --compare %t/moves/output2.npy | FileCheck %s
// Pools with ceil_mode and count_include_pad, a transposed convolution and pads in every mode.
// A transposed convolution here sums at most 2·3·3 = 18 products of numbers below 1 in f32 when
// compiled (f64 in the interpreter): within 18 · 2e-7; an average at most 9 values below 1.
// RUN: strata-run %s --entry windows --random-inputs 17 --output-dir %t/windows > /dev/null
// RUN: strata-run %s --entry windows --input %t/windows/input0.npy --input %t/windows/input1.npy --input %t/windows/input2.npy --target host --rtol 0 --atol 4e-6 --compare %t/windows/output0.npy --compare %t/windows/output1.npy --compare %t/windows/output2.npy | FileCheck %s
// RUN: strata-run %s --entry windows --input %t/windows/input0.npy --input %t/windows/input1.npy --input %t/windows/input2.npy --target x86-64 --rtol 0 --atol 4e-6 --compare %t/windows/output0.npy --compare %t/windows/output1.npy --compare %t/windows/output2.npy | FileCheck %s
// RUN: strata-run %s --entry pads --random-inputs 18 --output-dir %t/pads > /dev/null
// RUN: strata-run %s --entry pads --input %t/pads/input0.npy --input %t/pads/input1.npy --target host --rtol 0 --atol 0 --compare %t/pads/output0.npy --compare %t/pads/output1.npy --compare %t/pads/output2.npy | FileCheck %s
// RUN: strata-run %s --entry pads --input %t/pads/input0.npy --input %t/pads/input1.npy --target x86-64 --rtol 0 --atol 0 --compare %t/pads/output0.npy --compare %t/pads/output1.npy --compare %t/pads/output2.npy | FileCheck %s
// CHECK: compare: all {{[0-9]}} outputs match within rtol=0e0 atol=

func.func @reduce(%x: tensor<3x5x7xf32>) -> (tensor<3x1x1xf32>, tensor<5xf32>, tensor<3x7xf32>, tensor<1x5x1xf32>, tensor<f32>) {
  %s = "nn.reduce_sum"(%x) {axes = [1, -1], keepdims = true} : (tensor<3x5x7xf32>) -> tensor<3x1x1xf32>
  %m = "nn.reduce_mean"(%x) {axes = [0, 2]} : (tensor<3x5x7xf32>) -> tensor<5xf32>
  %mx = "nn.reduce_max"(%x) {axes = [1]} : (tensor<3x5x7xf32>) -> tensor<3x7xf32>
  %mn = "nn.reduce_min"(%x) {axes = [2, 0], keepdims = true} : (tensor<3x5x7xf32>) -> tensor<1x5x1xf32>
  %p = "nn.reduce_prod"(%x) {axes = [0, 1, 2]} : (tensor<3x5x7xf32>) -> tensor<f32>
  return %s, %m, %mx, %mn, %p : tensor<3x1x1xf32>, tensor<5xf32>, tensor<3x7xf32>, tensor<1x5x1xf32>, tensor<f32>
}
// Integer sums and products wrap at their width (the products of 9 values in [-8, 8] overflow i32).
func.func @reduce_ints(%x: tensor<4x9xi32>, %y: tensor<2x3x4xi64>) -> (tensor<4xi32>, tensor<9xi32>, tensor<2x1x4xi64>, tensor<3xi64>) {
  %p = "nn.reduce_prod"(%x) {axes = [1]} : (tensor<4x9xi32>) -> tensor<4xi32>
  %s = "nn.reduce_sum"(%x) {axes = [0]} : (tensor<4x9xi32>) -> tensor<9xi32>
  %mx = "nn.reduce_max"(%y) {axes = [1], keepdims = true} : (tensor<2x3x4xi64>) -> tensor<2x1x4xi64>
  %mn = "nn.reduce_min"(%y) {axes = [0, 2]} : (tensor<2x3x4xi64>) -> tensor<3xi64>
  return %p, %s, %mx, %mn : tensor<4xi32>, tensor<9xi32>, tensor<2x1x4xi64>, tensor<3xi64>
}
func.func @halves(%x: tensor<3x9xf16>, %y: tensor<4x5xbf16>) -> (tensor<3xf16>, tensor<5xbf16>, tensor<3x1xf16>) {
  %s = "nn.reduce_sum"(%x) {axes = [1]} : (tensor<3x9xf16>) -> tensor<3xf16>
  %p = "nn.reduce_prod"(%y) {axes = [0]} : (tensor<4x5xbf16>) -> tensor<5xbf16>
  %m = "nn.reduce_mean"(%x) {axes = [1], keepdims = true} : (tensor<3x9xf16>) -> tensor<3x1xf16>
  return %s, %p, %m : tensor<3xf16>, tensor<5xbf16>, tensor<3x1xf16>
}
func.func @smooth(%x: tensor<4x9xf32>) -> (tensor<4x9xf32>, tensor<4x9xf32>) {
  %d = "nn.mul"(%x, %x) : (tensor<4x9xf32>, tensor<4x9xf32>) -> tensor<4x9xf32>
  %w = "nn.add"(%d, %x) : (tensor<4x9xf32>, tensor<4x9xf32>) -> tensor<4x9xf32>
  %e = "nn.erf"(%w) : (tensor<4x9xf32>) -> tensor<4x9xf32>
  %l = "nn.log_softmax"(%w) {axis = -1 : i64} : (tensor<4x9xf32>) -> tensor<4x9xf32>
  return %e, %l : tensor<4x9xf32>, tensor<4x9xf32>
}
// Token ids through gathers: every index drawn in [-8, 8] is inside [-9, 9) or [-10, 10).
func.func @tokens(%table: tensor<10x6xf32>, %ids: tensor<2x5xi64>, %pos: tensor<3xi32>, %one: tensor<i64>) -> (tensor<2x5x6xf32>, tensor<10x3xf32>, tensor<6xf32>, tensor<2x3x5xi64>) {
  %e = "nn.gather"(%table, %ids) {axis = 0 : i64} : (tensor<10x6xf32>, tensor<2x5xi64>) -> tensor<2x5x6xf32>
  %c = "nn.slice"(%table) {starts = [0, 5], sizes = [10, 6], steps = [1, -1]} : (tensor<10x6xf32>) -> tensor<10x6xf32>
  %cat = "nn.concat"(%c, %c) {axis = 1 : i64} : (tensor<10x6xf32>, tensor<10x6xf32>) -> tensor<10x12xf32>
  %g = "nn.gather"(%cat, %pos) {axis = -1 : i64} : (tensor<10x12xf32>, tensor<3xi32>) -> tensor<10x3xf32>
  %r = "nn.gather"(%table, %one) {axis = 0 : i64} : (tensor<10x6xf32>, tensor<i64>) -> tensor<6xf32>
  %b = "nn.broadcast"(%ids) {shape = [3, 2, 5]} : (tensor<2x5xi64>) -> tensor<3x2x5xi64>
  %t = "nn.transpose"(%b) {perm = [1, 0, 2]} : (tensor<3x2x5xi64>) -> tensor<2x3x5xi64>
  return %e, %g, %r, %t : tensor<2x5x6xf32>, tensor<10x3xf32>, tensor<6xf32>, tensor<2x3x5xi64>
}
func.func @expand(%x: tensor<3x1xf32>, %b: tensor<4xf32>, %c: tensor<1xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>) {
  %w = "nn.broadcast"(%b) {shape = [3, 4]} : (tensor<4xf32>) -> tensor<3x4xf32>
  %a = "nn.sub"(%x, %w) : (tensor<3x1xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %v = "nn.broadcast"(%c) {shape = [3, 4]} : (tensor<1xf32>) -> tensor<3x4xf32>
  %m = "nn.mul"(%x, %v) : (tensor<3x1xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return %a, %m : tensor<3x4xf32>, tensor<3x4xf32>
}
// Every data-movement op on i64 and i32.
func.func @moves(%x: tensor<4x6xi64>, %y: tensor<3x4xi32>) -> (tensor<3x2x2xi64>, tensor<2x2xi64>, tensor<5x6xi32>) {
  %s = "nn.slice"(%x) {starts = [3, 1], sizes = [3, 3], steps = [-1, 2]} : (tensor<4x6xi64>) -> tensor<3x3xi64>
  %p = "nn.pad"(%s) {pads = [0, 1, 0, 0], value = 7.0 : f32} : (tensor<3x3xi64>) -> tensor<3x4xi64>
  %r = "nn.reshape"(%p) {shape = [3, 2, 2]} : (tensor<3x4xi64>) -> tensor<3x2x2xi64>
  %h:2 = "nn.split"(%r) {axis = 0 : i64, sizes = [1, 2]} : (tensor<3x2x2xi64>) -> (tensor<1x2x2xi64>, tensor<2x2x2xi64>)
  %f = "nn.reshape"(%h#0) {shape = [2, 2]} : (tensor<1x2x2xi64>) -> tensor<2x2xi64>
  %b = "nn.broadcast"(%y) {shape = [1, 3, 4]} : (tensor<3x4xi32>) -> tensor<1x3x4xi32>
  %t = "nn.transpose"(%b) {perm = [2, 0, 1]} : (tensor<1x3x4xi32>) -> tensor<4x1x3xi32>
  %t2 = "nn.reshape"(%t) {shape = [2, 6]} : (tensor<4x1x3xi32>) -> tensor<2x6xi32>
  %y2 = "nn.reshape"(%y) {shape = [2, 6]} : (tensor<3x4xi32>) -> tensor<2x6xi32>
  %c = "nn.concat"(%t2, %y2) {axis = 0 : i64} : (tensor<2x6xi32>, tensor<2x6xi32>) -> tensor<4x6xi32>
  %m = "nn.reduce_max"(%c) {axes = [0], keepdims = true} : (tensor<4x6xi32>) -> tensor<1x6xi32>
  %cc = "nn.concat"(%c, %m) {axis = 0 : i64} : (tensor<4x6xi32>, tensor<1x6xi32>) -> tensor<5x6xi32>
  return %r, %f, %cc : tensor<3x2x2xi64>, tensor<2x2xi64>, tensor<5x6xi32>
}
func.func @windows(%x: tensor<1x4x7x7xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<6xf32>) -> (tensor<1x6x7x7xf32>, tensor<1x6x8x8xf32>, tensor<1x4x4x4xf32>) {
  %u = "nn.conv_transpose2d"(%x, %w, %b) {strides = [2, 2], padding = [1, 1, 1, 1], output_padding = [1, 1], groups = 2 : i64} : (tensor<1x4x7x7xf32>, tensor<4x3x3x3xf32>, tensor<6xf32>) -> tensor<1x6x14x14xf32>
  %m = "nn.max_pool2d"(%u) {kernel = [2, 2], strides = [2, 2], ceil_mode = true} : (tensor<1x6x14x14xf32>) -> tensor<1x6x7x7xf32>
  %a = "nn.avg_pool2d"(%u) {kernel = [3, 3], strides = [2, 2], padding = [1, 1, 1, 1], ceil_mode = true, count_include_pad = true} : (tensor<1x6x14x14xf32>) -> tensor<1x6x8x8xf32>
  %p = "nn.avg_pool2d"(%x) {kernel = [3, 3], strides = [2, 2], padding = [1, 1, 1, 1], ceil_mode = true} : (tensor<1x4x7x7xf32>) -> tensor<1x4x4x4xf32>
  return %m, %a, %p : tensor<1x6x7x7xf32>, tensor<1x6x8x8xf32>, tensor<1x4x4x4xf32>
}
func.func @pads(%x: tensor<4x5xf32>, %ids: tensor<3x6xi64>) -> (tensor<7x4xf32>, tensor<5x10xi64>, tensor<3x7xf32>) {
  %r = "nn.pad"(%x) {pads = [2, 0, 1, -1], mode = "reflect"} : (tensor<4x5xf32>) -> tensor<7x4xf32>
  %e = "nn.pad"(%ids) {pads = [1, 3, 1, 1], mode = "edge"} : (tensor<3x6xi64>) -> tensor<5x10xi64>
  %c = "nn.pad"(%x) {pads = [-1, 1, 0, 1], value = 2.5 : f32} : (tensor<4x5xf32>) -> tensor<3x7xf32>
  return %r, %e, %c : tensor<7x4xf32>, tensor<5x10xi64>, tensor<3x7xf32>
}

// An index outside [-n, n) is an error at the op in the interpreter and a trap in compiled
// code, named at the same op (its indices, drawn in [-8, 8], reach past the 4 rows).
// RUN: not strata-run %s --entry gather_oob --random-inputs 16 --output-dir %t/oob 2>&1 | FileCheck %s --check-prefix=OOB
// RUN: not strata-run %s --entry gather_oob --input %t/oob/input0.npy --input %t/oob/input1.npy --target host 2>&1 | FileCheck %s --check-prefix=OOB-JIT
// RUN: not strata-run %s --entry gather_oob --input %t/oob/input0.npy --input %t/oob/input1.npy --target x86-64 2>&1 | FileCheck %s --check-prefix=OOB-JIT
// OOB: onnx-ops.mlir:[[@LINE+3]]:{{[0-9]+}}: error: 'nn.gather' op index {{-?[0-9]+}} (element {{[0-9]+}} of the indices) is outside [-4, 4): dimension 0 of the data has size 4
// OOB-JIT: onnx-ops.mlir:[[@LINE+2]]:{{[0-9]+}}: {{.*}}'cf.assert' op an index is outside [-4, 4): dimension 0 of the gathered data has size 4
func.func @gather_oob(%x: tensor<4x3xf32>, %i: tensor<16xi64>) -> tensor<16x3xf32> {
  %g = "nn.gather"(%x, %i) {axis = 0 : i64} : (tensor<4x3xf32>, tensor<16xi64>) -> tensor<16x3xf32>
  return %g : tensor<16x3xf32>
}

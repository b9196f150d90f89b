// Every nn op in generic form: it parses, verifies, prints and parses again.
// RUN: strata-opt %s | strata-opt | FileCheck %s
// RUN: strata-opt %s --mlir-print-op-generic | strata-opt | FileCheck %s

// CHECK-LABEL: func.func @block
// CHECK: "nn.conv2d"(%arg0, %arg1, %arg2) <{dilations = [1, 1], groups = 1 : i64, layout = "NCHW", padding = [1, 1, 1, 1], strides = [1, 1]}>
// CHECK: "nn.batch_norm"
// CHECK: "nn.relu"
// CHECK: "nn.add"
func.func @block(%x: tensor<1x8x16x16xf32>, %w: tensor<8x8x3x3xf32>, %b: tensor<8xf32>, %s: tensor<8xf32>) -> tensor<1x8x16x16xf32> {
  %c = "nn.conv2d"(%x, %w, %b) {strides = [1, 1], padding = [1, 1, 1, 1], dilations = [1, 1], groups = 1 : i64, layout = "NCHW"} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
  %n = "nn.batch_norm"(%c, %s, %b, %b, %s) {epsilon = 1.0e-05 : f32} : (tensor<1x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
  %r = "nn.relu"(%n) : (tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %a = "nn.add"(%r, %x) : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  return %a : tensor<1x8x16x16xf32>
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x8x9x9xf32>, %dw: tensor<8x1x3x3xf32>, %m: tensor<2x4x16xf32>, %k: tensor<16x32xf32>) {
  %d = "nn.conv2d"(%x, %dw) {strides = [2, 2], padding = [1, 1, 1, 1], groups = 8 : i64, algorithm = "winograd_f2x3"} : (tensor<2x8x9x9xf32>, tensor<8x1x3x3xf32>) -> tensor<2x8x5x5xf32>
  %p = "nn.max_pool2d"(%x) {kernel = [3, 3], strides = [2, 2], padding = [1, 1, 1, 1]} : (tensor<2x8x9x9xf32>) -> tensor<2x8x5x5xf32>
  %q = "nn.avg_pool2d"(%x) {kernel = [2, 2], strides = [2, 2]} : (tensor<2x8x9x9xf32>) -> tensor<2x8x4x4xf32>
  %g = "nn.global_avg_pool2d"(%x) : (tensor<2x8x9x9xf32>) -> tensor<2x8x1x1xf32>
  %r = "nn.reshape"(%g) {shape = [2, -1]} : (tensor<2x8x1x1xf32>) -> tensor<2x8xf32>
  %mm = "nn.matmul"(%m, %k) : (tensor<2x4x16xf32>, tensor<16x32xf32>) -> tensor<2x4x32xf32>
  %sm = "nn.softmax"(%mm) {axis = -1 : i64} : (tensor<2x4x32xf32>) -> tensor<2x4x32xf32>
  %k0 = "nn.constant"() {value = dense<1.0> : tensor<16xf32>} : () -> tensor<16xf32>
  %ln = "nn.layer_norm"(%m, %k0, %k0) {axis = -1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x4x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
  %ge = "nn.gelu"(%ln) : (tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %t = "nn.transpose"(%ge) {perm = [0, 2, 1]} : (tensor<2x4x16xf32>) -> tensor<2x16x4xf32>
  %cc = "nn.concat"(%t, %t) {axis = 2 : i64} : (tensor<2x16x4xf32>, tensor<2x16x4xf32>) -> tensor<2x16x8xf32>
  %s:2 = "nn.split"(%cc) {axis = 1 : i64, sizes = [6, 10]} : (tensor<2x16x8xf32>) -> (tensor<2x6x8xf32>, tensor<2x10x8xf32>)
  %pd = "nn.pad"(%x) {pads = [0, 0, 1, 1, 0, 0, 1, 1], value = 0.0 : f32} : (tensor<2x8x9x9xf32>) -> tensor<2x8x11x11xf32>
  %rl = "nn.relayout"(%x) {from = "NCHW", to = "NCHW4c"} : (tensor<2x8x9x9xf32>) -> tensor<2x2x9x9x4xf32>
  %b = "nn.mul"(%m, %k0) : (tensor<2x4x16xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
  %lr = "nn.leaky_relu"(%b) {alpha = 0.1 : f32} : (tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %cl = "nn.clip"(%lr) {min = -1.0 : f32, max = 1.0 : f32} : (tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return
}

// The ops an ONNX importer needs: reductions, log-softmax, slices, gathers, broadcasts.
// CHECK-LABEL: func.func @onnx
// CHECK: "nn.erf"
// CHECK: "nn.reduce_sum"(%arg0) <{axes = [0, -1], keepdims = true}> : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
// CHECK: "nn.reduce_mean"(%arg0) <{axes = [1]}> : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
// CHECK: "nn.reduce_max"
// CHECK: "nn.reduce_min"
// CHECK: "nn.reduce_prod"(%arg1) <{axes = [1], keepdims = false}> : (tensor<2x7xi64>) -> tensor<2xi64>
// CHECK: "nn.log_softmax"
// CHECK: "nn.slice"(%arg1) <{sizes = [2, 3], starts = [1, 6], steps = [-1, -3]}> : (tensor<2x7xi64>) -> tensor<2x3xi64>
// CHECK: "nn.gather"(%arg0, %arg2) <{axis = 1 : i64}> : (tensor<2x3x4xf32>, tensor<i32>) -> tensor<2x4xf32>
// CHECK: "nn.gather"(%arg0, %arg1) <{axis = -1 : i64}> : (tensor<2x3x4xf32>, tensor<2x7xi64>) -> tensor<2x3x2x7xf32>
// CHECK: "nn.broadcast"(%arg1) <{shape = [3, 2, 7]}> : (tensor<2x7xi64>) -> tensor<3x2x7xi64>
func.func @onnx(%x: tensor<2x3x4xf32>, %ids: tensor<2x7xi64>, %i: tensor<i32>) {
  %e = "nn.erf"(%x) : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %s = "nn.reduce_sum"(%x) {axes = [0, -1], keepdims = true} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
  %m = "nn.reduce_mean"(%x) {axes = [1]} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  %mx = "nn.reduce_max"(%ids) {axes = [0, 1]} : (tensor<2x7xi64>) -> tensor<i64>
  %mn = "nn.reduce_min"(%x) {axes = [2]} : (tensor<2x3x4xf32>) -> tensor<2x3xf32>
  %p = "nn.reduce_prod"(%ids) {axes = [1], keepdims = false} : (tensor<2x7xi64>) -> tensor<2xi64>
  %l = "nn.log_softmax"(%x) {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %sl = "nn.slice"(%ids) {starts = [1, 6], sizes = [2, 3], steps = [-1, -3]} : (tensor<2x7xi64>) -> tensor<2x3xi64>
  %g0 = "nn.gather"(%x, %i) {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<i32>) -> tensor<2x4xf32>
  %g = "nn.gather"(%x, %ids) {axis = -1 : i64} : (tensor<2x3x4xf32>, tensor<2x7xi64>) -> tensor<2x3x2x7xf32>
  %b = "nn.broadcast"(%ids) {shape = [3, 2, 7]} : (tensor<2x7xi64>) -> tensor<3x2x7xi64>
  return
}

// CHECK-LABEL: func.func @windows
// CHECK: "nn.conv_transpose2d"(%arg0, %arg1) <{dilations = [2, 1], output_padding = [1, 0], padding = [1, 0, 1, 0], strides = [2, 1]}> : (tensor<1x4x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x12x7xf32>
// CHECK: "nn.max_pool2d"(%arg0) <{ceil_mode = true, kernel = [2, 2], strides = [2, 2]}> : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
// CHECK: "nn.avg_pool2d"(%arg0) <{count_include_pad = true, kernel = [3, 3], padding = [1, 1, 1, 1], strides = [2, 2]}> : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
func.func @windows(%x: tensor<1x4x5x5xf32>, %w: tensor<4x2x3x3xf32>) {
  %y = "nn.conv_transpose2d"(%x, %w) {strides = [2, 1], padding = [1, 0, 1, 0], dilations = [2, 1], output_padding = [1, 0]} : (tensor<1x4x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x12x7xf32>
  %m = "nn.max_pool2d"(%x) {kernel = [2, 2], strides = [2, 2], ceil_mode = true} : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
  %a = "nn.avg_pool2d"(%x) {kernel = [3, 3], strides = [2, 2], padding = [1, 1, 1, 1], count_include_pad = true} : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
  return
}

// CHECK-LABEL: func.func @pads
// CHECK: "nn.pad"(%arg0) <{mode = "reflect", pads = [2, 0, 1, -1]}> : (tensor<3x4xi64>) -> tensor<6x3xi64>
// CHECK: "nn.pad"(%arg0) <{mode = "edge", pads = [0, 5, 0, 5]}> : (tensor<3x4xi64>) -> tensor<3x14xi64>
func.func @pads(%x: tensor<3x4xi64>) {
  %r = "nn.pad"(%x) {pads = [2, 0, 1, -1], mode = "reflect"} : (tensor<3x4xi64>) -> tensor<6x3xi64>
  %e = "nn.pad"(%x) {pads = [0, 5, 0, 5], mode = "edge"} : (tensor<3x4xi64>) -> tensor<3x14xi64>
  return
}

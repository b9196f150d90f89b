// egraph-opt models the ops the ONNX importer added (it used to leave a function holding one
// as written): erf joins fused kernels, and reductions, log-softmax, slices, gathers and
// broadcasts are written back with their attributes (a flag at its default left out).
// RUN: strata-opt %s --egraph-opt --egraph-stats 2>&1 | FileCheck %s
// CHECK-NOT: skipped, left as written
// CHECK-LABEL: func.func @bert_like
// CHECK:      "nn.gather"(%arg0, %arg1) <{axis = 0 : i64}> : (tensor<30x8xf32>, tensor<2x5xi64>) -> tensor<2x5x8xf32>
// CHECK:      "nn.reduce_mean"(%{{.*}}) <{axes = [-1], keepdims = true}> : (tensor<2x5x8xf32>) -> tensor<2x5x1xf32>
// CHECK:      "kernel.elementwise"
// CHECK:        math.erf
// CHECK:      "kernel.yield"
// CHECK:      "nn.log_softmax"(%{{.*}}) <{axis = -1 : i64}>
// CHECK:      "nn.slice"(%{{.*}}) <{sizes = [2, 1, 8], starts = [0, 4, 0], steps = [1, -1, 1]}>
// CHECK:      "nn.broadcast"(%{{.*}}) <{shape = [3, 2, 1, 8]}>
// CHECK:      "nn.reduce_max"(%{{.*}}) <{axes = [0, 2]}> : (tensor<3x2x1x8xf32>) -> tensor<2x8xf32>
// CHECK-LABEL: func.func @upsample
// CHECK:      "nn.conv_transpose2d"(%arg0, %arg1, %arg2) <{dilations = [1, 1], groups = 2 : i64, output_padding = [1, 1], padding = [1, 1, 1, 1], strides = [2, 2]}>
// CHECK:      "nn.max_pool2d"(%{{.*}}) <{ceil_mode = true, kernel = [2, 2], layout = "NCHW", padding = [0, 0, 0, 0], strides = [2, 2]}>
// CHECK:      "nn.avg_pool2d"(%{{.*}}) <{ceil_mode = true, count_include_pad = true, kernel = [3, 3], layout = "NCHW", padding = [1, 1, 1, 1], strides = [2, 2]}>
// CHECK:      "nn.avg_pool2d"(%{{.*}}) <{kernel = [2, 2], layout = "NCHW", padding = [0, 0, 0, 0], strides = [1, 1]}>
func.func @bert_like(%table: tensor<30x8xf32>, %ids: tensor<2x5xi64>) -> (tensor<2x5x8xf32>, tensor<2x8xf32>) {
  %e = "nn.gather"(%table, %ids) {axis = 0 : i64} : (tensor<30x8xf32>, tensor<2x5xi64>) -> tensor<2x5x8xf32>
  %m = "nn.reduce_mean"(%e) {axes = [-1], keepdims = true} : (tensor<2x5x8xf32>) -> tensor<2x5x1xf32>
  %c = "nn.sub"(%e, %m) : (tensor<2x5x8xf32>, tensor<2x5x1xf32>) -> tensor<2x5x8xf32>
  %r = "nn.erf"(%c) : (tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
  %a = "nn.add"(%r, %c) : (tensor<2x5x8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
  %l = "nn.log_softmax"(%a) {axis = -1 : i64} : (tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
  %s = "nn.slice"(%l) {starts = [0, 4, 0], sizes = [2, 1, 8], steps = [1, -1, 1]} : (tensor<2x5x8xf32>) -> tensor<2x1x8xf32>
  %b = "nn.broadcast"(%s) {shape = [3, 2, 1, 8]} : (tensor<2x1x8xf32>) -> tensor<3x2x1x8xf32>
  %x = "nn.reduce_max"(%b) {axes = [0, 2], keepdims = false} : (tensor<3x2x1x8xf32>) -> tensor<2x8xf32>
  return %l, %x : tensor<2x5x8xf32>, tensor<2x8xf32>
}
// Pools keep their flags (a default one left out); a transposed convolution its attributes.
func.func @upsample(%x: tensor<1x4x7x7xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<6xf32>) -> (tensor<1x6x7x7xf32>, tensor<1x6x8x8xf32>, tensor<1x4x6x6xf32>) {
  %u = "nn.conv_transpose2d"(%x, %w, %b) {strides = [2, 2], padding = [1, 1, 1, 1], output_padding = [1, 1], groups = 2 : i64} : (tensor<1x4x7x7xf32>, tensor<4x3x3x3xf32>, tensor<6xf32>) -> tensor<1x6x14x14xf32>
  %m = "nn.max_pool2d"(%u) {kernel = [2, 2], strides = [2, 2], ceil_mode = true} : (tensor<1x6x14x14xf32>) -> tensor<1x6x7x7xf32>
  %a = "nn.avg_pool2d"(%u) {kernel = [3, 3], strides = [2, 2], padding = [1, 1, 1, 1], ceil_mode = true, count_include_pad = true} : (tensor<1x6x14x14xf32>) -> tensor<1x6x8x8xf32>
  %p = "nn.avg_pool2d"(%x) {kernel = [2, 2], ceil_mode = false, count_include_pad = false} : (tensor<1x4x7x7xf32>) -> tensor<1x4x6x6xf32>
  return %m, %a, %p : tensor<1x6x7x7xf32>, tensor<1x6x8x8xf32>, tensor<1x4x6x6xf32>
}

// A kernel reads a broadcast's input (it broadcasts its inputs itself), unless that would
// change its shape; copies that move nothing go.
// CHECK-LABEL: func.func @expand
// CHECK-NOT:  "nn.slice"
// CHECK-NOT:  "nn.pad"
// CHECK:      %[[K:.*]] = "kernel.elementwise"(%arg0, %arg1) ({
// CHECK:      }) : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
// CHECK:      %[[B:.*]] = "nn.broadcast"(%arg1) <{shape = [5, 4]}>
// CHECK:      return %[[K]], %[[B]]
func.func @expand(%x: tensor<2x3x4xf32>, %b: tensor<4xf32>) -> (tensor<2x3x4xf32>, tensor<5x4xf32>) {
  %w = "nn.broadcast"(%b) {shape = [2, 3, 4]} : (tensor<4xf32>) -> tensor<2x3x4xf32>
  %s = "nn.slice"(%x) {starts = [0, 0, 0], sizes = [2, 3, 4], steps = [1, 1, 1]} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %p = "nn.pad"(%s) {pads = [0, 0, 0, 0, 0, 0], mode = "edge"} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %a = "nn.add"(%p, %w) : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %t = "nn.tanh"(%a) : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %e = "nn.broadcast"(%b) {shape = [5, 4]} : (tensor<4xf32>) -> tensor<5x4xf32>
  return %t, %e : tensor<2x3x4xf32>, tensor<5x4xf32>
}

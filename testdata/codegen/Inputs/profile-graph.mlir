// A convolution with a ReLU (fused), a pooling, a matmul with an add, a softmax and a
// transpose: several kinds of kernel, each large enough to take microseconds. The profile
// tests of both backends compile it (tools/tests/it/profile.rs, llvm/tests/it/differential.rs).
func.func @main(%x: tensor<1x8x32x32xf32>, %w: tensor<16x8x3x3xf32>, %b: tensor<16xf32>, %m: tensor<64x64xf32>, %n: tensor<64x64xf32>) -> (tensor<1x16x16x16xf32>, tensor<64x64xf32>) {
  %c = "nn.conv2d"(%x, %w, %b) {strides = [1, 1], padding = [1, 1, 1, 1]} : (tensor<1x8x32x32xf32>, tensor<16x8x3x3xf32>, tensor<16xf32>) -> tensor<1x16x32x32xf32>
  %r = "nn.relu"(%c) : (tensor<1x16x32x32xf32>) -> tensor<1x16x32x32xf32>
  %p = "nn.max_pool2d"(%r) {kernel = [2, 2], strides = [2, 2]} : (tensor<1x16x32x32xf32>) -> tensor<1x16x16x16xf32>
  %q = "nn.matmul"(%m, %n) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %s = "nn.softmax"(%q) {axis = 1 : i64} : (tensor<64x64xf32>) -> tensor<64x64xf32>
  %t = "nn.transpose"(%s) {perm = [1, 0]} : (tensor<64x64xf32>) -> tensor<64x64xf32>
  %u = "nn.add"(%t, %m) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  return %p, %u : tensor<1x16x16x16xf32>, tensor<64x64xf32>
}

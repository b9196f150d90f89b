// Softmax and layer norm along rows of 4096 f32, 16384 rows (256 MiB in, 256 MiB out), against
// the device copy and PyTorch in `gpu_peers.py rows softmax|layer_norm 16384 4096`.
func.func @softmax(%x: tensor<16384x4096xf32>) -> tensor<16384x4096xf32> {
  %y = "nn.softmax"(%x) {axis = 1 : i64} : (tensor<16384x4096xf32>) -> tensor<16384x4096xf32>
  return %y : tensor<16384x4096xf32>
}
func.func @layer_norm(%x: tensor<16384x4096xf32>, %g: tensor<4096xf32>, %b: tensor<4096xf32>) -> tensor<16384x4096xf32> {
  %y = "nn.layer_norm"(%x, %g, %b) {axis = -1 : i64, epsilon = 1.0e-05 : f32} : (tensor<16384x4096xf32>, tensor<4096xf32>, tensor<4096xf32>) -> tensor<16384x4096xf32>
  return %y : tensor<16384x4096xf32>
}

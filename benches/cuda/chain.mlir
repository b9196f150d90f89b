// The fused 8-op elementwise chain of `codegen --only elementwise`, on 256 M f32 (2 inputs,
// 1 output: 3 GiB moved a call): `strata-run chain.mlir --target cuda --random-inputs 1
// --benchmark 20`, against the device copy and torch.compile in `gpu_peers.py chain`.
func.func @chain(%x: tensor<268435456xf32>, %y: tensor<268435456xf32>) -> tensor<268435456xf32> {
  %a = "nn.add"(%x, %y) : (tensor<268435456xf32>, tensor<268435456xf32>) -> tensor<268435456xf32>
  %b = "nn.mul"(%a, %x) : (tensor<268435456xf32>, tensor<268435456xf32>) -> tensor<268435456xf32>
  %c = "nn.relu"(%b) : (tensor<268435456xf32>) -> tensor<268435456xf32>
  %d = "nn.sub"(%c, %y) : (tensor<268435456xf32>, tensor<268435456xf32>) -> tensor<268435456xf32>
  %e = "nn.neg"(%d) : (tensor<268435456xf32>) -> tensor<268435456xf32>
  %f = "nn.max"(%e, %a) : (tensor<268435456xf32>, tensor<268435456xf32>) -> tensor<268435456xf32>
  %g = "nn.mul"(%f, %f) : (tensor<268435456xf32>, tensor<268435456xf32>) -> tensor<268435456xf32>
  %h = "nn.add"(%g, %x) : (tensor<268435456xf32>, tensor<268435456xf32>) -> tensor<268435456xf32>
  return %h : tensor<268435456xf32>
}

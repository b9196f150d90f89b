// SGEMM 4096³ in f32 (`strata-run sgemm.mlir --target cuda --random-inputs 1 --benchmark 10`),
// against cuBLAS in `gpu_peers.py sgemm 4096` (TF32 off).
func.func @sgemm(%a: tensor<4096x4096xf32>, %b: tensor<4096x4096xf32>) -> tensor<4096x4096xf32> {
  %c = "nn.matmul"(%a, %b) : (tensor<4096x4096xf32>, tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  return %c : tensor<4096x4096xf32>
}

func.func @e(%x: tensor<8xf64>) -> tensor<8xf64> {
  %a = "nn.exp"(%x) : (tensor<8xf64>) -> tensor<8xf64>
  return %a : tensor<8xf64>
}

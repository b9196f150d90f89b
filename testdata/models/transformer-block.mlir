func.func @transformer_block(%tokens: tensor<64x256xf32>) -> (tensor<64x256xf32>) {
  %0 = "nn.constant"() {value = dense<7.031250e-2> : tensor<256x256xf32>} : () -> tensor<256x256xf32>
  %1 = "nn.constant"() {value = dense<1.250000e-2> : tensor<256xf32>} : () -> tensor<256xf32>
  %2 = "nn.matmul"(%tokens, %0) : (tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32>
  %3 = "nn.add"(%2, %1) : (tensor<64x256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %4 = "nn.constant"() {value = dense<8.593750e-2> : tensor<256x256xf32>} : () -> tensor<256x256xf32>
  %5 = "nn.constant"() {value = dense<1.500000e-2> : tensor<256xf32>} : () -> tensor<256xf32>
  %6 = "nn.matmul"(%tokens, %4) : (tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32>
  %7 = "nn.add"(%6, %5) : (tensor<64x256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %8 = "nn.constant"() {value = dense<1.015625e-1> : tensor<256x256xf32>} : () -> tensor<256x256xf32>
  %9 = "nn.constant"() {value = dense<1.750000e-2> : tensor<256xf32>} : () -> tensor<256xf32>
  %10 = "nn.matmul"(%tokens, %8) : (tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32>
  %11 = "nn.add"(%10, %9) : (tensor<64x256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %12 = "nn.reshape"(%3) {shape = [64, 4, 64]} : (tensor<64x256xf32>) -> tensor<64x4x64xf32>
  %13 = "nn.transpose"(%12) {perm = [1, 0, 2]} : (tensor<64x4x64xf32>) -> tensor<4x64x64xf32>
  %14 = "nn.reshape"(%7) {shape = [64, 4, 64]} : (tensor<64x256xf32>) -> tensor<64x4x64xf32>
  %15 = "nn.transpose"(%14) {perm = [1, 2, 0]} : (tensor<64x4x64xf32>) -> tensor<4x64x64xf32>
  %16 = "nn.reshape"(%11) {shape = [64, 4, 64]} : (tensor<64x256xf32>) -> tensor<64x4x64xf32>
  %17 = "nn.transpose"(%16) {perm = [1, 0, 2]} : (tensor<64x4x64xf32>) -> tensor<4x64x64xf32>
  %18 = "nn.matmul"(%13, %15) : (tensor<4x64x64xf32>, tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  %19 = "nn.constant"() {value = dense<1.250000e-1> : tensor<1xf32>} : () -> tensor<1xf32>
  %20 = "nn.mul"(%18, %19) : (tensor<4x64x64xf32>, tensor<1xf32>) -> tensor<4x64x64xf32>
  %21 = "nn.softmax"(%20) {axis = -1 : i64} : (tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  %22 = "nn.matmul"(%21, %17) : (tensor<4x64x64xf32>, tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  %23 = "nn.transpose"(%22) {perm = [1, 0, 2]} : (tensor<4x64x64xf32>) -> tensor<64x4x64xf32>
  %24 = "nn.reshape"(%23) {shape = [64, 256]} : (tensor<64x4x64xf32>) -> tensor<64x256xf32>
  %25 = "nn.constant"() {value = dense<7.031250e-2> : tensor<256x256xf32>} : () -> tensor<256x256xf32>
  %26 = "nn.constant"() {value = dense<1.250000e-2> : tensor<256xf32>} : () -> tensor<256xf32>
  %27 = "nn.matmul"(%24, %25) : (tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32>
  %28 = "nn.add"(%27, %26) : (tensor<64x256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %29 = "nn.add"(%28, %tokens) : (tensor<64x256xf32>, tensor<64x256xf32>) -> tensor<64x256xf32>
  %30 = "nn.constant"() {value = dense<1.375000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %31 = "nn.constant"() {value = dense<0.000000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %32 = "nn.layer_norm"(%29, %30, %31) {axis = -1 : i64, epsilon = 1.0e-05 : f32} : (tensor<64x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %33 = "nn.constant"() {value = dense<1.015625e-1> : tensor<256x1024xf32>} : () -> tensor<256x1024xf32>
  %34 = "nn.constant"() {value = dense<1.750000e-2> : tensor<1024xf32>} : () -> tensor<1024xf32>
  %35 = "nn.matmul"(%32, %33) : (tensor<64x256xf32>, tensor<256x1024xf32>) -> tensor<64x1024xf32>
  %36 = "nn.add"(%35, %34) : (tensor<64x1024xf32>, tensor<1024xf32>) -> tensor<64x1024xf32>
  %37 = "nn.gelu"(%36) : (tensor<64x1024xf32>) -> tensor<64x1024xf32>
  %38 = "nn.constant"() {value = dense<3.125000e-2> : tensor<1024x256xf32>} : () -> tensor<1024x256xf32>
  %39 = "nn.constant"() {value = dense<1.125000e-2> : tensor<256xf32>} : () -> tensor<256xf32>
  %40 = "nn.matmul"(%37, %38) : (tensor<64x1024xf32>, tensor<1024x256xf32>) -> tensor<64x256xf32>
  %41 = "nn.add"(%40, %39) : (tensor<64x256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %42 = "nn.add"(%41, %32) : (tensor<64x256xf32>, tensor<64x256xf32>) -> tensor<64x256xf32>
  %43 = "nn.constant"() {value = dense<1.250000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %44 = "nn.constant"() {value = dense<0.000000e0> : tensor<256xf32>} : () -> tensor<256xf32>
  %45 = "nn.layer_norm"(%42, %43, %44) {axis = -1 : i64, epsilon = 1.0e-05 : f32} : (tensor<64x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  return %45 : tensor<64x256xf32>
}

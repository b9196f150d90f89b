// Shape errors name the operand and the dimension.
// RUN: strata-opt %s --split-input-file --verify-diagnostics

func.func @weight_channels(%x: tensor<1x8x5x5xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{operand #1 (weight): dimension 1 is 3, but the input has 8 channels in 1 groups: 8 per group}}
  %c = "nn.conv2d"(%x, %w) : (tensor<1x8x5x5xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32>
  return
}

// -----

func.func @wrong_result(%x: tensor<1x8x5x5xf32>, %w: tensor<4x8x3x3xf32>) {
  // expected-error@+1 {{result #0 has type tensor<1x4x5x5xf32>, but its operands and attributes give tensor<1x4x3x3xf32>}}
  %c = "nn.conv2d"(%x, %w) : (tensor<1x8x5x5xf32>, tensor<4x8x3x3xf32>) -> tensor<1x4x5x5xf32>
  return
}

// -----

func.func @bias(%x: tensor<1x8x5x5xf32>, %w: tensor<4x8x3x3xf32>, %b: tensor<8xf32>) {
  // expected-error@+1 {{operand #2 (bias): the bias has shape [8], not [4] (one per output channel)}}
  %c = "nn.conv2d"(%x, %w, %b) : (tensor<1x8x5x5xf32>, tensor<4x8x3x3xf32>, tensor<8xf32>) -> tensor<1x4x3x3xf32>
  return
}

// -----

func.func @broadcast(%a: tensor<3x4xf32>, %b: tensor<5xf32>) {
  // expected-error@+1 {{shapes [3x4] and [5] do not broadcast: dimension 1 of the result is 4 in one and 5 in the other}}
  %c = "nn.add"(%a, %b) : (tensor<3x4xf32>, tensor<5xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @matmul(%a: tensor<3x4xf32>, %b: tensor<5x6xf32>) {
  // expected-error@+1 {{operand #1 (rhs): dimension 0 (K) is 5, but the lhs has K = 4}}
  %c = "nn.matmul"(%a, %b) : (tensor<3x4xf32>, tensor<5x6xf32>) -> tensor<3x6xf32>
  return
}

// -----

func.func @batch_norm(%x: tensor<1x8x5x5xf32>, %s: tensor<8xf32>, %v: tensor<4xf32>) {
  // expected-error@+1 {{operand #4 (var): shape [4] should be [8], one value per channel (dimension 1 of x)}}
  %c = "nn.batch_norm"(%x, %s, %s, %s, %v) : (tensor<1x8x5x5xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<4xf32>) -> tensor<1x8x5x5xf32>
  return
}

// -----

func.func @layout(%x: tensor<1x8x5x5xf32>, %w: tensor<4x8x3x3xf32>) {
  // expected-error@+1 {{attribute 'layout' must be one of "NCHW", "NHWC", "NCHW4c", "NCHW8c"}}
  %c = "nn.conv2d"(%x, %w) {layout = "CHWN"} : (tensor<1x8x5x5xf32>, tensor<4x8x3x3xf32>) -> tensor<1x4x3x3xf32>
  return
}

// -----

func.func @algorithm(%x: tensor<1x8x5x5xf32>, %w: tensor<4x8x3x3xf32>) {
  // expected-error@+1 {{attribute 'algorithm' must be one of direct, im2col_gemm, winograd_f2x3, winograd_f4x3, winograd_f4x2_s2, fft, implicit_gemm}}
  %c = "nn.conv2d"(%x, %w) {algorithm = "magic"} : (tensor<1x8x5x5xf32>, tensor<4x8x3x3xf32>) -> tensor<1x4x3x3xf32>
  return
}

// -----

func.func @reshape(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{cannot reshape [2x3] (6 elements) into [4x2]}}
  %c = "nn.reshape"(%x) {shape = [4, 2]} : (tensor<2x3xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @split(%x: tensor<4x6xf32>) {
  // expected-error@+1 {{sizes [2x3] do not add up to dimension 1 (6)}}
  %a:2 = "nn.split"(%x) {axis = 1 : i64, sizes = [2, 3]} : (tensor<4x6xf32>) -> (tensor<4x2xf32>, tensor<4x3xf32>)
  return
}

// -----

func.func @pool(%x: tensor<1x8x5x5xf32>) {
  // expected-error@+1 {{the 7x7 window does not fit the padded 5x5 input}}
  %c = "nn.max_pool2d"(%x) {kernel = [7, 7]} : (tensor<1x8x5x5xf32>) -> tensor<1x8x1x1xf32>
  return
}

// -----

func.func @unary_int(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi32>'}}
  %c = "nn.sigmoid"(%x) : (tensor<4xi32>) -> tensor<4xi32>
  return
}

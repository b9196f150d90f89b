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

// -----

func.func @reduce_axes_twice(%x: tensor<2x3x4xf32>) {
  // expected-error@+1 {{axes [1, -2] name dimension 1 twice}}
  %r = "nn.reduce_sum"(%x) {axes = [1, -2]} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @reduce_axes_range(%x: tensor<2x3x4xf32>) {
  // expected-error@+1 {{axes: axis -4 is out of range for rank 3}}
  %r = "nn.reduce_max"(%x) {axes = [-4]} : (tensor<2x3x4xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @reduce_axes_empty(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{axes must name at least one dimension}}
  %r = "nn.reduce_min"(%x) {axes = []} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_keepdims(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{result #0 has type tensor<2xf32>, but its operands and attributes give tensor<2x1xf32>}}
  %r = "nn.reduce_prod"(%x) {axes = [1], keepdims = true} : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @reduce_keepdims_type(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{attribute 'keepdims' failed to satisfy constraint: bool attribute (true or false)}}
  %r = "nn.reduce_sum"(%x) {axes = [1], keepdims = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return
}

// -----

func.func @reduce_mean_integers(%x: tensor<2x3xi32>) {
  // expected-error@+1 {{ranked tensor of floating-point values}}
  %r = "nn.reduce_mean"(%x) {axes = [1]} : (tensor<2x3xi32>) -> tensor<2xi32>
  return
}

// -----

func.func @slice_bounds(%x: tensor<5x4xf32>) {
  // expected-error@+1 {{operand #0 (input): dimension 0 has size 5, but the last index the slice reads there is 6 (start 2, size 3, step 2)}}
  %s = "nn.slice"(%x) {starts = [2, 0], sizes = [3, 4], steps = [2, 1]} : (tensor<5x4xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @slice_backwards(%x: tensor<5x4xf32>) {
  // expected-error@+1 {{operand #0 (input): dimension 1 has size 4, but the last index the slice reads there is -1 (start 1, size 2, step -2)}}
  %s = "nn.slice"(%x) {starts = [0, 1], sizes = [5, 2], steps = [1, -2]} : (tensor<5x4xf32>) -> tensor<5x2xf32>
  return
}

// -----

func.func @slice_step(%x: tensor<5x4xf32>) {
  // expected-error@+1 {{steps[1] is 0}}
  %s = "nn.slice"(%x) {starts = [0, 1], sizes = [5, 2], steps = [1, 0]} : (tensor<5x4xf32>) -> tensor<5x2xf32>
  return
}

// -----

func.func @slice_rank(%x: tensor<5x4xf32>) {
  // expected-error@+1 {{sizes has 1 entries; the input has rank 2}}
  %s = "nn.slice"(%x) {starts = [0, 1], sizes = [5], steps = [1, 1]} : (tensor<5x4xf32>) -> tensor<5xf32>
  return
}

// -----

func.func @gather_index_type(%x: tensor<5x4xf32>, %i: tensor<3xf32>) {
  // expected-error@+1 {{operand #1 (indices): indices are i32 or i64, not f32}}
  %g = "nn.gather"(%x, %i) {axis = 0 : i64} : (tensor<5x4xf32>, tensor<3xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @gather_shape(%x: tensor<5x4xf32>, %i: tensor<2x3xi64>) {
  // expected-error@+1 {{result #0 has type tensor<2x3x4xf32>, but its operands and attributes give tensor<5x2x3xf32>}}
  %g = "nn.gather"(%x, %i) {axis = -1 : i64} : (tensor<5x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @broadcast_to(%x: tensor<3x2xi64>) {
  // expected-error@+1 {{operand #0 (input): dimension 1 is 2, which does not broadcast to 4 (dimension 2 of shape [2, 3, 4])}}
  %b = "nn.broadcast"(%x) {shape = [2, 3, 4]} : (tensor<3x2xi64>) -> tensor<2x3x4xi64>
  return
}

// -----

// onnxruntime's ceil_mode: a last window that would start in the trailing padding is dropped
// (rows 0 and 3 of 6 for a 1-row window every 3; ONNX's shape inference would say 3).
func.func @pool_ceil_mode(%x: tensor<1x1x6x6xf32>) {
  // expected-error@+1 {{result #0 has type tensor<1x1x3x3xf32>, but its operands and attributes give tensor<1x1x2x2xf32>}}
  %p = "nn.max_pool2d"(%x) {kernel = [1, 1], strides = [3, 3], ceil_mode = true} : (tensor<1x1x6x6xf32>) -> tensor<1x1x3x3xf32>
  return
}

// -----

func.func @pool_flag(%x: tensor<1x1x6x6xf32>) {
  // expected-error@+1 {{attribute 'count_include_pad' failed to satisfy constraint: bool attribute (true or false)}}
  %p = "nn.avg_pool2d"(%x) {kernel = [2, 2], count_include_pad = "yes"} : (tensor<1x1x6x6xf32>) -> tensor<1x1x5x5xf32>
  return
}

// -----

func.func @conv_transpose_weight(%x: tensor<1x4x5x5xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error@+1 {{operand #1 (weight): dimension 0 is 3, but the input has 4 channels}}
  %y = "nn.conv_transpose2d"(%x, %w) : (tensor<1x4x5x5xf32>, tensor<3x2x3x3xf32>) -> tensor<1x2x7x7xf32>
  return
}

// -----

func.func @conv_transpose_output_padding(%x: tensor<1x4x5x5xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error@+1 {{output_padding[0] is 2; it must be at least 0 and below the stride (2)}}
  %y = "nn.conv_transpose2d"(%x, %w) {strides = [2, 2], output_padding = [2, 0]} : (tensor<1x4x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x13x11xf32>
  return
}

// -----

func.func @conv_transpose_bias(%x: tensor<1x4x5x5xf32>, %w: tensor<4x2x3x3xf32>, %b: tensor<2xf32>) {
  // expected-error@+1 {{operand #2 (bias): the bias has shape [2], not [4] (one per output channel)}}
  %y = "nn.conv_transpose2d"(%x, %w, %b) {groups = 2 : i64} : (tensor<1x4x5x5xf32>, tensor<4x2x3x3xf32>, tensor<2xf32>) -> tensor<1x4x7x7xf32>
  return
}

// -----

func.func @pad_reflect(%x: tensor<3x4xf32>) {
  // expected-error@+1 {{a pad of 3 in reflect mode does not fit dimension 0 of size 3 (it mirrors at most the size less one)}}
  %p = "nn.pad"(%x) {pads = [3, 0, 0, 0], mode = "reflect"} : (tensor<3x4xf32>) -> tensor<6x4xf32>
  return
}

// -----

func.func @pad_mode(%x: tensor<3x4xf32>) {
  // expected-error@+1 {{attribute 'mode' must be one of "constant", "reflect", "edge"}}
  %p = "nn.pad"(%x) {pads = [1, 0, 0, 0], mode = "wrap"} : (tensor<3x4xf32>) -> tensor<4x4xf32>
  return
}

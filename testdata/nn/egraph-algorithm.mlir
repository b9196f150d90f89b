// Convolution algorithm selection: Winograd only for 3x3 (stride 2 in its phase form, where
// the layout is blocked), FFT only for large kernels,
// implicit GEMM only on the GPU, where the candidates are those measured there: the direct
// convolution (the tiled implicit GEMM, under either name) and Winograd F(2×2,3×3); an
// algorithm written in the input is kept.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{rules=algorithm}))' | FileCheck %s
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{rules=algorithm target=gpu}))' | FileCheck %s --check-prefix=GPU

// CHECK-LABEL: func.func @three_by_three
// CHECK:         algorithm = "winograd_f4x3"
// GPU-LABEL: func.func @three_by_three
// GPU:         algorithm = "direct"
func.func @three_by_three(%x: tensor<1x64x56x56xf32>, %w: tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32> {
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1]} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  return %c : tensor<1x64x56x56xf32>
}

// Stride 2 in NCHW: im2col (Winograd's phase form pays only in a blocked layout).
// CHECK-LABEL: func.func @strided
// CHECK-NOT:     winograd
// CHECK:         algorithm = "im2col_gemm"
// GPU-LABEL: func.func @strided
// GPU:         algorithm = "direct"
func.func @strided(%x: tensor<1x64x56x56xf32>, %w: tensor<128x64x3x3xf32>) -> tensor<1x128x28x28xf32> {
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x64x56x56xf32>, tensor<128x64x3x3xf32>) -> tensor<1x128x28x28xf32>
  return %c : tensor<1x128x28x28xf32>
}

// Stride 2 in NCHW8c with many output tiles (ResNet-18's first stride-2 layer): Winograd
// F(4x4, 2x2) over the four phases of the input.
// CHECK-LABEL: func.func @strided_blocked
// CHECK:         algorithm = "winograd_f4x2_s2"
// GPU-LABEL: func.func @strided_blocked
// GPU-NOT:       winograd
// GPU:           algorithm = "implicit_gemm"
func.func @strided_blocked(%x: tensor<1x8x56x56x8xf32>, %w: tensor<128x64x3x3xf32>) -> tensor<1x16x28x28x8xf32> {
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1], strides = [2, 2], layout = "NCHW8c"} : (tensor<1x8x56x56x8xf32>, tensor<128x64x3x3xf32>) -> tensor<1x16x28x28x8xf32>
  return %c : tensor<1x16x28x28x8xf32>
}

// An 11x11 kernel at stride 1 over many channels: FFT.
// CHECK-LABEL: func.func @large_kernel
// CHECK:         algorithm = "fft"
func.func @large_kernel(%x: tensor<1x64x64x64xf32>, %w: tensor<64x64x11x11xf32>) -> tensor<1x64x64x64xf32> {
  %c = "nn.conv2d"(%x, %w) {padding = [5, 5, 5, 5]} : (tensor<1x64x64x64xf32>, tensor<64x64x11x11xf32>) -> tensor<1x64x64x64xf32>
  return %c : tensor<1x64x64x64xf32>
}

// Depthwise 3x3: one group per channel, no Winograd; the chosen algorithm is written.
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT:     winograd
// CHECK:         algorithm = "{{direct|im2col_gemm}}"
func.func @depthwise(%x: tensor<1x32x56x56xf32>, %w: tensor<32x1x3x3xf32>) -> tensor<1x32x56x56xf32> {
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1], groups = 32 : i64} : (tensor<1x32x56x56xf32>, tensor<32x1x3x3xf32>) -> tensor<1x32x56x56xf32>
  return %c : tensor<1x32x56x56xf32>
}

// A fixed algorithm stays.
// CHECK-LABEL: func.func @fixed
// CHECK:         algorithm = "direct"
func.func @fixed(%x: tensor<1x64x56x56xf32>, %w: tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32> {
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1], algorithm = "direct"} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  return %c : tensor<1x64x56x56xf32>
}

// On the GPU, a wide layer at batch 32 (ResNet-18's last stage): Winograd F(2×2,3×3) is a
// candidate, but the implicit GEMM with K split in parts is as fast (on an H100 0.40 ms against
// 0.41; F(4×4,3×3) 0.58) and costs less in the model.
// GPU-LABEL: func.func @wide_batch
// GPU:         algorithm = "direct"
func.func @wide_batch(%x: tensor<32x512x7x7xf32>, %w: tensor<512x512x3x3xf32>) -> tensor<32x512x7x7xf32> {
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1]} : (tensor<32x512x7x7xf32>, tensor<512x512x3x3xf32>) -> tensor<32x512x7x7xf32>
  return %c : tensor<32x512x7x7xf32>
}

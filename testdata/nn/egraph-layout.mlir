// Layout propagation: each target's layouts are candidates for every convolution and pool;
// relayouts move through elementwise ops and cancel, and extraction picks the layouts of the
// whole graph at once. The first convolution has 3 input channels, which no blocked layout
// fits: on x86-64 it runs NHWC (its im2col is channels-last whatever the layout, and NHWC
// spares the result a pass of its own), on AArch64 NCHW; the 64-channel stretch runs blocked
// to the end, where the global average pool (NCHW only) becomes a mean over the spatial axes
// and the relayout moves to its 1×1 result. The optimized graph computes what the original does.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{target=x86-64}))' | FileCheck %s --check-prefix=X86
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{target=aarch64}))' | FileCheck %s --check-prefix=ARM
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{target=gpu}))' | FileCheck %s --check-prefix=GPU
// Without the layout family nothing changes layout.
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{rules=simplify,fusion,algorithm}))' | FileCheck %s --check-prefix=NONE
// RUN: rm -rf %t && strata-run %s --entry chain --random-inputs 3 --output-dir %t > /dev/null
// RUN: strata-run %s --entry chain --input %t/input0.npy --input %t/input1.npy --input %t/input2.npy --input %t/input3.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=x86-64}))' --compare %t/output0.npy | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry chain --input %t/input0.npy --input %t/input1.npy --input %t/input2.npy --input %t/input3.npy --pass-pipeline='builtin.module(func.func(egraph-opt{target=aarch64}))' --compare %t/output0.npy | FileCheck %s --check-prefix=SAME
// SAME: compare: all 1 outputs match

// X86-LABEL: func.func @chain
// X86:         "nn.relayout"(%arg0) <{from = "NCHW", to = "NHWC"}>
// X86:         "kernel.conv2d"({{.*}}layout = "NHWC"
// X86:         "nn.relayout"({{.*}}from = "NHWC", to = "NCHW8c"
// X86:         "kernel.conv2d"({{.*}}layout = "NCHW8c"
// X86:         "nn.max_pool2d"({{.*}}layout = "NCHW8c"
// X86:         "nn.reduce_mean"({{.*}}axes = [2, 3], keepdims = true
// X86:         "nn.relayout"({{.*}}from = "NCHW8c", to = "NCHW"{{.*}}tensor<1x8x1x1x8xf32>
// X86-NOT:     "nn.relayout"
// ARM-LABEL: func.func @chain
// ARM:         "nn.relayout"({{.*}}from = "NCHW", to = "NCHW4c"
// ARM:         "kernel.conv2d"({{.*}}layout = "NCHW4c"
// ARM:         "nn.max_pool2d"({{.*}}layout = "NCHW4c"
// ARM:         "nn.reduce_mean"({{.*}}axes = [2, 3], keepdims = true
// ARM:         "nn.relayout"({{.*}}from = "NCHW4c", to = "NCHW"{{.*}}tensor<1x16x1x1x4xf32>
// ARM-NOT:     "nn.relayout"
// NONE-LABEL: func.func @chain
// NONE-NOT:    relayout
// NONE-NOT:    NCHW8c
func.func @chain(%x: tensor<1x3x56x56xf32>, %w0: tensor<64x3x3x3xf32>, %w1: tensor<64x64x3x3xf32>, %w2: tensor<64x64x3x3xf32>) -> tensor<1x64x1x1xf32> {
  %c0 = "nn.conv2d"(%x, %w0) {padding = [1, 1, 1, 1]} : (tensor<1x3x56x56xf32>, tensor<64x3x3x3xf32>) -> tensor<1x64x56x56xf32>
  %r0 = "nn.relu"(%c0) : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %c1 = "nn.conv2d"(%r0, %w1) {padding = [1, 1, 1, 1]} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  %r1 = "nn.relu"(%c1) : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  %p = "nn.max_pool2d"(%r1) {kernel = [2, 2], strides = [2, 2]} : (tensor<1x64x56x56xf32>) -> tensor<1x64x28x28xf32>
  %c2 = "nn.conv2d"(%p, %w2) {padding = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x64x28x28xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x14x14xf32>
  %a = "nn.add"(%c2, %c2) : (tensor<1x64x14x14xf32>, tensor<1x64x14x14xf32>) -> tensor<1x64x14x14xf32>
  %g = "nn.global_avg_pool2d"(%a) : (tensor<1x64x14x14xf32>) -> tensor<1x64x1x1xf32>
  return %g : tensor<1x64x1x1xf32>
}

// On the GPU, wide convolutions at batch 32 run as the tiled implicit GEMM, which reads NCHW as
// fast as NHWC (so no relayouts pay); both relus join the epilogues.
// GPU-LABEL: func.func @gpu
// GPU-NOT:     nn.relayout
// GPU:         "kernel.conv2d"({{.*}}algorithm = "direct"{{.*}}layout = "NCHW"
// GPU:           arith.maximumf
// GPU:         "kernel.conv2d"({{.*}}algorithm = "direct"{{.*}}layout = "NCHW"
// GPU:           arith.maximumf
// GPU-NOT:     nn.relayout
// GPU:         return
func.func @gpu(%x: tensor<32x256x28x28xf32>, %w1: tensor<256x256x3x3xf32>, %w2: tensor<256x256x3x3xf32>) -> tensor<32x256x7x7xf32> {
  %c1 = "nn.conv2d"(%x, %w1) {padding = [1, 1, 1, 1], strides = [2, 2]} : (tensor<32x256x28x28xf32>, tensor<256x256x3x3xf32>) -> tensor<32x256x14x14xf32>
  %r1 = "nn.relu"(%c1) : (tensor<32x256x14x14xf32>) -> tensor<32x256x14x14xf32>
  %c2 = "nn.conv2d"(%r1, %w2) {padding = [1, 1, 1, 1], strides = [2, 2]} : (tensor<32x256x14x14xf32>, tensor<256x256x3x3xf32>) -> tensor<32x256x7x7xf32>
  %r2 = "nn.relu"(%c2) : (tensor<32x256x7x7xf32>) -> tensor<32x256x7x7xf32>
  return %r2 : tensor<32x256x7x7xf32>
}

// ResNet-18's 3×3 stride-1 layers at batch 32 in f32, each written at the kernel level with
// its algorithm fixed (bias and ReLU fused), so the tiled contractions and the Winograd
// transforms are timed alone, against cuDNN in `gpu_peers.py conv C HW 32`:
//
//   strata-run convs.mlir --entry l1_direct --target cuda --random-inputs 1 --benchmark 10 \
//     --pass-pipeline="$(strata-run --print-cuda-pipeline ...)"   (see device.sh: the CUDA
//     pipeline without egraph-opt)

func.func @l1_direct(%x: tensor<32x64x56x56xf32>, %w: tensor<64x64x3x3xf32>, %b: tensor<64xf32>) -> tensor<32x64x56x56xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "direct", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<32x64x56x56xf32>
  return %y : tensor<32x64x56x56xf32>
}
func.func @l1_winograd_f2x3(%x: tensor<32x64x56x56xf32>, %w: tensor<64x64x3x3xf32>, %b: tensor<64xf32>) -> tensor<32x64x56x56xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "winograd_f2x3", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<32x64x56x56xf32>
  return %y : tensor<32x64x56x56xf32>
}
func.func @l1_winograd_f4x3(%x: tensor<32x64x56x56xf32>, %w: tensor<64x64x3x3xf32>, %b: tensor<64xf32>) -> tensor<32x64x56x56xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "winograd_f4x3", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<32x64x56x56xf32>
  return %y : tensor<32x64x56x56xf32>
}
func.func @l2_direct(%x: tensor<32x128x28x28xf32>, %w: tensor<128x128x3x3xf32>, %b: tensor<128xf32>) -> tensor<32x128x28x28xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "direct", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x128x28x28xf32>, tensor<128x128x3x3xf32>, tensor<128xf32>) -> tensor<32x128x28x28xf32>
  return %y : tensor<32x128x28x28xf32>
}
func.func @l2_winograd_f2x3(%x: tensor<32x128x28x28xf32>, %w: tensor<128x128x3x3xf32>, %b: tensor<128xf32>) -> tensor<32x128x28x28xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "winograd_f2x3", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x128x28x28xf32>, tensor<128x128x3x3xf32>, tensor<128xf32>) -> tensor<32x128x28x28xf32>
  return %y : tensor<32x128x28x28xf32>
}
func.func @l2_winograd_f4x3(%x: tensor<32x128x28x28xf32>, %w: tensor<128x128x3x3xf32>, %b: tensor<128xf32>) -> tensor<32x128x28x28xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "winograd_f4x3", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x128x28x28xf32>, tensor<128x128x3x3xf32>, tensor<128xf32>) -> tensor<32x128x28x28xf32>
  return %y : tensor<32x128x28x28xf32>
}
func.func @l3_direct(%x: tensor<32x256x14x14xf32>, %w: tensor<256x256x3x3xf32>, %b: tensor<256xf32>) -> tensor<32x256x14x14xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "direct", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x256x14x14xf32>, tensor<256x256x3x3xf32>, tensor<256xf32>) -> tensor<32x256x14x14xf32>
  return %y : tensor<32x256x14x14xf32>
}
func.func @l3_winograd_f2x3(%x: tensor<32x256x14x14xf32>, %w: tensor<256x256x3x3xf32>, %b: tensor<256xf32>) -> tensor<32x256x14x14xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "winograd_f2x3", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x256x14x14xf32>, tensor<256x256x3x3xf32>, tensor<256xf32>) -> tensor<32x256x14x14xf32>
  return %y : tensor<32x256x14x14xf32>
}
func.func @l3_winograd_f4x3(%x: tensor<32x256x14x14xf32>, %w: tensor<256x256x3x3xf32>, %b: tensor<256xf32>) -> tensor<32x256x14x14xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "winograd_f4x3", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x256x14x14xf32>, tensor<256x256x3x3xf32>, tensor<256xf32>) -> tensor<32x256x14x14xf32>
  return %y : tensor<32x256x14x14xf32>
}
func.func @l4_direct(%x: tensor<32x512x7x7xf32>, %w: tensor<512x512x3x3xf32>, %b: tensor<512xf32>) -> tensor<32x512x7x7xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "direct", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x512x7x7xf32>, tensor<512x512x3x3xf32>, tensor<512xf32>) -> tensor<32x512x7x7xf32>
  return %y : tensor<32x512x7x7xf32>
}
func.func @l4_winograd_f2x3(%x: tensor<32x512x7x7xf32>, %w: tensor<512x512x3x3xf32>, %b: tensor<512xf32>) -> tensor<32x512x7x7xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "winograd_f2x3", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x512x7x7xf32>, tensor<512x512x3x3xf32>, tensor<512xf32>) -> tensor<32x512x7x7xf32>
  return %y : tensor<32x512x7x7xf32>
}
func.func @l4_winograd_f4x3(%x: tensor<32x512x7x7xf32>, %w: tensor<512x512x3x3xf32>, %b: tensor<512xf32>) -> tensor<32x512x7x7xf32> {
  %y = "kernel.conv2d"(%x, %w, %b) <{algorithm = "winograd_f4x3", dilations = [1, 1], groups = 1 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%v: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %r = arith.maximumf %v, %zero : f32
    "kernel.yield"(%r) : (f32) -> ()
  }) : (tensor<32x512x7x7xf32>, tensor<512x512x3x3xf32>, tensor<512xf32>) -> tensor<32x512x7x7xf32>
  return %y : tensor<32x512x7x7xf32>
}

// plan-memory: a fused convolution whose epilogue adds the convolution's own input reads that
// input at other positions too, so its result must not take the input's buffer; an epilogue
// operand used only by the epilogue may be written over.
// RUN: strata-opt %s --plan-memory | FileCheck %s

// CHECK-LABEL: func.func @own_input
// CHECK: %[[X:.*]] = "nn.relu"(%arg0) {plan.offset = 0 : i64}
// CHECK: "kernel.conv2d"(%[[X]], %{{.*}}, %[[X]])
// CHECK: }) {plan.offset = 1600 : i64}
func.func @own_input(%a: tensor<1x16x5x5xf32>, %w: tensor<16x1x3x3xf32>) -> tensor<1x16x5x5xf32> {
  %x = "nn.relu"(%a) : (tensor<1x16x5x5xf32>) -> tensor<1x16x5x5xf32>
  %y = "kernel.conv2d"(%x, %w, %x) <{dilations = [1, 1], groups = 16 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 0, 1>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%acc: f32, %r: f32):
    %m = arith.maximumf %r, %acc : f32
    "kernel.yield"(%m) : (f32) -> ()
  }) : (tensor<1x16x5x5xf32>, tensor<16x1x3x3xf32>, tensor<1x16x5x5xf32>) -> tensor<1x16x5x5xf32>
  return %y : tensor<1x16x5x5xf32>
}

// CHECK-LABEL: func.func @other_residual
// CHECK: %[[R:.*]] = "nn.relu"(%arg1) {plan.offset = 0 : i64}
// CHECK: "kernel.conv2d"(%arg0, %{{.*}}, %[[R]])
// CHECK: }) {plan.offset = 0 : i64}
func.func @other_residual(%a: tensor<1x16x5x5xf32>, %b: tensor<1x16x5x5xf32>, %w: tensor<16x1x3x3xf32>) -> tensor<1x16x5x5xf32> {
  %r = "nn.relu"(%b) : (tensor<1x16x5x5xf32>) -> tensor<1x16x5x5xf32>
  %y = "kernel.conv2d"(%a, %w, %r) <{dilations = [1, 1], groups = 16 : i64, layout = "NCHW", operandSegmentSizes = array<i32: 1, 1, 0, 1>, padding = [1, 1, 1, 1], strides = [1, 1]}> ({
  ^bb0(%acc: f32, %res: f32):
    %m = arith.addf %res, %acc : f32
    "kernel.yield"(%m) : (f32) -> ()
  }) : (tensor<1x16x5x5xf32>, tensor<16x1x3x3xf32>, tensor<1x16x5x5xf32>) -> tensor<1x16x5x5xf32>
  return %y : tensor<1x16x5x5xf32>
}

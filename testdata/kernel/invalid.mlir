// Kernel verifier errors say what is wrong with the body, the operands or the result.
// RUN: strata-opt %s --split-input-file --verify-diagnostics

func.func @arity(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{the body must take (f32, f32), not (f32)}}
  %y = "kernel.elementwise"(%a, %b) ({
  ^bb0(%x: f32):
    "kernel.yield"(%x) : (f32) -> ()
  }) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @no_yield(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{the body must yield one f32}}
  %y = "kernel.elementwise"(%a) ({
  ^bb0(%x: f32):
    %c = arith.constant 1 : i32
    "kernel.yield"(%c) : (i32) -> ()
  }) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @broadcast(%a: tensor<4x3xf32>, %b: tensor<4xf32>) -> tensor<4x3xf32> {
  // expected-error@+1 {{shapes [4x3] and [4] do not broadcast: dimension 1 of the result is 3 in one and 4 in the other}}
  %y = "kernel.elementwise"(%a, %b) ({
  ^bb0(%x: f32, %z: f32):
    "kernel.yield"(%x) : (f32) -> ()
  }) : (tensor<4x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

func.func @result_shape(%a: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{the inputs broadcast to [4], but the result is [8]}}
  %y = "kernel.elementwise"(%a) ({
  ^bb0(%x: f32):
    "kernel.yield"(%x) : (f32) -> ()
  }) : (tensor<4xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

func.func @extra_too_big(%x: tensor<1x8x4x4xf32>, %w: tensor<8x8x1x1xf32>, %r: tensor<2x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  // expected-error@+1 {{operand #2 of shape [2x8x4x4] does not broadcast to the result's [1x8x4x4]}}
  %y = "kernel.conv2d"(%x, %w, %r) <{operandSegmentSizes = array<i32: 1, 1, 0, 1>}> ({
  ^bb0(%acc: f32, %res: f32):
    "kernel.yield"(%acc) : (f32) -> ()
  }) : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>, tensor<2x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

func.func @epilogue_args(%a: tensor<3x5xf32>, %b: tensor<5x7xf32>) -> tensor<3x7xf32> {
  // expected-error@+1 {{the epilogue must take (f32), not (f32, f32)}}
  %y = "kernel.matmul"(%a, %b) ({
  ^bb0(%acc: f32, %extra: f32):
    "kernel.yield"(%acc) : (f32) -> ()
  }) : (tensor<3x5xf32>, tensor<5x7xf32>) -> tensor<3x7xf32>
  return %y : tensor<3x7xf32>
}

// -----

func.func @conv_shape(%x: tensor<1x8x4x4xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x8x2x2xf32> {
  // expected-error@+1 {{operand #1 (weight): dimension 1 is 4, but the input has 8 channels in 1 groups: 8 per group}}
  %y = "kernel.conv2d"(%x, %w) <{operandSegmentSizes = array<i32: 1, 1, 0, 0>}> ({
  ^bb0(%acc: f32):
    "kernel.yield"(%acc) : (f32) -> ()
  }) : (tensor<1x8x4x4xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x2x2xf32>
  return %y : tensor<1x8x2x2xf32>
}

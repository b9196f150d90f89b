// plan-memory: one arena, offsets from liveness; reshape is a view; elementwise ops write over
// an operand that dies at them; arguments and constants stay outside the arena, results are in
// it (valid until the next run).
// RUN: strata-opt %s --plan-memory --mlir-pass-statistics 2>%t.stats | FileCheck %s
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.stats

// CHECK: func.func @f({{.*}}) -> tensor<1x16x1x1xf32> attributes {plan.arena_bytes = 8192 : i64, plan.lower_bound_bytes = 8192 : i64}
// CHECK-NEXT: "nn.relu"(%arg0) {plan.offset = 0 : i64}
// CHECK-NEXT: "nn.conv2d"({{.*}} {plan.offset = 4096 : i64}
// CHECK-NEXT: "nn.sigmoid"({{.*}} {plan.offset = 4096 : i64}
// CHECK-NEXT: "nn.add"({{.*}} {plan.offset = 4096 : i64}
// CHECK-NEXT: "nn.reshape"({{.*}} {plan.offset = 4096 : i64}
// CHECK-NEXT: "nn.softmax"({{.*}} {plan.offset = 0 : i64}
// CHECK-NEXT: "nn.reshape"({{.*}} {plan.offset = 0 : i64}
// CHECK-NEXT: "nn.global_avg_pool2d"({{.*}} {plan.offset = 4096 : i64}
// STATS: (S)  8192 arena-bytes
// STATS: (S)  8192 lower-bound-bytes
// STATS: (S) 20544 unshared-bytes
// STATS: (S)     2 in-place
func.func @f(%x: tensor<1x16x8x8xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<1x16x1x1xf32> {
  %a = "nn.relu"(%x) : (tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %b = "nn.conv2d"(%a, %w) {padding = [1, 1, 1, 1]} : (tensor<1x16x8x8xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x8x8xf32>
  %c = "nn.sigmoid"(%b) : (tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %d = "nn.add"(%c, %a) : (tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %r = "nn.reshape"(%d) {shape = [1, 16, 64]} : (tensor<1x16x8x8xf32>) -> tensor<1x16x64xf32>
  %s = "nn.softmax"(%r) {axis = -1 : i64} : (tensor<1x16x64xf32>) -> tensor<1x16x64xf32>
  %t = "nn.reshape"(%s) {shape = [1, 16, 8, 8]} : (tensor<1x16x64xf32>) -> tensor<1x16x8x8xf32>
  %g = "nn.global_avg_pool2d"(%t) : (tensor<1x16x8x8xf32>) -> tensor<1x16x1x1xf32>
  return %g : tensor<1x16x1x1xf32>
}

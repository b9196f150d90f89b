// Constants at the loop level, as upstream MLIR writes them: lower-to-loops makes each
// nn.constant a private constant memref.global (a dense_resource blob stays that blob, by
// key), read with memref.get_global; arenas are uninitialized definitions. Interpreted and
// compiled, the lowered code gives the graph's outputs, and in objects constant globals are
// read-only data.
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(plan-memory), lower-to-loops)' | FileCheck %s
// RUN: strata-run %s --entry affine --random-inputs 3 --output-dir %t > /dev/null
// RUN: strata-run %s --entry affine --input %t/input0.npy --pass-pipeline='builtin.module(func.func(plan-memory), lower-to-loops)' --verify-each-pass --compare %t/output0.npy | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry affine --input %t/input0.npy --target host --compare %t/output0.npy | FileCheck %s --check-prefix=SAME
// RUN: strata-run %s --entry affine --input %t/input0.npy --target x86-64 --compare %t/output0.npy | FileCheck %s --check-prefix=SAME
// RUN: strata-translate %s --target x86-64 --pass-pipeline='builtin.module(func.func(plan-memory), lower-to-loops)' -o %t/affine.o
// RUN: objdump -t %t/affine.o | FileCheck %s --check-prefix=OBJ

// CHECK: memref.global "private" @affine_arena : memref<{{[0-9]+}}xi8> = uninitialized {alignment = 64 : i64}
// CHECK: memref.global "private" constant @affine_constant_0 : memref<4xf32> = dense_resource<w> {alignment = 64 : i64}
// CHECK: memref.global "private" constant @affine_constant_1 : memref<4xf32> = dense<[5.000000e-01, -1.000000e+00, 2.500000e-01, 2.000000e+00]> {alignment = 64 : i64}
// CHECK-LABEL: func.func @affine
// CHECK-NOT: nn.constant
// CHECK-DAG: memref.get_global @affine_constant_0 : memref<4xf32>
// CHECK-DAG: memref.get_global @affine_constant_1 : memref<4xf32>
// CHECK: return
// CHECK: dialect_resources
// CHECK-NEXT: builtin
// CHECK-NEXT: w: "0x040000000000C03F000020C10000803E0000A040"

// SAME: compare: all 1 outputs match

// OBJ-DAG: .rodata{{.*}} __strata.global.affine_constant_0
// OBJ-DAG: .rodata{{.*}} __strata.global.affine_constant_1
// OBJ-DAG: .bss{{.*}} __strata.global.affine_arena

func.func @affine(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %w = "nn.constant"() {value = dense_resource<w> : tensor<4xf32>} : () -> tensor<4xf32>
  %b = "nn.constant"() {value = dense<[0.5, -1.0, 0.25, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %m = "nn.mul"(%x, %w) : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  %y = "nn.add"(%m, %b) : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000C03F000020C10000803E0000A040"
    }
  }
#-}

// lower-to-loops: tensors become memrefs of the same shapes, each op a loop nest; with a
// memory plan, one arena and views; vectorize and tile reshape the nests. strata-run gives
// the same outputs at every level for the same inputs.
// RUN: strata-opt %s --pass-pipeline='builtin.module(lower-to-loops)' | FileCheck %s
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(plan-memory), lower-to-loops)' | FileCheck %s --check-prefix=PLAN
// RUN: strata-opt %s --pass-pipeline='builtin.module(lower-to-loops, func.func(vectorize))' | FileCheck %s --check-prefix=VEC
// RUN: strata-opt %s --pass-pipeline='builtin.module(lower-to-loops, func.func(tile{size=2}))' | FileCheck %s --check-prefix=TILE
// RUN: rm -rf %t && strata-run %s --entry f --random-inputs 3 --output-dir %t > /dev/null
// RUN: strata-run %s --entry f --input %t/input0.npy --input %t/input1.npy --pass-pipeline='builtin.module(func.func(egraph-opt, plan-memory), lower-to-loops, func.func(vectorize, tile{size=4}))' --verify-each-pass --compare %t/output0.npy 2>&1 | FileCheck %s --check-prefix=EXEC
// The same pipelines compiled (JIT for the host, x86-64 object) give the same outputs.
// RUN: strata-run %s --entry f --input %t/input0.npy --input %t/input1.npy --target host --pass-pipeline='builtin.module(func.func(egraph-opt, plan-memory), lower-to-loops, func.func(vectorize, tile{size=4}))' --compare %t/output0.npy 2>&1 | FileCheck %s --check-prefix=COMPILED
// RUN: strata-run %s --entry f --input %t/input0.npy --input %t/input1.npy --target x86-64 --pass-pipeline='builtin.module(lower-to-loops, func.func(vectorize{width=8}))' --compare %t/output0.npy 2>&1 | FileCheck %s --check-prefix=COMPILED
// COMPILED: compare: all 1 outputs match

// CHECK-LABEL: func.func @f(%arg0: memref<4x6xf32>, %arg1: memref<6xf32>) -> memref<4x6xf32>
// CHECK:         memref.alloc() : memref<4x6xf32>
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step (%{{.*}}, %{{.*}}) {
// CHECK:           memref.load %arg0[%{{.*}}, %{{.*}}] : memref<4x6xf32>
// CHECK:           memref.load %arg1[%{{.*}}] : memref<6xf32>
// CHECK:           arith.addf
// CHECK:           memref.store
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step (%{{.*}}, %{{.*}}) {
// CHECK:           arith.maximumf
// CHECK:         return %{{.*}} : memref<4x6xf32>

// With the plan, nothing is allocated: results live in a static arena, defined (`initial_value`
// is `unit`: uninitialized, not a declaration) and aligned to a cache line.
// PLAN: memref.global "private" @f_arena : memref<128xi8> = uninitialized {alignment = 64 : i64}
// PLAN: %[[ARENA:.*]] = memref.get_global @f_arena : memref<128xi8>
// PLAN-NOT: memref.alloc
// PLAN: memref.view %[[ARENA]][%{{.*}}] [] : memref<128xi8> to memref<4x6xf32>
// PLAN-NOT: memref.alloc

// VEC: vector.load %arg0[%{{.*}}, %{{.*}}] : memref<4x6xf32>, vector<4xf32>
// VEC: arith.addf %{{.*}}, %{{.*}} : vector<4xf32>
// VEC: vector.store
// The two leftover columns run in the scalar loop.
// VEC: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %[[C4:.*]]) to (%c4, %c6)

// TILE: scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step (%{{.*}}, %{{.*}}) {
// TILE-NEXT:   scf.parallel

// EXEC: verify-each-pass: every pass kept the results
// EXEC: compare: all 1 outputs match

func.func @f(%x: tensor<4x6xf32>, %b: tensor<6xf32>) -> tensor<4x6xf32> {
  %a = "nn.add"(%x, %b) : (tensor<4x6xf32>, tensor<6xf32>) -> tensor<4x6xf32>
  %r = "nn.relu"(%a) : (tensor<4x6xf32>) -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}


// Buffers of sizes known when the code runs: a static buffer cast to dynamic sizes, read back
// with memref.dim and memref.rank, copied into an allocation of those sizes and cast back,
// gives what the same arithmetic on the graph gives (the interpreter runs both). A cast to
// sizes the buffer does not have is an error at the cast; the Cranelift backend compiles
// static shapes only, and says so.
// RUN: rm -rf %t && strata-run %s --entry graph --random-inputs 4 --output-dir %t > /dev/null
// RUN: strata-run %s --entry loops --input %t/input0.npy --compare %t/output0.npy --rtol 0 --atol 0 | FileCheck %s
// CHECK: compare: all 1 outputs match
// RUN: not strata-run %s --entry bad_cast --input %t/input0.npy 2>&1 | FileCheck %s --check-prefix=CAST
// CAST: dynamic-memref.mlir:[[@LINE+36]]:{{[0-9]+}}: error: 'memref.cast' op a value of shape [3, 4] cast to [4, 3]
// RUN: not strata-run %s --entry loops --input %t/input0.npy --target host 2>&1 | FileCheck %s --check-prefix=HOST
// HOST: error:
// HOST-NOT: panicked

// x * 2 + rank, rank being 2.
func.func @graph(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %two = "nn.constant"() {value = dense<2.0> : tensor<3x4xf32>} : () -> tensor<3x4xf32>
  %y = "nn.mul"(%x, %two) : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %z = "nn.add"(%y, %two) : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return %z : tensor<3x4xf32>
}

func.func @loops(%m: memref<3x4xf32>) -> memref<3x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d = memref.cast %m : memref<3x4xf32> to memref<?x?xf32>
  %rows = memref.dim %d, %c0 : memref<?x?xf32>
  %cols = memref.dim %d, %c1 : memref<?x?xf32>
  %rank = memref.rank %d : memref<?x?xf32>
  %ri = arith.index_cast %rank : index to i32
  %rf = arith.sitofp %ri : i32 to f32
  %two = arith.constant 2.0 : f32
  %out = memref.alloc(%rows, %cols) : memref<?x?xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %cols) step (%c1, %c1) {
    %x = memref.load %d[%i, %j] : memref<?x?xf32>
    %y = arith.mulf %x, %two : f32
    %z = arith.addf %y, %rf : f32
    memref.store %z, %out[%i, %j] : memref<?x?xf32>
  }
  %s = memref.cast %out : memref<?x?xf32> to memref<3x4xf32>
  return %s : memref<3x4xf32>
}

func.func @bad_cast(%m: memref<3x4xf32>) -> memref<4x3xf32> {
  %d = memref.cast %m : memref<3x4xf32> to memref<?x?xf32>
  %s = memref.cast %d : memref<?x?xf32> to memref<4x3xf32>
  return %s : memref<4x3xf32>
}

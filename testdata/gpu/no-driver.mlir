// Where no NVIDIA driver is installed, --target cuda says so and exits 1 (the binary itself
// starts: the driver library is loaded at run time); no output file is written.
// UNSUPPORTED: cuda
// RUN: rm -rf %t && mkdir -p %t
// RUN: not strata-run %s --random-inputs 1 --target cuda --output-dir %t 2>&1 | FileCheck %s
// RUN: not test -e %t/output0.npy
// CHECK: error: no CUDA driver: libcuda.so could not be loaded (is an NVIDIA driver installed?)
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

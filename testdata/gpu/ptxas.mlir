// The PTX of graphs of every kind of kernel assembles for sm_90 and sm_80 (`ptxas` from the
// PyPI wheel `nvidia-cuda-nvcc-cu12`, as CI installs it).
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-translate %S/ptx.mlir --target cuda -o %t/g.ptx
// RUN: ptxas -arch=sm_90 %t/g.ptx -o %t/g.cubin
// RUN: strata-translate %S/../codegen/graphs-compiled.mlir --target cuda -o %t/c.ptx
// RUN: ptxas -arch=sm_90 -v %t/c.ptx -o %t/c.cubin 2>&1 | FileCheck %s
// RUN: strata-translate %S/../codegen/graphs-compiled.mlir --target cuda --cpu sm_80 -o %t/c80.ptx
// RUN: ptxas -arch=sm_80 %t/c80.ptx -o %t/c80.cubin
// CHECK: Compiling entry function 'ints_kernel_0' for 'sm_90'
// CHECK: 0 bytes spill stores, 0 bytes spill loads

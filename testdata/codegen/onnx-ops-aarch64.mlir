// The ONNX importer's ops (onnx-ops.mlir) compiled for AArch64, linked with a generated C
// driver and run under qemu-aarch64, against the interpreter on the same random inputs, with
// onnx-ops.mlir's tolerances (reductions and copies exact, transposed convolutions and averages
// within 4e-6), and the gather's bounds check trapping there too.
// REQUIRES: qemu-aarch64
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-run %S/onnx-ops.mlir --entry reduce --random-inputs 41 --output-dir %t/reduce > /dev/null
// RUN: strata-run %S/onnx-ops.mlir --entry reduce --input %t/reduce/input0.npy --target aarch64 --rtol 0 --atol 0 --compare %t/reduce/output0.npy --compare %t/reduce/output1.npy --compare %t/reduce/output2.npy --compare %t/reduce/output3.npy --compare %t/reduce/output4.npy | FileCheck %s
// RUN: strata-run %S/onnx-ops.mlir --entry reduce_ints --random-inputs 42 --output-dir %t/ri > /dev/null
// RUN: strata-run %S/onnx-ops.mlir --entry reduce_ints --input %t/ri/input0.npy --input %t/ri/input1.npy --target aarch64 --rtol 0 --atol 0 --compare %t/ri/output0.npy --compare %t/ri/output1.npy --compare %t/ri/output2.npy --compare %t/ri/output3.npy | FileCheck %s
// RUN: strata-run %S/onnx-ops.mlir --entry tokens --random-inputs 43 --output-dir %t/tokens > /dev/null
// RUN: strata-run %S/onnx-ops.mlir --entry tokens --input %t/tokens/input0.npy --input %t/tokens/input1.npy --input %t/tokens/input2.npy --input %t/tokens/input3.npy --target aarch64 --rtol 0 --atol 0 --compare %t/tokens/output0.npy --compare %t/tokens/output1.npy --compare %t/tokens/output2.npy --compare %t/tokens/output3.npy | FileCheck %s
// RUN: strata-run %S/onnx-ops.mlir --entry moves --random-inputs 44 --output-dir %t/moves > /dev/null
// RUN: strata-run %S/onnx-ops.mlir --entry moves --input %t/moves/input0.npy --input %t/moves/input1.npy --target aarch64 --rtol 0 --atol 0 --compare %t/moves/output0.npy --compare %t/moves/output1.npy --compare %t/moves/output2.npy | FileCheck %s
// RUN: strata-run %S/onnx-ops.mlir --entry windows --random-inputs 45 --output-dir %t/windows > /dev/null
// RUN: strata-run %S/onnx-ops.mlir --entry windows --input %t/windows/input0.npy --input %t/windows/input1.npy --input %t/windows/input2.npy --target aarch64 --rtol 0 --atol 4e-6 --compare %t/windows/output0.npy --compare %t/windows/output1.npy --compare %t/windows/output2.npy | FileCheck %s
// RUN: strata-run %S/onnx-ops.mlir --entry pads --random-inputs 46 --output-dir %t/pads > /dev/null
// RUN: strata-run %S/onnx-ops.mlir --entry pads --input %t/pads/input0.npy --input %t/pads/input1.npy --target aarch64 --rtol 0 --atol 0 --compare %t/pads/output0.npy --compare %t/pads/output1.npy --compare %t/pads/output2.npy | FileCheck %s
// CHECK: compare: all {{[0-9]}} outputs match within rtol=0e0 atol=
// RUN: not strata-run %S/onnx-ops.mlir --entry gather_oob --random-inputs 47 --output-dir %t/oob > /dev/null 2>&1
// RUN: not strata-run %S/onnx-ops.mlir --entry gather_oob --input %t/oob/input0.npy --input %t/oob/input1.npy --target aarch64 2>&1 | FileCheck %s --check-prefix=OOB
// OOB: onnx-ops.mlir:{{[0-9]+}}:{{[0-9]+}}: {{.*}}'cf.assert' op an index is outside [-4, 4): dimension 0 of the gathered data has size 4

// Graphs to PTX (`strata-translate --target cuda`): the kernels' text, and a listing of the
// kernels and their launches. `ptxas.mlir` assembles the same text.
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-translate %s --target cuda -o %t/g.ptx --listing %t/g.txt
// RUN: FileCheck %s --input-file %t/g.ptx
// RUN: FileCheck %s --input-file %t/g.txt --check-prefix=LIST
// RUN: strata-translate %s --target cuda --cpu sm_80 -o %t/g80.ptx
// RUN: FileCheck %s --input-file %t/g80.ptx --check-prefix=SM80
// RUN: not strata-translate %s --target cuda --cpu sm_70 -o %t/no.ptx 2>&1 | FileCheck %s --check-prefix=SM70
// RUN: not strata-translate %S/Inputs/f64-exp.mlir --target cuda -o %t/no.ptx 2>&1 | FileCheck %s --check-prefix=EXP
// RUN: not strata-translate %S/../codegen/programs.mlir --target cuda -o %t/no.ptx 2>&1 | FileCheck %s --check-prefix=CALL
// RUN: not test -e %t/no.ptx

// CHECK: .version 8.0
// CHECK: .target sm_90
// CHECK: .address_size 64
// CHECK: .visible .global .align 4 .u32 __strata_trap;
// The chain: four neighbouring elements a thread, read and written as one 16-byte vector (the
// buffers start 256-byte aligned, rows of 64 keep the vectors aligned), the mul-add fused,
// ReLU as max.NaN (NaN stays NaN).
// CHECK-LABEL: .visible .entry g_kernel_0(
// CHECK-NEXT: .param .u64 g_kernel_0_param_0,
// CHECK: .maxntid 256, 1, 1
// CHECK: cvta.to.global.u64
// CHECK: mov.u32 %r{{[0-9]+}}, %ctaid.x;
// CHECK: mov.u32 %r{{[0-9]+}}, %tid.x;
// CHECK: ld.global.v4.f32 {%f{{[0-9]+}}, %f{{[0-9]+}}, %f{{[0-9]+}}, %f{{[0-9]+}}}, [%rd{{[0-9]+}}+0];
// CHECK-COUNT-4: fma.rn.f32
// CHECK: max.NaN.f32
// CHECK: st.global.v4.f32 [%rd{{[0-9]+}}+0], {%f{{[0-9]+}}, %f{{[0-9]+}}, %f{{[0-9]+}}, %f{{[0-9]+}}};
// CHECK: ret;
// Integer division checks its divisor: a zero records the trap site and divides by one.
// CHECK-LABEL: .visible .entry ints_kernel_0(
// CHECK: setp.eq.s32 [[ZERO:%p[0-9]+]], %r{{[0-9]+}}, 0;
// CHECK: @[[ZERO]] st.global.u32 [__strata_trap], %r{{[0-9]+}};
// CHECK: div.s32

// Unsigned: only zero is checked (all ones is a large divisor, not -1).
// CHECK-LABEL: .visible .entry udiv_kernel_0(
// CHECK: setp.eq.s32 [[Z:%p[0-9]+]], %r{{[0-9]+}}, 0;
// CHECK-NOT: , -1;
// CHECK: div.u32

// LIST: kernels:
// LIST-NEXT: g_kernel_0 (ptr, ptr, ptr)
// LIST: launches:
// LIST-NEXT: @g_kernels::@g_kernel_0 blocks (4, 1, 1) threads (256, 1, 1) args 3

// SM80: .target sm_80
// SM70: error: --cpu sm_70: PTX is written for sm_80 or sm_90
// EXP: f64-exp.mlir:2:8: error: 'math.exp' op cannot be emitted as PTX: no PTX lowering for this op
// A call left in a kernel (a function of several blocks is not inlined) is refused at the call.
// CALL: programs.mlir:145:12: error: 'func.call' op calls @steps from GPU code: kernels cannot call functions (not inlined)

func.func @g(%x: tensor<64x64xf32>, %y: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %a = "nn.mul"(%x, %y) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %b = "nn.add"(%a, %x) : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %c = "nn.relu"(%b) : (tensor<64x64xf32>) -> tensor<64x64xf32>
  return %c : tensor<64x64xf32>
}

func.func @ints(%x: tensor<4x8xi32>, %y: tensor<4x8xi32>) -> tensor<4x8xi32> {
  %a = "nn.div"(%x, %y) : (tensor<4x8xi32>, tensor<4x8xi32>) -> tensor<4x8xi32>
  return %a : tensor<4x8xi32>
}

func.func @udiv(%x: memref<8xi32>, %y: memref<8xi32>) -> memref<8xi32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %out = memref.alloc() : memref<8xi32>
  "scf.parallel"(%c0, %c8, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    %a = memref.load %x[%i] : memref<8xi32>
    %b = memref.load %y[%i] : memref<8xi32>
    %q = arith.divui %a, %b : i32
    memref.store %q, %out[%i] : memref<8xi32>
    "scf.reduce"() : () -> ()
  }) : (index, index, index) -> ()
  return %out : memref<8xi32>
}
